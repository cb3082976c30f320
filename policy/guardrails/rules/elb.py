"""ELB: HTTPS with a TLS 1.2+ policy (or a redirect to it), dropped invalid headers, deletion protection in prod."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import PROTECTED_ENVIRONMENTS, Rule, Subject, as_list, truthy

LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")

OLD_TLS_POLICIES = (
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-1-PQ-2025-09",
)
"""Predefined policies that still accept TLS 1.0 or 1.1. ``ELBSecurityPolicy-2016-08`` is what the API
picks when ``sslPolicy`` is omitted (AWS-FACTS.md), so an HTTPS listener must name its policy."""


def _https(r: Subject) -> Iterator[str]:
    protocol = r.get("protocol")
    if protocol in ("HTTPS", "TLS"):
        policy = r.get("sslPolicy")
        if not policy:
            yield f"{protocol} listener has no sslPolicy; the API default ELBSecurityPolicy-2016-08 accepts TLS 1.0"
        elif policy in OLD_TLS_POLICIES or "TLS-1-0" in policy or "TLS-1-1" in policy:
            yield f"sslPolicy {policy} accepts TLS below 1.2; use ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    elif protocol == "HTTP":
        for action in as_list(r.get("defaultActions")):
            redirect = action.get("redirect") if isinstance(action, Mapping) else None
            if (
                isinstance(action, Mapping)
                and action.get("type") == "redirect"
                and (redirect or {}).get("protocol") == "HTTPS"
            ):
                return
        yield f"HTTP listener on port {r.get('port')} serves traffic instead of redirecting to HTTPS"


def _application(r: Subject) -> bool:
    return bool(r.get("loadBalancerType", "application") == "application")


def _invalid_headers(r: Subject) -> Iterator[str]:
    if _application(r) and not truthy(r.get("dropInvalidHeaderFields")):
        yield "dropInvalidHeaderFields is not true; malformed headers would reach the targets"


def _deletion_protection(r: Subject) -> Iterator[str]:
    if r.environment in PROTECTED_ENVIRONMENTS and not truthy(r.get("enableDeletionProtection")):
        yield f"enableDeletionProtection is not true in environment {r.environment}"


def _multi_az(r: Subject) -> Iterator[str]:
    subnets = as_list(r.get("subnets")) or as_list(r.get("subnetMappings"))
    if len(subnets) < 2:
        yield f"spans {len(subnets)} subnet(s); expected subnets in at least two Availability Zones"


RULES = (
    Rule(
        id="elb-https-listeners",
        title="HTTPS/TLS listeners name a TLS 1.2+ policy; HTTP listeners only redirect to HTTPS.",
        resource_types=LISTENERS,
        check=_https,
        controls=("ELB.1", "ELB.17"),
        remediation="Set loadBalancer.certificateArn (HTTPS + redirect), or state plainHttpReason for a dev-only ALB.",
    ),
    Rule(
        id="elb-drop-invalid-headers",
        title="Application Load Balancers drop invalid HTTP header fields.",
        resource_types=LOAD_BALANCERS,
        check=_invalid_headers,
        controls=("ELB.4",),
        remediation="Set dropInvalidHeaderFields (ServiceLoadBalancer does).",
    ),
    Rule(
        id="elb-deletion-protection",
        title="Load balancers in prod have deletion protection.",
        resource_types=LOAD_BALANCERS,
        check=_deletion_protection,
        controls=("ELB.6",),
        remediation="Set enableDeletionProtection; the program does when environment is prod.",
    ),
    Rule(
        id="elb-multi-az",
        title="Load balancers span at least two Availability Zones.",
        resource_types=LOAD_BALANCERS,
        check=_multi_az,
        controls=("ELB.13",),
        remediation="Pass one subnet per Availability Zone (network.azCount >= 2).",
    ),
)
