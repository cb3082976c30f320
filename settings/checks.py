"""Cross-field rules over validated settings, each problem at the path of the value to change.

A check returns ``Problem`` objects instead of raising, so one run reports every problem.
Warnings are things that are valid but probably not what the user wants; the loader logs
them (``pulumi up`` shows them) and the offline plan prints them.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from settings.aws_tables import (
    AWS_REGIONS,
    EC2_TASK_CPU_RANGE,
    EKS_UNSUPPORTED_ZONE_IDS,
    EKS_VERSIONS,
    FARGATE_MEMORY_BY_CPU,
    PULL_THROUGH_UPSTREAMS,
    instance_architecture,
)
from settings.models import (
    AnywhereSettings,
    AutoscalingSettings,
    ContainerHealthCheckSettings,
    EcsSettings,
    EgressSettings,
    EksSettings,
    InstanceSettings,
    LoadBalancerSettings,
    NetworkSettings,
    RegistrySettings,
    ScheduleSettings,
    ServiceSettings,
    StackConfig,
    StepAdjustmentSettings,
    StepPolicySettings,
    StepScalingSettings,
)


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it is and what is expected."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


RFC1918_BLOCKS = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SHORT_IMAGE = re.compile(
    r"^(?P<repo>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
FULL_IMAGE = re.compile(
    r"^(?P<host>(?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?|localhost(?::\d+)?)/"
    r"(?P<repo>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
SECRET_ARN = re.compile(
    r"^arn:aws:(?:secretsmanager:(?P<sm_region>[a-z0-9-]+):\d{12}:secret:[\w/+=.@-]+(?::[^:]*:[^:]*:[^:]*)?"
    r"|ssm:(?P<ssm_region>[a-z0-9-]+):\d{12}:parameter/[\w/.-]+)$"
)
CRON = re.compile(r"^\S+ \S+ \S+ \S+ \S+ \S+$")
MAX_REPLICATION_FILTERS = 100
"""ECR accepts at most 100 repository filters in a replication rule."""
SECRET_LIKE_ENV = re.compile(
    r"(^|_)(PASSWORD|PASSWD|SECRET)(_|$)|(^|_)(TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY(_?ID)?|CREDENTIALS?)$|^ECS_ENGINE_AUTH_DATA$",
    re.IGNORECASE,
)
"""Names of credentials; the same pattern as the guardrail ecs-no-plaintext-secrets (a test keeps them equal)."""
AWS_ACCESS_KEY_VALUE = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")
"""An AWS access key id pasted as a value."""


def _duplicates(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dupes: list[str] = []
    for name in names:
        if name in seen and name not in dupes:
            dupes.append(name)
        seen.add(name)
    return dupes


def _unique(path: str, what: str, names: Sequence[str]) -> list[Problem]:
    return [Problem(path, f"{what} '{d}' appears more than once; names must be unique") for d in _duplicates(names)]


def _sizes(path: str, low: int, desired: int | None, high: int, names: tuple[str, str, str]) -> list[Problem]:
    lo, de, hi = names
    problems = []
    if low > high:
        problems.append(Problem(f"{path}.{lo}", f"{low} must not exceed {hi} ({high})"))
    if desired is not None and not low <= desired <= high:
        problems.append(Problem(f"{path}.{de}", f"{desired} must be between {lo} ({low}) and {hi} ({high})"))
    return problems


def check_region(path: str, region: str) -> list[Problem]:
    """A region name must be a real commercial AWS region."""
    if region in AWS_REGIONS:
        return []
    return [Problem(path, f"'{region}' is not an AWS region; expected one of {', '.join(sorted(AWS_REGIONS))}")]


# --------------------------------------------------------------------------- network


ZONE_ID = re.compile(r"^[a-z]{2,4}\d-az\d+$")
"""An Availability Zone id such as use1-az1 or apse2-az3 (not a zone name such as us-east-1a)."""


def _check_zone_ids(
    net: NetworkSettings, regions_in_use: Sequence[str] | None, eks_regions: Sequence[str]
) -> list[Problem]:
    problems: list[Problem] = []
    for region, zone_ids in net.zone_ids.items():
        path = f"network.zoneIds.{region}"
        if regions_in_use is not None and region not in regions_in_use:
            problems.append(Problem(path, f"region '{region}' is not in use (home region or eks.regions); remove it"))
            continue
        if len(zone_ids) != net.az_count:
            problems.append(
                Problem(
                    path,
                    f"lists {len(zone_ids)} zone ids but network.azCount is {net.az_count}; list exactly {net.az_count}",
                )
            )
        unsupported = EKS_UNSUPPORTED_ZONE_IDS.get(region, frozenset()) if region in eks_regions else frozenset()
        for i, zone_id in enumerate(zone_ids):
            if not ZONE_ID.match(zone_id):
                problems.append(
                    Problem(
                        f"{path}[{i}]",
                        f"'{zone_id}' is not an Availability Zone id; expected an id such as use1-az1 "
                        "(zone names such as us-east-1a differ between accounts)",
                    )
                )
            elif zone_id in zone_ids[:i]:
                problems.append(Problem(f"{path}[{i}]", f"'{zone_id}' is listed more than once; list each zone once"))
            elif zone_id in unsupported:
                problems.append(
                    Problem(
                        f"{path}[{i}]",
                        f"'{zone_id}' cannot hold EKS cluster subnets (CreateCluster fails with "
                        f"UnsupportedAvailabilityZoneException) and {region} runs EKS; pick another zone",
                    )
                )
    return problems


def _parse_cidr(path: str, cidr: str) -> ipaddress.IPv4Network | Problem:
    """The IPv4 network a CIDR names, or the problem that keeps it from being one."""
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError as err:
        return Problem(path, f"'{cidr}' is not a valid IPv4 CIDR ({err}); expected e.g. 10.10.0.0/16")
    if not isinstance(network, ipaddress.IPv4Network):
        return Problem(path, f"'{cidr}' is IPv6; expected an IPv4 CIDR such as 10.10.0.0/16")
    return network


def _check_vpc_cidr(
    path: str, cidr: str, network: ipaddress.IPv4Network, earlier: dict[str, ipaddress.IPv4Network]
) -> list[Problem]:
    """A VPC CIDR is private, /16 to /20, and overlaps none of the earlier regions' CIDRs."""
    problems: list[Problem] = []
    if not any(network.subnet_of(block) for block in RFC1918_BLOCKS):
        problems.append(
            Problem(
                path, f"'{cidr}' is not private; expected a CIDR inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
            )
        )
    if not 16 <= network.prefixlen <= 20:
        problems.append(
            Problem(
                path,
                f"'{cidr}' has prefix /{network.prefixlen}; expected /16 to /20 (room for public and private subnets in every AZ)",
            )
        )
    problems += [
        Problem(
            path,
            f"'{cidr}' overlaps network.cidrs.{other_region} ({other}); VPCs must not overlap so they can be peered",
        )
        for other_region, other in earlier.items()
        if network.overlaps(other)
    ]
    return problems


