"""The rules of ``policy/guardrails/rules/ecr.py``: firing and passing cases and their other tests.

They look at ECR repositories, templates, registry scanning and repository policies.
``test_rule_table.py`` collects ``FIRING`` and ``PASSING`` from every area to check each rule has
both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.ecr import RULES
from tests.policy.subjects import (
    KEY_ARN,
    LIFECYCLE,
    PUBLIC_REPO_POLICY,
    PULL_STATEMENT,
    REGISTRY_POLICY,
    REPO,
    REPO_POLICY,
    SCANNING,
    TEMPLATE,
    UNSCANNED_REPO,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    doc,
    drop,
    edit,
    fire,
    linked,
    passes,
    renamed,
    run,
    scanning,
)

FIRING = [
    fire(
        "ecr-immutable-tags",
        edit(REPO, imageTagMutability="MUTABLE"),
        "imageTagMutability is MUTABLE",
        "expected IMMUTABLE",
        id="mutable",
    ),
    fire("ecr-immutable-tags", drop(REPO, "imageTagMutability"), "imageTagMutability is MUTABLE", id="unset"),
    fire(
        "ecr-immutable-tags",
        edit(TEMPLATE, imageTagMutability="MUTABLE_WITH_EXCLUSION"),
        "imageTagMutability is MUTABLE_WITH_EXCLUSION",
        id="template-mutable-with-exclusion",
    ),
    fire(
        "ecr-image-scanning",
        UNSCANNED_REPO,
        "neither scanOnPush nor a registry scanning rule in this region covers this repository",
        id="no-scan-on-push-no-registry-rule",
    ),
    fire(
        "ecr-image-scanning",
        drop(REPO, "imageScanningConfiguration"),
        "neither scanOnPush",
        id="scanning-configuration-unset",
    ),
    fire(
        "ecr-image-scanning",
        edit(REPO, imageScanningConfiguration={"scanOnPush": "false"}),
        "neither scanOnPush",
        id="scan-on-push-string-false",
    ),
    fire(
        "ecr-image-scanning",
        UNSCANNED_REPO,
        "in this region",
        others=(scanning("*", region="eu-west-1"),),
        id="registry-rule-in-other-region",
    ),
    fire(
        "ecr-image-scanning",
        UNSCANNED_REPO,
        "neither scanOnPush",
        others=(scanning("api*"),),
        id="registry-rule-for-other-prefix",
    ),
    fire(
        "ecr-image-scanning",
        edit(UNSCANNED_REPO, name="team/web"),
        "neither scanOnPush",
        others=(scanning("web*"),),
        id="prefix-filter-does-not-match-inside-name",
    ),
    fire(
        "ecr-image-scanning",
        edit(UNSCANNED_REPO, name="web-api"),
        "neither scanOnPush",
        others=(scanning("*web"),),
        id="suffix-filter-does-not-match-prefix",
    ),
    fire(
        "ecr-kms-encryption",
        drop(REPO, "encryptionConfigurations"),
        "encryptionType is AES256; expected KMS",
        id="default-aes256",
    ),
    fire(
        "ecr-kms-encryption",
        edit(REPO, encryptionConfigurations=[{"encryptionType": "AES256"}]),
        "encryptionType is AES256",
        id="aes256",
    ),
    fire(
        "ecr-kms-encryption",
        edit(REPO, encryptionConfigurations=[{"encryptionType": "KMS"}]),
        "AWS-managed aws/ecr key",
        "customer-managed KMS key (kmsKey)",
        id="kms-without-key",
    ),
    fire(
        "ecr-kms-encryption",
        edit(TEMPLATE, encryptionConfigurations=[{"encryptionType": "AES256"}]),
        "encryptionType is AES256",
        id="template-aes256",
    ),
    fire(
        "ecr-no-public-principal",
        edit(
            REPO_POLICY,
            policy=doc(PULL_STATEMENT, {**PULL_STATEMENT, "Sid": "PublicPull", "Principal": "*"}),
        ),
        "statement PublicPull allows Principal '*'",
        id="repository-policy-principal-star",
    ),
    fire(
        "ecr-no-public-principal",
        edit(
            REGISTRY_POLICY,
            policy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::210987654321:root", "*"]},
                    "Action": ["ecr:ReplicateImage"],
                    "Resource": "*",
                }
            ),
        ),
        "statement 0 allows Principal '*'",
        id="registry-policy-aws-list-with-star",
    ),
    fire(
        "ecr-no-public-principal",
        edit(TEMPLATE, repositoryPolicy=doc({**PULL_STATEMENT, "Sid": "Anyone", "Principal": {"AWS": "*"}})),
        "statement Anyone allows Principal '*'",
        id="template-policy-aws-star",
    ),
    fire(
        "ecr-no-public-principal",
        edit(
            PUBLIC_REPO_POLICY,
            policy=doc({"Sid": "AnyonePush", "Effect": "Allow", "Principal": "*", "Action": "ecr-public:PutImage"}),
        ),
        "statement AnyonePush",
        id="ecr-public-policy",
    ),
    fire(
        "ecr-lifecycle-policy",
        REPO,
        "no aws:ecr/lifecyclePolicy targets this repository",
        id="repository-without-lifecycle",
    ),
    fire(
        "ecr-lifecycle-policy",
        REPO,
        "no aws:ecr/lifecyclePolicy targets this repository",
        others=(
            renamed(edit(REPO, name="api"), "registry-api"),
            linked(
                edit(renamed(LIFECYCLE, "registry-api-lifecycle"), repository="api"),
                repository=[renamed(edit(REPO, name="api"), "registry-api")],
            ),
        ),
        id="lifecycle-for-another-repository",
    ),
    fire(
        "ecr-lifecycle-policy",
        drop(TEMPLATE, "lifecyclePolicy"),
        "creation template has no lifecyclePolicy",
        id="template-without-lifecycle",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes(
        "ecr-immutable-tags",
        edit(
            TEMPLATE,
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filter": "latest*", "filterType": "WILDCARD"}],
        ),
        id="immutable-with-exclusion",
    ),
    passes("ecr-image-scanning", REPO, id="scan-on-push-alone"),
    passes(
        "ecr-image-scanning",
        edit(REPO, imageScanningConfiguration={"scanOnPush": "true"}),
        id="scan-on-push-string-true",
    ),
    passes("ecr-image-scanning", UNSCANNED_REPO, others=(SCANNING,), id="registry-rule-star"),
    passes("ecr-image-scanning", UNSCANNED_REPO, others=(scanning("we*"),), id="registry-rule-prefix"),
    passes("ecr-image-scanning", UNSCANNED_REPO, others=(scanning("api", "web"),), id="registry-rule-exact-name"),
    passes(
        "ecr-image-scanning",
        renamed(drop(UNSCANNED_REPO, "name"), "web"),
        others=(scanning("web"),),
        id="logical-name-when-name-unset",
    ),
    passes(
        "ecr-kms-encryption",
        edit(REPO, encryptionConfigurations=[{"encryptionType": "KMS_DSSE", "kmsKey": KEY_ARN}]),
        id="kms-dsse",
    ),
    passes(
        "ecr-no-public-principal",
        edit(
            REPO_POLICY,
            policy=doc(
                PULL_STATEMENT,
                {"Sid": "DenyDeletes", "Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository"},
            ),
        ),
        id="deny-with-principal-star",
    ),
    passes(
        "ecr-lifecycle-policy",
        drop(REPO, "name"),
        others=(edit(LIFECYCLE, repository="registry-web-3f2a1b0"),),
        id="by-property-dependency",
    ),
    passes(
        "ecr-lifecycle-policy",
        REPO,
        others=(linked(LIFECYCLE, repository=[]),),
        id="by-repository-name",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)


# --- Cases that once were rule bugs ---


@pytest.mark.parametrize(
    ("filter_", "repository"),
    [("web", "team/web-api"), ("*web", "team/web"), ("team*api", "team/web-api"), ("*web*", "team/web-api")],
)
def test_scanning_filter_follows_ecr_wildcard_semantics(filter_: str, repository: str) -> None:
    assert run("ecr-image-scanning", edit(UNSCANNED_REPO, name=repository), scanning(filter_)) == []


def test_manual_registry_scanning_rule_does_not_count() -> None:
    (finding,) = run("ecr-image-scanning", UNSCANNED_REPO, scanning("*", frequency="MANUAL"))
    assert "neither scanOnPush" in finding.message
