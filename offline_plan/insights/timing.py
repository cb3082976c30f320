"""Deploy time: the wall time of a first ``pulumi up`` and of a change, and the chain that sets it.

Pulumi starts a resource as soon as everything it depends on is done (and runs independent
resources in parallel), so the wall time of an ``up`` is the longest path through the dependency
graph, each resource weighted by a typical create (or update) time from ``DURATIONS``. Regions
have no edges between them unless the program made one (registry replication), so they run side by
side. A dependency on one of this program's own components waits for every resource below it.

For a change, only the added, replaced and updated resources take time; unchanged ones are done.
Deletions (removed resources and the old half of a replacement) run after the creates and updates,
so their longest delete time is added at the end. Estimates only: the engine's parallelism limit,
API throttling and retries are not modelled (docs/insights.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

Resource = Mapping[str, Any]


@dataclass(frozen=True)
class Duration:
    """Typical seconds to create, update and delete one resource of a type, and where that comes from."""

    create: int
    update: int
    delete: int
    source: str
    """A URL that states the figure, or ``estimate: ...`` when no published figure was found."""


_EKS_CREATE = "https://github.com/aws/containers-roadmap/issues/1227"
_TF_TIMEOUTS = "estimate: typical observed; the provider's own timeout is the upper bound"
DURATIONS: Final[dict[str, Duration]] = {
    # "EKS cluster control plane provisioning time currently averages 15 minutes" (AWS, #1227).
    "eks:index:Cluster": Duration(900, 900, 600, _EKS_CREATE),
    "aws:eks/cluster:Cluster": Duration(900, 900, 600, _EKS_CREATE),
    "eks:index:ManagedNodeGroup": Duration(240, 900, 300, f"{_TF_TIMEOUTS} (node roll on update: ~15 min)"),
    "eks:index:NodeGroupV2": Duration(300, 600, 300, f"{_TF_TIMEOUTS} (CloudFormation stack + ASG)"),
    "aws:eks/addon:Addon": Duration(90, 60, 60, _TF_TIMEOUTS),
    "aws:eks/fargateProfile:FargateProfile": Duration(150, 150, 150, _TF_TIMEOUTS),
    "awsx:ec2:Vpc": Duration(150, 30, 120, f"{_TF_TIMEOUTS} (NAT gateways ~2 min)"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": Duration(120, 30, 90, _TF_TIMEOUTS),
    "aws:ec2/vpcEndpointService:VpcEndpointService": Duration(60, 15, 30, _TF_TIMEOUTS),
    "aws:lb/loadBalancer:LoadBalancer": Duration(180, 15, 60, f"{_TF_TIMEOUTS} (ALB/NLB provisioning)"),
    "aws:autoscaling/group:Group": Duration(60, 30, 120, _TF_TIMEOUTS),
    "aws:ecs/service:Service": Duration(
        20, 20, 60, "estimate: waitForSteadyState is false, so Pulumi does not wait for tasks"
    ),
    "aws:efs/fileSystem:FileSystem": Duration(15, 5, 15, _TF_TIMEOUTS),
    "aws:efs/mountTarget:MountTarget": Duration(90, 30, 90, _TF_TIMEOUTS),
    "aws:fsx/ontapFileSystem:OntapFileSystem": Duration(1800, 600, 900, f"{_TF_TIMEOUTS} (20-30 min)"),
    "aws:fsx/ontapStorageVirtualMachine:OntapStorageVirtualMachine": Duration(600, 120, 300, _TF_TIMEOUTS),
    "aws:fsx/lustreFileSystem:LustreFileSystem": Duration(600, 300, 600, _TF_TIMEOUTS),
    "aws:lambda/function:Function": Duration(60, 30, 30, f"{_TF_TIMEOUTS} (VPC network interfaces)"),
    "aws:lambda/invocation:Invocation": Duration(30, 30, 5, "estimate: one run of the manifest applier"),
    "aws:kms/key:Key": Duration(10, 5, 5, _TF_TIMEOUTS),
    "aws:iam/instanceProfile:InstanceProfile": Duration(10, 5, 5, _TF_TIMEOUTS),
    "aws:ecs/capacityProvider:CapacityProvider": Duration(10, 10, 30, _TF_TIMEOUTS),
}
"""Resource type -> typical durations. Every other ``aws:`` type: ``DEFAULT``; components and providers: 0."""

DEFAULT: Final = Duration(5, 5, 5, "estimate: a single API call")
"""Security groups, rules, roles, policies, log groups, listeners, target groups and the like."""

NONE: Final = Duration(0, 0, 0, "no cloud call")


def duration(resource: Resource) -> Duration:
    """The typical durations of one resource (0 for this program's components and providers)."""
    type_ = str(resource.get("type", ""))
    if type_ in DURATIONS:
        return DURATIONS[type_]
    own_component = not resource.get("custom", True) and not type_.startswith(("eks:", "awsx:"))
    if type_.startswith("pulumi:") or own_component:
        return NONE
    return DEFAULT


@dataclass(frozen=True)
class Step:
    """One resource on a critical path: when it starts and ends (seconds from the start of the run)."""

    urn: str
    name: str
    type: str
    region: str
    start: int
    end: int


@dataclass(frozen=True)
class Timing:
    """The wall time of a run and the chain of resources that sets it."""

    seconds: int
    path: tuple[Step, ...]
    by_region: Mapping[str, int]


def _descendants(resources: Mapping[str, Resource]) -> dict[str, list[str]]:
    """Component URN -> every resource below it."""
    children: dict[str, list[str]] = defaultdict(list)
    for urn, r in resources.items():
        children[str(r.get("parent", ""))].append(urn)
    below: dict[str, list[str]] = {}

    def walk(urn: str) -> list[str]:
        if urn not in below:
            below[urn] = [d for c in children.get(urn, []) for d in (c, *walk(c))]
        return below[urn]

    for urn in resources:
        walk(urn)
    return below


def edges(resources: Mapping[str, Resource]) -> dict[str, set[str]]:
    """URN -> the URNs it waits for: its dependencies, a component dependency expanded to its resources."""
    below = _descendants(resources)
    waits: dict[str, set[str]] = {}
    for urn, r in resources.items():
        deps: set[str] = set()
        for dep in r.get("dependencies") or []:
            target = resources.get(str(dep))
            if target is None:
                continue
            own_component = not target.get("custom", True) and not str(target.get("type", "")).startswith(
                ("eks:", "awsx:")
            )
            deps.update(below.get(str(dep), []) if own_component else [str(dep)])
        deps.discard(urn)
        waits[urn] = deps
    return waits


def longest_path(
    resources: Mapping[str, Resource], weights: Mapping[str, int], waits: Mapping[str, set[str]]
) -> Timing:
    """The longest weighted chain through ``waits`` (edges to resources not in ``weights`` are done already)."""
    end: dict[str, int] = {}
    via: dict[str, str | None] = {}

    def finish(urn: str, seen: frozenset[str] = frozenset()) -> int:
        if urn not in end:
            before = [
                (finish(d, seen | {urn}), d) for d in sorted(waits.get(urn, ())) if d in weights and d not in seen
            ]
            start, prev = max(before, default=(0, None))
            end[urn], via[urn] = start + weights[urn], prev
        return end[urn]

    for urn in sorted(weights):
        finish(urn)
    by_region: dict[str, int] = defaultdict(int)
    for urn, t in end.items():
        region = str(resources[urn].get("region", ""))
        by_region[region] = max(by_region[region], t)
    last = max(sorted(end), key=lambda u: end[u], default=None)
    return Timing(
        seconds=end.get(last, 0) if last else 0,
        path=_path(resources, weights, end, via, last),
        by_region=dict(by_region),
    )


def _path(
    resources: Mapping[str, Resource],
    weights: Mapping[str, int],
    end: Mapping[str, int],
    via: Mapping[str, str | None],
    last: str | None,
) -> tuple[Step, ...]:
    steps: list[Step] = []
    urn = last
    while urn is not None:
        r = resources[urn]
        if weights[urn]:
            steps.append(
                Step(
                    urn,
                    str(r.get("name")),
                    str(r.get("type")),
                    str(r.get("region", "")),
                    end[urn] - weights[urn],
                    end[urn],
                )
            )
        urn = via.get(urn)
    return tuple(reversed(steps))


def first_up(plan: Mapping[str, Any]) -> Timing:
    """The wall time of creating every resource of ``plan`` from nothing."""
    resources = {str(r["urn"]): r for r in plan.get("resources") or []}
    weights = {urn: duration(r).create for urn, r in resources.items()}
    return longest_path(resources, weights, edges(resources))


def change(head: Mapping[str, Any], kinds: Mapping[str, str], removed: Sequence[Resource] = ()) -> tuple[Timing, int]:
    """The wall time of applying a diff to ``head``: ``kinds`` maps HEAD URNs to add/replace/update.

    Returns the timing of the creates and updates, and the seconds the deletions add after them
    (the longest delete among ``removed`` resources and the old halves of replacements).
    """
    resources = {str(r["urn"]): r for r in head.get("resources") or []}
    weights = {
        urn: duration(resources[urn]).update if kind == "update" else duration(resources[urn]).create
        for urn, kind in kinds.items()
        if urn in resources
    }
    timing = longest_path(resources, weights, _reach(edges(resources), set(weights)))
    replaced = [resources[u] for u, k in kinds.items() if k == "replace" and u in resources]
    deletes = max((duration(r).delete for r in (*removed, *replaced)), default=0)
    return timing, deletes


def _reach(waits: Mapping[str, set[str]], changed: set[str]) -> dict[str, set[str]]:
    """Edges among changed resources only, followed through unchanged ones.

    A changed resource waits for a changed one it depends on even when an unchanged resource sits between them.
    """
    memo: dict[str, set[str]] = {}

    def changed_below(urn: str, seen: frozenset[str]) -> set[str]:
        if urn in memo:
            return memo[urn]
        found: set[str] = set()
        for dep in waits.get(urn, ()):
            if dep in seen:
                continue
            found |= {dep} if dep in changed else changed_below(dep, seen | {dep})
        memo[urn] = found
        return found

    return {urn: changed_below(urn, frozenset({urn})) for urn in changed}


def minutes(seconds: int) -> str:
    """``1 h 05 min``, ``17 min``, ``40 s``."""
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def to_json(timing: Timing) -> dict[str, Any]:
    """The ``insights.deployTime`` object of the plan JSON (docs/insights.md)."""
    return {
        "seconds": timing.seconds,
        "byRegion": dict(sorted(timing.by_region.items())),
        "criticalPath": [
            {"urn": s.urn, "name": s.name, "type": s.type, "region": s.region, "start": s.start, "end": s.end}
            for s in timing.path
        ],
    }


def render_path(path: Iterable[Step]) -> str:
    """``a (type, 2 min) → b (type, 15 min)``."""
    return " → ".join(f"{s.name} [{s.type}, {minutes(s.end - s.start)}]" for s in path)
