"""Pure documents of the network component: the VPC flow log role's trust and permissions."""

from __future__ import annotations

from typing import Any

from components.iam import policy_document

FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"
"""The service principal that delivers VPC flow logs and assumes the delivery role."""


def flow_log_trust_policy(account_id: str, region: str) -> dict[str, Any]:
    """Trust of the flow log delivery role: VPC Flow Logs, for this account's flow logs in this region only.

    The conditions are the ones the Amazon VPC user guide recommends against the confused deputy
    ("IAM role for publishing flow logs to CloudWatch Logs"): ``aws:SourceAccount`` is the flow log's
    owner, ``aws:SourceArn`` the flow log's ARN (``vpc-flow-log/*``: its id is not known before it exists).
    """
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": FLOW_LOGS_SERVICE},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{region}:{account_id}:vpc-flow-log/*"},
                },
            }
        ]
    )


def flow_log_role_policy(log_group_arn: str) -> dict[str, Any]:
    """What the delivery role may do: the five actions the same guide lists, on the flow log's own group.

    ``logs:DescribeLogGroups`` has no resource type in the service authorization reference, so it
    stays on ``*``; every other action is limited to the log group and its streams.
    """
    return policy_document(
        [
            {"Sid": "FindLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
            {
                "Sid": "WriteFlowLogGroup",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            },
        ]
    )
