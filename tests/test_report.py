"""The evaluation reports (extractor/report.py) and the `extractor evaluate --report` command that writes them."""
from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from extractor import report as report_module
from extractor.cli import main
from extractor.evaluate import load_gold, load_table, score
from extractor.facts import COLUMNS
from extractor.report import REPORT_FILES, confusion, highlight, write_reports

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold" / "gold.csv"
THRESHOLDS = ROOT / "ci" / "thresholds.toml"




def evaluate(*args) -> Result:
    return CliRunner().invoke(main, ["evaluate", *map(str, args)], catch_exceptions=False)


def row(doc_id="doc-a", metric="coverage_pct", value="98.5", quote="98,5 persen", sentence=None, **extra) -> dict:
    base = {"doc_id": doc_id, "metric": metric, "value": value, "unit": "percent", "qualifier": "exact",
            "status": "actual", "region": "Indonesia", "as_of": "2024", "quote": quote, "char_start": "10",
            "char_end": str(10 + len(quote)), "sentence": sentence or f"Cakupan mencapai {quote}.", "rule": "r",
            "source_sha256": "a" * 64, "extractor_version": "test"}
    base.update(extra)
    return base


def write_pair(tmp_path: Path, gold_rows: list[dict], pred_rows: list[dict]) -> tuple[Path, Path]:
    gold, facts = tmp_path / "gold.csv", tmp_path / "facts.csv"
    pd.DataFrame(gold_rows, columns=COLUMNS).to_csv(gold, index=False)
    pd.DataFrame(pred_rows, columns=COLUMNS).to_csv(facts, index=False)
    return facts, gold


# --- the real corpus ---------------------------------------------------------------------------------------------

def test_real_corpus_writes_all_four_files_and_passes_the_ci_gate(corpus_facts, tmp_path):
    out = tmp_path / "report"
    result = evaluate("--facts", corpus_facts, "--gold", GOLD, "--report", out, "--config", THRESHOLDS)
    assert result.exit_code == 0, result.output
    assert "gate: passed" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORT_FILES)   # and no temp files left behind
    for name in REPORT_FILES:
        assert (out / name).stat().st_size > 0

    evaluation = score(load_table(corpus_facts), load_gold(GOLD))
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["extractor_version"]
    assert data["overall"] == evaluation.overall.as_dict()
    assert data["per_metric"] == {m: s.as_dict() for m, s in evaluation.per_metric.items()}
    for figures in data["per_metric"].values():
        assert set(figures) == {"gold", "predicted", "true_positives", "precision", "recall", "f1"}
    assert data["attribute_accuracy"] == evaluation.attribute_accuracy
    assert data["gate"]["passed"] is True

    # provenance: each article's sha256 as the facts record it (and it is the file's), the gold file's sha256
    facts = load_table(corpus_facts)
    assert set(data["inputs"]["articles"]) == set(facts["doc_id"])
    for doc_id, sha in data["inputs"]["articles"].items():
        assert sha == hashlib.sha256((ROOT / "corpus" / f"{doc_id}.txt").read_bytes()).hexdigest()
    assert data["inputs"]["gold"] == [{"path": str(GOLD), "sha256": hashlib.sha256(GOLD.read_bytes()).hexdigest()}]
    assert data["inputs"]["facts"]["sha256"] == hashlib.sha256(corpus_facts.read_bytes()).hexdigest()
    assert data["inputs"]["article_sha256_differs_from_gold"] == {}

    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"**F1 {evaluation.overall.f1:.3f}**" in md
    for metric in evaluation.per_metric:
        assert re.search(rf"^\| {re.escape(metric.replace('_', chr(92) + '_'))} \|", md, re.M), metric


def test_half_the_facts_shows_misses_in_every_report(half_facts, tmp_path):
    out = tmp_path / "report"
    evaluate("--facts", half_facts, "--gold", GOLD, "--report", out)
    evaluation = score(load_table(half_facts), load_gold(GOLD))
    assert len(evaluation.missed) > 15

    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"## Missed claims: {len(evaluation.missed)} (first 15 of {len(evaluation.missed)}" in md
    missed_table = md.split("## Missed claims")[1].split("\n\n")[1]
    assert len(missed_table.splitlines()) == 2 + 15

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<mark>") >= len(evaluation.missed)          # every missed claim shown, its number marked
    for g in evaluation.missed:
        assert f"<mark>{g['quote']}</mark>" in html

    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["missed"] == len(data["missed_claims"]) == len(evaluation.missed)
    assert data["spurious"] == len(data["spurious_claims"]) == len(evaluation.spurious)


