"""TaskExecutionRole: the one role the ECS agent uses to start every service's tasks.

Built before the registry and the cluster: the registry grants it pull, and every task
definition names it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.ecs_policies import EXECUTION_ROLE_MANAGED_POLICY, ecs_tasks_trust_policy, execution_role_policy
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
