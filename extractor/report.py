"""Evaluation reports for people and for CI, written into one folder, each file atomically:

- report.json: every figure (overall and per metric; attribute accuracies), the metric confusions, every
  missed and spurious claim, the extractor version, and the sha256 of the inputs (each article as the facts
  record it, the facts table, the gold file(s));
- report.md: a compact summary for a CI job summary or a PR comment;
- report.html: one self-contained page (no network): a per-metric chart, the confusion between metrics, and
  every missed and spurious claim in its sentence with the number marked; article text is always escaped
  (Jinja2, autoescape on);
- junit.xml: one testcase per gold fact (failure: missed) and one per spurious prediction (failure).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from extractor import __version__
from extractor.evaluate import ATTRIBUTES, Evaluation, values_agree

WORST_MISSES = 15
REPORT_FILES = ("report.json", "report.md", "report.html", "junit.xml")
CLAIM_FIELDS = ("doc_id", "metric", "value", "unit", "qualifier", "status", "region", "as_of", "quote",
                "char_start", "char_end", "sentence", "rule")


# --- small helpers ------------------------------------------------------------------------------------------

def _write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and os.replace: readers see the old file or the new, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    return "" if text in ("nan", "None", "NaT") else text


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def format_value(value) -> str:
    """2.3e+10 -> "23000000000", "96.70" -> "96.7": a number as a person reads it, without float noise."""
    number = _float(value)
    if number is None:
        return _text(value)
    if number.is_integer() and abs(number) < 1e18:
        return str(int(number))
    return format(number, ".10g")


def _grouped(value) -> str:
    """format_value with thin spaces between thousands (276 000 000), for people: no comma/point ambiguity."""
    text = format_value(value)
    whole, dot, fraction = text.partition(".")
    if not whole.lstrip("-").isdigit():
        return text
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
    return sign + "\u202f".join(groups) + dot + fraction


def _int(value) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None


def claim_dict(row: dict) -> dict:
    """The fields of a facts/gold row that a report shows, as JSON-friendly values."""
    out = {}
    for name in CLAIM_FIELDS:
        value = row.get(name, "")
        if name == "value":
            out[name] = _float(value)
        elif name in ("char_start", "char_end"):
            out[name] = _int(value)
        else:
            out[name] = _text(value)
    return out


def _label(row: dict) -> str:
    """A claim's metric, with its status when that is not the usual "actual"."""
    metric, status = _text(row.get("metric")), _text(row.get("status"))
    return metric if status in ("", "actual") else f"{metric} [{status}]"


# --- derived views of an evaluation --------------------------------------------------------------------------

@dataclass
class Confusion:
    """Predictions that agree with a gold row on doc_id and value (within 0.5 %) but not on metric or status."""
    pairs: list[tuple[dict, dict]] = field(default_factory=list)      # (gold row, spurious prediction)
    labels: list[str] = field(default_factory=list)
    matrix: dict[tuple[str, str], int] = field(default_factory=dict)  # (gold label, predicted label) -> count

    def cell(self, gold_label: str, pred_label: str) -> int:
        return self.matrix.get((gold_label, pred_label), 0)


def confusion(evaluation: Evaluation) -> Confusion:
    """Each spurious prediction is paired with at most one gold row of its document whose value it agrees
    with but whose metric or status differs, a missed gold row first (each used once), else a matched one.
    The matrix also carries the diagonal: correct matches per label."""
    missed = list(evaluation.missed)
    matched_gold = [g for g, _ in evaluation.matched]
    used_missed: set[int] = set()
    result = Confusion()
    for pred in evaluation.spurious:
        value = _float(pred.get("value"))
        if value is None:
            continue
        doc, label = _text(pred.get("doc_id")), _label(pred)

        def fits(g: dict) -> bool:
            gv = _float(g.get("value"))
            return (_text(g.get("doc_id")) == doc and gv is not None and values_agree(gv, value)
                    and _label(g) != label)

        partner = next((i for i, g in enumerate(missed) if i not in used_missed and fits(g)), None)
        if partner is not None:
            used_missed.add(partner)
            result.pairs.append((missed[partner], pred))
        else:
            gold = next((g for g in matched_gold if fits(g)), None)
            if gold is not None:
                result.pairs.append((gold, pred))
    for gold, _pred in evaluation.matched:
        key = (_label(gold), _label(gold))
        result.matrix[key] = result.matrix.get(key, 0) + 1
    for gold, pred in result.pairs:
        key = (_label(gold), _label(pred))
        result.matrix[key] = result.matrix.get(key, 0) + 1
    involved = {g for g, p in result.matrix if g != p} | {p for g, p in result.matrix if g != p}
    result.labels = sorted(involved)
    return result


