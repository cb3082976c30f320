"""The guardrail rules, one table of firing cases and one of passing cases, on engine-shaped inputs.

Subjects look like what ``pulumi preview`` and the offline recorder hand a policy: camelCase keys as
pulumi-aws names them, policy documents and container definitions as JSON strings, some booleans as
the strings ``"true"``/``"false"``. Every firing case starts from a compliant resource (``COMPLIANT``)
and changes one thing, so the finding can only come from that change. The last sections run the
pulumi_policy objects of ``policies()`` on hand-built plans (exceptions, unknown values, provider and
dependency wiring) and check that the property names the rules read exist in the installed SDKs.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from policy.guardrails.model import EXCEPTION_TAG_PREFIX, MIN_REASON_LENGTH, Finding, Subject, in_stack
from policy.guardrails.offline import UNKNOWN_MARK, evaluate
from policy.guardrails.pack import policies
from policy.guardrails.rules import RULES
from policy.guardrails.rules.eks import STANDARD_SUPPORT_ENDS

RULE = {rule.id: rule for rule in RULES}
EXCEPTIONS_POLICY = "guardrail-exceptions"
EXCEPTION_TAGS_POLICY = "guardrail-exception-tags"

ACCOUNT = "123456789012"
REGION = "us-east-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f3c2b1a-5d4e-4f6a-8b7c-9d0e1f2a3b4c"
TASK_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecs-api-task-role-5ce119f"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecs-execution-role-df320f4"
NODE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/eks-us-east-1-node-role-693fd65"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:api-db-AbC123"
OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/5C4A1F0E8B7D6C3A2B1E0F9D8C7B6A54"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_ISSUER}"
PRIVATE_SUBNETS = ["subnet-60d81712552162eed", "subnet-100ec940c13fea098", "subnet-0e99387554db9a25e"]
VPC_ID = "vpc-831407e92ad0e890c"
LB_SG_ID = "sg-123e25608c5120cbd"
TASK_SG_ID = "sg-1ece0bdecba9e5d0c"
EFS_ID = "fs-98692217f7a531608"


def _default_tags(environment: str) -> str:
    tags = {"project": "container-platform", "stack": environment, "environment": environment, "managed-by": "pulumi"}
    return json.dumps({"tags": tags})


def provider(environment: str = "dev", region: str = REGION) -> dict[str, Any]:
    """Inputs of an aws provider as the engine carries them (defaultTags is a JSON string)."""
    return {
        "skipCredentialsValidation": "false",
        "region": region,
        "defaultTags": _default_tags(environment),
        "skipRegionValidation": "true",
    }


DEV = provider("dev")
PROD = provider("prod")


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::container-platform::pulumi:pulumi:Stack${type_}::{name}"


def res(type_: str, name: str, props: dict[str, Any], deps: dict[str, list[str]] | None = None) -> Subject:
    return Subject(type_, name, urn(type_, name), props, DEV, property_dependencies=deps or {})


def edit(subject: Subject, **changes: Any) -> Subject:
    """``subject`` with some inputs replaced."""
    return replace(subject, props={**subject.props, **changes})


def drop(subject: Subject, *keys: str) -> Subject:
    """``subject`` without some inputs (as when the program leaves them unset)."""
    return replace(subject, props={k: v for k, v in subject.props.items() if k not in keys})


def renamed(subject: Subject, name: str) -> Subject:
    return replace(subject, name=name, urn=urn(subject.type, name))


def retyped(subject: Subject, type_: str) -> Subject:
    """The same inputs under another type token (``aws:alb/...`` for ``aws:lb/...``)."""
    return replace(subject, type=type_, urn=urn(type_, subject.name))


def on(subject: Subject, provider_props: dict[str, Any]) -> Subject:
    return replace(subject, provider_props=provider_props)


def linked(subject: Subject, **deps: list[Subject]) -> Subject:
    """``subject`` whose inputs were computed from other resources (property dependencies)."""
    merged = {**subject.property_dependencies, **{key: [s.urn for s in values] for key, values in deps.items()}}
    return replace(subject, property_dependencies=merged)


def doc(*statements: dict[str, Any]) -> str:
    """An IAM/resource policy document as the engine carries it: a JSON string."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def exception_tag(rule_id: str) -> str:
    return f"{EXCEPTION_TAG_PREFIX}{rule_id}"


# --- Compliant resources: every rule passes on each of them, and the firing cases mutate them. ---

LIFECYCLE_DOC = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images 7 days after push",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        }
    ]
}
PULL_STATEMENT = {
    "Sid": "AllowPull",
    "Effect": "Allow",
    "Principal": {"AWS": [EXECUTION_ROLE_ARN, NODE_ROLE_ARN]},
    "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
}
KMS_ENCRYPTION = [{"encryptionType": "KMS", "kmsKey": KEY_ARN}]

REPO = res(
    "aws:ecr/repository:Repository",
    "registry-web",
    {
        "encryptionConfigurations": KMS_ENCRYPTION,
        "name": "web",
        "tags": {"component": "registry"},
        "forceDelete": False,
        "imageScanningConfiguration": {"scanOnPush": True},
        "imageTagMutability": "IMMUTABLE",
    },
)
UNSCANNED_REPO = edit(REPO, imageScanningConfiguration={"scanOnPush": False})
LIFECYCLE = res(
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "registry-web-lifecycle",
    {"repository": "web", "policy": json.dumps(LIFECYCLE_DOC)},
    {"repository": [REPO.urn], "policy": []},
)
SCANNING = res(
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
    "registry-scanning",
    {
        "scanType": "ENHANCED",
        "rules": [
            {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filterType": "WILDCARD", "filter": "*"}]}
        ],
    },
)


def scanning(*filters: str, frequency: str = "SCAN_ON_PUSH", region: str = REGION) -> Subject:
    """A registry scanning configuration with one rule over ``filters``."""
    rule = {"scanFrequency": frequency, "repositoryFilters": [{"filterType": "WILDCARD", "filter": f} for f in filters]}
    return on(edit(SCANNING, scanType="BASIC", rules=[rule]), provider("dev", region))


REPO_POLICY = res(
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "registry-web-policy",
    {"repository": "web", "policy": doc(PULL_STATEMENT)},
    {"repository": [REPO.urn]},
)
REGISTRY_POLICY = res(
    "aws:ecr/registryPolicy:RegistryPolicy",
    "registry-policy",
    {
        "policy": doc(
            {
                "Sid": "ReplicateFromProd",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
            }
        )
    },
)
PUBLIC_REPO_POLICY = res(
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy",
    "platform-tools-policy",
    {
        "repositoryName": "platform-tools",
        "policy": doc(
            {
                "Sid": "CiPush",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci-publisher"},
                "Action": ["ecr-public:InitiateLayerUpload", "ecr-public:PutImage"],
            }
        ),
    },
)
TEMPLATE = res(
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
    "registry-eu-west-1-template",
    {
        "prefix": "ROOT",
        "appliedFors": ["REPLICATION"],
        "description": "Replicas: same encryption, lifecycle and immutability as the source",
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfigurations": KMS_ENCRYPTION,
        "lifecyclePolicy": json.dumps(LIFECYCLE_DOC),
        "repositoryPolicy": doc(PULL_STATEMENT),
        "customRoleArn": f"arn:aws:iam::{ACCOUNT}:role/registry-creation-role-7508c70",
    },
)

ECS_CLUSTER = res(
    "aws:ecs/cluster:Cluster",
    "ecs-cluster",
    {
        "tags": {"component": "ecs"},
        "settings": [{"value": "enabled", "name": "containerInsights"}],
        "name": "container-platform-dev",
    },
)
CONTAINER: dict[str, Any] = {
    "name": "api",
    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:0.9.0",
    "essential": True,
    "privileged": False,
    "readonlyRootFilesystem": True,
    "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PASSWORDLESS_LOGIN", "value": "on"}],
    "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET_ARN}],
    "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/container-platform-dev/api",
            "awslogs-region": REGION,
            "awslogs-stream-prefix": "api",
        },
    },
    "portMappings": [{"containerPort": 9000, "protocol": "tcp"}],
    "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}],
}
EFS_VOLUME = {
    "name": "shared",
    "efsVolumeConfiguration": {
        "fileSystemId": EFS_ID,
        "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": "fsap-04e5e1932788211a4", "iam": "ENABLED"},
    },
}
TASK = res(
    "aws:ecs/taskDefinition:TaskDefinition",
    "ecs-api-task",
    {
        "family": "container-platform-dev-api",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "taskRoleArn": TASK_ROLE_ARN,
        "executionRoleArn": EXECUTION_ROLE_ARN,
        "containerDefinitions": json.dumps([CONTAINER]),
        "volumes": [{"name": "scratch"}, EFS_VOLUME],
        "tags": {"service": "api", "component": "ecs"},
    },
)


def container(*unset: str, **changes: Any) -> dict[str, Any]:
    """The compliant container definition with some keys changed or left out."""
    return {k: v for k, v in {**CONTAINER, **changes}.items() if k not in unset}


def with_containers(*definitions: dict[str, Any]) -> Subject:
    return edit(TASK, containerDefinitions=json.dumps(list(definitions)))


def with_environment(*pairs: tuple[str, str]) -> Subject:
    return with_containers(container(environment=[{"name": n, "value": v} for n, v in pairs]))


NETWORK_CONFIGURATION = {"subnets": PRIVATE_SUBNETS[:2], "securityGroups": [TASK_SG_ID], "assignPublicIp": False}
SERVICE = res(
    "aws:ecs/service:Service",
    "ecs-api-service",
    {
        "name": "api",
        "cluster": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/container-platform-dev",
        "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/container-platform-dev-api:1",
        "desiredCount": 2,
        "platformVersion": "LATEST",
        "propagateTags": "SERVICE",
        "networkConfiguration": NETWORK_CONFIGURATION,
        "deploymentCircuitBreaker": {"rollback": True, "enable": True},
        "tags": {"service": "api", "component": "ecs"},
    },
)
TASK_SET = res(
    "aws:ecs/taskSet:TaskSet",
    "ecs-api-canary",
    {
        "service": "api",
        "cluster": "container-platform-dev",
        "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/container-platform-dev-api:2",
        "networkConfiguration": NETWORK_CONFIGURATION,
        "scale": {"unit": "PERCENT", "value": 10},
    },
)


def _supported_version() -> str:
    """A version in the table that is in standard support today (1.34 leaves it on 2026-12-02)."""
    today = date.today()
    return next(v for v, ends in STANDARD_SUPPORT_ENDS.items() if ends is None or date.fromisoformat(ends) > today)


SUPPORTED_VERSION = _supported_version()
ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
EKS_CLUSTER = res(
    "aws:eks/cluster:Cluster",
    "eks-us-east-1-cluster-eksCluster",
    {
        "name": "container-platform-dev-us-east-1",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/eks-us-east-1-cluster-eksRole-4b3f2a1",
        "version": SUPPORTED_VERSION,
        "enabledClusterLogTypes": ALL_LOG_TYPES,
        "encryptionConfig": {"provider": {"keyArn": KEY_ARN}, "resources": ["secrets"]},
        "vpcConfig": {
            "subnetIds": PRIVATE_SUBNETS,
            "endpointPrivateAccess": True,
            "endpointPublicAccess": False,
        },
        "tags": {"component": "eks"},
    },
)
EKS_COMPONENT = res(
    "eks:index:Cluster",
    "eks-us-east-1-cluster",
    {
        "name": "container-platform-dev-us-east-1",
        "version": SUPPORTED_VERSION,
        "vpcId": VPC_ID,
        "privateSubnetIds": PRIVATE_SUBNETS,
        "enabledClusterLogTypes": ALL_LOG_TYPES,
        "encryptionConfigKeyArn": KEY_ARN,
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
        "createOidcProvider": True,
        "upgradePolicy": {"supportType": "STANDARD"},
        "tags": {"component": "eks"},
    },
)