def _check_cidrs(net: NetworkSettings) -> list[Problem]:
    """Each ``network.cidrs`` key is a region and each value a valid, private, sized, non-overlapping CIDR."""
    problems: list[Problem] = []
    parsed: dict[str, ipaddress.IPv4Network] = {}
    for region, cidr in net.cidrs.items():
        path = f"network.cidrs.{region}"
        problems += check_region(path, region)
        network = _parse_cidr(path, cidr)
        if isinstance(network, Problem):
            problems.append(network)
            continue
        problems += _check_vpc_cidr(path, cidr, network, parsed)
        parsed[region] = network
    return problems


def _check_cidr_regions(net: NetworkSettings, regions_in_use: Sequence[str]) -> list[Problem]:
    """One CIDR for every region in use, and none for a region not in use."""
    missing = [
        Problem(
            "network.cidrs",
            f"no CIDR for region '{region}', which is in use; add e.g. '{region}: 10.x.0.0/16'",
        )
        for region in regions_in_use
        if region not in net.cidrs
    ]
    unused = [
        Problem(
            f"network.cidrs.{region}",
            f"region '{region}' is not in use (home region or eks.regions); remove it",
        )
        for region in net.cidrs
        if region not in regions_in_use
    ]
    return missing + unused


def check_network(
    net: NetworkSettings, regions_in_use: Sequence[str] | None, eks_regions: Sequence[str] = ()
) -> list[Problem]:
    """CIDRs valid, private, sized, non-overlapping, one per region in use; NAT vs endpoints; pinned zone ids."""
    problems = _check_cidrs(net)
    if regions_in_use is not None:
        problems += _check_cidr_regions(net, regions_in_use)
    if net.nat_gateways == "none" and not net.vpc_endpoints:
        problems.append(
            Problem(
                "network.natGateways",
                "'none' needs vpcEndpoints: true, otherwise private workloads cannot pull images or ship logs",
            )
        )
    problems += _check_zone_ids(net, regions_in_use, eks_regions)
    problems += _check_flow_logs(net)
    return problems


def _check_flow_logs(net: NetworkSettings) -> list[Problem]:
    """Turning flow logs off states its reason (the guardrail vpc-flow-logs needs one), and only then."""
    flow = net.flow_logs
    if not flow.enabled and flow.off_reason is None:
        return [
            Problem(
                "network.flowLogs.offReason",
                "required with enabled: false: say why the VPCs go without flow logs "
                "(the guardrail vpc-flow-logs needs a reason), or leave flow logs on",
            )
        ]
    if flow.enabled and flow.off_reason is not None:
        return [Problem("network.flowLogs.offReason", "applies only with enabled: false; remove it")]
    return []


# -------------------------------------------------------------------------- registry


def check_registry(reg: RegistrySettings, environment: str) -> list[Problem]:
    """Unique names, per-upstream credentials, and no force delete in prod."""
    problems = _unique("registry.repositories", "repository", [r.name for r in reg.repositories])
    problems += _unique("registry.public", "public repository", [r.name for r in reg.public])
    problems += _unique("registry.pullThroughCache", "prefix", [r.prefix for r in reg.pull_through_cache])
    problems += _unique("registry.pullAccounts", "account", list(reg.pull_accounts))
    problems += _unique("registry.pushPrincipals", "principal", list(reg.push_principals))
    for i, repo in enumerate(reg.repositories):
        problems += _unique(f"registry.repositories[{i}].keepTagPrefixes", "prefix", list(repo.keep_tag_prefixes))
    repo_roots = {r.name.split("/")[0] for r in reg.repositories}
    for i, rule in enumerate(reg.pull_through_cache):
        path = f"registry.pullThroughCache[{i}]"
        needs_credential = PULL_THROUGH_UPSTREAMS[rule.upstream]
        if needs_credential and rule.credential_arn is None:
            problems.append(
                Problem(
                    f"{path}.credentialArn",
                    f"required for upstream {rule.upstream}; expected a Secrets Manager ARN whose name starts with ecr-pullthroughcache/",
                )
            )
        if not needs_credential and rule.credential_arn is not None:
            problems.append(
                Problem(
                    f"{path}.credentialArn", f"upstream {rule.upstream} is public and takes no credential; remove it"
                )
            )
        if rule.prefix in repo_roots:
            problems.append(
                Problem(
                    f"{path}.prefix",
                    f"'{rule.prefix}' is also the first part of a repository name; pick a prefix no repository uses",
                )
            )
    if reg.force_delete and environment == "prod":
        problems.append(
            Problem(
                "registry.forceDelete",
                "must be false when environment is prod (destroying the stack would delete every image)",
            )
        )
    return problems


# ------------------------------------------------------------------------------- ecs


def _check_external(path: str, svc: ServiceSettings, ecs: EcsSettings) -> list[Problem]:
    problems: list[Problem] = []
    if ecs.anywhere is None:
        problems.append(
            Problem(f"{path}.launchType", "EXTERNAL needs ecs.anywhere (the activation that registers the servers)")
        )
    if svc.load_balancer is not None:
        problems.append(
            Problem(
                f"{path}.loadBalancer",
                "ECS Anywhere does not support load balancers; remove it or drop launchType EXTERNAL",
            )
        )
    if svc.volumes:
        problems.append(Problem(f"{path}.volumes", "ECS Anywhere does not support EFS volumes"))
    if svc.egress:
        problems.append(
            Problem(f"{path}.egress", "EXTERNAL tasks use the server's network and have no security group; remove it")
        )
    if svc.autoscaling is not None and svc.autoscaling.requests_per_target is not None:
        problems.append(
            Problem(
                f"{path}.autoscaling.requestsPerTarget", "needs a load balancer, which EXTERNAL services cannot have"
            )
        )
    return problems


def _check_anywhere(anywhere: AnywhereSettings, today: date) -> list[Problem]:
    try:
        expires = date.fromisoformat(anywhere.expiration_date)
    except ValueError:
        return [
            Problem("ecs.anywhere.expirationDate", f"'{anywhere.expiration_date}' is not a date; expected yyyy-mm-dd")
        ]
    # A past date is only a warning (see warnings_for): the activation already exists and the
    # servers it registered keep working; an error would block every later deploy of the stack.
    if expires - today > timedelta(days=30):
        return [
            Problem(
                "ecs.anywhere.expirationDate",
                f"{expires} is more than 30 days ahead; SSM activations last at most 30 days",
            )
        ]
    return []


