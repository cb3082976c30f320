"""The settings layer of the deployment project: the only module that reads Pulumi config.

``load()`` reads every ``container-platform-deployment:*`` key, validates them all at once
and returns a frozen ``DeploymentConfig``; ``parse()`` does the same from plain values so
tests can call it without a Pulumi runtime. Any problem raises one ``ConfigError`` listing
every problem with its path (``stacks.prod.deployPolicyArns``) and what is expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_pulumiservice as ps
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from deploy_components.policies import branch_ref, deploy_operations
from deploy_settings.cron import cron_problem

__all__ = [
    "NAMESPACE",
    "AccountAccess",
    "ConfigError",
    "DeploymentConfig",
    "GuardrailsSettings",
    "NotificationSettings",
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

DEFAULT_INCLUDE: tuple[str, ...] = (
    "*.py",
    "**/*.py",
    "Pulumi*.yaml",
    "**/Pulumi*.yaml",
    "requirements*.txt",
    "**/requirements*.txt",
)
"""Files that change what ``pulumi up`` does: the program, stack config, dependencies; at the root and below.

The root forms are listed on their own: whether the service's matcher lets ``**/`` match zero
directories is not documented, and the composition root ``__main__.py`` lives at the root.
"""

DEFAULT_EXCLUDE: tuple[str, ...] = (
    "policy/**",
    "tests/**",
    "offline_plan/**",
    ".ci/**",
    "tools/**",
    "docs/**",
    "deployment/**",
    "**/*.md",
)
"""Paths the deployed program never imports or reads (a test checks the imports): the policy pack
(Pulumi Cloud runs the published version), tests, the offline planner, CI scripts, developer tools,
documentation and this deployment project."""

DEFAULT_EXECUTOR_IMAGE = "pulumi/pulumi:3.272.0"
"""The Deployments default image (``pulumi/pulumi``, which has the AWS CLI pulumi-eks checks for),
pinned to a CLI release so that a new image cannot change the CLI or the runtimes under a deployment."""

DEFAULT_PYTHON_VERSION = "3.11"
"""The oldest Python CI tests with (``.github/workflows/ci.yml``; a test checks it is one of them)
and that ruff and mypy target."""

PYTHON_VERSIONS = ("3.11", "3.12", "3.13", "3.14")
"""Versions ``pulumi/pulumi`` preinstalls with pyenv (its Dockerfile) that this program supports (3.11+)."""

DEFAULT_SESSION_SECONDS = 7200
"""Deploy role sessions last two hours: prod's first ``up`` (VPCs, NAT gateways, EKS in two regions)
may outlast the one-hour default."""

SESSION_SECONDS = (3600, 43200)
"""IAM's bounds of a role's MaxSessionDuration: one to twelve hours."""

ENVIRONMENTS = ("dev", "staging", "prod")
"""The platform's environments (``container-platform:environment``)."""

GITHUB_TOKEN_OVERRIDE = "disabled"
"""What ``GITHUB_TOKEN`` is set to in every run: an explicit value replaces the GitHub App
installation token Deployments injects, which can write to every repository of the installation."""

RESERVED_VARIABLES = {
    "GITHUB_TOKEN": "the program sets it to limit the GitHub App token Deployments injects",
    "PYENV_VERSION": "the program sets it from pythonVersion",
    "AWS_ACCESS_KEY_ID": "Deployments sets it from the OIDC role",
    "AWS_SECRET_ACCESS_KEY": "Deployments sets it from the OIDC role",
    "AWS_SESSION_TOKEN": "Deployments sets it from the OIDC role",
    "PULUMI_ACCESS_TOKEN": "Deployments sets it for the run",
    "PULUMI_OIDC_TOKEN": "Deployments sets it for the run",
}
"""Environment variables a stack may not set, and why."""

SECRET_LOOKING = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|_KEY$", re.IGNORECASE)
"""Names whose values would be credentials: values here are committed in plain text."""

WEBHOOK_KINDS = {"slack": "slack", "msteams": "ms_teams", "webhook": "raw"}
"""Destination kind -> the Webhook ``format`` Pulumi Cloud formats the message for."""

STACK_WEBHOOK_EVENTS: tuple[str, ...] = tuple(
    f.value for f in ps.WebhookFilters if not f.value.startswith(("stack_", "environment_", "imported_environment_"))
)
"""Every filter of ``pulumiservice.WebhookFilters`` a stack webhook can use (``stack_*`` are for
organization webhooks only, ``environment_*`` for ESC)."""

