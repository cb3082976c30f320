"""What the guardrail tests run the rules on: engine-shaped compliant resources and the helpers to run one rule.

Subjects look like what ``pulumi preview`` and the offline recorder hand a policy: camelCase keys as
pulumi-aws names them, policy documents and container definitions as JSON strings, some booleans as
the strings ``"true"``/``"false"``. Every firing case starts from a compliant resource (``COMPLIANT``)
and changes one thing, so the finding can only come from that change. Each ``test_rules_<area>.py``
holds the ``FIRING`` and ``PASSING`` cases of the rules in ``policy/guardrails/rules/<area>.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from policy.guardrails.model import EXCEPTION_TAG_PREFIX, Finding, Rule, Subject, in_stack
from policy.guardrails.rules import RULES
from policy.guardrails.rules.eks import STANDARD_SUPPORT_ENDS

RULE = {rule.id: rule for rule in RULES}

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


REASON = "log group shared with the SIEM, encrypted by its own key"


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
        "configuration": {
            "executeCommandConfiguration": {
                "kmsKeyId": KEY_ARN,
                "logging": "OVERRIDE",
                "logConfiguration": {
                    "cloudWatchLogGroupName": "/ecs/container-platform-dev/exec",
                    "cloudWatchEncryptionEnabled": True,
                },
            }
        },
    },
)
CONTAINER: dict[str, Any] = {
    "name": "api",
    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:0.9.0",
    "essential": True,
    "privileged": False,
    "readonlyRootFilesystem": True,
    "user": "51359:51359",
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
        "kmsKeyId": KEY_ARN,
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
                "protocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrBlocks": ["0.0.0.0/0"],
                "description": "HTTPS to AWS APIs, ECR and S3 (endpoints or NAT)",
            },
            {
                "protocol": "udp",
                "fromPort": 53,
                "toPort": 53,
                "cidrBlocks": ["10.20.0.2/32"],
                "description": "DNS (UDP) to the VPC resolver",
            },
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
        "accessLogs": {"enabled": True, "bucket": "ecs-access-logs-bucket-50f9d9d2f67d5cfd9", "prefix": "ecs-web-lb"},
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

ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
ROOT_ADMINISTERS = {
    "Sid": "AccountAdministersThroughIam",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT_ARN},
    "Action": "kms:*",
    "Resource": "*",
}
LOGS_USE = {
    "Sid": "LogsEncryptsThisAccountsLogGroups",
    "Effect": "Allow",
    "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
    "Resource": "*",
    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}},
}
KMS_KEY = res(
    "aws:kms/key:Key",
    "ecs-logs-key",
    {
        "description": "Encrypts the CloudWatch log groups of ECS cluster container-platform-dev",
        "enableKeyRotation": True,
        "deletionWindowInDays": 30,
        "policy": doc(ROOT_ADMINISTERS, LOGS_USE),
        "tags": {"component": "ecs"},
    },
)
VPC_COMPONENT = res(
    "awsx:ec2:Vpc",
    "network-us-east-1-vpc",
    {"cidrBlock": "10.10.0.0/16", "tags": {"component": "network"}},
)
DEFAULT_SG = res(
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "network-us-east-1-default-sg",
    {"vpcId": VPC_ID, "tags": {"Name": "network-us-east-1-default-sg-closed", "component": "network"}},
    {"vpcId": [VPC_COMPONENT.urn], "tags": []},
)
FLOW_LOG = res(
    "aws:ec2/flowLog:FlowLog",
    "network-us-east-1-flow-log",
    {
        "vpcId": VPC_ID,
        "trafficType": "ALL",
        "logDestinationType": "cloud-watch-logs",
        "logDestination": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/vpc/network-us-east-1/flow-logs",
        "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/network-us-east-1-flow-logs-role-0a1b2c3",
        "tags": {"Name": "network-us-east-1-flow-log", "component": "network"},
    },
    {"vpcId": [VPC_COMPONENT.urn]},
)

BUCKET_NAME = "ecs-access-logs-bucket-50f9d9d2f67d5cfd9"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET_NAME}"
BUCKET = res("aws:s3/bucket:Bucket", "ecs-access-logs-bucket", {"forceDestroy": False, "tags": {"component": "ecs"}})
PUBLIC_ACCESS_BLOCK = res(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "ecs-access-logs-public-access-block",
    {
        "bucket": BUCKET_NAME,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    },
    {"bucket": [BUCKET.urn]},
)
DENY_PLAIN_HTTP = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ALB_LOG_DELIVERY = {
    "Sid": "AlbLogDeliveryService",
    "Effect": "Allow",
    "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/*/AWSLogs/{ACCOUNT}/*",
}
BUCKET_POLICY = res(
    "aws:s3/bucketPolicy:BucketPolicy",
    "ecs-access-logs-policy",
    {"bucket": BUCKET_NAME, "policy": doc(DENY_PLAIN_HTTP, ALB_LOG_DELIVERY)},
    {"bucket": [BUCKET.urn], "policy": [BUCKET.urn]},
)
BUCKET_LIFECYCLE = res(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "ecs-access-logs-lifecycle",
    {
        "bucket": BUCKET_NAME,
        "rules": [
            {"id": "expire-access-logs", "status": "Enabled", "filter": {"prefix": ""}, "expiration": {"days": 90}}
        ],
    },
    {"bucket": [BUCKET.urn]},
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
    BUCKET,
    PUBLIC_ACCESS_BLOCK,
    BUCKET_POLICY,
    BUCKET_LIFECYCLE,
    KMS_KEY,
    VPC_COMPONENT,
    DEFAULT_SG,
    FLOW_LOG,
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


def compliant_cases(rules: Iterable[Rule]) -> list[Any]:
    """Every compliant resource passes every rule of ``rules`` that looks at its type (the rest of COMPLIANT is its stack)."""
    return [
        passes(
            rule.id,
            s,
            others=tuple(o for o in COMPLIANT if o is not s) if rule.scope == "stack" else (),
            id=f"compliant-{s.name}",
        )
        for rule in rules
        for s in COMPLIANT
        if s.type in rule.resource_types
    ]


def check_fires(case: Case) -> None:
    found = run(case.rule, case.subject, *case.others)
    messages = [f.message for f in found]
    assert len(found) == case.count, messages
    assert {(f.rule, f.urn, f.waived_because) for f in found} == {(case.rule, case.subject.urn, None)}
    text = " | ".join(messages)
    for word in case.words:
        assert word in text
    for word in case.absent:
        assert word not in text


def check_passes(case: Case) -> None:
    assert [f.message for f in run(case.rule, case.subject, *case.others)] == []
