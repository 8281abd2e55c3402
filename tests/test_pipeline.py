"""The spaCy pipeline (extractor/pipeline.py): one place, four components, spans with rule ids."""
from __future__ import annotations

from extractor.pipeline import SPAN_KEYS, build_nlp, expand_to_tokens, marks_of


def test_pipeline_is_built_once_with_its_components():
    nlp = build_nlp()
    assert nlp is build_nlp()
    assert nlp.lang == "id"
    assert nlp.pipe_names == ["jkn_numbers", "jkn_dates", "jkn_regions", "jkn_cues"]


def test_components_mark_spans_with_rule_ids_and_exact_mentions():
    doc = build_nlp()("Cakupan kepesertaan JKN di Kab. Bangka per Mei 2024 mencapai 99,19% atau Rp.315,00.")
    assert set(SPAN_KEYS) <= set(doc.spans)
    numbers = {s.text: s for s in doc.spans["numbers"]}
    assert numbers["99,19%"].id_ == "num.digits.decimal_comma"
    assert numbers["99,19%"]._.mention.value == 99.19
    # spaCy leaves "Rp.315,00" as "Rp" + ".315,00": the mention keeps the exact characters anyway.
    money = [s for s in doc.spans["numbers"] if s.label_ == "idr"][0]
    mention = money._.mention
    assert doc.text[mention.start:mention.end] == "Rp.315,00" and mention.value == 315.0
    assert [s._.mention.iso for s in doc.spans["dates"]] == ["2024-05"]
    assert [s._.mention.region.canonical for s in doc.spans["regions"]] == ["Kabupaten Bangka"]
    cue_ids = {s.id_ for s in doc.spans["cues"]}
    assert "cue.participation.cakupan_kepesertaan" in cue_ids


def test_a_number_and_a_cue_on_the_same_characters_keep_their_own_mentions():
    doc = build_nlp()("Jumlah Penduduk : 129.346 jiwa")
    assert all(s._.mention.start == s.start_char or s.label_ for s in doc.spans["cues"])
    assert doc.spans["numbers"][0]._.mention.value == 129346


def test_token_ranges_are_what_char_span_expand_gives():
    """The components align mentions to tokens by bisection over the token table; spaCy's own
    char_span(alignment_mode="expand") is the reference, for every character range of odd texts."""
    nlp = build_nlp()
    texts = ["  Cakupan JKN,  98,45 persen; “dan” 5jt. ", "Rp.315,00 x", "a", " ", "x  y   z\t\nw",
             "Jumlah Penduduk : 129.346 jiwa\n\n ok ", "😀 é\u0301 x"]
    for text in texts:
        doc = nlp.make_doc(text)
        for start in range(len(text) + 1):
            for end in range(start, len(text) + 2):
                span = doc.char_span(start, end, alignment_mode="expand")
                expected = None if span is None or len(span) == 0 else (span.start, span.end)
                assert expand_to_tokens(doc, start, end) == expected, (text, start, end)


def test_marks_agree_with_the_span_groups():
    """What the claims engine reads (doc.user_data marks) is what doc.spans holds, span for span."""
    doc = build_nlp()("Di Kab. Bangka, cakupan kepesertaan JKN per Mei 2024 mencapai 99,19% atau 315 ribu jiwa.")
    for key in SPAN_KEYS:
        spans, marks = list(doc.spans[key]), marks_of(doc, key)[0]
        assert spans, key
        assert [(m.start, m.end, m.start_char, m.end_char, m.label_, m.id_) for m in marks] == \
            [(s.start, s.end, s.start_char, s.end_char, s.label_, s.id_) for s in spans]
        assert [m.mention for m in marks] == [s._.mention for s in spans]


def test_clause_flags_say_what_the_tokens_attributes_say():
    """OPENS_CLAUSE / OPENS_APPOSITION are lexeme flags computed from a word's text; on every token of the
    seed corpus (and odd ones) they agree with the token-level definition: punctuation made of clause marks,
    or a clause-break word (rules/layout.yaml), any case."""
    from pathlib import Path

    from extractor.layout import layout_rules
    from extractor.pipeline import CLAUSE_MARKS, OPENS_APPOSITION, OPENS_CLAUSE

    rules = layout_rules()
    nlp = build_nlp()
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path("corpus").glob("*.txt"))]
    texts.append("DAN, Atau; “dan” – atau — sedangkan,, ; (JKN) \"atau\" dan/atau danau")
    for doc in map(nlp.make_doc, texts):
        for token in doc:
            opens = token.is_punct and token.text in CLAUSE_MARKS or token.lower_ in rules.clause_breaks
            assert token.check_flag(OPENS_CLAUSE) == opens, token.text
            assert token.check_flag(OPENS_APPOSITION) == (opens and token.lower_ in rules.appositions), token.text
