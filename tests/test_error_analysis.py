"""scripts/error_analysis.py lists missed and spurious claims with their sentences."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def test_lists_missed_and_spurious_with_marked_sentences(tmp_path):
    gold = pd.read_csv(ROOT / "gold" / "gold.csv", dtype=str, keep_default_na=False)
    facts = gold.copy()
    facts = facts.iloc[1:].copy()                      # one gold row missed
    extra = gold.iloc[[0]].copy()
    extra["metric"], extra["value"] = "population", "12345"   # one spurious prediction
    facts = pd.concat([facts, extra])
    facts["rule"] = "test"
    facts_path = tmp_path / "facts.csv"
    facts.to_csv(facts_path, index=False)
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "error_analysis.py"), str(facts_path),
                           str(ROOT / "gold"), "--attributes"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    first = gold.iloc[0]
    assert "== MISSED (1)" in out and "== SPURIOUS (1)" in out
    assert f"[[{first['quote']}]]" in out
    assert "population 12345" in out
    assert f"tp {len(gold) - 1}, gold {len(gold)}, pred {len(gold)}" in out
