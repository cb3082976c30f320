"""Issue 17, items 1-4 on the real program: flow logs, closed default security groups, customer-managed keys
for EFS and log groups, explicit key policies.

Each item is asserted twice: on what the committed dev and prod plans contain (these tests fail when the
program reverts the item), and as a planted case: the committed dev plan with the item reverted by hand,
which the guardrail pack must reject offline (the rule fails when it stops firing). What each key's policy
allows is evaluated in ``tests/test_key_policies.py``; items 5-8 are in ``test_security_hardening_workloads.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from offline_plan.recorder import Plan, run_stack, stack_config
from policy.guardrails.offline import evaluate
from tests.conftest import set_path

STACKS = ("dev", "prod")
AWSX_VPC = "awsx:ec2:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

FLOW_LOG_RETENTION = {"dev": 30, "prod": 365}
"""The per-environment default of ``network.flowLogs.retentionDays`` (neither stack sets it)."""


def _depends(plan: Plan, resource: Any, prop: str, source: Any) -> bool:
    return source.urn in resource.propertyDependencies.get(prop, [])


def _planted(
    plans: dict[str, Plan], change: Callable[[dict[str, Any]], None], stack: str = "dev"
) -> set[tuple[str, str]]:
    """The mandatory violations of ``stack``'s committed plan after ``change`` as (policy, type::name)."""
    recorded = plans[stack].to_json()
    change(recorded)
    return {(v.policy, v.resource) for v in evaluate(recorded).mandatory}


def _drop(*types: str) -> Callable[[dict[str, Any]], None]:
    def change(plan: dict[str, Any]) -> None:
        plan["resources"] = [r for r in plan["resources"] if r["type"] not in types]

    return change


def _edit(
    type_: str, edit: Callable[[dict[str, Any]], None], name: str | None = None
) -> Callable[[dict[str, Any]], None]:
    def change(plan: dict[str, Any]) -> None:
        for r in plan["resources"]:
            if r["type"] == type_ and name in (None, r["name"]):
                edit(r["inputs"])

    return change


# ------------------------------------------------------------------------- item 1: VPC flow logs


@pytest.mark.parametrize("stack", STACKS)
def test_every_vpc_logs_all_traffic_to_an_encrypted_group_kept_per_environment(
    committed_plans: dict[str, Plan], stack: str
) -> None:
    plan = committed_plans[stack]
    vpcs = plan.of_type(AWSX_VPC)
    assert vpcs
    for vpc in vpcs:
        (log,) = [f for f in plan.of_type(FLOW_LOG) if _depends(plan, f, "vpcId", vpc)]
        assert log.inputs["trafficType"] == "ALL"
        assert log.inputs["logDestinationType"] == "cloud-watch-logs"
        (group,) = [g for g in plan.of_type(LOG_GROUP) if _depends(plan, log, "logDestination", g)]
        assert group.inputs["retentionInDays"] == FLOW_LOG_RETENTION[stack]
        (key,) = [k for k in plan.of_type(KEY) if _depends(plan, group, "kmsKeyId", k)]
        assert key.inputs["enableKeyRotation"] is True and key.region == vpc.region
        (role,) = [r for r in plan.of_type(ROLE) if _depends(plan, log, "iamRoleArn", r)]
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
        assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}
        assert trust["Condition"]["ArnLike"]["aws:SourceArn"].startswith(f"arn:aws:ec2:{vpc.region}:")
        (policy,) = [p for p in plan.of_type(ROLE_POLICY) if _depends(plan, p, "role", role)]
        scoped = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Resource"] != "*"]
        assert [s["Action"] for s in json.loads(policy.inputs["policy"])["Statement"] if s["Resource"] == "*"] == [
            "logs:DescribeLogGroups"
        ]
        assert all(arn.startswith(f"arn:aws:logs:{vpc.region}:") and group.inputs["name"] in arn
                   for s in scoped for arn in s["Resource"])  # fmt: skip


def test_planted_vpc_without_flow_log_is_rejected(committed_plans: dict[str, Plan]) -> None:
    assert ("vpc-flow-logs", "awsx:ec2:Vpc::network-us-east-1-vpc") in _planted(committed_plans, _drop(FLOW_LOG))
    rejected_only = _edit(FLOW_LOG, lambda i: i.update(trafficType="REJECT"))
    assert ("vpc-flow-logs", "awsx:ec2:Vpc::network-us-east-1-vpc") in _planted(committed_plans, rejected_only)


# ------------------------------------------------------------- item 2: default security groups closed


@pytest.mark.parametrize("stack", STACKS)
def test_every_vpc_default_security_group_is_adopted_with_no_rules(
    committed_plans: dict[str, Plan], stack: str
) -> None:
    plan = committed_plans[stack]
    for vpc in plan.of_type(AWSX_VPC):
        (group,) = [g for g in plan.of_type(DEFAULT_SG) if _depends(plan, g, "vpcId", vpc)]
        assert not group.inputs.get("ingress") and not group.inputs.get("egress")
    assert len(plan.of_type(DEFAULT_SG)) == len(plan.of_type(AWSX_VPC))


