"""Cue phrases (rules/cues.yaml) and qualifiers (rules/qualifiers.yaml).

A cue says what a number near it counts ("kepesertaan", "kunjungan", "per hari"), whether it is a target
("ditargetkan"), or that it is no claim ("PBI", "imunisasi"). A qualifier sits right before or after a
number ("lebih dari", "sekitar", "3 juta lebih"). This module finds them; claims.py decides with them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from extractor.ruledata import Rule, load_rules

CUES_FILE = "cues.yaml"
QUALIFIERS_FILE = "qualifiers.yaml"
MATCH_TIMEOUT_S = 5.0
_FLAGS = regex.IGNORECASE | regex.V1


@dataclass(frozen=True)
class CueMention:
    start: int
    end: int
    label: str
    rule: str


@dataclass(frozen=True)
class Qualifier:
    label: str      # min | max | approx | criteria | change
    rule: str
    length: int     # characters the qualifier covers next to the number


@functools.lru_cache(maxsize=1)
def _qualifier_patterns() -> tuple[list[tuple["regex.Pattern[str]", Rule]], list[tuple["regex.Pattern[str]", Rule]]]:
    before = [(regex.compile(rf"(?<![\p{{L}}\d])(?:{r.pattern})\s*$", _FLAGS), r)
              for r in load_rules(QUALIFIERS_FILE, "before")]
    after = [(regex.compile(rf"^\s*(?:{r.pattern})(?![\p{{L}}\d])", _FLAGS), r)
             for r in load_rules(QUALIFIERS_FILE, "after")]
    return before, after


@dataclass(frozen=True)
class _CuePatterns:
    first: "regex.Pattern[str]"     # leftmost match, first alternative: fast, finds where a cue starts
    longest: "regex.Pattern[str]"   # POSIX leftmost-longest: which cue starting there is the longest
    rules: tuple[Rule, ...]


@functools.lru_cache(maxsize=1)
def _combined() -> _CuePatterns:
    """All cue rules in one alternation. The fast pattern finds where the next cue starts; the POSIX one
    ((?p)) is then matched only there and returns the longest cue, which is what a scan per rule plus
    "longest wins" overlap resolution would give, in one linear pass."""
    rules = load_rules(CUES_FILE)
    alternation = "|".join(f"(?P<r{i}>{r.pattern})" for i, r in enumerate(rules))
    body = rf"(?<![\p{{L}}\d])(?:{alternation})(?![\p{{L}}\d])"
    return _CuePatterns(regex.compile(body, _FLAGS), regex.compile(f"(?p){body}", _FLAGS), rules)


def find_cues(text: str) -> list[CueMention]:
    """All cue phrases in `text`, not overlapping; of two that overlap the longer wins ("keaktifan
    kepesertaan" is one `active` cue, not an `active` and a `participation` one)."""
    patterns = _combined()
    found = []
    position = 0
    while True:
        start = patterns.first.search(text, position, timeout=MATCH_TIMEOUT_S)
        if start is None:
            return found
        m = patterns.longest.match(text, start.start(), timeout=MATCH_TIMEOUT_S)
        rule = patterns.rules[int(m.lastgroup[1:])]
        found.append(CueMention(m.start(), m.end(), rule.label, rule.id))
        position = m.end()


# How much left context a qualifier may need ("yaitu cakupan kepesertaan di atas" is the longest kind).
QUALIFIER_WINDOW = 80


def qualifier_before(left: str) -> Qualifier | None:
    """The qualifier that ends exactly where the number begins; `left` is the text before the number.
    Vetoes (criteria, change) win over bounds, since "minimal lebih dari" is still a threshold."""
    window = left[-QUALIFIER_WINDOW:]
    matches = []
    for pattern, rule in _qualifier_patterns()[0]:
        m = pattern.search(window, timeout=MATCH_TIMEOUT_S)
        if m:
            matches.append(Qualifier(rule.label, rule.id, len(window) - m.start()))
    vetoes = [q for q in matches if q.label in ("criteria", "change")]
    pool = vetoes or matches
    return max(pool, key=lambda q: q.length) if pool else None


def qualifier_after(right: str) -> Qualifier | None:
    """A qualifier that starts right after the number ("3 juta lebih"); `right` follows the number."""
    for pattern, rule in _qualifier_patterns()[1]:
        m = pattern.match(right[:QUALIFIER_WINDOW], timeout=MATCH_TIMEOUT_S)
        if m:
            return Qualifier(rule.label, rule.id, m.end())
    return None
