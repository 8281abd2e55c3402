"""Claim assembly: from an article's marked sentences to claims with metric, value, unit, qualifier,
status, region and as_of, each pointing at the characters it came from.

How a number becomes a claim (all words live in rules/; this module reads categories):
1. Vetoes: a qualifier that marks a threshold or a change ("minimal 80%", "naik 2 persen"), a date or
   a code under the number, a segment or another subject in its clause ("PBI", "imunisasi").
2. The counted noun right after it ("juta peserta", "kunjungan", "provinsi"), then the governing cue:
   a clause predicate ("belum terdaftar", "sudah menjadi peserta"), the nearest cue before it in its
   clause, after it in its clause, then the nearest in the sentence counting clauses crossed (tokens
   come from the spaCy doc: commas and conjunctions split clauses).
3. rules/metrics.yaml maps (kind, concept, counted noun, per-day) onto the contract's metric.
4. Status, qualifier, region and as_of from the sentence; a figure with none of its own takes what
   governs its context (context.py: its paragraph's, the table header's, the article's).
5. The same (metric, value, status, region) repeated in headline and body is one claim, at its first
   occurrence, dated by the first occurrence that carries a date of its own (as the contract's gold does).
"""
from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass, field, fields, replace
from typing import Iterable

import regex
from spacy.tokens import Doc

from extractor.context import COUNTRY, Context, SentenceInfo, article_context, salient_region
from extractor.cues import QUALIFIER_WINDOW, find_cues, qualifier_after, qualifier_before
from extractor.dates import DateMention, find_dates, resolve
from extractor.layout import Sentence, analyse, layout_rules
from extractor.numbers import NumberMention, find_numbers
from extractor.pipeline import PARTS, Marked, Part, build_nlp, marks_of, parts_of, token_table
from extractor.regions import Gazetteer
from extractor.spans import blank_outside
from extractor.ruledata import RuleDataError, load_yaml

METRICS_FILE = "metrics.yaml"
CLAUSE_PENALTY = 8          # a clause crossed weighs like this many tokens
MAX_CUE_DISTANCE = 20       # a cue in another clause governs a number only this close (tokens + penalties)
SEGMENT_WINDOW_TOKENS = 8   # a segment cue this close before a number makes it a segment count
YEAR_RANGE = (1900, 2100)
CONCEPT_LABELS = frozenset({"participation", "active", "population", "visit", "screening", "uhc", "uhc_achieved", "not_uhc",
                            "funding", "predicate_participation", "predicate_unregistered"})
HEAD_CONCEPT = {"unit_participant": "participation", "unit_visit": "visit", "unit_screening": "screening",
                "population": "population", "unit_person": "person", "per_day": None, "per_period": None}
PREDICATES = ("predicate_unregistered", "predicate_participation")
PERCENT_CONCEPT = {"coverage_pct": "participation", "active_pct": "active"}
LEVEL_RANK = {"kabupaten": 0, "kota": 0, "province": 1, "country": 2}


@dataclass(frozen=True)
class MetricRule:
    metric: str
    unit: str
    kind: str
    concepts: tuple[str, ...] = ()
    heads: tuple[str, ...] = ()
    requires: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    national_above: float | None = None
    requires_scale: bool = False
    vetoed_by: tuple[str, ...] = ()
    national: bool = False


@functools.lru_cache(maxsize=1)
def metric_rules() -> tuple[MetricRule, ...]:
    data = load_yaml(METRICS_FILE)
    known = {f.name for f in fields(MetricRule)}
    rules = []
    for record in data.get("metrics", []):
        unknown = set(record) - known
        if unknown:
            raise RuleDataError(f"rules/{METRICS_FILE}: metric {record.get('metric')!r} has unknown keys {sorted(unknown)}")
        record = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
        rules.append(MetricRule(**record))
    return tuple(rules)


@functools.lru_cache(maxsize=1)
def _metric_rules_of_kind() -> dict[str, tuple[MetricRule, ...]]:
    """The metric rules by the kind of number they take, each kind's in the file's order (the first that
    fits wins)."""
    kinds: dict[str, list[MetricRule]] = {}
    for rule in metric_rules():
        kinds.setdefault(rule.kind, []).append(rule)
    return {kind: tuple(rules) for kind, rules in kinds.items()}


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class Claim:
    """One claim found in an article; offsets are into the article text."""

    metric: str
    value: float
    unit: str
    qualifier: str
    status: str
    region: str
    as_of: str
    char_start: int
    char_end: int
    sentence_start: int
    sentence_end: int
    rule: str
    explicit_date: bool = field(default=False, compare=False)


