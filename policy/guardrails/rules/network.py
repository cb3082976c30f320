"""Security groups: no ingress from the internet but 80/443 to public load balancers, narrow egress, described rules.

Egress to the internet (0.0.0.0/0, ::/0) opens one port at a time; everything else names its networks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Rule, Subject, as_list, truthy

GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")

OPEN = ("0.0.0.0/0", "::/0")
WEB_PORTS = (80, 443)


def _port(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _open_ingress(r: Subject) -> list[tuple[str, int, int, str]]:
    """(label, fromPort, toPort, protocol) of every ingress that admits 0.0.0.0/0 or ::/0."""
    found: list[tuple[str, int, int, str]] = []
    if r.type == GROUP:
        for index, rule in enumerate(as_list(r.get("ingress"))):
            if isinstance(rule, Mapping):
                cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))
                if any(c in OPEN for c in cidrs):
                    found.append(
                        (
                            f"ingress[{index}]",
                            _port(rule.get("fromPort"), 0),
                            _port(rule.get("toPort"), 65535),
                            str(rule.get("protocol")),
                        )
                    )
    elif r.type == INGRESS:
        if r.get("cidrIpv4") in OPEN or r.get("cidrIpv6") in OPEN:
            found.append(("rule", _port(r.get("fromPort"), 0), _port(r.get("toPort"), 65535), str(r.get("ipProtocol"))))
    elif r.type == LEGACY_RULE and r.get("type") == "ingress":
        cidrs = as_list(r.get("cidrBlocks")) + as_list(r.get("ipv6CidrBlocks"))
        if any(c in OPEN for c in cidrs):
            found.append(("rule", _port(r.get("fromPort"), 0), _port(r.get("toPort"), 65535), str(r.get("protocol"))))
    return found


def _public_lb_groups(r: Subject) -> set[str]:
    """URNs and ids of the security groups attached to internet-facing load balancers."""
    groups: set[str] = set()
    for lb in r.stack.of_type(*LOAD_BALANCERS) if r.stack else []:
        if truthy(lb.get("internal")):
            continue
        groups.update(d.urn for d in lb.depends_on("securityGroups"))
        groups.update(str(g) for g in as_list(lb.get("securityGroups")))
    return groups


def _open_to_world(r: Subject) -> Iterator[str]:
    openings = _open_ingress(r)
    if not openings:
        return
    if r.type == GROUP:
        attached_to = {r.urn}
    else:
        attached_to = {d.urn for d in r.depends_on("securityGroupId")} | {str(r.get("securityGroupId"))}
    public = bool(attached_to & _public_lb_groups(r))
    for label, low, high, protocol in openings:
        web = protocol in ("tcp", "6") and low == high and low in WEB_PORTS
        if not (web and public):
            where = "a public load balancer" if public else "a group no internet-facing load balancer uses"
            yield f"{label} admits the internet on {protocol} {low}-{high} to {where}; only 80/443 on public load balancers may"


ALL_PROTOCOLS = ("-1", "all")


def _wide(protocol: str, low: int, high: int) -> bool:
    """All protocols, or more than one port of one protocol: what egress to the internet must not allow."""
    return protocol.lower() in ALL_PROTOCOLS or low != high


def _open_egress(r: Subject) -> list[tuple[str, str, int, int]]:
    """(label, protocol, fromPort, toPort) of every egress to 0.0.0.0/0 or ::/0."""
    if r.type == GROUP:
        rules = [(f"egress[{i}]", e) for i, e in enumerate(as_list(r.get("egress"))) if isinstance(e, Mapping)]
    elif r.type == EGRESS:
        rules = [("rule", {**r.props, "cidrBlocks": r.get("cidrIpv4"), "ipv6CidrBlocks": r.get("cidrIpv6")})]
    elif r.type == LEGACY_RULE and r.get("type") == "egress":
        rules = [("rule", r.props)]
    else:
        rules = []
    return [
        (
            label,
            str(rule.get("protocol", rule.get("ipProtocol"))),
            _port(rule.get("fromPort"), 0),
            _port(rule.get("toPort"), 65535),
        )
        for label, rule in rules
        if any(c in OPEN for c in as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks")))
    ]


def _narrow_egress(r: Subject) -> Iterator[str]:
    for label, protocol, low, high in _open_egress(r):
        if _wide(protocol, low, high):
            what = "every protocol and port" if protocol.lower() in ALL_PROTOCOLS else f"{protocol} {low}-{high}"
            yield f"{label} lets {what} out to the whole internet; open single ports, or name the networks"


def _described(r: Subject) -> Iterator[str]:
    if r.type == GROUP:
        for kind in ("ingress", "egress"):
            for index, rule in enumerate(as_list(r.get(kind))):
                if isinstance(rule, Mapping) and not rule.get("description"):
                    yield f"{kind}[{index}] has no description"
    elif not r.get("description"):
        yield "the rule has no description; say who needs it and why"


RULES = (
    Rule(
        id="sg-no-open-ingress",
        title="No security group admits 0.0.0.0/0 or ::/0, except 80/443 on internet-facing load balancers.",
        resource_types=(GROUP, INGRESS, LEGACY_RULE),
        check=_open_to_world,
        controls=("EC2.18", "EC2.19", "EC2.53", "EC2.54"),
        remediation="Admit the load balancer's security group or a specific CIDR instead of the internet.",
        scope="stack",
    ),
    Rule(
        id="sg-no-open-egress",
        title="No security group lets all traffic, or a port range, out to 0.0.0.0/0 or ::/0.",
        resource_types=(GROUP, EGRESS, LEGACY_RULE),
        check=_narrow_egress,
        remediation="Allow single ports to the internet (443) and name networks or security groups for the rest; "
        "services add theirs under ecs.services[].egress, EKS nodes under eks.nodeEgress.",
    ),
    Rule(
        id="sg-rules-described",
        title="Every security group rule has a description.",
        resource_types=(GROUP, INGRESS, EGRESS, LEGACY_RULE),
        check=_described,
        remediation="Set description on the rule.",
    ),
)
