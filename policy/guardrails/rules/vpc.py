"""VPCs: every VPC has a flow log of all traffic, and its default security group is managed with no rules.

The program builds each VPC through ``awsx.ec2.Vpc`` (a remote component): the offline plan sees the
``awsx:ec2:Vpc`` registration, a real ``pulumi preview`` also its ``aws:ec2/vpc:Vpc`` child. Both are
checked. The flow log and the default security group take the VPC id from the component's output, so
their ``vpcId`` depends on the component; a child VPC counts as covered through its parent, which
awsx names the same (pulumi-awsx ``awsx/ec2/vpc.ts``: ``new aws.ec2.Vpc(name, ..., {parent: this})``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Rule, Subject, as_list

AWSX_VPC = "awsx:ec2:Vpc"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"

VPCS = (AWSX_VPC, VPC)


def _vpc_urns(r: Subject) -> set[str]:
    """The URNs a resource's ``vpcId`` may depend on to mean this VPC: its own, or its awsx parent's."""
    urns = {r.urn}
    if r.type == VPC and r.stack is not None:
        chain = r.urn.rsplit("::", 1)[0].rsplit("$", 1)[0]
        urns.update(p.urn for p in r.stack.of_type(AWSX_VPC) if p.name == r.name and p.urn.rsplit("::", 1)[0] == chain)
    return urns


def _attached(r: Subject, type_: str) -> list[Subject]:
    """Resources of ``type_`` whose ``vpcId`` was computed from this VPC."""
    urns = _vpc_urns(r)
    return [s for s in (r.stack.of_type(type_) if r.stack else []) if urns & {d.urn for d in s.depends_on("vpcId")}]


def _flow_logged(r: Subject) -> Iterator[str]:
    logs = _attached(r, FLOW_LOG)
    if not logs:
        yield "no aws:ec2/flowLog captures this VPC's traffic"
    elif not any(log.get("trafficType") == "ALL" for log in logs):
        kinds = ", ".join(sorted(str(log.get("trafficType")) for log in logs))
        yield f"its flow logs capture {kinds} traffic only; capture ALL (accepted traffic is what an investigation needs)"


def _default_group_closed(r: Subject) -> Iterator[str]:
    if r.type == DEFAULT_SG:
        for kind in ("ingress", "egress"):
            rules = as_list(r.get(kind))
            if rules:
                yield f"the default security group has {len(rules)} {kind} rule(s); it must have none"
    elif not _attached(r, DEFAULT_SG):
        yield "no aws:ec2/defaultSecurityGroup manages this VPC's default security group, which AWS opens to itself"


RULES = (
    Rule(
        id="vpc-flow-logs",
        title="Every VPC has a flow log that captures ALL traffic.",
        resource_types=VPCS,
        check=_flow_logged,
        controls=("EC2.6",),
        remediation="Keep network.flowLogs on (Network creates the flow log, its encrypted log group and role).",
        scope="stack",
    ),
    Rule(
        id="vpc-default-sg-closed",
        title="Every VPC's default security group is managed with no ingress and no egress rules.",
        resource_types=(*VPCS, DEFAULT_SG),
        check=_default_group_closed,
        controls=("EC2.2",),
        remediation="Adopt it with aws.ec2.DefaultSecurityGroup and no inline rules (Network does).",
        scope="stack",
    ),
)
