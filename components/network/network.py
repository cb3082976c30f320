"""Network: one VPC per region on ``awsx.ec2.Vpc``, subnets for load balancers, endpoints, flow logs, closed default SG."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.kms import customer_managed_key, logs_key_policy
from components.network.documents import flow_log_role_policy, flow_log_trust_policy
from components.tags import component_tags, guardrail_exception

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

MAX_AZ_COUNT = 6
"""The most AZs a network can span (settings: ``network.azCount`` at most 6); the subnet layout has a slot for each."""
VPC_PREFIXES = range(16, 21)
"""VPC prefix lengths the subnet layout is made for (settings: ``network.cidrs`` /16 to /20)."""
_SLOT_BITS = 3
"""The VPC is cut into 8 equal blocks: 6 for the private subnets, 1 for the public ones, 1 spare."""
_PUBLIC_BLOCK = 6
"""Index of the block that holds the public subnets (cut in 8 again: 6 slots, 2 spare)."""


def subnet_cidrs(vpc_cidr: str, az_index: int) -> dict[str, str]:
    """The CIDRs of the public and the private (or isolated) subnet of the AZ at ``az_index``.

    ``az_index`` is the AZ's position in the zone list (0-based). Every slot is sized for
    ``MAX_AZ_COUNT`` AZs and depends only on the VPC CIDR and that position, never on how many AZs
    there are: raising ``network.azCount`` adds the slots of the new AZs, lowering it drops the
    last ones, and the AZs that stay keep their subnets. For a ``/N`` VPC (N = 16..20):

    =====================  ===========  ================================  ===============================
    block                  prefix       in 10.10.0.0/16                   in 10.10.0.0/20
    =====================  ===========  ================================  ===============================
    private, AZ i = 0..5   /N+3 (1/8)   10.10.(32 i).0/19, 8,187 usable   10.10.(2 i).0/23, 507 usable
    public, AZ i = 0..5    /N+6 (1/64)  10.10.(192 + 4 i).0/22, 1,019     10.10.12.0/26 + 64 i, 59
    spare public slots     /N+5         10.10.216.0/21                    10.10.13.128/25
    spare 8th block        /N+3         10.10.224.0/19                    10.10.14.0/23
    =====================  ===========  ================================  ===============================

    Usable = size minus the 5 addresses AWS keeps in every subnet. Private subnets get 3/4 of the VPC
    because EKS pods take VPC addresses; public subnets hold only load balancers and NAT gateways.
    Returns ``{"public": ..., "private": ...}``; raises ``ValueError`` for another prefix or position.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if vpc.prefixlen not in VPC_PREFIXES:
        raise ValueError(
            f"VPC CIDR {vpc_cidr} has prefix /{vpc.prefixlen}; the subnet layout needs "
            f"/{VPC_PREFIXES[0]} to /{VPC_PREFIXES[-1]}"
        )
    if not 0 <= az_index < MAX_AZ_COUNT:
        raise ValueError(f"AZ position {az_index} is outside the subnet layout (0 to {MAX_AZ_COUNT - 1})")
    blocks = list(vpc.subnets(prefixlen_diff=_SLOT_BITS))
    public_slots = list(blocks[_PUBLIC_BLOCK].subnets(prefixlen_diff=_SLOT_BITS))
    return {"public": str(public_slots[az_index]), "private": str(blocks[az_index])}


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of one regional network."""

    region: str
    """Region of the provider passed in ``opts``; used for endpoint service names."""
    cidr_block: str
    """IPv4 CIDR of the VPC, /16 to /20: the sizes the subnet layout (``subnet_cidrs``) is made for."""
    account_id: pulumi.Input[str]
    """This AWS account: the flow log key's policy and the delivery role's trust name it."""
    az_count: int = 2
    """Availability zones to spread subnets over, 1 to ``MAX_AZ_COUNT``; default 2. AZ i gets the subnet slot i
    (see ``subnet_cidrs``), so changing it adds or removes only the subnets of the last AZs."""
    nat_gateways: NatStrategy = "single"
    """``single`` (default): one NAT gateway; ``perAz``: one per AZ; ``none``: isolated workload
    subnets with no internet route (only the VPC endpoints are reachable)."""
    vpc_endpoints: bool = True
    """Create the ECR api/dkr, Logs and STS interface endpoints and the S3 gateway endpoint; default on."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags for this network, on top of the provider's default tags."""
    zone_ids: Sequence[str] = ()
    """Availability Zone ids to use (``use1-az1``), exactly ``az_count`` of them, used as given and in this
    order: a pin, so AWS adding or dropping an instance type in some zone never moves the subnets.
    Default: none, the zones are computed (see ``excluded_zone_ids`` and ``instance_types``)."""
    excluded_zone_ids: Sequence[str] = ()
    """Zone ids a computed selection never uses: the zones EKS does not support (``use1-az3``) when the
    region runs EKS, and errors call them that. Default: none excluded. Must not overlap ``zone_ids``."""
    instance_types: Sequence[str] = ()
    """EC2 instance types that will run in this network; a computed selection keeps only zones that offer
    every one of them. Default: none, so zones are not checked for instance type offerings."""
    flow_logs: bool = True
    """Flow logs of ALL traffic of the VPC to a CloudWatch Logs group encrypted with the network's own
    rotating KMS key, delivered by a role that may write only to that group; default on."""
    flow_log_retention_days: int = 365
    """Retention of the flow log group (a CloudWatch Logs retention value); default 365 days."""
    flow_logs_off_reason: str | None = None
    """Why flow logs are off: required when ``flow_logs`` is false, refused otherwise. It becomes the VPC's
    ``guardrail-exception/vpc-flow-logs`` tag, the one way past that guardrail. Default: none."""

    def __post_init__(self) -> None:
        if not 1 <= self.az_count <= MAX_AZ_COUNT:
            raise ValueError(f"az_count is {self.az_count}; the subnet layout has slots for 1 to {MAX_AZ_COUNT} AZs")
        subnet_cidrs(self.cidr_block, 0)  # rejects a VPC CIDR the layout is not made for
        if self.zone_ids and len(self.zone_ids) != self.az_count:
            raise ValueError(f"zone_ids lists {len(self.zone_ids)} zones but az_count is {self.az_count}")
        if len(set(self.zone_ids)) != len(self.zone_ids):
            raise ValueError(f"zone_ids lists a zone more than once: {list(self.zone_ids)}")
        clash = sorted(set(self.zone_ids) & set(self.excluded_zone_ids))
        if clash:
            raise ValueError(f"zone_ids {clash} are also in excluded_zone_ids; a zone cannot be pinned and excluded")
        if self.flow_logs == (self.flow_logs_off_reason is not None):
            raise ValueError("flow_logs_off_reason is required when flow_logs is false, and only then")


