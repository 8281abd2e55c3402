"""Governing context (extractor/context.py): what a sentence inherits when it says no date or region."""
from __future__ import annotations

from extractor.context import COUNTRY, article_context
from extractor.layout import analyse
from extractor.reader import matching_view
from extractor.regions import Gazetteer

NATIONAL = 60_000_000


def context_of(text: str, published: str = ""):
    view = matching_view(text)
    article = article_context(view, analyse(view), Gazetteer.load(), published, NATIONAL)
    return {view[i.sentence.start:i.sentence.end]: c for i, c in zip(article.sentences, article.inherited)}, article


def test_lead_date_governs_over_a_caption_dateline():
    text = ("Peserta JKN bertambah terus tiap tahun\n\nDirut BPJS Kesehatan saat acara, Selasa 14 Maret 2023.\n\n"
            "PALEMBANG, RADARPALEMBANG.COM - Program JKN menjamin 252,1 juta jiwa hingga 1 Maret 2023.\n\n"
            "Cakupan terus naik.")
    contexts, article = context_of(text)
    assert contexts["Cakupan terus naik."].date == "2023-03-01"
    assert article.reference == "2023-03-14"  # the statement date is still the reference for "tahun lalu"


def test_target_years_in_the_headline_do_not_govern():
    text = "Kejar Target 98 Persen Kepesertaan JKN Tahun 2024\n\nSedangkan per Mei 2024 baru 88 persen.\n\nLainnya."
    contexts, _ = context_of(text)
    assert contexts["Lainnya."].date == "2024-05"


def test_paragraph_date_and_region_carry_to_the_next_sentence_only_within_the_paragraph():
    text = ("Judul berita tentang JKN di daerah\n\nJakarta - Pemerintah daerah terus mendorong warga mendaftar JKN.\n\n"
            "Pada Desember 2022 tercatat 35 ribu warga di Kabupaten Sleman. "
            "Sehingga UHC 96 persen.\n\nParagraf baru tanpa tanggal.")
    contexts, _ = context_of(text)
    assert contexts["Sehingga UHC 96 persen."].date == "2022-12"
    assert contexts["Sehingga UHC 96 persen."].region == "Kabupaten Sleman"
    assert contexts["Paragraf baru tanpa tanggal."].date == ""
    assert contexts["Paragraf baru tanpa tanggal."].region == COUNTRY


def test_table_header_and_heading_govern_rows():
    text = ("Cakupan JKN Kalbar per kabupaten\n\nBerikut cakupan di Kalbar, per 1 Mei 2024:\n\n"
            "Kota Singkawang\nJumlah Penduduk : 242.146 jiwa\n")
    contexts, _ = context_of(text)
    row = contexts["Jumlah Penduduk : 242.146 jiwa"]
    assert (row.date, row.region) == ("2024-05-01", "Kota Singkawang")


def test_publication_date_is_the_reference_for_relative_dates():
    text = "Judul berita tentang peserta JKN\n\nPada tahun lalu peserta bertambah. Lainnya."
    contexts, article = context_of(text, published="2024-04-08")
    assert article.reference == "2024-04-08"
    assert contexts["Lainnya."].date == "2023"
