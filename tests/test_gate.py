"""The regression gate (extractor/gate.py) and its wiring into `extractor evaluate`."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from extractor.cli import main
from extractor.evaluate import MetricScore, Evaluation, load_gold, load_table, score
from extractor.gate import GateConfig, GateConfigError, check, load_baseline, parse_assignments

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold" / "gold.csv"
THRESHOLDS = ROOT / "ci" / "thresholds.toml"




@pytest.fixture(scope="module")
def baseline_report(corpus_facts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("baseline")
    result = evaluate("--facts", corpus_facts, "--gold", GOLD, "--report", out)
    assert result.exit_code == 0, result.output
    return out / "report.json"


def evaluate(*args):
    return CliRunner().invoke(main, ["evaluate", *map(str, args)], catch_exceptions=False)


def fail_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAIL ")]


def evaluation_of(overall=(10, 10, 10), **metrics) -> Evaluation:
    per_metric = {m: MetricScore(*counts) for m, counts in metrics.items()}
    return Evaluation(MetricScore(*overall), per_metric, {"region": 1.0, "as_of": 0.8, "qualifier": 1.0})


# --- the CI thresholds on the real corpus ------------------------------------------------------------------------

def test_ci_thresholds_pass_on_the_corpus(corpus_facts):
    result = evaluate("--facts", corpus_facts, "--gold", GOLD, "--config", THRESHOLDS)
    assert result.exit_code == 0, result.output
    assert not fail_lines(result.output)
    assert re.search(r"gate: passed; \d+ conditions checked", result.output)


def test_ci_thresholds_are_ours():
    config = GateConfig.from_toml(THRESHOLDS)
    assert config.min_f1 == 0.95
    assert config.min_attr["region"] == 0.9 and config.min_attr["as_of"] == 0.9
    gold_metrics = set(load_gold(GOLD)["metric"])
    assert set(config.min_metric_f1) == gold_metrics        # a floor for every metric the gold holds, no other


def test_dropping_half_the_facts_fails_and_names_the_metrics_that_fell(half_facts):
    result = evaluate("--facts", half_facts, "--gold", GOLD, "--config", THRESHOLDS)
    assert result.exit_code == 1
    failed = fail_lines(result.output)
    evaluation = score(load_table(half_facts), load_gold(GOLD))
    config = GateConfig.from_toml(THRESHOLDS)
    fell = [m for m, floor in config.min_metric_f1.items() if evaluation.per_metric[m].f1 < floor]
    assert fell, "half the facts should bring some metric below its floor"
    for metric in fell:
        assert any(line.startswith(f"FAIL {metric}: F1 ") for line in failed), (metric, result.output)
    assert any(line.startswith("FAIL overall F1 ") for line in failed)
    assert len(failed) == len(fell) + 1        # and nothing else: attribute accuracy of the kept rows is intact
    assert f"gate: FAILED ({len(failed)} of" in result.output


def test_baseline_comparison_flags_a_drop(half_facts, baseline_report):
    before = json.loads(baseline_report.read_text(encoding="utf-8"))
    result = evaluate("--facts", half_facts, "--gold", GOLD, "--baseline", baseline_report)
    assert result.exit_code == 1
    evaluation = score(load_table(half_facts), load_gold(GOLD))
    worse = [m for m, s in evaluation.per_metric.items() if before["per_metric"][m]["f1"] - s.f1 > 0.02]
    assert worse
    output = result.output
    for metric in worse:
        b, a = before["per_metric"][metric]["f1"], evaluation.per_metric[metric].f1
        assert f"FAIL {metric} F1 got worse: {b:.4f} -> {a:.4f}" in output, output
    assert f"FAIL overall F1 got worse: {before['overall']['f1']:.4f} -> {evaluation.overall.f1:.4f}" in output


def test_baseline_comparison_passes_without_a_drop(corpus_facts, baseline_report):
    result = evaluate("--facts", corpus_facts, "--gold", GOLD, "--baseline", baseline_report)
    assert result.exit_code == 0, result.output


def test_tolerance_decides_how_much_drop_is_allowed(corpus_facts, baseline_report, tmp_path):
    table = pd.read_csv(corpus_facts, dtype=str, keep_default_na=False)
    drop_one = table.drop(index=table.index[table["metric"] == "coverage_pct"][0])   # coverage F1 1.0 -> 0.941
    facts = tmp_path / "minus-one.csv"
    drop_one.to_csv(facts, index=False)
    strict = evaluate("--facts", facts, "--gold", GOLD, "--baseline", baseline_report)
    assert strict.exit_code == 1 and "FAIL coverage_pct F1 got worse" in strict.output
    assert "FAIL overall F1" not in strict.output          # overall 1.0 -> 0.986: within 0.02
    loose = evaluate("--facts", facts, "--gold", GOLD, "--baseline", baseline_report, "--tolerance", "0.1")
    assert loose.exit_code == 0, loose.output


def test_baseline_is_read_before_the_report_overwrites_it(half_facts, baseline_report, tmp_path):
    out = tmp_path / "report"
    shutil.copytree(baseline_report.parent, out)
    result = evaluate("--facts", half_facts, "--gold", GOLD, "--report", out, "--baseline", out / "report.json")
    assert result.exit_code == 1 and "got worse" in result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["overall"]["f1"] < 0.9 and data["gate"]["passed"] is False


# --- options and the TOML file ----------------------------------------------------------------------------------

def test_command_line_overrides_the_config(half_facts, corpus_facts, tmp_path):
    # every floor the half table breaks is switched off on the command line: then it passes
    evaluation = score(load_table(half_facts), load_gold(GOLD))
    overrides = [arg for m in evaluation.per_metric for arg in ("--min-metric-f1", f"{m}=0")]
    result = evaluate("--facts", half_facts, "--gold", GOLD, "--config", THRESHOLDS, "--min-f1", "0.1", *overrides)
    assert result.exit_code == 0, result.output
    # an impossible value on the command line is a usage error
    result = evaluate("--facts", corpus_facts, "--gold", GOLD, "--config", THRESHOLDS, "--min-attr", "region=1.01")
    assert result.exit_code == 2 and "outside 0..1" in result.output
    # and a stricter value on the command line beats the file's
    config = tmp_path / "t.toml"
    config.write_text('min_f1 = 0.5\n[min_metric_f1]\ncoverage_pct = 0.1\n', encoding="utf-8")
    result = evaluate("--facts", half_facts, "--gold", GOLD, "--config", config, "--min-metric-f1", "coverage_pct=0.99")
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in fail_lines(result.output)] == ["FAIL coverage_pct"]


def test_min_f1_option_alone(half_facts):
    result = evaluate("--facts", half_facts, "--gold", GOLD, "--min-f1", "0.95")
    assert result.exit_code == 1 and fail_lines(result.output)[0].startswith("FAIL overall F1 ")
    assert evaluate("--facts", half_facts, "--gold", GOLD).exit_code == 0     # no gate asked: exit 0


@pytest.mark.parametrize("text, message", [
    ("min_f1 = 0.9\nmin_f2 = 1\n", "unknown setting"),
    ("min_f1 = 1.5\n", "outside 0..1"),
    ("min_f1 = 'high'\n", "expected a number"),
    ("[min_attr]\ncolour = 0.5\n", "unknown attribute"),
    ("min_f1 = \n", "Invalid"),
])
def test_bad_config_is_a_usage_error(corpus_facts, tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    result = evaluate("--facts", corpus_facts, "--gold", GOLD, "--config", config)
    assert result.exit_code == 2
    assert message in result.output


def test_config_baseline_is_relative_to_the_config_file(tmp_path, baseline_report):
    shutil.copy(baseline_report, tmp_path / "base.json")
    (tmp_path / "t.toml").write_text('baseline = "base.json"\ntolerance = 0.05\n', encoding="utf-8")
    config = GateConfig.from_toml(tmp_path / "t.toml")
    assert config.baseline == tmp_path / "base.json" and config.effective_tolerance == 0.05
    before = json.loads(baseline_report.read_text(encoding="utf-8"))
    assert load_baseline(config.baseline)["overall"] == before["overall"]


# --- the gate as a function ---------------------------------------------------------------------------------------

def test_parse_assignments():
    assert parse_assignments(("coverage_pct=0.95", " visits = 0.5"), "--min-metric-f1") == {
        "coverage_pct": 0.95, "visits": 0.5}
    for bad in ("coverage_pct", "=0.5", "coverage_pct=high", "coverage_pct=2"):
        with pytest.raises(GateConfigError):
            parse_assignments((bad,), "--min-metric-f1")


def test_check_reports_every_failed_condition():
    evaluation = evaluation_of((10, 10, 8), coverage_pct=(5, 5, 5), visits=(5, 5, 3))
    config = GateConfig(min_f1=0.9, min_metric_f1={"coverage_pct": 0.95, "visits": 0.9, "screenings": 0.5,
                                                   "population": 0.0},
                        min_attr={"region": 0.9, "as_of": 0.9})
    result = check(evaluation, config)
    assert not result.passed and result.exit_code == 1
    assert [(f.kind, f.name) for f in result.failures] == [
        ("min_f1", "overall"), ("min_metric_f1", "screenings"), ("min_metric_f1", "visits"), ("min_attr", "as_of")]
    assert result.checked == 7


def test_exact_floor_passes():
    evaluation = evaluation_of((20, 20, 19), coverage_pct=(20, 20, 19))       # F1 0.95 exactly
    assert check(evaluation, GateConfig(min_f1=0.95, min_metric_f1={"coverage_pct": 0.95})).passed


def test_baseline_comparison_per_metric_and_overall():
    baseline = {"overall": {"f1": 0.9}, "per_metric": {"coverage_pct": {"f1": 1.0}, "visits": {"f1": 0.5},
                                                       "gone": {"f1": 1.0}}}
    evaluation = evaluation_of((10, 10, 9), coverage_pct=(5, 5, 4), visits=(5, 5, 5), new=(1, 1, 1))
    result = check(evaluation, GateConfig(), baseline)
    assert [f.name for f in result.failures] == ["coverage_pct"]
    assert "coverage_pct F1 got worse: 1.0000 -> 0.8000" in result.failures[0].message
    assert any("gone" in n for n in result.notes) and any("new" in n for n in result.notes)


def test_load_baseline_rejects_other_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"f1": 1}', encoding="utf-8")
    with pytest.raises(GateConfigError, match="not a report.json"):
        load_baseline(path)
