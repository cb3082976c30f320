"""Run ``__main__.py`` under the mocked runtime and record every registration and invoke."""

from __future__ import annotations

import json
import logging
import runpy
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import MockResourceArgs

from components.ecs.images import registry_image
from offline_plan import sdk
from offline_plan.aliases import program_aliases
from offline_plan.mocks import ACCOUNT_ID, PlausibleMocks

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "container-platform"
SECRET = "[secret]"


@dataclass
class RecordedResource:
    """One registration, as the engine would have received it."""

    urn: str
    type: str
    name: str
    parent: str
    provider: str
    """Provider reference ``urn::id`` (custom resources), or ``""``."""
    providers: dict[str, str]
    """Provider map (components, including remote ones)."""
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    propertyDependencies: dict[str, list[str]]
    options: dict[str, Any]
    region: str
    """Region of the provider that manages it (resolved through parents for components)."""


@dataclass
class Plan:
    """What ``pulumi up`` would register for one stack."""

    project: str
    stack: str
    resources: list[RecordedResource] = field(default_factory=list)
    invokes: list[dict[str, Any]] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """Every recorded resource of a type token."""
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> RecordedResource:
        """The resource with this logical name (exactly one)."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        """The resource with this URN."""
        return next(r for r in self.resources if r.urn == urn)

    def to_json(self) -> dict[str, Any]:
        """The documented plan shape: {project, stack, resources, exports} (+ invokes, warnings)."""
        keep = (
            "urn",
            "type",
            "name",
            "parent",
            "provider",
            "custom",
            "inputs",
            "dependencies",
            "propertyDependencies",
            "options",
        )
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {k: v for k, v in asdict(r).items() if k in keep} | {"region": r.region} for r in self.resources
            ],
            "exports": self.exports,
            "invokes": self.invokes,
            "warnings": self.warnings,
        }


def _plain(value: Any) -> Any:
    """Make wire values JSON-safe: secrets masked, resource references as URNs, unknowns marked."""
    if isinstance(value, dict):
        signature = value.get(sdk.SIG_KEY)
        if signature == sdk.SECRET_SIG:
            return SECRET
        if signature == sdk.RESOURCE_SIG:
            return f"<ref {value.get('urn', '')}>"
        if signature is not None:
            return f"<{signature}>"
        return {str(k): _plain(v) for k, v in value.items()}
    if value == sdk.UNKNOWN:
        return "<unknown>"
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire carries every number as a double
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, pulumi.Resource):
        return f"<ref {type(value).__name__}>"
    return repr(value)


def _for_mocks(value: Any) -> Any:
    """Wire values as the mocks expect inputs: secrets unwrapped, references as URNs, whole numbers as ints."""
    if isinstance(value, dict):
        signature = value.get(sdk.SIG_KEY)
        if signature == sdk.SECRET_SIG:
            return _for_mocks(value.get("value"))
        if signature == sdk.RESOURCE_SIG:
            return str(value.get("urn", ""))
        return {str(k): _for_mocks(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_mocks(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class RecordingMonitor(sdk.RecordingMonitorBase):
    """A mock monitor that keeps every request the program sends."""

    def __init__(self, mocks: PlausibleMocks, home_region: str) -> None:
        super().__init__(mocks)
        self.plausible = mocks
        self.home_region = home_region
        self.recorded: list[RecordedResource] = []
        self.invokes: list[dict[str, Any]] = []
        self.provider_regions: dict[str, str] = {}
        self.regions_by_urn: dict[str, str] = {}
        self.current = threading.local()

    def region_for(self, provider_ref: str, providers: Mapping[str, str], parent: str) -> str:
        """The region a registration lands in: its provider's, else its parent's, else home."""
        for ref in (provider_ref, providers.get("aws", "")):
            urn = ref.rsplit("::", 1)[0]
            if urn in self.provider_regions:
                return self.provider_regions[urn]
        return self.regions_by_urn.get(parent, self.home_region)

    def on_register(self, registration: sdk.Registration) -> tuple[str, dict[str, Any]]:
        """Record the registration (inputs read in wire form), then let the mocks answer it."""
        r = registration
        raw = r.inputs
        if r.type == "pulumi:providers:aws":
            self.provider_regions[r.urn] = str(raw.get("region") or self.home_region)
        region = self.region_for(r.provider, r.providers, r.parent)
        if r.type.startswith("pulumi:providers:"):
            region = self.provider_regions.get(r.urn, region)
        self.regions_by_urn[r.urn] = region
        self.recorded.append(
            RecordedResource(
                urn=r.urn,
                type=r.type,
                name=r.name,
                parent=r.parent,
                provider=r.provider,
                providers=r.providers,
                custom=r.custom,
                inputs=_plain(raw),
                dependencies=sorted(r.dependencies),
                propertyDependencies={k: sorted(v) for k, v in sorted(r.property_dependencies.items())},
                options={
                    "protect": r.protect,
                    "ignoreChanges": r.ignore_changes,
                    "deleteBeforeReplace": r.delete_before_replace,
                    "retainOnDelete": r.retain_on_delete,
                    # The program's own aliases; pulumi-aws's type aliases for its renamed modules
                    # (aws:lb/* <- aws:elasticloadbalancingv2/*) are on every such resource and left out.
                    "aliases": program_aliases(r.aliases),
                    "replaceOnChanges": r.replace_on_changes,
                },
                region=region,
            )
        )
        # The mocks answer this registration on this thread; tell them its region.
        self.current.region = region
        args = MockResourceArgs(
            typ=r.type,
            name=r.name,
            inputs=_for_mocks(raw),
            provider=r.provider,
            resource_id=r.import_id,
            custom=r.custom,
        )
        resource_id, state = self.plausible.new_resource(args)
        return resource_id or "", state

    def on_invoke(self, invoke: sdk.InvokeRequest) -> None:
        """Record the invoke; the mocks answer it next."""
        if invoke.token == "pulumi:pulumi:getResource":
            return  # the SDK rehydrating a resource reference (a remote component's child), not an AWS call
        self.invokes.append({"token": invoke.token, "args": _plain(invoke.args), "provider": invoke.provider})


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class StackFileLoader(yaml.SafeLoader):  # type: ignore[misc]  # pyyaml ships no types here
    """PyYAML's safe loader, except that an unquoted date stays the text it was written as.

    The Pulumi CLI reads stack files with go-yaml, which keeps timestamp-looking scalars
    (``expirationDate: 2026-12-31``) as strings; PyYAML would make them ``datetime.date``
    objects, which the settings then could not read as the string they are.
    """


StackFileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_stack_file(text: str) -> Any:
    """A stack file's YAML document, read as the Pulumi CLI reads it (see ``StackFileLoader``)."""
    return yaml.load(text, Loader=StackFileLoader)


