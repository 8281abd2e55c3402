"""Builds and verifies the challenge gold set.

Reads annotations.yaml (hand-written: per article its claims with the quote text and which occurrence, and
its distractors), finds every quote's offsets in the decoded article text, computes the sentence and the
file's SHA-256, verifies every row and writes gold.csv with exactly the contract's columns.

usage: python build_gold.py [--check]    (--check: verify only, do not write gold.csv)

Verification (any failure aborts with a non-zero exit and writes nothing):
  - every article file has an annotation entry and vice versa; files are UTF-8, no BOM, no CR
  - each quote is found token-bounded (not inside a longer number or word); a quote that occurs more
    than once needs ctx (a unique snippet holding it) or occ; text[char_start:char_end] == quote
  - metric is in the contract's vocabulary and unit is the metric's unit
  - qualifier in {exact, approx, min, max}; status in {actual, target}
  - region is "Indonesia", a province's official name, or "Kabupaten X" / "Kota X"
  - as_of is "", YYYY, YYYY-MM or YYYY-MM-DD (a valid date)
  - value agrees with the number read from the quote (Indonesian number forms; within 0.01 %)
  - percentages lie in 0..150; no two rows share (doc_id, metric, value, status, region)
  - no two rows share the same offsets; distractors exist in the text and overlap no claim
  - repeats (later mentions of a claimed figure, merged into its row) exist, come after the claim's
    first occurrence and read the same value
"""
import csv
import datetime
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles"
ANNOTATIONS = HERE / "annotations.yaml"
GOLD = HERE / "gold.csv"
VERSION = "challenge-v1"

CONTRACT = ["doc_id", "metric", "value", "unit", "qualifier", "status", "region", "as_of", "quote",
            "char_start", "char_end", "sentence", "rule", "source_sha256", "extractor_version"]

UNITS = {
    "coverage_pct": "percent", "active_pct": "percent",
    "participants": "person", "active_participants": "person", "population": "person", "unregistered": "person",
    "visits": "visit", "visits_per_day": "visit", "screenings": "screening",
    "uhc_provinces": "region", "uhc_regencies": "region", "funding_idr": "idr",
}
QUALIFIERS = {"exact", "approx", "min", "max"}
STATUSES = {"actual", "target"}
PROVINCES = {
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi", "Sumatera Selatan",
    "Kepulauan Bangka Belitung", "Bengkulu", "Lampung", "DKI Jakarta", "Jawa Barat", "Banten", "Jawa Tengah",
    "Daerah Istimewa Yogyakarta", "Jawa Timur", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur",
    "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara",
    "Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan", "Sulawesi Tenggara",
    "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Selatan", "Papua Tengah",
    "Papua Pegunungan",
}
KNOWN = {"claims", "distractors", "repeats"}
CLAIM_KEYS = {"metric", "value", "quote", "qualifier", "status", "region", "as_of", "ctx", "occ", "sentence", "note"}
DISTRACTOR_KEYS = {"quote", "ctx", "occ", "why"}
REPEAT_KEYS = {"quote", "ctx", "occ", "of"}

WORDS = {"satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
         "sembilan": 9, "sepuluh": 10, "sebelas": 11}
SCALES = {"ribu": 1e3, "juta": 1e6, "miliar": 1e9, "milyar": 1e9, "triliun": 1e12}
ABBREV = {"dr", "Dr", "Drs", "Prof", "H", "Hj", "No", "Kab", "Prov", "dll", "St", "Jl", "Tbk", "Ir", "Sp", "M"}


class Fail(Exception):
    pass


def parse_number(quote):
    """Reads the value of a quote such as '1,8 juta', '1.076.232', '3.88 juta', '97, 82 persen',
    'Rp1,2 Triliun', 'delapan'. Returns a float, or None when it cannot."""
    s = quote.strip().lower()
    s = re.sub(r"^rp\.?\s*", "", s)
    s = re.sub(r"\s*(persen|%)$", "", s)
    scale = 1.0
    m = re.search(r"\s*(ribu|juta|miliar|milyar|triliun)$", s)
    if m:
        scale = SCALES[m.group(1)]
        s = s[: m.start()]
    s = s.strip()
    if s in WORDS:
        return WORDS[s] * scale
    s = re.sub(r"([.,])\s+(\d)", r"\1\2", s)  # "97, 82" -> "97,82"; "7.298. 932" -> "7.298.932"
    if not re.fullmatch(r"\d[\d.,]*", s):
        return None
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif "." in s:
        groups = s.split(".")
        if all(len(g) == 3 for g in groups[1:]) and (scale == 1.0 or len(groups) > 2):
            s = s.replace(".", "")  # thousands separators
        # else: a decimal point ("3.88 juta")
    return float(s) * scale


def token_spans(text, quote):
    """Offsets where quote occurs not glued to a longer word or number."""
    pat = r"(?<![\w])(?<!\d[.,])" + re.escape(quote) + r"(?![\w])(?![.,]\d)"
    return [m.start() for m in re.finditer(pat, text)]


