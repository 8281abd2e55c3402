"""Consistency checks over a facts table (shared/spec/facts-schema.md): do an article's own numbers add up,
and do two articles state different values for the same thing at the same time?

Two kinds of check, each yielding rows of a checks table (columns: CHECK_COLUMNS, described below):

(a) Arithmetic within one article. Rows must share doc_id and region, have status `actual`, and have
    compatible as_of values (equal, or one a coarser prefix of the other: "2024-05" ~ "2024-05-01"; an empty
    as_of only pairs with an empty one). The row being verified is the *stated* figure (side a); the figures
    it is computed from are the *operands* (sides b and c):

      check            stated (a)        computed from (b, c)
      coverage_pct     coverage_pct      participants (b) / population (c) * 100
      active_pct       active_pct        active_participants (b) / participants (c) * 100
      unregistered     unregistered      population (b) - participants (c)
      visits_per_day   visits_per_day    visits (b) / days in the as_of year (366 for leap years, else 365)

    When an article holds several candidates for an operand (the same metric said twice, or a sub-total the
    extractor also labelled `visits`), each stated row is checked against the candidate nearest to it in the
    text: an article puts a figure next to the figures it derives from ("392,9 juta kunjungan atau 1,1 juta
    per hari"). So there is one check row per stated row that has all its operands; a stated row without
    them yields no row (nothing to check).

    Tolerance: every figure is read as an interval given by the precision it was *written* with. The digits
    of `quote` fix the place of its last digit: "4,9 juta" -> 4 900 000 with last digit at 100 000, so it
    stands for 4 850 000 .. 4 950 000; "130.546" is exact to 1; "100,93 persen" to 0.01. The computed value is
    an interval too (interval arithmetic over the operands), and the check is `consistent` when the two
    intervals overlap, i.e. when some choice of the unrounded figures makes the article's arithmetic exact.
    This is why "4,9 juta dari 5,5 juta" = 89,1 % agrees with "88 persen" (4,85/5,55 = 87,4 % is possible)
    while six-digit counts giving 100,20 % do not agree with "99,74 persen". The reported `tolerance` is the
    largest |computed - stated| that passes (in the direction of the actual deviation), so that
    `verdict == consistent` exactly when |computed - stated| <= tolerance.

    Qualifiers: an `approx` figure is widened to at least APPROX_REL of its value. A `min`/`max` *stated*
    figure is checked one-sidedly (the computed value may not fall below a stated minimum / above a stated
    maximum). A `min`/`max` *operand* leaves the computed value unbounded on one side: verdict `not_checked`.
    If a quote's precision cannot be read (no digits, e.g. "Satu Juta", or digits that do not match the
    value), the fixed FALLBACK_* tolerances apply.

(b) Contradictions across articles: rows from different doc_ids with equal metric, region (non-empty),
    status and as_of, where as_of is at least month-precise ("2024-05", "2024-05-01"). A year-only as_of is
    too coarse: participant counts and coverage grow month by month, so two articles' "2024" figures may be
    stated at different moments of the year ("Januari 2024" vs "akhir 2024", a year-to-date total read in May
    vs one read in December) and legitimately differ. Rows with an empty region
    are skipped (we cannot tell they describe the same place). Values differing by more than
    CONTRADICTION_REL relative (the scoring contract's tolerance), and by more than the two figures' own
    rounding, are a `contradiction`; otherwise an `agreement`. Agreement rows are written too: they are the
    evidence that two sources corroborate a figure. A pair involving a min/max figure compares bounds
    (a minimum of 90 agrees with 95, contradicts 85).

The checks table has one row per check with these columns:
  check            coverage_pct | active_pct | unregistered | visits_per_day | cross_article
  verdict          consistent | inconsistent | not_checked   (arithmetic);  agreement | contradiction (cross)
  {doc_id, metric, value, qualifier, as_of, quote, char_start, char_end}_{a,b,c}
                   provenance of each row involved: a = stated figure (arithmetic) or first article (cross);
                   b, c = operands (arithmetic; c empty for visits_per_day) or second article (cross, c empty)
  region, status   shared by all rows of the check
  computed         value computed from the operands (cross: value_b)
  stated           value_a
  tolerance        largest |computed - stated| accepted (see above)
  detail           a human-readable account: formula, days used, why not checked, bounds
"""
from __future__ import annotations

