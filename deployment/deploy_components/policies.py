"""Pure builders for Pulumi Deployments: the deploy role's trust policy, path filters, git refs.

No Pulumi here: every function takes plain values and returns plain data, so each is tested
table-driven and the trust policy is reviewed as a document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

PULUMI_OIDC_ISSUER = "https://api.pulumi.com/oidc"
"""Issuer of the OIDC tokens Pulumi Deployments presents to AWS."""

PULUMI_OIDC_HOST = PULUMI_OIDC_ISSUER.removeprefix("https://")
"""The issuer as IAM condition keys spell it: ``api.pulumi.com/oidc:aud``, ``...:sub``."""

_NO_WILDCARDS = re.compile(r"^[^*?:\s]+$")

OPERATIONS = ("preview", "update", "refresh", "destroy")
"""The operation kinds a Deployments OIDC token names in its ``sub`` claim (Pulumi docs, "Custom claims").

Drift detection is a preview-only refresh and carries ``refresh``; drift remediation is
``pulumi up --refresh`` and carries ``update`` (see README.md, "Trust").
"""


def deploy_subject(organization: str, project: str, stack: str, operation: str) -> str:
    """The exact ``sub`` of a Deployments token for one operation on one stack.

    Pulumi's token subject is
    ``pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write``.
    """
    for label, value in (("organization", organization), ("project", project), ("stack", stack)):
        # ':' separates the claim's parts and '*'/'?' would read as wildcards under StringLike:
        # any of them would blur which stack the trust names.
        if not _NO_WILDCARDS.match(value):
            raise ValueError(f"{label} {value!r} must be non-empty without '*', '?', ':' or spaces")
    if operation not in OPERATIONS:
        raise ValueError(f"operation {operation!r} must be one of {', '.join(OPERATIONS)}")
    return f"pulumi:deploy:org:{organization}:project:{project}:stack:{stack}:operation:{operation}:scope:write"


def deploy_operations(*, preview: bool, refresh: bool, destroy: bool) -> tuple[str, ...]:
    """The operations a deploy role serves, in ``OPERATIONS`` order: ``update`` always, the others on request."""
    wanted = {"update": True, "preview": preview, "refresh": refresh, "destroy": destroy}
    return tuple(op for op in OPERATIONS if wanted[op])


def deploy_trust_policy(
    provider_arn: str, organization: str, project: str, stack: str, operations: Sequence[str]
) -> dict[str, Any]:
    """Trust policy of a deploy role: only the named operations of ``organization/project/stack``.

    ``aud`` is the plain organization name (what Deployments puts in its tokens; ESC uses
    ``aws:<org>`` instead and is not trusted here). ``sub`` is compared with ``StringEquals``
    against the exact subject of each operation: no wildcard, so a token of any other
    operation (a pull-request ``preview`` when previews are off) is refused.
    """
    if "update" not in operations:
        raise ValueError("a deploy role serves update at least")
    subjects = [deploy_subject(organization, project, stack, op) for op in dict.fromkeys(operations)]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PulumiDeployments",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{PULUMI_OIDC_HOST}:aud": organization,
                        f"{PULUMI_OIDC_HOST}:sub": subjects,
                    },
                },
            }
        ],
    }


def partition(region: str) -> str:
    """The ARN partition of a region: ``aws``, ``aws-us-gov`` or ``aws-cn``."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


DEPLOY_ROLE_PATTERN = "deploy-*"
"""Names of the deploy roles (``deploy-<stack>-role-<suffix>``), as the boundary protects them."""

GLOBAL_ACTIONS = (
    "iam:*",
    "sts:*",
    "cloudfront:*",
    "route53:*",
    "route53domains:*",
    "waf:*",
    "wafv2:*",
    "shield:*",
    "globalaccelerator:*",
    "support:*",
    "health:*",
    "trustedadvisor:*",
    "budgets:*",
    "ce:*",
    "cur:*",
    "pricing:*",
    "s3:ListAllMyBuckets",
)
"""Actions of global services, which AWS serves from one region whatever the stack's regions are;
the region statement of the boundary leaves them alone (AWS's "deny by requested region" pattern)."""

BOUNDARY_EXCEPTION = "permissions boundary - caps the deploy role and grants nothing by itself"
"""Reason of the guardrail exceptions on the boundary policy: its Allow statement only sets the ceiling."""


LONG_LIVED_CREDENTIAL_ACTIONS = (
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
)
"""Actions that create IAM users or long-lived keys and passwords: deployments authenticate through OIDC only."""

ORGANIZATION_ACTIONS = ("organizations:*", "account:*")
"""AWS Organizations and account settings: outside what a stack of this platform manages."""

DEPLOY_ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateRole",
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
)
"""Changes to a role's policies, trust, boundary and tags: a deploy role must not widen itself or its siblings."""

BOUNDARY_POLICY_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicy",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
"""Changes to a managed policy: a deploy role must not rewrite or delete the boundary that caps it."""


