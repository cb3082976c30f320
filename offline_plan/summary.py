"""Human-readable summary of a recorded plan."""

from __future__ import annotations

from collections import Counter, defaultdict

from offline_plan.recorder import Plan
from settings import Settings

BUILT_SECTIONS = frozenset({"network", "registry", "ecs", "eks"})
"""Config sections whose components exist; the others are validated but build nothing yet."""


def _tree(plan: Plan) -> list[str]:
    """Components (ours and remote ones) as an indented tree with their resource counts."""
    children: dict[str, list[str]] = defaultdict(list)
    for r in plan.resources:
        children[r.parent].append(r.urn)
    by_urn = {r.urn: r for r in plan.resources}

    def count(urn: str) -> int:
        return sum(1 + count(c) for c in children.get(urn, []))

    lines: list[str] = []

    def walk(urn: str, depth: int) -> None:
        r = by_urn[urn]
        if r.custom and not r.type.startswith("pulumi:providers:"):
            return
        below = count(urn)
        suffix = (
            f" ({below} resources)"
            if below
            else (" (remote component: its children are created at deploy time)" if not r.custom else "")
        )
        lines.append(f"{'  ' * depth}- {r.name} [{r.type}] {r.region}{suffix}")
        for child in children.get(urn, []):
            walk(child, depth + 1)

    stack_urn_tail = f"pulumi:pulumi:Stack::{plan.project}-{plan.stack}"
    top = [r for r in plan.resources if r.parent.endswith(stack_urn_tail)]
    # Providers first, then components, each in URN order.
    roots = [r.urn for r in sorted(top, key=lambda r: (not r.type.startswith("pulumi:providers:"), r.urn))]
    for urn in roots:
        walk(urn, 1)
    return lines


def _choices(settings: Settings) -> list[str]:
    cfg = settings.config
    net = cfg.network
    lines = [
        f"environment: {cfg.environment}; home region: {settings.home_region}; regions in use: {', '.join(settings.regions)}",
        f"network: {net.az_count} AZs, NAT {net.nat_gateways}, VPC endpoints {'on' if net.vpc_endpoints else 'off'}",
        f"registry: {len(cfg.registry.repositories)} private, {len(cfg.registry.public)} public repositories, "
        f"scanning {cfg.registry.scanning}, {cfg.registry.encryption}, "
        f"replicates to {', '.join(settings.replica_regions) or 'no other region'}",
    ]
    if cfg.ecs is not None:
        ecs = cfg.ecs
        capacity = (
            f"FARGATE (spot weight {ecs.fargate_spot_weight}, on-demand base {ecs.fargate_on_demand_base})"
            if ecs.launch_type == "FARGATE" or ecs.instances is None
            else f"EC2 ({', '.join(ecs.instances.instance_types)}, {ecs.instances.min_size}-{ecs.instances.max_size} instances{', spot' if ecs.instances.spot else ''})"
        )
        lines.append(f"ecs: {capacity}; services: {', '.join(s.name for s in ecs.services) or 'none'}")
    if cfg.eks is not None:
        eks = cfg.eks
        groups = ", ".join(
            f"{g.name} ({'managed ' + g.capacity_type if g.kind == 'managed' else 'self-managed'})"
            for g in eks.node_groups
        )
        storage = ", ".join(k for k, v in eks.storage.model_dump(by_alias=True).items() if v) or "none"
        lines.append(
            f"eks: {eks.version} in {', '.join(eks.regions)}; node groups: {groups}; Fargate profiles: {len(eks.fargate_profiles)}; storage: {storage}"
        )
    return [
        line if line.split(":")[0] in BUILT_SECTIONS | {"environment"} else f"{line}  [validated; not built yet]"
        for line in lines
    ]


def render(plan: Plan, settings: Settings | None) -> str:
    """The text ``make plan`` prints (key choices only for this project's own settings)."""
    out = [f"Offline plan for {plan.project}/{plan.stack}: {len(plan.resources)} resources would be registered", ""]
    if settings is not None:
        out.append("Key choices:")
        out += [f"  {line}" for line in _choices(settings)]
        out.append("")
    out += ["Component tree:"]
    out += _tree(plan)
    counts = Counter((r.region, r.type) for r in plan.resources)
    out += ["", "Resources by region and type:"]
    for region in sorted({region for region, _ in counts}):
        out.append(f"  {region}:")
        for (reg, type_token), n in sorted(counts.items()):
            if reg == region:
                out.append(f"    {n:4d}  {type_token}")
    out += ["", f"Warnings ({len(plan.warnings)}):"]
    out += [f"  ! {w}" for w in plan.warnings] or ["  none"]
    return "\n".join(out)
