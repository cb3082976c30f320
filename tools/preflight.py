"""Preflight: read-only AWS checks of what a first ``pulumi up`` of a stack assumes and the offline plan cannot see.

Usage (from the repository root; needs AWS credentials of the stack's account, allowed the read-only
calls in docs/preflight.md)::

    python -m tools.preflight --stack dev            # or: make preflight STACK=dev
    python -m tools.preflight --stack prod --deploy-role-arn arn:aws:iam::210987654321:role/pulumi-deploy

It reads ``Pulumi.<stack>.yaml``, validates it through the settings layer (``settings.parse``), so every
check works on the same typed ``Settings`` the program gets, then prints one line per finding::

    ok       <check>: <detail>
    PROBLEM  <check>: <what is wrong> -> <how to fix>
    warn     <check>: <what could not be verified> -> <what to do>
    skipped  <check>: <why it does not apply>

and exits 1 if any line is a PROBLEM, 0 otherwise, 2 on a usage error (no stack file, invalid config)
or when there are no usable credentials at all (one line on stderr). Access denied, expired
credentials or any other AWS error on one call makes that check a PROBLEM naming the permission.
Nothing here creates, changes or deletes anything: the calls are Describe/Get/List/Simulate only.

The checks, in order (``CHECKS``): the account, ACM certificates, referenced secrets and parameters,
repository names (B4), the Trident add-on and its Marketplace subscription, availability zones,
service quotas, enhanced-scanning permissions, and EKS version support with the pinned add-ons/AMI.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from components.ecs.task_execution_role import secret_resource_arns
from components.network.network import ZoneSelectionError, choose_zones, pinned_zones
from offline_plan.recorder import engine_config
from settings import PROJECT, ConfigError, Settings, parse
from settings.aws_tables import EKS_UNSUPPORTED_ZONE_IDS, instance_architecture
from settings.eks_versions import ami_image_id_parameter

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_KEY = f"{PROJECT}:accountId"
"""Top-level stack key naming the stack's AWS account: a quoted 12-digit string."""

PLACEHOLDER_ACCOUNTS = frozenset({"123456789012", "111122223333", "444455556666", "000000000000"})
"""Account ids AWS uses in its documentation examples; never a real account to deploy to."""

TRIDENT_ADDON = "netapp_trident-operator"
MARKETPLACE_SUBSCRIPTIONS_URL = "https://console.aws.amazon.com/marketplace/home#/subscriptions"

