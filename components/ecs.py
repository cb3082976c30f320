"""EcsPlatform: the ECS cluster, its capacity (Fargate or EC2) and one EcsService per configured service."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.ecs_anywhere import EcsAnywhere, EcsAnywhereArgs
from components.ecs_images import image_present
from components.ecs_policies import (
    INSTANCE_ROLE_MANAGED_POLICIES,
    SCRATCH_VOLUME,
    capacity_strategy,
    container_definitions,
    ec2_trust_policy,
    ecs_agent_user_data,
    ecs_tasks_trust_policy,
    efs_task_statement,
    logs_key_policy,
    task_role_policy,
)
from components.ecs_scaling import ServiceAutoscaling, ServiceAutoscalingArgs
from components.efs import EfsMount, SharedFileSystem, SharedFileSystemArgs
from components.iam import attach_policies
from components.load_balancer import LoadBalancerArgs, ServiceLoadBalancer
from components.tags import component_tags, guardrail_exception
from settings.models import AnywhereSettings, InstanceSettings, ServiceSettings

LaunchType = Literal["FARGATE", "EC2"]

ECS_AMI_PARAMETERS = {
    "x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
}
"""Public SSM parameters of the ECS-optimized Amazon Linux 2023 AMI (AWS: "Retrieving Amazon ECS-optimized Linux AMI metadata")."""


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
        efs = args.efs
        read_only = all(v.read_only for v in svc.volumes)
        return aws.iam.RolePolicy(
            f"{name}-task-policy",
            role=self.task_role.name,
            policy=pulumi.Output.all(
                exec_arn,
                efs.file_system_arn if efs else None,
                efs.access_point_arn if efs else None,
            ).apply(
                lambda values: json.dumps(
                    _with_efs(task_role_policy(statements, values[0]), values[1], values[2], read_only)
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
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="Outbound to AWS APIs, registries and dependencies",
                    protocol="-1",
                    from_port=0,
                    to_port=0,
                    cidr_blocks=["0.0.0.0/0"],
                )
            ],
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
            name,
            LoadBalancerArgs(
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
                access_logs_bucket=lb.access_logs_bucket,
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


@dataclass(frozen=True)
class EcsPlatformArgs:
    """Inputs of the ECS platform in the home region."""

    region: str
    """Home region (the region of the provider in ``opts``)."""
    account_id: pulumi.Input[str]
    """This AWS account."""
    cluster_name: str
    """Cluster name people type (``aws ecs execute-command --cluster ...``)."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster's security groups."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Subnets of instances and tasks; none of them gets a public IP."""
    execution_role_arn: pulumi.Input[str]
    """The shared task execution role (see TaskExecutionRole)."""
    execution_role_policies: Sequence[pulumi.Resource] = ()
    """The execution role's policies: every service is created after them; default none."""
    launch_type: LaunchType = "FARGATE"
    """FARGATE (default) or EC2."""
    services: Sequence[ServiceSettings] = ()
    """Services to run; default none."""
    shared_file_system: bool = False
    """Create the cluster's EFS file system (services mount it with ``volumes``); default none."""
    image_uris: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Service name -> resolved image URI."""
    log_retention_days: int = 30
    """Retention of service and ECS Exec log groups; default 30 days."""
    fargate_spot_weight: int = 0
    """FARGATE: weight of FARGATE_SPOT against FARGATE's 1; default 0 (on-demand only)."""
    fargate_on_demand_base: int = 1
    """FARGATE: tasks per service always on on-demand FARGATE; default 1."""
    instances: InstanceSettings | None = None
    """EC2: the Auto Scaling group's settings (required for EC2)."""
    instance_tags: Mapping[str, str] = field(default_factory=dict)
    """EC2: tags for instances and volumes the ASG launches (provider default tags do not reach them)."""
    public_subnet_ids: pulumi.Input[Sequence[str]] = ()
    """Public subnets, for internet-facing load balancers."""
    vpc_cidr: str = ""
    """VPC CIDR: internal load balancers admit clients from it."""
    az_count: int = 2
    """AZs (= private subnets): the shared file system gets a mount target in each."""
    deletion_protection: bool = False
    """AWS deletion protection on the services' load balancers; default off (on in prod)."""
    protect_data: bool = False
    """Pulumi-protect the shared file system, so no update or destroy deletes it; default off (on in prod)."""
    anywhere: AnywhereSettings | None = None
    """ECS Anywhere registration for on-premises servers; default off."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


@dataclass(frozen=True)
class Ec2Capacity:
    """What the EC2 launch type adds to the cluster: container instances and their capacity provider."""

    launch_template: aws.ec2.LaunchTemplate
    """The container instances' launch template."""
    auto_scaling_group: aws.autoscaling.Group
    """The container instances' Auto Scaling group."""
    instance_security_group: aws.ec2.SecurityGroup
    """The container instances' security group."""
    capacity_provider: aws.ecs.CapacityProvider
    """The ASG capacity provider."""


