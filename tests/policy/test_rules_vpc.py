"""The rules of ``policy/guardrails/rules/vpc.py``: firing and passing cases.

They look at VPCs (the awsx component the offline plan sees, the ``aws:ec2/vpc:Vpc`` child a real preview
sees), their flow logs and default security groups. ``test_rule_table.py`` collects ``FIRING`` and
``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from policy.guardrails.rules.vpc import RULES
from tests.policy.subjects import (
    DEFAULT_SG,
    FLOW_LOG,
    VPC_COMPONENT,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    edit,
    fire,
    linked,
    passes,
    renamed,
)

OPEN_RULE = {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}
OTHER_VPC = renamed(VPC_COMPONENT, "network-eu-west-1-vpc")
CHILD_URN = VPC_COMPONENT.urn.replace("$awsx:ec2:Vpc::", "$awsx:ec2:Vpc$aws:ec2/vpc:Vpc::")
CHILD_VPC = replace(
    VPC_COMPONENT, type="aws:ec2/vpc:Vpc", urn=CHILD_URN, props={"cidrBlock": "10.10.0.0/16", "tags": {}}
)
"""The VPC awsx creates, as a real preview reports it: a child named like its parent component."""

FIRING = [
    fire("vpc-flow-logs", VPC_COMPONENT, "no aws:ec2/flowLog captures this VPC's traffic", id="no-flow-log"),
    fire(
        "vpc-flow-logs",
        VPC_COMPONENT,
        "capture REJECT traffic only; capture ALL",
        others=(edit(FLOW_LOG, trafficType="REJECT"),),
        id="rejected-only",
    ),
    fire(
        "vpc-flow-logs",
        VPC_COMPONENT,
        "no aws:ec2/flowLog",
        others=(OTHER_VPC, linked(FLOW_LOG, vpcId=[OTHER_VPC])),
        id="flow-log-of-another-vpc",
    ),
    fire("vpc-flow-logs", CHILD_VPC, "no aws:ec2/flowLog", others=(VPC_COMPONENT,), id="child-without-flow-log"),
    fire(
        "vpc-default-sg-closed",
        VPC_COMPONENT,
        "no aws:ec2/defaultSecurityGroup manages this VPC's default security group",
        id="unmanaged",
    ),
    fire(
        "vpc-default-sg-closed",
        edit(DEFAULT_SG, ingress=[OPEN_RULE]),
        "has 1 ingress rule(s); it must have none",
        id="ingress",
    ),
    fire(
        "vpc-default-sg-closed",
        edit(DEFAULT_SG, egress=[{**OPEN_RULE, "cidrBlocks": ["0.0.0.0/0"]}]),
        "has 1 egress rule(s)",
        id="egress",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes("vpc-flow-logs", VPC_COMPONENT, others=(FLOW_LOG,), id="flow-log-of-all-traffic"),
    passes(
        "vpc-flow-logs",
        VPC_COMPONENT,
        others=(edit(FLOW_LOG, trafficType="REJECT"), renamed(FLOW_LOG, "second")),
        id="one-of-two-is-all",
    ),
    passes("vpc-flow-logs", CHILD_VPC, others=(VPC_COMPONENT, FLOW_LOG), id="child-through-its-component"),
    passes("vpc-default-sg-closed", CHILD_VPC, others=(VPC_COMPONENT, DEFAULT_SG), id="child-through-its-component"),
    passes("vpc-default-sg-closed", edit(DEFAULT_SG, ingress=[], egress=[]), id="empty-lists"),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
