"""RegistryReplica (a replica region's repositories and settings) and RegistryCreationRole.

RegistryCreationRole is the IAM role ECR assumes to create repositories from templates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.registry.documents import (
    ROOT_PREFIX,
    creation_role_policy,
    creation_role_trust_policy,
    fallback_lifecycle_policy,
)
from components.registry.repositories import (
    Encryption,
    Scanning,
    encryption_args,
    registry_key,
    repositories,
    repository_policy_json,
    scanning_configuration,
)
from components.tags import component_tags
from settings.models import RepositorySettings


@dataclass(frozen=True)
class RegistryCreationRoleArgs:
    """Inputs of the role ECR assumes to create repositories from templates."""

    account_id: pulumi.Input[str]
    """This AWS account; the role may create repositories only in it."""
    regions: Sequence[str]
    """Registry regions (home and replicas) the role may create repositories in."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class RegistryCreationRole(pulumi.ComponentResource):
    """IAM role for ECR repository creation templates (required with KMS keys or resource tags)."""

    role: aws.iam.Role
    """The role; each region's registry key is added to it by that region's component."""

    def __init__(self, name: str, args: RegistryCreationRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:RegistryCreationRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            description="Assumed by ECR to create replicated and pull-through-cache repositories from templates",
            assume_role_policy=json.dumps(creation_role_trust_policy()),
            tags=component_tags("registry", args.tags),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-ecr",
            role=self.role.name,
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(creation_role_policy(account, list(args.regions)))
            ),
            opts=child,
        )
        self.register_outputs({"arn": self.role.arn})


