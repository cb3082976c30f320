"""Network component under the recording mocks: names, parents, provider, subnets, endpoints."""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
from typing import Any

import annotated_types
import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime import MockResourceArgs

from components.network import Network, NetworkArgs
from components.network.network import (
    INTERFACE_ENDPOINTS,
    MAX_AZ_COUNT,
    VPC_PREFIXES,
    ZoneSelectionError,
    choose_zones,
    pinned_zones,
    subnet_cidrs,
)
from offline_plan.mocks import ZONE_NAMES_TO_IDS, PlausibleMocks
from offline_plan.recorder import Plan, RecordedResource, record, run_stack, stack_config
from settings.models import NetworkSettings
from tests.conftest import set_path


def build(**overrides: Any) -> Plan:
    args = {
        "region": "eu-west-1",
        "cidr_block": "10.30.0.0/16",
        "account_id": "123456789012",
        "az_count": 3,
        "nat_gateways": "single",
        "vpc_endpoints": True,
    }
    args.update(overrides)

    def program() -> None:
        region = args["region"]
        provider = aws.Provider(f"aws-{region}", region=region)
        network = Network("net", NetworkArgs(**args), opts=pulumi.ResourceOptions(provider=provider))
        pulumi.export("zoneIds", network.zone_ids)

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
        [
            "net-vpc",
            "net-endpoints-sg",
            "net-ecr-api",
            "net-ecr-dkr",
            "net-logs",
            "net-sts",
            "net-default-sg",
            "net-logs-key",
            "net-flow-logs",
            "net-flow-logs-role",
            "net-flow-logs-role-policy",
            "net-flow-log",
        ]
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
    # By name, as awsx wants them, but chosen by zone id; never awsx's "first N names".
    assert vpc["availabilityZoneNames"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert "numberOfAvailabilityZones" not in vpc
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
    sg_name = "net-endpoints-sg"
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
    sg = plan.named("net-endpoints-sg").inputs
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
    assert plan.named("net-endpoints-sg").inputs["tags"] == {"component": "network", "Name": "net-endpoints-sg"}
    assert plan.named("net-vpc").inputs["tags"] == {"component": "network"}


def test_recorded_inputs_are_json_serialisable(plan: Plan) -> None:
    json.dumps(plan.to_json())


# --------------------------------------------------------------------------- zones

US_EAST_1 = {"region": "us-east-1", "cidr_block": "10.10.0.0/16", "account_id": "123456789012"}


def chosen(plan: Plan) -> tuple[list[str], list[str]]:
    """(zone ids the component exports, zone names the awsx VPC received)."""
    return plan.exports["zoneIds"], plan.named("net-vpc").inputs["availabilityZoneNames"]


def test_mocked_account_maps_us_east_1_names_to_ids_out_of_order() -> None:
    # The tests below rely on it: sorted by name, us-east-1e (use1-az3) is not last.
    zones = ZONE_NAMES_TO_IDS["us-east-1"]
    assert zones["us-east-1e"] == "use1-az3" and list(zones.values()) != sorted(zones.values())


def test_zones_are_looked_up_on_the_regional_provider(plan: Plan) -> None:
    provider = plan.named("aws-eu-west-1")
    [lookup] = plan.invokes
    assert lookup["token"] == "aws:index/getAvailabilityZones:getAvailabilityZones"
    assert lookup["provider"].startswith(provider.urn + "::")
    assert lookup["args"] == {
        "state": "available",
        "filters": [{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
    }


def test_eks_unsupported_zone_is_never_chosen() -> None:
    # Sorted by id the first three are az1, az2, az3; with az3 excluded the next one moves up.
    plan = build(**US_EAST_1, az_count=3, excluded_zone_ids=["use1-az3"])
    assert chosen(plan) == (["use1-az1", "use1-az2", "use1-az4"], ["us-east-1b", "us-east-1c", "us-east-1d"])


def test_without_exclusions_use1_az3_would_be_chosen() -> None:
    # The control for the test above: the exclusion, not the mock, keeps use1-az3 out.
    plan = build(**US_EAST_1, az_count=3)
    assert chosen(plan)[0] == ["use1-az1", "use1-az2", "use1-az3"]


def test_zone_that_does_not_offer_a_configured_instance_type_is_skipped() -> None:
    # The mocked use1-az3 offers no current-generation types (m7i), but offers t2.
    skipped = build(**US_EAST_1, az_count=3, instance_types=["t2.micro", "m7i.large"])
    assert chosen(skipped) == (["use1-az1", "use1-az2", "use1-az4"], ["us-east-1b", "us-east-1c", "us-east-1d"])
    offered_everywhere = build(**US_EAST_1, az_count=3, instance_types=["t2.micro"])
    assert chosen(offered_everywhere)[0] == ["use1-az1", "use1-az2", "use1-az3"]


def test_instance_type_offerings_are_asked_per_zone_id_for_exactly_the_configured_types() -> None:
    plan = build(**US_EAST_1, instance_types=["m7i.large", "m6i.large"])
    provider = plan.named("aws-us-east-1")
    [offerings] = [i for i in plan.invokes if i["token"] == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"]
    assert offerings["args"] == {
        "locationType": "availability-zone-id",
        "filters": [{"name": "instance-type", "values": ["m7i.large", "m6i.large"]}],
    }
    assert offerings["provider"].startswith(provider.urn + "::")


def test_no_offerings_lookup_without_instance_types(plan: Plan) -> None:
    assert [i["token"] for i in plan.invokes] == ["aws:index/getAvailabilityZones:getAvailabilityZones"]


def test_pinned_zone_ids_are_used_verbatim() -> None:
    # Even a zone a computed selection would skip, in the order given, and nothing is filtered.
    plan = build(
        **US_EAST_1,
        az_count=2,
        zone_ids=["use1-az5", "use1-az3"],
        excluded_zone_ids=["use1-az1"],
        instance_types=["m7i.large"],
    )
    assert chosen(plan) == (["use1-az5", "use1-az3"], ["us-east-1f", "us-east-1e"])
    assert [i["token"] for i in plan.invokes] == ["aws:index/getAvailabilityZones:getAvailabilityZones"]


def test_pinned_zone_that_the_region_does_not_have_is_an_error() -> None:
    with pytest.raises(ZoneSelectionError) as caught:
        build(**US_EAST_1, az_count=2, zone_ids=["use1-az1", "use1-az9"])
    assert str(caught.value) == (
        "us-east-1: network.zoneIds.us-east-1 lists use1-az9, which is not an available zone here "
        "(available: use1-az1, use1-az2, use1-az3, use1-az4, use1-az5, use1-az6); change network.zoneIds.us-east-1."
    )


def test_too_few_qualifying_zones_is_an_error_saying_what_to_change() -> None:
    with pytest.raises(ZoneSelectionError) as caught:
        build(**US_EAST_1, az_count=6, excluded_zone_ids=["use1-az3"])
    assert str(caught.value) == (
        "us-east-1: network.azCount is 6, but only 5 availability zone(s) qualify. "
        "Kept: use1-az1, use1-az2, use1-az4, use1-az5, use1-az6. Left out: use1-az3 (EKS does not support it). "
        "Lower network.azCount, or use instance types every zone offers (eks.nodeGroups[*].instanceTypes "
        "or instanceType, ecs.instances.instanceTypes), or pin zones in network.zoneIds.us-east-1."
    )
    assert isinstance(caught.value, pulumi.RunError)  # printed without a traceback


def test_too_few_zones_names_the_missing_instance_types() -> None:
    available = {"euw1-az1": "eu-west-1a", "euw1-az2": "eu-west-1b", "euw1-az3": "eu-west-1c"}
    offerings = {"euw1-az1": {"m7i.large", "m6i.large"}, "euw1-az2": {"m6i.large"}, "euw1-az3": set()}
    with pytest.raises(
        ZoneSelectionError,
        match=r"Kept: euw1-az1\. Left out: euw1-az2 \(does not offer m7i\.large\); "
        r"euw1-az3 \(does not offer m7i\.large, m6i\.large\)\.",
    ):
        choose_zones("eu-west-1", 2, available, (), ["m7i.large", "m6i.large"], offerings)


@pytest.mark.parametrize("order", [1, -1])
def test_zone_choice_is_sorted_by_zone_id_whatever_order_aws_answers_in(order: int) -> None:
    available = dict(list(ZONE_NAMES_TO_IDS["us-east-1"].items())[::order])
    by_id = {zone_id: name for name, zone_id in available.items()}
    assert choose_zones("us-east-1", 4, by_id, {"use1-az3"}) == (
        ("use1-az1", "us-east-1b"),
        ("use1-az2", "us-east-1c"),
        ("use1-az4", "us-east-1d"),
        ("use1-az5", "us-east-1f"),
    )


def test_component_choice_is_the_same_on_every_run() -> None:
    runs = [chosen(build(**US_EAST_1, az_count=3, excluded_zone_ids=["use1-az3"])) for _ in range(2)]
    assert runs[0] == runs[1]


def test_pinned_zones_keep_the_given_order() -> None:
    available = {"use1-az1": "us-east-1b", "use1-az6": "us-east-1a"}
    assert pinned_zones("us-east-1", ["use1-az6", "use1-az1"], available) == (
        ("use1-az6", "us-east-1a"),
        ("use1-az1", "us-east-1b"),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"az_count": 2, "zone_ids": ["use1-az1"]}, "zone_ids lists 1 zones but az_count is 2"),
        ({"az_count": 2, "zone_ids": ["use1-az1", "use1-az1"]}, "zone_ids lists a zone more than once"),
        (
            {"az_count": 2, "zone_ids": ["use1-az1", "use1-az3"], "excluded_zone_ids": ["use1-az3"]},
            "zone_ids ['use1-az3'] are also in excluded_zone_ids",
        ),
    ],
)
def test_conflicting_zone_args_are_rejected_up_front(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        NetworkArgs(**US_EAST_1, **overrides)


def test_the_program_keeps_eks_networks_out_of_unsupported_zones() -> None:
    # dev with 3 AZs and node types every mocked zone offers: only the EKS exclusion keeps
    # use1-az3 (us-east-1e), the third zone by id, out.
    config = set_path(stack_config("dev"), "network.azCount", 3)
    config = set_path(config, "eks.nodeGroups[0].instanceTypes", ["t3.large"])
    config = set_path(config, "eks.nodeGroups[1].instanceTypes", ["t3.large", "t3a.large"])
    plan = run_stack("dev", config)
    assert plan.named("network-us-east-1-vpc").inputs["availabilityZoneNames"] == [
        "us-east-1b",
        "us-east-1c",
        "us-east-1d",
    ]


def test_the_program_checks_each_regions_instance_types(committed_plans: dict[str, Plan]) -> None:
    plan = committed_plans["prod"]
    # Both regions run EKS node groups of these types; us-east-1 also runs ECS on m7i.large.
    offerings = [i for i in plan.invokes if i["token"] == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings"]
    wanted = [{"name": "instance-type", "values": ["m7i.large", "m6i.large", "m5.large"]}]
    assert [i["args"]["filters"] for i in offerings] == [wanted, wanted]
    assert plan.named("network-eu-west-1-vpc").inputs["availabilityZoneNames"] == [
        "eu-west-1a",
        "eu-west-1b",
        "eu-west-1c",
    ]


# --------------------------------------------------------------------------- subnet layout

LAYOUT_16 = [
    ("10.10.192.0/22", "10.10.0.0/19"),
    ("10.10.196.0/22", "10.10.32.0/19"),
    ("10.10.200.0/22", "10.10.64.0/19"),
    ("10.10.204.0/22", "10.10.96.0/19"),
    ("10.10.208.0/22", "10.10.128.0/19"),
    ("10.10.212.0/22", "10.10.160.0/19"),
]
LAYOUT_20 = [
    ("172.16.12.0/26", "172.16.0.0/23"),
    ("172.16.12.64/26", "172.16.2.0/23"),
    ("172.16.12.128/26", "172.16.4.0/23"),
    ("172.16.12.192/26", "172.16.6.0/23"),
    ("172.16.13.0/26", "172.16.8.0/23"),
    ("172.16.13.64/26", "172.16.10.0/23"),
]


@pytest.mark.parametrize(("vpc_cidr", "layout"), [("10.10.0.0/16", LAYOUT_16), ("172.16.0.0/20", LAYOUT_20)])
def test_subnet_layout_is_the_documented_table(vpc_cidr: str, layout: list[tuple[str, str]]) -> None:
    # The table in subnet_cidrs' docstring and docs/network.md, slot by slot.
    assert [subnet_cidrs(vpc_cidr, i) for i in range(MAX_AZ_COUNT)] == [
        {"public": public, "private": private} for public, private in layout
    ]


@pytest.mark.parametrize(
    "vpc_cidr", [f"10.{n}.0.0/{prefix}" for n, prefix in enumerate(VPC_PREFIXES)] + ["192.168.240.0/20"]
)
def test_every_slot_is_inside_the_vpc_and_no_two_overlap(vpc_cidr: str) -> None:
    vpc = ipaddress.IPv4Network(vpc_cidr)
    subnets = [ipaddress.IPv4Network(c) for i in range(MAX_AZ_COUNT) for c in subnet_cidrs(vpc_cidr, i).values()]
    assert len(subnets) == 2 * MAX_AZ_COUNT
    assert all(s.subnet_of(vpc) for s in subnets)
    assert not [(a, b) for a, b in itertools.combinations(subnets, 2) if a.overlaps(b)]
    # Private subnets: 1/8 of the VPC each; public: 1/64, never below AWS's smallest subnet (/28).
    private = [ipaddress.IPv4Network(subnet_cidrs(vpc_cidr, i)["private"]) for i in range(MAX_AZ_COUNT)]
    public = [ipaddress.IPv4Network(subnet_cidrs(vpc_cidr, i)["public"]) for i in range(MAX_AZ_COUNT)]
    assert {s.prefixlen for s in private} == {vpc.prefixlen + 3}
    assert {s.prefixlen for s in public} == {vpc.prefixlen + 6} and vpc.prefixlen + 6 <= 28
    # A quarter of the VPC stays unallocated for later tiers (2 spare public slots + the 8th block).
    assert sum(s.num_addresses for s in subnets) == vpc.num_addresses * 3 // 4 + vpc.num_addresses * 6 // 64


def test_layout_has_a_slot_for_every_az_the_settings_allow() -> None:
    # If settings ever allow more AZs, the layout (and its table) must grow with them.
    bound = next(m.le for m in NetworkSettings.model_fields["az_count"].metadata if isinstance(m, annotated_types.Le))
    assert bound == MAX_AZ_COUNT
    subnet_cidrs("10.10.0.0/16", MAX_AZ_COUNT - 1)
    with pytest.raises(ValueError, match=r"AZ position 6 is outside the subnet layout \(0 to 5\)"):
        subnet_cidrs("10.10.0.0/16", MAX_AZ_COUNT)


@pytest.mark.parametrize("vpc_cidr", ["10.0.0.0/15", "10.10.0.0/21"])
def test_layout_rejects_a_vpc_prefix_it_is_not_made_for(vpc_cidr: str) -> None:
    prefix = vpc_cidr.split("/")[1]
    with pytest.raises(ValueError, match=rf"has prefix /{prefix}; the subnet layout needs /16 to /20"):
        subnet_cidrs(vpc_cidr, 0)
    with pytest.raises(ValueError, match="the subnet layout needs /16 to /20"):
        NetworkArgs(region="us-east-1", cidr_block=vpc_cidr, account_id="123456789012")


def test_az_count_beyond_the_layout_is_rejected_up_front() -> None:
    with pytest.raises(ValueError, match="az_count is 7; the subnet layout has slots for 1 to 6 AZs"):
        NetworkArgs(region="us-east-1", cidr_block="10.10.0.0/16", account_id="123456789012", az_count=7)


def specs_by_name(plan: Plan, vpc_name: str = "net-vpc") -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in plan.named(vpc_name).inputs["subnetSpecs"]}


@pytest.mark.parametrize(("nat", "workload_type"), [("single", "Private"), ("none", "Isolated")])
def test_vpc_gets_exactly_the_pinned_cidr_blocks(nat: str, workload_type: str) -> None:
    vpc = build(nat_gateways=nat).named("net-vpc").inputs
    # "Auto" + cidrBlocks on every spec = awsx's explicit allocator (AZ i gets cidrBlocks[i]);
    # "Legacy" would ignore cidrBlocks, "Exact" rejects the spare slots, "AutoMerge" rejects cidrBlocks.
    assert vpc["subnetStrategy"] == "Auto"
    assert "availabilityZoneCidrMask" not in vpc
    layout = [subnet_cidrs("10.30.0.0/16", i) for i in range(3)]
    assert [(s["name"], s["type"], s["cidrBlocks"]) for s in vpc["subnetSpecs"]] == [
        ("public", "Public", [slot["public"] for slot in layout]),
        ("private", workload_type, [slot["private"] for slot in layout]),
    ]
    # Nothing left for awsx to size: no mask or size next to the blocks.
    assert not [k for s in vpc["subnetSpecs"] for k in ("cidrMask", "size") if k in s]


def test_adding_a_pinned_zone_only_appends_subnets() -> None:
    two = build(**US_EAST_1, az_count=2, zone_ids=["use1-az6", "use1-az1"])
    three = build(**US_EAST_1, az_count=3, zone_ids=["use1-az6", "use1-az1", "use1-az4"])
    assert chosen(three)[1][:2] == chosen(two)[1]
    for name, spec in specs_by_name(two).items():
        assert specs_by_name(three)[name]["cidrBlocks"][:2] == spec["cidrBlocks"], name
        assert len(specs_by_name(three)[name]["cidrBlocks"]) == 3


def program_vpc(stack: str, region: str, az_count: int) -> dict[str, Any]:
    config = set_path(stack_config(stack), "network.azCount", az_count)
    return run_stack(stack, config).named(f"network-{region}-vpc").inputs


@pytest.mark.parametrize(("stack", "region", "n"), [("dev", "us-east-1", 2), ("prod", "eu-west-1", 2)])
def test_changing_az_count_keeps_the_subnets_of_the_azs_that_stay(stack: str, region: str, n: int) -> None:
    # The program at azCount n and n + 1: AZs 0..n-1 keep their zone and every subnet CIDR, AZ n
    # only adds subnets. Read backwards, n + 1 -> n removes only the last AZ's subnets.
    small, large = program_vpc(stack, region, n), program_vpc(stack, region, n + 1)
    assert large["availabilityZoneNames"][:n] == small["availabilityZoneNames"]
    assert len(large["availabilityZoneNames"]) == n + 1
    small_specs = {s["name"]: s for s in small["subnetSpecs"]}
    large_specs = {s["name"]: s for s in large["subnetSpecs"]}
    assert small_specs.keys() == large_specs.keys() == {"public", "private"}
    for name, spec in small_specs.items():
        assert large_specs[name]["cidrBlocks"][:n] == spec["cidrBlocks"], name
        assert len(large_specs[name]["cidrBlocks"]) == n + 1
        assert {k: v for k, v in large_specs[name].items() if k != "cidrBlocks"} == {
            k: v for k, v in spec.items() if k != "cidrBlocks"
        }
    assert {k: v for k, v in large.items() if k not in ("availabilityZoneNames", "subnetSpecs")} == {
        k: v for k, v in small.items() if k not in ("availabilityZoneNames", "subnetSpecs")
    }


def test_offline_awsx_mock_rejects_cidr_blocks_that_do_not_match_the_azs() -> None:
    # As awsx does (validateAndNormalizeSubnetInputs): the offline plan must not accept what awsx refuses.
    mocks = PlausibleMocks(lambda _args: "us-east-1")

    def vpc(public: list[str], private: list[str] | None) -> dict[str, Any]:
        specs: list[dict[str, Any]] = [{"type": "Public", "cidrBlocks": public}, {"type": "Private"}]
        if private is not None:
            specs[1]["cidrBlocks"] = private
        inputs = {"availabilityZoneNames": ["us-east-1a", "us-east-1b"], "subnetSpecs": specs}
        return mocks.new_resource(MockResourceArgs("awsx:ec2:Vpc", "v", inputs, custom=False))[1]

    state = vpc(["10.0.192.0/22", "10.0.196.0/22"], ["10.0.0.0/19", "10.0.32.0/19"])
    assert len(state["publicSubnetIds"]) == len(state["privateSubnetIds"]) == 2
    with pytest.raises(ValueError, match=re.escape("subnetSpecs[1] must match the number of availability zones (2)")):
        vpc(["10.0.192.0/22", "10.0.196.0/22"], ["10.0.0.0/19"])
    with pytest.raises(ValueError, match="all subnets must have explicit cidrBlocks"):
        vpc(["10.0.192.0/22", "10.0.196.0/22"], None)


def test_flow_logs_go_to_an_encrypted_group_through_a_role_only_vpc_flow_logs_may_assume(plan: Plan) -> None:
    log = plan.named("net-flow-log")
    assert (log.inputs["trafficType"], log.inputs["logDestinationType"]) == ("ALL", "cloud-watch-logs")
    for prop, source in (
        ("vpcId", "net-vpc"),
        ("logDestination", "net-flow-logs"),
        ("iamRoleArn", "net-flow-logs-role"),
    ):
        assert plan.named(source).urn in log.propertyDependencies[prop], prop
    assert plan.named("net-flow-logs-role-policy").urn in log.dependencies
    group = plan.named("net-flow-logs")
    assert (group.inputs["name"], group.inputs["retentionInDays"]) == ("/vpc/net/flow-logs", 365)
    assert plan.named("net-logs-key").urn in group.propertyDependencies["kmsKeyId"]
    key = plan.named("net-logs-key")
    assert key.inputs["enableKeyRotation"] is True
    (_, logs) = json.loads(key.inputs["policy"])["Statement"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    (trust,) = json.loads(plan.named("net-flow-logs-role").inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"},
    }


def test_the_default_security_group_is_adopted_with_no_rules(plan: Plan) -> None:
    group = plan.named("net-default-sg")
    assert group.type == "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    assert plan.named("net-vpc").urn in group.propertyDependencies["vpcId"]


def test_flow_logs_off_leave_the_reason_on_the_vpc_and_create_nothing_for_them() -> None:
    reason = "lab VPC without workloads - nothing to investigate"
    plan = build(flow_logs=False, flow_logs_off_reason=reason)
    assert not plan.of_type("aws:ec2/flowLog:FlowLog") and not plan.of_type("aws:kms/key:Key")
    assert plan.named("net-vpc").inputs["tags"]["guardrail-exception/vpc-flow-logs"] == reason
    assert plan.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")


@pytest.mark.parametrize(("flow_logs", "reason"), [(False, None), (True, "some reason given anyway")])
def test_a_flow_log_reason_goes_with_flow_logs_off_and_only_then(flow_logs: bool, reason: str | None) -> None:
    with pytest.raises(ValueError, match="flow_logs_off_reason is required when flow_logs is false, and only then"):
        NetworkArgs(**US_EAST_1, flow_logs=flow_logs, flow_logs_off_reason=reason)
