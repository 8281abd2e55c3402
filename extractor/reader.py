"""Reading articles: bytes -> decoded text -> a same-length matching view.

Offsets everywhere in the facts table refer to the article text (docs/offsets.md says it exactly):

* a text article (.txt): the file's bytes decoded, with no other change. Decoding: a UTF-8 byte-order
  mark is dropped and the rest read as UTF-8; a UTF-16 file is read by its byte-order mark; otherwise
  Windows-1252 when the bytes are valid Windows-1252 text (the legacy charset of Latin-script news sites,
  and a superset of Latin-1's printable characters); otherwise the charset charset-normalizer names.
* an HTML page (.html, .htm): the page decoded as above, then reduced by trafilatura (extractor/html.py)
  to its title, a blank line and the article body. `Article.meta` holds the title, the publication date
  (ISO, "" when the page gives none), the URL, and where the body starts.

Binary files are refused with ArticleError: NUL bytes, or more than MAX_CONTROL_SHARE of the decoded
characters being control characters. `decode` raises nothing but ArticleError, whatever the bytes.

Matching runs on a view of the text of exactly the same length, in which CR, non-breaking and other odd
spaces are plain blanks (a CR that ends a line on its own, as in old Mac files, is a line break), so
patterns need not know about them and every offset found in the view is valid in the text.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from extractor.html import HTML_SUFFIXES, HtmlError, extract_html

TEXT_SUFFIXES = (".txt",)
ARTICLE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES
# Characters that are blanks for matching; each maps to one character so offsets do not move.
_BLANKS = {"\r": " ", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ",
           "\u200b": " ", "\u2060": " ", "\ufeff": " ", "\t": " ", "\u3000": " ", "\u2028": "\n",
           "\u2029": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"}
# (str.translate looks every character up in a table: 0.1 ms for a 3 KB article. A replace per odd blank
# that occurs is a few fast scans; no replacement makes another odd blank, so the order does not matter.)
_LONE_CR = re.compile(r"\r(?!\n)")

# Binary detection: control characters other than tab, line feed, vertical tab, form feed and CR.
MAX_CONTROL_SHARE = 0.10
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
FALLBACK_SINGLE_BYTE = "cp1252"


class ArticleError(Exception):
    """An article that cannot be read; the message says why (it is reported with the file's name)."""


@dataclass(frozen=True)
class Article:
    doc_id: str
    path: Path
    text: str                 # article text: offsets refer to it
    view: str                 # same length as text, blanks normalized, for matching
    sha256: str               # of the file's bytes
    encoding: str = "utf-8"
    meta: dict = field(default_factory=dict, compare=False)   # HTML: title, date (ISO), url, body_start


def matching_view(text: str) -> str:
    """The text with odd blanks made plain, same length: CRLF -> " \\n", a lone CR -> "\\n", NBSP -> " "."""
    if "\r" in text:
        text = _LONE_CR.sub("\n", text)
    view = text
    for odd, plain in _BLANKS.items():
        if odd in view:
            view = view.replace(odd, plain)
    assert len(view) == len(text)
    return view


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ArticleError("binary file (NUL characters)")
    if text and _CONTROL.search(text):   # counted only when there is one: most texts have none
        controls = len(text) - len(_CONTROL.sub("", text))
        if controls > MAX_CONTROL_SHARE * len(text):
            raise ArticleError(f"binary file ({100 * controls // len(text)}% control characters)")


def _detect(data: bytes) -> tuple[str, str]:
    """Windows-1252 when it fits and reads as text, else charset-normalizer's best guess."""
    try:
        text = data.decode(FALLBACK_SINGLE_BYTE)
    except UnicodeDecodeError:
        pass
    else:
        if not _CONTROL.search(text):
            return text, FALLBACK_SINGLE_BYTE
    try:
        from charset_normalizer import from_bytes  # only for the rare file that is neither

        best = from_bytes(data).best()
        if best is None:
            raise ArticleError("not text: no character encoding fits its bytes")
        return str(best), str(best.encoding)
    except ArticleError:
        raise
    except Exception as exc:  # the detector's own failure is an undecodable file, not a crash
        raise ArticleError(f"not text: charset detection failed ({type(exc).__name__})") from exc


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a file's bytes, or ArticleError saying why they are not text. Never raises
    anything else. The order: UTF-8 (a BOM dropped), UTF-16 by its BOM, Windows-1252, charset-normalizer."""
    try:
        data = bytes(data)
    except Exception as exc:
        raise ArticleError(f"not bytes ({type(exc).__name__})") from exc
    text = encoding = None
    for bom, codec in _UTF16_BOMS:
        if data.startswith(bom) and not data.startswith(b"\xff\xfe\x00\x00"):
            try:
                text, encoding = data[len(bom):].decode(codec), codec
            except UnicodeDecodeError:
                raise ArticleError(f"not text: a {codec} byte-order mark but invalid {codec}") from None
            break
    if text is None:
        if b"\x00" in data:
            raise ArticleError("binary file (NUL bytes)")
        body = data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
        try:
            text, encoding = body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _detect(data)
    if encoding != "utf-8":   # Python's UTF-8 decoder never yields a surrogate; the others can
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ArticleError("not text: decodes to unpaired surrogates") from None
    _check_text(text)
    return text, encoding


def doc_id_for(path: Path, root: Path) -> str:
    return Path(path).relative_to(root).with_suffix("").as_posix()


def article_from_text(text: str, doc_id: str = "article", meta: dict | None = None,
                      data: bytes | None = None) -> Article:
    """An Article built from a string (tests, tools): sha256 is of `data`, else of the text's UTF-8."""
    raw = text.encode("utf-8", "surrogatepass") if data is None else data
    return Article(doc_id, Path(doc_id), text, matching_view(text), hashlib.sha256(raw).hexdigest(),
                   "utf-8", dict(meta or {}))


def read_article(path: Path, root: Path, data: bytes | None = None, doc_id: str | None = None) -> Article:
    """The article at `path` (its bytes, and its doc_id, may be passed in when already known). HTML pages
    are reduced to their article text (title, blank line, body) and metadata; see extractor/html.py."""
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    text, encoding = decode(data)
    meta: dict = {}
    if path.suffix.lower() in HTML_SUFFIXES:
        try:
            page = extract_html(text)
        except HtmlError as exc:
            raise ArticleError(str(exc)) from exc
        text = page.text
        meta = {"format": "html", "title": page.title, "date": page.date, "url": page.url,
                "body_start": page.body_start}
    return Article(doc_id_for(path, root) if doc_id is None else doc_id, path, text, matching_view(text),
                   hashlib.sha256(data).hexdigest(), encoding, meta)


def article_paths(root: Path) -> list[Path]:
    """Every article file under root, recursively, in a stable order."""
    return sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())
