"""container-platform: composition only (settings -> providers -> components -> exports).

Every decision lives in ``settings`` (what to build) or ``components`` (how to build it).
"""

import pulumi
import pulumi_aws as aws

import settings
from components.network import Network, NetworkArgs
from components.tags import base_tags

cfg = settings.load()
net = cfg.config.network

# One explicit provider per region in use; nothing relies on the ambient region.
providers = {
    region: aws.Provider(
        f"aws-{region}",
        region=region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=base_tags(cfg.project, cfg.stack, cfg.environment)),
    )
    for region in cfg.regions
}

networks = {
    region: Network(
        f"network-{region}",
        NetworkArgs(
            region=region,
            cidr_block=net.cidrs[region],
            az_count=net.az_count,
            nat_gateways=net.nat_gateways,
            vpc_endpoints=net.vpc_endpoints,
        ),
        opts=pulumi.ResourceOptions(provider=providers[region]),
    )
    for region in cfg.regions
}

pulumi.export("environment", cfg.environment)
pulumi.export("homeRegion", cfg.home_region)
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
