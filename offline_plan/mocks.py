"""Plausible outputs for mocked resources and invokes.

Ids are derived from the URN, so two runs of the same program produce the same plan.
ARNs, ids and URLs carry the resource's real region (from its provider) and a fixed
account. Remote components (``awsx:ec2:Vpc``, ``eks:index:*``) arrive as one opaque
registration: the outputs the program reads are fabricated here from their inputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from offline_plan.sdk import ChildReference

ACCOUNT_ID = "123456789012"
"""The account every mocked ARN belongs to."""


class RepositoryNotFound(Exception):
    """ECR's answer to a look-up in a repository that does not exist."""


class UnexpectedInvoke(Exception):
    """An invoke the mocks do not know; tests fail on it so new data sources are mocked on purpose."""


def short_hash(text: str, length: int = 17) -> str:
    """A stable hex id fragment."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]


Outputs = dict[str, Any]
OutputFn = Callable[[MockResourceArgs, str, str], Outputs]
"""(args, region, resource id) -> outputs, merged over the inputs."""


def _vpc(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    """``awsx:ec2:Vpc``: one subnet per AZ and declared type; explicit ``cidrBlocks`` checked as awsx checks them.

    awsx (``subnetDistributorNew.ts``, ``validateAndNormalizeSubnetInputs``) rejects an explicit layout
    unless every spec lists ``cidrBlocks`` and each list has one block per AZ; the mock fails the same way.
    """
    inputs = args.inputs
    azs = len(inputs.get("availabilityZoneNames") or ()) or int(inputs.get("numberOfAvailabilityZones") or 3)
    specs = inputs.get("subnetSpecs") or [{"type": "Public"}, {"type": "Private"}]
    if any("cidrBlocks" in spec for spec in specs):
        for i, spec in enumerate(specs):
            blocks = spec.get("cidrBlocks")
            if blocks is None:
                raise ValueError(
                    "If any subnet spec has explicit cidrBlocks, all subnets must have explicit cidrBlocks."
                )
            if len(blocks) != azs:
                raise ValueError(
                    f"The number of CIDR blocks in subnetSpecs[{i}] must match the number of availability zones ({azs})."
                )
    kinds = [spec.get("type", "") for spec in specs]
    vpc_id = f"vpc-{short_hash(args.name)}"

    def subnets(kind: str) -> list[str]:
        return [f"subnet-{short_hash(f'{args.name}-{kind}-{i}')}" for i in range(azs)] if kind in kinds else []

    return {
        "vpcId": vpc_id,
        "publicSubnetIds": subnets("Public"),
        "privateSubnetIds": subnets("Private"),
        "isolatedSubnetIds": subnets("Isolated"),
    }


def _security_group(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {"arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:security-group/{rid}", "ownerId": ACCOUNT_ID}


def _vpc_endpoint(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    service = str(args.inputs.get("serviceName", ""))
    host = service.removeprefix(f"com.amazonaws.{region}.")
    return {
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpc-endpoint/{rid}",
        "dnsEntries": [{"dnsName": f"{rid}.{host}.{region}.vpce.amazonaws.com", "hostedZoneId": "Z7HUB22UULQXV"}],
        "state": "available",
    }


def _eks_cluster(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    """Outputs of ``eks:index:Cluster``: the scalars, and ``eksCluster`` (its ``aws.eks.Cluster`` child).

    ``core`` and the other resource-typed outputs are not faked: the program reads none of them.
    """
    cluster = str(args.inputs.get("name") or f"{args.name}-eksCluster-{short_hash(args.name, 7)}")
    issuer_id = short_hash(f"oidc-{args.name}-{region}", 32).upper()
    endpoint = f"https://{short_hash(cluster, 32).upper()}.gr7.{region}.eks.amazonaws.com"
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": endpoint, "certificate-authority-data": "TU9DSw=="}}],
        "contexts": [{"name": "aws", "context": {"cluster": cluster, "user": "aws"}}],
        "current-context": "aws",
        "users": [
            {
                "name": "aws",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", cluster, "--region", region],
                    }
                },
            }
        ],
    }
    cluster_security_group = f"sg-{short_hash(cluster + '-cluster')}"
    eks_cluster = ChildReference(
        type="aws:eks/cluster:Cluster",
        name=f"{args.name}-eksCluster",  # pulumi-eks: nodejs/eks/cluster/cluster.ts
        id=cluster,
        state={
            "name": cluster,
            "arn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:cluster/{cluster}",
            "endpoint": endpoint,
            "certificateAuthority": {"data": "TU9DSw=="},
            "version": args.inputs.get("version"),
            "status": "ACTIVE",
            "vpcConfig": {"clusterSecurityGroupId": cluster_security_group},
        },
    )
    return {
        "eksCluster": eks_cluster,
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "clusterSecurityGroupId": cluster_security_group,
        "nodeSecurityGroupId": f"sg-{short_hash(cluster + '-node')}",
        "oidcIssuer": f"oidc.eks.{region}.amazonaws.com/id/{issuer_id}",
        "oidcProviderUrl": f"https://oidc.eks.{region}.amazonaws.com/id/{issuer_id}",
        "oidcProviderArn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.{region}.amazonaws.com/id/{issuer_id}",
    }


def _ecr_repository(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    name = str(args.inputs.get("name") or args.name)
    return {
        "arn": f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{name}",
        "name": name,
        "registryId": ACCOUNT_ID,
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}",
    }


def _ecr_public_repository(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    name = str(args.inputs.get("repositoryName") or args.name)
    return {
        # ECR Public ARNs carry no region; the registry alias is random per account.
        "arn": f"arn:aws:ecr-public::{ACCOUNT_ID}:repository/{name}",
        "registryId": ACCOUNT_ID,
        "repositoryUri": f"public.ecr.aws/{short_hash(ACCOUNT_ID, 8)}/{name}",
    }


def _autoname(args: MockResourceArgs) -> str:
    """The physical name: the given one, or Pulumi-style autonaming (logical name + 7 characters)."""
    return str(args.inputs.get("name") or f"{args.name}-{short_hash(args.name, 7)}")


def _kms_key(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {"arn": f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{rid}", "keyId": rid}


def _iam(kind: str) -> OutputFn:
    def outputs(args: MockResourceArgs, region: str, rid: str) -> Outputs:
        name = _autoname(args)
        # IAM is global: its ARNs have no region.
        return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}", "name": name, "uniqueId": rid.upper()}

    return outputs


def _named_arn(service: str, kind: str, sep: str = "/") -> OutputFn:
    def outputs(args: MockResourceArgs, region: str, rid: str) -> Outputs:
        name = _autoname(args)
        return {"arn": f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}{sep}{name}", "name": name}

    return outputs


def _ecs_service(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    cluster = str(args.inputs.get("cluster", "")).rsplit("/", 1)[-1]
    name = str(args.inputs.get("name") or args.name)
    return {"arn": f"arn:aws:ecs:{region}:{ACCOUNT_ID}:service/{cluster}/{name}", "name": name}


def _task_definition(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    family = str(args.inputs.get("family") or args.name)
    base = f"arn:aws:ecs:{region}:{ACCOUNT_ID}:task-definition/{family}"
    return {"arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1}


def _launch_template(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {"arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:launch-template/{rid}", "latestVersion": 1, "defaultVersion": 1}


def _auto_scaling_group(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    name = _autoname(args)
    uuid = short_hash(name, 32)
    uuid = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:32]}"
    return {
        "arn": f"arn:aws:autoscaling:{region}:{ACCOUNT_ID}:autoScalingGroup:{uuid}:autoScalingGroupName/{name}",
        "name": name,
    }


def _load_balancer(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    name = _autoname(args)
    kind = "net" if args.inputs.get("loadBalancerType") == "network" else "app"
    suffix = f"{kind}/{name}/{short_hash(name, 16)}"
    internal = "internal-" if args.inputs.get("internal") else ""
    return {
        "arn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/{suffix}",
        "arnSuffix": suffix,
        "name": name,
        "dnsName": f"{internal}{name}-{short_hash(name, 10)}.{region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def _target_group(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    name = _autoname(args)
    suffix = f"targetgroup/{name}/{short_hash(name, 16)}"
    return {"arn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:{suffix}", "arnSuffix": suffix, "name": name}


def _listener(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {
        "arn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:listener/app/{args.name}/{short_hash(args.name, 16)}/{rid[-16:]}"
    }


def _efs_file_system(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {
        "arn": f"arn:aws:elasticfilesystem:{region}:{ACCOUNT_ID}:file-system/{rid}",
        "dnsName": f"{rid}.efs.{region}.amazonaws.com",
    }


def _efs_access_point(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {"arn": f"arn:aws:elasticfilesystem:{region}:{ACCOUNT_ID}:access-point/{rid}"}


def _endpoint_service(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {
        "serviceName": f"com.amazonaws.vpce.{region}.{rid}",
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpc-endpoint-service/{rid}",
    }


def _scaling_policy(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    name = _autoname(args)
    resource = str(args.inputs.get("resourceId", ""))
    return {
        "arn": f"arn:aws:autoscaling:{region}:{ACCOUNT_ID}:scalingPolicy:{short_hash(name, 8)}:resource/ecs/{resource}:policyName/{name}",
        "name": name,
    }


def _s3_bucket(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    # S3 bucket ARNs carry neither region nor account; the id is the bucket name.
    name = str(args.inputs.get("bucket") or rid)
    return {"bucket": name, "arn": f"arn:aws:s3:::{name}", "region": region}


def _ssm_activation(args: MockResourceArgs, region: str, rid: str) -> Outputs:
    return {"activationCode": "OFFLINE-ACTIVATION-CODE", "expired": False}


_ID_PREFIX = {
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:kms/key:Key": "",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:efs/fileSystem:FileSystem": "fs-",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "fs-",
    "aws:efs/accessPoint:AccessPoint": "fsap-",
    "aws:ec2/vpcEndpointService:VpcEndpointService": "vpce-svc-",
}

RESOURCE_OUTPUTS: dict[str, OutputFn] = {
    "awsx:ec2:Vpc": _vpc,
    "eks:index:Cluster": _eks_cluster,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:ecrpublic/repository:Repository": _ecr_public_repository,
    "aws:kms/key:Key": _kms_key,
    "aws:iam/role:Role": _iam("role"),
    "aws:ecs/cluster:Cluster": _named_arn("ecs", "cluster"),
    "aws:ecs/capacityProvider:CapacityProvider": _named_arn("ecs", "capacity-provider"),
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:cloudwatch/logGroup:LogGroup": _named_arn("logs", "log-group", ":"),
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:autoscaling/group:Group": _auto_scaling_group,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:ssm/activation:Activation": _ssm_activation,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:efs/fileSystem:FileSystem": _efs_file_system,
    "aws:efs/accessPoint:AccessPoint": _efs_access_point,
    "aws:ec2/vpcEndpointService:VpcEndpointService": _endpoint_service,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _named_arn("cloudwatch", "alarm", ":"),
    "aws:iam/policy:Policy": _iam("policy"),
    "aws:iam/instanceProfile:InstanceProfile": _iam("instance-profile"),
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:s3/bucket:Bucket": _s3_bucket,
}


def _image_id(ref: str) -> dict[str, str]:
    """An ``imageIds`` entry of ``ecr:ListImages`` for a pushed tag or digest."""
    if ref.startswith("sha256:"):
        return {"imageDigest": ref}
    return {"imageTag": ref, "imageDigest": "sha256:" + short_hash(ref, 64)}


def _in_account(value: Any, account_id: str) -> Any:
    """``value`` with the builders' ACCOUNT_ID replaced by the run's account, in every string."""
    if account_id == ACCOUNT_ID:
        return value
    if isinstance(value, str):
        return value.replace(ACCOUNT_ID, account_id)
    if isinstance(value, dict):
        return {k: _in_account(v, account_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_account(v, account_id) for v in value]
    if isinstance(value, ChildReference):
        return dataclasses.replace(value, state=_in_account(dict(value.state), account_id))
    return value


def resource_id(type_token: str, name: str) -> str:
    """The id the mocks give a registration: AWS's prefix for the type, then a hash of type and name."""
    return _ID_PREFIX.get(type_token, f"{name}-") + short_hash(f"{type_token}::{name}")