# ----------------------------------------------------------------------------------------- tokens

@dataclass(frozen=True)
class _Clauses:
    """Clause number of every token, the clauses that open with an apposition word ("atau"), and the
    (label, clause) of every cue (the rules ask "is there a per_day cue in this number's clause?")."""

    ids: list[int]
    appositive: frozenset[int]
    cue_labels: frozenset[tuple[str, int]] = frozenset()

    def __getitem__(self, token_index: int) -> int:
        return self.ids[token_index]


def _clause_ids(doc: Doc, part: Part, cues: list[Marked]) -> _Clauses:
    """Punctuation and clause-break words open a new clause: the clause of every token of one part of the
    doc (a sentence), by its index in the part, counted from the tokens' OPENS_CLAUSE flags (pipeline)."""
    table = token_table(doc)
    first, end = table.tokens_in(part.start, part.end)
    ids = list(itertools.accumulate(table.opens_clause[first:end]))   # a running count of clause openers
    appositive = frozenset(itertools.compress(ids, table.opens_apposition[first:end]))
    return _Clauses(ids, appositive, frozenset((c.label_, ids[c.start]) for c in cues))


def _distance(a: Marked, b: Marked, clauses: _Clauses) -> int:
    gap = max(b.start - a.end, a.start - b.end, 0)
    return gap + CLAUSE_PENALTY * abs(clauses[a.start] - clauses[b.start])


def _next_cue(end: int, cues: list[Marked], text: str) -> Marked | None:
    """The cue that starts right at `end` (only blanks between). Only the first cue at or after `end` can:
    cues come in text order, and the words of that one would stand between `end` and any later one."""
    for cue in cues:
        if cue.start_char >= end:
            return None if text[end:cue.start_char].strip() else cue
    return None


def _whole_of_sentence(numbers: list[Marked], cues: list[Marked], text: str, by: int) -> tuple[int, Marked] | None:
    """ "Dari sembilan kabupaten/kota di Papua, baru lima yang sudah UHC": the first whole the sentence
    takes a part of ("Dari N <noun>"), if it ends by `by`: where it ends and the noun it counts. A bare
    number after it counts that noun (numbers come in order and do not overlap, so no other whole can come
    first for any number)."""
    for whole in numbers:
        if whole.mention.end > by:
            break
        start = whole.mention.start
        before = qualifier_before(text[max(0, start - QUALIFIER_WINDOW):start])
        if before is None or before.label != "denominator":
            continue
        noun = _next_cue(whole.mention.end, cues, text)
        if noun is not None and noun.label_.startswith("unit_"):
            return whole.mention.end, noun
    return None


def _heads(numbers: list[Marked], cues: list[Marked], text: str) -> dict[int, Marked | None]:
    """The counted noun of every number (by id): the cue right after it (_head_cue), or for a bare
    number the noun of the sentence's whole (_whole_of_sentence, looked for only when some number is bare)."""
    following = {id(n): _next_cue(n.mention.end, cues, text) for n in numbers}
    bare = [n.mention.start for n in numbers if following[id(n)] is None]
    whole = _whole_of_sentence(numbers, cues, text, by=bare[-1]) if bare else None
    heads = {}
    for number in numbers:
        head = following[id(number)]
        if head is None:
            heads[id(number)] = whole[1] if whole is not None and whole[0] <= number.mention.start else None
        else:
            heads[id(number)] = _head_cue(number, head, numbers, cues, text)
    return heads


def _head_cue(number: Marked, head: Marked, numbers: list[Marked], cues: list[Marked], text: str) -> Marked | None:
    """The counted noun of a number followed by the cue `head`: that cue. A partitive borrows the noun of
    its whole: "17 dari 22 kabupaten/kota" and "Dari 24 kabupaten/kota, 23 di antaranya" count
    kabupaten/kota."""
    if head.label_ not in ("of_total", "among_them"):
        return head
    if head.label_ == "of_total":
        whole = next((n for n in numbers if n.mention.start >= head.end_char
                      and not text[head.end_char:n.mention.start].strip()), None)
        return _next_cue(whole.mention.end, cues, text) if whole is not None else None
    earlier = [n for n in numbers if n.mention.end <= number.mention.start]
    for whole in reversed(earlier):
        noun = _next_cue(whole.mention.end, cues, text)
        if noun is not None and noun.label_.startswith("unit_"):
            return noun
    return None


# ------------------------------------------------------------------------------------ concept

