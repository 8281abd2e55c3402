"""The number layer (extractor/numbers.py, rules/numbers.yaml).

The conformance corpus rules/numbers.corpus.yaml (grouped by expected value) runs as one parametrized
test; then every rule's examples, Hypothesis round trips of Indonesian formatting, and adversarial input.
"""
from __future__ import annotations

import math

import pytest
from corpus_params import corpus_cases, rule_examples
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import numbers
from extractor.numbers import NumberMention, find_numbers, lexicon, parse_number
from extractor.reader import matching_view
from extractor.ruledata import Rule, RuleDataError, load_yaml, rule_regex
from extractor.spans import windows

CORPUS = load_yaml("numbers.corpus.yaml")
PROPERTY = settings(max_examples=200, deadline=None)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _case_id(text: str, group: dict) -> str:
    return ("view:" + ascii(text)[1:-1]) if group.get("view") else (text or "<empty>")


def _corpus_cases():
    return corpus_cases(CORPUS, _case_id)


def _read(text: str, group: dict):
    return parse_number(matching_view(text) if group.get("view") else text)


# --- the corpus -------------------------------------------------------------------------------


def test_corpus_size() -> None:
    positives = sum(len(g["texts"]) for g in CORPUS["groups"])
    assert positives >= 200 and len(CORPUS["negative"]) >= 40


@pytest.mark.parametrize("text, group", list(_corpus_cases()))
def test_corpus(text: str, group: dict) -> None:
    found = _read(text, group)
    assert found is not None, f"{text!r} read as no single number: {find_numbers(text)}"
    got = (found.value, found.kind, found.approx)
    want = (float(group["value"]), group["kind"], bool(group.get("approx", False)))
    assert _close(got[0], want[0]) and got[1:] == want[1:], f"{text!r}: got {got}, want {want}"


@pytest.mark.parametrize("text", CORPUS["negative"], ids=lambda t: t or "<empty>")
def test_corpus_negative(text: str) -> None:
    assert parse_number(text) is None, find_numbers(text)


def test_corpus_texts_are_unique() -> None:
    # A text in two groups could never pass both: the corpus would contradict itself.
    texts = [(t, bool(g.get("view"))) for g in CORPUS["groups"] + (CORPUS.get("xfail") or []) for t in g["texts"]]
    texts += [(t, False) for t in CORPUS["negative"]]
    dupes = {t for t in texts if texts.count(t) > 1}
    assert not dupes


# --- every rule's examples --------------------------------------------------------------------


@pytest.mark.parametrize("rule, example", rule_examples("numbers.yaml"))
def test_rule_example_is_found(rule, example: str) -> None:
    """A rule's example is a whole figure the engine reads with that rule (or, for not_number, no figure)."""
    if rule.label == "not_number":
        assert find_numbers(example) == []
        return
    found = parse_number(example)
    assert found is not None, (example, find_numbers(example))
    if rule.label.startswith("digits_"):
        assert found.rule == rule.id
    elif rule.label in ("scale", "scale_one", "scale_money", "scale_approx"):
        assert found.has_scale and found.approx == (rule.label == "scale_approx")
    elif rule.label == "percent":
        assert found.kind == "percent"
    elif rule.label.startswith("currency_"):
        assert found.kind == "idr"
    elif rule.label == "decimal_point":
        assert found.is_decimal


def test_lexicon_is_cached() -> None:
    assert lexicon() is lexicon()


# --- Hypothesis: Indonesian formatting reads back ---------------------------------------------

