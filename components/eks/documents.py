"""Pure builders for the EKS region: trust policies, managed policy ARNs and the add-on catalogue.

Values come from AWS's EKS user guide (add-on names, service accounts, managed policies)
and the CSI drivers' parameter references; see docs/eks.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from settings.models import AddonName

NODE_ROLE_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)
"""Node role: kubelet, VPC CNI, image pull (PullOnly, AWS's current advice) and Session Manager."""

CLUSTER_ROLE_POLICY = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
"""What the EKS service needs to run the control plane (AWS: "Amazon EKS cluster IAM role")."""
LAMBDA_VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
"""ENIs for a VPC function plus writing its logs (AWS Lambda: "Giving Lambda functions access to a VPC")."""
FARGATE_POD_EXECUTION_POLICY = "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
CONTROL_PLANE_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@dataclass(frozen=True)
class AddonSpec:
    """An EKS add-on that runs with its own IAM role through Pod Identity."""

    addon_name: AddonName
    """EKS add-on name."""
    service_account: str
    """The service account EKS associates the role with."""
    policies: tuple[str, ...]
    """AWS managed policies of the add-on's role."""
    inline_policy: Callable[[str, str], dict[str, Any]] | None = None
    """Builds the role's inline policy from (account id, region); default none."""


def fsx_lustre_csi_policy(account_id: str, region: str) -> dict[str, Any]:
    """The FSx for Lustre CSI driver's upstream least-privilege policy (AWS-FACTS.md), narrowed.

    File-system actions are limited to this account and region instead of ``*``. ``s3:ListBucket``
    is left out: the fsx-lustre StorageClass links no S3 data repository.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FsxServiceLinkedRole",
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "*",
                "Condition": {"StringLike": {"iam:AWSServiceName": ["fsx.amazonaws.com"]}},
            },
            {
                "Sid": "S3DataRepositoryServiceLinkedRole",
                "Effect": "Allow",
                "Action": ["iam:CreateServiceLinkedRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"],
                "Resource": f"arn:aws:iam::{account_id}:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*",
            },
            {
                "Sid": "ManageLustreFileSystems",
                "Effect": "Allow",
                "Action": ["fsx:CreateFileSystem", "fsx:DeleteFileSystem", "fsx:UpdateFileSystem", "fsx:TagResource"],
                "Resource": f"arn:aws:fsx:{region}:{account_id}:file-system/*",
            },
            {
                # DescribeFileSystems supports no resource-level permissions.
                "Sid": "DescribeFileSystems",
                "Effect": "Allow",
                "Action": "fsx:DescribeFileSystems",
                "Resource": "*",
            },
        ],
    }


ADDONS: dict[str, AddonSpec] = {
    "ebs": AddonSpec(
        "aws-ebs-csi-driver",
        "ebs-csi-controller-sa",
        ("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",),
    ),
    "efs": AddonSpec(
        "aws-efs-csi-driver",
        "efs-csi-controller-sa",
        ("arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",),
    ),
    "fsxLustre": AddonSpec("aws-fsx-csi-driver", "fsx-csi-controller-sa", (), inline_policy=fsx_lustre_csi_policy),
    "containerInsights": AddonSpec(
        "amazon-cloudwatch-observability",
        "cloudwatch-agent",
        ("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"),
    ),
}
"""Storage flag (or containerInsights) -> its add-on. Pod Identity works for all four
(amazon-cloudwatch-observability from v3.1.0)."""


def pod_identity_trust_policy(account_id: str) -> dict[str, Any]:
    """Trust for Pod Identity roles: the EKS Pod Identity service, for this account's clusters."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def cluster_trust_policy(account_id: str, region: str) -> dict[str, Any]:
    """Trust for the cluster role: the EKS service, for this account's clusters in this region.

    ``sts:TagSession`` is what AWS's current cluster-role trust grants (EKS user guide, "Amazon EKS
    cluster IAM role"); the conditions keep another account's cluster from using the role.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:eks:{region}:{account_id}:cluster/*"},
                },
            }
        ],
    }


def fargate_trust_policy(account_id: str, region: str, cluster_name: str) -> dict[str, Any]:
    """Trust for the Fargate pod execution role, limited to this cluster's profiles."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "eks-fargate-pods.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:aws:eks:{region}:{account_id}:fargateprofile/{cluster_name}/*"}
                },
            }
        ],
    }
