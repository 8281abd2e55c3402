"""The spaCy pipeline, built in one place: `spacy.blank("id")` plus components that mark numbers, dates,
regions and cue phrases as spans in `doc.spans`.

Each component is a thin adapter over the module that owns its concern (numbers.py, dates.py, regions.py,
cues.py): it turns that module's mentions into spans, keeps the exact mention (with its character offsets,
which spaCy's token-aligned spans cannot always hold) in the `mention` extension, and puts the id of the
rule that fired in `span.id_`, from where it travels into the facts table's `rule` column.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from typing import Any, Callable

import spacy
from spacy.attrs import IDX, IS_PUNCT, LENGTH, LOWER, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.cues import find_cues
from extractor.dates import find_dates
from extractor.layout import layout_rules
from extractor.numbers import find_numbers
from extractor.regions import Gazetteer

SPAN_KEYS = ("numbers", "dates", "regions", "cues")

MENTIONS = "jkn_mentions"


def mention_of(span: Span) -> Any:
    """The mention a span marks (also `span._.mention`). Span extensions set by value are keyed by
    character offsets only, so a number and a cue over the same characters would share one; each span
    instead carries a unique kb_id that indexes its mention (by the id's hash: reading the string back
    from the StringStore on every access was a hot spot). The claims engine calls this directly: the
    extension machinery costs twenty times the lookup, and it asks some 150 times per article."""
    return span.doc.user_data.get(MENTIONS, {}).get(span.kb_id)


if not Span.has_extension("mention"):
    Span.set_extension("mention", getter=mention_of)


TOKEN_TABLE = "jkn_token_table"
MARKS = "jkn_marks"
# Lexeme flags the pipeline adds to the vocab (build_nlp), at bits spaCy's own attributes leave free: a
# token that opens a clause (a run of CLAUSE_MARKS that is punctuation, or a clause-break word of
# rules/layout.yaml) and one that opens it as an apposition ("98 persen atau 270 juta jiwa"). A flag is
# computed once per word the vocab ever sees, and read for a whole doc in one array.
OPENS_CLAUSE, OPENS_APPOSITION = 60, 61
CLAUSE_MARKS = ",;–—\"“”"   # punctuation that opens a clause; brackets do not ("(JKN)" is an apposition)
# What the components and the claims engine read of every token, as columns of one array.
TOKEN_ATTRS = (IDX, LENGTH, SPACY, OPENS_CLAUSE, OPENS_APPOSITION)


@dataclass(frozen=True)
class TokenTable:
    starts: list[int]       # character offset of each token
    lengths: list[int]
    size: int               # characters in the doc's text
    opens_clause: list[int]        # 1 where a token opens a clause (OPENS_CLAUSE), else 0
    opens_apposition: list[int]    # 1 where it opens one as an apposition (OPENS_APPOSITION)

    def expand(self, start: int, end: int) -> tuple[int, int] | None:
        """Token range (start, end) of the characters [start, end) as `doc.char_span(start, end,
        alignment_mode="expand")` gives it: every token the characters touch, except that a start on the
        blank right after a token begins at the next one; None where char_span gives None or an empty
        span. Tokens and their trailing blanks tile the text, so the token holding a character is found
        by bisection."""
        starts, lengths = self.starts, self.lengths
        if not (0 <= start < self.size and 0 < end <= self.size):
            return None
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, end - 1) - 1
        if start == starts[first] + lengths[first]:
            first += 1
        return (first, last + 1) if first <= last else None

    def tokens_in(self, start: int, end: int) -> tuple[int, int]:
        """The token range of the characters [start, end), which begin and end at token boundaries."""
        return bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)


def token_table(doc: Doc) -> TokenTable:
    """The doc's tokens as one array, read once per doc (and kept in user_data for the other components
    and the claims engine): a Token object costs more than what is read of it, and `doc.char_span` makes
    five a call."""
    table = doc.user_data.get(TOKEN_TABLE)
    if table is None:
        columns = doc.to_array(list(TOKEN_ATTRS)).T.tolist() if len(doc) else [[] for _ in TOKEN_ATTRS]
        starts, lengths, blanks, opens_clause, opens_apposition = columns
        size = starts[-1] + lengths[-1] + blanks[-1] if starts else 0   # the last token and its blank
        table = doc.user_data[TOKEN_TABLE] = TokenTable(starts, lengths, size, opens_clause, opens_apposition)
    return table


def _add_clause_flags(vocab) -> None:
    """Register OPENS_CLAUSE and OPENS_APPOSITION, computed from a word's text with the vocab's own
    getters, so they say what `token.is_punct` and `token.lower_` would."""
    rules = layout_rules()
    is_punct, lower = vocab.lex_attr_getters[IS_PUNCT], vocab.lex_attr_getters[LOWER]

    def opens_clause(text: str) -> bool:
        return bool(is_punct(text)) and text in CLAUSE_MARKS or lower(text) in rules.clause_breaks

    vocab.add_flag(opens_clause, flag_id=OPENS_CLAUSE)
    vocab.add_flag(lambda text: opens_clause(text) and lower(text) in rules.appositions, flag_id=OPENS_APPOSITION)


def expand_to_tokens(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """`doc.char_span(start, end, alignment_mode="expand")` as a token range (see TokenTable.expand)."""
    return token_table(doc).expand(start, end)


@dataclass(slots=True)
class Marked:
    """A span as the claims engine reads it: what doc.spans holds (token range, characters, label, rule id)
    and the mention it marks. Each component keeps these beside its span group (doc.user_data[MARKS],
    same order), made with the spans: reading a Span back makes a Span object and a StringStore lookup
    per attribute, and the claims rules read these hundreds of times per article."""

    start: int          # token offsets, as Span.start and Span.end
    end: int
    start_char: int
    end_char: int
    label_: str
    id_: str            # the rule that fired (Span.id_)
    mention: Any        # NumberMention | DateMention | RegionMention | CueMention


def marks_of(doc: Doc, key: str) -> list[list[Marked]]:
    """The marks of one span group, in the group's order, a list per part of the doc (see Part)."""
    return doc.user_data[MARKS][key]


