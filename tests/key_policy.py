"""A small evaluator of KMS key policies, for tests: which statements allow one request.

It implements the part of the IAM policy evaluation logic the program's key policies use: Allow and
Deny, ``Principal`` (``AWS`` ARNs, ``Service`` names, ``*``), ``Action``/``NotAction`` with wildcards,
and the condition operators ``StringEquals``, ``StringLike``, ``ArnEquals``, ``ArnLike`` and ``Bool``
(a key missing from the request fails the condition, as IAM evaluates them without ``IfExists``).
An account root principal matches every IAM principal of that account: the key policy delegates to
IAM for them ("Default key policy", KMS developer guide), so the caller's IAM policy must allow too,
which this evaluator does not see. Anything else in a policy is an error, so a new construct is
noticed instead of silently matching.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ROOT = re.compile(r"^arn:aws:iam::(?P<account>\d{12}):root$")
IAM_PRINCIPAL = re.compile(r"^arn:aws:(iam|sts)::(?P<account>\d{12}):")


@dataclass(frozen=True)
class Request:
    """One KMS call: who makes it, which action, and the request context the conditions read."""

    principal: str
    """An IAM principal ARN, or ``service:<service principal>`` for an AWS service principal."""
    action: str
    """``kms:Decrypt`` ..."""
    context: Mapping[str, str] = field(default_factory=dict)
    """Condition keys present in the request: ``kms:ViaService``, ``kms:CallerAccount``, ``aws:SourceAccount``,
    ``kms:EncryptionContext:<key>`` ..."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str | Mapping) else list(value)


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        raise ValueError(f"unsupported Principal {principal!r}")
    unknown = set(principal) - {"AWS", "Service"}
    if unknown:
        raise ValueError(f"unsupported principal types {sorted(unknown)}")
    if request.principal.startswith("service:"):
        return request.principal.removeprefix("service:") in _as_list(principal.get("Service"))
    caller = IAM_PRINCIPAL.match(request.principal)
    for named in _as_list(principal.get("AWS")):
        root = ROOT.match(named)
        if named in ("*", request.principal) or (root and caller and root["account"] == caller["account"]):
            return True
    return False


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(statement["NotAction"]))
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(statement.get("Action")))


def _value_matches(operator: str, actual: str, expected: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return actual == expected
    if operator in ("StringLike", "ArnLike"):
        return fnmatch.fnmatchcase(actual, expected)
    if operator == "Bool":
        return actual.lower() == str(expected).lower()
    raise ValueError(f"unsupported condition operator {operator}")


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, keys in conditions.items():
        for key, expected in keys.items():
            actual = context.get(key)
            if actual is None or not any(_value_matches(operator, actual, str(e)) for e in _as_list(expected)):
                return False
    return True


def matches(statement: Mapping[str, Any], request: Request) -> bool:
    """True when ``statement`` applies to ``request`` (whatever its Effect)."""
    return (
        _principal_matches(statement.get("Principal"), request)
        and _action_matches(statement, request.action)
        and _conditions_hold(statement.get("Condition") or {}, request.context)
    )


def allowing(policy: Mapping[str, Any], request: Request) -> list[str]:
    """Sids of the Allow statements that allow ``request``; empty when none does or a Deny applies."""
    statements = _as_list(policy.get("Statement"))
    if any(s.get("Effect") == "Deny" and matches(s, request) for s in statements):
        return []
    return [
        str(s.get("Sid", f"#{i}"))
        for i, s in enumerate(statements)
        if s.get("Effect") == "Allow" and matches(s, request)
    ]
