"""Load balancers, EFS volumes and auto scaling of ECS services, under the recording mocks."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from components.ecs.load_balancer import ALB_TLS_POLICY
from components.ecs.scaling import schedule_expression, step_adjustments
from components.efs.file_system import posix_id
from offline_plan.recorder import Plan, run_stack
from tests.aws_shapes import actions_of, is_real_action, request_errors
from tests.conftest import DELETE, set_path


@pytest.fixture(scope="module")
def dev(committed_plans: dict[str, Plan]) -> Plan:
    return committed_plans["dev"]


@pytest.fixture(scope="module")
def prod(committed_plans: dict[str, Plan]) -> Plan:
    return committed_plans["prod"]


def sg_rule(plan: Plan, name: str) -> dict[str, Any]:
    return plan.named(name).inputs


# ------------------------------------------------------------------------------ ALB


def test_dev_alb_is_public_http_only_with_a_warning(dev: Plan) -> None:
    lb = dev.named("ecs-web-lb-alb").inputs
    assert (lb["loadBalancerType"], lb["internal"], lb["dropInvalidHeaderFields"]) == ("application", False, True)
    assert lb["subnets"] == dev.exports["networks"]["us-east-1"]["publicSubnetIds"]
    assert lb["enableDeletionProtection"] is False
    (listener,) = [r for r in dev.of_type("aws:lb/listener:Listener") if r.parent == dev.named("ecs-web-lb-alb").parent]
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (80, "HTTP")
    assert listener.inputs["defaultActions"][0]["type"] == "forward"
    assert (
        "ecs.services[web].loadBalancer: no certificateArn, so the ALB serves plain HTTP on port 80 (guardrail exception: dev has no domain or ACM certificate yet - synthetic test traffic only)"
        in dev.warnings
    )


def test_prod_alb_serves_https_with_a_modern_policy_and_redirects_http(prod: Plan) -> None:
    https = prod.named("ecs-web-lb-https").inputs
    assert (https["port"], https["protocol"], https["sslPolicy"]) == (443, "HTTPS", ALB_TLS_POLICY)
    assert https["certificateArn"].startswith("arn:aws:acm:us-east-1:")
    redirect = prod.named("ecs-web-lb-http").inputs["defaultActions"][0]
    assert redirect == {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    assert prod.named("ecs-web-lb-alb").inputs["enableDeletionProtection"] is True
    assert sorted(rule["fromPort"] for rule in _lb_sg(prod, "ecs-web")["ingress"]) == [80, 443]


def _lb_sg(plan: Plan, service: str) -> dict[str, Any]:
    return plan.named(f"{service}-lb-sg").inputs


def test_alb_target_group_uses_ip_targets_and_the_health_check_path(dev: Plan) -> None:
    tg = dev.named("ecs-web-lb-tg").inputs
    assert (tg["targetType"], tg["port"], tg["protocol"]) == ("ip", 8080, "HTTP")
    assert tg["healthCheck"]["path"] == "/healthz" and tg["healthCheck"]["protocol"] == "HTTP"


def test_security_groups_chain_from_the_load_balancer_to_the_tasks(dev: Plan) -> None:
    lb_sg = _lb_sg(dev, "ecs-web")
    assert [r["cidrBlocks"] for r in lb_sg["ingress"]] == [["0.0.0.0/0"]]
    assert "egress" not in lb_sg or not lb_sg["egress"]
    to_tasks = dev.named("ecs-web-lb-egress-to-tasks").inputs
    from_lb = dev.named("ecs-web-lb-ingress-to-tasks").inputs
    service_sg = dev.named("ecs-web-sg")
    assert (to_tasks["fromPort"], to_tasks["toPort"], from_lb["fromPort"]) == (8080, 8080, 8080)
    assert service_sg.urn in dev.named("ecs-web-lb-egress-to-tasks").dependencies
    assert service_sg.urn in dev.named("ecs-web-lb-ingress-to-tasks").propertyDependencies["securityGroupId"]
    assert to_tasks["description"] and from_lb["description"]


def test_service_registers_in_the_target_group_after_the_listener(dev: Plan) -> None:
    service = dev.named("ecs-web-service")
    (attachment,) = service.inputs["loadBalancers"]
    assert (attachment["containerName"], attachment["containerPort"]) == ("web", 8080)
    assert attachment["targetGroupArn"].startswith("arn:aws:elasticloadbalancing:us-east-1:")
    assert dev.named("ecs-web-lb-http").urn in service.dependencies
    assert service.inputs["healthCheckGracePeriodSeconds"] == 60


def test_internal_alb_admits_only_the_vpc(dev_config: dict[str, Any]) -> None:
    plan = run_stack("dev", set_path(dev_config, "ecs.services[0].loadBalancer.public", False))
    assert plan.named("ecs-web-lb-alb").inputs["internal"] is True
    assert plan.named("ecs-web-lb-alb").inputs["subnets"] == plan.exports["networks"]["us-east-1"]["privateSubnetIds"]
    assert [r["cidrBlocks"] for r in _lb_sg(plan, "ecs-web")["ingress"]] == [["10.10.0.0/16"]]


def test_alb_access_logs_when_configured(dev_config: dict[str, Any]) -> None:
    plan = run_stack("dev", set_path(dev_config, "ecs.services[0].loadBalancer.accessLogsBucket", "acme-elb-logs"))
    assert plan.named("ecs-web-lb-alb").inputs["accessLogs"] == {
        "bucket": "acme-elb-logs",
        "enabled": True,
        "prefix": "ecs-web-lb",
    }


# ------------------------------------------------------------------------------ NLB


def test_dev_nlb_is_internal_tcp_cross_zone_with_private_link(dev: Plan) -> None:
    lb = dev.named("ecs-api-lb-nlb").inputs
    assert (lb["loadBalancerType"], lb["internal"], lb["enableCrossZoneLoadBalancing"]) == ("network", True, True)
    assert lb["securityGroups"], "NLB security groups can only be set at creation"
    listener = dev.named("ecs-api-lb-tcp").inputs
    assert (listener["port"], listener["protocol"]) == (9000, "TCP")
    tg = dev.named("ecs-api-lb-tg").inputs
    assert (tg["targetType"], tg["protocol"], tg["healthCheck"]["protocol"]) == ("ip", "TCP", "TCP")
    endpoint = dev.named("ecs-api-lb-endpoint-service").inputs
    assert endpoint["acceptanceRequired"] is True
    assert endpoint["networkLoadBalancerArns"][0].startswith("arn:aws:elasticloadbalancing:us-east-1:")


def test_private_link_principals_may_connect(dev_config: dict[str, Any]) -> None:
    principals = ["arn:aws:iam::210987654321:root"]
    plan = run_stack("dev", set_path(dev_config, "ecs.services[2].loadBalancer.privateLinkPrincipals", principals))
    assert plan.named("ecs-api-lb-endpoint-service").inputs["allowedPrincipals"] == principals


def test_scaling_changes_are_applied_one_at_a_time(dev: Plan) -> None:
    # Application Auto Scaling rejects concurrent updates of one scalable target.
    chain = [
        "ecs-web-scaling-target",
        "ecs-web-scaling-cpu",
        "ecs-web-scaling-memory",
        "ecs-web-scaling-requests",
        "ecs-web-scaling-business-hours",
        "ecs-web-scaling-after-hours",
    ]
    for before, after in itertools.pairwise(chain):
        assert dev.named(before).urn in dev.named(after).dependencies, (before, after)


def test_nlb_with_a_certificate_terminates_tls(dev_config: dict[str, Any]) -> None:
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/0f7c9a52-3a8e-4d8e-9b1e-2f5c7d9e1a00"
    plan = run_stack("dev", set_path(dev_config, "ecs.services[2].loadBalancer.certificateArn", cert))
    listener = plan.named("ecs-api-lb-tls").inputs
    assert (listener["port"], listener["protocol"], listener["sslPolicy"]) == (443, "TLS", ALB_TLS_POLICY)


def test_load_balancer_names_fit_aws_limits(dev: Plan, prod: Plan) -> None:
    # Pulumi appends 8 characters to a logical name; AWS allows 32 for LBs and target groups.
    for plan in (dev, prod):
        for r in plan.of_type("aws:lb/loadBalancer:LoadBalancer") + plan.of_type("aws:lb/targetGroup:TargetGroup"):
            assert len(r.name) + 8 <= 32, r.name


# ------------------------------------------------------------------------------ EFS


def test_efs_is_encrypted_with_a_mount_target_in_every_az(dev: Plan, prod: Plan) -> None:
    for plan, azs in ((dev, 2), (prod, 3)):
        fs = plan.named("ecs-efs-fs").inputs
        assert fs["encrypted"] is True
        targets = [t for t in plan.of_type("aws:efs/mountTarget:MountTarget") if t.name.startswith("ecs-efs-")]
        assert len(targets) == azs
        private = plan.exports["networks"]["us-east-1"]["privateSubnetIds"]
        assert sorted(t.inputs["subnetId"] for t in targets) == sorted(private)


def test_efs_refuses_unencrypted_transport(dev: Plan) -> None:
    policy = json.loads(dev.named("ecs-efs-policy").inputs["policy"])
    (deny,) = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert dev.named("ecs-efs-backup").inputs["backupPolicy"] == {"status": "ENABLED"}


def test_efs_admits_nfs_only_from_the_mounting_service(dev: Plan) -> None:
    efs_sg = dev.named("ecs-efs-sg").inputs
    assert not efs_sg.get("ingress")
    nfs = dev.named("ecs-web-nfs")
    assert (nfs.inputs["fromPort"], nfs.inputs["toPort"], nfs.inputs["ipProtocol"]) == (2049, 2049, "tcp")
    assert dev.named("ecs-web-sg").urn in nfs.propertyDependencies["referencedSecurityGroupId"]
    assert not any(r.name in ("ecs-worker-nfs", "ecs-api-nfs") for r in dev.resources)


def test_each_mounting_service_gets_its_own_access_point(dev: Plan) -> None:
    ap = dev.named("ecs-efs-web").inputs
    uid = posix_id("web")
    assert ap["posixUser"] == {"uid": uid, "gid": uid}
    assert ap["rootDirectory"] == {
        "path": "/web",
        "creationInfo": {"ownerUid": uid, "ownerGid": uid, "permissions": "0750"},
    }
    assert [r.name for r in dev.of_type("aws:efs/accessPoint:AccessPoint")] == ["ecs-efs-web"]


def test_task_definition_mounts_efs_with_tls_and_iam(dev: Plan) -> None:
    td = dev.named("ecs-web-task").inputs
    (efs,) = [v for v in td["volumes"] if v["name"] == "efs"]
    config = efs["efsVolumeConfiguration"]
    assert config["transitEncryption"] == "ENABLED"
    assert config["authorizationConfig"]["iam"] == "ENABLED"
    assert config["authorizationConfig"]["accessPointId"].startswith("fsap-")
    (container,) = json.loads(td["containerDefinitions"])
    assert {"sourceVolume": "efs", "containerPath": "/data", "readOnly": False} in container["mountPoints"]


def test_task_role_may_mount_only_through_its_access_point(dev: Plan) -> None:
    policy = json.loads(dev.named("ecs-web-task-policy").inputs["policy"])
    (mount,) = [s for s in policy["Statement"] if s["Sid"] == "MountOwnAccessPoint"]
    assert mount["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert mount["Resource"].startswith("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-")
    assert mount["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"].startswith(
        "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-"
    )
    assert all(is_real_action(a) for a in actions_of(policy))


def test_read_only_volume_gets_no_write_permission(dev_config: dict[str, Any]) -> None:
    plan = run_stack("dev", set_path(dev_config, "ecs.services[0].volumes", [{"efs": "/data", "readOnly": True}]))
    policy = json.loads(plan.named("ecs-web-task-policy").inputs["policy"])
    (mount,) = [s for s in policy["Statement"] if s["Sid"] == "MountOwnAccessPoint"]
    assert mount["Action"] == ["elasticfilesystem:ClientMount"]


def test_efs_works_on_the_ec2_launch_type(prod: Plan) -> None:
    td = prod.named("ecs-web-task").inputs
    assert td["requiresCompatibilities"] == ["EC2"]
    assert any(v["name"] == "efs" for v in td["volumes"])
    register = {
        "family": td["family"],
        "containerDefinitions": json.loads(td["containerDefinitions"]),
        "volumes": td["volumes"],
        "networkMode": "awsvpc",
    }
    assert request_errors("ecs", "RegisterTaskDefinition", register) == ""


def test_the_file_system_outlives_the_services_that_mount_it(dev_config: dict[str, Any], dev: Plan) -> None:
    """M9: no service mounts it any more, yet it stays; it is retained even when turned off."""
    plan = run_stack("dev", set_path(dev_config, "ecs.services[0].volumes", []))
    fs = plan.named("ecs-efs-fs")
    assert fs.urn == dev.named("ecs-efs-fs").urn and fs.inputs == dev.named("ecs-efs-fs").inputs
    assert fs.options["retainOnDelete"] is True
    assert not [r for r in plan.resources if r.type == "aws:efs/accessPoint:AccessPoint" and "web" in r.name]
    off = run_stack("dev", set_path(set_path(dev_config, "ecs.services[0].volumes", []), "ecs.sharedFileSystem", False))
    assert not [r for r in off.resources if r.type.startswith("aws:efs/") and r.name.startswith("ecs-")]


# -------------------------------------------------------------------------- scaling


def test_scalable_target_bounds_the_desired_count(dev: Plan) -> None:
    target = dev.named("ecs-web-scaling-target").inputs
    assert target == {
        "serviceNamespace": "ecs",
        "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": "service/container-platform-dev/web",
        "minCapacity": 2,
        "maxCapacity": 20,
        "suspendedState": {
            "dynamicScalingInSuspended": False,
            "dynamicScalingOutSuspended": False,
            "scheduledScalingSuspended": False,
        },
        "tags": {"component": "ecs", "service": "web"},
    }
    assert dev.named("ecs-web-service").urn in dev.named("ecs-web-scaling-target").dependencies


def test_three_target_tracking_policies(dev: Plan) -> None:
    metrics = {}
    for role in ("cpu", "memory", "requests"):
        config = dev.named(f"ecs-web-scaling-{role}").inputs["targetTrackingScalingPolicyConfiguration"]
        metrics[config["predefinedMetricSpecification"]["predefinedMetricType"]] = config
    assert sorted(metrics) == [
        "ALBRequestCountPerTarget",
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
    ]
    assert metrics["ECSServiceAverageCPUUtilization"]["targetValue"] == 60
    label = metrics["ALBRequestCountPerTarget"]["predefinedMetricSpecification"]["resourceLabel"]
    lb_suffix, _, tg_suffix = label.partition("/targetgroup/")
    assert lb_suffix.startswith("app/ecs-web-lb-alb-") and tg_suffix.startswith("ecs-web-lb-tg-")


def test_step_policies_have_the_alarms_that_drive_them(dev: Plan) -> None:
    out = dev.named("ecs-worker-scaling-step-out")
    config = out.inputs["stepScalingPolicyConfiguration"]
    assert config["adjustmentType"] == "ChangeInCapacity"
    assert config["stepAdjustments"] == [
        {"scalingAdjustment": 1, "metricIntervalLowerBound": "0", "metricIntervalUpperBound": "15"},
        {"scalingAdjustment": 2, "metricIntervalLowerBound": "15"},
    ]
    alarm = dev.named("ecs-worker-scaling-step-out-alarm")
    (action,) = alarm.inputs["alarmActions"]
    assert action.startswith("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:")
    assert "resource/ecs/service/container-platform-dev/worker:policyName/ecs-worker-scaling-step-out-" in action
    assert out.urn in alarm.propertyDependencies["alarmActions"]
    assert (alarm.inputs["threshold"], alarm.inputs["comparisonOperator"]) == (80, "GreaterThanOrEqualToThreshold")
    assert alarm.inputs["dimensions"] == {"ClusterName": "container-platform-dev", "ServiceName": "worker"}
    scale_in = dev.named("ecs-worker-scaling-step-in-alarm").inputs
    assert (scale_in["threshold"], scale_in["comparisonOperator"]) == (20, "LessThanOrEqualToThreshold")


def test_scheduled_actions_cron_and_at(dev: Plan, prod: Plan) -> None:
    business = dev.named("ecs-web-scaling-business-hours").inputs
    assert business["schedule"] == "cron(0 8 ? * MON-FRI *)" and business["timezone"] == "UTC"
    assert business["scalableTargetAction"] == {"minCapacity": 4, "maxCapacity": 20}
    launch = dev.named("ecs-api-scaling-launch-day").inputs
    assert launch["schedule"] == "at(2027-01-04T08:00:00)" and launch["timezone"] == "Europe/Berlin"
    assert launch["scalableTargetAction"] == {"minCapacity": 2}
    assert prod.named("ecs-web-scaling-business-hours").inputs["timezone"] == "Europe/Berlin"


def test_scaled_services_ignore_desired_count_drift(dev: Plan, dev_config: dict[str, Any]) -> None:
    assert dev.named("ecs-web-service").options["ignoreChanges"] == ["desiredCount"]
    plan = run_stack("dev", set_path(dev_config, "ecs.services[1].autoscaling", DELETE))
    assert plan.named("ecs-worker-service").options["ignoreChanges"] == []
    assert not any(r.name.startswith("ecs-worker-scaling") for r in plan.resources)


def test_dev_exercises_every_feature(dev: Plan) -> None:
    types = {r.type for r in dev.resources}
    assert {
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:efs/fileSystem:FileSystem",
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:ec2/vpcEndpointService:VpcEndpointService",
    } <= types
    kinds = {r.inputs["loadBalancerType"] for r in dev.of_type("aws:lb/loadBalancer:LoadBalancer")}
    assert kinds == {"application", "network"}


# --------------------------------------------------------------------------- pure


def test_step_adjustments_are_strings_relative_to_the_threshold() -> None:
    assert step_adjustments([(0, 15, 1), (15, None, 3)]) == [
        {"scaling_adjustment": 1, "metric_interval_lower_bound": "0", "metric_interval_upper_bound": "15"},
        {"scaling_adjustment": 3, "metric_interval_lower_bound": "15"},
    ]
    assert step_adjustments([(None, 0, -1)]) == [{"scaling_adjustment": -1, "metric_interval_upper_bound": "0"}]


def test_schedule_expression() -> None:
    assert schedule_expression("0 8 ? * MON-FRI *", None) == "cron(0 8 ? * MON-FRI *)"
    assert schedule_expression(None, "2027-01-04T08:00:00") == "at(2027-01-04T08:00:00)"
    with pytest.raises(ValueError, match="exactly one"):
        schedule_expression(None, None)


def test_posix_ids_are_stable_and_in_range() -> None:
    assert posix_id("web") == posix_id("web")
    assert posix_id("web") != posix_id("worker")
    assert all(10000 <= posix_id(name) < 60000 for name in ("a", "web", "payments-api"))


# -------------------------------------------------------------------------- first deploy (M2)


@pytest.fixture(scope="module")
def first_run() -> Plan:
    """The first ``up`` on an empty account: the repositories are created in this very run."""
    return run_stack("dev", images_pushed=False)


def test_first_run_starts_services_without_tasks_and_says_what_to_push(first_run: Plan) -> None:
    for name in ("web", "worker", "api"):
        assert first_run.named(f"ecs-{name}-service").inputs["desiredCount"] == 0
        target = first_run.named(f"ecs-{name}-scaling-target").inputs
        assert (target["minCapacity"], target["maxCapacity"]) == (0, 0)
        assert set(target["suspendedState"].values()) == {True}, "no policy or schedule may start tasks"
    urls = first_run.exports["registry"]["repositoryUrls"]
    for name, image in (("web", "web:1.4.2"), ("worker", "worker:2.0.1"), ("api", "api:0.9.0")):
        repo, tag = image.split(":")
        assert any(f"docker push {urls[repo]}:{tag}" in w and f"service {name} " in w for w in first_run.warnings), (
            first_run.warnings
        )
    # No failed deployment to clear later: the circuit breaker has nothing to judge with no tasks.
    assert first_run.named("ecs-web-service").inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_next_run_after_the_push_starts_them(dev: Plan, first_run: Plan) -> None:
    assert dev.named("ecs-web-service").inputs["desiredCount"] == 2
    assert dev.named("ecs-worker-service").inputs["desiredCount"] == 1
    assert not [w for w in dev.warnings if "docker push" in w]
    # The service keeps ignoring desiredCount under auto scaling; registering min 2 raises it.
    assert dev.named("ecs-web-service").options["ignoreChanges"] == ["desiredCount"]
    assert dev.named("ecs-web-scaling-target").inputs["minCapacity"] == 2
    assert first_run.named("ecs-web-service").urn == dev.named("ecs-web-service").urn


def test_an_image_of_another_registry_is_not_looked_up(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "ecs.services[1].image", "public.ecr.aws/docker/library/busybox:1.37")
    plan = run_stack("dev", config, images_pushed=False)
    assert plan.named("ecs-worker-service").inputs["desiredCount"] == 1
    assert plan.named("ecs-web-service").inputs["desiredCount"] == 0


def test_a_service_starts_after_everything_its_first_tasks_need(dev: Plan, prod: Plan) -> None:
    """m4: mount targets, the NFS rules, the task role policy and the execution role's policies."""
    for plan in (dev, prod):
        deps = set(plan.named("ecs-web-service").dependencies)
        needed = [r.urn for r in plan.of_type("aws:efs/mountTarget:MountTarget") if r.name.startswith("ecs-efs-")]
        needed += [plan.named(n).urn for n in ("ecs-web-nfs", "ecs-web-task-policy", "ecs-execution-managed")]
        needed.append(plan.named("ecs-execution-secrets").urn)
        assert needed and set(needed) <= deps, set(needed) - deps
    assert prod.named("ecs-instances-nfs").urn in prod.named("ecs-web-service").dependencies
    assert prod.named("ecs-execution-managed").urn in prod.named("ecs-worker-service").dependencies