def _concept(number: Marked, head: Marked | None, concept_cues: list[Marked], clauses: _Clauses,
             previous: dict[int, tuple[str, Marked]], other_heads: list[Marked]) -> tuple[str | None, Marked | None]:
    """The concept governing the number, and the cue that says so. `previous` maps a clause to the
    concept found for the last number in it: "98 persen atau 270 juta jiwa" restates one quantity.
    `other_heads` are the counted nouns of the sentence's other numbers: "1,79 juta jiwa dari 1,88 juta
    penduduk" -- "penduduk" is what the 1,88 juta counts, not the 1,79 juta. `concept_cues` are the
    sentence's cues with a concept label."""
    clause = clauses[number.start]
    others = {id(h) for h in other_heads}
    concept_cues = [c for c in concept_cues if c is not head and id(c) not in others]
    same = [c for c in concept_cues if clauses[c.start] == clause]
    for predicate in PREDICATES:
        # A predicate after the number says what it is ("500 ribuan penduduk yang belum terdaftar");
        # one before it belongs to an earlier subject ("49,3 juta warga tercatat sebagai peserta dari
        # total 50,2 juta penduduk").
        hits = [c for c in same if c.label_ == predicate and c.start >= number.end]
        if hits:
            return predicate, min(hits, key=lambda c: _distance(number, c, clauses))
    head_concept = None
    if head is not None:
        head_concept = head.label_ if head.label_ in CONCEPT_LABELS else HEAD_CONCEPT.get(head.label_)
    screening = [c for c in same if c.label_ == "screening"]
    if screening and head_concept in ("participation", "person"):
        return "screening", screening[0]  # "412 ribu peserta telah mengikuti skrining"
    if head_concept and head_concept != "person":
        return head_concept, head
    before = [c for c in same if c.end <= number.start]
    if before:
        return before[-1].label_, before[-1]
    if clause in clauses.appositive and clause - 1 in previous:
        return previous[clause - 1]
    after = [c for c in same if c.start >= number.end]
    if after:
        return after[0].label_, after[0]
    predicates = [c for c in concept_cues if c.label_ in PREDICATES]
    pool = predicates or [c for c in concept_cues if _distance(number, c, clauses) <= MAX_CUE_DISTANCE]
    if pool:
        best = min(pool, key=lambda c: _distance(number, c, clauses))
        return best.label_, best
    if head_concept == "person":
        return "person", head
    return None, None


def _part_of_population(number: Marked, numbers: list[Marked], cues: list[Marked], text: str) -> bool:
    """ "1,79 juta jiwa dari 1,88 juta penduduk": persons counted out of a population are participants."""
    after = _next_cue(number.mention.end, cues, text)
    if after is not None and after.label_.startswith("unit_"):
        after = _next_cue(after.end_char, cues, text)
    if after is None or after.label_ != "of_total":
        return False
    whole = next((n for n in numbers if n.mention.start >= after.end_char), None)
    noun = _next_cue(whole.mention.end, cues, text) if whole is not None else None
    return noun is not None and noun.label_ == "population"


def _vetoed(number: Marked, head: Marked | None, cues: list[Marked], clauses: _Clauses, money: bool = False) -> bool:
    """A segment count, another subject, or a count of things outside the vocabulary ("30 lembaga"). Money
    is only vetoed by another subject ("anggaran stunting Rp 12,5 miliar"): a segment's budget is JKN money."""
    clause = clauses[number.start]
    for cue in cues:
        if clauses[cue.start] != clause:
            continue
        if money and cue.label_ != "other_topic":
            continue
        if cue.label_ == "segment" and (0 <= number.start - cue.end <= SEGMENT_WINDOW_TOKENS
                                        or cue.start >= number.end):
            return True
        if cue.label_ == "other_topic":
            return True  # "cakupan imunisasi 95 persen", "5 juta peserta memakai aplikasi Mobile JKN"
    counted_other = head is not None and head.label_ == "unit_other"
    return counted_other and number.mention.kind == "count"  # "98 persen tahun ini" is still a percent


def _is_date_or_year(mention: NumberMention, dates: list[DateMention]) -> bool:
    if any(d.start < mention.end and mention.start < d.end for d in dates):
        return True  # part of a date
    return mention.is_integer_literal and YEAR_RANGE[0] <= mention.value <= YEAR_RANGE[1]


def _may_be_figure(mention: NumberMention, dates: list[DateMention]) -> bool:
    """Can this number be a claim's figure at all? Not a date's digits or a year, and not a decimal count
    with no scale ("4,9" counts nothing). A sentence with no such number is not even tokenized."""
    return not _is_date_or_year(mention, dates) and not _unscaled_decimal_count(mention)


