"""The newest EKS add-on and AMI versions to pin, read from AWS (read-only calls only).

Usage (from the repository root; needs AWS credentials allowed ``eks:DescribeAddonVersions``
and ``ssm:GetParameter``)::

    python -m tools.eks_versions --stack dev          # or: make eks-versions STACK=dev
    python -m tools.eks_versions --kubernetes-version 1.35 --region us-east-1 [--region eu-west-1]

``--stack`` reads ``Pulumi.<stack>.yaml`` for the Kubernetes version, the EKS regions, the
add-ons the stack installs and the current ``versions`` pins. The command prints a
``versions:`` block to paste under ``container-platform:eks:`` and one line per pin that would
change, then exits 0. A version is offered only if it exists in every region: add-ons take the
newest version compatible with the Kubernetes version in all regions, the AMI takes the oldest
of the regions' ``recommended`` releases (a region that has not got the newest release yet
still has the older one). The Cluster Autoscaler has no AWS API: its pin is kept and checked
against the rule that its minor equals the Kubernetes minor. No credentials, access denied or
any other AWS error: one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from settings.eks_versions import (
    ADDON_NAMES,
    KUBERNETES_VERSION_PATTERN,
    ami_image_id_parameter,
    recommended_release_version_parameter,
    release_version_pattern,
)

ROOT = Path(__file__).resolve().parent.parent
EKS_KEY = "container-platform:eks"
CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler"
BASE_ADDONS = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent")
"""Installed on every cluster; the others follow ``storage`` and ``containerInsights``."""
OPTIONAL_ADDONS = (  # (setting, its default in settings.models, add-on)
    ("storage.ebs", True, "aws-ebs-csi-driver"),
    ("storage.efs", False, "aws-efs-csi-driver"),
    ("storage.fsxLustre", False, "aws-fsx-csi-driver"),
    ("storage.fsxOntap", False, "netapp_trident-operator"),
    ("containerInsights", True, "amazon-cloudwatch-observability"),
)
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}
PERMISSIONS = "eks:DescribeAddonVersions and ssm:GetParameter"

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> a boto3 client; the tests pass stubbed botocore clients."""


class ToolError(Exception):
    """Something the operator must fix; printed as one line, exit status 2."""


@dataclass(frozen=True)
class Pins:
    """The ``versions`` block as it is in the stack file (absent keys are None / missing)."""

    ami_release_version: str | None = None
    cluster_autoscaler: str | None = None
    addons: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """What to look up: from a stack file or from the command line."""

    kubernetes_version: str
    regions: tuple[str, ...]
    addons: tuple[str, ...]
    pins: Pins = Pins()
    source: str | None = None
    """The stack file the pins came from; None without ``--stack``."""


@dataclass(frozen=True)
class AddonChoice:
    """The newest version of one add-on compatible with the Kubernetes version in every region."""

    name: str
    version: str | None
    """None: no version exists in all regions."""
    defaults: Mapping[str, str | None]
    """Region -> the version AWS flags ``defaultVersion`` for this Kubernetes version."""
    missing: tuple[str, ...] = ()
    """Regions without any compatible version."""


@dataclass(frozen=True)
class AmiChoice:
    """The newest AL2023 release available in every region, and its AMI per region."""

    release_version: str
    recommended: Mapping[str, str]
    """Region -> the release its ``recommended`` parameter names."""
    image_ids: Mapping[str, str | None]
    """Region -> the AMI id of ``release_version`` (None: its image_id parameter was not found)."""


# ---------------------------------------------------------------- versions


_ADDON_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)(?:-eksbuild\.(\d+))?(.*)")
_RELEASE = re.compile(release_version_pattern)


def version_key(version: str) -> tuple[tuple[int, ...], int, str]:
    """Order add-on versions numerically: ``v1.20.10-eksbuild.2`` > ``v1.20.9-eksbuild.12``."""
    match = _ADDON_VERSION.fullmatch(version)
    if match is None:
        return ((), -1, version)
    build = int(match[2]) if match[2] else 0
    return (tuple(int(part) for part in match[1].split(".")), build, match[3])


def release_key(release_version: str) -> tuple[str, tuple[int, ...]]:
    """Order AMI release versions (``1.35.8-20260930``) by build date, then Kubernetes patch."""
    version, _, date = release_version.partition("-")
    return (date, tuple(int(part) for part in version.split(".")))


# ---------------------------------------------------------------- AWS


