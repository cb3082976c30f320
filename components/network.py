"""Network: one VPC per region on ``awsx.ec2.Vpc``, subnets tagged for load balancers, VPC endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.tags import component_tags

NatStrategy = Literal["none", "single", "perAz"]

_NAT = {
    "none": awsx.ec2.NatGatewayStrategy.NONE,
    "single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "perAz": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
}

# Interface endpoints that let private workloads pull images, ship logs and get role
# credentials without NAT traffic. S3 (image layers) is a free gateway endpoint.
INTERFACE_ENDPOINTS: tuple[str, ...] = ("ecr.api", "ecr.dkr", "logs", "sts")

PUBLIC_SUBNET_TAGS = {"kubernetes.io/role/elb": "1"}
"""Internet-facing load balancers (AWS Load Balancer Controller, ECS ALBs) go here."""
PRIVATE_SUBNET_TAGS = {"kubernetes.io/role/internal-elb": "1"}
"""Internal load balancers and all workloads go here."""


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of one regional network."""

    region: str
    """Region of the provider passed in ``opts``; used for endpoint service names."""
    cidr_block: str
    """IPv4 CIDR of the VPC (validated by the settings layer)."""
    az_count: int = 2
    """Availability zones to spread subnets over; default 2."""
    nat_gateways: NatStrategy = "single"
    """``single`` (default): one NAT gateway; ``perAz``: one per AZ; ``none``: isolated workload
    subnets with no internet route (only the VPC endpoints are reachable)."""
    vpc_endpoints: bool = True
    """Create the ECR api/dkr, Logs and STS interface endpoints and the S3 gateway endpoint; default on."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags for this network, on top of the provider's default tags."""


def endpoint_service_names(region: str) -> dict[str, str]:
    """Endpoint role -> AWS service name, e.g. ``ecr-api`` -> ``com.amazonaws.us-east-1.ecr.api``."""
    return {svc.replace(".", "-"): f"com.amazonaws.{region}.{svc}" for svc in INTERFACE_ENDPOINTS}


class Network(pulumi.ComponentResource):
    """A VPC with public subnets (load balancers, NAT) and private subnets (workloads) in each AZ."""

    vpc_id: pulumi.Output[str]
    """ID of the VPC."""
    public_subnet_ids: pulumi.Output[Sequence[str]]
    """One public subnet per AZ, tagged ``kubernetes.io/role/elb``."""
    private_subnet_ids: pulumi.Output[Sequence[str]]
    """One workload subnet per AZ, tagged ``kubernetes.io/role/internal-elb`` (isolated when natGateways is none)."""
    vpc: awsx.ec2.Vpc
    """The underlying awsx VPC component."""
    endpoint_security_group: aws.ec2.SecurityGroup | None
    """Security group of the interface endpoints (HTTPS from the VPC), when endpoints are on."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:network:Network", name, None, opts)
        tags = component_tags("network", args.tags)
        workload_type = awsx.ec2.SubnetType.ISOLATED if args.nat_gateways == "none" else awsx.ec2.SubnetType.PRIVATE

        gateway_endpoints = (
            [
                awsx.ec2.VpcEndpointSpecArgs(
                    service_name=f"com.amazonaws.{args.region}.s3",
                    vpc_endpoint_type="Gateway",
                    tags={**tags, "Name": f"{name}-s3"},
                )
            ]
            if args.vpc_endpoints
            else []
        )
        self.vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr_block,
            number_of_availability_zones=args.az_count,
            enable_dns_hostnames=True,  # interface endpoints with private DNS need both
            enable_dns_support=True,
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            subnet_specs=[
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.PUBLIC, name="public", tags={**tags, **PUBLIC_SUBNET_TAGS}
                ),
                awsx.ec2.SubnetSpecArgs(type=workload_type, name="private", tags={**tags, **PRIVATE_SUBNET_TAGS}),
            ],
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=_NAT[args.nat_gateways]),
            # Auto fills the gateway endpoint's route tables from the subnets awsx creates.
            vpc_endpoint_strategy=awsx.ec2.VpcEndpointStrategy.AUTO,
            vpc_endpoint_specs=gateway_endpoints,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.vpc_id = self.vpc.vpc_id
        self.public_subnet_ids = self.vpc.public_subnet_ids
        self.private_subnet_ids = (
            self.vpc.isolated_subnet_ids if args.nat_gateways == "none" else self.vpc.private_subnet_ids
        )

        self.endpoint_security_group = None
        if args.vpc_endpoints:
            self.endpoint_security_group = aws.ec2.SecurityGroup(
                f"{name}-endpoints",
                description="Interface VPC endpoints: HTTPS from inside the VPC",
                vpc_id=self.vpc_id,
                ingress=[
                    aws.ec2.SecurityGroupIngressArgs(
                        description="HTTPS from the VPC to the AWS service endpoints",
                        protocol="tcp",
                        from_port=443,
                        to_port=443,
                        cidr_blocks=[args.cidr_block],
                    )
                ],
                # No egress rules: endpoint interfaces only answer, they never initiate.
                tags={**tags, "Name": f"{name}-endpoints"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for role, service_name in endpoint_service_names(args.region).items():
                aws.ec2.VpcEndpoint(
                    f"{name}-{role}",
                    vpc_id=self.vpc_id,
                    service_name=service_name,
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=self.private_subnet_ids,
                    security_group_ids=[self.endpoint_security_group.id],
                    tags={**tags, "Name": f"{name}-{role}"},
                    opts=pulumi.ResourceOptions(parent=self),
                )

        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )
