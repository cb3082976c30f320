"""EKS per region under the recording mocks: clusters, capacity, add-ons, storage."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.eks_policies import (
    ADDONS,
    CONTROL_PLANE_LOG_TYPES,
    fsx_lustre_csi_policy,
    pod_identity_trust_policy,
    trident_backend,
    trident_policy,
)
from offline_plan.recorder import Plan, RecordedResource, run_stack
from tests.aws_shapes import actions_of, is_real_action
from tests.conftest import set_path

ALL_STORAGE = {"ebs": True, "efs": True, "fsxLustre": True, "fsxOntap": True}


@pytest.fixture(scope="module")
def prod() -> Plan:
    return run_stack("prod")


@pytest.fixture(scope="module")
def everything() -> Plan:
    from offline_plan.recorder import stack_config

    config = set_path(stack_config("dev"), "eks.storage", ALL_STORAGE)
    config = set_path(config, "eks.endpointPublicAccessCidrs", ["203.0.113.0/24"])
    config = set_path(config, "eks.adminRoleArns", ["arn:aws:iam::123456789012:role/platform-admin"])
    config = set_path(
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
                "spotMaxPrice": "0.05",
            },
        ],
    )
    return run_stack("dev", config)


def cluster(plan: Plan, region: str) -> RecordedResource:
    return plan.named(f"eks-{region}-cluster")


def test_one_cluster_per_region_on_its_provider(prod: Plan) -> None:
    for region in ("us-east-1", "eu-west-1"):
        c = cluster(prod, region)
        assert c.type == "eks:index:Cluster"
        assert c.providers["aws"].startswith(prod.named(f"aws-{region}").urn + "::")
        assert c.inputs["name"] == f"container-platform-prod-{region}"
        assert c.inputs["vpcId"] == prod.exports["networks"][region]["vpcId"]
        assert c.inputs["privateSubnetIds"] == prod.exports["networks"][region]["privateSubnetIds"]


def test_cluster_is_hardened(prod: Plan) -> None:
    c = cluster(prod, "us-east-1").inputs
    assert c["skipDefaultNodeGroup"] is True
    assert c["authenticationMode"] == "API"
    assert c["enabledClusterLogTypes"] == list(CONTROL_PLANE_LOG_TYPES)
    assert c["encryptionConfigKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert (c["endpointPrivateAccess"], c["endpointPublicAccess"]) == (True, False)
    assert "publicAccessCidrs" not in c
    assert c["createOidcProvider"] is True
    assert c["upgradePolicy"] == {"supportType": "STANDARD"}
    assert prod.named("eks-us-east-1-secrets-key").inputs["enableKeyRotation"] is True


def test_public_endpoint_and_admins_only_when_configured(everything: Plan) -> None:
    c = cluster(everything, "us-east-1").inputs
    assert (c["endpointPublicAccess"], c["publicAccessCidrs"]) == (True, ["203.0.113.0/24"])
    (entry,) = c["accessEntries"].values()
    assert entry["principalArn"] == "arn:aws:iam::123456789012:role/platform-admin"
    policy = entry["accessPolicies"]["cluster-admin"]
    assert policy["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert policy["accessScope"] == {"type": "cluster"}


def test_prod_has_on_demand_spot_and_self_managed_capacity(prod: Plan) -> None:
    for region in ("us-east-1", "eu-west-1"):
        system = prod.named(f"eks-{region}-system").inputs
        spot = prod.named(f"eks-{region}-spot").inputs
        custom = prod.named(f"eks-{region}-custom")
        assert (system["capacityType"], spot["capacityType"]) == ("ON_DEMAND", "SPOT")
        assert spot["instanceTypes"] == ["m7i.large", "m6i.large", "m5.large"]
        assert system["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 6}
        assert system["enableIMDSv2"] is True and system["ignoreScalingChanges"] is True
        assert system["cluster"] == f"<ref {cluster(prod, region).urn}>"
        assert custom.type == "eks:index:NodeGroupV2"
        assert (
            custom.inputs["nodeAssociatePublicIpAddress"] is False and custom.inputs["nodeRootVolumeEncrypted"] is True
        )


def test_node_role_is_shared_registered_and_may_pull(prod: Plan) -> None:
    role = prod.named("eks-us-east-1-node-role")
    policies = sorted(prod.named(f"eks-us-east-1-node-role-{i}").inputs["policyArn"] for i in range(4))
    assert "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly" in policies
    assert cluster(prod, "us-east-1").inputs["instanceRoles"] == [f"<ref {role.urn}>"]
    node_role_arn = prod.exports["eks"]["us-east-1"]["nodeRoleArn"]
    (pull,) = json.loads(prod.named("registry-web-policy").inputs["policy"])["Statement"]
    assert node_role_arn in pull["Principal"]["AWS"]
    # Replicas grant pull to the node role of their own region.
    template = prod.named("registry-eu-west-1-web-template").inputs
    (replica_pull,) = json.loads(template["repositoryPolicy"])["Statement"]
    assert replica_pull["Principal"]["AWS"] == [prod.exports["eks"]["eu-west-1"]["nodeRoleArn"]]


def test_labels_taints_ami_and_spot_price(everything: Plan) -> None:
    system = everything.named("eks-us-east-1-system").inputs
    assert system["labels"] == {"role": "system"}
    assert system["taints"] == [{"key": "dedicated", "value": "system", "effect": "NO_SCHEDULE"}]
    custom = everything.named("eks-us-east-1-custom").inputs
    assert (custom["amiId"], custom["spotPrice"]) == ("ami-0123456789abcdef0", "0.05")


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


def addon(plan: Plan, region: str, addon_name: str) -> RecordedResource:
    return plan.named(f"eks-{region}-{addon_name}")


@pytest.mark.parametrize("flag", list(ADDONS))
def test_each_enabled_flag_yields_its_addon_role_and_association(flag: str, everything: Plan) -> None:
    spec = ADDONS[flag]
    a = addon(everything, "us-east-1", spec.addon_name)
    assert a.inputs["addonName"] == spec.addon_name
    assert a.inputs["clusterName"] == "container-platform-dev-us-east-1"
    (association,) = a.inputs["podIdentityAssociations"]
    assert association["serviceAccount"] == spec.service_account
    role = everything.named(f"eks-us-east-1-{spec.addon_name}-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == pod_identity_trust_policy("123456789012")
    attached = sorted(
        everything.named(f"eks-us-east-1-{spec.addon_name}-role-{i}").inputs["policyArn"]
        for i in range(len(spec.policies))
    )
    assert attached == sorted(spec.policies)
    # After the Pod Identity agent and the nodes.
    assert everything.named("eks-us-east-1-pod-identity-agent").urn in a.dependencies
    assert everything.named("eks-us-east-1-system").urn in a.dependencies


def test_disabled_flags_build_nothing(prod: Plan) -> None:
    names = {r.name for r in prod.resources}
    assert "eks-us-east-1-aws-ebs-csi-driver" in names and "eks-us-east-1-aws-fsx-csi-driver" in names
    assert not any("ontap" in n or "trident" in n for n in names)


def test_container_insights_yields_the_observability_addon(prod: Plan, dev_config: dict[str, Any]) -> None:
    assert (
        addon(prod, "us-east-1", "amazon-cloudwatch-observability").inputs["podIdentityAssociations"][0][
            "serviceAccount"
        ]
        == "cloudwatch-agent"
    )
    plan = run_stack("dev", set_path(dev_config, "eks.containerInsights", False))
    assert not any(r.name.endswith("amazon-cloudwatch-observability") for r in plan.resources)


def storage_class(plan: Plan, region: str, name: str) -> dict[str, Any]:
    return plan.named(f"eks-{region}-storage-{name}").inputs


def test_every_storage_class_with_its_provisioner(everything: Plan) -> None:
    gp3 = storage_class(everything, "us-east-1", "gp3")
    assert gp3["provisioner"] == "ebs.csi.aws.com"
    assert gp3["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert gp3["parameters"]["encrypted"] == "true" and gp3["volumeBindingMode"] == "WaitForFirstConsumer"
    efs = storage_class(everything, "us-east-1", "efs")
    assert efs["provisioner"] == "efs.csi.aws.com" and efs["parameters"]["provisioningMode"] == "efs-ap"
    assert efs["parameters"]["fileSystemId"].startswith("fs-")
    lustre = storage_class(everything, "us-east-1", "fsx-lustre")
    assert lustre["provisioner"] == "fsx.csi.aws.com"
    assert lustre["parameters"]["subnetId"] == everything.exports["networks"]["us-east-1"]["privateSubnetIds"][0]
    assert lustre["parameters"]["securityGroupIds"].startswith("sg-")
    ontap = storage_class(everything, "us-east-1", "fsx-ontap")
    assert ontap["provisioner"] == "csi.trident.netapp.io" and ontap["parameters"]["backendType"] == "ontap-nas"
    # Only gp3 is the default class.
    defaults = [
        r
        for r in everything.of_type("kubernetes:storage.k8s.io/v1:StorageClass")
        if r.inputs["metadata"].get("annotations")
    ]
    assert [r.inputs["metadata"]["name"] for r in defaults] == ["gp3"]


def test_storage_classes_use_the_clusters_kubernetes_provider(everything: Plan) -> None:
    provider = everything.named("k8s-us-east-1")
    assert provider.inputs["kubeconfig"] == "[secret]"
    for sc in everything.of_type("kubernetes:storage.k8s.io/v1:StorageClass"):
        assert sc.provider.startswith(provider.urn + "::")


def test_efs_backend_has_a_mount_target_per_az(everything: Plan) -> None:
    targets = [r for r in everything.of_type("aws:efs/mountTarget:MountTarget") if r.name.startswith("eks-")]
    assert len(targets) == 2
    assert everything.named("eks-us-east-1-efs").inputs["encrypted"] is True
    sg = everything.named("eks-us-east-1-efs-sg").inputs
    assert [(r["fromPort"], r["cidrBlocks"]) for r in sg["ingress"]] == [(2049, ["10.10.0.0/16"])]


def test_fsx_ontap_backend_end_to_end(everything: Plan) -> None:
    fs = everything.named("eks-us-east-1-ontap").inputs
    assert fs["deploymentType"] == "SINGLE_AZ_1" and fs["storageCapacity"] == 1024
    svm = everything.named("eks-us-east-1-ontap-svm")
    assert svm.type == "aws:fsx/ontapStorageVirtualMachine:OntapStorageVirtualMachine"
    assert svm.inputs["svmAdminPassword"] == "[secret]"
    version = everything.named("eks-us-east-1-ontap-credentials-version").inputs
    assert version["secretString"] == "[secret]"
    trident = everything.named("eks-us-east-1-trident").inputs
    assert trident["addonName"] == "netapp_trident-operator"
    identity = everything.named("eks-us-east-1-trident-identity").inputs
    assert (identity["namespace"], identity["serviceAccount"]) == ("trident", "trident-controller")
    policy = json.loads(everything.named("eks-us-east-1-trident-policy").inputs["policy"])
    assert policy["Statement"][-1]["Resource"].startswith("arn:aws:secretsmanager:us-east-1:")
    # Volume changes reach only this file system's SVMs and volumes; only Describe* stays on "*".
    (manage,) = [s for s in policy["Statement"] if s["Sid"] == "ManageOntapVolumes"]
    assert all(":file-system/fs-" in r or "/fs-" in r or ":snapshot/" in r for r in manage["Resource"]), manage
    assert [s["Sid"] for s in policy["Statement"] if s["Resource"] == "*"] == ["DescribeOntap"]
    backend = everything.named("eks-us-east-1-storage-trident-backend").inputs
    assert backend["kind"] == "TridentBackendConfig"
    assert backend["spec"]["credentials"]["type"] == "awsarn"
    assert backend["spec"]["aws"]["fsxFilesystemID"].startswith("fs-")
    assert backend["spec"]["svm"] == "eks"


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


def test_ontap_password_is_generated_once_and_the_backend_waits_for_trident(everything: Plan) -> None:
    assert everything.named("eks-us-east-1-ontap-credentials-version").options["ignoreChanges"] == ["secretString"]
    assert everything.named("eks-us-east-1-ontap-svm").options["ignoreChanges"] == ["svmAdminPassword"]
    backend = everything.named("eks-us-east-1-storage-trident-backend")
    assert everything.named("eks-us-east-1-trident").urn in backend.dependencies
    assert everything.named("eks-us-east-1-trident-identity").urn in backend.dependencies


def test_eks_efs_is_tls_only_backed_up_and_protected_in_prod(everything: Plan, prod: Plan) -> None:
    policy = json.loads(everything.named("eks-us-east-1-efs-policy").inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert everything.named("eks-us-east-1-efs-backup").inputs["backupPolicy"] == {"status": "ENABLED"}
    assert prod.named("eks-us-east-1-efs").options["protect"] is True
    assert everything.named("eks-us-east-1-efs").options["protect"] in (False, None)