class _StringIds(dict):
    """Hash of a string in the docs' StringStore (ids[text]), added once: a Span given a string adds it
    every time. A dict, so a known string costs one lookup."""

    def __init__(self) -> None:
        super().__init__()
        self.strings = None

    def bind(self, strings) -> "_StringIds":
        if strings is not self.strings:   # a doc of another vocab: its store has none of them yet
            self.clear()
            self.strings = strings
        return self

    def __missing__(self, text: str) -> int:
        found = self[text] = self.strings.add(text)
        return found


PARTS = "jkn_parts"


@dataclass(frozen=True)
class Part:
    """A stretch of a doc's text whose mentions were found beforehand, with offsets relative to it. The
    claims engine scans an article once and makes one doc of its candidate sentences, joined by line
    breaks (spaCy's tokenizer splits at a line break, so each sentence gets the tokens it would get on its
    own; tests compare), a part per sentence: one doc per article costs much less than one per sentence.
    A doc with no parts (doc.user_data[PARTS]) is one part that the components scan themselves."""

    start: int                   # character offset of the part in the doc's text
    end: int
    mentions: dict[str, list]    # by span key: the part's mentions, offsets relative to `start`


def parts_of(doc: Doc) -> list[Part]:
    return doc.user_data.get(PARTS) or []


def _mark(doc: Doc, key: str, parts: list[Part], label_of: Callable[[Any], str],
          rule_of: Callable[[Any], str], ids: _StringIds) -> Doc:
    """Spans for the mentions of every part, in doc.spans[key], and beside them the marks, a list per part
    with token and character offsets relative to the part (what the claims engine reads of a sentence)."""
    table, ids = token_table(doc), ids.bind(doc.vocab.strings)
    starts, lengths = table.starts, table.lengths
    store = doc.user_data.setdefault(MENTIONS, {})
    spans, marks_by_part, count = [], [], 0
    for part in parts:
        base, marks = part.start, []
        first_token = bisect.bisect_left(starts, base)
        for mention in part.mentions[key]:
            tokens = table.expand(base + mention.start, base + mention.end)
            if tokens is None:
                continue
            first, end = tokens
            label, rule, kb_id = label_of(mention), rule_of(mention), ids[f"{key}:{count}"]
            count += 1
            spans.append(Span(doc, first, end, label=ids[label], kb_id=kb_id, span_id=ids[rule]))
            store[kb_id] = mention
            marks.append(Marked(first - first_token, end - first_token, starts[first] - base,
                                starts[end - 1] + lengths[end - 1] - base, label, rule, mention))
        marks_by_part.append(marks)
    doc.spans[key] = spans
    doc.user_data.setdefault(MARKS, {})[key] = marks_by_part
    return doc


class _Marker:
    """Marks one kind of mention in a doc; `find` is the owning module's finder. When the doc arrives with
    its mentions already found (its parts, see Part), they are used instead of scanning again."""

    def __init__(self, key: str, find: Callable[[str], list[Any]], label_of, rule_of):
        self.key, self.find, self.label_of, self.rule_of = key, find, label_of, rule_of
        self.ids = _StringIds()

    def __call__(self, doc: Doc) -> Doc:
        parts = parts_of(doc) or [Part(0, len(doc.text), {self.key: self.find(doc.text)})]
        return _mark(doc, self.key, parts, self.label_of, self.rule_of, self.ids)


@Language.factory("jkn_numbers", default_config={"spans_key": "numbers"})
def make_numbers(nlp: Language, name: str, spans_key: str) -> _Marker:
    return _Marker(spans_key, find_numbers, lambda m: m.kind, lambda m: m.rule)


@Language.factory("jkn_dates", default_config={"spans_key": "dates"})
def make_dates(nlp: Language, name: str, spans_key: str) -> _Marker:
    return _Marker(spans_key, find_dates, lambda m: m.kind, lambda m: m.rule)


@Language.factory("jkn_regions", default_config={"spans_key": "regions"})
def make_regions(nlp: Language, name: str, spans_key: str) -> _Marker:
    gazetteer = Gazetteer.load()
    return _Marker(spans_key, gazetteer.find, lambda m: m.region.level, lambda m: m.rule)


@Language.factory("jkn_cues", default_config={"spans_key": "cues"})
def make_cues(nlp: Language, name: str, spans_key: str) -> _Marker:
    return _Marker(spans_key, find_cues, lambda m: m.label, lambda m: m.rule)


@functools.lru_cache(maxsize=1)
def build_nlp() -> Language:
    """The pipeline. spacy.blank("id") takes over a second to build: build it once per process."""
    nlp = spacy.blank("id")
    _add_clause_flags(nlp.vocab)
    for component in ("jkn_numbers", "jkn_dates", "jkn_regions", "jkn_cues"):
        nlp.add_pipe(component)
    return nlp
