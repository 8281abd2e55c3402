"""The date layer (extractor/dates.py, rules/dates.yaml).

The conformance corpus rules/dates.corpus.yaml (grouped by expected ISO value) runs as one parametrized
test; then every rule's examples, Hypothesis round trips of Indonesian date formats, the search (which must
find what a plain search finds) and adversarial input.
"""
from __future__ import annotations

import datetime as dt
from operator import itemgetter

import pytest
from corpus_params import corpus_cases, rule_examples
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import dates
from extractor.dates import KIND_RANK, find_dates, lexicon, parse_date, resolve
from extractor.literals import PrefixIndex, find_each
from extractor.ruledata import load_yaml, rule_regex
from extractor.spans import longest_non_overlapping, windows

CORPUS = load_yaml("dates.corpus.yaml")
REFERENCE = "2025-07-14"   # the dateline that rule examples of relative dates are read against
PROPERTY = settings(max_examples=200, deadline=None)


def _case_id(text: str, group: dict) -> str:
    ref = group.get("reference")
    return (text or "<empty>") + (f" @{ref}" if ref else "")


def _corpus_cases():
    return corpus_cases(CORPUS, _case_id)


def _negative_cases():
    for item in CORPUS["negative"]:
        text, ref = ((item["text"], item["reference"]) if isinstance(item, dict)
                     else (item, CORPUS["negative_reference"]))
        yield pytest.param(text, ref, id=_case_id(text, {"reference": ref}))


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(text[m.start:m.end], m.iso, m.rule) for m in find_dates(text)]


# --- the corpus -------------------------------------------------------------------------------


def test_corpus_size() -> None:
    positives = sum(len(g["texts"]) for g in CORPUS["groups"])
    assert positives >= 120 and len(CORPUS["negative"]) >= 25


@pytest.mark.parametrize("text, group", list(_corpus_cases()))
def test_corpus(text: str, group: dict) -> None:
    got = parse_date(text, group.get("reference", ""))
    assert got == group["iso"], f"{text!r}: got {got!r}, want {group['iso']!r}; found {_found(text)}"


@pytest.mark.parametrize("text, reference", list(_negative_cases()))
def test_corpus_negative(text: str, reference: str) -> None:
    assert parse_date(text, reference) is None, _found(text)


def test_corpus_isos_are_partial_iso() -> None:
    for group in CORPUS["groups"] + (CORPUS.get("xfail") or []):
        iso = group["iso"]
        assert regex.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", iso), iso
        dt.date.fromisoformat(iso + "-01" * (2 - iso.count("-")))


# --- every rule's examples --------------------------------------------------------------------


@pytest.mark.parametrize("rule, example", rule_examples("dates.yaml"))
def test_rule_example_is_found(rule, example: str) -> None:
    """A rule's example holds its pattern and is a whole date the engine reads (relative ones against
    REFERENCE); a relative or fallback example is read by that very rule."""
    assert regex.search(rule.pattern, example, regex.IGNORECASE | regex.V1), (rule.id, example)
    assert parse_date(example, REFERENCE), (example, _found(example))
    if rule.label.startswith("relative_"):
        assert [m.rule for m in find_dates(example)] == [rule.id]
    if rule.label == "fallback":
        assert [m.rule for m in find_dates(example)] == ["date.fallback.dateparser"]


def test_kinds_are_ranked() -> None:
    text = "Senin (14/7/2025), per Mei 2024, 1 Maret 2023, sepanjang 2024 dan 2019"
    kinds = {text[m.start:m.end]: m.kind for m in find_dates(text)}
    assert kinds == {"Senin (14/7/2025)": "dateline", "Mei 2024": "anchored", "1 Maret 2023": "plain",
                     "2024": "anchored", "2019": "bare"}
    assert set(kinds.values()) <= set(KIND_RANK)


def test_resolve_leaves_absolute_dates_alone() -> None:
    (mention,) = find_dates("per Mei 2024")
    assert resolve(mention, REFERENCE) is mention


# --- Hypothesis: Indonesian date formats read back --------------------------------------------

DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
MONTH_NAMES: dict[int, list[str]] = {}
for _name, _number in sorted(lexicon().months.items()):
    MONTH_NAMES.setdefault(_number, []).append(_name)
CASES = st.sampled_from([str.lower, str.title, str.upper])


@PROPERTY
@given(DATES, st.booleans(), st.sampled_from(["/", "-"]))
def test_numeric_date_round_trip(day: dt.date, padded: bool, sep: str) -> None:
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if padded else (str(day.day), str(day.month))
    text = f"{d}{sep}{m}{sep}{day.year}"
    assert parse_date(text) == day.isoformat(), text


@PROPERTY
@given(DATES, st.data(), CASES)
def test_day_month_year_round_trip(day: dt.date, data, case) -> None:
    month = case(data.draw(st.sampled_from(MONTH_NAMES[day.month])))
    text = f"{day.day} {month} {day.year}"
    assert parse_date(text) == day.isoformat(), text


@PROPERTY
@given(DATES, st.data(), CASES, st.sampled_from(["", "per ", "hingga ", "bulan "]))
def test_month_year_round_trip(day: dt.date, data, case, lead: str) -> None:
    month = case(data.draw(st.sampled_from(MONTH_NAMES[day.month])))
    text = f"{lead}{month} {day.year}"
    assert parse_date(text) == f"{day.year:04d}-{day.month:02d}", text


@PROPERTY
@given(st.integers(1990, 2100), st.integers(1, 4), st.sampled_from(["kuartal", "triwulan", "Q"]), st.booleans())
def test_quarter_round_trip(year: int, q: int, word: str, roman: bool) -> None:
    """A quarter is dated by its last month (the contract): "kuartal IV 2022" -> 2022-12."""
    if word == "Q":
        text = f"Q{q} {year}"
    else:
        text = f"{word} {['I', 'II', 'III', 'IV'][q - 1] if roman else q} {year}"
    assert parse_date(text) == f"{year:04d}-{3 * q:02d}", text


@PROPERTY
@given(st.integers(1990, 2100), st.integers(1, 2), st.sampled_from(["semester", "Semester", "smt"]), st.booleans())
def test_semester_round_trip(year: int, half: int, word: str, roman: bool) -> None:
    text = f"{word} {['I', 'II'][half - 1] if roman else half} {year}"
    assert parse_date(text) == f"{year:04d}-{6 * half:02d}", text


# --- the search: what a plain search finds ----------------------------------------------------

# The search the candidates of find_dates must agree with: windows around every run of digits that begins
# a trigger (the trigger matched at the run's start), each form tried in them at the literal prefixes
# literals.PrefixIndex reads from it, digits included; the loose forms at theirs, of six characters.
_PLAIN_TRIGGER = regex.compile(r"(?<![0-9])(?:(?:19|20|21)[0-9]{2}|[0-9]{1,2}[/-][0-9]{1,2}[/-][0-9]{2})(?![0-9])")


def _plain_triggers(text: str) -> list[tuple[int, int]]:
    starts = (run.start() for run in regex.finditer("[0-9]+", text))
    return [m.span() for m in (_PLAIN_TRIGGER.match(text, start) for start in starts) if m]


def _plain_find_dates(text: str) -> list:
    lex = lexicon()
    fast_index = PrefixIndex.of([form.pattern.pattern for form in lex.forms])
    found: list[tuple] = []
    for start, end in windows(_plain_triggers(text), text, dates.WINDOW_BEFORE, dates.WINDOW_AFTER):
        for i, m in find_each(lex.fast_patterns, fast_index, text, start, end):
            form = lex.forms[i]
            iso = form.iso(m.groups(), form.slot, lex)
            if iso:
                found.append((m.start(), m.end(), iso, form, m.groups()))
    loose = dates._loose_mentions(text, PrefixIndex.of([p.pattern for p in lex.loose]).candidates(text), lex)
    found += [(m.start, m.end, m) for m in loose]
    found.sort(key=itemgetter(0, 1))
    return [dates._mention(item, text, lex) for item in longest_non_overlapping(found, itemgetter(0, 1))]


