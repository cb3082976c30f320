"""``tools/refresh_prices.py`` against a stubbed Price List Query API (botocore's Stubber: no account here)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from offline_plan.insights.prices import load
from tools.refresh_prices import main, on_demand_price, query_for, refresh

TODAY = "2027-01-15"


def product(usd: str, unit: str = "Hrs") -> str:
    """One Price List item as GetProducts returns it: a JSON document in a string."""
    return json.dumps(
        {
            "product": {"sku": "ABC", "attributes": {}},
            "terms": {
                "OnDemand": {
                    "ABC.JRTCKXETXF": {
                        "priceDimensions": {
                            "ABC.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "beginRange": "0",
                                "endRange": "Inf",
                                "pricePerUnit": {"USD": usd},
                            }
                        }
                    }
                }
            },
        }
    )


@pytest.fixture
def client() -> Any:
    session = botocore.session.get_session()
    return session.create_client(
        "pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def expect(stubber: Stubber, key: str, region: str, *items: str) -> None:
    query = query_for(key, region)
    assert query is not None
    stubber.add_response("get_products", {"PriceList": list(items), "FormatVersion": "aws_v1"}, query.params())


ROWS = [
    {
        "key": "ec2.m7i.large",
        "region": "eu-west-1",
        "usd": 0.1124,
        "unit": "instance-hour",
        "source": "not verified",
        "page": "p",
        "read": "2026-11-30",
    },
    {
        "key": "vpc.nat-gateway",
        "region": "eu-west-1",
        "usd": 0.048,
        "unit": "gateway-hour",
        "source": "s",
        "checked": "c",
        "read": "2026-11-30",
    },
    {
        "key": "eks.cluster.standard",
        "region": "*",
        "usd": 0.10,
        "unit": "cluster-hour",
        "source": "s",
        "read": "2026-11-30",
    },
    {
        "key": "ec2.spot.max-discount",
        "region": "*",
        "usd": 0.9,
        "unit": "fraction",
        "source": "s",
        "read": "2026-11-30",
    },
]


def test_each_row_is_replaced_by_the_one_price_the_api_returns(client: Any) -> None:
    with Stubber(client) as stubber:
        expect(stubber, "ec2.m7i.large", "eu-west-1", product("0.1123500000"))
        expect(stubber, "vpc.nat-gateway", "eu-west-1", product("0.0480000000"))
        expect(stubber, "eks.cluster.standard", "*", product("0.1000000000"))
        rows, report = refresh(client, ROWS, TODAY)
        stubber.assert_no_pending_responses()
    assert [r["usd"] for r in rows] == [0.11235, 0.048, 0.1, 0.9]
    assert rows[0]["source"].startswith("AWS Price List Query API pricing:GetProducts AmazonEC2 regionCode=eu-west-1")
    assert "instanceType=m7i.large" in rows[0]["source"] and "page" not in rows[0]
    assert rows[1]["source"].endswith("usagetype=EU-NatGateway-Hours") and "checked" not in rows[1]
    # A "*" row is read in us-east-1, whose usage types carry no region prefix.
    assert rows[2]["source"].endswith("regionCode=us-east-1 usagetype=AmazonEKS-Hours:perCluster")
    assert [r["read"] for r in rows] == [TODAY, TODAY, TODAY, "2026-11-30"]
    assert rows[3] == ROWS[3]  # no query: kept as it is
    assert report[0] == "ec2.m7i.large@eu-west-1: 0.1124 -> 0.11235"


def test_no_match_or_several_prices_keep_the_row_and_say_why(client: Any) -> None:
    with Stubber(client) as stubber:
        expect(stubber, "ec2.m7i.large", "eu-west-1")
        expect(stubber, "vpc.nat-gateway", "eu-west-1", product("0.048"), product("0.052"))
        expect(stubber, "eks.cluster.standard", "*", product("0.10"), product("0.10"))
        rows, report = refresh(client, ROWS, TODAY)
    assert rows[0] == ROWS[0] and rows[1] == ROWS[1]
    assert report[:2] == [
        "kept ec2.m7i.large@eu-west-1 = 0.1124: no product matches",
        "kept vpc.nat-gateway@eu-west-1 = 0.048: 2 different prices match (0.048, 0.052)",
    ]
    assert rows[2]["usd"] == 0.1  # the same price twice is one price


@pytest.mark.parametrize(
    ("key", "region", "service", "filters"),
    [
        ("fargate.arm.vcpu", "eu-central-1", "AmazonECS", {"usagetype": "EUC1-Fargate-ARM-vCPU-Hours:perCPU"}),
        (
            "elb.alb",
            "ap-southeast-1",
            "AWSELB",
            {"usagetype": "APS1-LoadBalancerUsage", "productFamily": "Load Balancer-Application"},
        ),
        (
            "elb.nlb",
            "us-west-2",
            "AWSELB",
            {"usagetype": "USW2-LoadBalancerUsage", "productFamily": "Load Balancer-Network"},
        ),
        ("ebs.gp3", "us-east-1", "AmazonEC2", {"volumeApiName": "gp3", "productFamily": "Storage"}),
        ("vpc.interface-endpoint", "eu-west-1", "AmazonVPC", {"usagetype": "EU-VpcEndpoint-Hours"}),
        ("kms.key", "*", "awskms", {"usagetype": "KMS-Keys", "regionCode": "us-east-1"}),
    ],
)
def test_queries_name_the_service_region_and_usage_type(
    key: str, region: str, service: str, filters: dict[str, str]
) -> None:
    query = query_for(key, region)
    assert query is not None and query.service_code == service
    assert filters.items() <= dict(query.filters).items()
    assert all(f["Type"] == "TERM_MATCH" for f in query.params()["Filters"])


def test_rows_the_api_cannot_price_have_no_query() -> None:
    assert query_for("fargate.spot.max-discount", "*") is None
    assert query_for("iam", "*") is None
    assert query_for("ec2.m7i.large", "sa-east-1") is None  # not a region of the table


def test_every_row_of_the_table_the_api_prices_has_a_query() -> None:
    """The keys ``make prices`` refreshes cover every on-demand rate the estimator multiplies."""
    refreshed = {r.key for r in load().rows if query_for(r.key, r.region) is not None}
    assert {
        "ec2.m7i.large",
        "fargate.x86.vcpu",
        "vpc.nat-gateway",
        "elb.alb",
        "vpc.interface-endpoint",
        "ebs.gp3",
    } <= refreshed


def test_on_demand_price_reads_the_first_tier() -> None:
    item = json.loads(product("0.0225"))
    assert on_demand_price(item) == 0.0225
    assert on_demand_price({"terms": {}}) is None


def test_cli_writes_the_table_and_dry_run_does_not(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "prices.json"
    table.write_text(json.dumps({"currency": "USD", "hoursPerMonth": 730, "rows": ROWS[:1]}))
    with Stubber(client) as stubber:
        expect(stubber, "ec2.m7i.large", "eu-west-1", product("0.11235"))
        expect(stubber, "ec2.m7i.large", "eu-west-1", product("0.11235"))
        assert main(["--file", str(table), "--dry-run"], client=client, today=date(2027, 1, 15)) == 0
        assert json.loads(table.read_text())["rows"][0]["usd"] == 0.1124
        assert main(["--file", str(table)], client=client, today=date(2027, 1, 15)) == 0
    written = json.loads(table.read_text())
    assert written["rows"][0]["usd"] == 0.11235 and written["rows"][0]["read"] == TODAY
    assert written["hoursPerMonth"] == 730
    assert "0.1124 -> 0.11235" in capsys.readouterr().out