import calendar
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

# --- tolerances and constants -----------------------------------------------------------------------------

# An "approx" figure ("sekitar 500 ribuan", "kurang lebih 2 juta") is a hedge on a number rounded to one or two
# significant digits; 10 % is half a leading-digit step for a figure starting with 5 ("sekitar 500 ribu" is
# 450..550 ribu). The figure's interval is widened to at least this share of its value.
APPROX_REL = 0.10

# Fallback when a quote's written precision cannot be read (no digits, digits that do not map to the value):
# percentages within 0.5 percentage points OR 1 % relative (whichever is wider) -- the spread left by
# rounding a percentage to a whole number or its inputs to two significant digits; counts within 1 %.
FALLBACK_PCT_POINTS = 0.5
FALLBACK_REL = 0.01

# visits_per_day: the source may divide by a different day count (365 vs 366, or working days) or use a
# revised/unrounded total (seed: "5,18 juta" / 366 = 14 153 vs "14.217 per hari", 0.45 % apart; one article
# gives both "392,8 juta" and "392,9 juta" for 2021). 5 % absorbs that while catching a wrong unit or year.
VISITS_PER_DAY_REL = 0.05

# Cross-article: the scoring contract treats values within 0.5 % relative as the same number.
CONTRADICTION_REL = 0.005

# Cross-article comparisons need an as_of at least this precise ("YYYY-MM" has 7 characters).
MIN_AS_OF_LENGTH = 7

# Floating-point slack when comparing interval edges (e.g. 4.85e6 / 5.55e6 computed in binary).
EPSILON = 1e-9

ARITHMETIC_STATUS = "actual"
BOUND_QUALIFIERS = ("min", "max")

SIDES = ("a", "b", "c")
PROVENANCE = ("doc_id", "metric", "value", "qualifier", "as_of", "quote", "char_start", "char_end")
CHECK_COLUMNS = (["check", "verdict"]
                 + [f"{field}_{side}" for side in SIDES for field in PROVENANCE]
                 + ["region", "status", "computed", "stated", "tolerance", "detail"])
CHECK_ORDER = ("coverage_pct", "active_pct", "unregistered", "visits_per_day", "cross_article")
VERDICT_ORDER = ("consistent", "inconsistent", "not_checked", "agreement", "contradiction")


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


# --- figures as intervals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One facts row with the interval its written form stands for."""
    row: dict
    value: float
    lo: float
    hi: float
    precise: bool          # the quote's precision could be read

    @property
    def qualifier(self) -> str:
        return str(self.row.get("qualifier", "") or "exact")


def last_digit_unit(quote: str, value: float) -> float | None:
    """The place value of the last written digit of `quote`, given the normalized `value`: all digits of the
    quote read as one integer D, and value / D must be a power of ten ("4,9 juta" -> 49 -> 100000;
    "2.83 juta" -> 283 -> 10000; "95, 50 persen" -> 9550 -> 0.01). None when it cannot be read."""
    digits = "".join(re.findall(r"\d", quote or ""))
    if not digits or int(digits) == 0 or value == 0 or not math.isfinite(value):
        return None
    exponent = math.log10(abs(value) / int(digits))
    if abs(exponent - round(exponent)) > 1e-6:
        return None
    return 10.0 ** round(exponent)


def figure_of(row: dict) -> Figure:
    value = float(row["value"])
    unit = last_digit_unit(str(row.get("quote", "")), value)
    half = unit / 2 if unit is not None else 0.0
    if str(row.get("qualifier", "")) == "approx":
        half = max(half, APPROX_REL * abs(value))
    return Figure(row, value, value - half, value + half, unit is not None)


# --- arithmetic within one article -----------------------------------------------------------------------

def as_of_compatible(x: str, y: str) -> bool:
    if x == y:
        return True
    if not x or not y:
        return False
    return x.startswith(y + "-") or y.startswith(x + "-")


