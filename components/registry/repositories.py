"""Resources every registry region builds: repositories, the registry key and the scanning configuration."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.kms import customer_managed_key, registry_key_policy
from components.registry.documents import account_root, key_use_policy, lifecycle_policy, repository_policy
from settings.models import RepositorySettings

Scanning = Literal["basic", "enhanced"]
Encryption = Literal["customerManagedKey", "awsManagedKey"]


ENCRYPTION_SET_AT_CREATION = ["encryptionConfigurations"]
"""Repository properties Pulumi must not reconcile after creation.

ECR takes a repository's encryption only in ``CreateRepository``; in terraform-provider-aws
(which pulumi-aws bridges) ``encryption_type`` and ``kms_key`` are ForceNew and ``kms_key`` is
Optional+Computed. Reconciling them would replace a repository (fixed name: delete, losing its
images) or, in the other direction, show no diff while its key is deleted. Ignored, a change
of ``encryption`` applies to new repositories only.
"""


def scanning_configuration(
    name: str, scanning: Scanning, parent: pulumi.Resource
) -> aws.ecr.RegistryScanningConfiguration:
    """The registry's scanning configuration: every repository, basic or enhanced."""
    # Basic scans each push; enhanced (Amazon Inspector) keeps rescanning as new CVEs appear.
    scan_type, frequency = ("ENHANCED", "CONTINUOUS_SCAN") if scanning == "enhanced" else ("BASIC", "SCAN_ON_PUSH")
    return aws.ecr.RegistryScanningConfiguration(
        f"{name}-scanning",
        scan_type=scan_type,
        rules=[
            aws.ecr.RegistryScanningConfigurationRuleArgs(
                scan_frequency=frequency,
                repository_filters=[
                    aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(filter="*", filter_type="WILDCARD")
                ],
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def encryption_args(key: aws.kms.Key | None) -> dict[str, pulumi.Input[str]]:
    """Repository encryption arguments for the region's key (or the AWS-managed key)."""
    # Both choices are KMS; the customer key adds rotation control and a key policy of our own.
    return {"encryption_type": "KMS", "kms_key": key.arn} if key is not None else {"encryption_type": "KMS"}


def registry_key(
    name: str,
    region: str,
    encryption: Encryption,
    creation_role: tuple[pulumi.Input[str], pulumi.Input[str]],
    account_id: pulumi.Input[str],
    tags: Mapping[str, str],
    protect: bool,
    parent: pulumi.Resource,
) -> aws.kms.Key | None:
    """The region's customer-managed key (KMS keys are regional), usable by the creation role.

    ``creation_role`` is the creation role's (name, ARN). The key policy (``registry_key_policy``) lets
    this account's principals and the creation role use the key only through ECR in this region.

    Repositories keep the key they were created with, whatever the config says later, so the
    key outlives its place in the program: ``retain_on_delete`` leaves it (and its alias, so it
    stays findable) in the account when ``encryption`` changes or the stack is destroyed, and
    ``protect`` makes such an update fail instead (prod). Scheduling its deletion is a manual
    step, once no repository uses it (docs/registry.md).
    """
    if encryption != "customerManagedKey":
        return None
    keep = pulumi.ResourceOptions(parent=parent, retain_on_delete=True, protect=protect)
    role_name, role_arn = creation_role
    key = customer_managed_key(
        f"{name}-key",
        description=f"Encrypts container images of the shared registry in {region}",
        policy=pulumi.Output.all(account_id, role_arn).apply(
            lambda v: json.dumps(registry_key_policy(v[0], region, v[1]))
        ),
        tags=tags,
        opts=keep,
    )
    aws.kms.Alias(f"{name}-key-alias", name_prefix=f"alias/{name}-", target_key_id=key.key_id, opts=keep)
    aws.iam.RolePolicy(
        f"{name}-creation-role-key",
        role=role_name,
        policy=key.arn.apply(lambda arn: json.dumps(key_use_policy(arn))),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key


def repository_policy_json(
    pull_principals: Sequence[pulumi.Input[str]], pull_accounts: Sequence[str], push_principals: Sequence[str]
) -> pulumi.Output[str] | None:
    """The repository policy as JSON, or None when nobody is named (the account's IAM governs)."""
    if not (pull_principals or pull_accounts or push_principals):
        return None
    pull = [*pull_principals, *(account_root(a) for a in pull_accounts)]
    return pulumi.Output.all(*pull).apply(
        lambda principals: json.dumps(repository_policy([str(p) for p in principals], list(push_principals)))
    )


def output_map(values: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    """A map of outputs as one output of a plain map."""
    if not values:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**values).apply(lambda resolved: {k: str(v) for k, v in resolved.items()})


def repository_role(repo_name: str) -> str:
    """A repository name as a logical-name part (``team/api`` -> ``team-api``)."""
    return repo_name.replace("/", "-")


def repositories(
    name: str,
    repositories: Sequence[RepositorySettings],
    untagged_expiry_days: int,
    key: aws.kms.Key | None,
    force_delete: bool,
    policy: pulumi.Output[str] | None,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> dict[str, aws.ecr.Repository]:
    """Each repository with its lifecycle policy and, when anyone is named, its repository policy."""
    child = pulumi.ResourceOptions(parent=parent)
    built: dict[str, aws.ecr.Repository] = {}
    for repo in repositories:
        repository = aws.ecr.Repository(
            f"{name}-{repository_role(repo.name)}",
            name=repo.name,
            image_tag_mutability=repo.tag_mutability,
            # Registry-level scanning governs; the repository flag keeps scanners that
            # only read this setting (and older tooling) seeing scan on push.
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(**encryption_args(key))],
            force_delete=force_delete,
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=parent, ignore_changes=ENCRYPTION_SET_AT_CREATION),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-{repository_role(repo.name)}-lifecycle",
            repository=repository.name,
            policy=json.dumps(lifecycle_policy(untagged_expiry_days, repo.keep_tagged_images, repo.keep_tag_prefixes)),
            opts=child,
        )
        if policy is not None:
            aws.ecr.RepositoryPolicy(
                f"{name}-{repository_role(repo.name)}-policy", repository=repository.name, policy=policy, opts=child
            )
        built[repo.name] = repository
    return built
