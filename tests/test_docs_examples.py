"""Every ```yaml block in README.md and docs/*.md is a stack config the program accepts, or rejects
with exactly the error the page shows.

Convention (an HTML comment on the line before the block; none means ``plan dev``):

- ``<!-- example: plan <stack> -->``: the block is merged into ``Pulumi.<stack>.yaml``'s config and
  planned offline (the real ``__main__.py`` under the recording mocks). Top-level keys are config
  keys (``container-platform:ecs``) or a ``config:`` map of them; maps merge key by key, list
  items with a ``name`` replace the item of that name or are appended, other lists replace.
- ``<!-- example: plan alone -->``: the block is a whole stack file, planned as stack ``dev``.
- ``<!-- example: error <stack> -->``: merged the same way, the plan must fail, and the next
  fenced block on the page must be the error message, line for line.
- ``<!-- example: skip <why> -->``: YAML that is not a stack config (say why).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline_plan import recorder
from offline_plan.recorder import run_stack, stack_config
from settings import ConfigError

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
ANNOTATION = re.compile(r"<!--\s*example:\s*(plan|error|skip)\b\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    kind: str
    stack: str
    body: str
    expected_error: str | None

    def __repr__(self) -> str:
        return f"{self.page}:{self.line}"


def _annotation(text: str, start: int) -> tuple[str, str]:
    before = text[:start].rstrip("\n").rsplit("\n", 1)[-1]
    match = ANNOTATION.search(before)
    if match is None:
        return "plan", "dev"
    kind, arg = match.group(1), match.group(2)
    return kind, (arg or "dev") if kind != "skip" else arg


def examples(pages: list[Path] = PAGES) -> list[Example]:
    """Every yaml block of the pages, with its annotation and, for errors, the block after it."""
    found: list[Example] = []
    for page in pages:
        text = page.read_text()
        blocks = list(FENCE.finditer(text))
        for i, block in enumerate(blocks):
            if block.group(1) not in ("yaml", "yml"):
                continue
            kind, arg = _annotation(text, block.start())
            following = blocks[i + 1].group(2) if kind == "error" and i + 1 < len(blocks) else None
            line = text.count("\n", 0, block.start()) + 1
            name = str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else page.name
            found.append(Example(name, line, kind, arg, block.group(2), following))
    return found


def merge(base: Any, patch: Any) -> Any:
    """``patch`` over ``base``: maps by key, named list items by name, anything else replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and patch and all(_named(p) for p in patch):
        items = [copy.deepcopy(b) for b in base]
        names = [b.get("name") if isinstance(b, dict) else None for b in items]
        for item in patch:
            if item["name"] in names:
                at = names.index(item["name"])
                items[at] = merge(items[at], item)
            else:
                items.append(copy.deepcopy(item))
        return items
    return copy.deepcopy(patch)


def _named(item: Any) -> bool:
    return isinstance(item, dict) and "name" in item


def snippet_of(example: Example) -> dict[str, Any]:
    # The stack files' own loader: like the Pulumi CLI, it keeps an unquoted date as text.
    loader = getattr(recorder, "StackFileLoader", yaml.SafeLoader)
    snippet = yaml.load(example.body, Loader=loader) or {}
    assert isinstance(snippet, dict), f"{example!r}: a stack config example is a map of config keys"
    snippet = snippet.get("config", snippet)
    unknown = [k for k in snippet if ":" not in k]
    assert not unknown, f"{example!r}: top-level keys must be config keys such as container-platform:ecs: {unknown}"
    return dict(snippet)


def config_of(example: Example) -> dict[str, Any]:
    if example.stack == "alone":
        return snippet_of(example)
    return dict(merge(stack_config(example.stack), snippet_of(example)))


ALL = examples()
RUN = [e for e in ALL if e.kind != "skip"]


def test_the_pages_have_examples_and_every_skip_says_why() -> None:
    assert len(RUN) >= 10
    assert all(e.stack for e in ALL if e.kind == "skip"), [e for e in ALL if e.kind == "skip" and not e.stack]


def _plan(example: Example) -> None:
    plan = run_stack("dev" if example.stack == "alone" else example.stack, config_of(example))
    assert plan.resources


@pytest.fixture(scope="module")
def batch_planned() -> dict[str, bool]:
    """Per stack, whether all of its plan examples merged into one config plan offline.

    One plan per stack instead of one per example keeps the suite fast; an example is planned on
    its own only when its stack's batch fails, to say which one broke it.
    """
    planned: dict[str, bool] = {}
    for stack in sorted({e.stack for e in RUN if e.kind == "plan" and e.stack != "alone"}):
        config: dict[str, Any] = stack_config(stack)
        for example in (e for e in RUN if e.kind == "plan" and e.stack == stack):
            config = merge(config, snippet_of(example))
        try:
            planned[stack] = bool(run_stack(stack, config).resources)
        except Exception:  # attributed per example below
            planned[stack] = False
    return planned


@pytest.mark.parametrize("example", [e for e in RUN if e.kind == "plan"], ids=repr)
def test_example_plans_offline(example: Example, batch_planned: dict[str, bool]) -> None:
    if not batch_planned.get(example.stack, False):
        _plan(example)


@pytest.mark.parametrize("example", [e for e in RUN if e.kind == "error"], ids=repr)
def test_error_example_fails_with_the_error_the_page_shows(example: Example) -> None:
    assert example.expected_error is not None, f"{example!r}: an error example is followed by the error block"
    with pytest.raises(ConfigError) as failure:
        run_stack(example.stack, config_of(example))
    shown = [line.strip() for line in example.expected_error.strip().splitlines()]
    shown[0] = shown[0].removeprefix("error: ")
    assert [line.strip() for line in str(failure.value).strip().splitlines()] == shown


def test_merge_replaces_named_items_and_appends_new_ones() -> None:
    base = {"services": [{"name": "a", "cpu": 1, "port": 80}, {"name": "b"}], "x": [1, 2]}
    patch = {"services": [{"name": "a", "cpu": 2}, {"name": "c"}], "x": [3]}
    assert merge(base, patch) == {
        "services": [{"name": "a", "cpu": 2, "port": 80}, {"name": "b"}, {"name": "c"}],
        "x": [3],
    }


def test_an_annotation_is_read_from_the_line_before_the_block(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "<!-- example: error prod -->\n```yaml\na: 1\n```\n\n```text\nboom\n```\n"
        "<!-- example: skip not a stack -->\n```yaml\nb: 2\n```\n```yaml\nc: 3\n```\n"
    )
    found = examples([page])
    assert [(e.kind, e.stack, e.expected_error) for e in found] == [
        ("error", "prod", "boom\n"),
        ("skip", "not a stack", None),
        ("plan", "dev", None),
    ]