def _unscaled_decimal_count(mention: NumberMention) -> bool:
    return mention.kind == "count" and mention.is_decimal and not mention.has_scale


def _holds_figure(share: dict[str, list]) -> bool:
    """The pre-filter: does a sentence (its share of the article's mentions) hold a number that can be a
    figure? Only such a sentence can hold a claim; the rest are neither tokenized nor searched for cues."""
    return any(_may_be_figure(n, share["dates"]) for n in share["numbers"])


def _bare_count(mention: NumberMention, head: Marked | None) -> bool:
    return mention.kind == "count" and not mention.has_scale and head is None


def _metric(mention: NumberMention, concept: str | None, head: Marked | None, number: Marked,
            cues: list[Marked], clauses: _Clauses) -> MetricRule | None:
    clause = clauses[number.start]
    in_clause = clauses.cue_labels
    per_day = ("per_day", clause) in in_clause and not (head is not None and head.label_ == "per_period")
    head_label = head.label_ if head is not None else "none"
    for rule in _metric_rules_of_kind().get(mention.kind, ()):
        if rule.heads and head_label not in rule.heads:
            continue
        if rule.concepts and (concept or "none") not in rule.concepts:
            continue
        if rule.requires == "per_day" and not per_day:
            continue
        if rule.requires and rule.requires != "per_day" and not any(c.label_ == rule.requires for c in cues):
            continue
        if rule.requires_scale and not mention.has_scale:
            continue
        if any((label, clause) in in_clause for label in rule.vetoed_by):
            continue
        if rule.min_value is not None and mention.value < rule.min_value:
            continue
        if rule.max_value is not None and mention.value > rule.max_value:
            continue
        return rule
    return None


# ------------------------------------------------------------------------------------- status

def _projected(number: Marked, cues: list[Marked]) -> bool:
    """ "memperkirakan cakupan ... akan mencapai 95 persen": an estimate, so approx (and still actual)."""
    last = None
    for cue in cues:
        if cue.end <= number.start and cue.label_ in ("projection", "actual"):
            last = cue.label_
    return last == "projection"


def _status(number: Marked, cues: list[Marked]) -> str:
    """Target when a target cue precedes the number in its sentence with no actual-marker between."""
    last = None
    for cue in cues:
        if cue.end <= number.start and cue.label_ in ("target", "actual"):
            last = cue.label_
    return "target" if last == "target" else "actual"


def _qualifier(mention: NumberMention, head: Marked | None, text: str) -> tuple[str, bool]:
    """(qualifier, vetoed): vetoed when the left context marks a threshold or a change, or a total that a
    count of regions is taken from ("dari 514 kabupaten/kota")."""
    before = qualifier_before(text[max(0, mention.start - QUALIFIER_WINDOW):mention.start])
    if before and before.label in ("criteria", "change"):
        return "exact", True
    if before and before.label == "denominator":
        return "exact", head is not None and head.label_ in ("unit_province", "unit_regency")
    after_from = head.end_char if head is not None and head.label_.startswith("unit_") else mention.end
    after = qualifier_after(text[after_from:after_from + QUALIFIER_WINDOW])
    if before:
        return before.label, False
    if after:
        return after.label, False
    return ("approx" if mention.approx else "exact"), False


# --------------------------------------------------------------------------------- regions/dates

def _pick_region(number: Marked, regions: list[Marked], clauses: _Clauses) -> str:
    """The region nearest before the number in its clause, else after it in its clause, else one province
    covering the sentence's regencies, else the sentence's opening frame, else the nearest; a province
    named only to locate a regency named beside it ("Kabupaten Kulon Progo, Daerah Istimewa
    Yogyakarta") gives way to that regency."""
    if not regions:
        return ""
    clause = clauses[number.start]
    same = [r for r in regions if clauses[r.start] == clause]
    same_before = [r for r in same if r.end <= number.start]
    if same_before:
        chosen = same_before[-1]
    elif same:
        chosen = same[0]  # "seluruh 23 kabupaten/kota di Aceh"
    else:
        common = _common_province(regions)
        if common:
            return common  # "wilayah kerjanya meliputi Kota Kediri, Kabupaten Kediri, dan Kabupaten Nganjuk"
        # Before the number, the most specific region wins: "Di Kabupaten Lombok Timur, daerah ... di NTB,
        # jumlah peserta ..." and "Kepala BPJS Kesehatan Cabang Sidoarjo ... di Kabupaten Sidoarjo ...".
        before = [r for r in regions if r.end <= number.start]
        if before:
            level = min(LEVEL_RANK[r.mention.region.level] for r in before)
            chosen = [r for r in before if LEVEL_RANK[r.mention.region.level] == level][-1]
        else:
            chosen = min(regions, key=lambda r: _distance(number, r, clauses))
    run = [r.mention for r in regions if r.mention.end <= chosen.mention.end]
    return salient_region(run)