@dataclass(frozen=True)
class RegistryReplicaArgs:
    """Inputs of the registry in one replica region."""

    region: str
    """The replica region (the region of the provider in ``opts``)."""
    account_id: pulumi.Input[str]
    """This AWS account: this region's key policy names it."""
    repositories: Sequence[RepositorySettings]
    """The home repositories; each is created here too, with its own settings, before replication."""
    creation_role_name: pulumi.Input[str]
    """Name of the creation role; this region adds its key to it."""
    creation_role_arn: pulumi.Input[str]
    """ARN of the creation role, for the ROOT replication template."""
    untagged_expiry_days: int = 7
    """Lifecycle of the replica repositories, as at home."""
    scanning: Scanning = "basic"
    """Scanning of this region's registry, as at home."""
    encryption: Encryption = "customerManagedKey"
    """Encryption of new replica repositories, as at home (with this region's own key)."""
    force_delete: bool = False
    """Delete replica repositories that still hold images on destroy; default false, as at home."""
    protect_data: bool = False
    """Pulumi-protect this region's registry key, so no update or destroy can remove it (prod)."""
    owns_registry_settings: bool = True
    """This stack owns the account's registry-wide settings in this region (the scanning
    configuration and the ROOT replication template); exactly one stack per account may.
    False: only the key and the repositories are created. Default true."""
    pull_principals: Sequence[pulumi.Input[str]] = ()
    """Role ARNs that pull here (EKS node roles of this region); default none."""
    pull_accounts: Sequence[str] = ()
    """Other AWS accounts allowed to pull replicas."""
    repository_tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for repositories ECR creates from the ROOT template (provider default tags do not reach them)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class RegistryReplica(pulumi.ComponentResource):
    """The registry in a replica region: every replica repository exists, with its settings, before replication.

    Why not creation templates per repository: ECR treats a template prefix as a namespace.
    The API reference (``CreateRepositoryCreationTemplate``, ``prefix``) says "There is always
    an assumed / applied to the end of the prefix. If you specify ecr-public as the prefix,
    Amazon ECR treats that as ecr-public/", so a template with prefix ``web`` covers
    ``web/...`` but not the repository ``web``, and replicas got ECR's defaults (AES256,
    MUTABLE, no lifecycle or repository policy). The one template that covers a bare name is
    ``ROOT`` ("To apply a template to all repositories in your registry that don't have an
    associated creation template, you can use ROOT as the prefix"), and it carries one
    lifecycle policy and one tag mutability for all, while the repositories differ
    (``keepTaggedImages``, ``keepTagPrefixes``, ``tagMutability``). Templates also act only
    at creation: "The settings in a repository creation template are only applied during
    repository creation and don't have any effect on existing repositories" (ECR user
    guide), so a later change of a lifecycle or of the pull principals would never reach a
    replica. Renaming repositories into a namespace would change the names people type.

    So this component creates each replica repository itself, exactly as at home but with
    this region's key and a pull-only policy: its own tag mutability, encryption, lifecycle
    policy and repository policy, kept in sync by Pulumi. The home registry's replication
    configuration depends on this component, so the repositories exist before the first
    image is replicated; ECR replicates into an existing repository of the same name (the
    replication guide: without ``ecr:CreateRepository`` "you must manually create
    repositories with the same names ... before replication can succeed").

    A ``ROOT`` template applied to ``REPLICATION`` stays as the safety net for repositories
    that replication creates anyway: a ``PREFIX_MATCH`` filter ``web`` also replicates
    ``webhooks``. It carries this region's key, a pull-only policy, IMMUTABLE tags unless
    some repository is MUTABLE, and a lifecycle that never expires what any repository's own
    policy keeps (``fallback_lifecycle_policy``).
    """

    kms_key: aws.kms.Key | None
    """This region's customer-managed key, when encryption is customerManagedKey."""
    repositories: dict[str, aws.ecr.Repository]
    """Repository name -> the replica repository in this region."""
    fallback_template: aws.ecr.RepositoryCreationTemplate | None
    """The ROOT replication template, when this stack owns the registry settings and has repositories."""

    def __init__(self, name: str, args: RegistryReplicaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:RegistryReplica", name, None, opts)
        tags = component_tags("registry", args.tags)
        self.kms_key = registry_key(
            name,
            args.region,
            args.encryption,
            (args.creation_role_name, args.creation_role_arn),
            args.account_id,
            tags,
            args.protect_data,
            self,
        )
        # Replicas are read-only copies: pull only, never push.
        policy = repository_policy_json(args.pull_principals, args.pull_accounts, ())
        self.repositories = repositories(
            name, args.repositories, args.untagged_expiry_days, self.kms_key, args.force_delete, policy, tags, self
        )
        self.fallback_template = None
        if args.owns_registry_settings:
            scanning_configuration(name, args.scanning, self)
            if args.repositories:
                self.fallback_template = self._fallback_template(name, args, policy, tags)
        self.register_outputs({})

    def _fallback_template(
        self, name: str, args: RegistryReplicaArgs, policy: pulumi.Output[str] | None, tags: Mapping[str, str]
    ) -> aws.ecr.RepositoryCreationTemplate:
        """The ROOT template for repositories that replication creates without us."""
        # An IMMUTABLE replica could refuse a moved tag of a MUTABLE source.
        mutable = any(repo.tag_mutability == "MUTABLE" for repo in args.repositories)
        retention = [(repo.keep_tagged_images, repo.keep_tag_prefixes) for repo in args.repositories]
        return aws.ecr.RepositoryCreationTemplate(
            f"{name}-replication-template",
            prefix=ROOT_PREFIX,
            description="Replicas not created by the stack: the registry's encryption, a pull-only policy",
            applied_fors=["REPLICATION"],
            image_tag_mutability="MUTABLE" if mutable else "IMMUTABLE",
            lifecycle_policy=json.dumps(fallback_lifecycle_policy(args.untagged_expiry_days, retention)),
            encryption_configurations=[
                aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(**encryption_args(self.kms_key))
            ],
            repository_policy=policy,
            custom_role_arn=args.creation_role_arn,
            resource_tags={**args.repository_tags, **tags},
            opts=pulumi.ResourceOptions(parent=self),
        )
