"""The price table (``prices.json``): one row per price key and region, each with its source and read date.

A row's ``region`` is an AWS region or ``"*"`` for a list price that is the same in every region
of the table (EKS control planes, public IPv4 addresses, KMS keys). ``source`` is the AWS pricing
page the figure is published on, or ``"not verified"`` with ``page`` naming where to confirm it;
``checked`` is a page that quoted the same figure when the row was read. ``tools/refresh_prices.py``
rewrites the rows from the AWS Price List Query API.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

PRICES_FILE: Final = Path(__file__).with_name("prices.json")
"""The committed price table."""

REGIONS: Final = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")
"""Regions the table covers; a plan in another region gets "no price row" lines, never a guess."""

NOT_VERIFIED: Final = "not verified"
"""The ``source`` of a row whose figure could not be confirmed from a published page."""


@dataclass(frozen=True)
class PriceRow:
    """One list price: ``usd`` per ``unit`` for ``key`` in ``region``."""

    key: str
    region: str
    usd: float
    unit: str
    source: str
    """The AWS pricing page (or the Price List API) the figure comes from, or ``not verified``."""
    read: str
    """The date (YYYY-MM-DD) the figure was read."""
    checked: str = ""
    """A second page that quoted the same figure on the read date."""
    page: str = ""
    """For an unverified row: the AWS page where the figure is to be confirmed."""
    note: str = ""

    @property
    def verified(self) -> bool:
        """Whether the row names a source (not ``not verified``)."""
        return self.source != NOT_VERIFIED

    def cite(self) -> str:
        """``key@region (source, read date)`` for a cost line."""
        where = self.source if self.verified else f"not verified; see {self.page}"
        return f"{self.key}@{self.region} ({where}, read {self.read})"


@dataclass(frozen=True)
class PriceTable:
    """Every row of the table, looked up by key and region (a ``*`` row answers for any region)."""

    rows: tuple[PriceRow, ...]
    hours_per_month: float = 730.0
    """AWS's convention for monthly estimates (the pricing calculator uses 730 hours)."""

    def get(self, key: str, region: str) -> PriceRow | None:
        """The row for ``key`` in ``region``, else its ``*`` row, else ``None``."""
        index = self._index()
        return index.get((key, region)) or index.get((key, "*"))

    def _index(self) -> dict[tuple[str, str], PriceRow]:
        return _index_rows(self.rows)


@functools.cache
def _index_rows(rows: tuple[PriceRow, ...]) -> dict[tuple[str, str], PriceRow]:
    return {(r.key, r.region): r for r in rows}


def parse_rows(items: Iterable[Mapping[str, Any]]) -> tuple[PriceRow, ...]:
    """Rows from the JSON list, with the optional fields defaulted."""
    return tuple(
        PriceRow(
            key=str(i["key"]),
            region=str(i["region"]),
            usd=float(i["usd"]),
            unit=str(i["unit"]),
            source=str(i["source"]),
            read=str(i["read"]),
            checked=str(i.get("checked", "")),
            page=str(i.get("page", "")),
            note=str(i.get("note", "")),
        )
        for i in items
    )


@functools.cache
def load(path: Path = PRICES_FILE) -> PriceTable:
    """The price table in ``path`` (default: the committed ``prices.json``)."""
    data = json.loads(path.read_text())
    return PriceTable(rows=parse_rows(data["rows"]), hours_per_month=float(data.get("hoursPerMonth", 730)))
