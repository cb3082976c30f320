"""Every Pulumi SDK internal the offline plan relies on, in one place.

The recorder runs the real program under the SDK's mocked runtime and keeps what the program
sends to the engine. The public testing API (``pulumi.runtime.set_mocks``, ``Mocks``,
``MockResourceArgs``, ``MockCallArgs``, ``pulumi.runtime.test``) hands the mocks decoded inputs
only, so the recorder reaches past it. Nothing else in ``offline_plan/`` imports a private or
semi-public SDK name: it imports them from here. ``tests/test_sdk_contract.py`` exercises each
one on a tiny example (well under a second), so an SDK release that changes one fails there,
naming it; docs/testing.md ("Upgrading the Pulumi SDK") has the procedure.

Checked against pulumi 3.272.0 on Python 3.11 (``CHECKED_AGAINST``); requirements.txt pins
``pulumi>=3.272,<3.273``, and the contract test fails until the pin and ``CHECKED_AGAINST`` agree.
A missing internal fails the import of this module with an ImportError that names it.

API: ``SIG_KEY``, ``SECRET_SIG``, ``RESOURCE_SIG``, ``UNKNOWN`` (wire markers); ``Registration``
and ``InvokeRequest`` (decoded requests, values in wire form) with ``read_registration`` and
``read_invoke``; ``serialize``; ``ChildReference`` (a remote component's child in its outputs); ``RecordingMonitorBase`` (subclass it: ``on_register``,
``on_invoke``); ``install``, ``run``, ``stack_outputs`` and ``resolve`` (one mocked run).

Internals used, and why:

- ``pulumi.runtime.rpc._special_sig_key``, ``_special_secret_sig``, ``_special_resource_sig``
  (private constants): how a wire property map marks a secret or a resource reference. The
  recorder reads inputs in wire form, masks secrets and writes references as URNs.
- ``pulumi.runtime.rpc.UNKNOWN`` (module constant): the wire value of an unknown (computed) value.
- ``pulumi.runtime.rpc.serialize_properties`` (semi-public coroutine): turns what the mocks
  answer into the wire ``Struct`` the SDK expects back from ``RegisterResource``.
- ``pulumi.runtime.sync_await._ensure_event_loop`` and ``_sync_await`` (private): the SDK calls
  the monitor on a gRPC worker thread without an event loop, and the answer must be serialized
  synchronously there.
- ``pulumi.runtime.mocks.MockMonitor`` (not exported by ``pulumi.runtime``) and its internals:
  the SDK calls ``RegisterResource(request)`` and ``Invoke(request)`` on the monitor passed to
  ``set_mocks(monitor=...)``; ``make_urn`` builds the URNs the plan records; the base ``Invoke``
  hands invokes to ``Mocks.call`` and answers the SDK's ``pulumi:pulumi:getResource``
  (rehydrating a resource reference in outputs) from ``resources``, a dict of
  ``MockMonitor.ResourceRegistration(urn, id, state)``. ``RegisterResource`` is replaced, not
  extended: the base deserializes inputs and so rehydrates every resource reference (a
  ``getResource`` RPC on the worker thread's loop that can leak into the next run).
- ``pulumi.runtime.proto.resource_pb2`` and ``alias_pb2`` (generated protocol modules): the
  fields of ``RegisterResourceRequest`` and ``ResourceInvokeRequest`` read in
  :func:`read_registration` and :func:`read_invoke` (aliases arrive in ``aliases``; the
  ``aliasSpecs`` field is a flag the SDK leaves False), and ``RegisterResourceResponse``.
- ``pulumi.runtime.settings.ROOT`` (context variable): ``set_mocks`` creates a root ``Stack``
  only when none exists, so it is cleared before each run (else the previous run's exports
  carry over).
- ``Stack.outputs`` (``pulumi.runtime.stack``, attribute of the root resource): where
  ``pulumi.export`` puts the stack's exports.
- ``Output.future()`` and ``Output.is_secret()`` (marked "private implementation details" in
  ``pulumi/output.py``): resolve an export and tell whether it is secret.
- ``pulumi.runtime.test`` (public, untyped): relied on to await the awaitable its function
  returns, so exports are collected inside the run, after every registration.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import Mocks

CHECKED_AGAINST = "3.272"
"""The SDK minor release this module and tests/test_sdk_contract.py were checked against."""


def _gone(internal: str) -> ImportError:
    return ImportError(
        f"pulumi {importlib.metadata.version('pulumi')}: {internal} is gone; offline_plan/sdk.py relies on it "
        f"(checked against pulumi {CHECKED_AGAINST}). Adapt offline_plan/sdk.py, then run "
        "tests/test_sdk_contract.py (docs/testing.md, 'Upgrading the Pulumi SDK')."
    )


def _module(module: str) -> Any:
    """An SDK module, or an ImportError that names it and this file."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise _gone(module) from None


