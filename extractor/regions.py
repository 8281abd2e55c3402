"""Region gazetteer for Indonesia: the country, 38 provinces and 514 kabupaten/kota, and a finder
that locates their mentions in text.

All words come from the data in rules/regions/ (names, aliases, level prefixes, stop phrases,
country phrases); this module holds none. The finder is linear in the text: one Aho-Corasick pass
(in C) lists the words of the text that are words of some name or phrase, and the places where a
level prefix may begin; each prefix rule is tried at those places, and n-grams of the listed words
are looked up (longest first, up to the longest name) in dicts. Other words are never read. There
is no alternation over names, so nothing can backtrack.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import ahocorasick
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


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class RegionMention:
    start: int      # char offsets into the text given to find()
    end: int
    region: Region
    rule: str       # id of the data record / prefix rule that produced it
    branch: bool = False  # "BPJS Kesehatan Cabang X": region is X's province (a branch serves
                          # several regencies of one province)

    def moved(self, by: int) -> "RegionMention":
        """The mention with its offsets shifted by `by` (dataclasses.replace costs four times as much)."""
        return RegionMention(self.start + by, self.end + by, self.region, self.rule, self.branch)


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


def _caps_ok(caps: Sequence[bool], capitalized: Sequence[bool]) -> bool:
    """Is every word that must be capitalized so? `capitalized` holds, per word of the text, whether
    its first letter is uppercase (all caps passes too: "KALBAR")."""
    return all(is_upper for needed, is_upper in zip(caps, capitalized) if needed)


_STOP, _PREFIXED, _COUNTRY, _BARE = 3, 2, 1, 0  # priorities

T = TypeVar("T")


def _only(items: Iterable[T]) -> T | None:
    distinct = list(dict.fromkeys(items))
    return distinct[0] if len(distinct) == 1 else None


class _Reading(NamedTuple):
    """What a phrase found without a prefix means: a span consumed silently when `region` is None
    (a stop phrase, an ambiguous name), else a mention of `region` by `rule`."""

    priority: int
    region: Region | None = None
    rule: str = ""


class _Phrase:
    """What one casefolded word n-gram of the data is: a stop phrase, a country phrase, names of
    regions, or several of these ("Jambi" names a province and a city). What it means where it is
    found depends only on the capitalization of its words, or on the level of the prefix before it,
    so each meaning is worked out once and kept (a phrase has at most 2**5 capitalizations)."""

    def __init__(self) -> None:
        self.stop = False
        self.country: list[_Entry] = []
        self.names: list[_Entry] = []
        self._bare: dict[tuple[bool, ...] | None, _Reading | None] = {}
        self._prefixed: dict[str, Region | None] = {}

    def bare(self, capitalized: tuple[bool, ...] | None) -> _Reading | None:
        """The phrase without a prefix, its words capitalized as `capitalized` says (None: any case
        will do); None when it is nothing so written."""
        try:
            return self._bare[capitalized]
        except KeyError:
            reading = self._bare[capitalized] = self._read_bare(capitalized)
            return reading

    def _read_bare(self, capitalized: tuple[bool, ...] | None) -> _Reading | None:
        # On equal length a stop phrase wins over a country phrase, and that over a name.
        if self.stop:
            return _Reading(_STOP)
        country = [e for e in self.country if capitalized is None or _caps_ok(e.caps, capitalized)]
        if country:
            return _Reading(_COUNTRY, country[0].region, country[0].rule)
        names = [e for e in self.names
                 if e.bare and (capitalized is None or _caps_ok(e.caps, capitalized))]
        if not names:
            return None
        # A province name or alias wins over a same-named city (Jambi, Bengkulu, Gorontalo);
        # otherwise the name must name exactly one regency/city ("Bogor" names two: nothing).
        pool = [e for e in names if e.region.level == PROVINCE] or names
        region = _only(e.region for e in pool)
        if region is None:
            return _Reading(_BARE)
        return _Reading(_BARE, region, next(e.rule for e in pool if e.region == region))

    def prefixed(self, label: str, provinces: Mapping[str, Region]) -> Region | None:
        """The region the phrase names after a prefix of level `label` (the branch's province for a
        branch prefix); None when that level has no such name or several."""
        if label not in self._prefixed:
            if label == BRANCH:
                province = _only(e.region.province for e in self.names)
                self._prefixed[label] = provinces.get(province) if province else None
            else:
                self._prefixed[label] = _only(e.region for e in self.names if e.region.level == label)
        return self._prefixed[label]


# A word of a text that is a word of some phrase: (start, end, casefolded word). Plain tuples, as a
# text has dozens of them, made in one comprehension.
_Word = tuple[int, int, str]


class _Lexicon:
    """The phrases of the data (stop phrases, country phrases, region names) by casefolded word
    n-gram.

    A phrase can only be made of the words in `vocabulary`, so the finder reads no other word of a
    text (most of them): _Scanner lists the text's vocabulary words, in text order. The words of
    one phrase are then consecutive in that list (an n-gram with any other word in it is no
    phrase), so the n-grams at a word are read off the list, checking only the gaps between words.
    """

    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], _Phrase] = {}
        self.reach: dict[str, int] = {}  # first word -> the most words of a phrase it opens
        self.alone: set[str] = set()  # the words that are a phrase by themselves
        # First words of a phrase that may begin with a small letter: a stop phrase (any case), or
        # a country phrase or name whose first word is written small ("se-Indonesia"). Any other
        # word opens something only when capitalized, unless a prefix stands before it.
        self.any_case: set[str] = set()

    def add(self, key: tuple[str, ...], stop: bool = False, country: _Entry | None = None,
            name: _Entry | None = None) -> None:
        phrase = self.phrases.setdefault(key, _Phrase())
        phrase.stop = phrase.stop or stop
        if country is not None:
            phrase.country.append(country)
        if name is not None:
            phrase.names.append(name)
        self.reach[key[0]] = max(self.reach.get(key[0], 0), len(key))
        if len(key) == 1:
            self.alone.add(key[0])
        entry = country or name
        if stop or (entry is not None and not entry.caps[0]):
            self.any_case.add(key[0])

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(word for key in self.phrases for word in key)

    def words_by_tokens(self, text: str) -> list[_Word]:
        """The words of `text` whose casefolded form is in the vocabulary, in text order (what
        _Scanner finds without tokenizing the text)."""
        return [(m.start(), m.end(), key) for m in _WORD.finditer(text)
                if (key := m.group().casefold()) in self.vocabulary]

    def phrases_at(self, text: str, words: Sequence[_Word], k: int) -> list[tuple[int, _Phrase]]:
        """(n, phrase) for the phrases made of words[k:k + n], longest first; the words of a
        phrase are joined as those of one name are. (A list, not a generator: the caller mostly
        stops at the first, and closing a suspended generator costs more than the lookups saved.)"""
        _, end, first = words[k]
        keys = (first,)
        found = []
        if (phrase := self.phrases.get(keys)) is not None:
            found.append((1, phrase))
        for start, next_end, key in words[k + 1:k + self.reach.get(first, 0)]:
            if not _gap_ok(text, end, start, _NAME_GAP):
                break
            keys += (key,)
            end = next_end
            if (phrase := self.phrases.get(keys)) is not None:
                found.append((len(keys), phrase))
        found.reverse()
        return found


def _gap_ok(text: str, start: int, end: int, pattern: re.Pattern[str]) -> bool:
    """Does text[start:end], the gap between two words, fit `pattern`, on one line break at most
    (a heading and the next paragraph are not one name)? The patterns match no word character."""
    if end == start + 1 and text[start] == " ":  # nearly every gap between two words of a name
        return True
    if end > start + 1 and text[start + 1].isalnum():
        return False  # a blank, then another word: the common gap between two phrase words
    return pattern.fullmatch(text, start, end) is not None and text.count("\n", start, end) <= 1


def _joined(text: str, words: Sequence[_Word], k: int) -> bool:
    """Is words[k] joined to the word before it as the words of one name are?"""
    return 0 < k < len(words) and _gap_ok(text, words[k - 1][1], words[k][0], _NAME_GAP)


def _after_initial(text: str, start: int) -> bool:
    """Is the word at `start` preceded by a one-letter capital, as a surname is by an initial
    ("Jenal M Sambas", "Andi A. Sintang")? The gap between them must fit _PREFIX_GAP (an optional
    dot, then blanks); it is read backwards from the word, so the words before are never tokenized."""
    gap = start
    while gap > 0 and text[gap - 1].isspace():  # str.isspace() is what `re`'s \s matches
        gap -= 1
    if gap > 0 and text[gap - 1] == ".":
        gap -= 1
    if gap == 0 or not text[gap - 1].isalnum() or text[gap - 2:gap - 1].isalnum():
        return False  # no word before, or a gap of another shape, or a word of two letters or more
    return text[gap - 1].isupper() and text.count("\n", gap, start) <= 1


def _capitalized(text: str, run: Sequence[_Word]) -> tuple[bool, ...]:
    """Per word of `run`, does it begin with a capital?"""
    if len(run) == 1:  # nearly always: spare the comprehension
        return (text[run[0][0]].isupper(),)
    return tuple([text[start].isupper() for start, _, _ in run])


# The outcome at one position: (end offset of the span, priority, mention or None for a span that
# is consumed silently). A plain tuple, compared as one: the longer span wins, then the higher
# priority (no two outcomes at one position share a priority).
_Hit = tuple[int, int, RegionMention | None]


# A literal prefix of the prefix rules ("kab.") and the rules (by index) that may begin with it.
_Literal = tuple[str, tuple[int, ...]]
# Where one may begin: (offset, the literals whose key begins a word there).
_LiteralHit = tuple[int, tuple[_Literal, ...]]


class _PrefixRules:
    """The level prefix rules, and where in a text they match: at each offset, the longest prefix
    that starts there, as find_each (literals.py) over the rules gives it.

    find_each tries a rule only where its literal prefixes (PrefixIndex: "kabupa", "kab.", "kota a")
    begin in the lowered text, found by its own automaton pass. The finder makes one pass anyway
    (_Scanner), so that pass also looks for these literals where a word begins, cut to their
    leading letters and digits ("kab", "kota"); _matches_at() keeps the offsets where the lowered
    text shows the whole literal, and runs find_each's loop on them. Where a rule can match (not
    after a word character: each begins with (?<!\\w)) these are the very offsets find_each tries
    (see _Scanner); texts that _Scanner cannot read take find_each itself.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._patterns = [re.compile(rf"(?<!\w)(?:{rule.pattern})(?!\w)", re.IGNORECASE)
                          for rule in rules]
        self._index = PrefixIndex.of([rule.pattern for rule in rules])
        self.keys = self._keys()

    def _keys(self) -> dict[str, tuple[_Literal, ...]] | None:
        """Automaton key -> the literal prefixes it begins, with their rules ("kab" -> "kab",
        "kab."); None when a rule has no literal prefix, or one that is not plain ASCII beginning
        with a letter or digit: then matches() always takes find_each."""
        if self._index.everywhere:
            return None
        keys: dict[str, tuple[_Literal, ...]] = {}
        for literal, rules in sorted(self._index.members.items()):
            key = _WORD.match(literal)
            if not literal.isascii() or key is None:
                return None
            keys[key.group()] = (*keys.get(key.group(), ()), (literal, rules))
        return keys

    def matches(self, text: str, literal_hits: Sequence[_LiteralHit] | None,
                ) -> dict[int, tuple[int, Rule]]:
        """Start offset -> (end offset, rule) of the longest prefix starting there. `literal_hits`
        are where a key of self.keys begins a word, from _Scanner.scan; None: not known."""
        if literal_hits is None or self.keys is None:
            return self._best(find_each(self._patterns, self._index, text))
        return self._best(self._matches_at(text, literal_hits)) if literal_hits else {}

    def _matches_at(self, text: str, literal_hits: Sequence[_LiteralHit],
                    ) -> list[tuple[int, re.Match[str]]]:
        """find_each(self._patterns, self._index, text), at the offsets of `literal_hits`."""
        # (offset, rule) where the lowered text shows a literal prefix of the rule, in the order
        # find_each tries them.
        tried = sorted({(offset, rule) for offset, literals in literal_hits
                        for literal, rules in literals
                        if text[offset:offset + len(literal)].lower() == literal for rule in rules})
        found = []
        free = [0] * len(self._patterns)  # per rule, where its last match ended: they never overlap
        for offset, i in tried:
            if offset >= free[i] and (m := self._patterns[i].match(text, offset)):
                found.append((i, m))
                free[i] = max(m.end(), offset + 1)
        return found

    def _best(self, found: Iterable[tuple[int, re.Match[str]]]) -> dict[int, tuple[int, Rule]]:
        best: dict[int, tuple[int, Rule]] = {}
        for i, m in found:
            rule = self.rules[i]
            if m.end() > best.get(m.start(), (-1, rule))[0]:
                best[m.start()] = (m.end(), rule)
        return best