@contextmanager
def _aws(region: str, what: str) -> Iterator[None]:
    """Turn botocore errors into one ToolError line naming the region and the call."""
    try:
        yield
    except NoCredentialsError:
        raise ToolError(
            f"no AWS credentials found (set AWS_PROFILE or log in, e.g. `aws sso login`); this command needs {PERMISSIONS}"
        ) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "?")
        message = error.response.get("Error", {}).get("Message", "")
        if code in ACCESS_DENIED:
            raise ToolError(
                f"access denied in {region} for {what} ({code}: {message}); this command needs {PERMISSIONS}"
            ) from None
        raise ToolError(f"{what} failed in {region} ({code}: {message})") from None
    except BotoCoreError as error:
        raise ToolError(f"{what} failed in {region}: {error}") from None


def compatible_addon_versions(eks: Any, kubernetes_version: str, addon_name: str) -> tuple[set[str], str | None]:
    """All versions of ``addon_name`` compatible with ``kubernetes_version``, and the AWS default (every page)."""
    versions: set[str] = set()
    default: str | None = None
    pages = eks.get_paginator("describe_addon_versions").paginate(
        kubernetesVersion=kubernetes_version, addonName=addon_name
    )
    for page in pages:
        for addon in page.get("addons", []):
            if addon.get("addonName") != addon_name:
                continue
            for entry in addon.get("addonVersions", []):
                compatibilities = entry.get("compatibilities")
                if compatibilities:
                    ours = [c for c in compatibilities if c.get("clusterVersion") == kubernetes_version]
                    if not ours:
                        continue
                else:  # no compatibility list: trust the server-side kubernetesVersion filter
                    ours = []
                versions.add(entry["addonVersion"])
                if any(c.get("defaultVersion") for c in ours):
                    default = entry["addonVersion"]
    return versions, default


def choose_addon(eks_by_region: Mapping[str, Any], kubernetes_version: str, addon_name: str) -> AddonChoice:
    """The newest version of ``addon_name`` that every region offers for ``kubernetes_version``."""
    common: set[str] | None = None
    defaults: dict[str, str | None] = {}
    missing: list[str] = []
    for region, eks in eks_by_region.items():
        with _aws(region, f"eks:DescribeAddonVersions {addon_name}"):
            versions, defaults[region] = compatible_addon_versions(eks, kubernetes_version, addon_name)
        if not versions:
            missing.append(region)
        common = versions if common is None else common & versions
    newest = max(common, key=version_key) if common else None
    return AddonChoice(addon_name, newest, defaults, tuple(missing))