def generic_arn(type_token: str, region: str, name: str) -> str:
    """``aws:<service>/<kind>:<Type>`` -> ``arn:aws:<service>:<region>:<account>:<kind>/<name>``."""
    service, _, rest = type_token.removeprefix("aws:").partition("/")
    kind = rest.split(":")[0]
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}/{name}"


def _caller_identity(args: MockCallArgs, region: str) -> Outputs:
    return {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline-plan",
        "userId": "AIDAOFFLINEPLAN",
        "id": ACCOUNT_ID,
    }


def _ssm_parameter(args: MockCallArgs, region: str) -> Outputs:
    name = str(args.args.get("name", ""))
    # Public AMI parameters answer with an AMI id of their region.
    value = f"ami-{short_hash(name + region)}" if name.endswith("/image_id") else f"value-of-{name}"
    return {
        "arn": f"arn:aws:ssm:{region}::parameter{name}",
        "name": name,
        "type": "String",
        "value": value,
        "insecureValue": value,
        "version": 1,
        "id": name,
        "withDecryption": True,
    }


def _random_password(args: MockCallArgs, region: str) -> Outputs:
    length = int(args.args.get("passwordLength") or 32)
    return {"randomPassword": ("Offline" + short_hash("password", 64))[:length], "id": "offline"}