ORG_LIST_GAP = regex.compile(r"^\s*(?:,|dan|serta|&)?\s*$", regex.IGNORECASE)


def _figure_regions(regions: list[Marked], cues: list[Marked], text: str) -> list[Marked]:
    """Regions that can locate a figure: not the ones in an office's title ("Kedeputian Wilayah Bali, NTB
    dan NTT") nor the place a statement was made ("ujarnya saat ditemui di Mataram")."""
    said_at = min((c.start_char for c in cues if c.label_ == "attribution"), default=len(text))
    kept, org_end = [], None
    org_starts = [c.end_char for c in cues if c.label_ == "region_org"]
    for span in regions:
        mention = span.mention
        if org_end is None and any(0 <= mention.start - end <= 2 for end in org_starts):
            org_end = mention.end
            continue
        if org_end is not None and ORG_LIST_GAP.match(text[org_end:mention.start]):
            org_end = mention.end  # the office's list goes on
            continue
        org_end = None
        if mention.start >= said_at:
            continue
        kept.append(span)
    return kept


def _common_province(regions: list[Marked]) -> str:
    """Two or more different regencies/cities of one province (and nothing else): the province covers them."""
    found = {r.mention.region for r in regions}
    local = {r for r in found if r.level in ("kabupaten", "kota")}
    provinces = {r.province for r in local} | {r.canonical for r in found if r.level == "province"}
    if len(local) >= 2 and len(provinces) == 1 and all(r.level != "country" for r in found):
        return provinces.pop()
    return ""


def _target_dated(span: Marked, cues: list[Marked], clauses: _Clauses) -> bool:
    """A date in a clause after a target cue is the target's date ("Ini Target di 2024")."""
    return any(c.label_ == "target" and c.end <= span.start and clauses[c.start] == clauses[span.start]
               for c in cues)


def _pick_date(number: Marked, dates: list[Marked], cues: list[Marked], clauses: _Clauses, status: str) -> str:
    usable = []
    for span in dates:
        mention: DateMention = span.mention
        if not mention.iso:
            continue
        if status == "actual" and _target_dated(span, cues, clauses):
            continue
        if mention.kind == "dateline":
            continue  # when a statement was made, not when its figures hold: only the last fallback
        if mention.kind == "bare" and status == "actual" and clauses[span.start] != clauses[number.start]:
            continue
        rank = 1 if mention.kind == "bare" and status == "actual" else 0
        usable.append((rank, _distance(number, span, clauses), mention.iso))
    return min(usable)[2] if usable else ""


def _share_out(found: dict[str, list], sentences: list[Sentence]) -> dict[int, dict[str, list]]:
    """Each sentence's mentions, with offsets made relative to it; a mention running past its sentence's
    end belongs to none (page furniture sentences get nothing)."""
    starts = [s.start for s in sentences]
    shares: dict[int, dict[str, list]] = {s.start: {key: [] for key in found} for s in sentences}
    for key, mentions in found.items():
        for mention in mentions:
            i = bisect.bisect_right(starts, mention.start) - 1
            if i < 0 or mention.end > sentences[i].end:
                continue
            offset = sentences[i].start
            shares[offset][key].append(mention.moved(-offset))
    return shares


def _cells(text: str) -> list[tuple[int, int]]:
    """The cells of a table line ("1 | Kota Jayapura | 411.730 | 414.862 | 99,25%"), or [] for prose."""
    cuts = sorted(i for sep in layout_rules().cell_separators for i in _occurrences(sep, text))
    if len(cuts) < 2:
        return []
    bounds = [-1] + cuts + [len(text)]
    return [(a + 1, b) for a, b in zip(bounds, bounds[1:])]


def _occurrences(needle: str, text: str) -> list[int]:
    found, i = [], text.find(needle)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def _column_concepts(cells: list[tuple[int, int]], cues) -> list[str | None]:
    """What each column counts, from the cues in its header cell ("Peserta", "Penduduk", "Persentase")."""
    return [next((c.label for c in cues if start <= c.start < end and c.label in CONCEPT_LABELS), None)
            for start, end in cells]




