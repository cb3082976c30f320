"""The settings layer of the deployment project: the only module that reads Pulumi config.

``load()`` reads every ``container-platform-deployment:*`` key, validates them all at once
and returns a frozen ``DeploymentConfig``; ``parse()`` does the same from plain values so
tests can call it without a Pulumi runtime. Any problem raises one ``ConfigError`` listing
every problem with its path (``stacks.prod.deployPolicyArns``) and what is expected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from deploy_components.policies import branch_ref

__all__ = [
    "NAMESPACE",
    "AccountAccess",
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
ACCOUNT_ID = r"^\d{12}$"
ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
OIDC_PROVIDER_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/api\.pulumi\.com/oidc$"

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
    ACCOUNT_ID: 'a 12-digit AWS account id, quoted: "111122223333"',
    ROLE_ARN: "an IAM role ARN such as arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
    OIDC_PROVIDER_ARN: (
        "the ARN of an IAM OIDC provider for api.pulumi.com/oidc, "
        "such as arn:aws:iam::111122223333:oidc-provider/api.pulumi.com/oidc"
    ),
}

AccountId = Annotated[str, Field(pattern=ACCOUNT_ID)]
"""A 12-digit AWS account id, as text (unquoted YAML would make it a number and drop leading zeros)."""

ACCOUNT_KEYS = {"assumeRoleArn": "assume_role_arn", "existingOidcProviderArn": "existing_oidc_provider_arn"}
"""Stack keys (YAML -> attribute) that describe the stack's account: every stack of one account agrees on them."""


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

    account_id: AccountId = Field(alias="accountId")
    """AWS account the stack deploys to: its ``container-platform:accountId``. Required, quoted.

    The stack's deploy role (and, once per account, the OIDC provider it trusts) is created
    in this account, through a provider pinned to it (``allowedAccountIds``).
    """
    assume_role_arn: str | None = Field(None, alias="assumeRoleArn", pattern=ROLE_ARN)
    """Role in ``accountId`` that the deployment project assumes to create the OIDC provider
    and the deploy role there. Default: none, the ambient credentials (``AWS_PROFILE``) are
    used, which works for one account only (top-level ``accountId``)."""
    existing_oidc_provider_arn: str | None = Field(None, alias="existingOidcProviderArn", pattern=OIDC_PROVIDER_ARN)
    """The account's existing IAM OIDC provider for api.pulumi.com/oidc (an account holds one
    per URL; ESC or another project may own it). The deploy role trusts it and the program
    neither creates, changes nor deletes it; add the organization to its audiences yourself.
    Default: none, the program creates the account's provider."""
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
    """IAM policies attached to the stack's deploy role: customer managed ones of ``accountId``
    or AWS managed ones (``arn:aws:iam::aws:policy/...``). Required, no default.

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


@dataclass(frozen=True)
class AccountAccess:
    """One AWS account the stacks deploy to, and how the deployment project reaches it."""

    account_id: str
    """The account: one provider pinned to it, one OIDC provider in it."""
    assume_role_arn: str | None
    """Role the provider assumes there; None: the ambient credentials, which must be this account's."""
    existing_oidc_provider_arn: str | None
    """The account's OIDC provider when it already exists; None: the program creates one."""
    stacks: tuple[str, ...]
    """Stacks whose deploy role lives in this account."""


class DeploymentConfig(Model):
    """Every ``container-platform-deployment:*`` key."""

    account_id: AccountId | None = Field(None, alias="accountId")
    """Account of the ambient credentials ``pulumi up -s platform`` runs with (quoted). Stacks
    of this account need no ``assumeRoleArn``; every other stack does. Default: unknown, so
    at most one account may go without ``assumeRoleArn``."""
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

    def accounts(self) -> dict[str, AccountAccess]:
        """Account id -> how it is reached, in account order (stacks of one account agree once validated)."""
        accounts: dict[str, AccountAccess] = {}
        for account in sorted({s.account_id for s in self.stacks.values()}):
            names = tuple(name for name, s in self.stacks.items() if s.account_id == account)
            first = self.stacks[names[0]]
            accounts[account] = AccountAccess(
                account_id=account,
                assume_role_arn=first.assume_role_arn,
                existing_oidc_provider_arn=first.existing_oidc_provider_arn,
                stacks=names,
            )
        return accounts


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
        elif error["type"] == "string_type" and error["loc"][-1] == "accountId":
            # Unquoted in YAML, an account id arrives as a number (and loses leading zeros).
            message = f"expected {PATTERN_HELP[ACCOUNT_ID]}"
        if error["type"] not in ("missing", "extra_forbidden"):
            shown = repr(error["input"])
            message = f"{message} (got {shown if len(shown) <= 80 else shown[:77] + '...'})"
        problems.append(f"{path}: {message}")
    return problems