@dataclass(frozen=True)
class Arithmetic:
    check: str             # also the stated metric
    operands: tuple[str, ...]
    formula: str


ARITHMETIC = (
    Arithmetic("coverage_pct", ("participants", "population"), "participants / population * 100"),
    Arithmetic("active_pct", ("active_participants", "participants"), "active_participants / participants * 100"),
    Arithmetic("unregistered", ("population", "participants"), "population - participants"),
    Arithmetic("visits_per_day", ("visits",), "visits / days in year"),
)


def _ratio(b: Figure, c: Figure) -> tuple[float, float, float] | None:
    if c.lo <= 0 or b.lo < 0:
        return None
    return b.value / c.value * 100, b.lo / c.hi * 100, b.hi / c.lo * 100


def _difference(b: Figure, c: Figure) -> tuple[float, float, float]:
    return b.value - c.value, b.lo - c.hi, b.hi - c.lo


def _fallback_tolerance(check: str, stated: float) -> float:
    if check in ("coverage_pct", "active_pct"):
        return max(FALLBACK_PCT_POINTS, FALLBACK_REL * abs(stated))
    return FALLBACK_REL * abs(stated)


def _judge(check: str, stated: Figure, computed: float, c_lo: float, c_hi: float,
           operands_precise: bool, model_rel: float = 0.0) -> tuple[str, float, str]:
    """Verdict, tolerance and a note. Intervals overlap <=> |computed - s| <= tolerance, where tolerance is
    (stated's half-width on the side of the deviation) + (computed's half-width toward the stated value)."""
    s = stated.value
    model = model_rel * abs(s)
    s_lo, s_hi = stated.lo - model, stated.hi + model
    qualifier = stated.qualifier
    # the side that matters: a minimum is only broken from below, a maximum from above
    upward = qualifier == "max" or (qualifier != "min" and computed >= s)
    if upward:
        tolerance = (s_hi - s) + (computed - c_lo)
    else:
        tolerance = (s - s_lo) + (c_hi - computed)
    note = ""
    if not (stated.precise and operands_precise):
        tolerance = max(tolerance, _fallback_tolerance(check, s) + model)
        note = "precision of a quote unreadable: fallback tolerance; "
    tolerance += EPSILON * max(1.0, abs(s))
    deviation = computed - s
    if qualifier == "min":            # true value >= s: only a computed value below s can contradict it
        ok = deviation >= -tolerance
        note += "stated is a lower bound; "
    elif qualifier == "max":
        ok = deviation <= tolerance
        note += "stated is an upper bound; "
    else:
        ok = abs(deviation) <= tolerance
    return ("consistent" if ok else "inconsistent"), tolerance, note


def _provenance(side: str, row: dict | None) -> dict:
    out = {}
    for field in PROVENANCE:
        out[f"{field}_{side}"] = None if row is None else row.get(field)
    return out


def _check_row(check: str, verdict: str, rows: list[dict | None], region: str, status: str,
               computed: float | None, stated: float | None, tolerance: float | None, detail: str) -> dict:
    out: dict = {"check": check, "verdict": verdict}
    for side, row in zip(SIDES, list(rows) + [None] * (len(SIDES) - len(rows))):
        out.update(_provenance(side, row))
    out.update(region=region, status=status, computed=computed, stated=stated, tolerance=tolerance,
               detail=detail.strip().rstrip(";"))
    return out


def _nearest(candidates: list[dict], anchor: dict, *also_compatible: dict) -> dict | None:
    pool = [r for r in candidates
            if as_of_compatible(r["as_of"], anchor["as_of"])
            and all(as_of_compatible(r["as_of"], o["as_of"]) for o in also_compatible)]
    if not pool:
        return None
    return min(pool, key=lambda r: (r["as_of"] != anchor["as_of"], abs(r["char_start"] - anchor["char_start"]),
                                    r["char_start"]))


