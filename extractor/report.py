"""Evaluation reports: report.json (every figure) and report.md (a compact summary for CI)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from extractor import __version__
from extractor.evaluate import Evaluation

WORST_MISSES = 15


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def report_json(evaluation: Evaluation) -> str:
    data = {"extractor_version": __version__, **evaluation.as_dict()}
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(evaluation: Evaluation) -> str:
    o = evaluation.overall
    acc = evaluation.attribute_accuracy
    lines = [f"# Evaluation (extractor {__version__})", "",
             f"**F1 {o.f1:.3f}** (P {o.precision:.3f}, R {o.recall:.3f}; tp {o.true_positives}, "
             f"gold {o.gold}, predicted {o.predicted})", "",
             f"Attribute accuracy on matched claims: region {acc['region']:.3f}, as_of {acc['as_of']:.3f}, "
             f"qualifier {acc['qualifier']:.3f}", "",
             "| metric | gold | predicted | tp | P | R | F1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for metric, s in sorted(evaluation.per_metric.items()):
        lines.append(f"| {metric} | {s.gold} | {s.predicted} | {s.true_positives} | {s.precision:.3f} | "
                     f"{s.recall:.3f} | {s.f1:.3f} |")
    if evaluation.missed:
        lines += ["", "## Missed claims", "", "| doc | metric | value | quote | sentence |", "|---|---|---:|---|---|"]
        for g in evaluation.missed[:WORST_MISSES]:
            lines.append(f"| {_md_cell(g['doc_id'])} | {g['metric']} | {g['value']} | {_md_cell(g['quote'])} | "
                         f"{_md_cell(str(g['sentence'])[:120])} |")
    if evaluation.spurious:
        lines += ["", "## Spurious claims", "", "| doc | metric | value | quote | sentence |", "|---|---|---:|---|---|"]
        for p in evaluation.spurious[:WORST_MISSES]:
            lines.append(f"| {_md_cell(p['doc_id'])} | {p['metric']} | {p['value']} | {_md_cell(p['quote'])} | "
                         f"{_md_cell(str(p['sentence'])[:120])} |")
    return "\n".join(lines) + "\n"


def write_reports(evaluation: Evaluation, directory: Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomic(directory / "report.json", report_json(evaluation))
    _write_atomic(directory / "report.md", report_markdown(evaluation))
