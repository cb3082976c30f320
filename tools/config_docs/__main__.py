"""``python -m tools.config_docs [--check]``: write (or check) the documents generated from the settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from tools.config_docs import catalogue, reference, schema
from tools.config_docs.blocks import page_with_block

ROOT = Path(__file__).resolve().parent.parent.parent

CONFIGURATION = ROOT / "docs" / "configuration.md"
ERRORS = ROOT / "docs" / "errors.md"
SCHEMA = ROOT / "schema" / "stack-config.schema.json"

ERRORS_BLOCK = "errors"


def _configuration(existing: str | None) -> str:
    return page_with_block(existing, reference.BLOCK, reference.render(), "# Configuration reference\n")


def _errors(existing: str | None) -> str:
    return page_with_block(existing, ERRORS_BLOCK, catalogue.render(), "# Settings errors and warnings\n")


def _schema(existing: str | None) -> str:
    return schema.render()


BUILDERS: dict[Path, Callable[[str | None], str]] = {
    CONFIGURATION: _configuration,
    ERRORS: _errors,
    SCHEMA: _schema,
}


def generated() -> dict[Path, tuple[str | None, str]]:
    """Each generated file: (what is on disk, or None, and what it should be)."""
    result: dict[Path, tuple[str | None, str]] = {}
    for path, build in BUILDERS.items():
        existing = path.read_text(encoding="utf-8") if path.exists() else None
        result[path] = (existing, build(existing))
    return result


def main(argv: list[str] | None = None) -> int:
    """Write the stale files, or with ``--check`` only name them (exit 1)."""
    parser = argparse.ArgumentParser(prog="tools.config_docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; fail when a file is stale")
    args = parser.parse_args(argv)
    results = generated()
    stale = [path for path, (existing, wanted) in results.items() if existing != wanted]
    for path in stale:
        name = path.relative_to(ROOT)
        if args.check:
            print(f"stale: {name} (run make docs)", file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(results[path][1], encoding="utf-8")
            print(f"wrote {name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
