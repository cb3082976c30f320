"""TaskExecutionRole: the one role the ECS agent uses to start every service's tasks.

Built before the registry and the cluster: the registry grants it pull, and every task
definition names it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document
from components.tags import component_tags


@dataclass(frozen=True)
class TaskExecutionRoleArgs:
    """Inputs of the task execution role."""

    region: str
    """Region of the ECS cluster; the trust and KMS conditions are limited to it."""
    account_id: pulumi.Input[str]
    """This AWS account."""
    secret_refs: Sequence[str] = ()
    """Every Secrets Manager / SSM parameter ARN the services reference; nothing else is readable."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class TaskExecutionRole(pulumi.ComponentResource):
    """IAM role for the ECS agent: pull images, write logs, read exactly the referenced secrets."""

    role: aws.iam.Role
    """The role."""
    arn: pulumi.Output[str]
    """Its ARN, for task definitions and the registry's pull permission."""

    def __init__(self, name: str, args: TaskExecutionRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:TaskExecutionRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = component_tags("ecs", args.tags)
        self.role = aws.iam.Role(
            f"{name}-role",
            description="ECS task execution role: image pull, logs, referenced secrets",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(ecs_tasks_trust_policy(account, args.region))
            ),
            tags=tags,
            opts=child,
        )
        managed = aws.iam.RolePolicyAttachment(
            f"{name}-managed", role=self.role.name, policy_arn=EXECUTION_ROLE_MANAGED_POLICY, opts=child
        )
        self.policies: list[pulumi.Resource] = [managed]
        """The role's policies: a service waits for them, or its first tasks cannot pull or read secrets."""
        if args.secret_refs:
            secrets = aws.iam.RolePolicy(
                f"{name}-secrets",
                role=self.role.name,
                policy=pulumi.Output.from_input(args.account_id).apply(
                    lambda account: json.dumps(execution_role_policy(args.region, account, args.secret_refs))
                ),
                opts=child,
            )
            self.policies.append(secrets)
        self.arn = self.role.arn
        self.register_outputs({"arn": self.arn})


EXECUTION_ROLE_MANAGED_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
"""ECR pull and CloudWatch Logs for the agent (AWS: "Amazon ECS task execution IAM role")."""


def ecs_tasks_trust_policy(account_id: str, region: str) -> dict[str, Any]:
    """Trust for task and execution roles: ECS tasks of this account and region only (confused deputy)."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{region}:{account_id}:*"},
                },
            }
        ]
    )


def secret_resource_arns(reference: str) -> list[str]:
    """IAM resources that match a secret reference as ECS accepts it.

    Drops the ``:json-key:version-stage:version-id`` tail ECS allows. Always adds the
    ``-??????`` form too: a name such as ``db-passwd`` cannot be told apart from a full
    ARN whose last six characters are AWS's random suffix, so both must match.
    """
    base = ":".join(reference.split(":")[:7])
    return [base, f"{base}-??????"]


def execution_role_policy(region: str, account_id: str, secret_refs: Sequence[str]) -> dict[str, Any] | None:
    """Read exactly the referenced secrets and parameters, and decrypt only through them.

    ``kms:Decrypt`` is limited by ``kms:ViaService`` and the encryption context that Secrets
    Manager and Parameter Store send, so it works for customer-managed keys without naming
    them and cannot decrypt anything else. ``None`` when no service references a secret.
    """
    secrets = sorted({arn for ref in secret_refs if ":secretsmanager:" in ref for arn in secret_resource_arns(ref)})
    parameters = sorted({ref for ref in secret_refs if ":ssm:" in ref})
    key_arns = f"arn:aws:kms:{region}:{account_id}:key/*"
    statements: list[dict[str, Any]] = []
    if secrets:
        statements += [
            {
                "Sid": "ReadReferencedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secrets,
            },
            {
                "Sid": "DecryptReferencedSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arns,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:SecretARN": secrets},
                },
            },
        ]
    if parameters:
        statements += [
            {
                "Sid": "ReadReferencedParameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameters",
                "Resource": parameters,
            },
            {
                "Sid": "DecryptReferencedParameters",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arns,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": parameters},
                },
            },
        ]
    return policy_document(statements) if statements else None
