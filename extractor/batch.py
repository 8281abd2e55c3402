"""A batch run: every file under a folder is accounted for, one bad article never stops the batch, and
the facts table is written whole or not at all.

Accounting. `list_files(root)` lists every entry under the folder that is not a plain folder: regular
files (hidden ones too), symlinks of every kind, special files (FIFOs, sockets, devices) and folders
that cannot be listed. `process_file` turns each into exactly one FileResult, and never raises:

  extracted  an article was read and its facts extracted (possibly none)
  skipped    deliberately not read, with the reason: not an article file (".pdf", no extension), a
             symlink to a folder (not followed, so no loops), a FIFO/socket/device, an empty file,
             a binary file (NUL bytes or mostly control characters), a file that no character
             encoding fits, an HTML page with no article text, a file over MAX_FILE_BYTES, an article
             text over MAX_TEXT_CHARS, no text after decoding, a file name that is not valid UTF-8, a
             second file with a doc_id already read (e.g. x.txt and x.html)
  failed     it should have been read but was not, with the error: permission denied or another OS
             error, a symlink loop, a dangling symlink, a folder that cannot be listed, extraction over
             FILE_TIME_LIMIT_S, any exception inside the extractor (type, message and where), a worker
             process that died on it

Symlinks to files are followed (once: the link's own path gives the doc_id); symlinks to folders are
not. Results come in the table's order of the paths (by doc_id, then path), whatever the number of workers.

Limits (bounded work per file):
  MAX_FILE_BYTES    8 MiB: larger files are skipped unread (an HTML page with scripts is rarely 2 MiB).
  MAX_TEXT_CHARS    1 000 000 characters of article text (after decoding, or after HTML extraction):
                    longer texts are skipped. Extraction runs at roughly 100 000 characters a second
                    on text that is all body (one 3 MB single line takes ~25 s), so this caps a file
                    at ~10-15 s; a long news article has 5 000-30 000 characters.
  FILE_TIME_LIMIT_S 60 s of reading and extraction per file (SIGALRM, in the main thread of the
                    process doing the work: the CLI, or each worker process; not enforced in other
                    threads or on platforms without setitimer). A file over it fails with that reason.
                    Output is byte-identical from run to run as long as no file comes near the limit.
                    (Some texts are slow for reasons other than length: e.g. 20 000 numbers in one
                    sentence, or "1" and a no-break space repeated, take minutes on 40 KB; the limit bounds them.)
  The matchers' scans over whole texts and windows carry the `regex` module's 5 s timeout (a timeout
  fails that file only). Matches anchored at a candidate word (cues, date forms, region prefixes, page
  datelines) carry none: each is bounded work, and the timeout argument alone cost 1.5 us a call, 15 %
  of extraction time; the regions finder's `re` patterns have none either. The time limit covers them;
  tests/test_batch.py feeds long inputs to each.

Output: the facts table is streamed into a temporary file, an article's rows as soon as it is done, and
renamed into place at the end (facts.TableWriter): a failed or killed run leaves the previous table whole,
and a run holds one chunk of rows at a time, never the corpus's facts. Files are processed in the table's
order (doc_id, then path), so the streamed rows come out sorted. `write_errors` writes the non-extracted files as CSV the
same way. Same input, same bytes out, with any number of workers.

Exit codes of `extractor extract` (Summary.exit_code):
  0  every file was accounted for (even when some were skipped or failed), or the folder is empty
  2  usage error (bad options or arguments; click reports it)
  3  nothing could be read: files existed but not one article was extracted
"""
from __future__ import annotations

import csv
import errno
import gc
import itertools
import multiprocessing
import os
import signal
import stat
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections import deque
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from extractor.facts import FactRow, TableWriter, atomic_output, csv_safe, facts_for
from extractor.reader import ARTICLE_SUFFIXES, ArticleError, doc_id_for, read_article

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000
FILE_TIME_LIMIT_S = 60.0
EXIT_OK, EXIT_USAGE, EXIT_NOTHING_READ = 0, 2, 3
ERRORS_COLUMNS = ["path", "doc_id", "status", "reason"]
SUMMARY_REASONS = 5   # how many problem files the summary line names


