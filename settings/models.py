"""The stack config contract as pydantic v2 models.

Structure only: types, ranges, enums, patterns and unknown keys. Rules that relate one
field to another live in ``settings.checks`` so that each problem is reported at the exact
path of the value to change. Every model is strict (``cpu: "512"`` is an error, not 512),
frozen, and rejects unknown keys. YAML keys are camelCase aliases; Python uses snake_case.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from settings.aws_tables import LOG_RETENTION_DAYS

NAME = r"^[a-z]([a-z0-9-]*[a-z0-9])?$"
"""Names people type that end up in resource names: lowercase, digits and dashes."""

ECR_NAME = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$"
ACCOUNT_ID = r"^\d{12}$"
IAM_PRINCIPAL_ARN = r"^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$"
IAM_ROLE_ARN = r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$"
HTTP_PATH = r"^/[\x21-\x7e]*$"
CONTAINER_PATH = r"^/[A-Za-z0-9_./-]*$"
ACM_ARN = r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$"
PULL_THROUGH_SECRET_ARN = r"^arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache/.+$"
AMI_ID = r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$"
IAM_ACTION = r"^[a-z0-9-]+:[A-Za-z0-9*]+$"
RESOURCE_ARN = r"^(arn:aws[a-z-]*:.+|\*)$"
TAG_PREFIX = r"^[A-Za-z0-9_.-]+$"
CACHE_PREFIX = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"
K8S_NAMESPACE = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
ENDPOINT_PRINCIPAL = r"^arn:aws:iam::\d{12}:(root|role/[\w+=,.@/-]+)$"
SPOT_PRICE = r"^\d+(\.\d{1,5})?$"
AT_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
S3_BUCKET = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
GUARDRAIL_REASON = r"^[A-Za-z0-9 _.:/=+@-]+$"
POSIX_USER = r"^(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9})$"
PREFIX_LIST_ID = r"^pl-[0-9a-f]{8,17}$"
SG_RULE_DESCRIPTION = r"^[A-Za-z0-9. _:/()#,@\[\]+=&;{}!$*-]+$"
LABEL_KEY = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"

PATTERN_HELP: dict[str, str] = {
    NAME: "lowercase letters, digits and dashes, starting with a letter, not ending with a dash",
    ECR_NAME: "an ECR repository name: lowercase letters and digits, separated by '.', '_', '-' or '/'",
    ENV_NAME: "an environment variable name: letters, digits and '_', not starting with a digit",
    INSTANCE_TYPE: "an EC2 instance type such as m7i.large",
    ACCOUNT_ID: "a 12-digit AWS account id",
    IAM_PRINCIPAL_ARN: "an IAM role or user ARN, arn:aws:iam::123456789012:role/name",
    IAM_ROLE_ARN: "an IAM role ARN, arn:aws:iam::123456789012:role/name",
    LABEL_KEY: "a Kubernetes label key such as team or example.com/team",
    ENDPOINT_PRINCIPAL: "an account root or role ARN, e.g. arn:aws:iam::123456789012:root",
    SPOT_PRICE: 'a USD/hour price as a string, e.g. "0.05"',
    AT_TIME: "a time as yyyy-mm-ddThh:mm:ss, e.g. 2027-01-04T08:00:00",
    DATE: "a date as yyyy-mm-dd, e.g. 2026-12-31",
    S3_BUCKET: "an S3 bucket name: lowercase letters, digits, dots and dashes",
    HTTP_PATH: "an HTTP path starting with /, such as /healthz",
    CONTAINER_PATH: "an absolute container path such as /data",
    ACM_ARN: "an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>",
    PULL_THROUGH_SECRET_ARN: "a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/",
    AMI_ID: "an AMI id such as ami-0123456789abcdef0",
    IAM_ACTION: "an IAM action such as s3:GetObject (service:Action)",
    RESOURCE_ARN: "an ARN, or *",
    TAG_PREFIX: "an image tag prefix: letters, digits, '_', '.', '-'",
    CACHE_PREFIX: "a repository prefix: lowercase letters and digits separated by '.', '_' or '-'",
    K8S_NAMESPACE: "a Kubernetes namespace: lowercase letters, digits and dashes",
    GUARDRAIL_REASON: "a sentence in letters, digits, spaces and _ . : / = + @ - (it becomes an AWS tag value)",
    POSIX_USER: 'a numeric user and group, UID:GID, such as "10001:10001"',
    PREFIX_LIST_ID: "a managed prefix list id such as pl-63a5400a",
    SG_RULE_DESCRIPTION: "a security group rule description: letters, digits, spaces and . _ : / ( ) # , @ [ ] + = & ; { } ! $ * -",
}
"""Human descriptions of the patterns above, used in error messages instead of the regex."""

LogRetention = Literal[LOG_RETENTION_DAYS]  # type: ignore[valid-type]


class Model(BaseModel):
    """Base of every settings model: strict, frozen, unknown keys rejected, aliases only."""

    # Attribute docstrings become field descriptions: the configuration reference and the JSON Schema
    # are generated from them (tools/config_docs).
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=False, use_attribute_docstrings=True
    )


# --------------------------------------------------------------------------- network


class FlowLogSettings(Model):
    """``network.flowLogs``: VPC flow logs of every VPC, to CloudWatch Logs."""

    enabled: bool = True
    """Flow logs of ALL traffic of every VPC, to a CloudWatch Logs group encrypted with a customer-managed KMS
    key (one per VPC, rotating). Default on. Cost: CloudWatch Logs ingestion and storage of vended logs, billed
    per GB, and one KMS key per VPC (see docs/security.md). Turning it off needs ``offReason``."""
    retention_days: LogRetention | None = Field(None, alias="retentionDays")
    """Days to keep flow log records (a CloudWatch Logs retention value). Default: 365 in prod (what Security
    Hub CloudWatch.16 asks), 30 elsewhere; longer retention costs more storage."""
    off_reason: str | None = Field(None, alias="offReason", pattern=GUARDRAIL_REASON, min_length=15, max_length=256)
    """Required with ``enabled: false``, refused otherwise: why the VPCs go without flow logs. It becomes the
    guardrail exception tag ``guardrail-exception/vpc-flow-logs`` on each VPC."""


class NetworkSettings(Model):
    """``container-platform:network``: one VPC per region in use."""

    az_count: int = Field(2, alias="azCount", ge=2, le=6)
    """Availability zones per VPC; default 2. Load balancers and EKS need at least 2."""
    nat_gateways: Literal["none", "single", "perAz"] = Field("single", alias="natGateways")
    """NAT strategy for private subnets; default one NAT gateway per VPC."""
    vpc_endpoints: bool = Field(True, alias="vpcEndpoints")
    """Interface endpoints (ECR api/dkr, Logs, STS) and the S3 gateway endpoint; default on."""
    cidrs: dict[str, str]
    """Region -> IPv4 CIDR of its VPC; exactly the regions in use, RFC 1918, /16 to /20."""
    zone_ids: dict[str, tuple[str, ...]] = Field({}, alias="zoneIds")
    """Region -> zone ids to use, e.g. ``[use1-az1, use1-az2]``; pins the AZs (azCount of them, used in
    this order). Default: computed per region: the available zones, minus those EKS does not support
    when the region runs EKS, minus those that do not offer every instance type the region uses,
    sorted by zone id, the first azCount."""
    flow_logs: FlowLogSettings = Field(FlowLogSettings(), alias="flowLogs")
    """VPC flow logs; on by default, with the retention of the environment."""


# -------------------------------------------------------------------------- registry


class RepositorySettings(Model):
    """A private ECR repository in the home region."""

    name: str = Field(pattern=ECR_NAME, min_length=2, max_length=256)
    """The repository name people push to (``web``); not autonamed."""
    keep_tagged_images: int = Field(30, alias="keepTaggedImages", ge=1, le=10000)
    """Lifecycle: keep the newest N tagged images (per prefix when keepTagPrefixes is set)."""
    keep_tag_prefixes: tuple[Annotated[str, Field(pattern=TAG_PREFIX)], ...] = Field((), alias="keepTagPrefixes")
    """Lifecycle: tag prefixes that each keep their own newest N images; default: one rule for all tags."""
    tag_mutability: Literal["IMMUTABLE", "MUTABLE"] = Field("IMMUTABLE", alias="tagMutability")
    """Default IMMUTABLE: a pushed tag can never point at another image."""


class PublicRepositorySettings(Model):
    """An ECR Public repository (created in us-east-1, the only region ECR Public exists in)."""

    name: str = Field(pattern=ECR_NAME, min_length=2, max_length=205)
    """Public repository name (``public.ecr.aws/<alias>/<name>``)."""
    description: str = Field("", max_length=256)
    """Short description shown in the ECR Public Gallery."""
    about_text: str = Field("", alias="aboutText", max_length=25600)
    """Markdown 'About' text."""
    usage_text: str = Field("", alias="usageText", max_length=25600)
    """Markdown 'Usage' text."""
    architectures: tuple[Literal["ARM", "ARM 64", "x86", "x86-64"], ...] = ()
    """Gallery catalog data: the image architectures."""
    operating_systems: tuple[Literal["Linux", "Windows"], ...] = Field((), alias="operatingSystems")
    """Gallery catalog data: the image operating systems."""


class PullThroughCacheSettings(Model):
    """An ECR pull-through cache rule: ``<registry>/<prefix>/...`` mirrors an upstream registry."""

    prefix: str = Field(pattern=CACHE_PREFIX, min_length=2, max_length=30)
    """``<registry>/<prefix>/...`` mirrors the upstream; not the first path segment of any repository name."""
    upstream: Literal[
        "public.ecr.aws", "registry.k8s.io", "quay.io", "registry-1.docker.io", "ghcr.io", "registry.gitlab.com"
    ]
    """Upstream registry the prefix mirrors."""
    credential_arn: str | None = Field(
        None,
        alias="credentialArn",
        pattern=PULL_THROUGH_SECRET_ARN,
    )
    """Secrets Manager secret (name prefix ``ecr-pullthroughcache/``); required for Docker Hub, GitHub, GitLab."""


class RegistrySettings(Model):
    """``container-platform:registry``: the shared ECR registry."""

    repositories: tuple[RepositorySettings, ...] = ()
    """Private repositories in the home region, replicated to every other EKS region (at most 100 then: one replication rule)."""
    untagged_expiry_days: int = Field(7, alias="untaggedExpiryDays", ge=1, le=3650)
    """Lifecycle: expire untagged images N days after push; default 7."""
    scanning: Literal["basic", "enhanced"] = "basic"
    """Registry scanning: basic scan on push, or enhanced (Inspector) continuous scanning."""
    encryption: Literal["customerManagedKey", "awsManagedKey"] = "customerManagedKey"
    """KMS key for images: a customer-managed key with rotation (default) or aws/ecr."""
    force_delete: bool = Field(False, alias="forceDelete")
    """Allow deleting repositories that still hold images; must stay false in prod."""
    pull_accounts: tuple[Annotated[str, Field(pattern=ACCOUNT_ID)], ...] = Field((), alias="pullAccounts")
    """Other AWS accounts allowed to pull."""
    push_principals: tuple[Annotated[str, Field(pattern=IAM_PRINCIPAL_ARN)], ...] = Field((), alias="pushPrincipals")
    """IAM role/user ARNs (CI) allowed to push; default: nobody but the account's admins."""
    pull_through_cache: tuple[PullThroughCacheSettings, ...] = Field((), alias="pullThroughCache")
    """Pull-through cache rules, plus a ``ROOT`` creation template for the repositories they create."""
    public: tuple[PublicRepositorySettings, ...] = ()
    """ECR Public repositories, created through the us-east-1 provider (the only ECR Public region)."""
    owns_registry_settings: bool = Field(True, alias="ownsRegistrySettings")
    """Whether this stack owns the account's registry-wide settings (scanning, replication, ECR Public,
    replica templates); exactly one stack per account may. Default true: one account per stack."""


