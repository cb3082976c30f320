"""The policy pack published to Pulumi Cloud and enforced on the platform stacks by a policy group."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_deploy_program import STACK, run

from deploy_components.guardrails import (
    PACK_NAME,
    POLICY_DIR,
    RECORD_NAME,
    Guardrails,
    GuardrailsArgs,
    PolicyPackError,
    default_staging_root,
    expected_tree,
    pack_source,
    pack_version,
    read_record,
    stage,
    tree,
)
from deploy_settings import ConfigError, parse
from offline_plan.recorder import Plan, record, stack_config

DEPLOYMENT = Path(__file__).resolve().parent.parent
PACK = "pulumiservice:index:PolicyPack"
GROUP = "pulumiservice:index:PolicyGroup"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run(stack_config(STACK, DEPLOYMENT))


def test_the_repository_pack_is_published_with_its_manifest_version(plan: Plan) -> None:
    (pack,) = plan.of_type(PACK)
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    recorded = read_record(POLICY_DIR)
    assert recorded is not None
    assert pack.inputs == {
        "name": PACK_NAME,
        "organization": "acme",
        "sourcePath": str(default_staging_root() / recorded.sha256),
        "versionTag": manifest["version"],
        "policies": recorded.policies,
    }
    assert recorded.version == manifest["version"]
    assert plan.exports["policyPackVersion"] == manifest["version"]


def test_the_policies_go_inline_so_the_provider_starts_no_analyzer(plan: Plan) -> None:
    # policy_pack.go resolvePolicies: only an empty `policies` makes the provider run policy/venv/bin/python.
    (pack,) = plan.of_type(PACK)
    names = [p["name"] for p in pack.inputs["policies"]]
    assert len(names) > 40 and names == sorted(names)
    assert {"name", "description", "enforcementLevel", "configSchema"} <= set(pack.inputs["policies"][0])


def test_the_published_source_is_a_copy_of_the_tracked_files_only(plan: Plan) -> None:
    (pack,) = plan.of_type(PACK)
    published = Path(pack.inputs["sourcePath"])
    tracked = subprocess.run(
        ["git", "-C", str(POLICY_DIR), "ls-files", "--", "."], capture_output=True, text=True, check=True
    ).stdout.split()
    files = {rel for rel, entry in tree(published).items() if entry.startswith("file ")}
    assert files == set(tracked) - {RECORD_NAME}
    assert "PulumiPolicy.yaml" in files and "__main__.py" in files
    assert not any(part in ("venv", "__pycache__") for f in files for part in Path(f).parts)
    # The provider's upload honours every .gitignore above sourcePath (the root one ignores build/):
    # the copy lives outside the repository, with no .gitignore above it.
    assert POLICY_DIR.parent not in published.parents
    assert not any((d / ".gitignore").exists() for d in published.parents)


def test_a_group_applies_the_pack_to_every_deployed_stack_in_audit_mode_first(plan: Plan) -> None:
    # The committed config starts in audit (DELIVERY-REVIEW m11): preventative after one clean run.
    (group,) = plan.of_type(GROUP)
    assert group.inputs["mode"] == "audit"
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


def test_guardrails_can_be_preventative_or_off(platform_config: dict[str, Any]) -> None:
    platform_config["container-platform-deployment:guardrails"] = {"mode": "preventative"}
    (group,) = run(platform_config).of_type(GROUP)
    assert group.inputs["mode"] == "preventative"
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


# --- The published pack does not depend on untracked files -------------------------------------


def _copy_tracked_pack(into: Path) -> Path:
    """A copy of the repository's pack (tracked files and the record), as a clean clone has it."""
    tracked = subprocess.run(
        ["git", "-C", str(POLICY_DIR), "ls-files", "-z", "--", "."], capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, tracked.split("\0")):
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(POLICY_DIR / rel, target)
    if not (into / RECORD_NAME).exists():  # not committed yet in this work tree
        shutil.copyfile(POLICY_DIR / RECORD_NAME, into / RECORD_NAME)
    return into


