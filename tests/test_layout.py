"""Page layout (extractor/layout.py): title, lead, furniture, dateline prefixes, sentences."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import regex

from extractor import layout
from extractor.layout import analyse, split_sentences
from extractor.reader import matching_view

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _line_texts(text, role):
    layout = analyse(text)
    return [text[l.start:l.end] for l in layout.lines if l.role == role]


def test_title_skips_section_names_and_captions():
    text = (CORPUS / "000_4f7bde8ab2d6e228.txt").read_text()
    layout = analyse(text)
    title = layout.lines[layout.title]
    assert text[title.start:title.end].startswith("BPJS Kesehatan Catat Sepanjang 2024")
    lead = layout.lines[layout.lead]
    assert text[lead.start:lead.prefix_end] == "AMBON, TRIBUNAMBON.COM - "


@pytest.mark.parametrize("line", [
    "Baca juga: Tahun ke-3, Pemdes Rumah Tiga Ambon", "BACA JUGA:BPJS Kesehatan Libatkan Kejari",
    "Penulis: Maula Pelu | Editor: Mesya Marasabessy", "© 2025 TRIBUNnews.com Network",
    "Halaman", "12", "Reaksi anda terhadap berita ini :",
    "[penci_related_posts dis_pview=”no” title=”Baca Juga ”]"])
def test_furniture_lines(line):
    text = f"Judul berita tentang peserta JKN hari ini\n\n{line}\n\nIsi berita yang cukup panjang di sini."
    assert line in _line_texts(text, "furniture")


def test_everything_after_related_links_is_furniture():
    text = "Judul berita tentang peserta JKN hari ini\n\nIsi.\n\nBerita Terkait\nCakupan 98 persen di Jambi.\n"
    assert "Cakupan 98 persen di Jambi." in _line_texts(text, "furniture")


def test_line_after_a_bare_baca_juga_is_a_link_title():
    text = "Judul berita tentang peserta JKN hari ini\n\nBaca Juga\nPeserta JKN Capai 98 Persen\nSebelumnya, proses ini wajib."
    assert "Peserta JKN Capai 98 Persen" in _line_texts(text, "furniture")
    assert "Sebelumnya, proses ini wajib." not in _line_texts(text, "furniture")


@pytest.mark.parametrize("prefix", ["Kulon Progo (ANTARA) - ", "KBRN, Jakarta: ", "Bisnis.com, JAKARTA — ",
                                    "Jakarta - ", "GresikSatu | ", "PALEMBANG, RADARPALEMBANG.COM – "])
def test_dateline_prefixes(prefix):
    text = f"Judul berita tentang peserta JKN hari ini\n\n{prefix}Pemerintah daerah mencatat kenaikan jumlah peserta JKN tahun ini."
    layout = analyse(text)
    lead = layout.lines[layout.lead]
    assert text[lead.start:lead.prefix_end] == prefix


def test_sentences_do_not_break_inside_numbers_abbreviations_or_initials():
    text = "Sedangkan masih ada 7.298. 932 jiwa. Dr. Ahmad dan A. Muhaimin hadir di Kab. Bangka. Rp. 5 juta dibayar."
    spans = split_sentences(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == [
        "Sedangkan masih ada 7.298. 932 jiwa.", "Dr. Ahmad dan A. Muhaimin hadir di Kab. Bangka.",
        "Rp. 5 juta dibayar."]


def test_offsets_survive_crlf_in_the_view():
    text = "Judul berita tentang peserta JKN hari ini\r\n\r\nKalimat pertama. Kalimat kedua.\r\n"
    view = matching_view(text)
    layout = analyse(view)
    assert [text[s.start:s.end] for s in layout.sentences] == [
        "Judul berita tentang peserta JKN hari ini", "Kalimat pertama.", "Kalimat kedua."]


# ---- the shortcuts analyse takes must give what the plain definitions give

ODD_TEXTS = [
    "", " ", "\n\n", "kata", "“Kata” – kata—kata", "café au lait", "Ünal İstanbul ß", "a\u0301b c\u0301",
    "٣٤ ２０２４ 12,5", "x_y z__", "\u200cjoin\u200d", "中文 字", "\ud800lone surrogate", "😀 emoji",
    "Ⓐ circled", "tab\tand\x0bvt\x0cff\x1cfs\x1dgs\x1ers\x1fus\x85nel\xa0nbsp\u2028ls\u3000ideo",
    "  indented line  \n\n\x1c\n trailing \x1f\nlast", "Rp. 5 juta. Dr. Ahmad! Apa? “Ya.” Tidak.)  Baru",
    "Kalimat.\u00a0Baru. x.\tY. z.\nA.", "titik....... Banyak!!! Sekali?\" Ya", "(a) [b] 'c' \"d\"",
]


def _random_texts(count, more_pieces=()):
    rng = random.Random(5)
    pieces = ["a", "B", "kata", "Kata", "é", "İ", "\u0301", "٣", "1", "_", ".", "!", "?", ",", ":", "\"", "”",
              "’", ")", "]", " ", "  ", "\t", "\n", "\n\n", "\xa0", "\x1c", "\u2028", "–", "©", "😀", "Kab",
              *more_pieces]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def test_word_counts_are_the_regex_word_counts():
    for text in ODD_TEXTS + _random_texts(3000):
        assert layout._word_count(text) == len(layout._WORD.findall(text)), repr(text)
        spans = layout._raw_lines(text)
        assert layout._word_counts(text, spans) == [len(layout._WORD.findall(text[s:e]))
                                                    for s, e in spans]


def test_raw_lines_are_the_stripped_lines():
    def stripped_lines(text):
        spans, pos = [], 0
        for chunk in text.split("\n"):
            if chunk.strip():
                lead = len(chunk) - len(chunk.lstrip())
                spans.append((pos + lead, pos + lead + len(chunk.strip())))
            pos += len(chunk) + 1
        return spans
    for text in ODD_TEXTS + _random_texts(3000):
        assert layout._raw_lines(text) == stripped_lines(text), repr(text)


def test_every_regex_blank_is_a_python_blank():
    # _MARK_BEFORE_BLANK (re's \s) and _line_start_pattern (a trimmed line) rely on it.
    blank = regex.compile(r"\s", regex.V1)
    assert all(chr(c).isspace() for c in range(sys.maxunicode + 1) if blank.match(chr(c)))


def test_sentences_of_a_line_are_found_as_split_sentences_finds_them():
    for text in ODD_TEXTS + _random_texts(5000, ["Dr", "A", "“", "‘", "(", "[", "'", "...", "!?"]):
        spans = layout._raw_lines(text)
        runs = layout._sentence_end_runs(text, spans)
        for i, (start, end) in enumerate(spans):
            found = layout._line_sentences(text, start, end, runs[i]) if i in runs else [(start, end)]
            assert found == split_sentences(text, start, end), repr(text)


@pytest.mark.parametrize("line", [
    "Berita Terkait", "Baca juga: Peserta JKN", "Baca Juga", "Penulis: Arif", "Editor: Arif", "12",
    "Halaman 2", "Komentar", "Berita terkait baca juga", "Isi berita biasa.", "Bacaan", "Sumber : BPJS",
    "[shortcode x=1]"])
def test_one_line_start_match_says_what_each_label_alone_says(line):
    m = layout.layout_rules().line_start.match(line)
    for label in layout._LINE_START_LABELS:
        rules = [r.pattern for r in layout.load_rules(layout.RULES_FILE) if r.label == label]
        alone = layout.rule_regex(rf"^\s*(?:{'|'.join(f'(?:{p})' for p in rules)})(?!\p{{L}})").match(line)
        if alone:
            assert m.lastgroup == label and m.end() == alone.end()
            break
    else:
        assert m is None


def test_dateline_patterns_match_as_the_rules_alone_do():
    rules = layout.layout_rules()
    dateline_pieces = ["AMBON", "Jakarta", "KOTA", "(ANTARA)", "(", ")", "|", "-", "–", "—", ".co.id"]
    for text in ["AMBON, TRIBUNAMBON.COM - Isi", "Kulon Progo (ANTARA) - Isi", "Jakarta, tvOnenews.com - Isi",
                 "Jakarta - Isi", "KONTAN.CO.ID - JAKARTA. Isi", "GresikSatu | Isi", "Isi berita", "Arsip - x",
                 "AMBON, TRIBUN\n\n- Isi"] + _random_texts(5000, dateline_pieces):
        any_rule = False
        for pattern, rule in rules.dateline:
            m, plain = pattern.match(text), regex.compile(rf"\s*(?:{rule.pattern})", regex.V1).match(text)
            assert (m and (m.span(), m.groupdict())) == (plain and (plain.span(), plain.groupdict()))
            any_rule = any_rule or bool(m)
        assert bool(rules.any_dateline.match(text)) == any_rule, repr(text)
