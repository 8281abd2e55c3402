"""HTML news pages -> article text and metadata, with trafilatura.

A saved news page holds the article among navigation, scripts, related links and comments. trafilatura
finds the article; this module composes the text that the extractor reads and that offsets refer to:

    text = title + "\\n\\n" + body        (just `body` when the page has no title)

* title: the page's title as trafilatura's metadata gives it (og:title, <title>, <h1>...), on one line:
  runs of whitespace inside it become one space, and it is stripped.
* body: trafilatura's plain-text output for the main content (paragraphs on their own lines, tables
  included, comments, images and links left out), stripped; when its first line is the title again
  (trafilatura keeps the <h1>), that line and the line break after it are dropped so the title is not
  read twice.

Metadata: `date` is the publication date in ISO ("2024-06-03"), from the page's markup only (meta
tags such as article:published_time, <time datetime>, JSON-LD, the URL), never guessed from the body
text, so that it can be trusted as the reference for relative dates ("tahun lalu"); "" when the page
gives none. `url` is the canonical or og:url, "" when absent. Everything is deterministic: no network,
no cross-document deduplication, fixed date bounds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HTML_SUFFIXES = (".html", ".htm")
TITLE_SEPARATOR = "\n\n"
# Markup-only dates (extensive_search off) within fixed bounds: the result does not depend on today.
_DATE_PARAMS = {"original_date": True, "extensive_search": False, "min_date": "1990-01-01",
                "max_date": "2100-12-31"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class HtmlError(Exception):
    """A page with no article text, or one that cannot be parsed; the message says which."""


@dataclass(frozen=True)
class HtmlArticle:
    text: str           # title + "\n\n" + body: offsets refer to this
    title: str
    date: str           # ISO publication date or ""
    url: str
    body_start: int     # offset of the body's first character in `text`


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def compose(title: str, body: str) -> HtmlArticle:
    """The article text from a title and trafilatura's body text (see the module docstring)."""
    title = _one_line(title)
    body = body.strip()
    first, newline, rest = body.partition("\n")
    if title and _one_line(first) == title:
        body = rest.strip() if newline else ""
    if not title:
        return HtmlArticle(body, "", "", "", 0)
    if not body:
        return HtmlArticle(title, title, "", "", len(title))
    return HtmlArticle(title + TITLE_SEPARATOR + body, title, "", "", len(title) + len(TITLE_SEPARATOR))


def extract_html(markup: str) -> HtmlArticle:
    """Title, body, publication date and URL of a news page, as decoded text. Raises HtmlError (and
    nothing else) when the page holds no article text or cannot be parsed."""
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - trafilatura is a dependency
        raise HtmlError(f"HTML pages need the trafilatura package, which failed to import: {exc}") from exc
    try:
        doc = trafilatura.bare_extraction(
            markup, with_metadata=True, include_comments=False, include_tables=True,
            include_images=False, include_links=False, include_formatting=False, deduplicate=False,
            date_extraction_params=dict(_DATE_PARAMS))
    except Exception as exc:
        raise HtmlError(f"HTML page could not be parsed ({type(exc).__name__}: {exc})") from exc
    body = str(getattr(doc, "text", "") or "") if doc is not None else ""
    if not body.strip():
        raise HtmlError("no article text found in the HTML page")
    page = compose(getattr(doc, "title", "") or "", body)
    date = str(getattr(doc, "date", "") or "")
    url = str(getattr(doc, "url", "") or "").strip()
    return HtmlArticle(page.text, page.title, date if _ISO_DATE.fullmatch(date) else "", url, page.body_start)
