"""Pure builders for ECS: IAM documents, container definitions, agent user data, capacity strategies.

Plain values in, JSON-ready data out; the tests check them against AWS's API shapes.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

EXECUTION_ROLE_MANAGED_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
"""ECR pull and CloudWatch Logs for the agent (AWS: "Amazon ECS task execution IAM role")."""
INSTANCE_ROLE_MANAGED_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)
"""The ECS agent's own permissions, plus Session Manager instead of SSH."""

ECS_EXEC_ACTIONS: tuple[str, ...] = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
"""What the SSM agent in a task needs for ECS Exec; these actions take no resource ARN."""


def _policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def ecs_tasks_trust_policy(account_id: str, region: str) -> dict[str, Any]:
    """Trust for task and execution roles: ECS tasks of this account and region only (confused deputy)."""
    return _policy(
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


def service_trust_policy(service: str) -> dict[str, Any]:
    """Trust for a role an AWS service assumes on its own (``ec2.amazonaws.com``, ``ssm.amazonaws.com``...)."""
    return _policy([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}])


def ec2_trust_policy() -> dict[str, Any]:
    """Trust for instance roles (ECS container instances, EKS nodes)."""
    return service_trust_policy("ec2.amazonaws.com")


def logs_key_policy(account_id: str, region: str) -> dict[str, Any]:
    """Key policy for a CloudWatch Logs key.

    The account administers the key through IAM; the regional Logs service may use it only for
    this account's log groups in this region (the encryption context names the log group).
    """
    return _policy(
        [
            {
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "LogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"}
                },
            },
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
    return _policy(statements) if statements else None


def task_role_policy(
    statements: Sequence[tuple[Sequence[str], Sequence[str]]], exec_log_group_arn: str | None
) -> dict[str, Any] | None:
    """A service's own task role policy: its configured statements, plus ECS Exec when enabled.

    ``statements`` are (actions, resources) pairs from config; ``exec_log_group_arn`` is
    set when the service allows ECS Exec, whose sessions are logged to that group.
    """
    doc: list[dict[str, Any]] = [
        {"Sid": f"Config{i}", "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
        for i, (actions, resources) in enumerate(statements)
    ]
    if exec_log_group_arn is not None:
        doc += [
            {"Sid": "EcsExecChannels", "Effect": "Allow", "Action": list(ECS_EXEC_ACTIONS), "Resource": "*"},
            {"Sid": "EcsExecLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
            {
                "Sid": "EcsExecLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{exec_log_group_arn}:*",
            },
        ]
    return _policy(doc) if doc else None


SCRATCH_VOLUME = "scratch"
"""Task volume mounted at /tmp when the root filesystem is read-only."""


def container_definitions(
    *,
    name: str,
    image: str,
    region: str,
    log_group: str,
    port: int | None,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    read_only_root_filesystem: bool,
    health_check: Mapping[str, Any] | None,
    mount_points: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The container definitions of a one-container task, in RegisterTaskDefinition's shape."""
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "essential": True,
        "privileged": False,
        "readonlyRootFilesystem": read_only_root_filesystem,
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": name},
        },
        # An init process reaps zombies and lets ECS Exec sessions start cleanly.
        "linuxParameters": {"initProcessEnabled": True},
        "mountPoints": [dict(m) for m in mount_points],
    }
    if read_only_root_filesystem:
        container["mountPoints"].append({"sourceVolume": SCRATCH_VOLUME, "containerPath": "/tmp", "readOnly": False})
    if port is not None:
        container["portMappings"] = [{"containerPort": port, "protocol": "tcp", "name": f"{name}-{port}"}]
    if health_check is not None:
        container["healthCheck"] = dict(health_check)
    return [container]


def ecs_agent_user_data(cluster_name: str, spot: bool) -> str:
    """Instance user data that joins the ECS cluster; the agent reads /etc/ecs/ecs.config at start."""
    settings = {
        "ECS_CLUSTER": cluster_name,
        # awsvpc tasks must not borrow the instance role through the metadata service.
        "ECS_AWSVPC_BLOCK_IMDS": "true",
        "ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM": "ec2_instance",
        "ECS_ENABLE_CONTAINER_METADATA": "true",
    }
    if spot:
        # On the two-minute interruption notice, drain so tasks move before the instance goes.
        settings["ECS_ENABLE_SPOT_INSTANCE_DRAINING"] = "true"
    lines = "\n".join(f"{k}={v}" for k, v in settings.items())
    return f"#!/bin/bash\nset -euo pipefail\ncat >> /etc/ecs/ecs.config <<'EOF'\n{lines}\nEOF\n"


def capacity_strategy(
    launch_type: str, *, spot_weight: int = 0, on_demand_base: int = 0, ec2_capacity_provider: str | None = None
) -> list[dict[str, Any]]:
    """Default capacity provider strategy: FARGATE (+ FARGATE_SPOT by weight) or the EC2 provider."""
    if launch_type == "EC2":
        if ec2_capacity_provider is None:
            raise ValueError("the EC2 launch type needs its capacity provider name")
        return [{"capacity_provider": ec2_capacity_provider, "weight": 1, "base": 0}]
    strategy = [{"capacity_provider": "FARGATE", "weight": 1, "base": on_demand_base}]
    if spot_weight > 0:
        strategy.append({"capacity_provider": "FARGATE_SPOT", "weight": spot_weight, "base": 0})
    return strategy


# ----------------------------------------------------------------------------- EFS


def posix_id(service: str) -> int:
    """A stable POSIX uid/gid for a service's EFS directory (10000-59999, from its name).

    Derived from the name, not the config order, so reordering services never changes
    the owner of existing files.
    """
    return 10000 + zlib.crc32(service.encode()) % 50000


def efs_file_system_policy(file_system_arn: str) -> dict[str, Any]:
    """Refuse every NFS connection that is not TLS; access itself is granted by task roles."""
    return _policy(
        [
            {
                "Sid": "DenyUnencryptedTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Resource": file_system_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    )


def efs_task_statement(file_system_arn: str, access_point_arn: str, read_only: bool) -> dict[str, Any]:
    """Task role statement: mount the file system only through the service's own access point."""
    actions = (
        ["elasticfilesystem:ClientMount"]
        if read_only
        else ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    )
    return {
        "Sid": "MountOwnAccessPoint",
        "Effect": "Allow",
        "Action": actions,
        "Resource": file_system_arn,
        "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn}},
    }


# ------------------------------------------------------------------------- scaling


def step_adjustments(steps: Sequence[tuple[int | None, int | None, int]]) -> list[dict[str, Any]]:
    """(lowerBound, upperBound, change) -> Application Auto Scaling step adjustments.

    The API takes the bounds as strings relative to the alarm threshold.
    """
    result: list[dict[str, Any]] = []
    for lower, upper, change in steps:
        step: dict[str, Any] = {"scaling_adjustment": change}
        if lower is not None:
            step["metric_interval_lower_bound"] = str(lower)
        if upper is not None:
            step["metric_interval_upper_bound"] = str(upper)
        result.append(step)
    return result


def schedule_expression(cron: str | None, at: str | None) -> str:
    """``cron(...)`` or ``at(...)`` as Application Auto Scaling expects."""
    if (cron is None) == (at is None):
        raise ValueError("exactly one of cron and at")
    return f"cron({cron})" if cron is not None else f"at({at})"


ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
"""AWS's current recommendation (TLS 1.3/1.2 with post-quantum key exchange); API defaults are older."""
