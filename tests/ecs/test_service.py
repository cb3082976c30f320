"""EcsService alone, on small hand-made args (given / when / then): no stack file, no settings parse."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.ecs import EcsService, EcsServiceArgs
from offline_plan.recorder import Plan, record
from settings.models import ServiceSettings

ACCOUNT = "123456789012"
STRATEGY = [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}]


def service(settings: dict[str, Any], **extra: Any) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        EcsService(
            "ecs-api",
            EcsServiceArgs(
                service=ServiceSettings.model_validate({"name": "api", "image": "api:1.0.0", **settings}),
                image=f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0",
                region="eu-west-1",
                account_id=ACCOUNT,
                cluster_name="c1",
                cluster_arn=f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/c1",
                vpc_id="vpc-1",
                subnet_ids=["subnet-a", "subnet-b"],
                execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/exec",
                launch_type="FARGATE",
                capacity_strategy=STRATEGY,
                **extra,
            ),
            opts=pulumi.ResourceOptions(provider=provider),
        )

    return record(program)


def test_given_a_worker_when_built_then_a_task_role_trusting_only_this_accounts_tasks_and_no_load_balancer() -> None:
    plan = service({"cpu": 256, "memory": 512, "desiredCount": 2})
    trust = json.loads(plan.named("ecs-api-task-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    assert not plan.of_type("container-platform:ecs:ServiceLoadBalancer")
    task = plan.named("ecs-api-task").inputs
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("256", "512", "awsvpc")
    svc = plan.named("ecs-api-service").inputs
    assert svc["desiredCount"] == 2 and svc["cluster"].endswith(":cluster/c1")


def test_given_an_alb_when_built_then_its_own_component_named_after_the_service_feeds_the_target_group() -> None:
    plan = service(
        {
            "cpu": 256,
            "memory": 512,
            "port": 8080,
            "loadBalancer": {"type": "application", "public": False, "plainHttpReason": "internal tool behind a VPN"},
        },
        vpc_cidr="10.9.0.0/16",
    )
    lb = plan.named("ecs-api-lb")
    assert lb.type == "container-platform:ecs:ServiceLoadBalancer"
    assert lb.parent == plan.named("ecs-api").urn
    assert plan.named("ecs-api-lb-alb").inputs["internal"] is True
    (target,) = plan.named("ecs-api-service").inputs["loadBalancers"]
    assert (target["containerName"], target["containerPort"]) == ("api", 8080)


def test_given_the_log_group_when_built_then_it_keeps_the_retention_asked_for() -> None:
    plan = service({"cpu": 256, "memory": 512}, log_retention_days=90)
    (group,) = [g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup") if g.parent == plan.named("ecs-api").urn]
    assert group.inputs["retentionInDays"] == 90
