"""KMS key policies shared by the components."""

from __future__ import annotations

from typing import Any

from components.iam import policy_document


def logs_key_policy(account_id: str, region: str) -> dict[str, Any]:
    """Key policy for a CloudWatch Logs key.

    The account administers the key through IAM; the regional Logs service may use it only for
    this account's log groups in this region (the encryption context names the log group).
    """
    return policy_document(
        [
            {
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "LogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"}
                },
            },
        ]
    )
