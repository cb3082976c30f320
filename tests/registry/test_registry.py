"""SharedRegistry and RegistryReplica under the recording mocks."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.registry import (
    RegistryCreationRole,
    RegistryCreationRoleArgs,
    RegistryReplica,
    RegistryReplicaArgs,
    SharedRegistry,
    SharedRegistryArgs,
)
from components.registry.documents import applied_template, fallback_lifecycle_policy, lifecycle_policy
from offline_plan.mocks import ACCOUNT_ID
from offline_plan.recorder import Plan, record, stack_config
from settings.models import PublicRepositorySettings, PullThroughCacheSettings, RepositorySettings
from tests.conftest import parse_config

WEB = RepositorySettings.model_validate_json(json.dumps({"name": "web"}))
API = RepositorySettings.model_validate_json(
    json.dumps(
        {"name": "team/api", "keepTaggedImages": 50, "keepTagPrefixes": ["release-"], "tagMutability": "MUTABLE"}
    )
)
TOOLS = PublicRepositorySettings.model_validate_json(
    json.dumps({"name": "platform-tools", "description": "Base images", "architectures": ["x86-64"]})
)
EXEC_ROLE = "arn:aws:iam::123456789012:role/ecs-execution"


def build(with_public: bool = True, **overrides: Any) -> Plan:
    def program() -> None:
        home = aws.Provider("aws-eu-west-1", region="eu-west-1")
        public = aws.Provider("aws-us-east-1", region="us-east-1")
        role = RegistryCreationRole(
            "registry-creation",
            RegistryCreationRoleArgs(account_id=ACCOUNT_ID, regions=["eu-west-1", "ap-southeast-2"]),
            opts=pulumi.ResourceOptions(provider=home),
        )
        args: dict[str, Any] = {
            "region": "eu-west-1",
            "account_id": ACCOUNT_ID,
            "creation_role_name": role.role.name,
            "creation_role_arn": role.role.arn,
            "replicas": [role],
            "repository_tags": {"project": "container-platform", "stack": "test"},
            "repositories": [WEB, API],
            "replica_regions": ["ap-southeast-2"],
            "public_repositories": [TOOLS] if with_public else [],
            "public_provider": public if with_public else None,
        }
        args.update(overrides)
        registry = SharedRegistry("registry", SharedRegistryArgs(**args), opts=pulumi.ResourceOptions(provider=home))
        pulumi.export("urls", registry.repository_urls)
        pulumi.export("publicUris", registry.public_repository_uris)
        pulumi.export("webImage", registry.image_uri("web:1.4.2"))
        pulumi.export("externalImage", registry.image_uri("public.ecr.aws/nginx/nginx:1.27"))

    return record(program)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build()


def test_repositories_keep_the_names_people_type(plan: Plan) -> None:
    repos = plan.of_type("aws:ecr/repository:Repository")
    assert sorted(r.inputs["name"] for r in repos) == ["team/api", "web"]
    assert sorted(r.name for r in repos) == ["registry-team-api", "registry-web"]


def test_repositories_are_encrypted_with_the_rotating_customer_key(plan: Plan) -> None:
    key = plan.named("registry-key")
    assert key.inputs["enableKeyRotation"] is True
    key_arn = f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/"
    for repo in plan.of_type("aws:ecr/repository:Repository"):
        (encryption,) = repo.inputs["encryptionConfigurations"]
        assert encryption["encryptionType"] == "KMS" and encryption["kmsKey"].startswith(key_arn)
        assert key.urn in repo.dependencies


def test_aws_managed_key_needs_no_key_of_ours() -> None:
    plan = build(encryption="awsManagedKey")
    assert not plan.of_type("aws:kms/key:Key")
    for repo in plan.of_type("aws:ecr/repository:Repository"):
        assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]


def test_tags_are_immutable_by_default_and_scanned_on_push(plan: Plan) -> None:
    assert plan.named("registry-web").inputs["imageTagMutability"] == "IMMUTABLE"
    assert plan.named("registry-team-api").inputs["imageTagMutability"] == "MUTABLE"
    for repo in plan.of_type("aws:ecr/repository:Repository"):
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["forceDelete"] is False


def test_force_delete_is_an_explicit_choice() -> None:
    plan = build(force_delete=True)
    assert all(r.inputs["forceDelete"] is True for r in plan.of_type("aws:ecr/repository:Repository"))
    assert plan.named("registry-public-platform-tools").inputs["forceDestroy"] is True


def test_each_repository_gets_its_own_lifecycle_policy(plan: Plan) -> None:
    web = json.loads(plan.named("registry-web-lifecycle").inputs["policy"])
    api = json.loads(plan.named("registry-team-api-lifecycle").inputs["policy"])
    assert web == lifecycle_policy(7, 30)
    assert api == lifecycle_policy(7, 50, ("release-",))


def test_no_repository_policy_when_nobody_is_named(plan: Plan) -> None:
    assert not plan.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")


def test_repository_policy_names_runners_accounts_and_ci_but_never_star() -> None:
    plan = build(
        pull_principals=[EXEC_ROLE],
        pull_accounts=["210987654321"],
        push_principals=["arn:aws:iam::123456789012:role/ci"],
    )
    policies = plan.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")
    assert sorted(p.name for p in policies) == ["registry-team-api-policy", "registry-web-policy"]
    doc = json.loads(policies[0].inputs["policy"])
    pull, push = doc["Statement"]
    assert pull["Principal"] == {"AWS": [EXEC_ROLE, "arn:aws:iam::210987654321:root"]}
    assert push["Principal"] == {"AWS": ["arn:aws:iam::123456789012:role/ci"]}
    assert "*" not in json.dumps([s["Principal"] for s in doc["Statement"]])


@pytest.mark.parametrize(
    ("scanning", "scan_type", "frequency"),
    [("basic", "BASIC", "SCAN_ON_PUSH"), ("enhanced", "ENHANCED", "CONTINUOUS_SCAN")],
)
def test_registry_scanning_configuration(scanning: str, scan_type: str, frequency: str) -> None:
    (config,) = build(scanning=scanning).of_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    assert config.inputs["scanType"] == scan_type
    assert config.inputs["rules"] == [
        {"scanFrequency": frequency, "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}
    ]


def test_replication_goes_to_every_replica_region_for_our_repositories(plan: Plan) -> None:
    config = plan.named("registry-replication").inputs["replicationConfiguration"]
    (rule,) = config["rules"]
    assert rule["destinations"] == [{"region": "ap-southeast-2", "registryId": ACCOUNT_ID}]
    assert sorted(f["filter"] for f in rule["repositoryFilters"]) == ["team/api", "web"]
    assert {f["filterType"] for f in rule["repositoryFilters"]} == {"PREFIX_MATCH"}


def test_no_replication_without_replica_regions() -> None:
    assert not build(replica_regions=[]).of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")


def test_creation_role_is_trusted_by_ecr_only_and_scoped(plan: Plan) -> None:
    trust = json.loads(plan.named("registry-creation-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    policy = json.loads(plan.named("registry-creation-ecr").inputs["policy"])
    assert policy["Statement"][0]["Resource"] == [
        f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/*",
        f"arn:aws:ecr:ap-southeast-2:{ACCOUNT_ID}:repository/*",
    ]
    key_grant = json.loads(plan.named("registry-creation-role-key").inputs["policy"])
    assert key_grant["Statement"][0]["Resource"] == [
        plan.named("registry-web").inputs["encryptionConfigurations"][0]["kmsKey"]
    ]


def test_replication_waits_for_the_replicas(plan: Plan) -> None:
    # depends_on a component means depending on every resource inside it.
    replica = plan.named("registry-creation")
    inside = {r.urn for r in plan.resources if r.parent == replica.urn}
    assert inside and inside <= set(plan.named("registry-replication").dependencies)


def test_pull_through_cache_rules_and_their_template() -> None:
    rules = [
        PullThroughCacheSettings.model_validate_json(
            json.dumps({"prefix": "ecr-public", "upstream": "public.ecr.aws"})
        ),
        PullThroughCacheSettings.model_validate_json(
            json.dumps(
                {
                    "prefix": "hub",
                    "upstream": "registry-1.docker.io",
                    "credentialArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub",
                }
            )
        ),
    ]
    plan = build(pull_through_cache=rules)
    public = plan.named("registry-cache-ecr-public").inputs
    assert (public["ecrRepositoryPrefix"], public["upstreamRegistryUrl"]) == ("ecr-public", "public.ecr.aws")
    assert "credentialArn" not in public
    assert plan.named("registry-cache-hub").inputs["credentialArn"].endswith(":secret:ecr-pullthroughcache/hub")
    # One template per cache prefix, as ECR documents it; ROOT would be a per-registry singleton.
    templates = plan.of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    assert sorted(t.inputs["prefix"] for t in templates) == ["ecr-public", "hub"]
    assert applied_template([t.inputs["prefix"] for t in templates], "ecr-public/nginx/nginx") == "ecr-public"
    template = plan.named("registry-cache-ecr-public-template").inputs
    # Caches mirror upstream tags that move, so their repositories are mutable.
    assert (template["appliedFors"], template["imageTagMutability"]) == (["PULL_THROUGH_CACHE"], "MUTABLE")
    assert template["resourceTags"] == {"project": "container-platform", "stack": "test", "component": "registry"}
    assert template["encryptionConfigurations"][0]["kmsKey"].startswith("arn:aws:kms:eu-west-1:")
    assert template["customRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:role/")
    assert json.loads(template["lifecyclePolicy"]) == lifecycle_policy(7, 30)


def test_no_pull_through_resources_by_default(plan: Plan) -> None:
    assert not plan.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert not plan.of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")


def test_public_repository_lives_on_the_us_east_1_provider(plan: Plan) -> None:
    public = plan.named("registry-public-platform-tools")
    assert public.provider.startswith(plan.named("aws-us-east-1").urn + "::")
    assert public.region == "us-east-1"
    assert public.inputs["repositoryName"] == "platform-tools"
    assert public.inputs["catalogData"] == {"description": "Base images", "architectures": ["x86-64"]}
    # Every other child stays in the home region.
    others = [r for r in plan.resources if r.custom and r.parent.endswith("::registry") and r.name != public.name]
    assert others and {r.region for r in others} == {"eu-west-1"}


def test_public_repositories_need_a_us_east_1_provider() -> None:
    with pytest.raises(ValueError, match="public_provider"):
        build(with_public=False, public_repositories=[TOOLS])


def test_outputs_and_image_resolution(plan: Plan) -> None:
    assert plan.exports["urls"] == {
        "web": f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/web",
        "team/api": f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/team/api",
    }
    assert plan.exports["webImage"] == f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"
    assert plan.exports["externalImage"] == "public.ecr.aws/nginx/nginx:1.27"
    assert plan.exports["publicUris"]["platform-tools"].startswith("public.ecr.aws/")


def build_replica(**overrides: Any) -> Plan:
    def program() -> None:
        provider = aws.Provider("aws-ap-southeast-2", region="ap-southeast-2")
        args: dict[str, Any] = {
            "region": "ap-southeast-2",
            "account_id": ACCOUNT_ID,
            "repositories": [WEB, API],
            "creation_role_name": "registry-creation-role-abc",
            "creation_role_arn": f"arn:aws:iam::{ACCOUNT_ID}:role/registry-creation-role-abc",
            "scanning": "enhanced",
            "pull_accounts": ["210987654321"],
            "repository_tags": {"project": "container-platform"},
        }
        args.update(overrides)
        RegistryReplica(
            "registry-ap-southeast-2", RegistryReplicaArgs(**args), opts=pulumi.ResourceOptions(provider=provider)
        )

    return record(program)


REPOSITORY = "aws:ecr/repository:Repository"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
PUBLIC = "aws:ecrpublic/repository:Repository"


def test_replica_repositories_exist_with_their_own_settings() -> None:
    plan = build_replica()
    repos = {r.inputs["name"]: r for r in plan.of_type(REPOSITORY)}
    assert sorted(repos) == ["team/api", "web"]
    assert {r.region for r in repos.values()} == {"ap-southeast-2"}
    assert repos["web"].name == "registry-ap-southeast-2-web"
    assert (repos["web"].inputs["imageTagMutability"], repos["team/api"].inputs["imageTagMutability"]) == (
        "IMMUTABLE",
        "MUTABLE",
    )
    for repo in repos.values():
        (encryption,) = repo.inputs["encryptionConfigurations"]
        assert encryption["encryptionType"] == "KMS"
        assert encryption["kmsKey"].startswith(f"arn:aws:kms:ap-southeast-2:{ACCOUNT_ID}:key/")
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo.inputs["forceDelete"] is False
    assert json.loads(plan.named("registry-ap-southeast-2-web-lifecycle").inputs["policy"]) == lifecycle_policy(7, 30)
    assert json.loads(plan.named("registry-ap-southeast-2-team-api-lifecycle").inputs["policy"]) == lifecycle_policy(
        7, 50, ("release-",)
    )
    # Replicas are pull-only copies: the accounts that may pull at home may pull here, nobody pushes.
    for repo_name in ("web", "team-api"):
        (pull,) = json.loads(plan.named(f"registry-ap-southeast-2-{repo_name}-policy").inputs["policy"])["Statement"]
        assert (pull["Sid"], pull["Principal"]) == ("AllowPull", {"AWS": ["arn:aws:iam::210987654321:root"]})


def test_replica_root_template_is_only_a_safety_net_that_loses_nothing() -> None:
    plan = build_replica()
    (template,) = plan.of_type(TEMPLATE)
    inputs = template.inputs
    assert template.name == "registry-ap-southeast-2-replication-template"
    assert (inputs["prefix"], inputs["appliedFors"]) == ("ROOT", ["REPLICATION"])
    # team/api is MUTABLE: an IMMUTABLE fallback could refuse a moved tag of such a source.
    assert inputs["imageTagMutability"] == "MUTABLE"
    assert json.loads(inputs["lifecyclePolicy"]) == lifecycle_policy(7, 50, ("release-",))
    assert inputs["encryptionConfigurations"][0]["kmsKey"].startswith("arn:aws:kms:ap-southeast-2:")
    assert inputs["customRoleArn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/registry-creation-role-abc"
    assert inputs["resourceTags"] == {"project": "container-platform", "component": "registry"}
    (pull,) = json.loads(inputs["repositoryPolicy"])["Statement"]
    assert pull["Principal"] == {"AWS": ["arn:aws:iam::210987654321:root"]}
    only_web = build_replica(repositories=[WEB]).named("registry-ap-southeast-2-replication-template").inputs
    assert only_web["imageTagMutability"] == "IMMUTABLE"


def test_replica_region_has_its_own_key_scanning_and_role_grant() -> None:
    plan = build_replica()
    assert {r.region for r in plan.resources if r.custom} == {"ap-southeast-2"}
    (scanning,) = plan.of_type(SCANNING)
    assert scanning.inputs["scanType"] == "ENHANCED"
    grant = plan.named("registry-ap-southeast-2-creation-role-key").inputs
    assert grant["role"] == "registry-creation-role-abc"
    assert json.loads(grant["policy"])["Statement"][0]["Resource"][0].startswith("arn:aws:kms:ap-southeast-2:")


def test_replica_with_aws_managed_key() -> None:
    plan = build_replica(encryption="awsManagedKey")
    assert not plan.of_type(KEY) and not plan.of_type("aws:iam/rolePolicy:RolePolicy")
    template = plan.named("registry-ap-southeast-2-replication-template").inputs
    assert template["encryptionConfigurations"] == [{"encryptionType": "KMS"}]
    assert plan.named("registry-ap-southeast-2-web").inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_configured_repository_gets_its_settings_in_every_replica_region(stack: str) -> None:
    cfg = parse_config(stack_config(stack), stack=stack)
    reg = cfg.config.registry
    # dev replicates nowhere today: check the region it would get, with dev's own repositories.
    regions = cfg.replica_regions or ("eu-west-1",)

    def program() -> None:
        for region in regions:
            RegistryReplica(
                f"registry-{region}",
                RegistryReplicaArgs(
                    region=region,
                    account_id=ACCOUNT_ID,
                    repositories=reg.repositories,
                    creation_role_name="registry-creation-role-abc",
                    creation_role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/registry-creation-role-abc",
                    untagged_expiry_days=reg.untagged_expiry_days,
                    scanning=reg.scanning,
                    encryption=reg.encryption,
                    pull_accounts=reg.pull_accounts,
                ),
                opts=pulumi.ResourceOptions(provider=aws.Provider(f"aws-{region}", region=region)),
            )

    plan = record(program)
    assert reg.repositories
    for region in regions:
        prefixes = [t.inputs["prefix"] for t in plan.of_type(TEMPLATE) if t.region == region]
        (fallback,) = [t for t in plan.of_type(TEMPLATE) if t.region == region]
        for repo in reg.repositories:
            # The replica repository itself carries the settings, from before the first image.
            (replica,) = [r for r in plan.of_type(REPOSITORY) if r.region == region and r.inputs["name"] == repo.name]
            assert replica.inputs["imageTagMutability"] == repo.tag_mutability
            assert replica.inputs["encryptionConfigurations"][0]["kmsKey"].startswith(f"arn:aws:kms:{region}:")
            own = lifecycle_policy(reg.untagged_expiry_days, repo.keep_tagged_images, repo.keep_tag_prefixes)
            assert json.loads(plan.named(f"{replica.name}-lifecycle").inputs["policy"]) == own
            # No namespace template can cover a bare name; only ROOT would apply if the repository
            # were missing, and ROOT keeps at least what the repository's own policy keeps.
            assert applied_template(prefixes, repo.name) == "ROOT"
            retention = [(r.keep_tagged_images, r.keep_tag_prefixes) for r in reg.repositories]
            fallback_policy = fallback_lifecycle_policy(reg.untagged_expiry_days, retention)
            assert json.loads(fallback.inputs["lifecyclePolicy"]) == fallback_policy
            assert fallback.inputs["encryptionConfigurations"][0]["kmsKey"].startswith(f"arn:aws:kms:{region}:")


def test_replication_waits_for_the_replica_repositories() -> None:
    def program() -> None:
        home = aws.Provider("aws-eu-west-1", region="eu-west-1")
        far = aws.Provider("aws-ap-southeast-2", region="ap-southeast-2")
        replica = RegistryReplica(
            "registry-ap-southeast-2",
            RegistryReplicaArgs(
                region="ap-southeast-2",
                account_id=ACCOUNT_ID,
                repositories=[WEB, API],
                creation_role_name="r",
                creation_role_arn="arn:r",
            ),
            opts=pulumi.ResourceOptions(provider=far),
        )
        SharedRegistry(
            "registry",
            SharedRegistryArgs(
                region="eu-west-1",
                account_id=ACCOUNT_ID,
                creation_role_name="r",
                creation_role_arn="arn:r",
                repositories=[WEB, API],
                replica_regions=["ap-southeast-2"],
                replicas=[replica],
            ),
            opts=pulumi.ResourceOptions(provider=home),
        )

    plan = record(program)
    replicas = {r.urn for r in plan.of_type(REPOSITORY) if r.region == "ap-southeast-2"}
    assert len(replicas) == 2 and replicas <= set(plan.named("registry-replication").dependencies)


def test_repositories_keep_the_encryption_they_were_created_with() -> None:
    # ECR sets encryption only at CreateRepository; kmsKey is ForceNew and a fixed name makes that a delete.
    for plan in (build(), build(encryption="awsManagedKey"), build_replica()):
        repos = plan.of_type(REPOSITORY)
        assert repos and all(r.options["ignoreChanges"] == ["encryptionConfigurations"] for r in repos)


def test_registry_keys_outlive_the_program_and_are_protected_when_asked() -> None:
    for plan in (build(), build_replica()):
        keys = plan.of_type(KEY) + plan.of_type(ALIAS)
        assert len(keys) == 2
        assert all(k.options["retainOnDelete"] is True and not k.options["protect"] for k in keys)
    for plan in (build(protect_data=True), build_replica(protect_data=True)):
        keys = plan.of_type(KEY) + plan.of_type(ALIAS)
        assert len(keys) == 2
        assert all(k.options["retainOnDelete"] is True and k.options["protect"] is True for k in keys)


def test_registry_wide_settings_are_left_to_the_stack_that_owns_them() -> None:
    plan = build(owns_registry_settings=False, replica_regions=[])
    assert not plan.of_type(SCANNING) and not plan.of_type(REPLICATION) and not plan.of_type(PUBLIC)
    assert plan.exports["publicUris"] == {}
    # What belongs to this stack alone is still built.
    assert sorted(r.inputs["name"] for r in plan.of_type(REPOSITORY)) == ["team/api", "web"]
    assert plan.named("registry-web-lifecycle") and plan.named("registry-key")
    replica = build_replica(owns_registry_settings=False)
    assert not replica.of_type(SCANNING) and not replica.of_type(TEMPLATE)
    assert sorted(r.inputs["name"] for r in replica.of_type(REPOSITORY)) == ["team/api", "web"]
    # The owner (the default) creates every one of them.
    owner = build()
    assert owner.of_type(SCANNING) and owner.of_type(REPLICATION) and owner.of_type(PUBLIC)


def test_replication_needs_the_registry_settings() -> None:
    with pytest.raises(ValueError) as error:
        build(owns_registry_settings=False)
    assert str(error.value) == (
        "replica_regions need owns_registry_settings: replication is a registry-wide setting"
        " that exactly one stack per account owns"
    )
