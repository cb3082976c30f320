"""Monthly cost estimate of a recorded plan: a pure function from the plan JSON to priced lines.

Each line is one priced item of one resource: ``fixed`` (runs all month whatever the traffic: a
control plane, instances, tasks at their desired count, NAT gateways, load balancer hours,
interface endpoints, KMS keys, file system minimums), ``usage`` (priced per unit of traffic or
storage; listed with its unit price and never added to the total), ``free`` (no charge) or
``unpriced`` (no row in the price table for its region or instance type; never guessed).

Spot capacity (EC2 Spot, FARGATE_SPOT) is a range: from the largest published discount to the
on-demand price. Children that remote components create at deploy time (the EKS control plane,
node group instances, awsx's NAT gateways) are estimated from the component's inputs and marked
``estimated``. See docs/insights.md for what is included and excluded.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final, Literal

from offline_plan.insights.prices import PriceRow, PriceTable, load

Kind = Literal["fixed", "usage", "free", "unpriced"]

INSTANCE_SIZES: Final[dict[str, tuple[int, int]]] = {
    "m5.large": (2, 8192),
    "m6i.large": (2, 8192),
    "m7i.large": (2, 8192),
    "m7g.large": (2, 8192),
}
"""Instance type -> (vCPUs, MiB), to size ECS EC2 capacity from its tasks
(https://aws.amazon.com/ec2/instance-types/m7i/ and the m5, m6i, m7g pages)."""

LUSTRE_MIN_GIB: Final = 1200
"""Smallest FSx for Lustre PERSISTENT_2 file system (https://docs.aws.amazon.com/fsx/latest/LustreGuide/managing-storage-capacity.html)."""

Resource = Mapping[str, Any]


@dataclass(frozen=True)
class CostLine:
    """One priced item of one resource, per month."""

    urn: str
    name: str
    type: str
    component: str
    region: str
    item: str
    """What is priced, e.g. ``NAT gateway x3`` or ``m7i.large x2 (ON_DEMAND)``."""
    kind: Kind
    low: float = 0.0
    """Monthly USD, lowest (Spot at its largest discount); 0 for usage, free and unpriced lines."""
    high: float = 0.0
    """Monthly USD, highest (equals ``low`` unless Spot makes it a range)."""
    unit_price: float = 0.0
    unit: str = ""
    prices: tuple[str, ...] = ()
    """Every price row used, cited as ``key@region (source, read date)``."""
    estimated: bool = False
    """Estimated from a remote component's inputs: the plan cannot see the child itself."""
    note: str = ""


@dataclass(frozen=True)
class Estimate:
    """Every line of a plan, and its totals (fixed lines only)."""

    lines: tuple[CostLine, ...] = ()

    def fixed(self) -> list[CostLine]:
        """The lines counted in the totals."""
        return [line for line in self.lines if line.kind == "fixed"]

    def total(self) -> tuple[float, float]:
        """``(low, high)`` monthly USD of the whole stack."""
        return _sum(self.fixed())

    def by(self, attribute: str) -> dict[str, tuple[float, float]]:
        """``(low, high)`` per region, component, or resource URN (``attribute`` of the line)."""
        groups: dict[str, list[CostLine]] = defaultdict(list)
        for line in self.fixed():
            groups[str(getattr(line, attribute))].append(line)
        return {key: _sum(lines) for key, lines in sorted(groups.items())}

    def top(self, n: int = 5) -> list[CostLine]:
        """The ``n`` most expensive fixed lines (by their high end)."""
        return sorted(self.fixed(), key=lambda line: (-line.high, line.urn, line.item))[:n]


def _sum(lines: Iterable[CostLine]) -> tuple[float, float]:
    items = list(lines)
    return round(sum(line.low for line in items), 2), round(sum(line.high for line in items), 2)


@dataclass(frozen=True)
class _Context:
    """What a pricer needs besides the resource: the table, the other resources, the component names."""

    table: PriceTable
    resources: Mapping[str, Resource]
    components: Mapping[str, str]
    children: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def line(self, r: Resource, item: str, kind: Kind, **values: Any) -> CostLine:
        """A line of resource ``r``."""
        return CostLine(
            urn=str(r["urn"]),
            name=str(r.get("name", "")),
            type=str(r.get("type", "")),
            component=self.components.get(str(r["urn"]), str(r.get("name", ""))),
            region=str(r.get("region", "")),
            item=item,
            kind=kind,
            **values,
        )

    def monthly(
        self, r: Resource, item: str, key: str, quantity: float, *, per: str = "hour", **values: Any
    ) -> CostLine:
        """A fixed line of ``quantity`` x the row ``key`` for a month (``per``: hour or month)."""
        row = self.table.get(key, str(r.get("region", "")))
        if row is None:
            return self.line(r, item, "unpriced", note=f"no price row {key} for {r.get('region')}", **values)
        months = self.table.hours_per_month if per == "hour" else 1.0
        usd = round(row.usd * quantity * months, 2)
        return self.line(
            r, item, "fixed", low=usd, high=usd, unit_price=row.usd, unit=row.unit, prices=(row.cite(),), **values
        )

    def usage(self, r: Resource, item: str, key: str, note: str = "") -> CostLine:
        """A per-unit line: the unit price of ``key``, never added to the total."""
        row = self.table.get(key, str(r.get("region", "")))
        if row is None:
            return self.line(r, item, "unpriced", note=f"no price row {key} for {r.get('region')}")
        return self.line(r, item, "usage", unit_price=row.usd, unit=row.unit, prices=(row.cite(),), note=note)

    def free(self, r: Resource, item: str, key: str) -> CostLine:
        """A no-charge line citing the row that says so."""
        row = self.table.get(key, str(r.get("region", "")))
        return self.line(r, item, "free", prices=(row.cite(),) if row else ())

    def row(self, key: str, region: str) -> PriceRow | None:
        return self.table.get(key, region)

    def deps_of_type(self, r: Resource, type_: str) -> list[Resource]:
        """The resources of ``type_`` that ``r`` depends on."""
        found = [self.resources.get(str(u)) for u in r.get("dependencies") or []]
        return [d for d in found if d is not None and d.get("type") == type_]


def _spot(line: CostLine, ctx: _Context, key: str) -> CostLine:
    """``line`` as a Spot range: from the largest published discount of ``key`` up to on-demand."""
    row = ctx.row(key, line.region)
    if row is None or line.kind != "fixed":
        return line
    low = round(line.high * (1 - row.usd), 2)
    return replace(
        line, low=low, prices=(*line.prices, row.cite()), note=_join(line.note, "Spot: a range up to on-demand")
    )


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _instance_hours(ctx: _Context, r: Resource, types: Sequence[str], count: int, capacity: str) -> CostLine:
    """``count`` instances of the first of ``types`` (Spot: a range over every type)."""
    item = f"{types[0] if types else '?'} x{count} ({capacity})"
    line = ctx.monthly(
        r, item, f"ec2.{types[0] if types else '?'}", count, estimated=r.get("type", "").startswith("eks:")
    )
    if capacity != "SPOT" or line.kind != "fixed":
        return line
    priced = [row.usd for t in types if (row := ctx.row(f"ec2.{t}", line.region)) is not None]
    high = round(max(priced) * count * ctx.table.hours_per_month, 2)
    return _spot(replace(line, high=high, note=f"types {', '.join(types)}"), ctx, "ec2.spot.max-discount")


def _root_volumes(ctx: _Context, r: Resource, count: int, size_gib: int) -> list[CostLine]:
    if count <= 0 or size_gib <= 0:
        return []
    return [
        ctx.monthly(
            r, f"gp3 root volumes {count} x {size_gib} GiB", "ebs.gp3", count * size_gib, per="month", estimated=True
        )
    ]


def _template_volume(ctx: _Context, r: Resource) -> int:
    """The root volume size of the launch template ``r`` depends on (0 when none)."""
    for template in ctx.deps_of_type(r, "aws:ec2/launchTemplate:LaunchTemplate"):
        for mapping in (template.get("inputs") or {}).get("blockDeviceMappings") or []:
            size = (mapping.get("ebs") or {}).get("volumeSize")
            if isinstance(size, int):
                return size
    return 0


def price_managed_node_group(ctx: _Context, r: Resource) -> list[CostLine]:
    """Managed node group: its desired (else minimum) count of instances, and their root volumes."""
    inputs = r.get("inputs") or {}
    scaling = inputs.get("scalingConfig") or {}
    count = int(scaling.get("desiredSize", scaling.get("minSize", 0)) or 0)
    types = [str(t) for t in inputs.get("instanceTypes") or []]
    line = _instance_hours(ctx, r, types, count, str(inputs.get("capacityType", "ON_DEMAND")))
    line = replace(line, note=_join(line.note, f"desired {count}, max {scaling.get('maxSize', '?')}"))
    return [line, *_root_volumes(ctx, r, count, _template_volume(ctx, r))]


def price_node_group_v2(ctx: _Context, r: Resource) -> list[CostLine]:
    """Self-managed node group: desired (else minimum) instances and their root volumes."""
    inputs = r.get("inputs") or {}
    count = int(inputs.get("desiredCapacity", inputs.get("minSize", 0)) or 0)
    line = _instance_hours(ctx, r, [str(inputs.get("instanceType", "?"))], count, "ON_DEMAND")
    line = replace(line, note=_join(line.note, f"desired {count}, max {inputs.get('maxSize', '?')}"))
    return [line, *_root_volumes(ctx, r, count, int(inputs.get("nodeRootVolumeSize") or 0))]


def price_eks_cluster(ctx: _Context, r: Resource) -> list[CostLine]:
    """EKS control plane by support type; EXTENDED is a range up to the extended-support price."""
    inputs = r.get("inputs") or {}
    support = str((inputs.get("upgradePolicy") or {}).get("supportType", "EXTENDED"))
    line = ctx.monthly(r, f"EKS control plane ({support} support)", "eks.cluster.standard", 1, estimated=True)
    extended = ctx.row("eks.cluster.extended", line.region)
    if support != "EXTENDED" or extended is None or line.kind != "fixed":
        return [line]
    high = round(extended.usd * ctx.table.hours_per_month, 2)
    note = f"extended-support price once {inputs.get('version', 'its version')} leaves standard support"
    return [replace(line, high=high, prices=(*line.prices, extended.cite()), note=note)]


def price_vpc(ctx: _Context, r: Resource) -> list[CostLine]:
    """The awsx VPC: its NAT gateways (strategy x AZs) with one public IPv4 each; gateway endpoints free."""
    inputs = r.get("inputs") or {}
    zones = len(inputs.get("availabilityZoneNames") or []) or int(inputs.get("numberOfAvailabilityZones") or 3)
    strategy = str((inputs.get("natGateways") or {}).get("strategy", "OnePerAz"))
    nats = {"None": 0, "Single": 1}.get(strategy, zones)
    lines: list[CostLine] = []
    if nats:
        lines.append(ctx.monthly(r, f"NAT gateway x{nats}", "vpc.nat-gateway", nats, estimated=True, note=strategy))
        lines.append(ctx.monthly(r, f"NAT public IPv4 x{nats}", "vpc.public-ipv4", nats, estimated=True))
        lines.append(ctx.usage(r, "NAT gateway data processed", "vpc.nat-gateway.data"))
    for spec in inputs.get("vpcEndpointSpecs") or []:
        if spec.get("vpcEndpointType") == "Gateway":
            lines.append(ctx.free(r, f"gateway endpoint {spec.get('serviceName')}", "vpc.gateway-endpoint"))
    return lines


def price_vpc_endpoint(ctx: _Context, r: Resource) -> list[CostLine]:
    """Interface endpoint: one hourly charge per AZ (subnet); gateway endpoint: free."""
    inputs = r.get("inputs") or {}
    if inputs.get("vpcEndpointType") != "Interface":
        return [ctx.free(r, f"gateway endpoint {inputs.get('serviceName')}", "vpc.gateway-endpoint")]
    zones = len(inputs.get("subnetIds") or []) or 1
    service = str(inputs.get("serviceName", "")).rsplit(".", 1)[-1]
    return [
        ctx.monthly(r, f"interface endpoint {service} x{zones} AZs", "vpc.interface-endpoint", zones),
        ctx.usage(r, f"interface endpoint {service} data processed", "vpc.interface-endpoint.data"),
    ]


def price_load_balancer(ctx: _Context, r: Resource) -> list[CostLine]:
    """ALB or NLB hours, a public IPv4 per AZ when internet-facing, and capacity units per unit."""
    inputs = r.get("inputs") or {}
    kind = "nlb" if inputs.get("loadBalancerType") == "network" else "alb"
    lines = [ctx.monthly(r, f"{kind.upper()} hours", f"elb.{kind}", 1)]
    zones = len(inputs.get("subnets") or inputs.get("subnetMappings") or [])
    if inputs.get("internal") is False and zones:
        lines.append(
            ctx.monthly(r, f"{kind.upper()} public IPv4 x{zones}", "vpc.public-ipv4", zones, note="one per AZ at least")
        )
    unit = "nlcu" if kind == "nlb" else "lcu"
    lines.append(ctx.usage(r, f"{kind.upper()} capacity units", f"elb.{kind}.{unit}"))
    return lines


def _task_definition(ctx: _Context, r: Resource) -> Resource | None:
    found = ctx.deps_of_type(r, "aws:ecs/taskDefinition:TaskDefinition")
    return found[0] if found else None


def split_tasks(count: int, strategies: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Tasks per capacity provider: each provider's ``base`` first, the rest by ``weight``.

    The same rule as ECS (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html);
    the tasks rounding leaves over go to the largest remainders.
    """
    if not strategies:
        return {"FARGATE": count}
    split = {str(s["capacityProvider"]): 0 for s in strategies}
    left = count
    for s in strategies:
        base = min(int(s.get("base") or 0), left)
        split[str(s["capacityProvider"])] += base
        left -= base
    weights = {str(s["capacityProvider"]): int(s.get("weight") or 0) for s in strategies}
    total = sum(weights.values()) or 1
    for p, w in weights.items():
        split[p] += left * w // total
    # The tasks rounding leaves over go to the largest remainders (ties: the larger weight).
    order = sorted(weights, key=lambda p: (-(left * weights[p] % total), -weights[p]))
    for p in order[: left - sum(left * w // total for w in weights.values())]:
        split[p] += 1
    return split


def price_ecs_service(ctx: _Context, r: Resource) -> list[CostLine]:
    """Fargate tasks: vCPU and GB per task x desired count, split by capacity provider (Spot as a range)."""
    task = _task_definition(ctx, r)
    inputs = r.get("inputs") or {}
    if task is None or "FARGATE" not in ((task.get("inputs") or {}).get("requiresCompatibilities") or []):
        return []
    t = task.get("inputs") or {}
    cpu, memory = int(t.get("cpu") or 0) / 1024, int(t.get("memory") or 0) / 1024
    arch = "arm" if str((t.get("runtimePlatform") or {}).get("cpuArchitecture", "X86_64")) == "ARM64" else "x86"
    split = split_tasks(int(inputs.get("desiredCount") or 0), inputs.get("capacityProviderStrategies") or [])
    lines = []
    for provider, n in split.items():
        if n:
            lines.append(_fargate_tasks(ctx, r, provider, n, cpu, memory, arch))
    return lines


def _fargate_tasks(ctx: _Context, r: Resource, provider: str, n: int, cpu: float, memory: float, arch: str) -> CostLine:
    region = str(r.get("region", ""))
    vcpu, gb = ctx.row(f"fargate.{arch}.vcpu", region), ctx.row(f"fargate.{arch}.gb", region)
    item = f"{provider} tasks x{n} ({cpu:g} vCPU, {memory:g} GB, {arch})"
    if vcpu is None or gb is None:
        return ctx.line(r, item, "unpriced", note=f"no Fargate price for {region}")
    hourly = n * (cpu * vcpu.usd + memory * gb.usd)
    usd = round(hourly * ctx.table.hours_per_month, 2)
    line = ctx.line(
        r,
        item,
        "fixed",
        low=usd,
        high=usd,
        unit_price=round(hourly / n, 6),
        unit="task-hour",
        prices=(vcpu.cite(), gb.cite()),
    )
    return _spot(line, ctx, "fargate.spot.max-discount") if provider == "FARGATE_SPOT" else line


def _ec2_tasks(ctx: _Context, r: Resource) -> tuple[int, int]:
    """Total (cpu units, MiB) of the EC2 tasks at their desired counts in ``r``'s region."""
    cpu = memory = 0
    for service in ctx.resources.values():
        if service.get("type") != "aws:ecs/service:Service" or service.get("region") != r.get("region"):
            continue
        task = _task_definition(ctx, service)
        t = (task or {}).get("inputs") or {}
        if "EC2" in (t.get("requiresCompatibilities") or []):
            count = int((service.get("inputs") or {}).get("desiredCount") or 0)
            cpu += count * int(t.get("cpu") or 0)
            memory += count * int(t.get("memory") or 0)
    return cpu, memory


def price_auto_scaling_group(ctx: _Context, r: Resource) -> list[CostLine]:
    """ECS EC2 capacity: the desired count, or (managed scaling from 0) enough instances for the tasks."""
    inputs = r.get("inputs") or {}
    policy = inputs.get("mixedInstancesPolicy") or {}
    types = [str(o.get("instanceType")) for o in (policy.get("launchTemplate") or {}).get("overrides") or []]
    count = int(inputs.get("desiredCapacity") or inputs.get("minSize") or 0)
    note = f"desired {count}, max {inputs.get('maxSize', '?')}"
    if count == 0 and types and types[0] in INSTANCE_SIZES:
        vcpus, mib = INSTANCE_SIZES[types[0]]
        cpu, memory = _ec2_tasks(ctx, r)
        count = max(math.ceil(cpu / (vcpus * 1024)), math.ceil(memory / mib))
        note = f"sized from the EC2 tasks ({cpu} CPU units, {memory} MiB) at their desired counts: a bin-packing lower bound"
    distribution = policy.get("instancesDistribution") or {}
    spot = int(distribution.get("onDemandPercentageAboveBaseCapacity", 100)) == 0
    line = _instance_hours(ctx, r, types or ["?"], count, "SPOT" if spot else "ON_DEMAND")
    lines = [replace(line, estimated=True, note=_join(line.note, note))]
    return lines + _root_volumes(ctx, r, count, _template_volume(ctx, r))


def price_kms_key(ctx: _Context, r: Resource) -> list[CostLine]:
    """A customer managed key: a monthly fee, requests per unit."""
    return [ctx.monthly(r, "KMS key", "kms.key", 1, per="month"), ctx.usage(r, "KMS requests", "kms.requests")]


def price_efs(ctx: _Context, r: Resource) -> list[CostLine]:
    """EFS has no minimum: storage (and elastic throughput) per unit only."""
    return [ctx.usage(r, "EFS storage", "efs.standard", note="no minimum size or charge")]


def price_ontap(ctx: _Context, r: Resource) -> list[CostLine]:
    """FSx for ONTAP: its provisioned SSD storage and throughput capacity (both have minimums)."""
    inputs = r.get("inputs") or {}
    storage, throughput = int(inputs.get("storageCapacity") or 1024), int(inputs.get("throughputCapacity") or 128)
    return [
        ctx.monthly(r, f"FSx ONTAP SSD {storage} GiB", "fsx.ontap.ssd.single-az", storage, per="month"),
        ctx.monthly(
            r, f"FSx ONTAP throughput {throughput} MBps", "fsx.ontap.throughput.single-az", throughput, per="month"
        ),
    ]


def price_lustre(ctx: _Context, r: Resource) -> list[CostLine]:
    """FSx for Lustre file system: its provisioned storage."""
    size = int((r.get("inputs") or {}).get("storageCapacity") or LUSTRE_MIN_GIB)
    return [ctx.monthly(r, f"FSx Lustre {size} GiB", "fsx.lustre.persistent2-125", size, per="month")]


def price_log_group(ctx: _Context, r: Resource) -> list[CostLine]:
    """Log ingestion and storage per unit, with the retention that bounds the storage."""
    days = (r.get("inputs") or {}).get("retentionInDays")
    retention = f"kept {days} days" if days else "kept forever (no retention set)"
    return [
        ctx.usage(r, "log ingestion", "logs.ingest", note=retention),
        ctx.usage(r, "log storage", "logs.storage", note=retention),
    ]


def price_repository(ctx: _Context, r: Resource) -> list[CostLine]:
    """Image storage per unit."""
    return [ctx.usage(r, "ECR image storage", "ecr.storage")]


def price_scanning(ctx: _Context, r: Resource) -> list[CostLine]:
    """Enhanced scanning (Amazon Inspector) per image; basic scanning is free."""
    if (r.get("inputs") or {}).get("scanType") != "ENHANCED":
        return []
    return [ctx.usage(r, "enhanced scanning (Inspector)", "inspector.ecr.initial-scan")]


def price_lambda(ctx: _Context, r: Resource) -> list[CostLine]:
    """Requests per unit (the manifest applier runs a few times per deploy)."""
    return [ctx.usage(r, "Lambda requests", "lambda.requests")]


def price_role(ctx: _Context, r: Resource) -> list[CostLine]:
    """IAM: no charge."""
    return [ctx.free(r, "IAM role", "iam")]


def price_fargate_profile(ctx: _Context, r: Resource) -> list[CostLine]:
    """EKS pods on Fargate: per vCPU-hour (and GB-hour) of the pods the profile selects."""
    return [ctx.usage(r, "EKS Fargate pods (vCPU-hour; GB-hour too)", "fargate.x86.vcpu", note="no pods in the plan")]


def price_invocation(ctx: _Context, r: Resource) -> list[CostLine]:
    """StorageClasses the applier creates: an FSx for Lustre claim creates a file system of at least 1,200 GiB."""
    lines = []
    for sc in storage_classes(r):
        if sc.get("provisioner") == "fsx.csi.aws.com":
            row = ctx.row("fsx.lustre.persistent2-125", str(r.get("region", "")))
            floor = f"at least ${row.usd * LUSTRE_MIN_GIB:,.2f}/month per claim" if row else ""
            name = (sc.get("metadata") or {}).get("name")
            lines.append(
                ctx.usage(r, f"StorageClass {name}: FSx Lustre per claim", "fsx.lustre.persistent2-125", note=floor)
            )
    return lines


def storage_classes(r: Resource) -> list[dict[str, Any]]:
    """The StorageClass objects a ``aws:lambda/invocation:Invocation`` of the applier carries."""
    try:
        payload = json.loads(str((r.get("inputs") or {}).get("input") or "{}"))
    except ValueError:
        return []
    objects = payload.get("objects") if isinstance(payload, dict) else None
    return [o for o in objects or [] if isinstance(o, dict) and o.get("kind") == "StorageClass"]


PRICERS: Final[dict[str, Callable[[_Context, Resource], list[CostLine]]]] = {
    "eks:index:Cluster": price_eks_cluster,
    "eks:index:ManagedNodeGroup": price_managed_node_group,
    "eks:index:NodeGroupV2": price_node_group_v2,
    "awsx:ec2:Vpc": price_vpc,
    "aws:ec2/vpcEndpoint:VpcEndpoint": price_vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": price_load_balancer,
    "aws:ecs/service:Service": price_ecs_service,
    "aws:autoscaling/group:Group": price_auto_scaling_group,
    "aws:kms/key:Key": price_kms_key,
    "aws:efs/fileSystem:FileSystem": price_efs,
    "aws:fsx/ontapFileSystem:OntapFileSystem": price_ontap,
    "aws:fsx/lustreFileSystem:LustreFileSystem": price_lustre,
    "aws:cloudwatch/logGroup:LogGroup": price_log_group,
    "aws:ecr/repository:Repository": price_repository,
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": price_scanning,
    "aws:lambda/function:Function": price_lambda,
    "aws:iam/role:Role": price_role,
    "aws:eks/fargateProfile:FargateProfile": price_fargate_profile,
    "aws:lambda/invocation:Invocation": price_invocation,
}
"""Resource type -> the function that prices it. Types not listed cost nothing by themselves
(security groups, launch templates, listeners, target groups, policies, ECS clusters)."""


def top_components(resources: Iterable[Resource]) -> dict[str, str]:
    """URN -> name of its top-level ancestor (its own name when its parent is the stack)."""
    by_urn = {str(r["urn"]): r for r in resources}
    result: dict[str, str] = {}
    for urn, resource in by_urn.items():
        top = resource
        for _ in range(len(by_urn)):  # bounded: a malformed plan with a parent cycle still ends
            parent = by_urn.get(str(top.get("parent", "")))
            if parent is None:
                break
            top = parent
        result[urn] = str(top.get("name", urn.rsplit("::", 1)[-1]))
    return result


def estimate(plan: Mapping[str, Any], table: PriceTable | None = None) -> Estimate:
    """Every cost line of a plan (``Plan.to_json()``), priced with ``table`` (default: prices.json)."""
    resources = {str(r["urn"]): r for r in plan.get("resources") or []}
    ctx = _Context(table=table or load(), resources=resources, components=top_components(resources.values()))
    lines: list[CostLine] = []
    for urn in sorted(resources):
        pricer = PRICERS.get(str(resources[urn].get("type")))
        if pricer is not None:
            lines += pricer(ctx, resources[urn])
    return Estimate(lines=tuple(lines))


def money(value: float) -> str:
    """``$1,234.56``."""
    return f"${value:,.2f}"


def money_range(low: float, high: float) -> str:
    """``$12.00`` or ``$3.60-$12.00`` (a Spot range)."""
    return money(high) if math.isclose(low, high) else f"{money(low)}-{money(high)}"


def to_json(est: Estimate) -> dict[str, Any]:
    """The ``insights.cost`` object of the plan JSON (docs/insights.md)."""
    low, high = est.total()
    return {
        "currency": "USD",
        "period": "month",
        "total": {"low": low, "high": high},
        "byRegion": {k: _pair(v) for k, v in est.by("region").items()},
        "byComponent": {k: _pair(v) for k, v in est.by("component").items()},
        "byResource": {k: _pair(v) for k, v in est.by("urn").items()},
        "lines": [_line_json(line) for line in est.lines],
    }


def _pair(value: tuple[float, float]) -> dict[str, float]:
    return {"low": value[0], "high": value[1]}


def _line_json(line: CostLine) -> dict[str, Any]:
    """One line with camelCase keys, as the rest of the plan JSON."""
    values = asdict(line)
    return {re.sub(r"_(\w)", lambda m: m.group(1).upper(), k): v for k, v in values.items()} | {
        "prices": list(line.prices)
    }
