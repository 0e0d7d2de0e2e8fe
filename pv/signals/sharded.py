"""Counting on a Dask cluster: the analysis universe cut into shards of whole cases, each shard's additive parts
computed by a worker in its own DuckDB with pv's own SQL, and the parts summed here (issue 14).

Why parts. No case is in two shards, so every number the 2x2 tables need sums over shards: the pair counts a,
the drug and event margins, N and the per-stratum counts (``sql/analytics/shard_parts.sql``). The reduction
(``sql/analytics/drug_event_counts.sql``) sums them by key and computes b, c, d and E once: the very code that
counts on one node, where the whole universe is a single shard. Summing finished 2x2 rows instead would be wrong:
a shard where a pair has a = 0 emits no row for it, and its b, c and d would be lost.

The same holds for the subgroup tables (the counts cross-classified by sex, age band and report year,
``subgroup_parts.sql``) and for time to signal (each quarter's changes of the tables, sums over case versions,
``asof_delta_parts.sql``): three kinds of :class:`Work`, one map-and-reduce.

What stays central. Standardization and duplicate detection compare cases with each other, so they run where the
database is (and so does finding each case's versions and duplicates as they stood at each quarter end); the
inputs are exported after them (``shard_export.sql``, ``asof_shard_export.sql``) as Parquet partitioned by case
(or case version), to ``shard_path``: a folder every worker can read (local, NFS, or object storage mounted as a
path).

Every worker must run the pv version this process runs; that is checked before any work is sent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from pv import __version__, db
from pv.errors import PvError


@dataclass(frozen=True)
class Work:
    """One kind of sharded work: an export that cuts a table set into shards (``export``, writing each input under
    its folder, with a zero-row ``schema.parquet`` of its columns), the name each input has in the parts' SQL
    (``inputs``: folder -> table), the SQL a worker runs on one shard (``parts_sql``), and the part tables it
    leaves (``part_<name>``), which the caller sums (as ``all_part_<name>``). On one node the whole is one shard:
    ``local_inputs`` names the tables in place and the same parts' SQL runs on them."""

    export: str
    inputs: dict[str, str]
    parts_sql: str
    parts: tuple[str, ...]
    units: str                      # the table of the units shards are made of (no more shards than its rows)
    local_inputs: str | None        # on one node, the SQL that names the inputs as the parts' SQL reads them
    stratified_inputs: bool         # whether the export and the local inputs take the run's stratification


# the 2x2 tables' parts: a, the margins, N, per stratum (drug_event_counts.sql sums them)
COUNTS = Work("analytics/shard_export",
              {"exposure": "shard_exposure", "event": "shard_event", "case": "shard_case"},
              "analytics/shard_parts",
              ("pair", "drug", "event", "total", "stratum", "drug_stratum", "event_stratum"),
              "analysis_case", "analytics/shard_inputs", True)
# the subgroup tables' parts, by sex x age band x report year (drug_event_counts_subgroup.sql sums them)
SUBGROUPS = Work(COUNTS.export, COUNTS.inputs, "analytics/subgroup_parts",
                 ("sub_pair", "sub_drug", "sub_event", "sub_total"), "analysis_case", "analytics/shard_inputs",
                 True)
# the per-quarter changes of the 2x2 tables, for time to signal (asof_delta.sql sums them)
QUARTERS = Work("analytics/asof_shard_export",
                {"case_delta": "asof_case_delta", "exposure": "asof_exposure", "event": "asof_event",
                 "stratum": "asof_stratum"},
                "analytics/asof_delta_parts",
                ("pair_delta", "drug_delta", "event_delta", "total_delta", "drug_stratum_delta",
                 "event_stratum_delta", "total_stratum_delta"),
                "asof_version_key", None, False)      # asof_steps.sql leaves the inputs under these names
PARTS = COUNTS.parts


