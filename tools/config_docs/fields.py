"""The settings models as tables: one per model, one row per key, in the order the models declare them."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from settings import PROJECT, SECTIONS
from settings.models import PATTERN_HELP, StackConfig


@dataclass(frozen=True)
class Row:
    """One key of a model."""

    key: str
    type: str
    default: str
    allowed: str
    description: str


@dataclass
class Table:
    """One model, under every path it is used at (``stepScaling.scaleOut`` and ``.scaleIn`` share one)."""

    paths: list[str]
    model: type[BaseModel]
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Shape:
    """An annotation taken apart: the bare type, the constraints around it, and whether null is allowed."""

    bare: Any
    metadata: tuple[Any, ...]
    nullable: bool


def shape(annotation: Any, metadata: tuple[Any, ...] = ()) -> Shape:
    """Strip ``Annotated`` and ``Optional`` from ``annotation``, collecting the constraints on the way."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                metadata += tuple(item.metadata) if isinstance(item, FieldInfo) else (item,)
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(members) < len(typing.get_args(annotation))
            if len(members) == 1:
                annotation = members[0]
                continue
        return Shape(annotation, metadata, nullable)


def is_model(annotation: Any) -> bool:
    """Whether ``annotation`` is a settings model class."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def type_name(annotation: Any) -> str:
    """``integer``, ``list of string``, ``map string → string``, ``object``... as a reader says it."""
    bare = shape(annotation).bare
    origin = typing.get_origin(bare)
    if origin is typing.Literal:
        return "integer" if isinstance(typing.get_args(bare)[0], int) else "string"
    if origin is tuple:
        return f"list of {type_name(typing.get_args(bare)[0])}"
    if origin is dict:
        key, value = typing.get_args(bare)
        return f"map {type_name(key)} → {type_name(value)}"
    if is_model(bare) or origin in (typing.Union, types.UnionType):
        return "object"
    names = {str: "string", int: "integer", float: "number", bool: "boolean"}
    return names.get(bare, str(bare))


def _bounds(metadata: tuple[Any, ...]) -> str:
    low = next((f"{m.ge}" for m in metadata if isinstance(m, annotated_types.Ge)), None)
    above = next((f"> {m.gt}" for m in metadata if isinstance(m, annotated_types.Gt)), None)
    high = next((f"{m.le}" for m in metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None and high is not None:
        return f"{low} to {high}"
    parts = [above] if above else ([f"≥ {low}"] if low is not None else [])
    return ", ".join(parts + ([f"≤ {high}"] if high is not None else []))


def _lengths(metadata: tuple[Any, ...], unit: str) -> str:
    low = next((m.min_length for m in metadata if isinstance(m, annotated_types.MinLen)), None)
    high = next((m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen)), None)
    if low is not None and high is not None:
        return f"{low} to {high} {unit}s"
    if high is not None:
        return f"at most {high} {unit}{'s' if high != 1 else ''}"
    return f"at least {low} {unit}{'s' if low != 1 else ''}" if low is not None else ""


def _pattern(metadata: tuple[Any, ...]) -> str:
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    return "" if pattern is None else PATTERN_HELP.get(pattern, f"matches `{pattern}`")


def allowed(annotation: Any, metadata: tuple[Any, ...] = ()) -> str:
    """Allowed values of one key: enum members, ranges, lengths, patterns, and those of its items."""
    s = shape(annotation, metadata)
    origin = typing.get_origin(s.bare)
    if origin is typing.Literal:
        return ", ".join(f"`{v}`" for v in typing.get_args(s.bare))
    parts = [_bounds(s.metadata), _pattern(s.metadata)]
    if origin is tuple:
        parts += [_lengths(s.metadata, "item"), _prefixed("each", allowed(typing.get_args(s.bare)[0]))]
    elif origin is dict:
        key, value = typing.get_args(s.bare)
        parts += [_prefixed("keys", allowed(key)), _prefixed("values", allowed(value))]
    else:
        parts.append(_lengths(s.metadata, "character"))
    return "; ".join(p for p in parts if p)


def _prefixed(label: str, text: str) -> str:
    return f"{label}: {text}" if text else ""


def default(info: FieldInfo) -> str:
    """``required``, ``none``, ``all defaults`` or the default value as YAML writes it."""
    if info.is_required():
        return "required"
    value = info.default
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "all defaults"
    if isinstance(value, tuple | list):
        return f"`{json.dumps(list(value))}`"
    return f"`{value}`" if isinstance(value, str) and value else f"`{json.dumps(value)}`"


def description(info: FieldInfo) -> str:
    """The field's docstring as one Markdown table cell."""
    text = " ".join((info.description or "").split())
    return text.replace("``", "`").replace("|", "\\|")


def nested_models(annotation: Any) -> Iterator[tuple[str, type[BaseModel], str]]:
    """(path suffix, model, label) for every model inside ``annotation``.

    The suffix is ``[]`` for list items and ``.<key>`` for map values; the label tells the members of
    a discriminated union apart (``kind: managed``).
    """
    bare = shape(annotation).bare
    origin = typing.get_origin(bare)
    if is_model(bare):
        yield "", bare, ""
    elif origin is tuple:
        for suffix, model, label in nested_models(typing.get_args(bare)[0]):
            yield f"[]{suffix}", model, label
    elif origin is dict:
        for suffix, model, label in nested_models(typing.get_args(bare)[1]):
            yield f".<key>{suffix}", model, label
    elif origin in (typing.Union, types.UnionType):
        for member in typing.get_args(bare):
            for suffix, model, _ in nested_models(member):
                kind = model.model_fields.get("kind")
                label = f"kind: {typing.get_args(kind.annotation)[0]}" if kind is not None else ""
                yield suffix, model, label


def rows(model: type[BaseModel]) -> list[Row]:
    """One row per key of ``model``."""
    return [
        Row(
            key=info.alias or name,
            type=type_name(info.annotation),
            default=default(info),
            allowed=allowed(info.annotation, tuple(info.metadata)),
            description=description(info),
        )
        for name, info in model.model_fields.items()
    ]


def tables() -> list[Table]:
    """Every model reachable from the stack sections, depth first in declaration order, each once."""
    found: dict[type[BaseModel], Table] = {}

    def visit(path: str, model: type[BaseModel], label: str) -> None:
        heading = f"{path} ({label})" if label else path
        if model in found:
            if heading not in found[model].paths:
                found[model].paths.append(heading)
        else:
            found[model] = Table([heading], model, rows(model))
        for name, info in model.model_fields.items():
            for suffix, child, child_label in nested_models(info.annotation):
                visit(f"{path}.{info.alias or name}{suffix}", child, child_label)

    for name, annotation in SECTIONS.items():
        if is_model(annotation):
            visit(name, annotation, "")
    return list(found.values())


def top_level_rows() -> list[Row]:
    """``aws:region`` and every ``container-platform:`` key."""
    region = Row(
        key="aws:region",
        type="string",
        default="required",
        allowed="a commercial AWS region (`settings/aws_tables.py`)",
        description="The home region: where ECS and the registry live; the first region in use.",
    )
    ours = [
        Row(
            key=f"{PROJECT}:{name}",
            type=type_name(info.annotation),
            default=default(info),
            allowed=allowed(info.annotation, tuple(info.metadata)),
            description=description(info),
        )
        for name, info in ((info.alias or key, info) for key, info in StackConfig.model_fields.items())
    ]
    return [region, *ours]
