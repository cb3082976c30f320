"""SharedFileSystem: EFS with its own KMS key, TLS-only, reachable from every AZ, for ECS services or EKS pods."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document
from components.kms import customer_managed_key, efs_key_policy
from components.outputs import nth
from components.tags import component_tags


@dataclass(frozen=True)
class EfsMount:
    """What a service needs to mount its directory of the shared file system."""

    file_system_id: pulumi.Output[str]
    """The file system."""
    file_system_arn: pulumi.Output[str]
    """Its ARN, for the task role's mount permission."""
    access_point_id: pulumi.Output[str]
    """The service's own access point."""
    access_point_arn: pulumi.Output[str]
    """Its ARN, the condition of the task role's mount permission."""
    security_group_id: pulumi.Output[str]
    """The file system's security group; the service adds an NFS rule from its own."""
    mount_targets: tuple[pulumi.Resource, ...] = ()
    """The mount targets: a task can mount only once the one in its AZ exists."""


@dataclass(frozen=True)
class SharedFileSystemArgs:
    """Inputs of an EFS file system shared across the AZs of a region (ECS services or EKS pods)."""

    vpc_id: pulumi.Input[str]
    """VPC of the mount targets."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets, one per AZ, in the order of ``zone_ids``; each gets a mount target."""
    zone_ids: Sequence[str]
    """Zone ids of those subnets (``use1-az1``), plain values: the mount targets are named after them."""
    owner: str
    """``ecs`` or ``eks``: the ``component`` tag, and who the security group's description names."""
    region: str
    """Region of the provider in ``opts``: the key policy lets EFS use the key in this region only."""
    account_id: pulumi.Input[str]
    """This AWS account: the key policy names it."""
    access_points: Sequence[str] = ()
    """Services that mount it (ECS); each gets its own access point, POSIX user and directory."""
    nfs_client_cidrs: Sequence[str] = ()
    """CIDRs admitted on NFS (EKS: the VPC, pods mount from any node); ECS services add their own rules."""
    allow_mount_target_clients: bool = False
    """Let any NFS client that comes through a mount target mount and write (the EFS CSI driver mounts
    without IAM); otherwise only IAM principals granted ``ClientMount`` (ECS task roles) may."""
    protect_data: bool = False
    """Pulumi-protect the file system and its key so no update or destroy can delete its data (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class SharedFileSystem(pulumi.ComponentResource):
    """EFS with its own rotating KMS key, a mount target per AZ, TLS-only access, backups, an access point per service.

    The key is created here, not passed in: an EFS file system's key is fixed at creation
    (terraform-provider-aws ``internal/service/efs/file_system.go``: ``kms_key_id`` is ForceNew), so
    changing it replaces the file system. Like the file system it outlives the stack
    (``retain_on_delete``), since data encrypted under it is unreadable without it.
    """

    file_system: aws.efs.FileSystem
    """The file system."""
    key: aws.kms.Key
    """Customer-managed key of the file data (rotation on; EFS uses it only through EFS in this region)."""
    security_group: aws.ec2.SecurityGroup
    """Admits NFS from ``nfs_client_cidrs`` and from the rules the services add."""
    mount_targets: tuple[aws.efs.MountTarget, ...]
    """One per AZ: a client can mount only once the one in its AZ exists."""
    mounts: dict[str, EfsMount]
    """Service name -> what it needs to mount its directory."""

    def __init__(self, name: str, args: SharedFileSystemArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:efs:SharedFileSystem", name, None, opts)
        tags = component_tags(args.owner, args.tags)
        self.key = self._key(name, args, tags)
        self.file_system = self._file_system(name, args, self.key, tags)
        self._backup_policy(name, self.file_system)
        self._file_system_policy(name, args, self.file_system)
        self.security_group = self._security_group(name, args, tags)
        self.mount_targets = self._mount_targets(name, args, self.file_system, self.security_group)
        self.mounts = {
            service: _mount(
                self.file_system,
                self.security_group,
                self._access_point(name, service, self.file_system, tags),
                self.mount_targets,
            )
            for service in args.access_points
        }
        self.register_outputs({"file_system_id": self.file_system.id})

    def _key(self, name: str, args: SharedFileSystemArgs, tags: Mapping[str, str]) -> aws.kms.Key:
        return customer_managed_key(
            f"{name}-key",
            description=f"Encrypts the file data of EFS file system {name}",
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(efs_key_policy(account, args.region))
            ),
            tags={**tags, "Name": f"{name}-key"},
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True, protect=args.protect_data),
        )

    def _file_system(
        self, name: str, args: SharedFileSystemArgs, key: aws.kms.Key, tags: Mapping[str, str]
    ) -> aws.efs.FileSystem:
        return aws.efs.FileSystem(
            f"{name}-fs",
            encrypted=True,
            kms_key_id=key.arn,
            performance_mode="generalPurpose",
            throughput_mode="elastic",
            lifecycle_policies=[
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia="AFTER_30_DAYS"),
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_primary_storage_class="AFTER_1_ACCESS"),
            ],
            tags={**tags, "Name": f"{name}-fs"},
            # Data AWS cannot recreate: an edit that drops it (or a destroy) leaves it in the account,
            # outside the stack (docs/deploying.md, "Retained on destroy"); prod also refuses the edit.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True, protect=args.protect_data),
        )

    def _backup_policy(self, name: str, file_system: aws.efs.FileSystem) -> aws.efs.BackupPolicy:
        return aws.efs.BackupPolicy(
            f"{name}-backup",
            file_system_id=file_system.id,
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _file_system_policy(
        self, name: str, args: SharedFileSystemArgs, file_system: aws.efs.FileSystem
    ) -> aws.efs.FileSystemPolicy:
        build = mount_target_file_system_policy if args.allow_mount_target_clients else efs_file_system_policy
        return aws.efs.FileSystemPolicy(
            f"{name}-policy",
            file_system_id=file_system.id,
            policy=file_system.arn.apply(lambda arn: json.dumps(build(arn))),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _security_group(self, name: str, args: SharedFileSystemArgs, tags: Mapping[str, str]) -> aws.ec2.SecurityGroup:
        description = (
            "EFS for Kubernetes volumes: NFS from the VPC"
            if args.owner == "eks"
            else "EFS mount targets: NFS from the services that mount the file system"
        )
        return aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=description,
            vpc_id=args.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="NFS from the VPC", protocol="tcp", from_port=2049, to_port=2049, cidr_blocks=[cidr]
                )
                for cidr in args.nfs_client_cidrs
            ]
            # None, not []: inline rules are authoritative, and [] would delete the services' own rules.
            if args.nfs_client_cidrs
            else None,
            # No egress rules: mount targets only answer NFS, they never initiate.
            tags={**tags, "Name": f"{name}-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _mount_targets(
        self,
        name: str,
        args: SharedFileSystemArgs,
        file_system: aws.efs.FileSystem,
        security_group: aws.ec2.SecurityGroup,
    ) -> tuple[aws.efs.MountTarget, ...]:
        subnets = pulumi.Output.from_input(args.subnet_ids)
        # Named after the AZ, not its position: an AZ added or removed never re-creates the others'.
        return tuple(
            aws.efs.MountTarget(
                f"{name}-mount-{zone_id}",
                file_system_id=file_system.id,
                subnet_id=subnets.apply(nth(i)),
                security_groups=[security_group.id],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for i, zone_id in enumerate(args.zone_ids)
        )

    def _access_point(
        self, name: str, service: str, file_system: aws.efs.FileSystem, tags: Mapping[str, str]
    ) -> aws.efs.AccessPoint:
        uid = posix_id(service)
        return aws.efs.AccessPoint(
            f"{name}-{service}",
            file_system_id=file_system.id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=uid, gid=uid),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=f"/{service}",
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=uid, owner_gid=uid, permissions="0750"
                ),
            ),
            tags={**tags, "Name": f"{name}-{service}", "service": service},
            opts=pulumi.ResourceOptions(parent=self),
        )


def _mount(
    file_system: aws.efs.FileSystem,
    security_group: aws.ec2.SecurityGroup,
    access_point: aws.efs.AccessPoint,
    targets: Sequence[pulumi.Resource],
) -> EfsMount:
    return EfsMount(
        file_system_id=file_system.id,
        file_system_arn=file_system.arn,
        access_point_id=access_point.id,
        access_point_arn=access_point.arn,
        security_group_id=security_group.id,
        mount_targets=tuple(targets),
    )


def posix_id(service: str) -> int:
    """A stable POSIX uid/gid for a service's EFS directory (10000-59999, from its name).

    Derived from the name, not the config order, so reordering services never changes
    the owner of existing files.
    """
    return 10000 + zlib.crc32(service.encode()) % 50000


def efs_file_system_policy(file_system_arn: str) -> dict[str, Any]:
    """Refuse every NFS connection that is not TLS; access itself is granted by task roles."""
    return policy_document(
        [
            {
                "Sid": "DenyUnencryptedTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Resource": file_system_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    )


def mount_target_file_system_policy(file_system_arn: str) -> dict[str, Any]:
    """TLS only, and NFS clients that come through a mount target may mount and write.

    A file system policy replaces EFS's default "any client may mount" (EFS user guide, "Using IAM
    to control access to file systems"), and the EFS CSI driver mounts without IAM by default, so a
    Deny-only policy refuses every pod mount. The Allow is what the console's "Enforce in-transit
    encryption" option writes: mounts through the VPC's mount targets, not from elsewhere.
    """
    return policy_document(
        [
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
        ]
    )