def _scaling_mode(inst: InstanceSettings) -> list[Problem]:
    """Keys of one scaling mode are rejected in the other, so nobody believes they have an effect."""
    only = {
        "managed": (("targetCapacity", "target_capacity"),),
        "cpu": (("minSize", "min_size"), ("desiredSize", "desired_size"), ("cpuTarget", "cpu_target")),
    }
    return [
        Problem(
            f"ecs.instances.{key}",
            f"applies only to scaling: {mode}, and scaling is {inst.scaling}; remove it"
            + (" (managed scaling starts at 0 instances and sizes the group from the tasks)" if mode == "cpu" else ""),
        )
        for mode, keys in only.items()
        if mode != inst.scaling
        for key, name in keys
        if name in inst.model_fields_set
    ]


def _check_instances(inst: InstanceSettings) -> list[Problem]:
    """The EC2 capacity of ``ecs.instances``: scaling-mode keys, sizes, and instance types of one architecture."""
    problems = _scaling_mode(inst)
    problems += _sizes(
        "ecs.instances", inst.min_size, inst.desired_size, inst.max_size, ("minSize", "desiredSize", "maxSize")
    )
    problems += _unique("ecs.instances.instanceTypes", "instance type", list(inst.instance_types))
    for i, itype in enumerate(inst.instance_types):
        arch = instance_architecture(itype)
        if arch != inst.architecture:
            problems.append(
                Problem(
                    f"ecs.instances.instanceTypes[{i}]",
                    f"{itype} is an {arch} type but ecs.instances.architecture is {inst.architecture}; use types of one architecture",
                )
            )
    return problems


def _check_launch_type_keys(ecs: EcsSettings) -> list[Problem]:
    """Fargate keys are rejected with launchType EC2; ``ecs.instances`` is required with EC2 and rejected otherwise."""
    if ecs.launch_type != "EC2":
        if ecs.instances is None:
            return []
        return [Problem("ecs.instances", "applies only to launchType EC2; remove it (launchType is FARGATE)")]
    problems = [
        Problem(f"ecs.{key}", "applies only to launchType FARGATE; remove it (launchType is EC2)")
        for key, field in (
            ("fargateSpotWeight", "fargate_spot_weight"),
            ("fargateOnDemandBase", "fargate_on_demand_base"),
        )
        if field in ecs.model_fields_set
    ]
    if ecs.instances is None:
        problems.append(Problem("ecs.instances", "required when launchType is EC2: instanceTypes, minSize, maxSize"))
    else:
        problems += _check_instances(ecs.instances)
    return problems


def _check_ecs_service(
    path: str, svc: ServiceSettings, ecs: EcsSettings, home_region: str, repositories: Sequence[str]
) -> list[Problem]:
    """One entry of ``ecs.services``, including the keys that depend on its launch type and the cluster."""
    problems: list[Problem] = []
    if svc.launch_type == "EXTERNAL":
        problems += _check_external(path, svc, ecs)
    elif svc.network_mode is not None:
        problems.append(
            Problem(f"{path}.networkMode", "applies only to launchType EXTERNAL; other services use awsvpc")
        )
    launch = "EC2" if svc.launch_type == "EXTERNAL" else ecs.launch_type
    problems += _check_service(path, svc, launch, home_region, repositories)
    if svc.volumes and not ecs.shared_file_system and svc.launch_type != "EXTERNAL":
        problems.append(
            Problem(f"{path}.volumes", "needs ecs.sharedFileSystem: true (the file system the volumes live on)")
        )
    return problems


def check_ecs(ecs: EcsSettings, *, home_region: str, repositories: Sequence[str], today: date) -> list[Problem]:
    """Launch-type exclusive keys, task sizes, images, secrets, load balancers, scaling."""
    problems = _check_launch_type_keys(ecs)
    problems += _unique("ecs.services", "service", [s.name for s in ecs.services])
    for i, svc in enumerate(ecs.services):
        problems += _check_ecs_service(f"ecs.services[{i}]", svc, ecs, home_region, repositories)
    if ecs.anywhere is not None:
        problems += _check_anywhere(ecs.anywhere, today)
    return problems


def _check_fargate_size(path: str, svc: ServiceSettings) -> list[Problem]:
    """The task size (cpu and memory) is one that Fargate offers."""
    if svc.cpu not in FARGATE_MEMORY_BY_CPU:
        allowed = ", ".join(str(c) for c in FARGATE_MEMORY_BY_CPU)
        return [Problem(f"{path}.cpu", f"{svc.cpu} is not a Fargate CPU size; expected one of {allowed}")]
    if svc.memory not in FARGATE_MEMORY_BY_CPU[svc.cpu]:
        allowed = ", ".join(str(m) for m in FARGATE_MEMORY_BY_CPU[svc.cpu])
        return [
            Problem(
                f"{path}.memory",
                f"{svc.memory} MiB is not valid on Fargate with cpu {svc.cpu}; expected one of {allowed}",
            )
        ]
    return []


def _check_ec2_size(path: str, svc: ServiceSettings) -> list[Problem]:
    """The task size (cpu and memory) lies within the range of an ECS task on EC2 (or ECS Anywhere)."""
    problems: list[Problem] = []
    low, high = EC2_TASK_CPU_RANGE
    if not low <= svc.cpu <= high:
        problems.append(
            Problem(f"{path}.cpu", f"{svc.cpu} is outside the EC2 task range; expected {low} to {high} CPU units")
        )
    if not 128 <= svc.memory <= 1_572_864:
        problems.append(
            Problem(f"{path}.memory", f"{svc.memory} MiB is outside the EC2 task range; expected 128 to 1572864 MiB")
        )
    return problems


def _check_secrets(path: str, svc: ServiceSettings, home_region: str) -> list[Problem]:
    """Each secret is a Secrets Manager or SSM parameter ARN in the region the tasks run in."""
    problems: list[Problem] = []
    for env_name, arn in svc.secrets.items():
        match = SECRET_ARN.match(arn)
        if match is None:
            problems.append(
                Problem(
                    f"{path}.secrets.{env_name}", f"'{arn}' is not a Secrets Manager secret ARN or SSM parameter ARN"
                )
            )
            continue
        region = match.group("sm_region") or match.group("ssm_region")
        if region != home_region:
            problems.append(
                Problem(
                    f"{path}.secrets.{env_name}",
                    f"the secret is in {region} but services run in {home_region}; ECS reads secrets from the task's region",
                )
            )
    return problems


def _check_environment(path: str, svc: ServiceSettings) -> list[Problem]:
    """Plain environment variables neither repeat a secret nor look like a credential."""
    problems: list[Problem] = []
    for env_name, value in svc.environment.items():
        if env_name in svc.secrets:
            problems.append(Problem(f"{path}.environment.{env_name}", "is also set in secrets; define it in one place"))
        elif SECRET_LIKE_ENV.search(env_name) or AWS_ACCESS_KEY_VALUE.match(value):
            problems.append(
                Problem(
                    f"{path}.environment.{env_name}",
                    "looks like a credential; move it to secrets (a Secrets Manager or SSM ARN): plain environment "
                    "is readable in the task definition (guardrail ecs-no-plaintext-secrets)",
                )
            )
    return problems


