"""EC2 and Auto Scaling: IMDSv2, encrypted volumes, no public IPs, launch templates, several AZs.

EKS node groups are checked through the pulumi_eks component inputs (offline) and through the
launch templates and groups they create (``pulumi preview``). ``eks:index:NodeGroup(V2)`` has no
metadata-options input, so its IMDSv2 setting is visible only on its launch template in preview
(EksRegion forces it with a transform).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Rule, Subject, as_list, number, truthy

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
GROUP = "aws:autoscaling/group:Group"
NODE_GROUP_V2 = "eks:index:NodeGroupV2"
NODE_GROUP_V1 = "eks:index:NodeGroup"
MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def _imdsv2(r: Subject) -> Iterator[str]:
    if r.type == MANAGED_NODE_GROUP:
        if not truthy(r.get("enableIMDSv2")) and not r.get("launchTemplate"):
            yield "enableIMDSv2 is not true; the nodes would answer IMDSv1 requests"
        return
    options: Mapping[str, Any] = r.get("metadataOptions") or {}
    if options.get("httpEndpoint") == "disabled":
        return
    if options.get("httpTokens") != "required":
        yield f"metadataOptions.httpTokens is {options.get('httpTokens', 'unset')}; expected required (IMDSv2)"


def _volumes(r: Subject) -> Iterator[str]:
    if r.type in (NODE_GROUP_V2, NODE_GROUP_V1):
        if not truthy(r.get("nodeRootVolumeEncrypted")):
            yield "nodeRootVolumeEncrypted is not true"
        return
    if r.type == LAUNCH_TEMPLATE:
        for mapping in as_list(r.get("blockDeviceMappings")):
            ebs = mapping.get("ebs") if isinstance(mapping, Mapping) else None
            if ebs is not None and not truthy(ebs.get("encrypted")):
                yield f"block device {mapping.get('deviceName')} is not encrypted"
        return
    devices = [("root", r.get("rootBlockDevice"))] + [
        (str(d.get("deviceName")), d) for d in as_list(r.get("ebsBlockDevices")) if isinstance(d, Mapping)
    ]
    for name, device in devices:
        if device is not None and not truthy(device.get("encrypted")):
            yield f"block device {name} is not encrypted"


def _public_ip(r: Subject) -> Iterator[str]:
    if r.type in (NODE_GROUP_V2, NODE_GROUP_V1):
        if str(r.get("nodeAssociatePublicIpAddress", True)).lower() != "false":
            yield "nodeAssociatePublicIpAddress is not false; pulumi_eks gives nodes public IPs unless told"
        return
    if r.type == LAUNCH_TEMPLATE:
        for nic in as_list(r.get("networkInterfaces")):
            if isinstance(nic, Mapping) and truthy(nic.get("associatePublicIpAddress")):
                yield f"network interface {number(nic.get('deviceIndex', 0))} associates a public IP"
        return
    if truthy(r.get("associatePublicIpAddress")):
        yield "associatePublicIpAddress is true"


def _launch_template(r: Subject) -> Iterator[str]:
    mixed = (r.get("mixedInstancesPolicy") or {}).get("launchTemplate")
    if r.get("launchConfiguration") or not (r.get("launchTemplate") or mixed):
        yield "the group does not launch from a launch template; launch configurations are deprecated"


def _multi_az(r: Subject) -> Iterator[str]:
    key = {GROUP: "vpcZoneIdentifiers", NODE_GROUP_V2: "nodeSubnetIds", NODE_GROUP_V1: "nodeSubnetIds"}.get(
        r.type, "subnetIds"
    )
    places = as_list(r.get(key)) or as_list(r.get("availabilityZones"))
    if r.type in (NODE_GROUP_V2, NODE_GROUP_V1, MANAGED_NODE_GROUP) and not places:
        return  # pulumi_eks then uses the cluster's private subnets, which the network spreads over AZs
    if len(places) < 2:
        yield f"{key} lists {len(places)} subnet(s); expected subnets in at least two Availability Zones"


RULES = (
    Rule(
        id="ec2-imdsv2",
        title="Instances, launch templates and node groups require IMDSv2.",
        resource_types=(LAUNCH_TEMPLATE, INSTANCE, LAUNCH_CONFIGURATION, MANAGED_NODE_GROUP),
        check=_imdsv2,
        controls=("EC2.8", "EC2.170", "AutoScaling.3"),
        remediation="Set metadataOptions.httpTokens to required (enableIMDSv2 on pulumi_eks node groups).",
    ),
    Rule(
        id="ec2-encrypted-volumes",
        title="EBS volumes of instances, launch templates and self-managed nodes are encrypted.",
        resource_types=(LAUNCH_TEMPLATE, INSTANCE, NODE_GROUP_V2, NODE_GROUP_V1),
        check=_volumes,
        controls=("EC2.3",),
        remediation="Set ebs.encrypted on every block device mapping (nodeRootVolumeEncrypted on node groups).",
    ),
    Rule(
        id="ec2-no-public-ip",
        title="Instances, launch templates and self-managed nodes get no public IP.",
        resource_types=(LAUNCH_TEMPLATE, INSTANCE, LAUNCH_CONFIGURATION, NODE_GROUP_V2, NODE_GROUP_V1),
        check=_public_ip,
        controls=("EC2.9", "EC2.25", "AutoScaling.5"),
        remediation="Launch into private subnets with associatePublicIpAddress false.",
    ),
    Rule(
        id="asg-launch-template",
        title="Auto Scaling groups launch from launch templates.",
        resource_types=(GROUP,),
        check=_launch_template,
        controls=("AutoScaling.9",),
        remediation="Use launchTemplate or mixedInstancesPolicy.launchTemplate.",
    ),
    Rule(
        id="asg-multi-az",
        title="Auto Scaling groups and node groups span at least two Availability Zones.",
        resource_types=(GROUP, NODE_GROUP_V2, NODE_GROUP_V1, MANAGED_NODE_GROUP, EKS_NODE_GROUP),
        check=_multi_az,
        controls=("AutoScaling.2",),
        remediation="Pass one private subnet per Availability Zone (network.azCount >= 2).",
    ),
)
