"""Ordinary config edits on real plan pairs, judged by ``make diff``: no stateful resource may be
replaced or deleted, or the edit is one the diff flags at the top (review M6, M7, M9, m10).

Each test plans the committed stack and an edited copy and diffs the two plans exactly as
``make diff`` does (ForceNew data included, so an in-place change the provider would turn into a
replacement counts as one).
"""

from __future__ import annotations

from typing import Any

import pytest

from offline_plan.diff import PlanDiff, ResourceDiff, diff_plans, render_markdown
from offline_plan.recorder import run_stack, stack_config
from tests.conftest import DELETE, set_path

DATA = {
    "aws:efs/fileSystem:FileSystem",
    "aws:fsx/ontapFileSystem:OntapFileSystem",
    "aws:kms/key:Key",
    "aws:ecr/repository:Repository",
    "eks:index:Cluster",
    "awsx:ec2:Vpc",
}
"""What holds data AWS cannot recreate (or everything inside it, for the VPC and the cluster)."""


_BASES: dict[str, dict[str, Any]] = {}
"""The committed stacks' plans, from the session's recordings (diff_plans only reads them)."""


@pytest.fixture(autouse=True, scope="module")
def _bases(committed_plans: dict[str, Any]) -> None:
    _BASES.update({stack: plan.to_json() for stack, plan in committed_plans.items()})


def _plan(stack: str) -> dict[str, Any]:
    return _BASES[stack]


def edit(stack: str, *changes: tuple[str, Any]) -> PlanDiff:
    config = stack_config(stack)
    for path, value in changes:
        config = set_path(config, path, value)
    return diff_plans(_plan(stack), run_stack(stack, config).to_json())


def lost(diff: PlanDiff) -> list[ResourceDiff]:
    """Data-holding resources the edit would replace or delete for real (not retained)."""
    return [r for r in diff.stateful if r.type in DATA and not r.retained]


def test_raising_az_count_keeps_every_subnet_and_data_resource() -> None:
    diff = edit("dev", ("network.azCount", 3))
    assert lost(diff) == []
    vpc = [r for r in diff.resources if r.type == "awsx:ec2:Vpc"]
    assert [r.kind for r in vpc] == ["update"] and not vpc[0].forces
    assert [r.name for r in diff.of_kind("add") if r.type == "aws:efs/mountTarget:MountTarget"]


def test_lowering_az_count_is_flagged_and_removes_only_the_last_azs_mounts() -> None:
    """Not safe without the drain procedure (docs/network.md): the diff says so first."""
    diff = edit("prod", ("network.azCount", 2))
    vpcs = [r for r in diff.stateful if r.type == "awsx:ec2:Vpc"]
    assert len(vpcs) == 2 and all("availabilityZoneNames" in r.forces for r in vpcs)
    assert [r for r in lost(diff) if r.type != "awsx:ec2:Vpc"] == []
    assert render_markdown(diff).startswith("## Stateful resources replaced or deleted")
    gone = {r.name for r in diff.of_kind("remove")}
    # Mount targets are named after their AZ: only the third AZ's go (us-east-1: use1-az4).
    mounts = {n for n in gone if "-mount-" in n}
    assert {"ecs-efs-mount-use1-az4", "eks-us-east-1-storage-efs-mount-use1-az4"} <= mounts
    assert all(n.endswith(("-az4", "-az3")) for n in mounts), mounts


def test_switching_registry_encryption_either_way_keeps_repositories_and_keys() -> None:
    to_aws = edit("dev", ("registry.encryption", "awsManagedKey"))
    assert lost(to_aws) == []
    assert not [r for r in to_aws.resources if r.type == "aws:ecr/repository:Repository" and r.kind != "update"]
    assert [r.name for r in to_aws.stateful if r.type == "aws:kms/key:Key"] == ["registry-key"]
    base = set_path(stack_config("dev"), "registry.encryption", "awsManagedKey")
    to_cmk = diff_plans(run_stack("dev", base).to_json(), _plan("dev"))
    assert lost(to_cmk) == [] and not to_cmk.stateful


def test_removing_or_renaming_the_last_service_that_mounts_efs_keeps_the_file_system() -> None:
    unmounted = edit("dev", ("ecs.services[0].volumes", []))
    assert lost(unmounted) == [] and not [r for r in unmounted.stateful if r.type in DATA]
    renamed = edit("dev", ("ecs.services[0].name", "www"))
    assert not [r for r in renamed.stateful if r.type in DATA]


def test_turning_eks_efs_off_retains_the_file_system() -> None:
    diff = edit("dev", ("eks.storage.efs", False), ("eks.versions.addons.aws-efs-csi-driver", DELETE))
    (fs,) = [r for r in diff.stateful if r.type == "aws:efs/fileSystem:FileSystem"]
    assert fs.kind == "remove" and fs.retained
    assert lost(diff) == []


def test_turning_the_ecs_file_system_off_retains_it() -> None:
    diff = edit("dev", ("ecs.sharedFileSystem", False), ("ecs.services[0].volumes", []))
    (fs,) = [r for r in diff.stateful if r.type == "aws:efs/fileSystem:FileSystem"]
    assert fs.kind == "remove" and fs.retained


def test_a_prod_load_balancer_going_internal_is_flagged_first_with_its_procedure() -> None:
    diff = edit("prod", ("ecs.services[0].loadBalancer.public", False))
    (lb,) = [r for r in diff.stateful if r.type == "aws:lb/loadBalancer:LoadBalancer"]
    assert lb.kind == "replace" and "internal" in lb.forces and lb.deletion_protected
    text = render_markdown(diff)
    assert text.index("Stateful resources replaced or deleted") < text.index(lb.name)
    assert lost(diff) == []
