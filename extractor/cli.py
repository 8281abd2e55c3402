"""Command line: `extractor extract`, `extractor evaluate`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from extractor import __version__


@click.group()
@click.version_option(__version__, prog_name="extractor")
def main() -> None:
    """Rule-based fact extractor for Indonesian health news (JKN)."""


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Facts table to write: .csv or .parquet")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Parallel processes (default: cores)")
def extract(directory: Path, out: Path, workers: int | None) -> None:
    """Extract the facts of every article under DIRECTORY into a facts table."""
    from extractor.batch import run_extract

    summary = run_extract(directory, out, workers=workers)
    click.echo(summary.line())
    sys.exit(summary.exit_code())


@main.command()
@click.option("--facts", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gold", required=True, type=click.Path(exists=True, path_type=Path),
              help="Gold CSV, or a folder holding gold CSVs")
@click.option("--report", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write report.json and report.md into")
@click.option("--min-f1", type=float, default=0.0, help="Exit 1 when overall F1 is below this")
def evaluate(facts: Path, gold: Path, report: Path | None, min_f1: float) -> None:
    """Score a facts table against gold, as the contract says."""
    from extractor.evaluate import format_summary, load_gold, load_table, score
    from extractor.report import write_reports

    evaluation = score(load_table(facts), load_gold(gold))
    click.echo(format_summary(evaluation))
    if report is not None:
        write_reports(evaluation, report)
        click.echo(f"reports written to {report}")
    if evaluation.overall.f1 < min_f1:
        click.echo(f"FAIL: F1 {evaluation.overall.f1:.3f} is below --min-f1 {min_f1}", err=True)
        sys.exit(1)
