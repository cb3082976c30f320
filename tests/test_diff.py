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
    # The cost delta, deploy time and diagram come first (offline_plan/insights/report.py), then the diff.
    assert out.startswith("**dev: monthly estimate +$0.00/month**") and "\n### T\n" in out and "1 to add" in out
    assert main([str(tmp_path / "base.json"), str(tmp_path / "missing.json")]) == 2
    (tmp_path / "bad.json").write_text("[]")
    assert main([str(tmp_path / "base.json"), str(tmp_path / "bad.json")]) == 2


# --- real plans -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_base(committed_plans: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(committed_plans["dev"].to_json())


@pytest.fixture(scope="module")
def prod_base(committed_plans: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(committed_plans["prod"].to_json())


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

    # aws_ecr_lifecycle_policy has no Update: its policy is ForceNew, so the change is a replacement.
    updated = diff.of_kind("replace")
    assert updated and {r.component for r in updated} == {"registry"}
    assert {r.type for r in updated} == {"aws:ecr/lifecyclePolicy:LifecyclePolicy"}
    assert {r.forces for r in updated} == {("policy",)}
    assert "- `policy.rules[0].selection.countNumber`: `7` → `14`" in text
    assert diff.summary().startswith(f"0 to add, 0 to remove, {len(updated)} to replace, 0 to update")


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
        if r["name"] == "ecs-web-lb-http":
            del r["inputs"]["tags"]["guardrail-exception/elb-https-listeners"]
    diff = diff_plans(dev_base, head)
    assert diff.mandatory_in_head == 1
    assert [f.split(":")[0] for f in diff.guardrails_added] == ["MANDATORY [elb-https-listeners] aws"]
    assert [f.split(" ")[0] for f in diff.guardrails_removed] == ["exception"]
    text = render_markdown(diff)
    assert "**Guardrails: 1 mandatory violation(s) in this change; see below.**" in text
    assert "#### Guardrails" in text
    assert "- new: MANDATORY [elb-https-listeners] aws:lb/listener:Listener::ecs-web-lb-http: HTTP listener" in text


def test_an_unchanged_plan_has_no_guardrails_section(dev_base: dict[str, Any]) -> None:
    diff = diff_plans(dev_base, copy.deepcopy(dev_base))
    assert diff.guardrails_added == diff.guardrails_removed == ()
    assert diff.mandatory_in_head == 0
    assert "Guardrails" not in render_markdown(diff)


# --- replacements: force_new.json -------------------------------------------------------------

FORCE_NEW_PATH = ROOT / "offline_plan" / "force_new.json"
FORCE_NEW: dict[str, Any] = json.loads(FORCE_NEW_PATH.read_text())
CHECKED = ("aws:", "awsx:", "eks:")
SDK_PACKAGES = {"aws": "pulumi_aws", "awsx": "pulumi_awsx", "eks": "pulumi_eks"}


def _forced(type_: str, old: dict[str, Any], new: dict[str, Any], options: dict[str, Any] | None = None) -> Any:
    """The diff entry of one resource of ``type_`` whose inputs go from ``old`` to ``new``."""
    base = plan(resource("r", type_, inputs=old))
    head = plan(resource("r", type_, inputs=new, options=options))
    [entry] = diff_plans(base, head).resources
    return entry


def test_force_new_update_is_a_replacement_naming_the_property() -> None:
    type_ = "aws:efs/fileSystem:FileSystem"
    base = plan(resource("efs", type_, inputs={"performanceMode": "generalPurpose", "encrypted": True}))
    head = plan(resource("efs", type_, inputs={"performanceMode": "maxIO", "encrypted": True}))

    diff = diff_plans(base, head)

    assert diff.summary() == "0 to add, 0 to remove, 1 to replace, 0 to update, 0 unchanged"
    [fs] = diff.of_kind("replace")
    assert fs.forces == ("performanceMode",) and fs.old_urn == ""
    text = render_markdown(diff)
    assert "- `efs` `aws:efs/fileSystem:FileSystem` — replace (forces: `performanceMode`)" in text
    assert '  - `performanceMode`: `"generalPurpose"` → `"maxIO"`' in text


def test_update_of_properties_that_change_in_place_stays_an_update() -> None:
    type_ = "aws:cloudwatch/logGroup:LogGroup"
    base = plan(resource("logs", type_, inputs={"name": "/ecs/web", "retentionInDays": 30}))
    head = plan(resource("logs", type_, inputs={"name": "/ecs/web", "retentionInDays": 365, "tags": {"a": "b"}}))

    diff = diff_plans(base, head)

    assert diff.summary() == "0 to add, 0 to remove, 0 to replace, 1 to update, 0 unchanged"
    [logs] = diff.of_kind("update")
    assert logs.forces == () and not logs.unchecked
    text = render_markdown(diff)
    assert "- `logs` `aws:cloudwatch/logGroup:LogGroup`\n" in text and "replace (forces" not in text
    assert "Stateful resources" not in text


@pytest.mark.parametrize(
    ("type_", "old", "new", "options", "forces"),
    [
        # Nested ForceNew path: only a change below it counts, a sibling changes in place.
        (
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            {"vpcEndpointType": "Interface", "dnsOptions": {"dnsRecordIpType": "ipv4"}},
            {"vpcEndpointType": "Interface", "dnsOptions": {"dnsRecordIpType": "dualstack"}},
            None,
            (),
        ),
        (
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            {"vpcEndpointType": "Interface"},
            {"vpcEndpointType": "Interface", "dnsOptions": {"privateDnsPreference": "ALL_DOMAINS"}},
            None,
            ("dnsOptions.privateDnsPreference",),
        ),
        # CustomizeDiff: private DNS is ForceNew except on interface endpoints (the type's default is Gateway).
        ("aws:ec2/vpcEndpoint:VpcEndpoint", {}, {"privateDnsEnabled": True}, None, ("privateDnsEnabled",)),
        (
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            {"vpcEndpointType": "Interface", "privateDnsEnabled": False},
            {"vpcEndpointType": "Interface", "privateDnsEnabled": True},
            None,
            (),
        ),
        # A network load balancer cannot lose a subnet; it can gain one, and an application one can do both.
        (
            "aws:lb/loadBalancer:LoadBalancer",
            {"loadBalancerType": "network", "subnets": ["a", "b", "c"]},
            {"loadBalancerType": "network", "subnets": ["a", "b"]},
            None,
            ("subnets",),
        ),
        (
            "aws:lb/loadBalancer:LoadBalancer",
            {"loadBalancerType": "network", "subnets": ["a", "b"]},
            {"loadBalancerType": "network", "subnets": ["a", "b", "c"]},
            None,
            (),
        ),
        ("aws:lb/loadBalancer:LoadBalancer", {"subnets": ["a", "b", "c"]}, {"subnets": ["a", "b"]}, None, ()),
        (
            "aws:lb/loadBalancer:LoadBalancer",
            {"loadBalancerType": "network", "securityGroups": []},
            {"loadBalancerType": "network", "securityGroups": ["sg-1"]},
            None,
            ("securityGroups",),
        ),
        # A security group rule may change its CIDR in place, not switch to a referenced group.
        (
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            {"securityGroupId": "sg-1", "cidrIpv4": "10.0.0.0/16"},
            {"securityGroupId": "sg-1", "cidrIpv4": "10.1.0.0/16"},
            None,
            (),
        ),
        (
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            {"securityGroupId": "sg-1", "cidrIpv4": "10.0.0.0/16"},
            {"securityGroupId": "sg-1", "referencedSecurityGroupId": "sg-2"},
            None,
            ("cidrIpv4", "referencedSecurityGroupId"),
        ),
        # EKS envelope encryption can be added, never removed.
        ("eks:index:Cluster", {"name": "c"}, {"name": "c", "encryptionConfigKeyArn": "arn:k"}, None, ()),
        (
            "eks:index:Cluster",
            {"name": "c", "encryptionConfigKeyArn": "arn:k"},
            {"name": "c"},
            None,
            ("encryptionConfigKeyArn",),
        ),
        ("eks:index:Cluster", {"name": "c", "version": "1.34"}, {"name": "c", "version": "1.35"}, None, ()),
        # ignoreChanges hides a ForceNew property (the registry's encryption, review M7); replaceOnChanges adds one.
        (
            "aws:ecr/repository:Repository",
            {"name": "web", "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:k"}]},
            {"name": "web", "encryptionConfigurations": [{"encryptionType": "AES256"}]},
            {"ignoreChanges": ["encryptionConfigurations"]},
            (),
        ),
        (
            "aws:ecr/repository:Repository",
            {"name": "web", "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:k"}]},
            {"name": "web", "encryptionConfigurations": [{"encryptionType": "AES256"}]},
            None,
            ("encryptionConfigurations",),
        ),
        (
            "aws:cloudwatch/logGroup:LogGroup",
            {"retentionInDays": 30},
            {"retentionInDays": 7},
            {"replaceOnChanges": ["retentionInDays"]},
            ("retentionInDays",),
        ),
        ("aws:cloudwatch/logGroup:LogGroup", {"name": "/a"}, {"name": "/b"}, {"ignoreChanges": ["*"]}, ()),
        # A JSON document compares as a document: formatting alone forces nothing (and is no change at all).
        (
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
            {"repository": "web", "policy": '{"rules": [{"rulePriority": 1}]}'},
            {"repository": "web", "policy": '{"rules":[{"rulePriority":2}]}'},
            None,
            ("policy",),
        ),
    ],
)
def test_forcing_rules(
    type_: str, old: dict[str, Any], new: dict[str, Any], options: dict[str, Any] | None, forces: tuple[str, ...]
) -> None:
    entry = _forced(type_, old, new, options)
    assert entry.forces == forces
    assert entry.kind == ("replace" if forces else "update")


