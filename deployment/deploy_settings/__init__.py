"""The settings layer of the deployment project: the only module that reads Pulumi config.

``load()`` reads every ``container-platform-deployment:*`` key, validates them all at once
and returns a frozen ``DeploymentConfig``; ``parse()`` does the same from plain values so
tests can call it without a Pulumi runtime. Any problem raises one ``ConfigError`` listing
every problem with its path (``stacks.prod.deployPolicyArns``) and what is expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from deploy_components.policies import branch_ref

__all__ = [
    "NAMESPACE",
    "ConfigError",
    "DeploymentConfig",
    "GuardrailsSettings",
    "PathFilterSettings",
    "StackSettings",
    "load",
    "parse",
]

NAMESPACE = "container-platform-deployment"
"""The Pulumi project name (Pulumi.yaml) and so the namespace of this program's config keys.

Read explicitly rather than through ``pulumi.get_project()`` so the keys are the same
whichever runner executes the program.
"""

PROD_STACK = "prod"
"""The stack that must deploy only from its own release branch."""

DEFAULT_INCLUDE: tuple[str, ...] = ("**/*.py", "Pulumi*.yaml", "requirements*.txt")
"""Files that change what ``pulumi up`` does: the program, stack config, dependencies."""

DEFAULT_EXCLUDE: tuple[str, ...] = ("**/*.md", "docs/**")
"""Documentation never changes the infrastructure."""

STACK_NAME = r"^[A-Za-z0-9_.-]{1,40}$"
ORGANIZATION = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
PROJECT_NAME = r"^[A-Za-z0-9_.-]{1,100}$"
REPOSITORY = r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9_.-]{1,100}$"
SEGMENTS = r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*"
"""Relative slash-separated path; no segment starts with '.', so no '..' and no leading '/'."""
BRANCH = rf"^{SEGMENTS}$"
REPO_DIR = rf"^(\.|{SEGMENTS})$"
GLOB = r"^[^!/\s]\S*$"
CRON_FIELD = r"(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(/\d{1,2})?)*"
CRON = rf"^{CRON_FIELD}( {CRON_FIELD}){{4}}$"
POLICY_ARN = r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$"
AWS_REGION = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"

PATTERN_HELP = {
    STACK_NAME: "a stack name: letters, digits, '_', '.', '-', at most 40 characters",
    ORGANIZATION: "a Pulumi organization name",
    PROJECT_NAME: "a Pulumi project name",
    REPOSITORY: "a GitHub repository as owner/name",
    BRANCH: "a plain branch name such as main or release (no refs/heads/ prefix)",
    REPO_DIR: "'.' or a relative directory without '..'",
    GLOB: "a glob relative to the repository root, without a leading '!' or '/'",
    CRON: "a five-field cron expression such as '0 6 * * *'",
    POLICY_ARN: "an IAM policy ARN such as arn:aws:iam::123456789012:policy/deploy",
    AWS_REGION: "an AWS region such as us-east-1",
}


class Model(BaseModel):
    """Strict, frozen, unknown keys rejected, camelCase YAML keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


Glob = Annotated[str, Field(pattern=GLOB)]


class PathFilterSettings(Model):
    """Which changed files make a push deploy (patterns relative to the repository root)."""

    include: tuple[Glob, ...] = DEFAULT_INCLUDE
    """Default: the program, stack files and requirements files."""
    exclude: tuple[Glob, ...] = DEFAULT_EXCLUDE
    """Default: Markdown anywhere and everything under docs/."""

    @field_validator("exclude")
    @classmethod
    def _disjoint(cls, exclude: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        both = sorted(set(exclude) & set(info.data.get("include", ())))
        if both:
            raise ValueError(f"patterns both included and excluded: {', '.join(both)}")
        return exclude


class StackSettings(Model):
    """Deployment settings of one stack of the container-platform project."""

    branch: str = Field(pattern=BRANCH)
    """Branch the stack deploys from: main for dev, a release branch for prod."""
    repo_dir: str = Field(".", alias="repoDir", pattern=REPO_DIR)
    """Directory of Pulumi.yaml within the repository. Default: the repository root."""
    deploy_commits: bool = Field(True, alias="deployCommits")
    """Run ``pulumi up`` on every push to ``branch`` that passes the path filters. Default: true."""
    preview_pull_requests: bool = Field(True, alias="previewPullRequests")
    """Run ``pulumi preview`` on pull requests against ``branch``. Default: true."""
    paths: PathFilterSettings = PathFilterSettings()
    """Path filters for push-to-deploy. Default: program files in, docs out."""
    skip_intermediate_deployments: bool = Field(True, alias="skipIntermediateDeployments")
    """Collapse queued deployments into the newest one. Default: true."""
    drift_schedule: str | None = Field(None, alias="driftSchedule", pattern=CRON)
    """Cron schedule (UTC) of drift detection. Default: none."""
    drift_auto_remediate: bool = Field(False, alias="driftAutoRemediate")
    """Run ``pulumi up`` when drift is found. Default: false (report only)."""
    deploy_policy_arns: tuple[Annotated[str, Field(pattern=POLICY_ARN)], ...] = Field(
        alias="deployPolicyArns", min_length=1
    )
    """IAM policies attached to the stack's deploy role. Required, no default.

    The role runs ``pulumi up`` for a whole platform (VPCs, EKS, IAM roles), so whatever is
    attached is effectively what every push to ``branch`` may do in the account. Defaulting
    to ``AdministratorAccess`` would grant that silently; the account owner must choose the
    policies (ideally one scoped to what the program manages) and name them here.
    """

    @field_validator("branch")
    @classmethod
    def _plain_branch(cls, branch: str) -> str:
        try:
            branch_ref(branch)
        except ValueError:
            raise ValueError(f"expected {PATTERN_HELP[BRANCH]}") from None
        return branch

    @field_validator("deploy_policy_arns")
    @classmethod
    def _unique_policies(cls, arns: tuple[str, ...]) -> tuple[str, ...]:
        # Attachments are named after the policy name, so two ARNs may not share one.
        names = [arn.rsplit("/", 1)[-1] for arn in arns]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"policy names must be unique; repeated: {', '.join(repeated)}")
        return arns


