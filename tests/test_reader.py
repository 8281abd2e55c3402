"""Reading: decoding (UTF-8, BOM, UTF-16, cp1252, binaries), the same-length matching view, HTML pages."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from extractor.facts import facts_for
from extractor.html import TITLE_SEPARATOR, compose
from extractor.reader import ArticleError, article_from_text, decode, matching_view, read_article

CP1252_LINE = "Cakupan kepesertaan JKN di Kota Bandung mencapai 98,5 persen per Mei 2024 — café"

NEWS_HTML = """<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>Cakupan JKN Kota Bandung Tembus 98,5 Persen | Kabar Sehat</title>
<meta property="og:title" content="Cakupan JKN Kota Bandung Tembus 98,5 Persen">
<meta property="og:url" content="https://kabarsehat.example.id/kesehatan/cakupan-jkn-kota-bandung">
<link rel="canonical" href="https://kabarsehat.example.id/kesehatan/cakupan-jkn-kota-bandung">
<meta property="article:published_time" content="2024-06-03T09:15:00+07:00">
<meta name="author" content="Rina Wulandari">
<script>window.dataLayer = window.dataLayer || []; var ad = "Rp 999 miliar";</script>
<style>body { font-family: sans-serif; }</style>
</head>
<body>
<header><nav><a href="/">Beranda</a> | <a href="/kesehatan">Kesehatan</a> | <a href="/daerah">Daerah</a></nav></header>
<main>
<article>
<h1>Cakupan JKN Kota Bandung Tembus 98,5 Persen</h1>
<p class="byline">Oleh Rina Wulandari &middot; <time datetime="2024-06-03T09:15:00+07:00">Senin, 3 Juni 2024 09:15 WIB</time></p>
<p>BANDUNG, KABARSEHAT.ID - Cakupan kepesertaan Jaminan Kesehatan Nasional (JKN) di Kota Bandung mencapai 98,5 persen per Mei 2024. Capaian itu naik dibanding tahun lalu.</p>
<p>Kepala Dinas Kesehatan Kota Bandung mengatakan, jumlah peserta JKN di kota itu kini sekitar 2,5 juta jiwa dari total penduduk 2,54 juta jiwa.</p>
<p>"Kami menargetkan cakupan kepesertaan 100 persen pada akhir 2024," ujarnya di Balai Kota Bandung.</p>
<p>Pemerintah Kota Bandung menganggarkan Rp&nbsp;120 miliar untuk iuran peserta JKN tahun ini.</p>
</article>
<aside><h3>Berita Terkait</h3><ul><li><a href="/a">Vaksinasi di Cimahi capai 90 persen</a></li></ul></aside>
</main>
<footer><p>&copy; 2024 Kabar Sehat. Hak cipta dilindungi.</p></footer>
</body>
</html>
"""

# No dateline and no year in the text: "tahun lalu" can only be dated by the page's publication date.
RELATIVE_HTML = """<html><head><title>Kepesertaan JKN Kabupaten Bogor Terus Bertambah Setiap Tahun</title>
<meta property="article:published_time" content="2025-03-10T08:00:00+07:00"></head>
<body><article><h1>Kepesertaan JKN Kabupaten Bogor Terus Bertambah Setiap Tahun</h1>
<p>Jumlah peserta JKN di Kabupaten Bogor pada tahun lalu mencapai 5,2 juta jiwa, kata Kepala Dinas Kesehatan
Kabupaten Bogor kepada wartawan di kantornya. Ia menyebut pendaftaran terus dibuka bagi warga.</p>
<p>Dinas Kesehatan juga mengajak warga yang belum terdaftar agar segera mendaftar ke kantor BPJS Kesehatan
terdekat atau melalui aplikasi Mobile JKN yang tersedia di ponsel.</p>
</article></body></html>
"""


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------------- decode

def test_utf8_is_read_as_is():
    assert decode("Peserta JKN capai 1,8 juta — ✓".encode()) == ("Peserta JKN capai 1,8 juta — ✓", "utf-8")


def test_utf8_bom_is_dropped_and_offsets_start_after_it(tmp_path):
    text = "Cakupan kepesertaan JKN di Kota Bogor mencapai 97 persen per Juni 2024."
    path = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + text.encode())
    article = read_article(path, tmp_path)
    assert article.text == text and article.encoding == "utf-8"
    assert article.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    rows = facts_for(article)
    assert [r.quote for r in rows] == ["97 persen"]
    assert text[rows[0].char_start:rows[0].char_end] == "97 persen"


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_single_byte_legacy_text_is_read_correctly(codec):
    line = CP1252_LINE if codec == "cp1252" else CP1252_LINE.replace("—", "-")
    text, encoding = decode(line.encode(codec))
    assert text == line
    assert encoding == "cp1252"


def test_cp1252_article_gives_its_claim_with_the_right_quote(tmp_path):
    path = write(tmp_path, "bandung.txt", (CP1252_LINE + "\r\n").encode("cp1252"))
    article = read_article(path, tmp_path)
    assert article.text.endswith("café\r\n")
    rows = facts_for(article)
    assert [(r.metric, r.value, r.quote, r.region, r.as_of) for r in rows] == [
        ("coverage_pct", 98.5, "98,5 persen", "Kota Bandung", "2024-05")]
    assert article.text[rows[0].char_start:rows[0].char_end] == "98,5 persen"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    bom = b"\xff\xfe" if codec == "utf-16-le" else b"\xfe\xff"
    assert decode(bom + CP1252_LINE.encode(codec)) == (CP1252_LINE, codec)


def test_charset_normalizer_reads_what_cp1252_cannot():
    # 0x81 is undefined in cp1252: the detector takes over and must return text or ArticleError.
    data = "Kota Surakarta mencapai 99 persen ".encode() * 3 + b"\x81"
    try:
        text, encoding = decode(data)
    except ArticleError:
        return
    assert isinstance(text, str) and encoding


@pytest.mark.parametrize("data, why", [
    (b"\x00\x01\x02PK\x03\x04" * 50, "NUL bytes"),
    (b"%PDF-1.4\n" + bytes(range(1, 9)) * 40, "control characters"),
    (b"\x1b[0m\x07\x08" * 100, "control characters"),
    (b"\xff\xfe\x00\x00" + "abc".encode("utf-32-le"), "NUL bytes"),
])
def test_binaries_are_refused_with_a_reason(data, why):
    with pytest.raises(ArticleError, match="binary"):
        decode(data)
    with pytest.raises(ArticleError, match=why):
        decode(data)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00", b"\xfe\xff\xd8\x00", b"\xff", b"\xc3", b"\x81\x8d\x8f\x90\x9d",
                                  os.urandom(64).replace(b"\x00", b"\x01"), bytearray(b"abc"), memoryview(b"abc")])
def test_decode_raises_only_article_error(data):
    try:
        text, encoding = decode(data)
    except ArticleError:
        return
    assert isinstance(text, str) and isinstance(encoding, str)


def test_empty_bytes_decode_to_empty_text():
    assert decode(b"") == ("", "utf-8")


# ------------------------------------------------------------------------------------- matching view

def test_view_keeps_length_and_normalizes_blanks_only_in_the_view():
    text = "Peserta\u00a0JKN\r\nmencapai 1,8\u202fjuta\tjiwa\rBaris lama\u2028x\ufeff"
    view = matching_view(text)
    assert len(view) == len(text)
    assert view == "Peserta JKN \nmencapai 1,8 juta jiwa\nBaris lama\nx "
    for i, (a, b) in enumerate(zip(text, view)):
        assert a == b or a in "\r\u00a0\u202f\t\u2028\ufeff", i


def test_crlf_and_nbsp_offsets_are_valid_against_the_decoded_text(tmp_path):
    text = ("Judul berita yang cukup panjang untuk judul\r\n\r\n"
            "Cakupan kepesertaan JKN di Kota Depok mencapai 96\u00a0persen per Juni 2024.\r\n")
    path = write(tmp_path, "crlf.txt", text.encode())
    article = read_article(path, tmp_path)
    assert article.text == text  # nothing normalized in the text itself
    rows = facts_for(article)
    assert [r.quote for r in rows] == ["96\u00a0persen"]
    assert all(article.text[r.char_start:r.char_end] == r.quote for r in rows)


# ---------------------------------------------------------------------------------------------- HTML

def test_html_page_is_reduced_to_title_and_body_with_metadata(tmp_path):
    path = write(tmp_path, "bandung.html", NEWS_HTML.encode())
    article = read_article(path, tmp_path)
    title = "Cakupan JKN Kota Bandung Tembus 98,5 Persen"
    assert article.doc_id == "bandung"
    assert article.text.startswith(title + TITLE_SEPARATOR + "BANDUNG, KABARSEHAT.ID - Cakupan kepesertaan")
    assert article.text.count(title) == 1                       # the <h1> is not read twice
    assert article.meta == {"format": "html", "title": title, "date": "2024-06-03",
                            "url": "https://kabarsehat.example.id/kesehatan/cakupan-jkn-kota-bandung",
                            "body_start": len(title) + 2}
    assert "<" not in article.text and "dataLayer" not in article.text and "999" not in article.text
    assert "Vaksinasi" not in article.text and "Beranda" not in article.text
    assert article.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(article.view) == len(article.text)
    rows = facts_for(article)
    assert {(r.metric, r.value) for r in rows} >= {("coverage_pct", 98.5), ("participants", 2.5e6),
                                                    ("funding_idr", 1.2e11)}
    assert all(article.text[r.char_start:r.char_end] == r.quote for r in rows)


def test_html_publication_date_dates_relative_expressions(tmp_path):
    page = read_article(write(tmp_path, "bogor.htm", RELATIVE_HTML.encode()), tmp_path)
    assert page.meta["date"] == "2025-03-10"
    rows = facts_for(page)
    assert [(r.metric, r.value, r.as_of) for r in rows] == [("participants", 5.2e6, "2024")]
    # Without the page's date there is nothing to resolve "tahun lalu" against.
    bare = article_from_text(page.text)
    assert [r.as_of for r in facts_for(bare)] == [""]


def test_html_in_cp1252_is_decoded_before_extraction(tmp_path):
    page = NEWS_HTML.replace('<meta charset="utf-8">', '<meta charset="windows-1252">').replace("kota itu", "kota itu — café")
    article = read_article(write(tmp_path, "p.html", page.encode("cp1252")), tmp_path)
    assert article.encoding == "cp1252" and "— café" in article.text


@pytest.mark.parametrize("markup", [
    "<html><head><title>Halaman kosong</title></head><body><script>var a = 1;</script></body></html>",
    "<html></html>", "<<<>>>", "   ",
])
def test_html_without_article_text_is_an_article_error(tmp_path, markup):
    with pytest.raises(ArticleError, match="HTML|article text"):
        read_article(write(tmp_path, "x.html", markup.encode()), tmp_path)


def test_html_with_xml_declaration_and_no_date(tmp_path):
    body = "<p>" + "Cakupan kepesertaan JKN di Kota Bandung mencapai 98,5 persen per Mei 2024. " * 4 + "</p>"
    markup = f'<?xml version="1.0" encoding="utf-8"?><html><head><title>Judul berita cukup panjang</title></head><body><article>{body}</article></body></html>'
    article = read_article(write(tmp_path, "x.html", markup.encode()), tmp_path)
    assert article.meta["date"] == ""          # never guessed from the body text
    assert article.text.startswith("Judul berita cukup panjang\n\nCakupan")


def test_compose_rules():
    assert compose("  Judul \n satu ", "Judul satu\nIsi berita.").text == "Judul satu\n\nIsi berita."
    assert compose("Judul", "Isi berita.\nBaris dua").text == "Judul\n\nIsi berita.\nBaris dua"
    assert compose("", "  Isi berita. ").text == "Isi berita."
    assert compose("Judul", "Judul").text == "Judul"
    page = compose("Judul", "Isi")
    assert page.text[page.body_start:] == "Isi"
