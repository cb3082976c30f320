"""README.md's "Repository layout" matches the tree: every path it lists exists, and it lists every
top-level directory and every package under components/."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"^## Repository layout\n(.*?)(?=^## |\Z)", re.M | re.S)
ROW = re.compile(r"^\|\s*(.*?)\s*\|", re.M)


def listed(readme: str) -> list[str]:
    """The backticked paths in the first column of the layout table."""
    match = SECTION.search(readme)
    assert match, "README.md has no '## Repository layout' section"
    paths: list[str] = []
    for cell in ROW.findall(match.group(1)):
        paths += re.findall(r"`([^`]+)`", cell)
    return paths


def _ignored(path: Path) -> bool:
    result = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT, check=False)
    return result.returncode == 0


def top_level_directories() -> set[str]:
    return {f"{p.name}/" for p in ROOT.iterdir() if p.is_dir() and p.name != ".git" and not _ignored(p)}


def component_packages() -> set[str]:
    return {
        f"components/{p.name}/" for p in (ROOT / "components").iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }


PATHS = listed((ROOT / "README.md").read_text())


def test_every_listed_path_exists() -> None:
    assert PATHS
    assert [p for p in PATHS if not (ROOT / p).exists()] == []


def test_every_top_level_directory_is_listed() -> None:
    assert sorted(top_level_directories() - set(PATHS)) == []


def test_every_components_package_is_listed() -> None:
    expected = {"components/network/", "components/ecs/", "components/eks/", "components/registry/", "components/efs/"}
    assert sorted((component_packages() | expected) - set(PATHS)) == []
