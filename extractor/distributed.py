"""The Dask engine: the same per-article function as the local path (`batch.process_file`), run on a
Dask cluster (dask.distributed), for corpora larger than one machine can read in time.

    run_dask("corpus/", Path("out/facts.csv"), scheduler="tcp://10.0.0.5:8786")

* Input: a directory (every file under it, as `batch.list_files` lists them) or a file list (a text
  file, one article path per line; blank lines and lines starting with '#' are ignored; relative paths
  are relative to the list's folder), or a Python sequence of paths. Directory and list are opened
  on a worker, so they need only be reachable by the workers (a shared file system, same mount point).
* Work: the paths are cut into partitions in the table's order (doc_id, then path); a task runs `batch.process_file` on
  each path of its partition and writes the partition's facts as Parquet to
  `partitions_dir/part-00000.parquet`, ... (default `out.parent / (out.stem + ".parts")`), atomically
  (facts.write_table). The partition files together are the facts table as a Parquet dataset
  (`pandas.read_parquet(partitions_dir)`).
* Output: the merged table at `out` (CSV or Parquet by extension), streamed partition by partition as the
  local path streams it (`facts.TableWriter`; the client holds one partition's rows at a time), so it is
  byte-for-byte the file `extractor extract --workers N` writes for the same input.
* Scheduler: an address ("tcp://host:8786", or any address a `distributed.Client` accepts), or None
  for a LocalCluster of 2 worker processes with one thread each and no dashboard.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from extractor.batch import FileResult, Summary, list_files, process_file, table_order
from extractor.facts import TableWriter, to_frame, write_table

PART_PATTERN = "part-{:05d}.parquet"
MAX_PARTITION = 500          # articles per partition at most: a task of ~10 s, small enough to balance
TASKS_PER_THREAD = 4         # partitions per worker thread at least, when there are enough articles
LOCAL_WORKERS = 2


@dataclass
class DaskSummary(Summary):
    """A batch Summary (same counts, `line()` and `exit_code()`) plus where the partitions went."""

    partitions: list[Path] = field(default_factory=list)
    scheduler: str = ""


# ------------------------------------------------------------------------------ run on the workers

def _expand(source: str) -> tuple[str, list[str]]:
    """(root, paths) of a directory or a file list, as this machine sees them."""
    path = Path(source)
    if path.is_dir():
        return str(path), [str(p) for p in list_files(path)]
    if not path.is_file():
        raise FileNotFoundError(f"{source}: neither a directory nor a file list the workers can read")
    paths = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            item = Path(line)
            paths.append(str(item if item.is_absolute() else path.parent / item))
    return _common_root(paths), paths


def _common_root(paths: Sequence[str]) -> str:
    """The deepest folder holding every path: doc ids are relative to it."""
    if not paths:
        return "."
    return os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])


def _prepare(parts_dir: str) -> None:
    """Create the partitions folder and drop part files of an earlier run, which could outnumber ours."""
    folder = Path(parts_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("part-*.parquet"):
        stale.unlink()


def _warm() -> None:
    from extractor.pipeline import build_nlp

    build_nlp()


def _run_partition(index: int, paths: Sequence[str], root: str, parts_dir: str) -> tuple[list[FileResult], int]:
    """Extract one partition; write its facts as Parquet; return its results (with their rows, which the
    client streams into the merged table, exactly as the local path writes it) and the rows written."""
    root_path = Path(root)
    results = [process_file(Path(p), root_path) for p in paths]
    rows = [row for r in results for row in r.rows]
    write_table(to_frame(rows), Path(parts_dir) / PART_PATTERN.format(index))
    return results, len(rows)


# ------------------------------------------------------------------------------------ the client

def _partition_size(n_paths: int, n_threads: int) -> int:
    return max(1, min(MAX_PARTITION, math.ceil(n_paths / max(1, n_threads * TASKS_PER_THREAD))))


def _client_side(path: str | Path) -> str:
    """An absolute path when the client sees the file (workers started here share our folders);
    unchanged otherwise (a path only the cluster's machines know)."""
    p = Path(path)
    return str(p.absolute()) if not p.is_absolute() and p.exists() else str(p)


def run_dask(paths_or_dir: str | Path | Sequence[str | Path], out: Path, scheduler: str | None = None,
             partitions_dir: Path | None = None, *, root: Path | None = None,
             partition_size: int | None = None) -> DaskSummary:
    """Extract every article of `paths_or_dir` on a Dask cluster into the facts table `out`.

    paths_or_dir: a directory, a file list (one path per line), or a sequence of article paths.
    out: the merged facts table (.csv or .parquet); identical to the local engine's.
    scheduler: a Dask scheduler address; None starts a LocalCluster (2 processes x 1 thread).
    partitions_dir: where part-NNNNN.parquet go (default: out.parent / (out.stem + ".parts")).
    root: the folder doc ids are relative to (default: the directory; for a list, the deepest
        folder holding every path).
    partition_size: articles per task (default: about 4 tasks per worker thread, at most 500).
    """
    from distributed import Client, LocalCluster

    out = Path(out).absolute()
    parts_dir = Path(partitions_dir).absolute() if partitions_dir else out.parent / (out.stem + ".parts")
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=LOCAL_WORKERS, processes=True, threads_per_worker=1,
                               dashboard_address=None)
        address = cluster.scheduler_address
    else:
        address = scheduler
    try:
        with Client(address) as client:
            if isinstance(paths_or_dir, (str, Path)):
                base, paths = client.submit(_expand, _client_side(paths_or_dir), pure=False).result()
            else:
                paths = [_client_side(p) for p in paths_or_dir]
                base = _common_root(paths)
            base = _client_side(root) if root is not None else base
            client.submit(_prepare, str(parts_dir), pure=False).result()
            client.run(_warm)  # every worker builds its spaCy pipeline once, before the work
            n_threads = sum(client.nthreads().values())
            size = partition_size or _partition_size(len(paths), n_threads)
            # In the table's order (doc_id, then path), so each partition's rows follow the last one's and
            # the merged table is streamed partition by partition, never held whole on the client.
            paths = [str(p) for p in table_order([Path(p) for p in paths], Path(base))]
            chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
            futures = [client.submit(_run_partition, i, chunk, base, str(parts_dir), pure=False)
                       for i, chunk in enumerate(chunks)]
            results: list[FileResult] = []
            with TableWriter(out) as table:
                for future in futures:   # in partition order
                    part_results, written = future.result()
                    future.release()
                    rows = [row for r in part_results for row in r.rows]
                    if written != len(rows):
                        raise RuntimeError(f"a partition holds {written} rows but its worker returned {len(rows)}")
                    table.write(rows)
                    results += [replace(r, rows=(), rows_written=len(r.rows)) for r in part_results]
    finally:
        if cluster is not None:
            cluster.close()
    partitions = [parts_dir / PART_PATTERN.format(i) for i in range(len(chunks))]
    return DaskSummary(results, partitions=partitions, scheduler=address)
