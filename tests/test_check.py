"""Consistency checks over a facts table (extractor/check.py), on the real seed corpus and planted errors."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from extractor.batch import run_extract
from extractor.check import (
    CHECK_COLUMNS,
    as_of_compatible,
    days_in_year,
    last_digit_unit,
    run_checks,
    summarize,
    write_checks,
)
from extractor.evaluate import load_table
from extractor.facts import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
KALBAR_DOC = "004_7720c02534928c24"


@pytest.fixture(scope="session")
def seed_facts(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("seed") / "facts.csv"
    run_extract(ROOT / "corpus", out, workers=1)
    return load_table(out)


@pytest.fixture(scope="session")
def seed_checks(seed_facts) -> pd.DataFrame:
    return run_checks(seed_facts)


def article_text(doc_id: str) -> str:
    return (ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")


def only(checks: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=checks.index)
    for column, value in where.items():
        mask &= checks[column] == value
    found = checks[mask]
    assert len(found) == 1, f"expected one check for {where}, got {len(found)}:\n{found}"
    return found.iloc[0]


def assert_provenance_is_real(check: pd.Series, sides: str) -> None:
    """Each side's quote really sits at its offsets in its article."""
    for side in sides:
        text = article_text(check[f"doc_id_{side}"])
        assert text[int(check[f"char_start_{side}"]):int(check[f"char_end_{side}"])] == check[f"quote_{side}"]


def fact_index(facts: pd.DataFrame, doc_id: str, metric: str, region: str) -> int:
    rows = facts[(facts.doc_id == doc_id) & (facts.metric == metric) & (facts.region == region)
                 & (facts.status == "actual")]
    assert len(rows) == 1
    return rows.index[0]


# --- helpers ------------------------------------------------------------------------------------------------

def test_days_in_year_knows_leap_years():
    assert [days_in_year(y) for y in (2021, 2023, 2024, 1900, 2000)] == [365, 365, 366, 365, 366]


@pytest.mark.parametrize("quote, value, unit", [
    ("4,9 juta", 4_900_000, 100_000), ("2.83 juta", 2_830_000, 10_000), ("130.546", 130_546, 1),
    ("100,93 persen", 100.93, 0.01), ("95, 50 persen", 95.5, 0.01), ("88 persen", 88, 1),
    ("500 ribuan", 500_000, 1000), ("673,9 juta", 673_900_000, 100_000),
])
def test_last_digit_unit_reads_written_precision(quote, value, unit):
    assert last_digit_unit(quote, value) == pytest.approx(unit)


@pytest.mark.parametrize("quote, value", [("Satu Juta", 1_000_000), ("", 5.0), ("100,93 persen", 95.0)])
def test_last_digit_unit_unreadable(quote, value):
    assert last_digit_unit(quote, value) is None


def test_as_of_compatibility():
    assert as_of_compatible("2024-05", "2024-05-01")
    assert as_of_compatible("2024", "2024-12")
    assert as_of_compatible("", "")
    assert not as_of_compatible("2024-05", "2024-06-01")
    assert not as_of_compatible("2024", "")
    assert not as_of_compatible("2024-1", "2024-12")       # prefix only at a component boundary


# --- the seed table -----------------------------------------------------------------------------------------

def test_columns_are_documented(seed_checks):
    assert list(seed_checks.columns) == CHECK_COLUMNS


def test_kayong_utara_coverage_is_consistent(seed_checks):
    check = only(seed_checks, check="coverage_pct", region="Kabupaten Kayong Utara")
    assert check.verdict == "consistent"
    assert check.computed == pytest.approx(130546 / 129346 * 100)
    assert check.stated == 100.93
    assert (check.quote_a, check.quote_b, check.quote_c) == ("100,93 persen", "130.546", "129.346")
    assert (check.metric_a, check.metric_b, check.metric_c) == ("coverage_pct", "participants", "population")
    assert check.doc_id_a == check.doc_id_b == check.doc_id_c == KALBAR_DOC
    assert abs(check.computed - check.stated) <= check.tolerance < 0.01   # exact counts: tight tolerance
    assert_provenance_is_real(check, "abc")