def boundary_policy(
    *, account_id: str, partition_name: str, regions: Sequence[str], boundary_name: str
) -> dict[str, Any]:
    """The default permissions boundary of an account's deploy roles.

    A boundary is a ceiling: the role may do what both its policies and the boundary allow.
    ``AllowAll`` sets the ceiling to everything, and each ``Deny`` cuts one thing out of it:
    IAM users and long-lived keys, AWS Organizations and account settings, changes to the
    deploy roles (their policies, trust and boundary) and to this policy, and every regional
    action outside ``regions``. It does not stop a role the program creates from having more
    rights (the platform creates roles without a boundary); see README.md, "Permissions boundary".
    """
    if not regions:
        raise ValueError("the boundary needs at least one region")
    iam = f"arn:{partition_name}:iam::{account_id}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow_all(),
            _deny("DenyUsersAndLongLivedKeys", LONG_LIVED_CREDENTIAL_ACTIONS, "*"),
            _deny("DenyOrganizationsAndAccount", ORGANIZATION_ACTIONS, "*"),
            _deny("DenyChangingDeployRoles", DEPLOY_ROLE_ACTIONS, f"{iam}:role/{DEPLOY_ROLE_PATTERN}"),
            _deny("DenyChangingTheBoundary", BOUNDARY_POLICY_ACTIONS, f"{iam}:policy/{boundary_name}"),
            _deny_other_regions(regions),
        ],
    }


def _allow_all() -> dict[str, Any]:
    """The boundary's ceiling: everything. It grants nothing by itself; the role's own policies do."""
    return {"Sid": "AllowAll", "Effect": "Allow", "Action": "*", "Resource": "*"}


def _deny(sid: str, actions: Sequence[str], resource: str) -> dict[str, Any]:
    """One ``Deny`` statement cutting ``actions`` on ``resource`` out of the ceiling.

    A fresh list each time: callers may serialize or edit the document without touching the constants.
    """
    return {"Sid": sid, "Effect": "Deny", "Action": list(actions), "Resource": resource}


def _deny_other_regions(regions: Sequence[str]) -> dict[str, Any]:
    """Deny every regional action outside ``regions``.

    ``NotAction`` leaves the global services alone: AWS serves them from one region whatever
    the stack's regions are. Regions are deduplicated in the order given.
    """
    return {
        "Sid": "DenyOtherRegions",
        "Effect": "Deny",
        "NotAction": list(GLOBAL_ACTIONS),
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(dict.fromkeys(regions))}},
    }


def session_duration(seconds: int) -> str:
    """Seconds as the Go duration Deployments' OIDC ``duration`` takes: 7200 -> ``2h0m0s``."""
    if seconds <= 0:
        raise ValueError(f"session duration {seconds} must be positive")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s"


def session_name(stack: str) -> str:
    """The assume-role session name Deployments uses for ``stack``; shows up in CloudTrail."""
    return f"pulumi-deployments-{stack}"


def branch_ref(branch: str) -> str:
    """A branch name as the full ref DeploymentSettings expects: ``main`` -> ``refs/heads/main``."""
    if not branch or branch.startswith(("refs/", "/")) or branch.endswith("/") or ".." in branch:
        raise ValueError(f"branch {branch!r} must be a plain branch name such as 'main' or 'release'")
    return f"refs/heads/{branch}"


def path_filters(include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """DeploymentSettings ``paths``: include globs as given, then exclude globs prefixed with ``!``.

    Pulumi reads an unprefixed pattern as an include filter and a ``!`` pattern as an exclude
    filter; patterns are relative to the repository root, not to ``repoDir``.
    """
    for pattern in (*include, *exclude):
        if not pattern or pattern.startswith(("!", "/")) or pattern != pattern.strip():
            raise ValueError(f"path pattern {pattern!r} must be non-empty, without a leading '!' or '/'")
    overlap = sorted(set(include) & set(exclude))
    if overlap:
        raise ValueError(f"patterns both included and excluded: {', '.join(overlap)}")
    return [*include, *(f"!{pattern}" for pattern in exclude)]


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")  # zero or more whole directories
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts))


def glob_matches(pattern: str, path: str) -> bool:
    """Whether ``pattern`` matches the whole of ``path`` (``*`` within a directory, ``**`` across)."""
    return _glob_regex(pattern).fullmatch(path) is not None


def triggers_deployment(filters: Sequence[str], changed: Iterable[str]) -> bool:
    """Whether a push changing ``changed`` files passes ``filters``, as Pulumi documents it.

    A file counts when it matches an include filter (or there is none) and no exclude filter;
    a push deploys when at least one file counts. This models Pulumi's documented rules so
    that the committed filters can be tested; it is not Pulumi's implementation.
    """
    include = [f for f in filters if not f.startswith("!")]
    exclude = [f[1:] for f in filters if f.startswith("!")]
    for path in changed:
        included = not include or any(glob_matches(p, path) for p in include)
        if included and not any(glob_matches(p, path) for p in exclude):
            return True
    return False