ZONE_NAMES_TO_IDS: dict[str, dict[str, str]] = {
    # us-east-1 maps zone names to zone ids per account (AWS: "AZ IDs"); this account's mapping is
    # deliberately not alphabetical, and it includes use1-az3, where EKS refuses cluster subnets.
    "us-east-1": {
        "us-east-1a": "use1-az6",
        "us-east-1b": "use1-az1",
        "us-east-1c": "use1-az2",
        "us-east-1d": "use1-az4",
        "us-east-1e": "use1-az3",
        "us-east-1f": "use1-az5",
    },
}
"""Zone name -> zone id of the mocked account, where it differs from three zones ``<region>a..c`` -> ``<prefix>-az1..3``."""


def _current_generation(instance_type: str) -> bool:
    """m5, c6i, m7i, r8g...: generation 5 and later, which run on Nitro hardware."""
    family = instance_type.split(".", 1)[0]
    return next((int(c) for c in family if c.isdigit()), 0) >= 5


NOT_OFFERED: dict[str, Callable[[str], bool]] = {
    # use1-az3 is an old zone without Nitro hardware: current-generation types are not offered
    # there (wolfman.dev/posts/exclude-use1-az3, "AWS AZs: Not all are Equal", 2021).
    "use1-az3": _current_generation,
}
"""Zone id -> which instance types the mocked account is not offered there; other zones offer every type."""

