"""Page layout (extractor/layout.py): title, lead, furniture, dateline prefixes, sentences."""
from __future__ import annotations

from pathlib import Path

import pytest

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
