"""The whole program (the real __main__.py) under the recording mocks, for each committed stack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from offline_plan.__main__ import main as plan_main
from offline_plan.recorder import Plan, RecordedResource, run_stack, stack_config
from settings import ConfigError
from tests.conftest import set_path

EXPECTED_REGIONS = {"dev": ["us-east-1"], "prod": ["us-east-1", "eu-west-1"]}


@pytest.fixture(scope="module")
def plans(committed_plans: dict[str, Plan]) -> dict[str, Plan]:
    return {stack: committed_plans[stack] for stack in EXPECTED_REGIONS}


def provider_urn(ref: str) -> str:
    return ref.rsplit("::", 1)[0]


def test_every_provider_refuses_credentials_of_another_account(plans: dict[str, Plan]) -> None:
    """B4: the provider checks the caller's account before it creates anything."""
    for stack, plan in plans.items():
        account = stack_config(stack)["container-platform:accountId"]
        for provider in plan.of_type("pulumi:providers:aws"):
            assert json.loads(provider.inputs["allowedAccountIds"]) == [account], provider.name


def test_one_provider_per_region_in_use_with_base_tags(plans: dict[str, Plan]) -> None:
    for stack, regions in EXPECTED_REGIONS.items():
        providers = plans[stack].of_type("pulumi:providers:aws")
        assert sorted(p.inputs["region"] for p in providers) == sorted(regions)
        for provider in providers:
            # Providers receive nested config as JSON text.
            tags = json.loads(provider.inputs["defaultTags"])["tags"]
            assert tags == {
                "project": "container-platform",
                "stack": stack,
                "environment": stack,
                "managed-by": "pulumi",
            }


def expected_region(plan: Plan, resource: RecordedResource, home: str) -> str:
    """Where a resource belongs, judged from the component tree rather than from its provider."""
    if resource.type == "aws:ecrpublic/repository:Repository":
        return "us-east-1"  # ECR Public exists only there
    recorded = {r.urn for r in plan.resources}
    parent = resource.parent
    while parent in recorded:  # the nearest regional component (eks-eu-west-1, network-us-east-1) names the region
        owner = plan.by_urn(parent)
        suffix = owner.name.split("-", 1)[1] if "-" in owner.name else ""
        if suffix in {"us-east-1", "eu-west-1"}:
            return suffix
        parent = owner.parent
    return home


