"""Every guardrail, one module per AWS area; ``RULES`` is the order the pack and SECURITY.md list them in."""

from ..model import Rule
from . import ec2, ecr, ecs, efs, eks, elb, iam, logs, network

RULES: tuple[Rule, ...] = (
    *ecr.RULES,
    *ecs.RULES,
    *eks.RULES,
    *efs.RULES,
    *elb.RULES,
    *ec2.RULES,
    *iam.RULES,
    *logs.RULES,
    *network.RULES,
)
"""All rules; ids are unique (a test checks)."""