def _claims_in_doc(doc: Doc, part: int, text: str, info: SentenceInfo, inherited: Context, reference: str,
                   line_prefix_end: int, carried: tuple[str, Marked] | None,
                   columns: list[str | None] = (), cells: list[tuple[int, int]] = ()) -> list[Claim]:
    """The claims of one sentence: part `part` of the doc, whose text is `text`. `carried` is the concept of
    the last percentage in the same paragraph, for a percentage whose own sentence names none; `columns`
    what each cell of a table row counts."""
    offset = info.sentence.start
    cues = marks_of(doc, "cues")[part]
    clauses = _clause_ids(doc, parts_of(doc)[part], cues)
    dates = [Marked(d.start, d.end, d.start_char, d.end_char, d.label_, d.id_, resolve(d.mention, reference))
             for d in marks_of(doc, "dates")[part]]
    regions = _figure_regions([r for r in marks_of(doc, "regions")[part] if r.mention.start + offset >= line_prefix_end],
                              cues, text)
    claims = []
    concepts_by_clause: dict[int, tuple[str, Marked]] = {}
    numbers = marks_of(doc, "numbers")[part]
    concept_cues = [c for c in cues if c.label_ in CONCEPT_LABELS]
    heads = _heads(numbers, cues, text)
    # Numbers that are figures at all (not a date's digits, not a year): only their nouns are taken.
    date_mentions = [d.mention for d in dates]
    counted = {id(n) for n in numbers if not _is_date_or_year(n.mention, date_mentions)}
    nouns = [(key, h) for key, h in heads.items() if key in counted and h is not None
             and (h.label_.startswith("unit_") or h.label_ == "population")]
    for number in numbers:
        mention: NumberMention = number.mention
        if id(number) not in counted or _unscaled_decimal_count(mention):
            continue   # not _may_be_figure
        head = heads[id(number)]
        if _vetoed(number, head, cues, clauses, money=mention.kind == "idr"):
            continue
        qualifier, vetoed = _qualifier(mention, head, text)
        if vetoed:
            continue
        other_heads = [h for key, h in nouns if key != id(number)]
        concept, concept_cue = _concept(number, head, concept_cues, clauses, concepts_by_clause, other_heads)
        if concept is None and mention.kind == "percent" and carried is not None:
            concept, concept_cue = carried  # "Kota Kupang ... cakupan 99,1 persen. ... Sumba Barat Daya 88,45 persen."
        column = next((i for i, (start, end) in enumerate(cells) if start <= mention.start < end), None)
        if columns and column is not None and columns[column]:
            concept, concept_cue = columns[column], None  # the header says what this column counts
        if concept in (None, "person") and _part_of_population(number, numbers, cues, text):
            concept = "participation"
        if _bare_count(mention, head) and concept_cue is not None and not any(
                c.label_ in CONCEPT_LABELS and clauses[c.start] == clauses[number.start] for c in cues):
            continue  # "Care Center 165": a bare number needs a cue in its own clause
        rule = _metric(mention, concept, head, number, cues, clauses)
        if rule is None:
            continue
        if concept and concept_cue is not None:
            concepts_by_clause[clauses[number.start]] = (concept, concept_cue)
        status = _status(number, cues)
        if qualifier == "exact" and _projected(number, cues):
            qualifier = "approx"
        own_date = _pick_date(number, dates, cues, clauses, status)
        region = _pick_region(number, regions, clauses) or inherited.region
        if rule.national or (rule.national_above is not None and mention.value > rule.national_above):
            region = COUNTRY
        rule_id = concept_cue.id_ if concept_cue is not None else (head.id_ if head is not None else number.id_)
        if concept_cue is None and carried is not None and concept == carried[0]:
            rule_id = f"context.inherited.{concept}"
        claims.append(Claim(
            metric=rule.metric, value=mention.value, unit=rule.unit, qualifier=qualifier, status=status,
            region=region, as_of=own_date or inherited.date,
            char_start=offset + mention.start, char_end=offset + mention.end,
            sentence_start=offset, sentence_end=info.sentence.end, rule=rule_id,
            explicit_date=bool(own_date)))
    return claims


REPEAT_TOLERANCE = 0.005   # at most the scorer's 0.5 %: "Satu Juta" is no rounding of "1.076.232"


def _significant_digits(value: float) -> int:
    digits = f"{value:.12g}".replace(".", "").replace("-", "").lstrip("0").rstrip("0")
    return max(len(digits), 1)


