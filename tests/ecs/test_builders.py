"""Pure ECS builders: IAM documents, container definitions, user data, capacity strategies."""

from __future__ import annotations

import pytest

from components.ecs.platform import capacity_strategy, ecs_agent_user_data
from components.ecs.service import ECS_EXEC_ACTIONS, container_definitions, task_role_policy
from components.ecs.task_execution_role import ecs_tasks_trust_policy, execution_role_policy, secret_resource_arns
from components.iam import ec2_trust_policy
from tests.aws_shapes import actions_of, is_real_action, request_errors

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-db"
SECRET_FULL = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-AbC123"
PARAM = "arn:aws:ssm:us-east-1:123456789012:parameter/web/feature-flags"


def test_task_trust_is_limited_to_this_account_and_region() -> None:
    (statement,) = ecs_tasks_trust_policy("123456789012", "us-east-1")["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
    }


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (SECRET, [SECRET, SECRET + "-??????"]),
        (SECRET_FULL, [SECRET_FULL, SECRET_FULL + "-??????"]),
        (SECRET_FULL + ":password::", [SECRET_FULL, SECRET_FULL + "-??????"]),
        (SECRET + ":username:AWSCURRENT:", [SECRET, SECRET + "-??????"]),
    ],
)
def test_secret_resource_arns(reference: str, expected: list[str]) -> None:
    assert secret_resource_arns(reference) == expected


def test_execution_role_reads_only_the_referenced_secrets_and_parameters() -> None:
    doc = execution_role_policy("us-east-1", "123456789012", [SECRET, SECRET_FULL + ":password::", PARAM])
    assert doc is not None
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ReadReferencedSecrets"]["Resource"] == sorted(
        [SECRET, SECRET + "-??????", SECRET_FULL, SECRET_FULL + "-??????"]
    )
    assert by_sid["ReadReferencedSecrets"]["Action"] == "secretsmanager:GetSecretValue"
    assert by_sid["ReadReferencedParameters"] == {
        "Sid": "ReadReferencedParameters",
        "Effect": "Allow",
        "Action": "ssm:GetParameters",
        "Resource": [PARAM],
    }
    decrypt = by_sid["DecryptReferencedSecrets"]
    assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    assert decrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:SecretARN": by_sid["ReadReferencedSecrets"]["Resource"]
    }
    assert by_sid["DecryptReferencedParameters"]["Condition"]["StringLike"] == {
        "kms:EncryptionContext:PARAMETER_ARN": [PARAM]
    }
    assert all(is_real_action(a) for a in actions_of(doc))


def test_execution_role_policy_is_none_without_secrets() -> None:
    assert execution_role_policy("us-east-1", "123456789012", []) is None


def test_task_role_policy_holds_config_statements_and_ecs_exec() -> None:
    doc = task_role_policy(
        [(("s3:GetObject",), ("arn:aws:s3:::bucket/*",))], "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/c/exec"
    )
    assert doc is not None
    first, *rest = doc["Statement"]
    assert first == {
        "Sid": "Config0",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::bucket/*"],
    }
    assert [s["Sid"] for s in rest] == ["EcsExecChannels", "EcsExecLogGroup", "EcsExecLogs"]
    assert rest[2]["Resource"] == "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/c/exec:*"
    assert all(is_real_action(a) for a in actions_of(doc))
    assert set(ECS_EXEC_ACTIONS) <= set(actions_of(doc))


def test_task_role_policy_is_none_when_nothing_is_granted() -> None:
    assert task_role_policy([], None) is None


def test_is_real_action_catches_typos() -> None:
    assert is_real_action("secretsmanager:GetSecretValue")
    assert not is_real_action("secretsmanager:GetSecretValues")
    assert not is_real_action("madeup:Thing")


def test_ec2_trust_policy() -> None:
    assert ec2_trust_policy()["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


def definitions(**overrides: object) -> list[dict[str, object]]:
    args: dict[str, object] = {
        "name": "web",
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
        "region": "us-east-1",
        "log_group": "/ecs/c/web",
        "port": 8080,
        "environment": {"LOG_LEVEL": "info", "A": "1"},
        "secrets": {"DATABASE_URL": SECRET},
        "read_only_root_filesystem": True,
        "health_check": {
            "command": ["CMD-SHELL", "true"],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 0,
        },
    }
    args.update(overrides)
    return container_definitions(**args)  # type: ignore[arg-type]


def test_container_definition_is_safe_by_default() -> None:
    (container,) = definitions()
    assert container["privileged"] is False and container["readonlyRootFilesystem"] is True
    assert container["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}]
    assert container["environment"] == [{"name": "A", "value": "1"}, {"name": "LOG_LEVEL", "value": "info"}]
    assert container["secrets"] == [{"name": "DATABASE_URL", "valueFrom": SECRET}]
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/c/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"},
    }
    assert container["portMappings"] == [{"containerPort": 8080, "protocol": "tcp", "name": "web-8080"}]


def test_writable_root_gets_no_scratch_volume_and_no_port_means_no_mapping() -> None:
    (container,) = definitions(read_only_root_filesystem=False, port=None, health_check=None)
    assert container["mountPoints"] == [] and "portMappings" not in container and "healthCheck" not in container


@pytest.mark.parametrize("overrides", [{}, {"port": None, "health_check": None, "read_only_root_filesystem": False}])
def test_container_definitions_match_the_register_task_definition_shape(overrides: dict[str, object]) -> None:
    request = {
        "family": "c-web",
        "containerDefinitions": definitions(**overrides),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "volumes": [{"name": "scratch"}],
    }
    assert request_errors("ecs", "RegisterTaskDefinition", request) == ""


def test_shape_check_can_fail() -> None:
    bad = {"family": "x", "containerDefinitions": [{"name": "x", "image": "y", "privileged": "no"}]}
    assert "privileged" in request_errors("ecs", "RegisterTaskDefinition", bad)


def test_user_data_joins_the_cluster_and_blocks_task_imds() -> None:
    data = ecs_agent_user_data("container-platform-prod", spot=False)
    assert data.startswith("#!/bin/bash\n")
    assert "ECS_CLUSTER=container-platform-prod\n" in data
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in data
    assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING" not in data
    assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in ecs_agent_user_data("c", spot=True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("FARGATE",), [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}]),
        (
            ("FARGATE", 3, 1),
            [
                {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
            ],
        ),
        (("FARGATE", 0, 2), [{"capacity_provider": "FARGATE", "weight": 1, "base": 2}]),
    ],
)
def test_fargate_capacity_strategy(args: tuple[str, int, int], expected: list[dict[str, object]]) -> None:
    launch, *rest = args
    kwargs = dict(zip(("spot_weight", "on_demand_base"), rest, strict=False))
    assert capacity_strategy(launch, **kwargs) == expected  # type: ignore[arg-type]


def test_ec2_capacity_strategy_points_at_the_provider() -> None:
    assert capacity_strategy("EC2", ec2_capacity_provider="c-ec2") == [
        {"capacity_provider": "c-ec2", "weight": 1, "base": 0}
    ]
    with pytest.raises(ValueError, match="capacity provider name"):
        capacity_strategy("EC2")
