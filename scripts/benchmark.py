#!/usr/bin/env python
"""Throughput benchmark: extraction vs spaCy's bare tokenizer, per-stage times, peak memory, workers
and (optionally) the Dask engine, in one run.

    .venv/bin/python scripts/benchmark.py --n 500            # table on stdout
    .venv/bin/python scripts/benchmark.py --n 500 --json -   # also the figures as JSON (or --json FILE)

What it does:
1. Builds N articles (and, for the memory check, 4N) from the seeds in corpus/ in a temporary folder.
   No two are alike, so no cache can key on identical text: body paragraphs are shuffled, every
   number is perturbed (digits redrawn, years shifted, dates redrawn valid), region names are swapped
   for other regions of the same level, credited and known person names for other names, and a
   unique id (letters only, so it adds no candidate sentence) is appended.
2. Runs the installed `extractor extract` as a child process on N articles with --workers 1 and 2
   and on 4N articles with --workers 1. Start-up (interpreter, imports, spaCy pipeline build) is
   measured on a one-article folder and reported apart; "net" = wall - start-up. Peak RSS of each
   child comes from os.wait4 (ru_maxrss of that child). The --workers 2 output must equal the
   --workers 1 output byte for byte.
3. In this process: spaCy's `spacy.blank("id")` tokenizer over the same decoded texts (best of 3, a
   fresh pipeline each time); the per-article function `batch.process_file` over the corpus; then the
   same loop again with timers wrapped around the functions the real code path calls, under every name an
   extractor module binds them to (so the breakdown follows whatever claims.py does today): read, decode,
   layout, tokenize, numbers, dates, regions, cues, qualifiers, spaCy components, context, claim
   assembly, fact rows, and write (to_frame + write_table). Stage times are exclusive: they add up.
4. A cProfile of the per-article loop (top functions by cumulative time).
5. The Dask engine (extractor/distributed.py) on a local 2-process cluster, run twice on the same
   cluster (the second with warm workers), output compared too.

Everything runs against a frozen copy of extractor/ and rules/ (first on PYTHONPATH, also for the
children), since other people edit the code while a benchmark runs; --no-snapshot measures the work tree.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "corpus"

# ------------------------------------------------------------------------------------------ corpus

FIRST_NAMES = ["Rina", "Agus", "Siti", "Budi", "Dewi", "Eko", "Fitri", "Hendra", "Indah", "Joko", "Kartika",
               "Lukman", "Maya", "Nur", "Putu", "Rahmat", "Sri", "Taufik", "Wulan", "Yusuf", "Arif", "Ratna"]
LAST_NAMES = ["Sitorus", "Wibowo", "Lestari", "Hidayat", "Saputra", "Nasution", "Siregar", "Pratama",
              "Kusuma", "Harahap", "Santoso", "Rahayu", "Gunawan", "Simanjuntak", "Manurung", "Tanjung"]
# Names written in the credit lines of the seeds, and officials the domain quotes often.
CREDIT = re.compile(r"(?:Penulis|Editor|Reporter|Pewarta|Wartawan|Foto)\s*:\s*([A-Z][\w'’]+(?:[ ][A-Z][\w'’.]*){0,3})"
                    r"|Laporan Wartawan [^,\n]+,\s*([A-Z][\w'’]+(?:[ ][A-Z][\w'’.]*){0,3})")
KNOWN_PEOPLE = ["Ali Ghufron Mukti", "Ghufron Mukti", "Budi Gunadi Sadikin", "Kadir", "Rizzky Anugerah",
                "Mahlil Ruby", "Lily Kresnowati"]
DATE_OR_NUMBER = re.compile(r"(?P<date>(?<!\d)(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})(?!\d))"
                            r"|(?P<num>(?<![\d/])\d+(?:[.,]\d+)*(?![\d/]))")
YEAR = re.compile(r"(?:19|20)\d\d")
DATELINE = re.compile(r"^[A-Z][A-Za-z .]+,.{0,60}?\s[-–—:]\s", re.MULTILINE)


def _letters(i: int, width: int = 6) -> str:
    out = ""
    for _ in range(width):
        i, r = divmod(i, 26)
        out = chr(97 + r) + out
    return out


def _perturb_numbers(text: str, rng: random.Random) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group("date"):
            year = int(m.group("y")) + rng.choice((-1, 0, 0, 1))
            return f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{year}"
        num = m.group("num")
        if YEAR.fullmatch(num):
            return str(int(num) + rng.choice((-2, -1, 0, 0, 1)))
        digits = []
        for k, ch in enumerate(num):
            if not ch.isdigit():
                digits.append(ch)
            elif k == 0 and len(num) > 1:
                digits.append(str(rng.randint(1, 9)))
            else:
                digits.append(str(rng.randint(0, 9)))
        return "".join(digits)

    return DATE_OR_NUMBER.sub(repl, text)


def _swap_people(text: str, rng: random.Random) -> str:
    names = {n for m in CREDIT.finditer(text) for n in m.groups() if n} | {n for n in KNOWN_PEOPLE if n in text}
    # Sorted fully (longest first, then alphabetically): set order changes from one process to the next.
    words = sorted({w for n in names for w in n.split() if len(w) > 2 and w[0].isupper()}, key=lambda w: (-len(w), w))
    if not words:
        return text
    mapping = {w: rng.choice(FIRST_NAMES + LAST_NAMES) for w in words}
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def _swap_regions(text: str, rng: random.Random, gazetteer) -> str:
    provinces = [r.canonical for r in gazetteer.provinces]
    by_level = defaultdict(list)
    for r in gazetteer.regencies:
        by_level[r.level].append(r.canonical)
    pieces, cursor = [], 0
    for mention in gazetteer.find(text):
        level, original = mention.region.level, text[mention.start:mention.end]
        if mention.branch or level not in ("province", "kabupaten", "kota"):
            continue
        if level == "province":
            new = rng.choice(provinces)
        else:
            new = rng.choice(by_level[level])
            if not original.lower().startswith(("kab", "kota")):
                new = new.split(" ", 1)[1]  # a bare name stays bare: "Ambon" -> "Sintang"
        if original.isupper():
            new = new.upper()
        pieces += [text[cursor:mention.start], new]
        cursor = mention.end
    return "".join(pieces) + text[cursor:]


def _shuffle_body(text: str, rng: random.Random) -> str:
    """Keep the head (up to the dateline paragraph, or the first 3) and the last 2 paragraphs; shuffle the rest."""
    blocks = text.split("\n\n")
    head = next((i + 1 for i, b in enumerate(blocks) if DATELINE.search(b)), 3)
    head = min(head, len(blocks))
    tail = max(head, len(blocks) - 2)
    middle = blocks[head:tail]
    rng.shuffle(middle)
    return "\n\n".join(blocks[:head] + middle + blocks[tail:])


def make_article(seed_text: str, i: int, rng: random.Random, gazetteer) -> str:
    text = _shuffle_body(seed_text, rng)
    text = _perturb_numbers(text, rng)
    text = _swap_regions(text, rng, gazetteer)
    text = _swap_people(text, rng)
    return text.rstrip() + f"\n\nKode naskah: bench-{_letters(i)}\n"


def build_corpus(folder: Path, n: int, seed: int) -> list[Path]:
    from extractor.regions import Gazetteer

    gazetteer = Gazetteer.load()
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    if not seeds:
        raise SystemExit(f"no seed articles in {SEEDS}")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"a{i:07d}.txt"
        path.write_text(make_article(seeds[i % len(seeds)], i, rng, gazetteer), encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------- child runs

def extractor_command() -> list[str]:
    exe = Path(sys.executable).parent / "extractor"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("extractor")
    return [found] if found else [sys.executable, "-m", "extractor"]


def run_child(cmd: list[str], log_dir: Path, name: str) -> dict:
    """Wall time, exit code and peak RSS (MiB, from os.wait4) of one child process."""
    with open(log_dir / f"{name}.out", "wb") as out, open(log_dir / f"{name}.err", "wb") as err:
        start = time.perf_counter()
        # cwd: the log folder, never the work tree (python -c puts the cwd before PYTHONPATH).
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=log_dir)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{(log_dir / f'{name}.err').read_text()}")
    # wait4 reports the child with its own reaped children (pool workers): CPU time of the whole tree.
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
            "stdout": (log_dir / f"{name}.out").read_text().strip()}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_fingerprint() -> str:
    """Hash of the extractor's code and rules in the work tree: other people edit them while a benchmark
    runs, and a change mid-run voids the equality checks between runs."""
    digest = hashlib.sha256()
    for folder in (REPO / "extractor", REPO / "rules"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".yaml", ".csv", ".json"):
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def snapshot_code(dest: Path) -> str:
    """Freeze the code under test: copy extractor/ and rules/ (as extractor/rules, where the installed
    package has them) to `dest`, and put `dest` first on the import path of this process and of every
    child (the editable install's finder comes after sys.path, so the copy shadows the work tree).
    Returns the fingerprint of what was copied; copies again if the tree changed while copying."""
    for _ in range(5):
        before = code_fingerprint()
        shutil.rmtree(dest, ignore_errors=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(REPO / "extractor", dest / "extractor", ignore=ignore)
        shutil.copytree(REPO / "rules", dest / "extractor" / "rules", ignore=ignore)
        if code_fingerprint() == before:
            break
    if any(name == "extractor" or name.startswith("extractor.") for name in sys.modules):
        raise RuntimeError("extractor was imported before the snapshot was put on the path")
    sys.path.insert(0, str(dest))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(dest), *filter(None, [os.environ.get("PYTHONPATH")])])
    return before


def git_state() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "extractor", "rules"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes in extractor/ or rules/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --------------------------------------------------------------------------------------- in-process

def fresh_pipeline():
    """A newly built pipeline (empty tokenizer cache, empty string store); returns the build time."""
    from extractor.pipeline import build_nlp

    build_nlp.cache_clear()
    start = time.perf_counter()
    build_nlp()
    return time.perf_counter() - start


def warm(seed_root: Path) -> None:
    """Load every lazy lexicon and compile every pattern on the seeds (not on the corpus)."""
    from extractor.batch import list_files, process_file

    for path in list_files(seed_root):
        process_file(path, seed_root)


def tokenizer_bench(texts: list[str], repeats: int = 3) -> dict:
    import spacy

    best, best_cpu, tokens = float("inf"), float("inf"), 0
    for _ in range(repeats):
        nlp = spacy.blank("id")
        start, cpu = time.perf_counter(), time.process_time()
        tokens = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=256))
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return {"seconds": best, "cpu_s": best_cpu, "tokens": tokens}


def per_article_bench(paths: list[Path], root: Path) -> dict:
    from extractor.batch import process_file

    start, cpu = time.perf_counter(), time.process_time()
    results = [process_file(p, root) for p in paths]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "facts": sum(len(r.rows) for r in results),
            "extracted": sum(r.status == "extracted" for r in results)}


class StageTimer:
    """Wraps functions with timers for the duration of a `with` block. Times are exclusive: a timed
    function called inside another timed one is counted in its own stage only (a stack of child times)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[float] = []
        self._undo: list[tuple[object, str, object]] = []

    def call(self, stage: str, fn, *args, **kwargs):
        self._stack.append(0.0)
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            children = self._stack.pop()
            self.seconds[stage] += elapsed - children
            self.calls[stage] += 1
            if self._stack:
                self._stack[-1] += elapsed

    def wrap(self, owner: object, attr: str, stage: str) -> bool:
        original = getattr(owner, attr, None)
        if original is None:
            return False

        @functools.wraps(original)
        def timed(*args, **kwargs):
            return self.call(stage, original, *args, **kwargs)

        setattr(owner, attr, timed)
        self._undo.append((owner, attr, original))
        return True

    def __enter__(self) -> "StageTimer":
        return self

    def __exit__(self, *exc) -> None:
        for owner, attr, original in reversed(self._undo):
            setattr(owner, attr, original)
        self._undo.clear()


class _TimedComponent:
    """Stands in for a pipeline component (called as proc(doc), so __call__ is looked up on the type)."""

    def __init__(self, component, stage: str, timer: StageTimer) -> None:
        self.component, self.stage, self.timer = component, stage, timer

    def __call__(self, doc):
        return self.timer.call(self.stage, self.component, doc)


# (stage, group, functions timed, what it covers). A function is timed wherever the code path can call it
# from: under every name any extractor module binds it to (claims.py moves work between modules as it
# evolves, so nothing here depends on who calls what). A method is given as "module.Class.method". Each
# stage's time is exclusive of the other stages'; groups are the issue's stages.
STAGES = [
    ("read", "read", ["batch.process_file"], "process_file itself: skip checks, read bytes, sha256, doc id"),
    ("decode", "decode", ["reader.decode", "reader.matching_view"], "decode bytes, matching view"),
    ("layout", "layout+tokenize", ["layout.analyse"], "lines, roles, sentences"),
    ("tokenize", "layout+tokenize", ["nlp.tokenizer"], "spaCy tokenizer, sentences that are tokenized"),
    ("numbers", "match", ["numbers.find_numbers"], "find_numbers, every call"),
    ("dates", "match", ["dates.find_dates"], "find_dates, every call"),
    ("regions", "match", ["regions.Gazetteer.find"], "Gazetteer.find, every call"),
    ("cues", "match", ["cues.find_cues"], "find_cues, every call"),
    ("qualifiers", "match", ["cues.qualifier_before", "cues.qualifier_after"], "qualifier patterns next to numbers"),
    ("components", "match", ["component:*"], "spaCy components: mentions -> spans"),
    ("context", "assemble claims", [f"context.{f}" for f in ("article_context", "_sentence_infos", "_reference_date",
                                                            "_governing", "_contexts", "_dateline_region")]
     + ["claims._share_out"], "sharing mentions out to sentences, governing and inherited date/region"),
    ("assemble", "assemble claims", ["claims._claims_in_doc", "claims._dedupe"], "claims from docs, dedupe"),
    ("rows", "assemble claims", ["facts.row_for"], "fact rows"),
    ("other", "assemble claims", ["claims.extract_claims", "facts.facts_for"],
     "extract_claims itself (what no stage above covers)"),
    ("write", "write", [], "facts.to_frame + facts.write_table (CSV), once for the corpus"),
]


def _wrap_everywhere(timer: "StageTimer", target: str, stage: str, nlp) -> bool:
    """Wrap `target` ("module.function", "module.Class.method" or "nlp.tokenizer") under every name an
    extractor module binds the same object to. False when it does not exist."""
    import importlib

    if target == "nlp.tokenizer":
        return timer.wrap(nlp, "tokenizer", stage)
    module_name, _, rest = target.partition(".")
    try:
        module = importlib.import_module(f"extractor.{module_name}")
    except ImportError:
        return False
    if "." in rest:  # a method: wrap it on its class
        cls_name, method = rest.split(".", 1)
        cls = getattr(module, cls_name, None)
        return cls is not None and timer.wrap(cls, method, stage)
    original = getattr(module, rest, None)
    if original is None:
        return False
    owners = [m for name, m in list(sys.modules.items())
              if m is not None and (name == "extractor" or name.startswith("extractor."))]
    for owner in owners:
        for attr, value in list(vars(owner).items()):
            if value is original:
                timer.wrap(owner, attr, stage)
    return True


def stage_bench(paths: list[Path], root: Path, out_csv: Path) -> dict:
    """The per-article loop with timers around the functions the real code path calls."""
    import importlib

    from extractor import batch, facts, pipeline

    for name in ("batch", "claims", "context", "cues", "dates", "facts", "layout", "numbers", "reader", "regions"):
        try:
            importlib.import_module(f"extractor.{name}")
        except ImportError:
            pass
    nlp = pipeline.build_nlp()
    timer = StageTimer()
    missing = []
    original_pipeline = list(nlp._components)
    for stage, _group, targets, _what in STAGES:
        if targets == ["component:*"]:
            continue
        if targets and not any([_wrap_everywhere(timer, t, stage, nlp) for t in targets]):
            missing.append(f"{stage} ({', '.join(targets)})")
    nlp._components = [(name, _TimedComponent(component, "components", timer))
                       for name, component in original_pipeline]
    try:
        with timer:
            start = time.perf_counter()
            results = [batch.process_file(p, root) for p in paths]
            loop = time.perf_counter() - start
    finally:
        nlp._components = original_pipeline
    rows = [row for r in results for row in r.rows]
    start = time.perf_counter()
    facts.write_table(facts.to_frame(rows), out_csv)
    write = time.perf_counter() - start

    stages = {stage: timer.seconds.get(stage, 0.0) for stage, *_ in STAGES}
    stages["write"] = write
    calls = {stage: timer.calls.get(stage, 0) for stage, *_ in STAGES}
    calls["write"] = 1
    untimed = loop - sum(v for k, v in stages.items() if k != "write")
    return {"loop_seconds": loop, "stages": stages, "calls": calls, "missing": missing, "untimed": untimed,
            "tokenized": timer.calls.get("tokenize", 0), "facts": len(rows)}


def profile_bench(paths: list[Path], root: Path, top: int) -> str:
    from extractor.batch import process_file

    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        process_file(path, root)
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    lines = buffer.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    header = next((line.strip() for line in lines if "function calls" in line), "")
    return "\n".join([header, ""] + [line.rstrip() for line in lines[start:] if line.strip()])


DASK_CHILD = r"""
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from distributed import LocalCluster
from extractor.distributed import run_dask
cluster = LocalCluster(n_workers=int(sys.argv[3]), processes=True, threads_per_worker=1, dashboard_address=None)
up = time.perf_counter()
summary = run_dask(Path(sys.argv[1]), Path(sys.argv[2]), scheduler=cluster.scheduler_address)
done = time.perf_counter()
# Again on the same cluster: workers have built their pipelines, so this is the steady-state rate.
warm_out = Path(sys.argv[2]).with_name("dask-warm.csv")
run_dask(Path(sys.argv[1]), warm_out, scheduler=cluster.scheduler_address)
warm = time.perf_counter()
cluster.close()
print(json.dumps({"cluster_start_s": up - start, "run_s": done - up, "warm_run_s": warm - done,
                  "partitions": len(summary.partitions), "line": summary.line()}))
"""


def dask_bench(folder: Path, out: Path, workers: int, log_dir: Path) -> dict:
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        return {"skipped": "dask.distributed is not installed"}
    child = run_child([sys.executable, "-c", DASK_CHILD, str(folder), str(out), str(workers)], log_dir, "dask")
    figures = json.loads(child["stdout"].splitlines()[-1])
    figures["wall_s"] = child["wall_s"]
    return figures


# ------------------------------------------------------------------------------------------ report

def rate(n: int, nbytes: int, seconds: float) -> tuple[float, float]:
    seconds = max(seconds, 1e-9)
    return n / seconds, nbytes / seconds / 1e6


def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [fmt_row(header, widths), fmt_row(["-" * w for w in widths], widths)]
    lines += [fmt_row([str(c) for c in r], widths) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="articles in the corpus (default 500)")
    parser.add_argument("--big", type=int, default=4, help="memory check at N and BIG*N articles (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="parallel run to compare with --workers 1")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the corpus")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the --workers 1 and --workers N commands this many times, keep the fastest")
    parser.add_argument("--top", type=int, default=15, help="profile lines to print")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-snapshot", action="store_true",
                        help="measure the live work tree (default: a frozen copy of extractor/ and rules/, so "
                             "edits made while the benchmark runs cannot mix two versions of the code)")
    parser.add_argument("--keep", type=Path, default=None, help="build the corpus here and keep it")
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="also dump the figures as JSON to FILE (or stdout with no FILE)")
    args = parser.parse_args(argv)
    n, big_n = args.n, args.n * args.big

    work = (args.keep or Path(tempfile.mkdtemp(prefix="extractor-bench-"))).absolute()
    work.mkdir(parents=True, exist_ok=True)
    log = work / "logs"
    log.mkdir(exist_ok=True)
    try:
        snapshot = None if args.no_snapshot else snapshot_code(work / "code")
        figures: dict = {"n": n, "big_n": big_n, "repeat": args.repeat, "git": git_state(), "snapshot": snapshot,
                         "python": platform.python_version(), "cpus": os.cpu_count(),
                         "machine": platform.machine(), "load_before": os.getloadavg(),
                         "code_before": snapshot or code_fingerprint()}
        if snapshot:
            # Both this process and the children must import the frozen copy.
            import extractor

            child = subprocess.run([sys.executable, "-c", "import extractor; print(extractor.__file__)"],
                                   capture_output=True, text=True, check=True, cwd=work).stdout.strip()
            for where in (extractor.__file__, child):
                if not Path(where).resolve().is_relative_to((work / "code").resolve()):
                    raise SystemExit(f"the snapshot is not imported: extractor comes from {where}")
        # -- corpus: the first N articles of the 4N folder are the N folder
        t = time.perf_counter()
        big_paths = build_corpus(work / "big", big_n, args.seed)
        small = work / "small"
        small.mkdir(exist_ok=True)
        paths = []
        for p in big_paths[:n]:
            shutil.copyfile(p, small / p.name)
            paths.append(small / p.name)
        one = work / "one"
        one.mkdir(exist_ok=True)
        shutil.copyfile(paths[0], one / paths[0].name)
        nbytes = sum(p.stat().st_size for p in paths)
        big_bytes = sum(p.stat().st_size for p in big_paths)
        figures["corpus"] = {"build_s": time.perf_counter() - t, "bytes": nbytes, "big_bytes": big_bytes,
                             "distinct": len({sha256_of(p) for p in big_paths}) == big_n}

        # -- the installed command, as child processes
        cli = extractor_command()
        # Start-up: the least wall and the least CPU of three runs on a one-article folder.
        starts = [run_child(cli + ["extract", str(one), "--out", str(work / "one.csv"), "--workers", "1"],
                            log, f"startup{k}") for k in range(3)]
        startup = {"wall_s": min(r["wall_s"] for r in starts), "cpu_s": min(r["cpu_s"] for r in starts),
                   "peak_rss_mib": min(r["peak_rss_mib"] for r in starts)}
        # Best of --repeat runs (other processes on a shared machine only ever slow a run down).
        w1 = min((run_child(cli + ["extract", str(small), "--out", str(work / "w1.csv"), "--workers", "1"],
                            log, f"w1-{k}") for k in range(args.repeat)), key=lambda r: r["wall_s"])
        wn = min((run_child(cli + ["extract", str(small), "--out", str(work / "wn.csv"), "--workers", str(args.workers)],
                            log, f"wn-{k}") for k in range(args.repeat)), key=lambda r: r["wall_s"])
        big = run_child(cli + ["extract", str(work / "big"), "--out", str(work / "big.csv"), "--workers", "1"],
                        log, "big")
        figures["cli"] = {"command": cli, "startup": startup, "w1": w1, "wn": wn, "big": big,
                          "workers": args.workers,
                          "wn_equals_w1": sha256_of(work / "w1.csv") == sha256_of(work / "wn.csv")}

        # -- in-process: tokenizer, per-article function, stages, profile
        texts = [p.read_bytes().decode("utf-8") for p in paths]
        figures["tokenizer"] = tokenizer_bench(texts)
        figures["pipeline_build_s"] = fresh_pipeline()
        warm(SEEDS)
        figures["per_article"] = per_article_bench(paths, small)
        fresh_pipeline()
        warm(SEEDS)
        figures["stages"] = stage_bench(paths, small, work / "stages.csv")
        figures["stages"]["csv_equals_w1"] = sha256_of(work / "stages.csv") == sha256_of(work / "w1.csv")
        if not args.no_profile:
            fresh_pipeline()
            warm(SEEDS)
            figures["profile"] = profile_bench(paths, small, args.top)

        # -- Dask engine on a local cluster
        if not args.no_dask:
            figures["dask"] = dask_bench(small, work / "dask.csv", args.workers, log)
            if "skipped" not in figures["dask"]:
                figures["dask"]["equals_w1"] = sha256_of(work / "dask.csv") == sha256_of(work / "w1.csv")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    figures["load_after"] = os.getloadavg()
    figures["code_after"] = figures["code_before"] if snapshot else code_fingerprint()

    print(report(figures))
    if args.json:
        text = json.dumps(figures, indent=2, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


def report(f: dict) -> str:
    n, big_n, nbytes = f["n"], f["big_n"], f["corpus"]["bytes"]
    cli, tok, per, st = f["cli"], f["tokenizer"], f["per_article"], f["stages"]
    start, start_cpu = cli["startup"]["wall_s"], cli["startup"]["cpu_s"]
    net1 = cli["w1"]["wall_s"] - start
    netn = cli["wn"]["wall_s"] - start
    netbig = cli["big"]["wall_s"] - start
    tok_aps = n / tok["seconds"]
    tok_cpu_aps = n / tok["cpu_s"]
    changed = f["code_before"] != f["code_after"]
    out = [f"# corpus: {n} articles, {nbytes / 1e6:.2f} MB (memory check: {big_n} articles, "
           f"{f['corpus']['big_bytes'] / 1e6:.2f} MB); all distinct: {f['corpus']['distinct']}; "
           f"commands: best of {f.get('repeat', 1)}",
           f"# machine: {f['cpus']} CPUs, Python {f['python']}; load average before "
           f"{f['load_before'][0]:.2f}, after {f['load_after'][0]:.2f}",
           f"# code: git {f.get('git', '?')}; "
           + (f"frozen copy {f['code_before']} (extractor/ + rules/ copied at start, first on PYTHONPATH)"
              if f.get("snapshot") else f"live work tree {f['code_before']}")
           + (f" CHANGED during the run to {f['code_after']}: equality checks are void" if changed else
              " (unchanged during the run)"), ""]

    rows = []

    def add(label: str, count: int, size: int, seconds: float, cpu: float | None, note: str = "") -> None:
        aps, mbs = rate(count, size, seconds)
        cpu_cells = [f"{cpu:.2f}", f"{count / cpu:.1f}", f"{(count / cpu) / tok_cpu_aps:.3f}"] if cpu else ["-", "-", "-"]
        rows.append([label, f"{seconds:.2f}", f"{aps:.1f}", f"{mbs:.3f}", f"{aps / tok_aps:.3f}", *cpu_cells, note])

    add("spaCy blank('id') tokenizer (in-process)", n, nbytes, tok["seconds"], tok["cpu_s"],
        f"{tok['tokens']} tokens, best of 3")
    add("extractor extract --workers 1 (net)", n, nbytes, net1, cli["w1"]["cpu_s"] - start_cpu,
        f"wall {cli['w1']['wall_s']:.2f}s - start-up {start:.2f}s")
    add("batch.process_file loop (in-process)", n, nbytes, per["seconds"], per["cpu_s"], f"{per['facts']} facts")
    add(f"extractor extract --workers {cli['workers']} (net)", n, nbytes, netn, None,
        f"wall {cli['wn']['wall_s']:.2f}s, CPU {cli['wn']['cpu_s']:.2f}s all processes")
    add(f"extractor extract --workers 1, {big_n} articles (net)", big_n, f["corpus"]["big_bytes"], netbig,
        cli["big"]["cpu_s"] - start_cpu, f"wall {cli['big']['wall_s']:.2f}s")
    if "dask" in f and "skipped" not in f["dask"]:
        d = f["dask"]
        add(f"Dask engine, LocalCluster {cli['workers']}x1 (first run)", n, nbytes, d["run_s"], None,
            f"+ cluster start {d['cluster_start_s']:.2f}s; {d['partitions']} partitions")
        if "warm_run_s" in d:
            add("Dask engine, same cluster, warm workers", n, nbytes, d["warm_run_s"], None,
                "second run_dask: pipelines already built")
    out.append(table(["throughput", "wall s", "articles/s", "MB/s", "vs tok", "CPU s", "articles/CPU-s",
                      "vs tok (CPU)", "note"], rows))
    out.append("")
    out.append(f"ratio (extraction speed / tokenizer speed), --workers 1 net: {(n / net1) / tok_aps:.3f} by wall time, "
               f"{(n / (cli['w1']['cpu_s'] - start_cpu)) / tok_cpu_aps:.3f} by CPU time; in-process per-article "
               f"function: {(n / per['seconds']) / tok_aps:.3f} by wall, {(n / per['cpu_s']) / tok_cpu_aps:.3f} by CPU")
    out.append(f"start-up (interpreter + imports + spaCy pipeline build + 1 article): {start:.2f}s wall, "
               f"{start_cpu:.2f}s CPU; pipeline build alone (in-process): {f['pipeline_build_s']:.2f}s")
    speedup = net1 / netn if netn > 0 else float("nan")
    out.append(f"--workers {cli['workers']} vs --workers 1: wall {cli['wn']['wall_s']:.2f}s vs {cli['w1']['wall_s']:.2f}s "
               f"(x{cli['w1']['wall_s'] / cli['wn']['wall_s']:.2f}; net x{speedup:.2f}); "
               f"outputs byte-identical: {cli['wn_equals_w1']}")
    if "dask" in f:
        d = f["dask"]
        out.append("Dask engine: " + (d["skipped"] if "skipped" in d else
                   f"child wall {d['wall_s']:.2f}s (cluster start {d['cluster_start_s']:.2f}s, first run {d['run_s']:.2f}s, "
                   f"warm run {d.get('warm_run_s', float('nan')):.2f}s); "
                   f"output byte-identical to --workers 1: {d['equals_w1']}"))
    r1, rb = cli["w1"]["peak_rss_mib"], cli["big"]["peak_rss_mib"]
    out.append(f"peak RSS, --workers 1: {r1:.1f} MiB at {n} articles, {rb:.1f} MiB at {big_n} articles "
               f"({(rb - r1) / (big_n - n) * 1024:.1f} KiB per extra article); --workers {cli['workers']} "
               f"(largest process): {cli['wn']['peak_rss_mib']:.1f} MiB")
    out.append("")

    total = sum(st["stages"].values())
    rows, groups = [], defaultdict(float)
    for key, group, _targets, what in STAGES:
        seconds = st["stages"].get(key, 0.0)
        groups[group] += seconds
        rows.append([key, group, str(st["calls"].get(key, "")), f"{seconds:.3f}", f"{seconds / n * 1000:.2f}",
                     f"{100 * seconds / total:.1f}%", what])
    out.append(f"stages (in-process, timers around the real code path; {st['tokenized']} sentences tokenized, "
               f"{st['facts']} facts; CSV equals the command's: {st['csv_equals_w1']}):")
    out.append(table(["stage", "group", "calls", "seconds", "ms/article", "share", "covers"], rows))
    out.append(f"(loop {st['loop_seconds']:.3f}s; outside every stage: {st.get('untimed', 0.0):.3f}s)")
    if st["missing"]:
        out.append(f"(stages whose functions no longer exist, not timed: {'; '.join(st['missing'])})")
    out.append("")
    out.append(table(["group", "seconds", "ms/article", "share"],
                     [[g, f"{s:.3f}", f"{s / n * 1000:.2f}", f"{100 * s / total:.1f}%"] for g, s in groups.items()]))
    out.append(f"(tokenizer over whole articles, for scale: {tok['seconds'] / n * 1000:.2f} ms/article)")
    if "profile" in f:
        out += ["", f"profile (cProfile, batch.process_file over the {n} articles, top {f['profile'].count(chr(10)) - 2} "
                    "by cumulative time):", f["profile"]]
    out.append("")
    out.append(projection(f))
    return "\n".join(out)


def projection(f: dict) -> str:
    """1 million articles: one machine like this one vs ten, from the measured rates. Two figures each:
    from the measured parallel wall times (what this machine gave, with whatever else ran on it) and
    from the CPU-time rate of one process times the cores (what idle cores would give)."""
    n, cli, cpus = f["n"], f["cli"], f["cpus"] or 1
    start = cli["startup"]
    per_core_cpu = n / (cli["w1"]["cpu_s"] - start["cpu_s"])
    machine = n / (cli["wn"]["wall_s"] - start["wall_s"])
    ideal = per_core_cpu * min(cpus, cli["workers"])
    million = 1_000_000
    write_per_fact = f["stages"]["stages"]["write"] / max(1, f["stages"]["facts"])
    facts_per_article = f["stages"]["facts"] / n
    merge = million * facts_per_article * write_per_fact
    lines = [f"projection for 1,000,000 articles ({per_core_cpu:.1f} articles per CPU-second in one process; "
             f"{facts_per_article:.1f} facts/article):",
             f"  1 machine ({cpus} CPUs), --workers {cli['workers']}: {million / machine / 3600:.1f} h at the measured "
             f"{machine:.1f} articles/s; {million / ideal / 3600:.1f} h at {ideal:.1f} articles/s on idle cores"]
    if "dask" in f and "skipped" not in f["dask"]:
        d = f["dask"]
        dask_rate = n / d.get("warm_run_s", d["run_s"])
        fixed = d["cluster_start_s"] + max(0.0, d["run_s"] - d.get("warm_run_s", d["run_s"]))
        lines.append(f"  10 such machines on Dask ({10 * cli['workers']} workers): "
                     f"{million / (10 * dask_rate) / 3600:.2f} h at the measured warm local-cluster rate of "
                     f"{dask_rate:.1f} articles/s per machine; {million / (10 * ideal) / 3600:.2f} h on idle cores; "
                     f"+ {fixed:.0f} s start-up (cluster, worker pipelines) + ~{merge / 60:.0f} min to write the merged "
                     f"table on the client ({write_per_fact * 1e6:.1f} us/fact)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
