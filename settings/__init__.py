"""The settings layer: the only module that reads Pulumi config.

``load()`` reads every ``container-platform:*`` key and ``aws:region``, validates them all
at once and returns a frozen ``Settings``; ``parse()`` does the same from plain values so
tests and tools can call it without a Pulumi runtime. Any problem raises one
``ConfigError`` that lists every problem with its path and the expected value, before a
single resource is registered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pulumi
from pydantic import TypeAdapter, ValidationError

from settings.checks import Problem, check_region, check_stack, warnings_for
from settings.errors import problems_from_validation_error, unknown_key_message, with_named_items
from settings.models import (
    AccountId,
    EcsSettings,
    EksSettings,
    InsightsSettings,
    NetworkSettings,
    RegistrySettings,
    StackConfig,
)

__all__ = ["PROJECT", "ConfigError", "Settings", "load", "parse"]

PROJECT = "container-platform"
"""The Pulumi project name, and the namespace of this program's config keys."""

ECR_PUBLIC_REGION = "us-east-1"
"""ECR Public's API exists only in us-east-1."""

SECTIONS: dict[str, Any] = {
    "accountId": AccountId,
    "environment": StackConfig.model_fields["environment"].annotation,
    "network": NetworkSettings,
    "registry": RegistrySettings,
    "ecs": EcsSettings,
    "eks": EksSettings,
    "insights": InsightsSettings,
}


class ConfigError(pulumi.RunError):
    """Invalid stack configuration; ``problems`` holds every one found.

    A ``RunError``, so ``pulumi up`` prints the message without a Python traceback.
    """

    def __init__(self, stack: str, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"invalid configuration for stack '{stack}' ({len(problems)} {noun}):\n{lines}")


@dataclass(frozen=True)
class Settings:
    """Validated settings of one stack."""

    project: str
    stack: str
    home_region: str
    """``aws:region``: where ECS and the registry live."""
    config: StackConfig
    warnings: tuple[str, ...] = field(default=())

    @property
    def account_id(self) -> str:
        """The one AWS account this stack deploys to; every provider refuses any other."""
        return self.config.account_id

    @property
    def environment(self) -> str:
        """``dev``, ``staging`` or ``prod``."""
        return self.config.environment

    @property
    def regions(self) -> tuple[str, ...]:
        """Every region in use: the home region first, then the other EKS regions in config order."""
        eks = self.config.eks.regions if self.config.eks else ()
        return (self.home_region, *[r for r in eks if r != self.home_region])

    @property
    def cluster_name(self) -> str:
        """ECS cluster name: ``<project>-<stack>``, stable and easy to type."""
        return f"{self.project}-{self.stack}"

    def eks_cluster_name(self, region: str) -> str:
        """EKS cluster name in a region: ``<project>-<stack>-<region>``."""
        return f"{self.project}-{self.stack}-{region}"

    def instance_types_in(self, region: str) -> tuple[str, ...]:
        """EC2 instance types launched in ``region``, each once, in config order.

        The EKS node groups' types when the region runs EKS, and ``ecs.instances.instanceTypes`` in the
        home region when ECS runs on EC2.
        """
        types: list[str] = []
        eks = self.config.eks
        if eks is not None and region in eks.regions:
            for group in eks.node_groups:
                types += group.instance_types if group.kind == "managed" else [group.instance_type]
        ecs = self.config.ecs
        if region == self.home_region and ecs is not None and ecs.launch_type == "EC2" and ecs.instances is not None:
            types += ecs.instances.instance_types
        return tuple(dict.fromkeys(types))

    @property
    def deletion_protection(self) -> bool:
        """AWS deletion protection on load balancers: in prod only, so dev stacks tear down cleanly."""
        return self.environment == "prod"

    @property
    def access_logs(self) -> bool:
        """Load balancer access logs in the program's bucket: ``ecs.accessLogs.enabled``, by default in prod only."""
        ecs = self.config.ecs
        if ecs is None:
            return False
        enabled = ecs.access_logs.enabled
        return self.environment == "prod" if enabled is None else enabled

    @property
    def protect_data(self) -> bool:
        """Pulumi ``protect`` on file systems and keys: in prod only (they are retained on delete everywhere)."""
        return self.environment == "prod"

    @property
    def flow_log_retention_days(self) -> int:
        """``network.flowLogs.retentionDays``, or the environment's default: 365 days in prod, 30 elsewhere."""
        configured = self.config.network.flow_logs.retention_days
        if configured is not None:
            return int(configured)
        return 365 if self.environment == "prod" else 30

    @property
    def secret_refs(self) -> tuple[str, ...]:
        """Every secret and parameter ARN the ECS services reference, each once, in config order."""
        services = self.config.ecs.services if self.config.ecs else ()
        return tuple(dict.fromkeys(arn for svc in services for arn in svc.secrets.values()))

    @property
    def replica_regions(self) -> tuple[str, ...]:
        """Regions the registry replicates to: every EKS region other than the home region."""
        return self.regions[1:]

    @property
    def provider_regions(self) -> tuple[str, ...]:
        """Regions that need an AWS provider: the regions in use, plus us-east-1 for ECR Public."""
        needs_public = bool(self.config.registry.public) and ECR_PUBLIC_REGION not in self.regions
        return (*self.regions, ECR_PUBLIC_REGION) if needs_public else self.regions