def _same_figure(a: float, b: float) -> bool:
    """Equal, or one is the other rounded or cut short: a headline's "278 juta" repeats the body's
    "278,1 juta" (and "277 Juta" its "277,9 juta"), but "392,8 juta" and "392,9 juta" are two figures."""
    if a == b:
        return True
    if abs(a - b) > REPEAT_TOLERANCE * max(abs(a), abs(b)):
        return False
    coarse, precise = sorted((a, b), key=_significant_digits)
    digits = _significant_digits(coarse)
    if digits >= _significant_digits(precise):
        return False
    if float(f"{precise:.{digits}g}") == coarse:
        return True
    scale = 10 ** (len(str(int(abs(precise)))) - digits)   # headlines also cut: "277 Juta" for 277,9 juta
    return int(precise / scale) * scale == coarse


def _repeats(first: Claim, later: Claim) -> bool:
    """The same figure again: equal, or rounded with the same qualifier ("Tembus 278 Juta" over the body's
    "278,1 juta" is a claim of its own: a bound, not a repeat)."""
    if first.value == later.value:
        return True
    return first.qualifier == later.qualifier and _same_figure(first.value, later.value)


def _dedupe(claims: Iterable[Claim]) -> list[Claim]:
    """One claim per (metric, value, status, region), values equal up to rounding, placed at its first
    occurrence and dated by the first occurrence that had a date of its own."""
    groups: list[list[Claim]] = []
    for claim in sorted(claims, key=lambda c: (c.char_start, c.metric)):
        home = next((g for g in groups if (g[0].metric, g[0].status, g[0].region) ==
                     (claim.metric, claim.status, claim.region) and _repeats(g[0], claim)), None)
        if home is None:
            groups.append([claim])
        else:
            home.append(claim)
    result = []
    for members in groups:
        first = members[0]
        dated = next((c for c in members if c.explicit_date), None)
        if dated is not None and dated is not first:
            first = replace(first, as_of=dated.as_of, explicit_date=True)
        qualified = next((c for c in members if c.qualifier != "exact"), None)
        if first.qualifier == "exact" and qualified is not None:
            first = replace(first, qualifier=qualified.qualifier)  # "58 Ribu" then "58 ribu lebih"
        result.append(first)
    return sorted(result, key=lambda c: (c.char_start, c.metric))


CONTEXT_ROLES = ("title", "lead", "header", "heading")


_DIGIT = regex.compile(r"\d")


def _context_lines(view: str, layout, numbers: list[NumberMention]) -> list[tuple[int, int]]:
    """The lines whose dates and regions can matter: a paragraph with a number (a figure's own sentence,
    the sentences before it in its paragraph, which it inherits from, and any statement date such as
    "Senin (14/7/2025)", the article's reference), headline and lead (the article's governing date and
    region) and table headers and headings (what the rows below inherit). A paragraph with no number
    holds no figure and passes nothing on: scanning it would change no claim."""
    starts = [n.start for n in numbers]
    spans = []
    for line in layout.lines:
        i = bisect.bisect_left(starts, line.start)
        if (line.role in CONTEXT_ROLES or (i < len(starts) and starts[i] < line.end)
                or _DIGIT.search(view, line.start, line.end)):
            spans.append((line.start, line.end))
    return spans


def extract_claims(view: str, published: str = "") -> list[Claim]:
    """All claims in an article, given its matching view (same length as the text, see reader.py).
    `published` is the article's publication date from its metadata (HTML pages), when known: it is
    the reference for relative dates ("tahun lalu") before any dateline in the text."""
    gazetteer = Gazetteer.load()
    layout = analyse(view, is_place=lambda word: bool(gazetteer.find(word)))
    national_above = min(r.national_above for r in metric_rules() if r.national_above and r.unit == "person")
    sentences = [s for s in layout.sentences if s.role != "furniture"]
    # The article is scanned once per kind of mention; each sentence gets its share. Dates and regions
    # are looked for only in the lines they can matter in (the rest of the text is blanked, offsets kept).
    numbers = find_numbers(view)
    context_view = blank_outside(view, _context_lines(view, layout, numbers))
    found = {"numbers": numbers, "dates": find_dates(context_view), "regions": gazetteer.find(context_view)}
    shares = _share_out(found, sentences)
    # Cues matter only where a figure is, in headline and lead (their target cues mark target years) and
    # in table headers (what the rows below count).
    figures = {s.start for s in sentences if _holds_figure(shares[s.start])}
    for sentence in sentences:
        wanted = (sentence.start in figures or sentence.role in ("title", "lead", "header")
                  or _cells(view[sentence.start:sentence.end]))
        shares[sentence.start]["cues"] = find_cues(view[sentence.start:sentence.end]) if wanted else []
    marked = {s.start: (shares[s.start]["dates"], shares[s.start]["regions"],
                        [c.end for c in shares[s.start]["cues"] if c.label == "target"]) for s in sentences}
    counts = [n.value for n in found["numbers"] if n.kind == "count"]
    article = article_context(view, layout, gazetteer, published, national_above, marked, counts)
    # Only sentences that hold a number are tokenized: the rest only give context. (A spaCy memory zone
    # per article was measured: it made tokenizing 7x slower and memory no flatter, so there is none.)
    return _assemble(view, layout, article, shares, [s for s in sentences if s.start in figures], build_nlp())