_DIRECTIONS = {
    **{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c"},
    **{"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"},
}


def zone_id_prefix(region: str) -> str:
    """``us-east-1`` -> ``use1``, ``ap-southeast-2`` -> ``apse2``: how the region's zone ids start."""
    geo, direction, number = region.split("-")
    return f"{geo}{_DIRECTIONS[direction]}{number}"


def zones_of(region: str) -> dict[str, str]:
    """Zone name -> zone id of the mocked account's available zones in ``region``."""
    if region in ZONE_NAMES_TO_IDS:
        return ZONE_NAMES_TO_IDS[region]
    return {f"{region}{letter}": f"{zone_id_prefix(region)}-az{i}" for i, letter in enumerate("abc", start=1)}


def _availability_zones(args: MockCallArgs, region: str) -> Outputs:
    excluded_names = set(args.args.get("excludeNames") or ())
    excluded_ids = set(args.args.get("excludeZoneIds") or ())
    zones = {
        name: zone_id
        for name, zone_id in zones_of(region).items()
        if name not in excluded_names and zone_id not in excluded_ids
    }
    return {
        "id": region,
        "region": region,
        "names": list(zones),
        "zoneIds": list(zones.values()),
        "groupNames": [region] * len(zones),
        "state": args.args.get("state"),
    }


def _instance_type_offerings(args: MockCallArgs, region: str) -> Outputs:
    wanted = [v for f in args.args.get("filters") or () if f.get("name") == "instance-type" for v in f["values"]]
    location_type = str(args.args.get("locationType") or "region")
    pairs: list[tuple[str, str]] = []
    for name, zone_id in zones_of(region).items():
        location = {"availability-zone": name, "availability-zone-id": zone_id}.get(location_type, region)
        not_offered = NOT_OFFERED.get(zone_id)
        pairs += [(location, t) for t in wanted if not (not_offered and not_offered(t))]
    if location_type == "region":
        pairs = list(dict.fromkeys(pairs))
    return {
        "id": region,
        "region": region,
        "locationType": location_type,
        "locations": [location for location, _ in pairs],
        "instanceTypes": [instance_type for _, instance_type in pairs],
        "locationTypes": [location_type] * len(pairs),
    }


INVOKE_RESULTS: dict[str, Callable[[MockCallArgs, str], Outputs]] = {
    "aws:secretsmanager/getRandomPassword:getRandomPassword": _random_password,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": _instance_type_offerings,
}


class PlausibleMocks(Mocks):
    """Mocks that answer like AWS would, in the right region.

    ``region_of`` maps a registration to its region (the recorder knows the providers);
    ``strict`` makes unknown invokes raise instead of answering ``{}`` with a warning.
    """

    def __init__(
        self,
        region_of: Callable[[MockResourceArgs], str],
        strict: bool = True,
        account_id: str = ACCOUNT_ID,
        images: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.region_of = region_of
        self.images = dict(images or {})
        """Repository -> tags (or ``sha256:`` digests) already pushed; empty: a first run on an empty account."""
        self.account_id = account_id
        """The account this run answers for: the stack's ``accountId`` (builders write ACCOUNT_ID; it is swapped)."""
        self.region_of_invoke: Callable[[MockCallArgs], str] = lambda call: region_of(
            MockResourceArgs("", "", {}, provider=call.provider)
        )
        self.strict = strict
        self.unexpected_invokes: list[str] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Id and outputs of a registration: inputs echoed (custom resources) plus plausible outputs."""
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", dict(args.inputs)
        region = self.region_of(args)
        rid = resource_id(args.typ, args.name)
        # Remote components' outputs differ in shape from their inputs (awsx natGateways
        # is a config object in, a list of resources out), so echo inputs for custom ones only.
        outputs: dict[str, Any] = dict(args.inputs) if args.custom else {}
        if args.typ.startswith("aws:"):
            outputs.setdefault("arn", generic_arn(args.typ, region, args.name))
        if args.typ in RESOURCE_OUTPUTS:
            outputs.update(_in_account(RESOURCE_OUTPUTS[args.typ](args, region, rid), self.account_id))
        return rid, outputs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Answer a known invoke; an unknown one fails (strict) or answers ``{}`` with a warning."""
        if args.token == "aws:ecr/getRepositories:getRepositories":
            return {"id": "repositories", "names": sorted(self.images)}, []
        if args.token == "aws:ecr/getImages:getImages":
            repository = str(args.args.get("repositoryName"))
            if repository not in self.images:
                # As ECR answers ListImages for a repository that does not exist (yet).
                raise RepositoryNotFound(f"RepositoryNotFoundException: repository {repository} does not exist")
            return {"id": "images", "imageIds": [_image_id(ref) for ref in self.images[repository]]}, []
        if args.token in INVOKE_RESULTS:
            return _in_account(INVOKE_RESULTS[args.token](args, self.region_of_invoke(args)), self.account_id), []
        if self.strict:
            raise UnexpectedInvoke(f"no mock for invoke {args.token}; add one to offline_plan/mocks.py")
        self.unexpected_invokes.append(args.token)
        return {}, []
