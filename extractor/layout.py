"""Page layout of a scraped article: lines, their roles (title, lead, furniture, table rows) and sentences.

Patterns come from rules/layout.yaml. Offsets are offsets into the article text, so everything built
from a `Sentence` points back at the exact characters it came from.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import regex

from extractor.ruledata import Rule, load_rules, rule_regex

RULES_FILE = "layout.yaml"
MATCH_TIMEOUT_S = 5.0
TITLE_MIN_WORDS = 5          # shorter first lines are section names ("Ambon Hari Ini")
LEAD_MIN_WORDS = 12          # without a dateline, the lead is the first line this long
ROW_MAX_WORDS = 12           # "Jumlah Penduduk : 129.346 jiwa" is a table row
HEADING_MAX_WORDS = 6        # "Kabupaten Kayong Utara" heads the rows below it
RELATED_LINK_MAX_WORDS = 20  # the line after a bare "Baca juga" is a link title when this short


@dataclass(frozen=True)
class Line:
    index: int
    start: int          # offsets of the line's text without surrounding blanks
    end: int
    role: str           # title | lead | body | furniture | header | row | heading
    prefix_end: int     # end of a dateline prefix ("AMBON, TRIBUNAMBON.COM - "); == start if none
    words: int


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    line: int           # index into Layout.lines
    role: str


@dataclass(frozen=True)
class Layout:
    lines: list[Line]
    sentences: list[Sentence]
    title: int | None   # index of the title line
    lead: int | None    # index of the lead line


@dataclass(frozen=True)
class _LayoutRules:
    furniture: "regex.Pattern[str]"
    tail: "regex.Pattern[str]"
    related: "regex.Pattern[str]"
    dateline: list[tuple["regex.Pattern[str]", Rule]]   # dateline_prefix and dateline_place rules
    abbreviations: frozenset[str]
    clause_breaks: frozenset[str]
    appositions: frozenset[str]
    national_datelines: frozenset[str]
    cell_separators: tuple[str, ...]


def _line_start_pattern(rules: list[Rule]) -> "regex.Pattern[str]":
    alternation = "|".join(f"(?:{r.pattern})" for r in rules) or r"(?!)"
    return rule_regex(rf"^\s*(?:{alternation})(?!\p{{L}})")


@functools.lru_cache(maxsize=1)
def layout_rules() -> _LayoutRules:
    rules = load_rules(RULES_FILE)
    by = lambda label: [r for r in rules if r.label == label]  # noqa: E731
    words = lambda label: frozenset(w.lower() for r in by(label) for w in r.pattern.split("|"))  # noqa: E731
    return _LayoutRules(
        furniture=_line_start_pattern(by("furniture")),
        tail=_line_start_pattern(by("furniture_tail")),
        related=_line_start_pattern(by("related_marker")),
        dateline=[(regex.compile(rf"\s*(?:{r.pattern})", regex.V1), r)
                  for r in by("dateline_prefix") + by("dateline_place")],
        abbreviations=words("abbreviation"),
        clause_breaks=words("clause_break"),
        appositions=words("apposition"),
        national_datelines=words("national_dateline"),
        cell_separators=tuple(r.pattern for r in by("cell_separator")),
    )


_WORD = regex.compile(r"\w+", regex.V1)
# A sentence ends at . ! ? (and any closing quotes) before a blank and a capital or an opening quote.
# Possessive quantifiers and the lookbehind keep it linear on runs of dots ("......" x 20 000).
# It begins with the class, not the lookbehind, so the engine skips fast to the next . ! or ?.
_SENTENCE_END = regex.compile(r"[.!?](?<![.!?][.!?])[.!?]*+[\"”’')\]]*+(?=\s++[\"“‘(\[]?\p{Lu})", regex.V1)
_ROW = regex.compile(r"^[^:\n]{2,40}?\s*:\s*\S", regex.V1)


def _word_count(text: str) -> int:
    return len(_WORD.findall(text))


PlaceTest = Callable[[str], bool]


def _dateline_end(text: str, start: int, rules: _LayoutRules, is_place: PlaceTest | None) -> int:
    """End of the longest dateline prefix at `start` ("KONTAN.CO.ID - JAKARTA. " over "KONTAN.CO.ID - ")."""
    end = start
    for pattern, rule in rules.dateline:
        m = pattern.match(text, start)   # anchored at a line start: no timeout (see literals.find_each)
        if m and (rule.label != "dateline_place" or is_place is None or is_place(m.group("place"))):
            end = max(end, m.end())
    return end


def _raw_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed. Only '\\n' separates lines: the text given here is
    the matching view, where '\\r' is already a blank."""
    spans = []
    pos = 0
    for chunk in text.split("\n"):
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((pos + lead, pos + lead + len(stripped)))
        pos += len(chunk) + 1
    return spans


