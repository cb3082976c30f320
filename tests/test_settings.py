"""Settings layer: both stack files load, and every bad input names its path and the fix."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from offline_plan.recorder import stack_config
from settings import ConfigError, parse
from settings.aws_tables import FARGATE_MEMORY_BY_CPU, instance_architecture
from tests.conftest import DELETE, parse_config, set_path


def load_dev() -> dict[str, Any]:
    return stack_config("dev")


STEP_OUT = "ecs.services[worker].autoscaling.stepScaling.scaleOut"
STEP_IN = "ecs.services[worker].autoscaling.stepScaling.scaleIn"

# (base stack, path to change, new value, path the error must name, words the message must contain)
BAD_INPUTS: list[tuple[str, str, Any, str, str]] = [
    # -- top level
    ("dev", "aws:region", "us-east-9", "aws:region", "not an AWS region"),
    ("dev", "aws:region", DELETE, "aws:region", "required"),
    ("dev", "environment", "qa", "environment", "'dev', 'staging' or 'prod'"),
    ("dev", "environment", DELETE, "environment", "required"),
    ("dev", "network", DELETE, "network", "required"),
    # -- network
    ("dev", "network.azCount", 1, "network.azCount", "greater than or equal to 2"),
    ("dev", "network.azCount", 7, "network.azCount", "less than or equal to 6"),
    ("dev", "network.azCount", "2", "network.azCount", "valid integer"),
    ("dev", "network.natGateways", "perAZ", "network.natGateways", "'none', 'single' or 'perAz'"),
    ("dev", "network.vpcEndpoints", "yes", "network.vpcEndpoints", "valid boolean"),
    ("dev", "network.cidrs.us-east-1", "10.10.0.1/16", "network.cidrs.us-east-1", "not a valid IPv4 CIDR"),
    ("dev", "network.cidrs.us-east-1", "8.8.0.0/16", "network.cidrs.us-east-1", "not private"),
    ("dev", "network.cidrs.us-east-1", "10.10.0.0/24", "network.cidrs.us-east-1", "/16 to /20"),
    ("dev", "network.cidrs", {}, "network.cidrs", "no CIDR for region 'us-east-1'"),
    ("dev", "network.cidrs.eu-west-1", "10.11.0.0/16", "network.cidrs.eu-west-1", "not in use"),
    (
        "prod",
        "network.cidrs.eu-west-1",
        "10.20.128.0/17",
        "network.cidrs.eu-west-1",
        "overlaps network.cidrs.us-east-1",
    ),
    ("dev", "network.natGateways", "none", "network.natGateways", None),  # placeholder, replaced below
    # -- registry
    ("dev", "registry.repositories[1].name", "web", "registry.repositories", "'web' appears more than once"),
    ("dev", "registry.repositories[0].name", "Web", "registry.repositories[Web].name", "ECR repository name"),
    (
        "dev",
        "registry.repositories[1].keepTaggedImages",
        0,
        "registry.repositories[worker].keepTaggedImages",
        "greater than or equal to 1",
    ),
    (
        "dev",
        "registry.repositories[0].tagMutability",
        "immutable",
        "registry.repositories[web].tagMutability",
        "'IMMUTABLE' or 'MUTABLE'",
    ),
    ("dev", "registry.untaggedExpiryDays", 0, "registry.untaggedExpiryDays", "greater than or equal to 1"),
    ("dev", "registry.scanning", "full", "registry.scanning", "'basic' or 'enhanced'"),
    ("dev", "registry.pullAccounts", ["12345"], "registry.pullAccounts[0]", "12-digit AWS account id"),
    (
        "dev",
        "registry.pushPrincipals",
        ["arn:aws:iam::123456789012:group/ci"],
        "registry.pushPrincipals[0]",
        "IAM role or user ARN",
    ),
    ("prod", "registry.forceDelete", True, "registry.forceDelete", "must be false when environment is prod"),
    (
        "dev",
        "registry.pullThroughCache",
        [{"prefix": "hub", "upstream": "registry-1.docker.io"}],
        "registry.pullThroughCache[0].credentialArn",
        "required for upstream registry-1.docker.io",
    ),
    (
        "dev",
        "registry.pullThroughCache",
        [{"prefix": "k8s", "upstream": "k8s.io"}],
        "registry.pullThroughCache[0].upstream",
        "'public.ecr.aws'",
    ),
    (
        "dev",
        "registry.public[0].architectures",
        ["amd64"],
        "registry.public[platform-tools].architectures[0]",
        "'x86-64'",
    ),
    (
        "dev",
        "registry.public[0].description",
        "x" * 300,
        "registry.public[platform-tools].description",
        "at most 256 characters",
    ),
    # -- ecs
    ("dev", "ecs.launchType", "fargate", "ecs.launchType", "'FARGATE' or 'EC2'"),
    ("dev", "ecs.fargateSpotWeight", -1, "ecs.fargateSpotWeight", "greater than or equal to 0"),
    ("dev", "ecs.instances", {"instanceTypes": ["m7i.large"]}, "ecs.instances", "applies only to launchType EC2"),
    ("prod", "ecs.fargateSpotWeight", 2, "ecs.fargateSpotWeight", "applies only to launchType FARGATE"),
    ("prod", "ecs.instances", DELETE, "ecs.instances", "required when launchType is EC2"),
    ("prod", "ecs.instances.minSize", 20, "ecs.instances.minSize", "must not exceed maxSize (12)"),
    (
        "prod",
        "ecs.instances.desiredSize",
        40,
        "ecs.instances.desiredSize",
        "must be between minSize (1) and maxSize (12)",
    ),
    (
        "prod",
        "ecs.instances.minSize",
        3,
        "ecs.instances.minSize",
        "applies only to scaling: cpu, and scaling is managed",
    ),
    ("prod", "ecs.instances.cpuTarget", 60, "ecs.instances.cpuTarget", "applies only to scaling: cpu"),
    (
        "prod",
        "ecs.instances",
        {"instanceTypes": ["m7i.large"], "scaling": "cpu", "maxSize": 4, "targetCapacity": 90},
        "ecs.instances.targetCapacity",
        "applies only to scaling: managed",
    ),
    ("prod", "ecs.instances.scaling", "both", "ecs.instances.scaling", "'managed' or 'cpu'"),
    (
        "prod",
        "ecs.instances.instanceTypes",
        ["m7g.large"],
        "ecs.instances.instanceTypes[0]",
        "arm64 type but ecs.instances.architecture is x86_64",
    ),
    ("prod", "ecs.instances.instanceTypes", [], "ecs.instances.instanceTypes", "at least 1 item"),
    ("dev", "ecs.logRetentionDays", 10, "ecs.logRetentionDays", "14"),
    (
        "dev",
        "ecs.services[0].cpu",
        300,
        "ecs.services[web].cpu",
        "not a Fargate CPU size; expected one of 256, 512, 1024",
    ),
    ("dev", "ecs.services[1].memory", 3000, "ecs.services[worker].memory", "expected one of 512, 1024, 2048"),
    ("dev", "ecs.services[0].cpu", "512", "ecs.services[web].cpu", "valid integer"),
    ("prod", "ecs.services[0].cpu", 64, "ecs.services[web].cpu", "expected 128 to 196608"),
    ("dev", "ecs.services[0].port", 70000, "ecs.services[web].port", "less than or equal to 65535"),
    ("dev", "ecs.services[0].port", DELETE, "ecs.services[web].port", "required with a loadBalancer"),
    ("dev", "ecs.services[1].name", "web", "ecs.services", "'web' appears more than once"),
    ("dev", "ecs.services[0].name", "Web_1", "ecs.services[Web_1].name", "lowercase letters, digits and dashes"),
    ("dev", "ecs.services[0].image", "web", "ecs.services[web].image", "has no tag"),
    ("dev", "ecs.services[0].image", "web:latest", "ecs.services[web].image", "mutable 'latest' tag"),
    (
        "dev",
        "ecs.services[0].image",
        "nginx:1.27",
        "ecs.services[web].image",
        "repository 'nginx' is not in registry.repositories",
    ),
    ("dev", "ecs.services[0].image", "Not An Image", "ecs.services[web].image", "not an image reference"),
    (
        "dev",
        "ecs.services[0].desiredCount",
        30,
        "ecs.services[web].desiredCount",
        "between autoscaling.minCount (2) and maxCount (20)",
    ),
    (
        "dev",
        "ecs.services[0].loadBalancer.type",
        "classic",
        "ecs.services[web].loadBalancer.type",
        "'application' or 'network'",
    ),
    (
        "dev",
        "ecs.services[0].loadBalancer.healthCheckPath",
        "healthz",
        "ecs.services[web].loadBalancer.healthCheckPath",
        "an HTTP path starting with /",
    ),
    (
        "dev",
        "ecs.services[0].loadBalancer.privateLink",
        True,
        "ecs.services[web].loadBalancer.privateLink",
        "applies only to type network",
    ),
    (
        "dev",
        "ecs.services[0].loadBalancer.certificateArn",
        "arn:aws:acm:eu-west-1:123456789012:certificate/0f7c9a52-3a8e",
        "ecs.services[web].loadBalancer.certificateArn",
        "in its own region (us-east-1)",
    ),
    (
        "dev",
        "ecs.services[0].volumes",
        [{"efs": "data"}],
        "ecs.services[web].volumes[0].efs",
        "an absolute container path",
    ),
    (
        "dev",
        "ecs.services[0].volumes",
        [{"efs": "/data"}, {"efs": "/logs"}],
        "ecs.services[web].volumes",
        "at most 1 item",
    ),
    (
        "dev",
        "ecs.services[0].secrets.DATABASE_URL",
        "postgres://u:p@db",
        "ecs.services[web].secrets.DATABASE_URL",
        "not a Secrets Manager secret ARN or SSM parameter ARN",
    ),
    (
        "dev",
        "ecs.services[0].secrets.DATABASE_URL",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web-db",
        "ecs.services[web].secrets.DATABASE_URL",
        "ECS reads secrets from the task's region",
    ),
    (
        "dev",
        "ecs.services[0].environment.DATABASE_URL",
        "x",
        "ecs.services[web].environment.DATABASE_URL",
        "also set in secrets",
    ),
    ("dev", "ecs.services[0].environment.LOG_LEVEL", 3, "ecs.services[web].environment.LOG_LEVEL", "valid string"),
    (
        "dev",
        "ecs.services[0].autoscaling.minCount",
        25,
        "ecs.services[web].autoscaling.minCount",
        "must not exceed maxCount (20)",
    ),
    (
        "dev",
        "ecs.services[0].autoscaling.cpuTarget",
        150,
        "ecs.services[web].autoscaling.cpuTarget",
        "less than or equal to 100",
    ),
    (
        "dev",
        "ecs.services[1].autoscaling.requestsPerTarget",
        100,
        "ecs.services[worker].autoscaling.requestsPerTarget",
        "needs loadBalancer.type application",
    ),
    ("dev", "ecs.services[1].autoscaling.stepScaling", DELETE, "ecs.services[worker].autoscaling", "sets no policy"),
    (
        "dev",
        "ecs.services[1].autoscaling.stepScaling.period",
        45,
        "ecs.services[worker].autoscaling.stepScaling.period",
        "10, 30 or a multiple of 60",
    ),
    ("dev", f"{STEP_OUT}.steps[0].change", -1, f"{STEP_OUT}.steps[0].change", "expected a positive number"),
    ("dev", f"{STEP_OUT}.steps[1].lowerBound", 20, f"{STEP_OUT}.steps", "steps must be contiguous"),
    (
        "dev",
        f"{STEP_OUT}.steps[1]",
        {"lowerBound": 15, "upperBound": 30, "change": 2},
        f"{STEP_OUT}.steps",
        "last scale-out step must have no upperBound",
    ),
    (
        "dev",
        f"{STEP_IN}.steps",
        [{"upperBound": 0, "lowerBound": -10, "change": -1}, {"upperBound": -20, "change": -2}],
        f"{STEP_IN}.steps",
        "a step has lowerBound -10 but the next has upperBound -20",
    ),
    (
        "dev",
        f"{STEP_IN}.steps",
        [{"upperBound": -5, "change": -1}],
        f"{STEP_IN}.steps",
        "first scale-in step must have upperBound 0",
    ),
    (
        "dev",
        f"{STEP_OUT}.steps",
        [{"lowerBound": 0, "upperBound": 10, "change": 1}, {"lowerBound": 0, "change": 2}],
        f"{STEP_OUT}.steps",
        "a step has upperBound 10 but the next has lowerBound 0",
    ),
    ("dev", f"{STEP_IN}.steps[0].change", 1, f"{STEP_IN}.steps[0].change", "expected a negative number"),
    ("dev", f"{STEP_IN}.threshold", 90, f"{STEP_IN}.threshold", "must be below scaleOut.threshold (80.0)"),
    (
        "dev",
        "ecs.services[0].autoscaling.schedules[0].cron",
        "0 8 * * *",
        "ecs.services[web].autoscaling.schedules[business-hours].cron",
        "expected 6 fields",
    ),
    (
        "dev",
        "ecs.services[0].autoscaling.schedules[0].minCount",
        30,
        "ecs.services[web].autoscaling.schedules[business-hours].minCount",
        "must not exceed maxCount (20)",
    ),
    (
        "dev",
        "ecs.services[0].autoscaling.schedules[0].timezone",
        "Mars/Olympus",
        "ecs.services[web].autoscaling.schedules[business-hours].timezone",
        "not an IANA time zone",
    ),
    (
        "dev",
        "ecs.services[0].taskPolicy",
        [{"actions": ["s3:*"], "resources": ["*"]}],
        "ecs.services[web].taskPolicy[0].actions[0]",
        "grants every action",
    ),
    (
        "dev",
        "ecs.services[0].taskPolicy",
        [{"actions": ["*"], "resources": ["*"]}],
        "ecs.services[web].taskPolicy[0].actions[0]",
        "an IAM action such as s3:GetObject",
    ),
    # -- eks
    ("dev", "eks.version", 1.35, "eks.version", 'write the version as a string, e.g. "1.35"'),
    ("dev", "eks.version", "1.29", "eks.version", "expected one of 1.34, 1.35, 1.36, 1.37"),
    ("dev", "eks.regions", [], "eks.regions", "at least 1 item"),
    ("prod", "eks.regions[1]", "eu-west-4", "eks.regions[1]", "not an AWS region"),
    ("dev", "eks.regions", ["us-east-1", "us-east-1"], "eks.regions", "'us-east-1' appears more than once"),
    ("dev", "eks.endpointPublicAccessCidrs", ["0.0.0.0/0"], "eks.endpointPublicAccessCidrs[0]", "whole internet"),
    (
        "dev",
        "eks.endpointPublicAccessCidrs",
        ["203.0.113.7/24"],
        "eks.endpointPublicAccessCidrs[0]",
        "not a valid CIDR",
    ),
    ("dev", "eks.adminRoleArns", ["arn:aws:iam::123456789012:user/bob"], "eks.adminRoleArns[0]", "IAM role ARN"),
    ("dev", "eks.nodeGroups", [], "eks.nodeGroups", "at least 1 item"),
    ("dev", "eks.nodeGroups[0].kind", "unmanaged", "eks.nodeGroups[system].kind", "'managed', 'selfManaged'"),
    ("dev", "eks.nodeGroups[0].capacityType", "spot", "eks.nodeGroups[system].capacityType", "'ON_DEMAND' or 'SPOT'"),
    ("dev", "eks.nodeGroups[0].minSize", 5, "eks.nodeGroups[system].minSize", "must not exceed maxSize (4)"),
    (
        "dev",
        "eks.nodeGroups[0].desiredSize",
        1,
        "eks.nodeGroups[system].desiredSize",
        "between minSize (2) and maxSize (4)",
    ),
    ("dev", "eks.nodeGroups[0].maxSize", 500, "eks.nodeGroups[system].maxSize", "less than or equal to 450"),
    ("dev", "eks.nodeGroups[1].name", "system", "eks.nodeGroups", "'system' appears more than once"),
    (
        "dev",
        "eks.nodeGroups[0].instanceTypes",
        ["m7g.large"],
        "eks.nodeGroups[system].instanceTypes[0]",
        "does not run amiType AL2023_x86_64_STANDARD",
    ),
    ("dev", "eks.nodeGroups[0].instanceType", "m7i.large", "eks.nodeGroups[system].instanceType", "unknown key"),
    ("prod", "eks.nodeGroups[2].amiId", "ami-123", "eks.nodeGroups[custom].amiId", "an AMI id such as"),
    ("prod", "eks.nodeGroups[2].capacityType", "SPOT", "eks.nodeGroups[custom].capacityType", "unknown key"),
    (
        "dev",
        "eks.nodeGroups[0].taints",
        [{"key": "dedicated", "effect": "NO_SCHEDULE"}],
        "eks.nodeGroups[system].taints[0].effect",
        "'NoSchedule'",
    ),
    ("dev", "eks.fargateProfiles[0].namespaces", [], "eks.fargateProfiles[batch].namespaces", "at least 1 item"),
    (
        "dev",
        "eks.fargateProfiles[0].namespaces",
        ["a", "b", "c", "d", "e", "f"],
        "eks.fargateProfiles[batch].namespaces",
        "at most 5 items",
    ),
    ("dev", "eks.storage.fsxOntap", "no", "eks.storage.fsxOntap", "valid boolean"),
    ("dev", "eks.storage.s3", True, "eks.storage.s3", "unknown key; expected one of ebs, efs, fsxLustre, fsxOntap"),
    ("dev", "eks.containerInsights", 1, "eks.containerInsights", "valid boolean"),
]
BAD_INPUTS += [
    ("dev", "ecs.services[0].volumes", [{"efs": "/tmp"}], "ecs.services[web].volumes", "/tmp is the scratch volume"),
    (
        "dev",
        "ecs.services[0].name",
        "a-very-long-service-name",
        "ecs.services[a-very-long-service-name].name",
        "at most 16 characters",
    ),
    (
        "dev",
        "ecs.services[0].loadBalancer.accessLogsBucket",
        "Bad_Bucket",
        "ecs.services[web].loadBalancer.accessLogsBucket",
        "an S3 bucket name",
    ),
    (
        "dev",
        "ecs.services[0].autoscaling.schedules[0].at",
        "2027-01-01T08:00:00",
        "ecs.services[web].autoscaling.schedules[business-hours]",
        "exactly one of cron (recurring) and at",
    ),
    (
        "dev",
        "ecs.services[0].autoscaling.schedules[0].at",
        "tomorrow",
        "ecs.services[web].autoscaling.schedules[business-hours].at",
        "a time as yyyy-mm-ddThh:mm:ss",
    ),
    (
        "dev",
        "ecs.services[0].healthCheck.command[0]",
        "RUN",
        "ecs.services[web].healthCheck.command[0]",
        "expected CMD or CMD-SHELL",
    ),
    (
        "dev",
        "ecs.services[0].healthCheck.timeout",
        40,
        "ecs.services[web].healthCheck.timeout",
        "must be below interval (30)",
    ),
]
BAD_INPUTS += [
    (
        "dev",
        "ecs.services[1].enableExecuteCommand",
        True,
        "ecs.services[worker].enableExecuteCommand",
        "needs a writable root filesystem",
    ),
    (
        "dev",
        "ecs.services[0].healthCheck.timeout",
        90,
        "ecs.services[web].healthCheck.timeout",
        "less than or equal to 60",
    ),
]
BAD_INPUTS += [
    (
        "prod",
        "eks.nodeGroups[2].spotMaxPrice",
        "cheap",
        "eks.nodeGroups[custom].spotMaxPrice",
        "a USD/hour price as a string",
    ),
    ("prod", "eks.nodeGroups[2].spot", True, "eks.nodeGroups[custom].spot", "unknown key"),
    # Pinned versions (m3), access (m6, m11), nodes (M4, M10) and Container Insights on AL2023 (m9).
    ("dev", "accountId", DELETE, "accountId", "required: set container-platform:accountId to the 12-digit account"),
    ("dev", "accountId", "12345", "accountId", "a 12-digit AWS account id"),
    (
        "prod",
        "ecs.services[0].loadBalancer.certificateArn",
        "arn:aws:acm:us-east-1:123456789012:certificate/0f7c9a52-3a8e-4d8e-9b1e-2f5c7d9e1a00",
        "ecs.services[web].loadBalancer.certificateArn",
        "belongs to account 123456789012, but this stack deploys to accountId 444455556666",
    ),
    ("dev", "eks.versions", DELETE, "eks.versions", "required key is missing"),
    ("dev", "eks.versions.addons.coredns", DELETE, "eks.versions.addons", "no version for coredns"),
    (
        "prod",
        "eks.versions.addons.aws-fsx-csi-driver",
        DELETE,
        "eks.versions.addons",
        "no version for aws-fsx-csi-driver",
    ),
    ("dev", "eks.versions.addons.kube-proxy", "latest", "eks.versions.addons.kube-proxy", "such as v1.20.4-eksbuild.1"),
    ("dev", "eks.versions.addons.cilium", "v1.0.0-eksbuild.1", "eks.versions.addons.cilium.[key]", "'vpc-cni'"),
    (
        "dev",
        "eks.versions.amiReleaseVersion",
        "1.34.2-20261110",
        "eks.versions.amiReleaseVersion",
        "pin a 1.35 release",
    ),
    (
        "dev",
        "eks.versions.amiReleaseVersion",
        "20261110",
        "eks.versions.amiReleaseVersion",
        "an EKS AMI release version",
    ),
    ("dev", "eks.versions.clusterAutoscaler", "v1.34.1", "eks.versions.clusterAutoscaler", "must equal eks.version"),
    (
        "dev",
        "eks.versions.addons.amazon-cloudwatch-observability",
        "v4.5.0-eksbuild.1",
        "eks.versions.addons.amazon-cloudwatch-observability",
        "Amazon Linux 2023",
    ),
    (
        "dev",
        "eks.nodeGroups[0].amiType",
        "BOTTLEROCKET_x86_64",
        "eks.versions.bottlerocketReleaseVersion",
        "BOTTLEROCKET amiType",
    ),
    ("dev", "eks.breakGlassRoleArn", "arn:aws:iam::123456789012:user/x", "eks.breakGlassRoleArn", "IAM role ARN"),
    (
        "prod",
        "eks.nodeGroups[2].spotMaxPrice",
        "0.05",
        "eks.nodeGroups[custom].spotMaxPrice",
        "no interruption handling",
    ),
    ("prod", "eks.nodeGroups[2].amiId", "ami-0123456789abcdef0", "eks.nodeGroups[custom].amiId", "one region only"),
    (
        "dev",
        "eks.adminRoleArns",
        ["arn:aws:iam::123456789012:role/a/admin", "arn:aws:iam::210987654321:role/Admin"],
        "eks.adminRoleArns",
        "two admin roles are named 'admin'",
    ),
    ("dev", "eks.nodeMetadataHopLimit", 3, "eks.nodeMetadataHopLimit", "1 or 2"),
    ("dev", "network.natGateways", "none", "eks.clusterAutoscaler", "needs NAT"),
    (
        "dev",
        "ecs.services[2].loadBalancer.privateLinkPrincipals",
        ["*"],
        "ecs.services[api].loadBalancer.privateLinkPrincipals[0]",
        "an account root or role ARN",
    ),
    (
        "dev",
        "ecs.services[0].loadBalancer.privateLinkPrincipals",
        ["arn:aws:iam::123456789012:root"],
        "ecs.services[web].loadBalancer.privateLinkPrincipals",
        "needs privateLink: true",
    ),
]
BAD_INPUTS = [row for row in BAD_INPUTS if row[4] is not None]
BAD_INPUTS.append(
    (
        "dev",
        "network",
        {"natGateways": "none", "vpcEndpoints": False, "cidrs": {"us-east-1": "10.10.0.0/16"}},
        "network.natGateways",
        "needs vpcEndpoints: true",
    )
)


@pytest.mark.parametrize(
    ("base", "path", "value", "where", "words"), BAD_INPUTS, ids=[f"{r[1]}={r[2]!r}"[:80] for r in BAD_INPUTS]
)
def test_bad_input_is_rejected_naming_its_path(
    base: str, path: str, value: Any, where: str, words: str, load: Any
) -> None:
    config = set_path(load(base), path, value)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith(f"{where}:") and words in line for line in lines), "\n".join(lines)


def test_bad_input_table_is_large_and_distinct() -> None:
    assert len({(r[1], repr(r[2])) for r in BAD_INPUTS}) >= 40


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_committed_stack_file_loads(name: str, load: Any) -> None:
    settings = parse_config(load(name), stack=name)
    assert settings.stack == name
    assert settings.environment == name
    assert settings.home_region == "us-east-1"


def test_dev_matches_the_issue_contract(dev_config: dict[str, Any]) -> None:
    cfg = parse_config(dev_config).config
    assert cfg.ecs is not None and cfg.ecs.launch_type == "FARGATE"
    assert cfg.eks is not None and len(cfg.eks.regions) == 1
    assert (cfg.network.az_count, cfg.network.nat_gateways) == (2, "single")


def test_prod_matches_the_issue_contract(prod_config: dict[str, Any]) -> None:
    settings = parse_config(prod_config)
    cfg = settings.config
    assert cfg.ecs is not None and cfg.ecs.launch_type == "EC2"
    assert settings.regions == ("us-east-1", "eu-west-1")
    assert (cfg.network.az_count, cfg.network.nat_gateways) == (3, "perAz")


def test_every_problem_is_reported_at_once(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "network.azCount", 9)
    config = set_path(config, "registry.scanning", "full")
    config = set_path(config, "ecs.services[0].cpu", "big")
    config = set_path(config, "eks.storage.s3", True)
    config["container-platform:extra"] = 1
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    paths = {p.path for p in caught.value.problems}
    assert paths == {
        "network.azCount",
        "registry.scanning",
        "ecs.services[web].cpu",
        "eks.storage.s3",
        "container-platform:extra",
    }
    assert str(caught.value).startswith("invalid configuration for stack 'test' (5 problems):")


def test_unknown_top_level_key_lists_the_allowed_keys(dev_config: dict[str, Any]) -> None:
    dev_config["container-platform:ecss"] = {}
    with pytest.raises(
        ConfigError,
        match=r"container-platform:ecss: unknown key; did you mean `container-platform:ecs`\? expected one of container-platform:accountId, container-platform:environment, .*container-platform:ecs",
    ):
        parse_config(dev_config)


def test_unknown_nested_key_lists_the_allowed_keys(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "ecs.services[0].loadBalancer.listenerPort", 443)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert str(caught.value.problems[0]) == (
        "ecs.services[web].loadBalancer.listenerPort: unknown key; expected one of type, public, healthCheckPath, certificateArn, privateLink, privateLinkPrincipals, accessLogsBucket, plainHttpReason"
    )


def test_cross_section_rules_wait_for_valid_sections(dev_config: dict[str, Any]) -> None:
    # A broken registry must not produce a misleading "repository not in registry" error.
    config = set_path(dev_config, "registry.repositories", "web")
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert [p.path for p in caught.value.problems] == ["registry.repositories"]


def test_fargate_table_matches_aws_facts() -> None:
    assert FARGATE_MEMORY_BY_CPU[256] == (512, 1024, 2048)
    assert FARGATE_MEMORY_BY_CPU[4096][-1] == 30720
    assert FARGATE_MEMORY_BY_CPU[8192] == (
        16384,
        20480,
        24576,
        28672,
        32768,
        36864,
        40960,
        45056,
        49152,
        53248,
        57344,
        61440,
    )
    assert FARGATE_MEMORY_BY_CPU[16384][0] == 32768 and FARGATE_MEMORY_BY_CPU[16384][-1] == 122880


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("m7i.large", "x86_64"),
        ("m7g.large", "arm64"),
        ("c7gn.xlarge", "arm64"),
        ("g5.xlarge", "x86_64"),
        ("g5g.xlarge", "arm64"),
        ("t4g.small", "arm64"),
        ("r7iz.large", "x86_64"),
    ],
)
def test_instance_architecture_recognises_graviton(instance_type: str, arch: str) -> None:
    assert instance_architecture(instance_type) == arch


def test_defaults_are_the_safe_ones() -> None:
    settings = parse(
        {
            "accountId": "111122223333",
            "environment": "dev",
            "network": '{"cidrs": {"us-east-1": "10.0.0.0/16"}}',
            "registry": '{"repositories": [{"name": "web"}]}',
        },
        home_region="us-east-1",
        stack="t",
    )
    cfg = settings.config
    assert (cfg.network.az_count, cfg.network.nat_gateways, cfg.network.vpc_endpoints) == (2, "single", True)
    repo = cfg.registry.repositories[0]
    assert (repo.tag_mutability, repo.keep_tagged_images) == ("IMMUTABLE", 30)
    assert (cfg.registry.encryption, cfg.registry.force_delete, cfg.registry.scanning) == (
        "customerManagedKey",
        False,
        "basic",
    )
    assert cfg.ecs is None and cfg.eks is None
    assert settings.regions == ("us-east-1",)


@pytest.mark.parametrize(
    "image",
    [
        "web:1.4.2",
        "web@sha256:" + "a" * 64,
        "public.ecr.aws/nginx/nginx:1.27",
        "localhost:5000/web:1",
        "ghcr.io/org/app/api:v2",
    ],
)
def test_good_image_references_are_accepted(image: str, dev_config: dict[str, Any]) -> None:
    parse_config(set_path(dev_config, "ecs.services[0].image", image))


def test_settings_are_frozen(dev_config: dict[str, Any]) -> None:
    cfg = parse_config(dev_config).config
    with pytest.raises(Exception, match="frozen"):
        cfg.network.az_count = 3  # type: ignore[misc]


def test_warnings_flag_plain_http_with_its_reason(dev_config: dict[str, Any]) -> None:
    warnings = parse_config(dev_config).warnings
    assert (
        "ecs.services[web].loadBalancer: no certificateArn, so the ALB serves plain HTTP on port 80 (guardrail exception: dev has no domain or ACM certificate yet - synthetic test traffic only)"
        in warnings
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("API_TOKEN", "abc"),
        ("DB_PASSWORD", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("UPSTREAM", "AKIAABCDEFGHIJKLMNOP"),
    ],
)
def test_credentials_in_plain_environment_are_rejected(name: str, value: str, dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, f"ecs.services[0].environment.{name}", value)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert [str(p) for p in caught.value.problems] == [
        f"ecs.services[web].environment.{name}: looks like a credential; move it to secrets (a Secrets Manager or SSM ARN): plain environment is readable in the task definition (guardrail ecs-no-plaintext-secrets)"
    ]


@pytest.mark.parametrize("name", ["TOKEN_TTL_SECONDS", "KEYSPACE", "SECRETARY_NAME", "LOG_LEVEL"])
def test_names_that_only_resemble_credentials_are_accepted(name: str, dev_config: dict[str, Any]) -> None:
    parse_config(set_path(dev_config, f"ecs.services[0].environment.{name}", "1"))


def test_eks_version_warning_depends_on_the_support_calendar(dev_config: dict[str, Any]) -> None:
    raw = {k: v for k, v in dev_config.items() if k.startswith("container-platform:")}
    import json

    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    early = parse(encoded, home_region="us-east-1", stack="t", today=date(2026, 6, 1)).warnings
    late = parse(encoded, home_region="us-east-1", stack="t", today=date(2027, 1, 1)).warnings
    assert not any(w.startswith("eks.version") for w in early)
    assert "eks.version: 1.35 leaves standard support on 2027-03-27; plan the upgrade" in late


def test_replication_is_limited_to_100_repositories(prod_config: dict[str, Any]) -> None:
    repos = [{"name": f"repo-{i}"} for i in range(101)]
    with pytest.raises(
        ConfigError, match=r"registry.repositories: 101 repositories, but a replication rule filters at most 100"
    ):
        parse_config(set_path(set_path(prod_config, "registry.repositories", repos), "ecs", DELETE))
    dev = parse_config(set_path(set_path(load_dev(), "registry.repositories", repos), "ecs", DELETE))
    assert len(dev.config.registry.repositories) == 101  # no replication in dev, no limit


def test_ecr_public_needs_a_us_east_1_provider() -> None:
    base = {"accountId": "111122223333", "environment": "dev", "network": '{"cidrs": {"eu-west-1": "10.0.0.0/16"}}'}
    with_public = parse({**base, "registry": '{"public": [{"name": "tools"}]}'}, home_region="eu-west-1", stack="t")
    assert with_public.provider_regions == ("eu-west-1", "us-east-1")
    assert with_public.regions == ("eu-west-1",)
    assert parse(base, home_region="eu-west-1", stack="t").provider_regions == ("eu-west-1",)


def test_no_nat_is_warned_about_missing_endpoints(dev_config: dict[str, Any]) -> None:
    config = set_path(set_path(dev_config, "network.natGateways", "none"), "eks.clusterAutoscaler", False)
    assert any(w.startswith("network.natGateways: 'none' leaves workloads only") for w in parse_config(config).warnings)


def test_single_nat_in_prod_is_warned(prod_config: dict[str, Any]) -> None:
    config = set_path(prod_config, "network.natGateways", "single")
    assert any(w.startswith("network.natGateways: 'single' in prod") for w in parse_config(config).warnings)


# ------------------------------------------------------------------ network zone ids

ZONE_ID_ERRORS: list[tuple[str, dict[str, Any], str, str]] = [
    # (stack, network.zoneIds, path the error names, the whole message)
    (
        "dev",
        {"us-east-1": ["use1-az1"]},
        "network.zoneIds.us-east-1",
        "lists 1 zone ids but network.azCount is 2; list exactly 2",
    ),
    (
        "prod",
        {"eu-west-1": ["euw1-az1", "euw1-az2"]},
        "network.zoneIds.eu-west-1",
        "lists 2 zone ids but network.azCount is 3; list exactly 3",
    ),
    (
        "dev",
        {"us-east-1": ["use1-az1", "use1-az2"], "eu-west-1": ["euw1-az1", "euw1-az2"]},
        "network.zoneIds.eu-west-1",
        "region 'eu-west-1' is not in use (home region or eks.regions); remove it",
    ),
    (
        "dev",
        {"us-east-1": ["use1-az1", "use1-az3"]},
        "network.zoneIds.us-east-1[1]",
        "'use1-az3' cannot hold EKS cluster subnets (CreateCluster fails with UnsupportedAvailabilityZoneException) "
        "and us-east-1 runs EKS; pick another zone",
    ),
    (
        "dev",
        {"us-east-1": ["us-east-1a", "use1-az2"]},
        "network.zoneIds.us-east-1[0]",
        "'us-east-1a' is not an Availability Zone id; expected an id such as use1-az1 "
        "(zone names such as us-east-1a differ between accounts)",
    ),
    (
        "dev",
        {"us-east-1": ["use1-az2", "use1-az2"]},
        "network.zoneIds.us-east-1[1]",
        "'use1-az2' is listed more than once; list each zone once",
    ),
]


@pytest.mark.parametrize(("base", "zone_ids", "where", "message"), ZONE_ID_ERRORS, ids=[e[2] for e in ZONE_ID_ERRORS])
def test_bad_zone_ids_are_rejected_at_their_path(
    base: str, zone_ids: dict[str, Any], where: str, message: str, load: Any
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(set_path(load(base), "network.zoneIds", zone_ids))
    assert f"{where}: {message}" in [str(p) for p in caught.value.problems]


def test_pinned_zone_ids_load(prod_config: dict[str, Any]) -> None:
    pins = {"us-east-1": ["use1-az1", "use1-az2", "use1-az4"], "eu-west-1": ["euw1-az3", "euw1-az1", "euw1-az2"]}
    cfg = parse_config(set_path(prod_config, "network.zoneIds", pins))
    assert cfg.config.network.zone_ids == {k: tuple(v) for k, v in pins.items()}


def test_zone_ids_are_computed_by_default(dev_config: dict[str, Any]) -> None:
    assert parse_config(dev_config).config.network.zone_ids == {}


def test_eks_unsupported_zone_may_be_pinned_where_eks_does_not_run(dev_config: dict[str, Any]) -> None:
    config = set_path(set_path(dev_config, "network.zoneIds", {"us-east-1": ["use1-az1", "use1-az3"]}), "eks", DELETE)
    assert parse_config(config).config.network.zone_ids == {"us-east-1": ("use1-az1", "use1-az3")}


def test_instance_types_per_region_cover_eks_node_groups_and_ecs_on_ec2(load: Any) -> None:
    dev, prod = parse_config(load("dev")), parse_config(load("prod"))
    # dev: ECS on Fargate launches no instances of its own.
    assert dev.instance_types_in("us-east-1") == ("m7i.large", "m6i.large")
    # prod: the managed groups' lists and the self-managed group's type, then ECS's, each once.
    assert prod.instance_types_in("us-east-1") == ("m7i.large", "m6i.large", "m5.large")
    assert prod.instance_types_in("eu-west-1") == ("m7i.large", "m6i.large", "m5.large")
    own_types = set_path(load("prod"), "eks.nodeGroups[2].instanceType", "c7i.xlarge")
    own_types = set_path(own_types, "ecs.instances.instanceTypes", ["r7i.large"])
    assert parse_config(own_types).instance_types_in("us-east-1") == (
        "m7i.large",
        "m6i.large",
        "m5.large",
        "c7i.xlarge",
        "r7i.large",
    )
    ecs_only = set_path(set_path(load("prod"), "ecs.instances.instanceTypes", ["c7i.large"]), "eks", DELETE)
    ecs_only = parse_config(set_path(ecs_only, "network.cidrs", {"us-east-1": "10.20.0.0/16"}))
    assert ecs_only.instance_types_in("us-east-1") == ("c7i.large",)
    assert ecs_only.instance_types_in("eu-west-1") == ()  # no EKS there, and ECS runs in the home region only


def test_break_glass_role_may_not_also_be_an_admin(dev_config: dict[str, Any]) -> None:
    role = "arn:aws:iam::123456789012:role/break-glass"
    config = set_path(set_path(dev_config, "eks.adminRoleArns", [role]), "eks.breakGlassRoleArn", role)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert [str(p) for p in caught.value.problems] == [
        "eks.breakGlassRoleArn: is also listed in eks.adminRoleArns; an IAM principal can be in only one access "
        "entry, so list it once"
    ]


def test_eks_warnings_name_what_is_missing(prod_config: dict[str, Any], dev_config: dict[str, Any]) -> None:
    assert any(
        w.startswith("eks.breakGlassRoleArn: no emergency admin role") for w in parse_config(prod_config).warnings
    )
    with_role = set_path(prod_config, "eks.breakGlassRoleArn", "arn:aws:iam::123456789012:role/break-glass")
    assert not any(w.startswith("eks.breakGlassRoleArn") for w in parse_config(with_role).warnings)
    unused = set_path(dev_config, "eks.versions.addons.aws-fsx-csi-driver", "v1.10.0-eksbuild.1")
    assert (
        "eks.versions.addons: aws-fsx-csi-driver pinned but not installed by this stack"
        in parse_config(unused).warnings
    )
    off = parse_config(set_path(dev_config, "eks.clusterAutoscaler", False)).warnings
    assert any(w.startswith("eks.nodeGroups[spot]: nothing scales it") for w in off)


def test_pinned_versions_are_the_only_source_of_add_on_versions(dev_config: dict[str, Any]) -> None:
    from settings.checks import required_addons
    from settings.eks_versions import ADDON_NAMES
    from settings.models import AddonName

    assert set(ADDON_NAMES) == set(AddonName.__args__)
    eks = parse_config(dev_config).config.eks
    assert eks is not None
    assert required_addons(eks) == (
        "vpc-cni",
        "kube-proxy",
        "eks-pod-identity-agent",
        "coredns",
        "aws-ebs-csi-driver",
        "aws-efs-csi-driver",
        "amazon-cloudwatch-observability",
    )


def test_a_secret_of_another_account_is_warned_about(dev_config: dict[str, Any]) -> None:
    other = "arn:aws:secretsmanager:us-east-1:210987654321:secret:shared-db"
    warnings = parse_config(set_path(dev_config, "ecs.services[0].secrets.DATABASE_URL", other)).warnings
    assert any(w.startswith("ecs.services[web].secrets.DATABASE_URL: in account 210987654321") for w in warnings)
    assert not any("secrets.DATABASE_URL" in w for w in parse_config(dev_config).warnings)


def test_dev_and_prod_deploy_to_different_accounts(dev_config: dict[str, Any], prod_config: dict[str, Any]) -> None:
    assert parse_config(dev_config).account_id != parse_config(prod_config).account_id


@pytest.mark.parametrize(("stack", "days"), [("dev", 30), ("prod", 365)])
def test_flow_logs_are_on_by_default_and_kept_per_environment(stack: str, days: int, load: Any) -> None:
    cfg = parse_config(load(stack))
    assert cfg.config.network.flow_logs.enabled is True
    assert cfg.flow_log_retention_days == days
    assert parse_config(set_path(load(stack), "network.flowLogs", {"retentionDays": 90})).flow_log_retention_days == 90


FLOW_LOG_ERRORS = [
    ({"enabled": False}, "network.flowLogs.offReason", "required with enabled: false"),
    ({"offReason": "nothing runs in this VPC yet"}, "network.flowLogs.offReason", "applies only with enabled: false"),
    ({"retentionDays": 10}, "network.flowLogs.retentionDays", "Input should be 1, 3, 5, 7, 14, 30"),
    ({"enabled": False, "offReason": "n/a"}, "network.flowLogs.offReason", "at least 15 characters"),
    (
        {"trafficType": "REJECT"},
        "network.flowLogs.trafficType",
        "unknown key; expected one of enabled, retentionDays, offReason",
    ),
]


@pytest.mark.parametrize(("value", "where", "message"), FLOW_LOG_ERRORS, ids=[str(e[0]) for e in FLOW_LOG_ERRORS])
def test_bad_flow_log_settings_are_rejected_at_their_path(
    value: dict[str, Any], where: str, message: str, dev_config: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(set_path(dev_config, "network.flowLogs", value))
    assert any(str(p).startswith(f"{where}: ") and message in str(p) for p in caught.value.problems), (
        caught.value.problems
    )


def test_flow_logs_may_be_turned_off_with_a_reason(dev_config: dict[str, Any]) -> None:
    off = {"enabled": False, "offReason": "sandbox VPC - no workload traffic to investigate"}
    flow = parse_config(set_path(dev_config, "network.flowLogs", off)).config.network.flow_logs
    assert (flow.enabled, flow.off_reason) == (False, off["offReason"])
