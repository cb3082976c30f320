"""Pure builders: trust policy, path filters, branch refs."""

from __future__ import annotations

import pytest

from deploy_components.policies import (
    branch_ref,
    deploy_subject,
    deploy_trust_policy,
    glob_matches,
    path_filters,
    session_name,
    triggers_deployment,
)

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc"


def test_trust_policy_admits_only_deployments_of_one_stack() -> None:
    assert deploy_trust_policy(PROVIDER, "acme", "container-platform", "prod") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PulumiDeployments",
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"api.pulumi.com/oidc:aud": "acme"},
                    "StringLike": {
                        "api.pulumi.com/oidc:sub": "pulumi:deploy:org:acme:project:container-platform:stack:prod:*"
                    },
                },
            }
        ],
    }


SUBJECT_CASES = [
    (("acme", "container-platform", "dev"), "pulumi:deploy:org:acme:project:container-platform:stack:dev:*"),
    (("my-org", "p", "prod"), "pulumi:deploy:org:my-org:project:p:stack:prod:*"),
]


@pytest.mark.parametrize(("args", "expected"), SUBJECT_CASES)
def test_subject_pattern_names_org_project_and_stack(args: tuple[str, str, str], expected: str) -> None:
    assert deploy_subject(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("acme", "container-platform", "*"), "stack '\\*' must be non-empty"),
        (("ac?me", "p", "dev"), "organization 'ac\\?me'"),
        (("acme", "a:b", "dev"), "project 'a:b'"),
        (("acme", "p", ""), "stack ''"),
    ],
)
def test_subject_refuses_values_that_would_widen_the_trust(args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        deploy_subject(*args)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**/*.py", "__main__.py", True),
        ("**/*.py", "components/ecs.py", True),
        ("**/*.py", "components/ecs.pyc", False),
        ("Pulumi*.yaml", "Pulumi.prod.yaml", True),
        ("Pulumi*.yaml", "Pulumi.yaml", True),
        ("Pulumi*.yaml", "deployment/Pulumi.platform.yaml", False),
        ("requirements*.txt", "requirements-dev.txt", True),
        ("**/*.md", "README.md", True),
        ("**/*.md", "docs/adr/0001.md", True),
        ("docs/**", "docs/diagram.png", True),
        ("docs/**", "mydocs/x.py", False),
        ("deployment/**", "deployment/tests/test_x.py", True),
        ("setting?.py", "settings.py", True),
        ("setting?.py", "settings/a.py", False),
    ],
)
def test_glob_matches_whole_paths(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected


def test_path_filters_put_excludes_after_includes_with_a_bang() -> None:
    assert path_filters(["**/*.py", "Pulumi*.yaml"], ["**/*.md", "docs/**"]) == [
        "**/*.py",
        "Pulumi*.yaml",
        "!**/*.md",
        "!docs/**",
    ]


@pytest.mark.parametrize(
    ("include", "exclude", "message"),
    [
        (["!x"], [], "'!x' must be non-empty"),
        ([], ["/abs/**"], "'/abs/\\*\\*'"),
        ([""], [], "'' must be"),
        (["docs/**"], ["docs/**"], "both included and excluded: docs/\\*\\*"),
    ],
)
def test_path_filters_reject_ambiguous_patterns(include: list[str], exclude: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        path_filters(include, exclude)


FILTERS = path_filters(["**/*.py", "Pulumi*.yaml", "requirements*.txt"], ["**/*.md", "docs/**", "deployment/**"])


@pytest.mark.parametrize(
    ("changed", "deploys"),
    [
        (["components/ecs.py"], True),
        (["Pulumi.prod.yaml"], True),
        (["requirements.txt"], True),
        (["README.md"], False),
        (["docs/runbook.md", "docs/diagram.png"], False),
        (["docs/tool.py"], False),  # excluded directory wins over the *.py include
        (["deployment/__main__.py"], False),
        (["README.md", "settings/models.py"], True),  # one counting file is enough
        ([".github/workflows/ci.yml"], False),  # not included at all
        ([], False),
    ],
)
def test_committed_filters_deploy_on_program_changes_only(changed: list[str], deploys: bool) -> None:
    assert triggers_deployment(FILTERS, changed) is deploys


def test_no_filters_deploy_on_every_push() -> None:
    assert triggers_deployment([], ["anything.txt"]) is True


@pytest.mark.parametrize(
    ("branch", "ref"),
    [("main", "refs/heads/main"), ("release", "refs/heads/release"), ("release/v2", "refs/heads/release/v2")],
)
def test_branch_ref_is_a_full_ref(branch: str, ref: str) -> None:
    assert branch_ref(branch) == ref


@pytest.mark.parametrize("branch", ["", "refs/heads/main", "/main", "main/", "a..b"])
def test_branch_ref_rejects_non_branch_names(branch: str) -> None:
    with pytest.raises(ValueError, match="must be a plain branch name"):
        branch_ref(branch)


def test_session_name_names_the_stack() -> None:
    assert session_name("prod") == "pulumi-deployments-prod"
