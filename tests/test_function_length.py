"""STYLE.md: functions stay short. ruff enforces complexity and statement counts; this counts lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCOPE = ("components", "settings", "offline_plan", "policy/guardrails", "tools")
MAX_LINES = 60


def long_functions(directory: str) -> list[str]:
    found = []
    for path in sorted((ROOT / directory).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


@pytest.mark.parametrize("directory", SCOPE)
def test_no_function_is_longer_than_sixty_lines(directory: str) -> None:
    assert long_functions(directory) == [], "split into builders that return what they build (STYLE.md)"
