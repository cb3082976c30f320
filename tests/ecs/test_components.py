"""ECS building blocks on small hand-made args (given / when / then): the execution role and a
service's auto scaling, each built alone with plain strings."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.ecs import ServiceAutoscaling, ServiceAutoscalingArgs, TaskExecutionRole, TaskExecutionRoleArgs
from offline_plan.recorder import Plan, record
from settings.models import AutoscalingSettings

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"


def build(make: object) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        make(pulumi.ResourceOptions(provider=provider))  # type: ignore[operator]

    return record(program)


def test_given_no_secret_when_built_then_the_execution_role_has_only_the_managed_policy() -> None:
    plan = build(lambda opts: TaskExecutionRole("x", TaskExecutionRoleArgs("eu-west-1", "123456789012"), opts))
    assert [r.name for r in plan.of_type("aws:iam/rolePolicy:RolePolicy")] == []
    (attachment,) = plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"].endswith("/AmazonECSTaskExecutionRolePolicy")


def test_given_a_secret_when_built_then_the_role_reads_exactly_that_secret() -> None:
    plan = build(
        lambda opts: TaskExecutionRole("x", TaskExecutionRoleArgs("eu-west-1", "123456789012", (SECRET,)), opts)
    )
    policy = json.loads(plan.named("x-secrets").inputs["policy"])
    resources = [
        r for s in policy["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert SECRET in resources and f"{SECRET}-??????" in resources


def test_given_a_missing_image_when_built_then_scaling_is_suspended_at_zero() -> None:
    settings = AutoscalingSettings.model_validate({"minCount": 2, "maxCount": 6, "cpuTarget": 50})

    def make(opts: pulumi.ResourceOptions) -> None:
        cluster = aws.ecs.Cluster("c", opts=opts)
        ServiceAutoscaling(
            "s", ServiceAutoscalingArgs("c1", "web", settings, service=cluster, running=False), opts=opts
        )

    target = build(make).named("s-target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (0, 0)
    assert target["suspendedState"] == {
        "dynamicScalingInSuspended": True,
        "dynamicScalingOutSuspended": True,
        "scheduledScalingSuspended": True,
    }