def locate(text, item, what):
    quote = item["quote"]
    if item.get("ctx"):
        ctx = item["ctx"]
        n = text.count(ctx)
        if n != 1:
            raise Fail(f"{what}: ctx {ctx!r} occurs {n} times (must be unique)")
        base = text.index(ctx)
        inner = token_spans(ctx, quote)
        if len(inner) != 1:
            raise Fail(f"{what}: quote {quote!r} occurs {len(inner)} times token-bounded inside ctx {ctx!r}")
        start = base + inner[0]
        # the token boundary must also hold in the full text
        if start not in token_spans(text, quote):
            raise Fail(f"{what}: quote {quote!r} in ctx is not token-bounded in the text")
    else:
        spans = token_spans(text, quote)
        if not spans:
            raise Fail(f"{what}: quote {quote!r} not found token-bounded")
        occ = item.get("occ")
        if occ is None:
            if len(spans) > 1:
                raise Fail(f"{what}: quote {quote!r} occurs {len(spans)} times; give ctx or occ")
            occ = 1
        if not 1 <= occ <= len(spans):
            raise Fail(f"{what}: occ {occ} out of range (quote occurs {len(spans)} times)")
        start = spans[occ - 1]
    end = start + len(quote)
    assert text[start:end] == quote
    return start, end


