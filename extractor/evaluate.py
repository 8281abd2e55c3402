"""Scoring a facts table against a gold table exactly as the contract says: a prediction matches a gold row
when doc_id, metric and status are equal and the values agree within 0.5 % relative; each gold row matches
at most one prediction (preferring one that also agrees on region and as_of); only documents in the gold
are scored. Region, as_of and qualifier accuracy are the shares of matched rows that agree exactly."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from extractor.facts import COLUMNS

RELATIVE_TOLERANCE = 0.005
ATTRIBUTES = ("region", "as_of", "qualifier")


def load_table(path: Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path).astype({c: str for c in ("doc_id", "metric", "status", "region", "as_of", "qualifier")})
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    frame = frame.fillna("").replace({"nan": "", "None": "", "NaT": ""})
    # CSV cells that began with = + - @ were written with a leading quote against formula injection.
    for column in ("doc_id", "region", "as_of", "sentence"):
        if column in frame.columns and frame[column].dtype == object:
            frame[column] = frame[column].astype(str).str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    return frame


def values_agree(a: float, b: float) -> bool:
    return abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b), 1e-9)


@dataclass
class MetricScore:
    gold: int = 0
    predicted: int = 0
    true_positives: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"gold": self.gold, "predicted": self.predicted, "true_positives": self.true_positives,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Evaluation:
    overall: MetricScore
    per_metric: dict[str, MetricScore]
    attribute_accuracy: dict[str, float]
    missed: list[dict] = field(default_factory=list)      # gold rows with no prediction
    spurious: list[dict] = field(default_factory=list)    # predictions matching no gold row
    matched: list[tuple[dict, dict]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"overall": self.overall.as_dict(),
                "per_metric": {m: s.as_dict() for m, s in sorted(self.per_metric.items())},
                "attribute_accuracy": self.attribute_accuracy,
                "missed": len(self.missed), "spurious": len(self.spurious)}


def _as_float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def score(pred: pd.DataFrame, gold: pd.DataFrame) -> Evaluation:
    docs = set(gold["doc_id"])
    pred = pred[pred["doc_id"].astype(str).isin(docs)].reset_index(drop=True)
    candidates: dict[tuple, list[int]] = defaultdict(list)
    for i, row in pred.iterrows():
        if _as_float(row["value"]) is not None:
            candidates[(str(row["doc_id"]), str(row["metric"]), str(row["status"]))].append(i)
    used: set[int] = set()
    per_metric: dict[str, MetricScore] = defaultdict(MetricScore)
    agree: Counter = Counter()
    evaluation = Evaluation(MetricScore(), per_metric, {})
    for metric, n in Counter(gold["metric"]).items():
        per_metric[metric].gold = n
    for metric, n in Counter(pred["metric"].astype(str)).items():
        per_metric[metric].predicted = n
    for _, g in gold.iterrows():
        gv = float(g["value"])
        pool = [i for i in candidates[(g["doc_id"], g["metric"], g["status"])]
                if i not in used and values_agree(float(pred.at[i, "value"]), gv)]
        if not pool:
            evaluation.missed.append(g.to_dict())
            continue
        pool.sort(key=lambda i: -(str(pred.at[i, "region"]) == g["region"]) - (str(pred.at[i, "as_of"]) == g["as_of"]))
        best = pool[0]
        used.add(best)
        per_metric[g["metric"]].true_positives += 1
        evaluation.matched.append((g.to_dict(), pred.loc[best].to_dict()))
        for attribute in ATTRIBUTES:
            agree[attribute] += str(pred.at[best, attribute]) == str(g[attribute])
    evaluation.spurious = [pred.loc[i].to_dict() for i in range(len(pred)) if i not in used]
    tp = sum(s.true_positives for s in per_metric.values())
    evaluation.overall = MetricScore(len(gold), len(pred), tp)
    evaluation.attribute_accuracy = {a: round(agree[a] / tp, 4) if tp else 0.0 for a in ATTRIBUTES}
    return evaluation


def format_summary(evaluation: Evaluation) -> str:
    lines = [f"{'metric':22s} {'gold':>5s} {'pred':>5s} {'tp':>4s} {'P':>6s} {'R':>6s} {'F1':>6s}"]
    for metric, s in sorted(evaluation.per_metric.items()):
        lines.append(f"{metric:22s} {s.gold:5d} {s.predicted:5d} {s.true_positives:4d} "
                     f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")
    o = evaluation.overall
    acc = evaluation.attribute_accuracy
    lines.append(f"attribute accuracy: region {acc['region']:.3f}  as_of {acc['as_of']:.3f}  qualifier {acc['qualifier']:.3f}")
    lines.append(f"overall: P {o.precision:.3f} R {o.recall:.3f} F1 {o.f1:.3f} (tp {o.true_positives}, gold {o.gold}, pred {o.predicted})")
    return "\n".join(lines)


def load_gold(path: Path) -> pd.DataFrame:
    """A gold CSV, or every *.csv in a gold folder, concatenated."""
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path}: no gold CSV files")
    return pd.concat([load_table(f) for f in files], ignore_index=True)
