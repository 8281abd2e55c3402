"""The facts store (extractor/store.py): incremental runs, stable fact keys, reviews, and the gold export."""
from __future__ import annotations

import csv
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from extractor import store
from extractor.facts import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = ROOT / "gold" / "gold.csv"
N_ARTICLES = len(list(CORPUS.glob("*.txt")))


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "facts.db"


def dump(store_path: Path) -> list[str]:
    conn = sqlite3.connect(store_path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(store_path: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = store.connect(store_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def keys_by_doc(store_path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in rows(store_path, "SELECT doc_id, fact_key FROM facts"):
        out.setdefault(row["doc_id"], set()).add(row["fact_key"])
    return out


def review(store_path: Path, key: str, decision: str, fields: dict | None = None) -> None:
    conn = store.connect(store_path)
    try:
        store.record_review(conn, key, decision, fields, reviewer="tester")
    finally:
        conn.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- incremental runs -------------------------------------------------------------------------------------

def test_first_run_stores_every_article_and_its_facts(corpus: Path, db: Path) -> None:
    summary = store.extract_into_store(corpus, db)
    assert (summary.new, summary.changed, summary.unchanged, summary.skipped, summary.failed) == (N_ARTICLES, 0, 0, 0, 0)
    facts = rows(db, "SELECT * FROM facts")
    assert summary.facts_written == len(facts) > 0
    assert summary.line() == f"new {N_ARTICLES}, changed 0, unchanged 0, skipped 0, failed 0, facts written {len(facts)}"
    assert summary.exit_code() == 0
    assert [c for c in facts[0].keys()] == ["fact_key", *COLUMNS]
    articles = rows(db, "SELECT * FROM articles ORDER BY doc_id")
    assert [a["doc_id"] for a in articles] == sorted(p.stem for p in CORPUS.glob("*.txt"))
    for article in articles:
        assert article["sha256"] == file_digest(Path(article["path"]))
        assert Path(article["path"]).is_absolute()
    assert rows(db, "PRAGMA journal_mode")[0][0] == "wal"
    for fact in facts:
        assert fact["fact_key"] == store.fact_key(fact["source_sha256"], fact["char_start"], fact["char_end"], fact["metric"])


def test_second_run_on_the_same_folder_changes_nothing(corpus: Path, db: Path) -> None:
    store.extract_into_store(corpus, db)
    before, before_bytes = dump(db), file_digest(db)
    summary = store.extract_into_store(corpus, db)
    assert (summary.new, summary.changed, summary.unchanged, summary.facts_written) == (0, 0, N_ARTICLES, 0)
    assert summary.line().startswith(f"new 0, changed 0, unchanged {N_ARTICLES},")
    assert dump(db) == before
    assert file_digest(db) == before_bytes


def test_a_changed_article_replaces_its_facts_and_leaves_the_others(corpus: Path, db: Path) -> None:
    store.extract_into_store(corpus, db)
    before = keys_by_doc(db)
    old_facts = rows(db, "SELECT * FROM facts ORDER BY char_start")
    doc = sorted(before)[1]
    first_seen = rows(db, "SELECT first_seen FROM articles WHERE doc_id = ?", (doc,))[0][0]
    path = corpus / f"{doc}.txt"
    prefix = "Catatan redaksi: artikel ini diperbarui.\n\n"
    path.write_text(prefix + path.read_text(encoding="utf-8"), encoding="utf-8")

    summary = store.extract_into_store(corpus, db)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, N_ARTICLES - 1)
    after = keys_by_doc(db)
    assert after[doc].isdisjoint(before[doc])                  # new offsets and bytes: new keys
    assert {d: k for d, k in after.items() if d != doc} == {d: k for d, k in before.items() if d != doc}
    new_facts = rows(db, "SELECT * FROM facts WHERE doc_id = ? ORDER BY char_start", (doc,))
    old_doc = [f for f in old_facts if f["doc_id"] == doc]
    assert len(new_facts) == len(old_doc) == summary.facts_written
    assert [f["char_start"] - len(prefix) for f in new_facts] == [f["char_start"] for f in old_doc]
    assert {f["source_sha256"] for f in new_facts} == {file_digest(path)}
    article = rows(db, "SELECT * FROM articles WHERE doc_id = ?", (doc,))[0]
    assert article["sha256"] == file_digest(path) and article["first_seen"] == first_seen


def test_keys_and_reviews_survive_re_extraction(corpus: Path, db: Path) -> None:
    store.extract_into_store(corpus, db)
    before = keys_by_doc(db)
    doc = sorted(before)[0]
    accepted, rejected = sorted(before[doc])[:2]
    review(db, accepted, "accepted")
    review(db, rejected, "rejected")
    # Force re-extraction of the same bytes (as after an extractor upgrade): the store forgets the hash.
    conn = store.connect(db)
    with store.transaction(conn):
        conn.execute("UPDATE articles SET sha256 = 'stale' WHERE doc_id = ?", (doc,))
    conn.close()
    summary = store.extract_into_store(corpus, db)
    assert (summary.changed, summary.unchanged) == (1, N_ARTICLES - 1)
    assert keys_by_doc(db) == before
    conn = store.connect(db)
    decisions = {f["fact_key"]: f["decision"] for f in store.facts_of(conn, doc)}
    conn.close()
    assert decisions[accepted] == "accepted" and decisions[rejected] == "rejected"
    assert sum(1 for d in decisions.values() if d) == 2


def test_a_fresh_store_gives_the_same_keys(corpus: Path, tmp_path: Path, db: Path) -> None:
    store.extract_into_store(corpus, db)
    other = tmp_path / "other.db"
    store.extract_into_store(corpus, other, workers=2)      # parallel extraction: same facts, same keys
    assert keys_by_doc(other) == keys_by_doc(db)
    assert dump_facts(other) == dump_facts(db)


def dump_facts(store_path: Path) -> list[tuple]:
    return [tuple(r) for r in rows(store_path, "SELECT * FROM facts ORDER BY fact_key")]


def test_skipped_and_failed_files_are_counted_and_leave_the_store_alone(corpus: Path, db: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "notes.md").write_text("not an article", encoding="utf-8")
    summary = store.extract_into_store(corpus, db)
    assert (summary.new, summary.skipped, summary.failed) == (N_ARTICLES, 2, 0)
    assert "skipped 2" in summary.line() and "empty file" in summary.line()
    assert {r["doc_id"] for r in rows(db, "SELECT doc_id FROM articles")} == {p.stem for p in CORPUS.glob("*.txt")}
    # an article that becomes empty is reported, and its stored facts stay
    victim = sorted(corpus.glob("0*.txt"))[0]
    count = len(rows(db, "SELECT 1 FROM facts WHERE doc_id = ?", (victim.stem,)))
    victim.write_bytes(b"")
    summary = store.extract_into_store(corpus, db)
    assert (summary.new, summary.changed, summary.skipped) == (0, 0, 3)
    assert len(rows(db, "SELECT 1 FROM facts WHERE doc_id = ?", (victim.stem,))) == count


def test_committed_batches_survive_a_kill_mid_run(corpus: Path, db: Path) -> None:
    """Kill the process (SIGKILL) while the third article's batch is open: the first batch (two articles) is
    in the store, whole; a re-run adds the rest."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        import extractor.store as store
        real = store.process_file
        calls = []
        def process_file(path, root):
            calls.append(path)
            if len(calls) == 4:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(path, root)
        store.process_file = process_file
        store.extract_into_store(Path({str(corpus)!r}), Path({str(db)!r}), batch_size=2)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    assert rows(db, "PRAGMA integrity_check")[0][0] == "ok"
    stored = {r["doc_id"] for r in rows(db, "SELECT doc_id FROM articles")}
    first_two = sorted(p.stem for p in corpus.glob("*.txt"))[:2]
    assert stored == set(first_two)
    assert {r["doc_id"] for r in rows(db, "SELECT DISTINCT doc_id FROM facts")} <= stored
    summary = store.extract_into_store(corpus, db)
    assert (summary.new, summary.unchanged) == (N_ARTICLES - 2, 2)


# --- reviews ----------------------------------------------------------------------------------------------

def test_record_review_checks_its_input(corpus: Path, db: Path) -> None:
    store.extract_into_store(corpus, db)
    fact = rows(db, "SELECT * FROM facts WHERE metric = 'participants' LIMIT 1")[0]
    conn = store.connect(db)
    try:
        with pytest.raises(store.ReviewError):
            store.record_review(conn, fact["fact_key"], "maybe")
        with pytest.raises(LookupError):
            store.record_review(conn, "0" * 64, "accepted")
        for bad in ({"as_of": "Mei 2024"}, {"metric": "people"}, {"value": "banyak"}, {"sentence": "x"},
                    {"value": fact["value"]}):          # the last changes nothing
            with pytest.raises(store.ReviewError):
                store.record_review(conn, fact["fact_key"], "corrected", bad)
        saved = store.record_review(conn, fact["fact_key"], "corrected",
                                    {"metric": "active_participants", "value": "1234", "region": fact["region"]})
        assert saved["corrected_fields"] == {"metric": "active_participants", "value": 1234.0}  # unit unchanged: person
        saved = store.record_review(conn, fact["fact_key"], "corrected", {"metric": "coverage_pct", "value": 97.5})
        assert saved["corrected_fields"] == {"metric": "coverage_pct", "unit": "percent", "value": 97.5}
        latest = store.latest_reviews(conn)[fact["fact_key"]]
        assert latest["decision"] == "corrected" and latest["corrected_fields"]["unit"] == "percent"
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 2      # a history
    finally:
        conn.close()


# --- gold export ------------------------------------------------------------------------------------------

def test_export_writes_accepted_and_corrected_claims_only(corpus: Path, db: Path, tmp_path: Path) -> None:
    store.extract_into_store(corpus, db)
    facts = rows(db, "SELECT * FROM facts ORDER BY doc_id, char_start")
    accepted, rejected, corrected, pending = facts[0], facts[1], facts[2], facts[3]
    review(db, accepted["fact_key"], "accepted")
    review(db, rejected["fact_key"], "rejected")
    review(db, corrected["fact_key"], "corrected", {"value": corrected["value"] * 2, "as_of": "2023-12"})
    out = tmp_path / "out"
    assert store.export_gold(db, out) == 2
    written = read_csv(out / "gold.csv")
    assert list(written[0].keys()) == COLUMNS
    assert [(r["doc_id"], int(r["char_start"])) for r in written] == \
           [(accepted["doc_id"], accepted["char_start"]), (corrected["doc_id"], corrected["char_start"])]
    assert {(r["rule"], r["extractor_version"]) for r in written} == {("gold", "review")}
    assert float(written[0]["value"]) == accepted["value"] and written[0]["quote"] == accepted["quote"]
    assert float(written[1]["value"]) == corrected["value"] * 2 and written[1]["as_of"] == "2023-12"
    assert written[1]["source_sha256"] == corrected["source_sha256"]
    assert [p.name for p in out.iterdir()] == ["gold.csv"]              # no temporary file left
    assert (pending["doc_id"], str(pending["char_start"])) not in {(r["doc_id"], r["char_start"]) for r in written}


def test_export_merges_with_the_existing_gold_without_duplicates(corpus: Path, db: Path, tmp_path: Path) -> None:
    store.extract_into_store(corpus, db)
    out = tmp_path / "gold"
    out.mkdir()
    shutil.copy(GOLD, out / "gold.csv")
    original_lines = (out / "gold.csv").read_text(encoding="utf-8").splitlines()
    gold = read_csv(out / "gold.csv")
    facts = rows(db, "SELECT * FROM facts ORDER BY doc_id, char_start")
    for fact in facts:
        review(db, fact["fact_key"], "accepted")
    changed = facts[-1]
    review(db, changed["fact_key"], "corrected", {"value": changed["value"] * 2})

    def same(a: dict, b: dict) -> bool:
        return ((a["doc_id"], a["metric"], a["status"], str(a["char_start"])) == (b["doc_id"], b["metric"], b["status"], str(b["char_start"]))
                and abs(float(a["value"]) - float(b["value"])) <= 0.005 * max(abs(float(a["value"])), abs(float(b["value"]))))

    # Accepted claims the hand-made gold already holds are not added again; the doubled value is new.
    novel = [f for f in facts[:-1] if not any(same(dict(f), g) for g in gold)]
    added = store.export_gold(db, out)
    assert added == len(novel) + 1
    merged = read_csv(out / "gold.csv")
    assert len(merged) == len(gold) + added
    assert set(original_lines) <= set((out / "gold.csv").read_text(encoding="utf-8").splitlines())   # kept as is
    for i, a in enumerate(merged):
        assert not any(same(a, b) for b in merged[i + 1:]), a
    # every accepted claim is in the file, as a row of its own or as the hand-made row it duplicates
    for fact in facts[:-1]:
        as_row = {c: str(fact[c]) for c in ("doc_id", "metric", "status", "char_start")} | {"value": str(fact["value"])}
        assert any(same(as_row, r) for r in merged)
    assert any(r["extractor_version"] == "review" and (r["doc_id"], int(r["char_start"]), float(r["value"])) ==
               (changed["doc_id"], changed["char_start"], changed["value"] * 2) for r in merged)
    # exporting again writes the same file
    snapshot = (out / "gold.csv").read_bytes()
    assert store.export_gold(db, out) == added
    assert (out / "gold.csv").read_bytes() == snapshot
    # a decision changed later is reflected; the hand-made rows stay as they were
    review(db, changed["fact_key"], "rejected")
    assert store.export_gold(db, out) == added - 1
    assert len(read_csv(out / "gold.csv")) == len(merged) - 1
    assert set(original_lines) <= set((out / "gold.csv").read_text(encoding="utf-8").splitlines())
    if not novel:
        assert (out / "gold.csv").read_bytes() == GOLD.read_bytes()


def test_export_with_no_reviews_keeps_the_gold(corpus: Path, db: Path, tmp_path: Path) -> None:
    store.extract_into_store(corpus, db)
    out = tmp_path / "gold"
    out.mkdir()
    shutil.copy(GOLD, out / "gold.csv")
    assert store.export_gold(db, out) == 0
    assert (out / "gold.csv").read_bytes() == GOLD.read_bytes()
