"""A change under policy/ needs a new pack version: the committed record (policy/release.json) proves it.

Published pack versions are immutable and Pulumi Cloud rejects a version tag twice, so the files
published under a version must never change. CI runs on a fresh clone with no base ref to diff
against, hence a committed record: ``make policy-hash`` writes the version, the sha256 of the
files git tracks under ``policy/`` (the record itself excluded) and the policy list the
deployment project publishes inline. This test recomputes the hash and fails when the files
changed under the recorded version, or when the version changed without a new record.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "deployment") not in sys.path:
    sys.path.insert(0, str(ROOT / "deployment"))

from deploy_components.guardrails import (  # noqa: E402
    POLICY_DIR,
    RECORD_NAME,
    PackRecord,
    PolicyPackError,
    analyzer_policies,
    pack_source,
    pack_version,
    read_record,
    record_problem,
    record_text,
    write_record,
)

CHANGED = "policy/ changed: bump version in policy/PulumiPolicy.yaml and run `make policy-hash`"


def test_policy_changes_come_with_a_version_bump() -> None:
    problem = record_problem(POLICY_DIR, pack_source(POLICY_DIR))
    if problem is not None:
        pytest.fail(problem, pytrace=False)


def test_the_recorded_policies_are_what_the_pack_reports() -> None:
    recorded = read_record(POLICY_DIR)
    assert recorded is not None
    assert recorded.policies == analyzer_policies(POLICY_DIR), "policy/release.json is stale: run `make policy-hash`"


def test_the_hash_covers_the_tracked_files_only() -> None:
    source = pack_source(POLICY_DIR)
    paths = {f.path for f in source.files}
    assert {"PulumiPolicy.yaml", "__main__.py", "requirements.txt", "guardrails/pack.py"} <= paths
    assert RECORD_NAME not in paths
    assert not any(part in ("venv", "__pycache__") for p in paths for part in Path(p).parts)


# --- The check itself, on a copy of the pack -------------------------------------------------


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of the tracked pack and its record, outside git (the check then walks the directory)."""
    tracked = subprocess.run(
        ["git", "-C", str(POLICY_DIR), "ls-files", "-z", "--", "."], capture_output=True, check=True
    ).stdout.decode()
    copy = tmp_path / "policy"
    for rel in filter(None, tracked.split("\0")):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(POLICY_DIR / rel, copy / rel)
    # A record of the copy as it is (whatever state the work tree is in), without the policy list.
    (copy / RECORD_NAME).write_text(record_text(PackRecord(pack_version(copy), pack_source(copy).sha256)))
    assert record_problem(copy) is None
    return copy


def _edit_a_rule(pack: Path) -> None:
    rules = pack / "guardrails" / "rules" / "ecr.py"
    rules.write_text(rules.read_text().replace('"""', '"""A changed word. ', 1))


def _bump(pack: Path, version: str) -> None:
    manifest = pack / "PulumiPolicy.yaml"
    manifest.write_text(manifest.read_text().replace(f"version: {pack_version(pack)}", f"version: {version}"))


def test_a_changed_file_under_the_recorded_version_fails(pack: Path) -> None:
    _edit_a_rule(pack)
    assert record_problem(pack) == CHANGED


def test_a_new_file_under_the_recorded_version_fails(pack: Path) -> None:
    (pack / "guardrails" / "rules" / "s3.py").write_text('"""S3 rules."""\n')
    assert record_problem(pack) == CHANGED


def test_venvs_and_caches_do_not_count(pack: Path) -> None:
    (pack / "venv" / "bin").mkdir(parents=True)
    (pack / "venv" / "bin" / "python").write_text("#!/bin/sh\n")
    (pack / "guardrails" / "__pycache__").mkdir()
    (pack / "guardrails" / "__pycache__" / "pack.cpython-311.pyc").write_bytes(b"\0")
    assert record_problem(pack) is None


def test_a_bumped_version_without_a_new_record_fails(pack: Path) -> None:
    _edit_a_rule(pack)
    _bump(pack, "9.9.9")
    problem = record_problem(pack)
    assert problem is not None
    assert "version 9.9.9 but policy/release.json records" in problem and "make policy-hash" in problem


def test_make_policy_hash_refuses_new_content_under_a_recorded_version(pack: Path) -> None:
    _edit_a_rule(pack)
    with pytest.raises(PolicyPackError, match=r"already recorded with other content: bump version"):
        write_record(pack)
    assert record_problem(pack) == CHANGED


def test_make_policy_hash_records_a_bumped_version(pack: Path) -> None:
    _edit_a_rule(pack)
    _bump(pack, "9.9.9")
    recorded = write_record(pack)
    assert recorded.version == "9.9.9"
    assert record_problem(pack) is None
    assert read_record(pack) == recorded


# --- The workflows prepare the pack and pin what they run --------------------------------------


def _workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return loaded


def test_the_manual_preview_builds_policy_venv_before_running_the_pack() -> None:
    # The CLI does not create policy/venv for `--policy-pack policy` (DELIVERY-REVIEW M4).
    (job,) = _workflow("pulumi-preview.yml")["jobs"].values()
    steps = job["steps"]
    env = next(i for i, s in enumerate(steps) if s.get("run", "").strip() == "make policy-env")
    preview = next(i for i, s in enumerate(steps) if "pulumi/actions@" in s.get("uses", ""))
    assert env < preview and steps[preview]["with"]["policyPacks"] == "policy"
    # Credentials only in the protected environment, and no stored Pulumi token.
    assert job["environment"] == "pulumi-preview"
    assert any("pulumi/auth-actions@" in s.get("uses", "") for s in steps)
    assert "secrets." not in (ROOT / ".github" / "workflows" / "pulumi-preview.yml").read_text()


def test_every_action_is_pinned_to_a_commit() -> None:
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for line in path.read_text().splitlines():
            if line.strip().startswith(("uses:", "- uses:")):
                assert re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), (path.name, line)
