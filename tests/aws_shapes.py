"""Checks against AWS's own API models (botocore ships them): request shapes and real IAM actions."""

from __future__ import annotations

import fnmatch
import functools
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

# IAM prefix -> botocore service model, where they differ or exist.
SERVICE_MODELS = {
    "ecr": "ecr",
    "ecs": "ecs",
    "kms": "kms",
    "logs": "logs",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "sts": "sts",
    "s3": "s3",
    "elasticfilesystem": "efs",
    "cloudwatch": "cloudwatch",
    "ec2": "ec2",
    "fsx": "fsx",
}

PERMISSION_ONLY = {
    # Actions IAM knows that are not API operations (AWS service authorization reference).
    "ecr:ReplicateImage",
    "sts:TagSession",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
}


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def operations(prefix: str) -> frozenset[str]:
    return frozenset(_session().get_service_model(SERVICE_MODELS[prefix]).operation_names)


def is_real_action(action: str) -> bool:
    """True when ``service:Action`` (wildcards allowed) names at least one real IAM action."""
    if action in PERMISSION_ONLY:
        return True
    prefix, _, name = action.partition(":")
    if prefix not in SERVICE_MODELS:
        return False
    return any(fnmatch.fnmatchcase(op, name) for op in operations(prefix))


def actions_of(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for statement in document["Statement"]:
        action = statement["Action"]
        found += [action] if isinstance(action, str) else list(action)
    return found


def request_errors(service: str, operation: str, params: dict[str, Any]) -> str:
    """botocore's validation report for a request ('' when the request is valid)."""
    shape = _session().get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    return report.generate_report() if report.has_errors() else ""
