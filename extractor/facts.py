"""The facts table: the contract's columns (shared/spec/facts-schema.md), rows from claims, and
writing it whole or not at all."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, astuple, fields
from pathlib import Path

import pandas as pd

from extractor import __version__
from extractor.claims import Claim, extract_claims
from extractor.reader import Article

COLUMNS = ["doc_id", "metric", "value", "unit", "qualifier", "status", "region", "as_of", "quote",
           "char_start", "char_end", "sentence", "rule", "source_sha256", "extractor_version"]


@dataclass(frozen=True)
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
    return pd.DataFrame([astuple(r) for r in rows], columns=COLUMNS)


def format_value(value: float) -> str:
    return f"{value:.10g}" if abs(value) < 1e15 else f"{value:.0f}"


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV or Parquet (by extension) to a temporary file beside `path`, then rename it into
    place: a run killed midway leaves the previous file whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            out = frame.copy()
            out["value"] = out["value"].map(format_value)
            out.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
