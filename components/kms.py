"""KMS key policies shared by the components: one builder per kind of key the program creates.

Every key policy has the same shape: the account root administers the key (``kms:*``, which
delegates the key to the account's IAM: "Allows access to the AWS account and enables IAM
policies", KMS developer guide, "Default key policy"), and each AWS service or service role
that must use the key gets exactly the actions its documentation lists, limited by
``kms:ViaService``, ``kms:CallerAccount``, ``aws:SourceAccount`` or the encryption context.
Nobody but the root gets ``kms:*``; ``tests/test_key_policies.py`` evaluates each builder
against the requests the services make, as their documentation describes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document


def customer_managed_key(
    name: str, description: str, policy: pulumi.Input[str], tags: Mapping[str, str], opts: pulumi.ResourceOptions
) -> aws.kms.Key:
    """A symmetric customer-managed key: yearly rotation, an explicit policy, a 30-day deletion window.

    Thirty days is AWS's longest window: time to notice a mistaken deletion and cancel it.

    Every key of the program is made here, so rotation (Security Hub KMS.4) and an explicit policy
    (the pack's ``kms-key-policy``) cannot be forgotten on the next one.
    """
    return aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=policy,
        tags=dict(tags),
        opts=opts,
    )


def account_root(account_id: str) -> str:
    """``arn:aws:iam::<account>:root``: the account itself, as a key policy principal."""
    return f"arn:aws:iam::{account_id}:root"


def root_administers(account_id: str) -> dict[str, Any]:
    """The account root keeps ``kms:*``, so the key never becomes unmanageable.

    KMS developer guide, "Default key policy": the statement that "allows access to the AWS account and
    enables IAM policies".
    """
    return {
        "Sid": "AccountAdministersThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": account_root(account_id)},
        "Action": "kms:*",
        "Resource": "*",
    }


LOGS_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")
"""What CloudWatch Logs needs on a log group key (CloudWatch Logs user guide, "Encrypt log data in
CloudWatch Logs using AWS KMS", step 2: the key policy for ``logs.<region>.amazonaws.com``)."""


def logs_key_policy(account_id: str, region: str) -> dict[str, Any]:
    """Key policy for a CloudWatch Logs key.

    The account administers the key through IAM; the regional Logs service may use it only for
    this account's log groups in this region: CloudWatch Logs passes the log group's ARN as the
    encryption context ``aws:logs:arn``, which the guide above tells to condition on.
    """
    return policy_document(
        [
            root_administers(account_id),
            {
                "Sid": "LogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": list(LOGS_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"}
                },
            },
        ]
    )


EFS_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
    "kms:DescribeKey",
)
"""What Amazon EFS uses on a file system key (EFS user guide, "Amazon EFS key policies for AWS KMS"):
Decrypt, GenerateDataKeyWithoutPlaintext, CreateGrant and DescribeKey are required, Encrypt and ReEncrypt
optional (kept: the AWS managed ``aws/elasticfilesystem`` key allows them too). ListAliases, which the
guide lists for the console, is not a key resource action and is left to IAM."""

EFS_SERVICE_LINKED_ROLE = "aws-service-role/elasticfilesystem.amazonaws.com/AWSServiceRoleForAmazonElasticFileSystem"
"""The role path and name of EFS's service-linked role (EFS user guide, "Using service-linked roles")."""


def efs_key_policy(account_id: str, region: str) -> dict[str, Any]:
    """Key policy for an EFS file system key.

    Principals of this account may use the key only through EFS in this region (``kms:ViaService``,
    ``kms:CallerAccount``, as the AWS managed EFS key's policy does); EFS then holds grants for the
    file system. EFS's service-linked role reads the key's metadata (``kms:DescribeKey`` is the one
    KMS action of the AmazonElasticFileSystemServiceRolePolicy managed policy).
    """
    return policy_document(
        [
            root_administers(account_id),
            {
                "Sid": "EfsUsesKeyForThisAccount",
                "Effect": "Allow",
                "Principal": {"AWS": account_root(account_id)},
                "Action": list(EFS_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"elasticfilesystem.{region}.amazonaws.com",
                        "kms:CallerAccount": account_id,
                    }
                },
            },
            {
                "Sid": "EfsServiceLinkedRoleDescribesKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:role/{EFS_SERVICE_LINKED_ROLE}"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            },
        ]
    )


EKS_SECRETS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants")
"""What the EKS cluster role uses on the secrets key: the policy terraform-aws-modules/terraform-aws-eks
attaches to the cluster role for ``encryption_config`` (``cluster_encryption``: Encrypt, Decrypt, ListGrants,
DescribeKey). The identity creating the cluster also needs ``kms:CreateGrant`` and ``kms:DescribeKey``
(EKS user guide, "Encrypt Kubernetes secrets with KMS"); it gets them through IAM and the root statement."""


def eks_secrets_key_policy(account_id: str, region: str, cluster_role_arn: str) -> dict[str, Any]:
    """Key policy for an EKS cluster's secrets key: the cluster role may use it, only through EKS in this region."""
    return policy_document(
        [
            root_administers(account_id),
            {
                "Sid": "ClusterRoleEncryptsSecretsThroughEks",
                "Effect": "Allow",
                "Principal": {"AWS": cluster_role_arn},
                "Action": list(EKS_SECRETS_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"eks.{region}.amazonaws.com"}},
            },
        ]
    )


ECR_ACTIONS = ("kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant")
"""What ECR uses when it creates a repository encrypted with a customer managed key: ``DescribeKey``, then
``CreateGrant`` for itself, and ``RetireGrant`` when the repository goes (ECR user guide, "Encryption at
rest"); the same three the repository creation role needs (ECR user guide, "Create a custom policy for
repository creation templates"). Pushes and pulls then run on ECR's grants."""


def registry_key_policy(account_id: str, region: str, creation_role_arn: str) -> dict[str, Any]:
    """Key policy for a registry region's key: principals of this account and the creation role use it through ECR only."""
    through_ecr = {"kms:ViaService": f"ecr.{region}.amazonaws.com", "kms:CallerAccount": account_id}
    return policy_document(
        [
            root_administers(account_id),
            {
                "Sid": "EcrUsesKeyForThisAccount",
                "Effect": "Allow",
                "Principal": {"AWS": [account_root(account_id), creation_role_arn]},
                "Action": list(ECR_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": through_ecr},
            },
        ]
    )