def shard_parts(shard_path: str, shard: int, work: Work, params: dict) -> dict[str, pa.Table]:
    """One shard's additive parts (run on a worker): its Parquet read into an in-memory DuckDB, then the work's
    parts SQL."""
    con = duckdb.connect(config=_worker_duckdb_config())
    try:
        con.execute("set enable_progress_bar = false")    # a worker's output is not a terminal anyone reads
        db.execute(con, "analytics/macros")
        for folder, table in work.inputs.items():
            files = Path(shard_path) / folder / f"shard={shard}"
            glob = str(files / "*.parquet") if any(files.glob("*.parquet")) else \
                str(Path(shard_path) / folder / "schema.parquet")     # this shard has no rows of this input
            db.execute(con, "analytics/shard_load", {"glob": glob}, identifiers={"input_table": table})
        db.execute(con, work.parts_sql, params)
        return {name: con.sql(f"select * from part_{name}").to_arrow_table() for name in work.parts}  # noqa: S608
    finally:
        con.close()


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a temp view or table of that (fixed) name, whichever it is (DuckDB refuses to drop one as the other)."""
    for kind in ("view", "table"):
        try:
            con.execute(f"drop {kind} if exists {name}")  # noqa: S608 (fixed names)
        except duckdb.CatalogException:
            pass


def use_local_parts(con: duckdb.DuckDBPyConnection, work: Work) -> None:
    """On one node the whole universe is the only shard: its parts are all the parts."""
    for name in work.parts:
        _drop(con, f"all_part_{name}")   # a table, left by a count on a cluster
        con.execute(f"create or replace temp view all_part_{name} as select * from part_{name}")  # noqa: S608


def _worker_duckdb_config() -> dict:
    """DuckDB's settings in a worker: its threads and a memory cap that fit the Dask worker (several share a node),
    PV_MEMORY_LIMIT when set; DuckDB spills to disk beyond the cap."""
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):
        worker = None
    if worker is not None:
        config["threads"] = max(1, int(worker.state.nthreads))
        limit = getattr(worker.memory_manager, "memory_limit", None)
        if limit:
            config["memory_limit"] = f"{max(256, int(limit * 0.6 / 2**20))}MiB"
    if os.environ.get("PV_MEMORY_LIMIT"):
        config["memory_limit"] = os.environ["PV_MEMORY_LIMIT"]
    return config


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


# Who runs the shards' work when not this module's own client: a function of (shard paths, shard numbers, works,
# params), each a list with one item per shard, returning the parts in shard order. The nightly flow sets it to map
# a Prefect task over its DaskTaskRunner (flows/nightly.py), so that each shard is a task run of the flow.
_MAPPER: ContextVar[Callable[..., list] | None] = ContextVar("pv_shard_mapper", default=None)


@contextmanager
def shards_mapped_by(mapper: Callable[..., list]) -> Iterator[None]:
    """Within this block, the shards' work is handed to ``mapper`` (the caller has checked its workers' versions
    with :func:`check_versions`)."""
    token = _MAPPER.set(mapper)
    try:
        yield
    finally:
        _MAPPER.reset(token)


def on_cluster(con: duckdb.DuckDBPyConnection, settings, work: Work, export_params: dict, params: dict,
               n_rows: int) -> int:
    """Export the work's inputs in shards, have the cluster compute each shard's parts, and write their union as
    ``all_part_<name>`` for the reduction to sum. ``n_rows``: the rows the export cuts (no more shards than that).
    Returns the number of shards."""
    cluster = settings.cluster or {}
    shards = max(1, min(int(cluster.get("shards") or 8), n_rows))
    owned_path = not cluster.get("shard_path")
    if owned_path and cluster.get("scheduler"):
        raise PvError("A Dask cluster's workers read the shards from a shared folder: set [dask] shard_path in pv.toml "
                      "to a path every worker can read (NFS, or object storage mounted as a folder).")
    path = Path(cluster.get("shard_path") or tempfile.mkdtemp(prefix="pv-shards-"))
    mapper = _MAPPER.get()
    client, local = (None, None) if mapper else _client(cluster)
    try:
        if client is not None:
            check_versions(client)
        for folder in work.inputs:      # a previous run's shards would mix with this one's
            shutil.rmtree(path / folder, ignore_errors=True)
        db.execute(con, "analytics/macros")
        paths = {f"{k}_path": str(path / k) for k in work.inputs}
        schemas = {f"{k}_schema": str(path / k / "schema.parquet") for k in work.inputs}
        db.execute(con, work.export, {**paths, **schemas, **export_params, "shards": shards})
        args = ([str(path)] * shards, list(range(shards)), [work] * shards, [params] * shards)
        if mapper:
            parts = mapper(*args)
        else:
            parts = client.gather(client.map(shard_parts, *args, pure=False))
    finally:
        if client is not None:
            client.close()
        if local is not None:
            local.close()
        if owned_path:
            shutil.rmtree(path, ignore_errors=True)
    gather_parts(con, work, parts)
    return shards


def gather_parts(con: duckdb.DuckDBPyConnection, work: Work, parts: list[dict[str, pa.Table]]) -> None:
    """The shards' parts, one dict per shard, as the ``all_part_<name>`` tables the reduction sums."""
    for name in work.parts:
        con.register("incoming_parts", pa.concat_tables([p[name] for p in parts]))
        try:
            _drop(con, f"all_part_{name}")    # a view, left by a count on one node
            con.execute(f"create or replace temp table all_part_{name} as select * from incoming_parts")  # noqa: S608
        finally:
            con.unregister("incoming_parts")


def compute_parts(con: duckdb.DuckDBPyConnection, settings, work: Work, params: dict) -> None:
    """The work's parts as ``all_part_<name>``, for its reduction: on a Dask cluster with ``engine = "dask"``, else
    here, the whole as one shard, with the same parts' SQL. ``params``: the parts' SQL's."""
    stratified = {"stratified": settings.stratified} if work.stratified_inputs else {}
    if settings.engine == "dask":
        n_units = db.one(con, f"select count(*) from {work.units}")[0]  # noqa: S608 (fixed names)
        on_cluster(con, settings, work, stratified, params, n_units)
        return
    db.execute(con, "analytics/macros")
    if work.local_inputs:
        db.execute(con, work.local_inputs, stratified)
    db.execute(con, work.parts_sql, params)
    use_local_parts(con, work)
