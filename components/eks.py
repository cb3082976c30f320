"""EksRegion: one EKS cluster in one region, with its node capacity, add-ons and storage backends.

The Kubernetes side (StorageClasses, the Trident backend) is ClusterStorage in
``components/eks_storage.py``: it needs a Kubernetes provider, which ``__main__`` builds
from this cluster's kubeconfig, because components never create providers.
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

from components.ecs_policies import ec2_trust_policy, efs_file_system_policy
from components.eks_policies import (
    ADDONS,
    CLUSTER_ADMIN_POLICY,
    CONTROL_PLANE_LOG_TYPES,
    FARGATE_POD_EXECUTION_POLICY,
    NODE_ROLE_POLICIES,
    TRIDENT_ADDON,
    TRIDENT_NAMESPACE,
    TRIDENT_SERVICE_ACCOUNT,
    fargate_trust_policy,
    ontap_svm_credentials,
    pod_identity_trust_policy,
    trident_policy,
)
from components.outputs import nth
from components.tags import component_tags
from settings.models import (
    FargateProfileSettings,
    ManagedNodeGroupSettings,
    NodeGroupSettings,
    SelfManagedNodeGroupSettings,
    StorageSettings,
)

_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}

ONTAP_PORTS: tuple[tuple[str, int, int, str], ...] = (
    ("tcp", 443, 443, "ONTAP management API (Trident)"),
    ("tcp", 111, 111, "NFS rpcbind"),
    ("udp", 111, 111, "NFS rpcbind"),
    ("tcp", 635, 635, "NFS mountd"),
    ("udp", 635, 635, "NFS mountd"),
    ("tcp", 2049, 2049, "NFS"),
    ("udp", 2049, 2049, "NFS"),
    ("tcp", 3260, 3260, "iSCSI"),
)
"""What nodes need to reach an FSx for NetApp ONTAP SVM (NFS and iSCSI)."""

LUSTRE_PORTS: tuple[tuple[int, int, str], ...] = ((988, 988, "Lustre"), (1018, 1023, "Lustre"))
"""FSx for Lustre client traffic."""


@dataclass(frozen=True)
class StorageBackends:
    """AWS-side storage the Kubernetes StorageClasses point at (None where the flag is off)."""

    efs_file_system_id: pulumi.Output[str] | None = None
    lustre_subnet_id: pulumi.Output[str] | None = None
    lustre_security_group_id: pulumi.Output[str] | None = None
    ontap_file_system_id: pulumi.Output[str] | None = None
    ontap_svm_name: str | None = None
    ontap_secret_arn: pulumi.Output[str] | None = None
    ontap_ready: tuple[pulumi.Resource, ...] = ()
    """The Trident add-on and its identity: the backend configuration needs both first."""


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
    vpc_id: pulumi.Input[str]
    """The region's VPC."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Nodes, Fargate pods, internal load balancers and storage live here."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Internet-facing load balancers (tagged kubernetes.io/role/elb by the network)."""
    vpc_cidr: str
    """Storage security groups admit NFS/Lustre/iSCSI from this CIDR."""
    az_count: int
    """AZs (= private subnets): the EFS file system gets a mount target in each."""
    node_groups: Sequence[NodeGroupSettings]
    """Managed and self-managed node groups."""
    fargate_profiles: Sequence[FargateProfileSettings] = ()
    """Fargate profiles; default none."""
    storage: StorageSettings = field(default_factory=StorageSettings)
    """Which CSI drivers and backends to install; default EBS only."""
    container_insights: bool = True
    """Install the CloudWatch observability add-on; default on."""
    endpoint_public_access_cidrs: Sequence[str] = ()
    """Public API endpoint allow-list; empty keeps the endpoint private (default)."""
    admin_role_arns: Sequence[str] = ()
    """Roles granted cluster admin through access entries."""
    protect_data: bool = False
    """Pulumi-protect the EFS and ONTAP file systems so no update or destroy deletes their data (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


def _policy_json(build: Callable[[str, str], dict[str, Any]], account: str, *, region: str) -> str:
    """An inline policy document from its builder, as the JSON the IAM API takes."""
    return json.dumps(build(account, region))


NODE_METADATA_OPTIONS: dict[str, object] = {
    "httpEndpoint": "enabled",
    "httpTokens": "required",
    # Two hops: pods on the node network (the VPC CNI, CSI node plugins) still reach IMDS.
    "httpPutResponseHopLimit": 2,
}
"""Metadata options forced onto the launch template of self-managed (NodeGroupV2) nodes."""


def require_imdsv2(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """Require IMDSv2 on the launch templates pulumi_eks creates for self-managed nodes.

    Runs in a real ``pulumi preview``/``up`` (transforms reach the children of packaged
    components); the mocked runtime does not run transforms, so tests call this directly.
    """
    if args.type_ != "aws:ec2/launchTemplate:LaunchTemplate":
        return None
    return pulumi.ResourceTransformResult(
        props={**args.props, "metadataOptions": NODE_METADATA_OPTIONS}, opts=args.opts
    )


class EksRegion(pulumi.ComponentResource):
    """pulumi_eks cluster (API auth, encrypted secrets, all logs) with node groups, Fargate, add-ons, storage."""

    cluster: eks.Cluster
    """The pulumi_eks cluster."""
    node_role: aws.iam.Role
    """Role of every node (managed and self-managed); the registry lets it pull."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig JSON, a secret."""
    oidc_issuer: pulumi.Output[str]
    """OIDC issuer of the cluster (for IRSA where Pod Identity does not apply)."""
    endpoint: pulumi.Output[str]
    """API server endpoint."""
    storage: StorageBackends
    """Backends for the StorageClasses."""

    def __init__(self, name: str, args: EksRegionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:eks:EksRegion", name, None, opts)
        tags = component_tags("eks", args.tags)
        child = pulumi.ResourceOptions(parent=self)
        account = pulumi.Output.from_input(args.account_id)

        secrets_key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"Envelope encryption of Kubernetes secrets of {args.cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags=tags,
            opts=child,
        )
        self.node_role = aws.iam.Role(
            f"{name}-node-role",
            description=f"Nodes of {args.cluster_name}",
            assume_role_policy=json.dumps(ec2_trust_policy()),
            tags=tags,
            opts=child,
        )
        for i, policy_arn in enumerate(NODE_ROLE_POLICIES):
            aws.iam.RolePolicyAttachment(
                f"{name}-node-role-{i}", role=self.node_role.name, policy_arn=policy_arn, opts=child
            )

        self.cluster = eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=args.version,
            vpc_id=args.vpc_id,
            private_subnet_ids=args.private_subnet_ids,
            public_subnet_ids=args.public_subnet_ids,
            skip_default_node_group=True,
            authentication_mode=eks.AuthenticationMode.API,
            access_entries={
                f"admin-{i}": eks.AccessEntryArgs(
                    principal_arn=arn,
                    access_policies={
                        "cluster-admin": eks.AccessPolicyAssociationArgs(
                            policy_arn=CLUSTER_ADMIN_POLICY,
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
                for i, arn in enumerate(args.admin_role_arns)
            },
            # Access entries (EC2_LINUX) for the node role, which self-managed nodes need.
            instance_roles=[self.node_role],
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            encryption_config_key_arn=secrets_key.arn,
            endpoint_private_access=True,
            endpoint_public_access=bool(args.endpoint_public_access_cidrs),
            public_access_cidrs=list(args.endpoint_public_access_cidrs) or None,
            create_oidc_provider=True,
            # Without this EKS defaults to EXTENDED support, which keeps old versions at extra cost.
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            tags=tags,
            opts=child,
        )
        # An output that resolves only once the cluster exists: resources that name the cluster
        # by string take it, so they wait for the cluster (and are deleted before it).
        cluster_name = self.cluster.kubeconfig_json.apply(lambda _: args.cluster_name)
        self.kubeconfig = pulumi.Output.secret(self.cluster.kubeconfig_json)
        self.oidc_issuer = self.cluster.oidc_issuer
        self.endpoint = self.cluster.kubeconfig_json.apply(_server)

        capacity: list[pulumi.Resource] = []
        profile = None
        for group in args.node_groups:
            if isinstance(group, ManagedNodeGroupSettings):
                capacity.append(self._managed(name, group, args))
            else:
                if profile is None:
                    profile = aws.iam.InstanceProfile(
                        f"{name}-node-profile", role=self.node_role.name, tags=tags, opts=child
                    )
                capacity.append(self._self_managed(name, group, args, profile))

        if args.fargate_profiles:
            pod_role = aws.iam.Role(
                f"{name}-fargate-role",
                description=f"Fargate pod execution role of {args.cluster_name}",
                assume_role_policy=account.apply(
                    lambda a: json.dumps(fargate_trust_policy(a, args.region, args.cluster_name))
                ),
                tags=tags,
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
                    tags=tags,
                    opts=child,
                )

        # Add-ons need running nodes to become ACTIVE, and Pod Identity needs its agent first.
        agent = aws.eks.Addon(
            f"{name}-pod-identity-agent",
            cluster_name=cluster_name,
            addon_name="eks-pod-identity-agent",
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=capacity),
        )
        wanted = {
            "ebs": args.storage.ebs,
            "efs": args.storage.efs,
            "fsxLustre": args.storage.fsx_lustre,
            "containerInsights": args.container_insights,
        }
        for key, spec in ADDONS.items():
            if not wanted[key]:
                continue
            role = self._pod_role(f"{name}-{spec.addon_name}", account, spec.policies, tags)
            if spec.inline_policy is not None:
                aws.iam.RolePolicy(
                    f"{name}-{spec.addon_name}-policy",
                    role=role.name,
                    policy=account.apply(functools.partial(_policy_json, spec.inline_policy, region=args.region)),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            aws.eks.Addon(
                f"{name}-{spec.addon_name}",
                cluster_name=cluster_name,
                addon_name=spec.addon_name,
                pod_identity_associations=[
                    aws.eks.AddonPodIdentityAssociationArgs(role_arn=role.arn, service_account=spec.service_account)
                ],
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[agent, *capacity]),
            )

        self.storage = self._storage(name, args, cluster_name, account, agent, capacity, tags)
        self.register_outputs({"kubeconfig": self.kubeconfig, "node_role_arn": self.node_role.arn})

    def _pod_role(
        self, name: str, account: pulumi.Output[str], policies: Sequence[str], tags: Mapping[str, str]
    ) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=account.apply(lambda a: json.dumps(pod_identity_trust_policy(a))),
            tags=dict(tags),
            opts=child,
        )
        for i, policy_arn in enumerate(policies):
            aws.iam.RolePolicyAttachment(f"{name}-role-{i}", role=role.name, policy_arn=policy_arn, opts=child)
        return role

    def _managed(self, name: str, group: ManagedNodeGroupSettings, args: EksRegionArgs) -> eks.ManagedNodeGroup:
        return eks.ManagedNodeGroup(
            f"{name}-{group.name}",
            cluster=self.cluster,
            node_group_name_prefix=f"{group.name}-",
            node_role=self.node_role,
            subnet_ids=args.private_subnet_ids,
            capacity_type=group.capacity_type,
            instance_types=list(group.instance_types),
            ami_type=group.ami_type,
            disk_size=group.disk_size_gib,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=group.min_size,
                desired_size=group.desired_size if group.desired_size is not None else group.min_size,
                max_size=group.max_size,
            ),
            enable_imd_sv2=True,
            # The cluster autoscaler (or Karpenter) owns the desired size after creation.
            ignore_scaling_changes=True,
            labels=dict(group.labels) or None,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value or None, effect=_TAINT_EFFECTS[t.effect])
                for t in group.taints
            ]
            or None,
            tags=component_tags("eks", {**args.tags, "node-group": group.name}),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _self_managed(
        self, name: str, group: SelfManagedNodeGroupSettings, args: EksRegionArgs, profile: aws.iam.InstanceProfile
    ) -> eks.NodeGroupV2:
        return eks.NodeGroupV2(
            f"{name}-{group.name}",
            cluster=self.cluster,
            instance_type=group.instance_type,
            ami_id=group.ami_id,
            min_size=group.min_size,
            desired_capacity=group.desired_size if group.desired_size is not None else group.min_size,
            max_size=group.max_size,
            instance_profile=profile,
            node_subnet_ids=args.private_subnet_ids,
            node_associate_public_ip_address=False,
            node_root_volume_size=group.root_volume_size_gib,
            node_root_volume_encrypted=True,
            node_root_volume_type="gp3",
            spot_price=group.spot_max_price,
            labels=dict(group.labels) or None,
            taints={t.key: eks.TaintArgs(value=t.value, effect=t.effect) for t in group.taints} or None,
            # Instance refresh keeps 90% of nodes in service while a new launch template rolls out.
            min_refresh_percentage=90,
            ignore_scaling_changes=True,
            # pulumi_eks 4.4 exposes no metadata options for NodeGroupV2 (pulumi-eks#850), so its
            # launch template would leave IMDSv1 to the AMI's default; the transform requires IMDSv2.
            opts=pulumi.ResourceOptions(parent=self, transforms=[require_imdsv2]),
        )

    def _storage_group(
        self,
        name: str,
        description: str,
        rules: Sequence[tuple[str, int, int, str]],
        args: EksRegionArgs,
        tags: Mapping[str, str],
    ) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            name,
            description=description,
            vpc_id=args.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description=f"{what} from the VPC",
                    protocol=protocol,
                    from_port=low,
                    to_port=high,
                    cidr_blocks=[args.vpc_cidr],
                )
                for protocol, low, high, what in rules
            ],
            tags={**tags, "Name": name},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _storage(
        self,
        name: str,
        args: EksRegionArgs,
        cluster_name: pulumi.Output[str],
        account: pulumi.Output[str],
        agent: aws.eks.Addon,
        capacity: Sequence[pulumi.Resource],
        tags: Mapping[str, str],
    ) -> StorageBackends:
        child = pulumi.ResourceOptions(parent=self)
        subnets = pulumi.Output.from_input(args.private_subnet_ids)
        first_subnet = subnets.apply(lambda ids: ids[0])
        backends: dict[str, object] = {}

        if args.storage.efs:
            fs = aws.efs.FileSystem(
                f"{name}-efs",
                encrypted=True,
                throughput_mode="elastic",
                tags={**tags, "Name": f"{name}-efs"},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect_data),
            )
            aws.efs.BackupPolicy(
                f"{name}-efs-backup",
                file_system_id=fs.id,
                backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
                opts=child,
            )
            aws.efs.FileSystemPolicy(
                f"{name}-efs-policy",
                file_system_id=fs.id,
                policy=fs.arn.apply(lambda arn: json.dumps(efs_file_system_policy(arn))),
                opts=child,
            )
            group = self._storage_group(
                f"{name}-efs-sg",
                "EFS for Kubernetes volumes: NFS from the VPC",
                [("tcp", 2049, 2049, "NFS")],
                args,
                tags,
            )
            self._mount_targets(name, fs, group, subnets, args)
            backends["efs_file_system_id"] = fs.id

        if args.storage.fsx_lustre:
            group = self._storage_group(
                f"{name}-lustre-sg",
                "FSx for Lustre volumes: Lustre from the VPC",
                [("tcp", low, high, what) for low, high, what in LUSTRE_PORTS],
                args,
                tags,
            )
            backends["lustre_subnet_id"] = first_subnet
            backends["lustre_security_group_id"] = group.id

        if args.storage.fsx_ontap:
            group = self._storage_group(
                f"{name}-ontap-sg",
                "FSx for NetApp ONTAP: NFS, iSCSI and management from the VPC",
                ONTAP_PORTS,
                args,
                tags,
            )
            password = aws.secretsmanager.get_random_password_output(
                password_length=32, exclude_punctuation=True, opts=pulumi.InvokeOutputOptions(parent=self)
            ).random_password
            secret = aws.secretsmanager.Secret(
                f"{name}-ontap-credentials",
                description=f"vsadmin credentials of the FSx ONTAP SVM of {args.cluster_name} (read by Trident)",
                tags=tags,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{name}-ontap-credentials-version",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(password).apply(lambda p: json.dumps(ontap_svm_credentials(str(p)))),
                # The password is generated once; later runs generate another one and must not apply it.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secretString"]),
            )
            ontap = aws.fsx.OntapFileSystem(
                f"{name}-ontap",
                deployment_type="SINGLE_AZ_1",
                subnet_ids=[first_subnet],
                preferred_subnet_id=first_subnet,
                storage_capacity=1024,
                throughput_capacity=128,
                security_group_ids=[group.id],
                automatic_backup_retention_days=7,
                tags={**tags, "Name": f"{name}-ontap"},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect_data),
            )
            svm_name = "eks"
            aws.fsx.OntapStorageVirtualMachine(
                f"{name}-ontap-svm",
                file_system_id=ontap.id,
                name=svm_name,
                svm_admin_password=pulumi.Output.secret(password),
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["svmAdminPassword"]),
            )
            trident = self._pod_role(f"{name}-trident", account, (), tags)
            aws.iam.RolePolicy(
                f"{name}-trident-policy",
                role=trident.name,
                policy=pulumi.Output.all(secret.arn, account, ontap.id).apply(
                    lambda v: json.dumps(trident_policy(v[0], v[1], args.region, v[2]))
                ),
                opts=child,
            )
            trident_addon = aws.eks.Addon(
                f"{name}-trident",
                cluster_name=cluster_name,
                addon_name=TRIDENT_ADDON,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[agent, *capacity]),
            )
            trident_identity = aws.eks.PodIdentityAssociation(
                f"{name}-trident-identity",
                cluster_name=cluster_name,
                namespace=TRIDENT_NAMESPACE,
                service_account=TRIDENT_SERVICE_ACCOUNT,
                role_arn=trident.arn,
                tags=tags,
                opts=child,
            )
            backends.update(
                ontap_file_system_id=ontap.id,
                ontap_svm_name=svm_name,
                ontap_secret_arn=secret.arn,
                ontap_ready=(trident_addon, trident_identity),
            )
        return StorageBackends(**backends)  # type: ignore[arg-type]

    def _mount_targets(
        self,
        name: str,
        fs: aws.efs.FileSystem,
        group: aws.ec2.SecurityGroup,
        subnets: pulumi.Output[Sequence[str]],
        args: EksRegionArgs,
    ) -> None:
        for i in range(args.az_count):
            aws.efs.MountTarget(
                f"{name}-efs-mount-{i}",
                file_system_id=fs.id,
                subnet_id=subnets.apply(nth(i)),
                security_groups=[group.id],
                opts=pulumi.ResourceOptions(parent=self),
            )


def _server(kubeconfig: str) -> str:
    return str(json.loads(kubeconfig)["clusters"][0]["cluster"]["server"])
