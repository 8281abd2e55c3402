#!/usr/bin/env python3
"""Build gold.csv for challenge2 from annotations.yaml and articles/*.txt.

Locates every quote in its article (by ctx or first bounded occurrence),
computes char offsets, the holding sentence and the article's SHA-256, then
verifies each row: text[char_start:char_end] == quote, unit matches metric,
qualifier/status/as_of/region are valid. Exits non-zero on any problem.
Usage: python3 build_gold.py [--check]   (--check: verify gold.csv is up to date)
"""
import csv, hashlib, io, re, sys
from pathlib import Path
import yaml

HERE = Path(__file__).resolve().parent
ART = HERE / "articles"
COLUMNS = ["doc_id", "metric", "value", "unit", "qualifier", "status", "region", "as_of",
           "quote", "char_start", "char_end", "sentence", "rule", "source_sha256",
           "extractor_version"]
UNITS = {"coverage_pct": "percent", "active_pct": "percent", "participants": "person",
         "active_participants": "person", "population": "person", "unregistered": "person",
         "visits": "visit", "visits_per_day": "visit", "screenings": "screening",
         "uhc_provinces": "region", "uhc_regencies": "region", "funding_idr": "idr"}
QUALIFIERS = {"exact", "approx", "min", "max"}
STATUSES = {"actual", "target"}
ASOF_RE = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")
REGION_RE = re.compile(r"^(Indonesia|(Kabupaten|Kota) [A-Z][A-Za-z ]+|[A-Z][A-Za-z ]+)$")
ABBREV = {"No", "Dr", "dr", "Kab", "Prov", "Jl", "Yth", "H", "Hj", "St", "Drs", "Ir"}


def bounded_finds(text, quote, lo=0, hi=None):
    hi = len(text) if hi is None else hi
    out, i = [], text.find(quote, lo, hi)
    while i != -1:
        j = i + len(quote)
        before = text[i - 1] if i > 0 else " "
        after = text[j] if j < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            out.append(i)
        i = text.find(quote, i + 1, hi)
    return out


def is_boundary(text, k):
    """text[k] is . ! or ? ; decide whether the sentence ends after it (plus closing quotes)."""
    j = k + 1
    while j < len(text) and text[j] in "\"'”’)":
        j += 1
    if j < len(text) and text[j] not in " \t\n":
        return False, j
    if text[k] == ".":
        m = re.search(r"(\S+)$", text[:k])
        tok = m.group(1) if m else ""
        if tok.lstrip("(") in ABBREV:
            return False, j
        # dateline like "KONTAN.CO.ID - JAKARTA." / "IDNFinancials - SAMARINDA."
        if re.fullmatch(r"[A-Z]{2,}", tok) and text[:k - len(tok)].endswith("- "):
            return False, j
    return True, j


def sentence_of(text, start, end):
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le == -1 else le
    s = ls
    k = ls
    while k < start:
        if text[k] in ".!?":
            ok, j = is_boundary(text, k)
            if ok:
                s = j
        k += 1
    e = le
    k = end
    while k < le:
        if text[k] in ".!?":
            ok, j = is_boundary(text, k)
            if ok:
                e = j
                break
        k += 1
    return text[s:e].strip()


def build():
    ann = yaml.safe_load((HERE / "annotations.yaml").read_text(encoding="utf-8"))
    version = ann["version"]
    rows, errors = [], []
    files = {p.stem for p in ART.glob("*.txt")}
    missing = files - set(ann["docs"])
    if missing:
        errors.append(f"articles without annotations: {sorted(missing)}")
    for doc_id, claims in ann["docs"].items():
        path = ART / f"{doc_id}.txt"
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        text = raw.decode("utf-8")
        seen = set()
        for c in claims:
            q = c["quote"]
            tag = f"{doc_id}:{c['m']}:{q}"
            if "ctx" in c:
                cs = [m.start() for m in re.finditer(re.escape(c["ctx"]), text)]
                if len(cs) != 1:
                    errors.append(f"{tag}: ctx found {len(cs)} times"); continue
                hits = bounded_finds(text, q, cs[0], cs[0] + len(c["ctx"]))
            else:
                hits = bounded_finds(text, q)
            if not hits:
                errors.append(f"{tag}: quote not found"); continue
            start = hits[0]
            end = start + len(q)
            if (start, end) in seen:
                errors.append(f"{tag}: duplicate offsets")
            seen.add((start, end))
            sent = c.get("sent") or sentence_of(text, start, end)
            unit = UNITS.get(c["m"])
            d = str(c.get("d") or "")
            r = c.get("r") or ""
            if unit is None: errors.append(f"{tag}: unknown metric")
            if c["q"] not in QUALIFIERS: errors.append(f"{tag}: bad qualifier")
            if c["s"] not in STATUSES: errors.append(f"{tag}: bad status")
            if not ASOF_RE.match(d): errors.append(f"{tag}: bad as_of {d!r}")
            if r and not REGION_RE.match(r): errors.append(f"{tag}: bad region {r!r}")
            if text[start:end] != q: errors.append(f"{tag}: offset mismatch")
            if q not in sent or text.find(sent) == -1 or not (text.find(sent) <= start):
                errors.append(f"{tag}: sentence does not hold quote")
            v = float(c["v"])
            if unit == "percent" and not (0 < v <= 150): errors.append(f"{tag}: percent out of range")
            val = int(v) if v == int(v) else v
            rows.append({"doc_id": doc_id, "metric": c["m"], "value": val, "unit": unit,
                         "qualifier": c["q"], "status": c["s"], "region": r, "as_of": d,
                         "quote": q, "char_start": start, "char_end": end, "sentence": sent,
                         "rule": "gold", "source_sha256": sha, "extractor_version": version})
    rows.sort(key=lambda x: (x["doc_id"], x["char_start"]))
    return rows, errors


def render(rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main():
    rows, errors = build()
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    out = render(rows)
    target = HERE / "gold.csv"
    if "--check" in sys.argv:
        ok = target.exists() and target.read_text(encoding="utf-8") == out
        print("gold.csv up to date" if ok else "gold.csv is STALE")
        sys.exit(0 if ok else 1)
    target.write_text(out, encoding="utf-8")
    # re-verify from the written file
    for row in csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))):
        t = (ART / f"{row['doc_id']}.txt").read_text(encoding="utf-8")
        assert t[int(row["char_start"]):int(row["char_end"])] == row["quote"], row
        assert UNITS[row["metric"]] == row["unit"], row
    from collections import Counter
    print(f"{len(rows)} rows, {len({r['doc_id'] for r in rows})} articles")
    for m, n in sorted(Counter(r["metric"] for r in rows).items()):
        print(f"  {m}: {n}")


if __name__ == "__main__":
    main()
