"""The monthly cost estimate: one table test per priced resource type, a hand-computed stack, the price
table's sources, the dev and prod estimates, and the pull-request deltas (a Fargate service with an
ALB; a new EKS region)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from offline_plan.insights import build, summary_lines
from offline_plan.insights.cost import CostLine, estimate, split_tasks
from offline_plan.insights.prices import NOT_VERIFIED, REGIONS, PriceRow, PriceTable, load
from offline_plan.insights.report import render, resource_deltas
from offline_plan.recorder import run_stack, stack_config
from tests.conftest import parse_config, set_path

TABLE = PriceTable(
    rows=tuple(
        PriceRow(key, region, usd, "unit", "https://aws.amazon.com/pricing/", "2026-11-30")
        for key, region, usd in [
            ("eks.cluster.standard", "*", 0.10),
            ("eks.cluster.extended", "*", 0.60),
            ("ec2.m7i.large", "r", 0.10),
            ("ec2.m6i.large", "r", 0.20),
            ("ec2.spot.max-discount", "*", 0.90),
            ("fargate.x86.vcpu", "r", 0.04),
            ("fargate.x86.gb", "r", 0.004),
            ("fargate.arm.vcpu", "r", 0.03),
            ("fargate.arm.gb", "r", 0.003),
            ("fargate.spot.max-discount", "*", 0.70),
            ("vpc.nat-gateway", "r", 0.05),
            ("vpc.nat-gateway.data", "r", 0.05),
            ("vpc.public-ipv4", "*", 0.005),
            ("vpc.gateway-endpoint", "*", 0.0),
            ("vpc.interface-endpoint", "r", 0.01),
            ("vpc.interface-endpoint.data", "r", 0.01),
            ("elb.alb", "r", 0.02),
            ("elb.alb.lcu", "r", 0.008),
            ("elb.nlb", "r", 0.03),
            ("elb.nlb.nlcu", "r", 0.006),
            ("kms.key", "*", 1.0),
            ("kms.requests", "*", 0.03),
            ("ebs.gp3", "r", 0.1),
            ("efs.standard", "r", 0.3),
            ("fsx.lustre.persistent2-125", "r", 0.1),
            ("fsx.ontap.ssd.single-az", "r", 0.1),
            ("fsx.ontap.throughput.single-az", "r", 1.0),
            ("logs.ingest", "r", 0.5),
            ("logs.storage", "r", 0.03),
            ("ecr.storage", "*", 0.1),
            ("iam", "*", 0.0),
        ]
    ),
    hours_per_month=1000.0,  # round numbers for hand computation
)


def res(name: str, type_: str, inputs: dict[str, Any], deps: tuple[str, ...] = (), region: str = "r") -> dict[str, Any]:
    return {
        "urn": f"urn:{name}",
        "type": type_,
        "name": name,
        "parent": "",
        "custom": not type_.startswith("eks:index:") and not type_.startswith("awsx:"),
        "inputs": inputs,
        "dependencies": [f"urn:{d}" for d in deps],
        "region": region,
    }


def lines(*resources: dict[str, Any], table: PriceTable = TABLE) -> list[tuple[str, str, float, float]]:
    """``(item, kind, low, high)`` of every line, in order."""
    return [(x.item, x.kind, x.low, x.high) for x in estimate({"resources": list(resources)}, table).lines]


LT = res("lt", "aws:ec2/launchTemplate:LaunchTemplate", {"blockDeviceMappings": [{"ebs": {"volumeSize": 50}}]})
TASK = res(
    "task",
    "aws:ecs/taskDefinition:TaskDefinition",
    {
        "cpu": "512",
        "memory": "1024",
        "requiresCompatibilities": ["FARGATE"],
        "runtimePlatform": {"cpuArchitecture": "X86_64"},
    },
)
SPOT_STRATEGY = [
    {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
    {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3},
]


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        pytest.param(
            [res("c", "eks:index:Cluster", {"upgradePolicy": {"supportType": "STANDARD"}})],
            [("EKS control plane (STANDARD support)", "fixed", 100.0, 100.0)],
            id="eks-standard",
        ),
        pytest.param(
            [res("c", "eks:index:Cluster", {"version": "1.35"})],  # AWS's default support type is EXTENDED
            [("EKS control plane (EXTENDED support)", "fixed", 100.0, 600.0)],
            id="eks-extended-range",
        ),
        pytest.param(
            [
                LT,
                res(
                    "g",
                    "eks:index:ManagedNodeGroup",
                    {"instanceTypes": ["m7i.large"], "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 4}},
                    ("lt",),
                ),
            ],
            [("m7i.large x2 (ON_DEMAND)", "fixed", 200.0, 200.0), ("gp3 root volumes 2 x 50 GiB", "fixed", 10.0, 10.0)],
            id="managed-node-group-desired",
        ),
        pytest.param(
            [
                res(
                    "g",
                    "eks:index:ManagedNodeGroup",
                    {
                        "instanceTypes": ["m7i.large", "m6i.large"],
                        "capacityType": "SPOT",
                        "scalingConfig": {"minSize": 1, "desiredSize": 1},
                    },
                )
            ],
            [("m7i.large x1 (SPOT)", "fixed", 20.0, 200.0)],  # 10% of the dearest type up to it
            id="managed-node-group-spot-range",
        ),
        pytest.param(
            [res("g", "eks:index:NodeGroupV2", {"instanceType": "m7i.large", "minSize": 3, "nodeRootVolumeSize": 20})],
            [("m7i.large x3 (ON_DEMAND)", "fixed", 300.0, 300.0), ("gp3 root volumes 3 x 20 GiB", "fixed", 6.0, 6.0)],
            id="self-managed-node-group-min",
        ),
        pytest.param(
            [
                res(
                    "v",
                    "awsx:ec2:Vpc",
                    {
                        "availabilityZoneNames": ["a", "b", "c"],
                        "natGateways": {"strategy": "OnePerAz"},
                        "vpcEndpointSpecs": [{"vpcEndpointType": "Gateway", "serviceName": "s3"}],
                    },
                )
            ],
            [
                ("NAT gateway x3", "fixed", 150.0, 150.0),
                ("NAT public IPv4 x3", "fixed", 15.0, 15.0),
                ("NAT gateway data processed", "usage", 0.0, 0.0),
                ("gateway endpoint s3", "free", 0.0, 0.0),
            ],
            id="vpc-nat-per-az",
        ),
        pytest.param(
            [res("v", "awsx:ec2:Vpc", {"availabilityZoneNames": ["a", "b"], "natGateways": {"strategy": "Single"}})],
            [
                ("NAT gateway x1", "fixed", 50.0, 50.0),
                ("NAT public IPv4 x1", "fixed", 5.0, 5.0),
                ("NAT gateway data processed", "usage", 0.0, 0.0),
            ],
            id="vpc-nat-single",
        ),
        pytest.param([res("v", "awsx:ec2:Vpc", {"natGateways": {"strategy": "None"}})], [], id="vpc-no-nat"),
        pytest.param(
            [
                res(
                    "e",
                    "aws:ec2/vpcEndpoint:VpcEndpoint",
                    {"vpcEndpointType": "Interface", "serviceName": "com.amazonaws.r.ecr.dkr", "subnetIds": ["a", "b"]},
                )
            ],
            [
                ("interface endpoint dkr x2 AZs", "fixed", 20.0, 20.0),
                ("interface endpoint dkr data processed", "usage", 0.0, 0.0),
            ],
            id="interface-endpoint-per-az",
        ),
        pytest.param(
            [
                res(
                    "e",
                    "aws:ec2/vpcEndpoint:VpcEndpoint",
                    {"vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.r.s3"},
                )
            ],
            [("gateway endpoint com.amazonaws.r.s3", "free", 0.0, 0.0)],
            id="gateway-endpoint-free",
        ),
        pytest.param(
            [
                res(
                    "lb",
                    "aws:lb/loadBalancer:LoadBalancer",
                    {"loadBalancerType": "application", "internal": False, "subnets": ["a", "b"]},
                )
            ],
            [
                ("ALB hours", "fixed", 20.0, 20.0),
                ("ALB public IPv4 x2", "fixed", 10.0, 10.0),
                ("ALB capacity units", "usage", 0.0, 0.0),
            ],
            id="public-alb",
        ),
        pytest.param(
            [
                res(
                    "lb",
                    "aws:lb/loadBalancer:LoadBalancer",
                    {"loadBalancerType": "network", "internal": True, "subnets": ["a", "b"]},
                )
            ],
            [("NLB hours", "fixed", 30.0, 30.0), ("NLB capacity units", "usage", 0.0, 0.0)],
            id="internal-nlb",
        ),
        pytest.param(
            [TASK, res("s", "aws:ecs/service:Service", {"desiredCount": 2}, ("task",))],
            # 2 x (0.5 x 0.04 + 1 x 0.004) x 1000
            [("FARGATE tasks x2 (0.5 vCPU, 1 GB, x86)", "fixed", 48.0, 48.0)],
            id="fargate-on-demand",
        ),
        pytest.param(
            [
                TASK,
                res(
                    "s",
                    "aws:ecs/service:Service",
                    {"desiredCount": 3, "capacityProviderStrategies": SPOT_STRATEGY},
                    ("task",),
                ),
            ],
            [
                ("FARGATE tasks x1 (0.5 vCPU, 1 GB, x86)", "fixed", 24.0, 24.0),
                ("FARGATE_SPOT tasks x2 (0.5 vCPU, 1 GB, x86)", "fixed", 14.4, 48.0),
            ],
            id="fargate-spot-range",
        ),
        pytest.param(
            [
                res(
                    "task",
                    "aws:ecs/taskDefinition:TaskDefinition",
                    {
                        "cpu": "1024",
                        "memory": "2048",
                        "requiresCompatibilities": ["FARGATE"],
                        "runtimePlatform": {"cpuArchitecture": "ARM64"},
                    },
                ),
                res("s", "aws:ecs/service:Service", {"desiredCount": 1}, ("task",)),
            ],
            [("FARGATE tasks x1 (1 vCPU, 2 GB, arm)", "fixed", 36.0, 36.0)],
            id="fargate-arm",
        ),
        pytest.param(
            [
                res(
                    "task",
                    "aws:ecs/taskDefinition:TaskDefinition",
                    {"cpu": "1024", "memory": "4096", "requiresCompatibilities": ["EC2"]},
                ),
                res("s", "aws:ecs/service:Service", {"desiredCount": 3}, ("task",)),
                LT,
                res(
                    "asg",
                    "aws:autoscaling/group:Group",
                    {
                        "minSize": 0,
                        "desiredCapacity": 0,
                        "maxSize": 10,
                        "mixedInstancesPolicy": {"launchTemplate": {"overrides": [{"instanceType": "m7i.large"}]}},
                    },
                    ("lt",),
                ),
            ],
            # 3 tasks of 1 vCPU / 4 GiB on 2 vCPU / 8 GiB instances: at least 2 instances
            [("m7i.large x2 (ON_DEMAND)", "fixed", 200.0, 200.0), ("gp3 root volumes 2 x 50 GiB", "fixed", 10.0, 10.0)],
            id="ecs-ec2-capacity-sized-from-tasks",
        ),
        pytest.param(
            [res("k", "aws:kms/key:Key", {})],
            [("KMS key", "fixed", 1.0, 1.0), ("KMS requests", "usage", 0.0, 0.0)],
            id="kms-key-monthly",
        ),
        pytest.param(
            [res("fs", "aws:efs/fileSystem:FileSystem", {})], [("EFS storage", "usage", 0.0, 0.0)], id="efs-no-minimum"
        ),
        pytest.param(
            [
                res(
                    "fs",
                    "aws:fsx/ontapFileSystem:OntapFileSystem",
                    {"storageCapacity": 1024, "throughputCapacity": 128},
                )
            ],
            [
                ("FSx ONTAP SSD 1024 GiB", "fixed", 102.4, 102.4),
                ("FSx ONTAP throughput 128 MBps", "fixed", 128.0, 128.0),
            ],
            id="fsx-ontap-minimums",
        ),
        pytest.param(
            [res("fs", "aws:fsx/lustreFileSystem:LustreFileSystem", {})],
            [("FSx Lustre 1200 GiB", "fixed", 120.0, 120.0)],
            id="fsx-lustre-minimum",
        ),
        pytest.param(
            [res("lg", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 30})],
            [("log ingestion", "usage", 0.0, 0.0), ("log storage", "usage", 0.0, 0.0)],
            id="log-group-usage",
        ),
        pytest.param(
            [res("repo", "aws:ecr/repository:Repository", {})],
            [("ECR image storage", "usage", 0.0, 0.0)],
            id="ecr-usage",
        ),
        pytest.param([res("role", "aws:iam/role:Role", {})], [("IAM role", "free", 0.0, 0.0)], id="iam-free"),
        pytest.param([res("sg", "aws:ec2/securityGroup:SecurityGroup", {})], [], id="security-group-not-listed"),
    ],
)
def test_each_priced_type(resources: list[dict[str, Any]], expected: list[tuple[str, str, float, float]]) -> None:
    assert lines(*resources) == expected


def test_log_retention_is_noted_and_a_missing_one_says_forever() -> None:
    kept = estimate({"resources": [res("a", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 365})]}, TABLE)
    forever = estimate({"resources": [res("b", "aws:cloudwatch/logGroup:LogGroup", {})]}, TABLE)
    assert kept.lines[0].note == "kept 365 days" and forever.lines[0].note == "kept forever (no retention set)"


def test_a_lustre_storage_class_is_a_per_claim_line_with_its_minimum() -> None:
    invocation = res(
        "apply",
        "aws:lambda/invocation:Invocation",
        {
            "input": '{"objects": [{"kind": "StorageClass", "metadata": {"name": "fsx"}, "provisioner": "fsx.csi.aws.com"}]}'
        },
    )
    (line,) = estimate({"resources": [invocation]}, TABLE).lines
    assert (line.kind, line.note) == ("usage", "at least $120.00/month per claim")


def test_usage_lines_never_reach_the_total_and_no_price_is_guessed() -> None:
    plan = {
        "resources": [
            res("fs", "aws:efs/fileSystem:FileSystem", {}),
            res("g", "eks:index:NodeGroupV2", {"instanceType": "x9.huge", "minSize": 2}),
            res("k", "aws:kms/key:Key", {}, region="mars-1"),  # * row: priced anywhere
            res("lb", "aws:lb/loadBalancer:LoadBalancer", {"loadBalancerType": "application"}, region="mars-1"),
        ]
    }
    est = estimate(plan, TABLE)
    assert est.total() == (1.0, 1.0)
    unpriced = [x for x in est.lines if x.kind == "unpriced"]
    assert [x.item for x in unpriced] == ["x9.huge x2 (ON_DEMAND)", "ALB hours", "ALB capacity units"]
    assert "no price row ec2.x9.huge for r" in unpriced[0].note


def test_remote_component_children_are_marked_estimated() -> None:
    est = estimate(
        {
            "resources": [
                res("c", "eks:index:Cluster", {}),
                res("v", "awsx:ec2:Vpc", {"natGateways": {"strategy": "Single"}}),
                res("k", "aws:kms/key:Key", {}),
            ]
        },
        TABLE,
    )
    assert {x.item: x.estimated for x in est.fixed()} == {
        "EKS control plane (EXTENDED support)": True,
        "NAT gateway x1": True,
        "NAT public IPv4 x1": True,
        "KMS key": False,
    }


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, {"FARGATE": 0, "FARGATE_SPOT": 0}),
        (1, {"FARGATE": 1, "FARGATE_SPOT": 0}),
        (2, {"FARGATE": 1, "FARGATE_SPOT": 1}),
        (5, {"FARGATE": 2, "FARGATE_SPOT": 3}),
    ],
)
def test_tasks_fill_the_base_then_split_by_weight(count: int, expected: dict[str, int]) -> None:
    assert split_tasks(count, SPOT_STRATEGY) == expected


def test_a_hand_computed_stack_with_the_real_price_table() -> None:
    """us-east-1, real rows: every figure below is worked out by hand from prices.json (730 h/month)."""
    plan = {
        "resources": [
            res(
                "vpc",
                "awsx:ec2:Vpc",
                {"availabilityZoneNames": ["a", "b"], "natGateways": {"strategy": "Single"}},
                region="us-east-1",
            ),
            res(
                "alb",
                "aws:lb/loadBalancer:LoadBalancer",
                {"loadBalancerType": "application", "internal": False, "subnets": ["a", "b"]},
                region="us-east-1",
            ),
            {**TASK, "region": "us-east-1"},
            res("svc", "aws:ecs/service:Service", {"desiredCount": 2}, ("task",), region="us-east-1"),
            res("eks", "eks:index:Cluster", {"upgradePolicy": {"supportType": "STANDARD"}}, region="us-east-1"),
            {**LT, "region": "us-east-1"},
            res(
                "ng",
                "eks:index:ManagedNodeGroup",
                {"instanceTypes": ["m7i.large"], "scalingConfig": {"desiredSize": 2}},
                ("lt",),
                region="us-east-1",
            ),
            res("key", "aws:kms/key:Key", {}, region="us-east-1"),
        ]
    }
    by_item = {x.item: x.high for x in estimate(plan).fixed()}
    assert by_item == {
        "NAT gateway x1": 32.85,  # 0.045 x 730
        "NAT public IPv4 x1": 3.65,  # 0.005 x 730
        "ALB hours": 16.43,  # 0.0225 x 730 = 16.425
        "ALB public IPv4 x2": 7.30,
        "FARGATE tasks x2 (0.5 vCPU, 1 GB, x86)": 36.04,  # 2 x (0.5 x 0.04048 + 1 x 0.004445) x 730 = 36.0401
        "EKS control plane (STANDARD support)": 73.00,
        "m7i.large x2 (ON_DEMAND)": 147.17,  # 2 x 0.1008 x 730 = 147.168
        "gp3 root volumes 2 x 50 GiB": 8.00,  # 100 GiB x 0.08
        "KMS key": 1.00,
    }
    assert estimate(plan).total() == (325.44, 325.44)


# --- the price table --------------------------------------------------------------------------


def test_every_row_names_a_source_or_says_it_is_not_verified() -> None:
    for row in load().rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row.read), row
        if row.verified:
            assert row.source.startswith("https://aws.amazon.com/"), row
            assert row.checked.startswith("https://"), row
        else:
            assert row.source == NOT_VERIFIED and row.page.startswith("https://aws.amazon.com/"), row


def test_every_regional_key_covers_the_five_regions() -> None:
    regional: dict[str, set[str]] = {}
    for row in load().rows:
        if row.region != "*":
            regional.setdefault(row.key, set()).add(row.region)
    assert regional and all(regions == set(REGIONS) for regions in regional.values()), regional


def test_every_key_the_estimator_reads_is_in_the_table() -> None:
    keys = {row.key for row in load().rows}
    used = {row.key for row in TABLE.rows}
    assert used <= keys


# --- dev and prod -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plans(committed_plans: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {stack: plan.to_json() for stack, plan in committed_plans.items()}


def _traced(line: CostLine) -> bool:
    table = load()
    for cite in line.prices:
        key, region = cite.split(" ", 1)[0].split("@")
        row = table.get(key, region)
        if row is None or row.cite() != cite:
            return False
    return bool(line.prices)


def test_dev_and_prod_fixed_lines_each_trace_to_a_price_row(plans: dict[str, dict[str, Any]]) -> None:
    for stack, plan in plans.items():
        est = estimate(plan)
        assert est.fixed(), stack
        assert all(_traced(line) for line in est.fixed()), stack
        assert not [x for x in est.lines if x.kind == "unpriced"], stack


def test_dev_and_prod_estimates(plans: dict[str, dict[str, Any]]) -> None:
    dev, prod = estimate(plans["dev"]), estimate(plans["prod"])
    assert set(prod.by("region")) == {"us-east-1", "eu-west-1"}
    assert sum(v[1] for v in prod.by("region").values()) == pytest.approx(prod.total()[1])
    assert dev.total()[1] < prod.total()[1]
    items = {x.item for x in prod.fixed()}
    assert {"NAT gateway x3", "EKS control plane (STANDARD support)", "m7i.large x3 (ON_DEMAND)"} <= items
    # ECS on EC2 in prod starts at 0 instances; the estimate sizes it from the tasks.
    (ecs_instances,) = [x for x in prod.fixed() if x.type == "aws:autoscaling/group:Group" and "x2" in x.item]
    assert ecs_instances.item == "m7i.large x2 (ON_DEMAND)" and "sized from the EC2 tasks" in ecs_instances.note


def test_the_plan_json_carries_the_documented_fields(plans: dict[str, dict[str, Any]]) -> None:
    insights = build(plans["prod"], 250.0)
    assert insights["costIncreaseWarnUsd"] == 250.0
    assert set(insights) == {"costIncreaseWarnUsd", "cost", "deployTime", "diagram"}
    assert set(insights["cost"]) == {"currency", "period", "total", "byRegion", "byComponent", "byResource", "lines"}
    assert insights["cost"]["total"]["high"] == estimate(plans["prod"]).total()[1]
    assert insights["diagram"]["mermaid"].startswith("flowchart LR\n")
    assert build(plans["prod"], 250.0) == insights  # deterministic: no timestamps, no ordering noise


def test_make_plan_prints_totals_regions_components_top_five_and_the_critical_path(
    plans: dict[str, dict[str, Any]],
) -> None:
    text = "\n".join(summary_lines(plans["prod"]))
    assert text.startswith("Monthly estimate (list prices, fixed items only): $")
    assert "  eu-west-1: $" in text and "  by component:" in text and "    ecs: $" in text
    top = text.split("  top five:\n")[1].split("\n  + ")[0].splitlines()
    assert len(top) == 5
    assert "critical path: " in text and "eks:index:Cluster" in text


# --- pull requests ------------------------------------------------------------------------------


def _diff_report(stack: str, config: dict[str, Any], base: dict[str, Any]) -> tuple[str, list[Any]]:
    """``make diff``'s head on BASE and the edited config's plan, as ``make plan`` writes it (with insights)."""
    head = run_stack(stack, config).to_json()
    head["insights"] = build(head, parse_config(config).config.insights.cost_increase_warn_usd)
    from offline_plan.diff import diff_plans

    diff = diff_plans(base, head)
    changes = [(e.kind, e.urn) for e in diff.resources]
    return render(base, head, changes), resource_deltas(estimate(base), estimate(head))


def test_a_pull_request_adding_a_fargate_service_with_an_alb_shows_its_monthly_delta(
    plans: dict[str, dict[str, Any]],
) -> None:
    service = {
        "name": "shop",
        "image": "web:1.4.2",
        "cpu": 1024,
        "memory": 2048,
        "port": 8080,
        "desiredCount": 2,
        "loadBalancer": {
            "type": "application",
            "public": True,
            "healthCheckPath": "/healthz",
            "plainHttpReason": "dev has no domain or ACM certificate yet - synthetic test traffic only",
        },
    }
    config = stack_config("dev")
    config["container-platform:ecs"]["services"].append(service)
    text, deltas = _diff_report("dev", config, plans["dev"])
    by_type = {d.type: d for d in deltas}
    assert set(by_type) == {"aws:ecs/service:Service", "aws:lb/loadBalancer:LoadBalancer"}
    # Tasks: base 1 on FARGATE, 1 on FARGATE_SPOT (weights 1:3); each 1 vCPU, 2 GB: 0.04937/h on-demand.
    service, alb = by_type["aws:ecs/service:Service"], by_type["aws:lb/loadBalancer:LoadBalancer"]
    assert (service.low, service.high) == (46.85, 72.08)
    assert service.items == ("FARGATE tasks x1 (1 vCPU, 2 GB, x86)", "FARGATE_SPOT tasks x1 (1 vCPU, 2 GB, x86)")
    assert alb.items == ("ALB hours", "ALB public IPv4 x2") and alb.high == 23.73  # (0.0225 + 2 x 0.005) x 730
    assert text.startswith("**dev: monthly estimate +$70.58 to +$95.81/month**")
    assert f"| +$23.73 | `{alb.name}` |" in text
    assert "**Deploy time of this change (estimate): " in text and "[aws:lb/loadBalancer:LoadBalancer, 3 min]" in text
    assert "[!WARNING]" not in text  # +$95.81 stays under the default $100


def test_a_pull_request_adding_an_eks_region_shows_its_cluster_nodes_and_nat_gateways(
    plans: dict[str, dict[str, Any]],
) -> None:
    config = set_path(stack_config("dev"), "network.cidrs", {"us-east-1": "10.10.0.0/16", "eu-west-1": "10.11.0.0/16"})
    config = set_path(config, "eks.regions", ["us-east-1", "eu-west-1"])
    config = set_path(config, "insights", {"costIncreaseWarnUsd": 50})
    text, deltas = _diff_report("dev", config, plans["dev"])
    items = {(d.type, d.region, item) for d in deltas for item in d.items}
    assert ("eks:index:Cluster", "eu-west-1", "EKS control plane (STANDARD support)") in items
    assert ("eks:index:ManagedNodeGroup", "eu-west-1", "m7i.large x2 (ON_DEMAND)") in items  # the system group
    assert ("awsx:ec2:Vpc", "eu-west-1", "NAT gateway x1") in items
    assert {d.region for d in deltas} == {"eu-west-1"}
    assert all(d.estimated for d in deltas if d.type.startswith(("eks:", "awsx:")))
    assert "(estimated from component inputs)" in text
    assert "> [!WARNING]" in text and "`insights.costIncreaseWarnUsd` ($50.00)" in text
    highlighted = re.search(r"^  class (.+) added$", text, re.M)
    assert highlighted is not None and "n_eks_eu_west_1_cluster" in highlighted.group(1)


def test_the_warning_threshold_is_a_validated_stack_setting() -> None:
    base = stack_config("dev")
    assert parse_config(base).config.insights.cost_increase_warn_usd == 100.0
    assert (
        parse_config(set_path(base, "insights", {"costIncreaseWarnUsd": 20})).config.insights.cost_increase_warn_usd
        == 20
    )
    for bad in ({"costIncreaseWarnUsd": -1}, {"costIncreaseWarnUsd": "lots"}, {"warnAt": 5}):
        with pytest.raises(Exception, match="insights"):
            parse_config(set_path(base, "insights", copy.deepcopy(bad)))


def test_a_new_stack_lists_its_largest_resources_and_counts_the_rest(
    plans: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from offline_plan.insights import report

    monkeypatch.setattr(report, "MAX_ROWS", 10)
    empty = {"project": "container-platform", "stack": "prod", "resources": []}
    head = plans["prod"]
    text = render(empty, head, [("add", str(r["urn"])) for r in head["resources"]])
    rows = [line for line in text.splitlines() if line.startswith("| +$")]
    deltas = resource_deltas(estimate(empty), estimate(head))
    assert len(rows) == 10 < len(deltas)
    assert f"| | … and {len(deltas) - 10} more resources | | | |" in text
    assert rows[0].startswith(f"| +${deltas[0].high:,.2f} |")  # largest first
