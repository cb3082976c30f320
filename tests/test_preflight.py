"""tools.preflight against stubbed botocore clients (no network, no account).

Every answer is a botocore ``Stubber`` response, which botocore validates against the service
model, so the shapes here are the shapes AWS returns. All clients come from one botocore session:
it caches the service models, which take most of a client's creation time.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from offline_plan.recorder import stack_config
from tests.aws_shapes import is_real_action
from tests.conftest import DELETE, set_path
from tools import preflight as tool

ACCOUNT = "210987654321"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/platform-deployer/alice"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform/platform-deployer"
K8S = "1.35"
HOME = "us-east-1"
TRIDENT_PRODUCT = "6f5a1b2c-3d4e-4f60-8a7b-9c0d1e2f3a4b"
TRIDENT_URL = f"https://aws.amazon.com/marketplace/pp?sku={TRIDENT_PRODUCT}"
AZ_FILTERS = [
    {"Name": "opt-in-status", "Values": ["opt-in-not-required"]},
    {"Name": "state", "Values": ["available"]},
]
ZONES = {
    "us-east-1": {f"use1-az{i}": f"us-east-1{c}" for i, c in zip(range(1, 7), "abcdef", strict=True)},
    "eu-west-1": {f"euw1-az{i}": f"eu-west-1{c}" for i, c in zip(range(1, 4), "abc", strict=True)},
}

_SESSION = botocore.session.get_session()
_CLIENTS: dict[tuple[str, str], Any] = {}
"""Clients live for the whole module (making one takes ~30 ms); each test stubs them afresh."""
_CALLED: set[str] = set()
"""The IAM action of every call made while the current test's stubs were active."""


def _record(model: Any, **_: Any) -> None:
    _CALLED.add(f"{model.service_model.signing_name}:{model.name}")


