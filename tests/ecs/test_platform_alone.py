"""EcsPlatform alone, on small hand-made args (given / when / then): one cluster, no stack file."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.ecs import EcsPlatform, EcsPlatformArgs
from offline_plan.recorder import Plan, record
from settings.models import ServiceSettings

ACCOUNT = "123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0"


def platform(services: list[dict[str, Any]], **extra: Any) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        EcsPlatform(
            "ecs",
            EcsPlatformArgs(
                region="eu-west-1",
                account_id=ACCOUNT,
                cluster_name="c1",
                vpc_id="vpc-1",
                private_subnet_ids=["subnet-a", "subnet-b"],
                execution_role_arn=f"arn:aws:iam::{ACCOUNT}:role/exec",
                services=[ServiceSettings.model_validate_json(json.dumps(s)) for s in services],
                image_uris={s["name"]: IMAGE for s in services},
                zone_ids=["euw1-az1", "euw1-az2"],
                **extra,
            ),
            opts=pulumi.ResourceOptions(provider=provider),
        )

    return record(program)


API = {"name": "api", "image": "api:1.0.0", "cpu": 256, "memory": 512}


def test_given_fargate_when_built_then_the_cluster_uses_fargate_and_spot_with_the_asked_weights() -> None:
    plan = platform([API], fargate_spot_weight=3, fargate_on_demand_base=2)
    providers = plan.named("ecs-capacity-providers").inputs
    assert sorted(providers["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    strategy = {s["capacityProvider"]: s for s in providers["defaultCapacityProviderStrategies"]}
    assert (strategy["FARGATE"]["base"], strategy["FARGATE"]["weight"], strategy["FARGATE_SPOT"]["weight"]) == (2, 1, 3)
    assert plan.named("ecs-api").type == "container-platform:ecs:EcsService"
    assert not plan.of_type("aws:autoscaling/group:Group")


def test_given_a_shared_file_system_when_built_then_one_efs_with_a_mount_target_per_az_and_an_access_point_per_mounting_service() -> (
    None
):
    web = {**API, "name": "web", "volumes": [{"efs": "/data"}]}
    plan = platform([API, web], shared_file_system=True, protect_data=True)
    assert plan.named("ecs-efs").type == "container-platform:efs:SharedFileSystem"
    assert sorted(r.name for r in plan.of_type("aws:efs/mountTarget:MountTarget")) == [
        "ecs-efs-mount-euw1-az1",
        "ecs-efs-mount-euw1-az2",
    ]
    assert [r.name for r in plan.of_type("aws:efs/accessPoint:AccessPoint")] == ["ecs-efs-web"]
    assert plan.named("ecs-efs-fs").options["protect"] is True


def test_given_no_shared_file_system_when_built_then_no_efs() -> None:
    assert not platform([API]).of_type("aws:efs/fileSystem:FileSystem")