def test_kalbar_rounded_millions_are_consistent_by_their_precision(seed_checks):
    check = only(seed_checks, check="coverage_pct", region="Kalimantan Barat")
    assert check.verdict == "consistent"
    assert (check.quote_a, check.quote_b, check.quote_c) == ("88 persen", "4,9 juta", "5,5 juta")
    assert check.computed == pytest.approx(4.9 / 5.5 * 100)
    # a flat 0.5 point / 1 % tolerance would reject this; the quotes' one-decimal millions allow it
    assert abs(check.computed - check.stated) > max(0.5, 0.01 * 88)
    assert abs(check.computed - check.stated) <= check.tolerance < 3
    assert_provenance_is_real(check, "abc")


def test_sintang_table_really_does_not_add_up(seed_checks):
    # the article prints 437.237 of 436.351 (100,20 %) as "99,74 persen": a genuine error in the source
    check = only(seed_checks, check="coverage_pct", region="Kabupaten Sintang")
    assert check.verdict == "inconsistent"
    assert check.computed == pytest.approx(100.203, abs=1e-3)
    assert abs(check.computed - check.stated) > check.tolerance


def test_national_visits_per_day_uses_a_leap_year(seed_checks):
    check = only(seed_checks, check="visits_per_day", doc_id_a="000_4f7bde8ab2d6e228")
    assert check.verdict == "consistent"
    assert (check.quote_a, check.quote_b) == ("1,8 Juta", "673,9 juta")
    assert check.computed == pytest.approx(673_900_000 / 366)
    assert "366 days" in check.detail
    assert pd.isna(check.doc_id_c)
    assert_provenance_is_real(check, "ab")


def test_each_per_day_figure_is_checked_against_its_nearest_total(seed_checks):
    rows = seed_checks[(seed_checks.check == "visits_per_day") & (seed_checks.doc_id_a == "002_4b7dea713be0cba5")]
    pairs = {(r.quote_a, r.quote_b, r.verdict) for r in rows.itertuples()}
    assert pairs == {("Satu Juta", "392,8 juta", "consistent"), ("1.076.232", "392,8 juta", "consistent"),
                     ("1,1 juta", "392,9 juta", "consistent")}
    assert all("365 days" in d for d in rows.detail)                     # 2021 is not a leap year
    jambi = only(seed_checks, check="visits_per_day", region="Jambi")
    assert (jambi.quote_a, jambi.quote_b, jambi.verdict) == ("14.217", "5,18 juta", "consistent")


def test_unregistered_approx_figure_is_widened(seed_checks):
    check = only(seed_checks, check="unregistered", region="Kalimantan Barat")
    assert (check.quote_a, check.qualifier_a, check.verdict) == ("500 ribuan", "approx", "consistent")
    assert check.computed == pytest.approx(600_000)


def test_targets_and_incomplete_groups_are_not_checked(seed_checks, seed_facts):
    assert set(seed_checks.status) == {"actual"}
    # Jambi has coverage but no participants; the national 2024 coverage has no population
    assert not ((seed_checks.check == "coverage_pct") & (seed_checks.region.isin(["Jambi", "Indonesia"]))).any()
    # no two seed articles share a month-precise as_of for the same metric and region
    assert not (seed_checks.check == "cross_article").any()


def test_seed_summary(seed_checks):
    line = summarize(seed_checks)
    assert "\n" not in line
    assert line.startswith(f"{len(seed_checks)} checks (1 flagged): ")
    segments = dict(part.split(" ", 1) for part in line.split(": ", 1)[1].split("; "))
    assert segments["coverage_pct"] == "3 consistent, 1 inconsistent"          # Sintang is the flagged one
    for (check, verdict), n in seed_checks.groupby(["check", "verdict"]).size().items():
        assert f"{n} {verdict}" in segments[check]
    empty = run_checks(pd.DataFrame(columns=COLUMNS))
    assert list(empty.columns) == CHECK_COLUMNS and empty.empty
    assert summarize(empty).startswith("0 checks")


