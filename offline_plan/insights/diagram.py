"""A Mermaid flowchart of a plan: regions as subgraphs, the components in each, and how they connect.

Nodes are keyed by what they are (``ecs-web-service``, ``eks-us-east-1-system``), so the graphs of
two plans can be compared: ``render(graph(head), added=..., removed=...)`` highlights the nodes only
one of them has. Edges: traffic (internet or PrivateLink -> load balancer -> service), mounts
(service -> file system), image pulls (registry -> cluster) and replication (registry -> replica).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from offline_plan.insights.cost import storage_classes

Resource = Mapping[str, Any]

SHAPES: Final[dict[str, tuple[str, str]]] = {
    "box": ('["', '"]'),
    "round": ('("', '")'),
    "db": ('[("', '")]'),
    "hex": ('{{"', '"}}'),
    "circle": ('(("', '"))'),
    "slant": ('[/"', '"/]'),
}
"""Mermaid node shapes: services boxes, load balancers hexagons, storage cylinders, classes slanted."""

CLASSES: Final = (
    "  classDef added fill:#d9f7d9,stroke:#1a7f37,stroke-width:2px",
    "  classDef removed fill:#fde2e2,stroke:#cf222e,stroke-width:2px,stroke-dasharray: 5 5",
)


@dataclass(frozen=True)
class Node:
    """One box of the diagram."""

    key: str
    label: str
    region: str
    group: str = ""
    """The key of the subgraph inside the region it sits in (an ECS or EKS cluster), or ``""``."""
    shape: str = "box"


@dataclass
class Graph:
    """Nodes, their groups (clusters) and edges ``(from, to, label, style)``."""

    nodes: dict[str, Node] = field(default_factory=dict)
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Group key -> (region, label)."""
    edges: set[tuple[str, str, str, str]] = field(default_factory=set)

    def add(self, node: Node) -> str:
        """Add ``node`` unless one with its key exists; return its key."""
        self.nodes.setdefault(node.key, node)
        return node.key


def ident(key: str) -> str:
    """A Mermaid-safe node id for ``key`` (letters, digits and underscores)."""
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", key)


def _text(label: str) -> str:
    """A label inside double quotes: a quote as its Mermaid entity (``<br/>`` breaks the line)."""
    return label.replace('"', "#quot;")


def _ancestor(resources: Mapping[str, Resource], r: Resource, type_: str) -> Resource | None:
    """The nearest ancestor of ``r`` whose type token ends with ``type_`` (``:EcsService``).

    Matching on the class name keeps the diagram right while the type tokens' modules move.
    """
    parent = resources.get(str(r.get("parent", "")))
    for _ in range(len(resources)):
        if parent is None or str(parent.get("type", "")).endswith(type_):
            return parent
        parent = resources.get(str(parent.get("parent", "")))
    return None


def _of(resources: Mapping[str, Resource], type_: str) -> list[Resource]:
    """The resources of a type token (or, for ``:Class``, of any token ending with it), in URN order."""
    suffix = type_.startswith(":")
    return [
        r
        for _, r in sorted(resources.items())
        if (str(r.get("type", "")).endswith(type_) if suffix else r.get("type") == type_)
    ]


def _networks(g: Graph, resources: Mapping[str, Resource]) -> None:
    for vpc in _of(resources, "awsx:ec2:Vpc"):
        i = vpc.get("inputs") or {}
        nat = (i.get("natGateways") or {}).get("strategy", "?")
        zones = len(i.get("availabilityZoneNames") or [])
        label = f"VPC {i.get('cidrBlock', '')}<br/>{zones} AZs, NAT {nat}"
        g.add(Node(str(vpc["name"]), label, str(vpc.get("region", "")), shape="round"))


def _ecs(g: Graph, resources: Mapping[str, Resource]) -> None:
    for cluster in _of(resources, "aws:ecs/cluster:Cluster"):
        group = str(cluster["name"])
        g.groups[group] = (
            str(cluster.get("region", "")),
            f"ECS cluster {(cluster.get('inputs') or {}).get('name', '')}",
        )
    for service in _of(resources, "aws:ecs/service:Service"):
        _ecs_service(g, resources, service)


