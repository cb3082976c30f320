"""Every KMS key of dev and prod: the services that must use it can, nobody else gets more than it needs.

For each key in the committed plans, the test finds what uses it (log groups, EFS file systems, the EKS
cluster, ECR repositories and templates) from the plan's property dependencies, then evaluates the key's
own policy (``tests/key_policy.py``) on the requests those services make, as their AWS documentation
describes them (sources in ``components/kms.py``). The account root's ``kms:*`` statement is left out
of the "can use" checks: it delegates to IAM and proves nothing about the service statements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from components.kms import EFS_SERVICE_LINKED_ROLE
from offline_plan.recorder import Plan, RecordedResource
from tests.aws_shapes import is_real_action
from tests.key_policy import Request, allowing

KEY = "aws:kms/key:Key"
ADMIN = "AccountAdministersThroughIam"
OTHER_ACCOUNT = "999988887777"

LOGS_REQUESTS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
)
"""CloudWatch Logs' calls on a log group key (the action families of the Logs guide's key policy)."""
EFS_REQUIRED = ("kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant", "kms:DescribeKey")
"""The permissions the EFS user guide marks "(Required)" ("Amazon EFS key policies for AWS KMS")."""
EKS_REQUIRED = ("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey")
"""What the cluster role does with the secrets key: envelope-encrypt and decrypt Kubernetes secrets, read the
key (the terraform-aws-eks cluster encryption policy; written out here, not imported, so a change in
components/kms.py cannot change the expectation)."""
ECR_REQUIRED = ("kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant")
"""ECR user guide, "Encryption at rest" and "Create a custom policy for repository creation templates"."""

USERS = {
    "aws:cloudwatch/logGroup:LogGroup": "kmsKeyId",
    "aws:efs/fileSystem:FileSystem": "kmsKeyId",
    "eks:index:Cluster": "encryptionConfigKeyArn",
    "aws:ecr/repository:Repository": "encryptionConfigurations",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "encryptionConfigurations",
    "aws:ecs/cluster:Cluster": "configuration",
}
"""Resource type -> the input that names the key it uses."""


def _keys(plan: Plan) -> list[RecordedResource]:
    return plan.of_type(KEY)


def _users(plan: Plan, key: RecordedResource) -> list[RecordedResource]:
    return [r for r in plan.resources if r.type in USERS and key.urn in r.propertyDependencies.get(USERS[r.type], [])]


def _policy(key: RecordedResource) -> dict[str, Any]:
    return json.loads(key.inputs["policy"])


def _account(plan: Plan) -> str:
    (provider, *_) = plan.of_type("pulumi:providers:aws")
    return str(json.loads(provider.inputs["allowedAccountIds"])[0])


def _role_arn(plan: Plan, key: RecordedResource, account: str) -> str:
    """The ARN of the role the key policy was built from (its ``policy`` depends on exactly one role)."""
    (role_urn,) = [u for u in key.propertyDependencies["policy"] if "$aws:iam/role:Role::" in u]
    name = role_urn.rsplit("::", 1)[1]
    principals = [
        p
        for s in _policy(key)["Statement"]
        for p in (
            s["Principal"].get("AWS", [])
            if isinstance(s["Principal"].get("AWS"), list)
            else [s["Principal"].get("AWS")]
        )
        if p and re.fullmatch(rf"arn:aws:iam::{account}:role/{re.escape(name)}-[0-9a-f]+", p)
    ]
    assert principals, f"{key.name}: the policy names no ARN of role {name}"
    return principals[0]


def _service_statements(policy: dict[str, Any], request: Request) -> list[str]:
    return [sid for sid in allowing(policy, request) if sid != ADMIN]


def _logs_requests(plan: Plan, key: RecordedResource, account: str) -> Iterator[tuple[Request, bool]]:
    for group in _users(plan, key):
        if group.type != "aws:cloudwatch/logGroup:LogGroup":
            continue
        name = group.inputs.get("name") or f"/aws/lambda/{group.name}"
        arn = f"arn:aws:logs:{group.region}:{account}:log-group:{name}"
        for action in LOGS_REQUESTS:
            context = {"kms:EncryptionContext:aws:logs:arn": arn}
            yield Request(f"service:logs.{group.region}.amazonaws.com", action, context), True
        foreign = {"kms:EncryptionContext:aws:logs:arn": arn.replace(account, OTHER_ACCOUNT)}
        yield Request(f"service:logs.{group.region}.amazonaws.com", "kms:Decrypt", foreign), False
        yield (
            Request(
                "service:logs.ap-south-1.amazonaws.com", "kms:Decrypt", {"kms:EncryptionContext:aws:logs:arn": arn}
            ),
            False,
        )


def _efs_requests(plan: Plan, key: RecordedResource, account: str) -> Iterator[tuple[Request, bool]]:
    region = key.region
    deployer = f"arn:aws:iam::{account}:role/deploy-{plan.stack}-role"
    through_efs = {"kms:ViaService": f"elasticfilesystem.{region}.amazonaws.com", "kms:CallerAccount": account}
    for action in EFS_REQUIRED:
        yield Request(deployer, action, through_efs), True
    yield Request(f"arn:aws:iam::{account}:role/{EFS_SERVICE_LINKED_ROLE}", "kms:DescribeKey"), True
    # Not through EFS, or through EFS from another account: only the root's IAM delegation could allow it.
    yield Request(deployer, "kms:Decrypt", {"kms:CallerAccount": account}), False
    yield (
        Request(
            f"arn:aws:iam::{OTHER_ACCOUNT}:role/x", "kms:Decrypt", {**through_efs, "kms:CallerAccount": OTHER_ACCOUNT}
        ),
        False,
    )


def _eks_requests(plan: Plan, key: RecordedResource, account: str) -> Iterator[tuple[Request, bool]]:
    role = _role_arn(plan, key, account)
    through_eks = {"kms:ViaService": f"eks.{key.region}.amazonaws.com"}
    for action in EKS_REQUIRED:
        yield Request(role, action, through_eks), True
    yield Request(role, "kms:Decrypt"), False
    yield Request(role, "kms:Decrypt", {"kms:ViaService": f"s3.{key.region}.amazonaws.com"}), False


def _ecr_requests(plan: Plan, key: RecordedResource, account: str) -> Iterator[tuple[Request, bool]]:
    role = _role_arn(plan, key, account)
    through_ecr = {"kms:ViaService": f"ecr.{key.region}.amazonaws.com", "kms:CallerAccount": account}
    deployer = f"arn:aws:iam::{account}:role/deploy-{plan.stack}-role"
    for action in ECR_REQUIRED:
        yield Request(role, action, through_ecr), True
        yield Request(deployer, action, through_ecr), True
    yield Request(role, "kms:CreateGrant", {"kms:CallerAccount": account}), False
    yield Request(role, "kms:Decrypt", through_ecr), False


def _delegated_requests(plan: Plan, key: RecordedResource, account: str) -> Iterator[tuple[Request, bool]]:
    """ECS Exec keys: the task role and the session's user call KMS with their own IAM permissions."""
    yield from ()


