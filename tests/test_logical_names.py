"""Logical names are a public contract: renaming one makes Pulumi delete and re-create the resource.

``tests/logical_names/<stack>.txt`` lists every ``<type> <name>`` the committed stack registers. A
change that renames, adds or removes a resource fails here until the list is refreshed with
``make names``; a rename of a released resource must also add ``aliases`` (STYLE.md).
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import pytest

from offline_plan.recorder import run_stack

NAMES = Path(__file__).parent / "logical_names"


def logical_names(plan: Any) -> list[str]:
    return sorted(f"{r.type} {r.name}" for r in plan.resources)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_logical_names_are_the_committed_ones(stack: str, committed_plans: dict[str, Any]) -> None:
    expected = (NAMES / f"{stack}.txt").read_text().splitlines()
    actual = logical_names(committed_plans[stack])
    diff = "\n".join(difflib.unified_diff(expected, actual, "committed", "plan", lineterm=""))
    assert actual == expected, f"logical names changed (run `make names` if intended; renames need aliases):\n{diff}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_two_resources_of_a_stack_share_a_logical_name(stack: str, committed_plans: dict[str, Any]) -> None:
    """Pulumi only needs type + name to be unique; people reading a plan or a console need the name alone."""
    names = [r.name for r in committed_plans[stack].resources]
    assert sorted({n for n in names if names.count(n) > 1}) == []


if __name__ == "__main__":  # make names
    for stack in sys.argv[1:] or ["dev", "prod"]:
        (NAMES / f"{stack}.txt").write_text("\n".join(logical_names(run_stack(stack))) + "\n")
