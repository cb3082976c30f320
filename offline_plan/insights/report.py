"""The head of ``make diff`` and of the pull-request comment: cost delta, deploy time of the change, diagram.

``render(base, head, changes)`` takes the two plans and the diff's ``(kind, urn)`` pairs (HEAD's URN
for add, replace and update; BASE's for remove) and returns Markdown that starts with the monthly
delta (``+$123.45/month``). A delta above ``insights.costIncreaseWarnUsd`` (read from HEAD's plan,
else BASE's, else 100) becomes a warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from offline_plan.insights import DEFAULT_WARN_USD, cost, diagram, timing

MAX_ROWS: Final = 25
"""Resources listed in the cost-delta table, largest change first (a new stack changes many)."""


@dataclass(frozen=True)
class ResourceDelta:
    """One resource whose fixed monthly cost differs between the plans."""

    urn: str
    name: str
    type: str
    region: str
    low: float
    high: float
    items: tuple[str, ...]
    """HEAD's priced items (BASE's for a removed resource)."""
    estimated: bool


def signed(value: float) -> str:
    """``+$123.45`` or ``-$3.60``."""
    return ("-" if value < 0 else "+") + cost.money(abs(value))


def delta_text(low: float, high: float) -> str:
    """``+$123.45/month``, or ``+$3.60 to +$12.00/month`` for a Spot range."""
    if round(low, 2) == round(high, 2):
        return f"{signed(high)}/month"
    return f"{signed(low)} to {signed(high)}/month"


def resource_deltas(base: cost.Estimate, head: cost.Estimate) -> list[ResourceDelta]:
    """Per resource, the change of its fixed lines, largest first."""
    lines: dict[str, dict[str, list[cost.CostLine]]] = defaultdict(lambda: {"base": [], "head": []})
    for side, est in (("base", base), ("head", head)):
        for line in est.fixed():
            lines[line.urn][side].append(line)
    deltas = []
    for urn, sides in lines.items():
        (bl, bh), (hl, hh) = cost._sum(sides["base"]), cost._sum(sides["head"])
        if round(hl - bl, 2) or round(hh - bh, 2):
            shown = sides["head"] or sides["base"]
            first = shown[0]
            items = tuple(line.item for line in shown)
            estimated = any(line.estimated for line in shown)
            deltas.append(
                ResourceDelta(
                    urn, first.name, first.type, first.region, round(hl - bl, 2), round(hh - bh, 2), items, estimated
                )
            )
    return sorted(deltas, key=lambda d: (-abs(d.high), d.urn))


def warn_threshold(base: Mapping[str, Any], head: Mapping[str, Any]) -> float:
    """``insights.costIncreaseWarnUsd`` of HEAD's plan, else of BASE's, else the default."""
    for plan in (head, base):
        value = (plan.get("insights") or {}).get("costIncreaseWarnUsd")
        if isinstance(value, int | float):
            return float(value)
    return DEFAULT_WARN_USD


def _cost_section(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[str]:
    before, after = cost.estimate(base), cost.estimate(head)
    (bl, bh), (hl, hh) = before.total(), after.total()
    stack = str(head.get("stack") or base.get("stack") or "")
    lines = [
        f"**{stack + ': ' if stack else ''}monthly estimate {delta_text(hl - bl, hh - bh)}** "
        f"({cost.money_range(bl, bh)} → {cost.money_range(hl, hh)}; list prices, fixed items only)",
        "",
    ]
    threshold = warn_threshold(base, head)
    if hh - bh > threshold:
        lines += [
            "> [!WARNING]",
            f"> This change raises the monthly estimate by {signed(hh - bh)}, more than "
            f"`insights.costIncreaseWarnUsd` ({cost.money(threshold)}).",
            "",
        ]
    deltas = resource_deltas(before, after)
    if deltas:
        lines += ["| per month | resource | type | region | priced items |", "|---:|---|---|---|---|"]
        lines += [_delta_row(d) for d in deltas[:MAX_ROWS]]
        if len(deltas) > MAX_ROWS:
            lines.append(f"| | … and {len(deltas) - MAX_ROWS} more resources | | | |")
        lines.append("")
    return lines


def _delta_row(d: ResourceDelta) -> str:
    mark = " (estimated from component inputs)" if d.estimated else ""
    amount = delta_text(d.low, d.high).removesuffix("/month")
    return f"| {amount} | `{d.name}` | `{d.type}` | {d.region} | {'; '.join(d.items)}{mark} |"


def _time_section(base: Mapping[str, Any], head: Mapping[str, Any], changes: Iterable[tuple[str, str]]) -> list[str]:
    pairs = list(changes)
    kinds = {urn: kind for kind, urn in pairs if kind != "remove"}
    gone = {urn for kind, urn in pairs if kind == "remove"}
    removed = [r for r in base.get("resources") or [] if str(r.get("urn")) in gone]
    run, deletes = timing.change(head, kinds, removed)
    total = run.seconds + deletes
    lines = [f"**Deploy time of this change (estimate): {timing.minutes(total)}**"]
    if deletes:
        lines[0] += f" ({timing.minutes(run.seconds)} creates and updates, then {timing.minutes(deletes)} deletions)"
    if run.path:
        lines.append(f"waits on: {timing.render_path(run.path)}")
    return [*lines, ""]


def _diagram_section(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[str]:
    merged, added, removed = diagram.merge(diagram.graph(base), diagram.graph(head))
    legend = "green: added, red dashed: removed" if added or removed else "no component added or removed"
    return [
        "<details><summary>Architecture (" + legend + ")</summary>",
        "",
        diagram.fenced(diagram.render(merged, added, removed)),
        "</details>",
        "",
    ]


def render(base: Mapping[str, Any], head: Mapping[str, Any], changes: Iterable[tuple[str, str]]) -> str:
    """Markdown: the cost delta first, then the deploy time of the change, then the diagram."""
    lines = _cost_section(base, head) + _time_section(base, head, changes) + _diagram_section(base, head)
    return "\n".join(lines)
