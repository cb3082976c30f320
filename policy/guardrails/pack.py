"""Turn the rules into pulumi_policy policies: the objects both the CLI and the offline run execute.

Resource-scoped rules become ``ResourceValidationPolicy``: the engine runs them on every resource
during preview and again, with resolved inputs, right before each create or update, so a
mandatory violation stops ``pulumi up`` before the resource exists. Rules that need other
resources (a repository's lifecycle policy, the load balancer behind a security group) become
``StackValidationPolicy``; the engine runs those once the program has registered everything.

Two more policies deal with exceptions (``guardrail-exception/<rule-id>`` tags):
``guardrail-exception-tags`` (mandatory) rejects tags that name no rule or give no reason, and
``guardrail-exceptions`` (advisory) lists every exception in use, with its reason, and flags the
ones whose rule passes anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import Policy

from .model import EXCEPTION_TAG_PREFIX, MIN_REASON_LENGTH, Rule, StackView, Subject, exception_reason
from .rules import RULES

PACK_NAME = "container-platform-guardrails"
PACK_DESCRIPTION = "container-platform guardrails, mapped to AWS Security Hub controls (see docs/security.md)"
FRAMEWORK = "AWS Security Hub CSPM controls"

EXCEPTIONS_POLICY = "guardrail-exceptions"
EXCEPTION_TAGS_POLICY = "guardrail-exception-tags"


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY


def _framework(rule: Rule) -> PolicyComplianceFramework | None:
    if not rule.controls:
        return None
    return PolicyComplianceFramework(name=FRAMEWORK, reference=", ".join(rule.controls))


def _described(rule: Rule) -> dict[str, Any]:
    """What the engine shows about a rule's policy: name, description, level, control, remediation."""
    return {
        "name": rule.id,
        "description": rule.title,
        "enforcement_level": _level(rule),
        "framework": _framework(rule),
        "remediation_steps": rule.remediation or None,
    }


def subject_of(args: ResourceValidationArgs) -> Subject:
    """The rule-side view of one resource the engine is validating."""
    provider = args.provider.props if args.provider is not None else {}
    return Subject(args.resource_type, args.name, args.urn, args.props, provider)


def stack_of(resources: Iterable[PolicyResource]) -> StackView:
    """The rule-side view of a whole stack, property dependencies resolved to URNs."""
    view = StackView()
    for r in resources:
        deps = {key: [d.urn for d in values] for key, values in (r.property_dependencies or {}).items()}
        provider = r.provider.props if r.provider is not None else {}
        view.resources.append(Subject(r.resource_type, r.name, r.urn, r.props, provider, view, deps))
    return view


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for finding in rule.findings(subject_of(args)):
            if finding.waived_because is None:
                report_violation(finding.message, None)

    return ResourceValidationPolicy(validate=validate, **_described(rule))


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for subject in stack_of(args.resources).resources:
            for finding in rule.findings(subject):
                if finding.waived_because is None:
                    report_violation(finding.message, finding.urn)

    return StackValidationPolicy(validate=validate, **_described(rule))


def _exception_tags(rules: dict[str, Rule]) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for key, reason in subject_of(args).tags.items():
            if not key.startswith(EXCEPTION_TAG_PREFIX):
                continue
            rule_id = key.removeprefix(EXCEPTION_TAG_PREFIX)
            if rule_id not in rules:
                report_violation(f"tag {key} names no guardrail; expected one of: {', '.join(sorted(rules))}", None)
            elif len(reason.strip()) < MIN_REASON_LENGTH:
                report_violation(
                    f"tag {key} needs a reason of at least {MIN_REASON_LENGTH} characters, got {reason!r}", None
                )

    return ResourceValidationPolicy(
        name=EXCEPTION_TAGS_POLICY,
        description="Every guardrail exception tag names an existing rule and states a reason.",
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def _exceptions_in_use(rules: dict[str, Rule]) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for subject in stack_of(args.resources).resources:
            for key in subject.tags:
                rule = (
                    rules.get(key.removeprefix(EXCEPTION_TAG_PREFIX)) if key.startswith(EXCEPTION_TAG_PREFIX) else None
                )
                if rule is None or (reason := exception_reason(subject, rule.id)) is None:
                    continue
                waived = [f.message for f in rule.findings(subject)]
                if waived:
                    report_violation(f"{rule.id} waived: {reason} (would fail: {'; '.join(waived)})", subject.urn)
                else:
                    report_violation(
                        f"{rule.id} exception is unused: the rule passes, remove the tag {key}", subject.urn
                    )

    return StackValidationPolicy(
        name=EXCEPTIONS_POLICY,
        description="Lists every guardrail exception in use with its reason, and exceptions nothing needs.",
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
    )


def policies(rules: Iterable[Rule] = RULES) -> list[Policy]:
    """One policy per rule, plus the two exception policies."""
    by_id = {rule.id: rule for rule in rules}
    build: dict[str, Callable[[Rule], Policy]] = {"resource": _resource_policy, "stack": _stack_policy}
    made: list[Policy] = [build[rule.scope](rule) for rule in by_id.values()]
    return [*made, _exception_tags(by_id), _exceptions_in_use(by_id)]


__all__ = ["PACK_DESCRIPTION", "PACK_NAME", "policies", "stack_of", "subject_of"]