# ------------------------------------------------------------------------------- ecs


class EgressSettings(Model):
    """One more outbound rule on top of the defaults (``ecs.services[].egress``, ``eks.nodeEgress``)."""

    name: str = Field(pattern=NAME, max_length=32)
    """What the rule is for (``postgres``, ``partner-api``); unique in its list, it names the rule's resources."""
    description: str = Field(pattern=SG_RULE_DESCRIPTION, min_length=1, max_length=255)
    """Who needs it and why; becomes the security group rule's description."""
    protocol: Literal["tcp", "udp"] = "tcp"
    """``tcp`` (default) or ``udp``."""
    port: int = Field(ge=1, le=65535)
    """Destination port, or the first port of a range."""
    to_port: int | None = Field(None, alias="toPort", ge=1, le=65535)
    """Last port of a range; default ``port`` alone. To 0.0.0.0/0 or ::/0 only a single port is accepted."""
    cidrs: tuple[str, ...] = ()
    """IPv4 or IPv6 destination networks (``10.30.0.0/16``, ``0.0.0.0/0``)."""
    prefix_list_ids: tuple[Annotated[str, Field(pattern=PREFIX_LIST_ID)], ...] = Field((), alias="prefixListIds")
    """Managed prefix lists as destinations (``pl-...``), e.g. an AWS service's prefix list."""


