"""The shared EFS component on small hand-made args (given / when / then), as ECS and EKS use it."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.efs import SharedFileSystem, SharedFileSystemArgs
from offline_plan.recorder import Plan, record

SUBNETS = ["subnet-a", "subnet-b"]
ZONES = ["euw1-az1", "euw1-az3"]


def build(**overrides: object) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        args: dict[str, object] = {
            "vpc_id": "vpc-1",
            "subnet_ids": SUBNETS,
            "zone_ids": ZONES,
            "owner": "ecs",
            "region": "eu-west-1",
            "account_id": "123456789012",
        }
        SharedFileSystem("fs", SharedFileSystemArgs(**{**args, **overrides}), pulumi.ResourceOptions(provider=provider))  # type: ignore[arg-type]

    return record(program)


def test_given_two_services_when_built_then_each_gets_its_own_access_point_and_targets_cover_every_az() -> None:
    plan = build(access_points=["web", "api"], protect_data=True)
    points = {
        r.inputs["rootDirectory"]["path"]: r.inputs["posixUser"]
        for r in plan.of_type("aws:efs/accessPoint:AccessPoint")
    }
    assert sorted(points) == ["/api", "/web"] and points["/web"] != points["/api"]
    fs = plan.named("fs-fs")
    assert fs.options["protect"] is True and fs.options["retainOnDelete"] is True


def test_given_zone_ids_when_built_then_each_mount_target_is_named_after_its_az() -> None:
    plan = build()
    targets = {r.name: r.inputs["subnetId"] for r in plan.of_type("aws:efs/mountTarget:MountTarget")}
    assert targets == {"fs-mount-euw1-az1": "subnet-a", "fs-mount-euw1-az3": "subnet-b"}


def test_given_ecs_when_built_then_only_iam_principals_mount_and_services_add_the_nfs_rules() -> None:
    plan = build(access_points=["web"])
    policy = json.loads(plan.named("fs-policy").inputs["policy"])
    assert [s["Effect"] for s in policy["Statement"]] == ["Deny"]
    # No inline ingress: inline rules are authoritative and would delete the services' own rules.
    assert plan.named("fs-sg").inputs.get("ingress") in (None, [])
    assert plan.named("fs").type == "container-platform:efs:SharedFileSystem"


def test_given_eks_when_built_then_mount_target_clients_may_mount_over_tls_from_the_vpc() -> None:
    plan = build(owner="eks", nfs_client_cidrs=["10.9.0.0/16"], allow_mount_target_clients=True)
    policy = json.loads(plan.named("fs-policy").inputs["policy"])
    allow, deny = policy["Statement"]
    assert allow["Condition"] == {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (rule,) = plan.named("fs-sg").inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["cidrBlocks"]) == (2049, 2049, ["10.9.0.0/16"])
    assert plan.named("fs-fs").inputs["tags"]["component"] == "eks"


def test_both_owners_build_the_same_file_system() -> None:
    """One component, so the ECS and EKS file systems cannot drift apart again."""
    ecs = build().named("fs-fs").inputs
    eks = build(owner="eks", allow_mount_target_clients=True).named("fs-fs").inputs
    assert {k: v for k, v in ecs.items() if k != "tags"} == {k: v for k, v in eks.items() if k != "tags"}
    assert ecs["encrypted"] is True and ecs["throughputMode"] == "elastic"


def test_given_any_owner_when_built_then_file_data_is_encrypted_with_its_own_rotating_key_kept_with_it() -> None:
    plan = build(protect_data=True)
    fs, key = plan.named("fs-fs"), plan.named("fs-key")
    assert fs.inputs["encrypted"] is True and key.urn in fs.propertyDependencies["kmsKeyId"]
    assert key.inputs["enableKeyRotation"] is True
    assert (key.options["retainOnDelete"], key.options["protect"]) == (True, True)
    sids = [s["Sid"] for s in json.loads(key.inputs["policy"])["Statement"]]
    assert sids == ["AccountAdministersThroughIam", "EfsUsesKeyForThisAccount", "EfsServiceLinkedRoleDescribesKey"]
    (efs,) = [s for s in json.loads(key.inputs["policy"])["Statement"] if s["Sid"] == "EfsUsesKeyForThisAccount"]
    assert efs["Condition"]["StringEquals"]["kms:ViaService"] == "elasticfilesystem.eu-west-1.amazonaws.com"
