"""EKS: every control-plane log, envelope-encrypted secrets, no endpoint open to the internet, a supported version.

Each rule reads both ``aws:eks/cluster:Cluster`` (what ``pulumi preview`` sees inside pulumi_eks)
and ``eks:index:Cluster`` (the component's inputs, which is all the offline plan records).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from ..model import Rule, Subject, as_list, truthy

CLUSTER = "aws:eks/cluster:Cluster"
COMPONENT = "eks:index:Cluster"

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every control-plane log type EKS offers (AWS-FACTS.md, control-plane-logs.adoc)."""

STANDARD_SUPPORT_ENDS: dict[str, str | None] = {
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
    "1.36": None,
    "1.37": None,
}
"""Kubernetes versions in EKS standard support and the day it ends (None: not yet published).

Kept equal to settings/aws_tables.py EKS_VERSIONS by a test; the pack cannot import the program."""

OPEN = ("0.0.0.0/0", "::/0")


def _logs(r: Subject) -> Iterator[str]:
    enabled = set(as_list(r.get("enabledClusterLogTypes")))
    missing = [t for t in LOG_TYPES if t not in enabled]
    if missing:
        yield f"control-plane logs {', '.join(missing)} are off; enable all of {', '.join(LOG_TYPES)}"


def _secrets(r: Subject) -> Iterator[str]:
    if r.type == COMPONENT:
        if not r.get("encryptionConfigKeyArn"):
            yield "encryptionConfigKeyArn is not set; Kubernetes secrets would not be envelope-encrypted with KMS"
        return
    config = r.get("encryptionConfig") or {}
    if "secrets" not in as_list(config.get("resources")) or not (config.get("provider") or {}).get("keyArn"):
        yield "encryptionConfig does not encrypt secrets with a KMS key"


def _endpoint(r: Subject) -> Iterator[str]:
    if r.type == COMPONENT:
        public = r.get("endpointPublicAccess", True)  # pulumi_eks keeps the public endpoint unless told
        cidrs = as_list(r.get("publicAccessCidrs")) or list(OPEN[:1])
    else:
        vpc: Mapping[str, object] = r.get("vpcConfig") or {}
        public = vpc.get("endpointPublicAccess", True)
        cidrs = as_list(vpc.get("publicAccessCidrs")) or list(OPEN[:1])
    if truthy(public) and any(c in OPEN for c in cidrs):
        yield "the public API endpoint is open to 0.0.0.0/0; disable it or list the CIDRs that need it"


def _version(r: Subject, today: date | None = None) -> Iterator[str]:
    version = str(r.get("version", ""))
    if version not in STANDARD_SUPPORT_ENDS:
        yield f"version {version or 'unset'} is not in EKS standard support; expected one of {', '.join(STANDARD_SUPPORT_ENDS)}"
        return
    ends = STANDARD_SUPPORT_ENDS[version]
    if ends is not None and date.fromisoformat(ends) <= (today or date.today()):
        yield f"version {version} left standard support on {ends}; upgrade the cluster"


RULES = (
    Rule(
        id="eks-control-plane-logs",
        title="EKS clusters send all five control-plane log types to CloudWatch.",
        resource_types=(CLUSTER, COMPONENT),
        check=_logs,
        controls=("EKS.8",),
        remediation="Set enabledClusterLogTypes to api, audit, authenticator, controllerManager, scheduler.",
    ),
    Rule(
        id="eks-secrets-encryption",
        title="EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
        resource_types=(CLUSTER, COMPONENT),
        check=_secrets,
        controls=("EKS.3",),
        remediation="Pass encryptionConfigKeyArn (EksRegion creates a rotating key).",
    ),
    Rule(
        id="eks-endpoint-not-public",
        title="No EKS API endpoint is open to 0.0.0.0/0.",
        resource_types=(CLUSTER, COMPONENT),
        check=_endpoint,
        controls=("EKS.1",),
        remediation="Keep eks.endpointPublicAccessCidrs empty (private endpoint) or list specific CIDRs.",
    ),
    Rule(
        id="eks-supported-version",
        title="EKS clusters run a Kubernetes version in standard support.",
        resource_types=(CLUSTER, COMPONENT),
        check=_version,
        controls=("EKS.2",),
        remediation="Set eks.version to a version in standard support (see AWS-FACTS.md).",
    ),
)