def _worst_first(rows: list[dict], evaluation: Evaluation) -> list[dict]:
    """Claims of the metrics that score worst first; within a metric, by document and position."""
    def f1(metric: str) -> float:
        score = evaluation.per_metric.get(metric)
        return score.f1 if score is not None else 0.0

    return sorted(rows, key=lambda r: (f1(_text(r.get("metric"))), _text(r.get("metric")),
                                       _text(r.get("doc_id")), _int(r.get("char_start")) or 0))


def _gold_files(gold_path: Path) -> list[Path]:
    gold_path = Path(gold_path)
    return sorted(gold_path.glob("*.csv")) if gold_path.is_dir() else [gold_path]


def provenance(facts: pd.DataFrame | None = None, facts_path: Path | None = None,
               gold: pd.DataFrame | None = None, gold_path: Path | None = None) -> dict:
    """What was scored: the sha256 of each article as the facts record it, and of the facts and gold files."""
    out: dict = {"facts": None, "gold": [], "gold_version": [], "articles": {},
                 "article_sha256_conflicts": {}, "article_sha256_differs_from_gold": {}}
    if facts_path is not None:
        out["facts"] = {"path": str(facts_path), "sha256": _sha256_file(facts_path),
                        "rows": int(len(facts)) if facts is not None else None}
    if gold_path is not None:
        out["gold"] = [{"path": str(p), "sha256": _sha256_file(p)} for p in _gold_files(gold_path)]

    def by_doc(frame: pd.DataFrame) -> dict[str, list[str]]:
        found: dict[str, set[str]] = {}
        if frame is None or "source_sha256" not in frame.columns:
            return {}
        for doc, sha in zip(frame["doc_id"].map(_text), frame["source_sha256"].map(_text)):
            found.setdefault(doc, set())
            if sha:
                found[doc].add(sha)
        return {doc: sorted(shas) for doc, shas in sorted(found.items())}

    recorded = by_doc(facts)
    out["articles"] = {doc: (shas[0] if shas else "") for doc, shas in recorded.items()}
    out["article_sha256_conflicts"] = {doc: shas for doc, shas in recorded.items() if len(shas) > 1}
    if gold is not None:
        gold_shas = by_doc(gold)
        out["article_sha256_differs_from_gold"] = {
            doc: {"facts": recorded[doc], "gold": shas} for doc, shas in gold_shas.items()
            if doc in recorded and shas and recorded[doc] and not set(shas) & set(recorded[doc])}
        if "extractor_version" in gold.columns:
            out["gold_version"] = sorted({v for v in gold["extractor_version"].map(_text) if v})
    return out


# --- report.json ----------------------------------------------------------------------------------------------

def report_data(evaluation: Evaluation, inputs: dict | None = None, gate: dict | None = None) -> dict:
    conf = confusion(evaluation)
    return {
        "extractor_version": __version__,
        **evaluation.as_dict(),
        "confusion": [{"gold_metric": _text(g.get("metric")), "gold_status": _text(g.get("status")),
                       "predicted_metric": _text(p.get("metric")), "predicted_status": _text(p.get("status")),
                       "doc_id": _text(g.get("doc_id")), "value": _float(p.get("value")),
                       "quote": _text(p.get("quote"))} for g, p in conf.pairs],
        "missed_claims": [claim_dict(g) for g in evaluation.missed],
        "spurious_claims": [claim_dict(p) for p in evaluation.spurious],
        "inputs": inputs,
        "gate": gate,
    }


def report_json(evaluation: Evaluation, inputs: dict | None = None, gate: dict | None = None) -> str:
    return json.dumps(report_data(evaluation, inputs, gate), indent=1, ensure_ascii=False, sort_keys=True,
                      default=str) + "\n"


