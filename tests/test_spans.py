"""Overlap resolution, windows around triggers and blanking (extractor/spans.py)."""
from __future__ import annotations

from hypothesis import given, strategies as st

import regex

from extractor.spans import blank_outside, longest_non_overlapping, windows


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


def test_windows_merge_and_reach_back_to_the_start_of_a_word():
    text = "Angka Covid-19 dan 2024 lalu, lalu 7"
    found = windows([(12, 14), (19, 23), (35, 36)], text, 2, 3)
    assert found == [(6, 26), (30, 36)]          # "Covid-19 ... 2024" merged; each back to a word start
    assert windows([(12, 14)], text, 2, 3, whole_words=False) == [(10, 17)]


@given(st.text(alphabet="ab 12-\n", max_size=60))
def test_a_pattern_finds_in_windows_what_it_finds_in_the_whole_text(text):
    # Every match of the pattern holds a digit and reaches at most 3 characters past it: windows around
    # the digits, 3 wide after, must find the same.
    pattern = regex.compile(r"[0-9]+(?:-[ab]{1,2})?")
    spans = windows([m.span() for m in regex.finditer(r"[0-9]+", text)], text, 0, 3)
    found = [m.span() for start, end in spans for m in pattern.finditer(text, start, end)]
    assert found == [m.span() for m in pattern.finditer(text)]


def test_blank_outside_keeps_length_offsets_and_line_breaks():
    text = "Judul\nbaris tanpa angka\nada 98 persen\n"
    kept = blank_outside(text, [(0, 5), (24, 37)])
    assert len(kept) == len(text)
    assert kept.split("\n") == ["Judul", " " * len("baris tanpa angka"), "ada 98 persen", ""]