EFS = res(
    "aws:efs/fileSystem:FileSystem",
    "ecs-efs-fs",
    {
        "performanceMode": "generalPurpose",
        "throughputMode": "elastic",
        "encrypted": True,
        "tags": {"Name": "ecs-efs-fs", "component": "ecs"},
    },
)
BACKUP = res(
    "aws:efs/backupPolicy:BackupPolicy",
    "ecs-efs-backup",
    {"fileSystemId": EFS_ID, "backupPolicy": {"status": "ENABLED"}},
    {"fileSystemId": [EFS.urn], "backupPolicy": []},
)
ACCESS_POINT = res(
    "aws:efs/accessPoint:AccessPoint",
    "ecs-efs-web",
    {
        "fileSystemId": EFS_ID,
        "rootDirectory": {
            "path": "/web",
            "creationInfo": {"permissions": "0750", "ownerUid": 18689, "ownerGid": 18689},
        },
        "posixUser": {"uid": 18689, "gid": 18689},
        "tags": {"service": "web", "Name": "ecs-efs-web"},
    },
    {"fileSystemId": [EFS.urn]},
)

LB_SG = res(
    "aws:ec2/securityGroup:SecurityGroup",
    "ecs-web-lb-sg",
    {
        "vpcId": VPC_ID,
        "description": "Load balancer of the web service",
        "ingress": [
            {
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
                "ipv6CidrBlocks": ["::/0"],
                "description": "HTTPS from the internet",
            },
            {
                "protocol": "tcp",
                "fromPort": 80,
                "toPort": 80,
                "cidrBlocks": ["0.0.0.0/0"],
                "description": "HTTP from the internet, redirected to HTTPS",
            },
        ],
        "egress": [
            {
                "protocol": "tcp",
                "fromPort": 9000,
                "toPort": 9000,
                "cidrBlocks": ["10.20.0.0/16"],
                "description": "To the service's tasks",
            }
        ],
        "tags": {"service": "web", "component": "ecs"},
    },
)
TASK_SG = res(
    "aws:ec2/securityGroup:SecurityGroup",
    "ecs-web-sg",
    {
        "vpcId": VPC_ID,
        "description": "Tasks of the web service",
        "egress": [
            {
                "protocol": "-1",
                "fromPort": 0,
                "toPort": 0,
                "cidrBlocks": ["0.0.0.0/0"],
                "description": "Outbound to AWS APIs, registries and dependencies",
            }
        ],
    },
)
LB = res(
    "aws:lb/loadBalancer:LoadBalancer",
    "ecs-web-lb",
    {
        "loadBalancerType": "application",
        "internal": False,
        "subnets": ["subnet-fb420c1ca2b22bd85", "subnet-320c866070988ae26"],
        "securityGroups": [LB_SG_ID],
        "dropInvalidHeaderFields": True,
        "enableDeletionProtection": True,
        "tags": {"service": "web", "component": "ecs"},
    },
    {"securityGroups": [LB_SG.urn], "subnets": []},
)
LB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/ecs-web-lb-f245ea9/828dff7ac4ae2e86"
TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/ecs-web-tg-4b8b3bb/eea4ad6ce67f235b"
HTTPS_LISTENER = res(
    "aws:lb/listener:Listener",
    "ecs-web-https",
    {
        "loadBalancerArn": LB_ARN,
        "port": 443,
        "protocol": "HTTPS",
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "certificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/3d1c6f0e-7a2b-4c5d-9e8f-0a1b2c3d4e5f",
        "defaultActions": [{"type": "forward", "targetGroupArn": TG_ARN}],
    },
)
HTTP_LISTENER = res(
    "aws:lb/listener:Listener",
    "ecs-web-http",
    {
        "loadBalancerArn": LB_ARN,
        "port": 80,
        "protocol": "HTTP",
        "defaultActions": [
            {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
        ],
    },
)
FORWARD = [{"type": "forward", "targetGroupArn": TG_ARN}]

LAUNCH_TEMPLATE = res(
    "aws:ec2/launchTemplate:LaunchTemplate",
    "ecs-anywhere-lt",
    {
        "namePrefix": "ecs-anywhere-",
        "imageId": "ami-0c1d2e3f4a5b6c7d8",
        "instanceType": "m7i.large",
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2},
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {"encrypted": "true", "volumeSize": 50, "volumeType": "gp3", "deleteOnTermination": "true"},
            }
        ],
        "networkInterfaces": [{"deviceIndex": 0, "associatePublicIpAddress": "false", "securityGroups": [TASK_SG_ID]}],
    },
)
INSTANCE = res(
    "aws:ec2/instance:Instance",
    "bastion",
    {
        "ami": "ami-0c1d2e3f4a5b6c7d8",
        "instanceType": "t3.micro",
        "subnetId": PRIVATE_SUBNETS[0],
        "associatePublicIpAddress": False,
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required"},
        "rootBlockDevice": {"encrypted": True, "volumeSize": 20, "volumeType": "gp3"},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True, "volumeSize": 100}],
    },
)
LAUNCH_CONFIGURATION = res(
    "aws:ec2/launchConfiguration:LaunchConfiguration",
    "legacy-lc",
    {
        "imageId": "ami-0c1d2e3f4a5b6c7d8",
        "instanceType": "t3.micro",
        "associatePublicIpAddress": False,
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required"},
    },
)
ASG = res(
    "aws:autoscaling/group:Group",
    "ecs-anywhere-asg",
    {
        "launchTemplate": {"id": "lt-0a1b2c3d4e5f60718", "version": "$Latest"},
        "vpcZoneIdentifiers": PRIVATE_SUBNETS[:2],
        "minSize": 1,
        "maxSize": 4,
        "tags": [{"key": "Name", "value": "ecs-anywhere", "propagateAtLaunch": True}],
    },
)
NODE_GROUP_V2 = res(
    "eks:index:NodeGroupV2",
    "eks-us-east-1-nodes",
    {
        "cluster": "<ref urn:pulumi:test::container-platform::eks:index:Cluster::eks-us-east-1-cluster>",
        "nodeSubnetIds": PRIVATE_SUBNETS,
        "instanceType": "m7i.large",
        "minSize": 1,
        "maxSize": 4,
        "desiredCapacity": 1,
        "nodeAssociatePublicIpAddress": False,
        "nodeRootVolumeEncrypted": True,
        "nodeRootVolumeSize": 50,
        "nodeRootVolumeType": "gp3",
    },
)
NODE_GROUP_V1 = renamed(retyped(NODE_GROUP_V2, "eks:index:NodeGroup"), "eks-us-east-1-legacy-nodes")
MANAGED_NODE_GROUP = res(
    "eks:index:ManagedNodeGroup",
    "eks-us-east-1-spot",
    {
        "cluster": "<ref urn:pulumi:test::container-platform::eks:index:Cluster::eks-us-east-1-cluster>",
        "nodeRole": "<ref urn:pulumi:test::container-platform::aws:iam/role:Role::eks-us-east-1-node-role>",
        "instanceTypes": ["m7i.large", "m6i.large"],
        "capacityType": "SPOT",
        "subnetIds": PRIVATE_SUBNETS,
        "scalingConfig": {"minSize": 0, "maxSize": 20, "desiredSize": 0},
        "enableIMDSv2": True,
        "tags": {"node-group": "spot", "component": "eks"},
    },
)
EKS_NODE_GROUP = res(
    "aws:eks/nodeGroup:NodeGroup",
    "eks-us-east-1-spot-nodegroup",
    {
        "clusterName": "container-platform-dev-us-east-1",
        "nodeRoleArn": NODE_ROLE_ARN,
        "subnetIds": PRIVATE_SUBNETS,
        "scalingConfig": {"minSize": 0, "maxSize": 20, "desiredSize": 0},
    },
)