def stack_config(stack: str, root: Path = ROOT, path: Path | None = None) -> dict[str, Any]:
    """The ``config:`` map of ``Pulumi.<stack>.yaml`` (or of ``path``) as YAML values."""
    path = path or root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(
            f"no stack file {path.name}; expected one of {', '.join(p.name for p in sorted(root.glob('Pulumi.*.yaml')))}"
        )
    data = load_stack_file(path.read_text()) or {}
    return dict(data.get("config") or {})


def engine_config(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Encode config the way the CLI hands it to a program: scalars as text, objects as JSON."""
    encoded: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            # Encrypted values cannot be read offline; the program must treat them as opaque.
            encoded[key] = "offline-plan-secret"
            secret_keys.append(key)
        elif isinstance(value, str):
            encoded[key] = value
        elif isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        else:
            encoded[key] = json.dumps(value, default=_yaml_date)
    return encoded, secret_keys


def _yaml_date(value: object) -> str:
    # A config read with a YAML 1.1 loader (safe_load) may hold dates where the CLI passes text.
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"a stack file cannot hold a {type(value).__name__} value")


def record(
    program: Callable[[], None],
    *,
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    strict: bool = True,
    recorded: list[RecordedResource] | None = None,
    images_pushed: bool = True,
) -> Plan:
    """Run ``program`` under recording mocks with ``config`` (YAML-shaped) and return the plan.

    ``images_pushed`` (default) answers the registry look-ups as if every image the ECS services
    name had been pushed; False plays a first run on an empty account (no repository yet).

    ``recorded``, when given, receives the registrations as they happen, so a caller can see
    what was registered even when the program fails.

    With ``strict`` (tests) an invoke without a mock fails the run; the offline plan passes
    False and reports such invokes as warnings instead.
    """
    values = dict(config or {})
    encoded, secret_keys = engine_config(values)
    mocks, monitor = _mocks_and_monitor(values, strict=strict, recorded=recorded, images_pushed=images_pushed)
    collector, logger = _warning_logger(stack)

    pulumi.runtime.set_all_config(encoded, secret_keys)
    sdk.install(mocks, monitor, project=PROJECT, stack=stack, logger=logger)
    exports = _run_collecting_exports(program)

    return Plan(
        project=PROJECT,
        stack=stack,
        # Registrations arrive in a nondeterministic order; sort so plans diff cleanly.
        resources=sorted(monitor.recorded, key=lambda r: r.urn),
        invokes=sorted(monitor.invokes, key=lambda i: json.dumps(i, sort_keys=True)),
        exports=exports,
        warnings=collector.messages + [f"no mock for invoke {t}; answered {{}}" for t in mocks.unexpected_invokes],
    )


def _mocks_and_monitor(
    values: Mapping[str, Any],
    *,
    strict: bool,
    recorded: list[RecordedResource] | None,
    images_pushed: bool,
) -> tuple[PlausibleMocks, RecordingMonitor]:
    """The mocks and the recording monitor of one run; the mocks ask the monitor for each resource's region."""
    home_region = str(values.get("aws:region", "us-east-1"))
    monitor_box: list[RecordingMonitor] = []

    def region_of(args: MockResourceArgs) -> str:
        monitor = monitor_box[0]
        if args.typ:  # a registration: the monitor resolved its region (provider map, parent) just now
            return str(getattr(monitor.current, "region", monitor.home_region))
        return monitor.region_for(args.provider or "", {}, "")

    account_id = str(values.get("container-platform:accountId", ACCOUNT_ID))
    images = configured_images(values) if images_pushed else {}
    mocks = PlausibleMocks(region_of, strict=strict, account_id=account_id, images=images)
    monitor = RecordingMonitor(mocks, home_region)
    if recorded is not None:
        monitor.recorded = recorded
    monitor_box.append(monitor)
    return mocks, monitor


def _warning_logger(stack: str) -> tuple[_WarningCollector, logging.Logger]:
    """A logger of the run's own that keeps every warning the program logs in the returned collector."""
    collector = _WarningCollector()
    logger = logging.getLogger(f"offline-plan-{stack}")
    logger.propagate = False
    logger.handlers = [collector]
    return collector, logger


def _run_collecting_exports(program: Callable[[], None]) -> dict[str, Any]:
    """Run ``program`` under the installed mocks and return its stack outputs (secrets as ``[secret]``)."""
    exports: dict[str, Any] = {}

    async def collect_exports() -> None:
        for name, value in sdk.stack_outputs().items():
            resolved, secret = await sdk.resolve(value)
            exports[name] = SECRET if secret else _plain(resolved)

    def run() -> Awaitable[None]:
        program()
        return collect_exports()

    sdk.run(run)
    return exports


def configured_images(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Repository -> tags (or digests) of the images the stack's ECS services name in the shared registry."""
    images: dict[str, list[str]] = {}
    for service in (config.get("container-platform:ecs") or {}).get("services", []):
        ref = registry_image(str(service.get("image", "")))
        if ref is not None:
            images.setdefault(ref.repository, []).append(ref.tag or str(ref.digest))
    return images


def run_stack(
    stack: str,
    config: Mapping[str, Any] | None = None,
    *,
    strict: bool = True,
    root: Path = ROOT,
    recorded: list[RecordedResource] | None = None,
    images_pushed: bool = True,
) -> Plan:
    """Run the real ``__main__.py`` for ``stack``; ``config`` replaces the stack file's config when given."""
    values = stack_config(stack, root) if config is None else config

    def program() -> None:
        # runpy, not import: a cached module would not run again for the next stack or test.
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")

    return record(program, stack=stack, config=values, strict=strict, recorded=recorded, images_pushed=images_pushed)