def _get_parameter(ssm: Any, name: str) -> str | None:
    try:
        response = ssm.get_parameter(Name=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    value: str = response["Parameter"]["Value"]
    return value


def choose_ami(ssm_by_region: Mapping[str, Any], kubernetes_version: str, architecture: str = "x86_64") -> AmiChoice:
    """The newest AL2023 release in every region: the oldest of the regions' recommended releases."""
    name = recommended_release_version_parameter(kubernetes_version, architecture)
    recommended: dict[str, str] = {}
    for region, ssm in ssm_by_region.items():
        with _aws(region, f"ssm:GetParameter {name}"):
            value = _get_parameter(ssm, name)
        if value is None:
            raise ToolError(
                f"SSM parameter {name} not found in {region}: no EKS-optimized AL2023 AMI for Kubernetes {kubernetes_version} there"
            )
        if not _RELEASE.fullmatch(value):
            raise ToolError(f"{name} in {region} is {value!r}, not a release version like 1.35.8-20260930")
        recommended[region] = value
    release = min(recommended.values(), key=release_key)
    image_id_name = ami_image_id_parameter(kubernetes_version, release, architecture)
    image_ids: dict[str, str | None] = {}
    for region, ssm in ssm_by_region.items():
        with _aws(region, f"ssm:GetParameter {image_id_name}"):
            image_ids[region] = _get_parameter(ssm, image_id_name)
    return AmiChoice(release, recommended, image_ids)


# ---------------------------------------------------------------- stack file


def installed_addons(eks: Mapping[str, Any]) -> tuple[str, ...]:
    """The add-ons a ``container-platform:eks`` block installs, plus any it already pins, in ADDON_NAMES order."""
    wanted = set(BASE_ADDONS)
    for path, default, addon in OPTIONAL_ADDONS:
        value: Any = eks
        for key in path.split("."):
            value = value.get(key) if isinstance(value, Mapping) else None
        if (default if value is None else bool(value)) is True:
            wanted.add(addon)
    pinned = ((eks.get("versions") or {}).get("addons") or {}).keys()
    wanted.update(pinned)
    return tuple(name for name in ADDON_NAMES if name in wanted) + tuple(sorted(wanted - set(ADDON_NAMES)))


def load_stack(path: Path) -> Target:
    """Kubernetes version, regions, installed add-ons and current pins of a ``Pulumi.<stack>.yaml``."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ToolError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ToolError(f"{path} is not valid YAML: {error}") from None
    config = document.get("config") if isinstance(document, dict) else None
    eks = config.get(EKS_KEY) if isinstance(config, dict) else None
    if not isinstance(eks, dict):
        raise ToolError(f"{path.name} has no {EKS_KEY} block: the stack builds no EKS cluster")
    version = eks.get("version")
    if not isinstance(version, str) or not re.fullmatch(KUBERNETES_VERSION_PATTERN, version):
        raise ToolError(f'{path.name}: {EKS_KEY}.version must be a quoted "<major>.<minor>" string, got {version!r}')
    regions = eks.get("regions")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, str) for r in regions):
        raise ToolError(f"{path.name}: {EKS_KEY}.regions must be a non-empty list of region names")
    versions = eks.get("versions") or {}
    if not isinstance(versions, dict):
        raise ToolError(f"{path.name}: {EKS_KEY}.versions must be a mapping")
    pins = Pins(
        ami_release_version=_str_or_none(versions.get("amiReleaseVersion")),
        cluster_autoscaler=_str_or_none(versions.get("clusterAutoscaler")),
        addons={str(k): str(v) for k, v in (versions.get("addons") or {}).items()},
    )
    return Target(version, tuple(regions), installed_addons(eks), pins, path.name)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------- output


def _defaults_comment(choice: AddonChoice) -> str:
    defaults = {region: d for region, d in choice.defaults.items() if d is not None}
    if not defaults:
        return ""
    distinct = set(defaults.values())
    if len(distinct) == 1:
        (default,) = distinct
        return "  # = AWS default" if default == choice.version else f"  # AWS default: {default}"
    return "  # AWS default: " + ", ".join(f"{region} {d}" for region, d in defaults.items())


def autoscaler_problem(kubernetes_version: str, tag: str) -> str | None:
    """Why a Cluster Autoscaler tag does not fit the Kubernetes version (None: it fits)."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.\d+", tag)
    if match is None:
        return f"clusterAutoscaler {tag!r} is not an image tag like v{kubernetes_version}.0"
    minor = f"{match[1]}.{match[2]}"
    if minor != kubernetes_version:
        return f"clusterAutoscaler {tag} is for Kubernetes {minor}: its minor must equal the Kubernetes minor ({kubernetes_version})"
    return None


def render(target: Target, ami: AmiChoice, addons: Sequence[AddonChoice]) -> str:
    """The ``versions:`` block, indented to paste under ``container-platform:eks:`` in a stack file."""
    k8s = target.kubernetes_version
    images = ", ".join(f"{region} {image or 'NOT FOUND'}" for region, image in ami.image_ids.items())
    lines = [
        "    versions:",
        f"      # Kubernetes {k8s}: the newest versions available in every region ({', '.join(target.regions)})",
        f'      amiReleaseVersion: "{ami.release_version}"  # AMI {images}',
    ]
    tag = target.pins.cluster_autoscaler
    if tag is None:
        lines.append(
            f'      # clusterAutoscaler: "v{k8s}.<patch>"  # not pinned: no AWS API; pick the newest v{k8s}.x tag of {CLUSTER_AUTOSCALER_IMAGE}'
        )
    else:
        problem = autoscaler_problem(k8s, tag)
        note = (
            f"WRONG: {problem}" if problem else f"kept: no AWS API; its minor must equal the Kubernetes minor ({k8s})"
        )
        lines.append(f'      clusterAutoscaler: "{tag}"  # {note}')
    lines.append("      addons:")
    for choice in addons:
        if choice.version is not None:
            lines.append(f'        {choice.name}: "{choice.version}"{_defaults_comment(choice)}')
            continue
        why = f"no version compatible with Kubernetes {k8s} in every region"
        if choice.missing:
            why += f" (none in {', '.join(choice.missing)})"
        current = target.pins.addons.get(choice.name)
        if current is None:
            lines.append(f"        # {choice.name}: {why}")
        else:
            lines.append(f'        {choice.name}: "{current}"  # kept: {why}')
    return "\n".join(lines) + "\n"