class AccessLogsSettings(Model):
    """``ecs.accessLogs``: the S3 bucket the program creates for load balancer access logs."""

    enabled: bool | None = None
    """Write access logs of every ALB and NLB to the program's bucket. Default: on in prod, off elsewhere
    (the bucket costs S3 storage and requests; ALB log delivery itself is not billed)."""
    retention_days: int = Field(90, alias="retentionDays", ge=1, le=3650)
    """Days before a log object expires (S3 lifecycle); default 90."""


class LoadBalancerSettings(Model):
    """The load balancer in front of one ECS service."""

    type: Literal["application", "network"]
    """``application`` (ALB: HTTP/HTTPS) or ``network`` (NLB: TCP/TLS)."""
    public: bool = False
    """Internet-facing in public subnets when true; internal in private subnets by default."""
    health_check_path: str | None = Field(None, alias="healthCheckPath", pattern=HTTP_PATH, max_length=1024)
    """ALB only: HTTP health check path; default ``/``."""
    certificate_arn: str | None = Field(None, alias="certificateArn", pattern=ACM_ARN)
    """ACM certificate in the home region: HTTPS/TLS listener (ALB: plus HTTP->HTTPS redirect)."""
    private_link: bool = Field(False, alias="privateLink")
    """NLB only: offer the service through a VPC endpoint service."""
    private_link_principals: tuple[
        Annotated[str, Field(pattern=r"^arn:aws:iam::\d{12}:(root|role/[\w+=,.@/-]+)$")], ...
    ] = Field((), alias="privateLinkPrincipals")
    """NLB with privateLink: account roots or roles allowed to create endpoints; default none."""
    access_logs_bucket: str | None = Field(None, alias="accessLogsBucket", pattern=S3_BUCKET, max_length=63)
    """An S3 bucket of your own for this load balancer's access logs, in the home region, with the ELB
    log-delivery bucket policy and SSE-S3; default the program's bucket when ``ecs.accessLogs`` is on, else none."""
    plain_http_reason: str | None = Field(
        None, alias="plainHttpReason", pattern=GUARDRAIL_REASON, min_length=15, max_length=256
    )
    """ALB without certificateArn: why it may serve plain HTTP. Required then, rejected otherwise;
    it becomes the listener's ``guardrail-exception/elb-https-listeners`` tag."""


