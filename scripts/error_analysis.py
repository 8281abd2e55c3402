#!/usr/bin/env python3
"""Error analysis in the open: every missed and spurious claim of a facts table against a gold table, with
its sentence and the number marked, plus matched claims whose region, as_of or qualifier disagree.

usage: python scripts/error_analysis.py FACTS GOLD [--doc DOC_ID] [--metric METRIC] [--attributes]

FACTS is .csv or .parquet; GOLD a CSV or a folder of CSVs. Scoring is the contract's (extractor.evaluate).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from extractor.evaluate import ATTRIBUTES, load_gold, load_table, score


def marked(row: dict) -> str:
    """The sentence with the quote in [[brackets]], so a reader sees which number is meant."""
    sentence, quote = str(row.get("sentence", "")), str(row.get("quote", ""))
    return sentence.replace(quote, f"[[{quote}]]", 1) if quote and quote in sentence else sentence


def describe(row: dict) -> str:
    return (f"{row['doc_id']} | {row['metric']} {row['value']} {row['qualifier']} {row['status']} | "
            f"region={row['region'] or '-'} as_of={row['as_of'] or '-'} | rule={row.get('rule', '')}")


def keep(row: dict, args) -> bool:
    return (not args.doc or row["doc_id"] == args.doc) and (not args.metric or row["metric"] == args.metric)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("facts", type=Path)
    parser.add_argument("gold", type=Path)
    parser.add_argument("--doc", help="only this doc_id")
    parser.add_argument("--metric", help="only this metric")
    parser.add_argument("--attributes", action="store_true", help="also list attribute disagreements")
    args = parser.parse_args(argv)
    evaluation = score(load_table(args.facts), load_gold(args.gold))
    missed = [g for g in evaluation.missed if keep(g, args)]
    spurious = [p for p in evaluation.spurious if keep(p, args)]
    print(f"== MISSED ({len(missed)}): in gold, not predicted")
    for row in missed:
        print(f"- {describe(row)}\n    {marked(row)}")
    print(f"\n== SPURIOUS ({len(spurious)}): predicted, not in gold")
    for row in spurious:
        print(f"- {describe(row)}\n    {marked(row)}")
    if args.attributes:
        print("\n== ATTRIBUTE DISAGREEMENTS (matched claims)")
        for gold, pred in evaluation.matched:
            if not keep(gold, args):
                continue
            wrong = [f"{a}: gold {gold[a] or '-'} / predicted {pred[a] or '-'}" for a in ATTRIBUTES
                     if str(gold[a]) != str(pred[a])]
            if wrong:
                print(f"- {describe(gold)}\n    {'; '.join(wrong)}\n    {marked(gold)}")
    o = evaluation.overall
    print(f"\nP {o.precision:.3f} R {o.recall:.3f} F1 {o.f1:.3f} (tp {o.true_positives}, gold {o.gold}, pred {o.predicted})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