def _decode(value: Any) -> Any:
    # The CLI hands structured values over as JSON text and scalars as plain text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _json_value(value: object) -> str:
    # YAML 1.1 loaders (PyYAML's safe_load) turn an unquoted 2026-12-31 into a date; the Pulumi CLI
    # hands it over as the text it was written as, so read it back as that text.
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} value, which a stack file cannot hold")


def _json(value: Any) -> str:
    return json.dumps(value, default=_json_value)


def _validate_section(name: str, value: Any) -> list[Problem]:
    """Pass 1 for one section: types, ranges, patterns, required and unknown keys."""
    target = SECTIONS[name]
    try:
        TypeAdapter(target).validate_json(_json(value), strict=True)
    except ValidationError as err:
        return problems_from_validation_error(err, name, target)
    except TypeError as err:
        return [Problem(name, f"holds {err}")]
    return []


def parse(raw: Mapping[str, Any], *, home_region: str | None, stack: str, today: date | None = None) -> Settings:
    """Validate ``raw`` (``container-platform:*`` keys with or without the namespace)."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.removeprefix(f"{PROJECT}:")
        if name not in SECTIONS:
            allowed = [f"{PROJECT}:{s}" for s in SECTIONS]
            problems.append(Problem(f"{PROJECT}:{name}", unknown_key_message(f"{PROJECT}:{name}", allowed)))
            continue
        # An account id stays text: decoded as JSON, 012345678901 would lose its leading zero.
        values[name] = str(value) if name == "accountId" else _decode(value)

    if home_region is None:
        problems.append(Problem("aws:region", "required: the home region, e.g. us-east-1"))
    else:
        problems += check_region("aws:region", home_region)
    for name in ("accountId", "environment", "network"):
        if name not in values:
            hint = (
                ' to the 12-digit account this stack deploys to, quoted: "111122223333"' if name == "accountId" else ""
            )
            problems.append(Problem(name, f"required: set {PROJECT}:{name}{hint}"))

    # Pass 1: validate each section on its own so that a broken section does not hide the
    # problems of the others. Pass 2 (cross-section rules) needs every section to be valid.
    for name, value in values.items():
        problems += _validate_section(name, value)
    if problems:
        raise ConfigError(stack, with_named_items(problems, values))

    config = StackConfig.model_validate_json(_json(values), strict=True)
    assert home_region is not None
    problems = check_stack(config, home_region, today or date.today())
    if problems:
        raise ConfigError(stack, with_named_items(problems, values))
    warnings = tuple(str(w) for w in with_named_items(warnings_for(config, today or date.today()), values))
    return Settings(project=PROJECT, stack=stack, home_region=home_region, config=config, warnings=warnings)


def load() -> Settings:
    """Read and validate this stack's config through the Pulumi runtime; log warnings."""
    from pulumi.runtime import config as runtime_config

    # pulumi.Config only answers for keys we ask about; unknown keys must be errors, so
    # enumerate everything the engine passed in.
    everything = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw = {k: v for k, v in everything.items() if k.startswith(f"{PROJECT}:")}
    home_region = pulumi.Config("aws").get("region")
    settings = parse(raw, home_region=home_region, stack=pulumi.get_stack())
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings
