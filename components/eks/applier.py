"""KubeApplier: applies Kubernetes objects to a private EKS cluster through a Lambda inside its VPC.

Why: the API endpoint is private, and ``pulumi up`` runs on Pulumi Deployments' hosted runners
outside the VPC (on the first run the VPC does not even exist yet). The runner therefore never
calls the Kubernetes API. It calls only AWS APIs: ``lambda:InvokeFunction`` on a small function in
the cluster's private subnets, which server-side-applies the objects through the private endpoint.
This is the pattern of the AWS CDK's kubectl handler for private clusters.

Each bundle of objects is one ``aws.lambda_.Invocation`` with ``lifecycle_scope="CRUD"``:
terraform-provider-aws (``internal/service/lambda/invocation.go``) invokes the function on create,
update (``input`` is not ForceNew in CRUD scope) and delete, adds ``{"tf": {"action",
"prev_input"}}`` to the payload, and fails the resource with the function's error payload when
``FunctionError`` is set. ``function_name`` is ForceNew, so invocations delete before they replace:
a create-then-delete replacement would delete the objects it had just applied.

The handler (``components/kube_applier/handler.py``) uses only the standard library and botocore,
which the Lambda Python runtime ships.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.eks.documents import CLUSTER_ADMIN_POLICY, LAMBDA_VPC_ACCESS_POLICY
from components.iam import service_trust_policy
from components.tags import component_tags

HANDLER_DIR = Path(__file__).resolve().parent / "kube_applier"
"""The Lambda's code: one module, ``handler.handler``."""

FIELD_MANAGER = "container-platform"
"""Server-side apply field manager: who owns the fields this program sets."""

APPLIER_TIMEOUT_SECONDS = 900
"""Lambda's maximum: a bundle may wait for a CRD that an add-on installs (Trident)."""


@dataclass(frozen=True)
class KubeBundle:
    """A group of Kubernetes objects applied, updated and deleted together."""

    objects: pulumi.Input[Sequence[Mapping[str, Any]]]
    """Full manifests, applied in this order and deleted in reverse order."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the objects need first (an add-on that installs their CRD, the identity they use)."""
    wait_seconds: int = 300
    """How long the handler waits for a CRD-backed kind to be served before it fails."""