# --- planted errors -----------------------------------------------------------------------------------------

def test_planted_inconsistency_names_all_rows(seed_facts, seed_checks):
    facts = seed_facts.copy()
    i = fact_index(facts, KALBAR_DOC, "coverage_pct", "Kabupaten Kayong Utara")
    facts.loc[i, ["value", "quote"]] = ["95", "95,00 persen"]
    checks = run_checks(facts)
    check = only(checks, check="coverage_pct", region="Kabupaten Kayong Utara")
    assert check.verdict == "inconsistent"
    assert (check.doc_id_a, check.metric_a, check.value_a, check.quote_a) == (KALBAR_DOC, "coverage_pct", 95.0,
                                                                            "95,00 persen")
    assert (check.metric_b, check.value_b, check.quote_b) == ("participants", 130546.0, "130.546")
    assert (check.metric_c, check.value_c, check.quote_c) == ("population", 129346.0, "129.346")
    assert check.char_start_a == int(seed_facts.loc[i, "char_start"])
    assert_provenance_is_real(check, "bc")
    # nothing else changed
    others = checks[checks.region != "Kabupaten Kayong Utara"].reset_index(drop=True)
    expected = seed_checks[seed_checks.region != "Kabupaten Kayong Utara"].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, expected)


@pytest.mark.parametrize("value, verdict", [("100.5", "consistent"), ("102.5", "inconsistent")])
def test_unreadable_precision_falls_back_to_fixed_tolerance(seed_facts, value, verdict):
    facts = seed_facts.copy()
    i = fact_index(facts, KALBAR_DOC, "coverage_pct", "Kabupaten Kayong Utara")
    facts.loc[i, ["value", "quote"]] = [value, "seratus persen"]      # no digits: precision unknown
    check = only(run_checks(facts), check="coverage_pct", region="Kabupaten Kayong Utara")
    # max(0.5 points, 1 % of the stated value) -- a precise reading would reject even 100.5
    assert check.verdict == verdict
    assert check.tolerance == pytest.approx(0.01 * float(value), rel=1e-6)
    assert "fallback" in check.detail


@pytest.mark.parametrize("qualifier, verdict", [("min", "consistent"), ("max", "inconsistent")])
def test_bounded_stated_figure_is_checked_one_sidedly(seed_facts, qualifier, verdict):
    facts = seed_facts.copy()
    i = fact_index(facts, KALBAR_DOC, "coverage_pct", "Kabupaten Kayong Utara")
    facts.loc[i, ["value", "quote", "qualifier"]] = ["95", "95 persen", qualifier]
    check = only(run_checks(facts), check="coverage_pct", region="Kabupaten Kayong Utara")
    assert check.verdict == verdict
    assert "bound" in check.detail


def test_bounded_operand_is_not_checked(seed_facts):
    facts = seed_facts.copy()
    facts.loc[fact_index(facts, KALBAR_DOC, "participants", "Kabupaten Kayong Utara"), "qualifier"] = "min"
    check = only(run_checks(facts), check="coverage_pct", region="Kabupaten Kayong Utara")
    assert check.verdict == "not_checked"
    assert pd.isna(check.tolerance) and "participants is a min bound" in check.detail
    assert "not_checked" in summarize(run_checks(facts))


def planted(seed_facts: pd.DataFrame, **changes) -> pd.DataFrame:
    base = seed_facts.loc[fact_index(seed_facts, KALBAR_DOC, "coverage_pct", "Kalimantan Barat")].copy()
    for column, value in changes.items():
        base[column] = value
    return base