class VolumeSettings(Model):
    """A directory on the cluster's shared EFS file system mounted into the container."""

    efs: str = Field(pattern=CONTAINER_PATH, max_length=255)
    """Absolute mount path in the container."""
    read_only: bool = Field(False, alias="readOnly")
    """Mount read-only; the task role then gets ``ClientMount`` without ``ClientWrite``."""


class StepAdjustmentSettings(Model):
    """One step: bounds relative to the alarm threshold, and the task-count change."""

    lower_bound: int | None = Field(None, alias="lowerBound")
    """Lower bound of the step, relative to the alarm threshold; below upperBound."""
    upper_bound: int | None = Field(None, alias="upperBound")
    """Upper bound of the step, relative to the alarm threshold."""
    change: int = Field(ge=-10000, le=10000)
    """Tasks to add (scale out, > 0) or remove (scale in, < 0)."""


class StepPolicySettings(Model):
    """One direction of step scaling: its alarm threshold and steps."""

    threshold: float = Field(ge=0, le=100)
    """Alarm threshold on the metric (percent)."""
    steps: tuple[StepAdjustmentSettings, ...] = Field(min_length=1, max_length=20)
    """Step adjustments; together they tile the range from the threshold with no gap, the last one open-ended."""
    cooldown: int = Field(60, ge=0, le=3600)
    """Seconds before another scaling activity; default 60."""


class StepScalingSettings(Model):
    """Step scaling on a CloudWatch alarm (the alarms are created too)."""

    metric: Literal["CPUUtilization", "MemoryUtilization"] = "CPUUtilization"
    """Alarm metric (``AWS/ECS``, per service)."""
    statistic: Literal["Average", "Maximum"] = "Average"
    """Alarm statistic, also the policy's metric aggregation."""
    period: int = Field(60, ge=10, le=86400)
    """Alarm period in seconds: 10, 30 or a multiple of 60."""
    evaluation_periods: int = Field(2, alias="evaluationPeriods", ge=1, le=100)
    """Periods the alarm evaluates before it fires."""
    scale_out: StepPolicySettings | None = Field(None, alias="scaleOut")
    """Alarm threshold and steps for adding tasks (alarm at ``>=`` threshold)."""
    scale_in: StepPolicySettings | None = Field(None, alias="scaleIn")
    """Alarm threshold and steps for removing tasks (alarm at ``<=`` threshold, below scaleOut's)."""


class ScheduleSettings(Model):
    """A scheduled change of the service's capacity bounds."""

    name: str = Field(pattern=NAME, max_length=64)
    """Scheduled action name; unique within the service."""
    cron: str | None = None
    """AWS cron expression fields, e.g. ``0 8 ? * MON-FRI *`` (minutes hours day month weekday year)."""
    at: str | None = Field(None, pattern=AT_TIME)
    """One-time action at ``yyyy-mm-ddThh:mm:ss`` (in ``timezone``); exactly one of cron and at."""
    min_count: int | None = Field(None, alias="minCount", ge=0)
    """New lower bound of the task count; at most maxCount."""
    max_count: int | None = Field(None, alias="maxCount", ge=1)
    """New upper bound of the task count (set at least one of minCount and maxCount)."""
    timezone: str = "UTC"
    """IANA time zone of the cron expression; default UTC."""


class AutoscalingSettings(Model):
    """Application Auto Scaling of the service's desired count."""

    min_count: int = Field(alias="minCount", ge=0, le=10000)
    """Lower bound of the task count; at most maxCount."""
    max_count: int = Field(alias="maxCount", ge=1, le=10000)
    """Upper bound of the task count."""
    cpu_target: float | None = Field(None, alias="cpuTarget", gt=0, le=100)
    """Target tracking on ECSServiceAverageCPUUtilization (percent)."""
    memory_target: float | None = Field(None, alias="memoryTarget", gt=0, le=100)
    """Target tracking on ECSServiceAverageMemoryUtilization (percent)."""
    requests_per_target: int | None = Field(None, alias="requestsPerTarget", ge=1)
    """Target tracking on ALBRequestCountPerTarget; needs an application load balancer."""
    step_scaling: StepScalingSettings | None = Field(None, alias="stepScaling")
    """Step scaling on CloudWatch alarms (the alarms are created too)."""
    schedules: tuple[ScheduleSettings, ...] = ()
    """Scheduled changes of the bounds; none changes them back by itself."""


class PolicyStatementSettings(Model):
    """An Allow statement of a service's task role."""

    actions: tuple[Annotated[str, Field(pattern=IAM_ACTION)], ...] = Field(min_length=1)
    """Allowed actions, ``service:Action`` (e.g. ``s3:GetObject``); ``service:*`` is rejected."""
    resources: tuple[Annotated[str, Field(pattern=RESOURCE_ARN)], ...] = Field(min_length=1)
    """Resources the actions apply to: ARNs or ``*``."""


