"""The challenge sets (eval/challenge/, eval/challenge2/): articles written to resemble scraped regional and
national news, annotated by people who never read the rules. A floor here catches a rule change that only
fits the seeds."""
from __future__ import annotations

from pathlib import Path

from extractor.batch import run_extract
from extractor.evaluate import load_gold, load_table, score

import pytest

EVAL = Path(__file__).resolve().parent.parent / "eval"


@pytest.mark.parametrize("name,articles", [("challenge", 20), ("challenge2", 12)])
def test_challenge_set_scores(tmp_path, name, articles):
    out = tmp_path / "facts.csv"
    summary = run_extract(EVAL / name / "articles", out, workers=1, progress=False)
    assert summary.count("extracted") == articles
    evaluation = score(load_table(out), load_gold(EVAL / name / "gold.csv"))
    assert evaluation.overall.f1 >= 0.95, evaluation.as_dict()
    assert evaluation.attribute_accuracy["region"] >= 0.9
    assert evaluation.attribute_accuracy["as_of"] >= 0.9
