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
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.registry_policies import (
    ROOT_PREFIX,
    account_root,
    creation_role_policy,
    creation_role_trust_policy,
    fallback_lifecycle_policy,
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

ENCRYPTION_SET_AT_CREATION = ["encryptionConfigurations"]
"""Repository properties Pulumi must not reconcile after creation.

ECR takes a repository's encryption only in ``CreateRepository``; in terraform-provider-aws
(which pulumi-aws bridges) ``encryption_type`` and ``kms_key`` are ForceNew and ``kms_key`` is
Optional+Computed. Reconciling them would replace a repository (fixed name: delete, losing its
images) or, in the other direction, show no diff while its key is deleted. Ignored, a change
of ``encryption`` applies to new repositories only.
"""


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
    protect: bool,
    parent: pulumi.Resource,
) -> aws.kms.Key | None:
    """The region's customer-managed key (KMS keys are regional), usable by the creation role.

    Repositories keep the key they were created with, whatever the config says later, so the
    key outlives its place in the program: ``retain_on_delete`` leaves it (and its alias, so it
    stays findable) in the account when ``encryption`` changes or the stack is destroyed, and
    ``protect`` makes such an update fail instead (prod). Scheduling its deletion is a manual
    step, once no repository uses it (docs/registry.md).
    """
    if encryption != "customerManagedKey":
        return None
    keep = pulumi.ResourceOptions(parent=parent, retain_on_delete=True, protect=protect)
    key = aws.kms.Key(
        f"{name}-key",
        description=f"Encrypts container images of the shared registry in {region}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        tags=dict(tags),
        opts=keep,
    )
    aws.kms.Alias(f"{name}-key-alias", name_prefix=f"alias/{name}-", target_key_id=key.key_id, opts=keep)
    aws.iam.RolePolicy(
        f"{name}-creation-role-key",
        role=creation_role_name,
        policy=key.arn.apply(lambda arn: json.dumps(key_use_policy(arn))),
        opts=pulumi.ResourceOptions(parent=parent),
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


def _repositories(
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
            f"{name}-{_role(repo.name)}",
            name=repo.name,
            image_tag_mutability=repo.tag_mutability,
            # Registry-level scanning governs; the repository flag keeps scanners that
            # only read this setting (and older tooling) seeing scan on push.
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(**_encryption(key))],
            force_delete=force_delete,
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=parent, ignore_changes=ENCRYPTION_SET_AT_CREATION),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-{_role(repo.name)}-lifecycle",
            repository=repository.name,
            policy=json.dumps(lifecycle_policy(untagged_expiry_days, repo.keep_tagged_images, repo.keep_tag_prefixes)),
            opts=child,
        )
        if policy is not None:
            aws.ecr.RepositoryPolicy(
                f"{name}-{_role(repo.name)}-policy", repository=repository.name, policy=policy, opts=child
            )
        built[repo.name] = repository
    return built


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
    """Inputs of the registry in one replica region."""

    region: str
    """The replica region (the region of the provider in ``opts``)."""
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

    def __init__(self, name: str, args: ReplicaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:RegistryReplica", name, None, opts)
        tags = component_tags("registry", args.tags)
        self.kms_key = _registry_key(
            name, args.region, args.encryption, args.creation_role_name, tags, args.protect_data, self
        )
        # Replicas are read-only copies: pull only, never push.
        policy = _policy_document(args.pull_principals, args.pull_accounts, ())
        self.repositories = _repositories(
            name, args.repositories, args.untagged_expiry_days, self.kms_key, args.force_delete, policy, tags, self
        )
        self.fallback_template = None
        if args.owns_registry_settings:
            _scanning(name, args.scanning, self)
            if args.repositories:
                self.fallback_template = self._fallback_template(name, args, policy, tags)
        self.register_outputs({})

    def _fallback_template(
        self, name: str, args: ReplicaArgs, policy: pulumi.Output[str] | None, tags: Mapping[str, str]
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
                aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(**_encryption(self.kms_key))
            ],
            repository_policy=policy,
            custom_role_arn=args.creation_role_arn,
            resource_tags={**args.repository_tags, **tags},
            opts=pulumi.ResourceOptions(parent=self),
        )


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

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:registry:SharedRegistry", name, None, opts)
        if args.public_repositories and args.public_provider is None:
            raise ValueError("public_repositories need public_provider (a provider pinned to us-east-1)")
        if args.replica_regions and not args.owns_registry_settings:
            raise ValueError(
                "replica_regions need owns_registry_settings: replication is a registry-wide setting"
                " that exactly one stack per account owns"
            )
        tags = component_tags("registry", args.tags)

        self.kms_key = _registry_key(
            name, args.region, args.encryption, args.creation_role_name, tags, args.protect_data, self
        )
        document = _policy_document(args.pull_principals, args.pull_accounts, args.push_principals)
        self.repositories = _repositories(
            name, args.repositories, args.untagged_expiry_days, self.kms_key, args.force_delete, document, tags, self
        )
        self._pull_through_cache(name, args, tags)

        public_uris: dict[str, pulumi.Output[str]] = {}
        # Registry-level settings exist once per account and region: only their owner creates them.
        if args.owns_registry_settings:
            _scanning(name, args.scanning, self)
            if args.replica_regions and self.repositories:
                self._replication(name, args)
            public_uris = self._public_repositories(name, args, tags)

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

    def _pull_through_cache(self, name: str, args: RegistryArgs, tags: Mapping[str, str]) -> None:
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
                    aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(**_encryption(self.kms_key))
                ],
                # Caches are filled by ECR from upstream; nobody pushes to them.
                repository_policy=_policy_document(args.pull_principals, args.pull_accounts, ()),
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

    def _replication(self, name: str, args: RegistryArgs) -> aws.ecr.ReplicationConfiguration:
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
        self, name: str, args: RegistryArgs, tags: Mapping[str, str]
    ) -> dict[str, pulumi.Output[str]]:
        """ECR Public repositories (us-east-1): name -> URI."""
        uris: dict[str, pulumi.Output[str]] = {}
        for public in args.public_repositories:
            repository = aws.ecrpublic.Repository(
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
                tags=dict(tags),
                opts=pulumi.ResourceOptions(parent=self, provider=args.public_provider),
            )
            uris[public.name] = repository.repository_uri
        return uris

    def image_uri(self, image: str) -> pulumi.Output[str]:
        """Resolve ``web:1.4.2`` to its home-region URL; a full image URI passes through."""
        return self.repository_urls.apply(lambda urls: resolve_image(image, urls))
