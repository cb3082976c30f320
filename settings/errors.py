"""Turn pydantic validation errors into ``Problem``s with readable paths and allowed values."""

from __future__ import annotations

import types
import typing
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


def _allowed_keys(model: type[BaseModel]) -> str:
    return ", ".join(info.alias or name for name, info in model.model_fields.items())


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
            allowed = _allowed_keys(parent) if isinstance(parent, type) and issubclass(parent, BaseModel) else "?"
            problems.append(Problem(f"{section}{parent_path}.{loc[-1]}", f"unknown key; expected one of {allowed}"))
            continue
        path, _ = _walk(root, loc)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path += ".kind"
        message = error["msg"].removeprefix("Value error, ")
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
