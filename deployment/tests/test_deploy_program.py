"""The whole deployment program (deployment/__main__.py) under the main project's recording mocks."""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from deploy_components.policies import BOUNDARY_EXCEPTION
from deploy_settings import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, ConfigError
from offline_plan.recorder import SECRET, Plan, RecordedResource, engine_config, record, stack_config

DEPLOYMENT = Path(__file__).resolve().parent.parent
STACK = "platform"

SETTINGS = "pulumiservice:index:DeploymentSettings"
DRIFT = "pulumiservice:index:DriftSchedule"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
POLICY = "aws:iam/policy:Policy"
WEBHOOK = "pulumiservice:index:Webhook"
PROVIDER = "pulumi:providers:aws"
DEV_ACCOUNT, PROD_ACCOUNT = "123456789012", "444455556666"
ACCOUNTS = {"dev": DEV_ACCOUNT, "prod": PROD_ACCOUNT}
PROD_ROLE = f"arn:aws:iam::{PROD_ACCOUNT}:role/container-platform-deployment-bootstrap"
COMPONENT = "container-platform:deployment:StackDeployment"
PATHS = [*DEFAULT_INCLUDE, *(f"!{p}" for p in DEFAULT_EXCLUDE)]
NOTIFICATIONS = "container-platform-deployment:notifications"
OPERATIONS = {"dev": ["preview", "update"], "prod": ["update", "refresh"]}
REGIONS = {DEV_ACCOUNT: ["us-east-1"], PROD_ACCOUNT: ["us-east-1", "eu-west-1"]}


def run(
    config: dict[str, Any], recorded: list[RecordedResource] | None = None, secret_keys: tuple[str, ...] = ()
) -> Plan:
    def program() -> None:
        if secret_keys:
            # As the CLI hands over a key that holds an encrypted value: decrypted, and marked secret.
            encoded, secret = engine_config(config)
            pulumi.runtime.set_all_config(encoded, [*secret, *secret_keys])
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
    assert len(aws) == 8  # an OIDC provider and a boundary per account + a role and an attachment per stack
    for resource in aws:
        per_account = resource.type in (OIDC, POLICY)
        account = resource.name.rsplit("-", 1)[-1] if per_account else ACCOUNTS[resource.name.split("-")[1]]
        assert provider_of(plan, resource).name == f"aws-{account}", resource.name


@pytest.mark.parametrize(
    ("stack", "branch", "previews"), [("dev", "refs/heads/main", True), ("prod", "refs/heads/release", False)]
)
def test_deployment_settings_per_stack(plan: Plan, stack: str, branch: str, previews: bool) -> None:
    inputs = settings_of(plan, stack)
    assert inputs["organization"] == "acme"
    assert inputs["project"] == "container-platform"
    assert inputs["stack"] == stack
    assert inputs["sourceContext"] == {"git": {"branch": branch, "repoDir": "."}}
    assert inputs["github"] == {
        "repository": "acme/container-platform",
        "deployCommits": True,
        "previewPullRequests": previews,
        "pullRequestTemplate": False,
        "paths": PATHS,
    }
    assert "vcs" not in inputs  # github, not vcs: pulumi/pulumi-pulumiservice#754
    assert inputs["operationContext"]["options"] == {
        "skipIntermediateDeployments": True,
        "skipInstallDependencies": False,
    }
    # The executor: pulumi/pulumi at a fixed CLI release, on the hosted pool (no agent pool named).
    assert inputs["executorContext"] == {"executorImage": "pulumi/pulumi:3.272.0"}
    assert "agentPoolId" not in inputs


