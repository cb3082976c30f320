"""AccessLogsBucket: the S3 bucket the services' load balancers write their access logs to.

What ELB needs from the bucket, and where each requirement comes from:

- Same region as the load balancers; the only server-side encryption ALB access logs support is
  SSE-S3 (Elastic Load Balancing user guide for ALBs, "Enable access logs", step 1: "The only
  server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3)").
- ALB delivery: regions available before August 2022 (us-east-1 and eu-west-1 among them) grant
  ``s3:PutObject`` to the regional Elastic Load Balancing account; regions from August 2022 grant it to
  the service principal ``logdelivery.elasticloadbalancing.amazonaws.com`` (same page, step 2). Both
  are granted where the account is known, the principal alone elsewhere.
- NLB delivery goes through CloudWatch's log delivery: ``delivery.logs.amazonaws.com`` may
  ``s3:GetBucketAcl`` and ``s3:PutObject`` under ``AWSLogs/<account>/``, limited to this account's
  ``arn:aws:logs:<region>:<account>:*`` sources (ELB user guide for NLBs, "Enable access logs",
  example bucket policy). NLBs write logs only for TLS listeners (same page, "Important").
- Bucket owner enforced ownership: ACLs are disabled, so every object belongs to this account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document
from components.tags import component_tags

ELB_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "eu-central-1": "054676820928",
}
"""Elastic Load Balancing's account per region available before August 2022 (ALB user guide, "Enable access
logs", step 2; the same ids as terraform-provider-aws's ``aws_elb_service_account`` table). Regions not listed
here are served by the ``logdelivery.elasticloadbalancing.amazonaws.com`` principal only."""

ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"
LOG_DELIVERY = "delivery.logs.amazonaws.com"


@dataclass(frozen=True)
class AccessLogsBucketArgs:
    """Inputs of the access log bucket of one region."""

    region: str
    """Region of the bucket and of the load balancers that write to it."""
    account_id: pulumi.Input[str]
    """This AWS account: the log prefix and the delivery conditions name it."""
    retention_days: int = 90
    """Days before a log object expires; default 90."""
    force_destroy: bool = False
    """Let ``pulumi destroy`` delete the bucket with its logs; default off (the delete then fails while logs remain)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class AccessLogsBucket(pulumi.ComponentResource):
    """Private, SSE-S3, TLS-only S3 bucket with the ELB log-delivery policy and an expiry lifecycle."""

    bucket: aws.s3.Bucket
    """The bucket; load balancers name it in ``accessLogs.bucket``."""
    policy: aws.s3.BucketPolicy
    """Its bucket policy; a load balancer can enable logging only once it exists (ELB checks on enable)."""

    def __init__(self, name: str, args: AccessLogsBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:AccessLogsBucket", name, None, opts)
        tags = component_tags("ecs", args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", force_destroy=args.force_destroy, tags=tags, opts=child)
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # SSE-S3: the only encryption ALB access log delivery supports (see the module docstring).
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        self._lifecycle(name, args)
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(self.bucket.arn, args.account_id).apply(
                lambda values: json.dumps(access_logs_bucket_policy(values[0], values[1], args.region))
            ),
            # A policy is "public" to the block when it grants a principal outside the account; this one does
            # not, but S3 evaluates it only after the block exists, so create the block first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.register_outputs({"bucket": self.bucket.bucket})

    def _lifecycle(self, name: str, args: AccessLogsBucketArgs) -> aws.s3.BucketLifecycleConfiguration:
        return aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.retention_days),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )


def access_logs_bucket_policy(bucket_arn: str, account_id: str, region: str) -> dict[str, Any]:
    """The bucket policy: TLS only, and log delivery for this account's ALBs and NLBs in ``region``."""
    logs = f"{bucket_arn}/*/AWSLogs/{account_id}/*"
    alb_principals: dict[str, dict[str, Any]] = {"AlbLogDeliveryService": {"Service": ELB_LOG_DELIVERY}}
    if region in ELB_ACCOUNTS:
        alb_principals["AlbLogDeliveryRegionalAccount"] = {"AWS": f"arn:aws:iam::{ELB_ACCOUNTS[region]}:root"}
    source = {
        "StringEquals": {"aws:SourceAccount": account_id},
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
    }
    return policy_document(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            *[
                {"Sid": sid, "Effect": "Allow", "Principal": p, "Action": "s3:PutObject", "Resource": logs}
                for sid, p in alb_principals.items()
            ],
            {
                "Sid": "NlbLogDeliveryAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": LOG_DELIVERY},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": source,
            },
            {
                "Sid": "NlbLogDeliveryWrite",
                "Effect": "Allow",
                "Principal": {"Service": LOG_DELIVERY},
                "Action": "s3:PutObject",
                "Resource": logs,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id, "s3:x-amz-acl": "bucket-owner-full-control"},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
                },
            },
        ]
    )
