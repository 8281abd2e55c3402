"""Indonesian numbers: "1,8 juta", "1.076.232", "2.83 juta", "95, 50 persen", "Rp51 M", "dua setengah juta".

All words and formats come from rules/numbers.yaml; this module only knows the labels. A reader looking
for "how is '1,8 juta' parsed" finds it here: `find_numbers` locates every number in a text and
`_digits_value` / `_words_value` turn the matched characters into a float.

Speed. A regex call costs a microsecond or more and a scan pays at every character, so each pattern runs
only where it can match, and each shortcut says in its docstring why it finds exactly what a plain scan
finds (tests/test_numbers.py compares them on generated texts): the number pattern from the digit runs
(`_digit_matches`), the number-word pattern from the offsets the prefix index gives (`_word_matches`), and
each not-number pattern at the digit runs whose surroundings fit its beginning (`_RunShape`, read from the
pattern; a pattern whose beginning cannot be read scans the whole text).
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, replace
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import NamedTuple

import regex

from extractor.literals import PrefixIndex, literal_prefixes, max_width
from extractor.ruledata import Rule, RuleDataError, load_rules, rule_regex
from extractor.spans import windows

RULES_FILE = "numbers.yaml"
# Bounded matching: no number pattern needs more than this on one text (guards adversarial input).
MATCH_TIMEOUT_S = 5.0


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class NumberMention:
    """One number in a text. `start`/`end` cover the quote: currency, digits or words, scale, percent."""

    start: int
    end: int
    value: float
    kind: str            # "count" | "percent" | "idr"
    rule: str            # id of the rule that read the digits or words
    has_scale: bool      # a scale word was part of it ("juta", "ribu", "M" after Rp)
    approx: bool         # "500 ribuan": the figure is approximate
    is_integer_literal: bool  # plain digits with no separator, scale or percent (years, list items)
    is_decimal: bool     # written with a decimal part ("4,9")

    def moved(self, by: int) -> "NumberMention":
        """The mention with its offsets shifted by `by` (dataclasses.replace costs four times as much)."""
        return NumberMention(self.start + by, self.end + by, self.value, self.kind, self.rule, self.has_scale,
                             self.approx, self.is_integer_literal, self.is_decimal)


class _NumberGroups(NamedTuple):
    """Where find_numbers reads number_re's groups in `Match.groups()` (a group's number minus one): one
    tuple read by position costs less than one group read by name (regex builds its name index anew)."""

    cur: int
    num: int
    digits: slice        # the groups d0, d1, ... in the order of digit_rules
    scale: int
    mscale: int
    pct: int
    cursuf: int

    @classmethod
    def of(cls, pattern: "regex.Pattern[str]", digit_rules: int) -> "_NumberGroups":
        at = {name: number - 1 for name, number in pattern.groupindex.items()}
        first = at["d0"]
        if [at[f"d{i}"] for i in range(digit_rules)] != list(range(first, first + digit_rules)):
            raise RuleDataError(f"rules/{RULES_FILE}: a digits pattern holds a capturing group")
        return cls(at["cur"], at["num"], slice(first, first + digit_rules), at["scale"], at["mscale"],
                   at["pct"], at["cursuf"])


@dataclass(frozen=True)
class _Lexicon:
    rules: tuple[Rule, ...]
    number_re: "regex.Pattern[str]"
    words_re: "regex.Pattern[str]"
    not_number_res: tuple["regex.Pattern[str]", ...]   # one per rule: their matches may overlap
    # The same patterns by where they are tried: at the digit runs of the shapes their matches begin with
    # (_run_shapes, filed in run_shapes), or over the whole text (a pattern whose beginning it cannot read).
    not_numbers_at_runs: tuple["regex.Pattern[str]", ...]
    run_shapes: "_ShapeIndex"
    not_numbers_scanned: tuple["regex.Pattern[str]", ...]
    word_rules: dict[str, Rule]      # lower-cased word -> rule (number words and word scales)
    scale_rules: list[tuple["regex.Pattern[str]", Rule]]
    digit_rules: list[Rule]          # in the order of the number regex's groups d0, d1, ...
    groups: _NumberGroups
    first_words: PrefixIndex         # where a run of number words can begin
    longest_word: int                # characters in the longest number word
    reach: tuple[int, int]           # how far a number's currency, scale and percent words reach


def _alternation(rules: list[Rule]) -> str:
    # Longest patterns first so "juta" is not cut to "jt"-style prefixes and "persen" beats "per sen".
    return "|".join(f"(?:{r.pattern})" for r in sorted(rules, key=lambda r: -len(r.pattern)))


def _by_label(rules: tuple[Rule, ...], *labels: str) -> list[Rule]:
    return [r for r in rules if r.label in labels]


@functools.lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    rules = load_rules(RULES_FILE)
    digits = [r for r in rules if r.label.startswith("digits_")]
    scales = _by_label(rules, "scale", "scale_approx")
    money_scales = _by_label(rules, "scale_money")
    words = _by_label(rules, "unit", "atom", "teen", "tens", "hundreds", "half", "scale", "scale_one",
                      "scale_approx")
    word_alt = "|".join(sorted((r.pattern for r in words), key=len, reverse=True))
    units_alt = "|".join(sorted((r.pattern for r in _by_label(rules, "unit")), key=len, reverse=True))
    points = _by_label(rules, "decimal_point")
    # A decimal point word ("koma") never starts a run and counts only before a unit word.
    point_alt = (rf"|(?:{_alternation(points)})(?=[ ]+(?:{units_alt})(?!\p{{L}}))" if points else "")
    # One linear scan: optional currency, digits in any known format, optional scale, percent, suffix.
    # The leading lookahead lets the engine skip every position that cannot start a number (3x faster).
    number_re = rule_regex(
        rf"(?=(?:{_alternation(_by_label(rules, 'currency_prefix'))}|[0-9]))"
        rf"(?:(?<!\p{{L}})(?P<cur>(?:{_alternation(_by_label(rules, 'currency_prefix'))})[ ]?)|(?<![\p{{L}}\d.,]))"
        rf"(?P<num>{'|'.join(f'(?P<d{i}>{r.pattern})' for i, r in enumerate(digits))})"
        rf"(?:[ ]?(?P<scale>{_alternation(scales)})(?!\p{{L}}))?"
        # Money scales are case-sensitive single letters ("M", "T"): "Rp 3 m" is no 3 miliar.
        rf"(?:[ ]?(?P<mscale>(?-i:{_alternation(money_scales)}))(?!\p{{L}}))?"
        rf"(?:[ ]?(?P<pct>{_alternation(_by_label(rules, 'percent'))})(?!\p{{L}}))?"
        rf"(?:[ ](?P<cursuf>{_alternation(_by_label(rules, 'currency_suffix'))})(?!\p{{L}}))?",
    )
    words_re = rule_regex(
        rf"(?:(?<!\p{{L}})(?P<cur>(?:{_alternation(_by_label(rules, 'currency_prefix'))})[ ]?))?"
        rf"(?<!\p{{L}})(?P<words>(?:{word_alt})(?:[ ]+(?:{word_alt}{point_alt}))*)(?!\p{{L}})"
        rf"(?:[ ]?(?P<pct>{_alternation(_by_label(rules, 'percent'))})(?!\p{{L}}))?"
        rf"(?:[ ](?P<cursuf>{_alternation(_by_label(rules, 'currency_suffix'))})(?!\p{{L}}))?",
    )
    # Each not-number rule scans on its own: in one alternation "nomor 0811" (a legal-reference shape)
    # would consume the start of the phone number "0811-8165-165" and hide it.
    not_number_rules = _by_label(rules, "not_number")
    not_number_res = tuple(rule_regex(r.pattern) for r in not_number_rules)
    shapes = [_run_shapes(r.pattern) for r in not_number_rules]
    at_runs = [(p, s) for p, s in zip(not_number_res, shapes) if s is not None]
    scanned = tuple(p for p, s in zip(not_number_res, shapes) if s is None)
    word_rules: dict[str, Rule] = {}
    for rule in words + points:
        for alt in rule.pattern.split("|"):
            word_rules[alt.lower()] = rule
    scale_rules = [(regex.compile(rf"^(?:{r.pattern})$", regex.IGNORECASE), r) for r in scales]
    # Money scales are case-sensitive single letters: "M", "T".
    scale_rules += [(regex.compile(rf"^(?:{r.pattern})$"), r) for r in money_scales]
    word_list = [alt for rule in words for alt in rule.pattern.split("|")]
    _check_digits_lead(digits)
    return _Lexicon(rules, number_re, words_re, not_number_res, tuple(p for p, _ in at_runs),
                    _ShapeIndex.of([s for _, s in at_runs]), scanned, word_rules, scale_rules,
                    digits, _NumberGroups.of(number_re, len(digits)),
                    PrefixIndex.of([regex.escape(w) for w in word_list]), max(map(len, word_list), default=0),
                    _reach(rules))


_DIGITS = regex.compile(r"\d+")
_ASCII_DIGITS = regex.compile(r"[0-9]+")


def _digit_runs(text: str) -> list[tuple[int, int]]:
    """The runs of digits of any script (the rule patterns' \\d), which the number windows are built around.
    In an ASCII text they are the runs of [0-9], which the regex engine finds 2.5 times faster."""
    return [m.span() for m in (_ASCII_DIGITS if text.isascii() else _DIGITS).finditer(text)]


def _reach(rules: tuple[Rule, ...]) -> tuple[int, int]:
    """How many characters a currency sign may stand before a number's first digit or word, and its scale,
    percent sign and currency word may reach after its last (plus the one a lookahead reads). The number
    patterns run only in windows that wide around digits and number words (spans.windows)."""
    def widest(*labels: str) -> int:
        widths = [max_width(r.pattern) for r in _by_label(rules, *labels)]
        if any(w is None for w in widths):
            raise RuleDataError(f"rules/{RULES_FILE}: a {'/'.join(labels)} pattern has no bounded width")
        return max(widths, default=0)
    before = widest("currency_prefix") + 1
    after = sum(widest(*labels) + 1 for labels in (("scale", "scale_approx"), ("scale_money",), ("percent",),
                                                     ("currency_suffix",))) + 1
    return before, after


def _check_digits_lead(digits: list[Rule]) -> None:
    """_digit_matches needs every number to have a digit within `reach[0]` characters of its start: a
    currency sign and a space may stand before the digits, nothing else. So each digits pattern must begin
    with a digit."""
    for rule in digits:
        first = literal_prefixes(rule.pattern, 1)
        if not first or not all(c.isascii() and c.isdigit() for c in first):
            raise RuleDataError(f"rules/{RULES_FILE}: {rule.id} must begin with a digit [0-9]")


# --- Where a not-number pattern can begin ----------------------------------------------------------------
#
# A not-number pattern only blocks the numbers whose digits it covers, and a scan of it costs an attempt at
# every digit of the text. These patterns begin at a digit run, or at a word or sign just before one, and
# say at once what the run must look like: "13:09" is one or two digits and a colon, "Covid-19" a dash and
# digits, "0812-..." a leading zero, "Pasal 5" the word pasal and spaces. `_run_shapes` reads that from
# the pattern with Python's regex parser (as literals.py reads prefixes) and find_numbers tries the pattern
# only at the runs that fit: the matches are those of a scan, since no match can begin anywhere else.

@dataclass(frozen=True)
class _RunShape:
    """What a digit run text[start:end] and what is around it must look like for a match to begin before
    or at it: `lead` (lower case; where the match begins), then between `gap` whitespace characters, then
    the run, whose first digit is in `first`, whose length is from `shortest` to `longest`, and which is
    followed by a character in `after` (None: no condition)."""

    lead: str
    gap: tuple[int, int | None]
    first: frozenset[str] | None
    shortest: int
    longest: int | None
    after: frozenset[str] | None

    def begin(self, text: str, start: int, end: int, spaces: int) -> int | None:
        """Where a match of this shape would begin, for the run text[start:end] with whitespace from `spaces`
        up to it; None if the run does not fit. The lead is compared in lower case where the text is ASCII;
        elsewhere case folding reaches further ("ſ" is an "s" to the pattern) and any lead may fit."""
        if not (self.shortest <= end - start and (self.longest is None or end - start <= self.longest)
                and (self.first is None or text[start] in self.first)
                and (self.after is None or (end < len(text) and text[end] in self.after))):
            return None
        lead_end = start
        if self.gap != (0, 0):
            low, high = self.gap
            if not (low <= start - spaces and (high is None or start - spaces <= high)):
                return None
            lead_end = spaces
        begin = lead_end - len(self.lead)
        if begin < 0:
            return None
        lead = text[begin:lead_end]
        return begin if not lead.isascii() or lead.lower() == self.lead else None


_Filed = tuple[tuple[int, _RunShape], ...]   # (pattern number, shape)


@dataclass(frozen=True)
class _ShapeIndex:
    """The run shapes of the not-number patterns, each filed under a character it requires (the last one of
    its lead, else one after the run, else its first digit), so that a digit run is tried only against the
    shapes its own neighbours call up: a few dictionary lookups, not a test per shape. A lead's last
    character is filed in both cases, and if it is a letter also under every character that is not ASCII
    (which may be that letter to the pattern: "ſ" is an "s")."""

    before: dict[str, _Filed]       # by the character just before the run
    before_other: _Filed            # ... when that character is not ASCII
    before_gap: dict[str, _Filed]   # by the character before the whitespace that ends at the run
    before_gap_other: _Filed
    after: dict[str, _Filed]
    first: dict[str, _Filed]
    anywhere: _Filed                # shapes that require no character

    @classmethod
    def of(cls, shapes: list[tuple[_RunShape, ...]]) -> "_ShapeIndex":
        index: dict[str, dict[str, list]] = {name: {} for name in ("before", "before_gap", "after", "first")}
        other: dict[str, list] = {"before": [], "before_gap": []}
        anywhere = []
        for pattern, pattern_shapes in enumerate(shapes):
            for shape in pattern_shapes:
                filed = (pattern, shape)
                if shape.lead:
                    last = shape.lead[-1]
                    for name in ["before"] * (shape.gap[0] == 0) + ["before_gap"] * (shape.gap[1] != 0):
                        for char in {last, last.upper()}:
                            index[name].setdefault(char, []).append(filed)
                        if last.isalpha():
                            other[name].append(filed)
                elif shape.after:
                    for char in shape.after:
                        index["after"].setdefault(char, []).append(filed)
                elif shape.first:
                    for char in shape.first:
                        index["first"].setdefault(char, []).append(filed)
                else:
                    anywhere.append(filed)
        before, before_gap, after, first = ({k: tuple(v) for k, v in index[name].items()}
                                            for name in ("before", "before_gap", "after", "first"))
        return cls(before, tuple(other["before"]), before_gap, tuple(other["before_gap"]), after, first,
                   tuple(anywhere))

    def starts(self, text: str, runs: list[tuple[int, int]]) -> dict[int, list[int]]:
        """Pattern number -> the offsets, in order, where a match of it may begin (by a digit run it fits)."""
        found: dict[int, set[int]] = {}
        before, before_gap, after, first = self.before, self.before_gap, self.after, self.first
        size = len(text)
        for start, end in runs:
            filed = self.anywhere + first.get(text[start], ())
            if end < size:
                filed += after.get(text[end], ())
            spaces = start   # where the whitespace just before the run begins
            if start:
                char = text[start - 1]
                filed += before.get(char, () if char.isascii() else self.before_other)
                if before_gap and char.isspace():
                    # str.isspace holds for every character the patterns' \s reads (and a few more, which
                    # only puts a lead's end where it cannot fit).
                    while spaces and text[spaces - 1].isspace():
                        spaces -= 1
                    if spaces:
                        char = text[spaces - 1]
                        filed += before_gap.get(char, () if char.isascii() else self.before_gap_other)
            for pattern, shape in filed:
                begin = shape.begin(text, start, end, spaces)
                if begin is not None:
                    found.setdefault(pattern, set()).add(begin)
        return {pattern: sorted(starts) for pattern, starts in found.items()}


class _Chars(NamedTuple):
    """What a one-character pattern item reads: `listed`, the characters themselves when they can all be
    listed (ASCII digits and signs; None otherwise), and whether it reads only digits or never one."""

    listed: frozenset[str] | None
    only_digits: bool
    no_digit: bool


# As literals.py reads rule patterns: to Python's parser a Unicode property is just some class (".") and
# the `regex` module's version and folding flags are dropped.
_REGEX_ONLY = re.compile(r"\\[pP]\{[^}]*\}|\\[pP][A-Za-z]")
_VERSION_FLAGS = re.compile(r"\(\?[Vv][01]\)|\(\?p\)|\(\?r\)|\(\?-f\)")
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_DIGIT = regex.compile(r"\d")   # a digit as the rule patterns' \d reads one (any script)


def _run_shapes(pattern: str) -> tuple[_RunShape, ...] | None:
    """One shape per alternative of `pattern`; None when some alternative may begin elsewhere than at a digit
    run or a sign before one, or uses syntax this reading does not follow (that pattern scans the text).
    Each condition is one the match cannot do without: a run that fits no shape begins no match."""
    readable = _VERSION_FLAGS.sub("", _REGEX_ONLY.sub(".", pattern))
    try:
        shapes = _shapes(list(sre_parse.parse(readable)))
    except (re.error, OverflowError, RecursionError):
        return None
    return tuple(shapes) if shapes else None


def _shapes(items: list) -> list[_RunShape] | None:
    lead = ""
    gap: tuple[int, int | None] = (0, 0)   # whitespace between the lead and the digits
    run_start = False   # the character before the first digit cannot be a digit: the match begins a run
    for i, (op, av) in enumerate(items):
        if op is sre.BRANCH:   # alternatives (or a group holding them) in front: each one on its own
            shapes = [_shapes(items[:i] + list(branch) + items[i + 1:]) for branch in av[1]]
            return None if None in shapes else [s for branch in shapes for s in branch]
        if op is sre.SUBPATTERN and not av[1] and not av[2]:   # a group that sets no flags: read inside it
            return _shapes(items[:i] + list(av[3]) + items[i + 1:])
        if op is sre.ASSERT_NOT and av[0] == -1 and _reads_every_digit(list(av[1])):   # (?<!\d), (?<![\d,.])
            run_start = True
            continue
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL and gap == (0, 0) and chr(av).isascii() and not _DIGIT.fullmatch(chr(av)):
            lead += chr(av).lower()   # a word or sign before the digits: "pasal", the "-" of "Covid-19"
            run_start = True
            continue
        spaces = _whitespace(op, av)
        if spaces is not None and lead and gap == (0, 0) and not lead[-1].isspace():
            gap = spaces
            continue
        if _digits(op, av) is None:
            return None
        return _run_shape(items[i:], lead, gap, run_start)
    return None


def _run_shape(items: list, lead: str, gap: tuple[int, int | None], run_start: bool) -> list[_RunShape] | None:
    """The shape of a match whose digits begin with items[0]: how many digits the run holds, what follows."""
    first, shortest, longest = _digits(*items[0])
    if shortest == 0:
        return None
    fixed = shortest if shortest == longest else None   # digits read so far, when there is no choice
    ends_run = False
    i = 1
    while i < len(items):
        op, av = items[i]
        digits = _digits(op, av)
        if digits is not None:
            _, low, high = digits
            shortest += low
            longest = None if longest is None or high is None else longest + high
            fixed = fixed + low if fixed is not None and low == high else None
        elif op is sre.ASSERT_NOT and av[0] == -1 and fixed is not None and len(av[1]) == fixed + 1 \
                and all(_reads_every_digit([item]) for item in av[1]):
            run_start = True   # "\d(?<!\d\d)": the digit just read begins its run
        elif op is sre.ASSERT_NOT and av[0] == 1 and _reads_every_digit(list(av[1])):
            ends_run = True    # (?!\d): the run ends here
        elif op not in _ZERO_WIDTH:
            break
        i += 1
    if not run_start:
        return None
    after = _chars(*items[i]) if i < len(items) else None
    if after is not None and after.no_digit:   # a non-digit must follow: the digits read end the run
        return [_RunShape(lead, gap, first, shortest, longest, after.listed)]
    # The match may end here, or read on: the run may be longer unless a (?!\d) said it ends.
    return [_RunShape(lead, gap, first, shortest, longest if ends_run else None, None)]


def _digits(op, av) -> tuple[frozenset[str] | None, int, int | None] | None:
    """For an item that reads digits and nothing else: (the first digit's characters, None for any digit;
    fewest digits read; most, None for no limit). None for any other item."""
    low, high = 1, 1
    if op in _REPEATS:
        low, high, inner = av
        if len(inner) != 1:
            return None
        (op, av), = inner
        high = None if high == sre.MAXREPEAT else high
    chars = _chars(op, av)
    if chars is None or not chars.only_digits:
        return None
    return chars.listed, low, high


def _chars(op, av) -> _Chars | None:
    """What a one-character item (a literal or a class) reads; None for any other item or a class this
    reading does not follow (a negated one, \\w)."""
    if op is sre.LITERAL:
        members = [(sre.LITERAL, av)]
    elif op is sre.IN:
        members = av
    else:
        return None
    listed: set[str] | None = set()
    only_digits, no_digit = True, True
    for kind, value in members:
        if kind is sre.LITERAL or (kind is sre.RANGE and value[1] - value[0] < 128):
            chars = [chr(value)] if kind is sre.LITERAL else [chr(c) for c in range(value[0], value[1] + 1)]
            for char in chars:
                digit = bool(_DIGIT.fullmatch(char))
                only_digits, no_digit = only_digits and digit, no_digit and not digit
                # A letter matches its other cases too (and "ſ", "K"...): such classes are not listed.
                if listed is not None and char.isascii() and not char.isalpha():
                    listed.add(char)
                else:
                    listed = None
        elif kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
            listed, no_digit = None, False
        elif kind is sre.CATEGORY and value in (sre.CATEGORY_SPACE, sre.CATEGORY_NOT_DIGIT):
            listed, only_digits = None, False
        else:
            return None
    return _Chars(frozenset(listed) if listed is not None else None, only_digits, no_digit)


def _whitespace(op, av) -> tuple[int, int | None] | None:
    """(fewest, most) whitespace characters read, when the item (or the item it repeats) reads nothing else:
    \\s, [ ], a space."""
    low, high = 1, 1
    if op in _REPEATS:
        low, high, inner = av
        if len(inner) != 1:
            return None
        (op, av), = inner
        high = None if high == sre.MAXREPEAT else high
    members = [(sre.LITERAL, av)] if op is sre.LITERAL else av if op is sre.IN else [(None, None)]
    if all((kind is sre.LITERAL and chr(value).isspace()) or (kind is sre.CATEGORY and value is sre.CATEGORY_SPACE)
           for kind, value in members):
        return low, high
    return None


def _reads_every_digit(items: list) -> bool:
    """A one-item lookaround body that reads every digit, whatever else: \\d, [\\d,.]."""
    return len(items) == 1 and items[0][0] is sre.IN and (sre.CATEGORY, sre.CATEGORY_DIGIT) in items[0][1]


def _digits_value(text: str, label: str) -> float:
    """The value of a digit run, by the format its rule names."""
    compact = text.replace(" ", "")
    if label == "digits_no_cents":
        return float(compact.removesuffix(",-").replace(".", ""))
    if label == "digits_dot_thousands":
        whole, _, frac = compact.partition(",")
        return float(whole.replace(".", "") + ("." + frac if frac else ""))
    if label == "digits_comma_thousands":
        return float(compact.replace(",", ""))
    if label == "digits_decimal_comma":
        return float(compact.replace(",", "."))
    return float(compact)  # digits_decimal_dot, digits_integer


def _words_value(words: list[str], lex: _Lexicon) -> float | None:
    """Value of a run of number words: "dua ratus lima puluh ribu" -> 250000; "dua setengah juta" -> 2.5e6.

    `group` collects the part below a thousand; `term` the unit word not yet multiplied; `fraction`
    the digits read after a decimal point word ("satu koma delapan juta" -> 1.8e6), None before one.
    """
    total = group = term = 0.0
    saw_number = False
    fraction: str | None = None
    for word in words:
        rule = lex.word_rules.get(word.lower())
        if rule is None:
            return None
        value = rule.value or 0.0
        if fraction is not None:
            if rule.label == "unit":
                fraction += str(int(value))
                continue
            if not fraction or rule.label not in ("scale", "scale_approx"):
                return None  # only digit words, then at most a scale, follow the point
            term += float("0." + fraction)
            fraction = None
        if rule.label == "decimal_point":
            if not saw_number or total:
                return None  # "koma" needs a whole part, below any scale: "satu koma delapan juta"
            fraction = ""
            continue
        if rule.label == "unit":
            term += value
        elif rule.label == "half":
            term += value
        elif rule.label == "atom":
            group += term + value
            term = 0.0
        elif rule.label == "teen":
            group += term + value
            term = 0.0
        elif rule.label in ("tens", "hundreds"):
            group += (term or 1.0) * value
            term = 0.0
        elif rule.label in ("scale", "scale_approx"):
            if not (group or term):
                return None  # a bare "juta" is no number
            total += (group + term) * value
            group = term = 0.0
        elif rule.label == "scale_one":
            total += (group + term or 1.0) * value
            group = term = 0.0
        saw_number = True
    if fraction is not None:
        if not fraction:
            return None
        term += float("0." + fraction)
    return total + group + term if saw_number else None


@functools.lru_cache(maxsize=1024)
def _scale_rule(text: str) -> Rule | None:
    """The scale rule a matched scale word belongs to. Cached by the exact text: the scale patterns are
    tried in rule order as before, but each spelling ("juta", "Jt", "M") only once per process (a matched
    scale is at most a scale word long, so the cache holds few distinct keys)."""
    for pattern, rule in lexicon().scale_rules:
        if pattern.match(text):
            return rule
    return None


class _Intervals:
    """Sorted, merged character intervals with an O(log n) containment test (an article with 200 000
    phone-like runs must not cost 200 000 squared comparisons)."""

    def __init__(self, spans: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def _at(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def contains(self, start: int, end: int) -> bool:
        i = self._at(start)
        return i >= 0 and end <= self.ends[i]


class _Reading(NamedTuple):
    """What a number in digits says, apart from where it is: the fields of its NumberMention but the first
    two, and the groups its quote begins and ends with (`end_group` 0: the whole match; a negative group:
    the quote ends where that group begins)."""

    value: float
    kind: str
    rule: str
    has_scale: bool
    approx: bool
    is_integer_literal: bool
    is_decimal: bool
    start_group: int
    end_group: int


@functools.lru_cache(maxsize=4096)
def _reading(groups: tuple[str | None, ...]) -> _Reading | None:
    """The reading of a number_re match's groups; None for a figure not taken ("2.83" alone). Cached: the
    same digits in the same setting (years, small counts) recur in every article."""
    lex = lexicon()
    at = lex.groups
    num, cur, cursuf = groups[at.num], groups[at.cur], groups[at.cursuf]
    # The digits groups are alternatives of num: exactly one takes part, and it holds num's text.
    rule = lex.digit_rules[groups[at.digits].index(num)]
    label = rule.label
    scale_text, money_text = groups[at.scale], groups[at.mscale]
    currency = bool(cur or cursuf)
    percent = bool(groups[at.pct])
    end_group = 0
    if money_text and not currency:
        # "3M" outside a rupiah amount: the letter is not ours; the quote ends before it.
        end_group = -(at.mscale + 1) if not percent else 0
        money_text = None
    scale_rule = _scale_rule(scale_text or money_text) if (scale_text or money_text) else None
    if label == "digits_decimal_dot" and not (scale_rule or percent):
        return None  # "2.83" alone is more likely a list item or a version than a decimal figure
    value = _digits_value(num, label) * (scale_rule.value if scale_rule else 1.0)
    if not cur and not cursuf and not percent and not scale_rule:
        end_group = at.num + 1
    return _Reading(
        value=value,
        kind="percent" if percent else ("idr" if currency else "count"),
        rule=rule.id,
        has_scale=scale_rule is not None,
        approx=bool(scale_rule and scale_rule.label == "scale_approx"),
        is_integer_literal=label == "digits_integer" and not (scale_rule or percent or currency),
        is_decimal=label in ("digits_decimal_comma", "digits_decimal_dot")
        or ("," in num and "." in num and label != "digits_no_cents"),
        start_group=(at.cur if cur else at.num) + 1,
        end_group=end_group,
    )


def _from_digits(m: "regex.Match[str]") -> NumberMention | None:
    reading = _reading(m.groups())
    if reading is None:
        return None
    end_group = reading.end_group
    end = m.end(end_group) if end_group >= 0 else m.start(-end_group)
    return NumberMention(m.start(reading.start_group), end, *reading[:7])


def _from_words(m: "regex.Match[str]", lex: _Lexicon) -> NumberMention | None:
    words = m.group("words").split()
    value = _words_value(words, lex)
    if value is None:
        return None
    rules = [lex.word_rules[w.lower()] for w in words]
    scale = next((r for r in rules if r.label in ("scale", "scale_one", "scale_approx")), None)
    percent = bool(m.group("pct"))
    currency = bool(m.group("cur") or m.group("cursuf"))
    return NumberMention(
        start=m.start("cur") if m.group("cur") else m.start("words"),
        end=m.end(),
        value=value,
        kind="percent" if percent else ("idr" if currency else "count"),
        rule=(scale or rules[0]).id,
        has_scale=scale is not None,
        approx=any(r.label == "scale_approx" for r in rules),
        is_integer_literal=False,
        is_decimal=value != int(value) or any(r.label == "decimal_point" for r in rules),
    )


def _digit_matches(text: str, runs: list[tuple[int, int]], lex: _Lexicon) -> list["regex.Match[str]"]:
    """What `number_re.finditer(text, low, high)` finds in each window around the digit runs, in order.

    Every match has a digit within `before` characters of its start (a currency sign and a space, then
    digits: lexicon() checks that every digits pattern begins with one). So from any point the next match
    cannot begin more than `before` characters before the next digit, and a window holds no more once no
    digit is left in it: each search starts there, and the stretches between numbers are not scanned.
    As before, a search bounded by its window carries no regex timeout (the per-file time limit covers a
    window of runaway length).
    """
    before, after = lex.reach
    search = lex.number_re.search
    found = []
    i, count, size = 0, len(runs), len(text)
    while i < count:
        # runs[i:j] make one window, as spans.windows merges them: a run whose reach back (`before`)
        # meets the window's reach forward (`after`) joins it (clamped to the text, which changes no join).
        j, high = i + 1, runs[i][1] + after
        while j < count and runs[j][0] - before <= high:
            high = runs[j][1] + after
            j += 1
        high = min(high, size)
        resume = max(0, runs[i][0] - before)   # where finditer would search next
        while i < j:
            low = runs[i][0] - before
            m = search(text, low if low > resume else resume, high)
            if m is None:
                break
            found.append(m)
            resume = m.end()
            # Past the runs the match took; one it ends inside ("12" of "12٣") is searched on from its end.
            while i < j and runs[i][1] <= resume:
                i += 1
        i = j
    return found


def _not_number_spans(text: str, runs: list[tuple[int, int]], lex: _Lexicon) -> list[tuple[int, int]]:
    """The spans of every not-number pattern's matches, as each pattern's own finditer over `text` has them.
    A pattern with run shapes is tried only where its matches can begin (see _RunShape), in text order, and
    skips the starts its last match covered, as a scan does."""
    spans = [m.span() for pattern in lex.not_numbers_scanned
             for m in pattern.finditer(text, timeout=MATCH_TIMEOUT_S)]
    for number, starts in lex.run_shapes.starts(text, runs).items():
        pattern = lex.not_numbers_at_runs[number]
        resume = 0
        for start in starts:
            if start < resume:
                continue
            m = pattern.match(text, start)
            if m:
                spans.append(m.span())
                resume = m.end()
    return spans


def _word_matches(text: str, runs: list[tuple[int, int]], in_digits: list[NumberMention],
                  lex: _Lexicon) -> list["regex.Match[str]"]:
    """What `words_re.finditer(text, low, high)` finds in each window around the offsets where the prefix
    index sees a number word begin, in order, less the matches that overlap a number in digits.

    A run of number words begins with a currency sign of at most `before` characters or with a number word,
    and a number word begins at an offset the index gives or right after a digit (the index counts a word
    only after a non-word character). So, as in _digit_matches, each search starts `before` characters
    ahead of the next such offset, and once every offset left in a window lies inside a number in digits
    ("1,8 juta"), every match left would overlap it: the window is done. That holds where the index reads
    the text as the pattern does, in ASCII. Elsewhere case folding may differ ("ſ" is an "s" to the pattern,
    not to str.lower), and the window is scanned.
    """
    before, after = lex.reach
    offsets = [offset for offset, _ in lex.first_words.candidates(text)]
    if not offsets:
        return []
    run_ends = [end for _, end in runs]
    taken = [n.start for n in in_digits]

    def overlaps_digits(start: int, end: int) -> bool:   # numbers in digits are in order, apart
        i = bisect.bisect_left(taken, end) - 1
        return i >= 0 and in_digits[i].end > start

    found = []
    for low, high in windows([(o, o + lex.longest_word) for o in offsets], text, before, after, whole_words=False):
        if not text[max(0, low - 1):high].isascii():
            found.extend(lex.words_re.finditer(text, low, high))
            continue
        starts = sorted(offsets[bisect.bisect_left(offsets, low):bisect.bisect_left(offsets, high)]
                        + run_ends[bisect.bisect_left(run_ends, low):bisect.bisect_left(run_ends, high)])
        while starts and overlaps_digits(starts[-1], starts[-1] + 1):
            starts.pop()
        resume = low
        for start in starts:
            if start < resume:
                continue
            m = lex.words_re.search(text, max(resume, start - before), high)
            if m is None:
                break
            found.append(m)
            resume = m.end()
    return [m for m in found if not overlaps_digits(m.start(), m.end())]


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in `text`, in order, not overlapping; phones, clock times and codes are skipped.
    The patterns run only where they can match (see the module docstring): most of a text is neither
    digits nor number words, and a pattern tried at every character is what made this the costliest step."""
    lex = lexicon()
    runs = _digit_runs(text)
    found: list[NumberMention] = []
    matches = _digit_matches(text, runs, lex) if runs else []
    if matches:
        not_numbers = _not_number_spans(text, runs, lex)
        blocked = _Intervals(not_numbers) if not_numbers else None
        num = lex.groups.num + 1
        for m in matches:
            if blocked and blocked.contains(m.start(num), m.end(num)):
                continue
            mention = _from_digits(m)
            if mention:
                found.append(mention)
    in_words = [mention for m in _word_matches(text, runs, found, lex) if (mention := _from_words(m, lex))]
    return sorted(found + in_words, key=lambda n: n.start) if in_words else found


def parse_number(text: str) -> NumberMention | None:
    """The number that `text` is, when the whole (stripped) text is exactly one number; else None."""
    stripped = text.strip()
    offset = text.index(stripped) if stripped else 0
    found = find_numbers(stripped)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(stripped):
        n = found[0]
        return replace(n, start=n.start + offset, end=n.end + offset)
    return None
