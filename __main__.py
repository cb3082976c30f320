"""container-platform: composition only (settings -> providers -> components -> exports).

Every decision lives in ``settings`` (what to build) or ``components`` (how to build it).
"""

import pulumi
import pulumi_aws as aws

import settings
from components.ecs import EcsPlatform, EcsPlatformArgs, TaskExecutionRole, TaskExecutionRoleArgs
from components.eks import EksRegion, EksRegionArgs
from components.network import Network, NetworkArgs
from components.registry import (
    RegistryCreationRole,
    RegistryCreationRoleArgs,
    RegistryReplica,
    RegistryReplicaArgs,
    SharedRegistry,
    SharedRegistryArgs,
)
from components.tags import base_tags
from settings.aws_tables import EKS_UNSUPPORTED_ZONE_IDS

cfg = settings.load()
net = cfg.config.network
reg = cfg.config.registry
ecs = cfg.config.ecs
eks = cfg.config.eks
home = cfg.home_region
tags = base_tags(cfg.project, cfg.stack, cfg.environment)

# One explicit provider per region; nothing relies on the ambient region.
providers = {
    region: aws.Provider(
        f"aws-{region}",
        region=region,
        # Credentials of any other account fail before a single resource is created.
        allowed_account_ids=[cfg.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
    )
    for region in cfg.provider_regions
}

networks = {
    region: Network(
        f"network-{region}",
        NetworkArgs(
            region=region,
            cidr_block=net.cidrs[region],
            account_id=cfg.account_id,
            az_count=net.az_count,
            nat_gateways=net.nat_gateways,
            vpc_endpoints=net.vpc_endpoints,
            zone_ids=net.zone_ids.get(region, ()),
            excluded_zone_ids=sorted(EKS_UNSUPPORTED_ZONE_IDS.get(region, ())) if eks and region in eks.regions else (),
            instance_types=cfg.instance_types_in(region),
            flow_logs=net.flow_logs.enabled,
            flow_log_retention_days=cfg.flow_log_retention_days,
            flow_logs_off_reason=net.flow_logs.off_reason,
        ),
        opts=pulumi.ResourceOptions(provider=providers[region]),
    )
    for region in cfg.regions
}

account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=providers[home])).account_id

# The execution role comes first: the registry grants it pull, the cluster's tasks use it.
execution_role = (
    TaskExecutionRole(
        "ecs-execution",
        TaskExecutionRoleArgs(region=home, account_id=account_id, secret_refs=cfg.secret_refs),
        opts=pulumi.ResourceOptions(provider=providers[home]),
    )
    if ecs is not None
    else None
)

# EKS before the registry: the registry grants the node roles pull.
clusters: dict[str, EksRegion] = (
    {
        region: EksRegion(
            f"eks-{region}",
            EksRegionArgs(
                region=region,
                account_id=account_id,
                cluster_name=cfg.eks_cluster_name(region),
                version=eks.version,
                versions=eks.versions,
                vpc_id=networks[region].vpc_id,
                private_subnet_ids=networks[region].private_subnet_ids,
                vpc_cidr=net.cidrs[region],
                zone_ids=networks[region].zones,
                node_groups=eks.node_groups,
                fargate_profiles=eks.fargate_profiles,
                storage=eks.storage,
                container_insights=eks.container_insights,
                cluster_autoscaler=eks.cluster_autoscaler,
                node_metadata_hop_limit=eks.node_metadata_hop_limit,
                endpoint_public_access_cidrs=eks.endpoint_public_access_cidrs,
                admin_role_arns=eks.admin_role_arns,
                break_glass_role_arn=eks.break_glass_role_arn,
                log_retention_days=eks.log_retention_days,
                node_egress=eks.node_egress,
                protect_data=cfg.protect_data,
            ),
            opts=pulumi.ResourceOptions(provider=providers[region]),
        )
        for region in eks.regions
    }
    if eks is not None
    else {}
)

creation_role = RegistryCreationRole(
    "registry-creation",
    RegistryCreationRoleArgs(account_id=account_id, regions=[home, *cfg.replica_regions]),
    opts=pulumi.ResourceOptions(provider=providers[home]),
)
pull_principals = [
    *([execution_role.arn] if execution_role is not None else []),
    *(cluster.node_role.arn for cluster in clusters.values()),
]

