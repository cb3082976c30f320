"""The rules of ``policy/guardrails/rules/efs.py``: firing and passing cases.

They look at EFS file systems, backups and access points. ``test_rule_table.py`` collects ``FIRING``
and ``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.efs import RULES
from tests.policy.subjects import (
    ACCESS_POINT,
    BACKUP,
    EFS,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    drop,
    edit,
    fire,
    linked,
    passes,
    renamed,
)

FIRING = [
    fire("efs-encrypted", drop(EFS, "encrypted"), "encrypted is not true", id="unset"),
    fire("efs-encrypted", edit(EFS, encrypted=False), "encrypted is not true", id="false"),
    fire("efs-encrypted", edit(EFS, encrypted="false"), "encrypted is not true", id="string-false"),
    fire(
        "efs-customer-managed-key",
        drop(EFS, "kmsKeyId"),
        "kmsKeyId is not set; file data would be encrypted with the AWS managed aws/elasticfilesystem key",
        id="aws-managed-key",
    ),
    fire("efs-customer-managed-key", edit(EFS, kmsKeyId=""), "kmsKeyId is not set", id="empty"),
    fire(
        "efs-backups",
        EFS,
        "no aws:efs/backupPolicy with status ENABLED targets this file system",
        id="no-backup-policy",
    ),
    fire(
        "efs-backups",
        EFS,
        "no aws:efs/backupPolicy",
        others=(edit(BACKUP, backupPolicy={"status": "DISABLED"}),),
        id="backup-disabled",
    ),
    fire(
        "efs-backups",
        EFS,
        "no aws:efs/backupPolicy",
        others=(
            renamed(EFS, "other-fs"),
            linked(renamed(BACKUP, "other-backup"), fileSystemId=[renamed(EFS, "other-fs")]),
        ),
        id="backup-of-another-file-system",
    ),
    fire(
        "efs-access-point-root-directory",
        drop(ACCESS_POINT, "rootDirectory"),
        "rootDirectory.path is unset",
        id="unset",
    ),
    fire(
        "efs-access-point-root-directory",
        edit(ACCESS_POINT, rootDirectory={"path": "/"}),
        "rootDirectory.path is /;",
        id="root",
    ),
    fire("efs-access-point-posix-user", drop(ACCESS_POINT, "posixUser"), "posixUser is not set", id="unset"),
    fire(
        "efs-access-point-posix-user",
        edit(ACCESS_POINT, posixUser={"uid": 0, "gid": 0}),
        "posixUser.uid is 0 (root)",
        id="root",
    ),
]


PASSING = [
    *compliant_cases(RULES),
    passes("efs-encrypted", edit(EFS, encrypted="true"), id="string-true"),
    passes("efs-backups", EFS, others=(BACKUP,), id="backup-enabled"),
    passes(
        "efs-access-point-posix-user",
        edit(ACCESS_POINT, posixUser={"uid": "1000", "gid": "1000"}),
        id="string-uid",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
