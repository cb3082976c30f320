"""Pure builders for EKS: trust policies, add-on catalogue, StorageClass specs, Trident backend.

Values come from AWS's EKS user guide (add-on names, service accounts, managed policies)
and the CSI drivers' parameter references; see README "EKS".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.ecs_policies import efs_file_system_policy
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


def storage_class_manifest(name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A StorageClass object from one of the specs above, as the manifest applier sends it."""
    metadata: dict[str, Any] = {"name": name, "labels": {"app.kubernetes.io/managed-by": "container-platform"}}
    if spec["annotations"]:
        metadata["annotations"] = dict(spec["annotations"])
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": spec["provisioner"],
        "parameters": dict(spec["parameters"]),
        "volumeBindingMode": spec["volume_binding_mode"],
        "allowVolumeExpansion": spec["allow_volume_expansion"],
        "reclaimPolicy": spec["reclaim_policy"],
    }


def trident_backend_manifest(file_system_id: str, svm_name: str, secret_arn: str) -> dict[str, Any]:
    """The TridentBackendConfig object in Trident's namespace."""
    backend = trident_backend(file_system_id, svm_name, secret_arn)
    return {
        "apiVersion": backend["apiVersion"],
        "kind": backend["kind"],
        "metadata": {"name": "fsx-ontap", "namespace": TRIDENT_NAMESPACE},
        "spec": backend["spec"],
    }


def eks_efs_file_system_policy(file_system_arn: str) -> dict[str, Any]:
    """TLS only, and NFS clients that come through a mount target may mount and write.

    A file system policy replaces EFS's default "any client may mount" (EFS user guide, "Using IAM
    to control access to file systems"), and the EFS CSI driver mounts without IAM by default, so a
    Deny-only policy refuses every pod mount. The Allow is what the console's "Enforce in-transit
    encryption" option writes: mounts through the VPC's mount targets, not from elsewhere.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MountThroughMountTargets",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": file_system_arn,
                "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
            },
            # The same TLS-only Deny as the ECS file system's policy.
            *efs_file_system_policy(file_system_arn)["Statement"],
        ],
    }


def ontap_svm_credentials(password: str) -> Mapping[str, str]:
    """The vsadmin secret Trident reads."""
    return {"username": "vsadmin", "password": password}
