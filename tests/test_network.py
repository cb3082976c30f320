"""Network component under the recording mocks: names, parents, provider, subnets, endpoints."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.network import INTERFACE_ENDPOINTS, Network, NetworkArgs
from offline_plan.recorder import Plan, RecordedResource, record


def build(**overrides: Any) -> Plan:
    args = {
        "region": "eu-west-1",
        "cidr_block": "10.30.0.0/16",
        "az_count": 3,
        "nat_gateways": "single",
        "vpc_endpoints": True,
    }
    args.update(overrides)

    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        Network("net", NetworkArgs(**args), opts=pulumi.ResourceOptions(provider=provider))

    return record(program)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build()


def component(plan: Plan) -> RecordedResource:
    return plan.of_type("container-platform:network:Network")[0]


def test_children_are_named_after_and_parented_to_the_component(plan: Plan) -> None:
    net = component(plan)
    children = [r for r in plan.resources if r.parent == net.urn]
    assert sorted(r.name for r in children) == sorted(
        ["net-vpc", "net-endpoints", "net-ecr-api", "net-ecr-dkr", "net-logs", "net-sts"]
    )


def test_every_child_uses_the_regional_provider(plan: Plan) -> None:
    provider = plan.named("aws-eu-west-1")
    net = component(plan)
    for child in (r for r in plan.resources if r.parent == net.urn):
        ref = child.provider if child.custom else child.providers.get("aws", "")
        assert ref.startswith(provider.urn + "::"), child.name
        assert child.region == "eu-west-1"


def test_vpc_spans_the_configured_azs_and_cidr(plan: Plan) -> None:
    vpc = plan.named("net-vpc").inputs
    assert vpc["cidrBlock"] == "10.30.0.0/16"
    assert vpc["numberOfAvailabilityZones"] == 3
    assert vpc["enableDnsHostnames"] is True and vpc["enableDnsSupport"] is True


def test_subnets_are_tagged_for_public_and_internal_load_balancers(plan: Plan) -> None:
    specs = {s["type"]: s for s in plan.named("net-vpc").inputs["subnetSpecs"]}
    assert specs["Public"]["tags"]["kubernetes.io/role/elb"] == "1"
    assert specs["Private"]["tags"]["kubernetes.io/role/internal-elb"] == "1"
    assert "kubernetes.io/role/elb" not in specs["Private"]["tags"]
    assert specs["Private"]["tags"]["component"] == "network"


@pytest.mark.parametrize(
    ("nat", "awsx_strategy", "workload_type"),
    [("single", "Single", "Private"), ("perAz", "OnePerAz", "Private"), ("none", "None", "Isolated")],
)
def test_nat_strategy_and_workload_subnets(nat: str, awsx_strategy: str, workload_type: str) -> None:
    plan = build(nat_gateways=nat)
    vpc = plan.named("net-vpc").inputs
    assert vpc["natGateways"] == {"strategy": awsx_strategy}
    assert sorted(s["type"] for s in vpc["subnetSpecs"]) == sorted(["Public", workload_type])


def test_without_nat_the_endpoints_sit_in_the_isolated_subnets() -> None:
    plan = build(nat_gateways="none")
    # The mocked awsx VPC returns no private subnets when only Isolated ones are declared,
    # so three subnets here prove the component read isolatedSubnetIds.
    subnets = plan.named("net-ecr-api").inputs["subnetIds"]
    assert len(subnets) == 3 and all(s.startswith("subnet-") for s in subnets)


def test_interface_endpoints_serve_ecr_logs_and_sts_privately(plan: Plan) -> None:
    sg_name = "net-endpoints"
    endpoints = plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert sorted(e.inputs["serviceName"] for e in endpoints) == sorted(
        f"com.amazonaws.eu-west-1.{s}" for s in INTERFACE_ENDPOINTS
    )
    sg = plan.named(sg_name)
    for endpoint in endpoints:
        assert endpoint.inputs["vpcEndpointType"] == "Interface"
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert len(endpoint.inputs["subnetIds"]) == 3
        assert endpoint.inputs["securityGroupIds"] and sg.urn in endpoint.dependencies


def test_endpoint_security_group_admits_only_https_from_the_vpc(plan: Plan) -> None:
    sg = plan.named("net-endpoints").inputs
    assert sg["ingress"] == [
        {
            "description": "HTTPS from the VPC to the AWS service endpoints",
            "protocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "cidrBlocks": ["10.30.0.0/16"],
        }
    ]
    assert not sg.get("egress")
    assert sg["description"]


def test_s3_gateway_endpoint_is_wired_by_awsx(plan: Plan) -> None:
    vpc = plan.named("net-vpc").inputs
    assert vpc["vpcEndpointStrategy"] == "Auto"
    assert [(s["serviceName"], s["vpcEndpointType"]) for s in vpc["vpcEndpointSpecs"]] == [
        ("com.amazonaws.eu-west-1.s3", "Gateway")
    ]


def test_no_endpoints_when_disabled() -> None:
    plan = build(vpc_endpoints=False)
    assert not plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert not plan.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert not plan.named("net-vpc").inputs.get("vpcEndpointSpecs")


def test_component_tags_are_layered_on_resources(plan: Plan) -> None:
    assert plan.named("net-endpoints").inputs["tags"] == {"component": "network", "Name": "net-endpoints"}
    assert plan.named("net-vpc").inputs["tags"] == {"component": "network"}


def test_recorded_inputs_are_json_serialisable(plan: Plan) -> None:
    json.dumps(plan.to_json())
