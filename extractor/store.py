"""The facts store: one SQLite file (stdlib sqlite3, WAL) that keeps every claim the extractor found, the
articles they came from, and the reviewers' decisions on them.

Tables
  articles  doc_id (key), path (absolute, where the text was read), sha256 (of the file's bytes), first_seen,
            last_run (UTC ISO times: when the article first entered the store, when its facts were last written)
  facts     the contract's columns (shared/spec/facts-schema.md) plus fact_key
  reviews   fact_key, decision (accepted | rejected | corrected), corrected_fields (JSON object of the edited
            contract fields), reviewer, time; a history: a fact's decision is its latest review

A fact's key is sha256 of "source_sha256:char_start:char_end:metric": re-extracting the same bytes (with a
newer extractor, say) yields the same keys, so reviews stay attached; an edited article yields new keys,
since its offsets no longer mean the same thing.

Runs are incremental: an article file whose sha256 the store already holds for its doc_id is not extracted
again and its rows are not touched; a new or changed article's facts are (re)written. Writes go in one
transaction per batch of articles, so a run killed midway keeps every batch committed before the kill and a
re-run picks up the rest. Files that are skipped or fail leave whatever the store held for them.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import sqlite3
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from extractor.batch import EXIT_NOTHING_READ, EXIT_OK, FileResult, list_files, process_file
from extractor.facts import COLUMNS, FactRow, format_value
from extractor.reader import ARTICLE_SUFFIXES, doc_id_for

BATCH_SIZE = 16                  # articles per transaction
DECISIONS = ("accepted", "rejected", "corrected")
# The contract's metric vocabulary and each metric's unit (shared/spec/facts-schema.md).
METRIC_UNITS = {
    "coverage_pct": "percent", "active_pct": "percent", "participants": "person",
    "active_participants": "person", "population": "person", "unregistered": "person", "visits": "visit",
    "visits_per_day": "visit", "screenings": "screening", "uhc_provinces": "region",
    "uhc_regencies": "region", "funding_idr": "idr",
}
QUALIFIERS = ("exact", "approx", "min", "max")
STATUSES = ("actual", "target")
UNITS = ("percent", "person", "visit", "screening", "region", "idr")
# Fields a reviewer may correct.
CORRECTABLE = ("value", "metric", "unit", "region", "as_of", "qualifier", "status")
AS_OF_PATTERN = re.compile(r"^(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)?$")
GOLD_RULE, GOLD_VERSION = "gold", "review"
VALUE_TOLERANCE = 0.005          # the contract's 0.5 % relative

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    doc_id     TEXT PRIMARY KEY,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_run   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS facts (
    fact_key          TEXT PRIMARY KEY,
    doc_id            TEXT NOT NULL,
    metric            TEXT NOT NULL,
    value             REAL NOT NULL,
    unit              TEXT NOT NULL,
    qualifier         TEXT NOT NULL,
    status            TEXT NOT NULL,
    region            TEXT NOT NULL,
    as_of             TEXT NOT NULL,
    quote             TEXT NOT NULL,
    char_start        INTEGER NOT NULL,
    char_end          INTEGER NOT NULL,
    sentence          TEXT NOT NULL,
    rule              TEXT NOT NULL,
    source_sha256     TEXT NOT NULL,
    extractor_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_by_doc ON facts (doc_id, char_start);
CREATE TABLE IF NOT EXISTS reviews (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    fact_key         TEXT NOT NULL,
    decision         TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected', 'corrected')),
    corrected_fields TEXT NOT NULL DEFAULT '{}',
    reviewer         TEXT NOT NULL DEFAULT '',
    time             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_fact ON reviews (fact_key, id);
"""
FACT_COLUMNS = ["fact_key", *COLUMNS]
# The latest review of each fact.
LATEST_REVIEWS = """
SELECT r.fact_key, r.decision, r.corrected_fields, r.reviewer, r.time FROM reviews r
WHERE r.id = (SELECT MAX(id) FROM reviews WHERE fact_key = r.fact_key)
"""


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says why."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fact_key(source_sha256: str, char_start: int, char_end: int, metric: str) -> str:
    return hashlib.sha256(f"{source_sha256}:{char_start}:{char_end}:{metric}".encode()).hexdigest()


def keyed_rows(rows: Iterable[FactRow]) -> list[tuple[str, FactRow]]:
    """Each row with its key; two rows of one article over the same characters and metric (rare: they differ
    in status, say) get distinct keys that are still stable across re-extraction."""
    seen: dict[str, int] = {}
    keyed = []
    for row in rows:
        key = fact_key(row.source_sha256, row.char_start, row.char_end, row.metric)
        n = seen.get(key, 0)
        seen[key] = n + 1
        keyed.append((key if n == 0 else hashlib.sha256(f"{key}:{n}".encode()).hexdigest(), row))
    return keyed


