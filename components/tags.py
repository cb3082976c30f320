"""Tag helpers: base tags go once on each regional provider's ``default_tags``."""

from __future__ import annotations

from collections.abc import Mapping

MANAGED_BY = "pulumi"


def base_tags(project: str, stack: str, environment: str) -> dict[str, str]:
    """The tags every resource carries, set as the provider's default tags."""
    return {"project": project, "stack": stack, "environment": environment, "managed-by": MANAGED_BY}


def component_tags(component: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A component's own tags, layered on top of the provider's default tags."""
    return {"component": component, **(extra or {})}
