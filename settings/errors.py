"""Turn pydantic validation errors into ``Problem``s with readable paths and allowed values."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from settings.checks import Problem
from settings.models import PATTERN_HELP


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated/Optional so only the interesting type is left."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if (info.alias or name) == key:
            return info.annotation
    return None


def _walk(root: Any, loc: tuple[int | str, ...]) -> tuple[str, Any]:
    """Follow ``loc`` through the type tree; return the display path and the type at its end."""
    path = ""
    current = _unwrap(root)
    for item in loc:
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            path += f".{item}"
            current = _unwrap(_field_by_alias(current, str(item)))
        elif origin in (tuple, list):
            path += f"[{item}]"
            current = _unwrap(typing.get_args(current)[0])
        elif origin is dict:
            if item == "[key]":
                continue
            path += f".{item}"
            current = _unwrap(typing.get_args(current)[1])
        elif origin in (typing.Union, types.UnionType):
            # pydantic puts the discriminator's value (e.g. 'managed') into the location.
            for member in typing.get_args(current):
                member = _unwrap(member)
                kind = getattr(member, "model_fields", {}).get("kind")
                if kind is not None and item in typing.get_args(kind.annotation):
                    current = member
                    break
        else:
            path += f".{item}"
            current = None
    return path, current


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _squash(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


def closest_key(key: str, allowed: Iterable[str]) -> str | None:
    """The allowed key ``key`` was most likely meant to be, or None when none is close.

    Case, ``_`` and ``-`` are ignored first, so ``desired_count`` and ``DesiredCount`` find
    ``desiredCount``; then difflib's similarity catches typos such as ``desiredCont``.
    """
    by_squashed = {_squash(a): a for a in allowed}
    if _squash(key) in by_squashed:
        return by_squashed[_squash(key)]
    matches = difflib.get_close_matches(_squash(key), list(by_squashed), n=1, cutoff=0.75)
    return by_squashed[matches[0]] if matches else None


def unknown_key_message(key: str, allowed: Sequence[str]) -> str:
    """``unknown key; did you mean `x`? expected one of ...``: the suggestion first, then every choice."""
    guess = closest_key(key, allowed)
    hint = f"did you mean `{guess}`? " if guess is not None else ""
    return f"unknown key; {hint}expected one of {', '.join(allowed)}"


def _type_hint(error: Any) -> str:
    """Why YAML turned a value into the wrong type, when that is the likely cause."""
    given = error.get("input")
    if error["type"] == "string_type" and isinstance(given, bool | int | float):
        return "; YAML read it as a " + ("boolean" if isinstance(given, bool) else "number") + ": quote it"
    return ""


def problems_from_validation_error(err: ValidationError, section: str, root: Any) -> list[Problem]:
    """One ``Problem`` per pydantic error, e.g. ``ecs.services[1].memory: Input should be ...``."""
    problems = []
    errors = err.errors(include_url=False)
    failed = [tuple(e["loc"]) for e in errors]
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(f[: len(loc)] == loc and f != loc for f in failed):
            # pydantic also reports a list as too short when its items failed; noise.
            continue
        if error["type"] == "extra_forbidden":
            parent_path, parent = _walk(root, loc[:-1])
            allowed = _keys(parent) if isinstance(parent, type) and issubclass(parent, BaseModel) else ["?"]
            problems.append(Problem(f"{section}{parent_path}.{loc[-1]}", unknown_key_message(str(loc[-1]), allowed)))
            continue
        path, _ = _walk(root, loc)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path += ".kind"
        message = error["msg"].removeprefix("Value error, ") + _type_hint(error)
        if error["type"] == "missing":
            message = "required key is missing"
        elif error["type"] == "string_pattern_mismatch":
            pattern = (error.get("ctx") or {}).get("pattern", "")
            message = f"expected {PATTERN_HELP.get(pattern, 'a value matching ' + pattern)}"
        if "input" in error and error["type"] != "missing":
            shown = repr(error["input"])
            message = f"{message} (got {shown if len(shown) <= 80 else shown[:77] + '...'})"
        problems.append(Problem(f"{section}{path}", message))
    return problems


_SEGMENT = re.compile(r"\.?[^.\[\]]+|\[\d+\]")
_LABEL = re.compile(r"^(?!\d+$)[A-Za-z0-9_.:/-]+$")


def _item_label(items: Sequence[Any], index: int) -> str:
    """The item's ``name`` when it has one that tells it apart from its siblings, else its index."""
    name = items[index].get("name") if isinstance(items[index], Mapping) else None
    names = [item.get("name") for item in items if isinstance(item, Mapping)]
    # A duplicate, missing or odd name would point at the wrong item or at none: keep the index.
    if isinstance(name, str) and _LABEL.match(name) and names.count(name) == 1:
        return name
    return str(index)


def name_items(path: str, values: Mapping[str, Any]) -> str:
    """``ecs.services[0].cpu`` as ``ecs.services[web].cpu``: list items named by their ``name``.

    ``values`` are the raw sections (``{"ecs": {...}}``) the path points into. Items without a
    usable name keep their index, and a path that does not follow ``values`` stays as it is.
    """
    segments = _SEGMENT.findall(path)
    if "".join(segments) != path:
        return path
    current: Any = values
    out: list[str] = []
    for segment in segments:
        if not segment.startswith("["):
            current = current.get(segment.lstrip(".")) if isinstance(current, Mapping) else None
            out.append(segment)
            continue
        index = int(segment[1:-1])
        if isinstance(current, list) and index < len(current):
            out.append(f"[{_item_label(current, index)}]")
            current = current[index]
        else:
            out.append(segment)
            current = None
    return "".join(out)


def with_named_items(problems: Iterable[Problem], values: Mapping[str, Any]) -> list[Problem]:
    """``problems`` with every path's list items named (see ``name_items``)."""
    return [Problem(name_items(p.path, values), p.message) for p in problems]
