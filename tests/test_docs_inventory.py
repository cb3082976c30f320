"""The generated parts of the docs match what they are generated from (``make docs`` refreshes them).

- docs/architecture.md, block ``inventory``: components and resources per type, per stack, from
  the offline plans of dev and prod;
- docs/security.md, block ``guardrail-rules``: every policy of the pack with its scope, level and
  Security Hub controls.
"""

from __future__ import annotations

from typing import Any

import pytest

from tools.config_docs.blocks import read_block, replace_block
from tools.doc_tables import (
    INVENTORY_BLOCK,
    INVENTORY_PAGE,
    RULES_BLOCK,
    RULES_PAGE,
    inventory,
    rule_table,
)

STALE = "is stale: run `make docs` and commit the result"


def test_the_inventory_matches_the_plans_of_dev_and_prod(committed_plans: dict[str, Any]) -> None:
    plans = {stack: plan.to_json() for stack, plan in committed_plans.items()}
    assert read_block(INVENTORY_PAGE.read_text(), INVENTORY_BLOCK) == inventory(plans), f"the inventory {STALE}"


def test_the_rule_table_matches_the_policy_pack() -> None:
    assert read_block(RULES_PAGE.read_text(), RULES_BLOCK) == rule_table(), f"the guardrail rule table {STALE}"


def test_the_rule_table_names_every_rule_and_control() -> None:
    from policy.guardrails.rules import RULES

    table = rule_table()
    for rule in RULES:
        assert f"`{rule.id}`" in table
        assert all(f"`{control}`" in table for control in rule.controls), rule.id


def test_the_inventory_changes_when_a_plan_does(committed_plans: dict[str, Any]) -> None:
    plans = {stack: plan.to_json() for stack, plan in committed_plans.items()}
    plans["dev"]["resources"] = plans["dev"]["resources"][1:]
    assert inventory(plans) != read_block(INVENTORY_PAGE.read_text(), INVENTORY_BLOCK)


def test_replace_block_keeps_everything_outside_the_markers() -> None:
    text = "a\n<!-- BEGIN GENERATED: x -->\nold\n<!-- END GENERATED: x -->\nb\n"
    assert replace_block(text, "x", "new\n") == "a\n<!-- BEGIN GENERATED: x -->\nnew\n<!-- END GENERATED: x -->\nb\n"
    with pytest.raises(ValueError, match="no <!-- BEGIN GENERATED: y -->"):
        replace_block(text, "y", "")
