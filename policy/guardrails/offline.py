"""Run the policy pack's own policy objects against an offline plan (``build/plan-<stack>.json``).

The plan holds what the program registered: type, name, URN, inputs in engine form, provider,
property dependencies. This module rebuilds the ``ResourceValidationArgs`` and
``StackValidationArgs`` the policy engine would pass and calls ``policy.validate`` on the same
objects ``policy/__main__.py`` hands to ``PolicyPack``, so the offline verdict and the
``pulumi preview`` verdict come from one definition.

What the offline run cannot see: the children of remote components (the resources pulumi_eks and
awsx create). The rules cover those through the component's own inputs (``eks:index:Cluster``,
``eks:index:NodeGroupV2``); ``pulumi preview --policy-pack policy`` checks the children themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import Policy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from .model import short
from .pack import EXCEPTIONS_POLICY, policies

UNKNOWN_MARK = "<unknown>"
"""How the offline recorder writes a value that is not known until deploy."""


@dataclass(frozen=True)
class Violation:
    """One report from one policy."""

    policy: str
    level: str
    """``mandatory`` or ``advisory``."""
    urn: str
    message: str

    @property
    def resource(self) -> str:
        """``type::name`` for display."""
        return short(self.urn)


@dataclass
class Report:
    """Everything the pack reported on one plan."""

    policies: int = 0
    resources: int = 0
    violations: list[Violation] = field(default_factory=list)
    not_checked: list[Violation] = field(default_factory=list)
    """Policies that hit an unknown value; the engine reports these as advisory during preview."""

    @property
    def mandatory(self) -> list[Violation]:
        """Mandatory violations: any of these fails ``make test``."""
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def exceptions(self) -> list[Violation]:
        """Exceptions in use (or unused), from the advisory exceptions policy."""
        return [v for v in self.violations if v.policy == EXCEPTIONS_POLICY]

    @property
    def advisory(self) -> list[Violation]:
        """Advisory findings other than the exception listing."""
        return [v for v in self.violations if v.level == "advisory" and v.policy != EXCEPTIONS_POLICY]


def _engine_value(value: Any) -> Any:
    """Recorded values back into what the engine hands a policy.

    Unknown markers become the policy SDK's sentinels, and whole numbers become doubles: the
    engine's protobuf Struct carries every number as a double (a port arrives as ``80.0``).
    """
    if value == UNKNOWN_MARK:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return value


def _options(resource: Mapping[str, Any]) -> PolicyResourceOptions:
    options = resource.get("options") or {}
    return PolicyResourceOptions(
        protect=bool(options.get("protect")),
        ignore_changes=list(options.get("ignoreChanges") or []),
        delete_before_replace=options.get("deleteBeforeReplace"),
        aliases=[str(a) for a in options.get("aliases") or []],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.get("parent") or None,
    )


def _provider_urn(reference: str) -> str:
    """A provider reference is ``<urn>::<id>``."""
    return reference.rsplit("::", 1)[0] if reference else ""


def policy_resources(plan: Mapping[str, Any]) -> list[PolicyResource]:
    """The plan's resources as the engine would hand them to a stack policy."""
    recorded: list[Mapping[str, Any]] = list(plan["resources"])
    providers = {
        r["urn"]: PolicyProviderResource(r["type"], _engine_value(r.get("inputs") or {}), r["urn"], r["name"])
        for r in recorded
        if r["type"].startswith("pulumi:providers:")
    }
    made: dict[str, PolicyResource] = {}
    for r in recorded:
        made[r["urn"]] = PolicyResource(
            r["type"],
            unknown_checking_proxy(_engine_value(r.get("inputs") or {})),
            r["urn"],
            r["name"],
            _options(r),
            providers.get(_provider_urn(r.get("provider") or "")),
            None,
            [],
            {},
        )
    for r in recorded:
        resource = made[r["urn"]]
        resource.parent = made.get(r.get("parent") or "")
        resource.dependencies = [made[u] for u in r.get("dependencies") or [] if u in made]
        resource.property_dependencies = {
            key: [made[u] for u in urns if u in made] for key, urns in (r.get("propertyDependencies") or {}).items()
        }
    return list(made.values())


def _level_name(policy: Policy) -> str:
    return "mandatory" if policy.enforcement_level == EnforcementLevel.MANDATORY else "advisory"


def evaluate(plan: Mapping[str, Any], pack: Iterable[Policy] | None = None) -> Report:
    """Run every policy of the pack (default: the real one) on ``plan``."""
    pack = list(pack) if pack is not None else policies()
    resources = policy_resources(plan)
    report = Report(policies=len(pack), resources=len(resources))

    for policy in pack:
        level = _level_name(policy)

        def reporter(urn: str, policy: Policy = policy, level: str = level) -> Any:
            def report_violation(message: str, violating_urn: str | None = None) -> None:
                report.violations.append(Violation(policy.name, level, violating_urn or urn, message))

            return report_violation

        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                args = ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, r.provider)
                try:
                    policy.validate(args, reporter(r.urn))
                except UnknownValueError as err:
                    report.not_checked.append(Violation(policy.name, "advisory", r.urn, err.message))
        elif isinstance(policy, StackValidationPolicy):
            try:
                policy.validate(StackValidationArgs(resources), reporter(""))
            except UnknownValueError as err:
                report.not_checked.append(Violation(policy.name, "advisory", "", err.message))
    return report


def render(report: Report) -> str:
    """The guardrails section of the plan summary."""
    lines = [
        f"Guardrails: {report.policies} policies on {report.resources} resources: "
        f"{len(report.mandatory)} mandatory violation(s), {len(report.advisory)} advisory, "
        f"{len(report.exceptions)} exception(s)"
    ]
    for title, items in (
        ("MANDATORY", report.mandatory),
        ("advisory", report.advisory),
        ("exception", report.exceptions),
        ("not checked", report.not_checked),
    ):
        for v in items:
            lines.append(f"  {title}: [{v.policy}] {v.resource}: {v.message}")
    return "\n".join(lines)
