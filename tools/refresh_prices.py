"""Refresh the price table (``offline_plan/insights/prices.json``) from the AWS Price List Query API.

``make prices`` (``python -m tools.refresh_prices``) asks ``pricing:GetProducts`` for every row it
has a query for (``query_for``), and writes the on-demand list price of the one product that matches,
with the query as its ``source`` and today as its ``read`` date. A row whose query matches no
product, or several products at different prices, keeps its value and is reported; rows without a
query (Spot discounts, free items, FSx, Inspector, Lambda) are kept as they are. ``*`` rows
(one price in every region) are read in us-east-1.

Needs AWS credentials allowed ``pricing:GetProducts`` (read-only, any account). The Price List
Query API answers from us-east-1 (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html).
``--dry-run`` prints the changes without writing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from offline_plan.insights.prices import PRICES_FILE

API_REGION: Final = "us-east-1"
"""The Price List Query API endpoint region."""

USAGE_PREFIX: Final[dict[str, str]] = {
    "us-east-1": "",
    "us-west-2": "USW2-",
    "eu-west-1": "EU-",
    "eu-central-1": "EUC1-",
    "ap-southeast-1": "APS1-",
}
"""Region -> prefix of the Price List ``usagetype`` attribute (us-east-1 has none)."""

USAGE_TYPES: Final[dict[str, tuple[str, str, dict[str, str]]]] = {
    "eks.cluster.standard": ("AmazonEKS", "AmazonEKS-Hours:perCluster", {}),
    "eks.cluster.extended": ("AmazonEKS", "AmazonEKS-Hours:extendedSupport", {}),
    "fargate.x86.vcpu": ("AmazonECS", "Fargate-vCPU-Hours:perCPU", {}),
    "fargate.x86.gb": ("AmazonECS", "Fargate-GB-Hours", {}),
    "fargate.arm.vcpu": ("AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU", {}),
    "fargate.arm.gb": ("AmazonECS", "Fargate-ARM-GB-Hours", {}),
    "vpc.nat-gateway": ("AmazonEC2", "NatGateway-Hours", {}),
    "vpc.nat-gateway.data": ("AmazonEC2", "NatGateway-Bytes", {}),
    "vpc.public-ipv4": ("AmazonVPC", "PublicIPv4:InUseAddress", {}),
    "vpc.interface-endpoint": ("AmazonVPC", "VpcEndpoint-Hours", {}),
    "vpc.interface-endpoint.data": ("AmazonVPC", "VpcEndpoint-Bytes", {}),
    "elb.alb": ("AWSELB", "LoadBalancerUsage", {"productFamily": "Load Balancer-Application"}),
    "elb.alb.lcu": ("AWSELB", "LCUUsage", {"productFamily": "Load Balancer-Application"}),
    "elb.nlb": ("AWSELB", "LoadBalancerUsage", {"productFamily": "Load Balancer-Network"}),
    "elb.nlb.nlcu": ("AWSELB", "LCUUsage", {"productFamily": "Load Balancer-Network"}),
    "kms.key": ("awskms", "KMS-Keys", {}),
    "efs.standard": ("AmazonEFS", "TimedStorage-ByteHrs", {}),
    "ecr.storage": ("AmazonECR", "TimedStorage-ByteHrs", {}),
    "logs.ingest": ("AmazonCloudWatch", "DataProcessing-Bytes", {}),
    "logs.storage": ("AmazonCloudWatch", "TimedStorage-ByteHrs", {}),
}
"""Price key -> (ServiceCode, usagetype without its region prefix, further attribute filters).

