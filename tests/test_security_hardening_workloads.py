"""Issue 17, items 5-8 on the real program: narrow egress, audited ECS Exec, non-root containers, prod access logs.

Each item is asserted twice: on what the committed dev and prod plans contain (these tests fail when the
program reverts the item), and as a planted case: the committed plan with the item reverted by hand, which
the guardrail pack must reject offline (the rule fails when it stops firing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from offline_plan.recorder import Plan, run_stack
from policy.guardrails.offline import evaluate
from tests.conftest import set_path

OPEN_ALL = {"description": "planted", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def _resource(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in plan["resources"] if r["name"] == name)


def _planted(plans: dict[str, Plan], stack: str, change: Callable[[dict[str, Any]], None]) -> set[tuple[str, str]]:
    """The mandatory violations of ``stack``'s committed plan after ``change``."""
    recorded = plans[stack].to_json()
    change(recorded)
    return {(v.policy, v.resource) for v in evaluate(recorded).mandatory}


def _containers(task: dict[str, Any]) -> list[dict[str, Any]]:
    return list(json.loads(task["inputs"]["containerDefinitions"]))


def _user(plan: Plan, task: str) -> str:
    return str(json.loads(plan.named(task).inputs["containerDefinitions"])[0]["user"])


def _from(plan: Plan, name: str, prop: str, source: str) -> bool:
    """Whether input ``prop`` of ``name`` was computed from resource ``source`` (its output)."""
    return plan.named(source).urn in plan.named(name).propertyDependencies.get(prop, [])


# --------------------------------------------------------------------------- item 5: narrow egress


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_security_group_lets_everything_out_to_the_internet(stack: str, committed_plans: dict[str, Plan]) -> None:
    plan = committed_plans[stack]
    groups = [(g.name, e) for g in plan.of_type(SG) for e in g.inputs.get("egress") or []]
    rules = [(r.name, r.inputs) for r in plan.of_type(EGRESS_RULE)]
    to_internet = [
        (name, rule)
        for name, rule in groups + rules
        if "0.0.0.0/0" in (rule.get("cidrBlocks") or [rule.get("cidrIpv4")])
    ]
    assert to_internet, "the HTTPS rules are missing"
    assert all(rule.get("protocol", rule.get("ipProtocol")) == "tcp" for _, rule in to_internet), to_internet
    assert {(rule["fromPort"], rule["toPort"]) for _, rule in to_internet} == {(443, 443)}


def test_service_tasks_get_https_dns_and_nfs_only(committed_plans: dict[str, Plan]) -> None:
    dev = committed_plans["dev"]
    web = dev.named("ecs-web-sg").inputs["egress"]
    assert [(e["protocol"], e["fromPort"], e["toPort"], e.get("cidrBlocks")) for e in web] == [
        ("tcp", 443, 443, ["0.0.0.0/0"]),
        ("udp", 53, 53, ["10.10.0.2/32"]),
        ("tcp", 53, 53, ["10.10.0.2/32"]),
        ("tcp", 2049, 2049, None),
    ]
    assert web[3]["securityGroups"][0].startswith("sg-") and _from(dev, "ecs-web-sg", "egress", "ecs-efs-sg")
    worker = committed_plans["dev"].named("ecs-worker-sg").inputs["egress"]
    assert [e["fromPort"] for e in worker] == [443, 53, 53]


def test_eks_nodes_get_https_out_and_the_vpc(committed_plans: dict[str, Plan]) -> None:
    plan = committed_plans["prod"]
    assert plan.named("eks-eu-west-1-node-egress").inputs["ipProtocol"] == "tcp"
    vpc = plan.named("eks-eu-west-1-node-egress-vpc").inputs
    assert (vpc["ipProtocol"], vpc["cidrIpv4"]) == ("-1", "10.21.0.0/16")


def test_declared_egress_becomes_rules_and_the_internet_gets_single_ports(dev_config: dict[str, Any]) -> None:
    postgres = {"name": "postgres", "description": "Orders database", "port": 5432, "cidrs": ["10.30.0.0/16"]}
    partner = {"name": "partner", "description": "Partner API", "port": 8443, "cidrs": ["0.0.0.0/0", "::/0"]}
    s3 = {"name": "s3", "description": "S3 gateway endpoint", "port": 443, "prefixListIds": ["pl-63a5400a"]}
    config = set_path(dev_config, "ecs.services[1].egress", [postgres, partner, s3])
    config = set_path(config, "eks.nodeEgress", [postgres])
    plan = run_stack("dev", config)
    extra = plan.named("ecs-worker-sg").inputs["egress"][3:]
    assert [(e["description"], e["fromPort"], e["toPort"]) for e in extra] == [
        ("Orders database", 5432, 5432),
        ("Partner API", 8443, 8443),
        ("S3 gateway endpoint", 443, 443),
    ]
    assert (extra[1]["cidrBlocks"], extra[1]["ipv6CidrBlocks"], extra[2]["prefixListIds"]) == (
        ["0.0.0.0/0"],
        ["::/0"],
        ["pl-63a5400a"],
    )
    node = plan.named("eks-us-east-1-node-egress-postgres-10-30-0-0-16").inputs
    assert (node["ipProtocol"], node["fromPort"], node["cidrIpv4"]) == ("tcp", 5432, "10.30.0.0/16")
    assert evaluate(plan.to_json()).mandatory == []