DEFAULT_EVENTS = ("deployment_failed", "drift_detected", "drift_detection_failed")
"""A failed deployment (push, PR preview, drift or any other), drift found, a drift run that failed."""

ENCRYPTED_PLACEHOLDER_URL = "https://offline-plan.invalid/encrypted"
"""Offline only: what an encrypted ``url`` (``{secure: ...}``, which only the CLI can decrypt) stands for."""

STACK_NAME = r"^[A-Za-z0-9_.-]{1,40}$"
ORGANIZATION = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
PROJECT_NAME = r"^[A-Za-z0-9_.-]{1,100}$"
REPOSITORY = r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9_.-]{1,100}$"
SEGMENTS = r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*"
"""Relative slash-separated path; no segment starts with '.', so no '..' and no leading '/'."""
BRANCH = rf"^{SEGMENTS}$"
REPO_DIR = rf"^(\.|{SEGMENTS})$"
GLOB = r"^[^!/\s]\S*$"
POLICY_ARN = r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$"
AWS_REGION = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
ACCOUNT_ID = r"^\d{12}$"
ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
OIDC_PROVIDER_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/api\.pulumi\.com/oidc$"
AGENT_POOL_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
NOTIFICATION_NAME = r"^[a-z0-9][a-z0-9-]{0,39}$"
HTTPS_URL = r"^https://[A-Za-z0-9.-]+(:\d+)?(/\S*)?$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
IMAGE = (
    r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)

