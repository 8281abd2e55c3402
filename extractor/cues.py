"""Cue phrases (rules/cues.yaml) and qualifiers (rules/qualifiers.yaml).

A cue says what a number near it counts ("kepesertaan", "kunjungan", "per hari"), whether it is a target
("ditargetkan"), or that it is no claim ("PBI", "imunisasi"). A qualifier sits right before or after a
number ("lebih dari", "sekitar", "3 juta lebih"). This module finds them; claims.py decides with them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from extractor.literals import PrefixIndex
from extractor.ruledata import Rule, load_rules, rule_regex

CUES_FILE = "cues.yaml"
QUALIFIERS_FILE = "qualifiers.yaml"


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class CueMention:
    start: int
    end: int
    label: str
    rule: str


@dataclass(slots=True)
class Qualifier:
    label: str      # min | max | approx | criteria | change
    rule: str
    length: int     # characters the qualifier covers next to the number


@dataclass(frozen=True)
class _QualifierPatterns:
    before: list[tuple["regex.Pattern[str]", Rule]]
    after: list[tuple["regex.Pattern[str]", Rule]]
    # All `before` rules in one pattern searched backwards from the end ((?r)): one cheap test says whether
    # any qualifier ends where a number begins; most numbers have none, and only the rest try each rule.
    any_before: "regex.Pattern[str]"


@functools.lru_cache(maxsize=1)
def _qualifier_patterns() -> _QualifierPatterns:
    before_rules = load_rules(QUALIFIERS_FILE, "before")
    before = [(rule_regex(rf"(?<![\p{{L}}\d])(?:{r.pattern})\s*$"), r) for r in before_rules]
    after = [(rule_regex(rf"^\s*(?:{r.pattern})(?![\p{{L}}\d])"), r)
             for r in load_rules(QUALIFIERS_FILE, "after")]
    union = "|".join(f"(?:{r.pattern})" for r in before_rules)
    return _QualifierPatterns(before, after, rule_regex(rf"(?r)(?<![\p{{L}}\d])(?:{union})\s*$"))


@dataclass(frozen=True)
class _CuePatterns:
    longest: tuple["regex.Pattern[str]", ...]   # per rule, POSIX: the longest match at a given offset
    rules: tuple[Rule, ...]
    starts: PrefixIndex                          # which rules can begin with which words


@functools.lru_cache(maxsize=1)
def _cue_patterns() -> _CuePatterns:
    rules = load_rules(CUES_FILE)
    longest = tuple(rule_regex(rf"(?p)(?<![\p{{L}}\d])(?:{r.pattern})(?![\p{{L}}\d])") for r in rules)
    return _CuePatterns(longest, rules, PrefixIndex.of([r.pattern for r in rules]))


def find_cues(text: str) -> list[CueMention]:
    """All cue phrases in `text`, not overlapping; of two that overlap the longer wins ("keaktifan
    kepesertaan" is one `active` cue, not an `active` and a `participation` one)."""
    patterns = _cue_patterns()
    found: list[CueMention] = []
    position = 0
    # Leftmost-longest, as one search of all rules at every character would give: but each rule is tried
    # only where a word begins as it can (literals.py), and of the rules that match there the longest wins
    # (the earlier rule on a tie).
    for start, members in patterns.starts.candidates(text):
        if start < position:
            continue
        best: "regex.Match[str] | None" = None
        best_rule = 0
        for i in members:
            m = patterns.longest[i].match(text, start)   # anchored: no timeout (see literals.find_each)
            if m and (best is None or m.end() > best.end()):
                best, best_rule = m, i
        if best is not None:
            rule = patterns.rules[best_rule]
            found.append(CueMention(best.start(), best.end(), rule.label, rule.id))
            position = best.end()
    return found


# How much left context a qualifier may need ("yaitu cakupan kepesertaan di atas" is the longest kind).
QUALIFIER_WINDOW = 80


@functools.lru_cache(maxsize=1024)   # a sentence asks again for the numbers before each bare one
def qualifier_before(left: str) -> Qualifier | None:
    """The qualifier that ends exactly where the number begins; `left` is the text before the number.
    Vetoes (criteria, change) win over bounds, since "minimal lebih dari" is still a threshold."""
    window = left[-QUALIFIER_WINDOW:]
    patterns = _qualifier_patterns()
    # An 80-character window is bounded work: no regex timeout (it costs more than these searches).
    if not patterns.any_before.search(window):
        return None
    matches = []
    for pattern, rule in patterns.before:
        m = pattern.search(window)
        if m:
            matches.append(Qualifier(rule.label, rule.id, len(window) - m.start()))
    vetoes = [q for q in matches if q.label in ("criteria", "change")]
    pool = vetoes or matches
    return max(pool, key=lambda q: q.length) if pool else None


def qualifier_after(right: str) -> Qualifier | None:
    """A qualifier that starts right after the number ("3 juta lebih"); `right` follows the number."""
    for pattern, rule in _qualifier_patterns().after:
        m = pattern.match(right[:QUALIFIER_WINDOW])
        if m:
            return Qualifier(rule.label, rule.id, m.end())
    return None
