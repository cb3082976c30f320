"""ServiceLoadBalancer: an ALB or NLB in front of one ECS service.

Each service gets its own load balancer: no routing keys to configure, an independent
certificate and lifecycle per service, and no shared blast radius. The price is one load
balancer per service (an ALB costs about as much as a small instance per month).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.tags import component_tags, guardrail_exception

ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class ServiceLoadBalancerArgs:
    """Inputs of one service's load balancer."""

    kind: Literal["application", "network"]
    """``application`` (HTTP/HTTPS, ALB) or ``network`` (TCP/TLS, NLB)."""
    vpc_id: pulumi.Input[str]
    """VPC of the target group and security groups."""
    vpc_cidr: str
    """Internal load balancers admit clients from this CIDR."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets for an internet-facing load balancer, private ones for an internal one."""
    port: int
    """Container port the targets listen on."""
    service_security_group_id: pulumi.Input[str]
    """The tasks' security group: it admits the container port from this load balancer only."""
    public: bool = False
    """Internet-facing when true; internal by default."""
    health_check_path: str = "/"
    """ALB: HTTP health check path; default ``/``."""
    certificate_arn: str | None = None
    """ACM certificate: HTTPS on 443 with an HTTP redirect (ALB) or TLS on 443 (NLB). Default: none."""
    private_link: bool = False
    """NLB: also offer the service through a VPC endpoint service (connections need acceptance)."""
    private_link_principals: Sequence[str] = ()
    """NLB with private_link: principals allowed to create endpoints to it; default none."""
    access_logs_bucket: pulumi.Input[str] | None = None
    """S3 bucket for access logs (ALB and NLB; an NLB writes them for TLS listeners only), under the prefix
    ``<name>``; default none."""
    access_logs_ready: Sequence[pulumi.Resource] = ()
    """What must exist before logging is enabled (the bucket policy: ELB tests its write access on enable)."""
    deletion_protection: bool = False
    """Refuse deletion of the load balancer (on in prod)."""
    plain_http_reason: str | None = None
    """ALB without certificate: why plain HTTP is acceptable; tagged on the HTTP listener as the
    guardrail exception for ``elb-https-listeners``. Default: none (settings require it then)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class ServiceLoadBalancer(pulumi.ComponentResource):
    """Load balancer, listeners, ip target group and the security group chain to the tasks."""

    load_balancer: aws.lb.LoadBalancer
    """The ALB or NLB."""
    target_group: aws.lb.TargetGroup
    """The ip target group the ECS service registers its tasks in."""
    listeners: list[aws.lb.Listener]
    """Its listeners; the ECS service starts after them."""
    request_count_label: pulumi.Output[str]
    """ALB: ``app/<lb>/<id>/targetgroup/<tg>/<id>``, the ALBRequestCountPerTarget resource label."""
    endpoint_service: aws.ec2.VpcEndpointService | None
    """NLB with privateLink: the endpoint service consumers connect to."""

    def __init__(self, name: str, args: ServiceLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:ServiceLoadBalancer", name, None, opts)
        tags = component_tags("ecs", args.tags)
        security_group = self._security_group(name, args, tags)
        self._task_rules(name, args, security_group)
        self.load_balancer = self._load_balancer(name, args, security_group, tags)
        self.target_group = self._target_group(name, args, tags)
        self.listeners = self._listeners(name, args, self.load_balancer, self.target_group, tags)
        self.request_count_label = pulumi.Output.concat(
            self.load_balancer.arn_suffix, "/", self.target_group.arn_suffix
        )
        self.endpoint_service = (
            self._endpoint_service(name, args, self.load_balancer, tags) if args.private_link else None
        )
        self.register_outputs({"dns_name": self.load_balancer.dns_name})

    def _security_group(
        self, name: str, args: ServiceLoadBalancerArgs, tags: Mapping[str, str]
    ) -> aws.ec2.SecurityGroup:
        sources = [ANYWHERE] if args.public else [args.vpc_cidr]
        audience = "the internet" if args.public else "the VPC"
        return aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"{_short_kind(args)} {name}: clients in, tasks out",
            vpc_id=args.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description=f"{'HTTP (redirected to HTTPS)' if port == 80 and args.certificate_arn else 'Clients'} from {audience}",
                    protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_blocks=sources,
                )
                for port in _listener_ports(args)
            ],
            # No inline egress: the one egress rule (to the tasks) is the standalone rule below.
            tags={**tags, "Name": f"{name}-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _task_rules(
        self, name: str, args: ServiceLoadBalancerArgs, security_group: aws.ec2.SecurityGroup
    ) -> tuple[aws.vpc.SecurityGroupEgressRule, aws.vpc.SecurityGroupIngressRule]:
        # Standalone rules: the two groups name each other, which inline rules cannot express.
        child = pulumi.ResourceOptions(parent=self)
        to_tasks = aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress-to-tasks",
            security_group_id=security_group.id,
            referenced_security_group_id=args.service_security_group_id,
            ip_protocol="tcp",
            from_port=args.port,
            to_port=args.port,
            description="To the service's tasks",
            opts=child,
        )
        from_lb = aws.vpc.SecurityGroupIngressRule(
            f"{name}-ingress-to-tasks",
            security_group_id=args.service_security_group_id,
            referenced_security_group_id=security_group.id,
            ip_protocol="tcp",
            from_port=args.port,
            to_port=args.port,
            description=f"From the service's {_short_kind(args)} only",
            opts=child,
        )
        return to_tasks, from_lb

    def _load_balancer(
        self, name: str, args: ServiceLoadBalancerArgs, security_group: aws.ec2.SecurityGroup, tags: Mapping[str, str]
    ) -> aws.lb.LoadBalancer:
        application = args.kind == "application"
        return aws.lb.LoadBalancer(
            f"{name}-{_short_kind(args).lower()}",
            load_balancer_type=args.kind,
            internal=not args.public,
            subnets=args.subnet_ids,
            # NLB security groups can only be set at creation, so they are always set.
            security_groups=[security_group.id],
            drop_invalid_header_fields=True if application else None,
            enable_cross_zone_load_balancing=None if application else True,
            enforce_security_group_inbound_rules_on_private_link_traffic=(
                None if application else ("off" if args.private_link else "on")
            ),
            enable_deletion_protection=args.deletion_protection,
            access_logs=(
                aws.lb.LoadBalancerAccessLogsArgs(bucket=args.access_logs_bucket, enabled=True, prefix=name)
                if args.access_logs_bucket is not None
                else None
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.access_logs_ready)),
        )

    def _target_group(self, name: str, args: ServiceLoadBalancerArgs, tags: Mapping[str, str]) -> aws.lb.TargetGroup:
        application = args.kind == "application"
        return aws.lb.TargetGroup(
            f"{name}-tg",
            target_type="ip",
            vpc_id=args.vpc_id,
            port=args.port,
            protocol="HTTP" if application else "TCP",
            deregistration_delay=30,
            health_check=(
                aws.lb.TargetGroupHealthCheckArgs(
                    protocol="HTTP",
                    path=args.health_check_path,
                    matcher="200-399",
                    interval=15,
                    healthy_threshold=2,
                    unhealthy_threshold=3,
                )
                if application
                else aws.lb.TargetGroupHealthCheckArgs(
                    protocol="TCP", interval=15, healthy_threshold=2, unhealthy_threshold=3
                )
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _listeners(
        self,
        name: str,
        args: ServiceLoadBalancerArgs,
        load_balancer: aws.lb.LoadBalancer,
        target_group: aws.lb.TargetGroup,
        tags: Mapping[str, str],
    ) -> list[aws.lb.Listener]:
        forward = [aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)]
        if args.kind != "application":
            return [self._network_listener(name, args, load_balancer, forward, tags)]
        if args.certificate_arn:
            return [
                self._https_listener(name, args, load_balancer, forward, tags),
                self._redirect_listener(name, load_balancer, tags),
            ]
        return [self._http_listener(name, args, load_balancer, forward, tags)]

    def _https_listener(
        self,
        name: str,
        args: ServiceLoadBalancerArgs,
        load_balancer: aws.lb.LoadBalancer,
        forward: Sequence[aws.lb.ListenerDefaultActionArgs],
        tags: Mapping[str, str],
    ) -> aws.lb.Listener:
        return aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=load_balancer.arn,
            port=443,
            protocol="HTTPS",
            certificate_arn=args.certificate_arn,
            ssl_policy=ALB_TLS_POLICY,
            default_actions=forward,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _redirect_listener(
        self, name: str, load_balancer: aws.lb.LoadBalancer, tags: Mapping[str, str]
    ) -> aws.lb.Listener:
        return aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _http_listener(
        self,
        name: str,
        args: ServiceLoadBalancerArgs,
        load_balancer: aws.lb.LoadBalancer,
        forward: Sequence[aws.lb.ListenerDefaultActionArgs],
        tags: Mapping[str, str],
    ) -> aws.lb.Listener:
        return aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_actions=forward,
            tags={**tags, **guardrail_exception("elb-https-listeners", args.plain_http_reason)},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _network_listener(
        self,
        name: str,
        args: ServiceLoadBalancerArgs,
        load_balancer: aws.lb.LoadBalancer,
        forward: Sequence[aws.lb.ListenerDefaultActionArgs],
        tags: Mapping[str, str],
    ) -> aws.lb.Listener:
        return aws.lb.Listener(
            f"{name}-{'tls' if args.certificate_arn else 'tcp'}",
            load_balancer_arn=load_balancer.arn,
            port=_listener_ports(args)[0],
            protocol="TLS" if args.certificate_arn else "TCP",
            certificate_arn=args.certificate_arn,
            ssl_policy=ALB_TLS_POLICY if args.certificate_arn else None,
            default_actions=forward,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _endpoint_service(
        self, name: str, args: ServiceLoadBalancerArgs, load_balancer: aws.lb.LoadBalancer, tags: Mapping[str, str]
    ) -> aws.ec2.VpcEndpointService:
        return aws.ec2.VpcEndpointService(
            f"{name}-endpoint-service",
            acceptance_required=True,
            network_load_balancer_arns=[load_balancer.arn],
            allowed_principals=list(args.private_link_principals) or None,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )


def _short_kind(args: ServiceLoadBalancerArgs) -> str:
    return "ALB" if args.kind == "application" else "NLB"


def _listener_ports(args: ServiceLoadBalancerArgs) -> list[int]:
    """Ports the load balancer listens on: 443 (+80 to redirect) with a certificate, else 80 or the target port."""
    if args.kind == "application":
        return [443, 80] if args.certificate_arn else [80]
    return [443] if args.certificate_arn else [args.port]


ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
"""AWS's current recommendation (TLS 1.3/1.2 with post-quantum key exchange); API defaults are older."""