replicas = [
    RegistryReplica(
        f"registry-{region}",
        RegistryReplicaArgs(
            region=region,
            account_id=account_id,
            repositories=reg.repositories,
            creation_role_name=creation_role.role.name,
            creation_role_arn=creation_role.role.arn,
            untagged_expiry_days=reg.untagged_expiry_days,
            scanning=reg.scanning,
            encryption=reg.encryption,
            pull_accounts=reg.pull_accounts,
            pull_principals=[clusters[region].node_role.arn] if region in clusters else [],
            force_delete=reg.force_delete,
            protect_data=cfg.protect_data,
            owns_registry_settings=reg.owns_registry_settings,
            repository_tags=tags,
        ),
        opts=pulumi.ResourceOptions(provider=providers[region]),
    )
    for region in cfg.replica_regions
]

registry = SharedRegistry(
    "registry",
    SharedRegistryArgs(
        region=home,
        account_id=account_id,
        creation_role_name=creation_role.role.name,
        creation_role_arn=creation_role.role.arn,
        repositories=reg.repositories,
        untagged_expiry_days=reg.untagged_expiry_days,
        scanning=reg.scanning,
        encryption=reg.encryption,
        force_delete=reg.force_delete,
        pull_accounts=reg.pull_accounts,
        pull_principals=pull_principals,
        push_principals=reg.push_principals,
        replica_regions=cfg.replica_regions,
        replicas=replicas,
        pull_through_cache=reg.pull_through_cache,
        public_repositories=reg.public,
        public_provider=providers.get(settings.ECR_PUBLIC_REGION),
        protect_data=cfg.protect_data,
        owns_registry_settings=reg.owns_registry_settings,
        repository_tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=providers[home]),
)

platform = (
    EcsPlatform(
        "ecs",
        EcsPlatformArgs(
            region=home,
            account_id=account_id,
            cluster_name=cfg.cluster_name,
            vpc_id=networks[home].vpc_id,
            private_subnet_ids=networks[home].private_subnet_ids,
            execution_role_arn=execution_role.arn,
            execution_role_policies=execution_role.policies,
            launch_type=ecs.launch_type,
            services=ecs.services,
            image_uris={svc.name: registry.image_uri(svc.image) for svc in ecs.services},
            log_retention_days=ecs.log_retention_days,
            fargate_spot_weight=ecs.fargate_spot_weight,
            fargate_on_demand_base=ecs.fargate_on_demand_base,
            instances=ecs.instances,
            instance_tags=tags,
            public_subnet_ids=networks[home].public_subnet_ids,
            vpc_cidr=net.cidrs[home],
            zone_ids=networks[home].zones,
            deletion_protection=cfg.deletion_protection,
            protect_data=cfg.protect_data,
            anywhere=ecs.anywhere,
            access_logs=cfg.access_logs,
            access_logs_retention_days=ecs.access_logs.retention_days,
            shared_file_system=ecs.shared_file_system,
        ),
        opts=pulumi.ResourceOptions(provider=providers[home]),
    )
    if ecs is not None and execution_role is not None
    else None
)

pulumi.export("environment", cfg.environment)
pulumi.export("homeRegion", home)
pulumi.export(
    "networks",
    {
        region: {
            "vpcId": network.vpc_id,
            "publicSubnetIds": network.public_subnet_ids,
            "privateSubnetIds": network.private_subnet_ids,
        }
        for region, network in networks.items()
    },
)
pulumi.export(
    "registry",
    {
        "repositoryUrls": registry.repository_urls,
        "publicRepositoryUris": registry.public_repository_uris,
        "replicaRegions": list(cfg.replica_regions),
    },
)
if platform is not None:
    pulumi.export(
        "ecs",
        {
            "clusterName": platform.cluster.name,
            "clusterArn": platform.cluster.arn,
            "launchType": ecs.launch_type if ecs else None,
            "services": {
                name: {
                    "arn": service.service.arn,
                    "loadBalancerDns": service.load_balancer.load_balancer.dns_name if service.load_balancer else None,
                    "endpointServiceName": (
                        service.load_balancer.endpoint_service.service_name
                        if service.load_balancer and service.load_balancer.endpoint_service
                        else None
                    ),
                }
                for name, service in platform.services.items()
            },
        },
    )
if clusters:
    pulumi.export(
        "eks",
        {
            region: {
                "clusterName": cfg.eks_cluster_name(region),
                "endpoint": cluster.endpoint,
                "oidcIssuer": cluster.oidc_issuer,
                "nodeRoleArn": cluster.node_role.arn,
            }
            for region, cluster in clusters.items()
        },
    )
    pulumi.export("kubeconfigs", {region: cluster.kubeconfig for region, cluster in clusters.items()})
if platform is not None and platform.anywhere is not None:
    pulumi.export(
        "ecsAnywhere",
        {
            "activationId": platform.anywhere.activation_id,
            "registrationCommand": platform.anywhere.registration_command,
            "instanceRoleName": platform.anywhere.role.name,
        },
    )
    pulumi.export("ecsAnywhereActivationCode", platform.anywhere.activation_code)
