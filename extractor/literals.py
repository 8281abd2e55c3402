"""Literal prefixes of rule patterns: where in a text a pattern can possibly match.

A scan with an alternation of dozens of phrases ("kepesertaan|peserta JKN|...|imunisasi") makes the regex
engine try every phrase at every character, and a lookbehind at its front ("not after a letter") stops the
engine from skipping ahead by first character: that was most of the extraction time. Every such phrase
begins with literal letters, so this module reads each pattern (with Python's own regex parser) and lists the
lower-cased strings, at most `PREFIX_LENGTH` characters long, that every match must begin with. One
Aho-Corasick pass over the text (in C) finds every such prefix, and a scan tries a pattern only where one
of its prefixes begins a word: a few attempts per article instead of dozens per character. The patterns
stay the data; this module only reads them. `find_each` finds exactly what `finditer` would (the tests
compare the two on generated texts).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import ahocorasick
import regex

PREFIX_LENGTH = 6   # Indonesian affixes (me-, ber-, pen-, ter-) make three letters say little
# Syntax of the `regex` module that Python's parser does not know; for reading prefixes a Unicode property
# is just some character class (which ends a literal prefix, as "." does).
_REGEX_ONLY = re.compile(r"\\[pP]\{[^}]*\}|\\[pP][A-Za-z]")
_VERSION_FLAGS = re.compile(r"\(\?[Vv][01]\)|\(\?p\)|\(\?r\)|\(\?-f\)")

_State = tuple[str, bool]   # (prefix so far, can it still grow)


def literal_prefixes(pattern: str, length: int = PREFIX_LENGTH) -> frozenset[str] | None:
    """Lower-cased strings of at most `length` characters, one of which begins every match of `pattern`.
    None when a match may begin with something that is not a literal (a class, a dot, nothing at all):
    then the pattern cannot be indexed and must be tried everywhere."""
    readable = _VERSION_FLAGS.sub("", _REGEX_ONLY.sub(".", pattern))
    try:
        parsed = sre_parse.parse(readable)
    except (re.error, OverflowError, RecursionError):
        return None
    states = _sequence({("", True)}, list(parsed), length)
    prefixes = {prefix[:length] for prefix, _ in states}
    return None if "" in prefixes else frozenset(prefixes)


def max_width(pattern: str) -> int | None:
    """The most characters a match of `pattern` can cover; None when unbounded or unreadable."""
    readable = _VERSION_FLAGS.sub("", _REGEX_ONLY.sub(".", pattern))
    try:
        width = sre_parse.parse(readable).getwidth()[1]
    except (re.error, OverflowError, RecursionError):
        return None
    return None if width >= sre.MAXREPEAT else width


def _sequence(states: set[_State], items: list, length: int) -> set[_State]:
    for op, av in items:
        grown: set[_State] = set()
        for prefix, open_ in states:
            if not open_ or len(prefix) >= length:
                grown.add((prefix, False))
            else:
                grown |= _step(prefix, op, av, length)
        states = grown
        if not any(open_ for _, open_ in states):
            break
    return states


def _step(prefix: str, op, av, length: int) -> set[_State]:
    start = {(prefix, True)}
    if op is sre.LITERAL:
        return {(prefix + chr(av).lower(), True)}
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return start   # zero width: the next item begins the match
    if op is sre.SUBPATTERN:
        return _sequence(start, list(av[3]), length)
    if op is sre.ATOMIC_GROUP:
        return _sequence(start, list(av), length)
    if op is sre.BRANCH:
        return set().union(*(_sequence(start, list(branch), length) for branch in av[1]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, item = av
        if high == 0:
            return start
        once = _sequence(start, list(item), length)
        if high != 1:
            once = {(p, False) for p, _ in once}   # more repetitions may follow: the prefix ends here
        return once | start if low == 0 else once
    if op is sre.IN and prefix == "":
        first = _class_chars(av)
        if first is not None:
            return {(c, True) for c in first}   # "[0-9]" begins with one of ten characters
    return {(prefix, False)}   # a class, a dot, a back reference: the literal prefix ends


CLASS_LIMIT = 32   # a class of more characters than this says too little to index by


def _class_chars(items) -> set[str] | None:
    """The characters (lower-cased) of a small enumerable class such as [0-9] or [/-]; None otherwise."""
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av).lower())
        elif op is sre.RANGE and av[1] - av[0] < CLASS_LIMIT:
            chars.update(chr(c).lower() for c in range(av[0], av[1] + 1))
        else:
            return None   # negation, categories (\d is every script's digits), wide ranges
        if len(chars) > CLASS_LIMIT:
            return None
    return chars


def _is_word_char(char: str) -> bool:
    """A letter or a decimal digit: what [\\p{L}\\d] matches, the rule patterns' word boundary."""
    return char.isalpha() or char.isdecimal()


