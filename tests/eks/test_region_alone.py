"""EksRegion alone, on small hand-made args (given / when / then): one region, no stack file."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.eks import EksRegion, EksRegionArgs
from offline_plan.recorder import Plan, record
from settings.models import EksVersionSettings, ManagedNodeGroupSettings, StorageSettings

ACCOUNT = "123456789012"
VERSIONS = {
    "amiReleaseVersion": "1.35.8-20260930",
    "clusterAutoscaler": "v1.35.2",
    "addons": {
        "vpc-cni": "v1.23.2-eksbuild.1",
        "kube-proxy": "v1.35.3-eksbuild.29",
        "coredns": "v1.14.6-eksbuild.4",
        "eks-pod-identity-agent": "v1.4.0-eksbuild.3",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
    },
}
SYSTEM = {
    "name": "system",
    "kind": "managed",
    "capacityType": "ON_DEMAND",
    "instanceTypes": ["m7i.large"],
    "minSize": 2,
    "desiredSize": 2,
    "maxSize": 4,
}


def region(**extra: Any) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        EksRegion(
            "eks-eu-west-1",
            EksRegionArgs(
                region="eu-west-1",
                account_id=ACCOUNT,
                cluster_name="c1-eu-west-1",
                version="1.35",
                versions=EksVersionSettings.model_validate_json(json.dumps(VERSIONS)),
                vpc_id="vpc-1",
                private_subnet_ids=["subnet-a", "subnet-b", "subnet-c"],
                vpc_cidr="10.9.0.0/16",
                zone_ids=["euw1-az1", "euw1-az2", "euw1-az3"],
                node_groups=[ManagedNodeGroupSettings.model_validate_json(json.dumps(SYSTEM))],
                storage=StorageSettings.model_validate({"ebs": True, "efs": False}),
                container_insights=False,
                **extra,
            ),
            opts=pulumi.ResourceOptions(provider=provider),
        )

    return record(program)


def test_given_one_managed_group_when_built_then_the_control_plane_gets_the_first_two_azs_and_the_pinned_release() -> (
    None
):
    plan = region()
    cluster = plan.named("eks-eu-west-1-cluster").inputs
    assert cluster["name"] == "c1-eu-west-1" and cluster["version"] == "1.35"
    assert cluster["privateSubnetIds"] == ["subnet-a", "subnet-b"]
    assert cluster["skipDefaultSecurityGroups"] is True
    group = plan.named("eks-eu-west-1-system").inputs
    assert group["releaseVersion"] == "1.35.8-20260930"
    assert group["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 4}


def test_given_an_admin_role_when_built_then_its_access_entry_is_keyed_by_role_name() -> None:
    plan = region(admin_role_arns=[f"arn:aws:iam::{ACCOUNT}:role/platform-admins"])
    entry = plan.named("eks-eu-west-1-admin-platform-admins")
    assert entry.inputs["principalArn"].endswith(":role/platform-admins")


def test_given_ebs_only_when_built_then_the_storage_classes_reach_the_applier_and_no_file_system_is_made() -> None:
    plan = region()
    assert not plan.of_type("container-platform:efs:SharedFileSystem")
    event = json.loads(plan.named("eks-eu-west-1-applier-storage-classes").inputs["input"])
    assert [o["metadata"]["name"] for o in event["objects"]] == ["gp3"]
    assert event["clusterName"] == "c1-eu-west-1"
