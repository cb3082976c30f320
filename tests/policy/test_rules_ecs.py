"""The rules of ``policy/guardrails/rules/ecs.py``: firing and passing cases and their other tests.

They look at ECS clusters, task definitions, services and task sets. ``test_rule_table.py`` collects
``FIRING`` and ``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

import json

import pytest

from policy.guardrails.rules.ecs import RULES
from tests.policy.subjects import (
    ECS_CLUSTER,
    EFS_ID,
    EXECUTION_ROLE_ARN,
    NETWORK_CONFIGURATION,
    REGION,
    SERVICE,
    TASK,
    TASK_SET,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    container,
    drop,
    edit,
    fire,
    passes,
    run,
    with_containers,
    with_environment,
)

EXEC = ECS_CLUSTER.props["configuration"]["executeCommandConfiguration"]


def exec_config(**changes: object) -> dict[str, object]:
    """The cluster's ECS Exec configuration with some keys changed (None drops a key)."""
    merged = {**EXEC, **changes}
    return {"executeCommandConfiguration": {k: v for k, v in merged.items() if v is not None}}


FIRING = [
    fire(
        "ecs-non-root-user",
        with_containers(container("user")),
        "container api sets no user",
        id="unset",
    ),
    fire("ecs-non-root-user", with_containers(container(user="0:0")), "runs as root (user 0:0)", id="uid-0"),
    fire("ecs-non-root-user", with_containers(container(user="root")), "runs as root (user root)", id="root-name"),
    fire(
        "ecs-non-root-user",
        with_containers(container(), container(name="sidecar", user="0")),
        "container sidecar runs as root",
        absent=("container api",),
        id="only-the-root-sidecar",
    ),
    fire(
        "ecs-exec-audited",
        drop(ECS_CLUSTER, "configuration"),
        "no configuration.executeCommandConfiguration",
        id="unset",
    ),
    fire("ecs-exec-audited", edit(ECS_CLUSTER, configuration=exec_config(kmsKeyId=None)), "no kmsKeyId", id="no-key"),
    fire(
        "ecs-exec-audited",
        edit(ECS_CLUSTER, configuration=exec_config(logging="DEFAULT")),
        "logging is DEFAULT",
        id="default-logging",
    ),
    fire(
        "ecs-exec-audited",
        edit(ECS_CLUSTER, configuration=exec_config(logConfiguration={"cloudWatchLogGroupName": "/ecs/x/exec"})),
        "to CloudWatch Logs (/ecs/x/exec) without encryption",
        id="log-group-unencrypted",
    ),
    fire(
        "ecs-exec-audited",
        edit(
            ECS_CLUSTER,
            configuration=exec_config(
                logConfiguration={"s3BucketName": "exec-logs", "s3BucketEncryptionEnabled": False}
            ),
        ),
        "to S3 (exec-logs) without encryption",
        id="bucket-unencrypted",
    ),
    fire(
        "ecs-exec-audited",
        edit(ECS_CLUSTER, configuration=exec_config(logConfiguration={})),
        "names no log group or bucket",
        id="no-destination",
    ),
    fire(
        "ecs-container-insights",
        drop(ECS_CLUSTER, "settings"),
        "containerInsights is not set; expected enabled or enhanced",
        id="settings-unset",
    ),
    fire(
        "ecs-container-insights",
        edit(ECS_CLUSTER, settings=[{"name": "containerInsights", "value": "disabled"}]),
        "containerInsights is disabled",
        id="disabled",
    ),
    fire("ecs-no-privileged", with_containers(container(privileged=True)), "container api is privileged", id="one"),
    fire(
        "ecs-no-privileged",
        with_containers(container(), container(name="log-router", privileged=True)),
        "container log-router is privileged",
        absent=("container api",),
        id="only-the-privileged-sidecar",
    ),
    fire(
        "ecs-no-host-namespaces",
        edit(TASK, networkMode="host"),
        "networkMode is host",
        "share the instance's network namespace",
        id="network-host",
    ),
    fire("ecs-no-host-namespaces", edit(TASK, pidMode="host"), "pidMode is host", "pid namespace", id="pid-host"),
    fire("ecs-no-host-namespaces", edit(TASK, ipcMode="host"), "ipcMode is host", "ipc namespace", id="ipc-host"),
    fire(
        "ecs-no-host-namespaces",
        edit(TASK, networkMode="host", pidMode="host"),
        "networkMode is host",
        "pidMode is host",
        count=2,
        id="network-and-pid",
    ),
    fire(
        "ecs-readonly-root-filesystem",
        with_containers(container("readonlyRootFilesystem")),
        "container api has a writable root filesystem",
        id="unset",
    ),
    fire(
        "ecs-readonly-root-filesystem",
        with_containers(container(), container(name="worker", readonlyRootFilesystem=False)),
        "container worker has a writable root filesystem",
        absent=("container api",),
        id="false",
    ),
    fire(
        "ecs-awslogs",
        with_containers(container("logConfiguration")),
        "container api logs with no log driver; expected awslogs",
        id="no-log-configuration",
    ),
    fire(
        "ecs-awslogs",
        with_containers(container(logConfiguration={"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}})),
        "container api logs with awsfirelens",
        id="firelens",
    ),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("LOG_LEVEL", "info"), ("DB_PASSWORD", "hunter2hunter2")),
        "container api passes DB_PASSWORD in plain environment; move it to secrets",
        absent=("LOG_LEVEL",),
        id="password",
    ),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ("API_TOKEN", "abc")),
        "passes AWS_SECRET_ACCESS_KEY in plain environment",
        "passes API_TOKEN in plain environment",
        count=2,
        id="aws-secret-key-and-token",
    ),
    fire("ecs-no-plaintext-secrets", with_environment(("stripe_api_key", "sk_live")), "stripe_api_key", id="lowercase"),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("ECS_ENGINE_AUTH_DATA", "{}")),
        "ECS_ENGINE_AUTH_DATA",
        id="ecs-engine-auth-data",
    ),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("UPSTREAM_ID", "AKIAIOSFODNN7EXAMPLE")),
        "passes UPSTREAM_ID in plain environment",
        id="access-key-value-under-innocent-name",
    ),
    fire(
        "ecs-separate-task-role",
        edit(TASK, taskRoleArn=EXECUTION_ROLE_ARN),
        "taskRoleArn equals executionRoleArn",
        id="same-role",
    ),
    fire(
        "ecs-no-public-ip",
        edit(SERVICE, networkConfiguration={**NETWORK_CONFIGURATION, "assignPublicIp": True}),
        "networkConfiguration.assignPublicIp is true",
        id="service",
    ),
    fire(
        "ecs-no-public-ip",
        edit(TASK_SET, networkConfiguration={**NETWORK_CONFIGURATION, "assignPublicIp": True}),
        "assignPublicIp is true",
        id="task-set",
    ),
    fire(
        "ecs-fargate-latest-platform",
        edit(SERVICE, platformVersion="1.4.0"),
        "platformVersion is pinned to 1.4.0; expected LATEST",
        id="pinned",
    ),
    fire(
        "ecs-efs-transit-encryption",
        edit(TASK, volumes=[{"name": "shared", "efsVolumeConfiguration": {"fileSystemId": EFS_ID}}]),
        "EFS volume shared has transitEncryption unset; expected ENABLED",
        id="unset",
    ),
    fire(
        "ecs-efs-transit-encryption",
        edit(
            TASK,
            volumes=[
                {"name": "scratch"},
                {"name": "shared", "efsVolumeConfiguration": {"fileSystemId": EFS_ID, "transitEncryption": "DISABLED"}},
            ],
        ),
        "EFS volume shared has transitEncryption DISABLED",
        id="disabled",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes(
        "ecs-container-insights",
        edit(ECS_CLUSTER, settings=[{"name": "containerInsights", "value": "enhanced"}]),
        id="enhanced",
    ),
    passes("ecs-no-privileged", with_containers(container("privileged")), id="unset"),
    passes("ecs-non-root-user", with_containers(container(user="10001:0")), id="root-group-only"),
    passes("ecs-non-root-user", with_containers(container(user="app")), id="named-user"),
    passes(
        "ecs-exec-audited",
        edit(
            ECS_CLUSTER,
            configuration=json.dumps(
                exec_config(logConfiguration={"s3BucketName": "exec-logs", "s3BucketEncryptionEnabled": "true"})
            ),
        ),
        id="encrypted-bucket-as-json",
    ),
    passes(
        "ecs-no-host-namespaces",
        edit(TASK, networkMode="bridge", pidMode="task", requiresCompatibilities=["EXTERNAL"]),
        id="bridge-and-task-pid",
    ),
    passes(
        "ecs-no-plaintext-secrets",
        with_environment(
            ("LOG_LEVEL", "debug"),
            ("PASSWORDLESS_LOGIN", "on"),
            ("AWS_REGION", REGION),
            ("TOKEN_TTL_SECONDS", "300"),
            ("SECRETARY_NAME", "Ada"),
            ("KEYSPACE", "orders"),
        ),
        id="names-that-only-resemble-credentials",
    ),
    passes("ecs-separate-task-role", drop(TASK, "taskRoleArn"), id="no-task-role"),
    passes("ecs-no-public-ip", drop(SERVICE, "networkConfiguration"), id="bridge-service"),
    passes("ecs-fargate-latest-platform", drop(SERVICE, "platformVersion"), id="unset"),
    passes("ecs-efs-transit-encryption", edit(TASK, volumes=[{"name": "scratch"}]), id="no-efs-volume"),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)


# --- Cases that once were rule bugs ---


def test_aws_access_key_id_name_is_a_credential() -> None:
    (finding,) = run("ecs-no-plaintext-secrets", with_environment(("AWS_ACCESS_KEY_ID", "from-the-vault")))
    assert "passes AWS_ACCESS_KEY_ID in plain environment" in finding.message