def test_planted_all_traffic_egress_is_caught(committed_plans: dict[str, Plan]) -> None:
    def revert(plan: dict[str, Any]) -> None:
        _resource(plan, "ecs-web-sg")["inputs"]["egress"].append(OPEN_ALL)
        _resource(plan, "eks-us-east-1-node-egress")["inputs"].update(ipProtocol="-1", fromPort=None, toPort=None)

    assert _planted(committed_plans, "prod", revert) == {
        ("sg-no-open-egress", f"{SG}::ecs-web-sg"),
        ("sg-no-open-egress", f"{EGRESS_RULE}::eks-us-east-1-node-egress"),
    }


# ------------------------------------------------------------------------- item 6: ECS Exec audited


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_cluster_encrypts_and_logs_exec_sessions(stack: str, committed_plans: dict[str, Plan]) -> None:
    plan = committed_plans[stack]
    config = plan.named("ecs-cluster").inputs["configuration"]["executeCommandConfiguration"]
    assert config["kmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    assert _from(plan, "ecs-cluster", "configuration", "ecs-exec-key")
    assert plan.named("ecs-exec-key").inputs["enableKeyRotation"] is True
    assert config["logging"] == "OVERRIDE"
    assert config["logConfiguration"] == {
        "cloudWatchLogGroupName": plan.named("ecs-exec-logs").inputs["name"],
        "cloudWatchEncryptionEnabled": True,
    }
    assert _from(plan, "ecs-exec-logs", "kmsKeyId", "ecs-logs-key")


def _actions(policy: dict[str, Any]) -> set[str]:
    statements = json.loads(policy["policy"])["Statement"]
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_only_a_service_with_exec_gets_the_ssm_channels_and_the_session_key(
    dev_config: dict[str, Any], committed_plans: dict[str, Plan]
) -> None:
    for stack in ("dev", "prod"):
        task_policies = [r for r in committed_plans[stack].of_type(ROLE_POLICY) if r.name.endswith("-task-policy")]
        assert task_policies
        assert not {a for r in task_policies for a in _actions(r.inputs)} & {
            "ssmmessages:OpenDataChannel",
            "kms:Decrypt",
        }
    config = set_path(dev_config, "ecs.services[1].enableExecuteCommand", True)
    config = set_path(config, "ecs.services[1].readOnlyRootFilesystem", False)
    config = set_path(config, "ecs.services[1].writableRootFilesystemReason", "ECS Exec agent writes to the root fs")
    plan = run_stack("dev", config)
    statements = json.loads(plan.named("ecs-worker-task-policy").inputs["policy"])["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["EcsExecSessionKey"] == {
        "Sid": "EcsExecSessionKey",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": plan.named("ecs-cluster").inputs["configuration"]["executeCommandConfiguration"]["kmsKeyId"],
    }
    assert _from(plan, "ecs-worker-task-policy", "policy", "ecs-exec-key")
    assert "ssmmessages:OpenDataChannel" in by_sid["EcsExecChannels"]["Action"]
    assert "EcsExecChannels" not in plan.named("ecs-web-task-policy").inputs["policy"]


def test_planted_cluster_without_exec_configuration_is_caught(committed_plans: dict[str, Plan]) -> None:
    def drop_configuration(plan: dict[str, Any]) -> None:
        del _resource(plan, "ecs-cluster")["inputs"]["configuration"]

    def drop_key(plan: dict[str, Any]) -> None:
        del _resource(plan, "ecs-cluster")["inputs"]["configuration"]["executeCommandConfiguration"]["kmsKeyId"]

    cluster = ("ecs-exec-audited", "aws:ecs/cluster:Cluster::ecs-cluster")
    assert _planted(committed_plans, "dev", drop_configuration) == {cluster}
    assert _planted(committed_plans, "prod", drop_key) == {cluster}


# ------------------------------------------------------------------------ item 7: non-root containers


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_container_runs_as_its_services_non_root_id(stack: str, committed_plans: dict[str, Plan]) -> None:
    plan = committed_plans[stack]
    tasks = plan.of_type(TASK_DEFINITION)
    assert tasks
    for task in tasks:
        uid, gid = _user(plan, task.name).split(":")
        assert uid == gid and 10000 <= int(uid) < 60000, (task.name, uid, gid)
    # The web service's user is the uid its EFS access point enforces.
    posix = plan.named("ecs-efs-web").inputs["posixUser"]
    assert _user(plan, "ecs-web-task") == f"{posix['uid']}:{posix['gid']}"


def test_root_needs_a_reason_that_becomes_the_exception_tag(dev_config: dict[str, Any]) -> None:
    reason = "the vendor image drops privileges itself after binding port 80"
    config = set_path(dev_config, "ecs.services[1].user", "0:0")
    config = set_path(config, "ecs.services[1].runAsRootReason", reason)
    plan = run_stack("dev", config)
    task = plan.named("ecs-worker-task")
    assert _user(plan, "ecs-worker-task") == "0:0"
    assert task.inputs["tags"]["guardrail-exception/ecs-non-root-user"] == reason
    report = evaluate(plan.to_json())
    assert report.mandatory == []
    assert [v.resource for v in report.exceptions if "ecs-non-root-user" in v.message] == [
        f"{TASK_DEFINITION}::ecs-worker-task"
    ]


def test_planted_root_and_unset_users_are_caught(committed_plans: dict[str, Plan]) -> None:
    def revert(plan: dict[str, Any]) -> None:
        for name, user in (("ecs-web-task", "0:0"), ("ecs-worker-task", None)):
            task = _resource(plan, name)
            containers = _containers(task)
            if user is None:
                del containers[0]["user"]
            else:
                containers[0]["user"] = user
            task["inputs"]["containerDefinitions"] = json.dumps(containers)

    assert _planted(committed_plans, "prod", revert) == {
        ("ecs-non-root-user", f"{TASK_DEFINITION}::ecs-web-task"),
        ("ecs-non-root-user", f"{TASK_DEFINITION}::ecs-worker-task"),
    }


# ------------------------------------------------------------------- item 8: access logs in prod


def test_prod_load_balancers_log_to_the_programs_bucket_and_dev_does_not(committed_plans: dict[str, Plan]) -> None:
    prod = committed_plans["prod"]
    logs = prod.named("ecs-web-lb-alb").inputs["accessLogs"]
    assert (logs["enabled"], logs["prefix"]) == (True, "ecs-web-lb")
    assert logs["bucket"].startswith("ecs-access-logs-bucket-")
    assert _from(prod, "ecs-web-lb-alb", "accessLogs", "ecs-access-logs-bucket")
    assert prod.named("ecs-access-logs-public-access-block").inputs == {
        "bucket": logs["bucket"],
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    encryption = prod.named("ecs-access-logs-encryption").inputs["rules"][0]
    assert encryption["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert prod.named("ecs-access-logs-ownership").inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = prod.named("ecs-access-logs-lifecycle").inputs["rules"]
    assert (rule["status"], rule["expiration"]["days"]) == ("Enabled", 90)
    assert not [r for r in committed_plans["dev"].resources if r.type.startswith("aws:s3/")]
    assert committed_plans["dev"].named("ecs-web-lb-alb").inputs.get("accessLogs") is None


def test_the_bucket_policy_is_tls_only_and_lets_elb_write_this_accounts_logs(committed_plans: dict[str, Plan]) -> None:
    prod = committed_plans["prod"]
    arn = "arn:aws:s3:::" + prod.named("ecs-web-lb-alb").inputs["accessLogs"]["bucket"]
    statements = {s["Sid"]: s for s in json.loads(prod.named("ecs-access-logs-policy").inputs["policy"])["Statement"]}
    assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["DenyInsecureTransport"]["Effect"] == "Deny"
    logs = f"{arn}/*/AWSLogs/444455556666/*"
    assert statements["AlbLogDeliveryRegionalAccount"]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert statements["AlbLogDeliveryService"]["Resource"] == logs
    assert statements["NlbLogDeliveryWrite"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:logs:us-east-1:444455556666:*"
    }


def test_access_logs_can_be_turned_on_in_dev(dev_config: dict[str, Any]) -> None:
    plan = run_stack("dev", set_path(dev_config, "ecs.accessLogs", {"enabled": True, "retentionDays": 30}))
    for lb in ("ecs-web-lb-alb", "ecs-api-lb-nlb"):
        assert plan.named(lb).inputs["accessLogs"]["enabled"] is True
    assert plan.named("ecs-access-logs-lifecycle").inputs["rules"][0]["expiration"]["days"] == 30
    assert plan.named("ecs-access-logs-bucket").inputs["forceDestroy"] is True


def test_planted_prod_load_balancer_without_access_logs_is_caught(committed_plans: dict[str, Plan]) -> None:
    def revert(plan: dict[str, Any]) -> None:
        del _resource(plan, "ecs-web-lb-alb")["inputs"]["accessLogs"]

    def open_bucket(plan: dict[str, Any]) -> None:
        plan["resources"] = [
            r
            for r in plan["resources"]
            if r["name"] not in ("ecs-access-logs-public-access-block", "ecs-access-logs-lifecycle")
        ]
        policy = _resource(plan, "ecs-access-logs-policy")["inputs"]
        statements = json.loads(policy["policy"])["Statement"]
        policy["policy"] = json.dumps({"Statement": [s for s in statements if s["Effect"] != "Deny"]})

    assert _planted(committed_plans, "prod", revert) == {
        ("elb-access-logs", "aws:lb/loadBalancer:LoadBalancer::ecs-web-lb-alb")
    }
    bucket = "aws:s3/bucket:Bucket::ecs-access-logs-bucket"
    assert _planted(committed_plans, "prod", open_bucket) == {
        ("s3-public-access-blocked", bucket),
        ("s3-tls-only", bucket),
        ("s3-lifecycle", bucket),
    }
