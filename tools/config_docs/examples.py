"""The examples of docs/errors.md: one small edit of a committed stack file per settings error or warning.

Add one here with every new ``Problem`` or warning in ``settings``; ``tests/test_docs_generated.py``
fails while a place that makes one is reached by no example. ``make docs`` prints what each one says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()
"""An edit's value that removes the key."""


@dataclass(frozen=True)
class Example:
    """One edit (or a few) of ``Pulumi.<stack>.yaml`` and the group of rules it belongs to."""

    id: str
    """Anchor on the page, stable so other pages can link to it."""
    group: str
    stack: str
    edits: tuple[tuple[str, Any], ...]
    """(path, new value) pairs; paths as errors print them (``ecs.services[web].cpu``) or by index."""
    known_warnings: bool = False
    """Show the warnings the unedited stack has too (by default only those the edit adds)."""


EXAMPLES: tuple[Example, ...] = (
    Example("aws-region", "Top level", "dev", (("aws:region", "us-east-9"),)),
    Example("aws-region-2", "Top level", "dev", (("aws:region", DELETE),)),
    Example("environment", "Top level", "dev", (("environment", "qa"),)),
    Example("environment-2", "Top level", "dev", (("environment", DELETE),)),
    Example("accountid", "Top level", "dev", (("accountId", DELETE),)),
    Example("accountid-2", "Top level", "dev", (("accountId", "12345"),)),
    Example("unknown-section", "Top level", "dev", (("container-platform:netwrok", {}),)),
    Example("did-you-mean", "Top level", "dev", (("ecs.services[web].desiredCont", 3),)),
    Example("yaml-number-for-string", "Top level", "dev", (("ecs.services[web].environment.LOG_LEVEL", 1.5),)),
    Example("yaml-boolean-for-string", "Top level", "dev", (("ecs.services[web].environment.DEBUG", True),)),
    Example("network", "Network", "dev", (("network", DELETE),)),
    Example("network-azcount", "Network", "dev", (("network.azCount", 1),)),
    Example("network-azcount-2", "Network", "dev", (("network.azCount", 7),)),
    Example("network-azcount-3", "Network", "dev", (("network.azCount", "2"),)),
    Example("network-natgateways", "Network", "dev", (("network.natGateways", "perAZ"),)),
    Example("network-vpcendpoints", "Network", "dev", (("network.vpcEndpoints", "yes"),)),
    Example("network-cidrs-us-east-1", "Network", "dev", (("network.cidrs.us-east-1", "10.10.0.1/16"),)),
    Example("network-cidrs-us-east-1-2", "Network", "dev", (("network.cidrs.us-east-1", "8.8.0.0/16"),)),
    Example("network-cidrs-us-east-1-3", "Network", "dev", (("network.cidrs.us-east-1", "10.10.0.0/24"),)),
    Example("network-cidrs", "Network", "dev", (("network.cidrs", {}),)),
    Example("network-cidrs-eu-west-1", "Network", "dev", (("network.cidrs.eu-west-1", "10.11.0.0/16"),)),
    Example("network-cidrs-eu-west-1-2", "Network", "prod", (("network.cidrs.eu-west-1", "10.20.128.0/17"),)),
    Example(
        "network-natgateways-2",
        "Network",
        "dev",
        (("network", {"natGateways": "none", "vpcEndpoints": False, "cidrs": {"us-east-1": "10.10.0.0/16"}}),),
    ),
    Example(
        "network-zoneids-not-in-use", "Network", "dev", (("network.zoneIds", {"eu-west-1": ["euw1-az1", "euw1-az2"]}),)
    ),
    Example("network-zoneids-count", "Network", "dev", (("network.zoneIds", {"us-east-1": ["use1-az1"]}),)),
    Example(
        "network-zoneids-not-an-id", "Network", "dev", (("network.zoneIds", {"us-east-1": ["us-east-1a", "use1-az2"]}),)
    ),
    Example("network-zoneids-twice", "Network", "dev", (("network.zoneIds", {"us-east-1": ["use1-az1", "use1-az1"]}),)),
    Example(
        "network-zoneids-eks-unsupported",
        "Network",
        "dev",
        (("network.zoneIds", {"us-east-1": ["use1-az3", "use1-az1"]}),),
    ),
    Example("network-cidrs-ipv6", "Network", "dev", (("network.cidrs.us-east-1", "fd00::/8"),)),
    Example("network-flowlogs-off", "Network", "dev", (("network.flowLogs", {"enabled": False}),)),
    Example(
        "network-flowlogs-reason", "Network", "dev", (("network.flowLogs.offReason", "no workload runs here yet"),)
    ),
    Example("network-flowlogs-retention", "Network", "dev", (("network.flowLogs.retentionDays", 10),)),
    Example("registry-repositories", "Registry", "dev", (("registry.repositories[worker].name", "web"),)),
    Example("registry-repositories-name", "Registry", "dev", (("registry.repositories[web].name", "Web"),)),
    Example(
        "registry-repositories-keeptaggedimages",
        "Registry",
        "dev",
        (("registry.repositories[worker].keepTaggedImages", 0),),
    ),
    Example(
        "registry-repositories-tagmutability",
        "Registry",
        "dev",
        (("registry.repositories[web].tagMutability", "immutable"),),
    ),
    Example("registry-untaggedexpirydays", "Registry", "dev", (("registry.untaggedExpiryDays", 0),)),
    Example("registry-scanning", "Registry", "dev", (("registry.scanning", "full"),)),
    Example("registry-pullaccounts", "Registry", "dev", (("registry.pullAccounts", ["12345"]),)),
    Example(
        "registry-pushprincipals",
        "Registry",
        "dev",
        (("registry.pushPrincipals", ["arn:aws:iam::123456789012:group/ci"]),),
    ),
    Example("registry-forcedelete", "Registry", "prod", (("registry.forceDelete", True),)),
    Example(
        "registry-pullthroughcache-credentialarn",
        "Registry",
        "dev",
        (("registry.pullThroughCache", [{"prefix": "hub", "upstream": "registry-1.docker.io"}]),),
    ),
    Example(
        "registry-pullthroughcache-upstream",
        "Registry",
        "dev",
        (("registry.pullThroughCache", [{"prefix": "k8s", "upstream": "k8s.io"}]),),
    ),
    Example(
        "registry-public-architectures",
        "Registry",
        "dev",
        (("registry.public[platform-tools].architectures", ["amd64"]),),
    ),
    Example(
        "registry-public-description", "Registry", "dev", (("registry.public[platform-tools].description", "x" * 300),)
    ),
    Example(
        "registry-pullthroughcache-credential-public",
        "Registry",
        "dev",
        (
            (
                "registry.pullThroughCache",
                [
                    {
                        "prefix": "ecr-public",
                        "upstream": "public.ecr.aws",
                        "credentialArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/x",
                    }
                ],
            ),
        ),
    ),
    Example(
        "registry-pullthroughcache-prefix-taken",
        "Registry",
        "dev",
        (("registry.pullThroughCache", [{"prefix": "web", "upstream": "public.ecr.aws"}]),),
    ),
    Example("registry-ownsregistrysettings", "Registry", "prod", (("registry.ownsRegistrySettings", False),)),
    Example(
        "registry-repositories-replication-limit",
        "Registry",
        "prod",
        (("registry.repositories", [{"name": "web"}, {"name": "worker"}, *({"name": f"r{i:03}"} for i in range(99))]),),
    ),
    Example("ecs-launchtype", "ECS", "dev", (("ecs.launchType", "fargate"),)),
    Example("ecs-fargatespotweight", "ECS", "dev", (("ecs.fargateSpotWeight", -1),)),
    Example("ecs-instances", "ECS", "dev", (("ecs.instances", {"instanceTypes": ["m7i.large"]}),)),
    Example("ecs-fargatespotweight-2", "ECS", "prod", (("ecs.fargateSpotWeight", 2),)),
    Example("ecs-instances-2", "ECS", "prod", (("ecs.instances", DELETE),)),
    Example("ecs-instances-minsize", "ECS", "prod", (("ecs.instances.minSize", 20),)),
    Example("ecs-instances-desiredsize", "ECS", "prod", (("ecs.instances.desiredSize", 40),)),
    Example("ecs-instances-minsize-2", "ECS", "prod", (("ecs.instances.minSize", 3),)),
    Example("ecs-instances-cputarget", "ECS", "prod", (("ecs.instances.cpuTarget", 60),)),
    Example(
        "ecs-instances-targetcapacity",
        "ECS",
        "prod",
        (("ecs.instances", {"instanceTypes": ["m7i.large"], "scaling": "cpu", "maxSize": 4, "targetCapacity": 90}),),
    ),
    Example("ecs-instances-scaling", "ECS", "prod", (("ecs.instances.scaling", "both"),)),
    Example("ecs-instances-instancetypes", "ECS", "prod", (("ecs.instances.instanceTypes", ["m7g.large"]),)),
    Example("ecs-instances-instancetypes-2", "ECS", "prod", (("ecs.instances.instanceTypes", []),)),
    Example("ecs-logretentiondays", "ECS", "dev", (("ecs.logRetentionDays", 10),)),
    Example("ecs-services-cpu", "ECS", "dev", (("ecs.services[web].cpu", 300),)),
    Example("ecs-services-memory", "ECS", "dev", (("ecs.services[worker].memory", 3000),)),
    Example("ecs-services-cpu-2", "ECS", "dev", (("ecs.services[web].cpu", "512"),)),
    Example("ecs-services-cpu-3", "ECS", "prod", (("ecs.services[web].cpu", 64),)),
    Example("ecs-services-port", "ECS", "dev", (("ecs.services[web].port", 70000),)),
    Example("ecs-services-port-2", "ECS", "dev", (("ecs.services[web].port", DELETE),)),
    Example("ecs-services", "ECS", "dev", (("ecs.services[worker].name", "web"),)),
    Example("ecs-services-name", "ECS", "dev", (("ecs.services[web].name", "Web_1"),)),
    Example("ecs-services-image", "ECS", "dev", (("ecs.services[web].image", "web"),)),
    Example("ecs-services-image-2", "ECS", "dev", (("ecs.services[web].image", "web:latest"),)),
    Example("ecs-services-image-3", "ECS", "dev", (("ecs.services[web].image", "nginx:1.27"),)),
    Example("ecs-services-image-4", "ECS", "dev", (("ecs.services[web].image", "Not An Image"),)),
    Example("ecs-services-desiredcount", "ECS", "dev", (("ecs.services[web].desiredCount", 30),)),
    Example("ecs-services-loadbalancer-type", "ECS", "dev", (("ecs.services[web].loadBalancer.type", "classic"),)),
    Example(
        "ecs-services-loadbalancer-healthcheckpath",
        "ECS",
        "dev",
        (("ecs.services[web].loadBalancer.healthCheckPath", "healthz"),),
    ),
    Example(
        "ecs-services-loadbalancer-privatelink", "ECS", "dev", (("ecs.services[web].loadBalancer.privateLink", True),)
    ),
    Example(
        "ecs-services-loadbalancer-certificatearn",
        "ECS",
        "dev",
        (
            (
                "ecs.services[web].loadBalancer.certificateArn",
                "arn:aws:acm:eu-west-1:123456789012:certificate/0f7c9a52-3a8e",
            ),
        ),
    ),
    Example("ecs-services-volumes-efs", "ECS", "dev", (("ecs.services[web].volumes", [{"efs": "data"}]),)),
    Example(
        "ecs-services-volumes", "ECS", "dev", (("ecs.services[web].volumes", [{"efs": "/data"}, {"efs": "/logs"}]),)
    ),
    Example(
        "ecs-services-secrets-database_url",
        "ECS",
        "dev",
        (("ecs.services[web].secrets.DATABASE_URL", "postgres://u:p@db"),),
    ),
    Example(
        "ecs-services-secrets-database_url-2",
        "ECS",
        "dev",
        (("ecs.services[web].secrets.DATABASE_URL", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web-db"),),
    ),
    Example(
        "ecs-services-environment-database_url", "ECS", "dev", (("ecs.services[web].environment.DATABASE_URL", "x"),)
    ),
    Example("ecs-services-environment-log_level", "ECS", "dev", (("ecs.services[web].environment.LOG_LEVEL", 3),)),
    Example("ecs-services-autoscaling-mincount", "ECS", "dev", (("ecs.services[web].autoscaling.minCount", 25),)),
    Example("ecs-services-autoscaling-cputarget", "ECS", "dev", (("ecs.services[web].autoscaling.cpuTarget", 150),)),
    Example(
        "ecs-services-autoscaling-requestspertarget",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.requestsPerTarget", 100),),
    ),
    Example("ecs-services-autoscaling", "ECS", "dev", (("ecs.services[worker].autoscaling.stepScaling", DELETE),)),
    Example(
        "ecs-services-autoscaling-stepscaling-period",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.period", 45),),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scaleout-steps-change",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleOut.steps[0].change", -1),),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scaleout-steps",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleOut.steps[1].lowerBound", 20),),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scaleout-steps-2",
        "ECS",
        "dev",
        (
            (
                "ecs.services[worker].autoscaling.stepScaling.scaleOut.steps[1]",
                {"lowerBound": 15, "upperBound": 30, "change": 2},
            ),
        ),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scalein-steps",
        "ECS",
        "dev",
        (
            (
                "ecs.services[worker].autoscaling.stepScaling.scaleIn.steps",
                [{"upperBound": 0, "lowerBound": -10, "change": -1}, {"upperBound": -20, "change": -2}],
            ),
        ),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scalein-steps-2",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleIn.steps", [{"upperBound": -5, "change": -1}]),),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scaleout-steps-3",
        "ECS",
        "dev",
        (
            (
                "ecs.services[worker].autoscaling.stepScaling.scaleOut.steps",
                [{"lowerBound": 0, "upperBound": 10, "change": 1}, {"lowerBound": 0, "change": 2}],
            ),
        ),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scalein-steps-change",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleIn.steps[0].change", 1),),
    ),
    Example(
        "ecs-services-autoscaling-stepscaling-scalein-threshold",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleIn.threshold", 90),),
    ),
    Example(
        "ecs-services-autoscaling-schedules-cron",
        "ECS",
        "dev",
        (("ecs.services[web].autoscaling.schedules[business-hours].cron", "0 8 * * *"),),
    ),
    Example(
        "ecs-services-autoscaling-schedules-mincount",
        "ECS",
        "dev",
        (("ecs.services[web].autoscaling.schedules[business-hours].minCount", 30),),
    ),
    Example(
        "ecs-services-autoscaling-schedules-timezone",
        "ECS",
        "dev",
        (("ecs.services[web].autoscaling.schedules[business-hours].timezone", "Mars/Olympus"),),
    ),
    Example(
        "ecs-services-taskpolicy-actions",
        "ECS",
        "dev",
        (("ecs.services[web].taskPolicy", [{"actions": ["s3:*"], "resources": ["*"]}]),),
    ),
    Example(
        "ecs-services-taskpolicy-actions-2",
        "ECS",
        "dev",
        (("ecs.services[web].taskPolicy", [{"actions": ["*"], "resources": ["*"]}]),),
    ),
    Example("ecs-services-volumes-2", "ECS", "dev", (("ecs.services[web].volumes", [{"efs": "/tmp"}]),)),
    Example("ecs-services-name-2", "ECS", "dev", (("ecs.services[web].name", "a-very-long-service-name"),)),
    Example(
        "ecs-services-loadbalancer-accesslogsbucket",
        "ECS",
        "dev",
        (("ecs.services[web].loadBalancer.accessLogsBucket", "Bad_Bucket"),),
    ),
    Example(
        "ecs-services-autoscaling-schedules",
        "ECS",
        "dev",
        (("ecs.services[web].autoscaling.schedules[business-hours].at", "2027-01-01T08:00:00"),),
    ),
    Example(
        "ecs-services-autoscaling-schedules-at",
        "ECS",
        "dev",
        (("ecs.services[web].autoscaling.schedules[business-hours].at", "tomorrow"),),
    ),
    Example("ecs-services-healthcheck-command", "ECS", "dev", (("ecs.services[web].healthCheck.command[0]", "RUN"),)),
    Example("ecs-services-healthcheck-timeout", "ECS", "dev", (("ecs.services[web].healthCheck.timeout", 40),)),
    Example("ecs-services-enableexecutecommand", "ECS", "dev", (("ecs.services[worker].enableExecuteCommand", True),)),
    Example("ecs-services-healthcheck-timeout-2", "ECS", "dev", (("ecs.services[web].healthCheck.timeout", 90),)),
    Example(
        "ecs-services-loadbalancer-certificatearn-2",
        "ECS",
        "prod",
        (
            (
                "ecs.services[web].loadBalancer.certificateArn",
                "arn:aws:acm:us-east-1:123456789012:certificate/0f7c9a52-3a8e-4d8e-9b1e-2f5c7d9e1a00",
            ),
        ),
    ),
    Example(
        "ecs-services-loadbalancer-privatelinkprincipals",
        "ECS",
        "dev",
        (("ecs.services[api].loadBalancer.privateLinkPrincipals", ["*"]),),
    ),
    Example(
        "ecs-services-loadbalancer-privatelinkprincipals-2",
        "ECS",
        "dev",
        (("ecs.services[web].loadBalancer.privateLinkPrincipals", ["arn:aws:iam::123456789012:root"]),),
    ),
    Example("ecs-external-needs-anywhere", "ECS", "dev", (("ecs.services[worker].launchType", "EXTERNAL"),)),
    Example(
        "ecs-external-unsupported",
        "ECS",
        "dev",
        (("ecs.anywhere", {"expirationDate": "2026-12-20"}), ("ecs.services[web].launchType", "EXTERNAL")),
    ),
    Example(
        "ecs-external-egress",
        "ECS",
        "dev",
        (
            ("ecs.anywhere", {"expirationDate": "2026-12-20"}),
            ("ecs.services[worker].launchType", "EXTERNAL"),
            (
                "ecs.services[worker].egress",
                [{"name": "db", "description": "DB", "port": 5432, "cidrs": ["10.0.0.0/8"]}],
            ),
        ),
    ),
    Example(
        "ecs-external-host-network",
        "ECS",
        "dev",
        (
            ("ecs.anywhere", {"expirationDate": "2026-12-20"}),
            ("ecs.services[worker].launchType", "EXTERNAL"),
            ("ecs.services[worker].networkMode", "host"),
        ),
    ),
    Example("ecs-anywhere-not-a-date", "ECS", "dev", (("ecs.anywhere", {"expirationDate": "2026-02-30"}),)),
    Example("ecs-anywhere-too-far", "ECS", "dev", (("ecs.anywhere", {"expirationDate": "2027-06-01"}),)),
    Example("ecs-networkmode-not-external", "ECS", "dev", (("ecs.services[web].networkMode", "bridge"),)),
    Example("ecs-volumes-need-shared-file-system", "ECS", "dev", (("ecs.sharedFileSystem", False),)),
    Example("ecs-ec2-memory-range", "ECS", "prod", (("ecs.services[web].memory", 64),)),
    Example("ecs-environment-credential", "ECS", "dev", (("ecs.services[web].environment.DB_PASSWORD", "hunter2"),)),
    Example(
        "ecs-nlb-health-check-path", "ECS", "dev", (("ecs.services[api].loadBalancer.healthCheckPath", "/healthz"),)
    ),
    Example("ecs-root-needs-reason", "ECS", "dev", (("ecs.services[worker].user", "0:0"),)),
    Example(
        "ecs-root-reason-without-root",
        "ECS",
        "dev",
        (("ecs.services[worker].runAsRootReason", "the image needs root to bind port 80"),),
    ),
    Example(
        "ecs-root-reason-for-non-root",
        "ECS",
        "dev",
        (
            ("ecs.services[worker].user", "10001:10001"),
            ("ecs.services[worker].runAsRootReason", "the image needs root to bind port 80"),
        ),
    ),
    Example("ecs-user-id-too-large", "ECS", "dev", (("ecs.services[worker].user", "4294967295:0"),)),
    Example(
        "ecs-egress-needs-destination",
        "ECS",
        "dev",
        (("ecs.services[worker].egress", [{"name": "db", "description": "Orders database", "port": 5432}]),),
    ),
    Example(
        "ecs-egress-host-bits",
        "ECS",
        "dev",
        (
            (
                "ecs.services[worker].egress",
                [{"name": "db", "description": "Orders database", "port": 5432, "cidrs": ["10.30.0.1/16"]}],
            ),
        ),
    ),
    Example(
        "ecs-egress-backwards-range",
        "ECS",
        "dev",
        (
            (
                "ecs.services[worker].egress",
                [{"name": "app", "description": "App ports", "port": 9000, "toPort": 8000, "cidrs": ["10.0.0.0/8"]}],
            ),
        ),
    ),
    Example(
        "ecs-egress-range-to-internet",
        "ECS",
        "dev",
        (
            (
                "ecs.services[worker].egress",
                [
                    {
                        "name": "out",
                        "description": "Anything high",
                        "port": 1024,
                        "toPort": 65535,
                        "cidrs": ["0.0.0.0/0"],
                    }
                ],
            ),
        ),
    ),
    Example("ecs-alb-plain-http", "ECS", "dev", (("ecs.services[web].loadBalancer.plainHttpReason", DELETE),)),
    Example("ecs-writable-root-needs-reason", "ECS", "dev", (("ecs.services[worker].readOnlyRootFilesystem", False),)),
    Example(
        "ecs-host-reason-without-host",
        "ECS",
        "dev",
        (("ecs.services[web].hostNetworkReason", "the agent reads the multicast feed"),),
    ),
    Example(
        "ecs-writable-reason-without-writable",
        "ECS",
        "dev",
        (("ecs.services[web].writableRootFilesystemReason", "the cache lives on the root disk"),),
    ),
    Example(
        "ecs-step-out-below-threshold",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleOut.steps[0].lowerBound", -5),),
    ),
    Example(
        "ecs-step-in-above-threshold",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleIn.steps[0].upperBound", 5),),
    ),
    Example(
        "ecs-step-no-bounds",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleIn.steps", [{"change": -1}]),),
    ),
    Example(
        "ecs-step-bounds-order",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling.scaleOut.steps[0].upperBound", 0),),
    ),
    Example(
        "ecs-step-scaling-empty",
        "ECS",
        "dev",
        (("ecs.services[worker].autoscaling.stepScaling", {"metric": "CPUUtilization"}),),
    ),
    Example(
        "ecs-schedule-no-bounds",
        "ECS",
        "dev",
        (
            ("ecs.services[web].autoscaling.schedules[business-hours].minCount", DELETE),
            ("ecs.services[web].autoscaling.schedules[business-hours].maxCount", DELETE),
        ),
    ),
    Example("eks-version", "EKS", "dev", (("eks.version", 1.35),)),
    Example("eks-version-2", "EKS", "dev", (("eks.version", "1.29"),)),
    Example("eks-regions", "EKS", "dev", (("eks.regions", []),)),
    Example("eks-regions-2", "EKS", "prod", (("eks.regions[1]", "eu-west-4"),)),
    Example("eks-regions-3", "EKS", "dev", (("eks.regions", ["us-east-1", "us-east-1"]),)),
    Example("eks-endpointpublicaccesscidrs", "EKS", "dev", (("eks.endpointPublicAccessCidrs", ["0.0.0.0/0"]),)),
    Example("eks-endpointpublicaccesscidrs-2", "EKS", "dev", (("eks.endpointPublicAccessCidrs", ["203.0.113.7/24"]),)),
    Example("eks-adminrolearns", "EKS", "dev", (("eks.adminRoleArns", ["arn:aws:iam::123456789012:user/bob"]),)),
    Example("eks-nodegroups", "EKS", "dev", (("eks.nodeGroups", []),)),
    Example("eks-nodegroups-kind", "EKS", "dev", (("eks.nodeGroups[system].kind", "unmanaged"),)),
    Example("eks-nodegroups-capacitytype", "EKS", "dev", (("eks.nodeGroups[system].capacityType", "spot"),)),
    Example("eks-nodegroups-minsize", "EKS", "dev", (("eks.nodeGroups[system].minSize", 5),)),
    Example("eks-nodegroups-desiredsize", "EKS", "dev", (("eks.nodeGroups[system].desiredSize", 1),)),
    Example("eks-nodegroups-maxsize", "EKS", "dev", (("eks.nodeGroups[system].maxSize", 500),)),
    Example("eks-nodegroups-2", "EKS", "dev", (("eks.nodeGroups[spot].name", "system"),)),
    Example("eks-nodegroups-instancetypes", "EKS", "dev", (("eks.nodeGroups[system].instanceTypes", ["m7g.large"]),)),
    Example("eks-nodegroups-instancetype", "EKS", "dev", (("eks.nodeGroups[system].instanceType", "m7i.large"),)),
    Example("eks-nodegroups-amiid", "EKS", "prod", (("eks.nodeGroups[custom].amiId", "ami-123"),)),
    Example("eks-nodegroups-capacitytype-2", "EKS", "prod", (("eks.nodeGroups[custom].capacityType", "SPOT"),)),
    Example(
        "eks-nodegroups-taints-effect",
        "EKS",
        "dev",
        (("eks.nodeGroups[system].taints", [{"key": "dedicated", "effect": "NO_SCHEDULE"}]),),
    ),
    Example("eks-fargateprofiles-namespaces", "EKS", "dev", (("eks.fargateProfiles[batch].namespaces", []),)),
    Example(
        "eks-fargateprofiles-namespaces-2",
        "EKS",
        "dev",
        (("eks.fargateProfiles[batch].namespaces", ["a", "b", "c", "d", "e", "f"]),),
    ),
    Example("eks-storage-fsxontap", "EKS", "dev", (("eks.storage.fsxOntap", "no"),)),
    Example("eks-storage-s3", "EKS", "dev", (("eks.storage.s3", True),)),
    Example("eks-containerinsights", "EKS", "dev", (("eks.containerInsights", 1),)),
    Example("eks-nodegroups-spotmaxprice", "EKS", "prod", (("eks.nodeGroups[custom].spotMaxPrice", "cheap"),)),
    Example("eks-nodegroups-spot", "EKS", "prod", (("eks.nodeGroups[custom].spot", True),)),
    Example("eks-versions", "EKS", "dev", (("eks.versions", DELETE),)),
    Example("eks-versions-addons", "EKS", "dev", (("eks.versions.addons.coredns", DELETE),)),
    Example("eks-versions-addons-2", "EKS", "prod", (("eks.versions.addons.aws-fsx-csi-driver", DELETE),)),
    Example("eks-versions-addons-kube-proxy", "EKS", "dev", (("eks.versions.addons.kube-proxy", "latest"),)),
    Example("eks-versions-addons-cilium", "EKS", "dev", (("eks.versions.addons.cilium", "v1.0.0-eksbuild.1"),)),
    Example("eks-versions-amireleaseversion", "EKS", "dev", (("eks.versions.amiReleaseVersion", "1.34.2-20261110"),)),
    Example("eks-versions-amireleaseversion-2", "EKS", "dev", (("eks.versions.amiReleaseVersion", "20261110"),)),
    Example("eks-versions-clusterautoscaler", "EKS", "dev", (("eks.versions.clusterAutoscaler", "v1.34.1"),)),
    Example(
        "eks-versions-addons-amazon-cloudwatch-observability",
        "EKS",
        "dev",
        (("eks.versions.addons.amazon-cloudwatch-observability", "v4.5.0-eksbuild.1"),),
    ),
    Example(
        "eks-versions-bottlerocketreleaseversion",
        "EKS",
        "dev",
        (("eks.nodeGroups[system].amiType", "BOTTLEROCKET_x86_64"),),
    ),
    Example("eks-breakglassrolearn", "EKS", "dev", (("eks.breakGlassRoleArn", "arn:aws:iam::123456789012:user/x"),)),
    Example("eks-nodegroups-spotmaxprice-2", "EKS", "prod", (("eks.nodeGroups[custom].spotMaxPrice", "0.05"),)),
    Example("eks-nodegroups-amiid-2", "EKS", "prod", (("eks.nodeGroups[custom].amiId", "ami-0123456789abcdef0"),)),
    Example(
        "eks-adminrolearns-2",
        "EKS",
        "dev",
        (("eks.adminRoleArns", ["arn:aws:iam::123456789012:role/a/admin", "arn:aws:iam::210987654321:role/Admin"]),),
    ),
    Example("eks-nodemetadatahoplimit", "EKS", "dev", (("eks.nodeMetadataHopLimit", 3),)),
    Example("eks-clusterautoscaler", "EKS", "dev", (("network.natGateways", "none"),)),
    Example(
        "eks-break-glass-is-admin",
        "EKS",
        "dev",
        (
            ("eks.adminRoleArns", ["arn:aws:iam::123456789012:role/break-glass"]),
            ("eks.breakGlassRoleArn", "arn:aws:iam::123456789012:role/break-glass"),
        ),
    ),
    Example("warn-nat-none", "Warnings", "dev", (("network.natGateways", "none"), ("eks.clusterAutoscaler", False))),
    Example("warn-nat-single-prod", "Warnings", "prod", (("network.natGateways", "single"),)),
    Example("warn-anywhere-expired", "Warnings", "dev", (("ecs.anywhere", {"expirationDate": "2026-11-01"}),)),
    Example(
        "warn-secret-other-account",
        "Warnings",
        "dev",
        (("ecs.services[web].secrets.DATABASE_URL", "arn:aws:secretsmanager:us-east-1:111122223333:secret:web-db"),),
    ),
    Example("warn-ecs-spot-single-type", "Warnings", "prod", (("ecs.instances.spot", True),)),
    Example("warn-eks-spot-single-type", "Warnings", "dev", (("eks.nodeGroups[spot].instanceTypes", ["m7i.large"]),)),
    Example(
        "warn-eks-addon-unused", "Warnings", "dev", (("eks.versions.addons.aws-fsx-csi-driver", "v1.8.0-eksbuild.1"),)
    ),
    Example(
        "warn-alb-plain-http",
        "Warnings",
        "prod",
        (
            (
                "ecs.services[web].loadBalancer",
                {"type": "application", "public": True, "plainHttpReason": "internal tooling behind a VPN only"},
            ),
        ),
    ),
    # The committed stacks already run a version near the end of its support: shown with their own warnings.
    Example("warn-eks-version-support", "Warnings", "dev", (("eks.version", "1.35"),), known_warnings=True),
)
