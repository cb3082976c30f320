"""Pure builders for the shared registry: lifecycle rules, repository and role policies, image URIs.

No Pulumi here: every function takes plain values and returns plain JSON-ready data, so the
documents are tested table-driven and reviewed as diffs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from components.ecs_policies import service_trust_policy

PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
"""What a principal needs to pull from a repository (plus ecr:GetAuthorizationToken in its own IAM)."""

PUSH_ACTIONS: tuple[str, ...] = (
    *PULL_ACTIONS,
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
"""What a CI principal needs to push (and to check which layers already exist)."""


def lifecycle_policy(
    untagged_expiry_days: int, keep_images: int, keep_tag_prefixes: Sequence[str] = ()
) -> dict[str, Any]:
    """An ECR lifecycle policy in AWS's format.

    Rules, in priority order: expire untagged images ``untagged_expiry_days`` after push;
    for each tag prefix, keep its newest ``keep_images`` images; finally keep the newest
    ``keep_images`` of everything else. The catch-all rule uses ``tagStatus: any``, which AWS
    requires to have the highest priority number; AWS documents that an image matched by an
    earlier rule cannot be expired by a later one, so the catch-all never expires a release
    that its prefix rule keeps.
    """
    if untagged_expiry_days < 1 or keep_images < 1:
        raise ValueError("untagged_expiry_days and keep_images must be at least 1")
    if len(set(keep_tag_prefixes)) != len(keep_tag_prefixes):
        raise ValueError(f"duplicate tag prefixes in {list(keep_tag_prefixes)}")
    rules: list[dict[str, Any]] = [
        {
            "description": f"Expire untagged images {untagged_expiry_days} days after push",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_expiry_days,
            },
        }
    ]
    for prefix in keep_tag_prefixes:
        rules.append(
            {
                "description": f"Keep the newest {keep_images} images tagged {prefix}*",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [prefix],
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_images,
                },
            }
        )
    rules.append(
        {
            "description": f"Keep the newest {keep_images} images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
        }
    )
    # Ascending priorities, in the order AWS returns them (otherwise every refresh shows a diff).
    return {
        "rules": [{"rulePriority": i, **rule, "action": {"type": "expire"}} for i, rule in enumerate(rules, start=1)]
    }


def account_root(account_id: str) -> str:
    """The principal ARN that delegates to an account's own IAM policies."""
    return f"arn:aws:iam::{account_id}:root"


def repository_policy(pull_principals: Sequence[str], push_principals: Sequence[str]) -> dict[str, Any] | None:
    """Repository policy granting pull and push to named principals; ``None`` when nobody is named.

    Principals are IAM ARNs (roles, users, account roots). A ``*`` principal is refused:
    repository access must always be granted to someone in particular.
    """
    for principal in (*pull_principals, *push_principals):
        if principal == "*" or not principal.startswith("arn:"):
            raise ValueError(f"repository policy principals must be IAM ARNs, got {principal!r}")
    statements: list[dict[str, Any]] = []
    if pull_principals:
        statements.append(
            {
                "Sid": "AllowPull",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(set(pull_principals))},
                "Action": list(PULL_ACTIONS),
            }
        )
    if push_principals:
        statements.append(
            {
                "Sid": "AllowPush",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(set(push_principals))},
                "Action": list(PUSH_ACTIONS),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def creation_role_trust_policy() -> dict[str, Any]:
    """Trust policy of the role ECR assumes to create replicated and pull-through repositories."""
    return service_trust_policy("ecr.amazonaws.com")


def creation_role_policy(account_id: str, regions: Sequence[str]) -> dict[str, Any]:
    """ECR permissions of the role ECR assumes to create repositories from templates.

    AWS's documented example grants these on ``*``; here they are limited to this account's
    repositories in the registry's regions. Each region adds its KMS key with ``key_use_policy``.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CreateRepositories",
                "Effect": "Allow",
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
                "Resource": [f"arn:aws:ecr:{region}:{account_id}:repository/*" for region in regions],
            }
        ],
    }


def key_use_policy(key_arn: str) -> dict[str, Any]:
    """Lets the creation role encrypt new repositories with one registry key (grants, as ECR does)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EncryptWithRegistryKey",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
                "Resource": [key_arn],
            }
        ],
    }


_IMAGE = re.compile(r"^(?P<repo>[^:@]+)(?P<ref>[:@].+)$")


def resolve_image(image: str, repository_urls: Mapping[str, str]) -> str:
    """``web:1.4.2`` -> ``<account>.dkr.ecr.<region>.amazonaws.com/web:1.4.2``; a full URI passes through.

    The settings layer has already checked that short references name a configured
    repository; an unknown one here is a programming error.
    """
    first = image.split("/")[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return image
    match = _IMAGE.match(image)
    if match is None or match.group("repo") not in repository_urls:
        raise KeyError(f"image {image!r} does not name a repository of the shared registry")
    return repository_urls[match.group("repo")] + match.group("ref")