class ZoneSelectionError(pulumi.RunError):
    """The region has too few zones that qualify, or a pinned zone does not exist; the message says what to change."""


def choose_zones(
    region: str,
    az_count: int,
    available: Mapping[str, str],
    excluded: Collection[str] = (),
    instance_types: Sequence[str] = (),
    offerings: Mapping[str, Collection[str]] | None = None,
) -> tuple[tuple[str, str], ...]:
    """The first ``az_count`` qualifying zones by zone id, as ``(zone id, zone name)`` pairs.

    ``available`` maps zone id -> name; ``offerings`` maps zone id -> instance types offered there
    (needed when ``instance_types`` is non-empty). A zone qualifies when it is not ``excluded`` and
    offers every instance type. Sorting by zone id makes the choice the same in every account and
    every run, as long as AWS's answers stay the same.
    """
    left_out: dict[str, str] = {}
    kept: list[str] = []
    for zone_id in sorted(available):
        missing = [t for t in instance_types if t not in (offerings or {}).get(zone_id, ())]
        if zone_id in excluded:
            left_out[zone_id] = "EKS does not support it"
        elif missing:
            left_out[zone_id] = f"does not offer {', '.join(missing)}"
        else:
            kept.append(zone_id)
    if len(kept) < az_count:
        reasons = "; ".join(f"{z} ({why})" for z, why in left_out.items()) or "none"
        raise ZoneSelectionError(
            f"{region}: network.azCount is {az_count}, but only {len(kept)} availability zone(s) qualify. "
            f"Kept: {', '.join(kept) or 'none'}. Left out: {reasons}. "
            f"Lower network.azCount, or use instance types every zone offers (eks.nodeGroups[*].instanceTypes "
            f"or instanceType, ecs.instances.instanceTypes), or pin zones in network.zoneIds.{region}."
        )
    return tuple((zone_id, available[zone_id]) for zone_id in kept[:az_count])


