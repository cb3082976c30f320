"""EcsPlatform: the ECS cluster, its capacity (Fargate or EC2) and one EcsService per configured service."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.ecs.load_balancer import ServiceLoadBalancer, ServiceLoadBalancerArgs
from components.ecs.scaling import ServiceAutoscaling, ServiceAutoscalingArgs
from components.ecs.task_execution_role import ecs_tasks_trust_policy
from components.efs import EfsMount
from components.efs.file_system import posix_id
from components.iam import policy_document
from components.tags import component_tags, guardrail_exception
from settings.models import EgressSettings, ServiceSettings

LaunchType = Literal["FARGATE", "EC2"]


EFS_VOLUME = "efs"
"""Task volume name of the service's EFS directory."""


def _volumes(svc: ServiceSettings, efs: EfsMount | None) -> list[aws.ecs.TaskDefinitionVolumeArgs]:
    volumes = [aws.ecs.TaskDefinitionVolumeArgs(name=SCRATCH_VOLUME)] if svc.read_only_root_filesystem else []
    if efs is not None and svc.volumes:
        volumes.append(
            aws.ecs.TaskDefinitionVolumeArgs(
                name=EFS_VOLUME,
                efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                    file_system_id=efs.file_system_id,
                    transit_encryption="ENABLED",
                    authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                        access_point_id=efs.access_point_id, iam="ENABLED"
                    ),
                ),
            )
        )
    return volumes


def _with_efs(
    policy: dict[str, Any] | None, file_system_arn: str | None, access_point_arn: str | None, read_only: bool
) -> dict[str, Any]:
    statements = list(policy["Statement"]) if policy else []
    if file_system_arn and access_point_arn:
        statements.append(efs_task_statement(file_system_arn, access_point_arn, read_only))
    return {"Version": "2012-10-17", "Statement": statements}


def _strategy_args(strategy: Sequence[Mapping[str, Any]]) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs]:
    return [aws.ecs.ServiceCapacityProviderStrategyArgs(**s) for s in strategy]


def _container_definitions(args: EcsServiceArgs) -> pulumi.Output[str]:
    """The task's container definitions (JSON) once the image URI is known."""
    svc = args.service
    health = None
    if svc.health_check is not None:
        check = svc.health_check
        health = {
            "command": list(check.command),
            "interval": check.interval,
            "timeout": check.timeout,
            "retries": check.retries,
            "startPeriod": check.start_period,
        }
    return pulumi.Output.from_input(args.image).apply(
        lambda image: json.dumps(
            container_definitions(
                name=svc.name,
                image=image,
                region=args.region,
                log_group=f"/ecs/{args.cluster_name}/{svc.name}",
                port=svc.port,
                environment=svc.environment,
                secrets=svc.secrets,
                read_only_root_filesystem=svc.read_only_root_filesystem,
                user=container_user(svc),
                health_check=health,
                mount_points=[
                    {"sourceVolume": EFS_VOLUME, "containerPath": v.efs, "readOnly": v.read_only} for v in svc.volumes
                ],
            )
        )
    )


