"""StackDeployment: Pulumi Deployments for one stack, and the AWS role it deploys with.

The role trusts only Deployments of this organization/project/stack through the
api.pulumi.com/oidc provider; DeploymentSettings hands its ARN to every deployment, so no
long-lived AWS keys are stored in Pulumi Cloud.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_pulumiservice as ps

from deploy_components.policies import branch_ref, deploy_trust_policy, session_name


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

    def __init__(self, name: str, args: StackDeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:deployment:StackDeployment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        trust = pulumi.Output.from_input(args.oidc_provider_arn).apply(
            lambda arn: json.dumps(deploy_trust_policy(arn, args.organization, args.project, args.stack))
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"Pulumi Deployments of {args.organization}/{args.project}/{args.stack}",
            assume_role_policy=trust,
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy_arn.rsplit('/', 1)[-1]}", role=self.role.name, policy_arn=policy_arn, opts=child
            )
            for policy_arn in args.deploy_policy_arns
        ]
        self.role_arn = self.role.arn

        self.settings = ps.DeploymentSettings(
            f"{name}-settings",
            organization=args.organization,
            project=args.project,
            stack=args.stack,
            source_context=ps.DeploymentSettingsSourceContextArgs(
                git=ps.DeploymentSettingsGitSourceArgs(branch=branch_ref(args.branch), repo_dir=args.repo_dir),
            ),
            # `github`, not the newer `vcs`: switching to `vcs` is reported to stop
            # push-to-deploy triggers (pulumi/pulumi-pulumiservice#754).
            github=ps.DeploymentSettingsGithubArgs(
                repository=args.repository,
                deploy_commits=args.deploy_commits,
                preview_pull_requests=args.preview_pull_requests,
                pull_request_template=False,
                paths=list(args.paths),
            ),
            operation_context=ps.DeploymentSettingsOperationContextArgs(
                options=ps.OperationContextOptionsArgs(
                    skip_intermediate_deployments=args.skip_intermediate_deployments,
                    skip_install_dependencies=False,
                ),
                oidc=ps.OperationContextOIDCArgs(
                    aws=ps.AWSOIDCConfigurationArgs(role_arn=self.role_arn, session_name=session_name(args.stack)),
                ),
            ),
            # A deployment may start as soon as settings exist: the role must already hold its policies.
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )

        self.drift_schedule = (
            ps.DriftSchedule(
                f"{name}-drift",
                organization=args.organization,
                project=args.project,
                stack=args.stack,
                schedule_cron=args.drift_schedule,
                auto_remediate=args.drift_auto_remediate,
                # Drift runs use the deployment settings (source and credentials).
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.settings]),
            )
            if args.drift_schedule is not None
            else None
        )
        self.register_outputs({"role_arn": self.role_arn})
