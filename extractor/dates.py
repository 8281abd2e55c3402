"""Indonesian dates as partial ISO: "Senin (14/7/2025)" -> 2025-07-14, "per Mei 2024" -> 2024-05,
"sepanjang 2024" -> 2024, "akhir 2023" -> 2023-12, "kuartal IV 2022" -> 2022-12, "tahun lalu" -> dateline - 1.

Words come from rules/dates.yaml. Common forms are read by the fast patterns below; dateparser
(languages=["id"], DATE_ORDER=DMY) only reads what a `fallback` rule points at, and is imported lazily so
it never sits on the hot path.

How the text is searched (find_dates): every fast form ends in a year or a d/m/y group, so one regex scan
finds those "triggers", and the fast forms are tried only in windows around them, each form at the offsets
where it can begin: a word from the rules ("Senin", "Mei", "tahun": literal prefixes, literals.PrefixIndex)
or a run of digits as long as its day or year. The loose forms need no digits ("tahun lalu", "per Agustus")
and are tried in the whole text at the words they begin with; one prefix pass over the text finds the words
of both. Overlaps are then dropped, and only the dates that are kept get their kind (which looks at the
words before them).
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Callable

import regex

from extractor.literals import PREFIX_LENGTH, PrefixIndex
from extractor.ruledata import Rule, load_rules, rule_regex
from extractor.spans import longest_non_overlapping, windows

RULES_FILE = "dates.yaml"
LOOSE_PREFIX_LENGTH = 12   # the loose forms are looked for in the whole text: "tahun lalu", not "tahun "
MATCH_TIMEOUT_S = 5.0
YEAR_MIN, YEAR_MAX = 1990, 2100
DIGITS = "0123456789"

# The kinds of date, most tied to a figure first: "anchored" ("per Mei 2024"), "plain" ("Mei 2024"), "dateline"
# ("Senin (14/7/2025)": when something was said, only the last fallback), "bare" (a year alone).
KIND_RANK = {"anchored": 0, "plain": 1, "dateline": 2, "bare": 3}


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class DateMention:
    start: int
    end: int
    iso: str               # partial ISO; "" for a relative date not yet resolved
    kind: str              # "anchored" | "plain" | "dateline" | "bare"
    rule: str
    relative: tuple[str, int] | None = None   # ("year"|"year_end"|"month"|"day", offset): "tahun lalu" etc.

    def moved(self, by: int) -> "DateMention":
        """The mention with its offsets shifted by `by` (dataclasses.replace costs four times as much)."""
        return DateMention(self.start + by, self.end + by, self.iso, self.kind, self.rule, self.relative)


Groups = tuple["str | None", ...]   # a match's m.groups()


@dataclass(frozen=True)
class _FastForm:
    """A fast form ("numeric", "month_year"...), and where each of its named groups sits in `m.groups()`:
    in the `regex` module one `m.group(name)` call costs as much as `m.groups()`, so groups are read once."""
    name: str
    rule: str                   # "date.<name>"
    pattern: "regex.Pattern[str]"
    slot: dict[str, int]        # group name -> index into m.groups()
    digit_run: range            # when it begins with digits (its day or its year), how many; else empty
    iso: "_IsoReader"           # the date a match of it says, or None when there is none ("31/2/2024")


@dataclass(frozen=True)
class _DateLexicon:
    forms: tuple[_FastForm, ...]
    anchor_before: "regex.Pattern[str]"        # an anchor word ending the text: "per", "hingga bulan"
    anchor_ending: "regex.Pattern[str]"        # the same pattern, matched backwards from the text's end
    months: dict[str, int]
    ordinals: dict[str, int]
    label_value: list[tuple["regex.Pattern[str]", float]]   # quarter/semester/period words -> value
    relative: list[Rule]                    # the relative rules, first in `loose`
    # Scanned in the whole text: the relative rules, then the month with no year ("per Agustus",
    # "hingga Mei ini"), then (when there are fallback rules) what dateparser is handed.
    loose: list["regex.Pattern[str]"]
    # Where a form can begin. At a word (or "("): one prefix index for both families, so one pass over
    # the text finds them all; its members are the fast forms (0, 1...) then the loose ones (len(forms)...).
    # The loose forms' prefixes are long ("tahun lalu", not "tahun ", which also begins every "tahun
    # 2024"), except in `word_index_short`, for texts where long prefixes could miss (see _word_candidates).
    # At a run of digits: by the run's length (a day has one or two digits, a year four).
    word_index: PrefixIndex
    word_index_short: PrefixIndex
    forms_by_run: dict[int, tuple[int, ...]]   # digits in a run -> the fast forms that can begin with it

    @functools.cached_property
    def fast_patterns(self) -> list["regex.Pattern[str]"]:
        return [form.pattern for form in self.forms]

    @functools.cached_property
    def loose_index(self) -> PrefixIndex:
        """Where each loose form can begin, on its own (for literals.find_each)."""
        return PrefixIndex.of([pattern.pattern for pattern in self.loose])


def _alt(rules: list[Rule]) -> str:
    words = [alt for r in rules for alt in r.pattern.split("|")]
    return "|".join(sorted(words, key=len, reverse=True))


def _words(rules: tuple[Rule, ...], label: str) -> str:
    return _alt([r for r in rules if r.label == label])


DAY_DIGITS, YEAR_DIGITS = range(1, 3), range(4, 5)   # a day is "[0-9]{1,2}" below, a year four digits


@functools.lru_cache(maxsize=1)
def lexicon() -> _DateLexicon:
    rules = load_rules(RULES_FILE)
    w = functools.partial(_words, rules)
    month, weekday, yw = w("month"), w("weekday"), w("year_word")
    year = r"(?P<y>(?:19|20|21)[0-9]{2})(?![0-9]|[.,][0-9])"
    ordinal = w("ordinal")
    b = r"(?<![\p{L}\d])"   # left word boundary that also refuses digits
    e = r"(?!\p{L})"
    no_digits = range(0)
    patterns = [   # (name, how many digits it begins with when it begins with digits, pattern)
        ("numeric", DAY_DIGITS, rf"{b}(?:(?P<wd>{weekday}),?\s*)?(?P<paren>\(\s*)?(?P<d>[0-9]{{1,2}})[/-](?P<m>[0-9]{{1,2}})[/-](?P<y>[0-9]{{4}}|[0-9]{{2}})(?![0-9/])(?(paren)\s*\))"),
        ("day_month_year", DAY_DIGITS, rf"{b}(?:(?P<wd>{weekday}),?\s*(?P<paren>\(\s*)?)?(?P<d>[0-9]{{1,2}})\s+(?P<mon>{month})\.?\s+{year}(?(paren)\s*\))"),
        ("quarter", no_digits, rf"{b}(?P<q>{w('quarter')}|{w('semester')})\s*(?:ke-?\s*)?(?P<n>{ordinal}){e}(?:\s*[/-]\s*|\s*(?:(?:{yw})\s+)?){year}"),
        ("period_edge", no_digits, rf"{b}(?P<edge>{w('end_of_period')}|{w('start_of_period')}){e}\s+(?:(?:{yw})\s+)?{year}"),
        ("month_year", no_digits, rf"{b}(?P<mon>{month})\.?\s+(?:(?:{yw})\s+)?{year}"),
        ("year_word", no_digits, rf"{b}(?:{yw})\s+{year}"),
        ("year_range", YEAR_DIGITS, rf"{b}(?P<y0>(?:19|20)[0-9]{{2}})\s*[-–—/]\s*{year}"),
        ("year", YEAR_DIGITS, rf"{b}{year}{e}"),
    ]
    forms = tuple(_FastForm(name, f"date.{name}", compiled, {group: i - 1 for group, i in compiled.groupindex.items()},
                            run, _ISO_READERS[name])
                  for name, run, pattern in patterns for compiled in [rule_regex(pattern)])
    anchor = rf"(?:{w('anchor')}|{w('month_word')})\s*(?:(?:{yw}|{w('month_word')})\s+)?$"
    months = {alt.lower(): int(r.value) for r in rules if r.label == "month" for alt in r.pattern.split("|")}
    ordinals = {alt.lower(): int(r.value) for r in rules if r.label == "ordinal" for alt in r.pattern.split("|")}
    # Matched by pattern, not looked up by text: alternatives are regexes ("smt\.?").
    label_value = [(rule_regex(rf"(?:{r.pattern})"), float(r.value or 0)) for r in rules
                   if r.label in ("quarter", "semester", "end_of_period", "start_of_period")]
    relative = [r for r in rules if r.label.startswith("relative_")]
    anchored_month = rule_regex(
        rf"(?<=(?:{w('anchor')})\s+(?:(?:{w('month_word')})\s+)?)(?P<mon>{month}){e}"
        rf"(?!\.?\s*(?:[0-9]|{yw}|[-–—/]|s\.?d\.?|hingga|sampai))")  # not "Januari–September 2023"
    fallback_rules = [r for r in rules if r.label == "fallback"]
    fallback = rule_regex("|".join(f"(?:{r.pattern})" for r in fallback_rules)) if fallback_rules else None
    loose = [rule_regex(rf"{b}(?:{r.pattern}){e}") for r in relative] + [anchored_month]
    loose += [fallback] if fallback else []
    # Matched backwards ("(?r)"), the anchor test is one attempt at the text's end instead of a search
    # trying every start position (1-1.5 us a date instead of 4.5 us).
    return _DateLexicon(forms, rule_regex(anchor), rule_regex(f"(?r){anchor}"), months, ordinals, label_value,
                        relative, loose, _word_index(forms, loose, LOOSE_PREFIX_LENGTH),
                        _word_index(forms, loose, PREFIX_LENGTH), _forms_by_run(forms))


def _word_index(forms: tuple[_FastForm, ...], loose: list["regex.Pattern[str]"], loose_length: int) -> PrefixIndex:
    """One index of the words the fast forms (members 0, 1...) and the loose forms (members len(forms)...)
    can begin with: the literal prefixes of each, the loose ones up to `loose_length` characters. The fast
    forms' prefixes of digits are left out: the digit runs in a window stand for them (as prefixes, every
    digit of every number near a year would be a candidate)."""
    fast = PrefixIndex.of([form.pattern.pattern for form in forms])
    led_by_digits = {i for prefix, found in fast.members.items() if prefix[0] in DIGITS for i in found}
    declared = {i for i, form in enumerate(forms) if form.digit_run}
    if led_by_digits != declared:   # a rule word that begins with a digit would need a run length here
        raise ValueError(f"date forms that can begin with digits: {sorted(led_by_digits)}, "
                         f"declared {sorted(declared)}")
    slow = PrefixIndex.of([pattern.pattern for pattern in loose], loose_length)
    if not all(prefix.isascii() for prefix in slow.members):   # long prefixes hold for ASCII only: see
        slow = PrefixIndex.of([pattern.pattern for pattern in loose])   # _word_candidates
    shift = len(forms)
    members: dict[str, set[int]] = {}
    for prefix, found in fast.members.items():
        if prefix[0] not in DIGITS:
            members.setdefault(prefix, set()).update(found)
    for prefix, found in slow.members.items():
        members.setdefault(prefix, set()).update(shift + i for i in found)
    everywhere = fast.everywhere + tuple(shift + i for i in slow.everywhere)
    return _without_longer(PrefixIndex({prefix: tuple(sorted(found)) for prefix, found in members.items()},
                                       everywhere))


def _without_longer(index: PrefixIndex) -> PrefixIndex:
    """The same index without the prefixes that a shorter one stands for ("tahun" and "ta" begin the same
    forms): where a longer prefix occurs its shorter one does too, with the same word rule (both begin with
    the same character), so the candidates are the same, but each occurrence is one hit to handle, not two
    or three to merge."""
    members = index.members
    return PrefixIndex({prefix: found for prefix, found in members.items()
                        if not any(set(members.get(prefix[:k], ())) >= set(found) for k in range(1, len(prefix)))},
                       index.everywhere)


def _forms_by_run(forms: tuple[_FastForm, ...]) -> dict[int, tuple[int, ...]]:
    lengths = {n for form in forms for n in form.digit_run}
    return {n: tuple(i for i, form in enumerate(forms) if n in form.digit_run) for n in lengths}



def _valid_day(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
        return True
    except ValueError:
        return False


def _period_value(text: str, lex: _DateLexicon) -> int:
    return int(next(value for pattern, value in lex.label_value if pattern.fullmatch(text)))


# What date a fast form's match says, from its groups (m.groups(), by slot); None when it says none: a year
# out of range, a day that does not exist ("31/2/2024"), a quarter past the year's end, a range that runs
# backwards. Every reader checks the year first. One reader per form: the commonest forms do least work.
_IsoReader = Callable[[Groups, dict[str, int], "_DateLexicon"], "str | None"]


def _in_range(year: int) -> bool:
    return YEAR_MIN <= year <= YEAR_MAX


def _iso_numeric(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    year_text = groups[slot["y"]]
    y = int(year_text) + (2000 if len(year_text) == 2 else 0)   # "14/7/25"
    if not _in_range(y):
        return None
    d, mo = int(groups[slot["d"]]), int(groups[slot["m"]])
    return f"{y:04d}-{mo:02d}-{d:02d}" if _valid_day(y, mo, d) else None


def _iso_day_month_year(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    y = int(groups[slot["y"]])
    if not _in_range(y):
        return None
    d, mo = int(groups[slot["d"]]), lex.months[groups[slot["mon"]].lower()]
    return f"{y:04d}-{mo:02d}-{d:02d}" if _valid_day(y, mo, d) else None


def _iso_quarter(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    y = int(groups[slot["y"]])
    if not _in_range(y):
        return None
    months_per = _period_value(groups[slot["q"]], lex)
    last = lex.ordinals[groups[slot["n"]].lower()] * months_per
    return f"{y:04d}-{last:02d}" if 1 <= last <= 12 else None


def _iso_period_edge(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    y = int(groups[slot["y"]])
    return f"{y:04d}-{_period_value(groups[slot['edge']], lex):02d}" if _in_range(y) else None


def _iso_month_year(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    y = int(groups[slot["y"]])
    return f"{y:04d}-{lex.months[groups[slot['mon']].lower()]:02d}" if _in_range(y) else None


def _iso_year(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    year_text = groups[slot["y"]]   # four ASCII digits: the ISO year as written
    return year_text if _in_range(int(year_text)) else None


def _iso_year_range(groups: Groups, slot: dict[str, int], lex: _DateLexicon) -> str | None:
    year_text = groups[slot["y"]]   # "2020-2024" is dated by its last year
    y = int(year_text)
    return year_text if _in_range(y) and int(groups[slot["y0"]]) < y else None


_ISO_READERS: dict[str, _IsoReader] = {
    "numeric": _iso_numeric, "day_month_year": _iso_day_month_year, "quarter": _iso_quarter,
    "period_edge": _iso_period_edge, "month_year": _iso_month_year, "year_word": _iso_year,
    "year_range": _iso_year_range, "year": _iso_year,
}


def _kind(form: _FastForm, groups: Groups, start: int, text: str, lex: _DateLexicon) -> str:
    name = form.name
    if name in ("quarter", "period_edge", "year_word"):
        return "anchored"   # their own words tie them to a figure: no anchor word needed before them
    if lex.anchor_ending.match(text[max(0, start - 30):start]):
        return "anchored"
    if name == "numeric":
        return "dateline"  # "12/03/2024, 16:05 WIB": written in figures, a date is a publication stamp
    if name == "day_month_year" and (groups[form.slot["wd"]] or groups[form.slot["paren"]]):
        return "dateline"
    if name in ("year", "year_range"):
        return "bare"
    return "plain"


Candidates = list[tuple[int, tuple[int, ...]]]   # (offset, members), in text order, as PrefixIndex gives them


def _matches(patterns: "list[regex.Pattern[str]]", candidates: Candidates, text: str, start: int,
             end: int) -> "list[tuple[int, regex.Match[str]]]":
    """(member, match) for what `patterns[member].finditer(text, start, end)` finds, for every member, in
    text order, each pattern tried only at its candidates: literals.find_each, with the candidates found
    here (one prefix pass for all windows and the loose forms, digit runs). No regex timeout: each match is
    anchored at a candidate, bounded work (see literals.find_each)."""
    free = [start] * len(patterns)   # per pattern, where its last match ended: finditer does not overlap
    found = []
    for offset, members in candidates:
        for i in members:
            if offset < free[i]:
                continue
            m = patterns[i].match(text, offset, end)
            if m:
                found.append((i, m))
                match_end = m.end()
                free[i] = match_end if match_end > offset else offset + 1   # an empty match moves on by one
    return found


@functools.lru_cache(maxsize=None)
def _split(members: tuple[int, ...], forms: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Members of the shared word index (sorted) as (fast forms, loose forms by their own index)."""
    first_loose = bisect.bisect_left(members, forms)
    return members[:first_loose], tuple(i - forms for i in members[first_loose:])


