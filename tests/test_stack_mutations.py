"""Every value of both committed stack files, broken on purpose, gives a settings error naming it.

This walks the real stack files, so a key added to them later is covered without a new test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_plan.recorder import stack_config
from settings import ConfigError
from tests.conftest import STACKS, parse_config, set_path

FREE_TEXT = ("description", "aboutText", "usageText", "LOG_LEVEL", "command[1]")
"""String leaves where any text is valid: they get only the wrong-type mutation."""


def item(items: list[Any], i: int) -> str:
    """How error paths name list item ``i``: by its ``name`` when that is unique, else by index."""
    names = [x.get("name") for x in items if isinstance(x, dict)]
    name = items[i].get("name") if isinstance(items[i], dict) else None
    return name if isinstance(name, str) and names.count(name) == 1 else str(i)


def leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, value) of every scalar and empty list below ``value``, items named as errors name them."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, f"{path}.{key}")
    elif isinstance(value, list) and value:
        for i, child in enumerate(value):
            for leaf_path, leaf in leaves(child, f"{path}[{item(value, i)}]"):
                # Breaking an item's own name leaves only its index to name it by.
                if leaf_path == f"{path}[{item(value, i)}].name":
                    leaf_path = f"{path}[{i}].name"
                yield leaf_path, leaf
    else:
        yield path, value


def objects(value: Any, path: str) -> Iterator[str]:
    """Paths of every mapping below ``value`` (including itself)."""
    if isinstance(value, dict):
        yield path
        for key, child in value.items():
            yield from objects(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from objects(child, f"{path}[{item(value, i)}]")


def section_leaves(stack: str) -> list[tuple[str, str, Any]]:
    rows = []
    for key, value in stack_config(stack).items():
        if key.startswith("container-platform:"):
            rows += [(stack, p, v) for p, v in leaves(value, key.removeprefix("container-platform:"))]
    return rows


def section_objects(stack: str) -> list[tuple[str, str]]:
    rows = []
    for key, value in stack_config(stack).items():
        if key.startswith("container-platform:"):
            rows += [(stack, p) for p in objects(value, key.removeprefix("container-platform:"))]
    return rows


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return "many"
    if isinstance(value, str):
        return 12345
    return "not-a-list"


LEAVES = [row for stack in STACKS for row in section_leaves(stack)]
OBJECTS = [row for stack in STACKS for row in section_objects(stack)]


def problems_for(stack: str, path: str, value: Any) -> list[str]:
    config = set_path(stack_config(stack), path, value)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    return [p.path for p in caught.value.problems]


@pytest.mark.parametrize(("stack", "path", "value"), LEAVES, ids=[f"{s}:{p}" for s, p, _ in LEAVES])
def test_wrong_type_names_the_key(stack: str, path: str, value: Any) -> None:
    assert path in problems_for(stack, path, wrong_type(value))


@pytest.mark.parametrize(
    ("stack", "path", "value"),
    [r for r in LEAVES if isinstance(r[2], str) and not r[1].endswith(FREE_TEXT)],
    ids=[f"{s}:{p}" for s, p, v in LEAVES if isinstance(v, str) and not p.endswith(FREE_TEXT)],
)
def test_unknown_value_names_the_key(stack: str, path: str, value: Any) -> None:
    assert path in problems_for(stack, path, "#no-such-value#")


@pytest.mark.parametrize(
    ("stack", "path", "value"),
    [r for r in LEAVES if isinstance(r[2], int) and not isinstance(r[2], bool)],
    ids=[f"{s}:{p}" for s, p, v in LEAVES if isinstance(v, int) and not isinstance(v, bool)],
)
def test_out_of_range_number_names_the_key_or_its_object(stack: str, path: str, value: Any) -> None:
    parent = path.rsplit(".", 1)[0]
    # Step bounds are judged together, so the error may name the steps list instead of the bound.
    accepted = {path, parent, parent.rsplit("[", 1)[0]}
    assert accepted & set(problems_for(stack, path, -(10**6)))


@pytest.mark.parametrize(("stack", "path"), OBJECTS, ids=[f"{s}:{p}" for s, p in OBJECTS])
def test_unknown_key_names_the_key(stack: str, path: str) -> None:
    # An int is wrong for every map too (free-form maps hold strings), so this always fails.
    assert f"{path}.unknownKey" in problems_for(stack, f"{path}.unknownKey", 1)


def test_the_walk_covers_both_stacks() -> None:
    assert len(LEAVES) > 150
    assert {s for s, _, _ in LEAVES} == set(STACKS)
