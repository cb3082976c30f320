"""The plan's mocked outputs are plausible: region-correct ARNs and ids, remote component outputs."""

from __future__ import annotations

import json

import pytest
from pulumi.runtime import MockCallArgs, MockResourceArgs

from offline_plan.mocks import ACCOUNT_ID, PlausibleMocks, UnexpectedInvoke, generic_arn


def mocks(region: str = "eu-west-1", strict: bool = True) -> PlausibleMocks:
    return PlausibleMocks(lambda _args: region, strict=strict)


def test_generic_arn_carries_service_region_and_account() -> None:
    assert (
        generic_arn("aws:ecs/cluster:Cluster", "eu-west-1", "main")
        == f"arn:aws:ecs:eu-west-1:{ACCOUNT_ID}:cluster/main"
    )


def test_ids_are_stable_and_prefixed_like_aws() -> None:
    args = MockResourceArgs("aws:ec2/securityGroup:SecurityGroup", "sg", {"vpcId": "vpc-1"}, custom=True)
    first, state = mocks().new_resource(args)
    second, _ = mocks().new_resource(args)
    assert first == second and first is not None and first.startswith("sg-")
    assert state["arn"] == f"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:security-group/{first}"
    assert state["vpcId"] == "vpc-1"


def test_vpc_outputs_follow_the_subnet_specs() -> None:
    inputs = {"numberOfAvailabilityZones": 3, "subnetSpecs": [{"type": "Public"}, {"type": "Isolated"}]}
    _, state = mocks().new_resource(MockResourceArgs("awsx:ec2:Vpc", "v", inputs, custom=False))
    assert state["vpcId"].startswith("vpc-")
    assert len(state["publicSubnetIds"]) == 3 and len(state["isolatedSubnetIds"]) == 3
    assert state["privateSubnetIds"] == []
    assert "subnetSpecs" not in state  # component outputs are not an echo of the inputs


def test_eks_cluster_outputs_are_in_the_cluster_region() -> None:
    _, state = mocks("ap-southeast-2").new_resource(MockResourceArgs("eks:index:Cluster", "eks", {}, custom=False))
    assert state["oidcProviderArn"].startswith(
        f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.ap-southeast-2.amazonaws.com/id/"
    )
    assert ".ap-southeast-2.eks.amazonaws.com" in state["kubeconfig"]["clusters"][0]["cluster"]["server"]
    assert json.loads(state["kubeconfigJson"]) == state["kubeconfig"]
    assert state["kubeconfig"]["users"][0]["user"]["exec"]["args"][-1] == "ap-southeast-2"


def test_caller_identity_is_the_mock_account() -> None:
    result, failures = mocks().call(MockCallArgs("aws:index/getCallerIdentity:getCallerIdentity", {}, ""))
    assert result["accountId"] == ACCOUNT_ID and failures == []


def test_unknown_invokes_fail_in_tests_and_warn_in_the_plan() -> None:
    with pytest.raises(UnexpectedInvoke, match="aws:ec2/getAmi:getAmi"):
        mocks().call(MockCallArgs("aws:ec2/getAmi:getAmi", {}, ""))
    lenient = mocks(strict=False)
    assert lenient.call(MockCallArgs("aws:ec2/getAmi:getAmi", {}, "")) == ({}, [])
    assert lenient.unexpected_invokes == ["aws:ec2/getAmi:getAmi"]
