"""Generated parts of the docs: the resource inventory per stack and the guardrail rule table.

``make docs`` runs ``python -m tools.doc_tables`` after ``make plan STACK=dev`` and ``STACK=prod``.
It rewrites the text between ``<!-- BEGIN GENERATED: <name> -->`` and ``<!-- END GENERATED: <name> -->``
in the pages below and nothing else; ``tests/test_docs_inventory.py`` fails when a block is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tools.config_docs.blocks import read_block, replace_block

ROOT = Path(__file__).resolve().parent.parent
STACKS = ("dev", "prod")
INVENTORY_PAGE = ROOT / "docs" / "architecture.md"
RULES_PAGE = ROOT / "docs" / "security.md"
INVENTORY_BLOCK = "inventory"
RULES_BLOCK = "guardrail-rules"
PROVIDER_PREFIX = "pulumi:providers:"


def _counts(plan: Mapping[str, Any]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Per plan: custom resources by type, components by type, resources by region."""
    resources: Counter[str] = Counter()
    components: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    for r in plan["resources"]:
        if r["custom"] or r["type"].startswith(PROVIDER_PREFIX):
            resources[r["type"]] += 1
        else:
            components[r["type"]] += 1
        regions[r.get("region") or "-"] += 1
    return resources, components, regions


def _table(title: str, counts: Mapping[str, Counter[str]], stacks: Sequence[str]) -> list[str]:
    rows = [f"| {title} | " + " | ".join(stacks) + " |", "|---|" + "---:|" * len(stacks)]
    for key in sorted({k for c in counts.values() for k in c}):
        rows.append(f"| `{key}` | " + " | ".join(str(counts[s].get(key, 0)) for s in stacks) + " |")
    return rows


def inventory(plans: Mapping[str, Mapping[str, Any]]) -> str:
    """Markdown: totals, then components and resources by type, one column per stack."""
    stacks = sorted(plans, key=lambda s: (STACKS.index(s) if s in STACKS else len(STACKS), s))
    per = {s: _counts(plans[s]) for s in stacks}
    totals = ", ".join(f"`{s}` {len(plans[s]['resources'])}" for s in stacks)
    by_region = "; ".join(
        f"`{s}`: " + ", ".join(f"{region} {n}" for region, n in sorted(per[s][2].items())) for s in stacks
    )
    lines = [
        f"Registrations in the offline plans (components included): {totals}. By region: {by_region}.",
        "",
        *_table("Component", {s: per[s][1] for s in stacks}, stacks),
        "",
        *_table("Resource type", {s: per[s][0] for s in stacks}, stacks),
        "",
    ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_table() -> str:
    """Markdown: every policy of the pack in pack order, with the rule's scope and controls."""
    from policy.guardrails.pack import policies
    from policy.guardrails.rules import RULES

    rules = {rule.id: rule for rule in RULES}
    lines = [
        "| # | Policy | Checks | Scope | Level | Security Hub controls |",
        "|---|---|---|---|---|---|",
    ]
    for number, policy in enumerate(policies(), start=1):
        rule = rules.get(policy.name)
        scope = rule.scope if rule else ("stack" if policy.name == "guardrail-exceptions" else "resource")
        controls = ", ".join(f"`{c}`" for c in rule.controls) if rule and rule.controls else "none"
        level = str(getattr(policy.enforcement_level, "value", policy.enforcement_level))
        label = str(number) if rule else "-"
        lines.append(
            f"| {label} | `{policy.name}` | {_cell(policy.description or '')} | {scope} | {level} | {controls} |"
        )
    counted = sum(1 for _ in policies())
    lines += ["", f"{counted} policies: {len(rules)} rules and the two exception policies.", ""]
    return "\n".join(lines)


def load_plans(build: Path, stacks: Sequence[str] = STACKS) -> dict[str, dict[str, Any]]:
    """``build/plan-<stack>.json`` of each stack; a missing one names the command that makes it."""
    plans: dict[str, dict[str, Any]] = {}
    for stack in stacks:
        path = build / f"plan-{stack}.json"
        if not path.exists():
            raise SystemExit(f"{path} is missing: run `make plan STACK={stack}` first")
        plans[stack] = json.loads(path.read_text())
    return plans


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the generated blocks (or, with ``--check``, report the stale ones and exit 1)."""
    parser = argparse.ArgumentParser(description="Regenerate the resource inventory and the guardrail rule table.")
    parser.add_argument("--build", type=Path, default=ROOT / "build", help="where the plan JSON files are")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a block is stale")
    args = parser.parse_args(argv)
    wanted = {
        (INVENTORY_PAGE, INVENTORY_BLOCK): inventory(load_plans(args.build)),
        (RULES_PAGE, RULES_BLOCK): rule_table(),
    }
    stale = []
    for (page, name), content in wanted.items():
        text = page.read_text()
        if read_block(text, name) == content:
            continue
        stale.append(f"{page.relative_to(ROOT)} ({name})")
        if not args.check:
            page.write_text(replace_block(text, name, content))
    verb = "stale" if args.check else "rewrote"
    print(f"{verb}: {', '.join(stale)}" if stale else "generated blocks are up to date")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
