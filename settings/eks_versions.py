"""Pinned EKS versions: the add-on names, the AMI release format and its SSM parameter names.

Pure (no boto3, no Pulumi calls) so the program, the settings model and ``tools.eks_versions``
share one definition. The SSM names follow the parameters AWS publishes for the EKS-optimized
Amazon Linux 2023 AMIs:

* ``/aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/standard/recommended/release_version``
  is the newest recommended release (EKS user guide, "Retrieve recommended Amazon Linux AMI IDs";
  the ``recommended`` parameter's JSON value carries ``image_id``, ``image_name`` and
  ``release_version``).
* ``/aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/standard/amazon-eks-node-al2023-<arch>-standard-<k8s>-v<YYYYMMDD>/image_id``
  is the AMI of exactly one release in the region queried (the path Karpenter resolves a pinned
  ``al2023@vYYYYMMDD`` alias through, ``pkg/providers/amifamily/al2023.go``).
"""

from __future__ import annotations

import re
from typing import Final, get_args

from settings.models import AddonName

ADDON_NAMES: Final[tuple[str, ...]] = get_args(AddonName)
"""Every EKS add-on the stack can install; ``versions.addons`` pins one version per installed add-on."""

release_version_pattern: Final[str] = r"^(?P<kubernetes>\d+\.\d+)\.(?P<patch>\d+)-(?P<date>\d{8})$"
"""An EKS-optimized AMI release version: ``<Kubernetes major.minor.patch>-<YYYYMMDD>`` (``1.35.8-20260930``).

Managed node groups take it as ``releaseVersion``; the date names the AMI (``...-1.35-v20260930``)."""

KUBERNETES_VERSION_PATTERN: Final[str] = r"^\d+\.\d+$"
ARCHITECTURES: Final[tuple[str, ...]] = ("x86_64", "arm64")

_RELEASE = re.compile(release_version_pattern)
_KUBERNETES = re.compile(KUBERNETES_VERSION_PATTERN)
_PREFIX = "/aws/service/eks/optimized-ami"


def _check(kubernetes_version: str, architecture: str) -> None:
    if not _KUBERNETES.fullmatch(kubernetes_version):
        raise ValueError(f'Kubernetes version must be "<major>.<minor>" (e.g. "1.35"), got {kubernetes_version!r}')
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {architecture!r}")


def release_kubernetes_version(release_version: str) -> str:
    """The Kubernetes ``major.minor`` of a release version (``1.35.8-20260930`` -> ``1.35``)."""
    match = _RELEASE.fullmatch(release_version)
    if match is None:
        raise ValueError(f"AMI release version must look like 1.35.8-20260930, got {release_version!r}")
    return match["kubernetes"]


def ami_name(kubernetes_version: str, release_version: str, architecture: str = "x86_64") -> str:
    """The AMI name of one EKS-optimized AL2023 standard release (``amazon-eks-node-al2023-x86_64-standard-1.35-v20260930``)."""
    _check(kubernetes_version, architecture)
    release_minor = release_kubernetes_version(release_version)
    if release_minor != kubernetes_version:
        raise ValueError(f"AMI release {release_version} is for Kubernetes {release_minor}, not {kubernetes_version}")
    date = release_version.rsplit("-", 1)[1]
    return f"amazon-eks-node-al2023-{architecture}-standard-{kubernetes_version}-v{date}"


def ami_image_id_parameter(kubernetes_version: str, release_version: str, architecture: str = "x86_64") -> str:
    """The public SSM parameter holding the AMI id of exactly this release (query it in each region).

    ``ami_image_id_parameter("1.35", "1.35.8-20260930")`` ->
    ``/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.35-v20260930/image_id``
    """
    name = ami_name(kubernetes_version, release_version, architecture)
    return f"{_PREFIX}/{kubernetes_version}/amazon-linux-2023/{architecture}/standard/{name}/image_id"


def recommended_release_version_parameter(kubernetes_version: str, architecture: str = "x86_64") -> str:
    """The public SSM parameter holding the newest recommended AL2023 standard release version."""
    _check(kubernetes_version, architecture)
    return f"{_PREFIX}/{kubernetes_version}/amazon-linux-2023/{architecture}/standard/recommended/release_version"
