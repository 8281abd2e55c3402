"""The command line (extractor/cli.py): usage errors, the store path, gold export and checks."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from extractor.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def test_extract_needs_an_output():
    result = CliRunner().invoke(main, ["extract", str(CORPUS)])
    assert result.exit_code == 2 and "--out" in result.output


def test_store_twice_then_export(tmp_path):
    store = tmp_path / "facts.db"
    runner = CliRunner()
    first = runner.invoke(main, ["extract", str(CORPUS), "--store", str(store), "--workers", "1"])
    assert first.exit_code == 0, first.output
    assert "new 5" in first.output
    second = runner.invoke(main, ["extract", str(CORPUS), "--store", str(store), "--workers", "1"])
    assert "new 0" in second.output and "unchanged 5" in second.output
    exported = runner.invoke(main, ["gold", "export", "--store", str(store), "--out", str(tmp_path / "gold")])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "gold" / "gold.csv").exists()


def test_check_writes_a_checks_table(tmp_path):
    facts = tmp_path / "facts.csv"
    runner = CliRunner()
    assert runner.invoke(main, ["extract", str(CORPUS), "--out", str(facts), "--workers", "1"]).exit_code == 0
    result = runner.invoke(main, ["check", str(facts), "--out", str(tmp_path / "checks.csv")])
    assert result.exit_code == 0, result.output
    checks = pd.read_csv(tmp_path / "checks.csv")
    kayong = checks[(checks["check"] == "coverage_pct") & (checks["region"] == "Kabupaten Kayong Utara")]
    assert kayong["verdict"].tolist() == ["consistent"]
    assert "checks (" in result.output


def test_dask_engine_gives_the_local_facts(tmp_path):
    import pytest

    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    runner = CliRunner()
    local, remote = tmp_path / "local.csv", tmp_path / "dask.csv"
    assert runner.invoke(main, ["extract", str(CORPUS), "--out", str(local), "--workers", "1"]).exit_code == 0
    result = runner.invoke(main, ["extract", str(CORPUS), "--out", str(remote), "--engine", "dask"])
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()