PERMISSIONS: tuple[str, ...] = (
    "acm:DescribeCertificate",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeNatGateways",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ecr-public:DescribeRepositories",
    "ecr-public:ListTagsForResource",
    "ecr:DescribeRepositories",
    "ecr:ListTagsForResource",
    "eks:DescribeAddonVersions",
    "eks:DescribeClusterVersions",
    "iam:GetRole",
    "iam:SimulatePrincipalPolicy",
    "inspector2:BatchGetAccountStatus",
    "license-manager:ListReceivedLicenses",
    "secretsmanager:DescribeSecret",
    "servicequotas:GetAWSDefaultServiceQuota",
    "servicequotas:GetServiceQuota",
    "ssm:GetParameters",
    "sts:GetCallerIdentity",
)
"""Every IAM action preflight calls (docs/preflight.md prints them as a policy; a test keeps both equal)."""

ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "AuthorizationError"}
)
BAD_CREDENTIALS = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "AuthFailure",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
    }
)

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> a boto3 client; the tests pass stubbed botocore clients."""

Status = Literal["ok", "PROBLEM", "warn", "skipped"]


class ToolError(Exception):
    """A usage or credential error: printed on stderr, exit status 2."""


@dataclass(frozen=True)
class Result:
    """One output line."""

    status: Status
    check: str
    detail: str
    """What was found (ok/warn/skipped) or what is wrong (PROBLEM)."""
    fix: str | None = None
    """How to fix it: required for PROBLEM, optional for warn."""

    def line(self) -> str:
        """``ok       zones: ...`` / ``PROBLEM  account: ... -> ...``: the status padded to 9 characters."""
        text = f"{self.status:<9}{self.check}: {self.detail}"
        return f"{text} -> {self.fix}" if self.fix else text


def ok(check: str, detail: str) -> Result:
    """An ``ok`` line."""
    return Result("ok", check, detail)


def problem(check: str, detail: str, fix: str) -> Result:
    """A ``PROBLEM`` line: what is wrong, and how to fix it."""
    return Result("PROBLEM", check, detail, fix)


def warn(check: str, detail: str, fix: str | None = None) -> Result:
    """A ``warn`` line: something preflight cannot verify; not a problem (exit status unchanged)."""
    return Result("warn", check, detail, fix)


def skipped(check: str, detail: str) -> Result:
    """A ``skipped`` line: the check does not apply to this stack."""
    return Result("skipped", check, detail)


# ---------------------------------------------------------------- AWS calls


class AwsCallError(Exception):
    """An AWS call failed in a way the check cannot judge: the check becomes one PROBLEM naming the permission."""

    def __init__(self, permission: str, region: str, code: str, message: str) -> None:
        super().__init__(f"{permission} in {region}: {code}: {message}")
        self.permission = permission
        self.region = region
        self.code = code
        self.message = message

    def result(self, check: str) -> Result:
        """The PROBLEM line for ``check``."""
        where = f"{self.permission} in {self.region}"
        if self.code == "NoCredentials":
            return problem(check, f"no AWS credentials for {where}", "set AWS_PROFILE or log in (aws sso login)")
        if self.code in BAD_CREDENTIALS:
            return problem(
                check,
                f"the credentials were refused for {where} ({self.code}: {self.message})",
                "log in again (aws sso login, or refresh the role session) and rerun",
            )
        if self.code in ACCESS_DENIED:
            return problem(
                check,
                f"access denied: {where} ({self.code})",
                f"allow {self.permission} for the identity running preflight (docs/preflight.md has the read-only policy)",
            )
        return problem(
            check,
            f"{where} failed ({self.code}: {self.message})",
            "rerun; if it persists, check the AWS Health Dashboard for the region",
        )


def _permission(client: Any, operation: str) -> str:
    meta = client.meta
    return f"{meta.service_model.signing_name}:{meta.method_to_api_mapping.get(operation, operation)}"


def _failure(client: Any, operation: str, error: Exception) -> AwsCallError:
    permission, region = _permission(client, operation), str(client.meta.region_name)
    if isinstance(error, NoCredentialsError):
        return AwsCallError(permission, region, "NoCredentials", str(error))
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return AwsCallError(permission, region, str(details.get("Code", "?")), str(details.get("Message", "")))
    return AwsCallError(permission, region, type(error).__name__, str(error))


def call(client: Any, operation: str, *, missing: Sequence[str] = (), **params: Any) -> Any:
    """``client.<operation>(**params)``; None when the error code is in ``missing``, AwsCallError otherwise."""
    try:
        return getattr(client, operation)(**params)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in missing:
            return None
        raise _failure(client, operation, error) from None
    except BotoCoreError as error:
        raise _failure(client, operation, error) from None


def pages(client: Any, operation: str, **params: Any) -> Iterator[Any]:
    """Every page of a paginated operation."""
    try:
        yield from client.get_paginator(operation).paginate(**params)
    except (ClientError, BotoCoreError) as error:
        raise _failure(client, operation, error) from None


# ---------------------------------------------------------------- context


@dataclass(frozen=True)
class AddonInfo:
    """What ``DescribeAddonVersions`` says about one add-on for one Kubernetes version in one region."""

    versions: frozenset[str]
    product_id: str | None = None
    product_url: str | None = None


@dataclass(frozen=True)
class Zones:
    """The zones of one region and the program's choice (or why it cannot choose)."""

    available: Mapping[str, str]
    """Zone id -> name of the available zones that need no opt-in."""
    chosen: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    pinned: bool = False
    missing_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Pinned zone id -> instance types the region uses that it does not offer."""


@dataclass
class Context:
    """Everything a check reads: the stack, the caller, and cached clients and answers."""

    stack: str
    settings: Settings
    caller_account: str
    caller_arn: str
    factory: ClientFactory
    deploy_role_arn: str | None = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _cache: dict[tuple[str, ...], Any] = field(default_factory=dict)

    @property
    def stack_file(self) -> str:
        """``Pulumi.<stack>.yaml``."""
        return f"Pulumi.{self.stack}.yaml"

    @property
    def account(self) -> str:
        """The stack's account: ``container-platform:accountId``, or the caller's while that is a placeholder."""
        configured = self.settings.account_id
        return self.caller_account if configured in PLACEHOLDER_ACCOUNTS else configured

    @property
    def home(self) -> str:
        """The home region (``aws:region``)."""
        return self.settings.home_region

    def client(self, service: str, region: str) -> Any:
        """One client per service and region, made on first use."""
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.factory(service, region)
        return self._clients[key]

    def repositories(self, region: str) -> dict[str, str]:
        """Private ECR repository name -> ARN in ``region`` (every page; cached)."""
        key = ("ecr-repositories", region)
        if key not in self._cache:
            found: dict[str, str] = {}
            for page in pages(self.client("ecr", region), "describe_repositories"):
                found.update({r["repositoryName"]: r["repositoryArn"] for r in page.get("repositories", [])})
            self._cache[key] = found
        result: dict[str, str] = self._cache[key]
        return result

    def addon(self, region: str, addon: str) -> AddonInfo:
        """Versions of ``addon`` compatible with the stack's Kubernetes version in ``region`` (cached)."""
        eks = self.settings.config.eks
        assert eks is not None
        key = ("addon", region, addon)
        if key not in self._cache:
            versions: set[str] = set()
            product_id = product_url = None
            client = self.client("eks", region)
            for page in pages(client, "describe_addon_versions", kubernetesVersion=eks.version, addonName=addon):
                for info in page.get("addons", []):
                    if info.get("addonName") != addon:
                        continue
                    market = info.get("marketplaceInformation") or {}
                    product_id = product_id or market.get("productId")
                    product_url = product_url or market.get("productUrl")
                    for entry in info.get("addonVersions", []):
                        compatibilities = entry.get("compatibilities")
                        # No compatibility list: trust the server-side kubernetesVersion filter (as tools.eks_versions does).
                        if not compatibilities or any(c.get("clusterVersion") == eks.version for c in compatibilities):
                            versions.add(entry["addonVersion"])
            self._cache[key] = AddonInfo(frozenset(versions), product_id, product_url)
        result: AddonInfo = self._cache[key]
        return result

    def zones(self, region: str) -> Zones:
        """The zones the program would use in ``region``: the same rules as ``components.network.Network`` (cached)."""
        key = ("zones", region)
        if key not in self._cache:
            self._cache[key] = self._choose_zones(region)
        result: Zones = self._cache[key]
        return result

    def _choose_zones(self, region: str) -> Zones:
        ec2 = self.client("ec2", region)
        answer = call(
            ec2,
            "describe_availability_zones",
            Filters=[
                {"Name": "opt-in-status", "Values": ["opt-in-not-required"]},
                {"Name": "state", "Values": ["available"]},
            ],
        )
        available = {z["ZoneId"]: z["ZoneName"] for z in answer.get("AvailabilityZones", [])}
        net = self.settings.config.network
        eks = self.settings.config.eks
        types = self.settings.instance_types_in(region)
        offerings: dict[str, set[str]] = {}
        if types:
            for page in pages(
                ec2,
                "describe_instance_type_offerings",
                LocationType="availability-zone-id",
                Filters=[{"Name": "instance-type", "Values": list(types)}],
            ):
                for offer in page.get("InstanceTypeOfferings", []):
                    offerings.setdefault(offer["Location"], set()).add(offer["InstanceType"])
        pinned = net.zone_ids.get(region, ())
        try:
            if pinned:
                chosen = pinned_zones(region, pinned, available)
                missing = {z: tuple(t for t in types if t not in offerings.get(z, ())) for z, _ in chosen}
                return Zones(available, chosen, pinned=True, missing_types={z: m for z, m in missing.items() if m})
            excluded = EKS_UNSUPPORTED_ZONE_IDS.get(region, frozenset()) if eks and region in eks.regions else ()
            return Zones(available, choose_zones(region, net.az_count, available, excluded, types, offerings))
        except ZoneSelectionError as error:
            return Zones(available, error=str(error), pinned=bool(pinned))