def _check_load_balancer_type(path: str, lb: LoadBalancerSettings) -> list[Problem]:
    """Keys that apply only to an application or only to a network load balancer, and PrivateLink."""
    problems: list[Problem] = []
    if lb.type == "network" and lb.health_check_path is not None:
        problems.append(
            Problem(
                f"{path}.loadBalancer.healthCheckPath",
                "applies only to type application; network load balancers check TCP",
            )
        )
    if lb.private_link_principals and not lb.private_link:
        problems.append(Problem(f"{path}.loadBalancer.privateLinkPrincipals", "needs privateLink: true"))
    if lb.private_link and lb.public:
        problems.append(
            Problem(f"{path}.loadBalancer.privateLink", "needs an internal load balancer; set public: false")
        )
    if lb.type == "application" and lb.private_link:
        problems.append(
            Problem(
                f"{path}.loadBalancer.privateLink",
                "applies only to type network (PrivateLink endpoint services front NLBs)",
            )
        )
    return problems


def _check_load_balancer_tls(path: str, lb: LoadBalancerSettings, home_region: str) -> list[Problem]:
    """An ALB has a certificate in its own region, or a stated reason for serving plain HTTP."""
    problems: list[Problem] = []
    if lb.type == "application" and lb.certificate_arn is None and lb.plain_http_reason is None:
        problems.append(
            Problem(
                f"{path}.loadBalancer.certificateArn",
                "an ALB without a certificate serves plain HTTP, which the guardrail elb-https-listeners "
                "rejects; set certificateArn, or state why plain HTTP is acceptable in plainHttpReason",
            )
        )
    if lb.plain_http_reason is not None and (lb.type != "application" or lb.certificate_arn is not None):
        problems.append(
            Problem(
                f"{path}.loadBalancer.plainHttpReason",
                "applies only to an ALB without certificateArn (there is no plain HTTP listener to justify); remove it",
            )
        )
    if lb.certificate_arn is not None:
        cert_region = lb.certificate_arn.split(":")[3]
        if cert_region != home_region:
            problems.append(
                Problem(
                    f"{path}.loadBalancer.certificateArn",
                    f"the certificate is in {cert_region}; a load balancer needs an ACM certificate in its own region ({home_region})",
                )
            )
    return problems


def _check_load_balancer(path: str, svc: ServiceSettings, lb: LoadBalancerSettings, home_region: str) -> list[Problem]:
    """A service's load balancer: the container port it targets, its type's keys, and TLS."""
    problems: list[Problem] = []
    if svc.port is None:
        problems.append(Problem(f"{path}.port", "required with a loadBalancer: the container port traffic is sent to"))
    problems += _check_load_balancer_type(path, lb)
    problems += _check_load_balancer_tls(path, lb, home_region)
    return problems


def _check_guardrail_reasons(path: str, svc: ServiceSettings) -> list[Problem]:
    """A writable root filesystem or host networking states its reason, and a reason needs its exception."""
    problems: list[Problem] = []
    if not svc.read_only_root_filesystem and svc.writable_root_filesystem_reason is None:
        problems.append(
            Problem(
                f"{path}.writableRootFilesystemReason",
                "required when readOnlyRootFilesystem is false: say why the container must write outside /tmp "
                "and its volumes (the guardrail ecs-readonly-root-filesystem needs a reason)",
            )
        )
    if svc.network_mode == "host" and svc.host_network_reason is None:
        problems.append(
            Problem(
                f"{path}.hostNetworkReason",
                "required with networkMode host: say why the tasks need the server's network namespace "
                "(the guardrail ecs-no-host-namespaces needs a reason), or use bridge",
            )
        )
    if svc.network_mode != "host" and svc.host_network_reason is not None:
        problems.append(Problem(f"{path}.hostNetworkReason", "applies only with networkMode: host; remove it"))
    if svc.read_only_root_filesystem and svc.writable_root_filesystem_reason is not None:
        problems.append(
            Problem(
                f"{path}.writableRootFilesystemReason",
                "applies only with readOnlyRootFilesystem: false; remove it",
            )
        )
    return problems


MAX_POSIX_ID = 2**32 - 2
"""The largest uid/gid Linux accepts (2^32 - 1 is reserved as "no id")."""


def _check_user(path: str, svc: ServiceSettings) -> list[Problem]:
    """A numeric user within Linux's range; UID 0 (root) states its reason, and a reason needs root."""
    if svc.user is None:
        if svc.run_as_root_reason is not None:
            return [Problem(f"{path}.runAsRootReason", 'applies only with user "0:<gid>" (root); remove it')]
        return []
    uid, gid = (int(part) for part in svc.user.split(":"))
    problems = [
        Problem(f"{path}.user", f"'{svc.user}': ids go up to {MAX_POSIX_ID}")
        for value in (uid, gid)
        if value > MAX_POSIX_ID
    ][:1]
    if uid == 0 and svc.run_as_root_reason is None:
        problems.append(
            Problem(
                f"{path}.runAsRootReason",
                'required with user "0:..." (root): say why the container must run as root (the guardrail '
                "ecs-non-root-user needs a reason), or run it as a non-root UID:GID",
            )
        )
    if uid != 0 and svc.run_as_root_reason is not None:
        problems.append(Problem(f"{path}.runAsRootReason", 'applies only with user "0:<gid>" (root); remove it'))
    return problems


OPEN_CIDRS = ("0.0.0.0/0", "::/0")
"""Destinations that mean "the whole internet"; an egress rule to them opens one port at a time."""


def _check_egress_entry(path: str, entry: EgressSettings) -> list[Problem]:
    """One extra egress rule: a destination, valid networks, an ordered range, one port to the internet."""
    problems: list[Problem] = []
    if not entry.cidrs and not entry.prefix_list_ids:
        problems.append(Problem(path, "needs a destination: cidrs or prefixListIds"))
    for i, cidr in enumerate(entry.cidrs):
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            problems.append(Problem(f"{path}.cidrs[{i}]", f"'{cidr}' is not a network address such as 10.30.0.0/16"))
    to_port = entry.to_port if entry.to_port is not None else entry.port
    if to_port < entry.port:
        problems.append(Problem(f"{path}.toPort", f"{to_port} must not be below port ({entry.port})"))
    elif to_port != entry.port and any(c in OPEN_CIDRS for c in entry.cidrs):
        problems.append(
            Problem(
                f"{path}.toPort",
                "a range to the whole internet (0.0.0.0/0 or ::/0) is refused (guardrail sg-no-open-egress); "
                "open single ports, or name narrower networks",
            )
        )
    return problems


def check_egress(path: str, entries: Sequence[EgressSettings]) -> list[Problem]:
    """Extra egress rules of a service or of the EKS nodes: unique names, each rule valid."""
    problems = _unique(path, "egress rule", [e.name for e in entries])
    for i, entry in enumerate(entries):
        problems += _check_egress_entry(f"{path}[{i}]", entry)
    return problems


