"""The shared ECR registry: SharedRegistry, RegistryReplica and RegistryCreationRole.

SharedRegistry lives in the home region, a RegistryReplica in each replica region, and
RegistryCreationRole is the IAM role ECR assumes to create repositories from templates.

Build order in ``__main__``: creation role, then replicas, then the home registry, whose
replication rule waits for the replicas' templates so no replica is created with defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.registry_policies import (
    account_root,
    creation_role_policy,
    creation_role_trust_policy,
    key_use_policy,
    lifecycle_policy,
    repository_policy,
    resolve_image,
)
from components.tags import component_tags
from settings.models import PublicRepositorySettings, PullThroughCacheSettings, RepositorySettings

Scanning = Literal["basic", "enhanced"]
Encryption = Literal["customerManagedKey", "awsManagedKey"]

PULL_THROUGH_KEEP_IMAGES = 30
"""Lifecycle of pull-through cache repositories: keep the newest 30 cached images."""


def _scanning(name: str, scanning: Scanning, parent: pulumi.Resource) -> aws.ecr.RegistryScanningConfiguration:
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


def _encryption(key: aws.kms.Key | None) -> dict[str, pulumi.Input[str]]:
    # Both choices are KMS; the customer key adds rotation control and a key policy of our own.
    return {"encryption_type": "KMS", "kms_key": key.arn} if key is not None else {"encryption_type": "KMS"}


def _registry_key(
    name: str,
    region: str,
    encryption: Encryption,
    creation_role_name: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.kms.Key | None:
    """The region's customer-managed key (KMS keys are regional), usable by the creation role."""
    if encryption != "customerManagedKey":
        return None
    child = pulumi.ResourceOptions(parent=parent)
    key = aws.kms.Key(
        f"{name}-key",
        description=f"Encrypts container images of the shared registry in {region}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        tags=dict(tags),
        opts=child,
    )
    aws.kms.Alias(f"{name}-key-alias", name_prefix=f"alias/{name}-", target_key_id=key.key_id, opts=child)
    aws.iam.RolePolicy(
        f"{name}-creation-role-key",
        role=creation_role_name,
        policy=key.arn.apply(lambda arn: json.dumps(key_use_policy(arn))),
        opts=child,
    )
    return key


def _policy_document(
    pull_principals: Sequence[pulumi.Input[str]], pull_accounts: Sequence[str], push_principals: Sequence[str]
) -> pulumi.Output[str] | None:
    """The repository policy as JSON, or None when nobody is named (the account's IAM governs)."""
    if not (pull_principals or pull_accounts or push_principals):
        return None
    pull = [*pull_principals, *(account_root(a) for a in pull_accounts)]
    return pulumi.Output.all(*pull).apply(
        lambda principals: json.dumps(repository_policy([str(p) for p in principals], list(push_principals)))
    )


def _output_map(values: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    """A map of outputs as one output of a plain map."""
    if not values:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**values).apply(lambda resolved: {k: str(v) for k, v in resolved.items()})


def _role(repo_name: str) -> str:
    return repo_name.replace("/", "-")


# ------------------------------------------------------------------------ creation role