class ContainerHealthCheckSettings(Model):
    """Docker health check run by the ECS agent inside the container."""

    command: tuple[str, ...] = Field(min_length=2)
    """``["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"]`` or ``["CMD", "/bin/check"]``."""
    interval: int = Field(30, ge=5, le=300)
    """Seconds between checks; default 30."""
    timeout: int = Field(5, ge=2, le=60)
    """Seconds before a check counts as failed; default 5."""
    retries: int = Field(3, ge=1, le=10)
    """Consecutive failures before the container is unhealthy; default 3."""
    start_period: int = Field(0, alias="startPeriod", ge=0, le=300)
    """Grace period in seconds before failures count; default 0."""


class ServiceSettings(Model):
    """One ECS service."""

    name: str = Field(pattern=NAME, max_length=16)
    """At most 16 characters: load balancer and target group names (32 characters) are built from it."""
    image: str = Field(min_length=1, max_length=512)
    """``repo:tag`` / ``repo@sha256:...`` in the shared registry, or a full image URI."""
    cpu: int
    """Task CPU units (1024 = 1 vCPU); Fargate takes only AWS's table of sizes."""
    memory: int
    """Task memory in MiB."""
    port: int | None = Field(None, ge=1, le=65535)
    """Container port; required with a load balancer."""
    desired_count: int = Field(1, alias="desiredCount", ge=0, le=10000)
    """Task count; with autoscaling only the initial count, within its bounds (later changes are ignored)."""
    load_balancer: LoadBalancerSettings | None = Field(None, alias="loadBalancer")
    """The service's own ALB or NLB; default none."""
    volumes: tuple[VolumeSettings, ...] = Field((), max_length=1)
    """At most one: the service's own directory on the cluster's EFS file system."""
    secrets: dict[Annotated[str, Field(pattern=ENV_NAME)], str] = {}
    """Env var -> Secrets Manager secret ARN or SSM parameter ARN, injected at start."""
    environment: dict[Annotated[str, Field(pattern=ENV_NAME)], str] = {}
    """Plain environment variables (never secrets)."""
    autoscaling: AutoscalingSettings | None = None
    """Application Auto Scaling of the task count; default none (desiredCount stays fixed)."""
    task_policy: tuple[PolicyStatementSettings, ...] = Field((), alias="taskPolicy")
    """Statements of the service's own task role; default: a role with no permissions."""
    health_check: ContainerHealthCheckSettings | None = Field(None, alias="healthCheck")
    """Container health check; default none (the load balancer's check still applies)."""
    read_only_root_filesystem: bool = Field(True, alias="readOnlyRootFilesystem")
    """Read-only root filesystem with a writable scratch volume at /tmp; default true."""
    writable_root_filesystem_reason: str | None = Field(
        None, alias="writableRootFilesystemReason", pattern=GUARDRAIL_REASON, min_length=15, max_length=256
    )
    """Why the container must write outside /tmp and its volumes. Required with readOnlyRootFilesystem
    false, rejected otherwise; it becomes the task definition's ``guardrail-exception/ecs-readonly-root-filesystem`` tag."""
    launch_type: Literal["EXTERNAL"] | None = Field(None, alias="launchType")
    """``EXTERNAL`` runs the service on ECS Anywhere servers; default: the cluster's capacity."""
    network_mode: Literal["bridge", "host"] | None = Field(None, alias="networkMode")
    """EXTERNAL only: ``bridge`` (default) or ``host``; ECS Anywhere does not support awsvpc."""
    host_network_reason: str | None = Field(
        None, alias="hostNetworkReason", pattern=GUARDRAIL_REASON, min_length=15, max_length=256
    )
    """Why the tasks need the server's network namespace. Required with networkMode host, rejected
    otherwise; it becomes the task definition's ``guardrail-exception/ecs-no-host-namespaces`` tag."""
    enable_execute_command: bool = Field(False, alias="enableExecuteCommand")
    """Allow ``aws ecs execute-command`` into the tasks; default false. Sessions are encrypted with the
    cluster's ECS Exec key and logged to its encrypted exec log group; only then does the task role get the
    SSM channel and key permissions."""
    user: str | None = Field(None, pattern=POSIX_USER)
    """Numeric ``UID:GID`` the container runs as. Default: the service's stable id from its name, the same
    uid and gid its EFS access point enforces (10000-59999). UID 0 is root and needs runAsRootReason."""
    run_as_root_reason: str | None = Field(
        None, alias="runAsRootReason", pattern=GUARDRAIL_REASON, min_length=15, max_length=256
    )
    """Why the container must run as root (``user: "0:0"``). Required with UID 0, rejected otherwise; it becomes
    the task definition's ``guardrail-exception/ecs-non-root-user`` tag."""
    egress: tuple[EgressSettings, ...] = Field((), max_length=20)
    """Outbound rules of the tasks beyond the defaults (HTTPS to anywhere, DNS to the VPC resolver, NFS to the
    shared file system); default none. Other services, databases and APIs on other ports go here."""


