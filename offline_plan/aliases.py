"""Aliases in recorded plans: which of them to keep, and the URNs they stand for.

A Pulumi alias tells the engine that a resource used to live at another URN, so a rename or a
move to another parent updates it in place instead of replacing it. The recorder keeps the
aliases the program wrote; ``make diff`` reads them back here to pair an old URN with its new
resource, as the engine would (Pulumi docs, "Resource option: aliases"; a child inherits its
parent's aliases, so moving a component moves its children with it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def is_provider_type_alias(text: str) -> bool:
    """pulumi-aws's own aliases for its renamed modules (``aws:lb/*`` <- ``aws:elasticloadbalancingv2/*``).

    The provider SDK adds them to every such resource; they say nothing about this program.
    """
    if not text.startswith("{"):
        return False
    spec = json.loads(text)
    return (
        set(spec) <= {"type", "parentUrn"}
        and str(spec.get("type", "")).startswith("aws:")
        and not spec.get("parentUrn")
    )


def program_aliases(aliases: list[str]) -> list[str]:
    """The aliases the program itself wrote, in their recorded text (URN or compact JSON spec)."""
    return [a for a in aliases if not is_provider_type_alias(a)]


def _split(urn: str) -> tuple[str, str, str]:
    """``urn:pulumi:<stack>::<project>::<qualified type>::<name>`` -> (prefix, qualified type, name)."""
    stack, project, qualified, name = urn.split("::", 3)
    return f"{stack}::{project}", qualified, name


def _child_type(parent_urn: str, type_: str) -> str:
    """A child's qualified type as the recorded URNs spell it: its parent's type, ``$``, its own type.

    The mock monitor (``pulumi.runtime.mocks.MockMonitor.make_urn``) puts only the parent's own type
    in front, where the engine puts the parent's whole chain; the recorded URNs are the mock's.
    """
    if not parent_urn:
        return type_
    _, parent_qualified, _ = _split(parent_urn)
    return f"{parent_qualified.split('$')[-1]}${type_}"


def _spec_urns(resource: Mapping[str, Any], spec: Mapping[str, Any], parents: list[str]) -> list[str]:
    prefix, _, name = _split(str(resource["urn"]))
    name = str(spec.get("name") or name)
    type_ = str(spec.get("type") or resource["type"])
    if spec.get("noParent"):
        parents = [""]
    elif spec.get("parentUrn"):
        parents = [str(spec["parentUrn"])]
    return [f"{prefix}::{_child_type(parent, type_)}::{name}" for parent in parents]


def alias_urns(urn: str, resources: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Every URN the resource at ``urn`` may have had: its own aliases and those it inherits."""
    resource = resources[urn]
    parent = str(resource.get("parent") or "")
    # The parent's old URNs make old URNs of this child too (the engine's inherited aliases).
    inherited = sorted(alias_urns(parent, resources)) if parent in resources else []
    prefix, _, name = _split(urn)
    found = {f"{prefix}::{_child_type(p, str(resource['type']))}::{name}" for p in inherited}
    for text in (resource.get("options") or {}).get("aliases") or []:
        found |= (
            {text} if text.startswith("urn:") else set(_spec_urns(resource, json.loads(text), [parent, *inherited]))
        )
    return found - {urn}


def aliased_moves(base: Mapping[str, Mapping[str, Any]], head: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Old URN -> new URN for each base resource that a head resource aliases, as the engine pairs them."""
    moved: dict[str, str] = {}
    for urn in sorted(head.keys() - base.keys()):
        for old in alias_urns(urn, head):
            if old in base and old not in head:
                moved[old] = urn
    return moved


def rekey(values: Mapping[str, Any], moved: Mapping[str, str]) -> dict[str, Any]:
    """``values`` with the moved URNs replaced by their new ones."""
    return {moved.get(urn, urn): value for urn, value in values.items()}