def test_planted_cross_article_contradiction(seed_facts):
    extra = [
        planted(seed_facts, doc_id="zzz_planted", value="91", quote="91 persen", char_start="10", char_end="19"),
        planted(seed_facts, doc_id="yyy_agrees", value="88.3", quote="88,3 persen", char_start="5", char_end="16"),
        # year-only as_of: too coarse to compare, although the value differs
        planted(seed_facts, doc_id="zzz_planted", metric="uhc_provinces", region="Indonesia", as_of="2024",
                value="30", quote="30", unit="region"),
        # empty region: cannot tell it is the same place
        planted(seed_facts, doc_id="zzz_planted", region="", value="70", quote="70 persen"),
    ]
    facts = pd.concat([seed_facts, pd.DataFrame(extra)], ignore_index=True)
    cross = run_checks(facts).query("check == 'cross_article'")
    assert len(cross) == 3                                   # 004 vs yyy, 004 vs zzz, yyy vs zzz
    contra = only(cross, doc_id_a=KALBAR_DOC, doc_id_b="zzz_planted")
    assert contra.verdict == "contradiction"
    assert (contra.metric_a, contra.value_a, contra.quote_a) == ("coverage_pct", 88.0, "88 persen")
    assert (contra.metric_b, contra.value_b, contra.quote_b) == ("coverage_pct", 91.0, "91 persen")
    assert (contra.region, contra.status, contra.as_of_a, contra.as_of_b) == ("Kalimantan Barat", "actual",
                                                                              "2024-05", "2024-05")
    assert_provenance_is_real(contra, "a")
    assert only(cross, doc_id_a=KALBAR_DOC, doc_id_b="yyy_agrees").verdict == "agreement"
    assert only(cross, doc_id_a="yyy_agrees", doc_id_b="zzz_planted").verdict == "contradiction"
    assert "cross_article 1 agreement, 2 contradiction" in summarize(run_checks(facts))


def test_cross_article_min_bound_agrees_with_a_larger_value(seed_facts):
    facts = pd.concat([seed_facts, pd.DataFrame([
        planted(seed_facts, doc_id="zzz_min", value="85", quote="85 persen", qualifier="min"),
        planted(seed_facts, doc_id="zzz_max", value="85", quote="85 persen", qualifier="max"),
    ])], ignore_index=True)
    cross = run_checks(facts).query("check == 'cross_article'")
    assert only(cross, doc_id_a=KALBAR_DOC, doc_id_b="zzz_min").verdict == "agreement"
    assert only(cross, doc_id_a=KALBAR_DOC, doc_id_b="zzz_max").verdict == "contradiction"


# --- writing ------------------------------------------------------------------------------------------------

def test_write_checks_is_whole_and_leaves_no_temp_files(seed_checks, tmp_path):
    path = tmp_path / "out" / "checks.csv"
    write_checks(seed_checks, path)
    write_checks(seed_checks, path)                         # overwriting works too
    assert os.listdir(path.parent) == ["checks.csv"]
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == CHECK_COLUMNS and len(back) == len(seed_checks)
    kayong = back[back.region == "Kabupaten Kayong Utara"].iloc[0]
    assert (kayong.quote_a, kayong.char_start_b, kayong.value_b, kayong.quote_c) == (
        "100,93 persen", str(seed_checks.loc[seed_checks.region == "Kabupaten Kayong Utara", "char_start_b"].iloc[0]),
        "130546", "129.346")
    assert kayong.doc_id_c == KALBAR_DOC


def test_failed_write_keeps_the_old_file(seed_checks, tmp_path, monkeypatch):
    path = tmp_path / "checks.csv"
    path.write_text("old contents\n")

    def broken_to_csv(self, target, *args, **kwargs):
        Path(target).write_text("check,verdict\npartial")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    with pytest.raises(OSError, match="disk full"):
        write_checks(seed_checks, path)
    assert path.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["checks.csv"]