def _arithmetic_checks(group: list[dict]) -> list[dict]:
    by_metric: dict[str, list[dict]] = {}
    for row in group:
        by_metric.setdefault(row["metric"], []).append(row)
    out = []
    for spec in ARITHMETIC:
        for stated_row in by_metric.get(spec.check, []):
            operands: list[dict] = []
            for metric in spec.operands:
                found = _nearest(by_metric.get(metric, []), stated_row, *operands)
                if found is None:
                    break
                operands.append(found)
            else:
                out.append(_one_arithmetic(spec, stated_row, operands))
    return out


def _one_arithmetic(spec: Arithmetic, stated_row: dict, operand_rows: list[dict]) -> dict:
    stated = figure_of(stated_row)
    operands = [figure_of(r) for r in operand_rows]
    rows = [stated_row, *operand_rows]
    region, status = stated_row["region"], stated_row["status"]

    def not_checked(why: str, computed: float | None = None) -> dict:
        return _check_row(spec.check, "not_checked", rows, region, status, computed, stated.value, None,
                          f"{spec.formula}; {why}")

    bounded = [f"{f.row['metric']} is a {f.qualifier} bound" for f in operands if f.qualifier in BOUND_QUALIFIERS]
    if bounded:
        return not_checked("; ".join(bounded) + ": computed value unbounded on one side")
    model_rel = 0.0
    detail = spec.formula
    if spec.check == "visits_per_day":
        visits = operands[0]
        as_of = str(visits.row["as_of"])
        if not re.fullmatch(r"\d{4}", as_of):
            return not_checked(f"period of visits is not a whole year (as_of {as_of!r})")
        days = days_in_year(int(as_of))
        computed, c_lo, c_hi = visits.value / days, visits.lo / days, visits.hi / days
        model_rel = VISITS_PER_DAY_REL
        detail = f"visits / {days} days ({as_of}{', leap year' if days == 366 else ''})"
    elif spec.check == "unregistered":
        computed, c_lo, c_hi = _difference(*operands)
    else:
        ratio = _ratio(*operands)
        if ratio is None:
            return not_checked("non-positive denominator")
        computed, c_lo, c_hi = ratio
    verdict, tolerance, note = _judge(spec.check, stated, computed, c_lo, c_hi,
                                      all(f.precise for f in operands), model_rel)
    detail = (f"{detail}; computed {computed:.6g} (range {c_lo:.6g}..{c_hi:.6g} from the quotes' precision)"
              f" vs stated {stated.value:.6g} (range {stated.lo:.6g}..{stated.hi:.6g}"
              + (f", +/-{model_rel:.0%} model tolerance" if model_rel else "") + f"); {note}")
    return _check_row(spec.check, verdict, rows, region, status, computed, stated.value, tolerance, detail)


# --- contradictions across articles ----------------------------------------------------------------------

def _bounds(f: Figure) -> tuple[float, float]:
    if f.qualifier == "min":
        return f.lo, math.inf
    if f.qualifier == "max":
        return -math.inf, f.hi
    return f.lo, f.hi


def _cross_pair(a: dict, b: dict) -> dict:
    fa, fb = figure_of(a), figure_of(b)
    scale = max(abs(fa.value), abs(fb.value))
    slack = CONTRADICTION_REL * scale
    a_lo, a_hi = _bounds(fa)
    b_lo, b_hi = _bounds(fb)
    gap = max(b_lo - a_hi, a_lo - b_hi, 0.0)          # distance between the two intervals
    agree = gap <= slack + EPSILON * max(1.0, scale)
    diff = fb.value - fa.value
    # tolerance: largest |diff| that still agrees = slack + both half-widths on the facing sides
    if diff >= 0:
        tolerance = slack + (a_hi - fa.value) + (fb.value - b_lo)
    else:
        tolerance = slack + (fa.value - a_lo) + (b_hi - fb.value)
    relative = abs(diff) / scale if scale else 0.0
    bounds = [f"{f.row['doc_id']} states a {f.qualifier}" for f in (fa, fb) if f.qualifier != "exact"]
    detail = (f"{a['doc_id']} says {fa.value:.6g}, {b['doc_id']} says {fb.value:.6g} "
              f"({relative:.2%} apart; {CONTRADICTION_REL:.1%} relative plus rounding allowed)"
              + (f"; {', '.join(bounds)}" if bounds else ""))
    return _check_row("cross_article", "agreement" if agree else "contradiction", [a, b], a["region"],
                      a["status"], fb.value, fa.value, tolerance, detail)


