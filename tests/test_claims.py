"""Claim assembly (extractor/claims.py) against rules/claims.corpus.yaml: every case yields exactly the
claims it lists, with the fields it gives."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extractor import claims as claims_module

from extractor.claims import Claim, extract_claims, metric_rules
from extractor.reader import matching_view
from extractor.ruledata import RuleDataError, rules_file

CASES = yaml.safe_load(rules_file("claims.corpus.yaml").read_text(encoding="utf-8"))["cases"]
CHECKED = ("metric", "value", "qualifier", "status", "region", "as_of")


def _params() -> list:
    return list(_iter_params())


def _iter_params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []
        yield pytest.param(case, id=case["id"], marks=marks)


def _as_dict(claim: Claim) -> dict:
    return {field: getattr(claim, field) for field in CHECKED}


@pytest.mark.parametrize("case", _params())
def test_claims_corpus(case):
    text = case["text"]
    claims = extract_claims(matching_view(text))
    expected = case["expect"]
    got = [_as_dict(c) for c in claims]
    assert len(got) == len(expected), f"got {got}"
    for claim, want in zip(got, expected):
        for field, value in want.items():
            if field == "value":
                assert claim["value"] == pytest.approx(float(value), rel=1e-9), (field, claim)
            else:
                assert claim[field] == str(value), (field, claim)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_claims_point_at_their_characters(case):
    text = case["text"]
    for claim in extract_claims(matching_view(text)):
        quote = text[claim.char_start:claim.char_end]
        assert quote and quote[0].isalnum() and claim.sentence_start <= claim.char_start < claim.char_end <= claim.sentence_end


def test_crlf_and_nbsp_leave_offsets_valid():
    text = "Cakupan JKN Jambi\r\n\r\nCakupan kepesertaan JKN di Provinsi Jambi mencapai 95,50\u00a0persen per Mei 2024."
    claims = extract_claims(matching_view(text))
    assert [(c.metric, c.value) for c in claims] == [("coverage_pct", 95.5)]
    assert text[claims[0].char_start:claims[0].char_end] == "95,50\u00a0persen"


def test_metric_rules_cover_the_contract_vocabulary():
    vocabulary = {"coverage_pct", "active_pct", "participants", "active_participants", "population",
                  "unregistered", "visits", "visits_per_day", "screenings", "uhc_provinces",
                  "uhc_regencies", "funding_idr"}
    assert {r.metric for r in metric_rules()} == vocabulary


def test_metric_rules_reject_unknown_keys(tmp_path, monkeypatch):
    import extractor.claims as claims

    monkeypatch.setattr(claims, "load_yaml", lambda name: {"metrics": [{"metric": "x", "unit": "u", "kind": "count", "colour": 1}]})
    claims.metric_rules.cache_clear()
    try:
        with pytest.raises(RuleDataError, match="colour"):
            claims.metric_rules()
    finally:
        claims.metric_rules.cache_clear()


@pytest.mark.parametrize("a,b,same", [
    (278e6, 278.1e6, True),      # headline rounds
    (277e6, 277.9e6, True),      # headline cuts
    (392.8e6, 392.9e6, False),   # two figures of the same precision
    (1e6, 1_076_232, False),     # "Satu Juta" is no rounding of 1.076.232 (7.6 % apart)
    (98, 98.76, False),          # "Tembus 98 Persen" over 98,76: beyond the scorer's 0.5 %
])
def test_repeats_of_a_figure(a, b, same):
    from extractor.claims import _same_figure

    assert _same_figure(a, b) is same and _same_figure(b, a) is same


# The pre-filters (only lines that can matter are scanned for dates and regions, only sentences with a
# number that can be a figure are tokenized) must change no claim: with them switched off, every article
# of the seed corpus and the challenge sets gives the same claims.
ARTICLES = sorted(Path("corpus").glob("*.txt")) + sorted(Path("eval/challenge/articles").glob("*.txt"))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_prefilters_change_no_claim(path, monkeypatch):
    view = matching_view(path.read_text(encoding="utf-8"))
    filtered = extract_claims(view)
    monkeypatch.setattr(claims_module, "_context_lines", lambda view, layout, numbers: [(0, len(view))])
    monkeypatch.setattr(claims_module, "_holds_figure", lambda share: bool(share["numbers"]))
    assert extract_claims(view) == filtered


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_sentences_joined_in_one_doc_keep_their_own_tokens(path):
    """The candidate sentences of an article are tokenized as one doc, joined by SENTENCE_JOINER: each
    must get exactly the tokens it gets on its own (spaCy's tokenizer splits at the joiner), or distances
    and clauses would change. Every sentence of the article is tried, not only the candidates."""
    from extractor.layout import analyse
    from extractor.pipeline import build_nlp, token_table

    view = matching_view(path.read_text(encoding="utf-8"))
    sentences = analyse(view).sentences
    empty = {key: [] for key in ("numbers", "dates", "regions", "cues")}
    located = claims_module._candidates_docs(view, {s.start: empty for s in sentences}, sentences, build_nlp())
    for sentence in sentences:
        doc, k = located[sentence.start]
        table, part = token_table(doc), claims_module.parts_of(doc)[k]
        first, end = table.tokens_in(part.start, part.end)
        alone = build_nlp().make_doc(view[sentence.start:sentence.end])
        assert [(t.idx - part.start, t.text) for t in doc[first:end]] == [(t.idx, t.text) for t in alone]
        assert [t.whitespace_ for t in doc[first:end - 1]] == [t.whitespace_ for t in alone[:-1]]


def test_context_lines_skip_paragraphs_without_numbers():
    text = ("Cakupan JKN Kota Ambon Capai 98 Persen\n\nAMBON - Cakupan kepesertaan mencapai 98 persen.\n\n"
            "Kepala dinas di Maluku menyampaikan terima kasih.\n\nJumlah peserta 300 ribu jiwa.\n")
    view = matching_view(text)
    from extractor.layout import analyse
    from extractor.numbers import find_numbers
    kept = claims_module.blank_outside(view, claims_module._context_lines(view, analyse(view), find_numbers(view)))
    assert "Maluku" not in kept and "Ambon" in kept and "300 ribu" in kept
    assert len(kept) == len(view)


def test_candidate_sentences_past_the_doc_size_limit_go_into_more_docs(monkeypatch):
    """Candidate sentences are joined into one doc up to spaCy's nlp.max_length, then another: an article
    whose figures fill more than that still gives every claim."""
    from extractor.pipeline import build_nlp

    text = " ".join(f"Cakupan kepesertaan JKN di kabupaten itu mencapai {90 + i % 9},{i % 10} persen." for i in range(40))
    view = matching_view(text)
    expected = extract_claims(view)
    nlp = build_nlp()
    monkeypatch.setattr(nlp, "max_length", 300)
    made = []
    real = claims_module._marked_doc
    monkeypatch.setattr(claims_module, "_marked_doc", lambda *a: made.append(real(*a)) or made[-1])
    assert extract_claims(view) == expected and len(expected) > 30   # (repeated values are one claim)
    assert len(made) > 5 and all(len(doc.text) <= 300 for doc in made)


def test_moved_mentions_are_the_mentions_with_shifted_offsets():
    """_share_out shifts each mention with its own moved(): every field but the offsets must stay."""
    from dataclasses import fields, replace

    from extractor.dates import find_dates
    from extractor.numbers import find_numbers
    from extractor.regions import Gazetteer

    text = "Per Mei 2024, cakupan JKN di Kabupaten Bangka mencapai 98,5 persen atau Rp 1,2 M tahun lalu."
    mentions = find_numbers(text) + find_dates(text) + Gazetteer.load().find(text)
    assert {type(m).__name__ for m in mentions} == {"NumberMention", "DateMention", "RegionMention"}
    for mention in mentions:
        moved = mention.moved(-7)
        assert type(moved) is type(mention) and moved == replace(mention, start=mention.start - 7, end=mention.end - 7)
        assert [f.name for f in fields(moved)] == [f.name for f in fields(mention)]
