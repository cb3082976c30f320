"""Five-field cron expressions, checked field by field as a drift schedule's ``scheduleCron``.

Pulumi documents drift schedules with the standard five fields (``0 0 * * *``); this module
accepts that grammar and nothing looser, so a schedule the service might refuse (or read
differently) fails here with the field named instead of at ``pulumi up``:

- ``*``, a number, a range ``a-b``, each optionally with a step ``/n``, and lists of those;
- month names ``JAN``-``DEC`` and weekday names ``SUN``-``SAT`` (any case), also in ranges;
- no ``@daily``-style shortcuts, no Quartz extensions (``?``, ``L``, ``W``, ``#``), no seconds field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FIELDS", "CronField", "cron_problem"]


@dataclass(frozen=True)
class CronField:
    """One position of the expression: its name, range and the names it accepts."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names for ``low``, ``low + 1``, ... (months from 1, weekdays from 0)."""

    def value(self, text: str) -> int:
        """The number ``text`` stands for; ValueError naming the field and its range otherwise."""
        upper = text.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        if not text.isdigit():
            named = f" or {self.names[0]}-{self.names[-1]}" if self.names else ""
            raise ValueError(f"{self.name} field: {text!r} is not a number{named}")
        number = int(text)
        if not self.low <= number <= self.high:
            raise ValueError(f"{self.name} field: {number} is outside {self.low}-{self.high}")
        return number


MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

FIELDS = (
    CronField("minute", 0, 59),
    CronField("hour", 0, 23),
    CronField("day-of-month", 1, 31),
    CronField("month", 1, 12, MONTHS),
    CronField("day-of-week", 0, 7, WEEKDAYS),  # 0 and 7 are both Sunday
)

_ITEM = re.compile(r"^(?P<base>\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>[^/]*))?$")


def _check_item(field: CronField, item: str) -> None:
    match = _ITEM.match(item)
    if match is None:
        raise ValueError(f"{field.name} field: {item!r} is not '*', a value, a range a-b or one of those with /step")
    base, step = match["base"], match["step"]
    if base != "*":
        low_text, _, high_text = base.partition("-")
        low = field.value(low_text)
        if high_text:
            high = field.value(high_text)
            if low > high:
                raise ValueError(f"{field.name} field: range {base!r} runs backwards")
    if step is not None:
        if not step.isdigit() or int(step) == 0:
            raise ValueError(f"{field.name} field: step {step!r} must be a whole number of at least 1")
        if int(step) > field.high:
            raise ValueError(f"{field.name} field: step {step} is larger than {field.high}")


def cron_problem(expression: str) -> str | None:
    """None when ``expression`` is a valid five-field cron expression, else what is wrong with it."""
    if expression.startswith("@"):
        return f"{expression.split()[0]!r} shortcuts are not accepted; write the five fields (for @daily: '0 0 * * *')"
    parts = expression.split(" ")
    if len(parts) != len(FIELDS) or any(not part for part in parts):
        return (
            "expected five fields separated by single spaces: minute hour day-of-month month day-of-week "
            f"(UTC), such as '0 6 * * *'; got {len(expression.split())}"
        )
    for field, part in zip(FIELDS, parts, strict=True):
        for item in part.split(","):
            try:
                _check_item(field, item)
            except ValueError as err:
                return str(err)
    return None
