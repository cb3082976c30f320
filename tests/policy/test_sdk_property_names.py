"""The property names the rules read exist in the installed SDKs (and the ECS API, for container definitions)."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

import botocore.session
import pytest

from policy.guardrails.rules import RULES

GETTER = re.compile(r'@pulumi\.getter(?:\(name="(\w+)"\))?\s*\n\s*def (\w+)\(')
"""An engine property name: ``name=`` when the Python name differs, else the Python name itself."""


@cache
def _package_root(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, package
    return Path(next(iter(spec.submodule_search_locations)))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resource_source(type_token: str) -> Path:
    """The SDK module that defines ``type_token`` (found from the token, confirmed by its decorator)."""
    package, module, name = type_token.split(":")
    if package == "pulumi" and module == "providers":
        return _package_root(f"pulumi_{name}") / "provider.py"
    if package == "eks":
        return _package_root("pulumi_eks") / f"{_snake(name)}.py"
    if package == "awsx":
        return _package_root("pulumi_awsx") / module / f"{_snake(name)}.py"
    directory, _, resource = module.partition("/")
    return _package_root(f"pulumi_{package}") / directory / f"{_snake(resource)}.py"


@cache
def _source(path: Path) -> str:
    return path.read_text()


def engine_names(source: str) -> set[str]:
    return {given or python for given, python in GETTER.findall(source)}


def class_source(path: Path, class_name: str) -> str:
    match = re.search(rf"^class {class_name}:\n(.*?)(?=^class |\Z)", _source(path), re.S | re.M)
    assert match is not None, f"{class_name} not in {path}"
    return match.group(1)


ENCRYPTION = ("encryptionType", "kmsKey")
SDK_NAMES: list[tuple[str, tuple[str, ...], dict[str, tuple[str, ...]]]] = [
    ("pulumi:providers:aws", ("region", "defaultTags"), {"ProviderDefaultTagsArgs": ("tags",)}),
    (
        "aws:ecr/repository:Repository",
        ("name", "imageTagMutability", "imageScanningConfiguration", "encryptionConfigurations", "tags"),
        {
            "RepositoryImageScanningConfigurationArgs": ("scanOnPush",),
            "RepositoryEncryptionConfigurationArgs": ENCRYPTION,
        },
    ),
    (
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
        ("imageTagMutability", "encryptionConfigurations", "repositoryPolicy", "lifecyclePolicy"),
        {"RepositoryCreationTemplateEncryptionConfigurationArgs": ENCRYPTION},
    ),
    (
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        ("rules",),
        {
            "RegistryScanningConfigurationRuleArgs": ("repositoryFilters", "scanFrequency"),
            "RegistryScanningConfigurationRuleRepositoryFilterArgs": ("filter",),
        },
    ),
    ("aws:ecr/lifecyclePolicy:LifecyclePolicy", ("repository",), {}),
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", ("policy",), {}),
    ("aws:ecr/registryPolicy:RegistryPolicy", ("policy",), {}),
    ("aws:ecrpublic/repositoryPolicy:RepositoryPolicy", ("policy",), {}),
    (
        "aws:ecs/cluster:Cluster",
        ("settings", "configuration", "tags"),
        {
            "ClusterSettingArgs": ("name", "value"),
            "ClusterConfigurationArgs": ("executeCommandConfiguration",),
            "ClusterConfigurationExecuteCommandConfigurationArgs": ("kmsKeyId", "logging", "logConfiguration"),
            "ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs": (
                "cloudWatchLogGroupName",
                "cloudWatchEncryptionEnabled",
                "s3BucketName",
                "s3BucketEncryptionEnabled",
            ),
        },
    ),
    (
        "aws:ecs/taskDefinition:TaskDefinition",
        ("containerDefinitions", "networkMode", "pidMode", "ipcMode", "taskRoleArn", "executionRoleArn", "volumes"),
        {
            "TaskDefinitionVolumeArgs": ("name", "efsVolumeConfiguration"),
            "TaskDefinitionVolumeEfsVolumeConfigurationArgs": ("transitEncryption",),
        },
    ),
    (
        "aws:ecs/service:Service",
        ("networkConfiguration", "platformVersion", "tags"),
        {"ServiceNetworkConfigurationArgs": ("assignPublicIp",)},
    ),
    ("aws:ecs/taskSet:TaskSet", ("networkConfiguration",), {"TaskSetNetworkConfigurationArgs": ("assignPublicIp",)}),
    (
        "aws:eks/cluster:Cluster",
        ("enabledClusterLogTypes", "encryptionConfig", "vpcConfig", "version", "tags"),
        {
            "ClusterEncryptionConfigArgs": ("resources", "provider"),
            "ClusterEncryptionConfigProviderArgs": ("keyArn",),
            "ClusterVpcConfigArgs": ("endpointPublicAccess", "publicAccessCidrs"),
        },
    ),
    (
        "eks:index:Cluster",
        ("enabledClusterLogTypes", "encryptionConfigKeyArn", "endpointPublicAccess", "publicAccessCidrs", "version"),
        {},
    ),
    ("aws:eks/nodeGroup:NodeGroup", ("subnetIds", "tags"), {}),
    (
        "eks:index:NodeGroupV2",
        ("nodeRootVolumeEncrypted", "nodeAssociatePublicIpAddress", "nodeSubnetIds"),
        {},
    ),
    ("eks:index:NodeGroup", ("nodeRootVolumeEncrypted", "nodeAssociatePublicIpAddress", "nodeSubnetIds"), {}),
    ("eks:index:ManagedNodeGroup", ("enableIMDSv2", "launchTemplate", "subnetIds", "tags"), {}),
    ("aws:efs/fileSystem:FileSystem", ("encrypted", "kmsKeyId", "tags"), {}),
    (
        "aws:efs/accessPoint:AccessPoint",
        ("rootDirectory", "posixUser", "tags"),
        {"AccessPointRootDirectoryArgs": ("path",), "AccessPointPosixUserArgs": ("uid",)},
    ),
    (
        "aws:efs/backupPolicy:BackupPolicy",
        ("fileSystemId", "backupPolicy"),
        {"BackupPolicyBackupPolicyArgs": ("status",)},
    ),
    *(
        (
            f"aws:{module}/loadBalancer:LoadBalancer",
            (
                "dropInvalidHeaderFields",
                "enableDeletionProtection",
                "loadBalancerType",
                "internal",
                "subnets",
                "subnetMappings",
                "securityGroups",
                "accessLogs",
                "tags",
            ),
            {"LoadBalancerAccessLogsArgs": ("enabled", "bucket")},
        )
        for module in ("lb", "alb")
    ),
    *(
        (
            f"aws:{module}/listener:Listener",
            ("protocol", "sslPolicy", "defaultActions", "port"),
            {"ListenerDefaultActionArgs": ("type", "redirect"), "ListenerDefaultActionRedirectArgs": ("protocol",)},
        )
        for module in ("lb", "alb")
    ),
    (
        "aws:ec2/launchTemplate:LaunchTemplate",
        ("metadataOptions", "blockDeviceMappings", "networkInterfaces", "tags"),
        {
            "LaunchTemplateMetadataOptionsArgs": ("httpTokens", "httpEndpoint"),
            "LaunchTemplateBlockDeviceMappingArgs": ("deviceName", "ebs"),
            "LaunchTemplateBlockDeviceMappingEbsArgs": ("encrypted",),
            "LaunchTemplateNetworkInterfaceArgs": ("associatePublicIpAddress", "deviceIndex"),
        },
    ),
    (
        "aws:ec2/instance:Instance",
        ("metadataOptions", "rootBlockDevice", "ebsBlockDevices", "associatePublicIpAddress", "tags"),
        {
            "InstanceMetadataOptionsArgs": ("httpTokens", "httpEndpoint"),
            "InstanceRootBlockDeviceArgs": ("encrypted",),
            "InstanceEbsBlockDeviceArgs": ("encrypted", "deviceName"),
        },
    ),
    (
        "aws:ec2/launchConfiguration:LaunchConfiguration",
        ("metadataOptions", "associatePublicIpAddress"),
        {"LaunchConfigurationMetadataOptionsArgs": ("httpTokens", "httpEndpoint")},
    ),
    (
        "aws:autoscaling/group:Group",
        (
            "launchConfiguration",
            "launchTemplate",
            "mixedInstancesPolicy",
            "vpcZoneIdentifiers",
            "availabilityZones",
            "tags",
        ),
        {"GroupMixedInstancesPolicyArgs": ("launchTemplate",), "GroupTagArgs": ("key", "value")},
    ),
    ("aws:cloudwatch/logGroup:LogGroup", ("retentionInDays", "kmsKeyId", "tags"), {}),
    ("aws:kms/key:Key", ("enableKeyRotation", "customerMasterKeySpec", "policy", "tags"), {}),
    ("awsx:ec2:Vpc", ("tags",), {}),
    ("aws:ec2/vpc:Vpc", ("tags",), {}),
    ("aws:ec2/flowLog:FlowLog", ("vpcId", "trafficType", "tags"), {}),
    ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", ("vpcId", "ingress", "egress", "tags"), {}),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        ("ingress", "egress", "tags"),
        {
            "SecurityGroupIngressArgs": (
                "cidrBlocks",
                "ipv6CidrBlocks",
                "fromPort",
                "toPort",
                "protocol",
                "description",
            ),
            "SecurityGroupEgressArgs": (
                "cidrBlocks",
                "ipv6CidrBlocks",
                "fromPort",
                "toPort",
                "protocol",
                "description",
            ),
        },
    ),
    (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ("cidrIpv4", "cidrIpv6", "fromPort", "toPort", "ipProtocol", "securityGroupId", "description", "tags"),
        {},
    ),
    (
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        ("cidrIpv4", "cidrIpv6", "fromPort", "toPort", "ipProtocol", "description", "tags"),
        {},
    ),
    (
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        ("type", "cidrBlocks", "ipv6CidrBlocks", "fromPort", "toPort", "protocol", "securityGroupId", "description"),
        {},
    ),
    (
        "aws:iam/role:Role",
        ("assumeRolePolicy", "inlinePolicies", "managedPolicyArns", "tags"),
        {"RoleInlinePolicyArgs": ("name", "policy")},
    ),
    ("aws:iam/rolePolicy:RolePolicy", ("policy",), {}),
    ("aws:iam/policy:Policy", ("policy",), {}),
    ("aws:iam/userPolicy:UserPolicy", ("policy",), {}),
    ("aws:iam/groupPolicy:GroupPolicy", ("policy",), {}),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", ("policyArn",), {}),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", ("policyArn",), {}),
    ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", ("policyArn",), {}),
    ("aws:iam/policyAttachment:PolicyAttachment", ("policyArn",), {}),
    ("aws:s3/bucket:Bucket", ("bucket", "tags"), {}),
    ("aws:s3/bucketV2:BucketV2", ("bucket", "tags"), {}),
    (
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        ("bucket", "blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
        {},
    ),
    ("aws:s3/bucketPolicy:BucketPolicy", ("bucket", "policy"), {}),
    (
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        ("bucket", "rules"),
        {"BucketLifecycleConfigurationRuleArgs": ("status",)},
    ),
    (
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
        ("bucket", "rules"),
        {"BucketLifecycleConfigurationV2RuleArgs": ("status",)},
    ),
]


@pytest.mark.parametrize(("type_token", "names", "nested"), SDK_NAMES, ids=[row[0] for row in SDK_NAMES])
def test_rules_read_property_names_the_sdk_has(
    type_token: str, names: tuple[str, ...], nested: dict[str, tuple[str, ...]]
) -> None:
    path = resource_source(type_token)
    source = _source(path)
    assert f'@pulumi.type_token("{type_token}")' in source, f"{path} does not define {type_token}"
    assert sorted(set(names) - engine_names(source)) == []
    for class_name, keys in nested.items():
        assert sorted(set(keys) - engine_names(class_source(path.parent / "_inputs.py", class_name))) == [], class_name


def test_property_name_table_covers_every_type_a_rule_looks_at() -> None:
    listed = {row[0] for row in SDK_NAMES}
    assert sorted({t for rule in RULES for t in rule.resource_types} - listed) == []


def test_container_definition_keys_exist_in_the_ecs_api() -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    definition = model.shape_for("ContainerDefinition").members
    read = {"name", "privileged", "readonlyRootFilesystem", "logConfiguration", "environment", "user"}
    assert sorted(read - set(definition)) == []
    assert "logDriver" in definition["logConfiguration"].members
    assert {"name", "value"} <= set(definition["environment"].member.members)
