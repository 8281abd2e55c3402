"""Choosing among overlapping mentions: the longest wins, then the leftmost. Shared by every finder."""
from __future__ import annotations

import bisect
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def longest_non_overlapping(items: Iterable[T], span: Callable[[T], tuple[int, int]]) -> list[T]:
    """The items whose spans do not overlap, preferring longer ones, in text order. O(n log n): kept spans
    sit in a sorted list and a candidate is checked against its two neighbours only (kept spans never
    overlap, so no other one can)."""
    starts: list[int] = []
    kept: list[tuple[int, int, T]] = []
    for item in sorted(items, key=lambda it: (span(it)[0] - span(it)[1], span(it)[0])):
        start, end = span(item)
        i = bisect.bisect_left(starts, start)
        if i < len(kept) and kept[i][0] < end:
            continue
        if i > 0 and kept[i - 1][1] > start:
            continue
        starts.insert(i, start)
        kept.insert(i, (start, end, item))
    return [item for _, _, item in kept]
