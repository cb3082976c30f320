"""The rule model shared by the policy pack and the offline run.

A :class:`Rule` is a plain function over a :class:`Subject` (one resource, its provider and, for
stack rules, the rest of the stack). ``pack.py`` wraps each rule in a pulumi_policy policy;
``offline.py`` feeds those same policy objects the recorded plan. The functions here only read
engine-shaped values (camelCase keys, nested JSON documents as strings), which is what both
``pulumi preview`` and the offline recorder hand over.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

Level = Literal["mandatory", "advisory"]
Scope = Literal["resource", "stack"]

EXCEPTION_TAG_PREFIX = "guardrail-exception/"
"""A resource tag ``guardrail-exception/<rule-id>`` whose value is the reason waives that rule for
that resource. Tags travel with the resource, so the console, Security Hub and the pack all see the
same justification."""

MIN_REASON_LENGTH = 15
"""An exception reason shorter than this is not a reason (``"n/a"``, ``"temp"``)."""

PROTECTED_ENVIRONMENTS = ("prod",)
"""Values of the provider's ``environment`` default tag that get the production-only rules."""


@dataclass(frozen=True)
class Subject:
    """One resource as a rule sees it."""

    type: str
    """Pulumi type token, e.g. ``aws:ecs/taskDefinition:TaskDefinition``."""
    name: str
    """Logical name."""
    urn: str
    """Full URN; violations are reported against it."""
    props: Mapping[str, Any]
    """Inputs with engine (camelCase) names. During preview, reading an unknown raises."""
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    """Inputs of the resource's provider (region, default tags); empty when there is none."""
    stack: StackView | None = None
    """Every resource in the stack; set only for stack-scoped rules."""
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Input name -> URNs of the resources that input was computed from."""

    def get(self, key: str, default: Any = None) -> Any:
        """An input, or ``default`` when it is absent or null."""
        value = self.props.get(key)
        return default if value is None else value

    @property
    def tags(self) -> dict[str, str]:
        """The resource's own tags (a map, or the ASG list-of-objects form)."""
        return tags_of(self.props)

    @property
    def environment(self) -> str | None:
        """The ``environment`` default tag of the resource's provider, if any."""
        default_tags = document(self.provider_props.get("defaultTags"))
        if isinstance(default_tags, Mapping):
            tags = default_tags.get("tags") or {}
            if isinstance(tags, Mapping):
                value = tags.get("environment")
                return str(value) if value is not None else None
        return None

    def depends_on(self, prop: str) -> list[Subject]:
        """The resources the input ``prop`` was computed from (stack rules only)."""
        if self.stack is None:
            return []
        return [r for urn in self.property_dependencies.get(prop, ()) if (r := self.stack.by_urn.get(urn)) is not None]


@dataclass
class StackView:
    """All resources of a stack, for rules that look across resources."""

    resources: list[Subject] = field(default_factory=list)
    """Filled once, after the subjects that point back at this view were built."""

    @cached_property
    def by_urn(self) -> dict[str, Subject]:
        """URN -> resource."""
        return {r.urn: r for r in self.resources}

    def of_type(self, *types: str) -> list[Subject]:
        """Every resource of one of ``types``."""
        return [r for r in self.resources if r.type in types]


Check = Callable[[Subject], Iterable[str]]


@dataclass(frozen=True)
class Rule:
    """One guardrail: what must hold, for which resource types, and the control it implements."""

    id: str
    """Policy name in the pack, and the suffix of the exception tag."""
    title: str
    """What must hold, in one sentence."""
    resource_types: tuple[str, ...]
    """Pulumi type tokens the rule looks at."""
    check: Check
    """Yields one message per violation; yields nothing when the resource complies."""
    controls: tuple[str, ...] = ()
    """AWS Security Hub (FSBP) control IDs the rule implements; empty when no control exists."""
    remediation: str = ""
    """How to comply, in words a reviewer can act on."""
    scope: Scope = "resource"
    """``resource`` rules run per resource (and block ``pulumi up``); ``stack`` rules see every resource."""
    level: Level = "mandatory"
    """Mandatory violations fail ``make test`` and block ``pulumi up``."""

    def findings(self, subject: Subject) -> Iterator[Finding]:
        """Violations of this rule on ``subject``, each marked waived when an exception tag covers it."""
        if subject.type not in self.resource_types:
            return
        messages = list(self.check(subject))
        if not messages:
            return
        reason = exception_reason(subject, self.id)
        for message in messages:
            yield Finding(self.id, subject.urn, message, waived_because=reason)


@dataclass(frozen=True)
class Finding:
    """One violation of one rule on one resource."""

    rule: str
    urn: str
    message: str
    waived_because: str | None = None
    """The exception's reason, when a valid exception tag waives this finding."""


def exception_reason(subject: Subject, rule_id: str) -> str | None:
    """The reason of a valid exception for ``rule_id`` on ``subject``, or None."""
    reason = subject.tags.get(EXCEPTION_TAG_PREFIX + rule_id)
    if reason is None or len(reason.strip()) < MIN_REASON_LENGTH:
        return None
    return reason.strip()


def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    """Tags from ``tags`` as a map, or as the Auto Scaling list of ``{key, value}`` objects."""
    tags = props.get("tags")
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    if isinstance(tags, Sequence) and not isinstance(tags, str):
        return {str(t["key"]): str(t.get("value", "")) for t in tags if isinstance(t, Mapping) and "key" in t}
    return {}


def document(value: Any) -> Any:
    """A JSON document that may arrive as a string (policies, container definitions) or as an object."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def as_list(value: Any) -> list[Any]:
    """IAM-style "one or many": a scalar becomes a one-item list, null an empty one."""
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    return list(value)


def truthy(value: Any) -> bool:
    """Booleans as the engine may carry them: ``True`` or ``"true"``."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def number(value: Any) -> str:
    """A number for messages: the engine carries every number as a double (``80.0`` -> ``80``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_zero(value: Any) -> bool:
    """True for 0 however it arrives: ``0``, ``0.0`` or ``"0"``."""
    try:
        return float(value) == 0
    except (TypeError, ValueError):
        return False


def short(urn: str) -> str:
    """``type::name`` of a URN, for messages."""
    _, _, rest = urn.rpartition("$")
    return rest or urn


def in_stack(subject: Subject, *others: Subject) -> Subject:
    """``subject`` placed in a stack of its own plus ``others`` (for stack rules and their tests)."""
    view = StackView()
    view.resources.extend(replace(s, stack=view) for s in (subject, *others))
    return view.resources[0]
