"""EKS per region under the recording mocks: clusters, capacity, node network, add-ons, storage, applier."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.eks.autoscaler import cluster_autoscaler_policy
from components.eks.documents import ADDONS, CONTROL_PLANE_LOG_TYPES, fsx_lustre_csi_policy, pod_identity_trust_policy
from components.eks.storage import trident_backend, trident_policy
from offline_plan.mocks import resource_id
from offline_plan.recorder import Plan, RecordedResource, run_stack, stack_config
from settings.eks_versions import ami_image_id_parameter
from tests.aws_shapes import actions_of, is_real_action
from tests.conftest import set_path

ALL_STORAGE = {"ebs": True, "efs": True, "fsxLustre": True, "fsxOntap": True}
ADMIN = "arn:aws:iam::123456789012:role/platform-admin"
OPERATOR = "arn:aws:iam::123456789012:role/ops/platform-operator"
BREAK_GLASS = "arn:aws:iam::123456789012:role/break-glass"


def everything_config() -> dict[str, Any]:
    config = set_path(stack_config("dev"), "eks.storage", ALL_STORAGE)
    config = set_path(config, "eks.endpointPublicAccessCidrs", ["203.0.113.0/24"])
    config = set_path(config, "eks.adminRoleArns", [ADMIN, OPERATOR])
    config = set_path(config, "eks.breakGlassRoleArn", BREAK_GLASS)
    config = set_path(config, "eks.versions.addons.aws-fsx-csi-driver", "v1.10.0-eksbuild.1")
    config = set_path(config, "eks.versions.addons.netapp_trident-operator", "v25.6.0-eksbuild.1")
    config = set_path(config, "eks.nodeMetadataHopLimit", 2)
    return set_path(
        config,
        "eks.nodeGroups",
        [
            {
                "name": "system",
                "kind": "managed",
                "instanceTypes": ["m7i.large"],
                "minSize": 2,
                "maxSize": 4,
                "labels": {"role": "system"},
                "taints": [{"key": "dedicated", "value": "system", "effect": "NoSchedule"}],
            },
            {
                "name": "custom",
                "kind": "selfManaged",
                "instanceType": "m7i.large",
                "amiId": "ami-0123456789abcdef0",
                "labels": {"team": "data"},
                "taints": [{"key": "gpu", "value": "", "effect": "NoSchedule"}],
            },
            {"name": "arm", "kind": "selfManaged", "instanceType": "m7g.large", "minSize": 0, "maxSize": 2},
        ],
    )


@pytest.fixture(scope="module")
def prod(committed_plans: dict[str, Plan]) -> Plan:
    return committed_plans["prod"]


@pytest.fixture(scope="module")
def everything() -> Plan:
    return run_stack("dev", everything_config())


def mocked_id(resource: RecordedResource) -> str:
    """The id the mocks gave a resource: what another resource's input reads from ``.id``."""
    return resource_id(resource.type, resource.name)


def cluster(plan: Plan, region: str) -> RecordedResource:
    return plan.named(f"eks-{region}-cluster")


def bundle(plan: Plan, region: str, name: str) -> dict[str, Any]:
    """The event the applier gets for one bundle (without the ``tf`` key the provider adds)."""
    return json.loads(plan.named(f"eks-{region}-applier-{name}").inputs["input"])


def objects_of(plan: Plan, region: str, name: str) -> dict[str, dict[str, Any]]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in bundle(plan, region, name)["objects"]}


# ----------------------------------------------------------------------------- cluster


def test_one_cluster_per_region_on_its_provider(prod: Plan) -> None:
    for region in ("us-east-1", "eu-west-1"):
        c = cluster(prod, region)
        assert c.type == "eks:index:Cluster"
        assert c.providers["aws"].startswith(prod.named(f"aws-{region}").urn + "::")
        assert c.inputs["name"] == f"container-platform-prod-{region}"
        assert c.inputs["vpcId"] == prod.exports["networks"][region]["vpcId"]
        # Two AZs for the control plane, whatever azCount is: its subnets may change only within them.
        assert c.inputs["privateSubnetIds"] == prod.exports["networks"][region]["privateSubnetIds"][:2]
        assert "publicSubnetIds" not in c.inputs
        assert (
            prod.named(f"eks-{region}-system").inputs["subnetIds"]
            == prod.exports["networks"][region]["privateSubnetIds"]
        )


