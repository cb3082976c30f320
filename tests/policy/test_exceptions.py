"""Exception tags on one subject: the reason waives the finding, a short one or another rule's does not."""

from __future__ import annotations

from policy.guardrails.model import MIN_REASON_LENGTH
from tests.policy.subjects import ASG, EFS, LOG_GROUP, PRIVATE_SUBNETS, REASON, drop, edit, exception_tag, run


def test_exception_tag_waives_the_finding_with_its_reason() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={"component": "ecs", exception_tag("logs-kms-encryption"): REASON})
    (finding,) = run("logs-kms-encryption", subject)
    assert finding.waived_because == REASON
    assert "kmsKeyId is not set" in finding.message


def test_exception_reason_is_stripped_and_must_be_long_enough() -> None:
    def waived(reason: str) -> str | None:
        subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-kms-encryption"): reason})
        (finding,) = run("logs-kms-encryption", subject)
        return finding.waived_because

    exact = "x" * MIN_REASON_LENGTH
    assert waived(exact) == exact
    assert waived(f"  {exact}  ") == exact
    assert waived("x" * (MIN_REASON_LENGTH - 1)) is None
    assert waived(f"   {'x' * (MIN_REASON_LENGTH - 1)}   ") is None
    assert waived("temporary") is None


def test_exception_for_another_rule_does_not_waive() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-retention"): REASON})
    (finding,) = run("logs-kms-encryption", subject)
    assert finding.waived_because is None


def test_exception_in_auto_scaling_tag_list_waives() -> None:
    tags = [*ASG.props["tags"], {"key": exception_tag("asg-multi-az"), "value": REASON, "propagateAtLaunch": False}]
    (finding,) = run("asg-multi-az", edit(ASG, vpcZoneIdentifiers=[PRIVATE_SUBNETS[0]], tags=tags))
    assert finding.waived_because == REASON


def test_exception_waives_a_stack_rule() -> None:
    (finding,) = run(
        "efs-backups", edit(EFS, tags={exception_tag("efs-backups"): "scratch data, rebuilt from S3 nightly"})
    )
    assert finding.waived_because == "scratch data, rebuilt from S3 nightly"