# --- report.md ------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def _md(text) -> str:
    """Article text made inert in GitHub markdown: no HTML, no emphasis/links/table breaks, one line."""
    text = re.sub(r"\s+", " ", _text(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_cell(text) -> str:
    return _md(text).strip()


def _excerpt_md(sentence: str, quote: str, width: int = 140) -> str:
    """The sentence around the quote, the quote in bold; at most `width` characters of the sentence."""
    sentence = re.sub(r"\s+", " ", _text(sentence)).strip()
    quote = _text(quote)
    at = sentence.find(quote) if quote else -1
    if at < 0:
        return _md(sentence[:width] + ("…" if len(sentence) > width else ""))
    start = max(0, min(at - (width - len(quote)) // 2, len(sentence) - width))
    end = min(len(sentence), start + max(width, len(quote)))
    before, after = sentence[start:at], sentence[at + len(quote):end]
    return (("…" if start else "") + _md(before) + "**" + _md(quote) + "**" + _md(after)
            + ("…" if end < len(sentence) else ""))


def _md_claims(title: str, rows: list[dict]) -> list[str]:
    shown = rows[:WORST_MISSES]
    more = f" (first {len(shown)} of {len(rows)}, worst-scoring metrics first)" if len(rows) > len(shown) else ""
    lines = ["", f"## {title}: {len(rows)}{more}", "",
             "| doc | metric | status | value | quote | sentence |", "|---|---|---|---:|---|---|"]
    for r in shown:
        lines.append(f"| {_md_cell(r.get('doc_id'))} | {_md_cell(r.get('metric'))} | {_md_cell(r.get('status'))} | "
                     f"{_md_cell(format_value(r.get('value')))} | {_md_cell(r.get('quote'))} | "
                     f"{_excerpt_md(r.get('sentence'), r.get('quote'))} |")
    return lines


def report_markdown(evaluation: Evaluation, inputs: dict | None = None, gate: dict | None = None) -> str:
    o = evaluation.overall
    acc = evaluation.attribute_accuracy
    lines = [f"# Evaluation (extractor {__version__})", ""]
    if gate is not None:
        if gate["passed"]:
            lines += [f"✅ **Gate passed** ({gate['checked']} conditions checked)", ""]
        else:
            lines += [f"❌ **Gate failed**: {len(gate['failures'])} of {gate['checked']} conditions", ""]
            lines += [f"- {_md_cell(f['message'])}" for f in gate["failures"]] + [""]
    lines += [f"**F1 {o.f1:.3f}** (P {o.precision:.3f}, R {o.recall:.3f}; tp {o.true_positives}, "
              f"gold {o.gold}, predicted {o.predicted}; missed {len(evaluation.missed)}, "
              f"spurious {len(evaluation.spurious)})", "",
              "Attribute accuracy on matched claims: "
              + ", ".join(f"{a} {acc.get(a, 0.0):.3f}" for a in ATTRIBUTES), "",
              "| metric | gold | predicted | tp | P | R | F1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for metric, s in sorted(evaluation.per_metric.items()):
        lines.append(f"| {_md_cell(metric)} | {s.gold} | {s.predicted} | {s.true_positives} | {s.precision:.3f} | "
                     f"{s.recall:.3f} | {s.f1:.3f} |")
    pairs = confusion(evaluation).pairs
    if pairs:
        lines += ["", "Metric confusions (same document and value, other metric or status): "
                  + "; ".join(f"{_md_cell(_label(g))} → {_md_cell(_label(p))} ({_md_cell(p.get('quote'))}, "
                            f"{_md_cell(g.get('doc_id'))})"
                              for g, p in pairs)]
    if evaluation.missed:
        lines += _md_claims("Missed claims", _worst_first(evaluation.missed, evaluation))
    if evaluation.spurious:
        lines += _md_claims("Spurious claims", _worst_first(evaluation.spurious, evaluation))
    if inputs:
        differ = inputs.get("article_sha256_differs_from_gold") or {}
        if differ:
            lines += ["", f"⚠️ {len(differ)} article(s) differ from the text the gold was made on: "
                      + ", ".join(_md_cell(d) for d in differ)]
        sources = [f"{_md_cell(g['path'])} `{g['sha256'][:12]}`" for g in inputs.get("gold") or []]
        facts = inputs.get("facts")
        lines += ["", "<sub>"
                  + (f"facts {_md_cell(facts['path'])} `{facts['sha256'][:12]}`; " if facts else "")
                  + f"gold {', '.join(sources) or '-'}; {len(inputs.get('articles') or {})} articles "
                  "(sha256 of each in report.json)</sub>"]
    return "\n".join(lines) + "\n"


# --- report.html ----------------------------------------------------------------------------------------------

def highlight(sentence: str, quote: str) -> list[tuple[str, bool]]:
    """The sentence cut into (text, is_the_number) pieces: every place where the quote stands as a whole
    number (not inside a longer one) is marked; failing that, any place it stands, spaces taken loosely."""
    sentence, quote = _text(sentence), _text(quote).strip()
    if not quote:
        return [(sentence, False)]

    def whole(m: re.Match) -> bool:
        before = sentence[m.start() - 1] if m.start() else " "
        after = sentence[m.end()] if m.end() < len(sentence) else " "
        return not ((quote[0].isalnum() and before.isalnum()) or (quote[-1].isalnum() and after.isalnum()))

    loose = re.compile(r"\s+".join(re.escape(part) for part in quote.split()))
    spans = [m.span() for m in loose.finditer(sentence) if whole(m)] or [m.span() for m in loose.finditer(sentence)]
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append((sentence[at:start], False))
        pieces.append((sentence[start:end], True))
        at = end
    if at < len(sentence) or not pieces:
        pieces.append((sentence[at:], False))
    return pieces


def chart_svg(evaluation: Evaluation) -> str | None:
    """Precision, recall and F1 per metric as an SVG string (matplotlib, Agg backend); None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return None
    metrics = sorted(evaluation.per_metric)
    if not metrics:
        return None
    series = [("precision", "#0072B2", [evaluation.per_metric[m].precision for m in metrics]),
              ("recall", "#E69F00", [evaluation.per_metric[m].recall for m in metrics]),
              ("F1", "#009E73", [evaluation.per_metric[m].f1 for m in metrics])]
    labels = metrics
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "extractor-report",
                                "font.family": "sans-serif", "font.size": 10}):
        fig = Figure(figsize=(5.2, 0.36 * len(metrics) + 0.9))
        ax = fig.add_subplot()
        height = 0.26
        for k, (name, colour, values) in enumerate(series):
            positions = [i + (k - 1) * height for i in range(len(metrics))]
            ax.barh(positions, values, height=height, color=colour, label=name)
            if name == "F1":
                for y, v in zip(positions, values):
                    ax.text(min(v, 1.0) + 0.01, y, f"{v:.2f}", va="center", fontsize=8)
        ax.set_yticks(range(len(metrics)), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.08)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.axvline(0.9, color="#999999", linestyle=":", linewidth=1)
        ax.grid(axis="x", color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04 if len(metrics) > 6 else -0.1),
                  ncol=3, frameon=False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]          # drop the XML declaration and DOCTYPE: inlined in HTML


HTML_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation: F1 {{ "%.3f"|format(o.f1) }} (extractor {{ version }})</title>
<style>
  :root { --ink: #1d2430; --muted: #5b6472; --line: #d8dde4; --bg: #f6f7f9; --bad: #b42318; --warn: #b54708;
          --good: #067647; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink);
         font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; min-height: 100vh; }
  h1 { font-size: 24px; margin: 0 0 4px; }
  h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
  .muted { color: var(--muted); }
  .small { font-size: 13px; }
  .figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
  .figure { border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; min-width: 120px; }
  .figure b { display: block; font-size: 24px; }
  .gate { border-radius: 8px; padding: 10px 16px; margin: 16px 0; font-weight: 600; }
  .gate.pass { background: #ecfdf3; color: var(--good); border: 1px solid #abefc6; }
  .gate.fail { background: #fef3f2; color: var(--bad); border: 1px solid #fecdca; }
  .gate ul { margin: 6px 0 0; font-weight: 400; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
  th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
  th { background: #eef1f5; font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr.low td { background: #fff6ed; }
  td.diag { background: #ecfdf3; }
  td.off { background: #fee4e2; font-weight: 700; }
  td.zero { color: #b8bfc9; }
  table.matrix { width: auto; min-width: 40%; }
  td.doc { white-space: nowrap; font-size: 13px; }
  .chart svg { width: 100%; height: auto; display: block; }
  .metrics { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 20px; align-items: start; }
  .metrics table { font-size: 13px; margin-top: 0; }
  @media (max-width: 900px) { .metrics { grid-template-columns: 1fr; } }
  .claim td.sentence { width: 55%; }
  .sentence { line-height: 1.6; }
  mark { background: #ffe066; color: #000; padding: 0 2px; border-radius: 3px; font-weight: 700;
         box-shadow: 0 0 0 1px #e0b400; }
  .tag { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 10px; background: #eef1f5;
         margin: 1px 2px 1px 0; white-space: nowrap; }
  .tag.bad { background: #fee4e2; color: var(--bad); }
  .missed h2 { border-color: #fda29b; }
  .spurious h2 { border-color: #fec84b; }
  code { font-size: 12px; word-break: break-all; }
  details summary { cursor: pointer; color: var(--muted); }
</style>
</head>
<body>
<main>
<h1>Evaluation report</h1>
<div class="muted small">extractor {{ version }}
  {%- if inputs and inputs.facts %} · facts <code>{{ inputs.facts.path }}</code>{% endif %}
  {%- if inputs and inputs.gold %} · gold {% for g in inputs.gold %}<code>{{ g.path }}</code>{% if not loop.last %}, {% endif %}{% endfor %}{% endif %}
  {%- if inputs and inputs.gold_version %} ({{ inputs.gold_version|join(", ") }}){% endif %}</div>

{% if gate %}
<div class="gate {{ 'pass' if gate.passed else 'fail' }}">
  {% if gate.passed %}Gate passed: {{ gate.checked }} conditions checked{% else %}Gate failed: {{ gate.failures|length }} of {{ gate.checked }} conditions
  <ul>{% for f in gate.failures %}<li>{{ f.message }}</li>{% endfor %}</ul>{% endif %}
</div>
{% endif %}

<div class="figures">
  <div class="figure">F1<b>{{ "%.3f"|format(o.f1) }}</b></div>
  <div class="figure">precision<b>{{ "%.3f"|format(o.precision) }}</b></div>
  <div class="figure">recall<b>{{ "%.3f"|format(o.recall) }}</b></div>
  <div class="figure">gold / predicted / matched<b>{{ o.gold }} / {{ o.predicted }} / {{ o.true_positives }}</b></div>
  <div class="figure">missed / spurious<b>{{ missed|length }} / {{ spurious|length }}</b></div>
  <div class="figure">accuracy {% for a, v in attributes %}{{ a }}{% if not loop.last %} / {% endif %}{% endfor %}
    <b>{% for a, v in attributes %}{{ "%.3f"|format(v) }}{% if not loop.last %} / {% endif %}{% endfor %}</b></div>
</div>

<h2>Per metric</h2>
<div class="metrics">
{% if chart %}<div class="chart">{{ chart|safe }}</div>{% endif %}
<table>
  <tr><th>metric</th><th class="num">gold</th><th class="num">pred</th><th class="num">tp</th>
      <th class="num">P</th><th class="num">R</th><th class="num">F1</th></tr>
  {% for m, s in per_metric %}
  <tr{% if s.f1 < 0.9 %} class="low"{% endif %}><td>{{ m }}</td><td class="num">{{ s.gold }}</td>
    <td class="num">{{ s.predicted }}</td><td class="num">{{ s.true_positives }}</td>
    <td class="num">{{ "%.3f"|format(s.precision) }}</td><td class="num">{{ "%.3f"|format(s.recall) }}</td>
    <td class="num"><b>{{ "%.3f"|format(s.f1) }}</b></td></tr>
  {% endfor %}
</table>
</div>

<h2>Confusion between metrics</h2>
{% if conf.labels %}
<p class="muted small">Rows: the gold claim's metric; columns: what the extractor called it. Off the diagonal: a
prediction with the same document and value (within 0.5&nbsp;%) but another metric or status. On the diagonal:
correct matches. [target] marks status target.</p>
<table class="matrix">
  <tr><th>gold ↓ / predicted →</th>{% for c in conf.labels %}<th class="num">{{ c }}</th>{% endfor %}</tr>
  {% for r in conf.labels %}
  <tr><th>{{ r }}</th>{% for c in conf.labels %}{% set n = conf.cell(r, c) %}
    <td class="num {{ 'zero' if not n else ('diag' if r == c else 'off') }}">{{ n }}</td>{% endfor %}</tr>
  {% endfor %}
</table>
<table class="claim">
  <tr><th>document</th><th>gold</th><th>predicted</th><th>value</th><th>sentence</th></tr>
  {% for g, p in conf.pairs %}
  <tr><td class="doc">{{ g.doc_id }}</td><td>{{ label(g) }}</td><td>{{ label(p) }}</td><td class="num">{{ grouped(p.value) }}</td>
    <td class="sentence">{% for t, m in highlight(p.sentence, p.quote) %}{% if m %}<mark>{{ t }}</mark>{% else %}{{ t }}{% endif %}{% endfor %}</td></tr>
  {% endfor %}
</table>
{% else %}
<p class="muted">No prediction shares a document and value with a gold claim of another metric or status.</p>
{% endif %}

{% macro claims(rows, kind) %}
<table class="claim">
  <tr><th>document</th><th>metric</th><th class="num">value</th><th>attributes</th><th>sentence (the number marked)</th></tr>
  {% for r in rows %}
  <tr><td class="doc">{{ r.doc_id }}{% if r.char_start not in ("", None) %}<div class="muted small">@{{ r.char_start }}</div>{% endif %}</td>
    <td>{{ r.metric }}{% if r.status and r.status != "actual" %} <span class="tag bad">{{ r.status }}</span>{% endif %}
      {% if kind == "spurious" and r.rule %}<div class="muted small">{{ r.rule }}</div>{% endif %}</td>
    <td class="num">{{ grouped(r.value) }}<div class="muted small">“{{ r.quote }}”</div></td>
    <td>{% for a in ("region", "as_of", "qualifier") %}{% if r[a] %}<span class="tag">{{ a }}: {{ r[a] }}</span> {% endif %}{% endfor %}</td>
    <td class="sentence">{% for t, m in highlight(r.sentence, r.quote) %}{% if m %}<mark>{{ t }}</mark>{% else %}{{ t }}{% endif %}{% endfor %}</td></tr>
  {% endfor %}
</table>
{% endmacro %}

<section class="missed">
<h2>Missed claims: {{ missed|length }}</h2>
{% if missed %}<p class="muted small">Gold claims no prediction matched (doc, metric, status, value within 0.5&nbsp;%); worst-scoring metrics first.</p>
{{ claims(missed, "missed") }}{% else %}<p class="muted">None.</p>{% endif %}
</section>

<section class="spurious">
<h2>Spurious claims: {{ spurious|length }}</h2>
{% if spurious %}<p class="muted small">Predictions that match no gold claim; worst-scoring metrics first.</p>
{{ claims(spurious, "spurious") }}{% else %}<p class="muted">None.</p>{% endif %}
</section>

{% if inputs %}
<h2>Inputs</h2>
<details><summary>sha256 of {{ inputs.articles|length }} articles (as the facts record them), the facts and the gold</summary>
<table class="small">
  {% if inputs.facts %}<tr><th>facts</th><td>{{ inputs.facts.path }}</td><td><code>{{ inputs.facts.sha256 }}</code></td></tr>{% endif %}
  {% for g in inputs.gold %}<tr><th>gold</th><td>{{ g.path }}</td><td><code>{{ g.sha256 }}</code></td></tr>{% endfor %}
  {% for doc, sha in inputs.articles.items() %}<tr><th>article</th><td>{{ doc }}</td><td><code>{{ sha }}</code></td></tr>{% endfor %}
</table>
</details>
{% if inputs.article_sha256_differs_from_gold %}<p class="gate fail">These articles differ from the text the gold was made on:
{{ inputs.article_sha256_differs_from_gold|list|join(", ") }}</p>{% endif %}
{% endif %}
</main>
</body>
</html>
"""


def _environment():
    from jinja2 import DictLoader, Environment, StrictUndefined

    env = Environment(loader=DictLoader({"report.html": HTML_TEMPLATE}), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(highlight=highlight, fmt=format_value, grouped=_grouped, label=_label)
    return env


def report_html(evaluation: Evaluation, inputs: dict | None = None, gate: dict | None = None) -> str:
    missed = [claim_dict(r) for r in _worst_first(evaluation.missed, evaluation)]
    spurious = [claim_dict(r) for r in _worst_first(evaluation.spurious, evaluation)]
    conf = confusion(evaluation)
    conf.pairs = [(claim_dict(g), claim_dict(p)) for g, p in conf.pairs]
    return _environment().get_template("report.html").render(
        version=__version__, o=evaluation.overall, per_metric=sorted(evaluation.per_metric.items()),
        attributes=[(a, evaluation.attribute_accuracy.get(a, 0.0)) for a in ATTRIBUTES],
        chart=chart_svg(evaluation), conf=conf, missed=missed, spurious=spurious, inputs=inputs, gate=gate)


# --- junit.xml ------------------------------------------------------------------------------------------------

_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text) -> str:
    """Text XML 1.0 can hold (control characters dropped); ElementTree escapes the rest."""
    return _XML_INVALID.sub("", _text(text))


def _case_name(row: dict) -> str:
    return _xml(f"{_text(row.get('metric'))}:{format_value(row.get('value'))}:{_text(row.get('quote'))}")


def _details(row: dict) -> str:
    attributes = ", ".join(f"{a}={_text(row.get(a)) or '-'}" for a in ("status", "region", "as_of", "qualifier"))
    return _xml(f"{_text(row.get('doc_id'))} @{_text(row.get('char_start'))}: {_text(row.get('metric'))} "
                f"{format_value(row.get('value'))} ({attributes}) quote “{_text(row.get('quote'))}”\n"
                f"sentence: {_text(row.get('sentence'))}")


def report_junit(evaluation: Evaluation) -> str:
    gold_cases = [(g, p) for g, p in evaluation.matched] + [(g, None) for g in evaluation.missed]
    gold_cases.sort(key=lambda c: (_text(c[0].get("doc_id")), _int(c[0].get("char_start")) or 0))
    root = ET.Element("testsuites", name="extractor evaluate",
                      tests=str(len(gold_cases) + len(evaluation.spurious)),
                      failures=str(len(evaluation.missed) + len(evaluation.spurious)), errors="0")
    gold_suite = ET.SubElement(root, "testsuite", name="gold facts", tests=str(len(gold_cases)),
                               failures=str(len(evaluation.missed)), errors="0", skipped="0", time="0")
    for gold, pred in gold_cases:
        case = ET.SubElement(gold_suite, "testcase", classname=_xml(gold.get("doc_id")), name=_case_name(gold),
                             time="0")
        if pred is None:
            failure = ET.SubElement(case, "failure", type="missed",
                                    message=_xml(f"missed: no prediction for {_label(gold)} "
                                                 f"{format_value(gold.get('value'))}"))
            failure.text = _details(gold)
        else:
            wrong = [f"{a}: gold {_text(gold.get(a)) or '-'}, predicted {_text(pred.get(a)) or '-'}"
                     for a in ATTRIBUTES if _text(gold.get(a)) != _text(pred.get(a))]
            if wrong:
                ET.SubElement(case, "system-out").text = _xml("matched; attributes differ: " + "; ".join(wrong))
    spurious_suite = ET.SubElement(root, "testsuite", name="spurious predictions",
                                   tests=str(len(evaluation.spurious)), failures=str(len(evaluation.spurious)),
                                   errors="0", skipped="0", time="0")
    for pred in evaluation.spurious:
        case = ET.SubElement(spurious_suite, "testcase", classname=_xml(pred.get("doc_id")), name=_case_name(pred),
                             time="0")
        failure = ET.SubElement(case, "failure", type="spurious",
                                message=_xml(f"spurious: {_label(pred)} {format_value(pred.get('value'))} "
                                             f"matches no gold claim (rule {_text(pred.get('rule')) or '-'})"))
        failure.text = _details(pred)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# --- all of them ----------------------------------------------------------------------------------------------

def write_reports(evaluation: Evaluation, directory: Path, *, facts: pd.DataFrame | None = None,
                  facts_path: Path | None = None, gold: pd.DataFrame | None = None, gold_path: Path | None = None,
                  gate: dict | None = None) -> list[Path]:
    """report.json, report.md, report.html and junit.xml in `directory` (created), each written atomically."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    inputs = (provenance(facts, facts_path, gold, gold_path)
              if any(x is not None for x in (facts, facts_path, gold, gold_path)) else None)
    texts = {"report.json": report_json(evaluation, inputs, gate),
             "report.md": report_markdown(evaluation, inputs, gate),
             "report.html": report_html(evaluation, inputs, gate),
             "junit.xml": report_junit(evaluation)}
    written = []
    for name in REPORT_FILES:
        _write_atomic(directory / name, texts[name])
        written.append(directory / name)
    return written