def _ec2_provider_name(args: EcsPlatformArgs) -> str:
    return f"{args.cluster_name}-ec2"


def _default_strategy(args: EcsPlatformArgs) -> list[dict[str, Any]]:
    """The cluster's default capacity provider strategy, which every service states explicitly."""
    if args.launch_type == "EC2":
        return capacity_strategy("EC2", ec2_capacity_provider=_ec2_provider_name(args))
    return capacity_strategy(
        "FARGATE", spot_weight=args.fargate_spot_weight, on_demand_base=args.fargate_on_demand_base
    )


def _mixed_instances_policy(
    inst: InstanceSettings, launch_template: aws.ec2.LaunchTemplate
) -> aws.autoscaling.GroupMixedInstancesPolicyArgs:
    """On-demand or spot (price-capacity-optimized) over the configured instance types."""
    return aws.autoscaling.GroupMixedInstancesPolicyArgs(
        instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
            on_demand_base_capacity=0,
            on_demand_percentage_above_base_capacity=0 if inst.spot else 100,
            spot_allocation_strategy="price-capacity-optimized",
        ),
        launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
            launch_template_specification=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                launch_template_id=launch_template.id,
                # A concrete version, not $Latest: only a version change starts the
                # instance refresh that rolls a new AMI or user data onto running instances.
                version=launch_template.latest_version.apply(str),
            ),
            overrides=[
                aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs(instance_type=t)
                for t in inst.instance_types
            ],
        ),
    )


