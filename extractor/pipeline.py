"""The spaCy pipeline, built in one place: `spacy.blank("id")` plus components that mark numbers, dates,
regions and cue phrases as spans in `doc.spans`.

Each component is a thin adapter over the module that owns its concern (numbers.py, dates.py, regions.py,
cues.py): it turns that module's mentions into spans, keeps the exact mention (with its character offsets,
which spaCy's token-aligned spans cannot always hold) in the `mention` extension, and puts the id of the
rule that fired in `span.id_`, from where it travels into the facts table's `rule` column.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.cues import find_cues
from extractor.dates import find_dates
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


def _mark(doc: Doc, key: str, mentions: list[Any], label_of: Callable[[Any], str],
          rule_of: Callable[[Any], str]) -> Doc:
    store = doc.user_data.setdefault(MENTIONS, {})
    spans = []
    for i, mention in enumerate(mentions):
        kb_id = f"{key}:{i}"
        span = doc.char_span(mention.start, mention.end, label=label_of(mention), kb_id=kb_id,
                             alignment_mode="expand", span_id=rule_of(mention))
        if span is None or len(span) == 0:
            continue
        store[span.kb_id] = mention
        spans.append(span)
    doc.spans[key] = spans
    return doc


PRECOMPUTED = "jkn_precomputed"


class _Marker:
    """Marks one kind of mention in a doc; `find` is the owning module's finder. When the doc arrives with
    its mentions already found (doc.user_data[PRECOMPUTED][key], offsets relative to the doc: the article
    is scanned once and its sentences are made into docs), they are used instead of scanning again."""

    def __init__(self, key: str, find: Callable[[str], list[Any]], label_of, rule_of):
        self.key, self.find, self.label_of, self.rule_of = key, find, label_of, rule_of

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc.user_data.get(PRECOMPUTED, {}).get(self.key)
        if mentions is None:
            mentions = self.find(doc.text)
        return _mark(doc, self.key, mentions, self.label_of, self.rule_of)


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
    for component in ("jkn_numbers", "jkn_dates", "jkn_regions", "jkn_cues"):
        nlp.add_pipe(component)
    return nlp
