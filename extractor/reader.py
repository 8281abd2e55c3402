"""Reading articles: bytes -> decoded text -> a same-length matching view.

Offsets everywhere in the facts table refer to the decoded text: the file's bytes decoded (UTF-8, with a
byte-order mark removed; else the charset the detector names), with no other change. Matching runs on a
view of that text of exactly the same length, in which CR, non-breaking and other odd spaces are plain
blanks, so patterns need not know about them and every offset found in the view is valid in the text.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

ARTICLE_SUFFIXES = (".txt",)
# Characters that are blanks for matching; each maps to one character so offsets do not move.
_BLANKS = {"\r": " ", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ",
           "\u200b": " ", "\u2060": " ", "\ufeff": " ", "\t": " ", "\u3000": " ", "\u2028": "\n",
           "\u2029": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"}
_VIEW_TABLE = str.maketrans(_BLANKS)


class ArticleError(Exception):
    """An article that cannot be read; the message says why (it is reported with the file's name)."""


@dataclass(frozen=True)
class Article:
    doc_id: str
    path: Path
    text: str                 # decoded text: offsets refer to it
    view: str                 # same length as text, blanks normalized, for matching
    sha256: str               # of the file's bytes
    encoding: str = "utf-8"
    meta: dict = field(default_factory=dict, compare=False)


def matching_view(text: str) -> str:
    view = text.translate(_VIEW_TABLE)
    assert len(view) == len(text)
    return view


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 first (a BOM is dropped), then the charset detector's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for the rare non-UTF-8 file

    best = from_bytes(data).best()
    if best is None:
        raise ArticleError("not text: no character encoding fits its bytes")
    return str(best), best.encoding


def doc_id_for(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def read_article(path: Path, root: Path) -> Article:
    data = path.read_bytes()
    text, encoding = decode(data)
    return Article(doc_id_for(path, root), path, text, matching_view(text),
                   hashlib.sha256(data).hexdigest(), encoding)


def article_paths(root: Path) -> list[Path]:
    """Every article file under root, recursively, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())
