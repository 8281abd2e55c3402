"""The facts table: the contract's columns (shared/spec/facts-schema.md), rows from claims, and
writing it whole or not at all."""
from __future__ import annotations

import csv
import operator
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from extractor import __version__
from extractor.claims import Claim, extract_claims
from extractor.reader import Article

COLUMNS = ["doc_id", "metric", "value", "unit", "qualifier", "status", "region", "as_of", "quote",
           "char_start", "char_end", "sentence", "rule", "source_sha256", "extractor_version"]


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class FactRow:
    doc_id: str
    metric: str
    value: float
    unit: str
    qualifier: str
    status: str
    region: str
    as_of: str
    quote: str
    char_start: int
    char_end: int
    sentence: str
    rule: str
    source_sha256: str
    extractor_version: str


assert [f.name for f in fields(FactRow)] == COLUMNS
# A row's cells in column order (dataclasses.astuple deep-copies every field: 45 times slower).
row_cells = operator.attrgetter(*COLUMNS)


def row_for(article: Article, claim: Claim) -> FactRow:
    return FactRow(
        doc_id=article.doc_id, metric=claim.metric, value=claim.value, unit=claim.unit,
        qualifier=claim.qualifier, status=claim.status, region=claim.region, as_of=claim.as_of,
        quote=article.text[claim.char_start:claim.char_end], char_start=claim.char_start,
        char_end=claim.char_end, sentence=article.text[claim.sentence_start:claim.sentence_end].strip(),
        rule=claim.rule, source_sha256=article.sha256, extractor_version=__version__)


def facts_for(article: Article) -> list[FactRow]:
    published = str(article.meta.get("date") or "")
    return [row_for(article, claim) for claim in extract_claims(article.view, published)]


def to_frame(rows: list[FactRow]) -> pd.DataFrame:
    rows = sorted(rows, key=lambda r: (r.doc_id, r.char_start, r.metric))
    return pd.DataFrame([row_cells(r) for r in rows], columns=COLUMNS)


def format_value(value: float) -> str:
    return f"{value:.10g}" if abs(value) < 1e15 else f"{value:.0f}"


# --- writing -------------------------------------------------------------------------------------------
# CSV safety: a spreadsheet reads a cell that begins with one of these as a formula ("=HYPERLINK(...)",
# "@SUM(...)", "-2+3"); such a cell gets a single quote in front, which spreadsheets show as text. File
# names (doc_id) and article text (sentence) come from outside, so every text column is neutralized
# except `quote`, which must stay exactly text[char_start:char_end] (a quote is a number as written and
# never begins with these characters anyway). Numeric columns (value, char_start, char_end) are numbers.
# Parquet files are written unchanged: they hold typed values, not formulas.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_COLUMNS = ("value", "char_start", "char_end")
UNNEUTRALIZED_COLUMNS = ("quote",)
NEUTRALIZED_COLUMNS = tuple(c for c in COLUMNS if c not in NUMERIC_COLUMNS + UNNEUTRALIZED_COLUMNS)


def csv_safe(cell: object) -> object:
    """`cell` with a leading single quote when it begins like a spreadsheet formula; other values as given."""
    if isinstance(cell, str) and cell[:1] in FORMULA_TRIGGERS and cell:
        return "'" + cell
    return cell


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write into; on success it is synced and renamed onto `path`
    (readers see the old file or the new one, never a part), on any failure it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600; the table gets the usual file mode
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_VALUE_AT = COLUMNS.index("value")
_NEUTRALIZED_AT = tuple(COLUMNS.index(c) for c in NEUTRALIZED_COLUMNS)


def csv_cells(row: FactRow) -> list[object]:
    """A row's cells as csv_frame writes them: the value formatted, text cells neutralized."""
    cells = list(row_cells(row))
    cells[_VALUE_AT] = format_value(cells[_VALUE_AT])
    for i in _NEUTRALIZED_AT:
        cells[i] = csv_safe(cells[i])
    return cells


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as it goes into a CSV file: values formatted, text cells neutralized (see above)."""
    out = frame.copy()
    if "value" in out.columns:
        out["value"] = out["value"].map(format_value)
    for column in NEUTRALIZED_COLUMNS:
        if column in out.columns:
            out[column] = out[column].map(csv_safe)
    return out


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV or Parquet (by extension) to a temporary file beside `path`, then rename it into
    place: a run killed or failing midway leaves the previous file whole and no temporary file."""
    path = Path(path)
    with atomic_output(path) as tmp:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            csv_frame(frame).to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")


# Column types of the Parquet table, fixed up front: a stream of chunks must not let one chunk's dtypes
# (an empty one's, say) decide the file's schema.
NUMERIC_TYPES = {"value": "float64", "char_start": "int64", "char_end": "int64"}


class TableWriter:
    """The facts table written as a stream of chunks, whole or not at all: rows go to a temporary file
    beside `path` as they come (CSV: the same formatting as write_table; Parquet: one row group per
    chunk), and the file is renamed into place when the writer closes without an error. A run holds one
    chunk of rows at a time, never the corpus. Chunks must come in table order (doc_id, char_start, metric)."""

    def __init__(self, path: Path, chunk_rows: int = 4096) -> None:
        self.path, self.chunk_rows = Path(path), chunk_rows
        self.parquet = self.path.suffix.lower() == ".parquet"
        self._pending: list[FactRow] = []
        self._started = False

    def __enter__(self) -> "TableWriter":
        self._output = atomic_output(self.path)
        self._tmp = self._output.__enter__()
        self._parquet_writer = None
        return self

    def write(self, rows: Iterable[FactRow]) -> None:
        self._pending.extend(rows)
        if len(self._pending) >= self.chunk_rows:
            self._flush()

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if self.parquet:
            self._write_parquet(pd.DataFrame([row_cells(r) for r in rows], columns=COLUMNS))
        else:
            # The csv module directly, with the cells csv_frame makes and the dialect pandas' to_csv uses,
            # so the bytes are write_table's (a test compares them); a DataFrame per chunk cost more
            # than extracting the chunk's articles' dates.
            with open(self._tmp, "a" if self._started else "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                if not self._started:
                    writer.writerow(COLUMNS)
                writer.writerows(csv_cells(r) for r in rows)
        self._started = True

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.from_numpy_dtype(NUMERIC_TYPES[c]) if c in NUMERIC_TYPES else pa.string())
                            for c in COLUMNS])
        table = pa.Table.from_pandas(frame.astype({c: t for c, t in NUMERIC_TYPES.items()}), schema=schema,
                                     preserve_index=False)
        if self._parquet_writer is None:
            self._parquet_writer = pq.ParquetWriter(self._tmp, schema)
        self._parquet_writer.write_table(table)

    def __exit__(self, kind, error, trace) -> bool:
        if kind is None:
            try:
                if self._pending or not self._started:
                    self._flush()   # the last chunk, or the header of an empty table
                self._close_parquet()
            except BaseException as exc:   # a failed last write: no table, not a partial one
                self._close_parquet()
                self._output.__exit__(type(exc), exc, exc.__traceback__)
                raise
            self._output.__exit__(None, None, None)
            return False
        self._close_parquet()
        self._output.__exit__(kind, error, trace)
        return False

    def _close_parquet(self) -> None:
        if self._parquet_writer is not None:
            writer, self._parquet_writer = self._parquet_writer, None
            writer.close()
