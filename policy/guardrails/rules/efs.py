"""EFS: encrypted at rest, backed up, access points that pin a non-root directory and POSIX user.

Transit encryption of EFS volumes in task definitions is ``ecs-efs-transit-encryption``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import Rule, Subject, is_zero, truthy

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"


def _encrypted(r: Subject) -> Iterator[str]:
    if not truthy(r.get("encrypted")):
        yield "encrypted is not true; EFS encryption at rest can only be chosen at creation"


def _customer_key(r: Subject) -> Iterator[str]:
    if not r.get("kmsKeyId"):
        yield "kmsKeyId is not set; file data would be encrypted with the AWS managed aws/elasticfilesystem key"


def _backed_up(r: Subject) -> Iterator[str]:
    for policy in r.stack.of_type(BACKUP_POLICY) if r.stack else []:
        targets = [d.urn for d in policy.depends_on("fileSystemId")]
        if r.urn in targets and (policy.get("backupPolicy") or {}).get("status") == "ENABLED":
            return
    yield "no aws:efs/backupPolicy with status ENABLED targets this file system"


def _root_directory(r: Subject) -> Iterator[str]:
    path = (r.get("rootDirectory") or {}).get("path")
    if not path or path == "/":
        yield f"rootDirectory.path is {path or 'unset'}; expected a directory below / so clients cannot reach the whole file system"


def _posix_user(r: Subject) -> Iterator[str]:
    user: Mapping[str, object] = r.get("posixUser") or {}
    if not user:
        yield "posixUser is not set; clients would act as whatever user they claim"
    elif is_zero(user.get("uid")):
        yield "posixUser.uid is 0 (root); use a dedicated uid"


RULES = (
    Rule(
        id="efs-encrypted",
        title="EFS file systems are encrypted at rest.",
        resource_types=(FILE_SYSTEM,),
        check=_encrypted,
        controls=("EFS.1", "EFS.8"),
        remediation="Set encrypted (SharedFileSystem and EksRegion do).",
    ),
    Rule(
        id="efs-customer-managed-key",
        title="EFS file systems encrypt file data with a customer-managed KMS key.",
        resource_types=(FILE_SYSTEM,),
        check=_customer_key,
        remediation="Pass kmsKeyId (SharedFileSystem creates a rotating key whose policy admits EFS only). "
        "Changing it replaces the file system.",
    ),
    Rule(
        id="efs-backups",
        title="EFS file systems have automatic backups enabled.",
        resource_types=(FILE_SYSTEM,),
        check=_backed_up,
        controls=("EFS.2", "EFS.7"),
        remediation="Create an aws.efs.BackupPolicy with status ENABLED for the file system.",
        scope="stack",
    ),
    Rule(
        id="efs-access-point-root-directory",
        title="EFS access points enforce a root directory other than /.",
        resource_types=(ACCESS_POINT,),
        check=_root_directory,
        controls=("EFS.3",),
        remediation="Set rootDirectory.path (and creationInfo) to a per-service directory.",
    ),
    Rule(
        id="efs-access-point-posix-user",
        title="EFS access points enforce a non-root POSIX user.",
        resource_types=(ACCESS_POINT,),
        check=_posix_user,
        controls=("EFS.4",),
        remediation="Set posixUser with a non-zero uid and gid.",
    ),
)
