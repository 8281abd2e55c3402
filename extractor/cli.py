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
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Facts table to write: .csv or .parquet")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite facts store to update incrementally (only new or changed articles are extracted)")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Parallel processes (default: cores)")
@click.option("--errors", "errors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV listing every file that was skipped or failed, with the reason")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the per-article work runs")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --engine dask); default: a local cluster")
def extract(directory: Path, out: Path | None, store: Path | None, workers: int | None, errors: Path | None,
            engine: str, scheduler: str | None) -> None:
    """Extract the facts of every article under DIRECTORY into a facts table (--out) or a store (--store).
    With --engine dask, DIRECTORY may also be a file listing article paths, one per line."""
    if out is None and store is None:
        raise click.UsageError("give --out FILE (a facts table) and/or --store FILE (a facts store)")
    if directory.is_file() and engine != "dask":
        raise click.UsageError(f"{directory} is a file: give a folder (a file list needs --engine dask)")
    if engine == "dask" and out is None:
        raise click.UsageError("--engine dask writes a facts table: give --out FILE")
    if store is not None:
        from extractor.store import extract_into_store

        store_summary = extract_into_store(directory, store, workers=workers or 1)
        click.echo(f"store {store}: {store_summary.line()}")
        if out is None:
            sys.exit(store_summary.exit_code())
    try:
        if engine == "dask":
            from extractor.distributed import run_dask

            summary = run_dask(directory, out, scheduler=scheduler)
        else:
            from extractor.batch import run_extract

            summary = run_extract(directory, out, workers=workers)
        if errors is not None:
            from extractor.batch import write_errors

            write_errors(summary, errors)
    except OSError as exc:  # an output that cannot be written is the caller's to fix (exit 2)
        raise click.UsageError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from exc
    click.echo(summary.line())
    sys.exit(summary.exit_code())


@main.command()
@click.option("--store", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (loopback by default)")
@click.option("--port", default=8000, show_default=True, type=int)
def review(store: Path, host: str, port: int) -> None:
    """Serve the review page for a facts store."""
    from extractor.review import serve

    click.echo(f"review page: http://{host}:{port}/  (Ctrl-C to stop)")
    serve(store, host=host, port=port)


@main.group()
def gold() -> None:
    """Gold-set maintenance."""


@gold.command("export")
@click.option("--store", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Gold folder; its gold.csv is merged with the reviewed claims")
def gold_export(store: Path, out_dir: Path) -> None:
    """Write accepted and corrected claims from the store into OUT/gold.csv, merged without duplicates."""
    from extractor.store import export_gold

    rows = export_gold(store, out_dir)
    click.echo(f"{rows} reviewed claims written to {out_dir / 'gold.csv'}")


@main.command()
@click.option("--facts", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gold", required=True, type=click.Path(exists=True, path_type=Path),
              help="Gold CSV, or a folder holding gold CSVs")
@click.option("--report", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write report.json, report.md, report.html and junit.xml into")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Gate thresholds from a TOML file (e.g. ci/thresholds.toml); options below override it")
@click.option("--min-f1", type=float, default=None, help="Gate: fail when overall F1 is below this")
@click.option("--min-metric-f1", "min_metric_f1", multiple=True, metavar="METRIC=X",
              help="Gate: fail when this metric's F1 is below X (repeatable)")
@click.option("--min-attr", "min_attr", multiple=True, metavar="ATTRIBUTE=X",
              help="Gate: fail when region, as_of or qualifier accuracy is below X (repeatable)")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Gate: a previous report.json; fail when overall or any metric's F1 drops by more than --tolerance")
@click.option("--tolerance", type=float, default=None, help="Gate: largest allowed F1 drop against --baseline (default 0.02)")
def evaluate(facts: Path, gold: Path, report: Path | None, config_path: Path | None, min_f1: float | None,
             min_metric_f1: tuple[str, ...], min_attr: tuple[str, ...], baseline: Path | None,
             tolerance: float | None) -> None:
    """Score a facts table against gold, as the contract says; write reports; apply the regression gate.

    Exit 1 when any gate condition fails (each one is printed), 0 otherwise."""
    from extractor.evaluate import format_summary, load_gold, load_table, score
    from extractor.gate import GateConfig, GateConfigError, check, load_baseline, parse_assignments
    from extractor.report import write_reports

    try:
        config = GateConfig.from_toml(config_path) if config_path is not None else GateConfig()
        config = config.overridden_by(GateConfig.from_mapping(
            {k: v for k, v in {"min_f1": min_f1, "tolerance": tolerance}.items() if v is not None}
            | {"min_metric_f1": parse_assignments(min_metric_f1, "--min-metric-f1"),
               "min_attr": parse_assignments(min_attr, "--min-attr")}, where="options"))
        if baseline is not None:
            config = config.overridden_by(GateConfig(baseline=baseline))
        previous = load_baseline(config.baseline) if config.baseline is not None else None  # before --report overwrites it
    except GateConfigError as exc:
        raise click.UsageError(str(exc)) from None
    facts_table, gold_table = load_table(facts), load_gold(gold)
    evaluation = score(facts_table, gold_table)
    click.echo(format_summary(evaluation))
    result = None if config.is_empty() else check(evaluation, config, previous)
    if report is not None:
        write_reports(evaluation, report, facts=facts_table, facts_path=facts, gold=gold_table, gold_path=gold,
                      gate=result.as_dict() if result is not None else None)
        click.echo(f"reports written to {report}")
    if result is not None:
        for line in result.lines():
            click.echo(line, err=line.startswith("FAIL"))
        sys.exit(result.exit_code)


@main.command()
@click.argument("facts", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Checks table to write (CSV); default: checks.csv beside FACTS")
def check(facts: Path, out: Path | None) -> None:
    """Flag arithmetic that does not add up and contradictions between articles."""
    from extractor.check import run_checks, summarize, write_checks
    from extractor.evaluate import load_table

    checks = run_checks(load_table(facts))
    out = out or facts.with_name("checks.csv")
    write_checks(checks, out)
    click.echo(summarize(checks))
    click.echo(f"checks written to {out}")
