"""ECS Anywhere: the activation, its role, and EXTERNAL services, under the recording mocks."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from components.ecs.anywhere import ANYWHERE_ROLE_POLICIES, registration_command
from offline_plan.recorder import Plan, run_stack, stack_config
from settings import ConfigError
from tests.aws_shapes import request_errors
from tests.conftest import parse_config, set_path

EXPIRES = (date.today() + timedelta(days=14)).isoformat()
EDGE = {
    "name": "edge",
    "image": "worker:2.0.1",
    "cpu": 300,
    "memory": 256,
    "port": 8081,
    "launchType": "EXTERNAL",
    "networkMode": "bridge",
}


def with_anywhere(**service: Any) -> dict[str, Any]:
    config = set_path(stack_config("dev"), "ecs.anywhere", {"registrationLimit": 5, "expirationDate": EXPIRES})
    services = [*config["container-platform:ecs"]["services"], {**EDGE, **service}]
    return set_path(config, "ecs.services", services)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_stack("dev", with_anywhere())


def test_role_is_trusted_by_ssm_with_the_documented_policies(plan: Plan) -> None:
    trust = json.loads(plan.named("ecs-anywhere-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    attached = sorted(
        r.inputs["policyArn"]
        for r in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith("ecs-anywhere-role-")
    )
    assert attached == sorted(ANYWHERE_ROLE_POLICIES)


def test_activation_is_limited_dated_and_tagged_for_the_cluster(plan: Plan) -> None:
    activation = plan.named("ecs-anywhere-activation")
    i = activation.inputs
    assert (i["registrationLimit"], i["expirationDate"]) == (5, f"{EXPIRES}T23:59:59Z")
    assert i["tags"]["ecs-cluster"] == "container-platform-dev"
    assert plan.named("ecs-anywhere-role-AmazonSSMManagedInstanceCore").urn in activation.dependencies


def test_activation_code_is_a_secret_the_plan_never_prints(plan: Plan) -> None:
    assert plan.exports["ecsAnywhereActivationCode"] == "[secret]"
    assert "OFFLINE-ACTIVATION-CODE" not in json.dumps(plan.to_json())


def test_registration_command_is_copy_pasteable(plan: Plan) -> None:
    command = plan.exports["ecsAnywhere"]["registrationCommand"]
    activation_id = plan.exports["ecsAnywhere"]["activationId"]
    assert command == registration_command("us-east-1", "container-platform-dev", activation_id)
    assert "--region us-east-1 --cluster container-platform-dev" in command
    assert '--activation-code "$ACTIVATION_CODE"' in command and command.startswith('curl --proto "https"')


def test_external_task_definition_uses_bridge_networking(plan: Plan) -> None:
    td = plan.named("ecs-edge-task").inputs
    assert (td["networkMode"], td["requiresCompatibilities"]) == ("bridge", ["EXTERNAL"])
    assert "runtimePlatform" not in td
    request = {
        "family": td["family"],
        "containerDefinitions": json.loads(td["containerDefinitions"]),
        "networkMode": td["networkMode"],
        "requiresCompatibilities": td["requiresCompatibilities"],
        "cpu": td["cpu"],
        "memory": td["memory"],
        "executionRoleArn": td["executionRoleArn"],
        "taskRoleArn": td["taskRoleArn"],
        "volumes": td["volumes"],
    }
    assert request_errors("ecs", "RegisterTaskDefinition", request) == ""


def test_external_service_has_no_vpc_networking_or_load_balancer(plan: Plan) -> None:
    service = plan.named("ecs-edge-service").inputs
    assert service["launchType"] == "EXTERNAL"
    for key in ("networkConfiguration", "capacityProviderStrategies", "loadBalancers", "platformVersion"):
        assert key not in service, key
    assert not any(r.name == "ecs-edge-sg" for r in plan.resources)
    # Same role model as every other service.
    td = plan.named("ecs-edge-task").inputs
    assert td["taskRoleArn"] != td["executionRoleArn"]


def test_host_networking_when_asked() -> None:
    plan = run_stack(
        "dev", with_anywhere(networkMode="host", hostNetworkReason="the agent reads the multicast feed of the server")
    )
    td = plan.named("ecs-edge-task").inputs
    assert td["networkMode"] == "host"
    # The reason travels as the guardrail exception the policy pack honours.
    assert (
        td["tags"]["guardrail-exception/ecs-no-host-namespaces"] == "the agent reads the multicast feed of the server"
    )


def test_off_by_default(committed_plans: dict[str, Any]) -> None:
    plan = committed_plans["dev"]
    assert not any("anywhere" in r.name for r in plan.resources)
    assert "ecsAnywhere" not in plan.exports


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"loadBalancer": {"type": "network"}}, "loadBalancer", "does not support load balancers"),
        ({"networkMode": "awsvpc"}, "networkMode", "'bridge' or 'host'"),
        ({"volumes": [{"efs": "/data"}]}, "volumes", "does not support EFS volumes"),
    ],
)
def test_bad_external_combinations_name_the_key(change: dict[str, Any], where: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_anywhere(**change))
    assert any(str(p).startswith(f"ecs.services[edge].{where}") and words in str(p) for p in caught.value.problems), (
        caught.value
    )


def test_external_needs_the_anywhere_section() -> None:
    config = set_path(with_anywhere(), "ecs.anywhere", None)
    config["container-platform:ecs"].pop("anywhere")
    with pytest.raises(ConfigError, match=r"ecs.services\[edge\].launchType: EXTERNAL needs ecs.anywhere"):
        parse_config(config)


def test_network_mode_is_only_for_external_services() -> None:
    config = set_path(stack_config("dev"), "ecs.services[1].networkMode", "bridge")
    with pytest.raises(ConfigError, match=r"ecs.services\[worker\].networkMode: applies only to launchType EXTERNAL"):
        parse_config(config)


def test_external_sizes_are_not_held_to_the_fargate_table() -> None:
    # cpu 300 is no Fargate size, but EXTERNAL tasks run on the servers' own capacity.
    assert parse_config(with_anywhere()).config.ecs is not None


@pytest.mark.parametrize(
    ("expires", "words"),
    [
        ((date.today() + timedelta(days=45)).isoformat(), "more than 30 days ahead"),
        ("2027-02-30", "is not a date"),
    ],
)
def test_activation_expiry_is_checked(expires: str, words: str) -> None:
    config = set_path(with_anywhere(), "ecs.anywhere.expirationDate", expires)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert any(p.path == "ecs.anywhere.expirationDate" and words in p.message for p in caught.value.problems)


def test_a_passed_expiry_only_warns_so_the_stack_stays_deployable() -> None:
    config = set_path(with_anywhere(), "ecs.anywhere.expirationDate", (date.today() - timedelta(days=1)).isoformat())
    warnings = parse_config(config).warnings
    assert any(w.startswith("ecs.anywhere.expirationDate:") and "has passed" in w for w in warnings)
