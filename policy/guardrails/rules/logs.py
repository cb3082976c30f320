"""CloudWatch Logs: every log group expires its events and is encrypted with a customer-managed KMS key."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Rule, Subject

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _retention(r: Subject) -> Iterator[str]:
    days = r.get("retentionInDays", 0)
    if not days or int(days) <= 0:
        yield "retentionInDays is not set; the log group would keep (and bill) every event forever"


def _kms(r: Subject) -> Iterator[str]:
    if not r.get("kmsKeyId"):
        yield "kmsKeyId is not set; events would be encrypted only with the CloudWatch Logs service key"


RULES = (
    Rule(
        id="logs-retention",
        title="CloudWatch log groups have a retention period.",
        resource_types=(LOG_GROUP,),
        check=_retention,
        controls=("CloudWatch.16",),
        remediation="Set retentionInDays (ecs.logRetentionDays for service logs).",
    ),
    Rule(
        id="logs-kms-encryption",
        title="CloudWatch log groups are encrypted with a customer-managed KMS key.",
        resource_types=(LOG_GROUP,),
        check=_kms,
        remediation="Pass kmsKeyId (EcsPlatform creates a logs key whose policy admits only this account's log groups).",
    ),
)