def test_planted_default_security_group_left_open_is_rejected(committed_plans: dict[str, Plan]) -> None:
    assert ("vpc-default-sg-closed", "awsx:ec2:Vpc::network-us-east-1-vpc") in _planted(
        committed_plans, _drop(DEFAULT_SG)
    )
    self_rule = {"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}
    reopened = _edit(DEFAULT_SG, lambda i: i.update(ingress=[self_rule]))
    found = _planted(committed_plans, reopened)
    assert ("vpc-default-sg-closed", f"{DEFAULT_SG}::network-us-east-1-default-sg") in found


# ------------------------------------------------------- item 3: customer-managed keys for data at rest


@pytest.mark.parametrize("stack", STACKS)
def test_every_file_system_and_log_group_is_encrypted_with_a_rotating_key_of_its_own_region(
    committed_plans: dict[str, Plan], stack: str
) -> None:
    plan = committed_plans[stack]
    keys = plan.of_type(KEY)
    file_systems = plan.of_type(FILE_SYSTEM)
    assert {f.name for f in file_systems} >= {"ecs-efs-fs", "eks-us-east-1-storage-efs-fs"}
    for resource in [*file_systems, *plan.of_type(LOG_GROUP)]:
        (key,) = [k for k in keys if _depends(plan, resource, "kmsKeyId", k)]
        assert key.inputs["enableKeyRotation"] is True and key.region == resource.region, resource.name
    for fs in file_systems:
        (key,) = [k for k in keys if _depends(plan, fs, "kmsKeyId", k)]
        # Its own key, kept like the data it decrypts (and protected with it in prod).
        assert key.parent == fs.parent
        assert key.options["retainOnDelete"] is True and key.options["protect"] == fs.options["protect"]
        assert fs.inputs["encrypted"] is True


def test_planted_file_system_on_the_aws_managed_key_is_rejected(committed_plans: dict[str, Plan]) -> None:
    found = _planted(committed_plans, _edit(FILE_SYSTEM, lambda i: i.pop("kmsKeyId", None)))
    assert ("efs-customer-managed-key", f"{FILE_SYSTEM}::ecs-efs-fs") in found
    assert ("efs-customer-managed-key", f"{FILE_SYSTEM}::eks-us-east-1-storage-efs-fs") in found
    unencrypted_logs = _edit(LOG_GROUP, lambda i: i.pop("kmsKeyId", None), "network-us-east-1-flow-logs")
    assert ("logs-kms-encryption", f"{LOG_GROUP}::network-us-east-1-flow-logs") in _planted(
        committed_plans, unencrypted_logs
    )
    unrotated = _edit(KEY, lambda i: i.update(enableKeyRotation=False), "ecs-efs-key")
    assert ("kms-key-rotation", f"{KEY}::ecs-efs-key") in _planted(committed_plans, unrotated)


# ---------------------------------------------------------------------- item 4: explicit key policies


@pytest.mark.parametrize("stack", STACKS)
def test_every_key_has_an_explicit_policy(committed_plans: dict[str, Plan], stack: str) -> None:
    plan = committed_plans[stack]
    mine = {"logs-key", "efs-key", "secrets-key"}
    for key in plan.of_type(KEY):
        assert json.loads(key.inputs["policy"])["Statement"], key.name
    names = {k.name for k in plan.of_type(KEY)}
    assert all(any(n.endswith(m) for n in names) for m in mine) and "registry-key" in names


def test_planted_key_without_policy_or_with_a_wide_statement_is_rejected(committed_plans: dict[str, Plan]) -> None:
    default_policy = _edit(KEY, lambda i: i.pop("policy"), "registry-key")
    assert ("kms-key-policy", f"{KEY}::registry-key") in _planted(committed_plans, default_policy)

    def widen(inputs: dict[str, Any]) -> None:
        policy = json.loads(inputs["policy"])
        policy["Statement"][1]["Action"] = "kms:*"
        inputs["policy"] = json.dumps(policy)

    widened = _edit(KEY, widen, "eks-us-east-1-secrets-key")
    assert ("kms-key-policy", f"{KEY}::eks-us-east-1-secrets-key") in _planted(committed_plans, widened)


@pytest.mark.parametrize("stack", STACKS)
def test_the_committed_plans_pass_the_new_rules(committed_plans: dict[str, Plan], stack: str) -> None:
    rules = {"vpc-flow-logs", "vpc-default-sg-closed", "efs-customer-managed-key", "kms-key-rotation", "kms-key-policy"}
    assert {policy for policy, _ in _planted(committed_plans, lambda plan: None, stack)} & rules == set()


def test_flow_logs_turned_off_with_a_reason_show_as_an_exception_not_a_violation() -> None:
    """The one way past vpc-flow-logs: network.flowLogs.offReason becomes the VPC's exception tag."""
    reason = "sandbox VPC - no workload traffic to investigate"
    config = set_path(stack_config("dev"), "network.flowLogs", {"enabled": False, "offReason": reason})
    plan = run_stack("dev", config)
    assert not plan.of_type(FLOW_LOG) and plan.of_type(DEFAULT_SG)
    report = evaluate(plan.to_json())
    assert [v for v in report.mandatory if v.policy == "vpc-flow-logs"] == []
    waived = [v for v in report.exceptions if "vpc-flow-logs waived" in v.message]
    assert [v.resource for v in waived] == ["awsx:ec2:Vpc::network-us-east-1-vpc"] and reason in waived[0].message
