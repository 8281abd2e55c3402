"""Literal prefixes of rule patterns and the scans built on them (extractor/literals.py).

The scans must find exactly what a plain regex scan finds: each property below compares them with the
slow way (a search at every character) on texts made of the rules' own words, cut and mixed.
"""
from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import cues, dates
from extractor.literals import PrefixIndex, find_each, literal_prefixes, max_width
from extractor.ruledata import load_rules, rule_regex


@pytest.mark.parametrize("pattern,expected", [
    ("(?:jumlah |total )?peserta", {"jumlah", "total ", "pesert"}),   # optional parts give both ways
    ("kab(?:upaten)?", {"kab", "kabupa"}),                           # a literal may end early
    ("BP|PBI\\w*", {"bp", "pbi"}),                                   # lower-cased; a class ends it
    ("[0-9]{1,2}/[0-9]", set("0123456789")),                         # a small first class is listed
    ("(?<![\\p{L}\\d])tahun ini", {"tahun "}),                      # lookarounds take no characters
    ("(?:di|me)?manfaatkan", {"dimanf", "memanf", "manfaa"}),
    ("Rp\\.?|IDR", {"rp", "rp.", "idr"}),
])
def test_literal_prefixes(pattern, expected):
    assert literal_prefixes(pattern) == expected


@pytest.mark.parametrize("pattern", ["\\p{L}+-\\d+", ".*", "\\w+", "(?:abc)?", "[^x]bc"])
def test_patterns_that_cannot_be_indexed(pattern):
    assert literal_prefixes(pattern) is None


def test_max_width():
    assert max_width("Rp\\.?|IDR") == 3
    assert max_width("juta|jt") == 4
    assert max_width("\\d+") is None


def test_index_keeps_family_order_and_merges_members():
    index = PrefixIndex.of(["peserta", "pesertanya", "kunjungan"])
    assert index.candidates("Peserta dan kunjungan") == [(0, (0, 1)), (12, (2,))]


def test_word_start_only_for_letter_prefixes():
    index = PrefixIndex.of(["juta", "\\(x"])
    text = "sejuta juta (x"
    assert [offset for offset, _ in index.candidates(text)] == [7, 12]


def test_unindexable_member_is_tried_everywhere():
    index = PrefixIndex.of(["abc", "\\d+"])
    assert [offset for offset, _ in index.candidates("a1")] == [0, 1]


def test_candidates_inside_a_range_see_the_text_before_it():
    index = PrefixIndex.of(["juta"])
    text = "sejuta juta"
    assert index.candidates(text, 2, len(text)) == [(7, (0,))]


# ---------------------------------------------------------------------------------------- properties

def _words_of(patterns: list[str]) -> list[str]:
    """Words the rules are made of, to build texts where the patterns do fire."""
    words = set()
    for pattern in patterns:
        words.update(w for w in regex.findall(r"\p{L}+", pattern) if len(w) > 1)
    return sorted(words)


CUE_PATTERNS = [r.pattern for r in load_rules("cues.yaml")]
CUE_WORDS = _words_of(CUE_PATTERNS) + ["JKN", "98,5", "persen", "Kota", "per"]
GLUE = [" ", " ", " ", ", ", "-", "(", ")", "\n", "Ab", "9", "x"]


def _texts(words):
    token = st.one_of(st.sampled_from(words), st.sampled_from(words).map(str.upper),
                      st.sampled_from(words).map(str.capitalize), st.sampled_from(GLUE))
    return st.lists(token, max_size=40).map("".join)


def _slow_cues(text):
    """Leftmost-longest over all cue rules, trying every character: what find_cues must equal."""
    rules = load_rules("cues.yaml")
    combined = "|".join(f"(?P<r{i}>{r.pattern})" for i, r in enumerate(rules))
    pattern = rule_regex(rf"(?p)(?<![\p{{L}}\d])(?:{combined})(?![\p{{L}}\d])")
    found, position = [], 0
    while (m := pattern.search(text, position)) is not None:
        found.append((m.start(), m.end()))
        position = m.end()
    return found


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_texts(CUE_WORDS))
def test_find_cues_equals_a_search_at_every_character(text):
    assert [(c.start, c.end) for c in cues.find_cues(text)] == _slow_cues(text)


LOOSE = dates.lexicon().loose
LOOSE_WORDS = _words_of([p.pattern for p in LOOSE]) + ["2024", "ini", "lalu", "per", "Mei"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_texts(LOOSE_WORDS))
def test_find_each_equals_finditer(text):
    index = dates.lexicon().loose_index
    fast = sorted((i, m.span()) for i, m in find_each(LOOSE, index, text))
    slow = sorted((i, m.span()) for i, pattern in enumerate(LOOSE) for m in pattern.finditer(text))
    assert fast == slow