KINDS: dict[str, Callable[[Plan, RecordedResource, str], Iterator[tuple[Request, bool]]]] = {
    "aws:cloudwatch/logGroup:LogGroup": _logs_requests,
    "aws:efs/fileSystem:FileSystem": _efs_requests,
    "eks:index:Cluster": _eks_requests,
    "aws:ecr/repository:Repository": _ecr_requests,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": _ecr_requests,
    "aws:ecs/cluster:Cluster": _delegated_requests,
}


def _requests(plan: Plan, key: RecordedResource) -> list[tuple[Request, bool]]:
    account = _account(plan)
    kinds = {u.type for u in _users(plan, key)}
    assert kinds, f"{key.name}: nothing in the plan uses this key"
    return [pair for kind in sorted(kinds) for pair in KINDS[kind](plan, key, account)]


def _key_ids(plans: dict[str, Plan]) -> list[tuple[str, str]]:
    return [(stack, key.name) for stack, plan in plans.items() for key in _keys(plan)]


STACKS = ("dev", "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_every_key_is_used_by_something_the_test_knows(committed_plans: dict[str, Plan], stack: str) -> None:
    plan = committed_plans[stack]
    unused = [k.name for k in _keys(plan) if not _users(plan, k)]
    assert unused == []
    assert len(_keys(plan)) >= 6


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_that_must_use_each_key_can_and_others_cannot(
    committed_plans: dict[str, Plan], stack: str
) -> None:
    plan = committed_plans[stack]
    wrong: list[str] = []
    checked = 0
    for key in _keys(plan):
        policy = _policy(key)
        for request, expected in _requests(plan, key):
            checked += 1
            if bool(_service_statements(policy, request)) != expected:
                wrong.append(
                    f"{key.name}: {request.principal} {request.action} {dict(request.context)} -> {not expected}"
                )
    assert wrong == []
    assert checked > 50


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_account_root_gets_every_kms_action_and_services_are_conditioned(
    committed_plans: dict[str, Plan], stack: str
) -> None:
    plan = committed_plans[stack]
    account = _account(plan)
    for key in _keys(plan):
        statements = _policy(key)["Statement"]
        (admin,) = [s for s in statements if s.get("Sid") == ADMIN]
        assert admin["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"} and admin["Action"] == "kms:*"
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all(is_real_action(a) for a in actions), (key.name, actions)
            if statement is admin:
                continue
            assert "kms:*" not in actions and "*" not in actions and "NotAction" not in statement, key.name
            if "Service" in statement["Principal"]:
                assert statement.get("Condition"), key.name
        assert key.inputs["enableKeyRotation"] is True, key.name


def test_the_evaluator_tells_allowed_from_refused() -> None:
    policy = {
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
                "Action": "kms:Decrypt*",
                "Condition": {
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111122223333:log-group:*"}
                },
            },
            {"Sid": "B", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*"},
            {
                "Sid": "C",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:ScheduleKeyDeletion",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ]
    }
    logs = "service:logs.eu-west-1.amazonaws.com"
    context = {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111122223333:log-group:/x"}
    assert allowing(policy, Request(logs, "kms:Decrypt", context)) == ["A"]
    assert allowing(policy, Request(logs, "kms:Decrypt")) == []
    assert allowing(policy, Request(logs, "kms:Encrypt", context)) == []
    assert allowing(policy, Request("arn:aws:iam::111122223333:role/r", "kms:Encrypt")) == ["B"]
    assert allowing(policy, Request("arn:aws:iam::444455556666:role/r", "kms:Encrypt")) == []
    deleter = Request(
        "arn:aws:iam::111122223333:role/r", "kms:ScheduleKeyDeletion", {"aws:MultiFactorAuthPresent": "false"}
    )
    assert allowing(policy, deleter) == []