def test_cluster_is_hardened(prod: Plan) -> None:
    c = cluster(prod, "us-east-1").inputs
    assert c["skipDefaultNodeGroup"] is True
    assert c["authenticationMode"] == "API"
    assert c["enabledClusterLogTypes"] == list(CONTROL_PLANE_LOG_TYPES)
    assert c["encryptionConfigKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert (c["endpointPrivateAccess"], c["endpointPublicAccess"]) == (True, False)
    assert "publicAccessCidrs" not in c
    assert c["upgradePolicy"] == {"supportType": "STANDARD"}
    assert prod.named("eks-us-east-1-secrets-key").inputs["enableKeyRotation"] is True


def test_pulumi_eks_creates_no_security_group_role_oidc_provider_or_access_entry(prod: Plan) -> None:
    """B2: the cluster's security-relevant children are ours (pulumi-eks cluster/cluster.ts)."""
    c = cluster(prod, "us-east-1").inputs
    assert c["skipDefaultSecurityGroups"] is True
    assert "clusterSecurityGroup" not in c
    assert c["serviceRole"] == f"<ref {prod.named('eks-us-east-1-cluster-role').urn}>"
    assert c["createOidcProvider"] is False
    assert "accessEntries" not in c and "instanceRoles" not in c and "instanceRole" not in c
    trust = json.loads(prod.named("eks-us-east-1-cluster-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "eks.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "444455556666"}
    policy = prod.named("eks-us-east-1-cluster-role-policy").inputs["policyArn"]
    assert policy == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"


def test_control_plane_log_group_exists_first_with_retention_and_kms(prod: Plan) -> None:
    """m11: EKS would create /aws/eks/<name>/cluster itself, without retention or KMS."""
    group = prod.named("eks-us-east-1-control-plane-logs")
    assert group.inputs["name"] == "/aws/eks/container-platform-prod-us-east-1/cluster"
    assert group.inputs["retentionInDays"] == 365
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    assert group.urn in cluster(prod, "us-east-1").dependencies
    key = json.loads(prod.named("eks-us-east-1-logs-key").inputs["policy"])
    (logs,) = [s for s in key["Statement"] if s["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}]
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"].startswith("arn:aws:logs:us-east-1:")


def test_vpc_cni_and_kube_proxy_are_pinned_not_latest(prod: Plan) -> None:
    """m3: without a version pulumi-eks looks the newest up on every run."""
    c = cluster(prod, "us-east-1").inputs
    pins = stack_config("prod")["container-platform:eks"]["versions"]["addons"]
    assert c["vpcCniOptions"]["addonVersion"] == pins["vpc-cni"]
    assert c["kubeProxyAddonOptions"]["version"] == pins["kube-proxy"]


# ----------------------------------------------------------------------------- access


def entries(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in plan.of_type("aws:eks/accessEntry:AccessEntry")}


def test_node_role_has_its_own_ec2_linux_entry_and_node_groups_wait_for_it(prod: Plan) -> None:
    """M4: no node depends on the entry EKS creates for a managed group."""
    node = prod.named("eks-us-east-1-nodes-access")
    assert node.inputs["type"] == "EC2_LINUX"
    assert node.inputs["principalArn"] == prod.exports["eks"]["us-east-1"]["nodeRoleArn"]
    for group in ("system", "spot", "custom"):
        assert node.urn in prod.named(f"eks-us-east-1-{group}").dependencies


@pytest.fixture(scope="module")
def minimal() -> Plan:
    """Only a self-managed group, no autoscaler, no Container Insights."""
    config = set_path(
        stack_config("dev"),
        "eks.nodeGroups",
        [{"name": "custom", "kind": "selfManaged", "instanceType": "m7i.large", "minSize": 2, "maxSize": 2}],
    )
    config = set_path(config, "eks.clusterAutoscaler", False)
    return run_stack("dev", set_path(config, "eks.containerInsights", False))


def test_only_self_managed_nodes_still_join(minimal: Plan) -> None:
    assert minimal.named("eks-us-east-1-nodes-access").inputs["type"] == "EC2_LINUX"
    assert not minimal.of_type("eks:index:ManagedNodeGroup")
    assert minimal.named("eks-us-east-1-nodes-access").urn in minimal.named("eks-us-east-1-custom").dependencies


def test_admin_entries_are_keyed_by_role_and_include_break_glass(everything: Plan) -> None:
    """m6 and m11: reordering adminRoleArns renames nothing; the break-glass role is an admin too."""
    found = entries(everything)
    for role, arn in (("platform-admin", ADMIN), ("platform-operator", OPERATOR), ("break-glass", BREAK_GLASS)):
        assert found[f"eks-us-east-1-admin-{role}"] == {
            "clusterName": "container-platform-dev-us-east-1",
            "principalArn": arn,
            "type": "STANDARD",
            "tags": found[f"eks-us-east-1-admin-{role}"]["tags"],
        }
        association = everything.named(f"eks-us-east-1-admin-{role}-policy").inputs
        assert association["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
        assert association["accessScope"] == {"type": "cluster"}
    reordered = set_path(everything_config(), "eks.adminRoleArns", [OPERATOR, ADMIN])
    assert {n for n in entries(run_stack("dev", reordered)) if "-admin-" in n} == {n for n in found if "-admin-" in n}


# ----------------------------------------------------------------------------- nodes


def test_managed_groups_get_our_launch_template(prod: Plan) -> None:
    """B2: encrypted gp3 root, IMDSv2 with the configured hop limit, the shared node group; visible in the plan."""
    for region in ("us-east-1", "eu-west-1"):
        for group in ("system", "spot"):
            template = prod.named(f"eks-{region}-{group}-launch-template")
            (device,) = template.inputs["blockDeviceMappings"]
            assert device["deviceName"] == "/dev/xvda"
            assert device["ebs"] == {
                "volumeSize": 50,
                "volumeType": "gp3",
                "encrypted": "true",
                "deleteOnTermination": "true",
            }
            assert template.inputs["metadataOptions"] == {
                "httpEndpoint": "enabled",
                "httpTokens": "required",
                "httpPutResponseHopLimit": 1,
            }
            assert template.inputs["vpcSecurityGroupIds"] == [mocked_id(prod.named(f"eks-{region}-node-sg"))]
            assert "imageId" not in template.inputs and "iamInstanceProfile" not in template.inputs
            ng = prod.named(f"eks-{region}-{group}").inputs
            assert ng["launchTemplate"]["id"] == mocked_id(template)
            assert "enableIMDSv2" not in ng and "diskSize" not in ng


def test_hop_limit_follows_config(everything: Plan) -> None:
    options = everything.named("eks-us-east-1-system-launch-template").inputs["metadataOptions"]
    assert options["httpPutResponseHopLimit"] == 2


def test_prod_has_on_demand_spot_and_self_managed_capacity(prod: Plan) -> None:
    for region in ("us-east-1", "eu-west-1"):
        system = prod.named(f"eks-{region}-system").inputs
        spot = prod.named(f"eks-{region}-spot").inputs
        custom = prod.named(f"eks-{region}-custom")
        assert (system["capacityType"], spot["capacityType"]) == ("ON_DEMAND", "SPOT")
        assert spot["instanceTypes"] == ["m7i.large", "m6i.large", "m5.large"]
        assert system["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 6}
        assert system["ignoreScalingChanges"] is True
        assert system["cluster"] == f"<ref {cluster(prod, region).urn}>"
        assert custom.type == "eks:index:NodeGroupV2"
        assert custom.inputs["nodeAssociatePublicIpAddress"] is False
        assert custom.inputs["nodeRootVolumeEncrypted"] is True and custom.inputs["nodeRootVolumeType"] == "gp3"


def test_every_node_shares_one_security_group_meshed_with_the_cluster_group(prod: Plan) -> None:
    """M3: managed, self-managed and Fargate capacity reach each other (DNS, pod to pod)."""
    node_sg = prod.named("eks-us-east-1-node-sg")
    cluster_sg = prod.named("eks-us-east-1-cluster-from-nodes").inputs["securityGroupId"]
    assert cluster_sg.startswith("sg-")
    rules = {
        r.name: r.inputs
        for r in [*prod.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
        if r.name.startswith("eks-us-east-1-node-")
    }
    assert rules["eks-us-east-1-node-from-nodes"]["referencedSecurityGroupId"] == mocked_id(node_sg)
    assert rules["eks-us-east-1-node-from-cluster"]["referencedSecurityGroupId"] == cluster_sg
    assert all(r["ipProtocol"] == "-1" and r["securityGroupId"] == mocked_id(node_sg) for r in rules.values())
    back = prod.named("eks-us-east-1-cluster-from-nodes").inputs
    assert (back["type"], back["protocol"], back["sourceSecurityGroupId"]) == ("ingress", "-1", mocked_id(node_sg))
    custom = prod.named("eks-us-east-1-custom").inputs
    assert custom["nodeSecurityGroup"] == f"<ref {node_sg.urn}>"
    assert custom["clusterIngressRule"] == f"<ref {prod.named('eks-us-east-1-cluster-from-nodes').urn}>"


def test_nodes_run_the_pinned_ami_release(prod: Plan, everything: Plan) -> None:
    """m3: managed groups get releaseVersion; self-managed ones the AMI of that release, per region."""
    release = stack_config("prod")["container-platform:eks"]["versions"]["amiReleaseVersion"]
    assert prod.named("eks-us-east-1-system").inputs["releaseVersion"] == release
    assert prod.named("eks-us-east-1-system").inputs["version"] == "1.35"
    looked_up = {
        (i["args"]["name"], i["provider"].split("::")[-2]) for i in prod.invokes if i["token"].startswith("aws:ssm")
    }
    wanted = ami_image_id_parameter("1.35", release, "x86_64")
    assert {(wanted, f"aws-{r}") for r in ("us-east-1", "eu-west-1")} <= looked_up
    for region in ("us-east-1", "eu-west-1"):
        assert prod.named(f"eks-{region}-custom").inputs["amiId"].startswith("ami-")
    # A custom AMI is used as is; an arm64 group resolves the arm64 release.
    assert everything.named("eks-us-east-1-custom").inputs["amiId"] == "ami-0123456789abcdef0"
    arm = ami_image_id_parameter(
        "1.35", stack_config("dev")["container-platform:eks"]["versions"]["amiReleaseVersion"], "arm64"
    )
    assert any(i["args"].get("name") == arm for i in everything.invokes)


def test_labels_and_taints(everything: Plan) -> None:
    system = everything.named("eks-us-east-1-system").inputs
    assert system["labels"] == {"role": "system"}
    assert system["taints"] == [{"key": "dedicated", "value": "system", "effect": "NO_SCHEDULE"}]


def test_fargate_profile_with_its_own_execution_role(prod: Plan) -> None:
    profile = prod.named("eks-us-east-1-fargate-batch").inputs
    assert profile["fargateProfileName"] == "batch"
    assert profile["clusterName"] == "container-platform-prod-us-east-1"
    assert profile["selectors"] == [{"namespace": "batch"}]
    assert profile["subnetIds"] == prod.exports["networks"]["us-east-1"]["privateSubnetIds"]
    trust = json.loads(prod.named("eks-us-east-1-fargate-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "eks-fargate-pods.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].endswith(
        ":fargateprofile/container-platform-prod-us-east-1/*"
    )


# ----------------------------------------------------------------------------- add-ons


def addon(plan: Plan, region: str, addon_name: str) -> RecordedResource:
    return plan.named(f"eks-{region}-{addon_name}")


@pytest.mark.parametrize("flag", list(ADDONS))
def test_each_enabled_flag_yields_its_pinned_addon_role_and_association(flag: str, everything: Plan) -> None:
    spec = ADDONS[flag]
    a = addon(everything, "us-east-1", spec.addon_name)
    assert a.inputs["addonName"] == spec.addon_name
    assert (
        a.inputs["addonVersion"] == everything_config()["container-platform:eks"]["versions"]["addons"][spec.addon_name]
    )
    assert a.inputs["clusterName"] == "container-platform-dev-us-east-1"
    (association,) = a.inputs["podIdentityAssociations"]
    assert association["serviceAccount"] == spec.service_account
    role = everything.named(f"eks-us-east-1-{spec.addon_name}-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == pod_identity_trust_policy("123456789012")
    attached = sorted(
        everything.named(f"eks-us-east-1-{spec.addon_name}-role-{arn.rsplit('/', 1)[-1]}").inputs["policyArn"]
        for arn in spec.policies
    )
    assert attached == sorted(spec.policies)
    # After the Pod Identity agent and the nodes.
    assert everything.named("eks-us-east-1-eks-pod-identity-agent").urn in a.dependencies
    assert everything.named("eks-us-east-1-system").urn in a.dependencies


def test_agent_and_coredns_are_managed_pinned_addons_after_the_nodes(prod: Plan) -> None:
    pins = stack_config("prod")["container-platform:eks"]["versions"]["addons"]
    for name in ("eks-pod-identity-agent", "coredns"):
        a = addon(prod, "us-east-1", name)
        assert (a.inputs["addonName"], a.inputs["addonVersion"]) == (name, pins[name])
        assert a.inputs["resolveConflictsOnCreate"] == "OVERWRITE"
        assert prod.named("eks-us-east-1-system").urn in a.dependencies


def test_disabled_flags_build_nothing(prod: Plan) -> None:
    names = {r.name for r in prod.resources}
    assert "eks-us-east-1-aws-ebs-csi-driver" in names and "eks-us-east-1-aws-fsx-csi-driver" in names
    assert not any("ontap" in n or "trident" in n for n in names)


def test_container_insights_yields_the_observability_addon(prod: Plan, minimal: Plan) -> None:
    association = addon(prod, "us-east-1", "amazon-cloudwatch-observability").inputs["podIdentityAssociations"][0]
    assert association["serviceAccount"] == "cloudwatch-agent"
    assert not any(r.name.endswith("amazon-cloudwatch-observability") for r in minimal.resources)


# ----------------------------------------------------------------------------- autoscaling


def test_cluster_autoscaler_has_its_identity_policy_and_manifests(prod: Plan) -> None:
    """M10: pending pods grow node groups, including the minSize-0 spot group."""
    identity = prod.named("eks-us-east-1-cluster-autoscaler-identity").inputs
    assert (identity["namespace"], identity["serviceAccount"]) == ("kube-system", "cluster-autoscaler")
    assert identity["roleArn"].startswith("arn:aws:iam::444455556666:role/eks-us-east-1-cluster-autoscaler-role")
    policy = json.loads(prod.named("eks-us-east-1-cluster-autoscaler-policy").inputs["policy"])
    assert policy == cluster_autoscaler_policy("container-platform-prod-us-east-1", "444455556666", "us-east-1")
    objects = objects_of(prod, "us-east-1", "cluster-autoscaler")
    deployment = objects["Deployment/cluster-autoscaler"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(
        ":" + stack_config("prod")["container-platform:eks"]["versions"]["clusterAutoscaler"]
    )
    flags = " ".join(container["command"])
    assert "k8s.io/cluster-autoscaler/container-platform-prod-us-east-1" in flags
    invocation = prod.named("eks-us-east-1-applier-cluster-autoscaler")
    assert prod.named("eks-us-east-1-cluster-autoscaler-identity").urn in invocation.dependencies
    assert prod.named("eks-us-east-1-spot").urn in invocation.dependencies


def test_self_managed_groups_carry_discovery_and_node_template_tags(everything: Plan) -> None:
    tags = everything.named("eks-us-east-1-custom").inputs["autoScalingGroupTags"]
    assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert tags["k8s.io/cluster-autoscaler/container-platform-dev-us-east-1"] == "owned"
    assert tags["k8s.io/cluster-autoscaler/node-template/label/team"] == "data"
    assert tags["k8s.io/cluster-autoscaler/node-template/taint/gpu"] == ":NoSchedule"


def test_autoscaler_off_builds_none_of_it(minimal: Plan) -> None:
    assert not any("cluster-autoscaler" in r.name for r in minimal.resources)
    assert "autoScalingGroupTags" not in minimal.named("eks-us-east-1-custom").inputs


# ----------------------------------------------------------------------------- applier


def test_no_kubernetes_object_goes_through_a_provider_the_runner_cannot_reach(everything: Plan, prod: Plan) -> None:
    """B1: nothing in the plan talks to the Kubernetes API from the deploying runner."""
    for plan in (everything, prod):
        assert not [r.name for r in plan.resources if r.type.startswith(("kubernetes:", "pulumi:providers:kubernetes"))]
        for region in plan.exports["eks"]:
            assert cluster(plan, region).inputs["endpointPrivateAccess"] is True


def test_applier_runs_in_the_private_subnets_and_reaches_only_the_endpoint(prod: Plan) -> None:
    function = prod.named("eks-us-east-1-applier-function").inputs
    assert function["vpcConfig"]["subnetIds"] == prod.exports["networks"]["us-east-1"]["privateSubnetIds"]
    assert function["runtime"].startswith("python3.") and function["handler"] == "handler.handler"
    assert function["timeout"] == 900
    group = prod.named("eks-us-east-1-applier-sg").inputs
    assert "ingress" not in group or not group["ingress"]
    (egress,) = group["egress"]
    cluster_sg = prod.named("eks-us-east-1-cluster-from-nodes").inputs["securityGroupId"]
    assert (egress["protocol"], egress["fromPort"], egress["toPort"], egress["securityGroups"]) == (
        "tcp",
        443,
        443,
        [cluster_sg],
    )
    rule = prod.named("eks-us-east-1-applier-api-ingress").inputs
    assert (rule["securityGroupId"], rule["fromPort"], rule["toPort"]) == (cluster_sg, 443, 443)
    assert prod.named("eks-us-east-1-applier-access").inputs["type"] == "STANDARD"
    association = prod.named("eks-us-east-1-applier-access-admin").inputs
    assert association["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
    logs = prod.named("eks-us-east-1-applier-logs").inputs
    assert logs["retentionInDays"] == 365 and logs["kmsKeyId"].startswith("arn:aws:kms:us-east-1:")


def test_every_bundle_is_a_crud_invocation_after_the_access_entry(prod: Plan) -> None:
    for name in ("storage-classes", "cluster-autoscaler"):
        invocation = prod.named(f"eks-us-east-1-applier-{name}")
        assert invocation.inputs["lifecycleScope"] == "CRUD"
        assert invocation.options["deleteBeforeReplace"] is True
        assert prod.named("eks-us-east-1-applier-access-admin").urn in invocation.dependencies
        assert prod.named("eks-us-east-1-applier-api-ingress").urn in invocation.dependencies
        event = bundle(prod, "us-east-1", name)
        assert event["clusterName"] == "container-platform-prod-us-east-1" and event["region"] == "us-east-1"
        assert event["endpoint"] == prod.exports["eks"]["us-east-1"]["endpoint"]
        assert event["fieldManager"] == "container-platform" and "tf" not in event


def test_every_storage_class_with_its_provisioner(everything: Plan) -> None:
    classes = objects_of(everything, "us-east-1", "storage-classes")
    assert list(classes) == [
        "StorageClass/gp3",
        "StorageClass/efs",
        "StorageClass/fsx-lustre",
        "StorageClass/fsx-ontap",
    ]
    gp3 = classes["StorageClass/gp3"]
    assert gp3["provisioner"] == "ebs.csi.aws.com"
    assert gp3["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert gp3["parameters"]["encrypted"] == "true" and gp3["volumeBindingMode"] == "WaitForFirstConsumer"
    efs = classes["StorageClass/efs"]
    assert efs["provisioner"] == "efs.csi.aws.com" and efs["parameters"]["provisioningMode"] == "efs-ap"
    assert efs["parameters"]["fileSystemId"] == mocked_id(everything.named("eks-us-east-1-storage-efs-fs"))
    lustre = classes["StorageClass/fsx-lustre"]
    assert lustre["provisioner"] == "fsx.csi.aws.com"
    assert lustre["parameters"]["subnetId"] == everything.exports["networks"]["us-east-1"]["privateSubnetIds"][0]
    assert lustre["parameters"]["securityGroupIds"] == mocked_id(everything.named("eks-us-east-1-storage-lustre-sg"))
    ontap = classes["StorageClass/fsx-ontap"]
    assert ontap["provisioner"] == "csi.trident.netapp.io" and ontap["parameters"]["backendType"] == "ontap-nas"
    assert [n for n, c in classes.items() if c["metadata"].get("annotations")] == ["StorageClass/gp3"]


# ----------------------------------------------------------------------------- storage


def test_efs_backend_has_a_mount_target_per_az(everything: Plan) -> None:
    targets = [r for r in everything.of_type("aws:efs/mountTarget:MountTarget") if r.name.startswith("eks-")]
    assert len(targets) == 2
    assert everything.named("eks-us-east-1-storage-efs-fs").inputs["encrypted"] is True
    sg = everything.named("eks-us-east-1-storage-efs-sg").inputs
    assert [(r["fromPort"], r["cidrBlocks"]) for r in sg["ingress"]] == [(2049, ["10.10.0.0/16"])]


def test_eks_efs_lets_pods_mount_through_mount_targets_over_tls_only(everything: Plan, prod: Plan) -> None:
    """M1: a Deny-only file system policy would refuse the CSI driver's anonymous mounts."""
    policy = json.loads(everything.named("eks-us-east-1-storage-efs-policy").inputs["policy"])
    allow, deny = policy["Statement"]
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert allow["Condition"] == {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert all(is_real_action(a) for a in allow["Action"])
    assert everything.named("eks-us-east-1-storage-efs-backup").inputs["backupPolicy"] == {"status": "ENABLED"}
    assert prod.named("eks-us-east-1-storage-efs-fs").options["protect"] is True
    assert everything.named("eks-us-east-1-storage-efs-fs").options["protect"] in (False, None)


def test_lustre_servers_may_talk_to_each_other(prod: Plan) -> None:
    """M8: pulumi-aws drops the default egress, and Lustre servers talk on 988 and 1018-1023."""
    group = prod.named("eks-us-east-1-storage-lustre-sg").inputs
    assert [(r["fromPort"], r["toPort"]) for r in group["ingress"]] == [(988, 988), (1018, 1023)]
    assert [(r["fromPort"], r["toPort"], r["self"], r["protocol"]) for r in group["egress"]] == [
        (988, 988, True, "tcp"),
        (1018, 1023, True, "tcp"),
    ]


def test_fsx_ontap_backend_end_to_end(everything: Plan) -> None:
    fs = everything.named("eks-us-east-1-storage-ontap").inputs
    assert fs["deploymentType"] == "SINGLE_AZ_1" and fs["storageCapacity"] == 1024
    svm = everything.named("eks-us-east-1-storage-ontap-svm")
    assert svm.type == "aws:fsx/ontapStorageVirtualMachine:OntapStorageVirtualMachine"
    assert svm.inputs["svmAdminPassword"] == "[secret]"
    version = everything.named("eks-us-east-1-storage-ontap-credentials-version").inputs
    assert version["secretString"] == "[secret]"
    trident = everything.named("eks-us-east-1-storage-trident").inputs
    assert (trident["addonName"], trident["addonVersion"]) == ("netapp_trident-operator", "v25.6.0-eksbuild.1")
    identity = everything.named("eks-us-east-1-storage-trident-identity").inputs
    assert (identity["namespace"], identity["serviceAccount"]) == ("trident", "trident-controller")
    policy = json.loads(everything.named("eks-us-east-1-storage-trident-policy").inputs["policy"])
    assert policy["Statement"][-1]["Resource"].startswith("arn:aws:secretsmanager:us-east-1:")
    (manage,) = [s for s in policy["Statement"] if s["Sid"] == "ManageOntapVolumes"]
    assert all(":file-system/fs-" in r or "/fs-" in r or ":snapshot/" in r for r in manage["Resource"]), manage
    assert [s["Sid"] for s in policy["Statement"] if s["Resource"] == "*"] == ["DescribeOntap"]
    (backend,) = bundle(everything, "us-east-1", "trident-backend")["objects"]
    assert backend["kind"] == "TridentBackendConfig" and backend["metadata"]["namespace"] == "trident"
    assert backend["spec"]["credentials"]["type"] == "awsarn"
    assert backend["spec"]["aws"]["fsxFilesystemID"].startswith("fs-")
    assert backend["spec"]["svm"] == "eks"


def test_ontap_password_is_generated_once_and_the_backend_waits_for_trident(everything: Plan) -> None:
    storage = "eks-us-east-1-storage"
    assert everything.named(f"{storage}-ontap-credentials-version").options["ignoreChanges"] == ["secretString"]
    assert everything.named(f"{storage}-ontap-svm").options["ignoreChanges"] == ["svmAdminPassword"]
    invocation = everything.named("eks-us-east-1-applier-trident-backend")
    assert everything.named(f"{storage}-trident").urn in invocation.dependencies
    assert everything.named(f"{storage}-trident-identity").urn in invocation.dependencies
    assert bundle(everything, "us-east-1", "trident-backend")["waitSeconds"] == 600


def test_eks_documents_name_real_actions() -> None:
    assert all(is_real_action(a) for a in actions_of(pod_identity_trust_policy("123456789012")))
    assert trident_backend("fs-1", "eks", "arn:aws:secretsmanager:us-east-1:1:secret:x")["spec"]["svm"] == "eks"
    doc = trident_policy("arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "123456789012", "us-east-1", "fs-1")
    assert all(is_real_action(a) for a in actions_of(doc)), actions_of(doc)
    lustre = fsx_lustre_csi_policy("123456789012", "us-east-1")
    assert all(is_real_action(a) for a in actions_of(lustre)), actions_of(lustre)


def test_exports_per_region(prod: Plan) -> None:
    for region in ("us-east-1", "eu-west-1"):
        out = prod.exports["eks"][region]
        assert out["clusterName"] == f"container-platform-prod-{region}"
        assert out["endpoint"].endswith(f".{region}.eks.amazonaws.com")
        assert out["oidcIssuer"].startswith(f"oidc.eks.{region}.amazonaws.com/id/")
    assert prod.exports["kubeconfigs"] == "[secret]"


def test_the_cluster_name_endpoint_and_certificate_come_from_the_eks_cluster_output(prod: Plan) -> None:
    """Read from pulumi-eks's ``eksCluster`` (faked by the mocks), not parsed out of a kubeconfig."""
    child = "eks:index:Cluster$aws:eks/cluster:Cluster::eks-us-east-1-cluster-eksCluster"
    entry = prod.named("eks-us-east-1-nodes-access")
    assert any(urn.endswith(child) for urn in entry.dependencies), entry.dependencies
    event = json.loads(prod.named("eks-us-east-1-applier-storage-classes").inputs["input"])
    assert event["endpoint"].endswith(".gr7.us-east-1.eks.amazonaws.com")
    assert (event["certificateAuthority"], event["clusterName"]) == ("TU9DSw==", "container-platform-prod-us-east-1")
