"""S3: every bucket of the program blocks public access, refuses plain HTTP and expires what it keeps.

The bucket settings live in resources of their own (``aws:s3/bucketPublicAccessBlock``, ``bucketPolicy``,
``bucketLifecycleConfiguration``), so these are stack rules: they look for the resource that names the
bucket, through the ``bucket`` input's property dependency or its value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Rule, Subject, as_list, document, truthy

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _of_bucket(bucket: Subject, *types: str) -> list[Subject]:
    """The resources of ``types`` whose ``bucket`` input is this bucket (by dependency or by name)."""
    name = bucket.get("bucket")
    return [
        r
        for r in (bucket.stack.of_type(*types) if bucket.stack else [])
        if bucket.urn in [d.urn for d in r.depends_on("bucket")] or (name is not None and r.get("bucket") == name)
    ]


def _public_access_blocked(r: Subject) -> Iterator[str]:
    blocks = _of_bucket(r, PUBLIC_ACCESS_BLOCK)
    if not blocks:
        yield "no aws:s3/bucketPublicAccessBlock names this bucket"
        return
    off = [s for s in BLOCK_SETTINGS if not any(truthy(b.get(s)) for b in blocks)]
    if off:
        yield f"the public access block leaves {', '.join(off)} off"


def _denies_plain_http(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    secure = (condition.get("Bool") or {}).get("aws:SecureTransport") if isinstance(condition, Mapping) else None
    actions = as_list(statement.get("Action"))
    return (
        statement.get("Effect") == "Deny"
        and statement.get("Principal") in ("*", {"AWS": "*"})
        and any(a in ("s3:*", "*") for a in actions)
        and str(secure).lower() == "false"
    )


def _tls_only(r: Subject) -> Iterator[str]:
    for policy in _of_bucket(r, BUCKET_POLICY):
        doc = document(policy.get("policy")) or {}
        statements = as_list(doc.get("Statement")) if isinstance(doc, Mapping) else []
        if any(isinstance(s, Mapping) and _denies_plain_http(s) for s in statements):
            return
    yield "no bucket policy denies requests without TLS (Deny s3:* to * when aws:SecureTransport is false)"


def _lifecycle(r: Subject) -> Iterator[str]:
    for config in _of_bucket(r, *LIFECYCLES):
        if any(isinstance(rule, Mapping) and rule.get("status") == "Enabled" for rule in as_list(config.get("rules"))):
            return
    yield "no enabled lifecycle rule for this bucket; what it stores would be kept forever"


RULES = (
    Rule(
        id="s3-public-access-blocked",
        title="Every S3 bucket blocks public access with all four bucket-level settings.",
        resource_types=BUCKETS,
        check=_public_access_blocked,
        controls=("S3.8",),
        remediation="Add an aws.s3.BucketPublicAccessBlock with all four settings true (AccessLogsBucket does).",
        scope="stack",
    ),
    Rule(
        id="s3-tls-only",
        title="Every S3 bucket's policy denies requests that do not use TLS.",
        resource_types=BUCKETS,
        check=_tls_only,
        controls=("S3.5",),
        remediation="Add a Deny of s3:* for Principal * with Condition Bool aws:SecureTransport false to the bucket policy.",
        scope="stack",
    ),
    Rule(
        id="s3-lifecycle",
        title="Every S3 bucket has an enabled lifecycle rule.",
        resource_types=BUCKETS,
        check=_lifecycle,
        controls=("S3.13",),
        remediation="Add an aws.s3.BucketLifecycleConfiguration with an expiration (ecs.accessLogs.retentionDays).",
        scope="stack",
    ),
)
