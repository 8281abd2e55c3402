"""The regression gate for CI: an evaluation passes or fails against floors (overall F1, per-metric F1,
attribute accuracies) and against a previous report.json (no F1 may drop by more than a tolerance).

Settings come from a TOML file (ci/thresholds.toml) and/or the command line; command-line values override the
file's, key by key (a `--min-metric-f1 coverage_pct=0.9` replaces only the file's coverage_pct floor).

    min_f1 = 0.95                   # overall F1 floor
    tolerance = 0.02                # largest allowed F1 drop against the baseline
    baseline = "baseline.json"      # optional; relative to the TOML file's folder
    [min_metric_f1]
    coverage_pct = 0.95
    [min_attr]
    region = 0.9
"""
from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from extractor.evaluate import ATTRIBUTES, Evaluation

DEFAULT_TOLERANCE = 0.02
EPSILON = 1e-9          # floating-point slack for comparisons: 0.95 >= 0.95 must hold after a round trip
CONFIG_KEYS = {"min_f1", "min_metric_f1", "min_attr", "baseline", "tolerance"}


class GateConfigError(ValueError):
    """A threshold file or option that cannot be used (unknown key, value outside 0..1, bad baseline)."""


def _fraction(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GateConfigError(f"{where}: expected a number between 0 and 1, got {value!r}")
    value = float(value)
    if not (0.0 <= value <= 1.0) or math.isnan(value):
        raise GateConfigError(f"{where}: {value} is outside 0..1")
    return value


@dataclass(frozen=True)
class GateConfig:
    min_f1: float | None = None
    min_metric_f1: dict[str, float] = field(default_factory=dict)
    min_attr: dict[str, float] = field(default_factory=dict)
    baseline: Path | None = None
    tolerance: float | None = None

    @property
    def effective_tolerance(self) -> float:
        return DEFAULT_TOLERANCE if self.tolerance is None else self.tolerance

    def is_empty(self) -> bool:
        return self.min_f1 is None and not self.min_metric_f1 and not self.min_attr and self.baseline is None

    def overridden_by(self, other: "GateConfig") -> "GateConfig":
        """This config with every setting that `other` gives replacing ours (floors merge metric by metric)."""
        return replace(
            self,
            min_f1=self.min_f1 if other.min_f1 is None else other.min_f1,
            min_metric_f1={**self.min_metric_f1, **other.min_metric_f1},
            min_attr={**self.min_attr, **other.min_attr},
            baseline=self.baseline if other.baseline is None else other.baseline,
            tolerance=self.tolerance if other.tolerance is None else other.tolerance,
        )

    @classmethod
    def from_mapping(cls, data: dict, where: str = "config", base_dir: Path | None = None) -> "GateConfig":
        unknown = set(data) - CONFIG_KEYS
        if unknown:
            raise GateConfigError(f"{where}: unknown setting(s) {sorted(unknown)}; known: {sorted(CONFIG_KEYS)}")
        min_f1 = _fraction(data["min_f1"], f"{where}: min_f1") if "min_f1" in data else None
        tolerance = _fraction(data["tolerance"], f"{where}: tolerance") if "tolerance" in data else None
        floors = {}
        for key in ("min_metric_f1", "min_attr"):
            table = data.get(key, {})
            if not isinstance(table, dict):
                raise GateConfigError(f"{where}: [{key}] must be a table of name = number")
            floors[key] = {str(k): _fraction(v, f"{where}: {key}.{k}") for k, v in table.items()}
        _check_attributes(floors["min_attr"], where)
        baseline = data.get("baseline")
        if baseline is not None:
            if not isinstance(baseline, str) or not baseline:
                raise GateConfigError(f"{where}: baseline must be a path")
            baseline = Path(baseline)
            if base_dir is not None and not baseline.is_absolute():
                baseline = base_dir / baseline
        return cls(min_f1, floors["min_metric_f1"], floors["min_attr"], baseline, tolerance)

    @classmethod
    def from_toml(cls, path: Path) -> "GateConfig":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise GateConfigError(f"{path}: {exc}") from exc
        return cls.from_mapping(data, where=str(path), base_dir=path.parent)


def _check_attributes(floors: dict[str, float], where: str) -> None:
    unknown = set(floors) - set(ATTRIBUTES)
    if unknown:
        raise GateConfigError(f"{where}: unknown attribute(s) {sorted(unknown)}; known: {list(ATTRIBUTES)}")


def parse_assignments(items: tuple[str, ...] | list[str], option: str) -> dict[str, float]:
    """`("coverage_pct=0.95", ...)` from a repeatable command-line option -> {"coverage_pct": 0.95}."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise GateConfigError(f"{option} {item!r}: expected NAME=NUMBER")
        try:
            number = float(value)
        except ValueError:
            raise GateConfigError(f"{option} {item!r}: {value!r} is not a number") from None
        out[name] = _fraction(number, f"{option} {name}")
    return out


def load_baseline(path: Path) -> dict:
    """A previous report.json, checked to hold the F1 figures the comparison needs."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GateConfigError(f"baseline {path}: {exc}") from exc
    try:
        float(data["overall"]["f1"])
        for metric, figures in data["per_metric"].items():
            float(figures["f1"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise GateConfigError(f"baseline {path}: not a report.json (needs overall.f1 and per_metric.*.f1)") from None
    return data


@dataclass(frozen=True)
class Failure:
    kind: str           # min_f1 | min_metric_f1 | min_attr | regression
    name: str           # "overall", a metric or an attribute
    actual: float | None
    required: float | None
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "actual": self.actual, "required": self.required,
                "message": self.message}


@dataclass
class GateResult:
    checked: int = 0
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def lines(self) -> list[str]:
        out = [f"FAIL {f.message}" for f in self.failures] + [f"note: {n}" for n in self.notes]
        verdict = "passed" if self.passed else f"FAILED ({len(self.failures)} of {self.checked} conditions)"
        out.append(f"gate: {verdict}; {self.checked} conditions checked")
        return out

    def as_dict(self) -> dict:
        return {"passed": self.passed, "checked": self.checked,
                "failures": [f.as_dict() for f in self.failures], "notes": list(self.notes)}


def check(evaluation: Evaluation, config: GateConfig, baseline: dict | None = None) -> GateResult:
    """Every condition the config asks for, each failed one with a message naming what and by how much."""
    result = GateResult()
    overall = evaluation.overall.f1
    if config.min_f1 is not None:
        result.checked += 1
        if overall + EPSILON < config.min_f1:
            result.failures.append(Failure("min_f1", "overall", overall, config.min_f1,
                                           f"overall F1 {overall:.4f} is below {config.min_f1}"))
    for metric, floor in sorted(config.min_metric_f1.items()):
        result.checked += 1
        score = evaluation.per_metric.get(metric)
        if score is None:
            if floor <= 0:
                continue        # a floor of 0 asks nothing (it also switches off a config file's floor)
            result.failures.append(Failure("min_metric_f1", metric, None, floor,
                                           f"{metric}: has a floor of {floor} but neither gold rows nor predictions"))
        elif score.f1 + EPSILON < floor:
            result.failures.append(Failure(
                "min_metric_f1", metric, score.f1, floor,
                f"{metric}: F1 {score.f1:.4f} is below {floor} (P {score.precision:.3f}, R {score.recall:.3f}; "
                f"tp {score.true_positives}, gold {score.gold}, predicted {score.predicted})"))
    _check_attributes(config.min_attr, "min_attr")
    for attribute, floor in sorted(config.min_attr.items()):
        result.checked += 1
        accuracy = evaluation.attribute_accuracy.get(attribute, 0.0)
        if accuracy + EPSILON < floor:
            result.failures.append(Failure("min_attr", attribute, accuracy, floor,
                                           f"{attribute} accuracy {accuracy:.4f} is below {floor}"))
    if baseline is not None:
        _compare(evaluation, baseline, config.effective_tolerance, result)
    return result


def _compare(evaluation: Evaluation, baseline: dict, tolerance: float, result: GateResult) -> None:
    pairs = [("overall", float(baseline["overall"]["f1"]), evaluation.overall.f1)]
    for metric, figures in sorted(baseline["per_metric"].items()):
        current = evaluation.per_metric.get(metric)
        if current is None:
            result.notes.append(f"{metric}: in the baseline but not scored now (no gold rows, no predictions)")
            continue
        pairs.append((metric, float(figures["f1"]), current.f1))
    for name, before, after in pairs:
        result.checked += 1
        drop = before - after
        if drop > tolerance + EPSILON:
            label = "overall F1" if name == "overall" else f"{name} F1"
            result.failures.append(Failure(
                "regression", name, after, before - tolerance,
                f"{label} got worse: {before:.4f} -> {after:.4f} (-{drop:.4f}, tolerance {tolerance})"))
    new = sorted(set(evaluation.per_metric) - set(baseline["per_metric"]))
    if new:
        result.notes.append(f"not in the baseline (not compared): {', '.join(new)}")
