"""Overlap resolution (extractor/spans.py)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from extractor.spans import longest_non_overlapping


def test_longest_wins_then_leftmost():
    items = [(0, 4), (2, 10), (9, 12), (12, 14), (3, 5)]
    assert longest_non_overlapping(items, lambda s: s) == [(2, 10), (12, 14)]


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1])), max_size=40))
def test_result_never_overlaps_and_is_maximal(items):
    kept = longest_non_overlapping(items, lambda s: s)
    assert all(a[1] <= b[0] for a, b in zip(kept, kept[1:]))
    for item in items:  # anything left out overlaps something kept that is at least as long
        if item not in kept:
            assert any(k[0] < item[1] and item[0] < k[1] and k[1] - k[0] >= item[1] - item[0] for k in kept)