@pytest.mark.parametrize(
    ("old_zones", "new_zones", "forces"),
    [
        # Appending an AZ with its explicit blocks only adds subnets.
        (2, 3, ()),
        # Dropping one deletes subnets, reordering moves them.
        (3, 2, ("availabilityZoneNames", "subnetSpecs.cidrBlocks")),
    ],
)
def test_awsx_vpc_with_explicit_subnet_blocks(old_zones: int, new_zones: int, forces: tuple[str, ...]) -> None:
    def vpc(zones: int) -> dict[str, Any]:
        names = ["us-east-1a", "us-east-1b", "us-east-1c"][:zones]
        specs = [
            {"name": "public", "type": "Public", "cidrBlocks": [f"10.0.{i}.0/24" for i in range(zones)]},
            {"name": "private", "type": "Private", "cidrBlocks": [f"10.0.{64 + i}.0/24" for i in range(zones)]},
        ]
        return {"cidrBlock": "10.0.0.0/16", "availabilityZoneNames": names, "subnetSpecs": specs}

    assert _forced("awsx:ec2:Vpc", vpc(old_zones), vpc(new_zones)).forces == forces


def test_awsx_vpc_without_explicit_blocks_recomputes_every_subnet() -> None:
    old = {"cidrBlock": "10.0.0.0/16", "availabilityZoneNames": ["a", "b"], "subnetSpecs": [{"type": "Private"}]}
    new = old | {"availabilityZoneNames": ["a", "b", "c"]}
    assert _forced("awsx:ec2:Vpc", old, new).forces == ("availabilityZoneNames",)


