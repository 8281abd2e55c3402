"""The main job on the project's corpus: extract corpus/, score against gold/ (the contract's way),
and check every row's provenance and the columns."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from extractor.cli import main
from extractor.evaluate import load_gold, load_table, score
from extractor.facts import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
CORPUS, GOLD = ROOT / "corpus", ROOT / "gold"
VOCABULARY = {"coverage_pct": "percent", "active_pct": "percent", "participants": "person",
              "active_participants": "person", "population": "person", "unregistered": "person",
              "visits": "visit", "visits_per_day": "visit", "screenings": "screening",
              "uhc_provinces": "region", "uhc_regencies": "region", "funding_idr": "idr"}


@pytest.fixture(scope="module")
def facts_csv(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "facts.csv"
    result = CliRunner().invoke(main, ["extract", str(CORPUS), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "articles read 5, facts written" in result.output
    return out


def test_corpus_scores_against_gold(facts_csv):
    evaluation = score(load_table(facts_csv), load_gold(GOLD))
    assert evaluation.overall.f1 >= 0.95
    assert evaluation.attribute_accuracy["region"] >= 0.9
    assert evaluation.attribute_accuracy["as_of"] >= 0.9


def test_columns_are_exactly_the_contract(facts_csv):
    assert list(pd.read_csv(facts_csv, nrows=0).columns) == COLUMNS
    gold = pd.read_csv(GOLD / "gold.csv", nrows=0)
    assert list(gold.columns) == COLUMNS


def test_every_row_points_at_its_characters(facts_csv):
    facts = pd.read_csv(facts_csv, dtype=str, keep_default_na=False)
    assert len(facts) > 0
    texts = {p.stem: p.read_bytes() for p in CORPUS.glob("*.txt")}
    for row in facts.itertuples():
        raw = texts[row.doc_id]
        text = raw.decode("utf-8")
        start, end = int(row.char_start), int(row.char_end)
        assert text[start:end] == row.quote
        assert row.quote in row.sentence and row.sentence in text
        assert row.source_sha256 == hashlib.sha256(raw).hexdigest()
        assert VOCABULARY[row.metric] == row.unit
        assert row.qualifier in {"exact", "approx", "min", "max"} and row.status in {"actual", "target"}
        assert row.rule and row.extractor_version


def test_gold_rows_point_at_their_characters():
    gold = pd.read_csv(GOLD / "gold.csv", dtype=str, keep_default_na=False)
    for row in gold.itertuples():
        text = (CORPUS / f"{row.doc_id}.txt").read_text(encoding="utf-8")
        assert text[int(row.char_start):int(row.char_end)] == row.quote
        assert row.rule == "gold"


def test_parquet_output_has_the_same_rows(facts_csv, tmp_path):
    out = tmp_path / "facts.parquet"
    result = CliRunner().invoke(main, ["extract", str(CORPUS), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    parquet = pd.read_parquet(out)
    csv = pd.read_csv(facts_csv)
    assert list(parquet.columns) == COLUMNS
    assert parquet["quote"].tolist() == csv["quote"].tolist()
    assert parquet["value"].tolist() == pytest.approx(csv["value"].tolist())


def test_python_dash_m_runs_the_same_command(tmp_path):
    out = tmp_path / "facts.csv"
    proc = subprocess.run([sys.executable, "-m", "extractor", "extract", str(CORPUS), "--out", str(out),
                           "--workers", "1"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "facts written" in proc.stdout


def test_two_workers_give_byte_identical_output(facts_csv, tmp_path):
    out = tmp_path / "facts.csv"
    result = CliRunner().invoke(main, ["extract", str(CORPUS), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == facts_csv.read_bytes()