class InstanceSettings(Model):
    """EC2 launch type: the Auto Scaling group of ECS-optimized instances."""

    instance_types: tuple[Annotated[str, Field(pattern=INSTANCE_TYPE)], ...] = Field(
        alias="instanceTypes", min_length=1, max_length=20
    )
    """Instance types of the mixed instances policy, all of one architecture."""
    min_size: int = Field(1, alias="minSize", ge=0, le=1000)
    """scaling: cpu only: the fewest instances (managed scaling starts at 0 and sizes from the tasks)."""
    desired_size: int | None = Field(None, alias="desiredSize", ge=0, le=1000)
    """scaling: cpu only: initial size; default minSize. The CPU policy owns it afterwards."""
    max_size: int = Field(4, alias="maxSize", ge=1, le=1000)
    """The most instances."""
    spot: bool = False
    """Spot instances (mixed instances policy, spot draining in the agent)."""
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    """ECS-optimized AL2023 AMI flavour; must match the instance types."""
    root_volume_size_gib: int = Field(30, alias="rootVolumeSizeGiB", ge=30, le=16384)
    """Size of the encrypted gp3 root volume (GiB)."""
    scaling: Literal["managed", "cpu"] = "managed"
    """Who sizes the Auto Scaling group: ``managed`` (default) lets the capacity provider size it from
    the tasks' needs (it starts at 0 instances); ``cpu`` keeps minSize..maxSize instances and scales on
    average CPU. Never both: two authorities fight over the same group."""
    target_capacity: int = Field(100, alias="targetCapacity", ge=1, le=100)
    """scaling: managed only: the capacity provider's target utilisation (percent)."""
    cpu_target: float = Field(70, alias="cpuTarget", gt=0, le=100)
    """scaling: cpu only: ASG target tracking on average CPU (percent)."""


class AnywhereSettings(Model):
    """ECS Anywhere: register on-premises servers into the cluster through an SSM activation."""

    registration_limit: int = Field(10, alias="registrationLimit", ge=1, le=1000)
    """How many servers the activation may register; default 10."""
    expiration_date: str = Field(alias="expirationDate", pattern=DATE)
    """Last day (UTC, yyyy-mm-dd) the activation accepts registrations; at most 30 days ahead (AWS limit)."""


class EcsSettings(Model):
    """``container-platform:ecs``: the ECS cluster in the home region."""

    launch_type: Literal["FARGATE", "EC2"] = Field("FARGATE", alias="launchType")
    """Capacity of the cluster: Fargate (with FARGATE_SPOT) or an Auto Scaling group of EC2 instances."""
    fargate_spot_weight: int = Field(0, alias="fargateSpotWeight", ge=0, le=1000)
    """FARGATE only: FARGATE_SPOT weight against on-demand weight 1; 0 = on-demand only."""
    fargate_on_demand_base: int = Field(1, alias="fargateOnDemandBase", ge=0, le=100000)
    """FARGATE only: tasks per service always placed on on-demand FARGATE."""
    instances: InstanceSettings | None = None
    """EC2 only (required there)."""
    log_retention_days: LogRetention = Field(30, alias="logRetentionDays")
    """Days to keep the services' log groups and the ECS Exec log group (a CloudWatch Logs retention)."""
    anywhere: AnywhereSettings | None = None
    """ECS Anywhere activation for on-premises servers; off when absent."""
    access_logs: AccessLogsSettings = Field(AccessLogsSettings(), alias="accessLogs")
    """Load balancer access logs in an S3 bucket the program creates; on in prod by default."""
    shared_file_system: bool = Field(False, alias="sharedFileSystem")
    """The cluster's EFS file system, which services mount with ``volumes``. Its own key, so that
    removing or renaming the last service that mounts it never deletes it; retained when turned off."""
    services: tuple[ServiceSettings, ...] = ()
    """ECS services; names unique."""


# ------------------------------------------------------------------------------- eks


class TaintSettings(Model):
    """A Kubernetes node taint."""

    key: str = Field(pattern=LABEL_KEY)
    """Taint key (a Kubernetes label key)."""
    value: str = Field("", max_length=63)
    """Taint value; default empty."""
    effect: Literal["NoSchedule", "NoExecute", "PreferNoSchedule"]
    """What the taint does to pods that do not tolerate it."""


class _NodeGroupBase(Model):
    name: str = Field(pattern=NAME, max_length=38)
    """Node group name; unique in the cluster."""
    min_size: int = Field(1, alias="minSize", ge=0, le=450)
    """The fewest nodes; at most maxSize."""
    desired_size: int | None = Field(None, alias="desiredSize", ge=0, le=450)
    """Initial size; default minSize. Left to the cluster autoscaler afterwards."""
    max_size: int = Field(3, alias="maxSize", ge=1, le=450)
    """The most nodes."""
    labels: dict[Annotated[str, Field(pattern=LABEL_KEY)], Annotated[str, Field(max_length=63)]] = {}
    """Kubernetes labels of the nodes."""
    taints: tuple[TaintSettings, ...] = ()
    """Kubernetes taints of the nodes."""