def test_update_of_a_type_without_data_says_so() -> None:
    entry = _forced("aws:sns/topic:Topic", {"bucket": "a"}, {"bucket": "b"})
    assert entry.kind == "update" and entry.unchecked
    text = render_markdown(
        diff_plans(
            plan(resource("r", "aws:sns/topic:Topic")), plan(resource("r", "aws:sns/topic:Topic", inputs={"x": 1}))
        )
    )
    assert "no ForceNew data for this type" in text
    # The program's own components have no data and need none.
    assert not _forced("container-platform:ecs:EcsService", {"a": 1}, {"a": 2}).unchecked


# --- stateful resources replaced or deleted ---------------------------------------------------


def test_stateful_replacements_and_removals_come_first() -> None:
    top = resource("registry", "container-platform:registry:SharedRegistry")
    key = resource("registry-key", "aws:kms/key:Key", parent=top["urn"], options={"retainOnDelete": True})
    logs = resource("registry-logs", "aws:cloudwatch/logGroup:LogGroup", parent=top["urn"], inputs={"name": "/a"})
    repo = resource("registry-web", "aws:ecr/repository:Repository", parent=top["urn"], inputs={"name": "web"})
    policy = resource("registry-web-policy", "aws:ecr/lifecyclePolicy:LifecyclePolicy", inputs={"policy": "{}"})
    base = plan(top, key, logs, repo, policy)
    head = plan(
        top,
        logs | {"inputs": {"name": "/b"}},
        repo | {"inputs": {"name": "web-2"}},
        policy | {"inputs": {"policy": '{"a": 1}'}},
    )

    diff = diff_plans(base, head)
    text = render_markdown(diff)

    assert [(r.kind, r.name) for r in diff.stateful] == [
        ("remove", "registry-key"),
        ("replace", "registry-logs"),
        ("replace", "registry-web"),
    ]
    lines = text.splitlines()
    assert lines[:2] == ["## Stateful resources replaced or deleted", ""]
    assert lines[2].startswith(
        "- **delete** `registry-key` `aws:kms/key:Key` (`registry` · us-east-1): removed from the program."
    )
    assert "`retainOnDelete`: Pulumi leaves the old one in the account" in lines[2]
    assert lines[3].startswith(
        "- **replace** `registry-logs` `aws:cloudwatch/logGroup:LogGroup` (`registry` · us-east-1): "
        "a change of `name` forces a new one. CloudWatch log group: its log events are deleted."
    )
    assert lines[4].startswith("- **replace** `registry-web` `aws:ecr/repository:Repository`")
    assert "`forceDelete` is off: deleting it fails while it holds images." in lines[4]
    assert lines[5:7] == ["", "### Offline plan diff: dev"]
    # The lifecycle policy is replaced too, but it holds no state.
    assert "registry-web-policy" not in "\n".join(lines[:5])
    assert diff.summary() == "0 to add, 1 to remove, 3 to replace, 0 to update, 1 unchanged"