@dataclass(frozen=True)
class EcsServiceArgs:
    """Inputs of one ECS service (built by EcsPlatform)."""

    service: ServiceSettings
    """The service's settings."""
    image: pulumi.Input[str]
    """Resolved image URI (shared registry URL or a full URI)."""
    region: str
    """Region of the cluster."""
    account_id: pulumi.Input[str]
    """This AWS account, for the task role's trust."""
    cluster_name: str
    """Name of the cluster; the task family is ``<cluster>-<service>``."""
    cluster_arn: pulumi.Input[str]
    """ARN of the cluster."""
    vpc_id: pulumi.Input[str]
    """VPC of the service's security group."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets the tasks run in (no public IPs)."""
    execution_role_arn: pulumi.Input[str]
    """The shared task execution role."""
    launch_type: LaunchType
    """FARGATE or EC2; decides compatibilities and platform version."""
    capacity_strategy: Sequence[Mapping[str, Any]]
    """Capacity provider strategy of the service (the cluster default, stated explicitly)."""
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    """CPU architecture of the task."""
    log_retention_days: int = 30
    """Retention of the service's log group; default 30 days."""
    exec_log_group_arn: pulumi.Input[str] | None = None
    """The cluster's ECS Exec log group; used only when the service enables execute command."""
    exec_key_arn: pulumi.Input[str] | None = None
    """The cluster's ECS Exec session key; the task role may decrypt with it only when the service enables
    execute command. Default none (no kms:Decrypt in the task role)."""
    log_kms_key_arn: pulumi.Input[str] | None = None
    """KMS key that encrypts the service's log group; default: the CloudWatch Logs service key."""
    capacity_association: pulumi.Resource | None = None
    """The cluster's capacity provider association: the service is created after it and destroyed before it."""
    public_subnet_ids: pulumi.Input[Sequence[str]] = ()
    """Public subnets, for an internet-facing load balancer."""
    vpc_cidr: str = ""
    """VPC CIDR: an internal load balancer admits clients from it."""
    deletion_protection: bool = False
    """Protect the service's load balancer from deletion (prod)."""
    access_logs_bucket: pulumi.Input[str] | None = None
    """The platform's access log bucket; the service's ``loadBalancer.accessLogsBucket`` wins over it.
    Default none: no access logs unless the service names a bucket."""
    access_logs_ready: Sequence[pulumi.Resource] = ()
    """The access log bucket's policy: the load balancer enables logging after it."""
    efs: EfsMount | None = None
    """The service's directory on the shared file system, when it mounts one."""
    start_dependencies: Sequence[pulumi.Resource] = ()
    """What tasks need before they start besides the service's own resources (execution role
    policies, the container instances' NFS rule); the service is created after them."""
    image_present: pulumi.Input[bool] = True
    """Whether the image can be pulled now. False creates the service with no tasks and its
    scaling suspended (``components/ecs_images.py``); the next ``up`` after the push starts it."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class EcsService(pulumi.ComponentResource):
    """One service: log group, task role, task definition, security group and the ECS service."""

    service: aws.ecs.Service
    """The ECS service."""
    task_definition: aws.ecs.TaskDefinition
    """Its task definition."""
    task_role: aws.iam.Role
    """The service's own task role (never shared, never the execution role)."""
    security_group: aws.ec2.SecurityGroup | None
    """The tasks' security group (none for EXTERNAL services, which use the server's network)."""
    log_group: aws.cloudwatch.LogGroup
    """``/ecs/<cluster>/<service>``."""
    load_balancer: ServiceLoadBalancer | None
    """The service's load balancer, when it has one."""

    def __init__(self, name: str, args: EcsServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:EcsService", name, None, opts)
        tags = component_tags("ecs", {**args.tags, "service": args.service.name})

        self.log_group = self._log_group(name, args, tags)
        self.task_role = self._task_role(name, args, tags)
        # What the first tasks need when they start (review m4): without it they can fail, and the
        # deployment circuit breaker gives up after 3 failures.
        ready: list[pulumi.Resource] = list(args.start_dependencies)
        if args.efs is not None:
            ready += args.efs.mount_targets
        task_policy = self._task_policy(name, args)
        if task_policy is not None:
            ready.append(task_policy)
        self.task_definition = self._task_definition(name, args, tags)
        self.security_group = self._security_group(name, args, tags)
        nfs = self._nfs_rule(name, args)
        if nfs is not None:
            ready.append(nfs)
        self.load_balancer = self._load_balancer(name, args)
        self.service = self._service(name, args, tags, ready)
        self._autoscaling(name, args)
        self.register_outputs({"service_arn": self.service.arn, "task_definition_arn": self.task_definition.arn})

    def _log_group(self, name: str, args: EcsServiceArgs, tags: Mapping[str, str]) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/ecs/{args.cluster_name}/{args.service.name}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.log_kms_key_arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _task_role(self, name: str, args: EcsServiceArgs, tags: Mapping[str, str]) -> aws.iam.Role:
        return aws.iam.Role(
            f"{name}-task-role",
            description=f"Task role of the {args.service.name} service",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(ecs_tasks_trust_policy(account, args.region))
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _task_policy(self, name: str, args: EcsServiceArgs) -> aws.iam.RolePolicy | None:
        """The task role's inline policy: the service's statements, ECS Exec logging and its EFS access point."""
        svc = args.service
        statements = [(s.actions, s.resources) for s in svc.task_policy]
        if not (statements or svc.enable_execute_command or args.efs is not None):
            return None
        exec_arn = args.exec_log_group_arn if svc.enable_execute_command else None
        exec_key = args.exec_key_arn if svc.enable_execute_command else None
        efs = args.efs
        read_only = all(v.read_only for v in svc.volumes)
        return aws.iam.RolePolicy(
            f"{name}-task-policy",
            role=self.task_role.name,
            policy=pulumi.Output.all(
                exec_arn,
                efs.file_system_arn if efs else None,
                efs.access_point_arn if efs else None,
                exec_key,
            ).apply(
                lambda values: json.dumps(
                    _with_efs(task_role_policy(statements, values[0], values[3]), values[1], values[2], read_only)
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _task_definition(self, name: str, args: EcsServiceArgs, tags: Mapping[str, str]) -> aws.ecs.TaskDefinition:
        svc = args.service
        external = svc.launch_type == "EXTERNAL"
        return aws.ecs.TaskDefinition(
            f"{name}-task",
            family=f"{args.cluster_name}-{svc.name}",
            # ECS Anywhere has no awsvpc: bridge (default) or host networking.
            network_mode=(svc.network_mode or "bridge") if external else "awsvpc",
            requires_compatibilities=["EXTERNAL" if external else args.launch_type],
            cpu=str(svc.cpu),
            memory=str(svc.memory),
            execution_role_arn=args.execution_role_arn,
            task_role_arn=self.task_role.arn,
            runtime_platform=None
            if external
            else aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX",
                cpu_architecture="ARM64" if args.architecture == "arm64" else "X86_64",
            ),
            container_definitions=_container_definitions(args),
            volumes=_volumes(svc, args.efs),
            tags={
                **tags,
                **guardrail_exception("ecs-readonly-root-filesystem", svc.writable_root_filesystem_reason),
                **guardrail_exception("ecs-no-host-namespaces", svc.host_network_reason),
                **guardrail_exception("ecs-non-root-user", svc.run_as_root_reason),
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group]),
        )

    def _security_group(self, name: str, args: EcsServiceArgs, tags: Mapping[str, str]) -> aws.ec2.SecurityGroup | None:
        # ECS Anywhere tasks use the server's network: no ENI, so no security group.
        if args.service.launch_type == "EXTERNAL":
            return None
        return aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"Tasks of the {args.service.name} service",
            vpc_id=args.vpc_id,
            # Narrow egress (issue 17, item 5): what every task needs, plus what the service declares.
            egress=task_egress(
                args.vpc_cidr,
                args.efs.security_group_id if args.efs is not None else None,
                args.service.egress,
            ),
            tags={**tags, "Name": f"{name}-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _nfs_rule(self, name: str, args: EcsServiceArgs) -> aws.vpc.SecurityGroupIngressRule | None:
        """NFS from the tasks to the shared file system, when the service mounts it."""
        if args.efs is None:
            return None
        assert self.security_group is not None  # the settings layer keeps EFS off EXTERNAL services
        return aws.vpc.SecurityGroupIngressRule(
            f"{name}-nfs",
            security_group_id=args.efs.security_group_id,
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=2049,
            to_port=2049,
            description=f"NFS from the {args.service.name} service",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _load_balancer(self, name: str, args: EcsServiceArgs) -> ServiceLoadBalancer | None:
        svc = args.service
        lb = svc.load_balancer
        if lb is None:
            return None
        assert svc.port is not None  # the settings layer requires a port with a load balancer
        assert self.security_group is not None  # and keeps load balancers off EXTERNAL services
        return ServiceLoadBalancer(
            f"{name}-lb",
            ServiceLoadBalancerArgs(
                kind=lb.type,
                vpc_id=args.vpc_id,
                vpc_cidr=args.vpc_cidr,
                subnet_ids=args.public_subnet_ids if lb.public else args.subnet_ids,
                port=svc.port,
                service_security_group_id=self.security_group.id,
                public=lb.public,
                health_check_path=lb.health_check_path or "/",
                certificate_arn=lb.certificate_arn,
                private_link=lb.private_link,
                private_link_principals=lb.private_link_principals,
                access_logs_bucket=lb.access_logs_bucket or args.access_logs_bucket,
                access_logs_ready=() if lb.access_logs_bucket else args.access_logs_ready,
                deletion_protection=args.deletion_protection,
                plain_http_reason=lb.plain_http_reason,
                tags={**args.tags, "service": svc.name},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _service(
        self, name: str, args: EcsServiceArgs, tags: Mapping[str, str], ready: Sequence[pulumi.Resource]
    ) -> aws.ecs.Service:
        svc = args.service
        fargate = args.launch_type == "FARGATE" and svc.launch_type is None
        external = svc.launch_type == "EXTERNAL"
        depends: list[pulumi.Resource] = [args.capacity_association] if args.capacity_association else []
        depends += ready
        if self.load_balancer is not None:
            # The target group must be attached to a listener before ECS registers tasks in it.
            depends += self.load_balancer.listeners
        return aws.ecs.Service(
            f"{name}-service",
            name=svc.name,
            cluster=args.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=pulumi.Output.from_input(args.image_present).apply(
                lambda present: svc.desired_count if present else 0
            ),
            capacity_provider_strategies=None if external else _strategy_args(args.capacity_strategy),
            launch_type="EXTERNAL" if external else None,
            # Lets a strategy change (e.g. switching launch type) update the service in place
            # with a new deployment instead of replacing it (the provider's documented rule).
            force_new_deployment=True,
            platform_version="LATEST" if fargate else None,
            network_configuration=None
            if external
            else aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids,
                security_groups=[self.security_group.id] if self.security_group else [],
                assign_public_ip=False,
            ),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            # Keep full capacity during a deploy; allow double while new tasks start.
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            enable_execute_command=svc.enable_execute_command,
            load_balancers=self._service_load_balancers(svc),
            health_check_grace_period_seconds=60 if self.load_balancer is not None else None,
            wait_for_steady_state=False,
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=depends,
                # Once auto scaling owns the count, a deploy must not reset it to desiredCount.
                ignore_changes=["desiredCount"] if svc.autoscaling is not None else None,
            ),
        )

    def _service_load_balancers(self, svc: ServiceSettings) -> list[aws.ecs.ServiceLoadBalancerArgs] | None:
        if self.load_balancer is None or svc.port is None:
            return None
        return [
            aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=self.load_balancer.target_group.arn,
                container_name=svc.name,
                container_port=svc.port,
            )
        ]

    def _autoscaling(self, name: str, args: EcsServiceArgs) -> ServiceAutoscaling | None:
        svc = args.service
        if svc.autoscaling is None:
            return None
        return ServiceAutoscaling(
            f"{name}-scaling",
            ServiceAutoscalingArgs(
                cluster_name=args.cluster_name,
                service_name=svc.name,
                settings=svc.autoscaling,
                service=self.service,
                request_count_label=(
                    self.load_balancer.request_count_label
                    if self.load_balancer is not None and svc.autoscaling.requests_per_target is not None
                    else None
                ),
                running=args.image_present,
                tags={**args.tags, "service": svc.name},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def task_role_policy(
    statements: Sequence[tuple[Sequence[str], Sequence[str]]],
    exec_log_group_arn: str | None,
    exec_key_arn: str | None = None,
) -> dict[str, Any] | None:
    """A service's own task role policy: its configured statements, plus ECS Exec when enabled.

    ``statements`` are (actions, resources) pairs from config; ``exec_log_group_arn`` is
    set when the service allows ECS Exec, whose sessions are logged to that group, and
    ``exec_key_arn`` then names the cluster's session key: the SSM agent in the task decrypts
    the session's data key with it (ECS developer guide, "Monitor Amazon ECS containers with
    ECS Exec", IAM permissions: ``kms:Decrypt`` in the task role for the cluster's ``kmsKeyId``).
    """
    doc: list[dict[str, Any]] = [
        {"Sid": f"Config{i}", "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
        for i, (actions, resources) in enumerate(statements)
    ]
    if exec_log_group_arn is not None:
        doc += [
            {"Sid": "EcsExecChannels", "Effect": "Allow", "Action": list(ECS_EXEC_ACTIONS), "Resource": "*"},
            {"Sid": "EcsExecLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
            {
                "Sid": "EcsExecLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{exec_log_group_arn}:*",
            },
        ]
        if exec_key_arn is not None:
            doc.append(
                {"Sid": "EcsExecSessionKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": exec_key_arn}
            )
    return policy_document(doc) if doc else None


SCRATCH_VOLUME = "scratch"
"""Task volume mounted at /tmp when the root filesystem is read-only."""


def container_definitions(
    *,
    name: str,
    image: str,
    region: str,
    log_group: str,
    port: int | None,
    environment: Mapping[str, str],
    secrets: Mapping[str, str],
    read_only_root_filesystem: bool,
    health_check: Mapping[str, Any] | None,
    mount_points: Sequence[Mapping[str, Any]] = (),
    user: str | None = None,
) -> list[dict[str, Any]]:
    """The container definitions of a one-container task, in RegisterTaskDefinition's shape.

    ``user`` is the numeric ``UID:GID`` the container runs as; None leaves the image's user (root
    unless the image says otherwise), which the guardrail ecs-non-root-user refuses.
    """
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "essential": True,
        "privileged": False,
        "readonlyRootFilesystem": read_only_root_filesystem,
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": name},
        },
        # An init process reaps zombies and lets ECS Exec sessions start cleanly.
        "linuxParameters": {"initProcessEnabled": True},
        "mountPoints": [dict(m) for m in mount_points],
    }
    if read_only_root_filesystem:
        container["mountPoints"].append({"sourceVolume": SCRATCH_VOLUME, "containerPath": "/tmp", "readOnly": False})
    if user is not None:
        container["user"] = user
    if port is not None:
        container["portMappings"] = [{"containerPort": port, "protocol": "tcp", "name": f"{name}-{port}"}]
    if health_check is not None:
        container["healthCheck"] = dict(health_check)
    return [container]


def efs_task_statement(file_system_arn: str, access_point_arn: str, read_only: bool) -> dict[str, Any]:
    """Task role statement: mount the file system only through the service's own access point."""
    actions = (
        ["elasticfilesystem:ClientMount"]
        if read_only
        else ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    )
    return {
        "Sid": "MountOwnAccessPoint",
        "Effect": "Allow",
        "Action": actions,
        "Resource": file_system_arn,
        "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn}},
    }


ECS_EXEC_ACTIONS: tuple[str, ...] = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
"""What the SSM agent in a task needs for ECS Exec; these actions take no resource ARN."""


def container_user(svc: ServiceSettings) -> str:
    """The ``UID:GID`` a service's container runs as: its ``user``, else its stable non-root id.

    The default is the id its EFS access point enforces (``posix_id``), so files the process writes on
    the shared file system and its own uid agree; it is never 0 (10000-59999).
    """
    if svc.user is not None:
        return svc.user
    uid = posix_id(svc.name)
    return f"{uid}:{uid}"


ANYWHERE_IPV4 = "0.0.0.0/0"


def vpc_resolver(vpc_cidr: str) -> str:
    """The Amazon-provided DNS server of a VPC as a /32.

    It is the base of the VPC's primary CIDR plus two (Amazon VPC user guide, "Amazon DNS server").
    """
    network = ipaddress.IPv4Network(vpc_cidr)
    return f"{network.network_address + 2}/32"


def task_egress(
    vpc_cidr: str, efs_security_group_id: pulumi.Input[str] | None, extra: Sequence[EgressSettings] = ()
) -> list[aws.ec2.SecurityGroupEgressArgs]:
    """Outbound rules of a service's tasks; nothing else leaves the task's ENI.

    HTTPS anywhere, DNS to the VPC resolver, NFS to the file system, and the service's own ``egress`` entries:

    - 443 to 0.0.0.0/0: ECR (API and image layers on S3), Secrets Manager, CloudWatch Logs and the other AWS
      APIs, through the VPC endpoints or NAT; Fargate pulls images and secrets through the task's ENI.
    - 53 (UDP and TCP) to the resolver: security groups do not filter traffic to the Amazon DNS server
      (Amazon VPC user guide, "Security group rules"), so the rule changes nothing in AWS; it states the
      intent, so that a reader of the group (or a scanner) sees DNS is expected.
    - 2049 to the EFS security group, only when the service mounts the shared file system.
    """
    rules = [
        aws.ec2.SecurityGroupEgressArgs(
            description="HTTPS to AWS APIs, ECR and S3 (endpoints or NAT)",
            protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_blocks=[ANYWHERE_IPV4],
        )
    ]
    if vpc_cidr:
        rules += [
            aws.ec2.SecurityGroupEgressArgs(
                description=f"DNS ({protocol.upper()}) to the VPC resolver",
                protocol=protocol,
                from_port=53,
                to_port=53,
                cidr_blocks=[vpc_resolver(vpc_cidr)],
            )
            for protocol in ("udp", "tcp")
        ]
    if efs_security_group_id is not None:
        rules.append(
            aws.ec2.SecurityGroupEgressArgs(
                description="NFS to the shared EFS file system",
                protocol="tcp",
                from_port=2049,
                to_port=2049,
                security_groups=[efs_security_group_id],
            )
        )
    return rules + [_declared_egress(entry) for entry in extra]


def _declared_egress(entry: EgressSettings) -> aws.ec2.SecurityGroupEgressArgs:
    """One ``egress`` entry of the config as an inline rule (IPv4, IPv6 and prefix lists in one)."""
    v4 = [c for c in entry.cidrs if ipaddress.ip_network(c).version == 4]
    v6 = [c for c in entry.cidrs if ipaddress.ip_network(c).version == 6]
    return aws.ec2.SecurityGroupEgressArgs(
        description=entry.description,
        protocol=entry.protocol,
        from_port=entry.port,
        to_port=entry.to_port if entry.to_port is not None else entry.port,
        cidr_blocks=v4 or None,
        ipv6_cidr_blocks=v6 or None,
        prefix_list_ids=list(entry.prefix_list_ids) or None,
    )
