"""Pure builders for EKS: trust policies, add-on catalogue, StorageClass specs, Trident backend.

Values come from AWS's EKS user guide (add-on names, service accounts, managed policies)
and the CSI drivers' parameter references; see README "EKS".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

NODE_ROLE_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)
"""Node role: kubelet, VPC CNI, image pull (PullOnly, AWS's current advice) and Session Manager."""

FARGATE_POD_EXECUTION_POLICY = "arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
CONTROL_PLANE_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@dataclass(frozen=True)
class AddonSpec:
    """An EKS add-on that runs with its own IAM role through Pod Identity."""

    addon_name: str
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

TRIDENT_ADDON = "netapp_trident-operator"
"""NetApp Trident, an AWS Marketplace add-on (the account must be subscribed)."""
TRIDENT_SERVICE_ACCOUNT = "trident-controller"
TRIDENT_NAMESPACE = "trident"


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


def trident_policy(secret_arn: str, account_id: str, region: str, file_system_id: str) -> dict[str, Any]:
    """NetApp's documented Trident permissions, narrowed, plus reading the SVM secret.

    Volume changes are limited to this file system (NetApp's example grants them on ``*``).
    """
    fsx = f"arn:aws:fsx:{region}:{account_id}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # The Describe calls support no resource-level permissions.
                "Sid": "DescribeOntap",
                "Effect": "Allow",
                "Action": ["fsx:DescribeFileSystems", "fsx:DescribeStorageVirtualMachines", "fsx:DescribeVolumes"],
                "Resource": "*",
            },
            {
                "Sid": "ManageOntapVolumes",
                "Effect": "Allow",
                "Action": [
                    "fsx:CreateVolume",
                    "fsx:DeleteVolume",
                    "fsx:RestoreVolumeFromSnapshot",
                    "fsx:TagResource",
                    "fsx:UntagResource",
                    "fsx:UpdateVolume",
                ],
                "Resource": [
                    f"{fsx}:file-system/{file_system_id}",
                    f"{fsx}:storage-virtual-machine/{file_system_id}/*",
                    f"{fsx}:volume/{file_system_id}/*",
                    f"{fsx}:snapshot/*/*",
                ],
            },
            {
                "Sid": "ReadSvmCredentials",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            },
        ],
    }


DEFAULT_CLASS_ANNOTATION = {"storageclass.kubernetes.io/is-default-class": "true"}


def gp3_storage_class() -> dict[str, Any]:
    """The default class: encrypted gp3 EBS volumes, bound where the pod lands."""
    return {
        "provisioner": "ebs.csi.aws.com",
        "parameters": {"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
        "volume_binding_mode": "WaitForFirstConsumer",
        "allow_volume_expansion": True,
        "reclaim_policy": "Delete",
        "annotations": DEFAULT_CLASS_ANNOTATION,
    }


def efs_storage_class(file_system_id: str) -> dict[str, Any]:
    """Dynamic EFS volumes: one access point per claim on the cluster's file system."""
    return {
        "provisioner": "efs.csi.aws.com",
        "parameters": {
            "provisioningMode": "efs-ap",
            "fileSystemId": file_system_id,
            "directoryPerms": "700",
            "basePath": "/dynamic",
            "gidRangeStart": "50000",
            "gidRangeEnd": "7000000",
        },
        "volume_binding_mode": "Immediate",
        "allow_volume_expansion": False,
        "reclaim_policy": "Delete",
        "annotations": {},
    }


def fsx_lustre_storage_class(subnet_id: str, security_group_id: str) -> dict[str, Any]:
    """Dynamic FSx for Lustre file systems (PERSISTENT_2, 125 MB/s/TiB) in one private subnet."""
    return {
        "provisioner": "fsx.csi.aws.com",
        "parameters": {
            "subnetId": subnet_id,
            "securityGroupIds": security_group_id,
            "deploymentType": "PERSISTENT_2",
            "perUnitStorageThroughput": "125",
            "dataCompressionType": "LZ4",
        },
        "volume_binding_mode": "Immediate",
        "allow_volume_expansion": True,
        "reclaim_policy": "Delete",
        "annotations": {},
    }


def fsx_ontap_storage_class() -> dict[str, Any]:
    """Trident NAS volumes on the FSx for NetApp ONTAP backend."""
    return {
        "provisioner": "csi.trident.netapp.io",
        "parameters": {"backendType": "ontap-nas"},
        "volume_binding_mode": "Immediate",
        "allow_volume_expansion": True,
        "reclaim_policy": "Delete",
        "annotations": {},
    }


def trident_backend(file_system_id: str, svm_name: str, secret_arn: str) -> dict[str, Any]:
    """A TridentBackendConfig for the FSx ONTAP file system, with credentials from Secrets Manager."""
    return {
        "apiVersion": "trident.netapp.io/v1",
        "kind": "TridentBackendConfig",
        "spec": {
            "version": 1,
            "storageDriverName": "ontap-nas",
            "svm": svm_name,
            "aws": {"fsxFilesystemID": file_system_id},
            "credentials": {"name": secret_arn, "type": "awsarn"},
        },
    }


def ontap_svm_credentials(password: str) -> Mapping[str, str]:
    """The vsadmin secret Trident reads."""
    return {"username": "vsadmin", "password": password}
