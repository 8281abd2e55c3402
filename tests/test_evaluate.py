"""extractor/evaluate.py must score exactly as the contract's own scorer, ../shared/eval/score.py, does: on the
dev set as extracted, and on variants of it that exercise the matching (dropped rows, values near the 0.5 %
edge, flipped statuses, other metrics, rows of documents outside the gold)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from extractor.batch import run_extract
from extractor.evaluate import load_gold, load_table, score

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "eval" / "score.py"
DEV = SHARED / "eval" / "dev"

pytestmark = pytest.mark.skipif(not SCORER.is_file() or not (DEV / "gold.csv").is_file(),
                                reason="../shared (the contract's scorer and the dev set) is absent")


@pytest.fixture(scope="module")
def dev_facts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dev") / "facts.csv"
    run_extract(DEV / "articles", out, workers=1, progress=False)
    return out


def reference(facts: Path, gold: Path, tmp_path: Path) -> dict:
    out = tmp_path / f"{facts.stem}-score.json"
    done = subprocess.run([sys.executable, str(SCORER), str(facts), str(gold), "--json", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert out.is_file(), done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def assert_agree(facts: Path, gold: Path, tmp_path: Path) -> None:
    ref = reference(facts, gold, tmp_path)
    ours = score(load_table(facts), load_gold(gold))
    o = ours.overall
    assert (o.gold, o.predicted, o.true_positives) == (ref["gold"], ref["pred"], ref["tp"])
    assert round(o.precision, 4) == pytest.approx(ref["precision"], abs=1e-9)
    assert round(o.recall, 4) == pytest.approx(ref["recall"], abs=1e-9)
    assert round(o.f1, 4) == pytest.approx(ref["f1"], abs=1e-9)
    assert {m: (s.gold, s.predicted, s.true_positives) for m, s in ours.per_metric.items()} == {
        m: (d["gold"], d["pred"], d["tp"]) for m, d in ref["per_metric"].items()}
    assert ours.attribute_accuracy == pytest.approx(ref["attr_acc"], abs=1e-9)
    assert len(ours.missed) == ref["gold"] - ref["tp"]
    assert len(ours.spurious) == ref["pred"] - ref["tp"]


def test_agrees_with_the_contract_scorer_on_the_dev_set(dev_facts, tmp_path):
    assert_agree(dev_facts, DEV / "gold.csv", tmp_path)


def _variant(name: str, table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    values = t["value"].astype(float)
    if name == "every_other_row":
        return t.iloc[::2]
    if name == "values_near_the_edge":        # +0.4 % still matches, +0.6 % does not
        t["value"] = [repr(v * (1.004 if i % 2 else 1.006)) for i, v in enumerate(values)]
        return t
    if name == "status_flipped":
        t.loc[t.index[::3], "status"] = "target"
        return t
    if name == "metrics_shuffled_and_attributes_changed":
        t.loc[t.index[::4], "metric"] = "population"
        t.loc[t.index[1::3], "region"] = "Indonesia"
        t.loc[t.index[::2], "as_of"] = ""
        t.loc[t.index[::5], "qualifier"] = "approx"
        return t
    if name == "duplicates_and_foreign_documents":
        extra = t.iloc[:3].copy()
        extra["doc_id"] = "not-in-gold"
        return pd.concat([t, t.iloc[::2], extra], ignore_index=True)
    if name == "unparseable_value":
        t.loc[t.index[0], "value"] = "n/a"
        return t
    raise ValueError(name)


@pytest.mark.parametrize("name", ["every_other_row", "values_near_the_edge", "status_flipped",
                                  "metrics_shuffled_and_attributes_changed", "duplicates_and_foreign_documents",
                                  "unparseable_value"])
def test_agrees_with_the_contract_scorer_on_variants(dev_facts, tmp_path, name):
    table = pd.read_csv(dev_facts, dtype=str, keep_default_na=False)
    facts = tmp_path / f"{name}.csv"
    _variant(name, table).to_csv(facts, index=False)
    assert_agree(facts, DEV / "gold.csv", tmp_path)
