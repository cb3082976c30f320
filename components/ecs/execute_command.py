"""ECS Exec: the cluster's execute-command configuration and its session key policy.

Every cluster carries the configuration, whether or not a service enables ECS Exec, so that the first
session of any service is already encrypted and logged (issue 17, item 6):

- ``kmsKeyId``: "Specify an Key Management Service key ID to encrypt the data between the local client
  and the container" (ECS API, ``ExecuteCommandConfiguration``, botocore's ecs service model).
- ``logging: OVERRIDE`` with ``cloudWatchLogGroupName`` and ``cloudWatchEncryptionEnabled``: "Determines
  whether to use encryption on the CloudWatch logs. If not specified, encryption will be off" (ECS API,
  ``ExecuteCommandLogConfiguration``). The group itself is KMS-encrypted by the logs key.

Who may use the session key is decided in IAM (the key policy delegates to the account): the caller of
``ecs:ExecuteCommand`` needs ``kms:GenerateDataKey`` on it and the task role ``kms:Decrypt`` (ECS developer
guide, "Monitor Amazon ECS containers with ECS Exec", IAM permissions); the program grants the latter only
to task roles of services with ``enableExecuteCommand`` (``task_role_policy``).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document


def exec_session_key_policy(account_id: str) -> dict[str, Any]:
    """Key policy of the ECS Exec session key: the account administers it, IAM decides who uses it.

    No service principal: ECS Exec uses the key with the credentials of the caller and of the task role.
    """
    return policy_document(
        [
            {
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    )


def execute_command_configuration(
    key_arn: pulumi.Input[str], log_group_name: pulumi.Input[str]
) -> aws.ecs.ClusterConfigurationArgs:
    """The cluster configuration: sessions encrypted with ``key_arn``, logged encrypted to ``log_group_name``."""
    return aws.ecs.ClusterConfigurationArgs(
        execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
            kms_key_id=key_arn,
            logging="OVERRIDE",
            log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                cloud_watch_log_group_name=log_group_name,
                cloud_watch_encryption_enabled=True,
            ),
        )
    )
