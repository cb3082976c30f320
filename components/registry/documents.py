"""Pure builders for the shared registry: lifecycle rules, policies, image URIs, ECR name matching.

Name matching covers creation-template prefixes and replication filters. No Pulumi here:
every function takes plain values and returns plain JSON-ready data, so the documents are
tested table-driven and reviewed as diffs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from components.iam import service_trust_policy

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


def fallback_lifecycle_policy(
    untagged_expiry_days: int, retention: Sequence[tuple[int, Sequence[str]]]
) -> dict[str, Any]:
    """One lifecycle policy that never expires an image that any of several policies keeps.

    ``retention`` holds each repository's ``(keep_images, keep_tag_prefixes)``. The result keeps
    the largest count, for the union of the prefixes: every prefix group and the catch-all keep
    at least as many images as any single repository's policy would, so a repository that falls
    back to it (a replica created from the ROOT template) loses nothing its own policy keeps.
    """
    if not retention:
        raise ValueError("fallback_lifecycle_policy needs at least one repository's retention")
    keep_images = max(keep for keep, _ in retention)
    prefixes = tuple(dict.fromkeys(prefix for _, repo_prefixes in retention for prefix in repo_prefixes))
    return lifecycle_policy(untagged_expiry_days, keep_images, prefixes)


ROOT_PREFIX = "ROOT"
"""The creation-template prefix for every repository that no other template matches."""

TEMPLATE_PREFIX = re.compile(r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$")
"""ECR's pattern for a creation-template prefix (botocore's ECR service model, shape ``Prefix``)."""


def template_matches(prefix: str, repository_name: str) -> bool:
    """Whether a repository creation template with ``prefix`` covers a repository named ``repository_name``.

    The ECR API reference, ``CreateRepositoryCreationTemplate`` member ``prefix`` (botocore
    1.44.8, ``botocore/data/ecr/2015-09-21/service-2.json``), says:

        "The repository namespace prefix to associate with the template. All repositories
        created using this namespace prefix will have the settings defined in this template
        applied. For example, a prefix of prod would apply to all repositories beginning with
        prod/. Similarly, a prefix of prod/team would apply to all repositories beginning with
        prod/team/. To apply a template to all repositories in your registry that don't have
        an associated creation template, you can use ROOT as the prefix. There is always an
        assumed / applied to the end of the prefix. If you specify ecr-public as the prefix,
        Amazon ECR treats that as ecr-public/."

    So a prefix names a namespace: ``web`` covers ``web/api``, but neither a repository named
    exactly ``web`` nor ``webapp``. ``ROOT`` covers every name, as the fallback for names no
    other template covers (``applied_template`` resolves that precedence). A prefix that ECR's
    pattern rejects raises ``ValueError``.
    """
    if not TEMPLATE_PREFIX.match(prefix):
        raise ValueError(f"{prefix!r} is not a valid ECR creation-template prefix")
    if prefix == ROOT_PREFIX:
        return True
    return repository_name.startswith(prefix.rstrip("/") + "/")


def applied_template(prefixes: Sequence[str], repository_name: str) -> str | None:
    """The prefix of the template ECR applies when it creates ``repository_name``, or ``None``.

    A namespace template that covers the name wins over ``ROOT``, which applies only to names
    without "an associated creation template"; with neither, ECR creates the repository with
    its defaults (the user guide: "turning off tag immutability, using AES-256 encryption, and
    not applying any repository or lifecycle policies"). ECR documents no precedence between
    two namespace templates that both cover a name, so that case raises ``ValueError``.
    """
    namespaces = [p for p in prefixes if p != ROOT_PREFIX and template_matches(p, repository_name)]
    if len(namespaces) > 1:
        raise ValueError(f"templates {namespaces} all cover {repository_name!r}; ECR documents no precedence")
    if namespaces:
        return namespaces[0]
    return ROOT_PREFIX if ROOT_PREFIX in prefixes else None


def replication_filter_matches(repository_filter: str, repository_name: str) -> bool:
    """Whether a ``PREFIX_MATCH`` replication filter selects ``repository_name``.

    A plain string prefix, unlike a template prefix (ECR API reference, ``RepositoryFilter``:
    "the repository name prefix to configure replication for"): ``web`` selects ``web``,
    ``webhooks`` and ``web/api``.
    """
    return repository_name.startswith(repository_filter)


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