def _client(service: str, region: str) -> Any:
    key = (service, region)
    if key not in _CLIENTS:
        _CLIENTS[key] = _SESSION.create_client(
            service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        # Registered before any Stubber's handler, which answers the call and ends the event.
        _CLIENTS[key].meta.events.register("before-call", _record)
    return _CLIENTS[key]


class Aws:
    """One test's stubs on the shared clients, one Stubber per (service, region); the tool's client factory."""

    def __init__(self) -> None:
        self.stubbers: dict[tuple[str, str], Stubber] = {}
        self.operations: set[tuple[str, str]] = set()  # (service, operation) of every stubbed answer
        _CALLED.clear()

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self.stubbers:
            self.stubbers[key] = Stubber(_client(service, region))
            self.stubbers[key].activate()
        return _client(service, region)

    def add(self, service: str, region: str, operation: str, response: dict[str, Any], params: Any = None) -> None:
        self.client(service, region)
        self.stubbers[service, region].add_response(operation, response, params)
        self.operations.add((service, operation))

    def error(
        self, service: str, region: str, operation: str, code: str, message: str = "", params: Any = None
    ) -> None:
        self.client(service, region)
        self.stubbers[service, region].add_client_error(
            operation, code, message, http_status_code=403 if "Denied" in code else 400, expected_params=params
        )
        self.operations.add((service, operation))

    def verify(self) -> None:
        for stubber in self.stubbers.values():
            stubber.deactivate()
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()
        undocumented = _CALLED - set(tool.PERMISSIONS)
        assert not undocumented, f"calls missing from tool.PERMISSIONS and docs/preflight.md: {undocumented}"

    # ------------------------------------------------------------ common answers

    def identity(self, arn: str = CALLER, region: str = HOME) -> None:
        account = arn.split(":")[4]
        self.add("sts", region, "get_caller_identity", {"UserId": "AROAEXAMPLE:alice", "Account": account, "Arn": arn})

    def zones(
        self, region: str, zones: dict[str, str] | None = None, offers: dict[str, list[str]] | None = None
    ) -> None:
        """The region's zones; ``offers`` (zone id -> instance types) answers the offerings call when given."""
        zones = ZONES[region] if zones is None else zones
        self.add(
            "ec2",
            region,
            "describe_availability_zones",
            {
                "AvailabilityZones": [
                    {
                        "ZoneName": name,
                        "ZoneId": zone_id,
                        "State": "available",
                        "OptInStatus": "opt-in-not-required",
                        "RegionName": region,
                        "ZoneType": "availability-zone",
                        "GroupName": region,
                        "NetworkBorderGroup": region,
                        "Messages": [],
                    }
                    for zone_id, name in zones.items()
                ]
            },
            {"Filters": AZ_FILTERS},
        )
        if offers is not None:
            self.add(
                "ec2",
                region,
                "describe_instance_type_offerings",
                {
                    "InstanceTypeOfferings": [
                        {"InstanceType": t, "LocationType": "availability-zone-id", "Location": zone_id}
                        for zone_id, ts in offers.items()
                        for t in ts
                    ]
                },
                {"LocationType": "availability-zone-id", "Filters": [{"Name": "instance-type", "Values": ANY_ORDER}]},
            )

    def quota(self, region: str, service_code: str, quota_code: str, value: float, *, default: bool = False) -> None:
        params = {"ServiceCode": service_code, "QuotaCode": quota_code}
        answer = {
            "Quota": {
                "ServiceCode": service_code,
                "QuotaCode": quota_code,
                "QuotaArn": f"arn:aws:servicequotas:{region}:{ACCOUNT}:{service_code}/{quota_code}",
                "QuotaName": quota_code,
                "Value": value,
                "Unit": "None",
                "Adjustable": True,
                "GlobalQuota": False,
            }
        }
        if default:
            self.error("service-quotas", region, "get_service_quota", "NoSuchResourceException", params=params)
            self.add("service-quotas", region, "get_aws_default_service_quota", answer, params)
        else:
            self.add("service-quotas", region, "get_service_quota", answer, params)

    def repositories(self, region: str, *names: str) -> None:
        self.add(
            "ecr",
            region,
            "describe_repositories",
            {
                "repositories": [
                    {
                        "repositoryArn": f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{n}",
                        "registryId": ACCOUNT,
                        "repositoryName": n,
                        "repositoryUri": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{n}",
                        "imageTagMutability": "IMMUTABLE",
                    }
                    for n in names
                ]
            },
            {},
        )

    def public_repositories(self, *names: str) -> None:
        self.add(
            "ecr-public",
            "us-east-1",
            "describe_repositories",
            {
                "repositories": [
                    {
                        "repositoryArn": f"arn:aws:ecr-public::{ACCOUNT}:repository/{n}",
                        "registryId": ACCOUNT,
                        "repositoryName": n,
                        "repositoryUri": f"public.ecr.aws/x1y2z3/{n}",
                    }
                    for n in names
                ]
            },
            {},
        )

    def quotas(
        self,
        region: str,
        *,
        eips: int = 0,
        nat_subnets: dict[str, str] | None = None,
        vpcs: int = 1,
        repositories: tuple[str, ...] | None = None,
        eip_quota: float = 5,
        nat_quota: float = 5,
        ecr: bool = True,
    ) -> None:
        """The quota check's answers in order; ``nat_subnets`` maps a NAT gateway's subnet -> its zone id."""
        self.add(
            "ec2",
            region,
            "describe_addresses",
            {"Addresses": [{"AllocationId": f"eipalloc-{i:017x}", "Domain": "vpc"} for i in range(eips)]},
            {},
        )
        self.quota(region, "ec2", "L-0263D0A3", eip_quota)
        nat_subnets = nat_subnets or {}
        self.add(
            "ec2",
            region,
            "describe_nat_gateways",
            {
                "NatGateways": [
                    {"NatGatewayId": f"nat-{i:017x}", "SubnetId": subnet, "State": "available", "VpcId": "vpc-1"}
                    for i, subnet in enumerate(nat_subnets)
                ]
            },
            {"Filters": [{"Name": "state", "Values": ["pending", "available", "deleting"]}]},
        )
        if nat_subnets:
            self.add(
                "ec2",
                region,
                "describe_subnets",
                {"Subnets": [{"SubnetId": s, "AvailabilityZoneId": z} for s, z in nat_subnets.items()]},
                {"SubnetIds": sorted(nat_subnets)},
            )
        self.quota(region, "vpc", "L-FE5A380F", nat_quota)
        self.add("ec2", region, "describe_vpcs", {"Vpcs": [{"VpcId": f"vpc-{i}"} for i in range(vpcs)]}, {})
        self.quota(region, "vpc", "L-F678F1CE", 5)
        if ecr:
            if repositories is not None:
                self.repositories(region, *repositories)
            self.quota(region, "ecr", "L-CFEB8E8D", 10000)

    def addon(
        self,
        region: str,
        addon: str,
        *versions: str,
        product: bool = False,
        clusters: tuple[str, ...] = (K8S,),
    ) -> None:
        info: dict[str, Any] = {
            "addonName": addon,
            "type": "storage",
            "owner": "aws-marketplace" if product else "aws",
            "publisher": "netapp" if product else "eks",
            "addonVersions": [
                {
                    "addonVersion": v,
                    "architecture": ["amd64", "arm64"],
                    "compatibilities": [
                        {"clusterVersion": c, "platformVersions": ["*"], "defaultVersion": False} for c in clusters
                    ],
                    "requiresConfiguration": False,
                }
                for v in versions
            ],
        }
        if product:
            info["marketplaceInformation"] = {"productId": TRIDENT_PRODUCT, "productUrl": TRIDENT_URL}
        self.add(
            "eks",
            region,
            "describe_addon_versions",
            {"addons": [info] if versions else []},
            {"kubernetesVersion": K8S, "addonName": addon},
        )

    def cluster_version(self, region: str, status: str = "STANDARD_SUPPORT") -> None:
        self.add(
            "eks",
            region,
            "describe_cluster_versions",
            {
                "clusterVersions": [
                    {
                        "clusterVersion": K8S,
                        "clusterType": "eks",
                        "defaultPlatformVersion": "eks.4",
                        "defaultVersion": True,
                        "releaseDate": datetime(2026, 1, 27, tzinfo=UTC),
                        "endOfStandardSupportDate": datetime(2027, 3, 27, tzinfo=UTC),
                        "endOfExtendedSupportDate": datetime(2028, 3, 27, tzinfo=UTC),
                        "versionStatus": status,
                        "kubernetesPatchVersion": "1.35.2",
                    }
                ]
            },
            {"clusterVersions": [K8S], "includeAll": True},
        )

    def ami(self, region: str, names: list[str], missing: tuple[str, ...] = ()) -> None:
        self.add(
            "ssm",
            region,
            "get_parameters",
            {
                "Parameters": [
                    {
                        "Name": n,
                        "Type": "String",
                        "Value": f"ami-0{i}abcdef0123456789"[:21],
                        "Version": 3,
                        "DataType": "aws:ec2:image",
                    }
                    for i, n in enumerate(names)
                    if n not in missing
                ],
                **({"InvalidParameters": list(missing)} if missing else {}),  # the model wants 1 or more
            },
            {"Names": names},
        )

    def eks_versions(self, region: str, addons: dict[str, str], *, skip: tuple[str, ...] = ()) -> None:
        """Every pinned add-on offered (except ``skip``), standard support, the x86_64 AMI present."""
        self.cluster_version(region)
        for addon, version in addons.items():
            self.addon(region, addon, "v9.9.9-eksbuild.1", *(() if addon in skip else (version,)))
        self.ami(region, [X86_AMI])


class _AnyOrder:
    """Matches a list with the same items in any order (Stubber compares expected params with ==)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list)

    def __hash__(self) -> int:
        return 0


ANY_ORDER = _AnyOrder()
X86_AMI = (
    "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/"
    "amazon-eks-node-al2023-x86_64-standard-1.35-v20260930/image_id"
)


@pytest.fixture
def aws() -> Iterator[Aws]:
    fake = Aws()
    yield fake
    fake.verify()


@functools.cache
def _committed(stack: str) -> str:
    return json.dumps(stack_config(stack))


@pytest.fixture
def dev_config() -> dict[str, Any]:
    """Pulumi.dev.yaml's config, parsed once per module (pure-Python YAML is slow), a fresh copy per test."""
    config: dict[str, Any] = json.loads(_committed("dev"))
    return config


@pytest.fixture
def prod_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(_committed("prod"))
    return config


def ours(config: dict[str, Any]) -> dict[str, Any]:
    """A committed stack config moved into the test account: its placeholder account id replaced everywhere
    (accountId, and the certificate and secret ARNs, which the settings layer wants in the same account)."""
    placeholder = config["container-platform:accountId"]
    moved: dict[str, Any] = json.loads(json.dumps(config).replace(placeholder, ACCOUNT))
    return moved


def context(
    config: dict[str, Any], aws: Aws, *, caller_arn: str = CALLER, deploy_role: str | None = None
) -> tool.Context:
    settings = tool.settings_from_config(config, "test")
    return tool.Context("test", settings, caller_arn.split(":")[4], caller_arn, aws.client, deploy_role)


def lines(name: str, config: dict[str, Any], aws: Aws, **kwargs: Any) -> list[str]:
    check = dict(tool.CHECKS)[name]
    return [r.line() for r in tool.run_check(name, check, context(config, aws, **kwargs))]


def single_region_prod(prod_config: dict[str, Any]) -> dict[str, Any]:
    """prod in us-east-1 only (3 AZs, a NAT gateway in each), in the test account, without its placeholders."""
    config = ours(prod_config)
    config = set_path(config, "eks.regions", [HOME])
    config = set_path(config, "network.cidrs", {HOME: "10.20.0.0/16"})
    return set_path(config, "ecs.services[0].loadBalancer.certificateArn", _cert_arn())


def _cert_arn(region: str = HOME, account: str = ACCOUNT) -> str:
    return f"arn:aws:acm:{region}:{account}:certificate/0f7c9a52-3a8e-4d8e-9b1e-2f5c7d9e1a00"


# ---------------------------------------------------------------- output format


@pytest.mark.parametrize(
    ("result", "line"),
    [
        (tool.ok("zones", "us-east-1: fine"), "ok       zones: us-east-1: fine"),
        (tool.problem("account", "wrong", "fix it"), "PROBLEM  account: wrong -> fix it"),
        (tool.warn("trident", "unknown", "subscribe"), "warn     trident: unknown -> subscribe"),
        (tool.skipped("trident", "off"), "skipped  trident: off"),
    ],
)
def test_one_line_per_result_with_the_status_in_a_column(result: tool.Result, line: str) -> None:
    assert result.line() == line


# ---------------------------------------------------------------- 1. account


def test_account_matches(dev_config: dict[str, Any], aws: Aws) -> None:
    assert lines("account", ours(dev_config), aws) == [f"ok       account: account {ACCOUNT} as {CALLER}"]


def test_wrong_account_names_both(dev_config: dict[str, Any], aws: Aws) -> None:
    (line,) = lines("account", set_path(dev_config, "accountId", "999988887777"), aws)
    assert line.startswith(f"PROBLEM  account: the credentials belong to account {ACCOUNT} ({CALLER}), ")
    assert "but Pulumi.test.yaml names 999988887777 -> use credentials of account 999988887777" in line


@pytest.mark.parametrize("placeholder", sorted(tool.PLACEHOLDER_ACCOUNTS))
def test_placeholder_account_is_said_plainly(dev_config: dict[str, Any], aws: Aws, placeholder: str) -> None:
    (line,) = lines("account", set_path(dev_config, "accountId", placeholder), aws)
    assert line == (
        f"PROBLEM  account: container-platform:accountId is {placeholder}, an AWS documentation placeholder; "
        f"the credentials are for {ACCOUNT} -> placeholder: put your account id in Pulumi.test.yaml"
    )


# ---------------------------------------------------------------- 2. certificates


def test_no_certificate_is_skipped(dev_config: dict[str, Any], aws: Aws) -> None:
    assert lines("certificates", ours(dev_config), aws) == [
        "skipped  certificates: no ecs.services[].loadBalancer.certificateArn"
    ]


def _certificate(status: str) -> dict[str, Any]:
    return {
        "Certificate": {
            "CertificateArn": _cert_arn(),
            "DomainName": "app.example.com",
            "Status": status,
            "Type": "AMAZON_ISSUED",
            "NotAfter": datetime(2027, 6, 30, tzinfo=UTC),
            "DomainValidationOptions": [
                {"DomainName": "app.example.com", "ValidationMethod": "DNS", "ValidationStatus": "SUCCESS"}
            ],
        }
    }


def test_issued_certificate(prod_config: dict[str, Any], aws: Aws) -> None:
    aws.add("acm", HOME, "describe_certificate", _certificate("ISSUED"), {"CertificateArn": _cert_arn()})
    assert lines("certificates", single_region_prod(prod_config), aws) == [
        "ok       certificates: web: app.example.com ISSUED in us-east-1, valid until 2027-06-30"
    ]


def test_missing_certificate(prod_config: dict[str, Any], aws: Aws) -> None:
    aws.error("acm", HOME, "describe_certificate", "ResourceNotFoundException", "Could not find certificate")
    (line,) = lines("certificates", single_region_prod(prod_config), aws)
    assert line == (
        f"PROBLEM  certificates: ecs.services[web].loadBalancer.certificateArn {_cert_arn()} does not exist in "
        "us-east-1 -> request a certificate in ACM (us-east-1) and put its ARN in Pulumi.test.yaml"
    )


def test_pending_certificate(prod_config: dict[str, Any], aws: Aws) -> None:
    aws.add("acm", HOME, "describe_certificate", _certificate("PENDING_VALIDATION"))
    (line,) = lines("certificates", single_region_prod(prod_config), aws)
    assert line.startswith(
        "PROBLEM  certificates: ecs.services[web].loadBalancer.certificateArn (app.example.com) is "
        "PENDING_VALIDATION, not ISSUED -> create the DNS validation records"
    )


def test_committed_prod_certificate_is_a_placeholder(prod_config: dict[str, Any], aws: Aws) -> None:
    (line,) = lines("certificates", prod_config, aws)  # no AWS call: the stubs would fail on one
    assert line.startswith(
        "PROBLEM  certificates: ecs.services[web].loadBalancer.certificateArn is in account 444455556666, "
        "an AWS documentation placeholder -> placeholder: put your ISSUED ACM certificate's ARN"
    )


# ---------------------------------------------------------------- 3. secrets

SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:web-db"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/web/api-key"


def _secrets(dev_config: dict[str, Any], **secrets: str) -> dict[str, Any]:
    return set_path(ours(dev_config), "ecs.services[0].secrets", secrets)


def test_secret_with_a_json_key_is_described_without_the_key(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.add(
        "secretsmanager",
        HOME,
        "describe_secret",
        {"ARN": f"{SECRET}-AbCdEf", "Name": "web-db", "CreatedDate": datetime(2026, 1, 1, tzinfo=UTC)},
        {"SecretId": SECRET},  # not the ":password::" tail ECS accepts
    )
    assert lines("secrets", _secrets(dev_config, DATABASE_URL=f"{SECRET}:password::"), aws) == [
        "ok       secrets: ecs.services[web].secrets.DATABASE_URL: secret web-db exists"
    ]


def test_missing_secret(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.error("secretsmanager", HOME, "describe_secret", "ResourceNotFoundException", "Secrets Manager can't find it")
    (line,) = lines("secrets", _secrets(dev_config, DATABASE_URL=SECRET), aws)
    assert line.startswith(
        f"PROBLEM  secrets: ecs.services[web].secrets.DATABASE_URL: secret {SECRET} does not exist in us-east-1 -> "
        "create it (aws secretsmanager create-secret"
    )


def test_secret_scheduled_for_deletion(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.add(
        "secretsmanager",
        HOME,
        "describe_secret",
        {"ARN": SECRET, "Name": "web-db", "DeletedDate": datetime(2026, 11, 1, tzinfo=UTC)},
    )
    (line,) = lines("secrets", _secrets(dev_config, DATABASE_URL=SECRET), aws)
    assert "is scheduled for deletion -> aws secretsmanager restore-secret" in line


def test_ssm_parameters_are_looked_up_in_one_call(dev_config: dict[str, Any], aws: Aws) -> None:
    other = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/web/token"
    aws.add(
        "ssm",
        HOME,
        "get_parameters",
        {
            "Parameters": [
                {"Name": "/web/api-key", "Type": "SecureString", "Value": "AQICAH...", "Version": 1, "ARN": PARAMETER}
            ],
            "InvalidParameters": [other],
        },
        {"Names": [PARAMETER, other]},
    )
    assert lines("secrets", _secrets(dev_config, API_KEY=PARAMETER, TOKEN=other), aws) == [
        "ok       secrets: ecs.services[web].secrets.API_KEY: SSM parameter exists",
        f"PROBLEM  secrets: ecs.services[web].secrets.TOKEN: SSM parameter {other} does not exist -> create it "
        "(aws ssm put-parameter --region us-east-1 --type SecureString --name ...) or correct the ARN",
    ]


def test_committed_dev_secret_is_a_placeholder(dev_config: dict[str, Any], aws: Aws) -> None:
    assert lines("secrets", dev_config, aws) == [
        "PROBLEM  secrets: ecs.services[web].secrets.DATABASE_URL is "
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:web-db, in placeholder account 123456789012 -> "
        f"placeholder: put your secret's or parameter's ARN (account {ACCOUNT}) in Pulumi.test.yaml"
    ]


# ---------------------------------------------------------------- B4: repository names


def test_free_repository_names(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.repositories(HOME, "legacy-app")
    aws.public_repositories()
    assert lines("repositories", ours(dev_config), aws) == [
        "ok       repositories: none of web, worker, api, platform-tools exists yet"
    ]


def test_a_repository_of_another_stack_collides(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.repositories(HOME, "web", "worker")
    aws.public_repositories()
    tags = {"project": "container-platform", "managed-by": "pulumi"}
    aws.add(
        "ecr",
        HOME,
        "list_tags_for_resource",
        {"tags": [{"Key": k, "Value": v} for k, v in {**tags, "stack": "prod"}.items()]},
        {"resourceArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/web"},
    )
    aws.add(
        "ecr",
        HOME,
        "list_tags_for_resource",
        {"tags": [{"Key": k, "Value": v} for k, v in {**tags, "stack": "test"}.items()]},
        {"resourceArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/worker"},
    )
    assert lines("repositories", ours(dev_config), aws) == [
        f"PROBLEM  repositories: repository web already exists in account {ACCOUNT} and belongs to stack prod: "
        "the first pulumi up fails with RepositoryAlreadyExistsException -> give each stack its own AWS account "
        "(one account per stack), or delete or rename the existing repository",
        "ok       repositories: repository worker exists and belongs to this stack",
    ]


# ---------------------------------------------------------------- 4. trident


def _trident(prod_config: dict[str, Any]) -> dict[str, Any]:
    config = set_path(ours(prod_config), "eks.storage.fsxOntap", True)
    return set_path(config, "eks.versions.addons.netapp_trident-operator", "v25.10.0-eksbuild.1")


def test_trident_off_is_skipped(dev_config: dict[str, Any], aws: Aws) -> None:
    assert lines("trident", ours(dev_config), aws) == ["skipped  trident: eks.storage.fsxOntap is off"]


def _license(status: str = "AVAILABLE") -> dict[str, Any]:
    return {
        "Licenses": [
            {
                "LicenseArn": "arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef",
                "ProductName": "NetApp Trident",
                "ProductSKU": TRIDENT_PRODUCT,
                "Issuer": {
                    "Name": "AWS/Marketplace",
                    "KeyFingerprint": "aws:294406891311:AWS/Marketplace:issuer-fingerprint",
                },
                "HomeRegion": "us-east-1",
                "Status": status,
                "Beneficiary": ACCOUNT,
                "Validity": {"Begin": "2026-10-01T00:00:00Z"},
            }
        ]
    }


def test_trident_offered_and_subscribed(prod_config: dict[str, Any], aws: Aws) -> None:
    for region in ("us-east-1", "eu-west-1"):
        aws.addon(region, tool.TRIDENT_ADDON, "v25.10.0-eksbuild.1", "v25.6.2-eksbuild.1", product=True)
    aws.add(
        "license-manager",
        HOME,
        "list_received_licenses",
        _license(),
        {"Filters": [{"Name": "ProductSKU", "Values": [TRIDENT_PRODUCT]}]},
    )
    assert lines("trident", _trident(prod_config), aws) == [
        "ok       trident: us-east-1: netapp_trident-operator offered for Kubernetes 1.35 (2 versions)",
        "ok       trident: eu-west-1: netapp_trident-operator offered for Kubernetes 1.35 (2 versions)",
        f"ok       trident: AWS Marketplace product {TRIDENT_PRODUCT}: License Manager license "
        "arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef is AVAILABLE",
    ]


def test_no_trident_add_on_in_one_region(prod_config: dict[str, Any], aws: Aws) -> None:
    aws.addon("us-east-1", tool.TRIDENT_ADDON, "v25.10.0-eksbuild.1", product=True)
    aws.addon("eu-west-1", tool.TRIDENT_ADDON, "v25.10.0-eksbuild.1", clusters=("1.34",), product=True)
    aws.add("license-manager", HOME, "list_received_licenses", _license())
    found = lines("trident", _trident(prod_config), aws)
    assert found[1] == (
        "PROBLEM  trident: eu-west-1: no netapp_trident-operator add-on for Kubernetes 1.35 -> turn "
        "eks.storage.fsxOntap off, or use a Kubernetes version or region that offers netapp_trident-operator"
    )


def test_an_unverifiable_subscription_is_a_warning_not_a_problem(prod_config: dict[str, Any], aws: Aws) -> None:
    for region in ("us-east-1", "eu-west-1"):
        aws.addon(region, tool.TRIDENT_ADDON, "v25.10.0-eksbuild.1", product=True)
    aws.add("license-manager", HOME, "list_received_licenses", {"Licenses": [], "NextToken": "page-2"})
    aws.add(
        "license-manager",
        HOME,
        "list_received_licenses",
        _license("EXPIRED"),
        {"Filters": [{"Name": "ProductSKU", "Values": [TRIDENT_PRODUCT]}], "NextToken": "page-2"},
    )
    found = lines("trident", _trident(prod_config), aws)
    assert found[-1] == (
        f"warn     trident: cannot verify the AWS Marketplace subscription to product {TRIDENT_PRODUCT} read-only "
        f"(no AVAILABLE License Manager license with that ProductSKU) -> subscribe at {TRIDENT_URL} before the "
        "first pulumi up (EKS installs a Marketplace add-on only for a subscribed account)"
    )
    assert not any(line.startswith("PROBLEM") for line in found)


# ---------------------------------------------------------------- 5. zones

DEV_TYPES = ["m6i.large", "m7i.large"]


def test_the_zones_the_program_would_choose(dev_config: dict[str, Any], aws: Aws) -> None:
    # use1-az3: EKS refuses it; use1-az2 lacks m6i.large; the first two of the rest by zone id.
    offers = {z: DEV_TYPES for z in ZONES[HOME]} | {"use1-az2": ["m7i.large"]}
    aws.zones(HOME, offers=offers)
    assert lines("zones", ours(dev_config), aws) == [
        "ok       zones: us-east-1: the program would choose use1-az1 (us-east-1a), use1-az4 (us-east-1d)"
    ]


def test_too_few_qualifying_zones(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.zones(HOME, offers={"use1-az1": DEV_TYPES, "use1-az2": ["m7i.large"]})
    (line,) = lines("zones", ours(dev_config), aws)
    assert line.startswith(
        "PROBLEM  zones: us-east-1: network.azCount is 2, but only 1 availability zone(s) qualify. Kept: use1-az1. "
        "Left out: use1-az2 (does not offer m6i.large); use1-az3 (EKS does not support it)"
    )
    assert line.endswith("-> lower network.azCount, change instance types, or pin network.zoneIds")


def test_unknown_pinned_zone(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.zones(HOME, offers={z: DEV_TYPES for z in ZONES[HOME]})
    config = set_path(ours(dev_config), "network.zoneIds", {HOME: ["use1-az1", "use1-az9"]})
    (line,) = lines("zones", config, aws)
    assert line.startswith(
        "PROBLEM  zones: us-east-1: network.zoneIds.us-east-1 lists use1-az9, which is not an available zone here"
    )
    assert line.endswith("-> change network.zoneIds.us-east-1")


def test_pinned_zones(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.zones(HOME, offers={z: DEV_TYPES for z in ZONES[HOME]} | {"use1-az5": ["m7i.large"]})
    config = set_path(ours(dev_config), "network.zoneIds", {HOME: ["use1-az6", "use1-az2"]})
    assert lines("zones", config, aws) == [
        "ok       zones: us-east-1: pinned use1-az6 (us-east-1f), use1-az2 (us-east-1b)"
    ]


def test_a_pinned_zone_without_an_instance_type(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.zones(HOME, offers={z: DEV_TYPES for z in ZONES[HOME]} | {"use1-az5": ["m7i.large"]})
    config = set_path(ours(dev_config), "network.zoneIds", {HOME: ["use1-az5", "use1-az2"]})
    (line,) = lines("zones", config, aws)
    assert line.startswith("PROBLEM  zones: us-east-1: pinned zone use1-az5 does not offer m6i.large -> pin zones")


# ---------------------------------------------------------------- 6. quotas

PROD_TYPES = ["m5.large", "m6i.large", "m7i.large"]


def _prod_zones(aws: Aws) -> None:
    aws.zones(HOME, offers={z: PROD_TYPES for z in ZONES[HOME]})  # chooses use1-az1, az2, az4


def test_quotas_that_fit(prod_config: dict[str, Any], aws: Aws) -> None:
    _prod_zones(aws)
    aws.quotas(
        HOME, eips=1, nat_subnets={"subnet-a": "use1-az1", "subnet-b": "use1-az1"}, vpcs=2, repositories=("web",)
    )
    assert lines("quotas", single_region_prod(prod_config), aws) == [
        "ok       quotas: us-east-1 Elastic IPs (ec2 L-0263D0A3): 1 in use + 3 for NAT gateways (perAz) = 4 <= 5 (applied)",
        "ok       quotas: us-east-1 NAT gateways per AZ (vpc L-FE5A380F) in use1-az1: 2 in use + 1 new = 3 <= 5 (applied)",
        "ok       quotas: us-east-1 VPCs (vpc L-F678F1CE): 2 in use + 1 new = 3 <= 5 (applied)",
        "ok       quotas: us-east-1 ECR repositories (ecr L-CFEB8E8D): 1 in use + 1 new = 2 <= 10000 (applied)",
    ]


def test_quota_too_low_for_per_az_nat_gateways(prod_config: dict[str, Any], aws: Aws) -> None:
    _prod_zones(aws)
    aws.quotas(HOME, eips=3, nat_subnets={"subnet-a": "use1-az4", "subnet-b": "use1-az4"}, nat_quota=2, repositories=())
    found = lines("quotas", single_region_prod(prod_config), aws)
    assert found[0] == (
        "PROBLEM  quotas: us-east-1 Elastic IPs (ec2 L-0263D0A3): 3 in use + 3 for NAT gateways (perAz) = 6 > 5 "
        "(applied) -> request at least 6: aws service-quotas request-service-quota-increase --region us-east-1 "
        "--service-code ec2 --quota-code L-0263D0A3 --desired-value 6"
    )
    assert found[1].startswith(
        "PROBLEM  quotas: us-east-1 NAT gateways per AZ (vpc L-FE5A380F) in use1-az4: 2 in use + 1 new = 3 > 2 (applied) "
        "-> request at least 3:"
    )


def test_a_quota_without_an_applied_value_uses_the_aws_default(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.zones(HOME, offers={z: DEV_TYPES for z in ZONES[HOME]})
    aws.add("ec2", HOME, "describe_addresses", {"Addresses": []})
    aws.quota(HOME, "ec2", "L-0263D0A3", 5, default=True)
    aws.add("ec2", HOME, "describe_nat_gateways", {"NatGateways": []})
    aws.quota(HOME, "vpc", "L-FE5A380F", 5)
    aws.add("ec2", HOME, "describe_vpcs", {"Vpcs": []})
    aws.quota(HOME, "vpc", "L-F678F1CE", 5)
    aws.repositories(HOME)
    aws.quota(HOME, "ecr", "L-CFEB8E8D", 10000)
    found = lines("quotas", ours(dev_config), aws)
    assert found[0] == (
        "ok       quotas: us-east-1 Elastic IPs (ec2 L-0263D0A3): 0 in use + 1 for NAT gateways (single) = 1 <= 5 (AWS default)"
    )
    assert found[1] == (
        "ok       quotas: us-east-1 NAT gateways per AZ (vpc L-FE5A380F) in use1-az1: 0 in use + 1 new = 1 <= 5 (applied)"
    )


# ---------------------------------------------------------------- 7. enhanced scanning

SIMULATION = {
    "PolicySourceArn": ROLE,
    "ActionNames": list(tool.SCANNING_ACTIONS),
    "ContextEntries": tool.SCANNING_CONTEXT,
}


def _role(aws: Aws) -> None:
    aws.add(
        "iam",
        HOME,
        "get_role",
        {
            "Role": {
                "Path": "/platform/",
                "RoleName": "platform-deployer",
                "RoleId": "AROAEXAMPLEEXAMPLE1",
                "Arn": ROLE,
                "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
            }
        },
        {"RoleName": "platform-deployer"},
    )


def _simulation(aws: Aws, **decisions: str) -> None:
    aws.add(
        "iam",
        HOME,
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                {
                    "EvalActionName": a,
                    "EvalResourceName": "*",
                    "EvalDecision": decisions.get(a.split(":")[1], "allowed"),
                }
                for a in tool.SCANNING_ACTIONS
            ],
            "IsTruncated": False,
        },
        SIMULATION,
    )


def _inspector(aws: Aws, region: str, ecr: str) -> None:
    state = {"status": "ENABLED", "errorCode": "ALREADY_ENABLED", "errorMessage": "Already enabled"}
    aws.add(
        "inspector2",
        region,
        "batch_get_account_status",
        {
            "accounts": [
                {
                    "accountId": ACCOUNT,
                    "state": state,
                    "resourceState": {"ec2": {**state, "status": "DISABLED"}, "ecr": {**state, "status": ecr}},
                }
            ],
            "failedAccounts": [],
        },
        {"accountIds": [ACCOUNT]},
    )


def test_basic_scanning_is_skipped(dev_config: dict[str, Any], aws: Aws) -> None:
    assert lines("enhanced-scanning", ours(dev_config), aws) == [
        "skipped  enhanced-scanning: registry.scanning is basic"
    ]


def test_enhanced_scanning_allowed(prod_config: dict[str, Any], aws: Aws) -> None:
    _role(aws)
    _simulation(aws)
    _inspector(aws, "us-east-1", "ENABLED")
    _inspector(aws, "eu-west-1", "DISABLED")
    assert lines("enhanced-scanning", ours(prod_config), aws) == [
        f"ok       enhanced-scanning: {ROLE} (the caller's role) may ecr:PutRegistryScanningConfiguration, "
        "inspector2:Enable, iam:CreateServiceLinkedRole",
        "ok       enhanced-scanning: us-east-1: Amazon Inspector ECR scanning is already ENABLED",
        "ok       enhanced-scanning: eu-west-1: Amazon Inspector ECR scanning is DISABLED: the first pulumi up "
        "enables it (billed per image)",
    ]


def test_missing_scanning_permission(prod_config: dict[str, Any], aws: Aws) -> None:
    _simulation(aws, Enable="implicitDeny", CreateServiceLinkedRole="explicitDeny")
    _inspector(aws, "us-east-1", "DISABLED")
    _inspector(aws, "eu-west-1", "DISABLED")
    found = lines("enhanced-scanning", ours(prod_config), aws, deploy_role=ROLE)
    assert found[0] == (
        f"PROBLEM  enhanced-scanning: {ROLE} (--deploy-role-arn) may not inspector2:Enable (implicitDeny), "
        "iam:CreateServiceLinkedRole (explicitDeny) -> allow these for the deploy role (ECR User Guide: IAM "
        "permissions required for enhanced scanning; iam:CreateServiceLinkedRole with iam:AWSServiceName "
        "inspector2.amazonaws.com)"
    )


@pytest.mark.parametrize(
    ("caller", "role"),
    [
        (CALLER, f"arn:aws:iam::{ACCOUNT}:role/platform-deployer"),  # the path is not in the session ARN
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com",
            f"arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_Admin_0123abcd",
        ),
        (f"arn:aws:iam::{ACCOUNT}:user/ci", f"arn:aws:iam::{ACCOUNT}:user/ci"),
        (f"arn:aws:iam::{ACCOUNT}:root", None),
        (f"arn:aws:sts::{ACCOUNT}:federated-user/bob", None),
    ],
)
def test_role_arn_of_a_caller(caller: str, role: str | None) -> None:
    assert tool.role_arn_of(caller) == role


# ---------------------------------------------------------------- 8. EKS versions


def test_eks_versions_supported_and_offered(dev_config: dict[str, Any], aws: Aws) -> None:
    config = ours(dev_config)
    addons = config["container-platform:eks"]["versions"]["addons"]
    aws.eks_versions(HOME, addons)
    assert lines("eks-versions", config, aws) == [
        "ok       eks-versions: us-east-1: Kubernetes 1.35 is in standard support until 2027-03-27",
        "ok       eks-versions: us-east-1: all 7 pinned add-on versions are offered for Kubernetes 1.35",
        "ok       eks-versions: us-east-1: AMI release 1.35.8-20260930 (x86_64) is ami-00abcdef012345678",
    ]


def test_version_out_of_standard_support(dev_config: dict[str, Any], aws: Aws) -> None:
    config = ours(dev_config)
    aws.cluster_version(HOME, "EXTENDED_SUPPORT")
    for addon, version in config["container-platform:eks"]["versions"]["addons"].items():
        aws.addon(HOME, addon, version)
    aws.ami(HOME, [X86_AMI])
    assert lines("eks-versions", config, aws)[0] == (
        "PROBLEM  eks-versions: us-east-1: Kubernetes 1.35 is in extended support (billed extra per cluster hour) "
        "-> set eks.version to a version in standard support, then the add-on and AMI pins for it"
    )


def test_pinned_add_on_version_not_offered_in_one_region(prod_config: dict[str, Any], aws: Aws) -> None:
    config = ours(prod_config)
    addons = config["container-platform:eks"]["versions"]["addons"]
    aws.eks_versions("us-east-1", addons)
    aws.cluster_version("eu-west-1")
    for addon, version in addons.items():
        aws.addon("eu-west-1", addon, *(() if addon == "aws-fsx-csi-driver" else (version,)))
    aws.ami("eu-west-1", [X86_AMI])  # prod's node groups are all x86_64 (m7i, m6i, m5)
    found = lines("eks-versions", config, aws)
    assert (
        "PROBLEM  eks-versions: eu-west-1: aws-fsx-csi-driver v1.10.0-eksbuild.1 is not offered for Kubernetes 1.35 "
        "-> run make eks-versions STACK=test and paste its versions block into Pulumi.test.yaml"
    ) in found
    assert "ok       eks-versions: us-east-1: all 8 pinned add-on versions are offered for Kubernetes 1.35" in found


def test_ami_parameter_missing(dev_config: dict[str, Any], aws: Aws) -> None:
    config = ours(dev_config)
    aws.cluster_version(HOME)
    for addon, version in config["container-platform:eks"]["versions"]["addons"].items():
        aws.addon(HOME, addon, version)
    aws.ami(HOME, [X86_AMI], missing=(X86_AMI,))
    assert lines("eks-versions", config, aws)[-1] == (
        f"PROBLEM  eks-versions: us-east-1: no AMI of release 1.35.8-20260930 (x86_64): SSM parameter {X86_AMI} "
        "does not exist -> run make eks-versions STACK=test and paste its versions block into Pulumi.test.yaml"
    )


def test_graviton_node_groups_check_the_arm64_ami(dev_config: dict[str, Any], aws: Aws) -> None:
    config = set_path(ours(dev_config), "eks.nodeGroups[0].amiType", "AL2023_ARM_64_STANDARD")
    config = set_path(config, "eks.nodeGroups[0].instanceTypes", ["m7g.large"])
    ctx = context(config, aws)
    assert tool._ami_architectures(ctx) == ("arm64", "x86_64")


def test_no_eks_is_skipped(dev_config: dict[str, Any], aws: Aws) -> None:
    config = set_path(ours(dev_config), "eks", DELETE)
    assert lines("eks-versions", config, aws) == ["skipped  eks-versions: no eks section"]
    assert lines("trident", config, aws) == ["skipped  trident: eks.storage.fsxOntap is off"]


# ---------------------------------------------------------------- errors on one call


def test_access_denied_on_one_call_is_a_problem_naming_the_permission(prod_config: dict[str, Any], aws: Aws) -> None:
    aws.error(
        "acm",
        HOME,
        "describe_certificate",
        "AccessDeniedException",
        f"User: {CALLER} is not authorized to perform: acm:DescribeCertificate",
    )
    assert lines("certificates", single_region_prod(prod_config), aws) == [
        "PROBLEM  certificates: access denied: acm:DescribeCertificate in us-east-1 (AccessDeniedException) -> "
        "allow acm:DescribeCertificate for the identity running preflight (docs/preflight.md has the read-only policy)"
    ]


def test_access_denied_on_a_paginated_call(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.zones(HOME)
    aws.error("ec2", HOME, "describe_instance_type_offerings", "UnauthorizedOperation", "You are not authorized")
    assert lines("zones", ours(dev_config), aws) == [
        "PROBLEM  zones: access denied: ec2:DescribeInstanceTypeOfferings in us-east-1 (UnauthorizedOperation) -> "
        "allow ec2:DescribeInstanceTypeOfferings for the identity running preflight (docs/preflight.md has the "
        "read-only policy)"
    ]


def test_expired_credentials_on_one_call(dev_config: dict[str, Any], aws: Aws) -> None:
    aws.error(
        "secretsmanager",
        HOME,
        "describe_secret",
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )
    (line,) = lines("secrets", _secrets(dev_config, DATABASE_URL=SECRET), aws)
    assert line == (
        "PROBLEM  secrets: the credentials were refused for secretsmanager:DescribeSecret in us-east-1 "
        "(ExpiredTokenException: The security token included in the request is expired) -> log in again "
        "(aws sso login, or refresh the role session) and rerun"
    )


def test_results_before_the_failing_call_are_kept(prod_config: dict[str, Any], aws: Aws) -> None:
    _role(aws)
    _simulation(aws)
    _inspector(aws, "us-east-1", "ENABLED")
    aws.error("inspector2", "eu-west-1", "batch_get_account_status", "AccessDeniedException")
    found = lines("enhanced-scanning", ours(prod_config), aws)
    assert [line.split(":")[0] for line in found] == ["ok       enhanced-scanning"] * 2 + ["PROBLEM  enhanced-scanning"]
    assert "access denied: inspector2:BatchGetAccountStatus in eu-west-1" in found[-1]


def test_no_credentials_on_one_call(prod_config: dict[str, Any]) -> None:
    class NoCredentials:
        meta = _client("acm", HOME).meta

        def describe_certificate(self, **_: Any) -> Any:
            raise NoCredentialsError()

    settings = tool.settings_from_config(single_region_prod(prod_config), "test")
    ctx = tool.Context("test", settings, ACCOUNT, CALLER, lambda *_: NoCredentials())
    (result,) = tool.run_check("certificates", tool.check_certificates, ctx)
    assert result.line() == (
        "PROBLEM  certificates: no AWS credentials for acm:DescribeCertificate in us-east-1 -> "
        "set AWS_PROFILE or log in (aws sso login)"
    )


# ---------------------------------------------------------------- the command and its exit codes


def _write(tmp_path: Path, config: dict[str, Any]) -> None:
    (tmp_path / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))


def _run(tmp_path: Path, aws: Aws, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = tool.main(["--stack", "test", "--project-dir", str(tmp_path), *extra], client_factory=aws.client)
    out, err = capsys.readouterr()
    return code, out, err


def _dev_happy_path(aws: Aws, config: dict[str, Any]) -> None:
    """Every answer a dev run needs, all of them fine (dev: one region, basic scanning, no Trident)."""
    aws.identity()
    aws.add(
        "secretsmanager", HOME, "describe_secret", {"ARN": f"{SECRET}-AbCdEf", "Name": "web-db"}, {"SecretId": SECRET}
    )
    aws.repositories(HOME)
    aws.public_repositories()
    aws.zones(HOME, offers={z: DEV_TYPES for z in ZONES[HOME]})
    aws.quotas(HOME)
    aws.eks_versions(HOME, config["container-platform:eks"]["versions"]["addons"])


LINE = re.compile(r"^(ok       |PROBLEM  |warn     |skipped  )[a-z-]+: \S.*$")


def test_a_clean_run_exits_0_with_one_line_per_finding(
    dev_config: dict[str, Any], aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = set_path(ours(dev_config), "ecs.services[0].secrets.DATABASE_URL", SECRET)
    _write(tmp_path, config)
    _dev_happy_path(aws, config)
    code, out, err = _run(tmp_path, aws, capsys)
    assert (code, err) == (0, "")
    *found, summary = out.splitlines()
    assert all(LINE.match(line) for line in found), found
    assert [line.split(":")[0].split()[-1] for line in found] == [
        "account", "certificates", "secrets", "repositories", "trident", "zones",
        "quotas", "quotas", "quotas", "quotas", "enhanced-scanning", "eks-versions", "eks-versions", "eks-versions",
    ]  # fmt: skip
    assert summary == "preflight Pulumi.test.yaml: 11 ok, 0 PROBLEM, 0 warn, 3 skipped"


def test_a_problem_exits_1(
    dev_config: dict[str, Any], aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = set_path(ours(dev_config), "ecs.services[0].secrets.DATABASE_URL", SECRET)
    _write(tmp_path, set_path(config, "accountId", "999988887777"))
    _dev_happy_path(aws, config)
    code, out, _ = _run(tmp_path, aws, capsys)
    assert code == 1
    assert out.splitlines()[0].startswith("PROBLEM  account: the credentials belong to account 210987654321")
    assert out.splitlines()[-1].endswith("1 PROBLEM, 0 warn, 3 skipped: fix every PROBLEM before the first pulumi up")


def test_the_committed_dev_stack_reports_its_placeholders(
    aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text((tool.ROOT / "Pulumi.dev.yaml").read_text())
    config = yaml.safe_load((tool.ROOT / "Pulumi.dev.yaml").read_text())["config"]
    aws.identity()
    aws.repositories(HOME)
    aws.public_repositories()
    aws.zones(HOME, offers={z: DEV_TYPES for z in ZONES[HOME]})
    aws.quotas(HOME)
    aws.eks_versions(HOME, config["container-platform:eks"]["versions"]["addons"])
    code = tool.main(["--stack", "dev", "--project-dir", str(tmp_path)], client_factory=aws.client)
    out = capsys.readouterr().out
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM")]
    assert [p.split(":")[0] for p in problems] == ["PROBLEM  account", "PROBLEM  secrets"]
    assert all("placeholder: put your" in p and "in Pulumi.dev.yaml" in p for p in problems)


def test_no_credentials_is_one_line_and_exit_2(
    dev_config: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    class NoCredentials:
        def get_caller_identity(self) -> Any:
            raise NoCredentialsError()

    _write(tmp_path, ours(dev_config))
    code = tool.main(["--stack", "test", "--project-dir", str(tmp_path)], client_factory=lambda *_: NoCredentials())
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("error: no AWS credentials found") and err.count("\n") == 1


def test_expired_credentials_at_the_start_exit_2(
    dev_config: dict[str, Any], aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, ours(dev_config))
    aws.error(
        "sts", HOME, "get_caller_identity", "ExpiredToken", "The security token included in the request is expired"
    )
    code, out, err = _run(tmp_path, aws, capsys)
    assert (code, out) == (2, "")
    assert (
        err
        == "error: the AWS credentials were refused (ExpiredToken: The security token included in the request is expired); log in again\n"
    )


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        (None, "error: cannot read "),
        ("config: [", "is not valid YAML"),
        ("config:\n  aws:region: us-east-1\n", "error: invalid configuration for stack 'test'"),
    ],
)
def test_usage_errors_exit_2(
    aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str], config_text: str | None, message: str
) -> None:
    if config_text is not None:
        (tmp_path / "Pulumi.test.yaml").write_text(config_text)
    code, out, err = _run(tmp_path, aws, capsys)
    assert (code, out) == (2, "")
    assert message in err


def test_a_missing_stack_argument_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        tool.main([])
    assert exit_info.value.code == 2


# ---------------------------------------------------------------- permissions and the committed files


def _documented_policy() -> dict[str, Any]:
    text = (tool.ROOT / "docs" / "preflight.md").read_text()
    block = re.search(r"```json\n(.*?)\n```", text, re.DOTALL)
    assert block is not None, "docs/preflight.md has no ```json policy block"
    policy: dict[str, Any] = json.loads(block[1])
    return policy


def test_the_documented_policy_is_exactly_the_calls_preflight_makes() -> None:
    policy = _documented_policy()
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    assert sorted(statement["Action"]) == sorted(tool.PERMISSIONS)
    assert all(is_real_action(action) for action in tool.PERMISSIONS), [
        a for a in tool.PERMISSIONS if not is_real_action(a)
    ]
    read_only = re.compile(r"^[a-z0-9-]+:(Describe|Get|List|BatchGet|Simulate)[A-Za-z]*$")
    assert all(read_only.match(a) for a in tool.PERMISSIONS)


def test_every_stubbed_call_is_in_the_policy(dev_config: dict[str, Any], prod_config: dict[str, Any], aws: Aws) -> None:
    # The answers of every test above, registered once more here: their permissions are the calls made.
    _dev_happy_path(aws, ours(dev_config))
    _role(aws)
    _simulation(aws)
    aws.addon(HOME, tool.TRIDENT_ADDON, "v25.10.0-eksbuild.1", product=True)
    aws.add("license-manager", HOME, "list_received_licenses", _license())
    aws.add("acm", HOME, "describe_certificate", _certificate("ISSUED"))
    aws.add("ssm", HOME, "get_parameters", {"Parameters": []})
    aws.add("ec2", HOME, "describe_subnets", {"Subnets": []})
    aws.add("ecr", HOME, "list_tags_for_resource", {"tags": []})
    aws.add("ecr-public", HOME, "list_tags_for_resource", {"tags": []})
    aws.quota(HOME, "ec2", "L-0263D0A3", 5, default=True)
    _inspector(aws, HOME, "ENABLED")
    used = {tool._permission(aws.client(service, HOME), operation) for service, operation in aws.operations}
    assert used == set(tool.PERMISSIONS)
    for stubber in aws.stubbers.values():
        stubber.deactivate()
    aws.stubbers.clear()  # these answers were only registered to read their permissions


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_committed_stacks_load_and_name_a_placeholder_account(stack: str) -> None:
    settings = tool.load_stack(tool.ROOT / f"Pulumi.{stack}.yaml", stack)
    assert settings.account_id in tool.PLACEHOLDER_ACCOUNTS


def test_makefile_has_the_preflight_target() -> None:
    makefile = (tool.ROOT / "Makefile").read_text()
    assert re.search(r"^\.PHONY:.*\bpreflight\b", makefile, re.MULTILINE)
    assert "preflight: $(VENV)/.installed  ## " in makefile
    assert "\t$(PY) -m tools.preflight --stack $(STACK)\n" in makefile
