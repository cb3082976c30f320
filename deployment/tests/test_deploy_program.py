"""The whole deployment program (deployment/__main__.py) under the main project's recording mocks."""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from deploy_settings import ConfigError
from offline_plan.recorder import Plan, RecordedResource, record, stack_config

DEPLOYMENT = Path(__file__).resolve().parent.parent
STACK = "platform"

SETTINGS = "pulumiservice:index:DeploymentSettings"
DRIFT = "pulumiservice:index:DriftSchedule"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
COMPONENT = "container-platform:deployment:StackDeployment"
PATHS = ["**/*.py", "Pulumi*.yaml", "requirements*.txt", "!**/*.md", "!docs/**", "!deployment/**"]


def run(config: dict[str, Any], recorded: list[RecordedResource] | None = None) -> Plan:
    def program() -> None:
        # runpy, not import: a cached module would not run again for the next test.
        runpy.run_path(str(DEPLOYMENT / "__main__.py"), run_name="__main__")

    return record(program, stack=STACK, config=config, strict=True, recorded=recorded)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run(stack_config(STACK, DEPLOYMENT))


def settings_of(plan: Plan, stack: str) -> dict[str, Any]:
    inputs: dict[str, Any] = plan.named(f"deploy-{stack}-settings").inputs
    return inputs


def test_one_oidc_provider_for_pulumi_with_the_org_as_audience(plan: Plan) -> None:
    [provider] = plan.of_type(OIDC)
    assert provider.inputs["url"] == "https://api.pulumi.com/oidc"
    assert provider.inputs["clientIdLists"] == ["acme"]
    assert provider.region == "us-east-1"
    assert plan.exports["oidcProviderArn"].startswith("arn:aws:iam")


def test_every_aws_resource_uses_the_explicit_provider(plan: Plan) -> None:
    [provider] = plan.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-east-1"
    aws = [r for r in plan.resources if r.type.startswith("aws:")]
    assert len(aws) == 5  # OIDC provider + a role and an attachment per stack
    for resource in aws:
        assert resource.provider.rsplit("::", 1)[0] == provider.urn, resource.name


@pytest.mark.parametrize(("stack", "branch"), [("dev", "refs/heads/main"), ("prod", "refs/heads/release")])
def test_deployment_settings_per_stack(plan: Plan, stack: str, branch: str) -> None:
    inputs = settings_of(plan, stack)
    assert inputs["organization"] == "acme"
    assert inputs["project"] == "container-platform"
    assert inputs["stack"] == stack
    assert inputs["sourceContext"] == {"git": {"branch": branch, "repoDir": "."}}
    assert inputs["github"] == {
        "repository": "acme/container-platform",
        "deployCommits": True,
        "previewPullRequests": True,
        "pullRequestTemplate": False,
        "paths": PATHS,
    }
    assert "vcs" not in inputs  # github, not vcs: pulumi/pulumi-pulumiservice#754
    assert inputs["operationContext"]["options"] == {
        "skipIntermediateDeployments": True,
        "skipInstallDependencies": False,
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_oidc_block_is_wired_to_the_stacks_own_role(plan: Plan, stack: str) -> None:
    settings = plan.named(f"deploy-{stack}-settings")
    role = plan.named(f"deploy-{stack}-role")
    aws_oidc = settings.inputs["operationContext"]["oidc"]["aws"]
    # The provider's wire name is roleARN (not roleArn).
    assert aws_oidc == {"roleARN": plan.exports["deployRoleArns"][stack], "sessionName": f"pulumi-deployments-{stack}"}
    assert aws_oidc["roleARN"].startswith(f"arn:aws:iam::123456789012:role/deploy-{stack}-role-")
    assert role.urn in settings.propertyDependencies["operationContext"]
    other = "prod" if stack == "dev" else "dev"
    assert aws_oidc["roleARN"] != plan.exports["deployRoleArns"][other]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_role_trusts_only_deployments_of_its_stack(plan: Plan, stack: str) -> None:
    trust = json.loads(plan.named(f"deploy-{stack}-role").inputs["assumeRolePolicy"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Federated": plan.exports["oidcProviderArn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {"api.pulumi.com/oidc:aud": "acme"},
        "StringLike": {"api.pulumi.com/oidc:sub": f"pulumi:deploy:org:acme:project:container-platform:stack:{stack}:*"},
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_role_gets_exactly_the_configured_policies(plan: Plan, stack: str) -> None:
    role = plan.named(f"deploy-{stack}-role")
    attachments = [a for a in plan.of_type(ATTACHMENT) if a.parent == role.parent]
    assert [a.inputs["policyArn"] for a in attachments] == [
        f"arn:aws:iam::123456789012:policy/container-platform-deploy-{stack}"
    ]
    [attachment] = attachments
    assert attachment.name == f"deploy-{stack}-container-platform-deploy-{stack}"
    # Deployments may start once settings exist, so the policies must be attached first.
    assert attachment.urn in plan.named(f"deploy-{stack}-settings").dependencies


def test_drift_schedule_only_for_prod(plan: Plan) -> None:
    [drift] = plan.of_type(DRIFT)
    assert drift.name == "deploy-prod-drift"
    assert drift.inputs == {
        "organization": "acme",
        "project": "container-platform",
        "stack": "prod",
        "scheduleCron": "0 6 * * *",
        "autoRemediate": False,
    }
    assert plan.named("deploy-prod-settings").urn in drift.dependencies
    assert plan.exports["driftSchedules"] == {"prod": "0 6 * * *"}


def test_children_are_parented_and_named_after_their_component(plan: Plan) -> None:
    components = {c.urn: c.name for c in plan.of_type(COMPONENT)}
    assert sorted(components.values()) == ["deploy-dev", "deploy-prod"]
    for resource in plan.resources:
        if resource.type in (SETTINGS, DRIFT, ROLE, ATTACHMENT):
            assert resource.parent in components, resource.name
            assert resource.name.startswith(components[resource.parent] + "-")


def test_no_unexpected_warnings_or_invokes(plan: Plan) -> None:
    # The github block is deprecated in favour of vcs, which we avoid on purpose (see AWS-FACTS 10).
    assert [w for w in plan.warnings if "github is deprecated" not in w] == []
    assert plan.invokes == []


def test_bad_config_registers_nothing(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    del config["container-platform-deployment:stacks"]["prod"]["deployPolicyArns"]
    recorded: list[RecordedResource] = []
    with pytest.raises(ConfigError, match=r"stacks\.prod\.deployPolicyArns: required key is missing"):
        run(config, recorded)
    assert recorded == []
