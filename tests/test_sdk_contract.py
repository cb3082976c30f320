"""The Pulumi SDK internals the offline plan relies on still behave as offline_plan/sdk.py expects.

Each test exercises one internal (listed in offline_plan/sdk.py's docstring) on a tiny example,
without running a stack, so the whole file takes well under a second. After an SDK upgrade a
failure names the internal: adapt offline_plan/sdk.py, not its callers (docs/testing.md,
"Upgrading the Pulumi SDK").
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

# An internal that is gone fails this import, with a message that names it (offline_plan/sdk.py, _gone).
from offline_plan import sdk

VERSION = importlib.metadata.version("pulumi")
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


def broken(internal: str, what: str) -> str:
    """The failure message: which internal changed, and where to adapt to it."""
    return (
        f"pulumi {VERSION}: {internal} {what}. Adapt offline_plan/sdk.py (its docstring lists each "
        "internal and why it is used), then rerun tests/test_sdk_contract.py; docs/testing.md has the procedure."
    )


@contextmanager
def exercising(internal: str) -> Iterator[None]:
    """Turn an exception raised by ``internal`` into a failure that names it."""
    try:
        yield
    except AssertionError:
        raise
    except Exception as err:
        pytest.fail(broken(internal, f"raised {err!r}"))


def test_the_installed_sdk_is_the_pinned_and_checked_one() -> None:
    pin = re.search(r"^pulumi>=(\d+)\.(\d+),<(\d+)\.(\d+)", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pin, f"{REQUIREMENTS.name}: no `pulumi>=X.Y,<X.Z` line"
    low, high = (int(pin[1]), int(pin[2])), (int(pin[3]), int(pin[4]))
    installed = tuple(int(p) for p in VERSION.split(".")[:2])
    assert low <= installed < high, f"pulumi {VERSION} is installed, outside the pin in requirements.txt; reinstall"
    assert f"{low[0]}.{low[1]}" == sdk.CHECKED_AGAINST, (
        f"requirements.txt pins pulumi {low[0]}.{low[1]} but offline_plan/sdk.py says it was checked against "
        f"{sdk.CHECKED_AGAINST}: once the other contract tests pass, update CHECKED_AGAINST and its docstring"
    )


def test_the_signatures_called_are_unchanged() -> None:
    from pulumi.runtime import mocks, rpc

    params = list(inspect.signature(rpc.serialize_properties).parameters)
    assert params[:2] == ["inputs", "property_deps"], broken(
        "pulumi.runtime.rpc.serialize_properties", f"takes {params}"
    )
    for method in ("make_urn", "RegisterResource", "Invoke"):
        assert callable(getattr(mocks.MockMonitor, method, None)), broken(f"MockMonitor.{method}", "is gone")
    params = list(inspect.signature(mocks.MockMonitor.make_urn).parameters)
    assert params == ["self", "parent", "type_", "name"], broken("MockMonitor.make_urn", f"takes {params}")
    fields = mocks.MockMonitor.ResourceRegistration._fields
    assert fields == ("urn", "id", "state"), broken("MockMonitor.ResourceRegistration", f"has fields {fields}")
    params = list(inspect.signature(mocks.set_mocks).parameters)
    missing = {"mocks", "project", "stack", "preview", "logger", "monitor"} - set(params)
    assert not missing, broken("pulumi.runtime.mocks.set_mocks", f"lost parameters {sorted(missing)}")


def test_wire_signatures_are_the_engines() -> None:
    # Fixed by the engine protocol (sdk/go/common/resource/properties.go): these never change on the wire.
    assert sdk.SIG_KEY == "4dabf18193072939515e22adb298388d", broken("rpc._special_sig_key", "changed")
    assert sdk.SECRET_SIG == "1b47061264138c4ac30d75fd1eb44270", broken("rpc._special_secret_sig", "changed")
    assert sdk.RESOURCE_SIG == "5cf8f73096256a8f31e491e813e4eb8e", broken("rpc._special_resource_sig", "changed")
    assert sdk.UNKNOWN == "04da6b54-80e4-46f7-96ec-b56ff0331ba9", broken("rpc.UNKNOWN", "changed")


def test_serialize_runs_to_completion_on_a_thread_without_a_loop() -> None:
    # The SDK calls the monitor on a gRPC worker thread that has no event loop.
    result: dict[str, Any] = {}

    def worker() -> None:
        try:
            result["struct"] = sdk.serialize({"size": 3, "name": "a", "tags": ["x"], "none": None})
        except Exception as err:  # reported below, on the test's thread
            result["error"] = err

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=5)
    assert "error" not in result, broken(
        "rpc.serialize_properties / sync_await._sync_await / _ensure_event_loop",
        f"fail on a thread without an event loop: {result.get('error')!r}",
    )
    struct = result.get("struct")
    assert isinstance(struct, struct_pb2.Struct), broken("rpc.serialize_properties", f"returns {type(struct)}")
    assert json_format.MessageToDict(struct) == {"size": 3.0, "name": "a", "tags": ["x"]}, broken(
        "rpc.serialize_properties", f"serializes to {json_format.MessageToDict(struct)}"
    )


def test_a_registration_request_is_read_field_by_field() -> None:
    from pulumi.runtime.proto import alias_pb2, resource_pb2

    with exercising("resource_pb2.RegisterResourceRequest fields (offline_plan/sdk.py, read_registration)"):
        inputs = struct_pb2.Struct()
        inputs.update({"size": 3, "secret": {sdk.SIG_KEY: sdk.SECRET_SIG, "value": "s"}})
        request = resource_pb2.RegisterResourceRequest(
            type="test:index:Thing",
            name="a",
            parent="urn:parent",
            provider="urn:provider::id",
            providers={"aws": "urn:aws::id"},
            custom=True,
            object=inputs,
            dependencies=["urn:b", "urn:a"],
            propertyDependencies={"size": resource_pb2.RegisterResourceRequest.PropertyDependencies(urns=["urn:a"])},
            protect=True,
            ignoreChanges=["tags"],
            deleteBeforeReplace=True,
            retainOnDelete=False,
            aliases=[alias_pb2.Alias(urn="urn:old"), alias_pb2.Alias(spec=alias_pb2.Alias.Spec(name="older"))],
            replaceOnChanges=["size"],
            importId="i-1",
        )
        got = sdk.read_registration(request, "urn:a")
    want = sdk.Registration(
        urn="urn:a",
        type="test:index:Thing",
        name="a",
        parent="urn:parent",
        provider="urn:provider::id",
        providers={"aws": "urn:aws::id"},
        custom=True,
        inputs={"size": 3.0, "secret": {sdk.SIG_KEY: sdk.SECRET_SIG, "value": "s"}},
        dependencies=["urn:b", "urn:a"],
        property_dependencies={"size": ["urn:a"]},
        protect=True,
        ignore_changes=["tags"],
        delete_before_replace=True,
        retain_on_delete=False,
        aliases=["urn:old", '{"name":"older"}'],
        replace_on_changes=["size"],
        import_id="i-1",
    )
    assert got == want, broken("resource_pb2.RegisterResourceRequest", f"reads as {got}")
    with exercising("RegisterResourceRequest.protect / retainOnDelete presence"):
        unset = sdk.read_registration(resource_pb2.RegisterResourceRequest(type="t", name="n"), "urn:n")
    assert (unset.protect, unset.retain_on_delete) == (None, None), broken(
        "RegisterResourceRequest.protect / retainOnDelete", "are no longer optional (presence-tracked) fields"
    )


def test_an_invoke_request_is_read() -> None:
    from pulumi.runtime.proto import resource_pb2

    args = struct_pb2.Struct()
    args.update({"name": "/x"})
    with exercising("resource_pb2.ResourceInvokeRequest fields (offline_plan/sdk.py, read_invoke)"):
        request = resource_pb2.ResourceInvokeRequest(tok="aws:ssm/getParameter:getParameter", args=args, provider="p")
        got = sdk.read_invoke(request)
    assert got == sdk.InvokeRequest("aws:ssm/getParameter:getParameter", {"name": "/x"}, "p"), broken(
        "resource_pb2.ResourceInvokeRequest", f"reads as {got}"
    )


class TinyMocks(Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {"value": f"answer-to-{args.args.get('key')}"}, []


def tiny_run(program: Any) -> tuple[Any, dict[str, tuple[Any, bool]]]:
    """Run ``program`` under TinyMocks and a monitor built on sdk.RecordingMonitorBase."""

    class Monitor(sdk.RecordingMonitorBase):
        def __init__(self, mocks: Mocks) -> None:
            super().__init__(mocks)
            self.seen: dict[str, Any] = {}
            self.invoked: list[Any] = []

        def on_register(self, registration: Any) -> tuple[str, dict[str, Any]]:
            self.seen[registration.name] = registration
            return TinyMocks().new_resource(MockResourceArgs(registration.type, registration.name, {}))

        def on_invoke(self, invoke: Any) -> None:
            self.invoked.append(invoke)

    mocks = TinyMocks()
    monitor = Monitor(mocks)
    with exercising("pulumi.runtime.settings.ROOT / pulumi.runtime.mocks.set_mocks (offline_plan/sdk.py, install)"):
        sdk.install(mocks, monitor, project="contract", stack="test", logger=logging.getLogger("sdk-contract"))
    exports: dict[str, tuple[Any, bool]] = {}

    async def collect() -> None:
        for name, value in sdk.stack_outputs().items():
            exports[name] = await sdk.resolve(value)

    def run() -> Any:
        program()
        return collect()

    with exercising("the mocked runtime (MockMonitor, serialize_properties, _sync_await, pulumi.runtime.test)"):
        sdk.run(run)
    return monitor, exports


def thing(name: str, props: dict[str, Any], **opts: Any) -> pulumi.CustomResource:
    return pulumi.CustomResource("test:index:Thing", name, props, opts=pulumi.ResourceOptions(**opts))


@pytest.fixture(scope="module")
def tiny() -> tuple[Any, dict[str, tuple[Any, bool]]]:
    def program() -> None:
        a = thing("a", {"size": 3, "password": pulumi.Output.secret("hunter2")}, protect=True)
        group = pulumi.ComponentResource("test:index:Group", "g")
        thing("b", {"peer": a}, parent=group, depends_on=[a])
        answer = pulumi.runtime.invoke("test:index:lookup", {"key": "k"}).value["value"]
        pulumi.export("answer", answer)
        pulumi.export("id", a.id)
        pulumi.export("hidden", pulumi.Output.secret("s"))

    return tiny_run(program)


def registered(monitor: Any, *names: str) -> list[Any]:
    """The registrations the monitor saw under these names; a failure names the internal when one is missing."""
    missing = [n for n in names if n not in monitor.seen]
    assert not missing, broken(
        "MockMonitor.RegisterResource (called by the SDK on set_mocks' monitor)",
        f"was not called for {missing} (saw {sorted(monitor.seen)})",
    )
    return [monitor.seen[n] for n in names]


def test_the_sdk_sends_each_registration_to_the_monitor(tiny: Any) -> None:
    monitor, _ = tiny
    a, g, b = registered(monitor, "a", "g", "b")
    assert set(monitor.seen) == {"a", "g", "b"}, broken(
        "MockMonitor.RegisterResource", f"saw {sorted(monitor.seen)}, and the root stack must not reach on_register"
    )
    assert a.urn == "urn:pulumi:test::contract::pulumi:pulumi:Stack$test:index:Thing::a", broken(
        "MockMonitor.make_urn", f"builds {a.urn}"
    )
    assert (a.custom, g.custom, a.protect) == (True, False, True), broken(
        "RegisterResourceRequest.custom / protect", f"read {a.custom, g.custom, a.protect}"
    )
    assert (b.parent, b.dependencies) == (g.urn, [a.urn]), broken(
        "RegisterResourceRequest.parent / dependencies", f"read {b.parent, b.dependencies}"
    )


def test_inputs_arrive_in_wire_form(tiny: Any) -> None:
    monitor, _ = tiny
    a, b = registered(monitor, "a", "b")
    assert a.inputs == {"size": 3.0, "password": {sdk.SIG_KEY: sdk.SECRET_SIG, "value": "hunter2"}}, broken(
        "rpc._special_secret_sig (secrets in wire inputs)", f"inputs read {a.inputs}"
    )
    peer = b.inputs.get("peer", {})
    assert peer.get(sdk.SIG_KEY) == sdk.RESOURCE_SIG and peer.get("urn") == a.urn, broken(
        "rpc._special_resource_sig (resource references in wire inputs)", f"peer reads {peer}"
    )


def test_invokes_reach_on_invoke_and_the_mocks(tiny: Any) -> None:
    monitor, exports = tiny
    assert [(i.token, i.args) for i in monitor.invoked] == [("test:index:lookup", {"key": "k"})], broken(
        "MockMonitor.Invoke (called by the SDK for each invoke)", f"saw {monitor.invoked}"
    )
    assert exports.get("answer") == ("answer-to-k", False), broken(
        "MockMonitor.Invoke (answers through Mocks.call)", f"exported {exports.get('answer')}"
    )


def test_exports_resolve_with_their_secrecy(tiny: Any) -> None:
    _, exports = tiny
    assert exports == {"answer": ("answer-to-k", False), "id": ("a-id", False), "hidden": ("s", True)}, broken(
        "Stack.outputs / Output.future() / Output.is_secret() / pulumi.runtime.test awaiting the returned coroutine",
        f"exports read {exports}",
    )


def test_registered_resources_answer_get_resource(tiny: Any) -> None:
    from pulumi.runtime.proto import resource_pb2

    monitor, _ = tiny
    (a,) = registered(monitor, "a")
    urn = a.urn
    registration = monitor.resources.get(urn)
    assert registration is not None and registration.id == "a-id", broken(
        "MockMonitor.resources / ResourceRegistration", f"hold {registration}"
    )
    args = struct_pb2.Struct()
    args.update({"urn": urn})
    with exercising("MockMonitor.Invoke (pulumi:pulumi:getResource)"):
        response = monitor.Invoke(resource_pb2.ResourceInvokeRequest(tok="pulumi:pulumi:getResource", args=args))
    answer = json_format.MessageToDict(getattr(response, "return"))
    assert (answer.get("urn"), answer.get("id")) == (urn, "a-id"), broken(
        "MockMonitor.Invoke (pulumi:pulumi:getResource from MockMonitor.resources)", f"answers {answer}"
    )


def test_each_run_starts_with_a_fresh_root_stack(tiny: Any) -> None:
    _, exports = tiny_run(lambda: pulumi.export("second", 2))
    assert exports == {"second": (2, False)}, broken(
        "pulumi.runtime.settings.ROOT (cleared so set_mocks makes a new root stack)", f"second run exported {exports}"
    )