class _Scanner:
    """One Aho-Corasick pass (pyahocorasick, in C) over a text that finds both its vocabulary words
    and the places where a prefix rule may match.

    The pass reads the text lowered, every character that is not an ASCII letter or digit made a
    blank, and a blank added at each end (two C calls: encode to ASCII with "?" for the rest, then
    bytes.translate). A vocabulary word is the key " word ", so only whole words are reported (not
    the "se" inside "kesehatan"); a literal prefix's key, " kab", begins a word. This needs a
    vocabulary of ASCII letters and digits (else every text is tokenized), and a text without any
    of the few characters that lower or casefold to ASCII ("ſ" -> "s", "İ", "ß" -> "ss"; such a
    text is tokenized). Then:
    - every word that tokenizing finds is found: a token whose casefold is a vocabulary word is
      made of ASCII letters and digits, and what stands around it is blanked;
    - so is every offset where literals.py finds a literal prefix and a rule can match (not after a
      word character: each rule begins with (?<!\\w)), for the same reason;
    - a letter that is not ASCII ("é") is blanked as well, so a word next to one ("Papuaé") is
      also found, and then dropped by a look at the text.
    """

    def __init__(self, vocabulary: Iterable[str], prefix_keys: Mapping[str, tuple[_Literal, ...]],
                 ) -> None:
        # key -> (length of the word or prefix in it, the word or "", the literal prefixes)
        values = {f" {word} ": (len(word), word, ()) for word in vocabulary}
        values.update({f" {key}": (len(key), "", literals) for key, literals in prefix_keys.items()})
        self._automaton: ahocorasick.Automaton | None = None
        if values and all(_is_ascii_word(key.strip()) for key in values):
            self._automaton = ahocorasick.Automaton()
            for key, value in values.items():
                self._automaton.add_word(key, value)
            self._automaton.make_automaton()

    def scan(self, text: str) -> tuple[list[_Word], list[_LiteralHit]] | None:
        """The vocabulary words of `text` (what _Lexicon.words_by_tokens gives), and where a literal
        prefix's key begins a word; None when the text must be tokenized instead."""
        if self._automaton is None:
            return None
        encoded = text.encode("ascii", "replace")  # one byte a character: the offsets stay
        if not text.isascii() and _folds_to_ascii(text, encoded):
            return None
        hits = list(self._automaton.iter(f" {encoded.translate(_LOWER_ALNUM_BLANK_REST).decode()} "))
        # `end` is the offset of a key's last character in the blanked text, which is the text
        # shifted by the blank in front: " word " ends on the blank after the word.
        words = [(end - size - 1, end - 1, word) for end, (size, word, _) in hits if word]
        if not text.isascii():
            last = len(text)
            words = [(start, end, word) for start, end, word in words
                     if (start == 0 or not text[start - 1].isalnum())
                     and (end == last or not text[end].isalnum())]
        return words, [(end - size, literals) for end, (size, _, literals) in hits if literals]


