"""EcsAnywhere: the IAM role and SSM activation that register on-premises servers into the cluster."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.iam import attach_policies, service_trust_policy
from components.tags import component_tags

ANYWHERE_ROLE_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
)
"""What AWS documents for the ECS Anywhere instance role (SSM agent + ECS agent)."""

INSTALL_SCRIPT_URL = "https://amazon-ecs-agent.s3.amazonaws.com/ecs-anywhere-install-latest.sh"


def registration_command(region: str, cluster_name: str, activation_id: str) -> str:
    """The documented install call; the activation code comes from ``$ACTIVATION_CODE``, never inline."""
    return (
        f'curl --proto "https" -o /tmp/ecs-anywhere-install.sh "{INSTALL_SCRIPT_URL}" && '
        f"sudo bash /tmp/ecs-anywhere-install.sh --region {region} --cluster {cluster_name} "
        f'--activation-id {activation_id} --activation-code "$ACTIVATION_CODE"'
    )


@dataclass(frozen=True)
class EcsAnywhereArgs:
    """Inputs of the ECS Anywhere registration."""

    region: str
    """Region of the cluster."""
    cluster_name: str
    """Cluster the servers join."""
    registration_limit: int
    """How many servers the activation may register."""
    expiration_date: str
    """Last day (yyyy-mm-dd, UTC) the activation accepts registrations."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class EcsAnywhere(pulumi.ComponentResource):
    """Instance role for registered servers and an SSM activation tagged for the cluster."""

    role: aws.iam.Role
    """The role SSM hands to registered servers."""
    activation_id: pulumi.Output[str]
    """The activation id, safe to show."""
    activation_code: pulumi.Output[str]
    """The activation code, a secret."""
    registration_command: pulumi.Output[str]
    """Copy-paste command for a server; expects ``ACTIVATION_CODE`` in the environment."""

    def __init__(self, name: str, args: EcsAnywhereArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:EcsAnywhere", name, None, opts)
        tags = component_tags("ecs", {**args.tags, "ecs-cluster": args.cluster_name})
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"ECS Anywhere servers of {args.cluster_name}",
            # SSM assumes it on behalf of the registered servers.
            assume_role_policy=json.dumps(service_trust_policy("ssm.amazonaws.com")),
            tags=tags,
            opts=child,
        )
        attachments = attach_policies(f"{name}-role", self.role, ANYWHERE_ROLE_POLICIES, parent=self)
        activation = aws.ssm.Activation(
            f"{name}-activation",
            description=f"Registers ECS Anywhere servers into {args.cluster_name}",
            iam_role=self.role.name,
            registration_limit=args.registration_limit,
            expiration_date=f"{args.expiration_date}T23:59:59Z",
            tags=tags,
            # Servers registered before the role has its policies would start without permissions.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=attachments, additional_secret_outputs=["activationCode"]
            ),
        )
        self.activation_id = activation.id
        self.activation_code = pulumi.Output.secret(activation.activation_code)
        self.registration_command = activation.id.apply(
            lambda activation_id: registration_command(args.region, args.cluster_name, activation_id)
        )
        self.register_outputs({"activation_id": self.activation_id, "registration_command": self.registration_command})
