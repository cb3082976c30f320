"""EksRegion: one EKS cluster in one region, with its node capacity, add-ons and storage backends.

Every security- or availability-relevant child that pulumi-eks would otherwise create from
defaults is built here and passed in, so the offline plan, the tests and the guardrails see it:
the cluster role, the node security group and its rules, the managed groups' launch templates,
every access entry, and the control-plane log group. What pulumi-eks still creates itself is
listed in docs/eks.md, "Children the plan cannot see", each with its upstream source file.

Kubernetes objects (StorageClasses, the Trident backend, the Cluster Autoscaler) go through the
KubeApplier (``components/eks_applier.py``): the deploying runner never calls the Kubernetes API.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components.eks.applier import KubeApplier, KubeApplierArgs, KubeBundle
from components.eks.autoscaler import NAMESPACE as AUTOSCALER_NAMESPACE
from components.eks.autoscaler import SERVICE_ACCOUNT as AUTOSCALER_SERVICE_ACCOUNT
from components.eks.autoscaler import cluster_autoscaler_manifests, cluster_autoscaler_policy, self_managed_asg_tags
from components.eks.documents import (
    ADDONS,
    CLUSTER_ADMIN_POLICY,
    CLUSTER_ROLE_POLICY,
    CONTROL_PLANE_LOG_TYPES,
    FARGATE_POD_EXECUTION_POLICY,
    NODE_ROLE_POLICIES,
    cluster_trust_policy,
    fargate_trust_policy,
    pod_identity_trust_policy,
)
from components.eks.storage import ClusterStorage, ClusterStorageArgs
from components.iam import attach_policies, ec2_trust_policy
from components.kms import customer_managed_key, eks_secrets_key_policy, logs_key_policy
from components.tags import component_tags
from settings.aws_tables import instance_architecture
from settings.eks_versions import ami_image_id_parameter
from settings.models import (
    AddonName,
    EgressSettings,
    EksVersionSettings,
    FargateProfileSettings,
    ManagedNodeGroupSettings,
    NodeGroupSettings,
    SelfManagedNodeGroupSettings,
    StorageSettings,
)

_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}


@dataclass(frozen=True)
class EksRegionArgs:
    """Inputs of one regional EKS cluster."""

    region: str
    """The cluster's region (the region of the provider in ``opts``)."""
    account_id: pulumi.Input[str]
    """This AWS account."""
    cluster_name: str
    """EKS cluster name people type (``aws eks update-kubeconfig --name ...``)."""
    version: str
    """Kubernetes version, e.g. ``1.35``."""
    versions: EksVersionSettings
    """Pinned AMI release, add-on versions and cluster-autoscaler tag."""
    vpc_id: pulumi.Input[str]
    """The region's VPC."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Nodes, Fargate pods, internal load balancers, storage and the manifest applier live here."""
    vpc_cidr: str
    """Storage security groups admit NFS/Lustre/iSCSI from this CIDR."""
    zone_ids: Sequence[str]
    """Zone ids of the private subnets, in their order (``Network.zones``): the EFS mount targets are named after them."""
    node_groups: Sequence[NodeGroupSettings]
    """Managed and self-managed node groups."""
    fargate_profiles: Sequence[FargateProfileSettings] = ()
    """Fargate profiles; default none."""
    storage: StorageSettings = field(default_factory=StorageSettings)
    """Which CSI drivers and backends to install; default EBS only."""
    container_insights: bool = True
    """Install the CloudWatch observability add-on; default on."""
    cluster_autoscaler: bool = True
    """Install the Cluster Autoscaler with its Pod Identity role; default on."""
    node_metadata_hop_limit: int = 1
    """IMDSv2 hop limit of every node; default 1 (pods on the pod network cannot reach IMDS)."""
    endpoint_public_access_cidrs: Sequence[str] = ()
    """Public API endpoint allow-list for people; empty keeps the endpoint private (default)."""
    admin_role_arns: Sequence[str] = ()
    """Roles granted cluster admin through access entries; default none."""
    break_glass_role_arn: str | None = None
    """Emergency cluster-admin role; default none."""
    log_retention_days: int = 90
    """Retention of the control-plane and applier log groups; default 90 days."""
    node_egress: Sequence[EgressSettings] = ()
    """Outbound rules of the nodes beyond HTTPS anywhere and everything inside the VPC; default none."""
    protect_data: bool = False
    """Pulumi-protect the EFS and ONTAP file systems so no update or destroy deletes their data (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


def _policy_json(build: Callable[[str, str], dict[str, Any]], account: str, *, region: str) -> str:
    """An inline policy document from its builder, as the JSON the IAM API takes."""
    return json.dumps(build(account, region))


def node_metadata_options(hop_limit: int) -> dict[str, object]:
    """IMDSv2 required, with the configured hop limit (1 keeps pods off the node's credentials)."""
    return {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": hop_limit}


def require_imdsv2(hop_limit: int) -> Callable[[pulumi.ResourceTransformArgs], pulumi.ResourceTransformResult | None]:
    """A transform requiring IMDSv2 on the launch template pulumi_eks creates for self-managed nodes.

    pulumi_eks 4.x exposes no metadata options for NodeGroupV2 (pulumi-eks#850). Runs in a real
    ``pulumi preview``/``up`` (transforms reach the children of packaged components); the mocked
    runtime does not run transforms, so tests call it directly.
    """

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "aws:ec2/launchTemplate:LaunchTemplate":
            return None
        props = {**args.props, "metadataOptions": node_metadata_options(hop_limit)}
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

    return transform


def _role_name(arn: str) -> str:
    """``arn:aws:iam::1:role/path/name`` -> ``name``: access entries are keyed by role, not list position."""
    return arn.rsplit("/", 1)[-1].lower()


def root_device(ami_type: str) -> str:
    """The block device that holds containers: Bottlerocket keeps them on its data volume."""
    return "/dev/xvdb" if ami_type.startswith("BOTTLEROCKET") else "/dev/xvda"


class EksRegion(pulumi.ComponentResource):
    """pulumi_eks cluster (API auth, encrypted secrets, all logs) with node groups, Fargate, add-ons, storage."""

    cluster: eks.Cluster
    """The pulumi_eks cluster."""
    node_role: aws.iam.Role
    """Role of every node (managed and self-managed); the registry lets it pull."""
    node_security_group: aws.ec2.SecurityGroup
    """The one security group of every node, managed and self-managed."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig JSON, a secret."""
    oidc_issuer: pulumi.Output[str]
    """OIDC issuer of the cluster."""
    endpoint: pulumi.Output[str]
    """API server endpoint."""
    applier: KubeApplier
    """The in-VPC function that applies this cluster's Kubernetes objects."""

    def __init__(self, name: str, args: EksRegionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:eks:EksRegion", name, None, opts)
        tags = component_tags("eks", args.tags)
        account = pulumi.Output.from_input(args.account_id)
        logs_key = self._logs_key(name, args, account, tags)
        self.node_role = self._node_role(name, args, tags)
        self.cluster = self._cluster(name, args, account, logs_key, tags)
        # The cluster's own name output: resources that name the cluster wait for it to exist.
        cluster_name = self.cluster.eks_cluster.apply(_cluster_name)
        self.kubeconfig = pulumi.Output.secret(self.cluster.kubeconfig_json)
        self.oidc_issuer = self.cluster.oidc_issuer
        self.endpoint = self.cluster.eks_cluster.apply(_cluster_endpoint)
        access = self._access_entries(name, args, cluster_name, tags)
        self.node_security_group, cluster_ingress = self._node_network(name, args, tags)
        capacity = [self._node_group(name, group, args, access, cluster_ingress) for group in args.node_groups]
        self._fargate(name, args, cluster_name, account, tags)
        agent, addons = self._addons(name, args, cluster_name, account, capacity, tags)
        backends = self._storage(name, args, cluster_name, account, [agent, *capacity])
        bundles = {**backends.bundles}
        if args.cluster_autoscaler:
            bundles["cluster-autoscaler"] = self._autoscaler(
                name, args, cluster_name, account, [agent, *capacity], tags
            )
        self.applier = self._applier(
            name, args, cluster_name, logs_key, {bundle: _after(spec, addons) for bundle, spec in bundles.items()}
        )
        self.register_outputs({"kubeconfig": self.kubeconfig, "node_role_arn": self.node_role.arn})

    def _storage(
        self,
        name: str,
        args: EksRegionArgs,
        cluster_name: pulumi.Output[str],
        account: pulumi.Output[str],
        addon_dependencies: Sequence[pulumi.Resource],
    ) -> ClusterStorage:
        return ClusterStorage(
            f"{name}-storage",
            ClusterStorageArgs(
                region=args.region,
                cluster_name=args.cluster_name,
                ready_cluster_name=cluster_name,
                account_id=account,
                vpc_id=args.vpc_id,
                vpc_cidr=args.vpc_cidr,
                private_subnet_ids=args.private_subnet_ids,
                zone_ids=args.zone_ids,
                storage=args.storage,
                trident_version=args.versions.addons.get("netapp_trident-operator"),
                addon_dependencies=list(addon_dependencies),
                protect_data=args.protect_data,
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _applier(
        self,
        name: str,
        args: EksRegionArgs,
        cluster_name: pulumi.Output[str],
        logs_key: aws.kms.Key,
        bundles: Mapping[str, KubeBundle],
    ) -> KubeApplier:
        return KubeApplier(
            f"{name}-applier",
            KubeApplierArgs(
                region=args.region,
                cluster_name=cluster_name,
                endpoint=self.endpoint,
                certificate_authority=self.cluster.eks_cluster.apply(_cluster_certificate),
                cluster_security_group_id=self.cluster.cluster_security_group_id,
                vpc_id=args.vpc_id,
                private_subnet_ids=args.private_subnet_ids,
                logs_key_arn=logs_key.arn,
                log_retention_days=args.log_retention_days,
                bundles=dict(bundles),
                tags=args.tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    # ------------------------------------------------------------------ control plane

    def _logs_key(
        self, name: str, args: EksRegionArgs, account: pulumi.Output[str], tags: Mapping[str, str]
    ) -> aws.kms.Key:
        return customer_managed_key(
            f"{name}-logs-key",
            description=f"CloudWatch Logs of {args.cluster_name} (control plane, manifest applier)",
            policy=account.apply(lambda a: json.dumps(logs_key_policy(a, args.region))),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _cluster_role(self, name: str, args: EksRegionArgs, account: pulumi.Output[str]) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-cluster-role",
            description=f"EKS control plane of {args.cluster_name}",
            assume_role_policy=account.apply(lambda a: json.dumps(cluster_trust_policy(a, args.region))),
            tags=component_tags("eks", args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-cluster-role-policy",
            role=role.name,
            policy_arn=CLUSTER_ROLE_POLICY,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

    def _secrets_key(
        self,
        name: str,
        args: EksRegionArgs,
        account: pulumi.Output[str],
        cluster_role: aws.iam.Role,
        tags: Mapping[str, str],
    ) -> aws.kms.Key:
        """The key that envelope-encrypts Kubernetes secrets; its policy lets the cluster role use it through EKS."""
        return customer_managed_key(
            f"{name}-secrets-key",
            description=f"Envelope encryption of Kubernetes secrets of {args.cluster_name}",
            policy=pulumi.Output.all(account, cluster_role.arn).apply(
                lambda v: json.dumps(eks_secrets_key_policy(v[0], args.region, v[1]))
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _cluster(
        self,
        name: str,
        args: EksRegionArgs,
        account: pulumi.Output[str],
        logs_key: aws.kms.Key,
        tags: Mapping[str, str],
    ) -> eks.Cluster:
        cluster_role = self._cluster_role(name, args, account)
        secrets_key = self._secrets_key(name, args, account, cluster_role, tags)
        # EKS writes into /aws/eks/<name>/cluster and creates it without retention or KMS unless it
        # exists first (EKS user guide, "Send control plane logs to CloudWatch Logs").
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{args.cluster_name}/cluster",
            retention_in_days=args.log_retention_days,
            kms_key_id=logs_key.arn,
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        addons = args.versions.addons
        return eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=args.version,
            service_role=cluster_role,
            vpc_id=args.vpc_id,
            # The control plane gets the first two AZs' private subnets only: a cluster's subnets may
            # later change only "in the same set of AZs as originally provided" (EKS user guide,
            # "View Amazon EKS networking requirements"), so raising network.azCount must not touch
            # them. Nodes, Fargate and load balancers use every AZ through their own subnet inputs.
            private_subnet_ids=pulumi.Output.from_input(args.private_subnet_ids).apply(lambda ids: list(ids[:2])),
            skip_default_node_group=True,
            # No pulumi-eks security groups (cluster/cluster.ts: skipDefaultSecurityGroups): the control
            # plane keeps only the EKS-created cluster security group, and nodes get ours.
            skip_default_security_groups=True,
            authentication_mode=eks.AuthenticationMode.API,
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            encryption_config_key_arn=secrets_key.arn,
            endpoint_private_access=True,
            endpoint_public_access=bool(args.endpoint_public_access_cidrs),
            public_access_cidrs=list(args.endpoint_public_access_cidrs) or None,
            # Every add-on uses Pod Identity; no IAM OIDC provider (IRSA) is needed.
            create_oidc_provider=False,
            # pulumi-eks installs these two as managed add-ons; without a version it takes the newest
            # on every run (addons/cni-addon.ts, cluster/cluster.ts getAddonVersionOutput mostRecent).
            vpc_cni_options=eks.VpcCniOptionsArgs(addon_version=addons["vpc-cni"]),
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(version=addons["kube-proxy"]),
            # Without this EKS defaults to EXTENDED support, which keeps old versions at extra cost.
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )

    def _access_entries(
        self, name: str, args: EksRegionArgs, cluster_name: pulumi.Output[str], tags: Mapping[str, str]
    ) -> aws.eks.AccessEntry:
        """The node role's EC2_LINUX entry (returned), and one cluster-admin entry per admin role.

        pulumi-eks maps ``instanceRoles`` to no access entry in API mode (cluster/cluster.ts), and the
        entry EKS creates for a managed group goes away with it; ours outlives every node group.
        """
        node_entry = aws.eks.AccessEntry(
            f"{name}-nodes-access",
            cluster_name=cluster_name,
            principal_arn=self.node_role.arn,
            type="EC2_LINUX",
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        admins = {_role_name(arn): arn for arn in args.admin_role_arns}
        if args.break_glass_role_arn is not None:
            admins[_role_name(args.break_glass_role_arn)] = args.break_glass_role_arn
        for role, arn in admins.items():
            entry = aws.eks.AccessEntry(
                f"{name}-admin-{role}",
                cluster_name=cluster_name,
                principal_arn=arn,
                type="STANDARD",
                tags=dict(tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{role}-policy",
                cluster_name=cluster_name,
                principal_arn=arn,
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]),
            )
        return node_entry

    # ------------------------------------------------------------------ nodes

    def _node_role(self, name: str, args: EksRegionArgs, tags: Mapping[str, str]) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{name}-node-role",
            description=f"Nodes of {args.cluster_name}",
            assume_role_policy=json.dumps(ec2_trust_policy()),
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        attach_policies(f"{name}-node-role", role, NODE_ROLE_POLICIES, parent=self)
        return role

    def _node_network(
        self, name: str, args: EksRegionArgs, tags: Mapping[str, str]
    ) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroupRule]:
        """One security group for every node, meshed with the EKS-created cluster security group.

        The control plane and Fargate pods carry the cluster security group; managed nodes with a
        launch template that names security groups do not get it (EKS user guide, "Customize managed
        nodes with launch templates"). So every node gets this group, which admits all traffic from
        itself and from the cluster group, and the cluster group admits all traffic from it: DNS and
        pod-to-pod work across managed, self-managed and Fargate capacity. Returns the group and the
        cluster group's rule from it (pulumi-eks NodeGroupV2 takes both instead of creating its own).
        """
        cluster_sg = self.cluster.cluster_security_group_id
        group = aws.ec2.SecurityGroup(
            f"{name}-node-sg",
            description=f"Every node of {args.cluster_name}",
            vpc_id=args.vpc_id,
            tags={**tags, "Name": f"{name}-node-sg", f"kubernetes.io/cluster/{args.cluster_name}": "owned"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-node-from-nodes",
            description="Node to node: pods, DNS, kubelet",
            security_group_id=group.id,
            referenced_security_group_id=group.id,
            ip_protocol="-1",
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-node-from-cluster",
            description="Control plane (kubelet, webhooks) and Fargate pods to nodes",
            security_group_id=group.id,
            referenced_security_group_id=cluster_sg,
            ip_protocol="-1",
            opts=child,
        )
        self._node_egress(name, args, group)
        cluster_ingress = aws.ec2.SecurityGroupRule(
            f"{name}-cluster-from-nodes",
            description="Nodes to the control plane and to Fargate pods",
            type="ingress",
            security_group_id=cluster_sg,
            source_security_group_id=group.id,
            protocol="-1",
            from_port=0,
            to_port=0,
            opts=child,
        )
        return group, cluster_ingress

    def _node_egress(self, name: str, args: EksRegionArgs, group: aws.ec2.SecurityGroup) -> list[pulumi.Resource]:
        """Outbound rules of every node and of the pods on the pod network (the VPC CNI gives them the node's group).

        - Everything inside the VPC: other nodes and pods, the control plane's ENIs and the cluster security
          group (Fargate pods), CoreDNS and the VPC resolver, the storage file systems, the interface
          endpoints and internal load balancers. The EKS user guide ("Amazon EKS security group requirements
          and considerations", "Restricting cluster traffic") lists the control plane's 443 and 10250, DNS,
          node-to-node traffic and "any protocol and ports that you expect your nodes to use for inter-node
          communication": the VPC CIDR covers them all without tracking each port.
        - TCP 443 anywhere: "outbound internet access so that nodes can access the Amazon EKS APIs for cluster
          introspection and node registration", ECR and S3 (same page), through NAT or the VPC endpoints.
        - ``eks.nodeEgress``: what else the workloads call outside the VPC.
        """
        child = pulumi.ResourceOptions(parent=self)
        rules: list[pulumi.Resource] = [
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-node-egress",
                description="HTTPS to the EKS, ECR, S3 and STS APIs and other HTTPS services",
                security_group_id=group.id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                opts=child,
            ),
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-node-egress-vpc",
                description="Inside the VPC: nodes, pods, control plane, DNS, storage, endpoints",
                security_group_id=group.id,
                cidr_ipv4=args.vpc_cidr,
                ip_protocol="-1",
                opts=child,
            ),
        ]
        for entry in args.node_egress:
            rules += [
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-node-egress-{entry.name}-{_destination_key(destination)}",
                    description=entry.description,
                    security_group_id=group.id,
                    ip_protocol=entry.protocol,
                    from_port=entry.port,
                    to_port=entry.to_port if entry.to_port is not None else entry.port,
                    cidr_ipv4=destination if _is_ipv4(destination) else None,
                    cidr_ipv6=destination if ":" in destination else None,
                    prefix_list_id=destination if destination.startswith("pl-") else None,
                    opts=child,
                )
                for destination in (*entry.cidrs, *entry.prefix_list_ids)
            ]
        return rules

    def _node_group(
        self,
        name: str,
        group: NodeGroupSettings,
        args: EksRegionArgs,
        access: aws.eks.AccessEntry,
        cluster_ingress: aws.ec2.SecurityGroupRule,
    ) -> pulumi.Resource:
        if isinstance(group, ManagedNodeGroupSettings):
            return self._managed(name, group, args, access)
        return self._self_managed(name, group, args, access, cluster_ingress)

    def _launch_template(
        self, name: str, group: ManagedNodeGroupSettings, args: EksRegionArgs
    ) -> aws.ec2.LaunchTemplate:
        """The managed group's launch template, ours so that the plan and the guardrails see it.

        No AMI and no instance profile: EKS picks the AMI of ``releaseVersion`` and the node role.
        """
        tags = component_tags("eks", {**args.tags, "node-group": group.name})
        devices = [root_device(group.ami_type)]
        if group.ami_type.startswith("BOTTLEROCKET"):
            devices.insert(0, "/dev/xvda")  # Bottlerocket's OS volume, at its AMI size, encrypted too
        return aws.ec2.LaunchTemplate(
            f"{name}-{group.name}-launch-template",
            description=f"Managed node group {group.name} of {args.cluster_name}",
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=device,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=group.disk_size_gib if device == root_device(group.ami_type) else None,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
                for device in devices
            ],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=args.node_metadata_hop_limit,
            ),
            vpc_security_group_ids=[self.node_security_group.id],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            update_default_version=True,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _managed(
        self, name: str, group: ManagedNodeGroupSettings, args: EksRegionArgs, access: aws.eks.AccessEntry
    ) -> eks.ManagedNodeGroup:
        template = self._launch_template(name, group, args)
        bottlerocket = group.ami_type.startswith("BOTTLEROCKET")
        return eks.ManagedNodeGroup(
            f"{name}-{group.name}",
            cluster=self.cluster,
            node_group_name_prefix=f"{group.name}-",
            node_role=self.node_role,
            subnet_ids=args.private_subnet_ids,
            capacity_type=group.capacity_type,
            instance_types=list(group.instance_types),
            ami_type=group.ami_type,
            version=args.version,
            release_version=(
                args.versions.bottlerocket_release_version if bottlerocket else args.versions.ami_release_version
            ),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=group.min_size,
                desired_size=group.desired_size if group.desired_size is not None else group.min_size,
                max_size=group.max_size,
            ),
            # The Cluster Autoscaler owns the desired size after creation.
            ignore_scaling_changes=True,
            labels=dict(group.labels) or None,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=_TAINT_EFFECTS[t.effect])
                for t in group.taints
            ]
            or None,
            tags=component_tags("eks", {**args.tags, "node-group": group.name}),
            # The node role's entry first: otherwise EKS creates one for the group, and ours collides with it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access]),
        )

    def _self_managed(
        self,
        name: str,
        group: SelfManagedNodeGroupSettings,
        args: EksRegionArgs,
        access: aws.eks.AccessEntry,
        cluster_ingress: aws.ec2.SecurityGroupRule,
    ) -> eks.NodeGroupV2:
        profile = aws.iam.InstanceProfile(
            f"{name}-{group.name}-profile", role=self.node_role.name, opts=pulumi.ResourceOptions(parent=self)
        )
        # The pinned release's AMI in this region, from AWS's public SSM parameter of that release.
        ami_id = group.ami_id or aws.ssm.get_parameter_output(
            name=ami_image_id_parameter(
                args.version, args.versions.ami_release_version, instance_architecture(group.instance_type)
            ),
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).value.apply(str)
        asg_tags = (
            self_managed_asg_tags(args.cluster_name, group.labels, [(t.key, t.value, t.effect) for t in group.taints])
            if args.cluster_autoscaler
            else {}
        )
        return eks.NodeGroupV2(
            f"{name}-{group.name}",
            cluster=self.cluster,
            instance_type=group.instance_type,
            ami_id=ami_id,
            min_size=group.min_size,
            desired_capacity=group.desired_size if group.desired_size is not None else group.min_size,
            max_size=group.max_size,
            instance_profile=profile,
            node_security_group=self.node_security_group,
            cluster_ingress_rule=cluster_ingress,
            node_subnet_ids=args.private_subnet_ids,
            node_associate_public_ip_address=False,
            node_root_volume_size=group.root_volume_size_gib,
            node_root_volume_encrypted=True,
            node_root_volume_type="gp3",
            labels=dict(group.labels) or None,
            taints={t.key: eks.TaintArgs(value=t.value, effect=t.effect) for t in group.taints} or None,
            auto_scaling_group_tags=asg_tags or None,
            # Instance refresh keeps 90% of nodes in service while a new launch template rolls out.
            min_refresh_percentage=90,
            ignore_scaling_changes=True,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[access], transforms=[require_imdsv2(args.node_metadata_hop_limit)]
            ),
        )

    def _fargate(
        self,
        name: str,
        args: EksRegionArgs,
        cluster_name: pulumi.Output[str],
        account: pulumi.Output[str],
        tags: Mapping[str, str],
    ) -> None:
        if not args.fargate_profiles:
            return
        child = pulumi.ResourceOptions(parent=self)
        pod_role = aws.iam.Role(
            f"{name}-fargate-role",
            description=f"Fargate pod execution role of {args.cluster_name}",
            assume_role_policy=account.apply(
                lambda a: json.dumps(fargate_trust_policy(a, args.region, args.cluster_name))
            ),
            tags=dict(tags),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-fargate-role-policy", role=pod_role.name, policy_arn=FARGATE_POD_EXECUTION_POLICY, opts=child
        )
        for fp in args.fargate_profiles:
            aws.eks.FargateProfile(
                f"{name}-fargate-{fp.name}",
                cluster_name=cluster_name,
                fargate_profile_name=fp.name,
                pod_execution_role_arn=pod_role.arn,
                subnet_ids=args.private_subnet_ids,
                selectors=[
                    aws.eks.FargateProfileSelectorArgs(namespace=ns, labels=dict(fp.labels) or None)
                    for ns in fp.namespaces
                ],
                tags=dict(tags),
                opts=child,
            )

    # ------------------------------------------------------------------ add-ons

    def pod_role(
        self, name: str, account: pulumi.Output[str], policies: Sequence[str], tags: Mapping[str, str]
    ) -> aws.iam.Role:
        """A role EKS Pod Identity hands to one service account, with managed policies attached."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=account.apply(lambda a: json.dumps(pod_identity_trust_policy(a))),
            tags=dict(tags),
            opts=child,
        )
        attach_policies(f"{name}-role", role, policies, parent=self)
        return role

    def _addons(
        self,
        name: str,
        args: EksRegionArgs,
        cluster_name: pulumi.Output[str],
        account: pulumi.Output[str],
        capacity: Sequence[pulumi.Resource],
        tags: Mapping[str, str],
    ) -> tuple[aws.eks.Addon, list[aws.eks.Addon]]:
        """The Pod Identity agent, CoreDNS and the CSI/CloudWatch add-ons, each at its pinned version.

        They need running nodes to become ACTIVE, and Pod Identity needs its agent first.
        """
        versions = args.versions.addons
        agent = self._addon(name, "eks-pod-identity-agent", versions, cluster_name, capacity, tags)
        # CoreDNS as a managed add-on, so that it is pinned and upgraded with the rest (EKS installs
        # an unmanaged copy at cluster creation; OVERWRITE adopts it).
        addons = [self._addon(name, "coredns", versions, cluster_name, capacity, tags)]
        wanted = {
            "ebs": args.storage.ebs,
            "efs": args.storage.efs,
            "fsxLustre": args.storage.fsx_lustre,
            "containerInsights": args.container_insights,
        }
        for key, spec in ADDONS.items():
            if not wanted[key]:
                continue
            role = self.pod_role(f"{name}-{spec.addon_name}", account, spec.policies, tags)
            if spec.inline_policy is not None:
                aws.iam.RolePolicy(
                    f"{name}-{spec.addon_name}-policy",
                    role=role.name,
                    policy=account.apply(functools.partial(_policy_json, spec.inline_policy, region=args.region)),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            identity = [
                aws.eks.AddonPodIdentityAssociationArgs(role_arn=role.arn, service_account=spec.service_account)
            ]
            addons.append(
                self._addon(name, spec.addon_name, versions, cluster_name, [agent, *capacity], tags, identity)
            )
        return agent, addons

    def _addon(
        self,
        name: str,
        addon: AddonName,
        versions: Mapping[AddonName, str],
        cluster_name: pulumi.Output[str],
        depends_on: Sequence[pulumi.Resource],
        tags: Mapping[str, str],
        identities: Sequence[aws.eks.AddonPodIdentityAssociationArgs] = (),
    ) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{name}-{addon}",
            cluster_name=cluster_name,
            addon_name=addon,
            addon_version=versions[addon],
            pod_identity_associations=list(identities) or None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )

    def _autoscaler(
        self,
        name: str,
        args: EksRegionArgs,
        cluster_name: pulumi.Output[str],
        account: pulumi.Output[str],
        ready: Sequence[pulumi.Resource],
        tags: Mapping[str, str],
    ) -> KubeBundle:
        """The Cluster Autoscaler's Pod Identity role and its manifests (applied by the KubeApplier)."""
        role = self.pod_role(f"{name}-cluster-autoscaler", account, (), tags)
        policy = aws.iam.RolePolicy(
            f"{name}-cluster-autoscaler-policy",
            role=role.name,
            policy=account.apply(lambda a: json.dumps(cluster_autoscaler_policy(args.cluster_name, a, args.region))),
            opts=pulumi.ResourceOptions(parent=self),
        )
        identity = aws.eks.PodIdentityAssociation(
            f"{name}-cluster-autoscaler-identity",
            cluster_name=cluster_name,
            namespace=AUTOSCALER_NAMESPACE,
            service_account=AUTOSCALER_SERVICE_ACCOUNT,
            role_arn=role.arn,
            tags=dict(tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return KubeBundle(
            objects=cluster_autoscaler_manifests(args.cluster_name, args.region, args.versions.cluster_autoscaler),
            depends_on=[policy, identity, *ready],
        )


def _after(bundle: KubeBundle, resources: Sequence[pulumi.Resource]) -> KubeBundle:
    """The same bundle, applied only after ``resources`` too (the add-ons that serve its objects)."""
    return KubeBundle(
        objects=bundle.objects, depends_on=[*bundle.depends_on, *resources], wait_seconds=bundle.wait_seconds
    )


# The aws.eks.Cluster that pulumi-eks creates (its ``eksCluster`` output), read field by field.
def _cluster_name(cluster: aws.eks.Cluster) -> pulumi.Input[str]:
    return cluster.name


def _cluster_endpoint(cluster: aws.eks.Cluster) -> pulumi.Input[str]:
    return cluster.endpoint


def _cluster_certificate(cluster: aws.eks.Cluster) -> pulumi.Input[str]:
    return cluster.certificate_authority.apply(lambda authority: authority.data or "")


def _is_ipv4(destination: str) -> bool:
    """An IPv4 CIDR, as opposed to an IPv6 CIDR or a prefix list id (``pl-...``)."""
    return not destination.startswith("pl-") and ":" not in destination


def _destination_key(destination: str) -> str:
    """A destination as a logical-name part: ``10.30.0.0/16`` -> ``10-30-0-0-16``, ``pl-1a2b`` stays."""
    return destination.replace(".", "-").replace("/", "-").replace(":", "-").strip("-")
