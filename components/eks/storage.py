"""ClusterStorage: the file systems behind a cluster's StorageClasses, and the classes themselves.

The AWS side (EFS with mount targets, the FSx for Lustre security group, FSx for NetApp ONTAP
with its SVM, Trident's add-on and identity) is created here. The Kubernetes side (the
StorageClasses and the Trident backend) comes back as ``bundles`` for the cluster's KubeApplier,
because the deploying runner cannot reach the private API endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.efs.file_system import SharedFileSystem, SharedFileSystemArgs
from components.eks.applier import KubeBundle
from components.eks.documents import pod_identity_trust_policy
from components.outputs import nth
from components.tags import component_tags
from settings.models import StorageSettings

ONTAP_PORTS: tuple[tuple[str, int, int, str], ...] = (
    ("tcp", 443, 443, "ONTAP management API (Trident)"),
    ("tcp", 111, 111, "NFS rpcbind"),
    ("udp", 111, 111, "NFS rpcbind"),
    ("tcp", 635, 635, "NFS mountd"),
    ("udp", 635, 635, "NFS mountd"),
    ("tcp", 2049, 2049, "NFS"),
    ("udp", 2049, 2049, "NFS"),
    ("tcp", 3260, 3260, "iSCSI"),
)
"""What nodes need to reach an FSx for NetApp ONTAP SVM (NFS and iSCSI)."""

LUSTRE_PORTS: tuple[tuple[int, int, str], ...] = ((988, 988, "Lustre"), (1018, 1023, "Lustre"))
"""FSx for Lustre traffic: clients to servers, and the file system's servers among themselves."""

ONTAP_SVM_NAME = "eks"
"""The SVM Trident provisions volumes on."""


