"""Plan insights: monthly cost, deploy time and an architecture diagram, from a recorded plan.

``build(plan)`` returns the ``insights`` object that ``make plan`` adds to ``build/plan-<stack>.json``;
``summary_lines`` is what it prints; ``report`` is the head of ``make diff`` (cost delta, the deploy
time of the change, the diagram with added and removed components highlighted). Every function is
pure: plan JSON in, values out. Fields are documented in docs/insights.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from offline_plan.insights import cost, diagram, timing

DEFAULT_WARN_USD: Final = 100.0
"""``insights.costIncreaseWarnUsd`` when a plan does not carry one (the settings default too)."""


def build(plan: Mapping[str, Any], warn_usd: float = DEFAULT_WARN_USD) -> dict[str, Any]:
    """The ``insights`` object of a plan: cost, deployTime, diagram and the warning threshold."""
    graph = diagram.graph(plan)
    return {
        "costIncreaseWarnUsd": warn_usd,
        "cost": cost.to_json(cost.estimate(plan)),
        "deployTime": timing.to_json(timing.first_up(plan)),
        "diagram": {"mermaid": diagram.render(graph), **diagram.summary(graph)},
    }


def summary_lines(plan: Mapping[str, Any]) -> list[str]:
    """What ``make plan`` prints: totals per stack, region and component, the top five lines, the critical path."""
    est = cost.estimate(plan)
    up = timing.first_up(plan)
    lines = [f"Monthly estimate (list prices, fixed items only): {cost.money_range(*est.total())}"]
    lines += [f"  {region}: {cost.money_range(*v)}" for region, v in est.by("region").items()]
    lines.append("  by component:")
    lines += [f"    {name}: {cost.money_range(*v)}" for name, v in est.by("component").items()]
    lines.append("  top five:")
    lines += [f"    {cost.money_range(line.low, line.high)}  {line.component}: {line.item}" for line in est.top(5)]
    usage = sum(1 for line in est.lines if line.kind == "usage")
    unpriced = [line for line in est.lines if line.kind == "unpriced"]
    lines.append(f"  + {usage} usage-priced lines (per unit, not in the total); {len(unpriced)} without a price row")
    lines += [f"  ! no price: {line.name} {line.item} ({line.note})" for line in unpriced]
    unverified = [line for line in est.fixed() if any("not verified" in p for p in line.prices)]
    if unverified:
        lines.append(f"  {len(unverified)} fixed lines use a price row marked 'not verified' (docs/insights.md)")
    lines.append(f"Deploy time of a first `pulumi up` (estimate): {timing.minutes(up.seconds)}")
    lines += [f"  {region}: {timing.minutes(s)}" for region, s in sorted(up.by_region.items())]
    lines.append(f"  critical path: {timing.render_path(up.path)}")
    return lines


def markdown(plan: Mapping[str, Any]) -> str:
    """``build/plan-<stack>.md``: the estimate, the deploy time and the diagram."""
    title = f"# Offline plan: {plan.get('project', '')}/{plan.get('stack', '')}\n\n"
    body = "\n".join(summary_lines(plan))
    return f"{title}```text\n{body}\n```\n\n{diagram.fenced(diagram.render(diagram.graph(plan)))}"