@dataclass(frozen=True)
class FileResult:
    path: str
    doc_id: str
    status: str                 # extracted | skipped | failed
    reason: str = ""
    rows: tuple[FactRow, ...] = ()
    rows_written: int = 0       # rows already written to the table and dropped (run_extract streams)


@dataclass
class Summary:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def facts(self) -> int:
        return sum(len(r.rows) + r.rows_written for r in self.results)

    @property
    def problems(self) -> list[FileResult]:
        return [r for r in self.results if r.status != "extracted"]

    def line(self) -> str:
        problems = self.problems
        reasons = "; ".join(f"{r.path}: {r.reason}" for r in problems[:SUMMARY_REASONS])
        more = f" (+{len(problems) - SUMMARY_REASONS} more)" if len(problems) > SUMMARY_REASONS else ""
        return (f"articles read {self.count('extracted')}, facts written {self.facts}, "
                f"skipped {self.count('skipped')}, failed {self.count('failed')}, of {len(self.results)} files"
                + (f" [{reasons}{more}]" if problems else ""))

    def exit_code(self) -> int:
        return EXIT_OK if self.count("extracted") or not self.results else EXIT_NOTHING_READ


# ------------------------------------------------------------------------------------------ one file

class _TimeUp(BaseException):
    """Raised by the alarm inside a file's extraction. A BaseException, so no `except Exception` in the
    extractor swallows it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)   # never disturb someone else's timer
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _shown(text: str) -> str:
    """A path or doc_id as printable, writable text (a name that is not valid UTF-8 keeps its bytes as \\xNN)."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _entry_problem(path: Path) -> tuple[str, str] | None:
    """(status, reason) when the entry is no readable article file; None when it should be read."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "failed", f"symlink loop (-> {_shown(target)})"
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return "failed", f"dangling symlink (its target {_shown(target)} does not exist)"
            return "failed", f"symlink cannot be followed (-> {_shown(target)}: {exc.strerror})"
        if stat.S_ISDIR(st.st_mode):
            return "skipped", f"symlink to a folder, not followed (-> {_shown(target)})"
    if stat.S_ISDIR(st.st_mode):
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            return "failed", f"folder cannot be listed ({exc.strerror})"
        return "skipped", "a folder"
    if not stat.S_ISREG(st.st_mode):
        return "skipped", f"not a regular file ({_kind(st.st_mode)})"
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        return "skipped", f"not an article file ({_shown(path.suffix) or 'no extension'})"
    if st.st_size == 0:
        return "skipped", "empty file"
    if st.st_size > MAX_FILE_BYTES:
        return "skipped", f"file too large ({st.st_size} bytes > {MAX_FILE_BYTES})"
    return None


READ_CHUNK = 64 * 1024


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, at most MAX_FILE_BYTES (ArticleError beyond). Opened non-blocking, so a FIFO
    swapped in after the checks cannot hang the batch. Read with os.read in pieces sized from fstat: a
    buffered read of MAX_FILE_BYTES + 1 allocated 8 MiB per file, most of the time it took to read one."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ArticleError("not a regular file")
        chunks, size = [], 0
        want = min(st.st_size, MAX_FILE_BYTES) + 1   # one byte more tells a file over the limit (or grown since)
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            want = min(MAX_FILE_BYTES + 1 - size, READ_CHUNK)
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise ArticleError(f"file too large (over {MAX_FILE_BYTES} bytes)")
    return b"".join(chunks)


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame of the extractor's own code in the traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f"{os.sep}extractor{os.sep}" in f.filename]
    return f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""


def process_file(path: Path, root: Path) -> FileResult:
    """Extract one file; never raises (except KeyboardInterrupt/SystemExit): every outcome is a FileResult."""
    path, root = Path(path), Path(root)
    shown, doc_id = _shown(str(path)), ""
    try:
        doc_id = doc_id_for(path, root) if path != root else ""
        if _shown(doc_id) != doc_id or _shown(str(path)) != str(path):
            return FileResult(shown, _shown(doc_id), "skipped", "file name is not valid UTF-8")
        problem = _entry_problem(path)
        if problem:
            return FileResult(shown, doc_id, *problem)
        with _time_limit(FILE_TIME_LIMIT_S):
            data = _read_bytes(path)
            if not data:
                return FileResult(shown, doc_id, "skipped", "empty file")
            article = read_article(path, root, data=data, doc_id=doc_id)
            if not article.text.strip():
                return FileResult(shown, doc_id, "skipped", "no text after decoding (only blanks)")
            if len(article.text) > MAX_TEXT_CHARS:
                return FileResult(shown, doc_id, "skipped",
                                  f"article text too long ({len(article.text)} characters > {MAX_TEXT_CHARS})")
            rows = tuple(facts_for(article))
        return FileResult(shown, doc_id, "extracted", rows=rows)
    except ArticleError as exc:
        return FileResult(shown, doc_id, "skipped", str(exc))
    except _TimeUp:
        return FileResult(shown, doc_id, "failed", f"extraction exceeded the time limit of {FILE_TIME_LIMIT_S:g} s")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return FileResult(shown, doc_id, "failed", f"cannot be read: {reason}")
    except Exception as exc:  # one bad article never stops the batch
        return FileResult(shown, doc_id, "failed", f"{type(exc).__name__}: {exc}{_where(exc)}")


# ------------------------------------------------------------------------------------------ the folder

def list_files(root: Path) -> list[Path]:
    """Every entry under root to account for, sorted: regular files, symlinks (to files, to folders,
    dangling or looping), special files, and folders that cannot be listed. Symlinked folders are
    listed, not entered, so loops cannot trap us."""
    root = Path(root)
    found: list[Path] = []

    def unlistable(exc: OSError) -> None:
        if exc.filename is not None:
            found.append(Path(exc.filename))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        for name in filenames:
            found.append(Path(dirpath) / name)
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):
                found.append(Path(dirpath) / name)
    return sorted(set(found))


def _warm() -> None:
    """Build the pipeline once, then move everything built so far (the tokenizer's 16 000 special cases,
    rules, gazetteer) out of the garbage collector's sight: collections then only walk what articles
    allocate (gc.freeze; a few per cent of run time)."""
    from extractor.pipeline import build_nlp

    build_nlp()
    gc.freeze()


def _crashed(path: Path, root: Path) -> FileResult:
    try:
        doc_id = _shown(doc_id_for(path, root))
    except ValueError:
        doc_id = ""
    return FileResult(_shown(str(path)), doc_id, "failed",
                      "the worker process died while extracting it (crash or out of memory)")


def _process_files(paths: list[Path], root: Path) -> list[FileResult]:
    return [process_file(path, root) for path in paths]


def _parallel_results(paths: list[Path], root: Path, workers: int, bar) -> Iterator[FileResult]:
    """In worker processes, results in path order, as they come. Files go out in tasks of TASK_FILES
    (one task per file costs the pool more than a short article's extraction), at most AHEAD_PER_WORKER
    tasks per worker in flight, so finished results never pile up. When a worker dies (segfault, OOM
    kill), the files not yet given out are retried with one worker, one file per task, which isolates the
    file that kills it: that one fails, the others are extracted."""
    pending = deque(range(len(paths)))   # files whose result has not been given out yet
    n, size = workers, TASK_FILES
    if multiprocessing.get_start_method() == "fork":
        _warm()   # built once here, shared by the forked workers (copy on write): none builds its own
    while pending:
        try:
            with ProcessPoolExecutor(max_workers=n, initializer=_warm) as pool:
                order = list(pending)
                tasks = iter([order[i:i + size] for i in range(0, len(order), size)])
                submit = lambda task: (task, pool.submit(_process_files, [paths[i] for i in task], root))  # noqa: E731
                flight = deque(submit(task) for task in itertools.islice(tasks, n * AHEAD_PER_WORKER))
                while flight:
                    task, future = flight.popleft()
                    results = future.result()
                    flight.extend(submit(t) for t in itertools.islice(tasks, 1))
                    for result in results:
                        pending.popleft()
                        bar.update()
                        yield result
        except BrokenProcessPool:
            if n == 1 and size == 1 and pending:
                culprit = pending.popleft()
                bar.update()
                yield _crashed(paths[culprit], root)
            n, size = 1, 1


TASK_FILES = 8
AHEAD_PER_WORKER = 4   # tasks in flight per worker: enough to keep it busy, few enough to hold


def _results(paths: list[Path], root: Path, workers: int, progress: bool) -> Iterator[FileResult]:
    """One FileResult per path, in path order, as they are made."""
    from tqdm import tqdm

    bar = tqdm(total=len(paths), unit="file", file=sys.stderr, disable=not progress)
    try:
        if workers <= 1 or len(paths) < 2:
            _warm()
            for path in paths:
                result = process_file(path, root)
                bar.update()
                yield result
        else:
            yield from _parallel_results(paths, root, workers, bar)
    finally:
        bar.close()


def table_order(paths: list[Path], root: Path) -> list[Path]:
    """Paths in the facts table's order (by doc_id, then path), so rows can be written as they come and
    still be sorted; x.txt before x.html keeps its place among files with one doc_id."""
    def key(path: Path) -> tuple[str, str]:
        try:
            return doc_id_for(path, root), str(path)
        except ValueError:
            return "", str(path)
    return sorted(paths, key=key)


def _first_of_doc_id(result: FileResult, first: dict[str, str]) -> FileResult:
    """Two files with one doc_id (x.txt and x.html): the first is kept, the other skipped."""
    if result.status != "extracted":
        return result
    if result.doc_id in first:
        return FileResult(result.path, result.doc_id, "skipped",
                          f"same doc_id as {first[result.doc_id]}, which was read")
    first[result.doc_id] = result.path
    return result


def run_extract(directory: Path, out: Path | None, workers: int | None = None,
                progress: bool | None = None, keep_rows: bool = False) -> Summary:
    """Extract every file under `directory`, streaming the facts into the table `out` (written whole or
    not at all): rows are written as each article is done and then dropped, so memory stays flat however
    large the folder (`keep_rows` keeps them on the results, for callers that want them in memory)."""
    root = Path(directory)
    workers = workers or os.cpu_count() or 1
    progress = sys.stderr.isatty() if progress is None else progress
    paths = table_order(list_files(root), root)   # before the table's temporary file exists
    first: dict[str, str] = {}
    results: list[FileResult] = []
    with (TableWriter(Path(out)) if out is not None else nullcontext()) as table:
        for result in _results(paths, root, workers, progress):
            result = _first_of_doc_id(result, first)
            if table is not None:
                table.write(result.rows)
            if not keep_rows and result.rows:
                result = replace(result, rows=(), rows_written=len(result.rows))
            results.append(result)
    return Summary(results)


def write_errors(summary, path: Path) -> int:
    """Write the files that were not extracted (path, doc_id, status, reason) as CSV, atomically; cells
    are neutralized against spreadsheet formulas like the facts table's. Returns the number of rows."""
    results = getattr(summary, "results", None)
    problems = [r for r in results if r.status != "extracted"] if results is not None else list(getattr(summary, "problems", []))
    with atomic_output(Path(path)) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(ERRORS_COLUMNS)
            for r in problems:
                writer.writerow([csv_safe(_shown(str(v))) for v in (r.path, r.doc_id, r.status, r.reason)])
    return len(problems)
