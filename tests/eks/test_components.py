"""KubeApplier and the EKS storage backends on small hand-made args (given / when / then).

The whole-stack tests in test_eks.py see them through the committed stack files; these build
each component alone, with plain strings for the IDs it would get from other components.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.eks import ClusterStorage, ClusterStorageArgs, KubeApplier, KubeApplierArgs
from components.eks.applier import KubeBundle
from offline_plan.recorder import Plan, record
from settings.models import StorageSettings

CLUSTER_SG = "sg-0cluster"
SUBNETS = ["subnet-a", "subnet-b", "subnet-c"]


def applier(bundles: dict[str, KubeBundle]) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        KubeApplier(
            "k",
            KubeApplierArgs(
                region="eu-west-1",
                cluster_name="c1",
                endpoint="https://c1.example",
                certificate_authority="Q0E=",
                cluster_security_group_id=CLUSTER_SG,
                vpc_id="vpc-1",
                private_subnet_ids=SUBNETS,
                logs_key_arn="arn:aws:kms:eu-west-1:123456789012:key/k",
                log_retention_days=7,
                bundles=bundles,
            ),
            opts=pulumi.ResourceOptions(provider=provider),
        )

    return record(program)


def storage(flags: dict[str, bool], **extra: Any) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        ClusterStorage(
            "s",
            ClusterStorageArgs(
                region="eu-west-1",
                cluster_name="c1",
                ready_cluster_name="c1",
                account_id="123456789012",
                vpc_id="vpc-1",
                vpc_cidr="10.9.0.0/16",
                private_subnet_ids=SUBNETS,
                zone_ids=["euw1-az1", "euw1-az2", "euw1-az3"],
                storage=StorageSettings.model_validate(flags),
                **extra,
            ),
            opts=pulumi.ResourceOptions(provider=provider),
        )

    return record(program)


def test_given_two_bundles_when_built_then_each_is_one_crud_invocation_with_its_objects() -> None:
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}]
    plan = applier({"namespaces": KubeBundle(objects=objects), "more": KubeBundle(objects=[], wait_seconds=9)})
    names = sorted(r.name for r in plan.of_type("aws:lambda/invocation:Invocation"))
    assert names == ["k-more", "k-namespaces"]
    event = json.loads(plan.named("k-namespaces").inputs["input"])
    assert event["objects"] == objects and event["clusterName"] == "c1" and event["region"] == "eu-west-1"
    assert json.loads(plan.named("k-more").inputs["input"])["waitSeconds"] == 9


def test_given_no_bundle_when_built_then_only_the_function_and_its_access_exist() -> None:
    plan = applier({})
    assert not plan.of_type("aws:lambda/invocation:Invocation")
    function = plan.named("k-function").inputs
    assert function["vpcConfig"]["subnetIds"] == SUBNETS
    assert plan.named("k-api-ingress").inputs["securityGroupId"] == CLUSTER_SG
    # The function waits for its VPC permissions, so Lambda can still remove its ENIs on delete.
    assert plan.named("k-role-vpc-access").urn in plan.named("k-function").dependencies


def test_given_only_ebs_when_built_then_one_default_class_and_no_file_system() -> None:
    plan = storage({"ebs": True, "efs": False})
    assert not plan.of_type("aws:efs/fileSystem:FileSystem")
    assert not plan.of_type("aws:ec2/securityGroup:SecurityGroup")


def test_given_efs_when_built_then_a_retained_file_system_with_a_mount_target_per_az() -> None:
    plan = storage({"ebs": False, "efs": True}, protect_data=True)
    fs = plan.named("s-efs-fs")
    assert fs.options["retainOnDelete"] is True and fs.options["protect"] is True
    targets = sorted(r.inputs["subnetId"] for r in plan.of_type("aws:efs/mountTarget:MountTarget"))
    assert targets == SUBNETS
    policy = json.loads(plan.named("s-efs-policy").inputs["policy"])
    assert plan.named("s-efs").type == "container-platform:efs:SharedFileSystem"
    assert [s["Effect"] for s in policy["Statement"]] == ["Allow", "Deny"]


def test_given_lustre_when_built_then_its_group_talks_to_itself_on_the_lustre_ports() -> None:
    plan = storage({"ebs": False, "fsxLustre": True})
    group = plan.named("s-lustre-sg").inputs
    assert [r["cidrBlocks"] for r in group["ingress"]] == [["10.9.0.0/16"], ["10.9.0.0/16"]]
    assert all(r["self"] for r in group["egress"])
