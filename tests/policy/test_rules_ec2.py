"""The rules of ``policy/guardrails/rules/ec2.py``: firing and passing cases.

They look at EC2 / Auto Scaling: launch templates, instances, launch configurations, groups and node
groups. ``test_rule_table.py`` collects ``FIRING`` and ``PASSING`` from every area to check each
rule has both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.ec2 import RULES
from tests.policy.subjects import (
    ASG,
    EKS_NODE_GROUP,
    INSTANCE,
    LAUNCH_CONFIGURATION,
    LAUNCH_TEMPLATE,
    MANAGED_NODE_GROUP,
    NODE_GROUP_V1,
    NODE_GROUP_V2,
    PRIVATE_SUBNETS,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    drop,
    edit,
    fire,
    passes,
)

FIRING = [
    fire(
        "ec2-imdsv2",
        edit(LAUNCH_TEMPLATE, metadataOptions={"httpEndpoint": "enabled", "httpTokens": "optional"}),
        "metadataOptions.httpTokens is optional; expected required (IMDSv2)",
        id="launch-template-optional",
    ),
    fire(
        "ec2-imdsv2",
        drop(LAUNCH_TEMPLATE, "metadataOptions"),
        "metadataOptions.httpTokens is unset",
        id="launch-template-unset",
    ),
    fire(
        "ec2-imdsv2",
        edit(INSTANCE, metadataOptions={"httpTokens": "optional"}),
        "httpTokens is optional",
        id="instance",
    ),
    fire(
        "ec2-imdsv2",
        drop(LAUNCH_CONFIGURATION, "metadataOptions"),
        "httpTokens is unset",
        id="launch-configuration",
    ),
    fire(
        "ec2-imdsv2",
        edit(MANAGED_NODE_GROUP, enableIMDSv2=False),
        "enableIMDSv2 is not true",
        id="managed-node-group-false",
    ),
    fire(
        "ec2-imdsv2",
        drop(MANAGED_NODE_GROUP, "enableIMDSv2"),
        "enableIMDSv2 is not true",
        id="managed-node-group-unset",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(
            LAUNCH_TEMPLATE,
            blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volumeSize": 50}}],
        ),
        "block device /dev/xvda is not encrypted",
        id="launch-template-string-false",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(
            LAUNCH_TEMPLATE,
            blockDeviceMappings=[
                {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 50}},
                {"deviceName": "/dev/xvdb", "ebs": {"volumeSize": 200}},
            ],
        ),
        "block device /dev/xvdb is not encrypted",
        absent=("/dev/xvda",),
        id="launch-template-unset",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(INSTANCE, rootBlockDevice={"encrypted": False, "volumeSize": 20}),
        "block device root is not encrypted",
        id="instance-root",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(INSTANCE, ebsBlockDevices=[{"deviceName": "/dev/sdf", "volumeSize": 100}]),
        "block device /dev/sdf is not encrypted",
        id="instance-ebs",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(NODE_GROUP_V2, nodeRootVolumeEncrypted=False),
        "nodeRootVolumeEncrypted is not true",
        id="node-group-v2",
    ),
    fire(
        "ec2-encrypted-volumes",
        drop(NODE_GROUP_V1, "nodeRootVolumeEncrypted"),
        "nodeRootVolumeEncrypted is not true",
        id="node-group-v1-unset",
    ),
    fire(
        "ec2-no-public-ip",
        edit(LAUNCH_TEMPLATE, networkInterfaces=[{"deviceIndex": 0, "associatePublicIpAddress": "true"}]),
        "network interface 0 associates a public IP",
        id="launch-template-string-true",
    ),
    fire(
        "ec2-no-public-ip",
        edit(INSTANCE, associatePublicIpAddress=True),
        "associatePublicIpAddress is true",
        id="instance",
    ),
    fire(
        "ec2-no-public-ip",
        edit(LAUNCH_CONFIGURATION, associatePublicIpAddress=True),
        "associatePublicIpAddress is true",
        id="launch-configuration",
    ),
    fire(
        "ec2-no-public-ip",
        drop(NODE_GROUP_V2, "nodeAssociatePublicIpAddress"),
        "nodeAssociatePublicIpAddress is not false; pulumi_eks gives nodes public IPs unless told",
        id="node-group-v2-default",
    ),
    fire(
        "ec2-no-public-ip",
        edit(NODE_GROUP_V1, nodeAssociatePublicIpAddress=True),
        "nodeAssociatePublicIpAddress is not false",
        id="node-group-v1-true",
    ),
    fire(
        "asg-launch-template",
        edit(drop(ASG, "launchTemplate"), launchConfiguration="legacy-lc-20240101"),
        "does not launch from a launch template",
        id="launch-configuration",
    ),
    fire("asg-launch-template", drop(ASG, "launchTemplate"), "launch configurations are deprecated", id="nothing"),
    fire(
        "asg-multi-az",
        edit(ASG, vpcZoneIdentifiers=[PRIVATE_SUBNETS[0]]),
        "vpcZoneIdentifiers lists 1 subnet(s)",
        id="group-one-subnet",
    ),
    fire(
        "asg-multi-az",
        edit(NODE_GROUP_V2, nodeSubnetIds=[PRIVATE_SUBNETS[0]]),
        "nodeSubnetIds lists 1 subnet(s)",
        id="node-group-v2-one-subnet",
    ),
    fire(
        "asg-multi-az",
        edit(MANAGED_NODE_GROUP, subnetIds=[PRIVATE_SUBNETS[0]]),
        "subnetIds lists 1 subnet(s)",
        id="managed-node-group-one-subnet",
    ),
    fire(
        "asg-multi-az",
        edit(EKS_NODE_GROUP, subnetIds=[PRIVATE_SUBNETS[0]]),
        "subnetIds lists 1 subnet(s)",
        id="eks-node-group-one-subnet",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes("ec2-imdsv2", edit(LAUNCH_TEMPLATE, metadataOptions={"httpEndpoint": "disabled"}), id="endpoint-disabled"),
    passes(
        "ec2-imdsv2",
        edit(drop(MANAGED_NODE_GROUP, "enableIMDSv2"), launchTemplate={"id": "lt-0a1b2c3d4e5f60718", "version": "3"}),
        id="managed-node-group-own-launch-template",
    ),
    passes(
        "ec2-encrypted-volumes",
        edit(LAUNCH_TEMPLATE, blockDeviceMappings=[{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}]),
        id="instance-store-mapping",
    ),
    passes("ec2-no-public-ip", drop(LAUNCH_TEMPLATE, "networkInterfaces"), id="launch-template-no-interfaces"),
    passes("ec2-no-public-ip", edit(NODE_GROUP_V2, nodeAssociatePublicIpAddress="false"), id="node-group-string-false"),
    passes(
        "asg-launch-template",
        edit(
            drop(ASG, "launchTemplate"),
            mixedInstancesPolicy={
                "launchTemplate": {
                    "launchTemplateSpecification": {"launchTemplateId": "lt-0a1b2c3d4e5f60718", "version": "$Latest"},
                    "overrides": [{"instanceType": "m7i.large"}, {"instanceType": "m6i.large"}],
                }
            },
        ),
        id="mixed-instances-policy",
    ),
    passes(
        "asg-multi-az",
        edit(drop(ASG, "vpcZoneIdentifiers"), availabilityZones=["us-east-1a", "us-east-1b"]),
        id="availability-zones",
    ),
    passes("asg-multi-az", drop(NODE_GROUP_V2, "nodeSubnetIds"), id="node-group-cluster-subnets"),
    passes("asg-multi-az", drop(MANAGED_NODE_GROUP, "subnetIds"), id="managed-node-group-cluster-subnets"),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
