"""Tag helpers: base tags go once on each regional provider's ``default_tags``."""

from __future__ import annotations

from collections.abc import Mapping

MANAGED_BY = "pulumi"

GUARDRAIL_EXCEPTION_PREFIX = "guardrail-exception/"
"""Tag key prefix the policy pack reads: ``guardrail-exception/<rule-id>`` = reason waives that rule."""


def base_tags(project: str, stack: str, environment: str) -> dict[str, str]:
    """The tags every resource carries, set as the provider's default tags."""
    return {"project": project, "stack": stack, "environment": environment, "managed-by": MANAGED_BY}


def component_tags(component: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A component's own tags, layered on top of the provider's default tags."""
    return {"component": component, **(extra or {})}


def guardrail_exception(rule_id: str, reason: str | None) -> dict[str, str]:
    """The tag that waives one guardrail on one resource, or nothing when there is no reason."""
    return {GUARDRAIL_EXCEPTION_PREFIX + rule_id: reason} if reason else {}