ECS_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole",
    "Condition": {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"},
    },
}
READ_ASSETS = {"Sid": "ReadAssets", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::assets/*"}
ROLE = res(
    "aws:iam/role:Role",
    "ecs-api-task-role",
    {
        "description": "Task role of the api service",
        "assumeRolePolicy": doc(ECS_TRUST),
        "inlinePolicies": [{"name": "read-assets", "policy": doc(READ_ASSETS)}],
        "tags": {"service": "api", "component": "ecs"},
    },
)
ROLE_POLICY = res(
    "aws:iam/rolePolicy:RolePolicy",
    "ecs-execution-role-policy",
    {
        "role": "ecs-execution-role-df320f4",
        "policy": doc(
            {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Sid": "ReadReferencedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": [SECRET_ARN],
            },
            {
                "Sid": "DecryptViaSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
            },
        ),
    },
)
POLICY = res(
    "aws:iam/policy:Policy",
    "ci-deploy-policy",
    {"description": "What the deploy job may do", "policy": doc(READ_ASSETS)},
)
ATTACHMENT = res(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "ecs-execution-role-managed",
    {
        "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        "role": "ecs-execution-role-df320f4",
    },
)

LOG_GROUP = res(
    "aws:cloudwatch/logGroup:LogGroup",
    "ecs-api-logs",
    {
        "name": "/ecs/container-platform-dev/api",
        "retentionInDays": 30,
        "kmsKeyId": KEY_ARN,
        "tags": {"service": "api", "component": "ecs"},
    },
)

INGRESS_RULE = res(
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "ecs-web-from-lb",
    {
        "description": "From the web load balancer",
        "fromPort": 9000,
        "toPort": 9000,
        "ipProtocol": "tcp",
        "referencedSecurityGroupId": LB_SG_ID,
        "securityGroupId": TASK_SG_ID,
    },
    {"referencedSecurityGroupId": [LB_SG.urn], "securityGroupId": [TASK_SG.urn]},
)
EGRESS_RULE = res(
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "ecs-web-lb-to-tasks",
    {
        "description": "To the service's tasks",
        "fromPort": 9000,
        "toPort": 9000,
        "ipProtocol": "tcp",
        "referencedSecurityGroupId": TASK_SG_ID,
        "securityGroupId": LB_SG_ID,
    },
    {"referencedSecurityGroupId": [TASK_SG.urn], "securityGroupId": [LB_SG.urn]},
)
LEGACY_RULE = res(
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "efs-nfs-from-vpc",
    {
        "type": "ingress",
        "securityGroupId": "sg-315256b1fe546f634",
        "protocol": "tcp",
        "fromPort": 2049,
        "toPort": 2049,
        "cidrBlocks": ["10.20.0.0/16"],
        "description": "NFS from the VPC",
    },
)

COMPLIANT: tuple[Subject, ...] = (
    REPO,
    LIFECYCLE,
    SCANNING,
    REPO_POLICY,
    REGISTRY_POLICY,
    PUBLIC_REPO_POLICY,
    TEMPLATE,
    ECS_CLUSTER,
    TASK,
    SERVICE,
    TASK_SET,
    EKS_CLUSTER,
    EKS_COMPONENT,
    EFS,
    BACKUP,
    ACCESS_POINT,
    LB_SG,
    TASK_SG,
    LB,
    HTTPS_LISTENER,
    HTTP_LISTENER,
    LAUNCH_TEMPLATE,
    INSTANCE,
    LAUNCH_CONFIGURATION,
    ASG,
    NODE_GROUP_V2,
    NODE_GROUP_V1,
    MANAGED_NODE_GROUP,
    EKS_NODE_GROUP,
    ROLE,
    ROLE_POLICY,
    POLICY,
    ATTACHMENT,
    LOG_GROUP,
    INGRESS_RULE,
    EGRESS_RULE,
    LEGACY_RULE,
)


# --- Running one rule on one subject ---


def run(rule_id: str, subject: Subject, *others: Subject) -> list[Finding]:
    """Findings of one rule; stack rules see ``others`` as the rest of the stack."""
    rule = RULE[rule_id]
    assert subject.type in rule.resource_types, f"{rule_id} does not look at {subject.type}; the case proves nothing"
    if rule.scope == "stack":
        subject = in_stack(subject, *others)
    else:
        assert not others, f"{rule_id} is a resource rule; the other resources would be ignored"
    return list(rule.findings(subject))


@dataclass(frozen=True)
class Case:
    rule: str
    subject: Subject
    words: tuple[str, ...] = ()
    """Substrings the findings' messages must contain."""
    others: tuple[Subject, ...] = ()
    """The rest of the stack, for stack rules."""
    count: int = 1
    """Exact number of findings."""
    absent: tuple[str, ...] = ()
    """Substrings no message may contain."""


def fire(
    rule: str,
    subject: Subject,
    *words: str,
    id: str,
    others: tuple[Subject, ...] = (),
    count: int = 1,
    absent: tuple[str, ...] = (),
) -> Any:
    return pytest.param(Case(rule, subject, words, others, count, absent), id=f"{rule}/{id}")


def passes(rule: str, subject: Subject, *, id: str, others: tuple[Subject, ...] = ()) -> Any:
    return pytest.param(Case(rule, subject, others=others, count=0), id=f"{rule}/{id}")


FIRING = [
    # --- ECR ---
    fire(
        "ecr-immutable-tags",
        edit(REPO, imageTagMutability="MUTABLE"),
        "imageTagMutability is MUTABLE",
        "expected IMMUTABLE",
        id="mutable",
    ),
    fire("ecr-immutable-tags", drop(REPO, "imageTagMutability"), "imageTagMutability is MUTABLE", id="unset"),
    fire(
        "ecr-immutable-tags",
        edit(TEMPLATE, imageTagMutability="MUTABLE_WITH_EXCLUSION"),
        "imageTagMutability is MUTABLE_WITH_EXCLUSION",
        id="template-mutable-with-exclusion",
    ),
    fire(
        "ecr-image-scanning",
        UNSCANNED_REPO,
        "neither scanOnPush nor a registry scanning rule in this region covers this repository",
        id="no-scan-on-push-no-registry-rule",
    ),
    fire(
        "ecr-image-scanning",
        drop(REPO, "imageScanningConfiguration"),
        "neither scanOnPush",
        id="scanning-configuration-unset",
    ),
    fire(
        "ecr-image-scanning",
        edit(REPO, imageScanningConfiguration={"scanOnPush": "false"}),
        "neither scanOnPush",
        id="scan-on-push-string-false",
    ),
    fire(
        "ecr-image-scanning",
        UNSCANNED_REPO,
        "in this region",
        others=(scanning("*", region="eu-west-1"),),
        id="registry-rule-in-other-region",
    ),
    fire(
        "ecr-image-scanning",
        UNSCANNED_REPO,
        "neither scanOnPush",
        others=(scanning("api*"),),
        id="registry-rule-for-other-prefix",
    ),
    fire(
        "ecr-image-scanning",
        edit(UNSCANNED_REPO, name="team/web"),
        "neither scanOnPush",
        others=(scanning("web*"),),
        id="prefix-filter-does-not-match-inside-name",
    ),
    fire(
        "ecr-image-scanning",
        edit(UNSCANNED_REPO, name="web-api"),
        "neither scanOnPush",
        others=(scanning("*web"),),
        id="suffix-filter-does-not-match-prefix",
    ),
    fire(
        "ecr-kms-encryption",
        drop(REPO, "encryptionConfigurations"),
        "encryptionType is AES256; expected KMS",
        id="default-aes256",
    ),
    fire(
        "ecr-kms-encryption",
        edit(REPO, encryptionConfigurations=[{"encryptionType": "AES256"}]),
        "encryptionType is AES256",
        id="aes256",
    ),
    fire(
        "ecr-kms-encryption",
        edit(REPO, encryptionConfigurations=[{"encryptionType": "KMS"}]),
        "AWS-managed aws/ecr key",
        "customer-managed KMS key (kmsKey)",
        id="kms-without-key",
    ),
    fire(
        "ecr-kms-encryption",
        edit(TEMPLATE, encryptionConfigurations=[{"encryptionType": "AES256"}]),
        "encryptionType is AES256",
        id="template-aes256",
    ),
    fire(
        "ecr-no-public-principal",
        edit(
            REPO_POLICY,
            policy=doc(PULL_STATEMENT, {**PULL_STATEMENT, "Sid": "PublicPull", "Principal": "*"}),
        ),
        "statement PublicPull allows Principal '*'",
        id="repository-policy-principal-star",
    ),
    fire(
        "ecr-no-public-principal",
        edit(
            REGISTRY_POLICY,
            policy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::210987654321:root", "*"]},
                    "Action": ["ecr:ReplicateImage"],
                    "Resource": "*",
                }
            ),
        ),
        "statement 0 allows Principal '*'",
        id="registry-policy-aws-list-with-star",
    ),
    fire(
        "ecr-no-public-principal",
        edit(TEMPLATE, repositoryPolicy=doc({**PULL_STATEMENT, "Sid": "Anyone", "Principal": {"AWS": "*"}})),
        "statement Anyone allows Principal '*'",
        id="template-policy-aws-star",
    ),
    fire(
        "ecr-no-public-principal",
        edit(
            PUBLIC_REPO_POLICY,
            policy=doc({"Sid": "AnyonePush", "Effect": "Allow", "Principal": "*", "Action": "ecr-public:PutImage"}),
        ),
        "statement AnyonePush",
        id="ecr-public-policy",
    ),
    fire(
        "ecr-lifecycle-policy",
        REPO,
        "no aws:ecr/lifecyclePolicy targets this repository",
        id="repository-without-lifecycle",
    ),
    fire(
        "ecr-lifecycle-policy",
        REPO,
        "no aws:ecr/lifecyclePolicy targets this repository",
        others=(
            renamed(edit(REPO, name="api"), "registry-api"),
            linked(
                edit(renamed(LIFECYCLE, "registry-api-lifecycle"), repository="api"),
                repository=[renamed(edit(REPO, name="api"), "registry-api")],
            ),
        ),
        id="lifecycle-for-another-repository",
    ),
    fire(
        "ecr-lifecycle-policy",
        drop(TEMPLATE, "lifecyclePolicy"),
        "creation template has no lifecyclePolicy",
        id="template-without-lifecycle",
    ),
    # --- ECS ---
    fire(
        "ecs-container-insights",
        drop(ECS_CLUSTER, "settings"),
        "containerInsights is not set; expected enabled or enhanced",
        id="settings-unset",
    ),
    fire(
        "ecs-container-insights",
        edit(ECS_CLUSTER, settings=[{"name": "containerInsights", "value": "disabled"}]),
        "containerInsights is disabled",
        id="disabled",
    ),
    fire("ecs-no-privileged", with_containers(container(privileged=True)), "container api is privileged", id="one"),
    fire(
        "ecs-no-privileged",
        with_containers(container(), container(name="log-router", privileged=True)),
        "container log-router is privileged",
        absent=("container api",),
        id="only-the-privileged-sidecar",
    ),
    fire(
        "ecs-no-host-namespaces",
        edit(TASK, networkMode="host"),
        "networkMode is host",
        "share the instance's network namespace",
        id="network-host",
    ),
    fire("ecs-no-host-namespaces", edit(TASK, pidMode="host"), "pidMode is host", "pid namespace", id="pid-host"),
    fire("ecs-no-host-namespaces", edit(TASK, ipcMode="host"), "ipcMode is host", "ipc namespace", id="ipc-host"),
    fire(
        "ecs-no-host-namespaces",
        edit(TASK, networkMode="host", pidMode="host"),
        "networkMode is host",
        "pidMode is host",
        count=2,
        id="network-and-pid",
    ),
    fire(
        "ecs-readonly-root-filesystem",
        with_containers(container("readonlyRootFilesystem")),
        "container api has a writable root filesystem",
        id="unset",
    ),
    fire(
        "ecs-readonly-root-filesystem",
        with_containers(container(), container(name="worker", readonlyRootFilesystem=False)),
        "container worker has a writable root filesystem",
        absent=("container api",),
        id="false",
    ),
    fire(
        "ecs-awslogs",
        with_containers(container("logConfiguration")),
        "container api logs with no log driver; expected awslogs",
        id="no-log-configuration",
    ),
    fire(
        "ecs-awslogs",
        with_containers(container(logConfiguration={"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}})),
        "container api logs with awsfirelens",
        id="firelens",
    ),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("LOG_LEVEL", "info"), ("DB_PASSWORD", "hunter2hunter2")),
        "container api passes DB_PASSWORD in plain environment; move it to secrets",
        absent=("LOG_LEVEL",),
        id="password",
    ),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ("API_TOKEN", "abc")),
        "passes AWS_SECRET_ACCESS_KEY in plain environment",
        "passes API_TOKEN in plain environment",
        count=2,
        id="aws-secret-key-and-token",
    ),
    fire("ecs-no-plaintext-secrets", with_environment(("stripe_api_key", "sk_live")), "stripe_api_key", id="lowercase"),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("ECS_ENGINE_AUTH_DATA", "{}")),
        "ECS_ENGINE_AUTH_DATA",
        id="ecs-engine-auth-data",
    ),
    fire(
        "ecs-no-plaintext-secrets",
        with_environment(("UPSTREAM_ID", "AKIAIOSFODNN7EXAMPLE")),
        "passes UPSTREAM_ID in plain environment",
        id="access-key-value-under-innocent-name",
    ),
    fire(
        "ecs-separate-task-role",
        edit(TASK, taskRoleArn=EXECUTION_ROLE_ARN),
        "taskRoleArn equals executionRoleArn",
        id="same-role",
    ),
    fire(
        "ecs-no-public-ip",
        edit(SERVICE, networkConfiguration={**NETWORK_CONFIGURATION, "assignPublicIp": True}),
        "networkConfiguration.assignPublicIp is true",
        id="service",
    ),
    fire(
        "ecs-no-public-ip",
        edit(TASK_SET, networkConfiguration={**NETWORK_CONFIGURATION, "assignPublicIp": True}),
        "assignPublicIp is true",
        id="task-set",
    ),
    fire(
        "ecs-fargate-latest-platform",
        edit(SERVICE, platformVersion="1.4.0"),
        "platformVersion is pinned to 1.4.0; expected LATEST",
        id="pinned",
    ),
    fire(
        "ecs-efs-transit-encryption",
        edit(TASK, volumes=[{"name": "shared", "efsVolumeConfiguration": {"fileSystemId": EFS_ID}}]),
        "EFS volume shared has transitEncryption unset; expected ENABLED",
        id="unset",
    ),
    fire(
        "ecs-efs-transit-encryption",
        edit(
            TASK,
            volumes=[
                {"name": "scratch"},
                {"name": "shared", "efsVolumeConfiguration": {"fileSystemId": EFS_ID, "transitEncryption": "DISABLED"}},
            ],
        ),
        "EFS volume shared has transitEncryption DISABLED",
        id="disabled",
    ),
    # --- EKS ---
    fire(
        "eks-control-plane-logs",
        edit(EKS_CLUSTER, enabledClusterLogTypes=["api", "audit"]),
        "control-plane logs authenticator, controllerManager, scheduler are off",
        id="cluster-some-logs",
    ),
    fire(
        "eks-control-plane-logs",
        drop(EKS_COMPONENT, "enabledClusterLogTypes"),
        "control-plane logs api, audit, authenticator, controllerManager, scheduler are off",
        id="component-no-logs",
    ),
    fire(
        "eks-secrets-encryption",
        drop(EKS_CLUSTER, "encryptionConfig"),
        "encryptionConfig does not encrypt secrets with a KMS key",
        id="cluster-no-encryption-config",
    ),
    fire(
        "eks-secrets-encryption",
        edit(EKS_CLUSTER, encryptionConfig={"resources": ["secrets"], "provider": {}}),
        "does not encrypt secrets",
        id="cluster-no-key",
    ),
    fire(
        "eks-secrets-encryption",
        edit(EKS_CLUSTER, encryptionConfig={"resources": [], "provider": {"keyArn": KEY_ARN}}),
        "does not encrypt secrets",
        id="cluster-secrets-not-listed",
    ),
    fire(
        "eks-secrets-encryption",
        drop(EKS_COMPONENT, "encryptionConfigKeyArn"),
        "encryptionConfigKeyArn is not set",
        id="component-no-key",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(EKS_CLUSTER, vpcConfig={"subnetIds": PRIVATE_SUBNETS, "endpointPrivateAccess": True}),
        "the public API endpoint is open to 0.0.0.0/0",
        id="cluster-public-by-default",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(
            EKS_CLUSTER,
            vpcConfig={"subnetIds": PRIVATE_SUBNETS, "endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
        ),
        "open to 0.0.0.0/0",
        id="cluster-open-cidr",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(
            EKS_CLUSTER,
            vpcConfig={"subnetIds": PRIVATE_SUBNETS, "endpointPublicAccess": True, "publicAccessCidrs": ["::/0"]},
        ),
        "open to 0.0.0.0/0",
        id="cluster-open-ipv6-cidr",
    ),
    fire(
        "eks-endpoint-not-public",
        drop(EKS_COMPONENT, "endpointPublicAccess"),
        "open to 0.0.0.0/0",
        id="component-public-by-default",
    ),
    fire(
        "eks-endpoint-not-public",
        edit(EKS_COMPONENT, endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24", "0.0.0.0/0"]),
        "open to 0.0.0.0/0",
        id="component-one-open-cidr",
    ),
    fire(
        "eks-supported-version",
        edit(EKS_CLUSTER, version="1.29"),
        "version 1.29 is not in EKS standard support",
        id="cluster-old-version",
    ),
    fire(
        "eks-supported-version",
        drop(EKS_COMPONENT, "version"),
        "version unset is not in EKS standard support",
        id="component-version-unset",
    ),
    # --- EFS ---
    fire("efs-encrypted", drop(EFS, "encrypted"), "encrypted is not true", id="unset"),
    fire("efs-encrypted", edit(EFS, encrypted=False), "encrypted is not true", id="false"),
    fire("efs-encrypted", edit(EFS, encrypted="false"), "encrypted is not true", id="string-false"),
    fire(
        "efs-backups",
        EFS,
        "no aws:efs/backupPolicy with status ENABLED targets this file system",
        id="no-backup-policy",
    ),
    fire(
        "efs-backups",
        EFS,
        "no aws:efs/backupPolicy",
        others=(edit(BACKUP, backupPolicy={"status": "DISABLED"}),),
        id="backup-disabled",
    ),
    fire(
        "efs-backups",
        EFS,
        "no aws:efs/backupPolicy",
        others=(
            renamed(EFS, "other-fs"),
            linked(renamed(BACKUP, "other-backup"), fileSystemId=[renamed(EFS, "other-fs")]),
        ),
        id="backup-of-another-file-system",
    ),
    fire(
        "efs-access-point-root-directory",
        drop(ACCESS_POINT, "rootDirectory"),
        "rootDirectory.path is unset",
        id="unset",
    ),
    fire(
        "efs-access-point-root-directory",
        edit(ACCESS_POINT, rootDirectory={"path": "/"}),
        "rootDirectory.path is /;",
        id="root",
    ),
    fire("efs-access-point-posix-user", drop(ACCESS_POINT, "posixUser"), "posixUser is not set", id="unset"),
    fire(
        "efs-access-point-posix-user",
        edit(ACCESS_POINT, posixUser={"uid": 0, "gid": 0}),
        "posixUser.uid is 0 (root)",
        id="root",
    ),
    # --- ELB ---
    fire(
        "elb-https-listeners",
        drop(HTTPS_LISTENER, "sslPolicy"),
        "HTTPS listener has no sslPolicy",
        "ELBSecurityPolicy-2016-08",
        id="https-no-policy",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01"),
        "sslPolicy ELBSecurityPolicy-TLS-1-1-2017-01 is not a TLS 1.3 policy family",
        "use ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        id="https-tls-1-1",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-2016-08"),
        "sslPolicy ELBSecurityPolicy-2016-08 is not a TLS 1.3 policy family",
        id="https-2016-08",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS-1-2-Ext-2018-06"),
        "sslPolicy ELBSecurityPolicy-TLS-1-2-Ext-2018-06 is not a TLS 1.3 policy family",
        id="https-tls-1-2-without-tls13-family",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, protocol="TLS", sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06"),
        "sslPolicy ELBSecurityPolicy-TLS13-1-0-2021-06 is not a TLS 1.3 policy family",
        id="nlb-tls-1-0",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTP_LISTENER, defaultActions=FORWARD),
        "HTTP listener on port 80 serves traffic instead of redirecting to HTTPS",
        id="http-forward",
    ),
    fire(
        "elb-https-listeners",
        edit(
            HTTP_LISTENER,
            defaultActions=[
                {"type": "redirect", "redirect": {"protocol": "HTTP", "port": "8080", "statusCode": "HTTP_302"}}
            ],
        ),
        "HTTP listener on port 80",
        id="http-redirect-to-http",
    ),
    fire(
        "elb-https-listeners",
        retyped(edit(HTTP_LISTENER, defaultActions=FORWARD), "aws:alb/listener:Listener"),
        "HTTP listener on port 80",
        id="alb-module-listener",
    ),
    fire(
        "elb-drop-invalid-headers",
        drop(LB, "dropInvalidHeaderFields"),
        "dropInvalidHeaderFields is not true",
        id="unset",
    ),
    fire(
        "elb-drop-invalid-headers",
        drop(edit(LB, dropInvalidHeaderFields=False), "loadBalancerType"),
        "dropInvalidHeaderFields is not true",
        id="false-default-type-application",
    ),
    fire(
        "elb-drop-invalid-headers",
        retyped(drop(LB, "dropInvalidHeaderFields"), "aws:alb/loadBalancer:LoadBalancer"),
        "dropInvalidHeaderFields",
        id="alb-module",
    ),
    fire(
        "elb-deletion-protection",
        on(edit(LB, enableDeletionProtection=False), PROD),
        "enableDeletionProtection is not true in environment prod",
        id="prod-false",
    ),
    fire(
        "elb-deletion-protection",
        on(drop(LB, "enableDeletionProtection"), PROD),
        "environment prod",
        id="prod-unset",
    ),
    fire(
        "elb-deletion-protection",
        on(drop(LB, "enableDeletionProtection"), {**PROD, "defaultTags": {"tags": {"environment": "prod"}}}),
        "environment prod",
        id="prod-default-tags-as-object",
    ),
    fire("elb-multi-az", edit(LB, subnets=[PRIVATE_SUBNETS[0]]), "spans 1 subnet(s)", id="one-subnet"),
    fire("elb-multi-az", drop(LB, "subnets"), "spans 0 subnet(s)", id="no-subnets"),
    # --- EC2 / Auto Scaling ---
    fire(
        "ec2-imdsv2",
        edit(LAUNCH_TEMPLATE, metadataOptions={"httpEndpoint": "enabled", "httpTokens": "optional"}),
        "metadataOptions.httpTokens is optional; expected required (IMDSv2)",
        id="launch-template-optional",
    ),
    fire(
        "ec2-imdsv2",
        drop(LAUNCH_TEMPLATE, "metadataOptions"),
        "metadataOptions.httpTokens is unset",
        id="launch-template-unset",
    ),
    fire(
        "ec2-imdsv2",
        edit(INSTANCE, metadataOptions={"httpTokens": "optional"}),
        "httpTokens is optional",
        id="instance",
    ),
    fire(
        "ec2-imdsv2",
        drop(LAUNCH_CONFIGURATION, "metadataOptions"),
        "httpTokens is unset",
        id="launch-configuration",
    ),
    fire(
        "ec2-imdsv2",
        edit(MANAGED_NODE_GROUP, enableIMDSv2=False),
        "enableIMDSv2 is not true",
        id="managed-node-group-false",
    ),
    fire(
        "ec2-imdsv2",
        drop(MANAGED_NODE_GROUP, "enableIMDSv2"),
        "enableIMDSv2 is not true",
        id="managed-node-group-unset",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(
            LAUNCH_TEMPLATE,
            blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false", "volumeSize": 50}}],
        ),
        "block device /dev/xvda is not encrypted",
        id="launch-template-string-false",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(
            LAUNCH_TEMPLATE,
            blockDeviceMappings=[
                {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 50}},
                {"deviceName": "/dev/xvdb", "ebs": {"volumeSize": 200}},
            ],
        ),
        "block device /dev/xvdb is not encrypted",
        absent=("/dev/xvda",),
        id="launch-template-unset",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(INSTANCE, rootBlockDevice={"encrypted": False, "volumeSize": 20}),
        "block device root is not encrypted",
        id="instance-root",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(INSTANCE, ebsBlockDevices=[{"deviceName": "/dev/sdf", "volumeSize": 100}]),
        "block device /dev/sdf is not encrypted",
        id="instance-ebs",
    ),
    fire(
        "ec2-encrypted-volumes",
        edit(NODE_GROUP_V2, nodeRootVolumeEncrypted=False),
        "nodeRootVolumeEncrypted is not true",
        id="node-group-v2",
    ),
    fire(
        "ec2-encrypted-volumes",
        drop(NODE_GROUP_V1, "nodeRootVolumeEncrypted"),
        "nodeRootVolumeEncrypted is not true",
        id="node-group-v1-unset",
    ),
    fire(
        "ec2-no-public-ip",
        edit(LAUNCH_TEMPLATE, networkInterfaces=[{"deviceIndex": 0, "associatePublicIpAddress": "true"}]),
        "network interface 0 associates a public IP",
        id="launch-template-string-true",
    ),
    fire(
        "ec2-no-public-ip",
        edit(INSTANCE, associatePublicIpAddress=True),
        "associatePublicIpAddress is true",
        id="instance",
    ),
    fire(
        "ec2-no-public-ip",
        edit(LAUNCH_CONFIGURATION, associatePublicIpAddress=True),
        "associatePublicIpAddress is true",
        id="launch-configuration",
    ),
    fire(
        "ec2-no-public-ip",
        drop(NODE_GROUP_V2, "nodeAssociatePublicIpAddress"),
        "nodeAssociatePublicIpAddress is not false; pulumi_eks gives nodes public IPs unless told",
        id="node-group-v2-default",
    ),
    fire(
        "ec2-no-public-ip",
        edit(NODE_GROUP_V1, nodeAssociatePublicIpAddress=True),
        "nodeAssociatePublicIpAddress is not false",
        id="node-group-v1-true",
    ),
    fire(
        "asg-launch-template",
        edit(drop(ASG, "launchTemplate"), launchConfiguration="legacy-lc-20240101"),
        "does not launch from a launch template",
        id="launch-configuration",
    ),
    fire("asg-launch-template", drop(ASG, "launchTemplate"), "launch configurations are deprecated", id="nothing"),
    fire(
        "asg-multi-az",
        edit(ASG, vpcZoneIdentifiers=[PRIVATE_SUBNETS[0]]),
        "vpcZoneIdentifiers lists 1 subnet(s)",
        id="group-one-subnet",
    ),
    fire(
        "asg-multi-az",
        edit(NODE_GROUP_V2, nodeSubnetIds=[PRIVATE_SUBNETS[0]]),
        "nodeSubnetIds lists 1 subnet(s)",
        id="node-group-v2-one-subnet",
    ),
    fire(
        "asg-multi-az",
        edit(MANAGED_NODE_GROUP, subnetIds=[PRIVATE_SUBNETS[0]]),
        "subnetIds lists 1 subnet(s)",
        id="managed-node-group-one-subnet",
    ),
    fire(
        "asg-multi-az",
        edit(EKS_NODE_GROUP, subnetIds=[PRIVATE_SUBNETS[0]]),
        "subnetIds lists 1 subnet(s)",
        id="eks-node-group-one-subnet",
    ),
    # --- IAM ---
    fire(
        "iam-no-wildcard-actions",
        edit(
            ROLE,
            inlinePolicies=[
                {"name": "read-assets", "policy": doc(READ_ASSETS)},
                {
                    "name": "debug",
                    "policy": doc({"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}),
                },
            ],
        ),
        "inlinePolicies[debug] statement Everything allows *",
        id="role-inline-star",
    ),
    fire(
        "iam-no-wildcard-actions",
        edit(
            ROLE_POLICY,
            policy=doc(
                {"Sid": "AllS3", "Effect": "Allow", "Action": ["s3:GetObject", "s3:*"], "Resource": "arn:aws:s3:::a/*"}
            ),
        ),
        "policy statement AllS3 allows s3:*",
        id="role-policy-service-star",
    ),
    fire(
        "iam-no-wildcard-actions",
        edit(POLICY, policy=doc({"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        "statement AllButIam allows NotAction",
        id="policy-not-action",
    ),
    fire(
        "iam-no-wildcard-actions",
        res(
            "aws:iam/groupPolicy:GroupPolicy",
            "operators",
            {"group": "operators", "policy": doc({"Effect": "Allow", "Action": "ecr:*", "Resource": "*"})},
        ),
        "statement 0 allows ecr:*",
        id="group-policy",
    ),
    fire(
        "iam-scoped-resources",
        edit(
            ROLE_POLICY,
            policy=doc({"Sid": "ReadAnyObject", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        ),
        "statement ReadAnyObject allows s3:getobject on Resource '*'",
        "support resource-level permissions",
        id="s3-get-object-on-star",
    ),
    fire(
        "iam-scoped-resources",
        edit(
            ROLE_POLICY,
            policy=doc(
                {
                    "Sid": "Pull",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"],
                    "Resource": ["*"],
                }
            ),
        ),
        "allows ecr:batchgetimage on Resource '*'",
        absent=("getauthorizationtoken",),
        id="only-the-scopable-action-named",
    ),
    fire(
        "iam-scoped-resources",
        edit(
            ROLE,
            inlinePolicies=[
                {"name": "reader", "policy": doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})}
            ],
        ),
        "inlinePolicies[reader] statement 0 allows s3:",
        " more on Resource '*'",
        id="wildcard-action-many-scopable",
    ),
    fire(
        "iam-scoped-resources",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "madeup:DoThing", "Resource": "*"})),
        "allows madeup:DoThing on Resource '*'",
        id="unknown-service-counts-as-scopable",
    ),
    fire(
        "iam-no-admin-policies",
        edit(ATTACHMENT, policyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
        "attaches arn:aws:iam::aws:policy/AdministratorAccess",
        id="attachment-administrator",
    ),
    fire(
        "iam-no-admin-policies",
        edit(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/PowerUserAccess"]),
        "attaches arn:aws:iam::aws:policy/PowerUserAccess",
        id="role-managed-power-user",
    ),
    fire(
        "iam-no-admin-policies",
        res(
            "aws:iam/policyAttachment:PolicyAttachment",
            "admins",
            {"name": "admins", "policyArn": "arn:aws-us-gov:iam::aws:policy/IAMFullAccess", "roles": ["ops"]},
        ),
        "attaches arn:aws-us-gov:iam::aws:policy/IAMFullAccess",
        id="policy-attachment-govcloud",
    ),
    fire(
        "iam-no-admin-policies",
        edit(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/AmazonFSxFullAccess"]),
        "attaches arn:aws:iam::aws:policy/AmazonFSxFullAccess",
        id="role-managed-service-full-access",
    ),
    fire(
        "iam-no-admin-policies",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
        "policy allows Action '*' on Resource '*' (full administrator)",
        id="star-on-star",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc({"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
        ),
        "trust statement Anyone allows Principal '*'",
        id="principal-star",
    ),
    fire(
        "iam-trust-named-principals",
        edit(ROLE, assumeRolePolicy=doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})),
        "trust statement 0 allows AWS principal '*'",
        id="aws-star",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::*:root"]}, "Action": "sts:AssumeRole"}
            ),
        ),
        "allows AWS principal 'arn:aws:iam::*:root'; name it exactly",
        id="aws-wildcard-account",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Sid": "Irsa",
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ),
        ),
        "trust statement Irsa trusts",
        "without a :sub condition naming the workload",
        id="federated-without-condition",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                }
            ),
        ),
        "without a :sub condition naming the workload",
        id="federated-with-unrelated-condition",
    ),
    fire(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{OIDC_ISSUER}:aud": "sts.amazonaws.com"}},
                }
            ),
        ),
        "without a :sub condition naming the workload",
        id="federated-with-aud-only",
    ),
    # --- CloudWatch Logs ---
    fire("logs-retention", drop(LOG_GROUP, "retentionInDays"), "retentionInDays is not set", id="unset"),
    fire("logs-retention", edit(LOG_GROUP, retentionInDays=0), "retentionInDays is not set", id="zero"),
    fire("logs-kms-encryption", drop(LOG_GROUP, "kmsKeyId"), "kmsKeyId is not set", id="unset"),
    # --- Security groups ---
    fire(
        "sg-no-open-ingress",
        edit(
            TASK_SG,
            ingress=[
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"], "description": "SSH"}
            ],
        ),
        "ingress[0] admits the internet on tcp 22-22 to a group no internet-facing load balancer uses",
        id="ssh-to-task-group",
    ),
    fire(
        "sg-no-open-ingress",
        LB_SG,
        "ingress[0] admits the internet on tcp 443-443 to a group no internet-facing load balancer uses",
        "ingress[1] admits the internet on tcp 80-80",
        count=2,
        id="web-ports-without-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        LB_SG,
        "tcp 443-443 to a group no internet-facing load balancer uses",
        others=(edit(LB, internal=True),),
        count=2,
        id="web-ports-on-internal-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        edit(
            LB_SG,
            ingress=[
                *LB_SG.props["ingress"],
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"], "description": "SSH"},
            ],
        ),
        "ingress[2] admits the internet on tcp 22-22 to a public load balancer",
        others=(LB,),
        absent=("ingress[0]", "ingress[1]"),
        id="ssh-next-to-https-on-public-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        edit(INGRESS_RULE, cidrIpv6="::/0", fromPort=443, toPort=443, referencedSecurityGroupId=None),
        "rule admits the internet on tcp 443-443 to a group no internet-facing load balancer uses",
        others=(TASK_SG,),
        id="vpc-rule-ipv6-to-task-group",
    ),
    fire(
        "sg-no-open-ingress",
        linked(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", fromPort=443, toPort=443, securityGroupId=LB_SG_ID),
            securityGroupId=[LB_SG],
        ),
        "tcp 443-443 to a group no internet-facing load balancer uses",
        others=(LB_SG, edit(LB, internal="true")),
        id="vpc-rule-https-to-internal-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        drop(edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", ipProtocol="-1"), "fromPort", "toPort"),
        "rule admits the internet on -1 0-65535",
        others=(TASK_SG,),
        id="vpc-rule-all-traffic",
    ),
    fire(
        "sg-no-open-ingress",
        linked(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", fromPort=80, toPort=443, securityGroupId=LB_SG_ID),
            securityGroupId=[LB_SG],
        ),
        "tcp 80-443 to a public load balancer",
        others=(LB_SG, LB),
        id="port-range-on-public-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        linked(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", ipProtocol="udp", fromPort=443, toPort=443),
            securityGroupId=[LB_SG],
        ),
        "udp 443-443 to a public load balancer",
        others=(LB_SG, LB),
        id="udp-443-on-public-load-balancer",
    ),
    fire(
        "sg-no-open-ingress",
        edit(LEGACY_RULE, fromPort=3389, toPort=3389, cidrBlocks=["0.0.0.0/0"]),
        "rule admits the internet on tcp 3389-3389",
        id="legacy-rule-rdp",
    ),
    fire(
        "sg-rules-described",
        edit(
            TASK_SG,
            ingress=[{"protocol": "tcp", "fromPort": 9000, "toPort": 9000, "securityGroups": [LB_SG_ID]}],
        ),
        "ingress[0] has no description",
        id="group-inline-ingress",
    ),
    fire(
        "sg-rules-described",
        edit(TASK_SG, egress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]),
        "egress[0] has no description",
        id="group-inline-egress",
    ),
    fire("sg-rules-described", drop(INGRESS_RULE, "description"), "the rule has no description", id="ingress-rule"),
    fire("sg-rules-described", edit(EGRESS_RULE, description=""), "the rule has no description", id="egress-rule"),
    fire("sg-rules-described", drop(LEGACY_RULE, "description"), "the rule has no description", id="legacy-rule"),
]


PASSING = [
    # Every compliant resource passes every rule that looks at its type (the rest of COMPLIANT is its stack).
    *(
        passes(
            rule.id,
            s,
            others=tuple(o for o in COMPLIANT if o is not s) if rule.scope == "stack" else (),
            id=f"compliant-{s.name}",
        )
        for rule in RULES
        for s in COMPLIANT
        if s.type in rule.resource_types
    ),
    # --- ECR ---
    passes(
        "ecr-immutable-tags",
        edit(
            TEMPLATE,
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filter": "latest*", "filterType": "WILDCARD"}],
        ),
        id="immutable-with-exclusion",
    ),
    passes("ecr-image-scanning", REPO, id="scan-on-push-alone"),
    passes(
        "ecr-image-scanning",
        edit(REPO, imageScanningConfiguration={"scanOnPush": "true"}),
        id="scan-on-push-string-true",
    ),
    passes("ecr-image-scanning", UNSCANNED_REPO, others=(SCANNING,), id="registry-rule-star"),
    passes("ecr-image-scanning", UNSCANNED_REPO, others=(scanning("we*"),), id="registry-rule-prefix"),
    passes("ecr-image-scanning", UNSCANNED_REPO, others=(scanning("api", "web"),), id="registry-rule-exact-name"),
    passes(
        "ecr-image-scanning",
        renamed(drop(UNSCANNED_REPO, "name"), "web"),
        others=(scanning("web"),),
        id="logical-name-when-name-unset",
    ),
    passes(
        "ecr-kms-encryption",
        edit(REPO, encryptionConfigurations=[{"encryptionType": "KMS_DSSE", "kmsKey": KEY_ARN}]),
        id="kms-dsse",
    ),
    passes(
        "ecr-no-public-principal",
        edit(
            REPO_POLICY,
            policy=doc(
                PULL_STATEMENT,
                {"Sid": "DenyDeletes", "Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository"},
            ),
        ),
        id="deny-with-principal-star",
    ),
    passes(
        "ecr-lifecycle-policy",
        drop(REPO, "name"),
        others=(edit(LIFECYCLE, repository="registry-web-3f2a1b0"),),
        id="by-property-dependency",
    ),
    passes(
        "ecr-lifecycle-policy",
        REPO,
        others=(linked(LIFECYCLE, repository=[]),),
        id="by-repository-name",
    ),
    # --- ECS ---
    passes(
        "ecs-container-insights",
        edit(ECS_CLUSTER, settings=[{"name": "containerInsights", "value": "enhanced"}]),
        id="enhanced",
    ),
    passes("ecs-no-privileged", with_containers(container("privileged")), id="unset"),
    passes(
        "ecs-no-host-namespaces",
        edit(TASK, networkMode="bridge", pidMode="task", requiresCompatibilities=["EXTERNAL"]),
        id="bridge-and-task-pid",
    ),
    passes(
        "ecs-no-plaintext-secrets",
        with_environment(
            ("LOG_LEVEL", "debug"),
            ("PASSWORDLESS_LOGIN", "on"),
            ("AWS_REGION", REGION),
            ("TOKEN_TTL_SECONDS", "300"),
            ("SECRETARY_NAME", "Ada"),
            ("KEYSPACE", "orders"),
        ),
        id="names-that-only-resemble-credentials",
    ),
    passes("ecs-separate-task-role", drop(TASK, "taskRoleArn"), id="no-task-role"),
    passes("ecs-no-public-ip", drop(SERVICE, "networkConfiguration"), id="bridge-service"),
    passes("ecs-fargate-latest-platform", drop(SERVICE, "platformVersion"), id="unset"),
    passes("ecs-efs-transit-encryption", edit(TASK, volumes=[{"name": "scratch"}]), id="no-efs-volume"),
    # --- EKS ---
    passes(
        "eks-endpoint-not-public",
        edit(
            EKS_CLUSTER,
            vpcConfig={
                "subnetIds": PRIVATE_SUBNETS,
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["203.0.113.0/24"],
            },
        ),
        id="cluster-public-to-named-cidr",
    ),
    passes(
        "eks-endpoint-not-public",
        edit(EKS_COMPONENT, endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24", "198.51.100.7/32"]),
        id="component-public-to-named-cidrs",
    ),
    passes("eks-endpoint-not-public", edit(EKS_COMPONENT, endpointPublicAccess="false"), id="component-string-false"),
    # --- EFS ---
    passes("efs-encrypted", edit(EFS, encrypted="true"), id="string-true"),
    passes("efs-backups", EFS, others=(BACKUP,), id="backup-enabled"),
    passes(
        "efs-access-point-posix-user",
        edit(ACCESS_POINT, posixUser={"uid": "1000", "gid": "1000"}),
        id="string-uid",
    ),
    # --- ELB ---
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06"),
        id="tls13-1-3",
    ),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"),
        id="tls13-1-2-fips",
    ),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, protocol="TLS", sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06"),
        id="nlb-tls-1-2",
    ),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, protocol="TCP", port=9000, defaultActions=FORWARD, sslPolicy=None),
        id="nlb-tcp",
    ),
    passes(
        "elb-drop-invalid-headers",
        drop(edit(LB, loadBalancerType="network", internal=True), "dropInvalidHeaderFields"),
        id="network-load-balancer",
    ),
    passes("elb-deletion-protection", drop(LB, "enableDeletionProtection"), id="dev"),
    passes("elb-deletion-protection", on(drop(LB, "enableDeletionProtection"), provider("staging")), id="staging"),
    passes("elb-deletion-protection", on(drop(LB, "enableDeletionProtection"), {}), id="no-provider"),
    passes("elb-deletion-protection", on(edit(LB, enableDeletionProtection="true"), PROD), id="prod-string-true"),
    passes(
        "elb-multi-az",
        drop(
            edit(LB, subnetMappings=[{"subnetId": PRIVATE_SUBNETS[0]}, {"subnetId": PRIVATE_SUBNETS[1]}]),
            "subnets",
        ),
        id="subnet-mappings",
    ),
    # --- EC2 / Auto Scaling ---
    passes("ec2-imdsv2", edit(LAUNCH_TEMPLATE, metadataOptions={"httpEndpoint": "disabled"}), id="endpoint-disabled"),
    passes(
        "ec2-imdsv2",
        edit(drop(MANAGED_NODE_GROUP, "enableIMDSv2"), launchTemplate={"id": "lt-0a1b2c3d4e5f60718", "version": "3"}),
        id="managed-node-group-own-launch-template",
    ),
    passes(
        "ec2-encrypted-volumes",
        edit(LAUNCH_TEMPLATE, blockDeviceMappings=[{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}]),
        id="instance-store-mapping",
    ),
    passes("ec2-no-public-ip", drop(LAUNCH_TEMPLATE, "networkInterfaces"), id="launch-template-no-interfaces"),
    passes("ec2-no-public-ip", edit(NODE_GROUP_V2, nodeAssociatePublicIpAddress="false"), id="node-group-string-false"),
    passes(
        "asg-launch-template",
        edit(
            drop(ASG, "launchTemplate"),
            mixedInstancesPolicy={
                "launchTemplate": {
                    "launchTemplateSpecification": {"launchTemplateId": "lt-0a1b2c3d4e5f60718", "version": "$Latest"},
                    "overrides": [{"instanceType": "m7i.large"}, {"instanceType": "m6i.large"}],
                }
            },
        ),
        id="mixed-instances-policy",
    ),
    passes(
        "asg-multi-az",
        edit(drop(ASG, "vpcZoneIdentifiers"), availabilityZones=["us-east-1a", "us-east-1b"]),
        id="availability-zones",
    ),
    passes("asg-multi-az", drop(NODE_GROUP_V2, "nodeSubnetIds"), id="node-group-cluster-subnets"),
    passes("asg-multi-az", drop(MANAGED_NODE_GROUP, "subnetIds"), id="managed-node-group-cluster-subnets"),
    # --- IAM ---
    passes(
        "iam-no-wildcard-actions",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::assets/*"})),
        id="partial-wildcard",
    ),
    passes(
        "iam-no-wildcard-actions",
        edit(
            POLICY,
            policy=doc(
                READ_ASSETS,
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {"Effect": "Deny", "NotAction": ["s3:GetObject"], "Resource": "*"},
            ),
        ),
        id="deny-statements-ignored",
    ),
    passes(
        "iam-scoped-resources",
        edit(POLICY, policy=doc({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})),
        id="unscopable-action-on-star",
    ),
    passes(
        "iam-scoped-resources",
        edit(
            POLICY,
            policy=doc(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
                }
            ),
        ),
        id="star-with-condition",
    ),
    passes(
        "iam-scoped-resources",
        edit(POLICY, policy=doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})),
        id="deny-on-star",
    ),
    passes(
        "iam-no-admin-policies",
        edit(ATTACHMENT, policyArn=f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"),
        id="customer-policy-with-admin-name",
    ),
    passes(
        "iam-no-admin-policies",
        edit(ROLE, managedPolicyArns=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]),
        id="aws-managed-read-only",
    ),
    passes(
        "iam-no-admin-policies",
        edit(ATTACHMENT, policyArn=f"arn:aws:iam::{ACCOUNT}:policy/TeamBucketFullAccess"),
        id="customer-policy-named-full-access",
    ),
    passes(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC_PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{OIDC_ISSUER}:sub": "system:serviceaccount:batch:loader"}},
                }
            ),
        ),
        id="federated-with-sub",
    ),
    passes(
        "iam-trust-named-principals",
        edit(
            ROLE,
            assumeRolePolicy=doc(
                ECS_TRUST,
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
            ),
        ),
        id="account-principal-and-deny-star",
    ),
    # --- Logs ---
    passes("logs-retention", edit(LOG_GROUP, retentionInDays=3653), id="ten-years"),
    # --- Security groups ---
    passes("sg-no-open-ingress", LB_SG, others=(LB,), id="web-ports-on-internet-facing-load-balancer"),
    passes(
        "sg-no-open-ingress",
        LB_SG,
        others=(drop(LB, "internal"),),
        id="load-balancer-internet-facing-by-default",
    ),
    passes(
        "sg-no-open-ingress",
        linked(
            edit(
                INGRESS_RULE,
                cidrIpv6="::/0",
                fromPort=443,
                toPort=443,
                securityGroupId=LB_SG_ID,
                referencedSecurityGroupId=None,
            ),
            securityGroupId=[LB_SG],
        ),
        others=(LB_SG, LB),
        id="vpc-rule-ipv6-https-to-public-load-balancer",
    ),
    passes(
        "sg-no-open-ingress",
        replace(
            edit(INGRESS_RULE, cidrIpv4="0.0.0.0/0", fromPort=80, toPort=80, securityGroupId=LB_SG_ID),
            property_dependencies={},
        ),
        others=(replace(LB, property_dependencies={}),),
        id="vpc-rule-matched-by-group-id",
    ),
    passes(
        "sg-no-open-ingress",
        edit(LEGACY_RULE, type="egress", fromPort=0, toPort=0, protocol="-1", cidrBlocks=["0.0.0.0/0"]),
        id="legacy-egress-rule",
    ),
    passes(
        "sg-no-open-ingress",
        edit(
            TASK_SG,
            ingress=[
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["10.20.0.0/16"], "description": "x"}
            ],
        ),
        id="ssh-from-vpc",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    found = run(case.rule, case.subject, *case.others)
    messages = [f.message for f in found]
    assert len(found) == case.count, messages
    assert {(f.rule, f.urn, f.waived_because) for f in found} == {(case.rule, case.subject.urn, None)}
    text = " | ".join(messages)
    for word in case.words:
        assert word in text
    for word in case.absent:
        assert word not in text


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    assert [f.message for f in run(case.rule, case.subject, *case.others)] == []


def test_every_rule_has_firing_and_passing_cases_and_ids_are_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {p.values[0].rule for p in FIRING} == set(ids)
    assert {p.values[0].rule for p in PASSING if not p.id.split("/", 1)[1].startswith("compliant-")} <= set(ids)
    compliant = {p.values[0].rule for p in PASSING if p.id.split("/", 1)[1].startswith("compliant-")}
    assert compliant == set(ids), "a rule looks at no resource type of COMPLIANT"


def test_compliant_stack_has_no_finding_at_all() -> None:
    view = in_stack(COMPLIANT[0], *COMPLIANT[1:]).stack
    assert view is not None
    found = [(f.rule, f.urn, f.message) for s in view.resources for rule in RULES for f in rule.findings(s)]
    assert found == []


def test_rules_ignore_types_they_do_not_look_at() -> None:
    rule = RULE["logs-kms-encryption"]
    assert list(rule.findings(retyped(drop(LOG_GROUP, "kmsKeyId"), "aws:cloudwatch/metricAlarm:MetricAlarm"))) == []


# --- EKS versions against the calendar ---

DATED_VERSION, DATED_END = next((v, ends) for v, ends in STANDARD_SUPPORT_ENDS.items() if ends)


@pytest.mark.parametrize("subject", [EKS_CLUSTER, EKS_COMPONENT], ids=["cluster", "component"])
def test_eks_version_fires_from_the_day_standard_support_ends(subject: Subject) -> None:
    check = RULE["eks-supported-version"].check
    end = date.fromisoformat(DATED_END)
    pinned = edit(subject, version=DATED_VERSION)
    assert list(check(pinned, today=end - timedelta(days=1))) == []
    (message,) = check(pinned, today=end)
    assert f"version {DATED_VERSION} left standard support on {DATED_END}" in message


def test_eks_versions_without_a_published_end_pass_any_day() -> None:
    check = RULE["eks-supported-version"].check
    for version, ends in STANDARD_SUPPORT_ENDS.items():
        if ends is None:
            assert list(check(edit(EKS_CLUSTER, version=version), today=date(2099, 1, 1))) == []


# --- Cases that once were rule bugs ---


@pytest.mark.parametrize(
    ("filter_", "repository"),
    [("web", "team/web-api"), ("*web", "team/web"), ("team*api", "team/web-api"), ("*web*", "team/web-api")],
)
def test_scanning_filter_follows_ecr_wildcard_semantics(filter_: str, repository: str) -> None:
    assert run("ecr-image-scanning", edit(UNSCANNED_REPO, name=repository), scanning(filter_)) == []


def test_manual_registry_scanning_rule_does_not_count() -> None:
    (finding,) = run("ecr-image-scanning", UNSCANNED_REPO, scanning("*", frequency="MANUAL"))
    assert "neither scanOnPush" in finding.message


def test_listener_without_protocol_is_checked_as_http() -> None:
    listener = drop(edit(HTTP_LISTENER, defaultActions=FORWARD), "protocol")
    (finding,) = run("elb-https-listeners", listener)
    assert "HTTP listener on port 80" in finding.message


def test_aws_access_key_id_name_is_a_credential() -> None:
    (finding,) = run("ecs-no-plaintext-secrets", with_environment(("AWS_ACCESS_KEY_ID", "from-the-vault")))
    assert "passes AWS_ACCESS_KEY_ID in plain environment" in finding.message


# --- Exceptions on one subject ---

REASON = "log group shared with the SIEM, encrypted by its own key"


def test_exception_tag_waives_the_finding_with_its_reason() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={"component": "ecs", exception_tag("logs-kms-encryption"): REASON})
    (finding,) = run("logs-kms-encryption", subject)
    assert finding.waived_because == REASON
    assert "kmsKeyId is not set" in finding.message


def test_exception_reason_is_stripped_and_must_be_long_enough() -> None:
    def waived(reason: str) -> str | None:
        subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-kms-encryption"): reason})
        (finding,) = run("logs-kms-encryption", subject)
        return finding.waived_because

    exact = "x" * MIN_REASON_LENGTH
    assert waived(exact) == exact
    assert waived(f"  {exact}  ") == exact
    assert waived("x" * (MIN_REASON_LENGTH - 1)) is None
    assert waived(f"   {'x' * (MIN_REASON_LENGTH - 1)}   ") is None
    assert waived("temporary") is None


def test_exception_for_another_rule_does_not_waive() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-retention"): REASON})
    (finding,) = run("logs-kms-encryption", subject)
    assert finding.waived_because is None


def test_exception_in_auto_scaling_tag_list_waives() -> None:
    tags = [*ASG.props["tags"], {"key": exception_tag("asg-multi-az"), "value": REASON, "propagateAtLaunch": False}]
    (finding,) = run("asg-multi-az", edit(ASG, vpcZoneIdentifiers=[PRIVATE_SUBNETS[0]], tags=tags))
    assert finding.waived_because == REASON


def test_exception_waives_a_stack_rule() -> None:
    (finding,) = run(
        "efs-backups", edit(EFS, tags={exception_tag("efs-backups"): "scratch data, rebuilt from S3 nightly"})
    )
    assert finding.waived_because == "scratch data, rebuilt from S3 nightly"


# --- The pulumi_policy objects on a recorded plan ---

PLAN_STACK_URN = "urn:pulumi:test::container-platform::pulumi:pulumi:Stack::container-platform-test"
PROVIDER_URN = "urn:pulumi:test::container-platform::pulumi:pulumi:Stack$pulumi:providers:aws::aws-us-east-1"
PROVIDER_REF = f"{PROVIDER_URN}::aws-us-east-1-provider-id"
OPTIONS = {
    "protect": None,
    "ignoreChanges": [],
    "deleteBeforeReplace": False,
    "retainOnDelete": None,
    "aliases": [],
    "replaceOnChanges": [],
}


def recorded(subject: Subject) -> dict[str, Any]:
    """One resource as ``make plan`` writes it to build/plan-<stack>.json."""
    inputs = json.loads(json.dumps(subject.props))
    property_dependencies = {key: list(subject.property_dependencies.get(key, [])) for key in inputs}
    return {
        "urn": subject.urn,
        "type": subject.type,
        "name": subject.name,
        "parent": PLAN_STACK_URN,
        "provider": PROVIDER_REF,
        "custom": True,
        "inputs": inputs,
        "dependencies": sorted({u for urns in property_dependencies.values() for u in urns}),
        "propertyDependencies": property_dependencies,
        "options": OPTIONS,
        "region": REGION,
    }


def plan(*subjects: Subject, environment: str = "dev") -> dict[str, Any]:
    aws = {
        "urn": PROVIDER_URN,
        "type": "pulumi:providers:aws",
        "name": "aws-us-east-1",
        "parent": PLAN_STACK_URN,
        "provider": "",
        "custom": True,
        "inputs": provider(environment),
        "dependencies": [],
        "propertyDependencies": {key: [] for key in provider(environment)},
        "options": OPTIONS,
        "region": REGION,
    }
    return {
        "project": "container-platform",
        "stack": "test",
        "resources": [aws, *(recorded(s) for s in subjects)],
        "exports": {},
        "invokes": [],
        "warnings": [],
    }


def reported(violations: list[Any]) -> list[tuple[str, str]]:
    return sorted((v.policy, v.urn) for v in violations)


def test_pack_has_one_policy_per_rule_and_the_exception_policies() -> None:
    pack = policies()
    names = [p.name for p in pack]
    assert len(names) == len(set(names))
    assert set(names) == {rule.id for rule in RULES} | {EXCEPTIONS_POLICY, EXCEPTION_TAGS_POLICY}
    by_name = {p.name: p for p in pack}
    for rule in RULES:
        policy = by_name[rule.id]
        assert isinstance(policy, StackValidationPolicy if rule.scope == "stack" else ResourceValidationPolicy)
        level = EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY
        assert policy.enforcement_level == level
    assert by_name[EXCEPTION_TAGS_POLICY].enforcement_level == EnforcementLevel.MANDATORY
    assert by_name[EXCEPTIONS_POLICY].enforcement_level == EnforcementLevel.ADVISORY


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_offline_compliant_plan_has_no_violations(environment: str) -> None:
    report = evaluate(plan(*COMPLIANT, environment=environment))
    assert report.resources == len(COMPLIANT) + 1
    assert [(v.policy, v.resource, v.message) for v in report.violations] == []
    assert report.not_checked == []


def test_offline_waived_violation_is_listed_with_its_reason_not_mandatory() -> None:
    waived = renamed(edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-kms-encryption"): REASON}), "siem")
    plain = renamed(drop(LOG_GROUP, "kmsKeyId"), "app")
    report = evaluate(plan(waived, plain))
    assert reported(report.mandatory) == [("logs-kms-encryption", plain.urn)]
    (listed,) = report.exceptions
    assert (listed.policy, listed.level, listed.urn) == (EXCEPTIONS_POLICY, "advisory", waived.urn)
    assert f"logs-kms-encryption waived: {REASON}" in listed.message
    assert "would fail: kmsKeyId is not set" in listed.message
    assert report.advisory == []


def test_offline_waived_stack_rule_is_listed_not_mandatory() -> None:
    reason = "images expire through the registry-wide cleanup job"
    repository = edit(REPO, tags={"component": "registry", exception_tag("ecr-lifecycle-policy"): reason})
    report = evaluate(plan(repository))
    assert report.mandatory == []
    (listed,) = report.exceptions
    assert listed.urn == repository.urn
    assert f"ecr-lifecycle-policy waived: {reason}" in listed.message


def test_offline_exception_naming_no_rule_is_mandatory() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-encryption"): REASON})
    report = evaluate(plan(subject))
    assert reported(report.mandatory) == [(EXCEPTION_TAGS_POLICY, subject.urn), ("logs-kms-encryption", subject.urn)]
    (bad_tag,) = [v for v in report.mandatory if v.policy == EXCEPTION_TAGS_POLICY]
    assert f"tag {exception_tag('logs-encryption')} names no guardrail" in bad_tag.message
    assert "logs-kms-encryption" in bad_tag.message
    assert report.exceptions == []


def test_offline_exception_without_reason_is_mandatory_and_waives_nothing() -> None:
    subject = edit(drop(LOG_GROUP, "kmsKeyId"), tags={exception_tag("logs-kms-encryption"): "todo"})
    report = evaluate(plan(subject))
    assert reported(report.mandatory) == [(EXCEPTION_TAGS_POLICY, subject.urn), ("logs-kms-encryption", subject.urn)]
    (bad_tag,) = [v for v in report.mandatory if v.policy == EXCEPTION_TAGS_POLICY]
    assert f"needs a reason of at least {MIN_REASON_LENGTH} characters, got 'todo'" in bad_tag.message
    assert report.exceptions == []


def test_offline_unused_exception_is_reported() -> None:
    subject = edit(LOG_GROUP, tags={exception_tag("logs-retention"): REASON})
    report = evaluate(plan(subject))
    assert report.mandatory == []
    (listed,) = report.exceptions
    assert listed.urn == subject.urn
    assert "logs-retention exception is unused: the rule passes" in listed.message
    assert f"remove the tag {exception_tag('logs-retention')}" in listed.message


def test_offline_unknown_value_is_not_checked_instead_of_failing() -> None:
    pending_key = edit(LOG_GROUP, kmsKeyId=UNKNOWN_MARK)
    pending_cidr = edit(INGRESS_RULE, cidrIpv4=UNKNOWN_MARK)
    report = evaluate(plan(pending_key, pending_cidr, TASK_SG))
    assert report.mandatory == []
    assert reported(report.not_checked) == [("logs-kms-encryption", pending_key.urn), ("sg-no-open-ingress", "")]
    for violation in report.not_checked:
        assert violation.level == "advisory"
        assert "can't be known during preview" in violation.message
    (key,) = [v for v in report.not_checked if v.policy == "logs-kms-encryption"]
    assert ".kmsKeyId" in key.message


@pytest.mark.parametrize(("environment", "expected"), [("prod", 1), ("dev", 0)])
def test_offline_provider_default_tags_reach_the_rules(environment: str, expected: int) -> None:
    load_balancer = drop(LB, "enableDeletionProtection")
    report = evaluate(plan(LB_SG, load_balancer, environment=environment))
    assert reported(report.mandatory) == [("elb-deletion-protection", load_balancer.urn)] * expected


def test_offline_property_dependencies_reach_stack_rules() -> None:
    assert evaluate(plan(EFS, BACKUP)).mandatory == []
    unlinked = replace(BACKUP, property_dependencies={})
    assert reported(evaluate(plan(EFS, unlinked)).mandatory) == [("efs-backups", EFS.urn)]
    assert reported(evaluate(plan(LB_SG)).mandatory) == [("sg-no-open-ingress", LB_SG.urn)] * 2
    assert evaluate(plan(LB_SG, LB)).mandatory == []


# --- The property names the rules read exist in the installed SDKs ---

GETTER = re.compile(r'@pulumi\.getter(?:\(name="(\w+)"\))?\s*\n\s*def (\w+)\(')
"""An engine property name: ``name=`` when the Python name differs, else the Python name itself."""


@cache
def _package_root(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, package
    return Path(next(iter(spec.submodule_search_locations)))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resource_source(type_token: str) -> Path:
    """The SDK module that defines ``type_token`` (found from the token, confirmed by its decorator)."""
    package, module, name = type_token.split(":")
    if package == "pulumi" and module == "providers":
        return _package_root(f"pulumi_{name}") / "provider.py"
    if package == "eks":
        return _package_root("pulumi_eks") / f"{_snake(name)}.py"
    directory, _, resource = module.partition("/")
    return _package_root(f"pulumi_{package}") / directory / f"{_snake(resource)}.py"


@cache
def _source(path: Path) -> str:
    return path.read_text()


def engine_names(source: str) -> set[str]:
    return {given or python for given, python in GETTER.findall(source)}


def class_source(path: Path, class_name: str) -> str:
    match = re.search(rf"^class {class_name}:\n(.*?)(?=^class |\Z)", _source(path), re.S | re.M)
    assert match is not None, f"{class_name} not in {path}"
    return match.group(1)


ENCRYPTION = ("encryptionType", "kmsKey")
SDK_NAMES: list[tuple[str, tuple[str, ...], dict[str, tuple[str, ...]]]] = [
    ("pulumi:providers:aws", ("region", "defaultTags"), {"ProviderDefaultTagsArgs": ("tags",)}),
    (
        "aws:ecr/repository:Repository",
        ("name", "imageTagMutability", "imageScanningConfiguration", "encryptionConfigurations", "tags"),
        {
            "RepositoryImageScanningConfigurationArgs": ("scanOnPush",),
            "RepositoryEncryptionConfigurationArgs": ENCRYPTION,
        },
    ),
    (
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
        ("imageTagMutability", "encryptionConfigurations", "repositoryPolicy", "lifecyclePolicy"),
        {"RepositoryCreationTemplateEncryptionConfigurationArgs": ENCRYPTION},
    ),
    (
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        ("rules",),
        {
            "RegistryScanningConfigurationRuleArgs": ("repositoryFilters", "scanFrequency"),
            "RegistryScanningConfigurationRuleRepositoryFilterArgs": ("filter",),
        },
    ),
    ("aws:ecr/lifecyclePolicy:LifecyclePolicy", ("repository",), {}),
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", ("policy",), {}),
    ("aws:ecr/registryPolicy:RegistryPolicy", ("policy",), {}),
    ("aws:ecrpublic/repositoryPolicy:RepositoryPolicy", ("policy",), {}),
    ("aws:ecs/cluster:Cluster", ("settings", "tags"), {"ClusterSettingArgs": ("name", "value")}),
    (
        "aws:ecs/taskDefinition:TaskDefinition",
        ("containerDefinitions", "networkMode", "pidMode", "ipcMode", "taskRoleArn", "executionRoleArn", "volumes"),
        {
            "TaskDefinitionVolumeArgs": ("name", "efsVolumeConfiguration"),
            "TaskDefinitionVolumeEfsVolumeConfigurationArgs": ("transitEncryption",),
        },
    ),
    (
        "aws:ecs/service:Service",
        ("networkConfiguration", "platformVersion", "tags"),
        {"ServiceNetworkConfigurationArgs": ("assignPublicIp",)},
    ),
    ("aws:ecs/taskSet:TaskSet", ("networkConfiguration",), {"TaskSetNetworkConfigurationArgs": ("assignPublicIp",)}),
    (
        "aws:eks/cluster:Cluster",
        ("enabledClusterLogTypes", "encryptionConfig", "vpcConfig", "version", "tags"),
        {
            "ClusterEncryptionConfigArgs": ("resources", "provider"),
            "ClusterEncryptionConfigProviderArgs": ("keyArn",),
            "ClusterVpcConfigArgs": ("endpointPublicAccess", "publicAccessCidrs"),
        },
    ),
    (
        "eks:index:Cluster",
        ("enabledClusterLogTypes", "encryptionConfigKeyArn", "endpointPublicAccess", "publicAccessCidrs", "version"),
        {},
    ),
    ("aws:eks/nodeGroup:NodeGroup", ("subnetIds", "tags"), {}),
    (
        "eks:index:NodeGroupV2",
        ("nodeRootVolumeEncrypted", "nodeAssociatePublicIpAddress", "nodeSubnetIds"),
        {},
    ),
    ("eks:index:NodeGroup", ("nodeRootVolumeEncrypted", "nodeAssociatePublicIpAddress", "nodeSubnetIds"), {}),
    ("eks:index:ManagedNodeGroup", ("enableIMDSv2", "launchTemplate", "subnetIds", "tags"), {}),
    ("aws:efs/fileSystem:FileSystem", ("encrypted", "tags"), {}),
    (
        "aws:efs/accessPoint:AccessPoint",
        ("rootDirectory", "posixUser", "tags"),
        {"AccessPointRootDirectoryArgs": ("path",), "AccessPointPosixUserArgs": ("uid",)},
    ),
    (
        "aws:efs/backupPolicy:BackupPolicy",
        ("fileSystemId", "backupPolicy"),
        {"BackupPolicyBackupPolicyArgs": ("status",)},
    ),
    *(
        (
            f"aws:{module}/loadBalancer:LoadBalancer",
            (
                "dropInvalidHeaderFields",
                "enableDeletionProtection",
                "loadBalancerType",
                "internal",
                "subnets",
                "subnetMappings",
                "securityGroups",
                "tags",
            ),
            {},
        )
        for module in ("lb", "alb")
    ),
    *(
        (
            f"aws:{module}/listener:Listener",
            ("protocol", "sslPolicy", "defaultActions", "port"),
            {"ListenerDefaultActionArgs": ("type", "redirect"), "ListenerDefaultActionRedirectArgs": ("protocol",)},
        )
        for module in ("lb", "alb")
    ),
    (
        "aws:ec2/launchTemplate:LaunchTemplate",
        ("metadataOptions", "blockDeviceMappings", "networkInterfaces", "tags"),
        {
            "LaunchTemplateMetadataOptionsArgs": ("httpTokens", "httpEndpoint"),
            "LaunchTemplateBlockDeviceMappingArgs": ("deviceName", "ebs"),
            "LaunchTemplateBlockDeviceMappingEbsArgs": ("encrypted",),
            "LaunchTemplateNetworkInterfaceArgs": ("associatePublicIpAddress", "deviceIndex"),
        },
    ),
    (
        "aws:ec2/instance:Instance",
        ("metadataOptions", "rootBlockDevice", "ebsBlockDevices", "associatePublicIpAddress", "tags"),
        {
            "InstanceMetadataOptionsArgs": ("httpTokens", "httpEndpoint"),
            "InstanceRootBlockDeviceArgs": ("encrypted",),
            "InstanceEbsBlockDeviceArgs": ("encrypted", "deviceName"),
        },
    ),
    (
        "aws:ec2/launchConfiguration:LaunchConfiguration",
        ("metadataOptions", "associatePublicIpAddress"),
        {"LaunchConfigurationMetadataOptionsArgs": ("httpTokens", "httpEndpoint")},
    ),
    (
        "aws:autoscaling/group:Group",
        (
            "launchConfiguration",
            "launchTemplate",
            "mixedInstancesPolicy",
            "vpcZoneIdentifiers",
            "availabilityZones",
            "tags",
        ),
        {"GroupMixedInstancesPolicyArgs": ("launchTemplate",), "GroupTagArgs": ("key", "value")},
    ),
    ("aws:cloudwatch/logGroup:LogGroup", ("retentionInDays", "kmsKeyId", "tags"), {}),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        ("ingress", "egress", "tags"),
        {
            "SecurityGroupIngressArgs": (
                "cidrBlocks",
                "ipv6CidrBlocks",
                "fromPort",
                "toPort",
                "protocol",
                "description",
            ),
            "SecurityGroupEgressArgs": ("description",),
        },
    ),
    (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ("cidrIpv4", "cidrIpv6", "fromPort", "toPort", "ipProtocol", "securityGroupId", "description", "tags"),
        {},
    ),
    ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", ("description", "tags"), {}),
    (
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        ("type", "cidrBlocks", "ipv6CidrBlocks", "fromPort", "toPort", "protocol", "securityGroupId", "description"),
        {},
    ),
    (
        "aws:iam/role:Role",
        ("assumeRolePolicy", "inlinePolicies", "managedPolicyArns", "tags"),
        {"RoleInlinePolicyArgs": ("name", "policy")},
    ),
    ("aws:iam/rolePolicy:RolePolicy", ("policy",), {}),
    ("aws:iam/policy:Policy", ("policy",), {}),
    ("aws:iam/userPolicy:UserPolicy", ("policy",), {}),
    ("aws:iam/groupPolicy:GroupPolicy", ("policy",), {}),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", ("policyArn",), {}),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", ("policyArn",), {}),
    ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", ("policyArn",), {}),
    ("aws:iam/policyAttachment:PolicyAttachment", ("policyArn",), {}),
]


@pytest.mark.parametrize(("type_token", "names", "nested"), SDK_NAMES, ids=[row[0] for row in SDK_NAMES])
def test_rules_read_property_names_the_sdk_has(
    type_token: str, names: tuple[str, ...], nested: dict[str, tuple[str, ...]]
) -> None:
    path = resource_source(type_token)
    source = _source(path)
    assert f'@pulumi.type_token("{type_token}")' in source, f"{path} does not define {type_token}"
    assert sorted(set(names) - engine_names(source)) == []
    for class_name, keys in nested.items():
        assert sorted(set(keys) - engine_names(class_source(path.parent / "_inputs.py", class_name))) == [], class_name


def test_property_name_table_covers_every_type_a_rule_looks_at() -> None:
    listed = {row[0] for row in SDK_NAMES}
    assert sorted({t for rule in RULES for t in rule.resource_types} - listed) == []


def test_container_definition_keys_exist_in_the_ecs_api() -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    definition = model.shape_for("ContainerDefinition").members
    read = {"name", "privileged", "readonlyRootFilesystem", "logConfiguration", "environment"}
    assert sorted(read - set(definition)) == []
    assert "logDriver" in definition["logConfiguration"].members
    assert {"name", "value"} <= set(definition["environment"].member.members)
