"""The challenge set (eval/challenge/): 20 articles written to resemble scraped regional and national
news, annotated independently of the rules. A floor here catches a rule change that only fits the seeds."""
from __future__ import annotations

from pathlib import Path

from extractor.batch import run_extract
from extractor.evaluate import load_gold, load_table, score

CHALLENGE = Path(__file__).resolve().parent.parent / "eval" / "challenge"


def test_challenge_set_scores(tmp_path):
    out = tmp_path / "facts.csv"
    summary = run_extract(CHALLENGE / "articles", out, workers=1, progress=False)
    assert summary.count("extracted") == 20
    evaluation = score(load_table(out), load_gold(CHALLENGE / "gold.csv"))
    assert evaluation.overall.f1 >= 0.95, evaluation.as_dict()
    assert evaluation.attribute_accuracy["region"] >= 0.9
    assert evaluation.attribute_accuracy["as_of"] >= 0.9
