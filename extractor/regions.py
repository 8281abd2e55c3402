"""Region gazetteer for Indonesia: the country, 38 provinces and 514 kabupaten/kota, and a finder
that locates their mentions in text.

All words come from the data in rules/regions/ (names, aliases, level prefixes, stop phrases,
country phrases); this module holds none. The finder is linear in the text: one regex pass per
level prefix, then a scan of word tokens that looks up n-grams (longest first, up to the longest
name) in dicts. There is no alternation over names, so nothing can backtrack.

Matching rules, in short (details in the data files' headers):
  - after a level prefix ("Kabupaten", "Kota", "Provinsi", "BPJS Kesehatan Cabang") the name
    matches in any case and must be of that level; a name of another level gives nothing
  - a bare name matches only when its words are capitalized as written in the data; a bare
    province name/alias is the province; a bare regency/city name only when it is unique
  - stop phrases ("Kartu Indonesia Sehat") are skipped whole
  - leftmost, then longest match; mentions never overlap
"""
from __future__ import annotations

import bisect
import csv
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from extractor.literals import PrefixIndex, find_each
from extractor.ruledata import Rule, RuleDataError, load_rules, load_yaml, rules_file

PROVINCES_FILE = "regions/provinces.yaml"
REGENCIES_FILE = "regions/regencies.csv"
ALIASES_FILE = "regions/aliases.yaml"
PREFIXES_FILE = "regions/prefixes.yaml"

COUNTRY, PROVINCE, KABUPATEN, KOTA, BRANCH = "country", "province", "kabupaten", "kota", "branch"
PREFIX_LABELS = (PROVINCE, KABUPATEN, KOTA, BRANCH)

# A word: letters and digits. Hyphens, dots and slashes separate words.
_WORD = re.compile(r"[^\W_]+")
# Between two words of one name: spaces and at most one hyphen ("Toli-Toli", "se-Indonesia").
_NAME_GAP = re.compile(r"\s*(?:-\s*)?")  # not \s*-?\s*: that is quadratic on long runs of blanks
# Between a prefix and its name: spaces, after an optional dot ("Kab.Bangka", "Kab. Bangka").
_PREFIX_GAP = re.compile(r"\.?\s*")


# ---------------------------------------------------------------------------------------------
# Public records


@dataclass(frozen=True)
class Region:
    canonical: str  # "Indonesia" | "Kalimantan Barat" | "Kabupaten Kayong Utara" | "Kota Singkawang"
    level: str      # "country" | "province" | "kabupaten" | "kota"
    province: str   # canonical province (itself for a province; "" for the country)


@dataclass(frozen=True)
class RegionMention:
    start: int      # char offsets into the text given to find()
    end: int
    region: Region
    rule: str       # id of the data record / prefix rule that produced it
    branch: bool = False  # "BPJS Kesehatan Cabang X": region is X's province (a branch serves
                          # several regencies of one province)


# ---------------------------------------------------------------------------------------------
# Data records and their loaders. Each loader takes a rules name ("regions/provinces.yaml"), a
# Path to any file, or already-parsed data, so a test can feed it a bad file.


@dataclass(frozen=True)
class ProvinceRecord:
    id: str
    name: str
    code: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegencyRecord:
    code: str
    kind: str
    name: str
    province: str

    @property
    def canonical(self) -> str:
        # The level word is the CSV's `kind`, capitalized: "kota" -> "Kota Singkawang".
        return f"{self.kind.capitalize()} {self.name}"


@dataclass(frozen=True)
class AliasRecord:
    id: str
    region: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtraData:
    """rules/regions/aliases.yaml."""

    country_name: str
    country_phrases: tuple[str, ...]
    stop_phrases: tuple[str, ...] = ()
    prefixed_only: tuple[str, ...] = ()
    regions: tuple[AliasRecord, ...] = ()


Source = str | Path | Any  # rules name | file path | parsed data


def _read_yaml(source: Source) -> tuple[Any, str]:
    """The parsed document and a label for error messages."""
    if isinstance(source, Path):
        try:
            return yaml.safe_load(source.read_text(encoding="utf-8")), str(source)
        except yaml.YAMLError as exc:
            raise RuleDataError(f"{source}: not valid YAML: {exc}") from exc
    if isinstance(source, str):
        return load_yaml(source), f"rules/{source}"
    return source, "<data>"


