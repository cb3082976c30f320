"""Every guardrail, one module per AWS area; ``RULES`` is the order the pack and docs/security.md list them in."""

from ..model import Rule
from . import ec2, ecr, ecs, efs, eks, elb, iam, kms, logs, network, s3, vpc

RULES: tuple[Rule, ...] = (
    *ecr.RULES,
    *ecs.RULES,
    *eks.RULES,
    *efs.RULES,
    *elb.RULES,
    *ec2.RULES,
    *iam.RULES,
    *logs.RULES,
    *kms.RULES,
    *network.RULES,
    *vpc.RULES,
    *s3.RULES,
)
"""All rules; ids are unique (a test checks)."""