# The characters on which lower-casing a text and the patterns' case-insensitive matching (simple case
# folding) disagree for an ASCII letter: "İ" (lower() makes two characters of it; the patterns match it as
# "i"), "ı" (matched as "I") and "ſ" (long s, matched as "s"). tests/test_dates.py checks every code point.
FOLDING_OUTLIERS = ("\u0130", "\u0131", "\u017f")


def _word_candidates(text: str, lex: _DateLexicon) -> tuple[Candidates, Candidates]:
    """Where the fast forms and the loose forms can begin at a word, each as its own candidates.

    The loose forms are looked for at long prefixes. Prefixes are looked for in the lower-cased text, and a
    pattern matches case-insensitively: where a loose form matches, the lower-cased text begins with its
    prefix of any length as long as lower() turns each character the pattern matched into the pattern's
    own (lower-cased) character. Then the candidates that long prefixes leave out are only places where
    the form cannot match, and the form finds what it finds at prefixes of six characters. That holds for
    ASCII prefixes in a text without FOLDING_OUTLIERS; in a text with one ("ſeptember": the pattern
    matches, the lower-cased text holds no "sep") the loose forms are looked for at prefixes of six
    characters, as literals.PrefixIndex reads them, so that every input finds what it found before."""
    index = lex.word_index_short if any(char in text for char in FOLDING_OUTLIERS) else lex.word_index
    fast, loose = [], []
    for offset, members in index.candidates(text):
        fast_members, loose_members = _split(members, len(lex.forms))
        if fast_members:
            fast.append((offset, fast_members))
        if loose_members:
            loose.append((offset, loose_members))
    return fast, loose