def _check_health_check(path: str, check: ContainerHealthCheckSettings) -> list[Problem]:
    """A container health check runs CMD or CMD-SHELL and times out before the next check starts."""
    problems: list[Problem] = []
    if check.command[0] not in ("CMD", "CMD-SHELL"):
        problems.append(Problem(f"{path}.command[0]", f"'{check.command[0]}': expected CMD or CMD-SHELL"))
    if check.timeout >= check.interval:
        problems.append(Problem(f"{path}.timeout", f"{check.timeout} must be below interval ({check.interval})"))
    return problems


def _check_root_filesystem(path: str, svc: ServiceSettings) -> list[Problem]:
    """What a read-only root filesystem rules out: ECS Exec, and an EFS volume over /tmp."""
    problems: list[Problem] = []
    if svc.enable_execute_command and svc.read_only_root_filesystem:
        problems.append(
            Problem(
                f"{path}.enableExecuteCommand",
                "ECS Exec needs a writable root filesystem for its agent; set readOnlyRootFilesystem: false too",
            )
        )
    if svc.read_only_root_filesystem and any(v.efs == "/tmp" for v in svc.volumes):
        problems.append(
            Problem(f"{path}.volumes", "/tmp is the scratch volume of a read-only root filesystem; mount EFS elsewhere")
        )
    return problems


def _check_task_policy(path: str, svc: ServiceSettings) -> list[Problem]:
    """The task role's statements list actions, not a whole service's ``service:*``."""
    return [
        Problem(
            f"{path}.taskPolicy[{i}].actions[{j}]",
            f"'{action}' grants every action of the service; list the actions the task needs",
        )
        for i, statement in enumerate(svc.task_policy)
        for j, action in enumerate(statement.actions)
        if action.endswith(":*")
    ]


def _check_service(
    path: str, svc: ServiceSettings, launch_type: str, home_region: str, repositories: Sequence[str]
) -> list[Problem]:
    """One service's task size, image, secrets, load balancer, guardrail exceptions, scaling and task policy."""
    problems = _check_fargate_size(path, svc) if launch_type == "FARGATE" else _check_ec2_size(path, svc)
    problems += _check_image(f"{path}.image", svc.image, repositories)
    problems += _check_secrets(path, svc, home_region)
    problems += _check_environment(path, svc)
    if svc.load_balancer is not None:
        problems += _check_load_balancer(path, svc, svc.load_balancer, home_region)
    problems += _check_guardrail_reasons(path, svc)
    problems += _check_user(path, svc)
    problems += check_egress(f"{path}.egress", svc.egress)
    if svc.health_check is not None:
        problems += _check_health_check(f"{path}.healthCheck", svc.health_check)
    problems += _check_root_filesystem(path, svc)
    if svc.autoscaling is not None:
        problems += _check_autoscaling(f"{path}.autoscaling", svc.autoscaling, svc)
    problems += _check_task_policy(path, svc)
    return problems


def _check_image(path: str, image: str, repositories: Sequence[str]) -> list[Problem]:
    # Like Docker: the first segment is a registry host when it has a dot or a port, or is localhost.
    first = image.split("/")[0]
    is_uri = "/" in image and ("." in first or ":" in first or first == "localhost")
    full = FULL_IMAGE.match(image) if is_uri else None
    match = full or SHORT_IMAGE.match(image)
    if match is None:
        return [
            Problem(
                path,
                f"'{image}' is not an image reference; expected repo:tag (shared registry) or a full URI such as public.ecr.aws/nginx/nginx:1.27",
            )
        ]
    if match.group("tag") is None and match.group("digest") is None:
        return [Problem(path, f"'{image}' has no tag; pin a version tag or an @sha256 digest")]
    if match.group("tag") == "latest":
        return [Problem(path, f"'{image}' uses the mutable 'latest' tag; pin a version tag or an @sha256 digest")]
    if full is None and match.group("repo") not in repositories:
        known = ", ".join(repositories) or "none configured"
        return [
            Problem(
                path,
                f"repository '{match.group('repo')}' is not in registry.repositories ({known}); add it there, or write a full image URI for an image from elsewhere",
            )
        ]
    return []


def _check_step_direction(spath: str, step: StepAdjustmentSettings, direction: str) -> list[Problem]:
    """A scale-out step adds tasks above the threshold; a scale-in step removes tasks below it."""
    problems: list[Problem] = []
    if direction == "out":
        if step.change <= 0:
            problems.append(
                Problem(f"{spath}.change", f"{step.change}: scale-out steps add tasks; expected a positive number")
            )
        if step.lower_bound is None or step.lower_bound < 0:
            problems.append(
                Problem(
                    f"{spath}.lowerBound",
                    "scale-out steps start at or above the threshold; expected lowerBound >= 0",
                )
            )
        return problems
    if step.change >= 0:
        problems.append(
            Problem(f"{spath}.change", f"{step.change}: scale-in steps remove tasks; expected a negative number")
        )
    if step.upper_bound is None or step.upper_bound > 0:
        problems.append(
            Problem(f"{spath}.upperBound", "scale-in steps end at or below the threshold; expected upperBound <= 0")
        )
    return problems


def _check_step(spath: str, step: StepAdjustmentSettings, direction: str) -> list[Problem]:
    """One step adjustment has ordered bounds on the right side of the threshold and a change of the right sign."""
    problems: list[Problem] = []
    if step.lower_bound is None and step.upper_bound is None:
        problems.append(Problem(spath, "needs lowerBound or upperBound"))
    if step.lower_bound is not None and step.upper_bound is not None and step.lower_bound >= step.upper_bound:
        problems.append(
            Problem(spath, f"lowerBound ({step.lower_bound}) must be below upperBound ({step.upper_bound})")
        )
    problems += _check_step_direction(spath, step, direction)
    return problems


def _check_step_tiling(path: str, steps: Sequence[StepAdjustmentSettings], direction: str) -> list[Problem]:
    """Valid steps tile the range beyond the threshold without gaps or overlaps, with one open end."""
    # Scale-in steps lie below the threshold; mirror them so one walk checks both.
    out = direction == "out"
    sign = 1 if out else -1
    start_key, end_key = ("lowerBound", "upperBound") if out else ("upperBound", "lowerBound")
    intervals = sorted(
        (
            (step.lower_bound, step.upper_bound)
            if out
            else (-(step.upper_bound or 0), None if step.lower_bound is None else -step.lower_bound)
            for step in steps
        ),
        key=lambda interval: interval[0] or 0,
    )
    label = "scale-out" if out else "scale-in"
    problems: list[Problem] = []
    if intervals[0][0] != 0:
        problems.append(Problem(f"{path}.steps", f"the first {label} step must have {start_key} 0 (the threshold)"))
    for (_, a_end), (b_start, _) in itertools.pairwise(intervals):
        if a_end != b_start:
            shown_end = None if a_end is None else sign * a_end
            shown_start = None if b_start is None else sign * b_start
            problems.append(
                Problem(
                    f"{path}.steps",
                    f"steps must be contiguous: a step has {end_key} {shown_end} but the next has {start_key} {shown_start}",
                )
            )
    if intervals[-1][1] is not None:
        problems.append(Problem(f"{path}.steps", f"the last {label} step must have no {end_key} (open-ended)"))
    return problems


