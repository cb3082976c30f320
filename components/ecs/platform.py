"""EcsPlatform: one region's ECS cluster, its capacity (Fargate or EC2), file system and services."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.ecs.access_logs import AccessLogsBucket, AccessLogsBucketArgs
from components.ecs.anywhere import EcsAnywhere, EcsAnywhereArgs
from components.ecs.execute_command import exec_session_key_policy, execute_command_configuration
from components.ecs.images import image_present
from components.ecs.service import EcsService, EcsServiceArgs, LaunchType, task_egress
from components.efs import SharedFileSystem, SharedFileSystemArgs
from components.iam import attach_policies, ec2_trust_policy
from components.kms import customer_managed_key, logs_key_policy
from components.tags import component_tags
from settings.models import AnywhereSettings, InstanceSettings, ServiceSettings

ECS_AMI_PARAMETERS = {
    "x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
}
"""Public SSM parameters of the ECS-optimized Amazon Linux 2023 AMI (AWS: "Retrieving Amazon ECS-optimized Linux AMI metadata")."""


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
    zone_ids: Sequence[str] = ()
    """Zone ids of the private subnets, in their order (``Network.zones``): the shared file system gets a
    mount target in each, named after it."""
    deletion_protection: bool = False
    """AWS deletion protection on the services' load balancers; default off (on in prod)."""
    protect_data: bool = False
    """Pulumi-protect the shared file system, so no update or destroy deletes it; default off (on in prod)."""
    anywhere: AnywhereSettings | None = None
    """ECS Anywhere registration for on-premises servers; default off."""
    access_logs: bool = False
    """Create an access log bucket and write every service load balancer's access logs to it; default off."""
    access_logs_retention_days: int = 90
    """Days the access log bucket keeps a log object; default 90."""
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
    exec_key: aws.kms.Key
    """Rotating KMS key that encrypts ECS Exec sessions between the client and the container."""
    access_logs: AccessLogsBucket | None
    """The load balancers' access log bucket, when access logs are on."""

    def __init__(self, name: str, args: EcsPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:EcsPlatform", name, None, opts)
        if args.launch_type == "EC2" and args.instances is None:
            raise ValueError("launch_type EC2 needs instances")
        tags = component_tags("ecs", args.tags)

        self.logs_key = self._logs_key(name, args, tags)
        exec_logs = self._exec_logs(name, args, tags)
        self.exec_key = self._exec_key(name, args, tags)
        self.cluster = self._cluster(name, args, exec_logs, tags)
        self.anywhere = self._anywhere(name, args)
        self.file_system = self._file_system(name, args)
        self.access_logs = self._access_logs(name, args)

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
        return customer_managed_key(
            f"{name}-logs-key",
            description=f"Encrypts the CloudWatch log groups of ECS cluster {args.cluster_name}",
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
            # ECS Exec is audited from any service's first session: encrypted and logged (execute_command.py).
            configuration=execute_command_configuration(self.exec_key.arn, exec_logs.name),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _exec_key(self, name: str, args: EcsPlatformArgs, tags: Mapping[str, str]) -> aws.kms.Key:
        """The customer-managed key of ECS Exec sessions.

        A key of its own: task roles that may decrypt sessions get nothing on the logs key.
        """
        return customer_managed_key(
            f"{name}-exec-key",
            description=f"Encrypts ECS Exec sessions in ECS cluster {args.cluster_name}",
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(exec_session_key_policy(account))
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _access_logs(self, name: str, args: EcsPlatformArgs) -> AccessLogsBucket | None:
        if not args.access_logs:
            return None
        return AccessLogsBucket(
            f"{name}-access-logs",
            AccessLogsBucketArgs(
                region=args.region,
                account_id=args.account_id,
                retention_days=args.access_logs_retention_days,
                force_destroy=not args.protect_data,
                tags=args.tags,
            ),
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
                zone_ids=args.zone_ids,
                owner="ecs",
                region=args.region,
                account_id=args.account_id,
                access_points=[svc.name for svc in args.services if svc.volumes],
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
                    exec_key_arn=self.exec_key.arn,
                    log_kms_key_arn=self.logs_key.arn,
                    capacity_association=association,
                    public_subnet_ids=args.public_subnet_ids,
                    vpc_cidr=args.vpc_cidr,
                    deletion_protection=args.deletion_protection,
                    access_logs_bucket=self.access_logs.bucket.bucket if self.access_logs else None,
                    access_logs_ready=[self.access_logs.policy] if self.access_logs else (),
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
            # The agent, ECR pulls, SSM and CloudWatch (443), DNS, and NFS when it mounts EFS for its tasks;
            # awsvpc tasks leave through their own ENIs and groups, not this one.
            egress=task_egress(
                args.vpc_cidr,
                self.file_system.security_group.id
                if self.file_system is not None and any(svc.volumes for svc in args.services)
                else None,
            ),
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


def ecs_agent_user_data(cluster_name: str, spot: bool) -> str:
    """Instance user data that joins the ECS cluster; the agent reads /etc/ecs/ecs.config at start."""
    settings = {
        "ECS_CLUSTER": cluster_name,
        # awsvpc tasks must not borrow the instance role through the metadata service.
        "ECS_AWSVPC_BLOCK_IMDS": "true",
        "ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM": "ec2_instance",
        "ECS_ENABLE_CONTAINER_METADATA": "true",
    }
    if spot:
        # On the two-minute interruption notice, drain so tasks move before the instance goes.
        settings["ECS_ENABLE_SPOT_INSTANCE_DRAINING"] = "true"
    lines = "\n".join(f"{k}={v}" for k, v in settings.items())
    return f"#!/bin/bash\nset -euo pipefail\ncat >> /etc/ecs/ecs.config <<'EOF'\n{lines}\nEOF\n"


def capacity_strategy(
    launch_type: str, *, spot_weight: int = 0, on_demand_base: int = 0, ec2_capacity_provider: str | None = None
) -> list[dict[str, Any]]:
    """Default capacity provider strategy: FARGATE (+ FARGATE_SPOT by weight) or the EC2 provider."""
    if launch_type == "EC2":
        if ec2_capacity_provider is None:
            raise ValueError("the EC2 launch type needs its capacity provider name")
        return [{"capacity_provider": ec2_capacity_provider, "weight": 1, "base": 0}]
    strategy = [{"capacity_provider": "FARGATE", "weight": 1, "base": on_demand_base}]
    if spot_weight > 0:
        strategy.append({"capacity_provider": "FARGATE_SPOT", "weight": spot_weight, "base": 0})
    return strategy


INSTANCE_ROLE_MANAGED_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)
"""The ECS agent's own permissions, plus Session Manager instead of SSH."""