class GuardrailsSettings(Model):
    """Publishing the repository's policy pack and enforcing it on the stacks."""

    enabled: bool = True
    """Publish ``policy/`` to Pulumi Cloud and apply it to every stack in ``stacks``; default true."""
    mode: Literal["preventative", "audit"] = "preventative"
    """``preventative`` blocks previews and updates with a mandatory violation; ``audit`` only reports."""


class DeploymentConfig(Model):
    """Every ``container-platform-deployment:*`` key."""

    organization: str = Field(pattern=ORGANIZATION)
    """Pulumi organization; also the OIDC audience AWS checks."""
    repository: str = Field(pattern=REPOSITORY)
    """GitHub repository of the program, owner/name."""
    project: str = Field("container-platform", pattern=PROJECT_NAME)
    """Pulumi project whose stacks are deployed. Default: container-platform."""
    aws_region: str = Field(alias="awsRegion", pattern=AWS_REGION)
    """Region of the AWS provider that manages the (global) IAM resources."""
    stacks: dict[Annotated[str, Field(pattern=STACK_NAME)], StackSettings] = Field(min_length=1)
    """Stack name -> its deployment settings."""
    guardrails: GuardrailsSettings = GuardrailsSettings()
    """The policy pack in Pulumi Cloud; default: published and preventative on every stack."""


class ConfigError(pulumi.RunError):
    """Invalid configuration; ``problems`` holds every ``path: message`` found."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"invalid configuration for stack '{stack}' ({len(problems)} {noun}):\n{lines}")


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for item in loc:
        if item == "[key]":
            continue
        path += f"[{item}]" if isinstance(item, int) else (f".{item}" if path else str(item))
    return path


def _problems(err: ValidationError) -> list[str]:
    problems = []
    for error in err.errors(include_url=False):
        path = _path(tuple(error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required key is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "string_pattern_mismatch":
            pattern = (error.get("ctx") or {}).get("pattern", "")
            message = f"expected {PATTERN_HELP.get(pattern, 'a value matching ' + pattern)}"
        if error["type"] not in ("missing", "extra_forbidden"):
            shown = repr(error["input"])
            message = f"{message} (got {shown if len(shown) <= 80 else shown[:77] + '...'})"
        problems.append(f"{path}: {message}")
    return problems


def _cross_checks(config: DeploymentConfig) -> list[str]:
    """Rules across stacks, each reported at the path of the value to change."""
    problems = []
    prod, dev = config.stacks.get(PROD_STACK), config.stacks.get("dev")
    if prod is not None and dev is not None and prod.deploy_commits and prod.branch == dev.branch:
        problems.append(
            f"stacks.{PROD_STACK}.branch: prod deploys on push only from its own release branch, "
            f"but {prod.branch!r} is also dev's branch (use a release branch or set deployCommits: false)"
        )
    return problems


def _decode(value: Any) -> Any:
    # The CLI hands structured values over as JSON text and scalars as plain text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


_STRING_KEYS = frozenset({"organization", "repository", "project", "awsRegion"})


def parse(raw: Mapping[str, Any], *, stack: str) -> DeploymentConfig:
    """Validate ``raw`` (config keys with or without the ``container-platform-deployment:`` prefix)."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.removeprefix(f"{NAMESPACE}:")
        # Scalars stay text: an organization named "123" must not turn into a number.
        values[name] = value if name in _STRING_KEYS else _decode(value)
    try:
        config = DeploymentConfig.model_validate_json(json.dumps(values), strict=True)
    except ValidationError as err:
        raise ConfigError(stack, _problems(err)) from None
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(stack, problems)
    return config


def load() -> DeploymentConfig:
    """Read and validate this stack's config through the Pulumi runtime."""
    from pulumi.runtime import config as runtime_config

    # pulumi.Config only answers for keys we ask about; unknown keys must be errors, so
    # enumerate everything the engine passed in.
    everything = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw = {k: v for k, v in everything.items() if k.startswith(f"{NAMESPACE}:")}
    return parse(raw, stack=pulumi.get_stack())