def _cross_checks(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if not row["region"] or len(row["as_of"]) < MIN_AS_OF_LENGTH:
            continue
        groups.setdefault((row["metric"], row["region"], row["status"], row["as_of"]), []).append(row)
    out = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda r: (r["doc_id"], r["char_start"]))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a["doc_id"] != b["doc_id"]:
                    out.append(_cross_pair(a, b))
    return out


# --- public API ------------------------------------------------------------------------------------------

def _normalized_rows(facts: pd.DataFrame) -> list[dict]:
    frame = facts.copy()
    for column in ("doc_id", "metric", "qualifier", "status", "region", "as_of", "quote"):
        frame[column] = frame[column].fillna("").astype(str).replace({"nan": "", "None": ""}).str.strip()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    for column in ("char_start", "char_end"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame = frame[frame["value"].notna() & frame["char_start"].notna()]
    rows = []
    for record in frame.to_dict("records"):
        record["value"] = float(record["value"])
        record["char_start"] = int(record["char_start"])
        record["char_end"] = int(record["char_end"]) if pd.notna(record["char_end"]) else None
        record["qualifier"] = record["qualifier"] or "exact"
        rows.append(record)
    return rows


def run_checks(facts: pd.DataFrame) -> pd.DataFrame:
    """All checks over a facts table (as loaded by extractor.evaluate.load_table, or numeric). Rows whose
    value or char_start is not a number are ignored."""
    rows = _normalized_rows(facts)
    out: list[dict] = []
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["status"] == ARITHMETIC_STATUS:
            groups.setdefault((row["doc_id"], row["region"]), []).append(row)
    for key in sorted(groups):
        out.extend(_arithmetic_checks(groups[key]))
    out.extend(_cross_checks(rows))
    checks = pd.DataFrame(out, columns=CHECK_COLUMNS)
    for side in SIDES:
        checks[f"value_{side}"] = checks[f"value_{side}"].astype(float)
        for field in ("char_start", "char_end"):
            checks[f"{field}_{side}"] = checks[f"{field}_{side}"].astype("Int64")
    for column in ("computed", "stated", "tolerance"):
        checks[column] = checks[column].astype(float)
    return checks


def summarize(checks: pd.DataFrame) -> str:
    """One line: counts per check and verdict, e.g.
    "5 checks: coverage_pct 3 consistent, 1 inconsistent; visits_per_day 1 consistent"."""
    if checks.empty:
        return "0 checks: nothing to check (no complete arithmetic group, no comparable cross-article pair)"
    counts = Counter(zip(checks["check"], checks["verdict"]))
    known = [c for c in CHECK_ORDER if c in set(checks["check"])]
    parts = []
    for check in known + sorted(set(checks["check"]) - set(CHECK_ORDER)):
        verdicts = [v for v in VERDICT_ORDER if counts[(check, v)]]
        verdicts += sorted(v for (c, v) in counts if c == check and v not in VERDICT_ORDER)
        parts.append(f"{check} " + ", ".join(f"{counts[(check, v)]} {v}" for v in verdicts))
    flagged = int(checks["verdict"].isin(["inconsistent", "contradiction"]).sum())
    return f"{len(checks)} checks ({flagged} flagged): " + "; ".join(parts)


def _format_float(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.10g}" if abs(value) < 1e15 else f"{value:.0f}"


def write_checks(checks: pd.DataFrame, path: Path) -> None:
    """Write the checks table as CSV to a temporary file beside `path`, then rename it into place: readers
    see the old file or the whole new one, never a part; on failure the temporary file is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = checks.copy()
    for column in [f"value_{s}" for s in SIDES] + ["computed", "stated", "tolerance"]:
        if column in out.columns:
            out[column] = out[column].map(_format_float)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        out.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