def _add_untracked_junk(policy_dir: Path) -> None:
    """What a working copy grows: the pack's venv (symlinks included), bytecode, caches, notes."""
    (policy_dir / "venv" / "bin").mkdir(parents=True)
    (policy_dir / "venv" / "bin" / "python").symlink_to("/usr/bin/python3")
    (policy_dir / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for where in (policy_dir, policy_dir / "guardrails", policy_dir / "guardrails" / "rules"):
        (where / "__pycache__").mkdir()
        (where / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (policy_dir / ".pytest_cache").mkdir()
    (policy_dir / ".pytest_cache" / "README.md").write_text("cache")
    (policy_dir / "guardrails" / "stray.pyc").write_bytes(b"\x00")


def _published(policy_dir: Path, staging: Path) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The PolicyPack inputs a program with this pack registers, the staged tree, and the warnings."""

    def program() -> None:
        Guardrails(
            "guardrails",
            GuardrailsArgs(
                organization="acme", project="p", stacks=["dev"], policy_dir=policy_dir, staging_dir=staging
            ),
        )

    plan = record(program, stack="test", config={})
    (pack,) = plan.of_type(PACK)
    return pack.inputs, tree(Path(pack.inputs["sourcePath"])), plan.warnings


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True)


def test_untracked_files_in_a_git_work_tree_change_nothing_that_is_published(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    policy_dir = _copy_tracked_pack(repo / "policy")
    _git(repo, "init", "-q")
    _git(repo, "add", "policy")
    before, staged_before, warnings_before = _published(policy_dir, tmp_path / "stage")
    assert warnings_before == []

    _add_untracked_junk(policy_dir)
    (policy_dir / "guardrails" / "rules" / "notes.py").write_text("# not added to git\n")
    after, staged_after, warnings_after = _published(policy_dir, tmp_path / "stage")

    assert pack_source(policy_dir).selection == "git"
    assert after == before
    assert staged_after == staged_before
    # A file git would track but does not is named, so a forgotten `git add` does not go unnoticed.
    assert any("guardrails/rules/notes.py" in w and "git add" in w for w in warnings_after), warnings_after
    assert not any("venv" in w or "__pycache__" in w for w in warnings_after)


def test_without_git_venvs_caches_and_bytecode_are_left_out(tmp_path: Path) -> None:
    policy_dir = _copy_tracked_pack(tmp_path / "policy")
    before, staged_before, _ = _published(policy_dir, tmp_path / "stage")
    _add_untracked_junk(policy_dir)
    after, staged_after, _ = _published(policy_dir, tmp_path / "stage")
    assert pack_source(policy_dir).selection == "walk"
    assert after == before and staged_after == staged_before
    assert RECORD_NAME not in staged_after


def test_the_same_files_give_the_same_source_on_every_machine(tmp_path: Path) -> None:
    # Another checkout (other umask, other location, executable bits) stages the same tree:
    # the provider's fingerprint covers paths, modes and bytes.
    source = pack_source(POLICY_DIR)
    other = _copy_tracked_pack(tmp_path / "elsewhere" / "policy")
    for path in other.rglob("*"):
        path.chmod(0o775 if path.is_dir() else 0o664)
    mine = stage(source, tmp_path / "a")
    previous = os.umask(0o002)  # a machine whose files come out group-writable
    try:
        theirs = stage(pack_source(other), tmp_path / "b")
    finally:
        os.umask(previous)
    assert mine.name == theirs.name == source.sha256
    assert tree(mine) == tree(theirs) == expected_tree(source)
    assert {entry.split()[1] for entry in tree(mine).values()} <= {"644", "755"}


def test_a_damaged_staged_copy_is_staged_again(tmp_path: Path) -> None:
    source = pack_source(POLICY_DIR)
    staged = stage(source, tmp_path)
    (staged / "PulumiPolicy.yaml").write_text("changed behind our back\n")
    (staged / "extra.txt").write_text("x")
    assert stage(source, tmp_path) == staged
    assert tree(staged) == expected_tree(source)


def test_staging_below_a_gitignore_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("build/\n")
    with pytest.raises(PolicyPackError, match=r"\.gitignore applies to it.*set TMPDIR"):
        stage(pack_source(POLICY_DIR), tmp_path / "build" / "policy-src")


# --- The program refuses a pack that does not match its record -------------------------------


def test_a_changed_pack_without_a_version_bump_is_not_published(tmp_path: Path) -> None:
    policy_dir = _copy_tracked_pack(tmp_path / "policy")
    rules = policy_dir / "guardrails" / "rules" / "ecr.py"
    rules.write_text(rules.read_text() + "\n# a change\n")
    with pytest.raises(PolicyPackError, match=r"policy/ changed: bump version in policy/PulumiPolicy.yaml"):
        _published(policy_dir, tmp_path / "stage")


def test_a_version_bump_without_a_new_record_is_not_published(tmp_path: Path) -> None:
    policy_dir = _copy_tracked_pack(tmp_path / "policy")
    manifest = policy_dir / "PulumiPolicy.yaml"
    manifest.write_text(manifest.read_text().replace(f"version: {pack_version()}", "version: 9.9.9"))
    with pytest.raises(PolicyPackError, match=r"version 9.9.9 but policy/release.json records .*make policy-hash"):
        _published(policy_dir, tmp_path / "stage")


def test_a_pack_without_a_record_is_not_published(tmp_path: Path) -> None:
    policy_dir = _copy_tracked_pack(tmp_path / "policy")
    (policy_dir / RECORD_NAME).unlink()
    with pytest.raises(PolicyPackError, match=r"policy/release.json is missing: run `make policy-hash`"):
        _published(policy_dir, tmp_path / "stage")
