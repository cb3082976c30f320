"""KMS keys: automatic rotation, and an explicit key policy that keeps ``kms:*`` for the account root alone.

A key created without ``policy`` gets KMS's default key policy, which only delegates to IAM: nothing in
it limits how services use the key. The program writes every policy itself (``components/kms.py``):
the account root administers, each service or role gets the actions it needs under conditions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Rule, Subject, as_list, document, truthy

KEY = "aws:kms/key:Key"

ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$")
"""An account root principal, as an ARN or a bare account id (both mean the account in a key policy)."""
ALL_ACTIONS = ("*", "kms:*")


def _principals(statement: Mapping[str, Any]) -> list[str]:
    """Every principal a statement names, ``*`` for Principal "*" or {"AWS": "*"}."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping):
        return []
    return [str(p) for values in principal.values() for p in as_list(values)]


def _rotation(r: Subject) -> Iterator[str]:
    spec = r.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
    if spec == "SYMMETRIC_DEFAULT" and not truthy(r.get("enableKeyRotation")):
        yield "enableKeyRotation is not true; symmetric keys rotate their key material yearly only when asked"


def _statement_problems(index: int, statement: Mapping[str, Any]) -> Iterator[str]:
    principals = _principals(statement)
    actions = [str(a) for a in as_list(statement.get("Action"))]
    label = f"Statement[{index}]" + (f" ({statement['Sid']})" if statement.get("Sid") else "")
    others = [p for p in principals if not ROOT.match(p)]
    if others and ("NotAction" in statement or any(a in ALL_ACTIONS for a in actions)):
        yield f"{label} grants every KMS action to {', '.join(others)}; only the account root may have kms:*"
    conditioned = bool(statement.get("Condition"))
    if "*" in principals and not conditioned:
        yield f"{label} allows Principal '*' without a condition: anyone, in any account, may use the key"
    principal = statement.get("Principal")
    services = [str(p) for p in as_list(principal.get("Service"))] if isinstance(principal, Mapping) else []
    if services and not conditioned:
        yield (
            f"{label} lets {', '.join(services)} use the key without a condition; limit it with "
            "aws:SourceAccount, aws:SourceArn, kms:ViaService or the encryption context"
        )


def _key_policy(r: Subject) -> Iterator[str]:
    policy = document(r.get("policy"))
    if not isinstance(policy, Mapping):
        yield "policy is not set; KMS's default key policy only delegates to IAM and limits no service"
        return
    statements = [s for s in as_list(policy.get("Statement")) if isinstance(s, Mapping)]
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    if not any(
        any(ROOT.match(p) for p in _principals(s)) and any(a in ALL_ACTIONS for a in as_list(s.get("Action")))
        for s in allows
    ):
        yield "no statement lets the account root administer the key (kms:*); the key could become unmanageable"
    for index, statement in enumerate(statements):
        if statement.get("Effect") == "Allow":
            yield from _statement_problems(index, statement)


RULES = (
    Rule(
        id="kms-key-rotation",
        title="Symmetric KMS keys rotate their key material automatically.",
        resource_types=(KEY,),
        check=_rotation,
        controls=("KMS.4",),
        remediation="Set enableKeyRotation (every key the program creates does).",
    ),
    Rule(
        id="kms-key-policy",
        title="KMS keys have an explicit key policy: the account root administers, nobody else gets kms:*, services only under conditions.",
        resource_types=(KEY,),
        check=_key_policy,
        remediation="Build the policy with components/kms.py (root_administers plus one conditioned statement per service).",
    ),
)
