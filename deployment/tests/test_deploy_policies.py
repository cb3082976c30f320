"""Pure builders: trust policy, permissions boundary, session duration, path filters, branch refs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from deploy_components.policies import (
    GLOBAL_ACTIONS,
    boundary_policy,
    branch_ref,
    deploy_operations,
    deploy_subject,
    deploy_trust_policy,
    glob_matches,
    partition,
    path_filters,
    session_duration,
    session_name,
    triggers_deployment,
)
from deploy_settings import DEFAULT_EXCLUDE, DEFAULT_INCLUDE

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc"
SUB = "pulumi:deploy:org:acme:project:container-platform:stack:prod:operation:{}:scope:write"


def test_trust_policy_admits_only_the_named_operations_of_one_stack() -> None:
    assert deploy_trust_policy(PROVIDER, "acme", "container-platform", "prod", ["update", "refresh"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PulumiDeployments",
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "api.pulumi.com/oidc:aud": "acme",
                        "api.pulumi.com/oidc:sub": [SUB.format("update"), SUB.format("refresh")],
                    },
                },
            }
        ],
    }


def test_trust_policy_has_no_wildcard_and_no_string_like() -> None:
    trust = deploy_trust_policy(PROVIDER, "acme", "p", "dev", ["preview", "update", "refresh", "destroy"])
    condition = trust["Statement"][0]["Condition"]
    assert list(condition) == ["StringEquals"]
    assert all("*" not in sub for sub in condition["StringEquals"]["api.pulumi.com/oidc:sub"])


def test_trust_policy_serves_update_at_least() -> None:
    with pytest.raises(ValueError, match="serves update at least"):
        deploy_trust_policy(PROVIDER, "acme", "p", "dev", ["preview"])


@pytest.mark.parametrize(
    ("flags", "operations"),
    [
        ({"preview": False, "refresh": False, "destroy": False}, ("update",)),
        ({"preview": True, "refresh": False, "destroy": False}, ("preview", "update")),
        ({"preview": False, "refresh": True, "destroy": False}, ("update", "refresh")),
        ({"preview": True, "refresh": True, "destroy": True}, ("preview", "update", "refresh", "destroy")),
    ],
)
def test_operations_are_update_plus_what_is_asked(flags: dict[str, bool], operations: tuple[str, ...]) -> None:
    assert deploy_operations(**flags) == operations


SUBJECT_CASES = [
    (
        ("acme", "container-platform", "dev", "update"),
        "pulumi:deploy:org:acme:project:container-platform:stack:dev:operation:update:scope:write",
    ),
    (("my-org", "p", "prod", "refresh"), "pulumi:deploy:org:my-org:project:p:stack:prod:operation:refresh:scope:write"),
]


@pytest.mark.parametrize(("args", "expected"), SUBJECT_CASES)
def test_subject_names_org_project_stack_and_operation(args: tuple[str, str, str, str], expected: str) -> None:
    assert deploy_subject(*args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("acme", "container-platform", "*", "update"), "stack '\\*' must be non-empty"),
        (("ac?me", "p", "dev", "update"), "organization 'ac\\?me'"),
        (("acme", "a:b", "dev", "update"), "project 'a:b'"),
        (("acme", "p", "", "update"), "stack ''"),
        (("acme", "p", "dev", "*"), "operation '\\*' must be one of preview, update, refresh, destroy"),
        (("acme", "p", "dev", "detect-drift"), "operation 'detect-drift'"),
    ],
)
def test_subject_refuses_values_that_would_widen_the_trust(args: tuple[str, str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        deploy_subject(*args)


def test_boundary_allows_everything_but_what_it_denies() -> None:
    doc = boundary_policy(
        account_id="444455556666", partition_name="aws", regions=["us-east-1", "eu-west-1"], boundary_name="b"
    )
    statements = {s["Sid"]: s for s in doc["Statement"]}
    assert list(statements) == [
        "AllowAll",
        "DenyUsersAndLongLivedKeys",
        "DenyOrganizationsAndAccount",
        "DenyChangingDeployRoles",
        "DenyChangingTheBoundary",
        "DenyOtherRegions",
    ]
    assert statements["AllowAll"] == {"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"}
    assert all(s["Effect"] == "Deny" for sid, s in statements.items() if sid != "AllowAll")
    assert {"iam:CreateUser", "iam:CreateAccessKey"} <= set(statements["DenyUsersAndLongLivedKeys"]["Action"])
    assert statements["DenyOrganizationsAndAccount"]["Action"] == ["organizations:*", "account:*"]
    roles = statements["DenyChangingDeployRoles"]
    assert roles["Resource"] == "arn:aws:iam::444455556666:role/deploy-*"
    assert {"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy"} <= set(
        roles["Action"]
    )
    assert {"iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy"} <= set(roles["Action"])
    own = statements["DenyChangingTheBoundary"]
    assert own["Resource"] == "arn:aws:iam::444455556666:policy/b"
    assert {"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} <= set(own["Action"])
    regions = statements["DenyOtherRegions"]
    assert regions["NotAction"] == list(GLOBAL_ACTIONS)
    assert regions["Condition"] == {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}


def test_boundary_needs_a_region() -> None:
    with pytest.raises(ValueError, match="at least one region"):
        boundary_policy(account_id="444455556666", partition_name="aws", regions=[], boundary_name="b")


@pytest.mark.parametrize(
    ("region", "expected"), [("us-east-1", "aws"), ("us-gov-west-1", "aws-us-gov"), ("cn-north-1", "aws-cn")]
)
def test_partition_of_a_region(region: str, expected: str) -> None:
    assert partition(region) == expected


@pytest.mark.parametrize(
    ("seconds", "duration"), [(3600, "1h0m0s"), (5400, "1h30m0s"), (7200, "2h0m0s"), (43200, "12h0m0s"), (61, "0h1m1s")]
)
def test_session_duration_is_a_go_duration(seconds: int, duration: str) -> None:
    assert session_duration(seconds) == duration


def test_session_duration_is_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        session_duration(0)


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


FILTERS = path_filters(DEFAULT_INCLUDE, DEFAULT_EXCLUDE)


@pytest.mark.parametrize(
    ("changed", "deploys"),
    [
        (["__main__.py"], True),  # the composition root, at the root: matched by "*.py" even if "**/" needs a dir
        (["components/ecs.py"], True),
        (["Pulumi.prod.yaml"], True),
        (["requirements.txt"], True),
        (["settings/nested/requirements-extra.txt"], True),
        (["README.md"], False),
        (["components/README.md"], False),
        (["docs/runbook.md", "docs/diagram.png"], False),
        (["docs/tool.py"], False),  # excluded directory wins over the *.py include
        (["deployment/__main__.py"], False),
        (["deployment/Pulumi.platform.yaml"], False),
        (["policy/guardrails/rules/iam.py"], False),  # Pulumi Cloud runs the published pack
        (["policy/requirements.txt"], False),
        (["tests/test_ecs.py"], False),
        (["offline_plan/mocks.py"], False),
        ([".ci/run"], False),
        (["tools/preflight.py"], False),
        (["README.md", "settings/models.py"], True),  # one counting file is enough
        ([".github/workflows/ci.yml"], False),  # not included at all
        ([], False),
    ],
)
def test_default_filters_deploy_on_program_changes_only(changed: list[str], deploys: bool) -> None:
    assert triggers_deployment(FILTERS, changed) is deploys


ROOT = Path(__file__).resolve().parents[2]


def test_the_program_imports_nothing_the_filters_exclude() -> None:
    # An excluded directory that the platform program imported would change a deployment
    # without triggering one. The program is __main__.py, components/ and settings/.
    excluded = {pattern.removesuffix("/**") for pattern in DEFAULT_EXCLUDE if pattern.endswith("/**")}
    sources = [ROOT / "__main__.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "settings").rglob("*.py")]
    imported: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert {"components", "settings"} <= imported
    assert imported & excluded == set()
    assert {p.name for p in ROOT.iterdir() if p.is_dir()} >= {"policy", "tests", "offline_plan", "tools", "docs"}


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