# Pieces of dates and of what sits near them, glued together at random (so also inside words), with the
# characters on which lower-casing and case-insensitive matching disagree, and a Kelvin sign ("K" = "k").
_PIECES = ["Senin", "Jum'at", "Selasa", "(", ")", ", ", " ", "  ", "\n", "14", "7", "1", "01", "2024", "2020",
           "1990", "2100", "2300", "25", "123", "1.234", "/", "-", "–", "Mei", "Juli", "SEPT", "sep", "Des", "desa",
           "Nopember", "tahun", "TA", "th.", "thn", "kuartal", "Q", "IV", "ke-", "semester", "akhir", "awal", "per",
           "hingga", "s.d.", "bulan", "lalu", "ini", "kemarin", "hari", "depan", "sebelumnya", "setahun", "data",
           "kota", "x", "\u017f", "\u0130", "\u0131", "\u212a", "ſeptember", "tahun ſebelumnya",
           "14 Juli 2024", "9 November 2025", "14/7/2025", "(14/7/25)", "31/2/2024", "2020-2024", "2024 – 2020",
           "Q3 2023", "kuartal IV 2022", "akhir tahun 2023", "Mei 2024", "per Agustus", "Juli 14, 2025"]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_TEXTS)
def test_find_dates_finds_what_a_plain_search_finds(text: str) -> None:
    assert find_dates(text) == _plain_find_dates(text)


@PROPERTY
@given(st.text(alphabet="0123456789/-.a ", max_size=40))
def test_a_trigger_begins_at_a_run_of_digits(text: str) -> None:
    assert [m.span() for m in dates._TRIGGER.finditer(text, overlapped=True)] == _plain_triggers(text)


@PROPERTY
@given(_TEXTS)
def test_matches_at_candidates_are_what_find_each_finds(text: str) -> None:
    lex = lexicon()
    index = PrefixIndex.of([p.pattern for p in lex.loose])
    got = dates._matches(lex.loose, index.candidates(text), text, 0, len(text))
    assert [(i, m.span()) for i, m in got] == [(i, m.span()) for i, m in find_each(lex.loose, index, text)]


@PROPERTY
@given(_TEXTS)
def test_an_index_without_longer_prefixes_gives_the_same_candidates(text: str) -> None:
    index = PrefixIndex.of([form.pattern.pattern for form in lexicon().forms] + ["(?:tahun ini|tahun depan)"])
    assert len(dates._without_longer(index).members) < len(index.members)
    assert dates._without_longer(index).candidates(text) == index.candidates(text)


@PROPERTY
@given(st.lists(st.sampled_from(["per", "hingga", "sampai dengan", "s.d.", "APBD", "bulan", "tahun", "TA", "th.",
                                 "data", "di", " ", "  ", "\n", ",", "x", "Mei"]), max_size=8).map("".join))
def test_the_anchor_test_backwards_is_the_search_forwards(text: str) -> None:
    """_kind matches the anchor pattern backwards from the end of the text before a date; the pattern
    ends in "$", so that finds an anchor exactly where a search from the front does."""
    lex = lexicon()
    assert bool(lex.anchor_ending.match(text)) == bool(lex.anchor_before.search(text))


def test_folding_outliers_are_where_lower_casing_and_case_insensitive_matching_disagree() -> None:
    """Long prefixes of the loose forms are looked for in the lower-cased text: that finds every match only
    where lower() turns each character a pattern's ASCII letter matches into that letter, one for one."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    disagree = {c for ascii_char in map(chr, range(128))
                for c in set(rule_regex(regex.escape(ascii_char)).findall(every)) if c.lower() != ascii_char.lower()}
    disagree |= {c for c in every if len(c.lower()) != 1}
    assert disagree == set(dates.FOLDING_OUTLIERS)


# --- adversarial input: returns, without error ------------------------------------------------


@pytest.mark.parametrize("text", [
    "1." * 200_000,
    "lebih dari " * 50_000,
    "1/" * 50_000,
    "Senin, " * 20_000,
    "per " * 50_000 + "2024",
    "akhir tahun " * 20_000,
], ids=lambda t: f"{t[:12]!r}x{len(t)}")
def test_adversarial_input(text: str) -> None:
    assert isinstance(find_dates(text), list)