def test_moved_stateful_resource_says_its_urn_moved() -> None:
    component = resource("ecs-efs", "container-platform:efs:SharedFileSystem")
    base = plan(resource("ecs-efs-fs", "aws:efs/fileSystem:FileSystem"))
    head = plan(component, resource("ecs-efs-fs", "aws:efs/fileSystem:FileSystem", parent=component["urn"]))
    line = render_markdown(diff_plans(base, head)).splitlines()[2]
    assert "its URN moved (parent `container-platform-dev` → `ecs-efs`) and no alias links the old one to it" in line
    assert "EFS file system: its files are lost" in line


def test_no_stateful_section_without_stateful_changes() -> None:
    base = plan(resource("a", "aws:iam/role:Role", inputs={"name": "x"}))
    head = plan(resource("a", "aws:iam/role:Role", inputs={"name": "y"}))
    diff = diff_plans(base, head)
    assert diff.of_kind("replace") and not diff.stateful
    assert render_markdown(diff).startswith("### Offline plan diff: dev\n")


def test_protected_resource_replaced_or_removed_says_the_update_fails() -> None:
    type_ = "aws:iam/role:Role"  # not stateful: protection alone puts it at the top
    protected = resource("role", type_, inputs={"name": "a"}, options={"protect": True})
    for head in (plan(protected | {"inputs": {"name": "b"}}), plan()):
        diff = diff_plans(plan(protected), head)
        [entry] = diff.stateful
        assert entry.protected
        text = render_markdown(diff)
        assert text.startswith("## Stateful resources replaced or deleted\n")
        assert "**Protected** (`protect: true`): `pulumi up` fails on it until protection is removed" in text


# --- real plans: replacements and stateful resources ------------------------------------------


def test_real_vpc_cidr_change_replaces_the_vpc(dev_base: dict[str, Any]) -> None:
    head = run_stack("dev", set_path(stack_config("dev"), "network.cidrs.us-east-1", "10.11.0.0/16")).to_json()

    diff = diff_plans(dev_base, head)
    text = render_markdown(diff)

    [vpc] = [r for r in diff.resources if r.type == "awsx:ec2:Vpc"]
    assert vpc.kind == "replace" and "cidrBlock" in vpc.forces
    assert text.startswith(
        "## Stateful resources replaced or deleted\n\n- **replace** `network-us-east-1-vpc` `awsx:ec2:Vpc`"
    )
    # The security groups that allow the VPC's CIDR (or its DNS resolver) change in place, and so does the
    # EKS nodes' egress rule to the VPC (a CIDR change is no switch of the rule's destination type).
    assert {r.type for r in diff.of_kind("update")} == {
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    }


