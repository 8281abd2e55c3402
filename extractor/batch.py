"""A batch run: every file under a folder is accounted for as extracted, skipped (with a reason) or failed
(with the error), one bad article never stops the batch, and the facts table is written whole or not at all."""
from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from extractor.facts import FactRow, facts_for, to_frame, write_table
from extractor.reader import ARTICLE_SUFFIXES, ArticleError, doc_id_for, read_article

MAX_FILE_BYTES = 20 * 1024 * 1024   # larger files are skipped with a reason: no article is this big
BINARY_SNIFF_BYTES = 8192
EXIT_OK, EXIT_USAGE, EXIT_NOTHING_READ = 0, 2, 3


@dataclass(frozen=True)
class FileResult:
    path: str
    doc_id: str
    status: str                 # extracted | skipped | failed
    reason: str = ""
    rows: tuple[FactRow, ...] = ()


@dataclass
class Summary:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def facts(self) -> int:
        return sum(len(r.rows) for r in self.results)

    def line(self) -> str:
        skipped = [r for r in self.results if r.status != "extracted"]
        reasons = "; ".join(f"{r.doc_id or r.path}: {r.reason}" for r in skipped[:5])
        more = f" (+{len(skipped) - 5} more)" if len(skipped) > 5 else ""
        return (f"articles read {self.count('extracted')}, facts written {self.facts}, "
                f"skipped {self.count('skipped')}, failed {self.count('failed')}"
                + (f" [{reasons}{more}]" if skipped else ""))

    def exit_code(self) -> int:
        return EXIT_OK if self.count("extracted") or not self.results else EXIT_NOTHING_READ


def _skip_reason(path: Path) -> str | None:
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        return f"not an article file ({path.suffix or 'no extension'})"
    size = path.stat().st_size
    if size == 0:
        return "empty file"
    if size > MAX_FILE_BYTES:
        return f"file too large ({size} bytes > {MAX_FILE_BYTES})"
    with path.open("rb") as handle:
        if b"\x00" in handle.read(BINARY_SNIFF_BYTES):
            return "binary file (NUL bytes)"
    return None


def process_file(path: Path, root: Path) -> FileResult:
    """Extract one file; never raises: every outcome is a FileResult."""
    doc_id = ""
    try:
        doc_id = doc_id_for(path, root)
        reason = _skip_reason(path)
        if reason:
            return FileResult(str(path), doc_id, "skipped", reason)
        article = read_article(path, root)
        if not article.text.strip():
            return FileResult(str(path), doc_id, "skipped", "no text after decoding")
        return FileResult(str(path), doc_id, "extracted", rows=tuple(facts_for(article)))
    except ArticleError as exc:
        return FileResult(str(path), doc_id, "skipped", str(exc))
    except Exception as exc:  # one bad article never stops the batch
        return FileResult(str(path), doc_id, "failed", f"{type(exc).__name__}: {exc}")


def list_files(root: Path) -> list[Path]:
    """Every regular file under root (symlinked folders are not followed, so loops cannot trap us)."""
    found = []
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames:
            found.append(Path(dirpath) / name)
    return sorted(found)


def _warm() -> None:
    from extractor.pipeline import build_nlp

    build_nlp()


def _process_all(paths: list[Path], root: Path, workers: int, progress: bool) -> list[FileResult]:
    from tqdm import tqdm

    bar = tqdm(total=len(paths), unit="doc", file=sys.stderr, disable=not progress)
    results = []
    if workers <= 1 or len(paths) < 2:
        for path in paths:
            results.append(process_file(path, root))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_warm) as pool:
            chunk = max(1, min(64, len(paths) // (workers * 4) or 1))
            for result in pool.map(process_file, paths, [root] * len(paths), chunksize=chunk):
                results.append(result)
                bar.update()
    bar.close()
    return results


def run_extract(directory: Path, out: Path, workers: int | None = None, progress: bool | None = None) -> Summary:
    root = Path(directory)
    workers = workers or os.cpu_count() or 1
    progress = sys.stderr.isatty() if progress is None else progress
    results = _process_all(list_files(root), root, workers, progress)
    summary = Summary(results)
    rows = [row for r in results for row in r.rows]
    write_table(to_frame(rows), Path(out))
    return summary