def _loose_mentions(text: str, candidates: Candidates, lex: _DateLexicon) -> list[DateMention]:
    """Relative dates ("tahun lalu"), months without a year ("per Agustus") and what dateparser reads.
    They need no digits, so they are looked for in the whole text, at the words they can begin with."""
    found = []
    month = len(lex.relative)   # the index of the month-without-year pattern in `loose`
    for i, m in _matches(lex.loose, candidates, text, 0, len(text)):
        if i < month:
            rule = lex.relative[i]
            unit = rule.label.removeprefix("relative_")
            found.append(DateMention(m.start(), m.end(), "", "anchored", rule.id, (unit, int(rule.value or 0))))
        elif i == month:
            found.append(DateMention(m.start("mon"), m.end("mon"), "", "anchored", "date.anchored_month",
                                     ("month_of_year", lex.months[m.group("mon").lower().rstrip(".")])))
        else:
            iso = parse_with_dateparser(m.group())
            if iso:
                found.append(DateMention(m.start(), m.end(), iso, "plain", "date.fallback.dateparser"))
    return found


# Every fast form ends in a year or a d/m/y group: the forms are tried only in windows around those
# "triggers", which spares a scan of the whole text per form. A trigger is a run of digits that begins
# with a year ("2024") or a day/month/short year ("14/7/25"). The pattern begins with a digit class and
# only then looks behind that first digit (no digit before it): a pattern that begins with a lookbehind is
# tried at every character, one that begins with a class lets the engine skip ahead to the next digit.
_TRIGGER = regex.compile(r"""
    [0-9](?<![0-9][0-9])                          # the first digit of a run
    (?: (?<=1)9[0-9]{2} | (?<=2)[01][0-9]{2}      # 19xx, 20xx, 21xx
      | [0-9]?[/-][0-9]{1,2}[/-][0-9]{2} )        # d/m/yy (the day's first digit is read)
    (?![0-9])""", regex.VERBOSE)
