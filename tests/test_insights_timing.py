"""Deploy time: the longest chain through the dependency graph, regions side by side, and the time a
change takes (an EKS version bump waits on the control plane, then rolls the node groups)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from offline_plan.diff import diff_plans
from offline_plan.insights.timing import DURATIONS, change, duration, edges, first_up, minutes, render_path


def res(
    name: str, type_: str, deps: tuple[str, ...] = (), region: str = "r", parent: str = "", custom: bool = True
) -> dict[str, Any]:
    return {
        "urn": f"urn:{name}",
        "type": type_,
        "name": name,
        "parent": f"urn:{parent}" if parent else "",
        "custom": custom,
        "dependencies": [f"urn:{d}" for d in deps],
        "region": region,
        "inputs": {},
    }


def region(name: str) -> list[dict[str, Any]]:
    """VPC (150 s) -> cluster (900 s) -> node group (240 s), plus a role nothing waits on."""
    return [
        res(f"vpc-{name}", "awsx:ec2:Vpc", region=name, custom=False),
        res(f"cluster-{name}", "eks:index:Cluster", (f"vpc-{name}",), region=name, custom=False),
        res(f"nodes-{name}", "eks:index:ManagedNodeGroup", (f"cluster-{name}",), region=name, custom=False),
        res(f"role-{name}", "aws:iam/role:Role", region=name),
    ]


def test_the_longest_chain_sets_the_time_and_regions_run_side_by_side() -> None:
    one = first_up({"resources": region("a")})
    two = first_up({"resources": region("a") + region("b")})
    assert one.seconds == 150 + 900 + 240
    assert two.seconds == one.seconds  # not 2x: no edge between the regions
    assert two.by_region == {"a": 1290, "b": 1290}
    assert [s.name for s in one.path] == ["vpc-a", "cluster-a", "nodes-a"]
    assert [(s.start, s.end) for s in one.path] == [(0, 150), (150, 1050), (1050, 1290)]


def test_a_dependency_on_a_component_waits_for_everything_below_it() -> None:
    resources = [
        res("network", "container-platform:network:Network", custom=False),
        res("vpc", "awsx:ec2:Vpc", parent="network", custom=False),
        res("endpoint", "aws:ec2/vpcEndpoint:VpcEndpoint", ("vpc",), parent="network"),
        res("lb", "aws:lb/loadBalancer:LoadBalancer", ("network",)),
    ]
    waits = edges({r["urn"]: r for r in resources})
    assert waits["urn:lb"] == {"urn:vpc", "urn:endpoint"}
    assert first_up({"resources": resources}).seconds == 150 + 120 + 180


def test_components_and_providers_take_no_time_and_unknown_types_a_default() -> None:
    assert duration(res("c", "container-platform:ecs:EcsPlatform", custom=False)).create == 0
    assert duration(res("p", "pulumi:providers:aws")).create == 0
    assert duration(res("sg", "aws:ec2/securityGroup:SecurityGroup")).create == 5
    assert duration(res("c", "eks:index:Cluster", custom=False)).create == 900


def test_every_duration_names_its_source() -> None:
    assert all(d.source.startswith(("https://", "estimate: ")) for d in DURATIONS.values())


def test_a_change_times_only_the_changed_resources_along_their_edges() -> None:
    resources = region("a")
    kinds = {"urn:cluster-a": "update", "urn:nodes-a": "update"}
    run, deletes = change({"resources": resources}, kinds)
    assert run.seconds == 900 + 900 and deletes == 0  # control plane update, then the node roll
    assert [s.name for s in run.path] == ["cluster-a", "nodes-a"]
    # A changed resource waits for a changed one through an unchanged one in between.
    chain = [
        res("x", "aws:kms/key:Key"),
        res("y", "aws:iam/role:Role", ("x",)),
        res("z", "aws:lb/loadBalancer:LoadBalancer", ("y",)),
    ]
    run, _ = change({"resources": chain}, {"urn:x": "add", "urn:z": "add"})
    assert run.seconds == 10 + 180


def test_deletions_come_after_the_creates() -> None:
    head = {"resources": [res("new", "aws:lb/loadBalancer:LoadBalancer")]}
    gone = [res("old", "eks:index:Cluster", custom=False)]
    run, deletes = change(head, {"urn:new": "replace"}, gone)
    assert (run.seconds, deletes) == (180, 600)


@pytest.fixture(scope="module")
def prod(committed_plans: dict[str, Any]) -> dict[str, Any]:
    return dict(committed_plans["prod"].to_json())


def test_the_critical_path_of_prod(prod: dict[str, Any]) -> None:
    up = first_up(prod)
    assert set(up.by_region) == {"us-east-1", "eu-west-1"}
    assert up.seconds == max(up.by_region.values()) < sum(up.by_region.values())
    steps = up.path
    assert all(a.end == b.start for a, b in itertools.pairwise(steps))  # one unbroken chain
    assert steps[-1].end == up.seconds and steps[0].start == 0
    assert len({s.region for s in steps}) == 1  # the chain stays in one region
    types = [s.type for s in steps]
    assert types[0] == "awsx:ec2:Vpc" and "eks:index:Cluster" in types
    assert types.index("awsx:ec2:Vpc") < types.index("eks:index:Cluster")
    print(f"prod first up: {minutes(up.seconds)}: {render_path(steps)}")


def test_an_eks_version_bump_waits_on_the_control_plane_then_the_node_groups(prod: dict[str, Any]) -> None:
    head = copy.deepcopy(prod)
    for r in head["resources"]:
        if r["type"] in ("eks:index:Cluster", "eks:index:ManagedNodeGroup") and r["region"] == "us-east-1":
            r["inputs"]["version"] = "1.36"
    diff = diff_plans(prod, head)
    run, deletes = change(head, {e.urn: e.kind for e in diff.resources})
    assert [s.type for s in run.path] == ["eks:index:Cluster", "eks:index:ManagedNodeGroup"]
    assert run.seconds == 900 + 900 and deletes == 0
    assert minutes(run.seconds) == "30 min"


def test_minutes() -> None:
    assert [minutes(s) for s in (40, 60, 1290, 3900)] == ["40 s", "1 min", "22 min", "1 h 05 min"]
