"""ECS: Container Insights, hardened task definitions, private services on the latest Fargate platform."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Rule, Subject, as_list, document, truthy

CLUSTER = "aws:ecs/cluster:Cluster"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
TASK_SET = "aws:ecs/taskSet:TaskSet"

SECRET_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|SECRET)(_|$)|(^|_)(TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY(_?ID)?|CREDENTIALS?)$|^ECS_ENGINE_AUTH_DATA$",
    re.IGNORECASE,
)
"""Environment variable names that carry credentials; ECS.8 checks AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and ECS_ENGINE_AUTH_DATA, this pattern covers those and the usual others."""
AWS_ACCESS_KEY_VALUE = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")


def containers(r: Subject) -> list[Mapping[str, Any]]:
    """The container definitions of a task definition."""
    return [c for c in as_list(document(r.get("containerDefinitions"))) if isinstance(c, Mapping)]


def _insights(r: Subject) -> Iterator[str]:
    settings = {s.get("name"): s.get("value") for s in as_list(r.get("settings")) if isinstance(s, Mapping)}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield f"containerInsights is {settings.get('containerInsights', 'not set')}; expected enabled or enhanced"


def _privileged(r: Subject) -> Iterator[str]:
    for c in containers(r):
        if truthy(c.get("privileged")):
            yield f"container {c.get('name')} is privileged"


def _host_namespaces(r: Subject) -> Iterator[str]:
    for key in ("networkMode", "pidMode", "ipcMode"):
        if r.get(key) == "host":
            yield f"{key} is host; the task would share the instance's {key.removesuffix('Mode')} namespace"


def _readonly_root(r: Subject) -> Iterator[str]:
    for c in containers(r):
        if not truthy(c.get("readonlyRootFilesystem")):
            yield f"container {c.get('name')} has a writable root filesystem"


def _awslogs(r: Subject) -> Iterator[str]:
    for c in containers(r):
        driver = (c.get("logConfiguration") or {}).get("logDriver")
        if driver != "awslogs":
            yield f"container {c.get('name')} logs with {driver or 'no log driver'}; expected awslogs"


def _plain_secrets(r: Subject) -> Iterator[str]:
    for c in containers(r):
        for env in as_list(c.get("environment")):
            if not isinstance(env, Mapping):
                continue
            name, value = str(env.get("name", "")), str(env.get("value", ""))
            if SECRET_NAME.search(name) or AWS_ACCESS_KEY_VALUE.match(value):
                yield f"container {c.get('name')} passes {name} in plain environment; move it to secrets"


def _separate_roles(r: Subject) -> Iterator[str]:
    task, execution = r.get("taskRoleArn"), r.get("executionRoleArn")
    if task is not None and task == execution:
        yield "taskRoleArn equals executionRoleArn; the application would hold the agent's pull and secret rights"


def _no_public_ip(r: Subject) -> Iterator[str]:
    if truthy((r.get("networkConfiguration") or {}).get("assignPublicIp")):
        yield "networkConfiguration.assignPublicIp is true; tasks belong in private subnets"


def _fargate_latest(r: Subject) -> Iterator[str]:
    version = r.get("platformVersion")
    if version not in (None, "LATEST"):
        yield f"platformVersion is pinned to {version}; expected LATEST (or unset) so tasks get platform fixes"


def _efs_in_transit(r: Subject) -> Iterator[str]:
    for volume in as_list(r.get("volumes")):
        efs = volume.get("efsVolumeConfiguration") if isinstance(volume, Mapping) else None
        if efs is not None and efs.get("transitEncryption") != "ENABLED":
            yield f"EFS volume {volume.get('name')} has transitEncryption {efs.get('transitEncryption', 'unset')}; expected ENABLED"


ROOT_USERS = ("0", "root")
"""How a container names root in ``user`` (``uid``, ``uid:gid``, ``user`` or ``user:group``)."""


def _non_root(r: Subject) -> Iterator[str]:
    for c in containers(r):
        user = c.get("user")
        if user is None or str(user).strip() == "":
            yield f"container {c.get('name')} sets no user; it runs as the image's user, root unless the image says otherwise"
        elif str(user).split(":", 1)[0] in ROOT_USERS:
            yield f"container {c.get('name')} runs as root (user {user})"


def _exec_audited(r: Subject) -> Iterator[str]:
    config = document(r.get("configuration")) or {}
    exec_config = config.get("executeCommandConfiguration") if isinstance(config, Mapping) else None
    if not isinstance(exec_config, Mapping):
        yield "no configuration.executeCommandConfiguration: ECS Exec sessions would be neither encrypted with a key of yours nor logged"
        return
    if not exec_config.get("kmsKeyId"):
        yield "executeCommandConfiguration has no kmsKeyId; sessions would not be encrypted with a customer-managed key"
    if exec_config.get("logging") != "OVERRIDE":
        yield f"executeCommandConfiguration.logging is {exec_config.get('logging', 'DEFAULT (unset)')}; expected OVERRIDE with a log destination"
        return
    logs = exec_config.get("logConfiguration") or {}
    destinations = {
        "CloudWatch Logs": (logs.get("cloudWatchLogGroupName"), logs.get("cloudWatchEncryptionEnabled")),
        "S3": (logs.get("s3BucketName"), logs.get("s3BucketEncryptionEnabled")),
    }
    if not any(where for where, _ in destinations.values()):
        yield "executeCommandConfiguration.logConfiguration names no log group or bucket"
    for kind, (where, encrypted) in destinations.items():
        if where and not truthy(encrypted):
            yield f"ECS Exec logs go to {kind} ({where}) without encryption enabled"


RULES = (
    Rule(
        id="ecs-container-insights",
        title="ECS clusters have Container Insights enabled.",
        resource_types=(CLUSTER,),
        check=_insights,
        controls=("ECS.12",),
        remediation="Set the cluster setting containerInsights to enabled (EcsPlatform does).",
    ),
    Rule(
        id="ecs-no-privileged",
        title="No container runs privileged.",
        resource_types=(TASK_DEFINITION,),
        check=_privileged,
        controls=("ECS.4",),
        remediation="Drop privileged; grant single capabilities through linuxParameters if a workload needs one.",
    ),
    Rule(
        id="ecs-no-host-namespaces",
        title="Task definitions do not share the host's network, process or IPC namespace.",
        resource_types=(TASK_DEFINITION,),
        check=_host_namespaces,
        controls=("ECS.3", "ECS.17"),
        remediation="Use awsvpc (or bridge for EXTERNAL) network mode and leave pidMode/ipcMode unset.",
    ),
    Rule(
        id="ecs-readonly-root-filesystem",
        title="Containers have a read-only root filesystem unless the service opts out with a reason.",
        resource_types=(TASK_DEFINITION,),
        check=_readonly_root,
        controls=("ECS.5",),
        remediation="Write to the /tmp scratch volume or EFS; otherwise set writableRootFilesystemReason on the service.",
    ),
    Rule(
        id="ecs-non-root-user",
        title="Containers run as a non-root user unless the service opts out with a reason.",
        resource_types=(TASK_DEFINITION,),
        check=_non_root,
        controls=("ECS.20",),
        remediation="Leave the service's user at its default non-root UID:GID or set a non-root one; otherwise set "
        "runAsRootReason on the service.",
    ),
    Rule(
        id="ecs-exec-audited",
        title="ECS clusters encrypt ECS Exec sessions with a KMS key and log them, encrypted.",
        resource_types=(CLUSTER,),
        check=_exec_audited,
        remediation="Set configuration.executeCommandConfiguration with kmsKeyId, logging OVERRIDE and an encrypted "
        "log group (EcsPlatform does).",
    ),
    Rule(
        id="ecs-awslogs",
        title="Every container sends its logs to CloudWatch Logs (awslogs).",
        resource_types=(TASK_DEFINITION,),
        check=_awslogs,
        controls=("ECS.9",),
        remediation="Configure logConfiguration with the awslogs driver (EcsService does).",
    ),
    Rule(
        id="ecs-no-plaintext-secrets",
        title="Credentials are passed as secrets, never in plain environment variables.",
        resource_types=(TASK_DEFINITION,),
        check=_plain_secrets,
        controls=("ECS.8",),
        remediation="Move the value to Secrets Manager or SSM and list it under the service's secrets.",
    ),
    Rule(
        id="ecs-separate-task-role",
        title="A task's role is not its execution role.",
        resource_types=(TASK_DEFINITION,),
        check=_separate_roles,
        remediation="Give each service its own task role (EcsService does).",
    ),
    Rule(
        id="ecs-no-public-ip",
        title="ECS services and task sets do not assign public IPs.",
        resource_types=(SERVICE, TASK_SET),
        check=_no_public_ip,
        controls=("ECS.2", "ECS.16"),
        remediation="Run tasks in private subnets with assignPublicIp false; reach them through a load balancer.",
    ),
    Rule(
        id="ecs-fargate-latest-platform",
        title="Fargate services run on the LATEST platform version.",
        resource_types=(SERVICE,),
        check=_fargate_latest,
        controls=("ECS.10",),
        remediation="Leave platformVersion unset or LATEST.",
    ),
    Rule(
        id="ecs-efs-transit-encryption",
        title="EFS volumes in task definitions encrypt data in transit.",
        resource_types=(TASK_DEFINITION,),
        check=_efs_in_transit,
        controls=("ECS.18",),
        remediation="Set efsVolumeConfiguration.transitEncryption to ENABLED (EcsService does).",
    ),
)