PATTERN_HELP = {
    STACK_NAME: "a stack name: letters, digits, '_', '.', '-', at most 40 characters",
    ORGANIZATION: (
        "a Pulumi organization name in lowercase, as in app.pulumi.com/<org>: it is the OIDC audience, which "
        "AWS compares case-sensitively, and organization names are always lowercase"
    ),
    PROJECT_NAME: "a Pulumi project name",
    REPOSITORY: "a GitHub repository as owner/name",
    BRANCH: "a plain branch name such as main or release (no refs/heads/ prefix)",
    REPO_DIR: "'.' or a relative directory without '..'",
    GLOB: "a glob relative to the repository root, without a leading '!' or '/'",
    POLICY_ARN: "an IAM policy ARN such as arn:aws:iam::123456789012:policy/deploy",
    AWS_REGION: "an AWS region such as us-east-1",
    ACCOUNT_ID: 'a 12-digit AWS account id, quoted: "111122223333"',
    ROLE_ARN: "an IAM role ARN such as arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
    OIDC_PROVIDER_ARN: (
        "the ARN of an IAM OIDC provider for api.pulumi.com/oidc, "
        "such as arn:aws:iam::111122223333:oidc-provider/api.pulumi.com/oidc"
    ),
    AGENT_POOL_ID: (
        "a Pulumi agent pool id, the pool's UUID in lowercase such as 51035bee-a4d6-4b63-9ff6-418775c5da8d "
        "(its id, not its name)"
    ),
    NOTIFICATION_NAME: "a name of lowercase letters, digits and '-', at most 40 characters",
    HTTPS_URL: "an https:// URL",
    ENV_NAME: "an environment variable name: letters, digits and '_', not starting with a digit",
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
    """Default: the program, stack files and requirements files, at the root and below."""
    exclude: tuple[Glob, ...] = DEFAULT_EXCLUDE
    """Default: the directories the program never imports, and Markdown anywhere."""

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
    """Run ``pulumi preview`` on pull requests against ``branch``, with the deploy role (which can
    write). Default: true; must be false for production (README.md, "Pull-request previews")."""
    paths: PathFilterSettings = PathFilterSettings()
    """Path filters for push-to-deploy. Default: program files in, docs out."""
    skip_intermediate_deployments: bool = Field(True, alias="skipIntermediateDeployments")
    """Collapse queued deployments into the newest one. Default: true."""
    drift_schedule: str | None = Field(None, alias="driftSchedule")
    """Cron schedule (UTC) of drift detection, five fields checked one by one. Default: none."""
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
    environment: Literal["dev", "staging", "prod"] | None = None
    """The stack's ``container-platform:environment``. Default: the stack's name when it is one
    of dev, staging, prod (required otherwise). ``prod`` makes the stack production."""
    allow_destroy: bool = Field(False, alias="allowDestroy")
    """Trust ``destroy`` operations (Deployments' destroy, TTL schedules). Default: false;
    never for production."""
    permissions_boundary_arn: str | None = Field(None, alias="permissionsBoundaryArn", pattern=POLICY_ARN)
    """Permissions boundary of the deploy role, a policy of ``accountId`` or AWS managed.
    Default: none, the boundary the program creates in the account (needs ``regions``)."""
    regions: tuple[Annotated[str, Field(pattern=AWS_REGION)], ...] | None = Field(None, min_length=1)
    """Every region the stack deploys to; the default boundary denies regional actions elsewhere.
    Required without ``permissionsBoundaryArn``."""
    session_duration_seconds: int = Field(DEFAULT_SESSION_SECONDS, alias="sessionDurationSeconds")
    """Deploy role session length: the role's MaxSessionDuration and the OIDC ``duration``. Default 7200."""
    agent_pool_id: str | None = Field(None, alias="agentPoolId", pattern=AGENT_POOL_ID)
    """Customer-managed agent pool that runs the stack's deployments. Default: none (the
    organization's default pool, else Pulumi's hosted runners)."""
    executor_image: str = Field(DEFAULT_EXECUTOR_IMAGE, alias="executorImage")
    """Executor image, pinned to a tag or digest. Default: ``pulumi/pulumi`` at a fixed CLI release."""
    python_version: str = Field(DEFAULT_PYTHON_VERSION, alias="pythonVersion")
    """Python of the run (``PYENV_VERSION`` in ``pulumi/pulumi``), quoted. Default: CI's, "3.11"."""
    environment_variables: dict[str, str] = Field({}, alias="environmentVariables")
    """Extra plain-text environment variables of every run. Default: none. ``GITHUB_TOKEN`` and
    ``PYENV_VERSION`` are set by the program; credentials do not belong here (committed in plain text)."""

    @field_validator("drift_schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        problem = None if schedule is None else cron_problem(schedule)
        if problem is not None:
            raise ValueError(problem)
        return schedule

    @field_validator("regions")
    @classmethod
    def _unique_regions(cls, regions: tuple[str, ...] | None) -> tuple[str, ...] | None:
        repeated = sorted({r for r in regions or () if (regions or ()).count(r) > 1})
        if repeated:
            raise ValueError(f"regions must be unique; repeated: {', '.join(repeated)}")
        return regions

    @field_validator("session_duration_seconds")
    @classmethod
    def _session(cls, seconds: int) -> int:
        low, high = SESSION_SECONDS
        if not low <= seconds <= high:
            raise ValueError(
                f"expected seconds between {low} (1 hour) and {high} (12 hours), the bounds IAM allows for a "
                "role's maximum session"
            )
        return seconds

    @field_validator("executor_image")
    @classmethod
    def _pinned_image(cls, image: str) -> str:
        match = re.match(IMAGE, image)
        if match is None:
            raise ValueError(f"expected a container image reference such as {DEFAULT_EXECUTOR_IMAGE}")
        if match["digest"] is None and match["tag"] in (None, "latest"):
            raise ValueError(
                f"pin the image to a version tag or a sha256 digest, such as {DEFAULT_EXECUTOR_IMAGE}: without one, "
                "a new image changes the CLI and the language runtimes under the next deployment"
            )
        return image

    @field_validator("python_version", mode="before")
    @classmethod
    def _python(cls, version: Any) -> Any:
        if version not in PYTHON_VERSIONS:  # also a YAML number such as 3.11
            allowed = ", ".join(f'"{v}"' for v in PYTHON_VERSIONS)
            raise ValueError(
                f"expected one of {allowed}, quoted (YAML reads 3.11 as a number): the versions pulumi/pulumi "
                "preinstalls that this program supports"
            )
        return version

    @field_validator("environment_variables")
    @classmethod
    def _variables(cls, variables: dict[str, str]) -> dict[str, str]:
        problems = []
        for name in variables:
            if not re.match(ENV_NAME, name):
                problems.append(f"{name!r} is not {PATTERN_HELP[ENV_NAME]}")
            elif name.upper() in RESERVED_VARIABLES:
                problems.append(f"{name} is reserved: {RESERVED_VARIABLES[name.upper()]}")
            elif SECRET_LOOKING.search(name):
                problems.append(
                    f"{name} looks like a credential, and these values are committed in plain text; "
                    "keep credentials out of deployment settings"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return variables

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
    mode: Literal["preventative", "audit"] = "audit"
    """``audit`` (the default, for new stacks) only reports; ``preventative`` blocks previews and
    updates with a mandatory violation. Switch after one clean run (README.md, "Guardrails")."""


class NotificationSettings(Model):
    """One destination for failure and drift notices: a Pulumi Cloud webhook per stack."""

    name: str = Field(pattern=NOTIFICATION_NAME)
    """Names the webhooks (``deploy-<stack>-notify-<name>``); unique."""
    kind: Literal["slack", "msteams", "webhook"]
    """``slack`` or ``msteams`` (an incoming-webhook URL, messages formatted for it) or ``webhook`` (raw JSON)."""
    url: str = Field(pattern=HTTPS_URL)
    """The destination URL, a secret: ``pulumi config set --secret --path 'notifications[0].url' <url>``."""
    events: tuple[str, ...] = Field(DEFAULT_EVENTS, min_length=1)
    """Webhook filters. Default: deployment_failed, drift_detected, drift_detection_failed."""
    stacks: tuple[str, ...] | None = Field(None, min_length=1)
    """Stacks to watch. Default: every stack in ``stacks``."""

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [e for e in events if e not in STACK_WEBHOOK_EVENTS]
        if unknown:
            raise ValueError(
                f"unknown event {', '.join(unknown)}; a stack webhook takes {', '.join(STACK_WEBHOOK_EVENTS)}"
            )
        repeated = sorted({e for e in events if events.count(e) > 1})
        if repeated:
            raise ValueError(f"events must be unique; repeated: {', '.join(repeated)}")
        return events


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
    """The policy pack in Pulumi Cloud; default: published and in audit mode on every stack."""
    notifications: tuple[NotificationSettings, ...] = ()
    """Where failed deployments and drift are reported. Default: nowhere."""

    @field_validator("notifications")
    @classmethod
    def _unique_names(cls, notifications: tuple[NotificationSettings, ...]) -> tuple[NotificationSettings, ...]:
        names = [n.name for n in notifications]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"notification names must be unique; repeated: {', '.join(repeated)}")
        return notifications

    def environment_of(self, stack: str) -> str | None:
        """The stack's environment: ``environment``, else its name when that is one."""
        explicit = self.stacks[stack].environment
        return explicit or (stack if stack in ENVIRONMENTS else None)

    def is_production(self, stack: str) -> bool:
        """Whether the stack is production: named prod, or in the prod environment."""
        return stack == PROD_STACK or self.environment_of(stack) == "prod"

    def operations(self, stack: str) -> tuple[str, ...]:
        """The Deployments operations the stack's deploy role trusts: update, plus what the settings use."""
        s = self.stacks[stack]
        return deploy_operations(
            preview=s.preview_pull_requests and not self.is_production(stack),
            refresh=s.drift_schedule is not None,
            destroy=s.allow_destroy and not self.is_production(stack),
        )

    def notifications_for(self, stack: str) -> tuple[NotificationSettings, ...]:
        """The destinations that watch ``stack``."""
        return tuple(n for n in self.notifications if n.stacks is None or stack in n.stacks)

    def boundary_regions(self) -> dict[str, tuple[str, ...]]:
        """Account -> regions of its stacks that use the default boundary (accounts without one left out)."""
        regions: dict[str, tuple[str, ...]] = {}
        for account in sorted({s.account_id for s in self.stacks.values()}):
            own = [s for s in self.stacks.values() if s.account_id == account and s.permissions_boundary_arn is None]
            if own:
                regions[account] = tuple(dict.fromkeys(r for s in own for r in s.regions or ()))
        return regions

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
        if error["loc"][:1] == ("notifications",) and (
            error["loc"][-1] == "url" or isinstance(error["input"], dict | list | tuple)
        ):
            pass  # a webhook URL is a credential: never repeat it, nor anything that holds one
        elif error["type"] not in ("missing", "extra_forbidden"):
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
    problems += _production_checks(config)
    problems += _own_account_checks(config)
    problems += _shared_account_checks(config)
    problems += _ambient_checks(config)
    problems += _notification_checks(config)
    return problems


def _production_checks(config: DeploymentConfig) -> list[str]:
    """What a stack's environment decides: production never hands its write role to unreviewed code."""
    problems = []
    for name, s in config.stacks.items():
        at = f"stacks.{name}"
        if config.environment_of(name) is None:
            problems.append(
                f"{at}.environment: required: {name} is not named {', '.join(ENVIRONMENTS)}; give its "
                "container-platform:environment"
            )
        if not config.is_production(name):
            continue
        if s.preview_pull_requests:
            problems.append(
                f"{at}.previewPullRequests: must be false for production: a pull-request preview runs the pull "
                "request's code with the stack's deploy role, which can write, and Deployments gives every "
                "operation of a stack the same role (one operationContext.oidc.aws.roleArn), so no read-only "
                'preview is possible; review the offline plan diff instead (README.md, "Pull-request previews")'
            )
        if s.allow_destroy:
            problems.append(
                f"{at}.allowDestroy: must be false for production: destroy it from the CLI with an "
                "administrator's own credentials, not through Deployments"
            )
    return problems


def _notification_checks(config: DeploymentConfig) -> list[str]:
    """Destinations name configured stacks."""
    problems = []
    for i, n in enumerate(config.notifications):
        for j, stack in enumerate(n.stacks or ()):
            if stack not in config.stacks:
                problems.append(
                    f"notifications[{i}].stacks[{j}]: {stack!r} is not in stacks ({', '.join(config.stacks)})"
                )
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
        boundary = s.permissions_boundary_arn
        if boundary is not None and _arn_account(boundary) not in ("aws", account):
            problems.append(
                f"{at}.permissionsBoundaryArn: the policy belongs to account {_arn_account(boundary)}, but the deploy "
                f"role is created in {at}.accountId {account}; name a policy of that account or an AWS managed one"
            )
        if boundary is None and s.regions is None:
            problems.append(
                f"{at}.regions: required: the default permissions boundary denies regional actions outside "
                f"these regions; list every region {name} deploys to (its aws:region, eks.regions, and us-east-1 "
                "with public ECR repositories), or name your own boundary in permissionsBoundaryArn"
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

NOTIFICATIONS_KEY = f"{NAMESPACE}:notifications"


def _is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"} and isinstance(value["secure"], str)


def _secret_urls(notifications: Any, *, key_is_secret: bool) -> tuple[Any, list[str]]:
    """``notifications`` with encrypted URLs opaque, and a problem for every URL in plain text.

    The CLI decrypts ``url: {secure: ...}`` before the program runs and marks the whole key
    secret, so a real run sees plain URLs under a secret key. Only an offline plan sees the
    ``{secure: ...}`` object itself: the URL then stands for ``ENCRYPTED_PLACEHOLDER_URL``.
    A URL that arrives in plain text under a key that is not secret was committed in plain text.
    """
    if not isinstance(notifications, list):
        return notifications, []
    problems = []
    result = []
    for i, entry in enumerate(notifications):
        if isinstance(entry, dict) and "url" in entry:
            if _is_encrypted(entry["url"]):
                entry = {**entry, "url": ENCRYPTED_PLACEHOLDER_URL}
            elif not key_is_secret:
                problems.append(
                    f"notifications[{i}].url: must be a secret: a webhook URL lets anyone post to the channel, and "
                    f"this one would sit in Pulumi.<stack>.yaml in plain text; set it with `pulumi config set "
                    f"--secret --path 'notifications[{i}].url' <url>`"
                )
        result.append(entry)
    return result, problems


def parse(raw: Mapping[str, Any], *, stack: str, secret_keys: Collection[str] = ()) -> DeploymentConfig:
    """Validate ``raw`` (config keys with or without the ``container-platform-deployment:`` prefix).

    ``secret_keys`` are the keys the engine marked secret (with or without the prefix).
    """
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.removeprefix(f"{NAMESPACE}:")
        # Scalars stay text: an organization named "123" must not turn into a number.
        values[name] = value if name in _STRING_KEYS else _decode(value)
    secret = {k.removeprefix(f"{NAMESPACE}:") for k in secret_keys}
    url_problems: list[str] = []
    if "notifications" in values:
        values["notifications"], url_problems = _secret_urls(
            values["notifications"], key_is_secret="notifications" in secret
        )
    try:
        config = DeploymentConfig.model_validate_json(json.dumps(values), strict=True)
    except ValidationError as err:
        raise ConfigError(stack, _problems(err) + url_problems) from None
    problems = url_problems + _cross_checks(config)
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
    secret = set(runtime_config.get_config_secret_keys_env()) | {k for k in raw if runtime_config.is_config_secret(k)}
    return parse(raw, stack=pulumi.get_stack(), secret_keys=secret)