def test_every_aws_resource_has_the_explicit_provider_of_its_region(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        providers = {p.urn: p.inputs["region"] for p in plan.of_type("pulumi:providers:aws")}
        aws_resources = [r for r in plan.resources if r.type.startswith(("aws:", "awsx:"))]
        assert len(aws_resources) > 10
        for resource in aws_resources:
            ref = resource.provider if resource.custom else resource.providers.get("aws", "")
            assert provider_urn(ref) in providers, f"{stack}: {resource.name} has no explicit aws provider"
            region = providers[provider_urn(ref)]
            assert region == expected_region(plan, resource, "us-east-1"), f"{stack}: {resource.name} is in {region}"


def test_one_network_per_region_with_its_cidr(plans: dict[str, Plan]) -> None:
    for stack, regions in EXPECTED_REGIONS.items():
        config = stack_config(stack)["container-platform:network"]
        plan = plans[stack]
        assert sorted(n.name for n in plan.of_type("container-platform:network:Network")) == sorted(
            f"network-{r}" for r in regions
        )
        for region in regions:
            vpc = plan.named(f"network-{region}-vpc").inputs
            assert vpc["cidrBlock"] == config["cidrs"][region]
            assert len(vpc["availabilityZoneNames"]) == config["azCount"]


def test_nat_strategy_per_stack(plans: dict[str, Plan]) -> None:
    assert plans["dev"].named("network-us-east-1-vpc").inputs["natGateways"] == {"strategy": "Single"}
    for region in EXPECTED_REGIONS["prod"]:
        assert plans["prod"].named(f"network-{region}-vpc").inputs["natGateways"] == {"strategy": "OnePerAz"}


def test_exports_hold_each_network(plans: dict[str, Plan]) -> None:
    for stack, regions in EXPECTED_REGIONS.items():
        exports = plans[stack].exports
        assert exports["homeRegion"] == "us-east-1" and exports["environment"] == stack
        assert sorted(exports["networks"]) == sorted(regions)
        for network in exports["networks"].values():
            assert network["vpcId"].startswith("vpc-")
            assert len(network["privateSubnetIds"]) == len(network["publicSubnetIds"]) > 0


def test_settings_warnings_reach_the_plan(plans: dict[str, Plan]) -> None:
    assert (
        "ecs.services[web].loadBalancer: no certificateArn, so the ALB serves plain HTTP on port 80 (guardrail exception: dev has no domain or ACM certificate yet - synthetic test traffic only)"
        in plans["dev"].warnings
    )


def test_bad_config_registers_nothing(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "network.natGateways", "sometimes")
    recorded: list[RecordedResource] = []
    with pytest.raises(ConfigError, match=r"network.natGateways: Input should be 'none', 'single' or 'perAz'"):
        run_stack("dev", config, recorded=recorded)
    assert recorded == []


def test_plan_is_deterministic_and_fast(committed_plans: dict[str, Plan]) -> None:
    """A second run of prod records the same plan as the session's first, in well under ten seconds."""
    started = time.perf_counter()
    again = run_stack("prod").to_json()
    assert time.perf_counter() - started < 10
    assert json.dumps(again) == json.dumps(committed_plans["prod"].to_json())


def test_runs_do_not_leak_into_each_other(dev_config: dict[str, Any]) -> None:
    run_stack("dev")
    plan = run_stack("dev", {k: v for k, v in dev_config.items() if k != "container-platform:ecs"})
    assert "ecs" not in plan.exports
    prod = run_stack("prod")
    top = [r for r in prod.resources if r.parent.endswith("pulumi:pulumi:Stack::container-platform-prod")]
    assert top and all("::container-platform-dev" not in r.parent for r in prod.resources)


def test_plan_command_writes_the_documented_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_main(["--stack", "prod", "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "plan-prod.json").read_text())
    assert (data["project"], data["stack"]) == ("container-platform", "prod")
    assert set(data) >= {"project", "stack", "resources", "exports"}
    keys = {
        "urn",
        "type",
        "name",
        "parent",
        "provider",
        "custom",
        "inputs",
        "dependencies",
        "propertyDependencies",
        "options",
    }
    assert data["resources"] and all(keys <= set(r) for r in data["resources"])
    out = capsys.readouterr().out
    assert "Key choices:" in out and "Component tree:" in out and "Resources by region and type:" in out
    assert "eu-west-1:" in out


def test_plan_command_prints_settings_errors_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    config = set_path(stack_config("dev"), "ecs.services[0].memory", 777)
    import yaml

    bad.write_text(yaml.safe_dump({"config": config}))
    assert plan_main(["--stack", "bad", "--stack-file", str(bad), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (
        "ecs.services[web].memory: 777 MiB is not valid on Fargate with cpu 512; expected one of 1024, 2048, 3072, 4096"
        in err
    )
    assert not (tmp_path / "plan-bad.json").exists()


def test_plan_command_rejects_an_unknown_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_main(["--stack", "nope"]) == 2
    assert "no stack file Pulumi.nope.yaml" in capsys.readouterr().err


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_disables_default_providers(stack: str) -> None:
    # The engine then rejects any resource that falls back to the ambient-region provider.
    assert {"aws", "kubernetes"} <= set(stack_config(stack)["pulumi:disable-default-providers"])


def test_prod_registry_replicates_to_eu_west_1(plans: dict[str, Plan]) -> None:
    prod = plans["prod"]
    (rule,) = prod.named("registry-replication").inputs["replicationConfiguration"]["rules"]
    assert [d["region"] for d in rule["destinations"]] == ["eu-west-1"]
    replica = prod.named("registry-eu-west-1")
    assert replica.providers["aws"].startswith(prod.named("aws-eu-west-1").urn + "::")
    assert prod.exports["registry"]["replicaRegions"] == ["eu-west-1"]
    assert not plans["dev"].of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")


def test_every_configured_repository_is_built_safely(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        names = [r["name"] for r in stack_config(stack)["container-platform:registry"]["repositories"]]
        home = [r for r in plan.of_type("aws:ecr/repository:Repository") if r.region == "us-east-1"]
        repos = {r.inputs["name"]: r for r in home}
        assert sorted(repos) == sorted(names)
        for repo in repos.values():
            assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
            assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
            assert repo.inputs["encryptionConfigurations"][0]["encryptionType"] == "KMS"
            assert repo.inputs["forceDelete"] is (stack == "dev")
            assert plan.named(f"{repo.name}-lifecycle").inputs["repository"] == repo.inputs["name"]
        account = stack_config(stack)["container-platform:accountId"]
        assert plan.exports["registry"]["repositoryUrls"]["web"] == f"{account}.dkr.ecr.us-east-1.amazonaws.com/web"


def test_public_repository_uses_the_us_east_1_provider(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        public = plan.named("registry-public-platform-tools")
        assert provider_urn(public.provider) == plan.named("aws-us-east-1").urn


def test_a_home_region_elsewhere_gets_a_us_east_1_provider_for_ecr_public(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "aws:region", "eu-central-1")
    config = set_path(config, "network.cidrs", {"eu-central-1": "10.10.0.0/16"})
    config = set_path(config, "eks.regions", ["eu-central-1"])
    config = set_path(
        config, "ecs.services[0].secrets.DATABASE_URL", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:web-db"
    )
    plan = run_stack("dev", config)
    assert sorted(p.inputs["region"] for p in plan.of_type("pulumi:providers:aws")) == ["eu-central-1", "us-east-1"]
    assert [n.name for n in plan.of_type("container-platform:network:Network")] == ["network-eu-central-1"]
    assert plan.named("registry-public-platform-tools").region == "us-east-1"
    assert plan.named("registry-web").region == "eu-central-1"


def test_without_public_repositories_no_extra_provider(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "aws:region", "eu-central-1")
    config = set_path(config, "network.cidrs", {"eu-central-1": "10.10.0.0/16"})
    config = set_path(config, "eks.regions", ["eu-central-1"])
    config = set_path(config, "registry.public", [])
    config = set_path(
        config, "ecs.services[0].secrets.DATABASE_URL", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:web-db"
    )
    plan = run_stack("dev", config)
    assert [p.inputs["region"] for p in plan.of_type("pulumi:providers:aws")] == ["eu-central-1"]


def test_plan_command_plans_the_deployment_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_main(["--project-dir", "deployment", "--stack", "platform", "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "plan-platform.json").read_text())
    types = {r["type"] for r in data["resources"]}
    assert {"pulumiservice:index:DeploymentSettings", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"} <= types
    assert "Key choices:" not in capsys.readouterr().out


def test_dev_destroys_cleanly_and_keeps_only_what_holds_data(plans: dict[str, Plan]) -> None:
    """Issue 14 item 7: what `pulumi destroy -s dev` relies on, as the plan records it."""
    dev = plans["dev"]
    for repo in dev.of_type("aws:ecr/repository:Repository"):
        assert repo.inputs["forceDelete"] is True, repo.name
    for public in dev.of_type("aws:ecrpublic/repository:Repository"):
        assert public.inputs["forceDestroy"] is True, public.name
    for lb in dev.of_type("aws:lb/loadBalancer:LoadBalancer"):
        assert lb.inputs["enableDeletionProtection"] is False, lb.name
    # Services go before the capacity provider association they use.
    association = dev.named("ecs-capacity-providers").urn
    for service in dev.of_type("aws:ecs/service:Service"):
        assert association in service.dependencies, service.name
    # Data AWS cannot recreate stays in the account; nothing else is retained.
    retained = sorted(r.name for r in dev.resources if r.options.get("retainOnDelete"))
    assert retained == sorted(
        [r.name for r in dev.of_type("aws:efs/fileSystem:FileSystem")]
        + [r.name for r in dev.of_type("aws:kms/key:Key") if r.name.startswith("registry")]
        # Each file system's key: its data is unreadable without it.
        + [r.name for r in dev.of_type("aws:kms/key:Key") if r.name.endswith("efs-key")]
        + [r.name for r in dev.of_type("aws:kms/alias:Alias") if r.name.startswith("registry")]
    ), retained
    # The applier's invocations go first: they depend on the function and its access.
    for invocation in dev.of_type("aws:lambda/invocation:Invocation"):
        assert dev.named("eks-us-east-1-applier-access-admin").urn in invocation.dependencies
    assert not [r for r in dev.resources if r.options.get("protect")]
