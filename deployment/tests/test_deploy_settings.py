"""The settings layer: the committed stack file loads; every bad value is reported at its path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from deploy_settings import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, AccountAccess, ConfigError, DeploymentConfig, parse
from offline_plan.recorder import engine_config, stack_config

NS = "container-platform-deployment:"


def parse_config(config: dict[str, Any]) -> DeploymentConfig:
    """Validate YAML-shaped config exactly as the program receives it from the engine."""
    encoded, _ = engine_config(config)
    return parse({k: v for k, v in encoded.items() if k.startswith(NS)}, stack="platform")


def problems_of(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
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
    assert dev.preview_pull_requests and prod.preview_pull_requests
    assert dev.skip_intermediate_deployments and prod.skip_intermediate_deployments
    assert (dev.drift_schedule, prod.drift_schedule) == (None, "0 6 * * *")
    assert prod.drift_auto_remediate is False
    assert dev.paths.include == ("**/*.py", "Pulumi*.yaml", "requirements*.txt")
    assert dev.paths.exclude == ("**/*.md", "docs/**", "deployment/**")
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
    stacks(config)["dev"] = {
        "accountId": "123456789012",
        "branch": "main",
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
    assert DEFAULT_INCLUDE == ("**/*.py", "Pulumi*.yaml", "requirements*.txt")
    assert DEFAULT_EXCLUDE == ("**/*.md", "docs/**")


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
    ("stacks.prod.paths.includes", ["x"], "stacks.prod.paths.includes: unknown key"),
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
        "stacks.prod.driftSchedule: expected a five-field cron expression such as '0 6 * * *' (got 'daily')",
    ),
    (
        "stacks.prod.paths.exclude",
        ["!docs/**"],
        "stacks.prod.paths.exclude[0]: expected a glob relative to the repository root, without a leading '!' or '/'",
    ),
    (
        "stacks.prod.paths.exclude",
        ["**/*.py"],
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
