"""The settings layer: the committed stack file loads; every bad value is reported at its path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from deploy_settings import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, ConfigError, DeploymentConfig, parse
from offline_plan.recorder import engine_config

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


def test_defaults_apply_when_keys_are_omitted(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    del config[NS + "project"]
    stacks(config)["dev"] = {"branch": "main", "deployPolicyArns": ["arn:aws:iam::123456789012:policy/deploy"]}
    cfg = parse_config(config)
    dev = cfg.stacks["dev"]
    assert cfg.project == "container-platform"
    assert dev.repo_dir == "."
    assert dev.deploy_commits is True
    assert dev.preview_pull_requests is True
    assert dev.skip_intermediate_deployments is True
    assert dev.drift_schedule is None
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