# ASCII letters and digits lowered, every other byte a blank.
_LOWER_ALNUM_BLANK_REST = bytes(ord(chr(byte).lower()) if chr(byte).isascii() and chr(byte).isalnum()
                                else ord(" ") for byte in range(256))

# The characters that are not ASCII but lower or casefold to something with ASCII in it (long s
# -> "s", Kelvin sign -> "k", sharp s -> "ss", dotted capital I -> "i" and a dot, ligature fi ->
# "fi"). Listed, as working them out takes a pass over all of Unicode; tests work them out.
_FOLDS_TO_ASCII = frozenset("\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e"
                            "\u212a\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06")


def _folds_to_ascii(text: str, encoded: bytes) -> bool:
    """Does `text` hold a character of _FOLDS_TO_ASCII? Only where `encoded` (the text encoded to
    ASCII, "?" for what is not) shows a "?" can one be: a few places in a news text, each looked at;
    a text mostly in another script is checked whole at once instead."""
    if encoded.count(b"?") > len(text) // 8:
        return not _FOLDS_TO_ASCII.isdisjoint(text)
    at = encoded.find(b"?")
    while at != -1:
        if text[at] in _FOLDS_TO_ASCII:
            return True
        at = encoded.find(b"?", at + 1)
    return False


def _is_ascii_word(word: str) -> bool:
    return word.isascii() and word.isalnum()


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
        self._lexicon = _Lexicon()
        self._index(provinces, regencies, extras)
        self._prefixes = _PrefixRules(prefixes)
        self._scanner = _Scanner(self._lexicon.vocabulary, self._prefixes.keys or {})

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

    @staticmethod
    def _entry(text: str, region: Region, rule: str, bare: bool = True,
               ) -> tuple[tuple[str, ...], _Entry]:
        """The casefolded words of `text` and the entry that writes `region` so."""
        words = _words(text)
        return _key(words), _Entry(region, rule, tuple(w[:1].isupper() for w in words), bare)

    def _add_name(self, text: str, region: Region, rule: str, bare: bool = True) -> None:
        key, entry = self._entry(text, region, rule, bare)
        self._lexicon.add(key, name=entry)

    def _index(self, provinces: Sequence[ProvinceRecord], regencies: Sequence[RegencyRecord],
               extras: ExtraData) -> None:
        prefixed_only = {_key(_words(n)) for n in extras.prefixed_only}
        for rec, region in zip(provinces, self.provinces):
            for text in (rec.name, *rec.aliases):
                self._add_name(text, region, rec.id)
        for rec, region in zip(regencies, self.regencies):
            bare = _key(_words(rec.name)) not in prefixed_only
            self._add_name(rec.name, region, f"regencies.csv:{rec.code}", bare)
        for alias in extras.regions:
            region = self._by_canonical.get(alias.region.casefold())
            if region is None or region.level not in (KABUPATEN, KOTA):
                raise RuleDataError(f"rules/{ALIASES_FILE}: alias record {alias.id!r} names "
                                    f"unknown regency/city {alias.region!r}")
            for text in alias.aliases:
                bare = _key(_words(text)) not in prefixed_only
                self._add_name(text, region, alias.id, bare)
        unknown = {key for key in prefixed_only
                   if not self._lexicon.phrases.get(key, _Phrase()).names}
        if unknown:
            raise RuleDataError(f"rules/{ALIASES_FILE}: prefixed_only names unknown {sorted(unknown)}")
        for text in extras.country_phrases:
            key, entry = self._entry(text, self.country, "country_phrases")
            self._lexicon.add(key, country=entry)
        for text in extras.stop_phrases:
            self._lexicon.add(_key(_words(text)), stop=True)

    # -- finding -------------------------------------------------------------------------------

    def find(self, text: str) -> list[RegionMention]:
        """Region mentions in `text`: non-overlapping, leftmost-longest, in text order."""
        return self._scan(text, strict_case=True)

    def _scan(self, text: str, strict_case: bool) -> list[RegionMention]:
        scanned = self._scanner.scan(text)
        words = self._lexicon.words_by_tokens(text) if scanned is None else scanned[0]
        prefix_at = self._prefixes.matches(text, None if scanned is None else scanned[1])
        # Only a word that opens some phrase, or where a prefix begins, can start a mention; the
        # scan jumps from one to the next. Most phrases must begin with a capital: a word written
        # small (as most "di" are) opens only those that need not. A word that is no phrase by
        # itself ("Kesehatan", of "Kesehatan Nasional") opens one only if the next word is joined.
        reach, any_case, alone = self._lexicon.reach, self._lexicon.any_case, self._lexicon.alone
        opener_at = {start: k for k, (start, _, key) in enumerate(words) if key in reach
                     and (not strict_case or text[start].isupper() or key in any_case)
                     and (key in alone or _joined(text, words, k + 1))}
        found: list[RegionMention] = []
        free = 0   # where the last span found so far ends: a mention never starts inside one
        # In text order: the openers are; the prefixes must be merged in.
        for start in sorted(opener_at.keys() | prefix_at.keys()) if prefix_at else opener_at:
            if start < free:
                continue
            k, prefix = opener_at.get(start), prefix_at.get(start)
            hit = self._named_hit(text, words, k, strict_case) if k is not None else None
            if prefix is not None:
                prefixed = self._prefixed_hit(text, words, start, *prefix)
                # The longer span wins, then the higher priority (the two never share one).
                if hit is None or (prefixed is not None and prefixed > hit):
                    hit = prefixed
            if hit is not None:
                free, _, mention = hit
                if mention is not None:
                    found.append(mention)
        return found

    def _named_hit(self, text: str, words: Sequence[_Word], k: int, strict_case: bool) -> _Hit | None:
        """The longest stop phrase, country phrase or bare region name made of words[k:]."""
        start = words[k][0]
        for n, phrase in self._lexicon.phrases_at(text, words, k):
            run = words[k:k + n]
            reading = phrase.bare(_capitalized(text, run) if strict_case else None)
            if reading is None:
                continue
            end = run[-1][1]
            region = reading.region
            if region is None or (region.level in (KABUPATEN, KOTA) and _after_initial(text, start)):
                # Ambiguous, a stop phrase, or a surname ("Jenal M Sambas"): consumed, so nothing
                # inside fires.
                return end, reading.priority, None
            return end, reading.priority, RegionMention(start, end, region, reading.rule)
        return None

    def _prefixed_hit(self, text: str, words: Sequence[_Word], start: int, prefix_end: int,
                      rule: Rule) -> _Hit | None:
        # The name must be the very next word; if that is no phrase word, the first phrase word
        # after the prefix lies further and the gap to it holds a word, so it fails _gap_ok.
        k = bisect.bisect_left(words, prefix_end, key=itemgetter(0))
        if k == len(words) or not _gap_ok(text, prefix_end, words[k][0], _PREFIX_GAP):
            return None
        # Longest name of ANY level first, so "Kota Padang Pariaman" is not read as "Kota Padang".
        for n, phrase in self._lexicon.phrases_at(text, words, k):
            if phrase.names:
                end = words[k + n - 1][1]
                region = phrase.prefixed(rule.label, self._province)
                if region is None:
                    return end, _PREFIXED, None
                return end, _PREFIXED, RegionMention(start, end, region, rule.id, rule.label == BRANCH)
        return None  # "Provinsi dan ...", "kabupaten/kota": the prefix alone is no mention

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