@dataclass(frozen=True)
class KubeApplierArgs:
    """Inputs of the manifest applier of one cluster."""

    region: str
    """The cluster's region."""
    cluster_name: pulumi.Input[str]
    """The cluster, as an output that resolves once it exists (so the entry waits for it)."""
    endpoint: pulumi.Input[str]
    """The API server URL (private endpoint inside the VPC)."""
    certificate_authority: pulumi.Input[str]
    """Base64 PEM bundle of the cluster CA (kubeconfig ``certificate-authority-data``)."""
    cluster_security_group_id: pulumi.Input[str]
    """The EKS-created cluster security group, on the control-plane ENIs: gets 443 from the applier."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """The function's ENIs live here, next to the endpoint's."""
    logs_key_arn: pulumi.Input[str]
    """KMS key of the function's log group."""
    log_retention_days: int
    """Retention of the function's log group."""
    bundles: Mapping[str, KubeBundle] = field(default_factory=dict)
    """Bundle name (what the objects are: ``storage-classes``) -> objects."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class KubeApplier(pulumi.ComponentResource):
    """A VPC Lambda with a cluster-admin access entry, and one CRUD invocation per bundle."""

    function: aws.lambda_.Function
    """The applier function."""
    role: aws.iam.Role
    """Its execution role, mapped to cluster admin by an access entry."""
    invocations: dict[str, aws.lambda_.Invocation]
    """Bundle name -> its invocation."""

    def __init__(self, name: str, args: KubeApplierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:eks:KubeApplier", name, None, opts)
        tags = component_tags("eks", {**args.tags, "role": "kube-applier"})
        self.role, vpc_access = self._role(name, tags)
        group = self._security_group(name, args, tags)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_key_arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            description="Server-side applies this program's Kubernetes objects through the private API endpoint",
            runtime="python3.13",
            architectures=["arm64"],
            handler="handler.handler",
            code=pulumi.AssetArchive({"handler.py": pulumi.FileAsset(str(HANDLER_DIR / "handler.py"))}),
            role=self.role.arn,
            timeout=APPLIER_TIMEOUT_SECONDS,
            memory_size=256,
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=args.private_subnet_ids, security_group_ids=[group.id]
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=log_group.name),
            tags=tags,
            # Lambda deletes the function's ENIs with this role's permissions, so the policy stays until
            # the function is gone (Lambda developer guide, "Giving Lambda functions access to a VPC").
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, vpc_access]),
        )
        ready = [*self._cluster_access(name, args, tags), *self._endpoint_rules(name, args, group)]
        self.invocations = {
            bundle: self._invocation(f"{name}-{bundle}", args, spec, ready) for bundle, spec in args.bundles.items()
        }
        self.register_outputs({"function_name": self.function.name})

    def _role(self, name: str, tags: Mapping[str, str]) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]:
        role = aws.iam.Role(
            f"{name}-role",
            description="Kubernetes manifest applier (Lambda in the cluster VPC)",
            assume_role_policy=json.dumps(service_trust_policy("lambda.amazonaws.com")),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # ENIs in the VPC and writing its own logs; the function calls no other AWS API.
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-role-vpc-access",
            role=role.name,
            policy_arn=LAMBDA_VPC_ACCESS_POLICY,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role, attachment

    def _security_group(self, name: str, args: KubeApplierArgs, tags: Mapping[str, str]) -> aws.ec2.SecurityGroup:
        # No ingress, and egress only to the control plane: DNS to the VPC resolver is not filtered
        # by security groups (Amazon VPC user guide, "Security group rules").
        return aws.ec2.SecurityGroup(
            f"{name}-sg",
            description="Kubernetes manifest applier: HTTPS to the EKS control plane only",
            vpc_id=args.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="Kubernetes API (private endpoint)",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    security_groups=[args.cluster_security_group_id],
                )
            ],
            tags={**tags, "Name": f"{name}-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _endpoint_rules(self, name: str, args: KubeApplierArgs, group: aws.ec2.SecurityGroup) -> list[pulumi.Resource]:
        rule = aws.vpc.SecurityGroupIngressRule(
            f"{name}-api-ingress",
            description="Kubernetes API from the manifest applier",
            security_group_id=args.cluster_security_group_id,
            referenced_security_group_id=group.id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return [rule]

    def _cluster_access(self, name: str, args: KubeApplierArgs, tags: Mapping[str, str]) -> list[pulumi.Resource]:
        # Cluster admin: it creates RBAC objects, and Kubernetes lets only a holder of a permission grant it.
        entry = aws.eks.AccessEntry(
            f"{name}-access",
            cluster_name=args.cluster_name,
            principal_arn=self.role.arn,
            type="STANDARD",
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        association = aws.eks.AccessPolicyAssociation(
            f"{name}-access-admin",
            cluster_name=args.cluster_name,
            principal_arn=self.role.arn,
            policy_arn=CLUSTER_ADMIN_POLICY,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]),
        )
        return [entry, association]

    def _invocation(
        self, name: str, args: KubeApplierArgs, bundle: KubeBundle, ready: Sequence[pulumi.Resource]
    ) -> aws.lambda_.Invocation:
        event = pulumi.Output.all(args.cluster_name, args.endpoint, args.certificate_authority, bundle.objects).apply(
            lambda v: json.dumps(
                {
                    "clusterName": v[0],
                    "region": args.region,
                    "endpoint": v[1],
                    "certificateAuthority": v[2],
                    "fieldManager": FIELD_MANAGER,
                    "waitSeconds": bundle.wait_seconds,
                    "objects": v[3],
                },
                sort_keys=True,
            )
        )
        return aws.lambda_.Invocation(
            name,
            function_name=self.function.name,
            input=event,
            lifecycle_scope="CRUD",
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*ready, *bundle.depends_on],
                delete_before_replace=True,
            ),
        )
