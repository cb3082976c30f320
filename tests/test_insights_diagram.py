"""The Mermaid diagram of a plan: its structure, its diff highlighting, and Mermaid's own parser on it.

The parser is the npm package ``mermaid`` (with jsdom for the DOM it needs), installed by
``make mermaid-parser`` into build/mermaid/node_modules; ``make test`` installs it when npm exists.
Without it the parser test is skipped, except under CI (``CI=true``), where it must run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from offline_plan.insights.diagram import graph, ident, merge, render

ROOT = Path(__file__).resolve().parent.parent
PARSER = ROOT / "build" / "mermaid"
"""Where ``make mermaid-parser`` installs the npm packages (tools/mermaid holds their manifest and lock)."""
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def plans(committed_plans: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {stack: plan.to_json() for stack, plan in committed_plans.items()}


def parse(diagrams: list[str]) -> list[dict[str, Any]]:
    """Mermaid's parser on each diagram."""
    if NODE is None or not (PARSER / "node_modules" / "mermaid").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("the Mermaid parser is not installed: `make mermaid-parser` (make test runs it)")
        pytest.skip("the Mermaid parser is not installed: run `make mermaid-parser` (needs node and npm)")
    # The script resolves its imports next to itself, so it runs from the install directory.
    shutil.copy(ROOT / "tools" / "mermaid" / "check.mjs", PARSER / "check.mjs")
    result = subprocess.run(
        [NODE, str(PARSER / "check.mjs")],
        input=json.dumps(diagrams),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(result.stdout))


def declared(text: str) -> set[str]:
    """Node and subgraph ids the diagram declares."""
    nodes = set(re.findall(r"^\s*(n_\w+)[\[\(\{]", text, re.M))
    return nodes | set(re.findall(r"^\s*subgraph (n_\w+)\[", text, re.M))


def test_the_diagrams_of_dev_prod_and_a_diff_parse_with_mermaid(plans: dict[str, dict[str, Any]]) -> None:
    head = copy.deepcopy(plans["dev"])
    head["resources"] = [r for r in head["resources"] if "ecs-web" not in r["urn"]]
    merged, added, removed = merge(graph(plans["dev"]), graph(head))
    texts = [render(graph(plans["dev"])), render(graph(plans["prod"])), render(merged, added, removed)]
    broken = texts[0].replace("-->|traffic|", "-->|traffic", 1)  # proves the parser rejects what is wrong
    results = parse([*texts, broken])
    assert [r["ok"] for r in results] == [True, True, True, False], results
    assert {r["type"] for r in results[:3]} == {"flowchart-v2"}


def named(plan: dict[str, Any], type_: str, region: str = "", contains: str = "") -> str:
    """The logical name of the one resource of ``type_`` (in ``region``, with ``contains`` in its name).

    Read from the plan, so a rename of a component's children does not break these tests.
    """
    found = [
        str(r["name"])
        for r in plan["resources"]
        if r["type"] == type_ and (not region or r["region"] == region) and contains in str(r["name"])
    ]
    assert len(found) == 1, (type_, region, contains, found)
    return found[0]


LB = "aws:lb/loadBalancer:LoadBalancer"
SERVICE = "aws:ecs/service:Service"
CLUSTER = "eks:index:Cluster"


def test_regions_are_subgraphs_holding_their_components(plans: dict[str, dict[str, Any]]) -> None:
    prod = plans["prod"]
    text = render(graph(prod))
    assert text.startswith("flowchart LR\n")
    for region in ("us-east-1", "eu-west-1"):
        assert f'subgraph {ident("region-" + region)}["{region}"]' in text
    ecs = named(prod, "aws:ecs/cluster:Cluster")
    assert f'subgraph {ident(ecs)}["ECS cluster container-platform-prod"]' in text
    eks = named(prod, CLUSTER, "eu-west-1")
    assert f'subgraph {ident(eks)}["EKS container-platform-prod-eu-west-1 (1.35)"]' in text
    web_lb = named(prod, LB, contains="web")
    for label in ("service web<br/>3 tasks", f"ALB {web_lb}<br/>internet-facing", "EFS shared file system"):
        assert label in text
    system = named(prod, "eks:index:ManagedNodeGroup", "eu-west-1", "system")
    assert f"node group {system}<br/>m7i.large x3 (max 6), managed ON_DEMAND" in text
    assert "Fargate profile batch" in text and "StorageClass fsx-lustre<br/>fsx.csi.aws.com" in text
    assert "VPC 10.21.0.0/16<br/>3 AZs, NAT OnePerAz" in text


