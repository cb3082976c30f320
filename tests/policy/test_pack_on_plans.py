"""The pulumi_policy objects of ``policies()`` and the offline evaluation on hand-built plans.

Exceptions, unknown values, provider default tags and property dependencies, as ``make plan`` records them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from policy.guardrails.model import MIN_REASON_LENGTH, Subject
from policy.guardrails.offline import UNKNOWN_MARK, evaluate
from policy.guardrails.pack import policies
from policy.guardrails.rules import RULES
from tests.policy.subjects import (
    BACKUP,
    COMPLIANT,
    EFS,
    INGRESS_RULE,
    LB,
    LB_SG,
    LOG_GROUP,
    REASON,
    REGION,
    REPO,
    TASK_SG,
    drop,
    edit,
    exception_tag,
    provider,
    renamed,
)

EXCEPTIONS_POLICY = "guardrail-exceptions"
EXCEPTION_TAGS_POLICY = "guardrail-exception-tags"

PLAN_STACK_URN = "urn:pulumi:test::container-platform::pulumi:pulumi:Stack::container-platform-test"
PROVIDER_URN = "urn:pulumi:test::container-platform::pulumi:pulumi:Stack$pulumi:providers:aws::aws-us-east-1"
PROVIDER_REF = f"{PROVIDER_URN}::aws-us-east-1-provider-id"
OPTIONS = {
    "protect": None,
    "ignoreChanges": [],
    "deleteBeforeReplace": False,
    "retainOnDelete": None,
    "aliases": [],
    "replaceOnChanges": [],
}


def recorded(subject: Subject) -> dict[str, Any]:
    """One resource as ``make plan`` writes it to build/plan-<stack>.json."""
    inputs = json.loads(json.dumps(subject.props))
    property_dependencies = {key: list(subject.property_dependencies.get(key, [])) for key in inputs}
    return {
        "urn": subject.urn,
        "type": subject.type,
        "name": subject.name,
        "parent": PLAN_STACK_URN,
        "provider": PROVIDER_REF,
        "custom": True,
        "inputs": inputs,
        "dependencies": sorted({u for urns in property_dependencies.values() for u in urns}),
        "propertyDependencies": property_dependencies,
        "options": OPTIONS,
        "region": REGION,
    }


def plan(*subjects: Subject, environment: str = "dev") -> dict[str, Any]:
    aws = {
        "urn": PROVIDER_URN,
        "type": "pulumi:providers:aws",
        "name": "aws-us-east-1",
        "parent": PLAN_STACK_URN,
        "provider": "",
        "custom": True,
        "inputs": provider(environment),
        "dependencies": [],
        "propertyDependencies": {key: [] for key in provider(environment)},
        "options": OPTIONS,
        "region": REGION,
    }
    return {
        "project": "container-platform",
        "stack": "test",
        "resources": [aws, *(recorded(s) for s in subjects)],
        "exports": {},
        "invokes": [],
        "warnings": [],
    }


def reported(violations: list[Any]) -> list[tuple[str, str]]:
    return sorted((v.policy, v.urn) for v in violations)


def test_pack_has_one_policy_per_rule_and_the_exception_policies() -> None:
    pack = policies()
    names = [p.name for p in pack]
    assert len(names) == len(set(names))
    assert set(names) == {rule.id for rule in RULES} | {EXCEPTIONS_POLICY, EXCEPTION_TAGS_POLICY}
    by_name = {p.name: p for p in pack}
    for rule in RULES:
        policy = by_name[rule.id]
        assert isinstance(policy, StackValidationPolicy if rule.scope == "stack" else ResourceValidationPolicy)
        level = EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY
        assert policy.enforcement_level == level
    assert by_name[EXCEPTION_TAGS_POLICY].enforcement_level == EnforcementLevel.MANDATORY
    assert by_name[EXCEPTIONS_POLICY].enforcement_level == EnforcementLevel.ADVISORY


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_offline_compliant_plan_has_no_violations(environment: str) -> None:
    report = evaluate(plan(*COMPLIANT, environment=environment))
    assert report.resources == len(COMPLIANT) + 1
    assert [(v.policy, v.resource, v.message) for v in report.violations] == []
    assert report.not_checked == []


def test_offline_waived_violation_is_listed_with_its_reason_not_mandatory() -> None:
    waived = renamed(edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-kms-encryption"): REASON}), "siem")
    plain = renamed(drop(LOG_GROUP, "kmsKeyId"), "app")
    report = evaluate(plan(waived, plain))
    assert reported(report.mandatory) == [("logs-kms-encryption", plain.urn)]
    (listed,) = report.exceptions
    assert (listed.policy, listed.level, listed.urn) == (EXCEPTIONS_POLICY, "advisory", waived.urn)
    assert f"logs-kms-encryption waived: {REASON}" in listed.message
    assert "would fail: kmsKeyId is not set" in listed.message
    assert report.advisory == []


def test_offline_waived_stack_rule_is_listed_not_mandatory() -> None:
    reason = "images expire through the registry-wide cleanup job"
    repository = edit(REPO, tags={"component": "registry", exception_tag("ecr-lifecycle-policy"): reason})
    report = evaluate(plan(repository))
    assert report.mandatory == []
    (listed,) = report.exceptions
    assert listed.urn == repository.urn
    assert f"ecr-lifecycle-policy waived: {reason}" in listed.message


def test_offline_exception_naming_no_rule_is_mandatory() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-encryption"): REASON})
    report = evaluate(plan(subject))
    assert reported(report.mandatory) == [(EXCEPTION_TAGS_POLICY, subject.urn), ("logs-kms-encryption", subject.urn)]
    (bad_tag,) = [v for v in report.mandatory if v.policy == EXCEPTION_TAGS_POLICY]
    assert f"tag {exception_tag('logs-encryption')} names no guardrail" in bad_tag.message
    assert "logs-kms-encryption" in bad_tag.message
    assert report.exceptions == []


def test_offline_exception_without_reason_is_mandatory_and_waives_nothing() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-kms-encryption"): "todo"})
    report = evaluate(plan(subject))
    assert reported(report.mandatory) == [(EXCEPTION_TAGS_POLICY, subject.urn), ("logs-kms-encryption", subject.urn)]
    (bad_tag,) = [v for v in report.mandatory if v.policy == EXCEPTION_TAGS_POLICY]
    assert f"needs a reason of at least {MIN_REASON_LENGTH} characters, got 'todo'" in bad_tag.message
    assert report.exceptions == []


def test_offline_unused_exception_is_reported() -> None:
    subject = edit(LOG_GROUP, tags={exception_tag("logs-retention"): REASON})
    report = evaluate(plan(subject))
    assert report.mandatory == []
    (listed,) = report.exceptions
    assert listed.urn == subject.urn
    assert "logs-retention exception is unused: the rule passes" in listed.message
    assert f"remove the tag {exception_tag('logs-retention')}" in listed.message


def test_offline_unknown_value_is_not_checked_instead_of_failing() -> None:
    pending_key = edit(LOG_GROUP, kmsKeyId=UNKNOWN_MARK)
    pending_cidr = edit(INGRESS_RULE, cidrIpv4=UNKNOWN_MARK)
    report = evaluate(plan(pending_key, pending_cidr, TASK_SG))
    assert report.mandatory == []
    assert reported(report.not_checked) == [("logs-kms-encryption", pending_key.urn), ("sg-no-open-ingress", "")]
    for violation in report.not_checked:
        assert violation.level == "advisory"
        assert "can't be known during preview" in violation.message
    (key,) = [v for v in report.not_checked if v.policy == "logs-kms-encryption"]
    assert ".kmsKeyId" in key.message


@pytest.mark.parametrize(("environment", "expected"), [("prod", 1), ("dev", 0)])
def test_offline_provider_default_tags_reach_the_rules(environment: str, expected: int) -> None:
    load_balancer = drop(LB, "enableDeletionProtection")
    report = evaluate(plan(LB_SG, load_balancer, environment=environment))
    assert reported(report.mandatory) == [("elb-deletion-protection", load_balancer.urn)] * expected


def test_offline_property_dependencies_reach_stack_rules() -> None:
    assert evaluate(plan(EFS, BACKUP)).mandatory == []
    unlinked = replace(BACKUP, property_dependencies={})
    assert reported(evaluate(plan(EFS, unlinked)).mandatory) == [("efs-backups", EFS.urn)]
    assert reported(evaluate(plan(LB_SG)).mandatory) == [("sg-no-open-ingress", LB_SG.urn)] * 2
    assert evaluate(plan(LB_SG, LB)).mandatory == []
