"""Counting on a Dask cluster: the analysis universe cut into shards of whole cases, each shard's additive parts
computed by a worker in its own DuckDB with pv's own SQL, and the parts summed here (issue 14).

Why parts. No case is in two shards, so every number the 2x2 tables need sums over shards: the pair counts a,
the drug and event margins, N and the per-stratum counts (``sql/analytics/shard_parts.sql``). The reduction
(``sql/analytics/drug_event_counts.sql``) sums them by key and computes b, c, d and E once: the very code that
counts on one node, where the whole universe is a single shard. Summing finished 2x2 rows instead would be wrong:
a shard where a pair has a = 0 emits no row for it, and its b, c and d would be lost.

What stays central. Standardization and duplicate detection compare cases with each other, so they run where the
database is; the universe is exported after them (``shard_export.sql``) as Parquet partitioned by case, to
``shard_path``: a folder every worker can read (local, NFS, or object storage mounted as a path).

Every worker must run the pv version this process runs; that is checked before any work is sent.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from pv import __version__, db
from pv.errors import PvError

PARTS = ("pair", "drug", "event", "total", "stratum", "drug_stratum", "event_stratum")
KINDS = ("exposure", "event", "case")


def shard_parts(shard_path: str, shard: int, stratified: bool) -> dict[str, pa.Table]:
    """One shard's additive parts (run on a worker): its Parquet read into an in-memory DuckDB, then
    ``shard_parts.sql``."""
    con = duckdb.connect()
    try:
        db.execute(con, "analytics/shard_load",
                   {f"{kind}_glob": str(Path(shard_path) / kind / f"shard={shard}" / "*.parquet") for kind in KINDS})
        db.execute(con, "analytics/shard_parts", {"stratified": stratified})
        return {name: con.sql(f"select * from part_{name}").to_arrow_table() for name in PARTS}  # noqa: S608 (fixed)
    finally:
        con.close()


def _client(cluster: dict):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise PvError("engine = \"dask\" needs the optional extra: install pv with `pip install 'pv[dask]'` (or "
                      "`uv sync --extra dask`) on this machine and every worker.") from None
    if cluster.get("scheduler"):
        try:
            return Client(cluster["scheduler"], timeout="20s"), None
        except OSError as exc:
            raise PvError(f"Cannot reach the Dask scheduler at {cluster['scheduler']} ({exc}): start it with "
                          "`dask scheduler`, or check [dask] scheduler in pv.toml.") from None
    local = LocalCluster(n_workers=int(cluster.get("local_workers") or 2), threads_per_worker=1, processes=True,
                         dashboard_address=None)
    return Client(local), local


def check_versions(client) -> None:
    """Refuse a cluster whose workers run another pv version (or none)."""
    def version() -> str:
        try:
            import pv
            return pv.__version__
        except ImportError:
            return "not installed"

    found = client.run(version)
    wrong = {worker: v for worker, v in found.items() if v != __version__}
    if not found:
        raise PvError("The Dask cluster has no worker: start some with `dask worker SCHEDULER --nthreads 1`.")
    if wrong:
        listed = ", ".join(f"{w} runs pv {v}" for w, v in sorted(wrong.items()))
        raise PvError(f"Every Dask worker must run pv {__version__}, as this process does: {listed}. Install the "
                      "same pv on them and restart them.")


def count_on_cluster(con: duckdb.DuckDBPyConnection, settings) -> int:
    """Export the analysis universe in shards, have the cluster compute each shard's parts, and write their union
    as ``all_part_*`` for ``drug_event_counts.sql`` to sum. Returns the number of shards."""
    cluster = settings.cluster or {}
    n_cases = db.one(con, "select count(*) from analysis_case")[0]
    shards = max(1, min(int(cluster.get("shards") or 8), n_cases))
    owned_path = not cluster.get("shard_path")
    if owned_path and cluster.get("scheduler"):
        raise PvError("A Dask cluster's workers read the shards from a shared folder: set [dask] shard_path in pv.toml "
                      "to a path every worker can read (NFS, or object storage mounted as a folder).")
    path = Path(cluster.get("shard_path") or tempfile.mkdtemp(prefix="pv-shards-"))
    client, local = _client(cluster)
    try:
        check_versions(client)
        if path.exists() and not owned_path:
            for kind in KINDS:      # a previous run's shards would mix with this one's
                shutil.rmtree(path / kind, ignore_errors=True)
        db.execute(con, "analytics/macros")
        db.execute(con, "analytics/shard_export", {**{f"{k}_path": str(path / k) for k in KINDS},
                                                   "shards": shards, "stratified": settings.stratified})
        futures = client.map(shard_parts, [str(path)] * shards, range(shards), [settings.stratified] * shards,
                             pure=False)
        parts = client.gather(futures)
    finally:
        client.close()
        if local is not None:
            local.close()
        if owned_path:
            shutil.rmtree(path, ignore_errors=True)
    for name in PARTS:
        con.register("incoming_parts", pa.concat_tables([p[name] for p in parts]))
        try:
            con.execute(f"create or replace temp table all_part_{name} as select * from incoming_parts")  # noqa: S608
        finally:
            con.unregister("incoming_parts")
    return shards
