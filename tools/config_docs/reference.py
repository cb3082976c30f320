"""``docs/configuration.md``'s generated block: every key with its type, default, allowed values and meaning."""

from __future__ import annotations

from tools.config_docs.fields import Row, Table, tables, top_level_rows

BLOCK = "configuration"

HEADER = "| Key | Type | Default | Allowed | Description |\n|---|---|---|---|---|\n"


def _row(row: Row) -> str:
    return f"| `{row.key}` | {row.type} | {row.default} | {row.allowed} | {row.description} |\n"


def _heading(table: Table) -> str:
    return "### " + " / ".join(f"`{path}`" for path in table.paths) + "\n"


def _intro(table: Table) -> str:
    doc = " ".join((table.model.__doc__ or "").split("\n\n")[0].split())
    return doc.replace("``", "`") + "\n" if doc else ""


def render() -> str:
    """The block's Markdown: the top-level keys, then one table per model."""
    parts = [
        "<!-- Generated from settings/models.py by `make docs` (tools/config_docs); edit the docstrings there. -->\n",
        "\n### Top level\n\n",
        HEADER,
        *(_row(row) for row in top_level_rows()),
    ]
    for table in tables():
        parts += ["\n", _heading(table), "\n", _intro(table), "\n" if _intro(table) else "", HEADER]
        parts += [_row(row) for row in table.rows]
    return "".join(parts)
