"""ECS under the recording mocks: the dev (Fargate) and prod (EC2) stacks, plus targeted configs."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from offline_plan.recorder import Plan, RecordedResource, run_stack, stack_config
from tests.aws_shapes import actions_of, is_real_action, request_errors
from tests.conftest import set_path

FARGATE_SIZES = {256: {512, 1024, 2048}, 512: {1024, 2048, 3072, 4096}, 1024: set(range(2048, 8193, 1024))}


@pytest.fixture(scope="module")
def dev(committed_plans: dict[str, Plan]) -> Plan:
    return committed_plans["dev"]


@pytest.fixture(scope="module")
def prod(committed_plans: dict[str, Plan]) -> Plan:
    return committed_plans["prod"]


def task_definitions(plan: Plan) -> list[RecordedResource]:
    return plan.of_type("aws:ecs/taskDefinition:TaskDefinition")


def register_request(td: RecordedResource) -> dict[str, Any]:
    """The RegisterTaskDefinition request the provider would send for a recorded task definition."""
    i = td.inputs
    request = {
        "family": i["family"],
        "containerDefinitions": json.loads(i["containerDefinitions"]),
        "networkMode": i["networkMode"],
        "requiresCompatibilities": i["requiresCompatibilities"],
        "cpu": i["cpu"],
        "memory": i["memory"],
        "executionRoleArn": i["executionRoleArn"],
        "taskRoleArn": i["taskRoleArn"],
        "runtimePlatform": {
            "operatingSystemFamily": i["runtimePlatform"]["operatingSystemFamily"],
            "cpuArchitecture": i["runtimePlatform"]["cpuArchitecture"],
        },
    }
    if i.get("volumes"):
        request["volumes"] = i["volumes"]
    return request


# ----------------------------------------------------------------------------- both


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_task_definitions_match_the_ecs_api_shape(stack: str, dev: Plan, prod: Plan) -> None:
    plan = dev if stack == "dev" else prod
    assert len(task_definitions(plan)) == len(stack_config(stack)["container-platform:ecs"]["services"])
    for td in task_definitions(plan):
        assert request_errors("ecs", "RegisterTaskDefinition", register_request(td)) == "", td.name


def test_cluster_has_container_insights_and_exec_logging(dev: Plan) -> None:
    cluster = dev.named("ecs-cluster").inputs
    assert cluster["name"] == "container-platform-dev"
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    exec_config = cluster["configuration"]["executeCommandConfiguration"]
    assert exec_config["logging"] == "OVERRIDE"
    assert exec_config["logConfiguration"]["cloudWatchLogGroupName"] == "/ecs/container-platform-dev/exec"


def test_each_service_has_its_own_task_role_never_the_execution_role(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        execution = plan.named("ecs-execution-role")
        roles = {td.inputs["taskRoleArn"] for td in task_definitions(plan)}
        assert len(roles) == len(task_definitions(plan))
        for td in task_definitions(plan):
            assert td.inputs["executionRoleArn"] != td.inputs["taskRoleArn"]
            assert execution.urn in td.dependencies


def test_execution_role_reads_only_the_referenced_secret(dev: Plan) -> None:
    policy = json.loads(dev.named("ecs-execution-secrets").inputs["policy"])
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-db"
    reads = next(s for s in policy["Statement"] if s["Sid"] == "ReadReferencedSecrets")
    assert reads["Resource"] == [secret, secret + "-??????"]
    assert all(is_real_action(a) for a in actions_of(policy))
    attachment = dev.named("ecs-execution-managed").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_execution_role_may_pull_from_the_registry(dev: Plan) -> None:
    (execution_arn,) = {td.inputs["executionRoleArn"] for td in task_definitions(dev)}
    for repo in ("web", "worker"):
        (pull,) = json.loads(dev.named(f"registry-{repo}-policy").inputs["policy"])["Statement"]
        assert execution_arn in pull["Principal"]["AWS"]


def test_container_image_comes_from_the_shared_registry(dev: Plan) -> None:
    (container,) = json.loads(dev.named("ecs-web-task").inputs["containerDefinitions"])
    assert container["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
    assert container["secrets"] == [
        {"name": "DATABASE_URL", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-db"}
    ]
    assert container["healthCheck"]["command"][0] == "CMD-SHELL"
    assert container["readonlyRootFilesystem"] is True and container["privileged"] is False


def test_services_run_privately_with_rollback_and_tag_propagation(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        for service in plan.of_type("aws:ecs/service:Service"):
            i = service.inputs
            assert i["networkConfiguration"]["assignPublicIp"] is False
            assert len(i["networkConfiguration"]["securityGroups"]) == 1
            assert i["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
            assert (i["deploymentMinimumHealthyPercent"], i["deploymentMaximumPercent"]) == (100, 200)
            assert i["propagateTags"] == "SERVICE" and i["enableEcsManagedTags"] is True
            assert i["forceNewDeployment"] is True  # capacity strategy changes update in place
            # Created after, and destroyed before, the capacity provider association.
            assert plan.named("ecs-capacity-providers").urn in service.dependencies


def test_service_log_groups_keep_the_configured_retention(dev: Plan, prod: Plan) -> None:
    key = dev.named("ecs-logs-key")
    assert dev.named("ecs-web-logs").inputs == {
        "name": "/ecs/container-platform-dev/web",
        "retentionInDays": 30,
        "kmsKeyId": dev.named("ecs-web-logs").inputs["kmsKeyId"],
        "tags": {"component": "ecs", "service": "web"},
    }
    assert prod.named("ecs-web-logs").inputs["retentionInDays"] == 365
    # Every log group of the cluster is encrypted with the cluster's logs key.
    for plan in (dev, prod):
        groups = [g for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name.startswith("ecs-")]
        assert groups and all(g.inputs["kmsKeyId"].startswith("arn:aws:kms:us-east-1:") for g in groups)
        assert all(plan.named("ecs-logs-key").urn in g.propertyDependencies["kmsKeyId"] for g in groups)
    assert key.inputs["enableKeyRotation"] is True


def test_logs_key_admits_only_this_accounts_log_groups_in_the_region(dev: Plan) -> None:
    policy = json.loads(dev.named("ecs-logs-key").inputs["policy"])
    (logs,) = [s for s in policy["Statement"] if s["Sid"] == "LogsEncryptsThisAccountsLogGroups"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:*"}
    }
    (admin,) = [s for s in policy["Statement"] if s["Sid"] == "AccountAdministersThroughIam"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


# -------------------------------------------------------------------------- fargate


def test_dev_attaches_fargate_and_fargate_spot_with_an_on_demand_base(dev: Plan) -> None:
    association = dev.named("ecs-capacity-providers").inputs
    assert association["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert association["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    assert not dev.of_type("aws:autoscaling/group:Group")


def test_dev_tasks_are_fargate_with_valid_sizes(dev: Plan) -> None:
    for td in task_definitions(dev):
        assert td.inputs["requiresCompatibilities"] == ["FARGATE"]
        assert int(td.inputs["memory"]) in FARGATE_SIZES[int(td.inputs["cpu"])]
    for service in dev.of_type("aws:ecs/service:Service"):
        assert service.inputs["platformVersion"] == "LATEST"
        assert [s["capacityProvider"] for s in service.inputs["capacityProviderStrategies"]] == [
            "FARGATE",
            "FARGATE_SPOT",
        ]


def test_on_demand_only_fargate(dev_config: dict[str, Any]) -> None:
    plan = run_stack("dev", set_path(dev_config, "ecs.fargateSpotWeight", 0))
    assert plan.named("ecs-capacity-providers").inputs["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1}
    ]


# ------------------------------------------------------------------------------ ec2


def test_prod_launch_template_is_hardened(prod: Plan) -> None:
    lt = prod.named("ecs-launch-template").inputs
    invoke = next(i for i in prod.invokes if i["token"] == "aws:ssm/getParameter:getParameter")
    assert invoke["args"] == {"name": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"}
    assert lt["imageId"].startswith("ami-")
    assert lt["metadataOptions"]["httpTokens"] == "required"
    assert lt["metadataOptions"]["httpPutResponseHopLimit"] == 1
    (disk,) = lt["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3"
    (nic,) = lt["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "false"
    user_data = base64.b64decode(lt["userData"]).decode()
    assert "ECS_CLUSTER=container-platform-prod" in user_data
    assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING" not in user_data
    assert {t["resourceType"] for t in lt["tagSpecifications"]} == {"instance", "volume", "network-interface"}
    assert lt["tagSpecifications"][0]["tags"]["environment"] == "prod"


def test_prod_instance_profile_carries_the_agent_policies(prod: Plan) -> None:
    trust = json.loads(prod.named("ecs-instance-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = sorted(
        r.inputs["policyArn"]
        for r in prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith("ecs-instance-role-")
    )
    # Keyed by policy name, never by position.
    assert (
        prod.named("ecs-instance-role-AmazonSSMManagedInstanceCore")
        .inputs["policyArn"]
        .endswith("/AmazonSSMManagedInstanceCore")
    )
    assert attached == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    ]
    profile = prod.named("ecs-instance-profile")
    lt = prod.named("ecs-launch-template")
    assert lt.inputs["iamInstanceProfile"]["arn"].startswith(
        "arn:aws:iam::444455556666:instance-profile/ecs-instance-profile-"
    )
    assert profile.urn in lt.dependencies


def test_prod_asg_spans_private_subnets_with_protection(prod: Plan) -> None:
    asg = prod.named("ecs-asg")
    i = asg.inputs
    assert i["vpcZoneIdentifiers"] == prod.exports["networks"]["us-east-1"]["privateSubnetIds"]
    # Managed scaling: the group starts empty and the capacity provider raises it (m2).
    assert (i["minSize"], i["maxSize"], i["desiredCapacity"]) == (0, 12, 0)
    assert i["protectFromScaleIn"] is True and i["forceDelete"] is True
    assert {"key": "AmazonECSManaged", "value": "true", "propagateAtLaunch": True} in i["tags"]
    assert asg.options["ignoreChanges"] == ["desiredCapacity"]
    overrides = i["mixedInstancesPolicy"]["launchTemplate"]["overrides"]
    assert overrides == [{"instanceType": "m7i.large"}]
    assert i["mixedInstancesPolicy"]["instancesDistribution"]["onDemandPercentageAboveBaseCapacity"] == 100
    # A concrete launch template version, so a new one starts the instance refresh.
    assert i["mixedInstancesPolicy"]["launchTemplate"]["launchTemplateSpecification"]["version"] == "1"
    assert i["instanceRefresh"]["strategy"] == "Rolling"


def test_prod_capacity_provider_manages_scaling_protection_and_draining(prod: Plan) -> None:
    cp = prod.named("ecs-capacity")
    provider = cp.inputs["autoScalingGroupProvider"]
    assert cp.inputs["name"] == "container-platform-prod-ec2"
    assert provider["managedTerminationProtection"] == "ENABLED"
    assert provider["managedDraining"] == "ENABLED"
    assert provider["managedScaling"]["status"] == "ENABLED" and provider["managedScaling"]["targetCapacity"] == 100
    assert prod.named("ecs-asg").urn in cp.dependencies


def test_prod_default_strategy_and_services_use_the_capacity_provider(prod: Plan) -> None:
    association = prod.named("ecs-capacity-providers")
    assert association.inputs["capacityProviders"] == ["container-platform-prod-ec2"]
    assert association.inputs["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "container-platform-prod-ec2", "weight": 1, "base": 0}
    ]
    # Destroy order: the association goes before the capacity provider, which goes before the ASG.
    assert prod.named("ecs-capacity").urn in association.dependencies
    for service in prod.of_type("aws:ecs/service:Service"):
        assert service.inputs["capacityProviderStrategies"] == [
            {"capacityProvider": "container-platform-prod-ec2", "weight": 1, "base": 0}
        ]
        assert "platformVersion" not in service.inputs
    for td in task_definitions(prod):
        assert td.inputs["requiresCompatibilities"] == ["EC2"]


def test_one_scaling_authority_per_cluster(prod: Plan, prod_config: dict[str, Any]) -> None:
    """m1: managed scaling (prod) has no CPU policy; scaling: cpu has no managed scaling."""
    assert not [r for r in prod.resources if r.name == "ecs-asg-cpu"]
    config = set_path(
        prod_config,
        "ecs.instances",
        {"instanceTypes": ["m7i.large"], "scaling": "cpu", "minSize": 2, "maxSize": 6, "cpuTarget": 60},
    )
    plan = run_stack("prod", config)
    policy = plan.named("ecs-asg-cpu").inputs
    assert policy["policyType"] == "TargetTrackingScaling"
    tracking = policy["targetTrackingConfiguration"]
    assert tracking["predefinedMetricSpecification"] == {"predefinedMetricType": "ASGAverageCPUUtilization"}
    assert tracking["targetValue"] == 60
    provider = plan.named("ecs-capacity").inputs["autoScalingGroupProvider"]
    assert provider["managedScaling"] == {"status": "DISABLED"}
    assert provider["managedTerminationProtection"] == "DISABLED"
    asg = plan.named("ecs-asg").inputs
    assert (asg["minSize"], asg["desiredCapacity"], asg["protectFromScaleIn"]) == (2, 2, False)


def test_instances_have_no_inbound_rules_and_reach_https_dns_and_nfs_only(prod: Plan) -> None:
    sg = prod.named("ecs-instances-sg").inputs
    assert not sg.get("ingress")
    assert [(r["protocol"], r["fromPort"], r.get("cidrBlocks")) for r in sg["egress"]] == [
        ("tcp", 443, ["0.0.0.0/0"]),
        ("udp", 53, ["10.20.0.2/32"]),
        ("tcp", 53, ["10.20.0.2/32"]),
        ("tcp", 2049, None),
    ]
    # NFS only to the file system's own group, not to the whole VPC.
    assert sg["egress"][3]["securityGroups"][0].startswith("sg-")
    assert prod.named("ecs-efs-sg").urn in prod.named("ecs-instances-sg").propertyDependencies["egress"]
    # On EC2 the instance mounts EFS for its tasks.
    nfs = prod.named("ecs-instances-nfs").inputs
    assert (nfs["fromPort"], nfs["ipProtocol"]) == (2049, "tcp")
    assert (
        prod.named("ecs-instances-sg").urn
        in prod.named("ecs-instances-nfs").propertyDependencies["referencedSecurityGroupId"]
    )


def test_instance_refresh_also_replaces_protected_instances(prod: Plan) -> None:
    preferences = prod.named("ecs-asg").inputs["instanceRefresh"]["preferences"]
    assert preferences == {"minHealthyPercentage": 90, "scaleInProtectedInstances": "Refresh"}


def test_prod_file_system_is_protected(prod: Plan, dev: Plan) -> None:
    assert prod.named("ecs-efs-fs").options["protect"] is True
    assert dev.named("ecs-efs-fs").options["protect"] in (False, None)


def test_spot_instances_drain_and_rebalance(prod_config: dict[str, Any]) -> None:
    config = set_path(
        prod_config,
        "ecs.instances",
        {"instanceTypes": ["m7i.large", "m6i.large"], "maxSize": 4, "spot": True},
    )
    plan = run_stack("prod", config)
    user_data = base64.b64decode(plan.named("ecs-launch-template").inputs["userData"]).decode()
    assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in user_data
    asg = plan.named("ecs-asg").inputs
    assert asg["mixedInstancesPolicy"]["instancesDistribution"]["onDemandPercentageAboveBaseCapacity"] == 0
    assert asg["capacityRebalance"] is True
    assert [o["instanceType"] for o in asg["mixedInstancesPolicy"]["launchTemplate"]["overrides"]] == [
        "m7i.large",
        "m6i.large",
    ]


def test_graviton_instances_use_the_arm64_ami_and_task_platform(prod_config: dict[str, Any]) -> None:
    config = set_path(prod_config, "ecs.instances", {"instanceTypes": ["m7g.large"], "architecture": "arm64"})
    plan = run_stack("prod", config)
    invoke = next(i for i in plan.invokes if i["token"] == "aws:ssm/getParameter:getParameter")
    assert invoke["args"]["name"] == "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
    assert {td.inputs["runtimePlatform"]["cpuArchitecture"] for td in task_definitions(plan)} == {"ARM64"}


# ----------------------------------------------------------------------- task roles


def test_task_policy_and_ecs_exec_go_to_the_service_role_only(dev_config: dict[str, Any]) -> None:
    config = set_path(
        dev_config,
        "ecs.services[1].taskPolicy",
        [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::reports/*"]}],
    )
    config = set_path(config, "ecs.services[1].enableExecuteCommand", True)
    config = set_path(config, "ecs.services[1].readOnlyRootFilesystem", False)
    config = set_path(config, "ecs.services[1].writableRootFilesystemReason", "the vendor agent writes to /var/cache")
    plan = run_stack("dev", config)
    policy = json.loads(plan.named("ecs-worker-task-policy").inputs["policy"])
    assert policy["Statement"][0] == {
        "Sid": "Config0",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::reports/*"],
    }
    assert "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/container-platform-dev/exec:*" in json.dumps(policy)
    assert all(is_real_action(a) for a in actions_of(policy))
    assert plan.named("ecs-worker-service").inputs["enableExecuteCommand"] is True
    # A service that asks for nothing gets no permissions.
    with pytest.raises(KeyError):
        plan.named("ecs-api-task-policy")


def test_without_ecs_section_nothing_ecs_is_built(dev_config: dict[str, Any]) -> None:
    config = {k: v for k, v in dev_config.items() if k != "container-platform:ecs"}
    plan = run_stack("dev", config)
    assert not [r for r in plan.resources if ":ecs" in r.type]
    # Only the EKS node role is left to pull.
    (pull,) = json.loads(plan.named("registry-web-policy").inputs["policy"])["Statement"]
    assert pull["Principal"]["AWS"] == [plan.exports["eks"]["us-east-1"]["nodeRoleArn"]]
    assert "ecs" not in plan.exports


def test_ecs_exports(dev: Plan) -> None:
    ecs = dev.exports["ecs"]
    assert ecs["clusterName"] == "container-platform-dev" and ecs["launchType"] == "FARGATE"
    web, api = ecs["services"]["web"], ecs["services"]["api"]
    assert web["arn"] == "arn:aws:ecs:us-east-1:123456789012:service/container-platform-dev/web"
    assert web["loadBalancerDns"].endswith(".us-east-1.elb.amazonaws.com") and web["endpointServiceName"] is None
    assert api["loadBalancerDns"].startswith("internal-")
    assert api["endpointServiceName"].startswith("com.amazonaws.vpce.us-east-1.vpce-svc-")
    assert ecs["services"]["worker"]["loadBalancerDns"] is None


def test_stack_files_match_the_issue(load: Any) -> None:
    assert stack_config("dev")["container-platform:ecs"]["launchType"] == "FARGATE"
    assert stack_config("prod")["container-platform:ecs"]["launchType"] == "EC2"