def test_the_paths_include_root_files_and_exclude_what_the_program_never_reads(plan: Plan) -> None:
    paths = settings_of(plan, "dev")["github"]["paths"]
    assert {"*.py", "Pulumi*.yaml", "requirements*.txt"} <= set(paths)
    assert {"!policy/**", "!tests/**", "!offline_plan/**", "!.ci/**", "!docs/**", "!deployment/**", "!**/*.md"} <= set(
        paths
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_runs_get_no_github_app_token_and_cis_python(plan: Plan, stack: str) -> None:
    assert settings_of(plan, stack)["operationContext"]["environmentVariables"] == {
        "GITHUB_TOKEN": "disabled",
        "PYENV_VERSION": "3.11",
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_oidc_block_is_wired_to_the_stacks_own_role(plan: Plan, stack: str) -> None:
    settings = plan.named(f"deploy-{stack}-settings")
    role = plan.named(f"deploy-{stack}-role")
    aws_oidc = settings.inputs["operationContext"]["oidc"]["aws"]
    # The provider's wire name is roleARN (not roleArn); the session lasts two hours, Go duration syntax.
    assert aws_oidc == {
        "roleARN": plan.exports["deployRoleArns"][stack],
        "sessionName": f"pulumi-deployments-{stack}",
        "duration": "2h0m0s",
    }
    # The role lets a session last that long (IAM refuses a longer one than MaxSessionDuration).
    assert role.inputs["maxSessionDuration"] == 7200
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
    # Exact subjects, one per operation the stack's settings use: no wildcard, no StringLike.
    assert statement["Condition"] == {
        "StringEquals": {
            "api.pulumi.com/oidc:aud": "acme",
            "api.pulumi.com/oidc:sub": [
                f"pulumi:deploy:org:acme:project:container-platform:stack:{stack}:operation:{op}:scope:write"
                for op in OPERATIONS[stack]
            ],
        },
    }
    assert plan.exports["deployOperations"][stack] == OPERATIONS[stack]


def test_prods_role_refuses_pull_request_previews(plan: Plan) -> None:
    trust = json.loads(plan.named("deploy-prod-role").inputs["assumeRolePolicy"])
    subjects = trust["Statement"][0]["Condition"]["StringEquals"]["api.pulumi.com/oidc:sub"]
    assert not any(":operation:preview:" in s or ":operation:destroy:" in s for s in subjects)
    assert "*" not in json.dumps(trust)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_role_is_capped_by_its_accounts_boundary(plan: Plan, stack: str) -> None:
    role = plan.named(f"deploy-{stack}-role")
    boundary = plan.named(f"deploy-boundary-{ACCOUNTS[stack]}")
    assert role.inputs["permissionsBoundary"] == plan.exports["permissionsBoundaryArns"][stack]
    assert boundary.urn in role.propertyDependencies["permissionsBoundary"]
    assert provider_of(plan, boundary).name == f"aws-{ACCOUNTS[stack]}"


@pytest.mark.parametrize("account", [DEV_ACCOUNT, PROD_ACCOUNT])
def test_one_boundary_per_account_over_its_stacks_regions(plan: Plan, account: str) -> None:
    boundary = plan.named(f"deploy-boundary-{account}")
    assert boundary.inputs["name"] == "container-platform-deploy-boundary"
    doc = json.loads(boundary.inputs["policy"])
    statements = {s["Sid"]: s for s in doc["Statement"]}
    assert statements["DenyOtherRegions"]["Condition"] == {"StringNotEquals": {"aws:RequestedRegion": REGIONS[account]}}
    assert statements["DenyChangingDeployRoles"]["Resource"] == f"arn:aws:iam::{account}:role/deploy-*"
    assert statements["DenyChangingTheBoundary"]["Resource"] == (
        f"arn:aws:iam::{account}:policy/container-platform-deploy-boundary"
    )
    assert statements["DenyOrganizationsAndAccount"]["Action"] == ["organizations:*", "account:*"]
    # A boundary only caps: the identity-policy guardrails are waived on it, each with the reason.
    assert boundary.inputs["tags"] == {
        f"guardrail-exception/{rule}": BOUNDARY_EXCEPTION
        for rule in ("iam-no-wildcard-actions", "iam-scoped-resources", "iam-no-admin-policies")
    }


def test_a_stack_may_bring_its_own_boundary(platform_config: dict[str, Any]) -> None:
    own = f"arn:aws:iam::{PROD_ACCOUNT}:policy/platform-boundary"
    platform_config["container-platform-deployment:stacks"]["prod"]["permissionsBoundaryArn"] = own
    plan = run(platform_config)
    assert plan.named("deploy-prod-role").inputs["permissionsBoundary"] == own
    assert [b.name for b in plan.of_type(POLICY)] == [f"deploy-boundary-{DEV_ACCOUNT}"]


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
        if resource.type in (SETTINGS, DRIFT, ROLE, ATTACHMENT, WEBHOOK):
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


def test_no_notifications_no_webhooks(plan: Plan) -> None:
    assert plan.of_type(WEBHOOK) == []


SLACK = "https://hooks.slack.com/services/T000/B000/XXXX"


def test_notifications_become_stack_webhooks_with_secret_urls(platform_config: dict[str, Any]) -> None:
    platform_config[NOTIFICATIONS] = [
        {"name": "platform-alerts", "kind": "slack", "url": SLACK},
        {"name": "prod-pager", "kind": "webhook", "url": "https://hooks.example.com/p", "stacks": ["prod"]},
        {"name": "teams", "kind": "msteams", "url": "https://x.logic.azure.com/w", "events": ["drift_detected"]},
    ]
    plan = run(platform_config, secret_keys=(NOTIFICATIONS,))
    hooks = {h.name: h for h in plan.of_type(WEBHOOK)}
    assert sorted(hooks) == [
        "deploy-dev-notify-platform-alerts",
        "deploy-dev-notify-teams",
        "deploy-prod-notify-platform-alerts",
        "deploy-prod-notify-prod-pager",
        "deploy-prod-notify-teams",
    ]
    alerts = hooks["deploy-prod-notify-platform-alerts"]
    assert alerts.inputs == {
        "active": True,
        "displayName": "platform-alerts: container-platform/prod",
        "organizationName": "acme",
        "projectName": "container-platform",
        "stackName": "prod",
        "format": "slack",
        "filters": ["deployment_failed", "drift_detected", "drift_detection_failed"],
        "payloadUrl": SECRET,
    }
    assert hooks["deploy-prod-notify-prod-pager"].inputs["format"] == "raw"
    assert hooks["deploy-dev-notify-teams"].inputs["format"] == "ms_teams"
    assert hooks["deploy-dev-notify-teams"].inputs["filters"] == ["drift_detected"]
    for hook in hooks.values():
        assert hook.inputs["payloadUrl"] == SECRET
        assert hook.parent == plan.named(f"deploy-{hook.inputs['stackName']}").urn
    assert "hooks." not in json.dumps(plan.to_json())


def test_an_encrypted_url_plans_offline_as_a_secret(platform_config: dict[str, Any]) -> None:
    # What the offline plan sees once a URL is committed encrypted: {secure: ...}, which it cannot decrypt.
    platform_config[NOTIFICATIONS] = [{"name": "platform-alerts", "kind": "slack", "url": {"secure": "v1:abc"}}]
    plan = run(platform_config)
    assert [h.inputs["payloadUrl"] for h in plan.of_type(WEBHOOK)] == [SECRET, SECRET]


def test_a_plain_text_url_registers_nothing(platform_config: dict[str, Any]) -> None:
    platform_config[NOTIFICATIONS] = [{"name": "platform-alerts", "kind": "slack", "url": SLACK}]
    recorded: list[RecordedResource] = []
    with pytest.raises(ConfigError, match=r"notifications\[0\]\.url: must be a secret"):
        run(platform_config, recorded)
    assert recorded == []


def test_an_agent_pool_and_more_operations_reach_the_settings(platform_config: dict[str, Any]) -> None:
    pool = "51035bee-a4d6-4b63-9ff6-418775c5da8d"
    stacks = platform_config["container-platform-deployment:stacks"]
    stacks["prod"]["agentPoolId"] = pool
    stacks["prod"]["sessionDurationSeconds"] = 5400
    stacks["dev"]["allowDestroy"] = True
    stacks["dev"]["environmentVariables"] = {"PULUMI_SKIP_UPDATE_CHECK": "true"}
    plan = run(platform_config)
    prod = settings_of(plan, "prod")
    assert prod["agentPoolId"] == pool
    assert prod["operationContext"]["oidc"]["aws"]["duration"] == "1h30m0s"
    assert plan.named("deploy-prod-role").inputs["maxSessionDuration"] == 5400
    assert "agentPoolId" not in settings_of(plan, "dev")
    assert settings_of(plan, "dev")["operationContext"]["environmentVariables"] == {
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "GITHUB_TOKEN": "disabled",
        "PYENV_VERSION": "3.11",
    }
    assert plan.exports["deployOperations"]["dev"] == ["preview", "update", "destroy"]
