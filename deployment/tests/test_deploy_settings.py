"""The settings layer: the committed stack file loads; every bad value is reported at its path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy_settings import (
    DEFAULT_EXCLUDE,
    DEFAULT_EXECUTOR_IMAGE,
    DEFAULT_INCLUDE,
    DEFAULT_PYTHON_VERSION,
    AccountAccess,
    ConfigError,
    DeploymentConfig,
    parse,
)
from offline_plan.recorder import engine_config, stack_config

NS = "container-platform-deployment:"


def parse_config(config: dict[str, Any], secret_keys: tuple[str, ...] = ()) -> DeploymentConfig:
    """Validate YAML-shaped config exactly as the program receives it from the engine."""
    encoded, secret = engine_config(config)
    return parse(
        {k: v for k, v in encoded.items() if k.startswith(NS)}, stack="platform", secret_keys=[*secret, *secret_keys]
    )


def problems_of(config: dict[str, Any], secret_keys: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(config, secret_keys)
    return caught.value.problems


def stacks(config: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = config[NS + "stacks"]
    return value


def test_committed_stack_file_loads(platform_config: dict[str, Any]) -> None:
    cfg = parse_config(platform_config)
    assert cfg.organization == "acme"
    assert cfg.repository == "acme/container-platform"
    assert cfg.project == "container-platform"
    assert cfg.aws_region == "us-east-1"
    assert sorted(cfg.stacks) == ["dev", "prod"]
    dev, prod = cfg.stacks["dev"], cfg.stacks["prod"]
    assert (dev.branch, prod.branch) == ("main", "release")
    assert dev.deploy_commits and prod.deploy_commits
    # Previews of pull requests: dev's, with its own role; never prod's.
    assert (dev.preview_pull_requests, prod.preview_pull_requests) == (True, False)
    assert dev.skip_intermediate_deployments and prod.skip_intermediate_deployments
    assert (dev.drift_schedule, prod.drift_schedule) == (None, "0 6 * * *")
    assert prod.drift_auto_remediate is False
    assert (dev.paths.include, dev.paths.exclude) == (DEFAULT_INCLUDE, DEFAULT_EXCLUDE)
    assert (prod.paths.include, prod.paths.exclude) == (DEFAULT_INCLUDE, DEFAULT_EXCLUDE)
    assert (dev.environment, prod.environment) == ("dev", "prod")
    assert (dev.regions, prod.regions) == (("us-east-1",), ("us-east-1", "eu-west-1"))
    assert dev.permissions_boundary_arn is None and prod.permissions_boundary_arn is None
    assert dev.session_duration_seconds == prod.session_duration_seconds == 7200
    assert dev.agent_pool_id is None and prod.agent_pool_id is None
    assert dev.executor_image == prod.executor_image == DEFAULT_EXECUTOR_IMAGE == "pulumi/pulumi:3.272.0"
    assert dev.python_version == prod.python_version == "3.11"
    assert dev.environment_variables == prod.environment_variables == {}
    assert dev.allow_destroy is False and prod.allow_destroy is False
    assert cfg.guardrails.mode == "audit"
    assert cfg.notifications == ()
    assert cfg.operations("dev") == ("preview", "update")
    assert cfg.operations("prod") == ("update", "refresh")
    assert cfg.boundary_regions() == {"123456789012": ("us-east-1",), "444455556666": ("us-east-1", "eu-west-1")}
    assert cfg.account_id == "123456789012"
    assert (dev.account_id, prod.account_id) == ("123456789012", "444455556666")
    assert (dev.assume_role_arn, prod.assume_role_arn) == (
        None,
        "arn:aws:iam::444455556666:role/container-platform-deployment-bootstrap",
    )
    assert dev.deploy_policy_arns == ("arn:aws:iam::123456789012:policy/container-platform-deploy-dev",)
    assert prod.deploy_policy_arns == ("arn:aws:iam::444455556666:policy/container-platform-deploy-prod",)


def test_defaults_apply_when_keys_are_omitted(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    del config[NS + "project"]
    del config[NS + "guardrails"]
    stacks(config)["dev"] = {
        "accountId": "123456789012",
        "branch": "main",
        "regions": ["us-east-1"],
        "deployPolicyArns": ["arn:aws:iam::123456789012:policy/deploy"],
    }
    cfg = parse_config(config)
    dev = cfg.stacks["dev"]
    assert cfg.project == "container-platform"
    assert dev.repo_dir == "."
    assert dev.deploy_commits is True
    assert dev.preview_pull_requests is True
    assert dev.skip_intermediate_deployments is True
    assert dev.drift_schedule is None
    assert dev.assume_role_arn is None and dev.existing_oidc_provider_arn is None
    assert (dev.paths.include, dev.paths.exclude) == (DEFAULT_INCLUDE, DEFAULT_EXCLUDE)
    assert DEFAULT_INCLUDE == (
        "*.py",
        "**/*.py",
        "Pulumi*.yaml",
        "**/Pulumi*.yaml",
        "requirements*.txt",
        "**/requirements*.txt",
    )
    assert DEFAULT_EXCLUDE == (
        "policy/**",
        "tests/**",
        "offline_plan/**",
        ".ci/**",
        "tools/**",
        "docs/**",
        "deployment/**",
        "**/*.md",
    )
    assert dev.environment is None and cfg.environment_of("dev") == "dev" and not cfg.is_production("dev")
    assert dev.allow_destroy is False
    assert dev.permissions_boundary_arn is None
    assert dev.session_duration_seconds == 7200
    assert dev.agent_pool_id is None
    assert dev.executor_image == DEFAULT_EXECUTOR_IMAGE
    assert dev.python_version == DEFAULT_PYTHON_VERSION == "3.11"
    assert dev.environment_variables == {}
    assert cfg.guardrails.enabled is True and cfg.guardrails.mode == "audit"
    assert cfg.notifications == ()


def mutate(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``config`` with ``stacks.prod.branch``-style ``path`` set (``DELETE`` removes it)."""
    result = copy.deepcopy(config)
    head, *rest = path.split(".")
    if not rest:
        if value is DELETE:
            del result[NS + head]
        else:
            result[NS + head] = value
        return result
    target = result[NS + head]
    for key in rest[:-1]:
        target = target[key]
    if value is DELETE:
        del target[rest[-1]]
    else:
        target[rest[-1]] = value
    return result


