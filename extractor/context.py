"""What governs a sentence that does not say it itself: the date and region a figure inherits.

A figure with no date or region of its own takes, in order: what earlier sentences of its paragraph said;
the table it sits in (a header line ending in ':' gives a date, a short heading line a region); the
article's governing date (the first anchored date in headline, standfirst or lead, target years excluded,
else the dateline "Senin (14/7/2025)") and region (headline, then lead outside its dateline prefix, then
the dateline's place for a local story, else the country). The README states these choices; the claims
corpus tests them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from extractor.cues import find_cues
from extractor.dates import DateMention, find_dates, resolve
from extractor.layout import Layout, Line, Sentence, layout_rules
from extractor.numbers import find_numbers
from extractor.regions import Gazetteer, Region, RegionMention

COUNTRY = "Indonesia"


@dataclass
class Context:
    """The date and region that govern a sentence."""

    date: str = ""
    region: str = ""


@dataclass(frozen=True)
class ArticleContext:
    sentences: list["SentenceInfo"]     # every sentence outside page furniture, in order
    inherited: list[Context]            # what each of them inherits
    reference: str                      # the dateline (or publication date) relative dates resolve against


@dataclass
class SentenceInfo:
    sentence: Sentence
    dates: list[DateMention]
    regions: list[RegionMention]
    target_cue_ends: list[int]      # where target cues end: dates after them are target years


def _regions_outside_prefix(regions: list[RegionMention], line: Line, offset: int) -> list[RegionMention]:
    return [r for r in regions if r.start + offset >= line.prefix_end]


# By sentence start: the dates, regions and target-cue ends found in it (offsets relative to the sentence).
Marked = dict[int, tuple[list[DateMention], list[RegionMention], list[int]]]


def _sentence_infos(view: str, layout: Layout, gazetteer: Gazetteer, marked: Marked) -> list[SentenceInfo]:
    infos = []
    for sentence in layout.sentences:
        if sentence.role == "furniture":
            continue
        line = layout.lines[sentence.line]
        if sentence.start in marked:
            found_dates, found_regions, targets = marked[sentence.start]
        else:
            text = view[sentence.start:sentence.end]
            found_dates, found_regions = find_dates(text), gazetteer.find(text)
            targets = [c.end for c in find_cues(text) if c.label == "target"]
        regions = _regions_outside_prefix(found_regions, line, sentence.start) if found_regions else found_regions
        # A date inside the dateline prefix ("Kediri, 21 Mei 2024 - ") stamps the story; it is a dateline.
        dates = [replace(d, kind="dateline") if d.start + sentence.start < line.prefix_end else d
                 for d in found_dates] if found_dates else found_dates
        targets = targets if sentence.role in ("title", "lead") else []
        infos.append(SentenceInfo(sentence, dates, regions, targets))
    return infos


APPOSITION_GAP_CHARS = 3   # "Kabupaten Jayapura, Papua": a province right after its regency only locates it


def salient_region(regions: list[RegionMention]) -> str:
    """The region a run of mentions leaves governing: the last one, unless it only locates an earlier
    one right before it: "Kabupaten Sleman, Daerah Istimewa Yogyakarta (DIY)" is Kabupaten Sleman."""
    chosen = regions[-1]
    for earlier, later in zip(reversed(regions[:-1]), reversed(regions[1:])):
        if not 0 <= later.start - earlier.end <= APPOSITION_GAP_CHARS:
            break
        if earlier.region.province not in (later.region.canonical, later.region.province):
            break
        if earlier.region.level in ("kabupaten", "kota"):
            chosen = earlier
    return chosen.region.canonical


def _reference_date(infos: list[SentenceInfo]) -> str:
    """The article's dateline: the first date written as a statement date ("Senin (14/7/2025)")."""
    for info in infos:
        for mention in info.dates:
            if mention.kind == "dateline" and mention.iso:
                return mention.iso
    return ""


