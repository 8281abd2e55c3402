"""The number layer (extractor/numbers.py, rules/numbers.yaml).

The conformance corpus rules/numbers.corpus.yaml (grouped by expected value) runs as one parametrized
test; then every rule's examples, Hypothesis round trips of Indonesian formatting, and adversarial input.
"""
from __future__ import annotations

import math

import pytest
from corpus_params import corpus_cases, rule_examples
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import numbers
from extractor.numbers import find_numbers, lexicon, parse_number
from extractor.reader import matching_view
from extractor.ruledata import Rule, RuleDataError, load_yaml

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
