"""container-platform-deployment: composition only (settings -> providers -> resources -> exports).

Pulumi Deployments for the container-platform stacks and the AWS side they deploy with: each
stack's deploy role lives in the stack's own account, next to that account's OIDC provider and
the permissions boundary that caps it; failures and drift go to the configured webhooks.
"""

import json

import pulumi
import pulumi_aws as aws

import deploy_settings
from deploy_components.guardrails import Guardrails, GuardrailsArgs
from deploy_components.policies import (
    BOUNDARY_EXCEPTION,
    PULUMI_OIDC_ISSUER,
    boundary_policy,
    partition,
    path_filters,
)
from deploy_components.stack_deployment import NotificationTarget, StackDeployment, StackDeploymentArgs

cfg = deploy_settings.load()
accounts = cfg.accounts()
tags = {"project": deploy_settings.NAMESPACE, "stack": pulumi.get_stack(), "managed-by": "pulumi"}

# One provider per account, pinned to it: credentials of any other account fail before a
# resource is created. IAM is global, but the provider still needs a region.
providers = {
    account: aws.Provider(
        f"aws-{account}",
        region=cfg.aws_region,
        allowed_account_ids=[account],
        # Accounts other than the ambient credentials' are reached through a role there.
        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=a.assume_role_arn, session_name=deploy_settings.NAMESPACE)]
        if a.assume_role_arn
        else None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
    )
    for account, a in accounts.items()
}


def oidc_provider_arn(account: deploy_settings.AccountAccess) -> pulumi.Input[str]:
    """The account's provider for api.pulumi.com/oidc: the existing one, else one created here."""
    if account.existing_oidc_provider_arn is not None:
        return account.existing_oidc_provider_arn
    return aws.iam.OpenIdConnectProvider(
        f"pulumi-oidc-{account.account_id}",
        url=PULUMI_OIDC_ISSUER,
        client_id_lists=[cfg.organization],
        opts=pulumi.ResourceOptions(provider=providers[account.account_id]),
    ).arn


# An account holds one provider per issuer URL; every deploy role in it trusts that one.
oidc_provider_arns = {account: oidc_provider_arn(a) for account, a in accounts.items()}

# The default permissions boundary, once per account whose stacks do not name their own. Its
# name is fixed so that its own Deny can name it; the guardrails' identity-policy rules do not
# apply to a boundary (its Allow grants nothing), which the exception tags record.
BOUNDARY_NAME = f"{cfg.project}-deploy-boundary"
boundaries = {
    account: aws.iam.Policy(
        f"deploy-boundary-{account}",
        name=BOUNDARY_NAME,
        description=f"Permissions boundary of the Pulumi Deployments roles of {cfg.organization}/{cfg.project}",
        policy=json.dumps(
            boundary_policy(
                account_id=account,
                partition_name=partition(cfg.aws_region),
                regions=regions,
                boundary_name=BOUNDARY_NAME,
            )
        ),
        tags={
            f"guardrail-exception/{rule}": BOUNDARY_EXCEPTION
            for rule in ("iam-no-wildcard-actions", "iam-scoped-resources", "iam-no-admin-policies")
        },
        opts=pulumi.ResourceOptions(provider=providers[account]),
    )
    for account, regions in cfg.boundary_regions().items()
}


def boundary_arn(stack: str) -> pulumi.Input[str]:
    """The stack's own boundary, else its account's default one."""
    own = cfg.stacks[stack].permissions_boundary_arn
    return own if own is not None else boundaries[cfg.stacks[stack].account_id].arn


def notification_targets(stack: str) -> list[NotificationTarget]:
    """The webhooks of ``stack``: one per destination that watches it."""
    return [
        NotificationTarget(
            name=n.name,
            format=deploy_settings.WEBHOOK_KINDS[n.kind],
            url=n.url,  # StackDeployment makes it a secret
            events=n.events,
        )
        for n in cfg.notifications_for(stack)
    ]


deployments = {
    stack: StackDeployment(
        f"deploy-{stack}",
        StackDeploymentArgs(
            organization=cfg.organization,
            project=cfg.project,
            stack=stack,
            repository=cfg.repository,
            branch=s.branch,
            oidc_provider_arn=oidc_provider_arns[s.account_id],
            deploy_policy_arns=s.deploy_policy_arns,
            repo_dir=s.repo_dir,
            deploy_commits=s.deploy_commits,
            preview_pull_requests=s.preview_pull_requests,
            paths=path_filters(s.paths.include, s.paths.exclude),
            skip_intermediate_deployments=s.skip_intermediate_deployments,
            drift_schedule=s.drift_schedule,
            drift_auto_remediate=s.drift_auto_remediate,
            operations=cfg.operations(stack),
            permissions_boundary_arn=boundary_arn(stack),
            session_duration_seconds=s.session_duration_seconds,
            agent_pool_id=s.agent_pool_id,
            executor_image=s.executor_image,
            environment_variables={
                **s.environment_variables,
                "GITHUB_TOKEN": deploy_settings.GITHUB_TOKEN_OVERRIDE,
                "PYENV_VERSION": s.python_version,
            },
            notifications=notification_targets(stack),
        ),
        opts=pulumi.ResourceOptions(providers={"aws": providers[s.account_id]}),
    )
    for stack, s in cfg.stacks.items()
}

if cfg.guardrails.enabled:
    guardrails = Guardrails(
        "guardrails",
        GuardrailsArgs(
            organization=cfg.organization,
            project=cfg.project,
            stacks=list(cfg.stacks),
            mode=cfg.guardrails.mode,
        ),
    )
    pulumi.export("policyPackVersion", guardrails.pack.version_tag)

pulumi.export("oidcProviderArns", oidc_provider_arns)
pulumi.export("deployRoleArns", {stack: d.role_arn for stack, d in deployments.items()})
pulumi.export("driftSchedules", {stack: s.drift_schedule for stack, s in cfg.stacks.items() if s.drift_schedule})
pulumi.export("deployOperations", {stack: list(cfg.operations(stack)) for stack in cfg.stacks})
pulumi.export("permissionsBoundaryArns", {stack: boundary_arn(stack) for stack in cfg.stacks})