@dataclass(frozen=True)
class CreationRoleArgs:
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

    def __init__(self, name: str, args: CreationRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
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


# ------------------------------------------------------------------------------ replica


@dataclass(frozen=True)
class ReplicaArgs:
    """Inputs of the registry settings in one replica region."""

    region: str
    """The replica region (the region of the provider in ``opts``)."""
    repositories: Sequence[RepositorySettings]
    """The home repositories; each gets a REPLICATION template with its own settings."""
    creation_role_name: pulumi.Input[str]
    """Name of the creation role; this region adds its key to it."""
    creation_role_arn: pulumi.Input[str]
    """ARN of the creation role, for the templates."""
    untagged_expiry_days: int = 7
    """Lifecycle of replicated repositories, as at home."""
    scanning: Scanning = "basic"
    """Scanning of this region's registry, as at home."""
    encryption: Encryption = "customerManagedKey"
    """Encryption of replicated repositories, as at home (with this region's own key)."""
    pull_principals: Sequence[pulumi.Input[str]] = ()
    """Role ARNs that pull here (EKS node roles of this region); default none."""
    pull_accounts: Sequence[str] = ()
    """Other AWS accounts allowed to pull replicas."""
    repository_tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for repositories ECR creates (provider default tags do not reach them)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class RegistryReplica(pulumi.ComponentResource):
    """Registry-level settings of a replica region, so replicated repositories match their source."""

    kms_key: aws.kms.Key | None
    """This region's customer-managed key, when encryption is customerManagedKey."""
    templates: list[aws.ecr.RepositoryCreationTemplate]
    """One REPLICATION template per repository."""

    def __init__(self, name: str, args: ReplicaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:RegistryReplica", name, None, opts)
        tags = component_tags("registry", args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.kms_key = _registry_key(name, args.region, args.encryption, args.creation_role_name, tags, self)
        _scanning(name, args.scanning, self)
        # Replicas are read-only copies: pull only, never push.
        policy = _policy_document(args.pull_principals, args.pull_accounts, ())
        # One template per repository: a replica gets exactly its source's mutability and lifecycle.
        self.templates = [
            aws.ecr.RepositoryCreationTemplate(
                f"{name}-{_role(repo.name)}-template",
                prefix=repo.name,
                description=f"Replicas of {repo.name}: same encryption, lifecycle and immutability as the source",
                applied_fors=["REPLICATION"],
                image_tag_mutability=repo.tag_mutability,
                lifecycle_policy=json.dumps(
                    lifecycle_policy(args.untagged_expiry_days, repo.keep_tagged_images, repo.keep_tag_prefixes)
                ),
                encryption_configurations=[
                    aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(**_encryption(self.kms_key))
                ],
                repository_policy=policy,
                custom_role_arn=args.creation_role_arn,
                resource_tags={**args.repository_tags, **tags},
                opts=child,
            )
            for repo in args.repositories
        ]
        self.register_outputs({})


# ------------------------------------------------------------------------- home region


@dataclass(frozen=True)
class RegistryArgs:
    """Inputs of the shared registry in the home region."""

    region: str
    """Home region (the region of the provider in ``opts``)."""
    account_id: pulumi.Input[str]
    """This AWS account, for the replication destinations."""
    creation_role_name: pulumi.Input[str]
    """Name of the creation role; the home key is added to it."""
    creation_role_arn: pulumi.Input[str]
    """ARN of the creation role, for the pull-through cache template."""
    repositories: Sequence[RepositorySettings] = ()
    """Private repositories; names are kept as typed (no autonaming)."""
    untagged_expiry_days: int = 7
    """Lifecycle: expire untagged images this many days after push; default 7."""
    scanning: Scanning = "basic"
    """Registry scanning: ``basic`` scan on push (default) or ``enhanced`` continuous scanning."""
    encryption: Encryption = "customerManagedKey"
    """KMS with a customer-managed key with rotation (default) or the AWS-managed aws/ecr key."""
    force_delete: bool = False
    """Delete repositories that still hold images on destroy; default false."""
    pull_accounts: Sequence[str] = ()
    """Other AWS accounts allowed to pull (through their own IAM)."""
    pull_principals: Sequence[pulumi.Input[str]] = ()
    """Role ARNs that run containers (ECS execution role, EKS node roles). Default: none."""
    push_principals: Sequence[str] = ()
    """CI role/user ARNs allowed to push. Default: none besides the account's own IAM."""
    replica_regions: Sequence[str] = ()
    """Regions every repository replicates to (the EKS regions other than home). Default: none."""
    replicas: Sequence[pulumi.Resource] = ()
    """The replica regions' components: replication starts only once their templates exist."""
    pull_through_cache: Sequence[PullThroughCacheSettings] = ()
    """Pull-through cache rules; default none."""
    public_repositories: Sequence[PublicRepositorySettings] = ()
    """ECR Public repositories; need ``public_provider``."""
    public_provider: aws.Provider | None = None
    """A provider pinned to us-east-1, the only region ECR Public exists in."""
    repository_tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for repositories ECR creates from templates (provider default tags do not reach them)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class SharedRegistry(pulumi.ComponentResource):
    """Private and public ECR repositories with encryption, scanning, lifecycle, permissions and replication."""

    repositories: dict[str, aws.ecr.Repository]
    """Repository name -> the private repository."""
    repository_urls: pulumi.Output[dict[str, str]]
    """Repository name -> URL in the home region, for task definitions and pod specs."""
    repository_arns: pulumi.Output[dict[str, str]]
    """Repository name -> ARN."""
    public_repository_uris: pulumi.Output[dict[str, str]]
    """Public repository name -> ``public.ecr.aws/<alias>/<name>``."""
    kms_key: aws.kms.Key | None
    """The customer-managed key, when encryption is customerManagedKey."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:SharedRegistry", name, None, opts)
        if args.public_repositories and args.public_provider is None:
            raise ValueError("public_repositories need public_provider (a provider pinned to us-east-1)")
        tags = component_tags("registry", args.tags)
        child = pulumi.ResourceOptions(parent=self)

        self.kms_key = _registry_key(name, args.region, args.encryption, args.creation_role_name, tags, self)
        encryption = _encryption(self.kms_key)

        self.repositories = {}
        for repo in args.repositories:
            repository = aws.ecr.Repository(
                f"{name}-{_role(repo.name)}",
                name=repo.name,
                image_tag_mutability=repo.tag_mutability,
                # Registry-level scanning governs; the repository flag keeps scanners that
                # only read this setting (and older tooling) seeing scan on push.
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(**encryption)],
                force_delete=args.force_delete,
                tags=tags,
                opts=child,
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{_role(repo.name)}-lifecycle",
                repository=repository.name,
                policy=json.dumps(
                    lifecycle_policy(args.untagged_expiry_days, repo.keep_tagged_images, repo.keep_tag_prefixes)
                ),
                opts=child,
            )
            self.repositories[repo.name] = repository

        document = _policy_document(args.pull_principals, args.pull_accounts, args.push_principals)
        if document is not None:
            for repo_name, repository in self.repositories.items():
                aws.ecr.RepositoryPolicy(
                    f"{name}-{_role(repo_name)}-policy", repository=repository.name, policy=document, opts=child
                )

        # Registry-level settings exist once per account and region: this component owns them.
        _scanning(name, args.scanning, self)

        if args.pull_through_cache:
            aws.ecr.RepositoryCreationTemplate(
                f"{name}-pull-through-template",
                prefix="ROOT",
                description="Repositories created by pull-through cache: same encryption as the registry",
                applied_fors=["PULL_THROUGH_CACHE"],
                # A cache mirrors upstream tags, which move (nginx:1.27 gets patch rebuilds).
                image_tag_mutability="MUTABLE",
                lifecycle_policy=json.dumps(lifecycle_policy(args.untagged_expiry_days, PULL_THROUGH_KEEP_IMAGES)),
                encryption_configurations=[aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(**encryption)],
                # Caches are filled by ECR from upstream; nobody pushes to them.
                repository_policy=_policy_document(args.pull_principals, args.pull_accounts, ()),
                custom_role_arn=args.creation_role_arn,
                resource_tags={**args.repository_tags, **tags},
                opts=child,
            )
            for rule in args.pull_through_cache:
                aws.ecr.PullThroughCacheRule(
                    f"{name}-cache-{rule.prefix}",
                    ecr_repository_prefix=rule.prefix,
                    upstream_registry_url=rule.upstream,
                    credential_arn=rule.credential_arn,
                    opts=child,
                )

        if args.replica_regions and self.repositories:
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(
                    rules=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                            destinations=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                                    region=region, registry_id=args.account_id
                                )
                                for region in args.replica_regions
                            ],
                            repository_filters=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                    filter=repo_name, filter_type="PREFIX_MATCH"
                                )
                                for repo_name in self.repositories
                            ],
                        )
                    ]
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.replicas)),
            )

        public_uris: dict[str, pulumi.Output[str]] = {}
        for public in args.public_repositories:
            repository_public = aws.ecrpublic.Repository(
                f"{name}-public-{_role(public.name)}",
                repository_name=public.name,
                catalog_data=aws.ecrpublic.RepositoryCatalogDataArgs(
                    description=public.description or None,
                    about_text=public.about_text or None,
                    usage_text=public.usage_text or None,
                    architectures=list(public.architectures) or None,
                    operating_systems=list(public.operating_systems) or None,
                ),
                force_destroy=args.force_delete,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, provider=args.public_provider),
            )
            public_uris[public.name] = repository_public.repository_uri

        self.repository_urls = _output_map({n: r.repository_url for n, r in self.repositories.items()})
        self.repository_arns = _output_map({n: r.arn for n, r in self.repositories.items()})
        self.public_repository_uris = _output_map(public_uris)
        self.register_outputs(
            {
                "repository_urls": self.repository_urls,
                "repository_arns": self.repository_arns,
                "public_repository_uris": self.public_repository_uris,
            }
        )

    def image_uri(self, image: str) -> pulumi.Output[str]:
        """Resolve ``web:1.4.2`` to its home-region URL; a full image URI passes through."""
        return self.repository_urls.apply(lambda urls: resolve_image(image, urls))
