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


def deploy_subject(organization: str, project: str, stack: str) -> str:
    """The ``sub`` pattern of every Deployments operation on one stack.

    Pulumi's token subject is
    ``pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write``;
    the trailing ``*`` admits every operation (preview, update, refresh, destroy) on this
    stack and nothing on any other stack or project.
    """
    for label, value in (("organization", organization), ("project", project), ("stack", stack)):
        # StringLike treats * and ? as wildcards and : separates the claim's parts: either
        # would widen the trust beyond the one stack.
        if not _NO_WILDCARDS.match(value):
            raise ValueError(f"{label} {value!r} must be non-empty without '*', '?', ':' or spaces")
    return f"pulumi:deploy:org:{organization}:project:{project}:stack:{stack}:*"


def deploy_trust_policy(provider_arn: str, organization: str, project: str, stack: str) -> dict[str, Any]:
    """Trust policy of a deploy role: only Pulumi Deployments of ``organization/project/stack``.

    ``aud`` is the plain organization name (what Deployments puts in its tokens; ESC uses
    ``aws:<org>`` instead and is not trusted here). ``sub`` is matched with ``StringLike``
    against :func:`deploy_subject`.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PulumiDeployments",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{PULUMI_OIDC_HOST}:aud": organization},
                    "StringLike": {f"{PULUMI_OIDC_HOST}:sub": deploy_subject(organization, project, stack)},
                },
            }
        ],
    }


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