WINDOW_BEFORE, WINDOW_AFTER = 60, 20   # the longest form before its year: "Selasa, (14 Desember 2023"
_DIGIT_RUN = regex.compile(r"[0-9]+")   # greedy, not possessive: "++" stops the engine skipping ahead


def _windows(text: str) -> list[tuple[int, int]]:
    # overlapped: a trigger may begin inside the one before ("1/1/20/1/20"), and each widens the windows.
    # No regex timeout (it costs more than this scan): the pattern reads at most 8 characters from a digit.
    triggers = [m.span() for m in _TRIGGER.finditer(text, overlapped=True)]
    return windows(triggers, text, WINDOW_BEFORE, WINDOW_AFTER)


def _at_digits(text: str, start: int, end: int, lex: _DateLexicon) -> Candidates:
    """(offset, forms) for the runs of digits in text[start:end] as long as some form's day or year, where
    a word begins (the rule of literals.PrefixIndex: not after a letter or digit)."""
    found = []
    for m in _DIGIT_RUN.finditer(text, start, end):
        offset = m.start()
        members = lex.forms_by_run.get(m.end() - offset)
        if members and not (offset and (text[offset - 1].isalpha() or text[offset - 1].isdecimal())):
            found.append((offset, members))
    return found


# A fast form's match with a valid date, before overlaps are dropped: (start, end, iso, form, groups). Its
# kind (the costliest part of a mention) is worked out only if it is kept. A tuple: 17 are made an article.
_FastMatch = tuple[int, int, str, _FastForm, Groups]