@dataclass(frozen=True, eq=False)
class PrefixIndex:
    """Which patterns of a family (by their position in it) can begin with which prefixes, and an
    Aho-Corasick automaton (pyahocorasick) that finds every prefix in a text in one pass in C. Members
    that cannot be indexed (`everywhere`) are candidates at every offset.

    Meant for patterns that begin with a left word boundary ("not after a letter or digit"), as all rule
    patterns do: a prefix that begins with a letter or digit counts only where a word begins; one that
    begins with another character ("(", "±") counts wherever it is."""

    members: dict[str, tuple[int, ...]]
    everywhere: tuple[int, ...] = ()

    @classmethod
    def of(cls, patterns: list[str], length: int = PREFIX_LENGTH) -> "PrefixIndex":
        members: dict[str, list[int]] = {}
        everywhere = []
        for i, pattern in enumerate(patterns):
            prefixes = literal_prefixes(pattern, length)
            if prefixes is None:
                everywhere.append(i)
                continue
            for prefix in prefixes:
                members.setdefault(prefix, []).append(i)
        return cls({p: tuple(m) for p, m in members.items()}, tuple(everywhere))

    @functools.cached_property
    def _automaton(self) -> "ahocorasick.Automaton":
        automaton = ahocorasick.Automaton()
        for prefix, members in self.members.items():
            automaton.add_word(prefix, (len(prefix), _is_word_char(prefix[0]), members))
        automaton.make_automaton()
        return automaton

    @functools.cached_property
    def width(self) -> int:
        return max(map(len, self.members), default=0)

    def members_at(self, text: str, position: int) -> tuple[int, ...]:
        """The patterns of the family that may match at `position` of `text`, in family order."""
        key = text[position:position + self.width].lower()
        found = {m for prefix, members in self.members.items() if key.startswith(prefix) for m in members}
        return tuple(sorted(found.union(self.everywhere)))

    def candidates(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, tuple[int, ...]]]:
        """(offset, members), in order, wherever in text[start:end] some pattern of the family may begin."""
        end = len(text) if end is None else end
        if self.everywhere:
            return [(offset, self.members_at(text, offset)) for offset in range(start, end)]
        if not self.members:
            return []
        segment = text[start:min(len(text), end + self.width)]
        lowered = segment.lower()
        if len(lowered) != len(segment):   # a letter whose lower case is longer ("İ"): offsets would drift
            return [(o, m) for o in range(start, end) if (m := self.members_at(text, o))]
        found: dict[int, tuple[int, ...]] = {}
        merged: set[int] = set()   # offsets where several prefixes begin: their members are unioned
        for last, (size, at_word, members) in self._automaton.iter(lowered):
            offset = start + last - size + 1
            if offset >= end:
                continue
            if at_word and offset > 0:
                before = text[offset - 1]   # the word-boundary test (_is_word_char), inline: it runs per hit
                if before.isalpha() or before.isdecimal():
                    continue
            known = found.get(offset)
            if known is None:
                found[offset] = members
            else:
                found[offset] = known + members
                merged.add(offset)
        return [(o, tuple(sorted(set(found[o]))) if o in merged else found[o]) for o in sorted(found)]


def find_each(patterns: "list[regex.Pattern[str]]", index: PrefixIndex, text: str, start: int = 0,
              end: int | None = None) -> "list[tuple[int, regex.Match[str]]]":
    """(member, match) for what `patterns[member].finditer(text, start, end)` finds, for every member, in
    text order; each pattern is tried only at the offsets `index` (built from the same patterns) allows.
    No regex timeout: a match anchored at a word is bounded work (the per-file time limit covers the rest),
    and the `regex` module's timeout argument costs 1.5 us a call, more than most of these matches."""
    end = len(text) if end is None else end
    free = [start] * len(patterns)   # per pattern, where its last match ended: finditer does not overlap
    found = []
    for offset, members in index.candidates(text, start, end):
        for i in members:
            if offset < free[i]:
                continue
            m = patterns[i].match(text, offset, end)
            if m:
                found.append((i, m))
                free[i] = max(m.end(), offset + 1)
    return found