class _Delete:
    """A value that removes the key; its stable repr keeps test ids equal across pytest-xdist workers."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()

BAD_VALUES = [
    ("colour", "blue", "colour: unknown key"),
    ("stacks.dev.deployCommit", True, "stacks.dev.deployCommit: unknown key"),
    ("stacks.prod.paths", {"includes": ["x"]}, "stacks.prod.paths.includes: unknown key"),
    ("organization", DELETE, "organization: required key is missing"),
    ("awsRegion", "Europe", "awsRegion: expected an AWS region such as us-east-1 (got 'Europe')"),
    ("repository", "acme", "repository: expected a GitHub repository as owner/name (got 'acme')"),
    ("stacks.prod.deployPolicyArns", DELETE, "stacks.prod.deployPolicyArns: required key is missing"),
    ("stacks.prod.deployPolicyArns", [], "stacks.prod.deployPolicyArns: Tuple should have at least 1 item"),
    (
        "stacks.dev.deployPolicyArns",
        ["AdministratorAccess"],
        "stacks.dev.deployPolicyArns[0]: expected an IAM policy ARN such as arn:aws:iam::123456789012:policy/deploy (got 'AdministratorAccess')",
    ),
    (
        "stacks.dev.deployPolicyArns",
        ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::123456789012:policy/PowerUserAccess"],
        "stacks.dev.deployPolicyArns: policy names must be unique; repeated: PowerUserAccess",
    ),
    ("stacks.dev.deployCommits", "yes", "stacks.dev.deployCommits: Input should be a valid boolean (got 'yes')"),
    (
        "stacks.dev.branch",
        "refs/heads/main",
        "stacks.dev.branch: expected a plain branch name such as main or release (no refs/heads/ prefix) (got 'refs/heads/main')",
    ),
    ("stacks.dev.repoDir", "../infra", "stacks.dev.repoDir: expected '.' or a relative directory without '..'"),
    (
        "stacks.prod.driftSchedule",
        "daily",
        "stacks.prod.driftSchedule: expected five fields separated by single spaces: minute hour day-of-month "
        "month day-of-week (UTC), such as '0 6 * * *'; got 1 (got 'daily')",
    ),
    (
        "stacks.prod.driftSchedule",
        "0 99 * * *",
        "stacks.prod.driftSchedule: hour field: 99 is outside 0-23 (got '0 99 * * *')",
    ),
    (
        "organization",
        "Acme",
        "organization: expected a Pulumi organization name in lowercase, as in app.pulumi.com/<org>: it is the "
        "OIDC audience, which AWS compares case-sensitively, and organization names are always lowercase (got 'Acme')",
    ),
    ("stacks.prod.environment", "production", "stacks.prod.environment: Input should be 'dev', 'staging' or 'prod'"),
    ("stacks.dev.allowDestroy", "no", "stacks.dev.allowDestroy: Input should be a valid boolean (got 'no')"),
    (
        "stacks.prod.permissionsBoundaryArn",
        "boundary",
        "stacks.prod.permissionsBoundaryArn: expected an IAM policy ARN such as "
        "arn:aws:iam::123456789012:policy/deploy (got 'boundary')",
    ),
    ("stacks.prod.regions", ["eu-west"], "stacks.prod.regions[0]: expected an AWS region such as us-east-1"),
    ("stacks.prod.regions", [], "stacks.prod.regions: Tuple should have at least 1 item"),
    (
        "stacks.prod.regions",
        ["us-east-1", "us-east-1"],
        "stacks.prod.regions: regions must be unique; repeated: us-east-1",
    ),
    (
        "stacks.prod.sessionDurationSeconds",
        3599,
        "stacks.prod.sessionDurationSeconds: expected seconds between 3600 (1 hour) and 43200 (12 hours), the "
        "bounds IAM allows for a role's maximum session (got 3599)",
    ),
    (
        "stacks.prod.sessionDurationSeconds",
        43201,
        "stacks.prod.sessionDurationSeconds: expected seconds between 3600 (1 hour) and 43200 (12 hours)",
    ),
    (
        "stacks.prod.sessionDurationSeconds",
        "7200",
        "stacks.prod.sessionDurationSeconds: Input should be a valid integer (got '7200')",
    ),
    (
        "stacks.prod.agentPoolId",
        "prod-pool",
        "stacks.prod.agentPoolId: expected a Pulumi agent pool id, the pool's UUID in lowercase such as "
        "51035bee-a4d6-4b63-9ff6-418775c5da8d (its id, not its name) (got 'prod-pool')",
    ),
    (
        "stacks.prod.executorImage",
        "pulumi/pulumi:latest",
        "stacks.prod.executorImage: pin the image to a version tag or a sha256 digest, such as "
        "pulumi/pulumi:3.272.0: without one, a new image changes the CLI and the language runtimes under the "
        "next deployment (got 'pulumi/pulumi:latest')",
    ),
    ("stacks.prod.executorImage", "pulumi/pulumi", "stacks.prod.executorImage: pin the image to a version tag"),
    (
        "stacks.prod.executorImage",
        "Pulumi/Pulumi:3",
        "stacks.prod.executorImage: expected a container image reference such as pulumi/pulumi:3.272.0",
    ),
    (
        "stacks.prod.pythonVersion",
        3.11,
        'stacks.prod.pythonVersion: expected one of "3.11", "3.12", "3.13", "3.14", quoted (YAML reads 3.11 as a '
        "number): the versions pulumi/pulumi preinstalls that this program supports (got 3.11)",
    ),
    ("stacks.prod.pythonVersion", "3.10", 'stacks.prod.pythonVersion: expected one of "3.11"'),
    (
        "stacks.dev.environmentVariables",
        {"GITHUB_TOKEN": "ghp_x"},
        "stacks.dev.environmentVariables: GITHUB_TOKEN is reserved: the program sets it to limit the GitHub App "
        "token Deployments injects",
    ),
    (
        "stacks.dev.environmentVariables",
        {"PYENV_VERSION": "3.12"},
        "stacks.dev.environmentVariables: PYENV_VERSION is reserved: the program sets it from pythonVersion",
    ),
    (
        "stacks.dev.environmentVariables",
        {"NPM_TOKEN": "x"},
        "stacks.dev.environmentVariables: NPM_TOKEN looks like a credential, and these values are committed in "
        "plain text; keep credentials out of deployment settings",
    ),
    (
        "stacks.dev.environmentVariables",
        {"1X": "y"},
        "stacks.dev.environmentVariables: '1X' is not an environment variable name: letters, digits and '_', "
        "not starting with a digit",
    ),
    (
        "stacks.dev.environmentVariables",
        {"LOG": 1},
        "stacks.dev.environmentVariables.LOG: Input should be a valid string",
    ),
    (
        "stacks.prod.paths",
        {"exclude": ["!docs/**"]},
        "stacks.prod.paths.exclude[0]: expected a glob relative to the repository root, without a leading '!' or '/'",
    ),
    (
        "stacks.prod.paths",
        {"exclude": ["**/*.py"]},
        "stacks.prod.paths.exclude: patterns both included and excluded: **/*.py",
    ),
    ("stacks", {}, "stacks: Dictionary should have at least 1 item"),
    ("stacks.prod.accountId", DELETE, "stacks.prod.accountId: required key is missing"),
    (
        "stacks.prod.accountId",
        444455556666,
        'stacks.prod.accountId: expected a 12-digit AWS account id, quoted: "111122223333" (got 444455556666)',
    ),
    (
        "stacks.dev.accountId",
        "12345678901",
        "stacks.dev.accountId: expected a 12-digit AWS account id, quoted: \"111122223333\" (got '12345678901')",
    ),
    (
        "accountId",
        "dev-account",
        "accountId: expected a 12-digit AWS account id, quoted: \"111122223333\" (got 'dev-account')",
    ),
    ("stacks.prod.assumeRole", "x", "stacks.prod.assumeRole: unknown key"),
    (
        "stacks.prod.assumeRoleArn",
        "OrganizationAccountAccessRole",
        "stacks.prod.assumeRoleArn: expected an IAM role ARN such as "
        "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole (got 'OrganizationAccountAccessRole')",
    ),
    (
        "stacks.prod.existingOidcProviderArn",
        "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com",
        "stacks.prod.existingOidcProviderArn: expected the ARN of an IAM OIDC provider for api.pulumi.com/oidc, "
        "such as arn:aws:iam::111122223333:oidc-provider/api.pulumi.com/oidc",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_VALUES, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD_VALUES])
def test_bad_value_is_reported_at_its_path(
    platform_config: dict[str, Any], path: str, value: Any, message: str
) -> None:
    problems = problems_of(mutate(platform_config, path, value))
    assert any(p.startswith(message) for p in problems), problems


def test_bad_stack_name_is_reported_at_the_stack(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    stacks(config)["my stack"] = stacks(config).pop("dev")
    assert problems_of(config) == [
        "stacks.my stack: expected a stack name: letters, digits, '_', '.', '-', at most 40 characters (got 'my stack')"
    ]


def test_prod_may_not_deploy_on_push_from_devs_branch(platform_config: dict[str, Any]) -> None:
    assert problems_of(mutate(platform_config, "stacks.prod.branch", "main")) == [
        "stacks.prod.branch: prod deploys on push only from its own release branch, but 'main' is also dev's "
        "branch (use a release branch or set deployCommits: false)"
    ]


def test_prod_on_devs_branch_is_fine_without_push_to_deploy(platform_config: dict[str, Any]) -> None:
    config = mutate(mutate(platform_config, "stacks.prod.branch", "main"), "stacks.prod.deployCommits", False)
    assert parse_config(config).stacks["prod"].deploy_commits is False


def test_every_problem_is_reported_at_once(platform_config: dict[str, Any]) -> None:
    config = mutate(platform_config, "repository", "acme")
    config = mutate(config, "stacks.dev.deployPolicyArns", DELETE)
    config = mutate(config, "stacks.prod.previewPullRequests", "true")
    problems = problems_of(config)
    assert [p.split(":")[0] for p in problems] == [
        "repository",
        "stacks.dev.deployPolicyArns",
        "stacks.prod.previewPullRequests",
    ]
    with pytest.raises(ConfigError, match=r"invalid configuration for stack 'platform' \(3 problems\)"):
        parse_config(config)


# Accounts: each stack's role lives in its own account, reached by the ambient credentials or a role.

PLATFORM_ROOT = Path(__file__).resolve().parents[2]
PROD_ROLE = "arn:aws:iam::444455556666:role/container-platform-deployment-bootstrap"


def test_committed_accounts_are_the_platform_stacks_accounts(platform_config: dict[str, Any]) -> None:
    cfg = parse_config(platform_config)
    platform = {stack: str(stack_config(stack, PLATFORM_ROOT)["container-platform:accountId"]) for stack in cfg.stacks}
    assert {stack: s.account_id for stack, s in cfg.stacks.items()} == platform
    assert platform == {"dev": "123456789012", "prod": "444455556666"}


def test_accounts_group_stacks_with_how_each_account_is_reached(platform_config: dict[str, Any]) -> None:
    assert parse_config(platform_config).accounts() == {
        "123456789012": AccountAccess("123456789012", None, None, ("dev",)),
        "444455556666": AccountAccess("444455556666", PROD_ROLE, None, ("prod",)),
    }


def test_one_account_needs_no_role_and_no_ambient_account(platform_config: dict[str, Any]) -> None:
    config = mutate(platform_config, "accountId", DELETE)
    config = mutate(config, "stacks.prod.accountId", "123456789012")
    config = mutate(config, "stacks.prod.assumeRoleArn", DELETE)
    config = mutate(config, "stacks.prod.deployPolicyArns", ["arn:aws:iam::123456789012:policy/deploy-prod"])
    cfg = parse_config(config)
    assert cfg.account_id is None
    assert cfg.accounts() == {"123456789012": AccountAccess("123456789012", None, None, ("dev", "prod"))}


def test_without_an_ambient_account_one_account_may_go_without_a_role(platform_config: dict[str, Any]) -> None:
    cfg = parse_config(mutate(platform_config, "accountId", DELETE))
    assert cfg.account_id is None
    assert cfg.stacks["dev"].assume_role_arn is None


def test_a_tooling_account_reaches_every_stack_through_roles(platform_config: dict[str, Any]) -> None:
    dev_role = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
    config = mutate(platform_config, "accountId", "999988887777")
    config = mutate(config, "stacks.dev.assumeRoleArn", dev_role)
    assert [a.assume_role_arn for a in parse_config(config).accounts().values()] == [dev_role, PROD_ROLE]


def test_aws_managed_policies_fit_every_account(platform_config: dict[str, Any]) -> None:
    arns = ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::444455556666:policy/iam-for-platform"]
    assert parse_config(mutate(platform_config, "stacks.prod.deployPolicyArns", arns)).stacks["prod"].deploy_policy_arns


def test_a_policy_of_another_account_is_reported_at_its_index(platform_config: dict[str, Any]) -> None:
    arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/container-platform-deploy-prod"]
    assert problems_of(mutate(platform_config, "stacks.prod.deployPolicyArns", arns)) == [
        "stacks.prod.deployPolicyArns[1]: the policy belongs to account 123456789012, but the deploy role is created "
        "in stacks.prod.accountId 444455556666; attach a policy of that account (arn:aws:iam::444455556666:policy/...) "
        "or an AWS managed one (arn:aws:iam::aws:policy/...)"
    ]


def test_the_role_to_assume_must_be_in_the_stacks_account(platform_config: dict[str, Any]) -> None:
    role = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
    assert problems_of(mutate(platform_config, "stacks.prod.assumeRoleArn", role)) == [
        "stacks.prod.assumeRoleArn: the role belongs to account 123456789012, but stacks.prod.accountId is "
        "444455556666; name a role in 444455556666 (e.g. arn:aws:iam::444455556666:role/OrganizationAccountAccessRole)"
    ]


def test_an_existing_oidc_provider_must_be_in_the_stacks_account(platform_config: dict[str, Any]) -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc"
    assert problems_of(mutate(platform_config, "stacks.prod.existingOidcProviderArn", arn)) == [
        "stacks.prod.existingOidcProviderArn: the provider belongs to account 123456789012, but stacks.prod.accountId "
        "is 444455556666; name the one in 444455556666 (arn:aws:iam::444455556666:oidc-provider/api.pulumi.com/oidc)"
    ]


def test_a_stack_outside_the_ambient_account_needs_a_role(platform_config: dict[str, Any]) -> None:
    assert problems_of(mutate(platform_config, "stacks.prod.assumeRoleArn", DELETE)) == [
        "stacks.prod.assumeRoleArn: required: prod deploys to account 444455556666, but the ambient credentials "
        "belong to accountId 123456789012; name a role in 444455556666 for the deployment project to assume "
        "(e.g. arn:aws:iam::444455556666:role/OrganizationAccountAccessRole)"
    ]


def test_without_an_ambient_account_two_accounts_without_roles_are_both_reported(
    platform_config: dict[str, Any],
) -> None:
    config = mutate(mutate(platform_config, "accountId", DELETE), "stacks.prod.assumeRoleArn", DELETE)
    assert problems_of(config) == [
        f"stacks.{stack}.assumeRoleArn: required: {stack} deploys to account {account}, but the stacks span accounts "
        "123456789012, 444455556666 and the ambient credentials belong to one at most; name a role in "
        f"{account} for the deployment project to assume (e.g. arn:aws:iam::{account}:role/"
        f"OrganizationAccountAccessRole), or set accountId to {account} if the ambient credentials are that account's"
        for stack, account in (("dev", "123456789012"), ("prod", "444455556666"))
    ]


def test_stacks_of_one_account_agree_on_how_it_is_reached(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    stacks(config)["staging"] = {
        "accountId": "444455556666",
        "branch": "staging",
        "regions": ["us-east-1"],
        "existingOidcProviderArn": "arn:aws:iam::444455556666:oidc-provider/api.pulumi.com/oidc",
        "deployPolicyArns": ["arn:aws:iam::444455556666:policy/container-platform-deploy-staging"],
    }
    assert problems_of(config) == [
        "stacks.staging.assumeRoleArn: stacks prod and staging both deploy to account 444455556666, which the "
        "deployment project reaches through one provider; give them the same assumeRoleArn "
        f"(prod: {PROD_ROLE}, staging: none)",
        "stacks.staging.existingOidcProviderArn: stacks prod and staging both deploy to account 444455556666, which "
        "the deployment project reaches through one provider; give them the same existingOidcProviderArn "
        "(prod: none, staging: arn:aws:iam::444455556666:oidc-provider/api.pulumi.com/oidc)",
    ]


# Production: no pull-request previews with the write role, no destroy through Deployments.

PREVIEW_MESSAGE = (
    "previewPullRequests: must be false for production: a pull-request preview runs the pull request's code with "
    "the stack's deploy role, which can write, and Deployments gives every operation of a stack the same role (one "
    "operationContext.oidc.aws.roleArn), so no read-only preview is possible; review the offline plan diff instead "
    '(README.md, "Pull-request previews")'
)


def test_prod_may_not_preview_pull_requests(platform_config: dict[str, Any]) -> None:
    assert problems_of(mutate(platform_config, "stacks.prod.previewPullRequests", True)) == [
        f"stacks.prod.{PREVIEW_MESSAGE}"
    ]


def test_prod_previews_by_default_are_refused_too(platform_config: dict[str, Any]) -> None:
    assert problems_of(mutate(platform_config, "stacks.prod.previewPullRequests", DELETE)) == [
        f"stacks.prod.{PREVIEW_MESSAGE}"
    ]


def test_a_stack_in_the_prod_environment_is_production_whatever_its_name(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    stacks(config)["prod-eu"] = {**stacks(config)["prod"], "branch": "release-eu", "previewPullRequests": True}
    assert problems_of(config) == [f"stacks.prod-eu.{PREVIEW_MESSAGE}"]


def test_the_stack_named_prod_is_production_whatever_its_environment(platform_config: dict[str, Any]) -> None:
    config = mutate(platform_config, "stacks.prod.environment", "staging")
    assert problems_of(mutate(config, "stacks.prod.previewPullRequests", True)) == [f"stacks.prod.{PREVIEW_MESSAGE}"]


def test_a_stack_not_named_after_an_environment_names_its_environment(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    stacks(config)["qa"] = {**stacks(config)["dev"], "branch": "qa"}
    del stacks(config)["qa"]["environment"]
    assert problems_of(config) == [
        "stacks.qa.environment: required: qa is not named dev, staging, prod; give its container-platform:environment"
    ]
    stacks(config)["qa"]["environment"] = "staging"
    cfg = parse_config(config)
    assert cfg.environment_of("qa") == "staging" and not cfg.is_production("qa")
    assert cfg.operations("qa") == ("preview", "update")


def test_prod_may_not_be_destroyed_through_deployments(platform_config: dict[str, Any]) -> None:
    assert problems_of(mutate(platform_config, "stacks.prod.allowDestroy", True)) == [
        "stacks.prod.allowDestroy: must be false for production: destroy it from the CLI with an administrator's "
        "own credentials, not through Deployments"
    ]


def test_dev_may_allow_destroy_which_its_role_then_trusts(platform_config: dict[str, Any]) -> None:
    cfg = parse_config(mutate(platform_config, "stacks.dev.allowDestroy", True))
    assert cfg.operations("dev") == ("preview", "update", "destroy")


def test_operations_follow_the_settings(platform_config: dict[str, Any]) -> None:
    config = mutate(platform_config, "stacks.dev.previewPullRequests", False)
    config = mutate(config, "stacks.dev.driftSchedule", "30 5 * * MON-FRI")
    config = mutate(config, "stacks.prod.driftSchedule", DELETE)
    cfg = parse_config(config)
    assert cfg.operations("dev") == ("update", "refresh")
    assert cfg.operations("prod") == ("update",)


# The permissions boundary: the program's per account, or the stack's own.


def test_a_stack_without_its_own_boundary_lists_its_regions(platform_config: dict[str, Any]) -> None:
    assert problems_of(mutate(platform_config, "stacks.prod.regions", DELETE)) == [
        "stacks.prod.regions: required: the default permissions boundary denies regional actions outside these "
        "regions; list every region prod deploys to (its aws:region, eks.regions, and us-east-1 with public ECR "
        "repositories), or name your own boundary in permissionsBoundaryArn"
    ]


def test_an_own_boundary_needs_no_regions_and_no_default_boundary(platform_config: dict[str, Any]) -> None:
    own = "arn:aws:iam::444455556666:policy/platform-boundary"
    config = mutate(mutate(platform_config, "stacks.prod.regions", DELETE), "stacks.prod.permissionsBoundaryArn", own)
    cfg = parse_config(config)
    assert cfg.stacks["prod"].permissions_boundary_arn == own
    assert cfg.boundary_regions() == {"123456789012": ("us-east-1",)}


def test_an_own_boundary_is_of_the_stacks_account_or_aws_managed(platform_config: dict[str, Any]) -> None:
    other = "arn:aws:iam::123456789012:policy/platform-boundary"
    assert problems_of(mutate(platform_config, "stacks.prod.permissionsBoundaryArn", other)) == [
        "stacks.prod.permissionsBoundaryArn: the policy belongs to account 123456789012, but the deploy role is "
        "created in stacks.prod.accountId 444455556666; name a policy of that account or an AWS managed one"
    ]
    managed = "arn:aws:iam::aws:policy/PowerUserAccess"
    assert parse_config(mutate(platform_config, "stacks.prod.permissionsBoundaryArn", managed))


def test_stacks_of_one_account_share_a_boundary_over_all_their_regions(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    stacks(config)["staging"] = {
        **stacks(config)["prod"],
        "environment": "staging",
        "branch": "staging",
        "regions": ["eu-west-1", "ap-southeast-2"],
        "driftSchedule": "0 7 * * *",
    }
    assert parse_config(config).boundary_regions()["444455556666"] == ("us-east-1", "eu-west-1", "ap-southeast-2")


# Drift schedules: five fields, each in its range.


@pytest.mark.parametrize(
    "cron",
    [
        "0 6 * * *",
        "*/15 * * * *",
        "0 6 * * MON-FRI",
        "0 6 * * mon,wed,fri",
        "0 6 1 JAN,JUL *",
        "0 0-23/2 * * *",
        "59 23 31 12 7",
        "0 6 * * 0",
        "5,35 8-18 * * 1-5",
        "0 12 1-7 * SUN",
    ],
)
def test_valid_drift_schedules(platform_config: dict[str, Any], cron: str) -> None:
    assert (
        parse_config(mutate(platform_config, "stacks.prod.driftSchedule", cron)).stacks["prod"].drift_schedule == cron
    )


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("60 6 * * *", "minute field: 60 is outside 0-59"),
        ("0 24 * * *", "hour field: 24 is outside 0-23"),
        ("0 6 0 * *", "day-of-month field: 0 is outside 1-31"),
        ("0 6 32 * *", "day-of-month field: 32 is outside 1-31"),
        ("0 6 * 13 *", "month field: 13 is outside 1-12"),
        ("0 6 * * 8", "day-of-week field: 8 is outside 0-7"),
        ("0 6 * * MON-SUNDAY", "day-of-week field: 'SUNDAY' is not a number or SUN-SAT"),
        ("0 6 * JANUARY *", "month field: 'JANUARY' is not a number or JAN-DEC"),
        ("0 MON * * *", "hour field: 'MON' is not a number"),
        ("0 6 * * FRI-MON", "day-of-week field: range 'FRI-MON' runs backwards"),
        ("*/0 * * * *", "minute field: step '0' must be a whole number of at least 1"),
        ("*/90 * * * *", "minute field: step 90 is larger than 59"),
        ("0 6 ? * *", "day-of-month field: '?' is not '*', a value, a range a-b or one of those with /step"),
        ("0 6 L * *", "day-of-month field: 'L' is not a number"),
        ("0 6 * * 5#3", "day-of-week field: '5#3' is not '*', a value"),
        ("0 6 1,,2 * *", "day-of-month field: '' is not '*', a value"),
        ("0 0 6 * * *", "expected five fields separated by single spaces"),
        ("0  6 * * *", "expected five fields separated by single spaces"),
        ("@daily", "'@daily' shortcuts are not accepted; write the five fields (for @daily: '0 0 * * *')"),
    ],
)
def test_bad_drift_schedules_name_the_field(platform_config: dict[str, Any], cron: str, message: str) -> None:
    [problem] = problems_of(mutate(platform_config, "stacks.prod.driftSchedule", cron))
    assert problem.startswith(f"stacks.prod.driftSchedule: {message}"), problem
    assert problem.endswith(f"(got {cron!r})")


# Runners, images and the run's environment.


def test_an_agent_pool_and_a_digest_pinned_image_are_accepted(platform_config: dict[str, Any]) -> None:
    pool = "51035bee-a4d6-4b63-9ff6-418775c5da8d"
    image = "ghcr.io/acme/pulumi-runner@sha256:" + "a" * 64
    config = mutate(mutate(platform_config, "stacks.prod.agentPoolId", pool), "stacks.prod.executorImage", image)
    config = mutate(config, "stacks.prod.environmentVariables", {"PULUMI_SKIP_UPDATE_CHECK": "true"})
    prod = parse_config(mutate(config, "stacks.prod.pythonVersion", "3.12")).stacks["prod"]
    assert (prod.agent_pool_id, prod.executor_image, prod.python_version) == (pool, image, "3.12")
    assert prod.environment_variables == {"PULUMI_SKIP_UPDATE_CHECK": "true"}


def ci_python_versions() -> set[str]:
    """The Python versions .github/workflows/ci.yml sets up (literal or through its job's matrix)."""
    ci = yaml.safe_load((PLATFORM_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    versions: set[str] = set()
    for job in ci["jobs"].values():
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/setup-python"):
                version = str(step["with"]["python-version"])
                if version.startswith("${{ matrix."):
                    versions |= {str(v) for v in matrix[version.removeprefix("${{ matrix.").removesuffix(" }}")]}
                else:
                    versions.add(version)
    return versions


def test_the_runs_python_is_one_ci_tests() -> None:
    assert DEFAULT_PYTHON_VERSION in ci_python_versions()


# Notifications: webhook URLs are secrets.

SLACK = "https://hooks.slack.com/services/T000/B000/XXXX"


def with_notifications(config: dict[str, Any], notifications: list[dict[str, Any]]) -> dict[str, Any]:
    return {**copy.deepcopy(config), NS + "notifications": notifications}


def test_notifications_under_a_secret_key_are_accepted(platform_config: dict[str, Any]) -> None:
    config = with_notifications(
        platform_config,
        [
            {"name": "platform-alerts", "kind": "slack", "url": SLACK},
            {"name": "on-call", "kind": "webhook", "url": "https://hooks.example.com/p", "events": ["update_failed"]},
        ],
    )
    cfg = parse_config(config, secret_keys=(NS + "notifications",))
    alerts, on_call = cfg.notifications
    assert (alerts.kind, alerts.url, alerts.stacks) == ("slack", SLACK, None)
    assert alerts.events == ("deployment_failed", "drift_detected", "drift_detection_failed")
    assert on_call.events == ("update_failed",)
    assert cfg.notifications_for("dev") == cfg.notifications_for("prod") == (alerts, on_call)


def test_a_plain_text_url_is_refused_without_repeating_it(platform_config: dict[str, Any]) -> None:
    config = with_notifications(platform_config, [{"name": "platform-alerts", "kind": "slack", "url": SLACK}])
    problems = problems_of(config)
    assert problems == [
        "notifications[0].url: must be a secret: a webhook URL lets anyone post to the channel, and this one would "
        "sit in Pulumi.<stack>.yaml in plain text; set it with `pulumi config set --secret --path "
        "'notifications[0].url' <url>`"
    ]
    assert SLACK not in " ".join(problems)


def test_an_encrypted_url_stands_for_a_placeholder_offline(platform_config: dict[str, Any]) -> None:
    config = with_notifications(
        platform_config, [{"name": "platform-alerts", "kind": "msteams", "url": {"secure": "v1:abc"}}]
    )
    [teams] = parse_config(config).notifications
    assert teams.url == "https://offline-plan.invalid/encrypted"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "slack", "url": SLACK}, "notifications[0].name: required key is missing"),
        ({"name": "Alerts", "kind": "slack", "url": SLACK}, "notifications[0].name: expected a name of lowercase"),
        ({"name": "a", "kind": "email", "url": SLACK}, "notifications[0].kind: Input should be 'slack', 'msteams' or"),
        (
            {"name": "a", "kind": "slack", "url": "http://hooks.slack.com/x"},
            "notifications[0].url: expected an https:// URL",
        ),
        ({"name": "a", "kind": "slack"}, "notifications[0].url: required key is missing"),
        (
            {"name": "a", "kind": "slack", "url": SLACK, "events": ["drift"]},
            "notifications[0].events: unknown event drift; a stack webhook takes update_succeeded, update_failed,",
        ),
        (
            {"name": "a", "kind": "slack", "url": SLACK, "events": ["stack_created"]},
            "notifications[0].events: unknown event stack_created",
        ),
        (
            {"name": "a", "kind": "slack", "url": SLACK, "events": ["drift_detected", "drift_detected"]},
            "notifications[0].events: events must be unique; repeated: drift_detected",
        ),
        (
            {"name": "a", "kind": "slack", "url": SLACK, "events": []},
            "notifications[0].events: Tuple should have at least 1",
        ),
        (
            {"name": "a", "kind": "slack", "url": SLACK, "stacks": ["staging"]},
            "notifications[0].stacks[0]: 'staging' is not in stacks (dev, prod)",
        ),
        ({"name": "a", "kind": "slack", "url": SLACK, "channel": "#x"}, "notifications[0].channel: unknown key"),
    ],
)
def test_bad_notifications_name_the_key(platform_config: dict[str, Any], entry: dict[str, Any], message: str) -> None:
    problems = problems_of(with_notifications(platform_config, [entry]), secret_keys=(NS + "notifications",))
    assert any(p.startswith(message) for p in problems), problems
    assert all("hooks.slack.com" not in p for p in problems), problems


