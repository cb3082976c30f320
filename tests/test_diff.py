"""The plan diff: pure cases table-driven, then real pairs of plans built by the recorder."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from offline_plan.diff import (
    ABSENT,
    CHANGED,
    HIDDEN,
    SECRET,
    Change,
    PlanDiff,
    components,
    diff_plans,
    diff_values,
    is_secret_key,
    main,
    redact,
    render_change,
    render_markdown,
)
from offline_plan.recorder import run_stack, stack_config
from tests.conftest import DELETE, ROOT, set_path

STACK_URN = "urn:pulumi:dev::container-platform::pulumi:pulumi:Stack::container-platform-dev"
PROVIDER = "urn:pulumi:dev::container-platform::pulumi:pulumi:Stack$pulumi:providers:aws::aws-us-east-1"


def resource(
    name: str,
    type_: str = "aws:s3/bucket:Bucket",
    parent: str = STACK_URN,
    inputs: dict[str, Any] | None = None,
    region: str = "us-east-1",
    provider: str = f"{PROVIDER}::aws-us-east-1-provider-id",
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    parent_types = "" if parent == STACK_URN else parent.split("::")[2].split("$", 1)[-1] + "$"
    return {
        "urn": f"urn:pulumi:dev::container-platform::{parent_types}{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": parent,
        "provider": provider,
        "custom": not type_.startswith("container-platform:"),
        "inputs": inputs or {},
        "dependencies": [],
        "propertyDependencies": {},
        "options": options or {"protect": None},
        "region": region,
    }


def plan(
    *resources: dict[str, Any], exports: dict[str, Any] | None = None, warnings: list[str] | None = None
) -> dict[str, Any]:
    return {
        "project": "container-platform",
        "stack": "dev",
        "resources": list(resources),
        "exports": exports or {},
        "invokes": [],
        "warnings": warnings or [],
    }


def rendered(changes: list[Change]) -> list[str]:
    return [render_change(c) for c in changes]


# --- pure: values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"a": 1}, {"a": 1}, []),
        (
            {"tags": {"environment": "dev"}},
            {"tags": {"environment": "prod"}},
            ['- `tags.environment`: `"dev"` → `"prod"`'],
        ),
        ({"a": 1}, {"a": 1, "b": True}, ["- `b`: (none) → `true`"]),
        ({"a": 1, "b": None}, {"a": 1}, ["- `b`: `null` → (none)"]),
        (
            {"rules": [{"countNumber": 7}]},
            {"rules": [{"countNumber": 14}]},
            ["- `rules[0].countNumber`: `7` → `14`"],
        ),
        # An inserted item is one change, not a shift of every later index.
        ({"ids": ["a", "b", "c"]}, {"ids": ["a", "x", "b", "c"]}, ['- `ids[1]`: (none) → `"x"`']),
        ({"ids": ["a", "b", "c"]}, {"ids": ["a", "c"]}, ['- `ids[1]`: `"b"` → (none)']),
        # JSON documents in strings are compared inside.
        (
            {"policy": json.dumps({"rules": [{"selection": {"countNumber": 7}}]})},
            {"policy": json.dumps({"rules": [{"selection": {"countNumber": 14}}]})},
            ["- `policy.rules[0].selection.countNumber`: `7` → `14`"],
        ),
        # Keys that are not identifiers are quoted.
        (
            {"tags": {"kubernetes.io/role/elb": "1"}},
            {"tags": {"kubernetes.io/role/elb": "2"}},
            ['- `tags["kubernetes.io/role/elb"]`: `"1"` → `"2"`'],
        ),
        ({"a": "x`y"}, {"a": "z"}, ['- `a`: `` "x`y" `` → `"z"`']),
        ({"a": 1}, {"a": "1"}, ['- `a`: `1` → `"1"`']),
        ({"a": [1]}, {"a": {"b": 1}}, ['- `a`: `[1]` → `{"b": 1}`']),
    ],
)
def test_diff_values(old: Any, new: Any, expected: list[str]) -> None:
    assert rendered(diff_values(old, new)) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # The recorder's mask stays; the plain side of a change to or from a secret is hidden.
        ({"kubeconfig": SECRET}, {"kubeconfig": SECRET}, []),
        ({"data": "plain-value"}, {"data": SECRET}, [f"- `data`: {HIDDEN} → {SECRET}"]),
        ({"data": SECRET}, {"data": "plain-value"}, [f"- `data`: {SECRET} → {HIDDEN}"]),
        # Secret-looking keys show only that they changed.
        ({"masterPassword": "hunter2"}, {"masterPassword": "hunter3"}, [f"- `masterPassword`: {CHANGED}"]),
        ({"auth": {"token": "abc"}}, {"auth": {"token": "abd"}}, [f"- `auth.token`: {CHANGED}"]),
        (
            {"kubeconfig": {"users": [{"t": "abc"}]}},
            {"kubeconfig": {"users": [{"t": "abd"}]}},
            [f"- `kubeconfig.users[0].t`: {CHANGED}"],
        ),
        ({"API_SECRET": "a"}, {}, ["- `API_SECRET`: (removed)"]),
        ({}, {"db_password": "a"}, ["- `db_password`: (added)"]),
        # {name, value} pairs whose name looks secret.
        (
            {"environment": [{"name": "API_TOKEN", "value": "abc"}]},
            {"environment": [{"name": "API_TOKEN", "value": "abd"}]},
            [f"- `environment[0].value`: {CHANGED}"],
        ),
        # A whole object appearing is redacted inside.
        ({}, {"auth": {"user": "u", "password": "p"}}, ['- `auth`: (none) → `{"user": "u", "password": "(changed)"}`']),
        # Inside JSON documents too.
        (
            {"doc": json.dumps({"secretValue": "one", "x": 1})},
            {"doc": json.dumps({"secretValue": "two", "x": 1})},
            [f"- `doc.secretValue`: {CHANGED}"],
        ),
        # Not secrets: httpTokens (the IMDSv2 option).
        ({"httpTokens": "optional"}, {"httpTokens": "required"}, ['- `httpTokens`: `"optional"` → `"required"`']),
    ],
)
def test_secrets_are_masked(old: Any, new: Any, expected: list[str]) -> None:
    assert rendered(diff_values(old, new)) == expected


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("fsxAdminPassword", True),
        ("DATABASE_PASSWORD", True),
        ("secret", True),
        ("secrets", True),
        ("clientSecret", True),
        ("token", True),
        ("accessToken", True),
        ("kubeconfig", True),
        ("kubeconfigJson", True),
        ("httpTokens", False),
        ("name", False),
        ("tags", False),
    ],
)
def test_is_secret_key(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_redact_keeps_plain_values_and_masks_nested_secrets() -> None:
    value = {"a": [1, {"password": "p"}], "b": SECRET, "doc": json.dumps({"token": "t"})}
    assert redact(value) == {"a": [1, {"password": CHANGED}], "b": SECRET, "doc": '{"token":"(changed)"}'}
    assert redact(ABSENT) is ABSENT


# --- pure: plans ------------------------------------------------------------------------------


def test_components_are_top_level_ancestors() -> None:
    top = resource("ecs", "container-platform:ecs:EcsPlatform")
    child = resource("ecs-web", "container-platform:ecs:EcsService", parent=top["urn"])
    leaf = resource("ecs-web-task", "aws:ecs/taskDefinition:TaskDefinition", parent=child["urn"])
    provider = resource("aws-us-east-1", "pulumi:providers:aws", provider="")
    assert components([top, child, leaf, provider]) == {
        top["urn"]: "ecs",
        child["urn"]: "ecs",
        leaf["urn"]: "ecs",
        provider["urn"]: "aws-us-east-1",
    }


def test_add_remove_update_and_unchanged() -> None:
    top = resource("ecs", "container-platform:ecs:EcsPlatform")
    kept = resource("ecs-cluster", parent=top["urn"], inputs={"name": "c"})
    changed = resource("ecs-logs", parent=top["urn"], inputs={"retentionInDays": 30})
    gone = resource("eks-eu-west-1-key", "aws:kms/key:Key", region="eu-west-1")
    base = plan(top, kept, changed, gone)
    head = plan(top, kept, changed | {"inputs": {"retentionInDays": 365}}, resource("ecs-jobs", parent=top["urn"]))

    diff = diff_plans(base, head)

    assert diff.summary() == "1 to add, 1 to remove, 0 to replace, 1 to update, 2 unchanged"
    assert [(r.kind, r.name, r.component, r.region) for r in diff.resources] == [
        ("add", "ecs-jobs", "ecs", "us-east-1"),
        ("update", "ecs-logs", "ecs", "us-east-1"),
        ("remove", "eks-eu-west-1-key", "eks-eu-west-1-key", "eu-west-1"),
    ]
    assert rendered(list(diff.of_kind("update")[0].changes)) == ["- `retentionInDays`: `30` → `365`"]


def test_same_type_and_name_under_a_new_parent_is_a_replacement() -> None:
    # The key moves from the stack into a new component: its URN changes.
    component = resource("registry", "container-platform:registry:SharedRegistry")
    base = plan(resource("registry-key", "aws:kms/key:Key"))
    head = plan(component, resource("registry-key", "aws:kms/key:Key", parent=component["urn"]))

    diff = diff_plans(base, head)

    assert diff.summary() == "1 to add, 0 to remove, 1 to replace, 0 to update, 0 unchanged"
    [key] = diff.of_kind("replace")
    assert key.name == "registry-key" and key.component == "registry"
    assert key.old_urn == base["resources"][0]["urn"] and key.urn == head["resources"][1]["urn"]
    assert rendered(list(key.changes)) == ['- `(parent)`: `"container-platform-dev"` → `"registry"`']
    assert "Replaced (1):" in render_markdown(diff)


def test_provider_options_exports_and_warnings() -> None:
    other = "urn:pulumi:dev::container-platform::pulumi:pulumi:Stack$pulumi:providers:aws::aws-eu-west-1"
    base = plan(
        resource("bucket", options={"protect": None}), exports={"kubeconfig": SECRET, "url": "a"}, warnings=["w1"]
    )
    head = plan(
        resource("bucket", provider=f"{other}::id-2", options={"protect": True}),
        exports={"kubeconfig": SECRET, "url": "b"},
        warnings=["w2"],
    )

    diff = diff_plans(base, head)
    text = render_markdown(diff)

    assert rendered(list(diff.resources[0].changes)) == [
        '- `(provider)`: `"aws-us-east-1"` → `"aws-eu-west-1"`',
        "- `(options).protect`: `null` → `true`",
    ]
    assert '- `url`: `"a"` → `"b"`' in text
    assert "- new: w2" in text and "- gone: w1" in text


def test_provider_id_alone_is_not_a_change() -> None:
    base = plan(resource("bucket", provider=f"{PROVIDER}::one"))
    head = plan(resource("bucket", provider=f"{PROVIDER}::two"))
    assert diff_plans(base, head).empty


def test_no_changes_renders_a_short_note() -> None:
    text = render_markdown(diff_plans(plan(resource("a")), plan(resource("a"))))
    assert "**0 to add, 0 to remove, 0 to replace, 0 to update, 1 unchanged**" in text
    assert "No changes." in text


def test_long_change_lists_are_capped() -> None:
    base = plan(resource("a", inputs={f"k{i}": i for i in range(10)}))
    head = plan(resource("a", inputs={f"k{i}": i + 1 for i in range(10)}))
    text = render_markdown(diff_plans(base, head), max_changes=3)
    assert "… and 7 more" in text and "`k3`" not in text


def test_cli_reads_two_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "base.json").write_text(json.dumps(plan(resource("a"))))
    (tmp_path / "head.json").write_text(json.dumps(plan(resource("a"), resource("b"))))
    assert main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--title", "T"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### T\n") and "1 to add" in out
    assert main([str(tmp_path / "base.json"), str(tmp_path / "missing.json")]) == 2
    (tmp_path / "bad.json").write_text("[]")
    assert main([str(tmp_path / "base.json"), str(tmp_path / "bad.json")]) == 2


# --- real plans -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_base() -> dict[str, Any]:
    return run_stack("dev").to_json()


@pytest.fixture(scope="module")
def prod_base() -> dict[str, Any]:
    return run_stack("prod").to_json()


def test_real_plan_against_itself_is_empty(dev_base: dict[str, Any]) -> None:
    again = run_stack("dev").to_json()
    diff = diff_plans(dev_base, again)
    assert diff.empty, render_markdown(diff)
    assert diff.unchanged == len(dev_base["resources"])


def test_real_added_ecs_service_is_under_component_ecs(dev_base: dict[str, Any]) -> None:
    config = stack_config("dev")
    services = config["container-platform:ecs"]["services"]
    jobs = {"name": "jobs", "image": "worker:2.0.1", "cpu": 256, "memory": 512, "desiredCount": 1}
    head = run_stack("dev", set_path(config, "ecs.services", [*services, jobs])).to_json()

    diff = diff_plans(dev_base, head)
    added = diff.of_kind("add")

    assert added, render_markdown(diff)
    assert {(r.component, r.region) for r in added} == {("ecs", "us-east-1")}
    assert {r.type for r in added} >= {"container-platform:ecs:EcsService", "aws:ecs/service:Service"}
    assert all("jobs" in r.name for r in added)
    assert not diff.of_kind("remove") and not diff.of_kind("replace")
    text = render_markdown(diff)
    assert f"**{len(added)} to add, 0 to remove" in text
    assert "#### `ecs` · us-east-1" in text and "`ecs-jobs-service`" in text


def test_real_removed_region_is_removed_in_that_region(prod_base: dict[str, Any]) -> None:
    config = stack_config("prod")
    config = set_path(config, "eks.regions", ["us-east-1"])
    config = set_path(config, "network.cidrs.eu-west-1", DELETE)
    head = run_stack("prod", config).to_json()

    diff = diff_plans(prod_base, head)
    removed = diff.of_kind("remove")

    assert not diff.of_kind("add") and not diff.of_kind("replace")
    in_region = [r for r in removed if r.region == "eu-west-1"]
    assert {r.component for r in in_region} >= {"eks-eu-west-1", "network-eu-west-1", "registry-eu-west-1"}
    assert {r.type for r in in_region} >= {"container-platform:registry:RegistryReplica", "pulumi:providers:aws"}
    # Nothing left of the region in HEAD, and the home region's replication goes with it.
    assert all(r["region"] != "eu-west-1" for r in head["resources"])
    assert len(in_region) == sum(r["region"] == "eu-west-1" for r in prod_base["resources"])
    assert any(r.type == "aws:ecr/replicationConfiguration:ReplicationConfiguration" for r in removed)
    text = render_markdown(diff)
    assert "#### `eks-eu-west-1` · eu-west-1" in text and "#### `registry-eu-west-1` · eu-west-1" in text


def test_real_changed_input_shows_old_and_new(dev_base: dict[str, Any]) -> None:
    head = run_stack("dev", set_path(stack_config("dev"), "registry.untaggedExpiryDays", 14)).to_json()

    diff = diff_plans(dev_base, head)
    text = render_markdown(diff)

    updated = diff.of_kind("update")
    assert updated and {r.component for r in updated} == {"registry"}
    assert {r.type for r in updated} == {"aws:ecr/lifecyclePolicy:LifecyclePolicy"}
    assert "- `policy.rules[0].selection.countNumber`: `7` → `14`" in text
    assert diff.summary().startswith("0 to add, 0 to remove, 0 to replace, ")


def test_real_secrets_never_leak(prod_base: dict[str, Any]) -> None:
    # The recorder masks secret inputs; give BASE one masked and HEAD the plain value an unmasked plan could carry.
    base = copy.deepcopy(prod_base)
    head = copy.deepcopy(prod_base)
    for plan, value in ((base, SECRET), (head, "apiVersion: v1\nusers:\n- user: {token: LEAKED-TOKEN}")):
        cluster = next(r for r in plan["resources"] if r["type"] == "eks:index:Cluster")
        cluster["inputs"]["kubeconfig"] = value
    task = next(r for r in head["resources"] if r["type"] == "aws:ecs/taskDefinition:TaskDefinition")
    containers = json.loads(task["inputs"]["containerDefinitions"])
    containers[0]["environment"] = [{"name": "DB_PASSWORD", "value": "LEAKED-PASSWORD"}]
    containers[0]["secrets"] = [{"name": "API", "valueFrom": "arn:LEAKED-ARN"}]
    task["inputs"]["containerDefinitions"] = json.dumps(containers)
    head["exports"]["kubeconfigs"] = {"us-east-1": "LEAKED-EXPORT"}

    text = render_markdown(diff_plans(base, head))

    assert "LEAKED" not in text
    assert f"- `kubeconfig`: {CHANGED}" in text
    assert "containerDefinitions[0].environment" in text and "containerDefinitions[0].secrets" in text
    assert "offline-plan-secret" not in text


def test_cli_module_on_real_plan_files(tmp_path: Path, dev_base: dict[str, Any]) -> None:
    head = copy.deepcopy(dev_base)
    head["resources"] = head["resources"][1:]
    (tmp_path / "base.json").write_text(json.dumps(dev_base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    result = subprocess.run(
        [sys.executable, "-m", "offline_plan.diff", str(tmp_path / "base.json"), str(tmp_path / "head.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "0 to add, 1 to remove" in result.stdout


def test_plan_diff_is_a_frozen_value() -> None:
    diff = PlanDiff(project="p", base_stack="dev", head_stack="dev")
    with pytest.raises(AttributeError):
        diff.unchanged = 1  # type: ignore[misc]


def test_guardrail_findings_appear_when_an_exception_is_removed(dev_base: dict[str, Any]) -> None:
    head = copy.deepcopy(dev_base)
    for r in head["resources"]:
        if r["name"] == "ecs-web-http":
            del r["inputs"]["tags"]["guardrail-exception/elb-https-listeners"]
    diff = diff_plans(dev_base, head)
    assert diff.mandatory_in_head == 1
    assert [f.split(":")[0] for f in diff.guardrails_added] == ["MANDATORY [elb-https-listeners] aws"]
    assert [f.split(" ")[0] for f in diff.guardrails_removed] == ["exception"]
    text = render_markdown(diff)
    assert "**Guardrails: 1 mandatory violation(s) in this change; see below.**" in text
    assert "#### Guardrails" in text
    assert "- new: MANDATORY [elb-https-listeners] aws:lb/listener:Listener::ecs-web-http: HTTP listener" in text


def test_an_unchanged_plan_has_no_guardrails_section(dev_base: dict[str, Any]) -> None:
    diff = diff_plans(dev_base, copy.deepcopy(dev_base))
    assert diff.guardrails_added == diff.guardrails_removed == ()
    assert diff.mandatory_in_head == 0
    assert "Guardrails" not in render_markdown(diff)