SCALES = {None: 1.0, "ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "milyar": 1e9, "triliun": 1e12}


def _dots(n: int) -> str:
    """1076232 -> "1.076.232"."""
    return f"{n:,}".replace(",", ".")


@PROPERTY
@given(st.integers(min_value=0, max_value=10**15))
def test_dot_thousands_round_trip(n: int) -> None:
    found = parse_number(_dots(n))
    assert found is not None and found.value == n and found.kind == "count", _dots(n)


@PROPERTY
@given(st.integers(0, 999_999), st.from_regex(r"[0-9]{1,3}", fullmatch=True), st.sampled_from(sorted(SCALES, key=str)))
def test_decimal_comma_with_scale_round_trip(whole: int, frac: str, scale: str | None) -> None:
    text = f"{_dots(whole)},{frac}" + (f" {scale}" if scale else "")
    found = parse_number(text)
    assert found is not None, text
    assert _close(found.value, float(f"{whole}.{frac}") * SCALES[scale]) and found.kind == "count", text
    assert found.has_scale == (scale is not None)


@PROPERTY
@given(st.integers(0, 100), st.one_of(st.none(), st.from_regex(r"[0-9]{1,2}", fullmatch=True)),
       st.sampled_from([" persen", "%", " %", " Persen", "persen"]))
def test_percent_round_trip(whole: int, frac: str | None, sign: str) -> None:
    text = f"{whole}" + (f",{frac}" if frac else "") + sign
    found = parse_number(text)
    assert found is not None and found.kind == "percent", text
    assert _close(found.value, float(f"{whole}.{frac or 0}")), text


@PROPERTY
@given(st.integers(0, 10**13), st.one_of(st.none(), st.integers(0, 99)),
       st.sampled_from(["Rp ", "Rp", "Rp. ", "Rp.", "IDR "]))
def test_rupiah_round_trip(n: int, cents: int | None, prefix: str) -> None:
    text = prefix + _dots(n) + (f",{cents:02d}" if cents is not None else "")
    found = parse_number(text)
    assert found is not None and found.kind == "idr", text
    assert _close(found.value, n + (cents or 0) / 100), text


@PROPERTY
@given(st.integers(0, 10**13), st.sampled_from(["Rp ", "Rp", "Rp. "]))
def test_rupiah_no_cents_round_trip(n: int, prefix: str) -> None:
    text = f"{prefix}{_dots(n)},-"
    found = parse_number(text)
    assert found is not None and found.kind == "idr" and found.value == n, text


# --- adversarial input: returns, without error ------------------------------------------------


@pytest.mark.parametrize("text", [
    "1." * 200_000,
    "lebih dari " * 50_000,
    "1, " * 20_000,
    "a" * 100_000,          # once quadratic: the code pattern scanned every start inside a word
    "1" * 100_000,
    "Rp " * 50_000,
    "satu koma " * 20_000,
], ids=lambda t: f"{t[:12]!r}x{len(t)}")
def test_adversarial_input(text: str) -> None:
    assert isinstance(find_numbers(text), list)


def test_rules_whose_suffix_has_no_bounded_width_are_refused():
    # The number patterns run in windows as wide as the rules reach (numbers._reach): a currency or scale
    # pattern with no bounded width would make those windows unsafe, so it is a data error.
    rules = tuple(r for r in numbers.lexicon().rules if r.label != "currency_prefix")
    unbounded = Rule(id="num.currency.test", label="currency_prefix", pattern=r"Rp\s*")
    with pytest.raises(RuleDataError, match="no bounded width"):
        numbers._reach(rules + (unbounded,))
    assert numbers._reach(numbers.lexicon().rules) == numbers.lexicon().reach


# --- the shortcuts find what plain scans find ---------------------------------------------------------
#
# find_numbers tries each pattern only where it can match (see the module docstring). Each property below
# compares one shortcut with the plain way on texts made of what the rules look for, glued by every kind
# of space and sign, digits of other scripts, and the letters that case folding treats apart from
# str.lower ("ſ" is an "s" to the patterns, "ı" an "I", "K" a "k").

TOKENS = ["0", "1", "12", "2024", "0812", "021", "62", "3456", "1.076.232", "2.83", "12,5", "95, 50", "5.000,-",
          "1,076,232", "٣", "１２", "𑽐", ".", ",", ":", "-", "/", "+", "(", ")", "%", "％", ",-",
          " ", " ", " ", "  ", "\t", "\n", "\xa0", "\x1c", "\u3000", "x", "Ab", "dan", "tahun", "sebesar", "“",
          "ke", "Ke-", "no.", "Nomor", "nomer", "Pasal", "paſal", "ayat", "Covid", "H", "arah", "WIB", "WITA",
          "Rp", "Rp.", "IDR", "ıdr", "İDR", "juta", "jt", "ribu-an", "M", "T", "persen", "per sen", "rupiah",
          "satu", "ſatu", "lima", "dua", "koma", "setengah", "sejuta", "puluh", "\u212a", "ß", "5lima", "juta lima"]
MIXED = settings(max_examples=300, deadline=None, derandomize=True)


def _mixed_texts():
    return st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


def _plain_digit_matches(text: str) -> list:
    lex = lexicon()
    runs = [m.span() for m in regex.finditer(r"\d+", text)]
    return [m for low, high in windows(runs, text, *lex.reach, whole_words=False)
            for m in lex.number_re.finditer(text, low, high)]


def _plain_word_matches(text: str) -> list:
    lex = lexicon()
    starts = [(o, o + lex.longest_word) for o, _ in lex.first_words.candidates(text)]
    return [m for low, high in windows(starts, text, *lex.reach, whole_words=False)
            for m in lex.words_re.finditer(text, low, high)]


def _plain_find_numbers(text: str) -> list[NumberMention]:
    """find_numbers the plain way: the number and number-word patterns scan every window, and each
    not-number pattern the whole text."""
    lex = lexicon()
    blocked = numbers._Intervals([m.span() for p in lex.not_number_res for m in p.finditer(text)])
    num = lex.groups.num + 1
    in_digits = [n for m in _plain_digit_matches(text)
                 if not blocked.contains(m.start(num), m.end(num)) and (n := numbers._from_digits(m))]
    in_words = [n for m in _plain_word_matches(text)
                if not any(d.start < m.end() and m.start() < d.end for d in in_digits)
                and (n := numbers._from_words(m, lex))]
    return sorted(in_digits + in_words, key=lambda n: n.start)


@pytest.mark.parametrize("text", [
    "satu 5lima",            # a number word right after a digit: no word start to the prefix index
    "satu, ſatu dua",        # "ſatu" is "satu" to the pattern, not to str.lower: it takes "dua" along
    "1,8 juta lima",         # "juta lima" overlaps 1,8 juta and takes "lima" along
    "1,8 juta, lima",
    "Rp5 juta dua",
    "ke- 5 dan ke-  6",      # at most one space after "ke-"
    "Pasal\t\t7 ayat\n2",     # any whitespace after pasal
    "paſal 5",
    "no.12/2011",
    "13.09 WITA",
    "0812-3456-7890 dan 12",
    "10812-3456-7890",       # a phone pattern looks back past where it is tried
    "1٣:09 WIB",
    "Covid-19/2020 ke19",
])
def test_edge_cases_as_the_plain_scans_read_them(text):
    assert find_numbers(text) == _plain_find_numbers(text)


@MIXED
@given(_mixed_texts())
def test_find_numbers_equals_the_plain_scans(text):
    assert find_numbers(text) == _plain_find_numbers(text)


@MIXED
@given(_mixed_texts())
def test_digit_runs_are_those_of_backslash_d(text):
    assert numbers._digit_runs(text) == [m.span() for m in regex.finditer(r"\d+", text)]


@MIXED
@given(_mixed_texts())
def test_digit_matches_equal_a_scan_of_each_window(text):
    got = numbers._digit_matches(text, numbers._digit_runs(text), lexicon())
    assert [(m.span(), m.groups()) for m in got] == [(m.span(), m.groups()) for m in _plain_digit_matches(text)]


@MIXED
@given(_mixed_texts())
def test_not_numbers_equal_a_scan_of_each_pattern(text):
    lex = lexicon()
    got = numbers._not_number_spans(text, numbers._digit_runs(text), lex)
    assert sorted(got) == sorted(m.span() for p in lex.not_number_res for m in p.finditer(text))


@MIXED
@given(_mixed_texts())
def test_word_matches_equal_a_scan_of_each_window(text):
    lex = lexicon()
    runs = numbers._digit_runs(text)
    in_digits = [n for n in find_numbers(text) if n.rule.startswith("num.digits.")]
    got = numbers._word_matches(text, runs, in_digits, lex)
    plain = [m for m in _plain_word_matches(text)
             if not any(n.start < m.end() and m.start() < n.end for n in in_digits)]
    assert [m.span() for m in got] == [m.span() for m in plain]


def test_every_not_number_rule_is_tried_at_digit_runs_only():
    # None falls back to a scan of the whole text (an attempt at every digit: half the cost of the step).
    assert lexicon().not_numbers_scanned == ()


@pytest.mark.parametrize("pattern, shapes", [
    (r"(?<!\d)\d{1,2}:\d{2}", [("", (0, 0), None, 1, 2, {":"})]),
    (r"\bpasal\s*\d+", [("pasal", (0, None), None, 1, None, None)]),
    (r"-\d+|\d(?<!\d\d)\d*+[-/]\p{L}+", [("-", (0, 0), None, 1, None, None), ("", (0, 0), None, 1, None, {"-", "/"})]),
    (r"\(0\d{2,3}\)", [("(", (0, 0), {"0"}, 3, 4, {")"})]),
    (r"(?<!\d)[0-9]{3}(?!\d)", [("", (0, 0), set("0123456789"), 3, 3, None)]),
])
def test_run_shapes_read_from_patterns(pattern, shapes):
    got = [(s.lead, s.gap, s.first and set(s.first), s.shortest, s.longest, s.after and set(s.after))
           for s in numbers._run_shapes(pattern)]
    assert got == shapes


@pytest.mark.parametrize("pattern", [
    r"\d+-\d+",              # may begin inside a run of digits
    r"[a-z]\d",              # a class before the digits
    r"\b(?:x|\d)\d",         # an alternative that begins with a letter class... or nothing readable
    r"(?i:ke)\d",            # a group that sets flags
    r"ke\s*-\s*\d",          # whitespace, then more lead
])
def test_patterns_whose_beginning_is_not_read_scan_the_text(pattern):
    assert numbers._run_shapes(pattern) is None


def test_a_digits_rule_must_begin_with_a_digit():
    rules = [r for r in lexicon().rules if r.label.startswith("digits_")]
    numbers._check_digits_lead(rules)
    with pytest.raises(RuleDataError, match="must begin with a digit"):
        numbers._check_digits_lead(rules + [Rule(id="num.digits.test", label="digits_integer", pattern=r"\.?[0-9]+")])


# --- what the shortcuts take from Unicode and the regex module, checked over every code point ---------

CODE_POINTS = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def test_str_isspace_holds_for_every_whitespace_of_the_patterns():
    # _RunShape walks back over whitespace with str.isspace; the patterns' \s must read nothing else.
    space = rule_regex(r"\s")
    assert [c for c in CODE_POINTS if space.fullmatch(c) and not c.isspace()] == []


def test_ascii_signs_match_only_themselves_when_case_is_ignored():
    # Run shapes compare signs before and after a digit run ("-", "(", ":") exactly.
    signs = [chr(c) for c in range(128) if not chr(c).isalnum()]
    sign = rule_regex("[" + "".join(regex.escape(s) for s in signs) + "]")
    assert {c for c in CODE_POINTS if sign.fullmatch(c)} == set(signs)


def test_outside_ascii_only_few_letters_fold_to_ascii_ones_unlike_str_lower():
    # Why a lead (and a window of number words) is compared with str.lower only where the text is ASCII:
    # to the patterns these are ASCII letters, to str.lower they are not.
    letters = rule_regex("[a-zA-Z]")
    assert {c for c in CODE_POINTS if letters.fullmatch(c) and not c.isascii() and c.lower() not in
            "abcdefghijklmnopqrstuvwxyz"} == {"ſ", "ı", "İ"}