def _governing(infos: list[SentenceInfo], layout: Layout, reference: str, dateline_region: str,
               national: bool) -> Context:
    """The article's governing date and region: title and lead first, then the dateline, then the country."""
    top = {layout.title, layout.lead} - {None}
    first_top, last_top = (min(top), max(top)) if top else (0, -1)
    date = ""
    for info in infos:
        if info.sentence.line < first_top:
            continue  # section names above the headline ("Ambon Hari Ini") govern nothing
        if info.sentence.line > last_top:
            break
        text_targets = info.target_cue_ends
        anchored = [m for m in (resolve(d, reference) for d in info.dates)
                    if m.iso and m.kind in ("anchored", "plain")
                    and not any(end <= m.start for end in text_targets)]  # "Target ... Tahun 2024"
        if anchored:
            date = anchored[0].iso
            break
    region = ""
    for line_index in (layout.title, layout.lead):
        found = [r for info in infos if info.sentence.line == line_index for r in info.regions]
        if national and line_index == layout.lead:
            # In a story with national figures, the capital in its lead is where things happened.
            found = [r for r in found if not _is_national_dateline(r.region)]
        if found:
            region = found[0].region.canonical
            break
    return Context(date or reference, region or dateline_region or COUNTRY)


def _dateline_region(view: str, layout: Layout, gazetteer: Gazetteer, national: bool) -> str:
    """The place in the lead's dateline ("SLEMAN, KOMPAS.com - "), when it may govern the article: not
    the capital, where national news is datelined (rules/layout.yaml `national_dateline`), and not in an
    article whose figures are national by their size (then the place is only where the reporter was)."""
    if layout.lead is None:
        return ""
    lead = layout.lines[layout.lead]
    found = gazetteer.find(view[lead.start:lead.prefix_end])
    if not found:
        return ""
    place = found[0].region
    if _is_national_dateline(place):
        return ""
    return "" if national else place.canonical


def _is_national_dateline(region: Region) -> bool:
    national = layout_rules().national_datelines
    return any(n in (region.canonical.lower(), region.province.lower()) for n in national)


def _contexts(infos: list[SentenceInfo], layout: Layout, governing: Context, reference: str) -> list[Context]:
    """For every sentence, the date and region it inherits when it states none: earlier sentences of its
    paragraph, then the table it sits in (header line ending in ':' and a heading naming a region)."""
    out: list[Context] = []
    paragraph = Context()
    current_line = -1
    table = Context()
    for info in infos:
        line = layout.lines[info.sentence.line]
        if line.index != current_line:
            current_line = line.index
            paragraph = Context()
            if line.role == "body" or line.role in ("title", "lead"):
                table = Context()
        inherited = Context(paragraph.date or table.date or governing.date,
                             paragraph.region or table.region or governing.region)
        out.append(inherited)
        # A statement date ("kata X, Senin (12/3/2024)") says when something was said, not when figures
        # hold: it never governs a paragraph; it is the article's last fallback (its reference).
        dates = [m for m in (resolve(d, reference) for d in info.dates)
                 if m.iso and m.kind not in ("bare", "dateline")] if info.dates else None
        if dates:
            paragraph.date = dates[-1].iso
        if info.regions:
            paragraph.region = salient_region(info.regions)
        if line.role == "header":
            table = Context(paragraph.date or table.date, paragraph.region or table.region)
        elif line.role == "heading" and info.regions:
            table = Context(table.date, salient_region(info.regions))
    return out


def article_context(view: str, layout: Layout, gazetteer: Gazetteer, published: str,
                    national_above: float, marked: Marked | None = None,
                    counts: list[float] | None = None) -> ArticleContext:
    """Dates, regions and inherited context of every sentence. `national_above` is the person count above
    which a figure can only be national (rules/metrics.yaml). `marked` holds, by sentence start, the dates
    regions and target cues already found in each sentence, so no sentence is scanned twice; `counts` the values of
    the article's counts (numbers that are not percentages or rupiah), likewise."""
    infos = _sentence_infos(view, layout, gazetteer, marked or {})
    if counts is None:
        counts = [n.value for n in find_numbers(view) if n.kind == "count"]
    national = any(value > national_above for value in counts)
    dateline_region = _dateline_region(view, layout, gazetteer, national)
    reference = published or _reference_date(infos)
    governing = _governing(infos, layout, reference, dateline_region, national)
    if not reference:
        reference = governing.date  # no dateline: "tahun ini" is the year the article's figures hold for
        governing = _governing(infos, layout, reference, dateline_region, national)
    return ArticleContext(infos, _contexts(infos, layout, governing, reference), reference)