def connect(store_path: Path) -> sqlite3.Connection:
    """Open (creating if need be) a store. Autocommit mode: transactions are explicit (`transaction`)."""
    store_path = Path(store_path)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(store_path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")   # with WAL: durable against a killed process
    conn.execute("PRAGMA foreign_keys=ON")
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='reviews'").fetchone():
        with transaction(conn):
            _create(conn)
    return conn


def _create(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


class transaction:
    """`with transaction(conn):` BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


# --- extraction into the store ---------------------------------------------------------------------------

@dataclass
class StoreSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    facts_written: int = 0
    problems: list[FileResult] = field(default_factory=list)   # the skipped and failed files

    def line(self) -> str:
        reasons = "; ".join(f"{r.doc_id or r.path}: {r.reason}" for r in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        return (f"new {self.new}, changed {self.changed}, unchanged {self.unchanged}, skipped {self.skipped}, "
                f"failed {self.failed}, facts written {self.facts_written}"
                + (f" [{reasons}{more}]" if self.problems else ""))

    def exit_code(self) -> int:
        read = self.new + self.changed + self.unchanged
        return EXIT_OK if read or not (self.skipped or self.failed) else EXIT_NOTHING_READ


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _results(paths: list[Path], root: Path, workers: int) -> Iterator[FileResult]:
    if workers <= 1 or len(paths) < 2:
        for path in paths:
            yield process_file(path, root)
        return
    from extractor.batch import _warm

    with ProcessPoolExecutor(max_workers=workers, initializer=_warm) as pool:
        yield from pool.map(process_file, paths, [root] * len(paths), chunksize=1)


def _write_batch(conn: sqlite3.Connection, batch: list[tuple[FileResult, str, str]], summary: StoreSummary) -> None:
    """One transaction: every article of the batch has its facts replaced and its row upserted."""
    stamp = now()
    with transaction(conn):
        for result, path, sha in batch:
            known = conn.execute("SELECT sha256 FROM articles WHERE doc_id = ?", (result.doc_id,)).fetchone()
            conn.execute("DELETE FROM facts WHERE doc_id = ?", (result.doc_id,))
            conn.executemany(
                f"INSERT INTO facts ({', '.join(FACT_COLUMNS)}) VALUES ({', '.join('?' * len(FACT_COLUMNS))})",
                [(key, *(getattr(row, c) for c in COLUMNS)) for key, row in keyed_rows(result.rows)])
            conn.execute(
                "INSERT INTO articles (doc_id, path, sha256, first_seen, last_run) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (doc_id) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256, "
                "last_run = excluded.last_run",
                (result.doc_id, path, sha, stamp, stamp))
            if known is None:
                summary.new += 1
            else:
                summary.changed += 1
            summary.facts_written += len(result.rows)


def extract_into_store(directory: Path, store_path: Path, workers: int = 1,
                       batch_size: int = BATCH_SIZE) -> StoreSummary:
    """Extract every new or changed article under `directory` into the store at `store_path`."""
    root = Path(directory)
    summary = StoreSummary()
    conn = connect(store_path)
    try:
        known = {row["doc_id"]: row["sha256"] for row in conn.execute("SELECT doc_id, sha256 FROM articles")}
        todo: list[Path] = []
        hashes: dict[Path, str] = {}
        for path in list_files(root):
            if path.suffix.lower() in ARTICLE_SUFFIXES and path.is_file() and not path.is_symlink():
                try:  # a FIFO or a link named *.txt is left to process_file, which reports it
                    sha = file_sha256(path)
                except OSError:
                    sha = ""            # process_file reports why it cannot be read
                if sha and known.get(doc_id_for(path, root)) == sha:
                    summary.unchanged += 1
                    continue
                hashes[path] = sha
            todo.append(path)
        batch: list[tuple[FileResult, str, str]] = []
        for path, result in zip(todo, _results(todo, root, workers)):
            if result.status != "extracted":
                summary.problems.append(result)
                summary.skipped += result.status == "skipped"
                summary.failed += result.status == "failed"
                continue
            # The bytes that were extracted: the rows carry their hash (the file may change under us).
            sha = result.rows[0].source_sha256 if result.rows else hashes.get(path) or file_sha256(path)
            if known.get(result.doc_id) == sha:     # e.g. a second file with the same doc_id and bytes
                summary.unchanged += 1
                continue
            known[result.doc_id] = sha
            batch.append((result, str(Path(path).resolve()), sha))
            if len(batch) >= batch_size:
                _write_batch(conn, batch, summary)
                batch = []
        if batch:
            _write_batch(conn, batch, summary)
    finally:
        conn.close()
    return summary


# --- reading the store -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleInfo:
    doc_id: str
    path: str
    sha256: str
    first_seen: str
    last_run: str
    claims: int = 0
    reviewed: int = 0

    @property
    def pending(self) -> int:
        return self.claims - self.reviewed


def _filters(metric: str | None, status: str | None, alias: str = "f") -> tuple[str, list[str]]:
    where, params = [], []
    if metric:
        where.append(f"{alias}.metric = ?")
        params.append(metric)
    if status:
        where.append(f"{alias}.status = ?")
        params.append(status)
    return (" AND ".join(where) or "1"), params


def list_articles(conn: sqlite3.Connection, metric: str | None = None, status: str | None = None) -> list[ArticleInfo]:
    """Articles with their claim counts; with a metric or status filter, only the claims that match are
    counted and only articles with such claims are listed."""
    where, params = _filters(metric, status)
    rows = conn.execute(
        f"""SELECT a.doc_id, a.path, a.sha256, a.first_seen, a.last_run,
                   COUNT(f.fact_key) AS claims, COUNT(r.fact_key) AS reviewed
            FROM articles a
            LEFT JOIN facts f ON f.doc_id = a.doc_id AND {where}
            LEFT JOIN ({LATEST_REVIEWS}) r ON r.fact_key = f.fact_key
            GROUP BY a.doc_id ORDER BY a.doc_id""", params).fetchall()
    infos = [ArticleInfo(**dict(row)) for row in rows]
    return [a for a in infos if a.claims] if (metric or status) else infos


def get_article(conn: sqlite3.Connection, doc_id: str) -> ArticleInfo | None:
    row = conn.execute("SELECT doc_id, path, sha256, first_seen, last_run FROM articles WHERE doc_id = ?",
                       (doc_id,)).fetchone()
    return ArticleInfo(**dict(row)) if row else None


def facts_of(conn: sqlite3.Connection, doc_id: str) -> list[dict[str, Any]]:
    """The article's facts in text order, each with its latest review (decision '' when pending) and the
    corrected fields applied under "effective"."""
    rows = conn.execute(
        f"""SELECT f.*, r.decision, r.corrected_fields, r.reviewer, r.time AS reviewed_at FROM facts f
            LEFT JOIN ({LATEST_REVIEWS}) r ON r.fact_key = f.fact_key
            WHERE f.doc_id = ? ORDER BY f.char_start, f.char_end, f.metric""", (doc_id,)).fetchall()
    out = []
    for row in rows:
        fact = dict(row)
        fact["decision"] = fact["decision"] or ""
        fact["corrected_fields"] = json.loads(fact["corrected_fields"] or "{}")
        fact["effective"] = {c: fact[c] for c in COLUMNS} | fact["corrected_fields"]
        out.append(fact)
    return out


def metrics_in_store(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT metric FROM facts ORDER BY metric")]


# --- reviews -----------------------------------------------------------------------------------------------

def clean_corrections(fields: dict[str, Any] | None) -> dict[str, Any]:
    """Check and normalize a reviewer's corrected fields; raises ReviewError with the reason."""
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise ReviewError("corrected_fields must be an object")
    unknown = sorted(set(fields) - set(CORRECTABLE))
    if unknown:
        raise ReviewError(f"fields that cannot be corrected: {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for name, raw in fields.items():
        if name == "value":
            try:
                value = float(str(raw).strip().replace(" ", "")) if not isinstance(raw, (int, float)) else float(raw)
            except ValueError:
                raise ReviewError(f"value is not a number: {raw!r}") from None
            if not math.isfinite(value):
                raise ReviewError("value must be finite")
            out[name] = value
            continue
        text = str(raw if raw is not None else "").strip()
        allowed = {"metric": METRIC_UNITS, "unit": UNITS, "qualifier": QUALIFIERS, "status": STATUSES}.get(name)
        if allowed is not None and text not in allowed:
            raise ReviewError(f"{name} must be one of {', '.join(allowed)}")
        if name == "as_of" and not AS_OF_PATTERN.match(text):
            raise ReviewError("as_of must be YYYY, YYYY-MM, YYYY-MM-DD or empty")
        out[name] = text
    if "metric" in out and "unit" not in out:
        out["unit"] = METRIC_UNITS[out["metric"]]     # the unit follows the metric
    return out


def record_review(conn: sqlite3.Connection, key: str, decision: str, corrected_fields: dict | None = None,
                  reviewer: str = "") -> dict[str, Any]:
    """Save a decision on one fact at once (its own transaction); returns the saved review."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    fact = conn.execute("SELECT * FROM facts WHERE fact_key = ?", (key,)).fetchone()
    if fact is None:
        raise LookupError(f"no fact with key {key}")
    fields = clean_corrections(corrected_fields) if decision == "corrected" else {}
    if decision == "corrected":
        fields = {k: v for k, v in fields.items() if v != fact[k]}   # only what differs from the extraction
        if not fields:
            raise ReviewError("a correction must change at least one field")
    review = {"fact_key": key, "decision": decision, "corrected_fields": fields,
              "reviewer": str(reviewer or "")[:200], "time": now()}
    with transaction(conn):
        conn.execute("INSERT INTO reviews (fact_key, decision, corrected_fields, reviewer, time) VALUES (?, ?, ?, ?, ?)",
                     (key, decision, json.dumps(fields, sort_keys=True, ensure_ascii=False), review["reviewer"],
                      review["time"]))
    return review


def latest_reviews(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    return {r["fact_key"]: {**dict(r), "corrected_fields": json.loads(r["corrected_fields"] or "{}")}
            for r in conn.execute(LATEST_REVIEWS)}


# --- gold export -------------------------------------------------------------------------------------------

def _values_agree(a: str, b: str) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    return abs(x - y) <= VALUE_TOLERANCE * max(abs(x), abs(y), 1e-9)


def _same_claim(a: dict[str, str], b: dict[str, str]) -> bool:
    return (a["doc_id"], a["metric"], a["status"], str(a["char_start"])) == \
           (b["doc_id"], b["metric"], b["status"], str(b["char_start"])) and _values_agree(a["value"], b["value"])


def reviewed_gold_rows(conn: sqlite3.Connection) -> list[dict[str, str]]:
    """Accepted and corrected claims as gold rows (corrections applied), as CSV strings."""
    rows = conn.execute(
        f"""SELECT f.*, r.decision, r.corrected_fields FROM facts f
            JOIN ({LATEST_REVIEWS}) r ON r.fact_key = f.fact_key
            WHERE r.decision IN ('accepted', 'corrected') ORDER BY f.doc_id, f.char_start, f.metric""").fetchall()
    out = []
    for row in rows:
        fact = {c: row[c] for c in COLUMNS}
        if row["decision"] == "corrected":
            fact.update(json.loads(row["corrected_fields"] or "{}"))
        fact.update(rule=GOLD_RULE, extractor_version=GOLD_VERSION)
        fact["value"] = format_value(float(fact["value"]))
        out.append({c: str(fact[c]) for c in COLUMNS})
    return out


def export_gold(store_path: Path, out_dir: Path) -> int:
    """Merge the store's accepted and corrected claims into `out_dir/gold.csv` (the contract's gold format,
    rule "gold", extractor_version "review"), written atomically.

    Rows already in the file are kept as they are, except rows an earlier export wrote (extractor_version
    "review") for a fact the store still holds: those are written anew from its current decision, so a
    claim later rejected or corrected leaves no stale row. A reviewed claim that matches a row already
    there (doc_id, metric, status, char_start equal, value within 0.5 %) is not added twice.
    Returns the number of reviewed claims the written file holds from this store."""
    out_path = Path(out_dir) / "gold.csv"
    conn = connect(store_path)
    try:
        reviewed = reviewed_gold_rows(conn)
        in_store = {(r["doc_id"], r["source_sha256"], r["char_start"], r["char_end"])
                    for r in conn.execute("SELECT doc_id, source_sha256, char_start, char_end FROM facts")}
    finally:
        conn.close()
    existing: list[dict[str, str]] = []
    if out_path.exists():
        with out_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ValueError(f"{out_path}: missing columns {missing}")
            existing = [{c: row[c] or "" for c in COLUMNS} for row in reader]
    kept = [r for r in existing if not (
        r["extractor_version"] == GOLD_VERSION and r["rule"] == GOLD_RULE
        and (r["doc_id"], r["source_sha256"], _int(r["char_start"]), _int(r["char_end"])) in in_store)]
    merged = list(kept)
    added = 0
    for row in reviewed:
        if any(_same_claim(row, other) for other in merged if other["doc_id"] == row["doc_id"]):
            continue
        merged.append(row)
        added += 1
    merged.sort(key=lambda r: (r["doc_id"], _int(r["char_start"]), r["metric"]))
    _write_csv_atomic(merged, out_path)
    return added


def _int(text: str) -> int:
    try:
        return int(float(text))
    except (TypeError, ValueError):
        return -1


def _write_csv_atomic(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