def sentence_of(text, start, end):
    """The sentence holding text[start:end]: within its line, split after . ! ? (optionally followed by
    closing quotes) + whitespace + an upper-case letter, digit or opening quote; not after abbreviations,
    single letters or inside numbers."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le == -1 else le
    line = text[ls:le]
    cuts = [0]
    for m in re.finditer(r"[.!?][\"”’')]*\s+(?=[A-Z\"“‘(0-9])", line):
        before = line[: m.start()]
        word = re.search(r"(\w+)$", before)
        if word and (word.group(1) in ABBREV or (len(word.group(1)) == 1 and word.group(1).isupper())):
            continue
        cuts.append(m.end())
    cuts.append(len(line) + 1)
    rel_s, rel_e = start - ls, end - ls
    for a, b in zip(cuts, cuts[1:]):
        if a <= rel_s < b:
            seg = line[a:b]
            # a sentence must hold the whole quote; merge forward if a cut fell inside it
            j = cuts.index(b)
            while a + len(seg) < rel_e and j + 1 < len(cuts):
                j += 1
                seg = line[a:cuts[j]]
            return seg.strip()
    return line.strip()


def check_as_of(s, what):
    if s == "":
        return
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", s)
    if not m:
        raise Fail(f"{what}: as_of {s!r} not ISO partial")
    y, mo, d = m.groups()
    if mo and not 1 <= int(mo) <= 12:
        raise Fail(f"{what}: bad month in {s!r}")
    if d:
        datetime.date(int(y), int(mo), int(d))


def check_region(r, what):
    if r == "Indonesia" or r in PROVINCES:
        return
    if re.fullmatch(r"(Kabupaten|Kota) [A-Z][A-Za-z ]+", r):
        return
    raise Fail(f"{what}: region {r!r} is not canonical")


def fmt_value(v):
    if float(v).is_integer():
        return str(int(v))
    return repr(float(v))


def build():
    ann = yaml.safe_load(ANNOTATIONS.read_text(encoding="utf-8"))
    files = {p.stem: p for p in sorted(ARTICLES.glob("*.txt"))}
    if set(files) != set(ann):
        raise Fail(f"articles without annotations: {sorted(set(files) - set(ann))}; "
                   f"annotations without article: {sorted(set(ann) - set(files))}")
    rows, n_distractors, n_repeats, keys, words = [], 0, 0, set(), {}
    for doc_id in sorted(ann):
        entry = ann[doc_id] or {}
        if set(entry) - KNOWN:
            raise Fail(f"{doc_id}: unknown keys {set(entry) - KNOWN}")
        raw = files[doc_id].read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        if raw.startswith(b"\xef\xbb\xbf") or b"\r" in raw:
            raise Fail(f"{doc_id}: BOM or CR in file")
        text = raw.decode("utf-8")
        words[doc_id] = len(text.split())
        spans = []
        for k, c in enumerate(entry.get("claims") or [], 1):
            what = f"{doc_id} claim {k} ({c.get('quote')!r})"
            if set(c) - CLAIM_KEYS:
                raise Fail(f"{what}: unknown keys {set(c) - CLAIM_KEYS}")
            for req in ("metric", "value", "quote", "region", "as_of"):
                if req not in c:
                    raise Fail(f"{what}: missing {req}")
            metric = c["metric"]
            if metric not in UNITS:
                raise Fail(f"{what}: metric {metric!r} not in the vocabulary")
            unit = UNITS[metric]
            value = float(str(c["value"]))
            qualifier = c.get("qualifier", "exact")
            status = c.get("status", "actual")
            region = str(c["region"])
            as_of = str(c["as_of"])
            if qualifier not in QUALIFIERS:
                raise Fail(f"{what}: qualifier {qualifier!r}")
            if status not in STATUSES:
                raise Fail(f"{what}: status {status!r}")
            check_region(region, what)
            check_as_of(as_of, what)
            parsed = parse_number(c["quote"])
            if parsed is None:
                raise Fail(f"{what}: cannot read a number from the quote")
            if abs(parsed - value) > 1e-4 * max(abs(value), 1):
                raise Fail(f"{what}: value {value} but quote reads {parsed}")
            if unit == "percent" and not 0 <= value <= 150:
                raise Fail(f"{what}: percent out of range")
            if unit == "percent" and not re.search(r"(persen|%)$", c["quote"], re.I):
                raise Fail(f"{what}: percent metric but quote has no percent sign/word")
            if unit == "idr" and not c["quote"].lower().startswith("rp"):
                raise Fail(f"{what}: idr metric but quote does not start with Rp")
            start, end = locate(text, c, what)
            if text[start:end] != c["quote"]:
                raise Fail(f"{what}: offsets do not hold the quote")
            key = (doc_id, metric, value, status, region)
            if key in keys:
                raise Fail(f"{what}: duplicate (doc, metric, value, status, region)")
            keys.add(key)
            if any(not (end <= a or start >= b) for a, b in spans):
                raise Fail(f"{what}: overlaps another claim")
            spans.append((start, end))
            sentence = c.get("sentence") or sentence_of(text, start, end)
            if c["quote"] not in sentence:
                raise Fail(f"{what}: sentence does not contain the quote")
            rows.append({
                "doc_id": doc_id, "metric": metric, "value": fmt_value(value), "unit": unit,
                "qualifier": qualifier, "status": status, "region": region, "as_of": as_of,
                "quote": c["quote"], "char_start": start, "char_end": end, "sentence": sentence,
                "rule": "gold", "source_sha256": sha, "extractor_version": VERSION,
            })
        for k, d in enumerate(entry.get("distractors") or [], 1):
            what = f"{doc_id} distractor {k} ({d.get('quote')!r})"
            if set(d) - DISTRACTOR_KEYS or "why" not in d:
                raise Fail(f"{what}: needs quote and why, no other keys than {DISTRACTOR_KEYS}")
            start, end = locate(text, d, what)
            if any(not (end <= a or start >= b) for a, b in spans):
                raise Fail(f"{what}: overlaps a claim")
            n_distractors += 1
        claimed = {r["quote"]: float(r["value"]) for r in rows if r["doc_id"] == doc_id}
        for k, d in enumerate(entry.get("repeats") or [], 1):
            what = f"{doc_id} repeat {k} ({d.get('quote')!r})"
            if set(d) - REPEAT_KEYS or "of" not in d:
                raise Fail(f"{what}: needs quote and of, no other keys than {REPEAT_KEYS}")
            start, end = locate(text, d, what)
            if d["of"] not in claimed:
                raise Fail(f"{what}: 'of' {d['of']!r} is not a claim quote of this article")
            first = next(r for r in rows if r["doc_id"] == doc_id and r["quote"] == d["of"])
            if start <= first["char_start"]:
                raise Fail(f"{what}: a repeat must come after the claim's first occurrence")
            if abs(parse_number(d["quote"]) - claimed[d["of"]]) > 1e-4 * max(claimed[d["of"]], 1):
                raise Fail(f"{what}: value differs from the claim it repeats")
            if any(not (end <= a or start >= b) for a, b in spans):
                raise Fail(f"{what}: overlaps a claim")
            n_repeats += 1
    return rows, n_distractors, n_repeats, words


def main():
    check_only = "--check" in sys.argv[1:]
    try:
        rows, n_distractors, n_repeats, words = build()
    except Fail as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
    if not check_only:
        with GOLD.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=CONTRACT, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        # re-read and re-verify what was written
        with GOLD.open(encoding="utf-8", newline="") as f:
            back = list(csv.DictReader(f))
        assert list(back[0].keys()) == CONTRACT
        for r in back:
            text = (ARTICLES / f"{r['doc_id']}.txt").read_text(encoding="utf-8")
            assert text[int(r["char_start"]):int(r["char_end"])] == r["quote"], r
            assert hashlib.sha256((ARTICLES / f"{r['doc_id']}.txt").read_bytes()).hexdigest() == r["source_sha256"]
    per_metric = Counter(r["metric"] for r in rows)
    print(f"articles {len(words)}, claims {len(rows)}, distractors {n_distractors}, repeats (not rows) {n_repeats}")
    for m in UNITS:
        print(f"  {m:22s} {per_metric.get(m, 0)}")
    print("status", dict(Counter(r["status"] for r in rows)), "qualifier", dict(Counter(r["qualifier"] for r in rows)))
    short = {d: n for d, n in words.items() if not 150 <= n <= 500}
    print("words per article: min", min(words.values()), "max", max(words.values()), "outside 150..500:", short)
    print("verified" + ("" if check_only else f"; wrote {GOLD}"))


if __name__ == "__main__":
    main()
