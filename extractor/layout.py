"""Page layout of a scraped article: lines, their roles (title, lead, furniture, table rows) and sentences.

Patterns come from rules/layout.yaml. Offsets are offsets into the article text, so everything built
from a `Sentence` points back at the exact characters it came from.

Speed: a `regex` call costs ~3 000 instructions before it looks at the text and its scans some 100 to
400 a character, so each line gets one `regex` match for the line-start rules and, unless it is page
furniture, one for the datelines. What can be found for all lines at once is: the lines (an `re` scan),
their word counts (a byte translation of the text) and the places where a sentence may end inside a
line (literal `re` scans), the only places where _SENTENCE_END is then tried.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterable

import regex

from extractor.ruledata import Rule, load_rules, rule_regex

RULES_FILE = "layout.yaml"
MATCH_TIMEOUT_S = 5.0
TITLE_MIN_WORDS = 5          # shorter first lines are section names ("Ambon Hari Ini")
LEAD_MIN_WORDS = 12          # without a dateline, the lead is the first line this long
ROW_MAX_WORDS = 12           # "Jumlah Penduduk : 129.346 jiwa" is a table row
HEADING_MAX_WORDS = 6        # "Kabupaten Kayong Utara" heads the rows below it
RELATED_LINK_MAX_WORDS = 20  # the line after a bare "Baca juga" is a link title when this short


# A per-article record: made by the thousand in the hot loop, so a slots dataclass and not a frozen one (a
# frozen dataclass's __init__ sets each field through object.__setattr__: three times the cost). Treat it as a value.
@dataclass(slots=True)
class Line:
    index: int
    start: int          # offsets of the line's text without surrounding blanks
    end: int
    role: str           # title | lead | body | furniture | header | row | heading
    prefix_end: int     # end of a dateline prefix ("AMBON, TRIBUNAMBON.COM - "); == start if none
    words: int


@dataclass(slots=True)
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


# The labels of the rules matched at a line's start, in the order the roles try them.
_LINE_START_LABELS = ("furniture_tail", "related_marker", "furniture")


@dataclass(frozen=True)
class _LayoutRules:
    line_start: "regex.Pattern[str]"                     # the _LINE_START_LABELS rules, a group per label
    dateline: list[tuple["regex.Pattern[str]", Rule]]   # dateline_prefix and dateline_place rules
    any_dateline: "regex.Pattern[str]"                   # matches where one of `dateline` matches
    abbreviations: frozenset[str]
    clause_breaks: frozenset[str]
    appositions: frozenset[str]
    national_datelines: frozenset[str]
    cell_separators: tuple[str, ...]


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns) or r"(?!)"


def _line_start_pattern(rules: list[Rule]) -> "regex.Pattern[str]":
    """The line-start rules in one pattern, each label's in a group named after it: one match a line
    instead of one a label. On a trimmed line `\\s*` matches nothing, so the groups are tried in the order
    of _LINE_START_LABELS at the line's first character: the group that matches is the first label whose
    own pattern (`^\\s*(?:its rules)(?!\\p{L})`) would match, and the match ends where that one would."""
    groups = "|".join(f"(?P<{label}>{_alternation([r.pattern for r in rules if r.label == label])})"
                      for label in _LINE_START_LABELS)
    return rule_regex(rf"^\s*(?:{groups})(?!\p{{L}})")


def _dateline_pattern(pattern: str) -> "regex.Pattern[str]":
    """A dateline rule's pattern, matched at line starts. Written as an alternation with a branch that
    never matches: for a pattern that requires some character ('(' ',' '|'), the regex module first looks
    for it in all the rest of the text, ~0.2 ms a match in a 1 MB text, which made texts of many short
    lines quadratic; for an alternation it does not."""
    return regex.compile(rf"\s*(?:{_alternation([pattern, '(?!)'])})", regex.V1)


@functools.lru_cache(maxsize=1)
def layout_rules() -> _LayoutRules:
    rules = load_rules(RULES_FILE)
    by = lambda label: [r for r in rules if r.label == label]  # noqa: E731
    words = lambda label: frozenset(w.lower() for r in by(label) for w in r.pattern.split("|"))  # noqa: E731
    datelines = by("dateline_prefix") + by("dateline_place")
    return _LayoutRules(
        line_start=_line_start_pattern([r for r in rules if r.label in _LINE_START_LABELS]),
        dateline=[(_dateline_pattern(r.pattern), r) for r in datelines],
        any_dateline=regex.compile(rf"\s*(?:{_alternation([r.pattern for r in datelines])})", regex.V1),
        abbreviations=words("abbreviation"),
        clause_breaks=words("clause_break"),
        appositions=words("apposition"),
        national_datelines=words("national_dateline"),
        cell_separators=tuple(r.pattern for r in by("cell_separator")),
    )


# ---- lines and their words

# A line's text without the blanks around it: `re`'s \s is Python's isspace(), what str.strip() strips.
_LINE_TEXT = re.compile(r"\S(?:[^\n]*\S)?")

_WORD = regex.compile(r"\w+", regex.V1)
# For bytes.translate on UTF-8: ASCII \w ([0-9A-Za-z_]) to "w", any other byte to a blank; the bytes
# that are ASCII; the bytes that continue a character (each character keeps one byte once they are gone).
_WORD_MARKS = bytes(ord("w") if c < 0x80 and _WORD.match(chr(c)) else ord(" ") for c in range(256))
_WORD_MARK = ord("w")
_ASCII = bytes(range(0x80))
_CONTINUATION = bytes(range(0x80, 0xC0))


def _raw_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed. Only '\\n' separates lines: the text given here is
    the matching view, where '\\r' is already a blank."""
    return list(map(re.Match.span, _LINE_TEXT.finditer(text)))


