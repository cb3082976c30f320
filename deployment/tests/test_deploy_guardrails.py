"""The policy pack published to Pulumi Cloud and enforced on the platform stacks by a policy group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from test_deploy_program import STACK, run

from deploy_components.guardrails import PACK_NAME, POLICY_DIR, pack_version
from deploy_settings import ConfigError, parse
from offline_plan.recorder import Plan, stack_config

DEPLOYMENT = Path(__file__).resolve().parent.parent
PACK = "pulumiservice:index:PolicyPack"
GROUP = "pulumiservice:index:PolicyGroup"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run(stack_config(STACK, DEPLOYMENT))


def test_the_repository_pack_is_published_with_its_manifest_version(plan: Plan) -> None:
    (pack,) = plan.of_type(PACK)
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert pack.inputs == {
        "name": PACK_NAME,
        "organization": "acme",
        "sourcePath": str(POLICY_DIR),
        "versionTag": manifest["version"],
    }
    assert (POLICY_DIR / "__main__.py").is_file()
    assert plan.exports["policyPackVersion"] == manifest["version"]


def test_a_preventative_group_applies_the_pack_to_every_deployed_stack(plan: Plan) -> None:
    (group,) = plan.of_type(GROUP)
    assert group.inputs["mode"] == "preventative"
    assert group.inputs["entityType"] == "stacks"
    assert group.inputs["organizationName"] == "acme"
    assert group.inputs["stacks"] == [
        {"name": "dev", "routingProject": "container-platform"},
        {"name": "prod", "routingProject": "container-platform"},
    ]
    assert group.inputs["policyPacks"] == [{"name": PACK_NAME, "versionTag": pack_version()}]
    (pack,) = plan.of_type(PACK)
    assert pack.urn in group.propertyDependencies["policyPacks"]


def test_the_pack_name_is_the_one_policy_main_registers() -> None:
    source = (POLICY_DIR / "guardrails" / "pack.py").read_text()
    assert f'PACK_NAME = "{PACK_NAME}"' in source


def test_guardrails_can_be_audit_only_or_off(platform_config: dict[str, Any]) -> None:
    platform_config["container-platform-deployment:guardrails"] = {"mode": "audit"}
    (group,) = run(platform_config).of_type(GROUP)
    assert group.inputs["mode"] == "audit"
    platform_config["container-platform-deployment:guardrails"] = {"enabled": False}
    off = run(platform_config)
    assert off.of_type(PACK) == [] and off.of_type(GROUP) == []
    assert "policyPackVersion" not in off.exports


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"mode": "block"}, "guardrails.mode"),
        ({"enforce": True}, "guardrails.enforce: unknown key"),
        ({"enabled": "yes"}, "guardrails.enabled"),
    ],
)
def test_bad_guardrails_settings_name_the_key(
    value: dict[str, Any], words: str, platform_config: dict[str, Any]
) -> None:
    platform_config["container-platform-deployment:guardrails"] = value
    with pytest.raises(ConfigError) as caught:
        parse(platform_config, stack=STACK)
    assert any(words in p for p in caught.value.problems), caught.value.problems


def test_a_manifest_without_version_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    with pytest.raises(ValueError, match=r"PulumiPolicy.yaml: needs a version such as 1.0.0"):
        pack_version(tmp_path)