def _internal(module: str, name: str) -> Any:
    """``module.name`` from the SDK, or an ImportError that names it and this file."""
    try:
        return getattr(_module(module), name)
    except AttributeError:
        raise _gone(f"{module}.{name}") from None


if TYPE_CHECKING:
    from pulumi.runtime.mocks import MockMonitor as _MockMonitor
    from pulumi.runtime.proto import alias_pb2, resource_pb2
else:
    _MockMonitor = _internal("pulumi.runtime.mocks", "MockMonitor")
    alias_pb2 = _module("pulumi.runtime.proto.alias_pb2")
    resource_pb2 = _module("pulumi.runtime.proto.resource_pb2")

_set_mocks: Callable[..., None] = _internal("pulumi.runtime.mocks", "set_mocks")
_serialize_properties: Callable[..., Awaitable[struct_pb2.Struct]] = _internal(
    "pulumi.runtime.rpc", "serialize_properties"
)
_sync_await: Callable[[Awaitable[Any]], Any] = _internal("pulumi.runtime.sync_await", "_sync_await")
_ensure_event_loop: Callable[[], object] = _internal("pulumi.runtime.sync_await", "_ensure_event_loop")
_ROOT: ContextVar[pulumi.Resource | None] = _internal("pulumi.runtime.settings", "ROOT")

SIG_KEY: str = _internal("pulumi.runtime.rpc", "_special_sig_key")
"""Key of the signature that marks a special value in a wire property map."""
SECRET_SIG: str = _internal("pulumi.runtime.rpc", "_special_secret_sig")
"""Signature of a secret: ``{SIG_KEY: SECRET_SIG, "value": ...}``."""
RESOURCE_SIG: str = _internal("pulumi.runtime.rpc", "_special_resource_sig")
"""Signature of a resource reference: ``{SIG_KEY: RESOURCE_SIG, "urn": ..., "id": ...}``."""
UNKNOWN: str = _internal("pulumi.runtime.rpc", "UNKNOWN")
"""Wire value of an unknown (computed) value."""

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One ``RegisterResource`` request, decoded; ``inputs`` stay in wire form (see SIG_KEY)."""

    urn: str
    type: str
    name: str
    parent: str
    provider: str
    providers: dict[str, str]
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool | None
    ignore_changes: list[str]
    delete_before_replace: bool
    retain_on_delete: bool | None
    aliases: list[str]
    """The ``aliases`` option: a URN, or a spec as compact JSON (``{"name":"old","parentUrn":""}``)."""
    replace_on_changes: list[str]
    import_id: str


@dataclass(frozen=True)
class InvokeRequest:
    """One ``Invoke`` request, decoded; ``args`` stay in wire form."""

    token: str
    args: dict[str, Any]
    provider: str


def _alias_text(alias: alias_pb2.Alias) -> str:
    """An alias as text: its URN, or its spec (name, type, parentUrn...) as compact JSON."""
    if alias.WhichOneof("alias") == "urn":
        return alias.urn
    return json.dumps(json_format.MessageToDict(alias.spec), sort_keys=True, separators=(",", ":"))


def read_registration(request: resource_pb2.RegisterResourceRequest, urn: str) -> Registration:
    """The fields of a ``RegisterResourceRequest`` the recorder keeps."""
    return Registration(
        urn=urn,
        type=request.type,
        name=request.name,
        parent=request.parent,
        provider=request.provider,
        providers=dict(request.providers),
        custom=bool(request.custom),
        inputs=json_format.MessageToDict(request.object),
        dependencies=list(request.dependencies),
        property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
        protect=request.protect if request.HasField("protect") else None,
        ignore_changes=list(request.ignoreChanges),
        delete_before_replace=request.deleteBeforeReplace,
        retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
        aliases=[_alias_text(a) for a in request.aliases],
        replace_on_changes=list(request.replaceOnChanges),
        import_id=request.importId,
    )


def read_invoke(request: resource_pb2.ResourceInvokeRequest) -> InvokeRequest:
    """The fields of a ``ResourceInvokeRequest`` the recorder keeps."""
    return InvokeRequest(token=request.tok, args=json_format.MessageToDict(request.args), provider=request.provider)


def serialize(state: Mapping[str, Any]) -> struct_pb2.Struct:
    """Plain values (what mocks answer) as a wire ``Struct``, computed synchronously on this thread."""
    _ensure_event_loop()
    struct: struct_pb2.Struct = _sync_await(_serialize_properties(dict(state), {}))
    return struct


@dataclass(frozen=True)
class ChildReference:
    """An output of a remote component that is one of its children (pulumi-eks ``eksCluster``).

    The mocks answer it in a component's outputs; the monitor files the child under a URN below
    the component and answers it as a resource reference, which the SDK rehydrates with a
    ``pulumi:pulumi:getResource`` invoke the base ``Invoke`` answers from ``resources``.
    """

    type: str
    """The child's type token (``aws:eks/cluster:Cluster``)."""
    name: str
    """Its logical name (``<component>-eksCluster``)."""
    id: str
    """Its id."""
    state: Mapping[str, Any]
    """Its outputs, in wire names (camelCase)."""


