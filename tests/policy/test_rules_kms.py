"""The rules of ``policy/guardrails/rules/kms.py``: firing and passing cases.

They look at KMS keys. ``test_rule_table.py`` collects ``FIRING`` and ``PASSING`` from every area to
check each rule has both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.kms import RULES
from tests.policy.subjects import (
    ACCOUNT,
    KMS_KEY,
    LOGS_USE,
    ROOT_ADMINISTERS,
    TASK_ROLE_ARN,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    doc,
    drop,
    edit,
    fire,
    passes,
)

UNCONDITIONED_LOGS = {k: v for k, v in LOGS_USE.items() if k != "Condition"}

FIRING = [
    fire("kms-key-rotation", drop(KMS_KEY, "enableKeyRotation"), "enableKeyRotation is not true", id="unset"),
    fire("kms-key-rotation", edit(KMS_KEY, enableKeyRotation="false"), "enableKeyRotation", id="string-false"),
    fire("kms-key-policy", drop(KMS_KEY, "policy"), "policy is not set", id="default-policy"),
    fire(
        "kms-key-policy",
        edit(KMS_KEY, policy=doc(LOGS_USE)),
        "no statement lets the account root administer the key",
        id="no-root-administration",
    ),
    fire(
        "kms-key-policy",
        edit(
            KMS_KEY,
            policy=doc(ROOT_ADMINISTERS, {**ROOT_ADMINISTERS, "Sid": "Ops", "Principal": {"AWS": TASK_ROLE_ARN}}),
        ),
        f"Statement[1] (Ops) grants every KMS action to {TASK_ROLE_ARN}",
        id="kms-star-for-a-role",
    ),
    fire(
        "kms-key-policy",
        edit(
            KMS_KEY,
            policy=doc(
                ROOT_ADMINISTERS, {"Effect": "Allow", "Principal": {"AWS": TASK_ROLE_ARN}, "NotAction": "kms:Delete*"}
            ),
        ),
        "grants every KMS action",
        id="not-action",
    ),
    fire(
        "kms-key-policy",
        edit(
            KMS_KEY,
            policy=doc(
                ROOT_ADMINISTERS, {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
            ),
        ),
        "allows Principal '*' without a condition",
        id="public",
    ),
    fire(
        "kms-key-policy",
        edit(KMS_KEY, policy=doc(ROOT_ADMINISTERS, UNCONDITIONED_LOGS)),
        "lets logs.us-east-1.amazonaws.com use the key without a condition",
        id="service-unconditioned",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes("kms-key-rotation", edit(KMS_KEY, enableKeyRotation="true"), id="string-true"),
    passes(
        "kms-key-rotation",
        edit(drop(KMS_KEY, "enableKeyRotation"), customerMasterKeySpec="RSA_2048"),
        id="asymmetric-cannot-rotate",
    ),
    passes(
        "kms-key-policy",
        edit(KMS_KEY, policy=doc({**ROOT_ADMINISTERS, "Principal": {"AWS": ACCOUNT}})),
        id="root-as-account-id",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