def changes(target: Target, ami: AmiChoice, addons: Sequence[AddonChoice]) -> list[str]:
    """One ``name: old -> new`` line per pin that the printed block changes."""
    pairs: list[tuple[str, str | None, str]] = [
        ("amiReleaseVersion", target.pins.ami_release_version, ami.release_version)
    ]
    pairs += [(c.name, target.pins.addons.get(c.name), c.version) for c in addons if c.version is not None]
    lines = []
    for name, old, new in pairs:
        if old == new:
            continue
        line = f"{name}: {old or '(not pinned)'} -> {new}"
        if old is not None and _lower(name, new, old):
            line += "  (lower: the current pin is not available in every region)"
        lines.append(line)
    return lines


def _lower(name: str, new: str, old: str) -> bool:
    if name != "amiReleaseVersion":
        return version_key(new) < version_key(old)
    return bool(_RELEASE.fullmatch(old)) and release_key(new) < release_key(old)


# ---------------------------------------------------------------- command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.eks_versions",
        description="Print the newest EKS add-on and AL2023 AMI versions to pin (read-only AWS calls).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read Pulumi.<STACK>.yaml (Kubernetes version, EKS regions, current pins)")
    source.add_argument("--kubernetes-version", metavar="X.Y", help='Kubernetes version, e.g. "1.35" (needs --region)')
    parser.add_argument("--region", action="append", default=[], help="an EKS region; repeat for several")
    parser.add_argument(
        "--project-dir", type=Path, default=ROOT, help="where Pulumi.<stack>.yaml lives (default: repo root)"
    )
    return parser


def _target(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Target:
    if args.stack is not None:
        if args.region:
            parser.error("--region goes with --kubernetes-version; --stack reads the regions from the stack file")
        return load_stack(args.project_dir / f"Pulumi.{args.stack}.yaml")
    if not re.fullmatch(KUBERNETES_VERSION_PATTERN, args.kubernetes_version):
        parser.error(f'--kubernetes-version must look like "1.35", got {args.kubernetes_version!r}')
    if not args.region:
        parser.error("--kubernetes-version needs at least one --region")
    return Target(args.kubernetes_version, tuple(dict.fromkeys(args.region)), ADDON_NAMES)


def _boto3_clients() -> ClientFactory:
    session = boto3.session.Session()

    def client(service: str, region: str) -> Any:
        return session.client(service, region_name=region)

    return client


def main(argv: Sequence[str] | None = None, client_factory: ClientFactory | None = None) -> int:
    """Run the command; returns the exit status (0, or 2 on any error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        target = _target(args, parser)
        factory = client_factory or _boto3_clients()
        eks = {region: factory("eks", region) for region in target.regions}
        ssm = {region: factory("ssm", region) for region in target.regions}
        ami = choose_ami(ssm, target.kubernetes_version)
        addons = [choose_addon(eks, target.kubernetes_version, name) for name in target.addons]
    except ToolError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:  # e.g. no region, bad profile while building clients
        print(f"error: {error}", file=sys.stderr)
        return 2

    print(render(target, ami, addons), end="")
    print()
    k8s = target.kubernetes_version
    print(
        f"clusterAutoscaler: no AWS API; the Cluster Autoscaler minor must equal the Kubernetes minor ({k8s}): "
        f"use the newest v{k8s}.x tag of {CLUSTER_AUTOSCALER_IMAGE}"
        + (f" (kept: {target.pins.cluster_autoscaler})" if target.pins.cluster_autoscaler else "")
    )
    if target.pins.cluster_autoscaler and (problem := autoscaler_problem(k8s, target.pins.cluster_autoscaler)):
        print(f"warning: {problem}", file=sys.stderr)
    for region, image in ami.image_ids.items():
        if image is None:
            print(
                f"warning: {region}: no SSM parameter {ami_image_id_parameter(k8s, ami.release_version)}",
                file=sys.stderr,
            )
    for choice in addons:
        if choice.version is None:
            print(
                f"warning: {choice.name}: no version compatible with Kubernetes {k8s} in every region", file=sys.stderr
            )
    if target.source is None:
        print("no --stack given: no pins to compare")
        return 0
    lines = changes(target, ami, addons)
    if lines:
        print(f"pins that would change in {target.source}:")
        print("\n".join(lines))
    else:
        print(f"no pin in {target.source} would change")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
