"""The rules of ``policy/guardrails/rules/iam.py``: firing and passing cases.

They look at IAM roles, policies and attachments. ``test_rule_table.py`` collects ``FIRING`` and
``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.iam import RULES
from tests.policy.subjects import (
    ACCOUNT,
    ATTACHMENT,
    ECS_TRUST,
    OIDC_ISSUER,
    OIDC_PROVIDER_ARN,
    POLICY,
    READ_ASSETS,
    ROLE,
    ROLE_POLICY,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    doc,
    edit,
    fire,
    passes,
    res,
)

FIRING = [
    fire(
        "iam-no-wildcard-actions",
        edit(
            ROLE,
            inlinePolicies=[
                {"name": "read-assets", "policy": doc(READ_ASSETS)},
                {
                    "name": "debug",
                    "policy": doc({"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}),
                },
            ],
        ),
        "inlinePolicies[debug] statement Everything allows *",
        id="role-inline-star",
    ),
    fire(
        "iam-no-wildcard-actions",
        edit(
            ROLE_POLICY,
            policy=doc(
                {"Sid": "AllS3", "Effect": "Allow", "Action": ["s3:GetObject", "s3:*"], "Resource": "arn:aws:s3:::a/*"}
            ),
        ),
        "policy statement AllS3 allows s3:*",
        id="role-policy-service-star",
    ),
    fire(
        "iam-no-wildcard-actions",
        edit(POLICY, policy=doc({"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        "statement AllButIam allows NotAction",
        id="policy-not-action",
    ),
    fire(
        "iam-no-wildcard-actions",
        res(
            "aws:iam/groupPolicy:GroupPolicy",
            "operators",
            {"group": "operators", "policy": doc({"Effect": "Allow", "Action": "ecr:*", "Resource": "*"})},
        ),
        "statement 0 allows ecr:*",
        id="group-policy",
    ),
    fire(
        "iam-scoped-resources",
        edit(
            ROLE_POLICY,
            policy=doc({"Sid": "ReadAnyObject", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        ),
        "statement ReadAnyObject allows s3:getobject on Resource '*'",
        "support resource-level permissions",
        id="s3-get-object-on-star",
    ),
    fire(
        "iam-scoped-resources",
        edit(
            ROLE_POLICY,
            policy=doc(
                {
                    "Sid": "Pull",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"],
                    "Resource": ["*"],
                }
            ),
        ),
        "allows ecr:batchgetimage on Resource '*'",
        absent=("getauthorizationtoken",),
        id="only-the-scopable-action-named",
    ),
    fire(
        "iam-scoped-resources",
        edit(
            ROLE,
            inlinePolicies=[
                {"name": "reader", "policy": doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})}
            ],
        ),
        "inlinePolicies[reader] statement 0 allows s3:",
        " more on Resource '*'",
        id="wildcard-action-many-scopable",
    ),
    fire(
        "iam-scoped-resources",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "madeup:DoThing", "Resource": "*"})),
        "allows madeup:DoThing on Resource '*'",
        id="unknown-service-counts-as-scopable",
    ),
    fire(
        "iam-no-admin-policies",
        edit(ATTACHMENT, policyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
        "attaches arn:aws:iam::aws:policy/AdministratorAccess",
        id="attachment-administrator",
    ),
    fire(
        "iam-no-admin-policies",
        edit(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/PowerUserAccess"]),
        "attaches arn:aws:iam::aws:policy/PowerUserAccess",
        id="role-managed-power-user",
    ),
    fire(
        "iam-no-admin-policies",
        res(
            "aws:iam/policyAttachment:PolicyAttachment",
            "admins",
            {"name": "admins", "policyArn": "arn:aws-us-gov:iam::aws:policy/IAMFullAccess", "roles": ["ops"]},
        ),
        "attaches arn:aws-us-gov:iam::aws:policy/IAMFullAccess",
        id="policy-attachment-govcloud",
    ),
    fire(
        "iam-no-admin-policies",
        edit(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/AmazonFSxFullAccess"]),
        "attaches arn:aws:iam::aws:policy/AmazonFSxFullAccess",
        id="role-managed-service-full-access",
    ),
    fire(
        "iam-no-admin-policies",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
        "policy allows Action '*' on Resource '*' (full administrator)",
        id="star-on-star",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc({"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
        ),
        "trust statement Anyone allows Principal '*'",
        id="principal-star",
    ),
    fire(
        "iam-trust-named-principals",
        edit(ROLE, assumeRolePolicy=doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})),
        "trust statement 0 allows AWS principal '*'",
        id="aws-star",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::*:root"]}, "Action": "sts:AssumeRole"}
            ),
        ),
        "allows AWS principal 'arn:aws:iam::*:root'; name it exactly",
        id="aws-wildcard-account",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Sid": "Irsa",
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ),
        ),
        "trust statement Irsa trusts",
        "without a :sub condition naming the workload",
        id="federated-without-condition",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                }
            ),
        ),
        "without a :sub condition naming the workload",
        id="federated-with-unrelated-condition",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{OIDC_ISSUER}:aud": "sts.amazonaws.com"}},
                }
            ),
        ),
        "without a :sub condition naming the workload",
        id="federated-with-aud-only",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes(
        "iam-no-wildcard-actions",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::assets/*"})),
        id="partial-wildcard",
    ),
    passes(
        "iam-no-wildcard-actions",
        edit(
            POLICY,
            policy=doc(
                READ_ASSETS,
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {"Effect": "Deny", "NotAction": ["s3:GetObject"], "Resource": "*"},
            ),
        ),
        id="deny-statements-ignored",
    ),
    passes(
        "iam-scoped-resources",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})),
        id="unscopable-action-on-star",
    ),
    passes(
        "iam-scoped-resources",
        edit(
            POLICY,
            policy=doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
                }
            ),
        ),
        id="star-with-condition",
    ),
    passes(
        "iam-scoped-resources",
        edit(POLICY, policy=doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})),
        id="deny-on-star",
    ),
    passes(
        "iam-no-admin-policies",
        edit(ATTACHMENT, policyArn=f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"),
        id="customer-policy-with-admin-name",
    ),
    passes(
        "iam-no-admin-policies",
        edit(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
        id="aws-managed-read-only",
    ),
    passes(
        "iam-no-admin-policies",
        edit(ATTACHMENT, policyArn=f"arn:aws:iam::{ACCOUNT}:policy/TeamBucketFullAccess"),
        id="customer-policy-named-full-access",
    ),
    passes(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{OIDC_ISSUER}:sub": "system:serviceaccount:batch:loader"}},
                }
            ),
        ),
        id="federated-with-sub",
    ),
    passes(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                ECS_TRUST,
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
            ),
        ),
        id="account-principal-and-deny-star",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
