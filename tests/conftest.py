"""Shared test fixtures: the facts of the project's corpus."""
from __future__ import annotations

from pathlib import Path
import pandas as pd
import pytest

from extractor.batch import run_extract

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def corpus_facts(tmp_path_factory) -> Path:
    """corpus/ extracted once per test session."""
    out = tmp_path_factory.mktemp("facts") / "facts.csv"
    run_extract(ROOT / "corpus", out, workers=1, progress=False)
    return out


@pytest.fixture(scope="session")
def half_facts(corpus_facts, tmp_path_factory) -> Path:
    """The corpus facts with every other row removed."""
    out = tmp_path_factory.mktemp("half") / "half.csv"
    pd.read_csv(corpus_facts, dtype=str, keep_default_na=False).iloc[::2].to_csv(out, index=False)
    return out
