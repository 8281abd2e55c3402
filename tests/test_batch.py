"""Batch runs: every file accounted for (extracted / skipped / failed, with reasons), nothing lost,
nothing unsafe, whole-or-nothing output, byte-identical reruns."""
from __future__ import annotations

import csv
import os
import shutil
import time
from dataclasses import astuple
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from extractor import batch, facts
from extractor.batch import (EXIT_NOTHING_READ, EXIT_OK, FileResult, Summary, list_files, process_file, run_extract,
                             write_errors)
from extractor.cli import main
from tests.test_reader import CP1252_LINE, NEWS_HTML

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ARTICLES = sorted(CORPUS.glob("*.txt"))
BAD_NAME = os.fsdecode(b"bad\xffname.txt")     # a file name that is not valid UTF-8


def by_name(summary: Summary, root: Path) -> dict[str, FileResult]:
    return {os.path.relpath(os.fsencode(r.path).decode("utf-8", "backslashreplace"),
                            os.fsencode(str(root)).decode()): r for r in summary.results}


def rows_without_doc_id(results) -> list[tuple]:
    return sorted(astuple(row)[1:] for r in results for row in r.rows)


def build_bad_folder(root: Path) -> dict[str, tuple[set[str], str]]:
    """The folder of the issue; returns name -> (allowed statuses, reason fragment)."""
    root.mkdir()
    good = root / "corpus"
    good.mkdir()
    for path in ARTICLES:
        shutil.copy(path, good / path.name)
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (root / "cp1252.txt").write_bytes((CP1252_LINE + "\r\n").encode("cp1252"))
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_bytes(b"\xef\xbb\xbf \r\n\t\r\n")
    (root / "bom.txt").write_bytes(b"\xef\xbb\xbf" + "Cakupan kepesertaan JKN di Kota Bogor mencapai 97 persen per Juni 2024.\n".encode())
    (root / "crlf.txt").write_bytes(b"Judul berita yang cukup panjang untuk judul\r\n\r\n"
                                    b"Cakupan kepesertaan JKN di Kota Depok mencapai 96 persen per Juni 2024.\r\n")
    shutil.copy(ARTICLES[1], root / "-dash name with spaces é ✓.txt")
    shutil.copy(ARTICLES[2], root / ".hidden-copy.txt")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / os.fsdecode(b"bad\xffname.txt")).write_bytes(b"Peserta JKN 1 juta jiwa.")
    (root / "regex-bomb.txt").write_text("1." * 100_000 + "\n" + "lebih dari " * 5_000 + "\n" + "Rp" * 20_000)
    line = " ".join(p.read_text(encoding="utf-8").replace("\n", " ") for p in ARTICLES)
    (root / "single-line-3mb.txt").write_text(((line + " ") * (3_000_000 // len(line) + 1))[:3_000_000])
    (root / "page.html").write_text(NEWS_HTML, encoding="utf-8")
    (root / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    os.symlink("loop-b.txt", root / "loop-a.txt")
    os.symlink("loop-a.txt", root / "loop-b.txt")
    os.symlink("missing.txt", root / "dangling.txt")
    os.symlink("corpus", root / "corpus-link")                     # a folder: listed, not entered
    os.symlink(f"corpus/{ARTICLES[0].name}", root / "linked.txt")  # a file: followed once
    os.mkfifo(root / "pipe.txt")
    return {
        "binary.txt": ({"skipped"}, "binary file"),
        "cp1252.txt": ({"extracted"}, ""),
        "empty.txt": ({"skipped"}, "empty file"),
        "blank.txt": ({"skipped"}, "no text"),
        "bom.txt": ({"extracted"}, ""),
        "crlf.txt": ({"extracted"}, ""),
        "-dash name with spaces é ✓.txt": ({"extracted"}, ""),
        ".hidden-copy.txt": ({"extracted"}, ""),
        ".DS_Store": ({"skipped"}, "not an article file (no extension)"),
        "bad\\xffname.txt": ({"skipped"}, "file name is not valid UTF-8"),
        "regex-bomb.txt": ({"extracted", "failed"}, ""),
        "single-line-3mb.txt": ({"skipped"}, "article text too long (3000000 characters > 1000000)"),
        "page.html": ({"extracted"}, ""),
        "report.pdf": ({"skipped"}, "not an article file (.pdf)"),
        "loop-a.txt": ({"failed"}, "symlink loop"),
        "loop-b.txt": ({"failed"}, "symlink loop"),
        "dangling.txt": ({"failed"}, "dangling symlink (its target missing.txt does not exist)"),
        "corpus-link": ({"skipped"}, "symlink to a folder, not followed"),
        "linked.txt": ({"extracted"}, ""),
        "pipe.txt": ({"skipped"}, "not a regular file (a FIFO)"),
        **{f"corpus/{p.name}": ({"extracted"}, "") for p in ARTICLES},
    }


@pytest.fixture(scope="module")
def corpus_alone(tmp_path_factory) -> Summary:
    return run_extract(CORPUS, tmp_path_factory.mktemp("alone") / "facts.csv", workers=1, progress=False, keep_rows=True)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad") / "in"
    expected = build_bad_folder(root)
    out = root.parent / "facts.csv"
    started = time.perf_counter()
    summary = run_extract(root, out, workers=1, progress=False, keep_rows=True)
    elapsed = time.perf_counter() - started
    print(f"\nbad folder: {len(summary.results)} entries in {elapsed:.2f} s; {summary.line()}")
    for r in summary.results:
        if r.status == "regex-bomb" or "regex-bomb" in r.path:
            print(f"regex-bomb.txt: {r.status} {r.reason}")
    return root, expected, summary, out


# ------------------------------------------------------------------------------------ the bad folder

def test_every_entry_is_accounted_for_exactly_once(bad_run):
    root, expected, summary, _ = bad_run
    got = by_name(summary, root)
    assert len(got) == len(summary.results)                  # no file twice
    assert set(got) == set(expected)                         # no file lost, none invented
    for name, (statuses, reason) in expected.items():
        assert got[name].status in statuses, (name, got[name])
        assert reason in got[name].reason, (name, got[name])
        assert (got[name].status == "extracted") == (got[name].reason == ""), (name, got[name])
    if got["regex-bomb.txt"].status == "failed":
        assert "time" in got["regex-bomb.txt"].reason
    assert summary.exit_code() == EXIT_OK


def test_good_articles_give_the_same_rows_as_the_corpus_alone(bad_run, corpus_alone):
    root, _, summary, out = bad_run
    got = by_name(summary, root)
    assert rows_without_doc_id(got[f"corpus/{p.name}"] for p in ARTICLES) == rows_without_doc_id(corpus_alone.results)
    assert rows_without_doc_id([got["linked.txt"]]) == rows_without_doc_id(
        [r for r in corpus_alone.results if r.doc_id == ARTICLES[0].stem])
    assert rows_without_doc_id([got["-dash name with spaces é ✓.txt"]]) == rows_without_doc_id(
        [r for r in corpus_alone.results if r.doc_id == ARTICLES[1].stem])
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(table) == summary.facts
    assert {"corpus/" + p.stem for p in ARTICLES} <= set(table["doc_id"])
    assert "'-dash name with spaces é ✓" in set(table["doc_id"])   # neutralized in the CSV only


def test_cp1252_bom_crlf_and_html_are_read_correctly(bad_run):
    root, _, summary, _ = bad_run
    got = by_name(summary, root)
    (cp,) = got["cp1252.txt"].rows
    assert (cp.metric, cp.value, cp.quote, cp.region, cp.as_of) == ("coverage_pct", 98.5, "98,5 persen", "Kota Bandung", "2024-05")
    assert cp.sentence.endswith("— café")
    assert [r.quote for r in got["bom.txt"].rows] == ["97 persen"]
    assert [r.quote for r in got["crlf.txt"].rows] == ["96 persen"]
    page = got["page.html"].rows
    assert page and page[0].doc_id == "page" and {r.metric for r in page} >= {"coverage_pct", "participants"}


def test_summary_line_counts_everything(bad_run):
    _, _, summary, _ = bad_run
    line = summary.line()
    n = len(summary.results)
    assert line.startswith(f"articles read {summary.count('extracted')}, facts written {summary.facts}, "
                           f"skipped {summary.count('skipped')}, failed {summary.count('failed')}, of {n} files")
    assert summary.count("extracted") + summary.count("skipped") + summary.count("failed") == n
    assert "(+" in line and "more)" in line


def test_errors_file_lists_every_problem(bad_run, tmp_path):
    _, _, summary, _ = bad_run
    n = write_errors(summary, tmp_path / "errors.csv")
    with open(tmp_path / "errors.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert n == len(rows) == summary.count("skipped") + summary.count("failed")
    assert list(rows[0]) == ["path", "doc_id", "status", "reason"]
    reasons = {Path(r["path"]).name: r["reason"] for r in rows}
    assert reasons["report.pdf"] == "not an article file (.pdf)"
    assert reasons["bad\\xffname.txt"] == "file name is not valid UTF-8"
    assert all(r["status"] in ("skipped", "failed") and r["reason"] for r in rows)


# ------------------------------------------------------------------------------------ single cases

def test_list_files_lists_links_and_special_files_but_does_not_enter_linked_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("x")
    (tmp_path / ".h").write_text("x")
    os.symlink("sub", tmp_path / "back")
    os.symlink(".", tmp_path / "sub" / "self")       # a folder loop
    names = [p.relative_to(tmp_path).as_posix() for p in list_files(tmp_path)]
    assert names == [".h", "back", "sub/a.txt", "sub/self"]


def test_unlistable_folder_is_reported(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "ok.txt").write_text("Cakupan kepesertaan JKN di Kota Bogor mencapai 97 persen per Juni 2024.")
    real = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = run_extract(tmp_path, None, workers=1, progress=False)
    got = by_name(summary, tmp_path)
    assert got["locked"].status == "failed" and got["locked"].reason == "folder cannot be listed (Permission denied)"
    assert got["ok.txt"].status == "extracted"


def test_permission_denied_is_a_failure_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("Cakupan kepesertaan JKN di Kota Bogor mencapai 97 persen per Juni 2024.")
    if os.geteuid() != 0:
        path.chmod(0)
    else:  # root reads anything: make the open fail as it would for a user
        real = os.open

        def guarded(p, flags, *args, **kwargs):
            if Path(p) == path:
                raise PermissionError(13, "Permission denied", os.fspath(p))
            return real(p, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", guarded)
    result = process_file(path, tmp_path)
    assert (result.status, result.doc_id, result.reason) == ("failed", "secret", "cannot be read: Permission denied")
    assert result.path == str(path)


def test_an_exception_inside_one_article_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(ARTICLES[0], tmp_path / name)
    real = batch.facts_for

    def flaky(article):
        if article.doc_id == "b":
            raise ValueError("boom in the claims layer")
        return real(article)

    monkeypatch.setattr(batch, "facts_for", flaky)
    summary = run_extract(tmp_path, tmp_path / "out.csv", workers=1, progress=False, keep_rows=True)
    got = {r.doc_id: r for r in summary.results}
    assert got["b"].status == "failed" and got["b"].reason.startswith("ValueError: boom in the claims layer (at ")
    assert got["a"].status == got["c"].status == "extracted" and got["a"].rows
    assert summary.exit_code() == EXIT_OK


def test_the_time_limit_fails_one_file_only(tmp_path, monkeypatch):
    for name in ("a.txt", "slow.txt"):
        shutil.copy(ARTICLES[0], tmp_path / name)
    real = batch.facts_for

    def slow(article):
        if article.doc_id == "slow":
            while True:
                sum(range(1000))
        return real(article)

    monkeypatch.setattr(batch, "facts_for", slow)
    monkeypatch.setattr(batch, "FILE_TIME_LIMIT_S", 0.5)
    summary = run_extract(tmp_path, None, workers=1, progress=False)
    got = {r.doc_id: r for r in summary.results}
    assert got["slow"].status == "failed" and "time limit of 0.5 s" in got["slow"].reason
    assert got["a"].status == "extracted"


@pytest.mark.parametrize("name, text", [
    ("numbers-nbsp.txt", "1\u00a0" * 20_000),                 # 40 KB: minutes of claims work without the limit
    ("dots.txt", "Jumlah peserta " + "." * 30_000 + " x"),     # a backtracking sentence-end pattern
    # Anchored matches at candidate words carry no regex timeout (it cost 1.5 us a call): long inputs for them.
    ("cues.txt", "tidak terdaftar sebagai peserta JKN per hari " * 5_000 + "98 persen"),
    ("blanks.txt", "per Mei" + " " * 200_000 + "2024 cakupan 98 persen"),
    ("dateline.txt", "AMBON" + " ." * 50_000 + " - cakupan 98 persen\n" * 3),
    ("window.txt", "Rp 1,2 juta " * 20_000),                    # one number window 240 000 characters long
])
def test_pathological_text_is_bounded_by_the_limits(tmp_path, monkeypatch, name, text):
    monkeypatch.setattr(batch, "FILE_TIME_LIMIT_S", 2.0)
    (tmp_path / name).write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result = process_file(tmp_path / name, tmp_path)
    elapsed = time.perf_counter() - started
    print(f"\n{name}: {result.status} {result.reason} in {elapsed:.2f} s")
    assert result.status in ("extracted", "failed")
    if result.status == "failed":
        assert "time limit" in result.reason or "timed out" in result.reason
    assert elapsed < 30     # the alarm (2 s) or a matcher's own timeout (5 s), with room for a slow machine


def test_a_dying_worker_fails_its_file_only(tmp_path, monkeypatch):
    for i, path in enumerate(ARTICLES[:4]):
        shutil.copy(path, tmp_path / f"{i}.txt")
    parent = os.getpid()
    real = batch.facts_for

    def crash(article):
        if article.doc_id == "2" and os.getpid() != parent:
            os._exit(9)   # as a segfault or the OOM killer would end it
        return real(article)

    monkeypatch.setattr(batch, "facts_for", crash)
    summary = run_extract(tmp_path, tmp_path / "out.csv", workers=2, progress=False, keep_rows=True)
    got = {r.doc_id: r for r in summary.results}
    assert [r.doc_id for r in summary.results] == ["0", "1", "2", "3"]
    assert got["2"].status == "failed" and "worker process died" in got["2"].reason
    assert all(got[d].status == "extracted" and got[d].rows for d in "013")


def test_oversized_file_is_skipped_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "MAX_FILE_BYTES", 1000)
    shutil.copy(ARTICLES[0], tmp_path / "big.txt")
    result = process_file(tmp_path / "big.txt", tmp_path)
    assert result.status == "skipped" and result.reason == f"file too large ({ARTICLES[0].stat().st_size} bytes > 1000)"


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 5000])
def test_read_bytes_reads_whole_files_up_to_the_limit(tmp_path, monkeypatch, size):
    """The reader reads in pieces (sized from fstat, then READ_CHUNK): a file at the limit is read whole, one
    byte over it (say it grew after the size check) is refused."""
    monkeypatch.setattr(batch, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(batch, "READ_CHUNK", 7)
    path = tmp_path / "a.txt"
    data = bytes(range(256)) * (size // 256 + 1)
    path.write_bytes(data[:size])
    if size > 1000:
        with pytest.raises(batch.ArticleError, match="file too large"):
            batch._read_bytes(path)
    else:
        assert batch._read_bytes(path) == data[:size]


def test_duplicate_doc_ids_keep_the_first_file(tmp_path):
    shutil.copy(ARTICLES[0], tmp_path / "same.txt")
    (tmp_path / "same.html").write_text(NEWS_HTML, encoding="utf-8")
    summary = run_extract(tmp_path, tmp_path / "out.csv", workers=1, progress=False, keep_rows=True)
    got = {Path(r.path).name: r for r in summary.results}
    assert got["same.html"].status == "extracted"
    assert got["same.txt"].status == "skipped" and got["same.txt"].reason.startswith("same doc_id as ")
    assert set(pd.read_csv(tmp_path / "out.csv")["source_sha256"]) == {got["same.html"].rows[0].source_sha256}


def test_process_file_outside_root_or_vanished_never_raises(tmp_path):
    assert process_file(tmp_path / "gone.txt", tmp_path).status == "failed"
    assert process_file(Path("/etc/hostname"), tmp_path).status == "failed"


# ------------------------------------------------------------------------------------ exit codes

def test_exit_codes(tmp_path):
    assert Summary([]).exit_code() == EXIT_OK
    assert Summary([FileResult("a", "a", "skipped", "empty file")]).exit_code() == EXIT_NOTHING_READ
    assert Summary([FileResult("a", "a", "skipped", "x"), FileResult("b", "b", "extracted")]).exit_code() == EXIT_OK


def test_cli_exits_3_when_nothing_could_be_read(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.txt").write_bytes(b"\x00\x01binary")
    (folder / "y.pdf").write_bytes(b"%PDF")
    result = CliRunner().invoke(main, ["extract", str(folder), "--out", str(tmp_path / "f.csv"), "--workers", "1",
                                       "--errors", str(tmp_path / "e.csv")])
    assert result.exit_code == 3, result.output
    assert "articles read 0" in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert (tmp_path / "f.csv").read_text().startswith("doc_id,metric,")
    assert len((tmp_path / "e.csv").read_text().splitlines()) == 3


# ------------------------------------------------------------------------------------ output

def mixed_folder(root: Path) -> Path:
    root.mkdir()
    for path in ARTICLES:
        shutil.copy(path, root / path.name)
    (root / "cp1252.txt").write_bytes(CP1252_LINE.encode("cp1252"))
    (root / "page.html").write_text(NEWS_HTML, encoding="utf-8")
    (root / "x.pdf").write_bytes(b"%PDF")
    return root


def test_same_input_gives_byte_identical_output_with_any_workers(tmp_path):
    root = mixed_folder(tmp_path / "in")
    outputs = []
    for i, workers in enumerate((1, 1, 2)):
        out = tmp_path / f"run{i}.csv"
        run_extract(root, out, workers=workers, progress=False)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    parquet = []
    for i in range(2):
        out = tmp_path / f"run{i}.parquet"
        run_extract(root, out, workers=1, progress=False)
        parquet.append(out.read_bytes())
    assert parquet[0] == parquet[1]


def test_a_failed_write_keeps_the_previous_table_and_leaves_no_temporary(tmp_path, monkeypatch):
    root = mixed_folder(tmp_path / "in")
    out = tmp_path / "out" / "facts.csv"
    run_extract(root, out, workers=1, progress=False)
    before = out.read_bytes()

    written = []
    real_cells = facts.csv_cells

    def dies_midway(row):   # the disk fills up after a few rows have gone to the temporary file
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(row)
        return real_cells(row)

    monkeypatch.setattr(facts, "csv_cells", dies_midway)
    with pytest.raises(OSError):
        run_extract(root, out, workers=1, progress=False)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["facts.csv"]


def test_errors_file_is_written_atomically_and_neutralized(tmp_path, monkeypatch):
    summary = Summary([FileResult("=evil.txt", "=evil", "failed", "-boom"), FileResult("ok.txt", "ok", "extracted")])
    path = tmp_path / "errors.csv"
    assert write_errors(summary, path) == 1
    assert path.read_text(encoding="utf-8") == "path,doc_id,status,reason\n'=evil.txt,'=evil,failed,'-boom\n"
    before = path.read_bytes()

    class Broken:
        def __init__(self, *a, **k):
            pass

        def writerow(self, row):
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(csv, "writer", Broken)
    with pytest.raises(OSError):
        write_errors(summary, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["errors.csv"]


def test_rows_are_streamed_to_the_table_not_held(tmp_path):
    out = tmp_path / "facts.csv"
    summary = run_extract(CORPUS, out, workers=2, progress=False)
    assert summary.results and all(r.rows == () for r in summary.results)
    assert summary.facts == len(pd.read_csv(out)) > 0
    kept = run_extract(CORPUS, tmp_path / "kept.csv", workers=1, progress=False, keep_rows=True)
    assert sum(len(r.rows) for r in kept.results) == summary.facts
    assert (tmp_path / "kept.csv").read_bytes() == out.read_bytes()