def test_notification_names_are_unique(platform_config: dict[str, Any]) -> None:
    entry = {"name": "alerts", "kind": "slack", "url": SLACK}
    problems = problems_of(with_notifications(platform_config, [entry, entry]), secret_keys=(NS + "notifications",))
    assert problems == ["notifications: notification names must be unique; repeated: alerts"]


def test_a_destination_may_watch_some_stacks(platform_config: dict[str, Any]) -> None:
    entry = {"name": "prod-alerts", "kind": "slack", "url": SLACK, "stacks": ["prod"]}
    cfg = parse_config(with_notifications(platform_config, [entry]), secret_keys=(NS + "notifications",))
    assert cfg.notifications_for("dev") == ()
    assert [n.name for n in cfg.notifications_for("prod")] == ["prod-alerts"]


# The committed file agrees with the platform stacks it deploys.


def test_committed_environments_and_regions_are_the_platform_stacks(platform_config: dict[str, Any]) -> None:
    from settings import parse as parse_platform

    from offline_plan.recorder import engine_config as encode

    cfg = parse_config(platform_config)
    for stack, s in cfg.stacks.items():
        encoded, _ = encode(stack_config(stack, PLATFORM_ROOT))
        ours = {k: v for k, v in encoded.items() if k.startswith("container-platform:")}
        platform = parse_platform(ours, home_region=encoded.get("aws:region"), stack=stack)
        assert s.environment == platform.environment, stack
        assert s.regions is not None and set(s.regions) == set(platform.provider_regions), stack
