"""STYLE.md: functions stay short. ruff enforces complexity and statement counts; this counts lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# deployment/ is a Pulumi project of its own but held to the same style; its tests are not (as tests/ is not).
SCOPE = ("components", "settings", "offline_plan", "policy/guardrails", "tools", "deployment")
SKIPPED_DIRS = frozenset({"tests", "venv", ".venv"})
"""Directories under a scope that are not program code: tests and virtualenvs."""
MAX_LINES = 60


def program_files(directory: str) -> list[Path]:
    """The Python files of ``directory``, without those under tests or a virtualenv."""
    return [
        path
        for path in sorted((ROOT / directory).rglob("*.py"))
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT / directory).parts[:-1])
    ]


def long_functions(directory: str) -> list[str]:
    found = []
    for path in program_files(directory):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


@pytest.mark.parametrize("directory", SCOPE)
def test_no_function_is_longer_than_sixty_lines(directory: str) -> None:
    assert long_functions(directory) == [], "split into builders that return what they build (STYLE.md)"


@pytest.mark.parametrize("directory", SCOPE)
def test_the_scope_reaches_program_code(directory: str) -> None:
    # A renamed or mistyped directory would make the length test pass on nothing.
    assert program_files(directory), f"{directory}: no Python files to check"


def test_deployment_components_and_program_are_checked() -> None:
    # deployment/ is a separate Pulumi project; its components, settings and __main__.py all count.
    checked = {path.relative_to(ROOT).as_posix() for path in program_files("deployment")}
    assert {
        "deployment/__main__.py",
        "deployment/deploy_components/stack_deployment.py",
        "deployment/deploy_settings/__init__.py",
    } <= checked
    assert not any("/tests/" in path for path in checked)