SENTENCE_JOINER = "\n\n"   # a blank line: spaCy's tokenizer splits at it (a single "\n" is a special case, and tokenizing
# is then much slower); no multi-word special case holds one


def _candidates_docs(view: str, shares: dict[int, dict[str, list]], candidates: list[Sentence],
                     nlp) -> dict[int, tuple[Doc, int]]:
    """Docs of the candidate sentences, joined by SENTENCE_JOINER, a part per sentence with its share of
    the mentions (see pipeline.Part), marked by the pipeline's components; by sentence start, the doc and
    part of each. One doc per article (a doc per sentence cost four component calls, a token table and
    span groups each), more only when the sentences pass spaCy's nlp.max_length together."""
    located: dict[int, tuple[Doc, int]] = {}
    group: list[Sentence] = []
    size = 0
    for sentence in candidates + [None]:
        length = sentence.end - sentence.start + len(SENTENCE_JOINER) if sentence is not None else 0
        if group and (sentence is None or size + length > nlp.max_length):
            doc = _marked_doc(view, shares, group, nlp)
            located.update((s.start, (doc, k)) for k, s in enumerate(group))
            group, size = [], 0
        if sentence is not None:
            group.append(sentence)
            size += length
    return located


def _marked_doc(view: str, shares: dict[int, dict[str, list]], sentences: list[Sentence], nlp) -> Doc:
    texts = [view[s.start:s.end] for s in sentences]
    parts, cursor = [], 0
    for sentence, text in zip(sentences, texts):
        parts.append(Part(cursor, cursor + len(text), shares[sentence.start]))
        cursor += len(text) + len(SENTENCE_JOINER)
    doc = nlp.make_doc(SENTENCE_JOINER.join(texts))
    doc.user_data[PARTS] = parts
    # The components called in turn, as nlp(doc) would (nlp.pipe's generators cost more than the calls).
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc


def _assemble(view: str, layout, article, shares: dict[int, dict[str, list]], candidates: list[Sentence],
              nlp) -> list[Claim]:
    """Claims of the candidate sentences (the pre-filter: those with a number that can be a figure, found
    by the regex scans with exact offsets); only they are tokenized. Every sentence still passes on its
    table header, columns and context."""
    located = _candidates_docs(view, shares, candidates, nlp)
    claims: list[Claim] = []
    carried: tuple[str, Marked] | None = None
    carried_line = -1
    table: str | None = None   # the concept a table header names ("Berikut capaian UHC per kabupaten:")
    columns: list[str | None] = []   # what each column of a "|" table counts, from its header line
    for info, ctx in zip(article.sentences, article.inherited):
        line = layout.lines[info.sentence.line]
        cells = _cells(view[info.sentence.start:info.sentence.end])
        if cells and not shares[info.sentence.start]["numbers"]:
            columns = _column_concepts(cells, shares[info.sentence.start]["cues"])
        elif len(cells) != len(columns):
            columns = []
        if line.role == "header":
            table = next((c.label for c in shares[info.sentence.start]["cues"] if c.label in CONCEPT_LABELS), None)
        elif line.role not in ("row", "heading"):
            table = None
        if info.sentence.start not in located:
            continue
        doc, part = located[info.sentence.start]
        if line.index != carried_line:
            carried, carried_line = None, line.index
            if table is not None and line.role in ("row", "heading"):
                carried = (table, None)
        found = _claims_in_doc(doc, part, view[info.sentence.start:info.sentence.end], info, ctx, article.reference,
                               line.prefix_end, carried, columns, cells)
        claims.extend(found)
        percent = [c for c in found if c.unit == "percent"]
        if percent:
            carried = (PERCENT_CONCEPT[percent[-1].metric], None)
    return _dedupe(claims)