def test_real_added_zone_adds_subnets_and_replaces_what_pins_its_subnets(dev_base: dict[str, Any]) -> None:
    head = run_stack("dev", set_path(stack_config("dev"), "network.azCount", 3)).to_json()

    diff = diff_plans(dev_base, head)

    replaced = {r.type: r.forces for r in diff.of_kind("replace")}
    # The VPC only gains subnets; EKS Fargate profiles and managed node groups pin theirs (ForceNew subnet_ids).
    assert "awsx:ec2:Vpc" not in replaced
    assert replaced["aws:eks/fargateProfile:FargateProfile"] == ("subnetIds",)
    assert replaced["eks:index:ManagedNodeGroup"] == ("subnetIds",)
    # Load balancers and services take the new subnet in place.
    updated = {r.type for r in diff.of_kind("update")}
    assert {"aws:lb/loadBalancer:LoadBalancer", "aws:ecs/service:Service"} <= updated
    assert not diff.stateful


def test_real_public_to_internal_load_balancer_with_deletion_protection(prod_base: dict[str, Any]) -> None:
    services = stack_config("prod")["container-platform:ecs"]["services"]
    index = next(i for i, s in enumerate(services) if s.get("loadBalancer", {}).get("public"))
    head = run_stack(
        "prod", set_path(stack_config("prod"), f"ecs.services[{index}].loadBalancer.public", False)
    ).to_json()

    diff = diff_plans(prod_base, head)
    text = render_markdown(diff)

    [lb] = diff.stateful
    assert lb.type == "aws:lb/loadBalancer:LoadBalancer" and lb.forces == ("internal",) and lb.deletion_protected
    assert text.startswith(f"## Stateful resources replaced or deleted\n\n- **replace** `{lb.name}`")
    assert "**Deletion protection is on**: the new one is created first, then deleting the old one fails" in text
    assert "(review m10)" in text


def test_real_removed_efs_in_prod_is_protected(prod_base: dict[str, Any]) -> None:
    head = run_stack("prod", set_path(stack_config("prod"), "eks.storage.efs", False)).to_json()

    diff = diff_plans(prod_base, head)
    text = render_markdown(diff)

    file_systems = [r for r in diff.stateful if r.type == "aws:efs/fileSystem:FileSystem"]
    assert file_systems and all(r.kind == "remove" and r.protected for r in file_systems)
    top = text.split("### Offline plan diff")[0]
    for fs in file_systems:
        line = next(line for line in top.splitlines() if f"`{fs.name}`" in line)
        assert line.startswith(f"- **delete** `{fs.name}` `aws:efs/fileSystem:FileSystem`")
        assert "EFS file system: its files are lost" in line and "**Protected**" in line


# --- the data: coverage, names and version ----------------------------------------------------


def test_force_new_covers_every_type_in_the_dev_and_prod_plans(
    dev_base: dict[str, Any], prod_base: dict[str, Any]
) -> None:
    used = {r["type"] for p in (dev_base, prod_base) for r in p["resources"] if r["type"].startswith(CHECKED)}
    missing = sorted(used - FORCE_NEW["types"].keys())
    assert not missing, f"add these types to offline_plan/force_new.json (see docs/diff.md): {missing}"
    assert {"aws:ecr/repository:Repository", "awsx:ec2:Vpc", "eks:index:Cluster"} <= used


def _resource_token(package: str, module: str, name: str) -> str | None:
    """The type token of the SDK resource class ``package.module.name`` (``None`` for Args classes and functions)."""
    import importlib
    import inspect
    import re

    import pulumi

    module_name = SDK_PACKAGES[package] + (f".{module}" if module else "")
    cls = getattr(importlib.import_module(module_name), name)
    if not (isinstance(cls, type) and issubclass(cls, pulumi.Resource)):
        return None
    source = Path(inspect.getfile(cls)).read_text()
    match = re.search(rf"""['"]((?:aws|awsx|eks):[\w/]*:{name})['"]""", source)
    assert match, f"no type token for {module_name}.{name}"
    return match.group(1)


