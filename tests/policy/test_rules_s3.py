"""The rules of ``policy/guardrails/rules/s3.py``: firing and passing cases.

They are stack rules over S3 buckets: each looks for the public access block, bucket policy or lifecycle
configuration that names the bucket. ``test_rule_table.py`` collects ``FIRING`` and ``PASSING``.
"""

from __future__ import annotations

import json

import pytest

from policy.guardrails.model import Subject
from policy.guardrails.rules.s3 import RULES
from tests.policy.subjects import (
    ALB_LOG_DELIVERY,
    BUCKET,
    BUCKET_LIFECYCLE,
    BUCKET_NAME,
    BUCKET_POLICY,
    DENY_PLAIN_HTTP,
    PUBLIC_ACCESS_BLOCK,
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
)

SETTINGS = (PUBLIC_ACCESS_BLOCK, BUCKET_POLICY, BUCKET_LIFECYCLE)


def without(*gone: Subject) -> tuple[Subject, ...]:
    return tuple(s for s in SETTINGS if s not in gone)


FIRING = [
    fire(
        "s3-public-access-blocked",
        BUCKET,
        "no aws:s3/bucketPublicAccessBlock names this bucket",
        others=without(PUBLIC_ACCESS_BLOCK),
        id="no-block",
    ),
    fire(
        "s3-public-access-blocked",
        BUCKET,
        "leaves blockPublicPolicy, restrictPublicBuckets off",
        others=(
            edit(PUBLIC_ACCESS_BLOCK, blockPublicPolicy=False, restrictPublicBuckets=None),
            BUCKET_POLICY,
            BUCKET_LIFECYCLE,
        ),
        id="partial-block",
    ),
    fire(
        "s3-public-access-blocked",
        BUCKET,
        "no aws:s3/bucketPublicAccessBlock",
        others=(linked(edit(PUBLIC_ACCESS_BLOCK, bucket="another-bucket"), bucket=[]), BUCKET_POLICY, BUCKET_LIFECYCLE),
        id="block-of-another-bucket",
    ),
    fire(
        "s3-tls-only",
        BUCKET,
        "no bucket policy denies requests without TLS",
        others=without(BUCKET_POLICY),
        id="no-policy",
    ),
    fire(
        "s3-tls-only",
        BUCKET,
        "denies requests without TLS",
        others=(PUBLIC_ACCESS_BLOCK, edit(BUCKET_POLICY, policy=doc(ALB_LOG_DELIVERY)), BUCKET_LIFECYCLE),
        id="no-deny",
    ),
    fire(
        "s3-tls-only",
        BUCKET,
        "denies requests without TLS",
        others=(
            PUBLIC_ACCESS_BLOCK,
            edit(
                BUCKET_POLICY, policy=doc({**DENY_PLAIN_HTTP, "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
            ),
            BUCKET_LIFECYCLE,
        ),
        id="deny-on-the-wrong-condition",
    ),
    fire(
        "s3-lifecycle",
        BUCKET,
        "no enabled lifecycle rule",
        others=without(BUCKET_LIFECYCLE),
        id="no-lifecycle",
    ),
    fire(
        "s3-lifecycle",
        BUCKET,
        "no enabled lifecycle rule",
        others=(
            PUBLIC_ACCESS_BLOCK,
            BUCKET_POLICY,
            edit(BUCKET_LIFECYCLE, rules=[{**BUCKET_LIFECYCLE.props["rules"][0], "status": "Disabled"}]),
        ),
        id="disabled-rule",
    ),
]
"""One change from COMPLIANT each."""

PASSING = [
    *compliant_cases(RULES),
    passes(
        "s3-public-access-blocked",
        edit(BUCKET, bucket=BUCKET_NAME),
        others=(linked(PUBLIC_ACCESS_BLOCK, bucket=[]), BUCKET_POLICY, BUCKET_LIFECYCLE),
        id="matched-by-bucket-name",
    ),
    passes(
        "s3-tls-only",
        BUCKET,
        others=(
            PUBLIC_ACCESS_BLOCK,
            edit(BUCKET_POLICY, policy=json.loads(BUCKET_POLICY.props["policy"])),
            BUCKET_LIFECYCLE,
        ),
        id="policy-as-object",
    ),
    passes("s3-lifecycle", drop(BUCKET, "tags"), others=SETTINGS, id="untagged-bucket"),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
