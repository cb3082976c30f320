"""Small helpers for working with outputs of lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def nth(index: int) -> Callable[[Sequence[str]], str]:
    """An ``apply`` callback picking one element, e.g. the i-th private subnet for a mount target."""
    return lambda items: items[index]
