"""The rules of ``policy/guardrails/rules/eks.py``: firing and passing cases and their other tests.

They look at EKS clusters and the eks component. ``test_rule_table.py`` collects ``FIRING`` and
``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from policy.guardrails.model import Subject
from policy.guardrails.rules.eks import RULES, STANDARD_SUPPORT_ENDS
from tests.policy.subjects import (
    EKS_CLUSTER,
    EKS_COMPONENT,
    KEY_ARN,
    PRIVATE_SUBNETS,
    RULE,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    drop,
    edit,
    fire,
    passes,
)

FIRING = [
    fire(
        "eks-control-plane-logs",
        edit(EKS_CLUSTER, enabledClusterLogTypes=["api", "audit"]),
        "control-plane logs authenticator, controllerManager, scheduler are off",
        id="cluster-some-logs",
    ),
    fire(
        "eks-control-plane-logs",
        drop(EKS_COMPONENT, "enabledClusterLogTypes"),
        "control-plane logs api, audit, authenticator, controllerManager, scheduler are off",
        id="component-no-logs",
    ),
    fire(
        "eks-secrets-encryption",
        drop(EKS_CLUSTER, "encryptionConfig"),
        "encryptionConfig does not encrypt secrets with a KMS key",
        id="cluster-no-encryption-config",
    ),
    fire(
        "eks-secrets-encryption",
        edit(EKS_CLUSTER, encryptionConfig={"resources": ["secrets"], "provider": {}}),
        "does not encrypt secrets",
        id="cluster-no-key",
    ),
    fire(
        "eks-secrets-encryption",
        edit(EKS_CLUSTER, encryptionConfig={"resources": [], "provider": {"keyArn": KEY_ARN}}),
        "does not encrypt secrets",
        id="cluster-secrets-not-listed",
    ),
    fire(
        "eks-secrets-encryption",
        drop(EKS_COMPONENT, "encryptionConfigKeyArn"),
        "encryptionConfigKeyArn is not set",
        id="component-no-key",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(EKS_CLUSTER, vpcConfig={"subnetIds": PRIVATE_SUBNETS, "endpointPrivateAccess": True}),
        "the public API endpoint is open to 0.0.0.0/0",
        id="cluster-public-by-default",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(
            EKS_CLUSTER,
            vpcConfig={"subnetIds": PRIVATE_SUBNETS, "endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
        ),
        "open to 0.0.0.0/0",
        id="cluster-open-cidr",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(
            EKS_CLUSTER,
            vpcConfig={"subnetIds": PRIVATE_SUBNETS, "endpointPublicAccess": True, "publicAccessCidrs": ["::/0"]},
        ),
        "open to 0.0.0.0/0",
        id="cluster-open-ipv6-cidr",
    ),
    fire(
        "eks-endpoint-not-public",
        drop(EKS_COMPONENT, "endpointPublicAccess"),
        "open to 0.0.0.0/0",
        id="component-public-by-default",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(EKS_COMPONENT, endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24", "0.0.0.0/0"]),
        "open to 0.0.0.0/0",
        id="component-one-open-cidr",
    ),
    fire(
        "eks-supported-version",
        edit(EKS_CLUSTER, version="1.29"),
        "version 1.29 is not in EKS standard support",
        id="cluster-old-version",
    ),
    fire(
        "eks-supported-version",
        drop(EKS_COMPONENT, "version"),
        "version unset is not in EKS standard support",
        id="component-version-unset",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes(
        "eks-endpoint-not-public",
        edit(
            EKS_CLUSTER,
            vpcConfig={
                "subnetIds": PRIVATE_SUBNETS,
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["203.0.113.0/24"],
            },
        ),
        id="cluster-public-to-named-cidr",
    ),
    passes(
        "eks-endpoint-not-public",
        edit(EKS_COMPONENT, endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24", "198.51.100.7/32"]),
        id="component-public-to-named-cidrs",
    ),
    passes("eks-endpoint-not-public", edit(EKS_COMPONENT, endpointPublicAccess="false"), id="component-string-false"),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)


# --- EKS versions against the calendar ---

DATED_VERSION, DATED_END = next((v, ends) for v, ends in STANDARD_SUPPORT_ENDS.items() if ends)


@pytest.mark.parametrize("subject", [EKS_CLUSTER, EKS_COMPONENT], ids=["cluster", "component"])
def test_eks_version_fires_from_the_day_standard_support_ends(subject: Subject) -> None:
    check = RULE["eks-supported-version"].check
    end = date.fromisoformat(DATED_END)
    pinned = edit(subject, version=DATED_VERSION)
    assert list(check(pinned, today=end - timedelta(days=1))) == []
    (message,) = check(pinned, today=end)
    assert f"version {DATED_VERSION} left standard support on {DATED_END}" in message


def test_eks_versions_without_a_published_end_pass_any_day() -> None:
    check = RULE["eks-supported-version"].check
    for version, ends in STANDARD_SUPPORT_ENDS.items():
        if ends is None:
            assert list(check(edit(EKS_CLUSTER, version=version), today=date(2099, 1, 1))) == []
