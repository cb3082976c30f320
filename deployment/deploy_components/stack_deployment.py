"""StackDeployment: Pulumi Deployments for one stack, the AWS role it deploys with, and who hears of failures.

The role trusts only the named operations of this organization/project/stack through the
api.pulumi.com/oidc provider and is capped by a permissions boundary; DeploymentSettings hands
its ARN to every deployment, so no long-lived AWS keys are stored in Pulumi Cloud.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_pulumiservice as ps

from deploy_components.policies import branch_ref, deploy_trust_policy, session_duration, session_name


@dataclass(frozen=True)
class NotificationTarget:
    """One webhook destination of a stack."""

    name: str
    """Names the webhook: ``<component>-notify-<name>``."""
    format: str
    """Webhook format: ``slack``, ``ms_teams`` or ``raw``."""
    url: pulumi.Input[str]
    """Destination URL; made a secret here whatever it arrives as."""
    events: Sequence[str]
    """Webhook filters (``pulumiservice.WebhookFilters`` values)."""


@dataclass(frozen=True)
class StackDeploymentArgs:
    """Inputs of one stack's deployment settings and deploy role."""

    organization: str
    """Pulumi organization; also the OIDC audience the role checks."""
    project: str
    """Pulumi project of the deployed stack."""
    stack: str
    """Stack name (``dev``, ``prod``)."""
    repository: str
    """GitHub repository, owner/name."""
    branch: str
    """Branch to deploy, as a plain name; sent as ``refs/heads/<branch>``."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the IAM OIDC provider for https://api.pulumi.com/oidc."""
    deploy_policy_arns: Sequence[str]
    """Policies attached to the deploy role; required, nothing is attached by default."""
    repo_dir: str = "."
    """Directory of Pulumi.yaml in the repository. Default: the root."""
    deploy_commits: bool = True
    """Push-to-deploy on ``branch``. Default: on."""
    preview_pull_requests: bool = True
    """``pulumi preview`` on pull requests. Default: on."""
    paths: Sequence[str] = ()
    """Path filters (``!`` marks an exclude). Default: none, every push deploys."""
    skip_intermediate_deployments: bool = True
    """Collapse queued deployments into the newest. Default: on."""
    drift_schedule: str | None = None
    """Cron schedule of drift detection. Default: none, no DriftSchedule is created."""
    drift_auto_remediate: bool = False
    """Remediate drift with ``pulumi up``. Default: report only."""
    operations: Sequence[str] = ("update",)
    """Operations the role trusts (``update`` always). Default: update only."""
    permissions_boundary_arn: pulumi.Input[str] | None = None
    """Permissions boundary of the role. Default: none."""
    session_duration_seconds: int = 3600
    """Role MaxSessionDuration and the OIDC session's duration. Default: one hour."""
    agent_pool_id: str | None = None
    """Agent pool of the deployments. Default: none (organization default, else hosted)."""
    executor_image: str | None = None
    """Executor image. Default: none (Deployments' default image)."""
    environment_variables: Mapping[str, str] = field(default_factory=dict)
    """Environment variables of every run (plain text). Default: none."""
    notifications: Sequence[NotificationTarget] = ()
    """Webhooks of the stack. Default: none."""


