"""``schema/stack-config.schema.json``: a JSON Schema of the whole ``Pulumi.<stack>.yaml``, for editors.

Built from the same models ``settings.parse`` validates with, so an editor flags what the
settings would reject structurally: unknown keys, wrong types (``version: 1.35`` unquoted),
values outside their enum, range or pattern. Cross-field rules stay in ``settings.checks``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from settings import PROJECT, SECTIONS
from settings.aws_tables import AWS_REGIONS
from settings.models import ACCOUNT_ID, StackConfig

REQUIRED = ("accountId", "environment", "network")
"""The ``container-platform:`` keys ``settings.parse`` requires."""

OTHER_NAMESPACES = rf"^(?!{PROJECT}:)[A-Za-z0-9_.-]+:.+$"
"""Config of other namespaces (``aws:profile``, ``pulumi:disable-default-providers``): not ours to judge."""


def _section(name: str, annotation: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of one ``container-platform:`` key; its model definitions go into ``defs``."""
    schema = TypeAdapter(annotation).json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs.update(schema.pop("$defs", {}))
    field = StackConfig.model_fields.get(name) or next(f for f in StackConfig.model_fields.values() if f.alias == name)
    schema.setdefault("description", field.description or "")
    if name == "accountId":
        # settings.parse takes the key as text, so an unquoted 12-digit number still reads right.
        schema = {
            "description": schema["description"],
            "anyOf": [
                {"type": "string", "pattern": ACCOUNT_ID},
                {"type": "integer", "minimum": 100000000000, "maximum": 999999999999},
            ],
        }
    return schema


def _config(defs: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "aws:region": {
            "description": "The home region: where ECS and the registry live; the first region in use.",
            "enum": sorted(AWS_REGIONS),
        }
    }
    for name, annotation in SECTIONS.items():
        properties[f"{PROJECT}:{name}"] = _section(name, annotation, defs)
    return {
        "description": "Stack configuration: aws:region and the container-platform: keys (docs/configuration.md).",
        "type": "object",
        "properties": properties,
        "required": ["aws:region", *(f"{PROJECT}:{name}" for name in REQUIRED)],
        "patternProperties": {OTHER_NAMESPACES: {}},
        "additionalProperties": False,
    }


def _close_maps(node: Any) -> None:
    """Make maps with a key pattern reject other keys, as the settings do (pydantic leaves them open)."""
    if isinstance(node, dict):
        if "patternProperties" in node and "properties" not in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for child in node.values():
            _close_maps(child)
    elif isinstance(node, list):
        for child in node:
            _close_maps(child)


def stack_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07, which editors' YAML servers support) of ``Pulumi.<stack>.yaml``."""
    defs: dict[str, Any] = {}
    config = _config(defs)
    _close_maps(config)
    _close_maps(defs)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"Pulumi.<stack>.yaml of {PROJECT}",
        "description": "Generated from settings/models.py by `make docs`; do not edit by hand.",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string", "description": "Secrets provider of the stack."},
            "encryptedkey": {"type": "string", "description": "Data key of a cloud secrets provider."},
            "encryptionsalt": {"type": "string", "description": "Salt of the passphrase secrets provider."},
            "environment": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Pulumi ESC environments the stack imports.",
            },
        },
        "required": ["config"],
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


def render() -> str:
    """The schema file's text."""
    return json.dumps(stack_schema(), indent=2, ensure_ascii=False) + "\n"
