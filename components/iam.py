"""IAM helpers shared by the components: policy documents, trust policies, attachments keyed by what they attach."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws


def policy_document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """An IAM policy document (language version 2012-10-17) of these statements."""
    return {"Version": "2012-10-17", "Statement": statements}


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


def service_trust_policy(service: str) -> dict[str, Any]:
    """Trust for a role an AWS service assumes on its own (``ec2.amazonaws.com``, ``ssm.amazonaws.com``...)."""
    return policy_document([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}])


def ec2_trust_policy() -> dict[str, Any]:
    """Trust for instance roles (ECS container instances, EKS nodes)."""
    return service_trust_policy("ec2.amazonaws.com")