@dataclass(frozen=True)
class ClusterStorageArgs:
    """Inputs of a cluster's storage."""

    region: str
    """The cluster's region."""
    cluster_name: str
    """The cluster's name, for descriptions."""
    ready_cluster_name: pulumi.Input[str]
    """The cluster's name as an output that resolves once the cluster exists."""
    account_id: pulumi.Input[str]
    """This AWS account."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    vpc_cidr: str
    """Storage security groups admit NFS/Lustre/iSCSI from this CIDR."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Mount targets, Lustre and ONTAP live here."""
    zone_ids: Sequence[str]
    """Zone ids of the private subnets, in their order: one EFS mount target per AZ, named after it."""
    storage: StorageSettings
    """Which backends and classes to create."""
    trident_version: str | None = None
    """Pinned Trident add-on version; required when fsxOntap is on."""
    addon_dependencies: Sequence[pulumi.Resource] = ()
    """What the Trident add-on waits for (nodes, the Pod Identity agent)."""
    protect_data: bool = False
    """Pulumi-protect the EFS and ONTAP file systems so no update or destroy deletes their data (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class ClusterStorage(pulumi.ComponentResource):
    """EFS, FSx for Lustre and FSx for NetApp ONTAP backends, each only when its flag is on."""

    bundles: dict[str, KubeBundle]
    """Kubernetes objects for the KubeApplier: ``storage-classes`` and, with ONTAP, ``trident-backend``."""
    efs: SharedFileSystem | None
    """The cluster's EFS file system (storage.efs)."""
    lustre_security_group: aws.ec2.SecurityGroup | None
    """The security group of CSI-created Lustre file systems (storage.fsxLustre)."""

    def __init__(self, name: str, args: ClusterStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:eks:ClusterStorage", name, None, opts)
        tags = component_tags("eks", args.tags)
        subnets = pulumi.Output.from_input(args.private_subnet_ids)
        classes: list[pulumi.Output[Mapping[str, Any]]] = []
        if args.storage.ebs:
            classes.append(pulumi.Output.from_input(storage_class_manifest("gp3", gp3_storage_class())))
        self.efs = self._efs(name, args) if args.storage.efs else None
        if self.efs is not None:
            classes.append(self.efs.file_system.id.apply(lambda i: storage_class_manifest("efs", efs_storage_class(i))))
        self.lustre_security_group = self._lustre_group(name, args, tags) if args.storage.fsx_lustre else None
        if self.lustre_security_group is not None:
            classes.append(
                pulumi.Output.all(subnets.apply(nth(0)), self.lustre_security_group.id).apply(
                    lambda v: storage_class_manifest("fsx-lustre", fsx_lustre_storage_class(str(v[0]), str(v[1])))
                )
            )
        self.bundles = {}
        if args.storage.fsx_ontap:
            classes.append(pulumi.Output.from_input(storage_class_manifest("fsx-ontap", fsx_ontap_storage_class())))
            self.bundles["trident-backend"] = self._ontap(name, args, subnets, tags)
        if classes:
            self.bundles["storage-classes"] = KubeBundle(objects=pulumi.Output.all(*classes))
        self.register_outputs({})

    def _group(
        self,
        name: str,
        description: str,
        rules: Sequence[tuple[str, int, int, str]],
        args: ClusterStorageArgs,
        tags: Mapping[str, str],
        *,
        egress_to_self: bool = False,
    ) -> aws.ec2.SecurityGroup:
        """A storage security group: ingress from the VPC, and egress to itself where the servers talk."""
        return aws.ec2.SecurityGroup(
            name,
            description=description,
            vpc_id=args.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description=f"{what} from the VPC",
                    protocol=protocol,
                    from_port=low,
                    to_port=high,
                    cidr_blocks=[args.vpc_cidr],
                )
                for protocol, low, high, what in rules
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description=f"{what} between the file system's servers",
                    protocol=protocol,
                    from_port=low,
                    to_port=high,
                    self=True,
                )
                for protocol, low, high, what in rules
            ]
            if egress_to_self
            else None,
            tags={**tags, "Name": name},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _efs(self, name: str, args: ClusterStorageArgs) -> SharedFileSystem:
        return SharedFileSystem(
            f"{name}-efs",
            SharedFileSystemArgs(
                vpc_id=args.vpc_id,
                subnet_ids=args.private_subnet_ids,
                zone_ids=args.zone_ids,
                owner="eks",
                region=args.region,
                account_id=args.account_id,
                nfs_client_cidrs=[args.vpc_cidr],
                # The EFS CSI driver mounts without IAM (docs/eks.md).
                allow_mount_target_clients=True,
                protect_data=args.protect_data,
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _lustre_group(self, name: str, args: ClusterStorageArgs, tags: Mapping[str, str]) -> aws.ec2.SecurityGroup:
        # FSx for Lustre: "allow inbound and outbound traffic on ports 988 and 1018-1023" among the file
        # system's servers (FSx for Lustre user guide, "File system access control with Amazon VPC");
        # pulumi-aws removes the default allow-all egress, so the egress must be explicit.
        return self._group(
            f"{name}-lustre-sg",
            "FSx for Lustre volumes: Lustre from the VPC and between the file system's servers",
            [("tcp", low, high, what) for low, high, what in LUSTRE_PORTS],
            args,
            tags,
            egress_to_self=True,
        )

    def _ontap(
        self, name: str, args: ClusterStorageArgs, subnets: pulumi.Output[Sequence[str]], tags: Mapping[str, str]
    ) -> KubeBundle:
        if args.trident_version is None:
            raise ValueError("fsxOntap needs a pinned netapp_trident-operator version")
        child = pulumi.ResourceOptions(parent=self)
        group = self._group(
            f"{name}-ontap-sg", "FSx for NetApp ONTAP: NFS, iSCSI and management from the VPC", ONTAP_PORTS, args, tags
        )
        password = aws.secretsmanager.get_random_password_output(
            password_length=32, exclude_punctuation=True, opts=pulumi.InvokeOutputOptions(parent=self)
        ).random_password
        secret = aws.secretsmanager.Secret(
            f"{name}-ontap-credentials",
            description=f"vsadmin credentials of the FSx ONTAP SVM of {args.cluster_name} (read by Trident)",
            tags=dict(tags),
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-ontap-credentials-version",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(password).apply(lambda p: json.dumps(ontap_svm_credentials(str(p)))),
            # The password is generated once; later runs generate another one and must not apply it.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secretString"]),
        )
        first_subnet = subnets.apply(nth(0))
        ontap = aws.fsx.OntapFileSystem(
            f"{name}-ontap",
            deployment_type="SINGLE_AZ_1",
            subnet_ids=[first_subnet],
            preferred_subnet_id=first_subnet,
            storage_capacity=1024,
            throughput_capacity=128,
            security_group_ids=[group.id],
            automatic_backup_retention_days=7,
            tags={**tags, "Name": f"{name}-ontap"},
            # Data AWS cannot recreate: an edit that drops it (or a destroy) leaves it in the account,
            # outside the stack (docs/deploying.md, "Retained on destroy"); prod also refuses the edit.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True, protect=args.protect_data),
        )
        aws.fsx.OntapStorageVirtualMachine(
            f"{name}-ontap-svm",
            file_system_id=ontap.id,
            name=ONTAP_SVM_NAME,
            svm_admin_password=pulumi.Output.secret(password),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["svmAdminPassword"]),
        )
        ready = self._trident(name, args, secret, ontap, tags)
        return KubeBundle(
            objects=pulumi.Output.all(ontap.id, secret.arn).apply(
                lambda v: [trident_backend_manifest(str(v[0]), ONTAP_SVM_NAME, str(v[1]))]
            ),
            # The add-on installs the TridentBackendConfig type; Trident needs its identity to read the secret.
            depends_on=ready,
            wait_seconds=600,
        )

    def _trident(
        self,
        name: str,
        args: ClusterStorageArgs,
        secret: aws.secretsmanager.Secret,
        ontap: aws.fsx.OntapFileSystem,
        tags: Mapping[str, str],
    ) -> list[pulumi.Resource]:
        child = pulumi.ResourceOptions(parent=self)
        account = pulumi.Output.from_input(args.account_id)
        role = aws.iam.Role(
            f"{name}-trident-role",
            assume_role_policy=account.apply(lambda a: json.dumps(pod_identity_trust_policy(a))),
            tags=dict(tags),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-trident-policy",
            role=role.name,
            policy=pulumi.Output.all(secret.arn, account, ontap.id).apply(
                lambda v: json.dumps(trident_policy(v[0], v[1], args.region, v[2]))
            ),
            opts=child,
        )
        addon = aws.eks.Addon(
            f"{name}-trident",
            cluster_name=args.ready_cluster_name,
            addon_name=TRIDENT_ADDON,
            addon_version=args.trident_version,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.addon_dependencies)),
        )
        identity = aws.eks.PodIdentityAssociation(
            f"{name}-trident-identity",
            cluster_name=args.ready_cluster_name,
            namespace=TRIDENT_NAMESPACE,
            service_account=TRIDENT_SERVICE_ACCOUNT,
            role_arn=role.arn,
            tags=dict(tags),
            opts=child,
        )
        return [addon, identity]


TRIDENT_ADDON = "netapp_trident-operator"
"""NetApp Trident, an AWS Marketplace add-on (the account must be subscribed)."""


TRIDENT_SERVICE_ACCOUNT = "trident-controller"


TRIDENT_NAMESPACE = "trident"


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


def ontap_svm_credentials(password: str) -> Mapping[str, str]:
    """The vsadmin secret Trident reads."""
    return {"username": "vsadmin", "password": password}