def _ecs_service(g: Graph, resources: Mapping[str, Resource], service: Resource) -> None:
    inputs = service.get("inputs") or {}
    region, group = str(service.get("region", "")), _ecs_group(g, service)
    key = g.add(
        Node(
            str(service["name"]),
            f"service {inputs.get('name')}<br/>{inputs.get('desiredCount', 0)} tasks",
            region,
            group,
        )
    )
    owner = _ancestor(resources, service, ":EcsService")
    for lb in _of(resources, "aws:lb/loadBalancer:LoadBalancer"):
        if owner is not None and _ancestor(resources, lb, ":EcsService") == owner:
            _load_balancer(g, lb, key, group)
    task = next((resources[str(d)] for d in service.get("dependencies") or [] if _is_task(resources, d)), None)
    if task is not None and any("efsVolumeConfiguration" in v for v in (task.get("inputs") or {}).get("volumes") or []):
        for fs in _of(resources, "aws:efs/fileSystem:FileSystem"):
            if fs.get("region") == region and _ancestor(resources, fs, ":EcsPlatform"):
                g.edges.add(
                    (key, g.add(Node(str(fs["name"]), "EFS shared file system", region, group, "db")), "mounts", "-->")
                )


def _is_task(resources: Mapping[str, Resource], urn: Any) -> bool:
    return (resources.get(str(urn)) or {}).get("type") == "aws:ecs/taskDefinition:TaskDefinition"


def _ecs_group(g: Graph, service: Resource) -> str:
    return next(
        (k for k, (region, _) in g.groups.items() if region == service.get("region") and k.startswith("ecs")), ""
    )


def _load_balancer(g: Graph, lb: Resource, service: str, group: str) -> None:
    inputs = lb.get("inputs") or {}
    kind = "NLB" if inputs.get("loadBalancerType") == "network" else "ALB"
    scope = "internal" if inputs.get("internal") else "internet-facing"
    region = str(lb.get("region", ""))
    key = g.add(Node(str(lb["name"]), f"{kind} {lb['name']}<br/>{scope}", region, group, "hex"))
    g.edges.add((key, service, "traffic", "-->"))
    if not inputs.get("internal"):
        g.edges.add(
            (
                g.add(Node("internet", "Internet", "", shape="circle")),
                key,
                "requests" if kind == "ALB" else "TCP",
                "-->",
            )
        )


def _privatelink(g: Graph, resources: Mapping[str, Resource]) -> None:
    for service in _of(resources, "aws:ec2/vpcEndpointService:VpcEndpointService"):
        owner = _ancestor(resources, service, ":EcsService")
        for lb in _of(resources, "aws:lb/loadBalancer:LoadBalancer"):
            if owner is not None and _ancestor(resources, lb, ":EcsService") == owner:
                consumers = g.add(Node("privatelink-consumers", "PrivateLink consumers", "", shape="circle"))
                g.edges.add((consumers, str(lb["name"]), "PrivateLink", "-->"))


def _eks(g: Graph, resources: Mapping[str, Resource]) -> None:
    for cluster in _of(resources, "eks:index:Cluster"):
        i = cluster.get("inputs") or {}
        g.groups[str(cluster["name"])] = (
            str(cluster.get("region", "")),
            f"EKS {i.get('name', '')} ({i.get('version', '?')})",
        )
    for kind in ("eks:index:ManagedNodeGroup", "eks:index:NodeGroupV2"):
        for group in _of(resources, kind):
            _node_group(g, group)
    for profile in _of(resources, "aws:eks/fargateProfile:FargateProfile"):
        namespaces = ", ".join(str(s.get("namespace")) for s in (profile.get("inputs") or {}).get("selectors") or [])
        label = f"Fargate profile {(profile.get('inputs') or {}).get('fargateProfileName')}<br/>namespaces {namespaces}"
        g.add(Node(str(profile["name"]), label, str(profile.get("region", "")), _eks_group(g, profile), "round"))
    for invocation in _of(resources, "aws:lambda/invocation:Invocation"):
        for sc in storage_classes(invocation):
            name = str((sc.get("metadata") or {}).get("name"))
            label = f"StorageClass {name}<br/>{sc.get('provisioner')}"
            key = f"{_eks_group(g, invocation)}-sc-{name}"
            g.add(Node(key, label, str(invocation.get("region", "")), _eks_group(g, invocation), "slant"))


def _eks_group(g: Graph, r: Resource) -> str:
    return next((k for k, (region, _) in g.groups.items() if region == r.get("region") and k.startswith("eks")), "")


def _node_group(g: Graph, group: Resource) -> None:
    i = group.get("inputs") or {}
    types = i.get("instanceTypes") or [i.get("instanceType", "?")]
    scaling = i.get("scalingConfig") or {}
    desired = scaling.get("desiredSize", i.get("desiredCapacity", "?"))
    maximum = scaling.get("maxSize", i.get("maxSize", "?"))
    kind = f"managed {i.get('capacityType', 'ON_DEMAND')}" if "scalingConfig" in i else "self-managed"
    label = f"node group {group['name']}<br/>{', '.join(map(str, types))} x{desired} (max {maximum}), {kind}"
    g.add(Node(str(group["name"]), label, str(group.get("region", "")), _eks_group(g, group)))


