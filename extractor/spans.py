"""Spans shared by every finder: choosing among overlapping mentions (the longest wins, then the leftmost),
and the windows around cheap triggers that a costly pattern is run in."""
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


def windows(triggers: Iterable[tuple[int, int]], text: str, before: int, after: int,
            whole_words: bool = True) -> list[tuple[int, int]]:
    """Merged windows reaching `before` characters ahead of each trigger span and `after` past it (with
    `whole_words`, each start moved back to the whitespace before it, so no window begins inside a word).
    A pattern whose every match holds a trigger, and reaches no further from it than that, finds in these
    windows exactly what it finds in the whole text (lookbehinds still see the text before a window)."""
    merged: list[list[int]] = []
    for start, end in triggers:
        low = max(0, start - before)
        floor = max(0, low - WORD_LIMIT) if whole_words else low
        while low > floor and not text[low - 1].isspace():
            low -= 1
        high = min(len(text), end + after)
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [(low, high) for low, high in merged]


WORD_LIMIT = 256   # a "word" longer than this is no word: a window need not reach its start


def blank_outside(text: str, keep: list[tuple[int, int]]) -> str:
    """`text` with everything outside the sorted, disjoint `keep` spans turned to blanks (line breaks
    stay): the same length, so every offset found in it is an offset into `text`."""
    pieces, cursor = [], 0
    for start, end in keep:
        pieces.append(_blank(text[cursor:start]))
        pieces.append(text[start:end])
        cursor = end
    pieces.append(_blank(text[cursor:]))
    return "".join(pieces)


def _blank(text: str) -> str:
    return "\n".join(" " * len(part) for part in text.split("\n"))
