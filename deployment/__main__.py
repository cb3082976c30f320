"""container-platform-deployment: composition only (settings -> provider -> resources -> exports).

Pulumi Deployments for the container-platform stacks and the AWS side they deploy with.
"""

import pulumi
import pulumi_aws as aws

import deploy_settings
from deploy_components.guardrails import Guardrails, GuardrailsArgs
from deploy_components.policies import PULUMI_OIDC_ISSUER, path_filters
from deploy_components.stack_deployment import StackDeployment, StackDeploymentArgs

cfg = deploy_settings.load()

# IAM is global, but the provider still needs a region; nothing relies on the ambient one.
aws_provider = aws.Provider(
    "aws",
    region=cfg.aws_region,
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={"project": deploy_settings.NAMESPACE, "stack": pulumi.get_stack(), "managed-by": "pulumi"}
    ),
)

# One provider per issuer URL and account; every deploy role trusts it.
oidc_provider = aws.iam.OpenIdConnectProvider(
    "pulumi-oidc",
    url=PULUMI_OIDC_ISSUER,
    client_id_lists=[cfg.organization],
    opts=pulumi.ResourceOptions(provider=aws_provider),
)

deployments = {
    stack: StackDeployment(
        f"deploy-{stack}",
        StackDeploymentArgs(
            organization=cfg.organization,
            project=cfg.project,
            stack=stack,
            repository=cfg.repository,
            branch=s.branch,
            oidc_provider_arn=oidc_provider.arn,
            deploy_policy_arns=s.deploy_policy_arns,
            repo_dir=s.repo_dir,
            deploy_commits=s.deploy_commits,
            preview_pull_requests=s.preview_pull_requests,
            paths=path_filters(s.paths.include, s.paths.exclude),
            skip_intermediate_deployments=s.skip_intermediate_deployments,
            drift_schedule=s.drift_schedule,
            drift_auto_remediate=s.drift_auto_remediate,
        ),
        opts=pulumi.ResourceOptions(providers={"aws": aws_provider}),
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

pulumi.export("oidcProviderArn", oidc_provider.arn)
pulumi.export("deployRoleArns", {stack: d.role_arn for stack, d in deployments.items()})
pulumi.export("driftSchedules", {stack: s.drift_schedule for stack, s in cfg.stacks.items() if s.drift_schedule})
