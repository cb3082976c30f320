"""The shared ECR registry: SharedRegistry, RegistryReplica and RegistryCreationRole.

SharedRegistry lives in the home region, a RegistryReplica in each replica region, and
RegistryCreationRole is the IAM role ECR assumes to create repositories from templates.

Build order in ``__main__``: creation role, then replicas, then the home registry, whose
replication rule waits for the replicas, so every replica repository exists, with its
settings, before the first image is replicated (see ``RegistryReplica``).

Two rules keep configuration edits from destroying images (docs/registry.md, "Encryption"):
registry KMS keys are retained when they leave the program (and Pulumi-protected with
``protect_data``), and repositories ignore later changes to their encryption configuration,
because ECR sets encryption only in ``CreateRepository`` (no API changes it afterwards).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.registry.documents import lifecycle_policy, resolve_image
from components.registry.repositories import (
    Encryption,
    Scanning,
    encryption_args,
    output_map,
    registry_key,
    repositories,
    repository_policy_json,
    repository_role,
    scanning_configuration,
)
from components.tags import component_tags
from settings.models import PublicRepositorySettings, PullThroughCacheSettings, RepositorySettings

PULL_THROUGH_KEEP_IMAGES = 30
"""Lifecycle of pull-through cache repositories: keep the newest 30 cached images."""


# ------------------------------------------------------------------------ creation role


# ------------------------------------------------------------------------------ replica


# ------------------------------------------------------------------------- home region


@dataclass(frozen=True)
class SharedRegistryArgs:
    """Inputs of the shared registry in the home region."""

    region: str
    """Home region (the region of the provider in ``opts``)."""
    account_id: pulumi.Input[str]
    """This AWS account, for the replication destinations and the key policy."""
    creation_role_name: pulumi.Input[str]
    """Name of the creation role; the home key is added to it."""
    creation_role_arn: pulumi.Input[str]
    """ARN of the creation role, for the pull-through cache templates."""
    repositories: Sequence[RepositorySettings] = ()
    """Private repositories; names are kept as typed (no autonaming)."""
    untagged_expiry_days: int = 7
    """Lifecycle: expire untagged images this many days after push; default 7."""
    scanning: Scanning = "basic"
    """Registry scanning: ``basic`` scan on push (default) or ``enhanced`` continuous scanning."""
    encryption: Encryption = "customerManagedKey"
    """KMS with a customer-managed key with rotation (default) or the AWS-managed aws/ecr key.
    Applies to repositories when they are created; existing ones keep theirs (docs/registry.md)."""
    force_delete: bool = False
    """Delete repositories that still hold images on destroy; default false."""
    protect_data: bool = False
    """Pulumi-protect the registry key, so no update or destroy can remove it (prod). Default false:
    the key is still retained in the account when it leaves the program."""
    owns_registry_settings: bool = True
    """This stack owns the account's registry-wide settings: the registry scanning configuration,
    the replication configuration and the ECR Public repositories (this program sets no registry
    policy). Each exists once per account and region, so exactly one stack per account may own
    them. False: only the key, the private repositories and the pull-through cache are created,
    and ``replica_regions`` must be empty. Default true."""
    pull_accounts: Sequence[str] = ()
    """Other AWS accounts allowed to pull (through their own IAM)."""
    pull_principals: Sequence[pulumi.Input[str]] = ()
    """Role ARNs that run containers (ECS execution role, EKS node roles). Default: none."""
    push_principals: Sequence[str] = ()
    """CI role/user ARNs allowed to push. Default: none besides the account's own IAM."""
    replica_regions: Sequence[str] = ()
    """Regions every repository replicates to (the EKS regions other than home). Default: none."""
    replicas: Sequence[pulumi.Resource] = ()
    """The replica regions' components: replication starts only once their repositories exist."""
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

    def __init__(self, name: str, args: SharedRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:SharedRegistry", name, None, opts)
        if args.public_repositories and args.public_provider is None:
            raise ValueError("public_repositories need public_provider (a provider pinned to us-east-1)")
        if args.replica_regions and not args.owns_registry_settings:
            raise ValueError(
                "replica_regions need owns_registry_settings: replication is a registry-wide setting"
                " that exactly one stack per account owns"
            )
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
        document = repository_policy_json(args.pull_principals, args.pull_accounts, args.push_principals)
        self.repositories = repositories(
            name, args.repositories, args.untagged_expiry_days, self.kms_key, args.force_delete, document, tags, self
        )
        self._pull_through_cache(name, args, tags)

        public_uris: dict[str, pulumi.Output[str]] = {}
        # Registry-level settings exist once per account and region: only their owner creates them.
        if args.owns_registry_settings:
            scanning_configuration(name, args.scanning, self)
            if args.replica_regions and self.repositories:
                self._replication(name, args)
            public_uris = self._public_repositories(name, args, tags)

        self.repository_urls = output_map({n: r.repository_url for n, r in self.repositories.items()})
        self.repository_arns = output_map({n: r.arn for n, r in self.repositories.items()})
        self.public_repository_uris = output_map(public_uris)
        self.register_outputs(
            {
                "repository_urls": self.repository_urls,
                "repository_arns": self.repository_arns,
                "public_repository_uris": self.public_repository_uris,
            }
        )

    def _pull_through_cache(self, name: str, args: SharedRegistryArgs, tags: Mapping[str, str]) -> None:
        """Each cache rule with a creation template for its own prefix (not ROOT, a per-registry singleton).

        The API reference on the template prefix: "When using a pull through cache rule, the
        repository prefix you specify during rule creation is what you should specify as your
        repository creation template prefix as well."
        """
        child = pulumi.ResourceOptions(parent=self)
        for rule in args.pull_through_cache:
            aws.ecr.RepositoryCreationTemplate(
                f"{name}-cache-{rule.prefix}-template",
                prefix=rule.prefix,
                description=f"Repositories the {rule.prefix} pull-through cache creates: the registry's encryption",
                applied_fors=["PULL_THROUGH_CACHE"],
                # A cache mirrors upstream tags, which move (nginx:1.27 gets patch rebuilds).
                image_tag_mutability="MUTABLE",
                lifecycle_policy=json.dumps(lifecycle_policy(args.untagged_expiry_days, PULL_THROUGH_KEEP_IMAGES)),
                encryption_configurations=[
                    aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(**encryption_args(self.kms_key))
                ],
                # Caches are filled by ECR from upstream; nobody pushes to them.
                repository_policy=repository_policy_json(args.pull_principals, args.pull_accounts, ()),
                custom_role_arn=args.creation_role_arn,
                resource_tags={**args.repository_tags, **tags},
                opts=child,
            )
            aws.ecr.PullThroughCacheRule(
                f"{name}-cache-{rule.prefix}",
                ecr_repository_prefix=rule.prefix,
                upstream_registry_url=rule.upstream,
                credential_arn=rule.credential_arn,
                opts=child,
            )

    def _replication(self, name: str, args: SharedRegistryArgs) -> aws.ecr.ReplicationConfiguration:
        """Replicate every repository to every replica region, once the replicas' repositories exist."""
        return aws.ecr.ReplicationConfiguration(
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

    def _public_repositories(
        self, name: str, args: SharedRegistryArgs, tags: Mapping[str, str]
    ) -> dict[str, pulumi.Output[str]]:
        """ECR Public repositories (us-east-1): name -> URI."""
        uris: dict[str, pulumi.Output[str]] = {}
        for public in args.public_repositories:
            repository = aws.ecrpublic.Repository(
                f"{name}-public-{repository_role(public.name)}",
                repository_name=public.name,
                catalog_data=aws.ecrpublic.RepositoryCatalogDataArgs(
                    description=public.description or None,
                    about_text=public.about_text or None,
                    usage_text=public.usage_text or None,
                    architectures=list(public.architectures) or None,
                    operating_systems=list(public.operating_systems) or None,
                ),
                force_destroy=args.force_delete,
                tags=dict(tags),
                opts=pulumi.ResourceOptions(parent=self, provider=args.public_provider),
            )
            uris[public.name] = repository.repository_uri
        return uris

    def image_uri(self, image: str) -> pulumi.Output[str]:
        """Resolve ``web:1.4.2`` to its home-region URL; a full image URI passes through."""
        return self.repository_urls.apply(lambda urls: resolve_image(image, urls))
