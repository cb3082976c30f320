"""ELB: HTTPS with a TLS 1.2+ policy (or a redirect to it), dropped invalid headers, deletion protection in prod."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import PROTECTED_ENVIRONMENTS, Rule, Subject, as_list, number, truthy

LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")

RECOMMENDED_TLS = ("ELBSecurityPolicy-TLS13-1-2-", "ELBSecurityPolicy-TLS13-1-3-")
"""Security Hub ELB.17 accepts only the TLS 1.3 policy families (TLS 1.2 minimum or TLS 1.3 only),
including their Res, Ext, PQ and FIPS variants. ``ELBSecurityPolicy-2016-08`` is what the API picks
when ``sslPolicy`` is omitted (AWS-FACTS.md), so an HTTPS listener must name its policy."""


def _https(r: Subject) -> Iterator[str]:
    protocol = r.get("protocol")
    if protocol is None and r.get("port") is not None:
        protocol = "HTTP"  # the provider's default; only Gateway Load Balancer listeners have neither
    if protocol in ("HTTPS", "TLS"):
        policy = r.get("sslPolicy")
        if not policy:
            yield f"{protocol} listener has no sslPolicy; the API default ELBSecurityPolicy-2016-08 accepts TLS 1.0"
        elif not str(policy).startswith(RECOMMENDED_TLS):
            yield f"sslPolicy {policy} is not a TLS 1.3 policy family; use ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    elif protocol == "HTTP":
        for action in as_list(r.get("defaultActions")):
            redirect = action.get("redirect") if isinstance(action, Mapping) else None
            if (
                isinstance(action, Mapping)
                and action.get("type") == "redirect"
                and (redirect or {}).get("protocol") == "HTTPS"
            ):
                return
        yield f"HTTP listener on port {number(r.get('port'))} serves traffic instead of redirecting to HTTPS"


def _application(r: Subject) -> bool:
    return bool(r.get("loadBalancerType", "application") == "application")


def _invalid_headers(r: Subject) -> Iterator[str]:
    if _application(r) and not truthy(r.get("dropInvalidHeaderFields")):
        yield "dropInvalidHeaderFields is not true; malformed headers would reach the targets"


def _deletion_protection(r: Subject) -> Iterator[str]:
    if r.environment in PROTECTED_ENVIRONMENTS and not truthy(r.get("enableDeletionProtection")):
        yield f"enableDeletionProtection is not true in environment {r.environment}"


def _access_logs(r: Subject) -> Iterator[str]:
    if r.environment not in PROTECTED_ENVIRONMENTS or r.get("loadBalancerType", "application") == "gateway":
        return
    logs = r.get("accessLogs") or {}
    if not (isinstance(logs, Mapping) and truthy(logs.get("enabled")) and logs.get("bucket")):
        yield f"accessLogs are not enabled with a bucket in environment {r.environment}"


def _multi_az(r: Subject) -> Iterator[str]:
    subnets = as_list(r.get("subnets")) or as_list(r.get("subnetMappings"))
    if len(subnets) < 2:
        yield f"spans {len(subnets)} subnet(s); expected subnets in at least two Availability Zones"


RULES = (
    Rule(
        id="elb-https-listeners",
        title="HTTPS/TLS listeners name a TLS13-1-2 or TLS13-1-3 security policy; HTTP listeners only redirect to HTTPS.",
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
        id="elb-access-logs",
        title="Application and Network Load Balancers in prod write access logs to S3.",
        resource_types=LOAD_BALANCERS,
        check=_access_logs,
        controls=("ELB.5",),
        remediation="Leave ecs.accessLogs on in prod (the program's bucket), or set loadBalancer.accessLogsBucket.",
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