def _check_steps(path: str, policy: StepPolicySettings, direction: str) -> list[Problem]:
    """A step policy's steps, each on its own and then (when each is valid) together."""
    problems = [
        problem for i, step in enumerate(policy.steps) for problem in _check_step(f"{path}.steps[{i}]", step, direction)
    ]
    return problems or _check_step_tiling(path, policy.steps, direction)


def _check_scaling_bounds(path: str, auto: AutoscalingSettings, svc: ServiceSettings) -> list[Problem]:
    """minCount, maxCount and desiredCount are ordered, and requestsPerTarget has an ALB to count."""
    problems: list[Problem] = []
    if auto.min_count > auto.max_count:
        problems.append(Problem(f"{path}.minCount", f"{auto.min_count} must not exceed maxCount ({auto.max_count})"))
    elif not auto.min_count <= svc.desired_count <= auto.max_count:
        problems.append(
            Problem(
                path.rsplit(".", 1)[0] + ".desiredCount",
                f"{svc.desired_count} must be between autoscaling.minCount ({auto.min_count}) and maxCount ({auto.max_count})",
            )
        )
    if auto.requests_per_target is not None and (svc.load_balancer is None or svc.load_balancer.type != "application"):
        problems.append(
            Problem(
                f"{path}.requestsPerTarget",
                "needs loadBalancer.type application (the metric is ALBRequestCountPerTarget)",
            )
        )
    return problems


def _check_step_scaling(spath: str, step: StepScalingSettings) -> list[Problem]:
    """The alarm period, both step policies, and thresholds that keep the two alarms apart."""
    problems: list[Problem] = []
    if step.period not in (10, 30) and step.period % 60:
        problems.append(Problem(f"{spath}.period", f"{step.period}: expected 10, 30 or a multiple of 60 seconds"))
    if step.scale_out is None and step.scale_in is None:
        problems.append(Problem(spath, "needs scaleOut, scaleIn or both"))
    if step.scale_out is not None:
        problems += _check_steps(f"{spath}.scaleOut", step.scale_out, "out")
    if step.scale_in is not None:
        problems += _check_steps(f"{spath}.scaleIn", step.scale_in, "in")
    if step.scale_out is not None and step.scale_in is not None and step.scale_in.threshold >= step.scale_out.threshold:
        problems.append(
            Problem(
                f"{spath}.scaleIn.threshold",
                f"{step.scale_in.threshold} must be below scaleOut.threshold ({step.scale_out.threshold}) or the alarms fight",
            )
        )
    return problems


def _check_schedule(spath: str, sched: ScheduleSettings) -> list[Problem]:
    """A scheduled action has one valid timing, a count to set, ordered counts and a real time zone."""
    problems: list[Problem] = []
    if (sched.cron is None) == (sched.at is None):
        problems.append(Problem(spath, "set exactly one of cron (recurring) and at (one time)"))
    elif sched.cron is not None and not CRON.match(sched.cron):
        problems.append(
            Problem(
                f"{spath}.cron",
                f"'{sched.cron}' is not an AWS cron expression; expected 6 fields: minutes hours day-of-month month day-of-week year, e.g. '0 8 ? * MON-FRI *'",
            )
        )
    if sched.min_count is None and sched.max_count is None:
        problems.append(Problem(spath, "sets neither minCount nor maxCount"))
    if sched.min_count is not None and sched.max_count is not None and sched.min_count > sched.max_count:
        problems.append(Problem(f"{spath}.minCount", f"{sched.min_count} must not exceed maxCount ({sched.max_count})"))
    try:
        zoneinfo.ZoneInfo(sched.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                f"{spath}.timezone",
                f"'{sched.timezone}' is not an IANA time zone; expected e.g. UTC or Europe/Berlin",
            )
        )
    return problems


def _check_autoscaling(path: str, auto: AutoscalingSettings, svc: ServiceSettings) -> list[Problem]:
    """A service's autoscaling: counts, at least one policy, step scaling and schedules."""
    problems = _check_scaling_bounds(path, auto, svc)
    has_policy = (
        any(v is not None for v in (auto.cpu_target, auto.memory_target, auto.requests_per_target, auto.step_scaling))
        or auto.schedules
    )
    if not has_policy:
        problems.append(
            Problem(path, "sets no policy; add cpuTarget, memoryTarget, requestsPerTarget, stepScaling or schedules")
        )
    if auto.step_scaling is not None:
        problems += _check_step_scaling(f"{path}.stepScaling", auto.step_scaling)
    problems += _unique(f"{path}.schedules", "schedule", [s.name for s in auto.schedules])
    for i, sched in enumerate(auto.schedules):
        problems += _check_schedule(f"{path}.schedules[{i}]", sched)
    return problems


# ------------------------------------------------------------------------------- eks


def _check_endpoint_cidrs(eks: EksSettings) -> list[Problem]:
    """Each public API endpoint CIDR is valid and narrower than the whole internet."""
    problems: list[Problem] = []
    for i, cidr in enumerate(eks.endpoint_public_access_cidrs):
        path = f"eks.endpointPublicAccessCidrs[{i}]"
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as err:
            problems.append(Problem(path, f"'{cidr}' is not a valid CIDR ({err}); expected e.g. 203.0.113.0/24"))
            continue
        if network.prefixlen == 0:
            problems.append(
                Problem(path, f"'{cidr}' opens the API endpoint to the whole internet; list the networks that need it")
            )
    return problems


def _check_admin_roles(eks: EksSettings) -> list[Problem]:
    """The break-glass role is not also an admin role, and no two admin roles share a name."""
    if eks.break_glass_role_arn is not None and eks.break_glass_role_arn in eks.admin_role_arns:
        return [
            Problem(
                "eks.breakGlassRoleArn",
                "is also listed in eks.adminRoleArns; an IAM principal can be in only one access entry, so list it once",
            )
        ]
    admins = [*eks.admin_role_arns, *([eks.break_glass_role_arn] if eks.break_glass_role_arn else [])]
    names = [arn.rsplit("/", 1)[-1].lower() for arn in admins]
    return [
        Problem(
            "eks.adminRoleArns",
            f"two admin roles are named '{name}'; access entries are named after the role, so rename one",
        )
        for name in _duplicates(names)
    ]


