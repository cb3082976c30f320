"""AWS facts the settings layer validates against.

Each table names the AWS documentation page it comes from. Keep them here, in one
place, so a change of AWS limits is one diff.
"""

from __future__ import annotations

import re

# Commercial-partition regions (aws). GovCloud, China and the European Sovereign Cloud
# are other partitions with other ARNs and endpoints; this program does not target them.
AWS_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)

# Fargate task sizes for Linux (AWS: "Amazon ECS task CPU and memory"): cpu units -> valid memory MiB.
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: (1024, 2048, 3072, 4096),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# Task-level CPU on EC2 container instances: 0.125 to 192 vCPU.
EC2_TASK_CPU_RANGE: tuple[int, int] = (128, 196608)

# EKS versions this program accepts (AWS: "Amazon EKS Kubernetes versions"), with the end of standard
# support where AWS has published it. Versions whose standard support has ended are not
# offered: with the STANDARD upgrade policy EKS would upgrade them on its own.
EKS_VERSIONS: dict[str, str | None] = {
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
    "1.36": None,
    "1.37": None,
}

# Availability Zone ids where EKS refuses cluster subnets (CreateCluster fails with
# UnsupportedAvailabilityZoneException). Ids, not names: us-east-1a is a different physical
# zone in every account, use1-az3 is the same everywhere.
# Source: Amazon EKS User Guide, "View Amazon EKS networking requirements for VPC and subnets",
# section "Subnet requirements for clusters": "The subnets can't reside in the following
# Availability Zones: us-east-1 use1-az3, us-west-1 usw1-az2, ca-central-1 cac1-az3"
# https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html#cluster-subnets
# (read 2026-11-30 from the guide's source, github.com/awsdocs/amazon-eks-user-guide
# latest/ug/networking/network-reqs.adoc at f600414, the last revision published there).
EKS_UNSUPPORTED_ZONE_IDS: dict[str, frozenset[str]] = {
    "us-east-1": frozenset({"use1-az3"}),
    "us-west-1": frozenset({"usw1-az2"}),
    "ca-central-1": frozenset({"cac1-az3"}),
}

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip

# Upstream registries ECR pull-through cache supports, and whether each needs a
# Secrets Manager credential (Docker Hub, GitHub and GitLab do; the public ones do not).
PULL_THROUGH_UPSTREAMS: dict[str, bool] = {
    "public.ecr.aws": False,
    "registry.k8s.io": False,
    "quay.io": False,
    "registry-1.docker.io": True,
    "ghcr.io": True,
    "registry.gitlab.com": True,
}

_GRAVITON = re.compile(r"^[a-z]+\d+[a-z]*g[a-z]*\.")


def instance_architecture(instance_type: str) -> str:
    """Return ``arm64`` for Graviton instance types (m7g, c7gn, r8gd, t4g...), else ``x86_64``."""
    return "arm64" if _GRAVITON.match(instance_type) else "x86_64"