def _word_marks(text: str) -> bytes | None:
    r"""`text` as bytes of the same length, "w" for a \w character and a blank for any other; None when a
    character outside ASCII is \w (only the regex module tells where its words are). In a news article
    they are mostly quotes and dashes, no \w. A translation costs a few instructions a character, the
    regex module's \w scan some 400."""
    if text.isascii():
        return text.encode("ascii").translate(_WORD_MARKS)
    utf8 = text.encode("utf-8", "surrogatepass")   # lone surrogates pass, as 3 bytes
    # The characters outside ASCII: the UTF-8 without its ASCII bytes is theirs, whole.
    if _WORD.search(utf8.translate(None, _ASCII).decode("utf-8", "surrogatepass")):
        return None
    return utf8.translate(_WORD_MARKS, _CONTINUATION)


def _marked_words(marks: bytes, start: int, end: int) -> int:
    """Words in marks[start:end] (see _word_marks): a word begins there or right after a blank."""
    return marks.count(b" w", start, end) + marks.startswith(b"w", start, end)


def _word_count(text: str) -> int:
    """len(_WORD.findall(text))."""
    marks = _word_marks(text)
    return len(_WORD.findall(text)) if marks is None else _marked_words(marks, 0, len(marks))


def _word_counts(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """_word_count of every line, from one translation of the whole text when it has no word character
    outside ASCII (else line by line: most lines still have none)."""
    marks = _word_marks(text)
    if marks is None:
        return [_word_count(text[start:end]) for start, end in spans]
    count = marks.count
    # A line begins with no blank: a word begins it or follows a blank in it.
    return [count(b" w", start, end) + (marks[start] == _WORD_MARK) for start, end in spans]


# ---- datelines, roles, title and lead

PlaceTest = Callable[[str], bool]


def _dateline_end(text: str, start: int, rules: _LayoutRules, is_place: PlaceTest | None) -> int:
    """End of the longest dateline prefix at `start` ("KONTAN.CO.ID - JAKARTA. " over "KONTAN.CO.ID - ")."""
    end = start
    # Most lines have no dateline: one match of the rules' alternation rules them all out.
    if not rules.any_dateline.match(text, start):
        return end
    for pattern, rule in rules.dateline:
        m = pattern.match(text, start)   # anchored at a line start: no timeout (see literals.find_each)
        if m and (rule.label != "dateline_place" or is_place is None or is_place(m.group("place"))):
            end = max(end, m.end())
    return end


# "Jumlah Penduduk : 129.346 jiwa": a short label, a colon, a value.
_ROW = regex.compile(r"^[^:\n]{2,40}?\s*:\s*\S", regex.V1)


def _roles(text: str, spans: list[tuple[int, int]], rules: _LayoutRules, is_place: PlaceTest | None,
           word_counts: list[int]) -> tuple[list[str], list[int]]:
    """The role of every line, and where its dateline prefix ends (its start if none). Datelines are
    looked for on the lines that are not page furniture, every "body" line among them."""
    roles: list[str] = []
    dateline_ends: list[int] = []
    in_tail = False
    after_related = False
    for (start, end), words in zip(spans, word_counts):
        dateline_ends.append(start)
        if in_tail:
            roles.append("furniture")
            continue
        line = text[start:end]
        line_start = rules.line_start.match(line)
        # The label group closes after any group inside a rule, so it is the match's last group.
        label = line_start.lastgroup if line_start else None
        if label == "furniture_tail":
            in_tail = True
            roles.append("furniture")
            continue
        if label == "related_marker":
            # "Baca juga" alone on its line: the link title follows on the next line.
            after_related = _word_count(line[line_start.end():]) < 3
            roles.append("furniture")
            continue
        if after_related and words <= RELATED_LINK_MAX_WORDS and not line.rstrip().endswith("."):
            after_related = False
            roles.append("furniture")
            continue
        after_related = False
        if label == "furniture":
            roles.append("furniture")
            continue
        dateline_ends[-1] = _dateline_end(text, start, rules, is_place)
        if dateline_ends[-1] > start:
            roles.append("body")  # "KBRN, Jakarta: ..." opens a story; it is no table row
        elif line.endswith(":"):
            roles.append("header")
        elif words <= ROW_MAX_WORDS and _ROW.match(line):
            roles.append("row")
        elif words <= HEADING_MAX_WORDS and not any(c.isdigit() for c in line) and not line.endswith("."):
            roles.append("heading")
        else:
            roles.append("body")
    return roles, dateline_ends


def _title_and_lead(text: str, spans, roles, dateline_ends: list[int],
                    word_counts: list[int]) -> tuple[int | None, int | None]:
    # A headline has enough words and no closing period (photo captions end with one).
    candidates = [i for i, (s, e) in enumerate(spans)
                  if roles[i] != "furniture" and word_counts[i] >= TITLE_MIN_WORDS]
    title = next((i for i in candidates if not text[spans[i][1] - 1] == "."), next(iter(candidates), None))
    after = (title + 1) if title is not None else 0
    body = [i for i in range(after, len(spans)) if roles[i] == "body"]
    lead = next((i for i in body if dateline_ends[i] > spans[i][0]), None)
    if lead is None and title is not None:
        headline = text[spans[title][0]:spans[title][1]]
        lead = next((i for i in body if word_counts[i] >= LEAD_MIN_WORDS
                     and text[spans[i][0]:spans[i][1]] != headline), None)
    if lead is None:
        lead = next(iter(body), None)  # a short story: its first paragraph leads
    return title, lead


# ---- sentences

_SENTENCE_MARKS = ".!?"
# A sentence ends at . ! ? (and any closing quotes) before a blank and a capital or an opening quote.
# Possessive quantifiers and the lookbehind keep it linear on runs of dots ("......" x 20 000).
# It begins with the class, not the lookbehind, so the engine skips fast to the next . ! or ?.
_SENTENCE_END = regex.compile(r"[.!?](?<![.!?][.!?])[.!?]*+[\"”’')\]]*+(?=\s++[\"“‘(\[]?\p{Lu})", regex.V1)
# The words before a sentence mark, the last of which may be an abbreviation or an initial (version 0
# syntax, as the search for it always was).
_WORD_BEFORE_MARK = regex.compile(r"\w+")
# A mark followed by closing quotes (_SENTENCE_END's) and a blank that is no line break. Inside a line,
# the last mark of every _SENTENCE_END match is such a mark (`re`'s \s, Python's isspace(), takes in
# every `regex` \s, and no line holds a '\n'). One pattern a mark: `re` finds a literal ~10x faster
# than a class.
_MARK_BEFORE_BLANK = tuple(re.compile(re.escape(mark) + r"[\"”’')\]]*[^\S\n]")
                           for mark in _SENTENCE_MARKS)


def _sentence_spans(text: str, start: int, end: int, sentence_ends: Iterable[regex.Match[str]]
                    ) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end], given the _SENTENCE_END matches in it, in order."""
    rules = layout_rules()
    spans = []
    cursor = start
    for m in sentence_ends:
        # The last word before the mark (the word the mark follows, or the last one cut by the window).
        words = _WORD_BEFORE_MARK.findall(text[max(cursor, m.start() - 20):m.start() + 1])
        before = words[-1].lower() if words else ""
        if text[m.start()] == "." and (before in rules.abbreviations or len(before) == 1):
            continue
        spans.append((cursor, m.end()))
        cursor = m.end()
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        spans.append((cursor, end))
    return spans


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]; a dot after an abbreviation or an initial does not end one."""
    sentence_ends = _SENTENCE_END.finditer(text, start, end, timeout=MATCH_TIMEOUT_S)
    return _sentence_spans(text, start, end, sentence_ends)


