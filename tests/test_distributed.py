"""The Dask engine (extractor/distributed.py) writes the same facts table as the local path, plus one
Parquet file per partition."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'dask[distributed]')")

from distributed import LocalCluster  # noqa: E402

from extractor.batch import run_extract  # noqa: E402
from extractor.distributed import run_dask  # noqa: E402
from extractor.facts import write_table  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def local_csv(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "facts.csv"
    summary = run_extract(CORPUS, out, workers=1, progress=False)
    assert summary.count("extracted") == len(list(CORPUS.glob("*.txt")))
    return out


def test_default_local_cluster_matches_local_path(tmp_path: Path, local_csv: Path) -> None:
    """scheduler=None: a LocalCluster of 2 worker processes; CSV output byte-equal to the local path."""
    out = tmp_path / "facts.csv"
    summary = run_dask(CORPUS, out, scheduler=None)

    assert out.read_bytes() == local_csv.read_bytes()
    n_articles = len(list(CORPUS.glob("*.txt")))
    assert summary.count("extracted") == n_articles
    assert summary.facts == len(pd.read_csv(local_csv))
    parts_dir = tmp_path / "facts.parts"
    assert summary.partitions and all(p.parent == parts_dir for p in summary.partitions)
    assert sorted(parts_dir.glob("part-*.parquet")) == summary.partitions
    assert all(p.stat().st_size > 0 for p in summary.partitions)
    # The partitions together are the table (a Parquet dataset).
    dataset = pd.concat([pd.read_parquet(p) for p in summary.partitions], ignore_index=True)
    assert len(dataset) == summary.facts
    assert set(dataset["doc_id"]) == set(pd.read_csv(local_csv)["doc_id"])


def test_scheduler_address_file_list_and_parquet(tmp_path: Path, local_csv: Path) -> None:
    """A given scheduler address, a file list as input, Parquet output and a chosen partitions folder."""
    listing = tmp_path / "articles.txt"
    listing.write_text("# articles\n" + "".join(f"{p}\n" for p in sorted(CORPUS.glob("*.txt"))) + "\n")
    out = tmp_path / "facts.parquet"
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-00099.parquet").write_bytes(b"stale")  # an earlier, larger run's leftover
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        summary = run_dask(listing, out, scheduler=cluster.scheduler_address, partitions_dir=parts,
                           partition_size=2)

    # The Parquet table holds the same rows and types: written out as CSV it is the local CSV, byte for byte.
    roundtrip = tmp_path / "roundtrip.csv"
    write_table(pd.read_parquet(out), roundtrip)
    assert roundtrip.read_bytes() == local_csv.read_bytes()
    assert summary.facts == len(pd.read_parquet(out))
    n_articles = len(list(CORPUS.glob("*.txt")))
    assert len(summary.partitions) == -(-n_articles // 2)
    assert sorted(parts.glob("part-*.parquet")) == summary.partitions