def _check_node_group_sizes(eks: EksSettings) -> list[Problem]:
    """Node group sizes are ordered; managed groups list unique instance types matching their AMI architecture."""
    problems: list[Problem] = []
    for i, group in enumerate(eks.node_groups):
        path = f"eks.nodeGroups[{i}]"
        problems += _sizes(
            path, group.min_size, group.desired_size, group.max_size, ("minSize", "desiredSize", "maxSize")
        )
        if group.kind != "managed":
            continue
        problems += _unique(f"{path}.instanceTypes", "instance type", list(group.instance_types))
        ami_arch = "arm64" if "ARM" in group.ami_type else "x86_64"
        problems += [
            Problem(
                f"{path}.instanceTypes[{j}]",
                f"{itype} does not run amiType {group.ami_type} ({ami_arch}); use types of that architecture",
            )
            for j, itype in enumerate(group.instance_types)
            if instance_architecture(itype) != ami_arch
        ]
    return problems


def check_eks(eks: EksSettings) -> list[Problem]:
    """Version, regions, endpoint CIDRs, unique names and node group sizes."""
    problems: list[Problem] = []
    if eks.version not in EKS_VERSIONS:
        problems.append(
            Problem(
                "eks.version",
                f"'{eks.version}' is not offered; expected one of {', '.join(EKS_VERSIONS)} (versions in standard support)",
            )
        )
    for i, region in enumerate(eks.regions):
        problems += check_region(f"eks.regions[{i}]", region)
    problems += _unique("eks.regions", "region", list(eks.regions))
    problems += _check_endpoint_cidrs(eks)
    problems += _unique("eks.nodeGroups", "node group", [g.name for g in eks.node_groups])
    problems += _unique("eks.fargateProfiles", "Fargate profile", [p.name for p in eks.fargate_profiles])
    problems += _unique("eks.adminRoleArns", "role", list(eks.admin_role_arns))
    problems += _check_admin_roles(eks)
    problems += _check_eks_versions(eks)
    problems += _check_self_managed(eks)
    problems += _check_node_group_sizes(eks)
    problems += check_egress("eks.nodeEgress", eks.node_egress)
    for i, profile in enumerate(eks.fargate_profiles):
        problems += _unique(f"eks.fargateProfiles[{i}].namespaces", "namespace", list(profile.namespaces))
    return problems


MIN_INSIGHTS_VERSION = (4, 6, 0)
"""amazon-cloudwatch-observability from which Container Insights host logs work on AL2023 nodes."""


def _version_tuple(version: str) -> tuple[int, ...]:
    """``v4.6.0-eksbuild.1`` -> ``(4, 6, 0)``."""
    return tuple(int(part) for part in version.removeprefix("v").split("-")[0].split("."))


def required_addons(eks: EksSettings) -> tuple[str, ...]:
    """The EKS add-ons a stack installs, in install order; each needs a pin in ``eks.versions.addons``."""
    wanted = {
        "vpc-cni": True,
        "kube-proxy": True,
        "eks-pod-identity-agent": True,
        "coredns": True,
        "aws-ebs-csi-driver": eks.storage.ebs,
        "aws-efs-csi-driver": eks.storage.efs,
        "aws-fsx-csi-driver": eks.storage.fsx_lustre,
        "amazon-cloudwatch-observability": eks.container_insights,
        "netapp_trident-operator": eks.storage.fsx_ontap,
    }
    return tuple(name for name, on in wanted.items() if on)


def _check_eks_versions(eks: EksSettings) -> list[Problem]:
    pins = eks.versions
    problems = [
        Problem(
            "eks.versions.addons",
            f"no version for {name}, which this stack installs; add `{name}: <version>` "
            "(make eks-versions prints the newest for the stack's Kubernetes version)",
        )
        for name in required_addons(eks)
        if name not in pins.addons
    ]
    release_minor = ".".join(pins.ami_release_version.split(".")[:2])
    if release_minor != eks.version:
        problems.append(
            Problem(
                "eks.versions.amiReleaseVersion",
                f"{pins.ami_release_version} is an AMI release for Kubernetes {release_minor}, but eks.version is "
                f"{eks.version}; pin a {eks.version} release (make eks-versions)",
            )
        )
    ca_minor = ".".join(pins.cluster_autoscaler.removeprefix("v").split(".")[:2])
    if ca_minor != eks.version:
        problems.append(
            Problem(
                "eks.versions.clusterAutoscaler",
                f"{pins.cluster_autoscaler} is for Kubernetes {ca_minor}; the cluster-autoscaler minor must equal "
                f"eks.version ({eks.version}), e.g. v{eks.version}.0",
            )
        )
    insights = pins.addons.get("amazon-cloudwatch-observability")
    if eks.container_insights and insights is not None and _version_tuple(insights) < MIN_INSIGHTS_VERSION:
        problems.append(
            Problem(
                "eks.versions.addons.amazon-cloudwatch-observability",
                f"{insights} reads host logs from rsyslog files that Amazon Linux 2023 nodes do not have; "
                "v4.6.0 and later read journald (CloudWatch add-on release notes); pin v4.6.0 or later",
            )
        )
    bottlerocket = any(g.kind == "managed" and g.ami_type.startswith("BOTTLEROCKET") for g in eks.node_groups)
    if bottlerocket and pins.bottlerocket_release_version is None:
        problems.append(
            Problem(
                "eks.versions.bottlerocketReleaseVersion",
                "required: a node group uses a BOTTLEROCKET amiType; pin its release (make eks-versions)",
            )
        )
    return problems


def _check_self_managed(eks: EksSettings) -> list[Problem]:
    problems: list[Problem] = []
    for i, group in enumerate(eks.node_groups):
        if group.kind != "selfManaged":
            continue
        if group.spot_max_price is not None:
            problems.append(
                Problem(
                    f"eks.nodeGroups[{i}].spotMaxPrice",
                    "self-managed Spot nodes would get no interruption handling (nothing drains them); use a group "
                    "with kind: managed and capacityType: SPOT, which EKS drains on rebalance recommendations",
                )
            )
        if group.ami_id is not None and len(eks.regions) > 1:
            problems.append(
                Problem(
                    f"eks.nodeGroups[{i}].amiId",
                    f"an AMI id exists in one region only, but eks.regions has {len(eks.regions)}; remove amiId "
                    "to use the pinned EKS-optimized release (eks.versions.amiReleaseVersion) in every region",
                )
            )
    return problems


# ------------------------------------------------------------------------------ all