def _sentence_end_runs(text: str, spans: list[tuple[int, int]]) -> dict[int, list[int]]:
    """For each line in which a sentence may end before the line does, where the runs of marks that may
    end one begin, in order. Every other line is one sentence."""
    line_ends = [end for _, end in spans]
    runs: dict[int, list[int]] = {}
    for mark, pattern in zip(_SENTENCE_MARKS, _MARK_BEFORE_BLANK):
        if mark not in text:   # "!" and "?" are rare: a str search is ~20x quicker than a re scan
            continue
        for m in pattern.finditer(text):
            line = bisect.bisect_right(line_ends, m.start())   # marks are no blanks: inside a line
            if m.end() <= line_ends[line]:
                run = m.start()
                while run > spans[line][0] and text[run - 1] in _SENTENCE_MARKS:
                    run -= 1
                runs.setdefault(line, []).append(run)
    for starts in runs.values():
        starts.sort()
    return runs


def _line_sentences(text: str, start: int, end: int, runs: list[int]) -> list[tuple[int, int]]:
    """split_sentences of a line, with _SENTENCE_END matched at the `runs` of marks that may end a
    sentence (_sentence_end_runs) instead of scanned for. A match begins at the first mark of a run (its
    lookbehind) and matched there, the lookbehind sees the character before the run, which is no mark,
    whether or not the engine looks before `pos`. Anchored matches: no timeout."""
    ends = (m for run in runs if (m := _SENTENCE_END.match(text, run, end)))
    return _sentence_spans(text, start, end, ends)