def _check_keys(record: Any, cls: type, required: Sequence[str], where: str, what: str) -> dict:
    """The record as a dict; RuleDataError naming file and record on a bad shape."""
    if not isinstance(record, Mapping):
        raise RuleDataError(f"{where}: a {what} must be a mapping, got {record!r}")
    rid = record.get("id") or record.get("code")
    name = f"{what} {rid!r}" if rid else what
    unknown = set(record) - {f.name for f in fields(cls)}
    if unknown:
        raise RuleDataError(f"{where}: {name} has unknown keys {sorted(map(str, unknown))}")
    missing = [k for k in required if record.get(k) in (None, "")]
    if missing:
        raise RuleDataError(f"{where}: {name} lacks {missing}")
    return dict(record)


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleDataError(f"{where}: {what} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _unique_ids(ids: Iterable[str], where: str) -> None:
    seen: set[str] = set()
    for rid in ids:
        if rid in seen:
            raise RuleDataError(f"{where}: duplicate id {rid!r}")
        seen.add(rid)


def load_provinces(source: Source = PROVINCES_FILE) -> tuple[ProvinceRecord, ...]:
    doc, where = _read_yaml(source)
    records = doc.get("provinces") if isinstance(doc, Mapping) else None
    if not isinstance(records, list):
        raise RuleDataError(f"{where}: expected a list under 'provinces'")
    out = []
    for rec in records:
        data = _check_keys(rec, ProvinceRecord, ("id", "name", "code"), where, "province")
        data["code"] = str(data["code"])
        data["aliases"] = _strings(data.get("aliases"), where, f"aliases of {data['id']!r}")
        out.append(ProvinceRecord(**data))
    _unique_ids((p.id for p in out), where)
    _unique_ids((p.name for p in out), where)
    return tuple(out)


def load_regencies(source: Source = REGENCIES_FILE) -> tuple[RegencyRecord, ...]:
    """From the CSV (a rules name or Path) or from a list of row mappings."""
    if isinstance(source, Path):
        text, where = source.read_text(encoding="utf-8"), str(source)
        rows = list(csv.DictReader(text.splitlines()))
    elif isinstance(source, str):
        text = rules_file(source).read_text(encoding="utf-8")
        rows, where = list(csv.DictReader(text.splitlines())), f"rules/{source}"
    else:
        rows, where = list(source), "<data>"
    out = []
    for row in rows:
        data = _check_keys(row, RegencyRecord, ("code", "kind", "name", "province"), where, "regency")
        if data["kind"] not in (KABUPATEN, KOTA):
            raise RuleDataError(f"{where}: regency {data['code']!r} has kind {data['kind']!r}")
        out.append(RegencyRecord(**data))
    _unique_ids((r.code for r in out), where)
    return tuple(out)


def load_extras(source: Source = ALIASES_FILE) -> ExtraData:
    doc, where = _read_yaml(source)
    data = _check_keys(doc, ExtraData, ("country_name", "country_phrases"), where, "top level")
    regions = []
    for rec in data.get("regions") or ():
        r = _check_keys(rec, AliasRecord, ("id", "region", "aliases"), where, "alias record")
        r["aliases"] = _strings(r["aliases"], where, f"aliases of {r['id']!r}")
        regions.append(AliasRecord(**r))
    _unique_ids((r.id for r in regions), where)
    return ExtraData(
        country_name=str(data["country_name"]),
        country_phrases=_strings(data["country_phrases"], where, "country_phrases"),
        stop_phrases=_strings(data.get("stop_phrases"), where, "stop_phrases"),
        prefixed_only=_strings(data.get("prefixed_only"), where, "prefixed_only"),
        regions=tuple(regions),
    )


def load_prefixes(source: Source = PREFIXES_FILE) -> tuple[Rule, ...]:
    """Prefix rules, through ruledata's Rule (which rejects unknown keys)."""
    if isinstance(source, str):
        rules, where = load_rules(source), f"rules/{source}"
    else:
        doc, where = _read_yaml(source)
        records = doc.get("rules") if isinstance(doc, Mapping) else doc
        if not isinstance(records, list):
            raise RuleDataError(f"{where}: expected a list under 'rules'")
        rules = tuple(r if isinstance(r, Rule) else Rule.from_record(r, where) for r in records)
    for rule in rules:
        if rule.label not in PREFIX_LABELS:
            raise RuleDataError(f"{where}: rule {rule.id!r} has label {rule.label!r}, "
                                f"expected one of {PREFIX_LABELS}")
    _unique_ids((r.id for r in rules), where)
    return rules


# ---------------------------------------------------------------------------------------------
# Matching internals


@dataclass(frozen=True)
class _Entry:
    """One way of writing one region."""

    region: Region
    rule: str
    caps: tuple[bool, ...]  # per word: must the text's word start with a capital (bare match)
    bare: bool              # may it match without a prefix


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(w.casefold() for w in words)


def _caps_ok(caps: Sequence[bool], words: Sequence[str]) -> bool:
    # "Capitalized" = first letter uppercase; all caps passes too ("KALBAR").
    return all(w[:1].isupper() for c, w in zip(caps, words) if c)


class _Tokens:
    """The words of a text with their offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        found = list(_WORD.finditer(text))
        self.starts: list[int] = [m.start() for m in found]
        self.ends: list[int] = [m.end() for m in found]
        self.words: list[str] = [m.group() for m in found]
        self.keys = [w.casefold() for w in self.words]
        self._joined: dict[int, bool] = {}

    def joined(self, k: int) -> bool:
        """May word k continue a name that word k-1 is in? Asked only around hopeful words, so answered
        on demand (nearly every gap is one blank)."""
        if k == 0:
            return False
        known = self._joined.get(k)
        if known is None:
            gap = self.text[self.ends[k - 1]:self.starts[k]]
            known = self._joined[k] = gap == " " or self._gap_ok(gap, _NAME_GAP)
        return known

    def __len__(self) -> int:
        return len(self.words)

    @staticmethod
    def _gap_ok(gap: str, pattern: re.Pattern[str]) -> bool:
        if gap == " ":  # nearly every gap: skip the regex
            return True
        # One line break at most: a heading and the next paragraph are not one name.
        return gap.count("\n") <= 1 and pattern.fullmatch(gap) is not None

    def run(self, i: int, limit: int) -> int:
        """How many words from i (at most `limit`) are joined like the words of one name."""
        n, joined, size = 1, self.joined, len(self.words)
        while n < limit and i + n < size and joined(i + n):
            n += 1
        return n

    def after_initial(self, i: int) -> bool:
        """Is word i preceded by a one-letter capital, as a surname is by an initial
        ("Jenal M Sambas", "Andi A. Sintang")?"""
        if i == 0 or len(self.words[i - 1]) != 1 or not self.words[i - 1].isupper():
            return False
        return self._gap_ok(self.text[self.ends[i - 1]:self.starts[i]], _PREFIX_GAP)

    def after(self, offset: int) -> int | None:
        """Index of the word right after a prefix ending at `offset`, if only a gap lies between."""
        j = bisect.bisect_left(self.starts, offset)
        if j < len(self) and self._gap_ok(self.text[offset:self.starts[j]], _PREFIX_GAP):
            return j
        return None


T = TypeVar("T")


class _Table(dict[tuple[str, ...], list[T]], Generic[T]):
    """Casefolded word n-gram -> entries, plus, per first word, the longest n-gram it opens: most
    words of a text open nothing and are skipped on one dict miss; the rest try few lengths."""

    def __init__(self) -> None:
        super().__init__()
        self.reach: dict[str, int] = {}

    def put(self, key: tuple[str, ...], entry: T) -> None:
        self.setdefault(key, []).append(entry)
        self.reach[key[0]] = max(self.reach.get(key[0], 0), len(key))

    def longest(self, toks: "_Tokens", i: int, accept: Callable[[T, Sequence[str]], bool],
                ) -> tuple[int, list[T]] | None:
        """The longest n-gram from word i that is here with an accepted entry, and those entries."""
        reach = self.reach.get(toks.keys[i])
        if not reach:
            return None
        for n in range(toks.run(i, reach), 0, -1):
            entries = self.get(tuple(toks.keys[i:i + n]))
            if entries:
                words = toks.words[i:i + n]
                kept = [e for e in entries if accept(e, words)]
                if kept:
                    return n, kept
        return None


@dataclass(frozen=True)
class _Hit:
    """The outcome at one position: `mention` is None for a span that is consumed silently
    (a stop phrase, an ambiguous name, a name of the wrong level after a prefix)."""

    next: int  # index of the first word after the span
    priority: int  # breaks ties between spans of equal length
    mention: RegionMention | None = None


_STOP, _PREFIXED, _COUNTRY, _BARE = 3, 2, 1, 0  # priorities


def _only(items: Iterable[T]) -> T | None:
    distinct = list(dict.fromkeys(items))
    return distinct[0] if len(distinct) == 1 else None


# ---------------------------------------------------------------------------------------------
# The gazetteer


class Gazetteer:
    provinces: list[Region]
    regencies: list[Region]

    def __init__(self, provinces: Sequence[ProvinceRecord], regencies: Sequence[RegencyRecord],
                 extras: ExtraData, prefixes: Sequence[Rule]) -> None:
        self.country = Region(extras.country_name, COUNTRY, "")
        self.provinces = [Region(p.name, PROVINCE, p.name) for p in provinces]
        self._province = {r.canonical: r for r in self.provinces}
        self._check_regencies(regencies)
        self.regencies = [Region(r.canonical, r.kind, r.province) for r in regencies]
        self._by_canonical = {r.canonical.casefold(): r
                              for r in [self.country, *self.provinces, *self.regencies]}
        self._names: _Table[_Entry] = _Table()
        self._country: _Table[_Entry] = _Table()
        self._stops: _Table[bool] = _Table()
        self._index(provinces, regencies, extras)
        self._prefixes = [(rule, re.compile(rf"(?<!\w)(?:{rule.pattern})(?!\w)", re.IGNORECASE))
                          for rule in prefixes]
        self._prefix_index = PrefixIndex.of([rule.pattern for rule in prefixes])
        self._openers = {*self._names.reach, *self._country.reach, *self._stops.reach}

    @classmethod
    def load(cls) -> "Gazetteer":
        """The gazetteer of the shipped rules/regions/ data (built once)."""
        return _default_gazetteer()

    # -- building ------------------------------------------------------------------------------

    def _check_regencies(self, regencies: Sequence[RegencyRecord]) -> None:
        for r in regencies:
            if r.province not in self._province:
                raise RuleDataError(f"rules/{REGENCIES_FILE}: regency {r.code!r} names unknown "
                                    f"province {r.province!r}")

    def _add(self, table: _Table[_Entry], text: str, region: Region, rule: str,
             bare: bool = True) -> None:
        words = _words(text)
        table.put(_key(words), _Entry(region, rule, tuple(w[:1].isupper() for w in words), bare))

    def _index(self, provinces: Sequence[ProvinceRecord], regencies: Sequence[RegencyRecord],
               extras: ExtraData) -> None:
        prefixed_only = {_key(_words(n)) for n in extras.prefixed_only}
        for rec, region in zip(provinces, self.provinces):
            for text in (rec.name, *rec.aliases):
                self._add(self._names, text, region, rec.id)
        for rec, region in zip(regencies, self.regencies):
            bare = _key(_words(rec.name)) not in prefixed_only
            self._add(self._names, rec.name, region, f"regencies.csv:{rec.code}", bare)
        for alias in extras.regions:
            region = self._by_canonical.get(alias.region.casefold())
            if region is None or region.level not in (KABUPATEN, KOTA):
                raise RuleDataError(f"rules/{ALIASES_FILE}: alias record {alias.id!r} names "
                                    f"unknown regency/city {alias.region!r}")
            for text in alias.aliases:
                bare = _key(_words(text)) not in prefixed_only
                self._add(self._names, text, region, alias.id, bare)
        unknown = prefixed_only - set(self._names)
        if unknown:
            raise RuleDataError(f"rules/{ALIASES_FILE}: prefixed_only names unknown {sorted(unknown)}")
        for text in extras.country_phrases:
            self._add(self._country, text, self.country, "country_phrases")
        for text in extras.stop_phrases:
            self._stops.put(_key(_words(text)), True)

    # -- finding -------------------------------------------------------------------------------

    def find(self, text: str) -> list[RegionMention]:
        """Region mentions in `text`: non-overlapping, leftmost-longest, in text order."""
        return self._scan(text, strict_case=True)

    def _scan(self, text: str, strict_case: bool) -> list[RegionMention]:
        toks = _Tokens(text)
        prefix_at = self._prefix_matches(text)
        found: list[RegionMention] = []
        openers = self._openers
        # Only a word that opens some name, or where a prefix begins, can start a mention: those are
        # picked out in one comprehension, and the scan jumps from one to the next.
        hopeful = [i for i, (key, start) in enumerate(zip(toks.keys, toks.starts))
                   if key in openers or start in prefix_at]
        free = 0   # the first word not inside a mention found so far
        for i in hopeful:
            if i < free:
                continue
            hit = self._hit_at(toks, i, prefix_at, strict_case)
            if hit is None:
                continue
            if hit.mention is not None:
                found.append(hit.mention)
            free = hit.next
        return found

    def _prefix_matches(self, text: str) -> dict[int, tuple[int, Rule]]:
        """Start offset -> (end offset, rule) of the longest prefix starting there."""
        best: dict[int, tuple[int, Rule]] = {}
        # Each prefix rule is tried only where a word begins as it can (literals.py), as its own scan would.
        for i, m in find_each([rx for _, rx in self._prefixes], self._prefix_index, text):
            rule = self._prefixes[i][0]
            if m.end() > best.get(m.start(), (-1, rule))[0]:
                best[m.start()] = (m.end(), rule)
        return best

    def _hit_at(self, toks: _Tokens, i: int, prefix_at: Mapping[int, tuple[int, Rule]],
                strict_case: bool) -> _Hit | None:
        prefix = prefix_at.get(toks.starts[i])
        if prefix is None and toks.keys[i] not in self._openers:
            return None  # the common case: one set lookup per word
        hits = [
            self._prefixed_hit(toks, i, *prefix) if prefix else None,
            self._stop_hit(toks, i),
            self._country_hit(toks, i, strict_case),
            self._bare_hit(toks, i, strict_case),
        ]
        return max((h for h in hits if h), key=lambda h: (h.next, h.priority), default=None)

    def _mention(self, toks: _Tokens, i: int, n: int, region: Region | None, rule: str,
                 priority: int, branch: bool = False) -> _Hit:
        mention = None
        if region is not None:
            mention = RegionMention(toks.starts[i], toks.ends[i + n - 1], region, rule, branch)
        return _Hit(i + n, priority, mention)

    def _stop_hit(self, toks: _Tokens, i: int) -> _Hit | None:
        found = self._stops.longest(toks, i, lambda e, w: True)
        return _Hit(i + found[0], _STOP) if found else None

    def _country_hit(self, toks: _Tokens, i: int, strict_case: bool) -> _Hit | None:
        found = self._country.longest(toks, i, lambda e, w: not strict_case or _caps_ok(e.caps, w))
        if not found:
            return None
        n, entries = found
        return self._mention(toks, i, n, self.country, entries[0].rule, _COUNTRY)

    def _bare_hit(self, toks: _Tokens, i: int, strict_case: bool) -> _Hit | None:
        found = self._names.longest(
            toks, i, lambda e, w: e.bare and (not strict_case or _caps_ok(e.caps, w)))
        if not found:
            return None
        n, entries = found
        # A province name or alias wins over a same-named city (Jambi, Bengkulu, Gorontalo);
        # otherwise the name must name exactly one regency/city ("Bogor" names two: nothing).
        pool = [e for e in entries if e.region.level == PROVINCE] or entries
        region = _only(e.region for e in pool)
        if region is None or (region.level != PROVINCE and toks.after_initial(i)):
            # Ambiguous, or a surname ("Jenal M Sambas"): consumed, so nothing inside fires.
            return _Hit(i + n, _BARE)
        rule = next(e.rule for e in pool if e.region == region)
        return self._mention(toks, i, n, region, rule, _BARE)

    def _prefixed_hit(self, toks: _Tokens, i: int, end: int, rule: Rule) -> _Hit | None:
        j = toks.after(end)
        if j is None:
            return None
        # Longest name of ANY level first, so "Kota Padang Pariaman" is not read as "Kota Padang".
        found = self._names.longest(toks, j, lambda e, w: True)
        if not found:
            return None  # "Provinsi dan ...", "kabupaten/kota": the prefix alone is no mention
        n, entries = found
        span = j + n - i
        if rule.label == BRANCH:
            province = _only(e.region.province for e in entries)
            region = self._province.get(province) if province else None
            return self._mention(toks, i, span, region, rule.id, _PREFIXED, branch=True)
        region = _only(e.region for e in entries if e.region.level == rule.label)
        return self._mention(toks, i, span, region, rule.id, _PREFIXED)

    # -- lookups -------------------------------------------------------------------------------

    def lookup(self, name: str) -> Region | None:
        """The region a whole string names, in any case: "Kalbar", "Kab. Sintang", "Jakarta Pusat".
        None when it names no region or an ambiguous one ("Bogor")."""
        text = " ".join(name.split())
        region = self._by_canonical.get(text.casefold())
        if region is not None:
            return region
        mentions = self._scan(text, strict_case=False)
        if len(mentions) == 1 and (mentions[0].start, mentions[0].end) == (0, len(text)):
            return mentions[0].region
        return None

    def province_of(self, canonical: str) -> str:
        """Canonical province of a region (canonical name or anything lookup() knows); "" for the
        country and for unknown names."""
        region = self.lookup(canonical)
        return region.province if region else ""


@functools.lru_cache(maxsize=1)
def _default_gazetteer() -> Gazetteer:
    return Gazetteer(load_provinces(), load_regencies(), load_extras(), load_prefixes())
