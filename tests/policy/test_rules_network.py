"""The rules of ``policy/guardrails/rules/network.py``: firing and passing cases.

They look at security groups and their rules. ``test_rule_table.py`` collects ``FIRING`` and
``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from policy.guardrails.rules.network import RULES
from tests.policy.subjects import (
    EGRESS_RULE,
    INGRESS_RULE,
    LB,
    LB_SG,
    LB_SG_ID,
    LEGACY_RULE,
    TASK_SG,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    drop,
    edit,
    fire,
    linked,
    passes,
)

OPEN_ALL = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"], "description": "All out"}


FIRING = [
    fire(
        "sg-no-open-egress",
        edit(TASK_SG, egress=[*TASK_SG.props["egress"], OPEN_ALL]),
        "egress[2] lets every protocol and port out to the whole internet",
        id="inline-all-traffic",
    ),
    fire(
        "sg-no-open-egress",
        edit(
            TASK_SG,
            egress=[{**OPEN_ALL, "protocol": "tcp", "toPort": 65535, "cidrBlocks": [], "ipv6CidrBlocks": ["::/0"]}],
        ),
        "tcp 0-65535",
        id="inline-ipv6-port-range",
    ),
    fire(
        "sg-no-open-egress",
        edit(
            EGRESS_RULE,
            cidrIpv4="0.0.0.0/0",
            ipProtocol="-1",
            fromPort=None,
            toPort=None,
            referencedSecurityGroupId=None,
        ),
        "rule lets every protocol and port out",
        id="standalone-all-traffic",
    ),
    fire(
        "sg-no-open-egress",
        edit(LEGACY_RULE, type="egress", protocol="udp", fromPort=1024, toPort=2048, cidrBlocks=["0.0.0.0/0"]),
        "udp 1024-2048",
        id="legacy-port-range",
    ),
    fire(
        "sg-no-open-ingress",
        edit(
            TASK_SG,
            ingress=[
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"], "description": "SSH"}
            ],
        ),
        "ingress[0] admits the internet on tcp 22-22 to a group no internet-facing load balancer uses",
        id="ssh-to-task-group",
    ),
    fire(
        "sg-no-open-ingress",
        LB_SG,
        "ingress[0] admits the internet on tcp 443-443 to a group no internet-facing load balancer uses",
        "ingress[1] admits the internet on tcp 80-80",
        count=2,
        id="web-ports-without-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        LB_SG,
        "tcp 443-443 to a group no internet-facing load balancer uses",
        others=(edit(LB, internal=True),),
        count=2,
        id="web-ports-on-internal-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        edit(
            LB_SG,
            ingress=[
                *LB_SG.props["ingress"],
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"], "description": "SSH"},
            ],
        ),
        "ingress[2] admits the internet on tcp 22-22 to a public load balancer",
        others=(LB,),
        absent=("ingress[0]", "ingress[1]"),
        id="ssh-next-to-https-on-public-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        edit(INGRESS_RULE, cidrIpv6="::/0", fromPort=443, toPort=443, referencedSecurityGroupId=None),
        "rule admits the internet on tcp 443-443 to a group no internet-facing load balancer uses",
        others=(TASK_SG,),
        id="vpc-rule-ipv6-to-task-group",
    ),
    fire(
        "sg-no-open-ingress",
        linked(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", fromPort=443, toPort=443, securityGroupId=LB_SG_ID),
            securityGroupId=[LB_SG],
        ),
        "tcp 443-443 to a group no internet-facing load balancer uses",
        others=(LB_SG, edit(LB, internal="true")),
        id="vpc-rule-https-to-internal-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        drop(edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", ipProtocol="-1"), "fromPort", "toPort"),
        "rule admits the internet on -1 0-65535",
        others=(TASK_SG,),
        id="vpc-rule-all-traffic",
    ),
    fire(
        "sg-no-open-ingress",
        linked(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", fromPort=80, toPort=443, securityGroupId=LB_SG_ID),
            securityGroupId=[LB_SG],
        ),
        "tcp 80-443 to a public load balancer",
        others=(LB_SG, LB),
        id="port-range-on-public-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        linked(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", ipProtocol="udp", fromPort=443, toPort=443),
            securityGroupId=[LB_SG],
        ),
        "udp 443-443 to a public load balancer",
        others=(LB_SG, LB),
        id="udp-443-on-public-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        edit(LEGACY_RULE, fromPort=3389, toPort=3389, cidrBlocks=["0.0.0.0/0"]),
        "rule admits the internet on tcp 3389-3389",
        id="legacy-rule-rdp",
    ),
    fire(
        "sg-rules-described",
        edit(
            TASK_SG,
            ingress=[{"protocol": "tcp", "fromPort": 9000, "toPort": 9000, "securityGroups": [LB_SG_ID]}],
        ),
        "ingress[0] has no description",
        id="group-inline-ingress",
    ),
    fire(
        "sg-rules-described",
        edit(TASK_SG, egress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]),
        "egress[0] has no description",
        id="group-inline-egress",
    ),
    fire("sg-rules-described", drop(INGRESS_RULE, "description"), "the rule has no description", id="ingress-rule"),
    fire("sg-rules-described", edit(EGRESS_RULE, description=""), "the rule has no description", id="egress-rule"),
    fire("sg-rules-described", drop(LEGACY_RULE, "description"), "the rule has no description", id="legacy-rule"),
]


PASSING = [
    *compliant_cases(RULES),
    passes(
        "sg-no-open-egress",
        edit(TASK_SG, egress=[{**OPEN_ALL, "cidrBlocks": ["10.20.0.0/16"]}]),
        id="all-traffic-inside-the-vpc",
    ),
    passes(
        "sg-no-open-egress",
        edit(
            EGRESS_RULE, cidrIpv6="::/0", ipProtocol="tcp", fromPort=8443, toPort=8443, referencedSecurityGroupId=None
        ),
        id="one-port-to-the-internet",
    ),
    passes(
        "sg-no-open-egress",
        edit(LEGACY_RULE, cidrBlocks=["0.0.0.0/0"], protocol="-1"),
        id="legacy-ingress-is-not-egress",
    ),
    passes("sg-no-open-ingress", LB_SG, others=(LB,), id="web-ports-on-internet-facing-load-balancer"),
    passes(
        "sg-no-open-ingress",
        LB_SG,
        others=(drop(LB, "internal"),),
        id="load-balancer-internet-facing-by-default",
    ),
    passes(
        "sg-no-open-ingress",
        linked(
            edit(
                INGRESS_RULE,
                cidrIpv6="::/0",
                fromPort=443,
                toPort=443,
                securityGroupId=LB_SG_ID,
                referencedSecurityGroupId=None,
            ),
            securityGroupId=[LB_SG],
        ),
        others=(LB_SG, LB),
        id="vpc-rule-ipv6-https-to-public-load-balancer",
    ),
    passes(
        "sg-no-open-ingress",
        replace(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", fromPort=80, toPort=80, securityGroupId=LB_SG_ID),
            property_dependencies={},
        ),
        others=(replace(LB, property_dependencies={}),),
        id="vpc-rule-matched-by-group-id",
    ),
    passes(
        "sg-no-open-ingress",
        edit(LEGACY_RULE, type="egress", fromPort=0, toPort=0, protocol="-1", cidrBlocks=["0.0.0.0/0"]),
        id="legacy-egress-rule",
    ),
    passes(
        "sg-no-open-ingress",
        edit(
            TASK_SG,
            ingress=[
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.20.0.0/16"], "description": "x"}
            ],
        ),
        id="ssh-from-vpc",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