class RecordingMonitorBase(_MockMonitor):
    """The SDK's mock monitor, answering registrations through :meth:`on_register`.

    Subclasses implement ``on_register`` (return the id and outputs of a registration) and may
    override ``on_invoke`` (called before the mocks answer an invoke). The root stack's own
    registration is answered here and reaches neither.
    """

    def on_register(self, registration: Registration) -> tuple[str, dict[str, Any]]:
        """Id and outputs of one registration."""
        raise NotImplementedError

    def on_invoke(self, invoke: InvokeRequest) -> None:
        """Called with each invoke before ``Mocks.call`` answers it."""

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceResponse:
        """The SDK's entry point for each resource registration (replaces the base's)."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        resource_id, state = self.on_register(read_registration(request, urn))
        state = {k: self._child(urn, v) if isinstance(v, ChildReference) else v for k, v in state.items()}
        obj = serialize(state)
        # What the base Invoke answers pulumi:pulumi:getResource from.
        self.resources[urn] = _MockMonitor.ResourceRegistration(urn, resource_id, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=obj)

    def _child(self, parent_urn: str, child: ChildReference) -> dict[str, Any]:
        """File ``child`` for ``getResource`` and answer it as a resource reference (wire form)."""
        urn = self.make_urn(parent_urn, child.type, child.name)
        self.resources[urn] = _MockMonitor.ResourceRegistration(urn, child.id, dict(child.state))
        return {SIG_KEY: RESOURCE_SIG, "urn": urn, "id": child.id}

    def Invoke(self, request: resource_pb2.ResourceInvokeRequest) -> resource_pb2.ResourceInvokeResponse:
        """The SDK's entry point for each invoke: ``on_invoke``, then the base answers via ``Mocks.call``."""
        self.on_invoke(read_invoke(request))
        response: resource_pb2.ResourceInvokeResponse = super().Invoke(request)  # type: ignore[no-untyped-call]
        return response


def install(mocks: Mocks, monitor: RecordingMonitorBase, *, project: str, stack: str, logger: logging.Logger) -> None:
    """Route the SDK to ``mocks`` and ``monitor`` (not a preview), under a fresh root stack."""
    # set_mocks only creates a root stack when none exists; a stale one keeps the previous run's exports.
    _ROOT.set(None)
    _set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger)


def run(program: Callable[[], Awaitable[None]]) -> None:
    """Run ``program`` under the installed mocks; return once it, its registrations and what it returned finished."""
    pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]


def stack_outputs() -> dict[str, Any]:
    """What ``pulumi.export`` recorded on the current root stack, as given (Outputs or plain values)."""
    return dict(getattr(pulumi.runtime.get_root_resource(), "outputs", {}))


async def resolve(value: Any) -> tuple[Any, bool]:
    """The value of an export (``None`` when unknown) and whether it is secret."""
    output = pulumi.Output.from_input(value)
    resolved = await output.future()
    return resolved, await output.is_secret()