class EcsPlatform(pulumi.ComponentResource):
    """The ECS cluster with Container Insights and ECS Exec logging, its capacity, and its services."""

    cluster: aws.ecs.Cluster
    """The cluster."""
    services: dict[str, EcsService]
    """Service name -> its component."""
    capacity_provider: aws.ecs.CapacityProvider | None
    """EC2: the ASG capacity provider."""
    auto_scaling_group: aws.autoscaling.Group | None
    """EC2: the container instances' Auto Scaling group."""
    launch_template: aws.ec2.LaunchTemplate | None
    """EC2: the container instances' launch template."""
    file_system: SharedFileSystem | None
    """The shared EFS file system, when a service mounts one."""
    anywhere: EcsAnywhere | None
    """The ECS Anywhere activation, when configured."""
    instance_security_group: aws.ec2.SecurityGroup | None
    """EC2: the container instances' security group."""
    logs_key: aws.kms.Key
    """Rotating KMS key for the cluster's log groups (service logs and ECS Exec sessions)."""

    def __init__(self, name: str, args: EcsPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:EcsPlatform", name, None, opts)
        if args.launch_type == "EC2" and args.instances is None:
            raise ValueError("launch_type EC2 needs instances")
        tags = component_tags("ecs", args.tags)

        self.logs_key = self._logs_key(name, args, tags)
        exec_logs = self._exec_logs(name, args, tags)
        self.cluster = self._cluster(name, args, exec_logs, tags)
        self.anywhere = self._anywhere(name, args)
        self.file_system = self._file_system(name, args)

        start: list[pulumi.Resource] = list(args.execution_role_policies)
        capacity = None
        if args.launch_type == "EC2":
            assert args.instances is not None
            capacity = self._ec2_capacity(name, _ec2_provider_name(args), args, args.instances, tags)
            instances_nfs = self._instances_nfs(name, capacity.instance_security_group)
            if instances_nfs is not None:
                start.append(instances_nfs)
        self.capacity_provider = capacity.capacity_provider if capacity else None
        self.auto_scaling_group = capacity.auto_scaling_group if capacity else None
        self.launch_template = capacity.launch_template if capacity else None
        self.instance_security_group = capacity.instance_security_group if capacity else None

        strategy = _default_strategy(args)
        association = self._capacity_association(name, self.capacity_provider, strategy)
        self.services = self._services(name, args, strategy, exec_logs, association, start)
        self.register_outputs({"cluster_arn": self.cluster.arn, "cluster_name": self.cluster.name})

    def _logs_key(self, name: str, args: EcsPlatformArgs, tags: Mapping[str, str]) -> aws.kms.Key:
        return aws.kms.Key(
            f"{name}-logs-key",
            description=f"Encrypts the CloudWatch log groups of ECS cluster {args.cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(logs_key_policy(account, args.region))
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _exec_logs(self, name: str, args: EcsPlatformArgs, tags: Mapping[str, str]) -> aws.cloudwatch.LogGroup:
        """The log group of ECS Exec sessions."""
        return aws.cloudwatch.LogGroup(
            f"{name}-exec-logs",
            name=f"/ecs/{args.cluster_name}/exec",
            retention_in_days=args.log_retention_days,
            kms_key_id=self.logs_key.arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _cluster(
        self, name: str, args: EcsPlatformArgs, exec_logs: aws.cloudwatch.LogGroup, tags: Mapping[str, str]
    ) -> aws.ecs.Cluster:
        return aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            configuration=aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_log_group_name=exec_logs.name,
                    ),
                )
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _anywhere(self, name: str, args: EcsPlatformArgs) -> EcsAnywhere | None:
        if args.anywhere is None:
            return None
        return EcsAnywhere(
            f"{name}-anywhere",
            EcsAnywhereArgs(
                region=args.region,
                cluster_name=args.cluster_name,
                registration_limit=args.anywhere.registration_limit,
                expiration_date=args.anywhere.expiration_date,
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
        )

    def _file_system(self, name: str, args: EcsPlatformArgs) -> SharedFileSystem | None:
        # Its own config key, not "some service mounts it": removing or renaming the last service
        # that mounts it must never delete the data (review M9).
        if not args.shared_file_system:
            return None
        return SharedFileSystem(
            f"{name}-efs",
            SharedFileSystemArgs(
                vpc_id=args.vpc_id,
                subnet_ids=args.private_subnet_ids,
                subnet_count=args.az_count,
                services=[svc.name for svc in args.services if svc.volumes],
                protect_data=args.protect_data,
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _instances_nfs(
        self, name: str, instance_security_group: aws.ec2.SecurityGroup
    ) -> aws.vpc.SecurityGroupIngressRule | None:
        """On EC2 the instance mounts EFS for its tasks, so it needs NFS too."""
        if self.file_system is None:
            return None
        return aws.vpc.SecurityGroupIngressRule(
            f"{name}-instances-nfs",
            security_group_id=self.file_system.security_group.id,
            referenced_security_group_id=instance_security_group.id,
            ip_protocol="tcp",
            from_port=2049,
            to_port=2049,
            description="NFS from the ECS container instances",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _capacity_association(
        self, name: str, capacity_provider: aws.ecs.CapacityProvider | None, strategy: Sequence[Mapping[str, Any]]
    ) -> aws.ecs.ClusterCapacityProviders:
        capacity_providers: list[pulumi.Input[str]] = (
            [capacity_provider.name] if capacity_provider is not None else ["FARGATE", "FARGATE_SPOT"]
        )
        # Destroy order: services, then this association, then the capacity provider, then the
        # ASG (each depends on the next), so ECS never waits on a provider that is still in use.
        return aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity-providers",
            cluster_name=self.cluster.name,
            capacity_providers=capacity_providers,
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(**s) for s in strategy
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _services(
        self,
        name: str,
        args: EcsPlatformArgs,
        strategy: Sequence[Mapping[str, Any]],
        exec_logs: aws.cloudwatch.LogGroup,
        association: aws.ecs.ClusterCapacityProviders,
        start: Sequence[pulumi.Resource],
    ) -> dict[str, EcsService]:
        architecture = args.instances.architecture if args.launch_type == "EC2" and args.instances else "x86_64"
        services = {}
        for svc in args.services:
            services[svc.name] = EcsService(
                f"{name}-{svc.name}",
                EcsServiceArgs(
                    service=svc,
                    image=args.image_uris[svc.name],
                    image_present=self._image_present(svc, args.image_uris[svc.name]),
                    region=args.region,
                    account_id=args.account_id,
                    cluster_name=args.cluster_name,
                    cluster_arn=self.cluster.arn,
                    vpc_id=args.vpc_id,
                    subnet_ids=args.private_subnet_ids,
                    execution_role_arn=args.execution_role_arn,
                    launch_type=args.launch_type,
                    capacity_strategy=strategy,
                    architecture=architecture,
                    log_retention_days=args.log_retention_days,
                    exec_log_group_arn=exec_logs.arn,
                    log_kms_key_arn=self.logs_key.arn,
                    capacity_association=association,
                    public_subnet_ids=args.public_subnet_ids,
                    vpc_cidr=args.vpc_cidr,
                    deletion_protection=args.deletion_protection,
                    efs=self.file_system.mounts.get(svc.name) if self.file_system else None,
                    start_dependencies=start,
                    tags=args.tags,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        return services

    def _image_present(self, svc: ServiceSettings, uri: pulumi.Input[str]) -> pulumi.Output[bool]:
        """Look the service's image up; warn with the push to run when it is missing."""
        present = image_present(svc.image, parent=self)

        def warn(args: list[Any]) -> bool:
            found, resolved = bool(args[0]), str(args[1])
            if not found:
                pulumi.log.warn(
                    f"ecs.services: image {svc.image} of service {svc.name} is not in the registry yet, so the "
                    f"service starts with no tasks. Push it (docker push {resolved}) and run pulumi up again.",
                    resource=self,
                )
            return found

        return pulumi.Output.all(present, uri).apply(warn)

    def _ec2_capacity(
        self, name: str, provider_name: str, args: EcsPlatformArgs, inst: InstanceSettings, tags: Mapping[str, str]
    ) -> Ec2Capacity:
        profile = self._instance_profile(name, tags)
        security_group = self._instance_security_group(name, args, tags)
        launch_template = self._launch_template(name, args, inst, profile, security_group, tags)
        auto_scaling_group = self._auto_scaling_group(name, args, inst, launch_template, tags)
        self._asg_cpu_policy(name, inst, auto_scaling_group)
        return Ec2Capacity(
            launch_template=launch_template,
            auto_scaling_group=auto_scaling_group,
            instance_security_group=security_group,
            capacity_provider=self._capacity_provider(name, provider_name, inst, auto_scaling_group, tags),
        )

    def _instance_profile(self, name: str, tags: Mapping[str, str]) -> aws.iam.InstanceProfile:
        """The container instances' role (ECS agent and Session Manager) and its instance profile."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-instance-role",
            description="ECS container instances: the ECS agent and Session Manager",
            assume_role_policy=json.dumps(ec2_trust_policy()),
            tags=dict(tags),
            opts=child,
        )
        attach_policies(f"{name}-instance-role", role, INSTANCE_ROLE_MANAGED_POLICIES, parent=self)
        return aws.iam.InstanceProfile(f"{name}-instance-profile", role=role.name, tags=dict(tags), opts=child)

    def _instance_security_group(
        self, name: str, args: EcsPlatformArgs, tags: Mapping[str, str]
    ) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{name}-instances-sg",
            description="ECS container instances: no inbound; tasks have their own security groups",
            vpc_id=args.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="HTTPS to the ECS, ECR, S3 and CloudWatch endpoints",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=["0.0.0.0/0"],
                ),
                *(
                    [
                        aws.ec2.SecurityGroupEgressArgs(
                            description="NFS to the shared EFS file system",
                            protocol="tcp",
                            from_port=2049,
                            to_port=2049,
                            cidr_blocks=[args.vpc_cidr],
                        )
                    ]
                    if any(svc.volumes for svc in args.services)
                    else []
                ),
            ],
            tags={**tags, "Name": f"{name}-instances-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _launch_template(
        self,
        name: str,
        args: EcsPlatformArgs,
        inst: InstanceSettings,
        profile: aws.iam.InstanceProfile,
        security_group: aws.ec2.SecurityGroup,
        tags: Mapping[str, str],
    ) -> aws.ec2.LaunchTemplate:
        ami = aws.ssm.get_parameter_output(
            name=ECS_AMI_PARAMETERS[inst.architecture], opts=pulumi.InvokeOutputOptions(parent=self)
        )
        launched_tags = {**args.instance_tags, **tags, "Name": f"{args.cluster_name}-ecs"}
        return aws.ec2.LaunchTemplate(
            f"{name}-launch-template",
            description=f"ECS container instances of {args.cluster_name}",
            image_id=ami.value,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=inst.root_volume_size_gib,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    associate_public_ip_address="false",
                    security_groups=[security_group.id],
                    delete_on_termination="true",
                )
            ],
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            user_data=base64.b64encode(ecs_agent_user_data(args.cluster_name, inst.spot).encode()).decode(),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=launched_tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            update_default_version=True,
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _auto_scaling_group(
        self,
        name: str,
        args: EcsPlatformArgs,
        inst: InstanceSettings,
        launch_template: aws.ec2.LaunchTemplate,
        tags: Mapping[str, str],
    ) -> aws.autoscaling.Group:
        managed = inst.scaling == "managed"
        return aws.autoscaling.Group(
            f"{name}-asg",
            vpc_zone_identifiers=args.private_subnet_ids,
            # Managed scaling: start empty and let the capacity provider raise it. Instances launched
            # before the group is a capacity provider "might not be properly registered with the
            # capacity provider ... set the desired count to zero" (ECS developer guide, "Amazon ECS
            # capacity providers for EC2 workloads").
            min_size=0 if managed else inst.min_size,
            max_size=inst.max_size,
            desired_capacity=0 if managed else (inst.desired_size if inst.desired_size is not None else inst.min_size),
            mixed_instances_policy=_mixed_instances_policy(inst, launch_template),
            capacity_rebalance=inst.spot,
            # Managed termination protection needs instances protected from scale-in; ECS
            # removes the protection once an instance has no tasks. CPU scaling must scale in itself.
            protect_from_scale_in=managed,
            # With scale-in protection a plain delete would wait forever on destroy.
            force_delete=True,
            health_check_type="EC2",
            instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                strategy="Rolling",
                preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                    min_healthy_percentage=90,
                    # ECS protects every instance that runs tasks; refresh them too (after draining).
                    scale_in_protected_instances="Refresh",
                ),
            ),
            tags=[
                # ECS adds this tag for managed scaling; declaring it avoids a diff on every run.
                aws.autoscaling.GroupTagArgs(key="AmazonECSManaged", value="true", propagate_at_launch=True),
                *[
                    aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=False)
                    for k, v in sorted({**args.instance_tags, **tags}.items())
                ],
            ],
            # The scaling authority (managed scaling or the CPU policy) owns the desired capacity.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"]),
        )

    def _asg_cpu_policy(
        self, name: str, inst: InstanceSettings, auto_scaling_group: aws.autoscaling.Group
    ) -> aws.autoscaling.Policy | None:
        if inst.scaling == "managed":
            # One scaling authority: with managed scaling on, "Amazon ECS manages the scale-in and
            # scale-out actions of the Auto Scaling group" (ECS API, ManagedScaling), so a second
            # policy would fight it. This one exists only in instances.scaling: cpu.
            return None
        return aws.autoscaling.Policy(
            f"{name}-asg-cpu",
            autoscaling_group_name=auto_scaling_group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                predefined_metric_specification=aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ASGAverageCPUUtilization"
                ),
                target_value=inst.cpu_target,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _capacity_provider(
        self,
        name: str,
        provider_name: str,
        inst: InstanceSettings,
        auto_scaling_group: aws.autoscaling.Group,
        tags: Mapping[str, str],
    ) -> aws.ecs.CapacityProvider:
        managed = inst.scaling == "managed"
        return aws.ecs.CapacityProvider(
            f"{name}-capacity",
            name=provider_name,
            auto_scaling_group_provider=aws.ecs.CapacityProviderAutoScalingGroupProviderArgs(
                auto_scaling_group_arn=auto_scaling_group.arn,
                # Termination protection needs managed scaling (ECS API, AutoScalingGroupProvider).
                managed_termination_protection="ENABLED" if managed else "DISABLED",
                managed_draining="ENABLED",
                managed_scaling=aws.ecs.CapacityProviderAutoScalingGroupProviderManagedScalingArgs(
                    status="ENABLED" if managed else "DISABLED",
                    target_capacity=inst.target_capacity if managed else None,
                    minimum_scaling_step_size=1 if managed else None,
                    maximum_scaling_step_size=10 if managed else None,
                    instance_warmup_period=300 if managed else None,
                ),
            ),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
