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
PROVIDER = "pulumi:providers:aws"
DEV_ACCOUNT, PROD_ACCOUNT = "123456789012", "444455556666"
ACCOUNTS = {"dev": DEV_ACCOUNT, "prod": PROD_ACCOUNT}
PROD_ROLE = f"arn:aws:iam::{PROD_ACCOUNT}:role/container-platform-deployment-bootstrap"
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


def provider_of(plan: Plan, resource: RecordedResource) -> RecordedResource:
    """The explicit provider a custom resource was registered with."""
    return plan.by_urn(resource.provider.rsplit("::", 1)[0])


def test_one_provider_per_account_pinned_to_it(plan: Plan) -> None:
    providers = {p.name: p.inputs for p in plan.of_type(PROVIDER)}
    assert sorted(providers) == [f"aws-{DEV_ACCOUNT}", f"aws-{PROD_ACCOUNT}"]
    for account in (DEV_ACCOUNT, PROD_ACCOUNT):
        inputs = providers[f"aws-{account}"]
        assert inputs["region"] == "us-east-1"
        # Providers receive nested config as JSON text.
        assert json.loads(inputs["allowedAccountIds"]) == [account]
    # dev is the ambient credentials' account; prod is reached through its bootstrap role.
    assert "assumeRoles" not in providers[f"aws-{DEV_ACCOUNT}"]
    assert json.loads(providers[f"aws-{PROD_ACCOUNT}"]["assumeRoles"]) == [
        {"roleArn": PROD_ROLE, "sessionName": "container-platform-deployment"}
    ]


def test_one_oidc_provider_per_account_with_the_org_as_audience(plan: Plan) -> None:
    oidc = {o.name: o for o in plan.of_type(OIDC)}
    assert sorted(oidc) == [f"pulumi-oidc-{DEV_ACCOUNT}", f"pulumi-oidc-{PROD_ACCOUNT}"]
    for account in (DEV_ACCOUNT, PROD_ACCOUNT):
        provider = oidc[f"pulumi-oidc-{account}"]
        assert provider.inputs == {"url": "https://api.pulumi.com/oidc", "clientIdLists": ["acme"]}
        assert provider_of(plan, provider).name == f"aws-{account}"
    arns = plan.exports["oidcProviderArns"]
    assert sorted(arns) == [DEV_ACCOUNT, PROD_ACCOUNT]
    assert arns[DEV_ACCOUNT] != arns[PROD_ACCOUNT]
    assert "oidcProviderArn" not in plan.exports


def test_every_aws_resource_uses_its_accounts_provider(plan: Plan) -> None:
    aws = [r for r in plan.resources if r.type.startswith("aws:")]
    assert len(aws) == 6  # an OIDC provider per account + a role and an attachment per stack
    for resource in aws:
        account = resource.name.rsplit("-", 1)[-1] if resource.type == OIDC else ACCOUNTS[resource.name.split("-")[1]]
        assert provider_of(plan, resource).name == f"aws-{account}", resource.name


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
    # The mocks answer every ARN in one account; the role's account is its provider's (tested above).
    assert aws_oidc["roleARN"].rsplit(":", 1)[-1].startswith(f"role/deploy-{stack}-role-")
    assert role.urn in settings.propertyDependencies["operationContext"]
    other = "prod" if stack == "dev" else "dev"
    assert aws_oidc["roleARN"] != plan.exports["deployRoleArns"][other]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_role_trusts_only_deployments_of_its_stack(plan: Plan, stack: str) -> None:
    role = plan.named(f"deploy-{stack}-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    [statement] = trust["Statement"]
    # Created in its stack's account and trusting that account's OIDC provider, no other.
    assert provider_of(plan, role).name == f"aws-{ACCOUNTS[stack]}"
    assert statement["Principal"] == {"Federated": plan.exports["oidcProviderArns"][ACCOUNTS[stack]]}
    oidc = plan.named(f"pulumi-oidc-{ACCOUNTS[stack]}")
    assert role.propertyDependencies["assumeRolePolicy"] == [oidc.urn]
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
        f"arn:aws:iam::{ACCOUNTS[stack]}:policy/container-platform-deploy-{stack}"
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


def test_an_existing_oidc_provider_is_trusted_not_created(platform_config: dict[str, Any]) -> None:
    existing = f"arn:aws:iam::{PROD_ACCOUNT}:oidc-provider/api.pulumi.com/oidc"
    platform_config["container-platform-deployment:stacks"]["prod"]["existingOidcProviderArn"] = existing
    plan = run(platform_config)
    assert [o.name for o in plan.of_type(OIDC)] == [f"pulumi-oidc-{DEV_ACCOUNT}"]
    trust = json.loads(plan.named("deploy-prod-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Federated": existing}
    assert plan.exports["oidcProviderArns"][PROD_ACCOUNT] == existing


def test_stacks_of_one_account_share_its_provider_and_oidc_provider(platform_config: dict[str, Any]) -> None:
    config = copy.deepcopy(platform_config)
    del config["container-platform-deployment:accountId"]
    prod = config["container-platform-deployment:stacks"]["prod"]
    del prod["assumeRoleArn"]
    prod["accountId"] = DEV_ACCOUNT
    prod["deployPolicyArns"] = [f"arn:aws:iam::{DEV_ACCOUNT}:policy/container-platform-deploy-prod"]
    plan = run(config)
    [provider] = plan.of_type(PROVIDER)
    assert provider.name == f"aws-{DEV_ACCOUNT}"
    assert json.loads(provider.inputs["allowedAccountIds"]) == [DEV_ACCOUNT]
    assert "assumeRoles" not in provider.inputs
    [oidc] = plan.of_type(OIDC)
    for stack in ("dev", "prod"):
        role = plan.named(f"deploy-{stack}-role")
        assert provider_of(plan, role).urn == provider.urn
        assert role.propertyDependencies["assumeRolePolicy"] == [oidc.urn]
    assert list(plan.exports["oidcProviderArns"]) == [DEV_ACCOUNT]