def test_edges_carry_traffic_pulls_and_replication(plans: dict[str, dict[str, Any]]) -> None:
    dev_plan, prod_plan = plans["dev"], plans["prod"]
    dev, prod = render(graph(dev_plan)), render(graph(prod_plan))
    web_lb, web = ident(named(dev_plan, LB, contains="web")), ident(named(dev_plan, SERVICE, contains="web"))
    api_lb = ident(named(dev_plan, LB, contains="api"))
    registry = ident(named(dev_plan, "container-platform:registry:SharedRegistry"))
    efs = ident(named(dev_plan, "aws:efs/fileSystem:FileSystem", contains="ecs"))
    assert f"n_internet -->|requests| {web_lb}" in dev
    assert f"{web_lb} -->|traffic| {web}" in dev
    assert f"n_privatelink_consumers -->|PrivateLink| {api_lb}" in dev
    assert f"{web} -->|mounts| {efs}" in dev
    assert f"{registry} -.->|pulls| {ident(named(dev_plan, CLUSTER))}" in dev
    replica = ident(named(prod_plan, "container-platform:registry:RegistryReplica"))
    assert f"{registry} ==>|replication| {replica}" in prod
    assert f"{replica} -.->|pulls| {ident(named(prod_plan, CLUSTER, 'eu-west-1'))}" in prod
    assert "replication" not in dev


def test_every_edge_joins_declared_nodes_and_ids_are_unique(plans: dict[str, dict[str, Any]]) -> None:
    """The structural check that stands in for the parser where node is missing."""
    for plan in plans.values():
        text = render(graph(plan))
        ids = re.findall(r"^\s*(?:subgraph )?(n_\w+)[\[\(\{]", text, re.M)
        assert len(ids) == len(set(ids))
        for source, target in re.findall(r"^\s*(n_\w+) [-=.>]+\|[^|]+\| (n_\w+)$", text, re.M):
            assert {source, target} <= declared(text)
        assert text.count("subgraph ") == text.count("\n    end\n") + text.count("\n  end\n")


def test_a_diff_highlights_added_and_removed_components(plans: dict[str, dict[str, Any]]) -> None:
    base = plans["prod"]
    head = copy.deepcopy(base)
    head["resources"] = [r for r in head["resources"] if r["region"] != "eu-west-1"]
    merged, added, removed = merge(graph(head), graph(base))  # BASE without eu-west-1, HEAD with it
    cluster = named(base, CLUSTER, "eu-west-1")
    system = named(base, "eks:index:ManagedNodeGroup", "eu-west-1", "system")
    vpc = named(base, "awsx:ec2:Vpc", "eu-west-1")
    assert not removed and {cluster, system, vpc} <= added
    text = render(merged, added, removed)
    highlighted = re.search(r"^  class (.+) added$", text, re.M)
    assert highlighted is not None and ident(cluster) in highlighted.group(1).split(",")
    _, added_back, removed_now = merge(graph(base), graph(head))
    assert not added_back and system in removed_now
    assert "class " not in render(graph(base))  # an unchanged diagram highlights nothing


def test_labels_cannot_break_out_of_their_quotes() -> None:
    plan = {
        "resources": [
            {
                "urn": "u1",
                "type": "aws:ecs/cluster:Cluster",
                "name": "ecs-cluster",
                "region": "us-east-1",
                "inputs": {"name": 'a"]; click x'},
            }
        ]
    }
    text = render(graph(plan))
    assert "a#quot;]; click x" in text and 'a"]' not in text