def pinned_zones(region: str, zone_ids: Sequence[str], available: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``zone_ids`` as given, paired with their names; every one must be an available zone of the region."""
    unknown = [z for z in zone_ids if z not in available]
    if unknown:
        raise ZoneSelectionError(
            f"{region}: network.zoneIds.{region} lists {', '.join(unknown)}, which is not an available zone here "
            f"(available: {', '.join(sorted(available)) or 'none'}); change network.zoneIds.{region}."
        )
    return tuple((zone_id, available[zone_id]) for zone_id in zone_ids)


def endpoint_service_names(region: str) -> dict[str, str]:
    """Endpoint role -> AWS service name, e.g. ``ecr-api`` -> ``com.amazonaws.us-east-1.ecr.api``."""
    return {svc.replace(".", "-"): f"com.amazonaws.{region}.{svc}" for svc in INTERFACE_ENDPOINTS}


class Network(pulumi.ComponentResource):
    """A VPC with public subnets (load balancers, NAT) and private subnets (workloads) in each AZ.

    AZs are chosen by zone id, because zone names map to different physical zones in every
    account. Pinned ``zone_ids`` are used as given; otherwise the region's available zones (no
    opt-in zones) are read, zones in ``excluded_zone_ids`` and zones that do not offer every
    ``instance_types`` entry are dropped, the rest sorted by zone id and the first ``az_count``
    taken. The lookups are plain invokes on the regional provider; they run in ``pulumi preview``
    too, so the zone names awsx needs (its ``availabilityZoneNames`` input is plain) are known.

    Stability: the selection is deterministic, but it follows AWS's answers. If AWS starts or
    stops offering an instance type in a zone, a computed selection can change and the subnets
    (and everything in them) would be replaced; pin ``zone_ids`` (``network.zoneIds``) to rule that out.

    Subnets: every CIDR is pinned by ``subnet_cidrs`` from the VPC CIDR and the AZ's position, and
    handed to awsx as ``cidrBlocks``, so the AZs that stay keep their subnets when ``az_count`` changes.
    """

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
    zone_ids: pulumi.Output[Sequence[str]]
    """Zone ids of the AZs the subnets are in (``use1-az1``), in subnet order; the same physical zones in every account."""
    zones: tuple[str, ...]
    """The same zone ids as plain values, known while the program runs: per-AZ children are named after them."""
    default_security_group: aws.ec2.DefaultSecurityGroup
    """The VPC's default security group, adopted with no rules: nothing that lands in it by default talks."""
    flow_log: aws.ec2.FlowLog | None
    """The VPC's flow log (ALL traffic, to ``flow_log_group``), unless flow logs are off."""
    flow_log_group: aws.cloudwatch.LogGroup | None
    """The flow log's CloudWatch Logs group, encrypted with ``logs_key``, unless flow logs are off."""
    logs_key: aws.kms.Key | None
    """Rotating KMS key of the flow log group, unless flow logs are off."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:network:Network", name, None, opts)
        tags = component_tags("network", args.tags)
        zones = self._zones(args)
        self.zones = tuple(zone_id for zone_id, _ in zones)
        self.zone_ids = pulumi.Output.from_input(list(self.zones))
        self.vpc = self._vpc(name, args, zones, tags)
        self.vpc_id = self.vpc.vpc_id
        self.default_security_group = self._default_security_group(name, tags)
        self.logs_key = self._logs_key(name, args, tags) if args.flow_logs else None
        self.flow_log_group = self._flow_log_group(name, args, self.logs_key, tags) if self.logs_key else None
        self.flow_log = self._flow_log(name, args, self.flow_log_group, tags) if self.flow_log_group else None
        self.public_subnet_ids = self.vpc.public_subnet_ids
        self.private_subnet_ids = (
            self.vpc.isolated_subnet_ids if args.nat_gateways == "none" else self.vpc.private_subnet_ids
        )

        self.endpoint_security_group = None
        if args.vpc_endpoints:
            self.endpoint_security_group = self._endpoint_security_group(name, args, tags)
            self._interface_endpoints(name, args, self.endpoint_security_group, tags)

        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "zone_ids": self.zone_ids,
            }
        )

    def _vpc(
        self, name: str, args: NetworkArgs, zones: Sequence[tuple[str, str]], tags: Mapping[str, str]
    ) -> awsx.ec2.Vpc:
        workload_type = awsx.ec2.SubnetType.ISOLATED if args.nat_gateways == "none" else awsx.ec2.SubnetType.PRIVATE
        return awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr_block,
            # Names, as awsx wants them, of the zones chosen by id.
            availability_zone_names=[zone_name for _, zone_name in zones],
            enable_dns_hostnames=True,  # interface endpoints with private DNS need both
            enable_dns_support=True,
            # "Auto" with cidrBlocks on every spec is awsx's explicit layout: AZ i gets cidrBlocks[i]
            # verbatim (its own allocator would size every subnet from the AZ count). Not "Legacy": it
            # ignores cidrBlocks. Not "Exact": it rejects the spare slots as gaps. Not "AutoMerge": it
            # rejects cidrBlocks.
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            subnet_specs=self._subnet_specs(args.cidr_block, len(zones), workload_type, tags),
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=_NAT[args.nat_gateways]),
            # Auto fills the gateway endpoint's route tables from the subnets awsx creates.
            vpc_endpoint_strategy=awsx.ec2.VpcEndpointStrategy.AUTO,
            vpc_endpoint_specs=self._gateway_endpoints(name, args, tags),
            tags={**tags, **guardrail_exception("vpc-flow-logs", args.flow_logs_off_reason)},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _default_security_group(self, name: str, tags: Mapping[str, str]) -> aws.ec2.DefaultSecurityGroup:
        # Adopting the default group removes every rule it has and creates only the inline ones
        # (terraform-provider-aws docs, aws_default_security_group): none here, so no ingress and no
        # egress. Removing this resource later leaves the group as it is (closed), not restored.
        return aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc_id,
            tags={**tags, "Name": f"{name}-default-sg-closed"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _logs_key(self, name: str, args: NetworkArgs, tags: Mapping[str, str]) -> aws.kms.Key:
        return customer_managed_key(
            f"{name}-logs-key",
            description=f"Encrypts the VPC flow logs of {name}",
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(logs_key_policy(account, args.region))
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _flow_log_group(
        self, name: str, args: NetworkArgs, key: aws.kms.Key, tags: Mapping[str, str]
    ) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/vpc/{name}/flow-logs",
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=key.arn,
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _flow_log(
        self, name: str, args: NetworkArgs, group: aws.cloudwatch.LogGroup, tags: Mapping[str, str]
    ) -> aws.ec2.FlowLog:
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            description=f"VPC Flow Logs delivery into {name}'s flow log group",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(flow_log_trust_policy(account, args.region))
            ),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-role-policy",
            role=role.name,
            policy=group.arn.apply(lambda arn: json.dumps(flow_log_role_policy(arn))),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc_id,
            # ALL, not REJECT: accepted traffic is what an investigation of a compromised workload needs.
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            tags={**tags, "Name": f"{name}-flow-log"},
            # The role must be able to write before the first delivery.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    @staticmethod
    def _gateway_endpoints(name: str, args: NetworkArgs, tags: Mapping[str, str]) -> list[awsx.ec2.VpcEndpointSpecArgs]:
        if not args.vpc_endpoints:
            return []
        return [
            awsx.ec2.VpcEndpointSpecArgs(
                service_name=f"com.amazonaws.{args.region}.s3",
                vpc_endpoint_type="Gateway",
                tags={**tags, "Name": f"{name}-s3"},
            )
        ]

    def _endpoint_security_group(self, name: str, args: NetworkArgs, tags: Mapping[str, str]) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
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
            tags={**tags, "Name": f"{name}-endpoints-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _interface_endpoints(
        self, name: str, args: NetworkArgs, security_group: aws.ec2.SecurityGroup, tags: Mapping[str, str]
    ) -> list[aws.ec2.VpcEndpoint]:
        return [
            aws.ec2.VpcEndpoint(
                f"{name}-{role}",
                vpc_id=self.vpc_id,
                service_name=service_name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[security_group.id],
                tags={**tags, "Name": f"{name}-{role}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for role, service_name in endpoint_service_names(args.region).items()
        ]

    @staticmethod
    def _subnet_specs(
        cidr_block: str, az_count: int, workload_type: awsx.ec2.SubnetType, tags: Mapping[str, str]
    ) -> list[awsx.ec2.SubnetSpecArgs]:
        # The spec names stay "public" and "private" (awsx names the subnets <vpc>-<name>-<AZ position>),
        # also when the workload subnets are isolated, so natGateways none <-> single keeps the subnets.
        slots = [subnet_cidrs(cidr_block, i) for i in range(az_count)]
        return [
            awsx.ec2.SubnetSpecArgs(
                type=awsx.ec2.SubnetType.PUBLIC,
                name="public",
                cidr_blocks=[slot["public"] for slot in slots],
                tags={**tags, **PUBLIC_SUBNET_TAGS},
            ),
            awsx.ec2.SubnetSpecArgs(
                type=workload_type,
                name="private",
                cidr_blocks=[slot["private"] for slot in slots],
                tags={**tags, **PRIVATE_SUBNET_TAGS},
            ),
        ]

    def _zones(self, args: NetworkArgs) -> tuple[tuple[str, str], ...]:
        # Plain invokes, not *_output: awsx takes availabilityZoneNames only as a plain list (an
        # Output would reach its provider as an Output object). They use the regional provider via parent.
        invoke = pulumi.InvokeOptions(parent=self)
        found = aws.get_availability_zones(
            state="available",
            filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
            opts=invoke,
        )
        available = dict(zip(found.zone_ids, found.names, strict=True))
        if args.zone_ids:
            return pinned_zones(args.region, args.zone_ids, available)
        offerings: dict[str, set[str]] = {}
        if args.instance_types:
            offered = aws.ec2.get_instance_type_offerings(
                location_type="availability-zone-id",
                filters=[
                    aws.ec2.GetInstanceTypeOfferingsFilterArgs(name="instance-type", values=list(args.instance_types))
                ],
                opts=invoke,
            )
            for zone_id, instance_type in zip(offered.locations, offered.instance_types, strict=True):
                offerings.setdefault(zone_id, set()).add(instance_type)
        return choose_zones(
            args.region, args.az_count, available, args.excluded_zone_ids, args.instance_types, offerings
        )