def check_stack(config: StackConfig, home_region: str, today: date) -> list[Problem]:
    """Every cross-field and cross-section rule of a structurally valid stack config."""
    eks_regions = list(config.eks.regions) if config.eks else []
    regions_in_use = [home_region] + [r for r in eks_regions if r != home_region]
    problems = check_network(config.network, regions_in_use, eks_regions)
    problems += check_registry(config.registry, config.environment)
    if len(regions_in_use) > 1 and not config.registry.owns_registry_settings:
        problems.append(
            Problem(
                "registry.ownsRegistrySettings",
                "must be true while eks.regions reaches beyond the home region: replication is a registry-wide "
                "setting, owned by exactly one stack per account",
            )
        )
    if len(regions_in_use) > 1 and len(config.registry.repositories) > MAX_REPLICATION_FILTERS:
        problems.append(
            Problem(
                "registry.repositories",
                f"{len(config.registry.repositories)} repositories, but a replication rule filters at most {MAX_REPLICATION_FILTERS}; use fewer repositories or fewer regions",
            )
        )
    if config.ecs is not None:
        problems += check_ecs(
            config.ecs,
            home_region=home_region,
            repositories=[r.name for r in config.registry.repositories],
            today=today,
        )
    problems += _check_certificate_accounts(config)
    if config.eks is not None:
        problems += check_eks(config.eks)
        if config.eks.cluster_autoscaler and config.network.nat_gateways == "none":
            problems.append(
                Problem(
                    "eks.clusterAutoscaler",
                    "the nodes pull registry.k8s.io/autoscaling/cluster-autoscaler, which needs NAT; set "
                    "network.natGateways to single or perAz, or eks.clusterAutoscaler: false",
                )
            )
    return problems


def _certificates(config: StackConfig) -> list[tuple[str, str]]:
    services = config.ecs.services if config.ecs else ()
    return [
        (f"ecs.services[{i}].loadBalancer.certificateArn", svc.load_balancer.certificate_arn)
        for i, svc in enumerate(services)
        if svc.load_balancer is not None and svc.load_balancer.certificate_arn is not None
    ]


def _check_certificate_accounts(config: StackConfig) -> list[Problem]:
    """A load balancer can use only an ACM certificate of its own account."""
    return [
        Problem(
            path,
            f"the certificate belongs to account {arn.split(':')[4]}, but this stack deploys to accountId "
            f"{config.account_id}; a load balancer needs a certificate of its own account",
        )
        for path, arn in _certificates(config)
        if arn.split(":")[4] != config.account_id
    ]


def _secret_account_warnings(config: StackConfig) -> list[Problem]:
    services = config.ecs.services if config.ecs else ()
    return [
        Problem(
            f"ecs.services[{i}].secrets.{name}",
            f"in account {arn.split(':')[4]}, not accountId {config.account_id}; "
            "the secret needs a resource policy (and a customer-managed key) that lets this account's execution role read it",
        )
        for i, svc in enumerate(services)
        for name, arn in svc.secrets.items()
        if arn.split(":")[4] != config.account_id
    ]


def _anywhere_warnings(config: StackConfig, today: date) -> list[Problem]:
    """An ECS Anywhere activation whose expiration date has passed."""
    anywhere = config.ecs.anywhere if config.ecs else None
    if anywhere is None or anywhere.expiration_date > today.isoformat():
        return []
    return [
        Problem(
            "ecs.anywhere.expirationDate",
            f"{anywhere.expiration_date} has passed; the activation registers no more servers (registered ones "
            "keep working); move the date forward (at most 30 days) to register more",
        )
    ]


def _network_warnings(config: StackConfig) -> list[Problem]:
    """NAT gateway choices that leave workloads without egress or with a single point of failure."""
    warnings: list[Problem] = []
    if config.network.nat_gateways == "none":
        warnings.append(
            Problem(
                "network.natGateways",
                "'none' leaves workloads only the ECR, S3, Logs and STS endpoints; ECS on EC2, "
                "secrets, ECS Exec and EKS nodes need more endpoints (ecs, secretsmanager, ssm, ssmmessages, eks, ec2) "
                "or NAT",
            )
        )
    if config.network.nat_gateways == "single" and config.environment == "prod":
        warnings.append(
            Problem(
                "network.natGateways",
                "'single' in prod makes one AZ's NAT gateway a single point of failure; consider perAz",
            )
        )
    return warnings


def _ecs_warnings(ecs: EcsSettings) -> list[Problem]:
    """Plain-HTTP load balancers taken as guardrail exceptions, and Spot capacity of a single instance type."""
    warnings = [
        Problem(
            f"ecs.services[{i}].loadBalancer",
            "no certificateArn, so the ALB serves plain HTTP on port 80 "
            f"(guardrail exception: {svc.load_balancer.plain_http_reason})",
        )
        for i, svc in enumerate(ecs.services)
        if svc.load_balancer is not None and svc.load_balancer.plain_http_reason is not None
    ]
    inst = ecs.instances
    if inst is not None and inst.spot and len(inst.instance_types) < 2:
        warnings.append(
            Problem(
                "ecs.instances.instanceTypes", "spot with a single instance type is easily interrupted; list several"
            )
        )
    return warnings


def _eks_support_warnings(eks: EksSettings, today: date) -> list[Problem]:
    """A Kubernetes version that leaves standard support within 120 days."""
    end = EKS_VERSIONS.get(eks.version)
    if end is None or date.fromisoformat(end) - today >= timedelta(days=120):
        return []
    return [Problem("eks.version", f"{eks.version} leaves standard support on {end}; plan the upgrade")]


def _eks_spot_warnings(eks: EksSettings) -> list[Problem]:
    """Managed SPOT node groups of a single instance type."""
    return [
        Problem(
            f"eks.nodeGroups[{i}].instanceTypes", "SPOT with a single instance type is easily interrupted; list several"
        )
        for i, group in enumerate(eks.node_groups)
        if group.kind == "managed" and group.capacity_type == "SPOT" and len(group.instance_types) < 2
    ]


def warnings_for(config: StackConfig, today: date) -> list[Problem]:
    """Valid choices that deserve a second look, shown by ``pulumi up`` and the offline plan."""
    warnings: list[Problem] = _secret_account_warnings(config)
    warnings += _anywhere_warnings(config, today)
    warnings += _network_warnings(config)
    if config.ecs is not None:
        warnings += _ecs_warnings(config.ecs)
    if config.eks is not None:
        warnings += _eks_support_warnings(config.eks, today)
        warnings += _eks_warnings(config.eks, config.environment)
        warnings += _eks_spot_warnings(config.eks)
    return warnings


def _eks_warnings(eks: EksSettings, environment: str) -> list[Problem]:
    warnings: list[Problem] = []
    if environment == "prod" and eks.break_glass_role_arn is None:
        warnings.append(
            Problem(
                "eks.breakGlassRoleArn",
                "no emergency admin role; if the deploy identity changes, nobody but "
                "eks.adminRoleArns can reach the Kubernetes API",
            )
        )
    unused = sorted(set(eks.versions.addons) - set(required_addons(eks)))
    if unused:
        warnings.append(Problem("eks.versions.addons", f"{', '.join(unused)} pinned but not installed by this stack"))
    if not eks.cluster_autoscaler:
        for i, group in enumerate(eks.node_groups):
            if group.min_size < group.max_size:
                warnings.append(
                    Problem(
                        f"eks.nodeGroups[{i}]",
                        "nothing scales it between minSize and maxSize while eks.clusterAutoscaler is false",
                    )
                )
    return warnings