class ManagedNodeGroupSettings(_NodeGroupBase):
    """An EKS managed node group (ON_DEMAND or SPOT)."""

    kind: Literal["managed"]
    """``managed``: an EKS managed node group; selects the keys below."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field("ON_DEMAND", alias="capacityType")
    """On-demand or Spot capacity (EKS drains Spot nodes on rebalance recommendations)."""
    instance_types: tuple[Annotated[str, Field(pattern=INSTANCE_TYPE)], ...] = Field(
        alias="instanceTypes", min_length=1, max_length=20
    )
    """Instance types, unique, matching the amiType architecture."""
    ami_type: Literal[
        "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"
    ] = Field("AL2023_x86_64_STANDARD", alias="amiType")
    """AMI family of the nodes."""
    disk_size_gib: int = Field(50, alias="diskSizeGiB", ge=20, le=16384)
    """Root volume size (GiB; gp3, encrypted, in the launch template)."""


class SelfManagedNodeGroupSettings(_NodeGroupBase):
    """Self-managed nodes: launch template + ASG on the EKS-optimized AMI or ``amiId``."""

    kind: Literal["selfManaged"]
    """``selfManaged``: a launch template and Auto Scaling group; selects the keys below."""
    instance_type: str = Field(alias="instanceType", pattern=INSTANCE_TYPE)
    """Instance type of the nodes."""
    ami_id: str | None = Field(None, alias="amiId", pattern=AMI_ID)
    """Custom AMI; default: the EKS-optimized AL2023 AMI for the version and architecture."""
    spot_max_price: str | None = Field(None, alias="spotMaxPrice", pattern=SPOT_PRICE)
    """Rejected when set: self-managed Spot nodes would get no interruption handling. Use ``kind: managed``
    with ``capacityType: SPOT``, which EKS drains on rebalance recommendations."""
    root_volume_size_gib: int = Field(50, alias="rootVolumeSizeGiB", ge=20, le=16384)
    """Root volume size (GiB)."""


NodeGroupSettings = Annotated[ManagedNodeGroupSettings | SelfManagedNodeGroupSettings, Field(discriminator="kind")]


class FargateProfileSettings(Model):
    """An EKS Fargate profile: pods in these namespaces (and labels) run on Fargate."""

    name: str = Field(pattern=NAME, max_length=63)
    """Profile name; unique in the cluster."""
    namespaces: tuple[Annotated[str, Field(pattern=K8S_NAMESPACE)], ...] = Field(min_length=1, max_length=5)
    """Pods in these namespaces run on Fargate; unique."""
    labels: dict[Annotated[str, Field(pattern=LABEL_KEY)], str] = {}
    """Optional pod label selector; default every pod in the namespaces."""


class StorageSettings(Model):
    """CSI drivers and StorageClasses per cluster."""

    ebs: bool = True
    """EBS CSI driver and the default ``gp3`` class."""
    efs: bool = False
    """EFS CSI driver, an encrypted EFS file system with a mount target per AZ, and the ``efs`` class."""
    fsx_lustre: bool = Field(False, alias="fsxLustre")
    """FSx CSI driver and the ``fsx-lustre`` class (one file system per claim, created by the driver)."""
    fsx_ontap: bool = Field(False, alias="fsxOntap")
    """An FSx for NetApp ONTAP file system with its SVM, the Trident add-on and the ``fsx-ontap`` class; bills all the time."""


AddonName = Literal[
    "vpc-cni",
    "kube-proxy",
    "coredns",
    "eks-pod-identity-agent",
    "aws-ebs-csi-driver",
    "aws-efs-csi-driver",
    "aws-fsx-csi-driver",
    "amazon-cloudwatch-observability",
    "netapp_trident-operator",
]
"""Every EKS add-on this program installs; ``eks.versions.addons`` pins each one the stack uses."""

ADDON_VERSION = r"^v\d+\.\d+\.\d+-eksbuild\.\d+$"
AMI_RELEASE = r"^\d+\.\d+\.\d+-\d{8}$"
BOTTLEROCKET_RELEASE = r"^\d+\.\d+\.\d+-[0-9a-f]{8}$"
CA_VERSION = r"^v\d+\.\d+\.\d+$"
PATTERN_HELP.update(
    {
        ADDON_VERSION: "an EKS add-on version such as v1.20.4-eksbuild.1 (make eks-versions prints the newest)",
        AMI_RELEASE: "an EKS AMI release version such as 1.35.0-20261110 (make eks-versions prints the newest)",
        BOTTLEROCKET_RELEASE: "a Bottlerocket release version such as 1.50.0-8f1a9c2d",
        CA_VERSION: "a cluster-autoscaler image tag such as v1.35.0",
    }
)


class EksVersionSettings(Model):
    """``eks.versions``: what would otherwise float to "latest" on every run, pinned.

    Nothing here changes unless the stack file changes, so an unrelated ``pulumi up`` never
    starts a node roll or an add-on update. ``make eks-versions STACK=<stack>`` prints the newest
    values AWS offers for the stack's Kubernetes version in all its regions.
    """

    ami_release_version: str = Field(alias="amiReleaseVersion", pattern=AMI_RELEASE)
    """EKS-optimized Amazon Linux 2023 AMI release (``1.35.0-20261110``): the ``releaseVersion`` of
    AL2023 managed groups, and the release whose AMI self-managed groups resolve from SSM in each region."""
    bottlerocket_release_version: str | None = Field(
        None, alias="bottlerocketReleaseVersion", pattern=BOTTLEROCKET_RELEASE
    )
    """Bottlerocket release of managed groups with a BOTTLEROCKET amiType; required only when one exists."""
    cluster_autoscaler: str = Field(alias="clusterAutoscaler", pattern=CA_VERSION)
    """Image tag of ``registry.k8s.io/autoscaling/cluster-autoscaler``; its minor must equal the Kubernetes minor."""
    addons: dict[AddonName, Annotated[str, Field(pattern=ADDON_VERSION)]]
    """EKS add-on name -> version, for every add-on the stack installs (vpc-cni, kube-proxy, coredns and
    eks-pod-identity-agent always; the CSI drivers, CloudWatch and Trident when their flags are on)."""


class EksSettings(Model):
    """``container-platform:eks``: one EKS cluster per region."""

    version: str
    """Kubernetes version as a string (``"1.35"``)."""
    regions: tuple[str, ...] = Field(min_length=1)
    """Regions that get a cluster; the first region not the home region gets registry replicas too."""
    versions: EksVersionSettings
    """Pinned AMI release, add-on versions and cluster-autoscaler tag; see ``make eks-versions``."""
    endpoint_public_access_cidrs: tuple[str, ...] = Field((), alias="endpointPublicAccessCidrs")
    """Networks that may reach the API endpoint from the internet, for people running kubectl; default
    none (private endpoint only). ``pulumi up`` never needs it: see docs/eks.md, "How the run reaches the cluster"."""
    admin_role_arns: tuple[Annotated[str, Field(pattern=IAM_ROLE_ARN)], ...] = Field((), alias="adminRoleArns")
    """Roles granted cluster admin through access entries (one entry per role, keyed by role name)."""
    break_glass_role_arn: str | None = Field(None, alias="breakGlassRoleArn", pattern=IAM_ROLE_ARN)
    """Emergency cluster-admin role that outlives every deploy identity; recommended in prod."""
    cluster_autoscaler: bool = Field(True, alias="clusterAutoscaler")
    """Install the Cluster Autoscaler, so node groups (including minSize 0) grow for pending pods; default on."""
    node_egress: tuple[EgressSettings, ...] = Field((), alias="nodeEgress", max_length=20)
    """Outbound rules of every node (and of the pods on the pod network, which share the nodes' security group)
    beyond the defaults (HTTPS to anywhere, everything inside the VPC); default none. A pod that calls a database
    or API outside the VPC on another port needs an entry here."""
    node_metadata_hop_limit: Literal[1, 2] = Field(1, alias="nodeMetadataHopLimit")
    """IMDSv2 hop limit on every node. 1 (default, AWS's AL2023 default and the EKS best-practice) keeps pods
    on the pod network away from the node role's credentials; every add-on here uses Pod Identity or host
    networking. 2 is for workloads that must read instance metadata from the pod network."""
    log_retention_days: LogRetention = Field(90, alias="logRetentionDays")
    """Days to keep control-plane logs and the manifest applier's logs; default 90."""
    node_groups: tuple[NodeGroupSettings, ...] = Field(alias="nodeGroups", min_length=1)
    """Node groups, ``kind: managed`` or ``kind: selfManaged``; names unique."""
    fargate_profiles: tuple[FargateProfileSettings, ...] = Field((), alias="fargateProfiles")
    """Fargate profiles, with one shared pod execution role; names unique."""
    storage: StorageSettings = StorageSettings()
    """CSI drivers, storage backends and StorageClasses."""
    container_insights: bool = Field(True, alias="containerInsights")
    """Install the CloudWatch observability add-on (Container Insights); default on."""

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_string(cls, value: object) -> object:
        if isinstance(value, float | int):
            raise ValueError(f'write the version as a string, e.g. "{value}" (YAML reads {value} as a number)')
        return value


class InsightsSettings(Model):
    """``container-platform:insights``: how ``make diff`` and the pull-request comment judge a change."""

    cost_increase_warn_usd: float = Field(100.0, alias="costIncreaseWarnUsd", ge=0, le=1_000_000)
    """A change whose monthly estimate grows by more than this many USD starts with a warning; default 100."""


AccountId = Annotated[str, Field(pattern=ACCOUNT_ID)]
"""A 12-digit AWS account id, as text."""


class StackConfig(Model):
    """Every ``container-platform:*`` key of a stack."""

    account_id: AccountId = Field(alias="accountId")
    """The AWS account this stack deploys to (quote it). Every AWS provider is pinned to it
    (``allowedAccountIds``), so credentials of another account fail before anything is created.
    One account per stack: registry-wide settings exist once per account (docs/registry.md)."""
    environment: Literal["dev", "staging", "prod"]
    """Environment class; drives prod-only rules (deletion protection, forceDelete) and warnings."""
    network: NetworkSettings
    """One VPC per region in use."""
    registry: RegistrySettings = RegistrySettings()
    """The shared ECR registry in the home region; all defaults when absent."""
    ecs: EcsSettings | None = None
    """No ECS cluster when absent."""
    eks: EksSettings | None = None
    """No EKS clusters when absent."""
    insights: InsightsSettings = InsightsSettings()
    """Plan insights (cost, deploy time, diagram) settings; all defaults when absent."""