def _cross_checks(config: DeploymentConfig) -> list[str]:
    """Rules across keys, each reported at the path of the value to change."""
    problems = []
    prod, dev = config.stacks.get(PROD_STACK), config.stacks.get("dev")
    if prod is not None and dev is not None and prod.deploy_commits and prod.branch == dev.branch:
        problems.append(
            f"stacks.{PROD_STACK}.branch: prod deploys on push only from its own release branch, "
            f"but {prod.branch!r} is also dev's branch (use a release branch or set deployCommits: false)"
        )
    problems += _own_account_checks(config)
    problems += _shared_account_checks(config)
    problems += _ambient_checks(config)
    return problems


def _arn_account(arn: str) -> str:
    return arn.split(":")[4]


def _own_account_checks(config: DeploymentConfig) -> list[str]:
    """Every ARN a stack names belongs to that stack's account (AWS managed policies aside)."""
    problems = []
    for name, s in config.stacks.items():
        account, at = s.account_id, f"stacks.{name}"
        for i, arn in enumerate(s.deploy_policy_arns):
            if _arn_account(arn) not in ("aws", account):
                problems.append(
                    f"{at}.deployPolicyArns[{i}]: the policy belongs to account {_arn_account(arn)}, but the deploy "
                    f"role is created in {at}.accountId {account}; attach a policy of that account "
                    f"(arn:aws:iam::{account}:policy/...) or an AWS managed one (arn:aws:iam::aws:policy/...)"
                )
        if s.assume_role_arn is not None and _arn_account(s.assume_role_arn) != account:
            problems.append(
                f"{at}.assumeRoleArn: the role belongs to account {_arn_account(s.assume_role_arn)}, but "
                f"{at}.accountId is {account}; name a role in {account} "
                f"(e.g. arn:aws:iam::{account}:role/OrganizationAccountAccessRole)"
            )
        oidc = s.existing_oidc_provider_arn
        if oidc is not None and _arn_account(oidc) != account:
            problems.append(
                f"{at}.existingOidcProviderArn: the provider belongs to account {_arn_account(oidc)}, but "
                f"{at}.accountId is {account}; name the one in {account} "
                f"(arn:aws:iam::{account}:oidc-provider/api.pulumi.com/oidc)"
            )
    return problems


def _shared_account_checks(config: DeploymentConfig) -> list[str]:
    """Stacks of one account share its provider and OIDC provider, so they agree on both."""
    problems = []
    first_of: dict[str, str] = {}
    for name, s in config.stacks.items():
        first = first_of.setdefault(s.account_id, name)
        for key, attribute in ACCOUNT_KEYS.items():
            mine, theirs = getattr(s, attribute), getattr(config.stacks[first], attribute)
            if mine != theirs:
                problems.append(
                    f"stacks.{name}.{key}: stacks {first} and {name} both deploy to account {s.account_id}, which "
                    f"the deployment project reaches through one provider; give them the same {key} "
                    f"({first}: {theirs or 'none'}, {name}: {mine or 'none'})"
                )
    return problems


def _ambient_checks(config: DeploymentConfig) -> list[str]:
    """The ambient credentials belong to one account at most: every other account needs a role to assume."""
    accounts = config.accounts()
    without_role = [a for a in accounts.values() if a.assume_role_arn is None and a.account_id != config.account_id]
    if config.account_id is None and len(without_role) <= 1:
        return []  # one account, or every other account is reached through its role
    problems = []
    for access in without_role:
        account = access.account_id
        example = f"e.g. arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        if config.account_id is not None:
            reason = f"the ambient credentials belong to accountId {config.account_id}"
            remedy = f"name a role in {account} for the deployment project to assume ({example})"
        else:
            reason = f"the stacks span accounts {', '.join(accounts)} and the ambient credentials belong to one at most"
            remedy = (
                f"name a role in {account} for the deployment project to assume ({example}), "
                f"or set accountId to {account} if the ambient credentials are that account's"
            )
        # Stacks of this account that do name a role were told to agree with the first one.
        for name in (n for n in access.stacks if config.stacks[n].assume_role_arn is None):
            problems.append(
                f"stacks.{name}.assumeRoleArn: required: {name} deploys to account {account}, but {reason}; {remedy}"
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


_STRING_KEYS = frozenset({"organization", "repository", "project", "awsRegion", "accountId"})


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