DatelineEnd = Callable[[int], int]


def _roles(text: str, spans: list[tuple[int, int]], rules: _LayoutRules, dateline_end: DatelineEnd,
           word_counts: list[int]) -> list[str]:
    roles: list[str] = []
    in_tail = False
    after_related = False
    for (start, end), words in zip(spans, word_counts):
        line = text[start:end]
        if in_tail or rules.tail.match(line):
            in_tail = True
            roles.append("furniture")
            continue
        related = rules.related.match(line)
        if related:
            # "Baca juga" alone on its line: the link title follows on the next line.
            after_related = _word_count(line[related.end():]) < 3
            roles.append("furniture")
            continue
        if after_related and words <= RELATED_LINK_MAX_WORDS and not line.rstrip().endswith("."):
            after_related = False
            roles.append("furniture")
            continue
        after_related = False
        if rules.furniture.match(line):
            roles.append("furniture")
        elif dateline_end(start) > start:
            roles.append("body")  # "KBRN, Jakarta: ..." opens a story; it is no table row
        elif line.endswith(":"):
            roles.append("header")
        elif words <= ROW_MAX_WORDS and _ROW.match(line):
            roles.append("row")
        elif words <= HEADING_MAX_WORDS and not any(c.isdigit() for c in line) and not line.endswith("."):
            roles.append("heading")
        else:
            roles.append("body")
    return roles


def _title_and_lead(text: str, spans, roles, dateline_end: DatelineEnd,
                    word_counts: list[int]) -> tuple[int | None, int | None]:
    # A headline has enough words and no closing period (photo captions end with one).
    candidates = [i for i, (s, e) in enumerate(spans)
                  if roles[i] != "furniture" and word_counts[i] >= TITLE_MIN_WORDS]
    title = next((i for i in candidates if not text[spans[i][1] - 1] == "."), next(iter(candidates), None))
    after = (title + 1) if title is not None else 0
    body = [i for i in range(after, len(spans)) if roles[i] == "body"]
    lead = next((i for i in body if dateline_end(spans[i][0]) > spans[i][0]), None)
    if lead is None and title is not None:
        headline = text[spans[title][0]:spans[title][1]]
        lead = next((i for i in body if word_counts[i] >= LEAD_MIN_WORDS
                     and text[spans[i][0]:spans[i][1]] != headline), None)
    if lead is None:
        lead = next(iter(body), None)  # a short story: its first paragraph leads
    return title, lead


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]; a dot after an abbreviation or an initial does not end one."""
    rules = layout_rules()
    spans = []
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end, timeout=MATCH_TIMEOUT_S):
        word = regex.search(r"(\w+)\W*$", text[max(cursor, m.start() - 20):m.start() + 1])
        before = word.group(1).lower() if word else ""
        if text[m.start()] == "." and (before in rules.abbreviations or len(before) == 1):
            continue
        spans.append((cursor, m.end()))
        cursor = m.end()
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        spans.append((cursor, end))
    return spans


def analyse(text: str, is_place: PlaceTest | None = None) -> Layout:
    """Lines with their roles, the title and the lead, and every sentence of `text` (the matching view).
    `is_place` tells whether a word is a place: a "Word - " dateline counts only then ("Jakarta - " does,
    a caption's "Arsip - " does not); without it every such prefix counts."""
    rules = layout_rules()
    spans = _raw_lines(text)
    # Where a line's dateline prefix ends (== its start if none): asked for roles, lead and prefix, and
    # only of lines that are not page furniture, so found on demand, once per line.
    dateline_end = functools.lru_cache(maxsize=None)(lambda start: _dateline_end(text, start, rules, is_place))
    word_counts = [_word_count(text[start:end]) for start, end in spans]
    roles = _roles(text, spans, rules, dateline_end, word_counts)
    title, lead = _title_and_lead(text, spans, roles, dateline_end, word_counts)
    lines: list[Line] = []
    sentences: list[Sentence] = []
    for i, (start, end) in enumerate(spans):
        role = "title" if i == title else "lead" if i == lead else roles[i]
        prefix_end = dateline_end(start) if role in ("lead", "body") else start
        lines.append(Line(i, start, end, role, prefix_end, word_counts[i]))
        for s, e in split_sentences(text, start, end):
            sentences.append(Sentence(s, e, i, role))
    return Layout(lines, sentences, title, lead)