Check = Callable[[Context], Iterator[Result]]


# ---------------------------------------------------------------- ARNs


def _arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    return parts[2], parts[3], parts[4], parts[5] if len(parts) > 5 else ""


def role_arn_of(caller_arn: str) -> str | None:
    """The IAM ARN to simulate for a caller ARN: an assumed-role session becomes its role, a user stays a user.

    ``arn:aws:sts::<acct>:assumed-role/<name>/<session>`` -> ``arn:aws:iam::<acct>:role/<name>``. The session ARN
    does not carry the role's path, so the result is path-less (``check_enhanced_scanning`` asks
    ``iam:GetRole`` for the real ARN). None for the root user and for federated users.
    """
    match = re.fullmatch(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+", caller_arn)
    if match:
        return f"arn:{match[1]}:iam::{match[2]}:role/{match[3]}"
    if re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:(user|role)/.+", caller_arn):
        return caller_arn
    return None


def _placeholder_fix(ctx: Context, what: str) -> str:
    return f"placeholder: put your {what} in {ctx.stack_file}"


# ---------------------------------------------------------------- 1. account


def check_account(ctx: Context) -> Iterator[Result]:
    """The credentials belong to the account the stack file names (``container-platform:accountId``)."""
    name, configured, caller = "account", ctx.settings.account_id, ctx.caller_account
    if configured in PLACEHOLDER_ACCOUNTS:
        yield problem(
            name,
            f"{ACCOUNT_KEY} is {configured}, an AWS documentation placeholder; the credentials are for {caller}",
            _placeholder_fix(ctx, "account id"),
        )
    elif configured != caller:
        yield problem(
            name,
            f"the credentials belong to account {caller} ({ctx.caller_arn}), but {ctx.stack_file} names {configured}",
            f"use credentials of account {configured} (AWS_PROFILE=...), or correct {ACCOUNT_KEY}",
        )
    else:
        yield ok(name, f"account {caller} as {ctx.caller_arn}")


# ---------------------------------------------------------------- 2. certificates


def check_certificates(ctx: Context) -> Iterator[Result]:
    """Every ``loadBalancer.certificateArn`` exists in the home region and is ISSUED (not a placeholder)."""
    name = "certificates"
    ecs = ctx.settings.config.ecs
    wanted = [
        (svc.name, svc.load_balancer.certificate_arn)
        for svc in (ecs.services if ecs else ())
        if svc.load_balancer and svc.load_balancer.certificate_arn
    ]
    if not wanted:
        yield skipped(name, "no ecs.services[].loadBalancer.certificateArn")
        return
    for service, arn in wanted:
        where = f"ecs.services[{service}].loadBalancer.certificateArn"
        _, region, account, _ = _arn_parts(arn)
        if account in PLACEHOLDER_ACCOUNTS:
            yield problem(
                name,
                f"{where} is in account {account}, an AWS documentation placeholder",
                _placeholder_fix(ctx, f"ISSUED ACM certificate's ARN (account {ctx.account}, {ctx.home})"),
            )
            continue
        # The settings layer already refuses a certificate of another account or region than the stack's.
        answer = call(
            ctx.client("acm", region),
            "describe_certificate",
            missing=("ResourceNotFoundException",),
            CertificateArn=arn,
        )
        if answer is None:
            yield problem(
                name,
                f"{where} {arn} does not exist in {region}",
                f"request a certificate in ACM ({region}) and put its ARN in {ctx.stack_file}",
            )
            continue
        cert = answer["Certificate"]
        status, domain = cert.get("Status", "?"), cert.get("DomainName", "?")
        if status != "ISSUED":
            fix = (
                "create the DNS validation records ACM lists for the certificate (aws acm describe-certificate) and wait for ISSUED"
                if status == "PENDING_VALIDATION"
                else "request a new certificate and put its ARN in the stack file"
            )
            yield problem(name, f"{where} ({domain}) is {status}, not ISSUED", fix)
            continue
        expires = cert.get("NotAfter")
        until = f", valid until {expires:%Y-%m-%d}" if expires is not None else ""
        yield ok(name, f"{service}: {domain} ISSUED in {region}{until}")


# ---------------------------------------------------------------- 3. secrets


def _secret_uses(ctx: Context) -> dict[str, list[str]]:
    ecs = ctx.settings.config.ecs
    uses: dict[str, list[str]] = {}
    for svc in ecs.services if ecs else ():
        for env, ref in svc.secrets.items():
            uses.setdefault(ref, []).append(f"ecs.services[{svc.name}].secrets.{env}")
    return uses


def check_secrets(ctx: Context) -> Iterator[Result]:
    """Every ``ecs.services[].secrets`` value exists: Secrets Manager secrets and SSM parameters."""
    name = "secrets"
    uses = _secret_uses(ctx)
    if not uses:
        yield skipped(name, "no ecs.services[].secrets")
        return
    parameters: dict[str, list[str]] = {}  # region -> parameter ARNs
    for ref in uses:
        service, region, account, _ = _arn_parts(ref)
        where = ", ".join(uses[ref])
        if account in PLACEHOLDER_ACCOUNTS:
            yield problem(
                name,
                f"{where} is {ref}, in placeholder account {account}",
                _placeholder_fix(ctx, f"secret's or parameter's ARN (account {ctx.account})"),
            )
        elif service == "ssm":
            parameters.setdefault(region, []).append(ref)
        else:
            yield _secret_result(ctx, name, ref, region, where)
    for region, refs in parameters.items():
        yield from _parameter_results(ctx, name, region, refs, uses)


def _secret_result(ctx: Context, name: str, ref: str, region: str, where: str) -> Result:
    """Whether the Secrets Manager secret ``ref`` (used by ``where``) exists and is not scheduled for deletion."""
    # The ARN without ECS's ":json-key:version-stage:version-id" tail; a partial ARN (no random
    # suffix) is accepted by DescribeSecret. The JSON key itself is not checked: that needs the value.
    secret_id = secret_resource_arns(ref)[0]
    answer = call(
        ctx.client("secretsmanager", region),
        "describe_secret",
        missing=("ResourceNotFoundException",),
        SecretId=secret_id,
    )
    if answer is None:
        return problem(
            name,
            f"{where}: secret {secret_id} does not exist in {region}",
            f"create it (aws secretsmanager create-secret --region {region} --name ...) or correct the ARN",
        )
    if answer.get("DeletedDate") is not None:
        return problem(
            name,
            f"{where}: secret {secret_id} is scheduled for deletion",
            f"aws secretsmanager restore-secret --region {region} --secret-id {secret_id}",
        )
    return ok(name, f"{where}: secret {answer.get('Name', secret_id)} exists")


def _parameter_results(
    ctx: Context, name: str, region: str, refs: Sequence[str], uses: Mapping[str, Sequence[str]]
) -> Iterator[Result]:
    """Whether each SSM parameter in ``refs`` (ARNs in ``region``) exists, asked 10 at a time."""
    ssm = ctx.client("ssm", region)
    for start in range(0, len(refs), 10):  # GetParameters takes at most 10 names
        chunk = list(refs[start : start + 10])
        # GetParameters takes names or ARNs; InvalidParameters echoes the ones that do not exist.
        answer = call(ssm, "get_parameters", Names=chunk)
        invalid = set(answer.get("InvalidParameters", []))
        for ref in chunk:
            where = ", ".join(uses[ref])
            if ref in invalid:
                yield problem(
                    name,
                    f"{where}: SSM parameter {ref} does not exist",
                    f"create it (aws ssm put-parameter --region {region} --type SecureString --name ...) or correct the ARN",
                )
            else:
                yield ok(name, f"{where}: SSM parameter exists")


# ---------------------------------------------------------------- B4: repository names


def _tags(ctx: Context, service: str, arn: str) -> dict[str, str]:
    answer = call(
        ctx.client(service, "us-east-1" if service == "ecr-public" else ctx.home),
        "list_tags_for_resource",
        resourceArn=arn,
    )
    return {t["Key"]: t["Value"] for t in answer.get("tags", [])}


def _owner(tags: Mapping[str, str]) -> str:
    if tags.get("project") == PROJECT and "stack" in tags:
        return f"stack {tags['stack']}"
    return "no stack of this project (no project/stack tags)"


def check_repositories(ctx: Context) -> Iterator[Result]:
    """The fixed repository names are free, or already this stack's (B4: a second stack in the account collides)."""
    name = "repositories"
    registry = ctx.settings.config.registry
    private = [r.name for r in registry.repositories]
    public = [r.name for r in registry.public]
    if not private and not public:
        yield skipped(name, "no registry.repositories or registry.public")
        return
    found: list[tuple[str, str, str, str]] = []  # (kind, name, service, arn)
    if private:
        existing = ctx.repositories(ctx.home)
        found += [("repository", r, "ecr", existing[r]) for r in private if r in existing]
    if public:
        existing_public: dict[str, str] = {}
        for page in pages(ctx.client("ecr-public", "us-east-1"), "describe_repositories"):
            existing_public.update({r["repositoryName"]: r["repositoryArn"] for r in page.get("repositories", [])})
        found += [("public repository", r, "ecr-public", existing_public[r]) for r in public if r in existing_public]
    for kind, repo, service, arn in found:
        tags = _tags(ctx, service, arn)
        if tags.get("project") == PROJECT and tags.get("stack") == ctx.stack:
            yield ok(name, f"{kind} {repo} exists and belongs to this stack")
            continue
        yield problem(
            name,
            f"{kind} {repo} already exists in account {ctx.caller_account} and belongs to {_owner(tags)}: "
            "the first pulumi up fails with RepositoryAlreadyExistsException",
            "give each stack its own AWS account (one account per stack), or delete or rename the existing repository",
        )
    if not found:
        yield ok(name, f"none of {', '.join([*private, *public])} exists yet")


# ---------------------------------------------------------------- 4. trident


def _subscription_license(ctx: Context, product_id: str) -> str | None:
    """The ARN of an AVAILABLE License Manager license for the Marketplace product, if the account has one."""
    client = ctx.client("license-manager", ctx.home)
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Filters": [{"Name": "ProductSKU", "Values": [product_id]}]}
        if token:
            params["NextToken"] = token
        answer = call(client, "list_received_licenses", **params)
        for lic in answer.get("Licenses", []):
            if lic.get("Status") == "AVAILABLE":
                return str(lic.get("LicenseArn", "?"))
        token = answer.get("NextToken")
        if not token:
            return None


def check_trident(ctx: Context) -> Iterator[Result]:
    """With ``eks.storage.fsxOntap``: the Trident add-on exists for the version in each EKS region, and the subscription.

    Subscription: there is no documented read-only "am I subscribed" API for buyers (the AWS Marketplace
    Agreement API is for sellers). The EKS User Guide ("Create an Amazon EKS add-on", awsdocs/amazon-eks-user-guide
    latest/ug/workloads/creating-an-add-on.adoc) says that for Marketplace add-ons EKS reads "entitlements for
    the add-on from the AWS LicenseManager", and the add-on's ``marketplaceInformation.productId`` names the
    product (EKS API ``MarketplaceInformation``). A License Manager license with that ProductSKU and status
    AVAILABLE (``license-manager:ListReceivedLicenses``, filter ``ProductSKU``) is therefore taken as proof.
    Its absence is not proof of the opposite (that the product id equals the ProductSKU is not documented,
    and licenses are regional), so it is a ``warn`` with the subscription URL, never a PROBLEM.
    """
    name = "trident"
    eks = ctx.settings.config.eks
    if eks is None or not eks.storage.fsx_ontap:
        yield skipped(name, "eks.storage.fsxOntap is off")
        return
    product_id = product_url = None
    for region in eks.regions:
        info = ctx.addon(region, TRIDENT_ADDON)
        product_id = product_id or info.product_id
        product_url = product_url or info.product_url
        if not info.versions:
            yield problem(
                name,
                f"{region}: no {TRIDENT_ADDON} add-on for Kubernetes {eks.version}",
                f"turn eks.storage.fsxOntap off, or use a Kubernetes version or region that offers {TRIDENT_ADDON}",
            )
        else:
            yield ok(
                name, f"{region}: {TRIDENT_ADDON} offered for Kubernetes {eks.version} ({len(info.versions)} versions)"
            )
    if product_id is None:
        yield ok(name, f"{TRIDENT_ADDON} has no AWS Marketplace product: no subscription needed")
        return
    url = product_url or MARKETPLACE_SUBSCRIPTIONS_URL
    license_arn = _subscription_license(ctx, product_id)
    if license_arn is not None:
        yield ok(name, f"AWS Marketplace product {product_id}: License Manager license {license_arn} is AVAILABLE")
    else:
        yield warn(
            name,
            f"cannot verify the AWS Marketplace subscription to product {product_id} read-only "
            "(no AVAILABLE License Manager license with that ProductSKU)",
            f"subscribe at {url} before the first pulumi up (EKS installs a Marketplace add-on only for a subscribed account)",
        )


# ---------------------------------------------------------------- 5. zones


def _zone_list(zones: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{zone_id} ({zone_name})" for zone_id, zone_name in zones)


def check_zones(ctx: Context) -> Iterator[Result]:
    """Pinned ``network.zoneIds`` exist (and offer the instance types); else the zones the program would choose."""
    name = "zones"
    for region in ctx.settings.regions:
        zones = ctx.zones(region)
        if zones.error is not None:
            yield problem(
                name,
                # components.network.network's message ends with its own advice; the fix goes after "->" here.
                zones.error.split(". Lower", 1)[0].split("; change", 1)[0],
                f"change network.zoneIds.{region}"
                if zones.pinned
                else "lower network.azCount, change instance types, or pin network.zoneIds",
            )
        elif zones.missing_types:
            for zone_id, types in zones.missing_types.items():
                yield problem(
                    name,
                    f"{region}: pinned zone {zone_id} does not offer {', '.join(types)}",
                    f"pin zones that offer every instance type (network.zoneIds.{region}), or change the instance types",
                )
        elif zones.pinned:
            yield ok(name, f"{region}: pinned {_zone_list(zones.chosen)}")
        else:
            yield ok(name, f"{region}: the program would choose {_zone_list(zones.chosen)}")


# ---------------------------------------------------------------- 6. quotas


@dataclass(frozen=True)
class Quota:
    """A service quota: its label in the output, its service code and its quota code."""

    label: str
    service_code: str
    quota_code: str


# Quota codes, each verified in AWS documentation:
# - Amazon VPC User Guide, "Amazon VPC quotas" (docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html;
#   read from awsdocs/amazon-vpc-user-guide doc_source/amazon-vpc-limits.md at 06e98d97), whose "Adjustable"
#   column links each quota's Service Quotas console page:
#     "VPCs per Region | 5 | .../services/vpc/quotas/L-F678F1CE"
#     "Elastic IP addresses per Region | 5 | .../services/ec2/quotas/L-0263D0A3"
#     "NAT gateways per Availability Zone | 5 | .../services/vpc/quotas/L-FE5A380F |
#      NAT gateways only count toward your quota in the pending, active, and deleting states."
# - Amazon EKS Best Practices Guide, "Known Limits and Service Quotas"
#   (docs.aws.amazon.com/eks/latest/best-practices/known_limits_and_service_quotas.html; read from
#   aws/aws-eks-best-practices content/scalability/docs/quotas.md): "ECR | Registered repositories | ... | L-CFEB8E8D",
#   and the same page lists "EC2-VPC Elastic IPs | L-0263D0A3" and "VPCs per Region | L-F678F1CE".
ELASTIC_IPS = Quota("Elastic IPs", "ec2", "L-0263D0A3")
NAT_PER_AZ = Quota("NAT gateways per AZ", "vpc", "L-FE5A380F")
VPCS = Quota("VPCs", "vpc", "L-F678F1CE")
ECR_REPOSITORIES = Quota("ECR repositories", "ecr", "L-CFEB8E8D")
NAT_COUNTING_STATES = ("pending", "available", "deleting")
"""NAT gateway states that count toward L-FE5A380F ("active" in the VPC guide is ``available`` in the API)."""


def quota_value(ctx: Context, region: str, quota: Quota) -> tuple[int, str]:
    """The applied value of a quota in a region, or AWS's default when none is applied."""
    client = ctx.client("service-quotas", region)
    params = {"ServiceCode": quota.service_code, "QuotaCode": quota.quota_code}
    answer = call(client, "get_service_quota", missing=("NoSuchResourceException",), **params)
    source = "applied"
    if answer is None:
        answer = call(client, "get_aws_default_service_quota", **params)
        source = "AWS default"
    return int(answer["Quota"]["Value"]), source


def _compare(ctx: Context, region: str, quota: Quota, in_use: int, adding: int, what: str, scope: str = "") -> Result:
    value, source = quota_value(ctx, region, quota)
    need = in_use + adding
    text = (
        f"{region} {quota.label} ({quota.service_code} {quota.quota_code}){scope}: "
        f"{in_use} in use + {adding} {what} = {need}"
    )
    if need <= value:
        return ok("quotas", f"{text} <= {value} ({source})")
    return problem(
        "quotas",
        f"{text} > {value} ({source})",
        f"request at least {need}: aws service-quotas request-service-quota-increase --region {region} "
        f"--service-code {quota.service_code} --quota-code {quota.quota_code} --desired-value {need}",
    )


def _new_nat_gateways(ctx: Context) -> int:
    """NAT gateways the stack creates per region (awsx: none, one, or one per zone)."""
    net = ctx.settings.config.network
    return {"none": 0, "single": 1, "perAz": net.az_count}[net.nat_gateways]


def _nat_zones(ctx: Context, region: str) -> tuple[str, ...]:
    """Zone ids that may get a new NAT gateway.

    The chosen zones (the first one for ``single``), or, when the choice failed, every available zone
    (the busiest of them is compared, to err on the safe side).
    """
    if _new_nat_gateways(ctx) == 0:
        return ()
    zones = ctx.zones(region)
    if not zones.chosen:
        return tuple(sorted(zones.available))
    ids = tuple(zone_id for zone_id, _ in zones.chosen)
    return ids if ctx.settings.config.network.nat_gateways == "perAz" else ids[:1]


def _nat_usage(ctx: Context, region: str) -> dict[str, int]:
    """NAT gateways that count toward the quota, per zone id."""
    ec2 = ctx.client("ec2", region)
    subnets: list[str] = []
    for page in pages(ec2, "describe_nat_gateways", Filters=[{"Name": "state", "Values": list(NAT_COUNTING_STATES)}]):
        subnets += [g["SubnetId"] for g in page.get("NatGateways", []) if g.get("SubnetId")]
    if not subnets:
        return {}
    zone_of: dict[str, str] = {}
    for page in pages(ec2, "describe_subnets", SubnetIds=sorted(set(subnets))):
        zone_of.update({s["SubnetId"]: s["AvailabilityZoneId"] for s in page.get("Subnets", [])})
    usage: dict[str, int] = {}
    for subnet in subnets:
        zone = zone_of.get(subnet, "?")
        usage[zone] = usage.get(zone, 0) + 1
    return usage


def check_quotas(ctx: Context) -> Iterator[Result]:
    """Elastic IPs, NAT gateways per AZ, VPCs and ECR repositories: what is in use plus what the stack adds fits."""
    net = ctx.settings.config.network
    registry = ctx.settings.config.registry
    for region in ctx.settings.regions:
        ec2 = ctx.client("ec2", region)
        nat_zones = _nat_zones(ctx, region)
        addresses = call(ec2, "describe_addresses").get("Addresses", [])
        yield _compare(
            ctx, region, ELASTIC_IPS, len(addresses), _new_nat_gateways(ctx), f"for NAT gateways ({net.nat_gateways})"
        )
        if nat_zones:
            usage = _nat_usage(ctx, region)
            busiest = max(nat_zones, key=lambda z: usage.get(z, 0))  # the first of the busiest
            yield _compare(ctx, region, NAT_PER_AZ, usage.get(busiest, 0), 1, "new", f" in {busiest}")
        vpcs = sum(len(page.get("Vpcs", [])) for page in pages(ec2, "describe_vpcs"))
        yield _compare(ctx, region, VPCS, vpcs, 1, "new")
        if registry.repositories:
            existing = ctx.repositories(region)
            new = [r.name for r in registry.repositories if r.name not in existing]
            where = "new" if region == ctx.home else "replicas"
            yield _compare(ctx, region, ECR_REPOSITORIES, len(existing), len(new), where)


# ---------------------------------------------------------------- 7. enhanced scanning

# ECR User Guide, "IAM permissions required for enhanced scanning in Amazon ECR"
# (docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-iam.html): the principal enabling
# enhanced scanning needs inspector2:Enable (the guide's policy also lists Disable, ListFindings,
# ListAccountPermissions, ListCoverage for using it) and iam:CreateServiceLinkedRole with
# iam:AWSServiceName = inspector2.amazonaws.com. inspector2:BatchGetAccountStatus is not in that policy: it is
# what this check itself calls to read the status. ecr:PutRegistryScanningConfiguration is what Pulumi calls.
SCANNING_ACTIONS = ("ecr:PutRegistryScanningConfiguration", "inspector2:Enable", "iam:CreateServiceLinkedRole")
SCANNING_CONTEXT = [
    {
        "ContextKeyName": "iam:AWSServiceName",
        "ContextKeyValues": ["inspector2.amazonaws.com"],
        "ContextKeyType": "string",
    }
]


def _principal(ctx: Context) -> tuple[str | None, str]:
    """The IAM ARN to simulate and a note on where it came from."""
    if ctx.deploy_role_arn:
        return ctx.deploy_role_arn, "--deploy-role-arn"
    arn = role_arn_of(ctx.caller_arn)
    if arn is None or ":role/" not in arn:
        return arn, "the caller"
    # The session ARN has no role path; GetRole (by name) returns the real ARN.
    role = call(ctx.client("iam", ctx.home), "get_role", missing=("NoSuchEntity",), RoleName=arn.rsplit("/", 1)[1])
    return (role["Role"]["Arn"] if role else arn), "the caller's role"


def check_enhanced_scanning(ctx: Context) -> Iterator[Result]:
    """With ``registry.scanning: enhanced``: the deploy identity may enable Inspector; is Inspector on already."""
    name = "enhanced-scanning"
    if ctx.settings.config.registry.scanning != "enhanced":
        yield skipped(name, f"registry.scanning is {ctx.settings.config.registry.scanning}")
        return
    arn, source = _principal(ctx)
    if arn is None:
        yield warn(
            name,
            f"cannot simulate the permissions of {ctx.caller_arn} (root or federated user)",
            "pass --deploy-role-arn <the role pulumi up runs as>",
        )
    else:
        answer = call(
            ctx.client("iam", ctx.home),
            "simulate_principal_policy",
            PolicySourceArn=arn,
            ActionNames=list(SCANNING_ACTIONS),
            ContextEntries=SCANNING_CONTEXT,
        )
        denied = [
            f"{r['EvalActionName']} ({r['EvalDecision']})"
            for r in answer.get("EvaluationResults", [])
            if r.get("EvalDecision") != "allowed"
        ]
        if denied:
            yield problem(
                name,
                f"{arn} ({source}) may not {', '.join(denied)}",
                "allow these for the deploy role (ECR User Guide: IAM permissions required for enhanced scanning; "
                "iam:CreateServiceLinkedRole with iam:AWSServiceName inspector2.amazonaws.com)",
            )
        else:
            yield ok(name, f"{arn} ({source}) may {', '.join(SCANNING_ACTIONS)}")
    for region in ctx.settings.regions:
        status = call(ctx.client("inspector2", region), "batch_get_account_status", accountIds=[ctx.caller_account])
        accounts = status.get("accounts", [])
        if not accounts:
            yield warn(name, f"{region}: Amazon Inspector did not report a status for {ctx.caller_account}")
            continue
        ecr = accounts[0].get("resourceState", {}).get("ecr", {}).get("status", "?")
        if ecr == "ENABLED":
            yield ok(name, f"{region}: Amazon Inspector ECR scanning is already ENABLED")
        else:
            yield ok(
                name,
                f"{region}: Amazon Inspector ECR scanning is {ecr}: the first pulumi up enables it (billed per image)",
            )


# ---------------------------------------------------------------- 8. EKS versions


def _ami_architectures(ctx: Context) -> tuple[str, ...]:
    """Architectures whose AL2023 AMI of the pinned release the node groups use."""
    eks = ctx.settings.config.eks
    assert eks is not None
    found: list[str] = []
    for group in eks.node_groups:
        if group.kind == "managed":
            if group.ami_type.startswith("AL2023"):
                found.append("arm64" if "ARM" in group.ami_type else "x86_64")
        elif group.ami_id is None:
            found.append(instance_architecture(group.instance_type))
    return tuple(dict.fromkeys(found)) or ("x86_64",)


def check_eks_versions(ctx: Context) -> Iterator[Result]:
    """The Kubernetes version is in standard support; every pinned add-on version and the AMI release exist per region."""
    name = "eks-versions"
    eks = ctx.settings.config.eks
    if eks is None:
        yield skipped(name, "no eks section")
        return
    k8s, release = eks.version, eks.versions.ami_release_version
    fix_pins = f"run make eks-versions STACK={ctx.stack} and paste its versions block into {ctx.stack_file}"
    for region in eks.regions:
        client = ctx.client("eks", region)
        answer = call(client, "describe_cluster_versions", clusterVersions=[k8s], includeAll=True)
        info = next((v for v in answer.get("clusterVersions", []) if v.get("clusterVersion") == k8s), None)
        status = (info or {}).get("versionStatus") or str((info or {}).get("status", "")).upper().replace("-", "_")
        if status == "STANDARD_SUPPORT":
            end = info.get("endOfStandardSupportDate") if info else None
            until = f" until {end:%Y-%m-%d}" if end is not None else ""
            yield ok(name, f"{region}: Kubernetes {k8s} is in standard support{until}")
        elif status == "EXTENDED_SUPPORT":
            yield problem(
                name,
                f"{region}: Kubernetes {k8s} is in extended support (billed extra per cluster hour)",
                "set eks.version to a version in standard support, then the add-on and AMI pins for it",
            )
        else:
            yield problem(
                name,
                f"{region}: Kubernetes {k8s} is not offered by EKS ({status or 'not listed'})",
                "set eks.version to a version in standard support (aws eks describe-cluster-versions)",
            )
        missing = [
            (addon, version)
            for addon, version in eks.versions.addons.items()
            if version not in ctx.addon(region, addon).versions
        ]
        for addon, version in missing:
            yield problem(name, f"{region}: {addon} {version} is not offered for Kubernetes {k8s}", fix_pins)
        if not missing:
            yield ok(
                name,
                f"{region}: all {len(eks.versions.addons)} pinned add-on versions are offered for Kubernetes {k8s}",
            )
        names = {arch: ami_image_id_parameter(k8s, release, arch) for arch in _ami_architectures(ctx)}
        found = call(ctx.client("ssm", region), "get_parameters", Names=list(names.values()))
        images = {p["Name"]: p.get("Value", "?") for p in found.get("Parameters", [])}
        for arch, parameter in names.items():
            if parameter in images:
                yield ok(name, f"{region}: AMI release {release} ({arch}) is {images[parameter]}")
            else:
                yield problem(
                    name,
                    f"{region}: no AMI of release {release} ({arch}): SSM parameter {parameter} does not exist",
                    fix_pins,
                )


# ---------------------------------------------------------------- command

CHECKS: tuple[tuple[str, Check], ...] = (
    ("account", check_account),
    ("certificates", check_certificates),
    ("secrets", check_secrets),
    ("repositories", check_repositories),
    ("trident", check_trident),
    ("zones", check_zones),
    ("quotas", check_quotas),
    ("enhanced-scanning", check_enhanced_scanning),
    ("eks-versions", check_eks_versions),
)


def run_check(name: str, check: Check, ctx: Context) -> list[Result]:
    """The check's results; an AWS call that fails ends it with one PROBLEM naming the permission."""
    results: list[Result] = []
    try:
        results.extend(check(ctx))
    except AwsCallError as error:
        results.append(error.result(name))
    return results


def settings_from_config(config: Mapping[str, Any], stack: str) -> Settings:
    """Validate a YAML-shaped stack config (the ``config:`` mapping) as the program would receive it."""
    encoded, _ = engine_config(config)  # as the Pulumi CLI hands config over: scalars as text, the rest as JSON
    ours = {k: v for k, v in encoded.items() if k.startswith(f"{PROJECT}:")}
    try:
        return parse(ours, home_region=encoded.get("aws:region"), stack=stack)
    except ConfigError as error:
        raise ToolError(str(error)) from None


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when pyyaml has it (much faster), else the pure-Python one: both load only plain data."""


def load_stack(path: Path, stack: str) -> Settings:
    """The validated settings of a stack file."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except OSError as error:
        raise ToolError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ToolError(f"{path} is not valid YAML: {error}") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ToolError(f"{path.name} has no config: mapping")
    return settings_from_config(config, stack)


def _identity(factory: ClientFactory, region: str) -> tuple[str, str]:
    """(account, ARN) of the credentials; ToolError when there are none or they are refused."""
    try:
        answer = factory("sts", region).get_caller_identity()
    except NoCredentialsError:
        raise ToolError(
            "no AWS credentials found (set AWS_PROFILE or log in, e.g. `aws sso login`); preflight needs the read-only policy in docs/preflight.md"
        ) from None
    except ClientError as error:
        details = error.response.get("Error", {})
        code, message = details.get("Code", "?"), details.get("Message", "")
        if code in BAD_CREDENTIALS:
            raise ToolError(f"the AWS credentials were refused ({code}: {message}); log in again") from None
        raise ToolError(f"sts:GetCallerIdentity failed in {region} ({code}: {message})") from None
    except BotoCoreError as error:
        raise ToolError(f"sts:GetCallerIdentity failed in {region}: {error}") from None
    return str(answer["Account"]), str(answer["Arn"])


def _boto3_clients() -> ClientFactory:
    session = boto3.session.Session()

    def client(service: str, region: str) -> Any:
        return session.client(service, region_name=region)

    return client


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.preflight",
        description="Read-only AWS checks of what a first `pulumi up` of a stack assumes (docs/preflight.md).",
    )
    parser.add_argument("--stack", required=True, help="read and validate Pulumi.<STACK>.yaml")
    parser.add_argument(
        "--project-dir", type=Path, default=ROOT, help="where Pulumi.<stack>.yaml lives (default: repo root)"
    )
    parser.add_argument(
        "--deploy-role-arn",
        help="the IAM role pulumi up runs as (default: the caller's role) for the enhanced-scanning permission check",
    )
    return parser


def main(argv: Sequence[str] | None = None, client_factory: ClientFactory | None = None) -> int:
    """Run every check; returns the exit status (0 fine, 1 a PROBLEM, 2 usage or credential error)."""
    args = _parser().parse_args(argv)
    try:
        settings = load_stack(args.project_dir / f"Pulumi.{args.stack}.yaml", args.stack)
        factory = client_factory or _boto3_clients()
        caller_account, caller_arn = _identity(factory, settings.home_region)
    except ToolError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BotoCoreError as error:  # e.g. an unknown AWS_PROFILE while building the session
        print(f"error: {error}", file=sys.stderr)
        return 2
    ctx = Context(args.stack, settings, caller_account, caller_arn, factory, args.deploy_role_arn)
    results = [result for name, check in CHECKS for result in run_check(name, check, ctx)]
    for result in results:
        print(result.line())
    counts = {status: sum(r.status == status for r in results) for status in ("ok", "PROBLEM", "warn", "skipped")}
    print(
        f"preflight {ctx.stack_file}: "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
        + (": fix every PROBLEM before the first pulumi up" if counts["PROBLEM"] else "")
    )
    return 1 if counts["PROBLEM"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
