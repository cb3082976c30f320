"""Pure builders of the shared registry: lifecycle rules, policies and image references."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components.registry.documents import (
    PULL_ACTIONS,
    PUSH_ACTIONS,
    TEMPLATE_PREFIX,
    applied_template,
    creation_role_policy,
    fallback_lifecycle_policy,
    key_use_policy,
    lifecycle_policy,
    replication_filter_matches,
    repository_policy,
    resolve_image,
    template_matches,
)


def rule(priority: int, description: str, selection: dict[str, Any]) -> dict[str, Any]:
    return {"rulePriority": priority, "description": description, "selection": selection, "action": {"type": "expire"}}


UNTAGGED_7 = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}

LIFECYCLE_CASES = [
    (
        (7, 30, ()),
        {
            "rules": [
                rule(1, "Expire untagged images 7 days after push", UNTAGGED_7),
                rule(
                    2,
                    "Keep the newest 30 images",
                    {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                ),
            ]
        },
    ),
    (
        (7, 100, ("release-", "hotfix-")),
        {
            "rules": [
                rule(1, "Expire untagged images 7 days after push", UNTAGGED_7),
                rule(
                    2,
                    "Keep the newest 100 images tagged release-*",
                    {
                        "tagStatus": "tagged",
                        "tagPrefixList": ["release-"],
                        "countType": "imageCountMoreThan",
                        "countNumber": 100,
                    },
                ),
                rule(
                    3,
                    "Keep the newest 100 images tagged hotfix-*",
                    {
                        "tagStatus": "tagged",
                        "tagPrefixList": ["hotfix-"],
                        "countType": "imageCountMoreThan",
                        "countNumber": 100,
                    },
                ),
                rule(
                    4,
                    "Keep the newest 100 images",
                    {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100},
                ),
            ]
        },
    ),
    (
        (1, 1, ()),
        {
            "rules": [
                rule(1, "Expire untagged images 1 days after push", {**UNTAGGED_7, "countNumber": 1}),
                rule(
                    2,
                    "Keep the newest 1 images",
                    {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
                ),
            ]
        },
    ),
]


@pytest.mark.parametrize(("args", "expected"), LIFECYCLE_CASES)
def test_lifecycle_policy_document(args: tuple[int, int, tuple[str, ...]], expected: dict[str, Any]) -> None:
    assert lifecycle_policy(*args) == expected


@pytest.mark.parametrize("args", [(7, 30, ()), (14, 5, ("v",)), (3, 50, ("a", "b", "c"))])
def test_lifecycle_policy_follows_aws_rules(args: tuple[int, int, tuple[str, ...]]) -> None:
    rules = lifecycle_policy(*args)["rules"]
    priorities = [r["rulePriority"] for r in rules]
    assert priorities == sorted(set(priorities)), "unique and ascending"
    any_rules = [r for r in rules if r["selection"]["tagStatus"] == "any"]
    assert any_rules == [rules[-1]], "the tagStatus any rule must have the highest priority number"
    for r in rules:
        sel = r["selection"]
        if sel["tagStatus"] == "tagged":
            assert sel.get("tagPrefixList") or sel.get("tagPatternList")
        if sel["tagStatus"] == "untagged":
            assert "tagPrefixList" not in sel and "tagPatternList" not in sel
        assert ("countUnit" in sel) == (sel["countType"] != "imageCountMoreThan")
        assert sel["countNumber"] >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [((0, 30, ()), "at least 1"), ((7, 0, ()), "at least 1"), ((7, 30, ("v", "v")), "duplicate tag prefixes")],
)
def test_lifecycle_policy_rejects_bad_settings(args: tuple[int, int, tuple[str, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lifecycle_policy(*args)


def test_repository_policy_grants_pull_and_push_to_named_principals() -> None:
    doc = repository_policy(
        [
            "arn:aws:iam::111111111111:role/exec",
            "arn:aws:iam::222222222222:root",
            "arn:aws:iam::111111111111:role/exec",
        ],
        ["arn:aws:iam::111111111111:role/ci"],
    )
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowPull",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111111111111:role/exec", "arn:aws:iam::222222222222:root"]},
                "Action": list(PULL_ACTIONS),
            },
            {
                "Sid": "AllowPush",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111111111111:role/ci"]},
                "Action": list(PUSH_ACTIONS),
            },
        ],
    }


def test_push_includes_what_pull_needs_and_nothing_administrative() -> None:
    assert set(PULL_ACTIONS) < set(PUSH_ACTIONS)
    assert not {a for a in PUSH_ACTIONS if "Delete" in a or "SetRepositoryPolicy" in a or a.endswith("*")}


def test_repository_policy_is_none_without_principals() -> None:
    assert repository_policy([], []) is None


@pytest.mark.parametrize("principal", ["*", "123456789012", ""])
def test_repository_policy_refuses_wildcard_and_bare_principals(principal: str) -> None:
    with pytest.raises(ValueError, match="must be IAM ARNs"):
        repository_policy([principal], [])


def test_creation_role_policy_is_scoped_to_this_account() -> None:
    (create,) = creation_role_policy("123456789012", ["us-east-1", "eu-west-1"])["Statement"]
    assert create["Resource"] == [
        "arn:aws:ecr:us-east-1:123456789012:repository/*",
        "arn:aws:ecr:eu-west-1:123456789012:repository/*",
    ]
    assert create["Action"] == ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"]


def test_key_use_policy_names_one_key() -> None:
    (grant,) = key_use_policy("arn:aws:kms:us-east-1:123456789012:key/k")["Statement"]
    assert grant["Resource"] == ["arn:aws:kms:us-east-1:123456789012:key/k"]
    assert grant["Action"] == ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"]


URLS = {
    "web": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web",
    "team/api": "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api",
}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("web:1.4.2", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"),
        ("web@sha256:" + "a" * 64, "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "a" * 64),
        ("team/api:2", "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:2"),
        ("public.ecr.aws/nginx/nginx:1.27", "public.ecr.aws/nginx/nginx:1.27"),
        ("localhost:5000/web:1", "localhost:5000/web:1"),
    ],
)
def test_resolve_image(image: str, expected: str) -> None:
    assert resolve_image(image, URLS) == expected


def test_resolve_image_refuses_unknown_repositories() -> None:
    with pytest.raises(KeyError, match="does not name a repository"):
        resolve_image("nginx:1.27", URLS)


def test_registry_documents_name_only_real_actions() -> None:
    from tests.aws_shapes import actions_of, is_real_action

    documents = [
        repository_policy(["arn:aws:iam::111111111111:root"], ["arn:aws:iam::111111111111:role/ci"]),
        creation_role_policy("123456789012", ["us-east-1"]),
        key_use_policy("arn:aws:kms:us-east-1:123456789012:key/k"),
    ]
    for doc in documents:
        assert doc is not None
        assert all(is_real_action(a) for a in actions_of(doc)), actions_of(doc)


@pytest.mark.parametrize(
    ("prefix", "repository", "matches"),
    [
        # A prefix is a namespace: ECR appends "/" to it.
        ("web", "web", False),
        ("web", "web/api", True),
        ("web", "webapp", False),
        ("web", "web-api", False),
        ("web/", "web/api", True),
        ("web/", "web", False),
        ("team", "team/api", True),
        ("team/api", "team/api", False),
        ("team/api", "team/api/v2", True),
        ("prod", "prod/team/api", True),
        ("prod/team", "prod/team/api", True),
        ("prod/team", "prod/teamx/api", False),
        ("prod/team", "prod", False),
        ("ecr-public", "ecr-public/nginx/nginx", True),
        ("ecr-public", "ecr-publicity/x", False),
        ("api", "team/api", False),
        # ROOT covers every name (as the fallback).
        ("ROOT", "web", True),
        ("ROOT", "team/api", True),
        ("ROOT", "prod/team/api", True),
        # "root" in lower case is an ordinary namespace.
        ("root", "root/x", True),
        ("root", "web", False),
    ],
)
def test_template_matches(prefix: str, repository: str, matches: bool) -> None:
    assert template_matches(prefix, repository) is matches


@pytest.mark.parametrize("prefix", ["", "Web", "/web", "web//api", "-web", "Root", "web/*"])
def test_template_matches_refuses_prefixes_ecr_rejects(prefix: str) -> None:
    with pytest.raises(ValueError, match="is not a valid ECR creation-template prefix"):
        template_matches(prefix, "web")


@pytest.mark.parametrize(
    ("prefixes", "repository", "expected"),
    [
        # One template per repository name matches nothing: replicas got ECR's defaults (M5).
        (["web", "worker", "team/api"], "web", None),
        (["web", "worker", "team/api"], "team/api", None),
        # ROOT applies to every name no namespace template covers.
        (["ROOT"], "web", "ROOT"),
        (["ROOT", "web"], "web", "ROOT"),
        (["ROOT", "team"], "team/api", "team"),
        (["ROOT", "ecr-public", "hub"], "hub/library/nginx", "hub"),
        ([], "web", None),
    ],
)
def test_applied_template(prefixes: list[str], repository: str, expected: str | None) -> None:
    assert applied_template(prefixes, repository) == expected


def test_applied_template_refuses_to_guess_between_overlapping_namespaces() -> None:
    with pytest.raises(ValueError, match="ECR documents no precedence"):
        applied_template(["prod", "prod/team"], "prod/team/api")


@pytest.mark.parametrize(
    ("repository_filter", "repository", "matches"),
    [("web", "web", True), ("web", "webhooks", True), ("web", "web/api", True), ("web", "team/web", False)],
)
def test_replication_filter_is_a_plain_prefix(repository_filter: str, repository: str, matches: bool) -> None:
    assert replication_filter_matches(repository_filter, repository) is matches


def test_template_prefix_semantics_are_the_ones_in_the_installed_ecr_model() -> None:
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("ecr", "service-2")
    request = model["shapes"]["CreateRepositoryCreationTemplateRequest"]["members"]["prefix"]
    text = re.sub(r"<[^>]+>", "", request["documentation"])
    for quoted in (
        "a prefix of prod would apply to all repositories beginning with prod/",
        "you can use ROOT as the prefix",
        "There is always an assumed / applied to the end of the prefix.",
        "If you specify ecr-public as the prefix, Amazon ECR treats that as ecr-public/.",
    ):
        assert quoted in text
    assert model["shapes"][request["shape"]]["pattern"] == TEMPLATE_PREFIX.pattern


@pytest.mark.parametrize(
    ("retention", "expected"),
    [
        ([(30, ())], lifecycle_policy(7, 30)),
        ([(30, ()), (50, ())], lifecycle_policy(7, 50)),
        ([(100, ("release-",)), (100, ())], lifecycle_policy(7, 100, ("release-",))),
        ([(30, ("v",)), (50, ("release-", "v"))], lifecycle_policy(7, 50, ("v", "release-"))),
    ],
)
def test_fallback_lifecycle_keeps_what_every_repository_keeps(
    retention: list[tuple[int, tuple[str, ...]]], expected: dict[str, Any]
) -> None:
    assert fallback_lifecycle_policy(7, retention) == expected


def test_fallback_lifecycle_needs_a_repository() -> None:
    with pytest.raises(ValueError, match="at least one"):
        fallback_lifecycle_policy(7, [])