# ---- the layout

def analyse(text: str, is_place: PlaceTest | None = None) -> Layout:
    """Lines with their roles, the title and the lead, and every sentence of `text` (the matching view).
    `is_place` tells whether a word is a place: a "Word - " dateline counts only then ("Jakarta - " does,
    a caption's "Arsip - " does not); without it every such prefix counts."""
    spans = _raw_lines(text)
    word_counts = _word_counts(text, spans)
    roles, dateline_ends = _roles(text, spans, layout_rules(), is_place, word_counts)
    title, lead = _title_and_lead(text, spans, roles, dateline_ends, word_counts)
    sentence_end_runs = _sentence_end_runs(text, spans)
    lines: list[Line] = []
    sentences: list[Sentence] = []
    for i, (start, end) in enumerate(spans):
        role = "title" if i == title else "lead" if i == lead else roles[i]
        prefix_end = dateline_ends[i] if role in ("lead", "body") else start
        lines.append(Line(i, start, end, role, prefix_end, word_counts[i]))
        if i in sentence_end_runs:
            sentences.extend(Sentence(s, e, i, role)
                             for s, e in _line_sentences(text, start, end, sentence_end_runs[i]))
        else:
            sentences.append(Sentence(start, end, i, role))
    return Layout(lines, sentences, title, lead)