def _fast_matches(text: str, at_words: Candidates, lex: _DateLexicon) -> list[_FastMatch]:
    """The fast forms' matches with a valid date, window by window, each form tried at the words and digit
    runs it can begin with."""
    found = []
    word_offsets = [offset for offset, _ in at_words]
    for start, end in _windows(text):
        in_window = bisect.bisect_left(word_offsets, start), bisect.bisect_left(word_offsets, end)
        candidates = at_words[in_window[0]:in_window[1]]
        at_digits = _at_digits(text, start, end, lex)
        if at_digits:   # no word prefix begins with a digit: no offset is in both lists
            candidates = sorted(candidates + at_digits)
        for i, m in _matches(lex.fast_patterns, candidates, text, start, end):
            form = lex.forms[i]
            groups = m.groups()
            iso = form.iso(groups, form.slot, lex)
            if iso:
                found.append((*m.span(), iso, form, groups))
    return found


def _mention(found: "_FastMatch | tuple[int, int, DateMention]", text: str, lex: _DateLexicon) -> DateMention:
    """The mention of something found and kept: a loose date is one already, (start, end, mention)."""
    if len(found) == 3:
        return found[2]
    start, end, iso, form, groups = found
    return DateMention(start, end, iso, _kind(form, groups, start, text, lex), form.rule)


