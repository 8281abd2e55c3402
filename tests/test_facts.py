"""Writing the facts table: CSV safety, whole-or-nothing writes, and bounded work on adversarial text."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from extractor.facts import (COLUMNS, TableWriter, NEUTRALIZED_COLUMNS, FactRow, csv_safe, facts_for, format_value, to_frame,
                             write_table)
from extractor.reader import article_from_text

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def row(**changes) -> FactRow:
    base = FactRow(doc_id="doc", metric="coverage_pct", value=98.5, unit="percent", qualifier="exact",
                   status="actual", region="Kota Bandung", as_of="2024-05", quote="98,5 persen", char_start=10,
                   char_end=21, sentence="Cakupan 98,5 persen.", rule="cue.x", source_sha256="ab" * 32,
                   extractor_version="0.1.0")
    return replace(base, **changes)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ------------------------------------------------------------------------------------------ CSV safety

@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Kota Bandung", "Kota Bandung"), ("", ""),
    ("a=b", "a=b"), (3, 3), (None, None),
])
def test_csv_safe(cell, safe):
    assert csv_safe(cell) == safe


def test_neutralized_columns_are_every_text_column_but_quote():
    assert "quote" not in NEUTRALIZED_COLUMNS
    assert set(NEUTRALIZED_COLUMNS) == set(COLUMNS) - {"quote", "value", "char_start", "char_end"}


def test_csv_cells_are_neutralized_but_quote_and_parquet_are_not(tmp_path):
    evil = row(doc_id="=cmd|' /C calc'!A0", sentence="-Sebanyak 98,5 persen warga", region="@Kota",
               quote="=98,5 persen", rule="+rule")
    write_table(to_frame([evil]), tmp_path / "f.csv")
    got = read_csv(tmp_path / "f.csv").iloc[0]
    assert got["doc_id"] == "'=cmd|' /C calc'!A0"
    assert got["sentence"] == "'-Sebanyak 98,5 persen warga"
    assert got["region"] == "'@Kota" and got["rule"] == "'+rule"
    assert got["quote"] == "=98,5 persen"          # provenance: never touched
    assert got["value"] == "98.5" and got["char_start"] == "10"
    write_table(to_frame([evil]), tmp_path / "f.parquet")
    back = pd.read_parquet(tmp_path / "f.parquet").iloc[0]
    assert back["doc_id"] == evil.doc_id and back["sentence"] == evil.sentence and back["quote"] == evil.quote


def test_provenance_holds_on_the_written_csv(tmp_path):
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}
    rows = [r for stem, text in texts.items() for r in facts_for(article_from_text(text, stem))]
    assert rows
    write_table(to_frame(rows), tmp_path / "f.csv")
    for _, r in read_csv(tmp_path / "f.csv").iterrows():
        assert texts[r["doc_id"]][int(r["char_start"]):int(r["char_end"])] == r["quote"]


def test_format_value():
    assert format_value(1800000.0) == "1800000"
    assert format_value(98.45) == "98.45"
    assert format_value(5.1e15) == "5100000000000000"


# ------------------------------------------------------------------------------------ whole or nothing

def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "out" / "facts.csv"
    write_table(to_frame([row()]), out)
    write_table(to_frame([row(), row(char_start=30, char_end=41)]), out)
    assert len(read_csv(out)) == 2
    assert [p.name for p in out.parent.iterdir()] == ["facts.csv"]
    assert out.stat().st_mode & 0o777 != 0o600     # not mkstemp's private mode


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_failure_midway_keeps_the_previous_table(tmp_path, monkeypatch, suffix):
    out = tmp_path / f"facts{suffix}"
    write_table(to_frame([row()]), out)
    before = out.read_bytes()

    def broken_writer(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"doc_id,metric,value\npartial,row")   # some bytes, then the disk "fills up"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv" if suffix == ".csv" else "to_parquet", broken_writer)
    with pytest.raises(OSError, match="No space left"):
        write_table(to_frame([row(), row(char_start=30, char_end=41)]), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_an_interrupt_midway_keeps_the_previous_table(tmp_path, monkeypatch):
    out = tmp_path / "facts.csv"
    write_table(to_frame([row()]), out)
    before = out.read_bytes()

    def interrupted(self, path, *args, **kwargs):
        Path(path).write_text("doc_id,met")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_table(to_frame([row()]), out)
    assert out.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


# ------------------------------------------------------------------------------------ bounded work
# Every input must finish; times are printed (pytest -s) for the record, never asserted.

def _adversarial() -> dict[str, str]:
    corpus = " ".join(p.read_text(encoding="utf-8").replace("\n", " ") for p in sorted(CORPUS.glob("*.txt")))
    one_line = ((corpus + " ") * (3_000_000 // (len(corpus) + 1) + 1))[:3_000_000]
    return {
        "1. x 200000": "1." * 200_000,
        "lebih dari x 50000": "lebih dari " * 50_000,
        "Rp x 100000": "Rp" * 100_000,
        "3 MB single line of article text": one_line,
    }


@pytest.mark.parametrize("name", list(_adversarial()))
def test_adversarial_text_finishes_and_keeps_provenance(name):
    text = _adversarial()[name]
    started = time.perf_counter()
    try:
        rows = facts_for(article_from_text(text, "adversarial"))
    except TimeoutError:
        rows = []   # a matcher's own regex timeout: bounded, reported per file by the batch
    print(f"\n{name}: {len(text)} characters, {len(rows)} rows, {time.perf_counter() - started:.2f} s")
    assert all(text[r.char_start:r.char_end] == r.quote for r in rows)


def _rows(n: int) -> list[FactRow]:
    return [row(doc_id=f"d{i // 3:03d}", char_start=i, char_end=i + 2, value=float(i) + 0.5,
                sentence=f"=kalimat {i}") for i in range(n)]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_streamed_table_equals_the_table_written_whole(tmp_path, suffix):
    rows = _rows(10)
    whole, streamed = tmp_path / f"whole{suffix}", tmp_path / f"streamed{suffix}"
    write_table(to_frame(rows), whole)
    with TableWriter(streamed, chunk_rows=3) as table:   # four chunks
        for i in range(0, len(rows), 2):
            table.write(rows[i:i + 2])
    if suffix == ".csv":
        assert streamed.read_bytes() == whole.read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(streamed) if suffix == ".parquet" else read_csv(streamed),
                                  pd.read_parquet(whole) if suffix == ".parquet" else read_csv(whole),
                                  check_dtype=False)


def test_streamed_csv_quotes_and_formats_cells_as_pandas_does(tmp_path):
    """TableWriter writes CSV with the csv module, write_table through pandas: the bytes must not differ,
    whatever the cells hold (quotes, separators, line breaks, formula starts, big and small values)."""
    tricky = ['He said "98 persen"', "a,b;c", "line\nbreak", "cr\rhere", "-2+3", "@SUM(A1)", "\ttab", "",
              " lead", "Å ñ 😀", "'quoted'", '""']
    rows = [row(doc_id=f"d{i:02d}", char_start=i, char_end=i + 1, value=value, sentence=text, region=text,
                quote=text, rule=text)
            for i, (text, value) in enumerate(zip(tricky, [0.1, 1e16, -3.5, 278_100_000.0, 98.45, 1e-7, 2.0, 0.0,
                                                           123456789012.5, 7.0, 1 / 3, 5e15]))]
    whole, streamed = tmp_path / "whole.csv", tmp_path / "streamed.csv"
    write_table(to_frame(rows), whole)
    with TableWriter(streamed, chunk_rows=5) as table:
        table.write(rows)
    assert streamed.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_streamed_empty_table_has_the_columns(tmp_path, suffix):
    out = tmp_path / f"empty{suffix}"
    with TableWriter(out):
        pass
    frame = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert list(frame.columns) == COLUMNS and frame.empty


def test_a_stream_that_fails_leaves_the_previous_table_and_no_temporary(tmp_path):
    out = tmp_path / "facts.csv"
    write_table(to_frame(_rows(2)), out)
    before = out.read_bytes()
    with pytest.raises(RuntimeError):
        with TableWriter(out, chunk_rows=1) as table:
            table.write(_rows(5))          # flushed to the temporary file
            raise RuntimeError("killed midway")
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["facts.csv"]