The attribute values follow the Price List's naming; `aws pricing get-attribute-values` confirms
them (they were not checked against the live API from here)."""


@dataclass(frozen=True)
class Query:
    """One ``GetProducts`` call."""

    service_code: str
    filters: tuple[tuple[str, str], ...]

    def params(self) -> dict[str, Any]:
        """The ``GetProducts`` parameters."""
        return {
            "ServiceCode": self.service_code,
            "Filters": [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in self.filters],
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }

    def describe(self) -> str:
        """The query as a ``source``: ``pricing:GetProducts AmazonEC2 instanceType=m7i.large ...``."""
        return " ".join(
            [
                f"AWS Price List Query API pricing:GetProducts {self.service_code}",
                *(f"{f}={v}" for f, v in self.filters),
            ]
        )


def query_for(key: str, region: str) -> Query | None:
    """The query of one row, or ``None`` when the row is not refreshed from the API."""
    region = API_REGION if region == "*" else region
    if region not in USAGE_PREFIX:
        return None
    if key.startswith("ec2.") and key.count(".") == 2 and not key.startswith("ec2.spot."):
        instance_type = key.removeprefix("ec2.")
        return Query("AmazonEC2", _ec2_filters(instance_type, region))
    if key == "ebs.gp3":
        return Query("AmazonEC2", (("regionCode", region), ("productFamily", "Storage"), ("volumeApiName", "gp3")))
    if key not in USAGE_TYPES:
        return None
    service, usage, extra = USAGE_TYPES[key]
    return Query(service, (("regionCode", region), ("usagetype", USAGE_PREFIX[region] + usage), *sorted(extra.items())))


def _ec2_filters(instance_type: str, region: str) -> tuple[tuple[str, str], ...]:
    return (
        ("regionCode", region),
        ("instanceType", instance_type),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("capacitystatus", "Used"),
        ("licenseModel", "No License required"),
    )


def on_demand_price(product: Mapping[str, Any]) -> float | None:
    """The first-tier on-demand USD price of one Price List product (``None`` when it has none)."""
    for term in (product.get("terms") or {}).get("OnDemand", {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if str(dimension.get("beginRange", "0")) == "0" and "USD" in (dimension.get("pricePerUnit") or {}):
                return float(dimension["pricePerUnit"]["USD"])
    return None


def fetch(client: Any, query: Query) -> tuple[float | None, str]:
    """The one price ``query`` matches, else ``None`` and why."""
    response = client.get_products(**query.params())
    prices = {on_demand_price(json.loads(item)) for item in response.get("PriceList") or []}
    prices.discard(None)
    if not prices:
        return None, "no product matches"
    if len(prices) > 1:
        return (
            None,
            f"{len(prices)} different prices match ({', '.join(map(str, sorted(p for p in prices if p is not None)))})",
        )
    return prices.pop(), ""


def refresh(client: Any, rows: Sequence[Mapping[str, Any]], today: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row, refreshed where the API answers with one price; and one report line per row looked up."""
    out: list[dict[str, Any]] = []
    report: list[str] = []
    for row in rows:
        query = query_for(str(row["key"]), str(row["region"]))
        if query is None:
            out.append(dict(row))
            continue
        price, why = fetch(client, query)
        if price is None:
            out.append(dict(row))
            report.append(f"kept {row['key']}@{row['region']} = {row['usd']}: {why}")
            continue
        updated = {k: v for k, v in row.items() if k not in ("checked", "page")}
        out.append(updated | {"usd": price, "source": query.describe(), "read": today})
        report.append(f"{row['key']}@{row['region']}: {row['usd']} -> {price}")
    return out, report


def main(argv: list[str] | None = None, client: Any = None, today: date | None = None) -> int:
    """CLI: refresh the table in place (or print the changes with ``--dry-run``)."""
    parser = argparse.ArgumentParser(prog="python -m tools.refresh_prices", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--file", default=str(PRICES_FILE), help="the price table (default: offline_plan/insights/prices.json)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    args = parser.parse_args(argv)
    if client is None:
        import boto3

        client = boto3.client("pricing", region_name=API_REGION)
    path = Path(args.file)
    data = json.loads(path.read_text())
    rows, report = refresh(client, data["rows"], (today or date.today()).isoformat())
    print("\n".join(report) or "nothing to refresh")
    if not args.dry_run:
        path.write_text(json.dumps(data | {"rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