_SPAN = itemgetter(0, 1)


def find_dates(text: str) -> list[DateMention]:
    """Every date in `text`, in order, not overlapping (the longest wins: "1 Maret 2023" over "Maret 2023"
    over "2023"). Relative dates have iso "" until resolved."""
    lex = lexicon()
    at_words, loose_at_words = _word_candidates(text, lex)
    found: list[tuple] = _fast_matches(text, at_words, lex)
    found += [(m.start, m.end, m) for m in _loose_mentions(text, loose_at_words, lex)]
    found.sort(key=_SPAN)
    return [_mention(item, text, lex) for item in longest_non_overlapping(found, _SPAN)]


def resolve(mention: DateMention, reference_iso: str) -> DateMention:
    """A relative date made absolute against the article's reference date (its dateline); unchanged
    when it is not relative, or empty when there is no reference precise enough."""
    if mention.relative is None:
        return mention
    unit, offset = mention.relative
    parts = reference_iso.split("-") if reference_iso else []
    if unit == "year" and parts:
        return replace(mention, iso=f"{int(parts[0]) + offset:04d}")
    if unit == "month_of_year" and len(parts) >= 2:
        year = int(parts[0]) - (offset > int(parts[1]))  # "per Desember" said in March is last December
        return replace(mention, iso=f"{year:04d}-{offset:02d}")
    if unit == "year_end" and parts:
        return replace(mention, iso=f"{int(parts[0]) + offset:04d}-12")
    if unit == "month" and len(parts) >= 2:
        months = int(parts[0]) * 12 + int(parts[1]) - 1 + offset
        return replace(mention, iso=f"{months // 12:04d}-{months % 12 + 1:02d}")
    if unit == "day" and len(parts) == 3:
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2])) + dt.timedelta(days=offset)
        return replace(mention, iso=day.isoformat())
    return replace(mention, iso="")


@functools.lru_cache(maxsize=1)
def _dateparser():
    import dateparser  # slow to import: only when a fallback rule fires

    return dateparser.DateDataParser(
        languages=["id", "en"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"]},
    )


def parse_with_dateparser(text: str) -> str | None:
    data = _dateparser().get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    d, period = data.date_obj, data.period
    if period == "year":
        return f"{d.year:04d}"
    if period == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.date().isoformat()


def parse_date(text: str, reference_iso: str = "") -> str | None:
    """The ISO date that the whole (stripped) `text` is, or None; used by the conformance corpus."""
    stripped = text.strip()
    found = find_dates(stripped)
    if len(found) == 1:
        mention = resolve(found[0], reference_iso)
        covers = found[0].end - found[0].start >= len(stripped) - _edge_slack(stripped, found[0])
        if covers and mention.iso:
            return mention.iso
    return None


def _edge_slack(text: str, mention: DateMention) -> int:
    # Anchor words before the date ("per", "sepanjang") are part of how it is written, not of the date;
    # any other text before it, and any text after it, is not.
    lead = text[: mention.start]
    return len(lead) if lexicon().anchor_before.match(lead) else 0
