"""Checks across the rule areas: every rule has firing and passing cases, the compliant stack is clean.

The cases themselves run in ``test_rules_<area>.py``; ``FIRING`` and ``PASSING`` here are all of them.
"""

from __future__ import annotations

from policy.guardrails.model import in_stack
from policy.guardrails.rules import RULES
from tests.policy import test_rules_ec2 as ec2
from tests.policy import test_rules_ecr as ecr
from tests.policy import test_rules_ecs as ecs
from tests.policy import test_rules_efs as efs
from tests.policy import test_rules_eks as eks
from tests.policy import test_rules_elb as elb
from tests.policy import test_rules_iam as iam
from tests.policy import test_rules_kms as kms
from tests.policy import test_rules_logs as logs
from tests.policy import test_rules_network as network
from tests.policy import test_rules_s3 as s3
from tests.policy import test_rules_vpc as vpc
from tests.policy.subjects import COMPLIANT, LOG_GROUP, RULE, drop, retyped

FIRING = [
    *ecr.FIRING,
    *ecs.FIRING,
    *eks.FIRING,
    *efs.FIRING,
    *elb.FIRING,
    *ec2.FIRING,
    *iam.FIRING,
    *logs.FIRING,
    *kms.FIRING,
    *network.FIRING,
    *vpc.FIRING,
    *s3.FIRING,
]
PASSING = [
    *ecr.PASSING,
    *ecs.PASSING,
    *eks.PASSING,
    *efs.PASSING,
    *elb.PASSING,
    *ec2.PASSING,
    *iam.PASSING,
    *logs.PASSING,
    *kms.PASSING,
    *network.PASSING,
    *vpc.PASSING,
    *s3.PASSING,
]
"""Every area's cases, in the order ``RULES`` lists the areas."""


def test_every_rule_has_firing_and_passing_cases_and_ids_are_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {p.values[0].rule for p in FIRING} == set(ids)
    assert {p.values[0].rule for p in PASSING if not p.id.split("/", 1)[1].startswith("compliant-")} <= set(ids)
    compliant = {p.values[0].rule for p in PASSING if p.id.split("/", 1)[1].startswith("compliant-")}
    assert compliant == set(ids), "a rule looks at no resource type of COMPLIANT"


def test_compliant_stack_has_no_finding_at_all() -> None:
    view = in_stack(COMPLIANT[0], *COMPLIANT[1:]).stack
    assert view is not None
    found = [(f.rule, f.urn, f.message) for s in view.resources for rule in RULES for f in rule.findings(s)]
    assert found == []


def test_rules_ignore_types_they_do_not_look_at() -> None:
    rule = RULE["logs-kms-encryption"]
    assert list(rule.findings(retyped(drop(LOG_GROUP, "kmsKeyId"), "aws:cloudwatch/metricAlarm:MetricAlarm"))) == []
