"""IAM helpers shared by the components: policy attachments keyed by what they attach."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


def policy_key(policy_arn: str) -> str:
    """``arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`` -> its name.

    Attachments are named after the policy they attach, never after its position in a list, so
    reordering or removing one policy never re-creates the others.
    """
    return policy_arn.rsplit("/", 1)[-1]


def attach_policies(
    prefix: str, role: aws.iam.Role, policy_arns: Sequence[str], parent: pulumi.Resource
) -> list[aws.iam.RolePolicyAttachment]:
    """One attachment per managed policy, named ``<prefix>-<policy name>``, children of ``parent``."""
    return [
        aws.iam.RolePolicyAttachment(
            f"{prefix}-{policy_key(arn)}",
            role=role.name,
            policy_arn=arn,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for arn in policy_arns
    ]