class StackDeployment(pulumi.ComponentResource):
    """DeploymentSettings of one stack, its OIDC deploy role and, when scheduled, drift detection."""

    role: aws.iam.Role
    """The deploy role Deployments assumes."""
    role_arn: pulumi.Output[str]
    """Its ARN, as wired into the settings' OIDC block."""
    settings: ps.DeploymentSettings
    """The stack's deployment settings."""
    drift_schedule: ps.DriftSchedule | None
    """Drift detection schedule, or None when ``drift_schedule`` is unset."""
    webhooks: list[ps.Webhook]
    """One stack webhook per notification target."""

    def __init__(self, name: str, args: StackDeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:deployment:StackDeployment", name, None, opts)
        # Registration order is the dependency order: role, its policies, settings, drift, webhooks.
        self.role = deploy_role(name, args, self)
        attachments = policy_attachments(name, args, self.role, self)
        self.role_arn = self.role.arn
        self.settings = deployment_settings(name, args, self.role_arn, attachments, self)
        self.drift_schedule = drift_detection(name, args, self.settings, self)
        self.webhooks = [stack_webhook(name, args, target, self) for target in args.notifications]
        self.register_outputs({"role_arn": self.role_arn})


# --- The AWS side: the deploy role and its policies -------------------------------------------


def trust_policy_json(args: StackDeploymentArgs) -> pulumi.Output[str]:
    """The deploy role's trust policy as JSON, once the OIDC provider's ARN is known.

    The provider may be created in the same program, so its ARN is an Output and the
    document can only be rendered inside ``apply``.
    """
    return pulumi.Output.from_input(args.oidc_provider_arn).apply(
        lambda arn: json.dumps(deploy_trust_policy(arn, args.organization, args.project, args.stack, args.operations))
    )


def deploy_role(name: str, args: StackDeploymentArgs, parent: pulumi.Resource) -> aws.iam.Role:
    """The role Deployments assumes through OIDC: trusted by the named operations only, capped by the boundary."""
    return aws.iam.Role(
        f"{name}-role",
        description=f"Pulumi Deployments of {args.organization}/{args.project}/{args.stack}",
        assume_role_policy=trust_policy_json(args),
        permissions_boundary=args.permissions_boundary_arn,
        # AssumeRoleWithWebIdentity may ask for no longer session than this.
        max_session_duration=args.session_duration_seconds,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def policy_attachments(
    name: str, args: StackDeploymentArgs, role: aws.iam.Role, parent: pulumi.Resource
) -> list[aws.iam.RolePolicyAttachment]:
    """One attachment per deploy policy, named after the policy's own name so that each is stable in state."""
    return [
        aws.iam.RolePolicyAttachment(
            f"{name}-{policy_arn.rsplit('/', 1)[-1]}",
            role=role.name,
            policy_arn=policy_arn,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for policy_arn in args.deploy_policy_arns
    ]


# --- The Pulumi Cloud side: settings, drift detection, webhooks -------------------------------


def executor_context(args: StackDeploymentArgs) -> ps.DeploymentSettingsExecutorContextArgs | None:
    """The executor block only when an image is named: without it Deployments picks its default image."""
    if not args.executor_image:
        return None
    return ps.DeploymentSettingsExecutorContextArgs(executor_image=args.executor_image)


def source_context(args: StackDeploymentArgs) -> ps.DeploymentSettingsSourceContextArgs:
    """Where a deployment checks the program out: the branch, as a full ref, and the project's directory."""
    return ps.DeploymentSettingsSourceContextArgs(
        git=ps.DeploymentSettingsGitSourceArgs(branch=branch_ref(args.branch), repo_dir=args.repo_dir),
    )


def github_triggers(args: StackDeploymentArgs) -> ps.DeploymentSettingsGithubArgs:
    """What GitHub events start a deployment: pushes to the branch, pull requests, filtered by path.

    ``github``, not the newer ``vcs``: switching to ``vcs`` is reported to stop push-to-deploy
    triggers (pulumi/pulumi-pulumiservice#754).
    """
    return ps.DeploymentSettingsGithubArgs(
        repository=args.repository,
        deploy_commits=args.deploy_commits,
        preview_pull_requests=args.preview_pull_requests,
        pull_request_template=False,
        paths=list(args.paths),
    )


def operation_context(
    args: StackDeploymentArgs, role_arn: pulumi.Output[str]
) -> ps.DeploymentSettingsOperationContextArgs:
    """How every run executes: its environment, queueing, and the OIDC role it assumes instead of stored keys."""
    return ps.DeploymentSettingsOperationContextArgs(
        # An empty mapping is sent as no block at all.
        environment_variables=dict(args.environment_variables) or None,
        options=ps.OperationContextOptionsArgs(
            skip_intermediate_deployments=args.skip_intermediate_deployments,
            skip_install_dependencies=False,
        ),
        oidc=ps.OperationContextOIDCArgs(
            aws=ps.AWSOIDCConfigurationArgs(
                role_arn=role_arn,
                session_name=session_name(args.stack),
                duration=session_duration(args.session_duration_seconds),
            ),
        ),
    )


def deployment_settings(
    name: str,
    args: StackDeploymentArgs,
    role_arn: pulumi.Output[str],
    attachments: Sequence[aws.iam.RolePolicyAttachment],
    parent: pulumi.Resource,
) -> ps.DeploymentSettings:
    """The stack's DeploymentSettings, wired to the deploy role."""
    return ps.DeploymentSettings(
        f"{name}-settings",
        organization=args.organization,
        project=args.project,
        stack=args.stack,
        agent_pool_id=args.agent_pool_id,
        executor_context=executor_context(args),
        source_context=source_context(args),
        github=github_triggers(args),
        operation_context=operation_context(args, role_arn),
        # A deployment may start as soon as settings exist: the role must already hold its policies.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(attachments)),
    )


def drift_detection(
    name: str, args: StackDeploymentArgs, settings: ps.DeploymentSettings, parent: pulumi.Resource
) -> ps.DriftSchedule | None:
    """Drift detection on ``args.drift_schedule``, or None when no schedule is configured."""
    if args.drift_schedule is None:
        return None
    return ps.DriftSchedule(
        f"{name}-drift",
        organization=args.organization,
        project=args.project,
        stack=args.stack,
        schedule_cron=args.drift_schedule,
        auto_remediate=args.drift_auto_remediate,
        # Drift runs use the deployment settings (source and credentials).
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[settings]),
    )


def stack_webhook(
    name: str, args: StackDeploymentArgs, target: NotificationTarget, parent: pulumi.Resource
) -> ps.Webhook:
    """A stack webhook: Pulumi Cloud posts the stack's events that pass the target's filters."""
    return ps.Webhook(
        f"{name}-notify-{target.name}",
        active=True,
        display_name=f"{target.name}: {args.project}/{args.stack}",
        organization_name=args.organization,
        project_name=args.project,
        stack_name=args.stack,
        format=ps.WebhookFormat(target.format),
        filters=[ps.WebhookFilters(event) for event in target.events],
        payload_url=pulumi.Output.secret(target.url),
        # The provider stores payloadUrl as a plain output; keep it encrypted in state too.
        opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["payloadUrl"]),
    )