def test_junit_has_a_testcase_per_gold_row_and_per_spurious_prediction(half_facts, tmp_path):
    facts, gold = write_pair(tmp_path, [row(), row(metric="participants", value="1800000", quote="1,8 juta")],
                             [row(), row(metric="population", value="5", quote="5 & <b>")])
    for facts_path, gold_path in ((half_facts, GOLD), (facts, gold)):
        out = tmp_path / f"report-{facts_path.stem}"
        evaluate("--facts", facts_path, "--gold", gold_path, "--report", out)
        evaluation = score(load_table(facts_path), load_gold(gold_path))
        root = ET.parse(out / "junit.xml").getroot()
        cases = root.findall(".//testcase")
        assert len(cases) == len(load_gold(gold_path)) + len(evaluation.spurious)
        failures = root.findall(".//testcase/failure")
        assert len(failures) == len(evaluation.missed) + len(evaluation.spurious)
        assert int(root.get("tests")) == len(cases)
        gold_docs = set(load_gold(gold_path)["doc_id"])
        assert {c.get("classname") for c in cases} <= gold_docs
        for case in cases:
            assert re.fullmatch(r"[a-z_]+:-?[\d.e+]+:.+", case.get("name")), case.get("name")
    names = {c.get("name") for c in ET.parse(tmp_path / "report-facts" / "junit.xml").getroot().iter("testcase")}
    assert names == {"coverage_pct:98.5:98,5 persen", "participants:1800000:1,8 juta", "population:5:5 & <b>"}


# --- safety of the HTML ------------------------------------------------------------------------------------------

def test_html_escapes_article_text(tmp_path):
    sentence = "Cakupan <script>alert(1)</script> mencapai 98,5 persen & naik."
    missed = row(metric="participants", value="1800000", quote="1,8 juta",
                 sentence="Peserta <script>alert(1)</script> 1,8 juta <img src=x onerror=alert(2)>")
    facts, gold = write_pair(tmp_path, [row(sentence=sentence), missed],
                             [row(sentence=sentence), row(metric="visits", value="7", quote="7", sentence=sentence)])
    out = tmp_path / "report"
    evaluate("--facts", facts, "--gold", gold, "--report", out)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<mark>1,8 juta</mark>" in html
    # self-contained: no script at all, nothing loaded from elsewhere
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|<link\b|@import|url\((?!#)""", html, re.I)
    assert "<svg" in html                      # the chart is inlined

    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_highlight_marks_the_quote_as_a_whole_number():
    assert highlight("dari 95 persen menjadi 5 persen", "5 persen") == [
        ("dari 95 persen menjadi ", False), ("5 persen", True)]
    assert highlight("naik 1,8  juta jiwa", "1,8 juta") == [("naik ", False), ("1,8  juta", True), (" jiwa", False)]
    assert highlight("tidak ada", "7") == [("tidak ada", False)]


# --- confusion between metrics -----------------------------------------------------------------------------------

def test_confusion_pairs_same_doc_and_value_with_another_metric_or_status(tmp_path):
    gold_rows = [row(metric="participants", value="276000000", quote="276 juta", status="target"),
                 row(value="98"), row(doc_id="doc-b", value="50")]
    pred_rows = [row(metric="population", value="276500000", quote="276 juta", status="target"),  # within 0.5 %
                 row(value="98", status="target"),            # status confused
                 row(doc_id="doc-b", metric="active_pct", value="60")]  # another value: spurious, no confusion
    facts, gold = write_pair(tmp_path, gold_rows, pred_rows)
    evaluation = score(load_table(facts), load_gold(gold))
    conf = confusion(evaluation)
    assert sorted((g["metric"], g["status"], p["metric"], p["status"]) for g, p in conf.pairs) == [
        ("coverage_pct", "actual", "coverage_pct", "target"),
        ("participants", "target", "population", "target")]
    assert conf.cell("participants [target]", "population [target]") == 1
    assert conf.cell("coverage_pct", "coverage_pct [target]") == 1

    out = tmp_path / "report"
    evaluate("--facts", facts, "--gold", gold, "--report", out)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(data["confusion"]) == 2
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Confusion between metrics" in html and 'class="num off">1</td>' in html


# --- writing -----------------------------------------------------------------------------------------------------

def test_reports_are_written_atomically(tmp_path, monkeypatch):
    facts, gold = write_pair(tmp_path, [row()], [row()])
    evaluation = score(load_table(facts), load_gold(gold))
    out = tmp_path / "report"
    write_reports(evaluation, out)
    before = (out / "report.json").read_text(encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(report_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_reports(evaluation, out, facts=load_table(facts), facts_path=facts)
    monkeypatch.undo()
    assert (out / "report.json").read_text(encoding="utf-8") == before     # the old file, whole
    assert sorted(os.listdir(out)) == sorted(REPORT_FILES)                   # no temp file left


def test_control_characters_do_not_break_junit(tmp_path):
    facts, gold = write_pair(tmp_path, [row(sentence="Cakupan\x0c mencapai\x01 98,5 persen")],
                             [row(metric="visits", value="3", quote="3", sentence="bell \x07 3 kali")])
    out = tmp_path / "report"
    evaluate("--facts", facts, "--gold", gold, "--report", out)
    root = ET.parse(out / "junit.xml").getroot()
    assert len(root.findall(".//testcase")) == 2