def _registry(g: Graph, resources: Mapping[str, Resource]) -> None:
    for registry in _of(resources, ":SharedRegistry"):
        region = str(registry.get("region", ""))
        repos = [
            str((r.get("inputs") or {}).get("name"))
            for r in _of(resources, "aws:ecr/repository:Repository")
            if r.get("region") == region
        ]
        home = g.add(Node(str(registry["name"]), f"ECR registry<br/>{', '.join(repos)}", region, shape="db"))
        _pulls(g, home, region)
        for replica in _of(resources, ":RegistryReplica"):
            copy = g.add(Node(str(replica["name"]), "ECR replica", str(replica.get("region", "")), shape="db"))
            g.edges.add((home, copy, "replication", "==>"))
            _pulls(g, copy, str(replica.get("region", "")))
    for public in _of(resources, "aws:ecrpublic/repository:Repository"):
        name = (public.get("inputs") or {}).get("repositoryName", public["name"])
        g.add(Node(str(public["name"]), f"ECR Public {name}", str(public.get("region", "")), shape="db"))


def _pulls(g: Graph, registry: str, region: str) -> None:
    for key, (where, _) in sorted(g.groups.items()):
        if where == region:
            g.edges.add((registry, key, "pulls", "-.->"))


def graph(plan: Mapping[str, Any]) -> Graph:
    """The components of a plan (``Plan.to_json()``) and how they connect."""
    resources = {str(r["urn"]): r for r in plan.get("resources") or []}
    g = Graph()
    _networks(g, resources)
    _ecs(g, resources)
    _privatelink(g, resources)
    _eks(g, resources)
    _registry(g, resources)
    return g


def merge(base: Graph, head: Graph) -> tuple[Graph, set[str], set[str]]:
    """One graph with every node and edge of both, and the keys only in HEAD (added) and only in BASE (removed)."""
    merged = Graph(nodes=dict(head.nodes), groups=dict(head.groups), edges=set(head.edges))
    for key, node in base.nodes.items():
        merged.nodes.setdefault(key, node)
    for key, group in base.groups.items():
        merged.groups.setdefault(key, group)
    merged.edges |= base.edges
    added = (set(head.nodes) | set(head.groups)) - set(base.nodes) - set(base.groups)
    removed = (set(base.nodes) | set(base.groups)) - set(head.nodes) - set(head.groups)
    return merged, added, removed


def render(g: Graph, added: Iterable[str] = (), removed: Iterable[str] = ()) -> str:
    """The Mermaid ``flowchart`` text; ``added`` and ``removed`` keys get their highlight class."""
    lines = ["flowchart LR"]
    regions = sorted({n.region for n in g.nodes.values() if n.region} | {r for r, _ in g.groups.values()})
    for node in _sorted(n for n in g.nodes.values() if not n.region):
        lines.append(f"  {_node(node)}")
    for region in regions:
        lines.append(f'  subgraph {ident("region-" + region)}["{region}"]')
        lines += [f"    {_node(n)}" for n in _sorted(g.nodes.values()) if n.region == region and not n.group]
        for key, (where, label) in sorted(g.groups.items()):
            if where == region:
                lines.append(f'    subgraph {ident(key)}["{_text(label)}"]')
                lines += [f"      {_node(n)}" for n in _sorted(g.nodes.values()) if n.group == key]
                lines.append("    end")
        lines.append("  end")
    for source, target, label, style in sorted(g.edges):
        lines.append(f"  {ident(source)} {style}|{label}| {ident(target)}")
    lines += CLASSES
    for name, keys in (("added", sorted(added)), ("removed", sorted(removed))):
        if keys:
            lines.append(f"  class {','.join(ident(k) for k in keys)} {name}")
    return "\n".join(lines) + "\n"


def _sorted(nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=lambda n: n.key)


def _node(node: Node) -> str:
    opening, closing = SHAPES[node.shape]
    return f"{ident(node.key)}{opening}{_text(node.label)}{closing}"


def fenced(text: str) -> str:
    """The diagram as a Markdown ``mermaid`` code block (GitHub renders it)."""
    return f"```mermaid\n{text}```\n"


def summary(g: Graph) -> dict[str, Any]:
    """Counts for the plan JSON: nodes, groups and edges."""
    return {"nodes": len(g.nodes), "groups": len(g.groups), "edges": len(g.edges)}