def test_force_new_covers_every_resource_class_the_components_construct() -> None:
    import re

    # Also the types only an all-options config creates (FSx ONTAP, Secrets Manager, ECS Anywhere, ...).
    constructed: dict[str, set[str]] = {}
    for path in sorted((ROOT / "components").rglob("*.py")):
        for package, module, name in re.findall(r"\b(aws|awsx|eks)\.(?:([a-z0-9_]+)\.)?([A-Z]\w*)\(", path.read_text()):
            token = _resource_token(package, module, name)
            if token:
                constructed.setdefault(token, set()).add(path.name)
    missing = {t: sorted(files) for t, files in constructed.items() if t not in FORCE_NEW["types"]}
    assert not missing, f"add these types to offline_plan/force_new.json (see docs/diff.md): {missing}"
    assert {"aws:fsx/ontapFileSystem:OntapFileSystem", "aws:secretsmanager/secret:Secret"} <= constructed.keys()


def _args_class(token: str) -> type:
    import importlib

    package, module, name = token.split(":")
    top = module.split("/")[0]
    if package == "aws":
        module_name = "pulumi_aws." + ("lambda_" if top == "lambda" else top)
    elif package == "awsx":
        module_name = f"pulumi_awsx.{top}"
    else:
        module_name = "pulumi_eks"
    module = importlib.import_module(module_name)
    # The SDK names a resource's args <Name>InitArgs when <Name>Args is taken by a nested input type
    # (s3 BucketServerSideEncryptionConfiguration).
    return getattr(module, f"{name}InitArgs", None) or getattr(module, f"{name}Args")


def _sdk_properties(cls: type) -> dict[str, property]:
    return {getattr(p.fget, "_pulumi_name", k): p for k, p in vars(cls).items() if isinstance(p, property)}


def _sdk_path_error(cls: type, path: str) -> str | None:
    """Why ``path`` (``dnsOptions.privateDnsPreference``) is not an input of ``cls``, or ``None``."""
    import importlib
    import re

    segments = path.split(".")
    for depth, segment in enumerate(segments):
        properties = _sdk_properties(cls)
        if segment not in properties:
            return f"{segment!r} is not a property of {cls.__name__}"
        if depth == len(segments) - 1:
            return None
        annotation = str(properties[segment].fget.__annotations__.get("return", ""))
        nested = re.findall(r"([\w.]+Args)\b", annotation)
        if not nested:
            return f"{segment!r} of {cls.__name__} has no nested inputs"
        module_name, _, class_name = nested[-1].rpartition(".")
        module = importlib.import_module(module_name or cls.__module__)
        cls = getattr(module, class_name, None) or getattr(
            importlib.import_module(cls.__module__.rsplit(".", 1)[0]), class_name
        )
    return None


def test_force_new_paths_exist_in_the_sdk() -> None:
    """Every property named in the data is a Pulumi input name of its type (catches snake_case and renames)."""
    errors = []
    for token, spec in FORCE_NEW["types"].items():
        cls = _args_class(token)
        rules = spec.get("conditional", [])
        paths = [*spec["forceNew"], *spec.get("forceNewOnAddOrRemove", [])]
        paths += [p for rule in rules for p in rule["properties"]] + [
            rule["when"]["path"] for rule in rules if "when" in rule
        ]
        errors += [f"{token} {path}: {error}" for path in paths if (error := _sdk_path_error(cls, path))]
        assert spec["source"] and spec["commit"], token
    assert not errors, errors


def test_force_new_data_matches_the_installed_pulumi_aws() -> None:
    from importlib.metadata import version

    installed = version("pulumi-aws")
    assert ".".join(installed.split(".")[:2]) == FORCE_NEW["pulumiAws"], (
        f"pulumi-aws {installed} is installed but offline_plan/force_new.json was read for {FORCE_NEW['pulumiAws']}: "
        "update force_new.json from the upstream source of the new version (docs/diff.md)"
    )
    assert FORCE_NEW["upstream"]["repo"] == "hashicorp/terraform-provider-aws" and FORCE_NEW["upstream"]["commit"]
