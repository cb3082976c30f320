"""Generated blocks inside hand-written pages: ``<!-- BEGIN GENERATED: name -->`` ... ``<!-- END GENERATED -->``."""

from __future__ import annotations

import re


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n)(.*?)(<!-- END GENERATED: {re.escape(name)} -->)", re.S
    )


def replace_block(text: str, name: str, content: str) -> str:
    """``text`` with the body of block ``name`` replaced by ``content``; the text around it stays."""
    pattern = _pattern(name)
    if not pattern.search(text):
        raise ValueError(f"no <!-- BEGIN GENERATED: {name} --> ... <!-- END GENERATED: {name} --> block")
    return pattern.sub(lambda m: m.group(1) + content + m.group(3), text, count=1)


def read_block(text: str, name: str) -> str:
    """The current body of block ``name``."""
    match = _pattern(name).search(text)
    if match is None:
        raise ValueError(f"no generated block {name}")
    return match.group(2)


def page_with_block(existing: str | None, name: str, content: str, intro: str) -> str:
    """The page with block ``name`` refreshed; a page that does not exist yet starts from ``intro``."""
    if existing is None:
        existing = f"{intro}\n<!-- BEGIN GENERATED: {name} -->\n<!-- END GENERATED: {name} -->\n"
    return replace_block(existing, name, content)
