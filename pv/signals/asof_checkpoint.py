"""The time-to-signal checkpoint: a run keeps every pair's 2x2 margins as they stood at the end of its
second-to-last quarter K, so that the next run counts only the quarters after K (pv.signals.asof).

Time to signal has no hindsight: the tables at K depend only on what quarters up to K delivered, on the method and
on the dictionaries. So a later run finds exactly the same tables at K, and may start from them, when nothing else
that decides them has changed:

* the method: the scoring settings, criteria, drugs of interest, category and exclusion files, MedDRA release,
  drug synonyms, the standardized and analytics SQL and the pv version (one SHA-256, :func:`method_sha256`);
* the loads: every load of the checkpoint is still loaded, with the same rows held in quarantine, and every load
  since is a FAERS/AERS quarter after K (a report-CSV, openFDA or E2B load, a re-issued or back-filled quarter
  can change earlier quarters);
* the quarters up to K are the same, and the run that kept the checkpoint completed.

Anything else counts every quarter again, and :func:`find` says why. K is the second-to-last quarter, not the
last, because the last quarter is where cases without a receipt date enter and where the run's own prior is
used: the next run's table at that quarter is not the same. The statistics of the quarters up to K are the
checkpoint run's, carried over (:func:`carried_rows`); the priors carried say which run fitted them. A
stratified run counts every quarter (the checkpoint does not keep the per-stratum margins).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from pv import db
from pv.signals.asof import TableState
from pv.stats.mgps import MGPSPrior

FAERS_FORMATS = ("faers_ascii", "aers_ascii")


@dataclass
class Resume:
    """Where this run's time to signal starts: from ``state`` (the checkpoint of run ``run_id``), or from nothing
    (``state`` None), and why."""

    state: TableState | None
    run_id: int | None
    reason: str


def method_sha256(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int, drugs: list[str],
                  min_pairs_own_prior: int) -> str:
    """One digest of everything, besides the data, that decides the tables and statistics at a quarter end."""
    from pv import meddra, standardize
    from pv.categorize import exclusions
    from pv.signals.history import run_method

    method = run_method(con, run_id, score_run_id)
    analytics = hashlib.sha256()
    for path in sorted((db.sql_dir() / "analytics").glob("*.sql")):
        analytics.update(path.name.encode() + b"\0" + path.read_bytes())
    parts = {"method": method, "drugs_of_interest": sorted(drugs), "min_pairs_own_prior": min_pairs_own_prior,
             "analytics_sql": analytics.hexdigest(), "standardized": standardize.definition_sha256(),
             "meddra_release": meddra.release_sha256(con, method.get("meddra_version")),
             "exclusions": hashlib.sha256(exclusions.exclusion_file().read_bytes()).hexdigest()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def find(con: duckdb.DuckDBPyConnection, settings, method: str, quarters: list[str]) -> Resume:
    """The checkpoint this run may start from, or why it counts every quarter (see the module docstring)."""
    from pv import standardize

    def recount(why: str) -> Resume:
        return Resume(None, None, f"time to signal counts every quarter: {why}")

    if settings.stratified:
        return recount("a stratified run does (the checkpoint keeps no per-stratum margins)")
    db.execute(con, "analytics/asof_checkpoint_schema")
    row = db.one(con, "select run_id, qi, quarters, method_sha256, load_ids, quarantine_fingerprint, n_total, priors "
                      "from asof_checkpoint")
    if row is None:
        return recount("no earlier run kept a checkpoint")
    run_id, qi, kept_quarters, kept_method, kept_loads, fingerprint, n_total, priors = row
    status = db.one(con, "select status from signal_run where run_id = $r", {"r": run_id})
    if status is None or status[0] != "completed":
        return recount(f"run {run_id}, which kept the checkpoint, did not complete")
    if kept_method != method:
        return recount(f"the method, the drugs of interest or a dictionary changed since run {run_id}")
    loads = {load_id: (fmt, quarter) for load_id, fmt, quarter in con.execute(
        "select load_id, format, quarter from ingest_log where status = 'loaded'").fetchall()}
    gone = sorted(set(kept_loads) - set(loads))
    if gone:
        return recount(f"load(s) {', '.join(map(str, gone))} were replaced or removed since run {run_id}")
    if standardize.quarantine_fingerprint(con, list(kept_loads)) != fingerprint:
        return recount(f"rows of loads counted by run {run_id} were held in or released from quarantine")
    for load_id in sorted(set(loads) - set(kept_loads)):
        fmt, quarter = loads[load_id]
        if fmt not in FAERS_FORMATS:
            return recount(f"load {load_id} ({fmt}) can add cases to any quarter")
        if quarter is None or quarter <= kept_quarters[-1]:
            return recount(f"load {load_id} delivered {quarter}, at or before the checkpoint's {kept_quarters[-1]}")
    if list(quarters[:qi]) != list(kept_quarters) or len(quarters) <= qi:
        return recount(f"the quarters up to {kept_quarters[-1]} differ from run {run_id}'s")
    return Resume(_load_state(con, qi, kept_quarters, n_total, priors), run_id,
                  f"time to signal starts from run {run_id}'s checkpoint at {kept_quarters[-1]} and counts the "
                  f"{len(quarters) - qi} quarter(s) after it")


def _load_state(con: duckdb.DuckDBPyConnection, qi: int, quarters: list[str], n_total: int,
                priors: str) -> TableState:
    drugs = con.execute("select drug, n from asof_checkpoint_drug order by drug_pos").fetchnumpy()
    events = con.execute("select level, event, n from asof_checkpoint_event order by event_pos").fetchnumpy()
    pairs = con.execute("select drug_pos, event_pos, a from asof_checkpoint_pair").fetchnumpy()
    return TableState(
        qi, list(quarters), np.asarray(drugs["drug"], dtype=object), np.asarray(events["level"], dtype=object),
        np.asarray(events["event"], dtype=object), np.asarray(pairs["drug_pos"], dtype=np.int64),
        np.asarray(pairs["event_pos"], dtype=np.int64), np.asarray(pairs["a"], dtype=np.int64),
        np.asarray(drugs["n"], dtype=np.int64), np.asarray(events["n"], dtype=np.int64), int(n_total),
        {lvl: MGPSPrior.from_dict(p) for lvl, p in json.loads(priors).items()})


def save(con: duckdb.DuckDBPyConnection, run_id: int, state: TableState, method: str) -> None:
    """Keep ``state`` as the checkpoint of run ``run_id`` (replacing any earlier one), in one transaction."""
    from pv import standardize

    loads = [r[0] for r in con.execute("select load_id from ingest_log where status = 'loaded' order by 1").fetchall()]
    fingerprint = standardize.quarantine_fingerprint(con, loads)
    tables = {
        "asof_checkpoint_drug": pa.table({"drug_pos": np.arange(state.drugs.size, dtype=np.int32),
                                          "drug": state.drugs.astype(str), "n": state.n_drug}),
        "asof_checkpoint_event": pa.table({"event_pos": np.arange(state.events.size, dtype=np.int32),
                                           "level": state.event_levels.astype(str), "event": state.events.astype(str),
                                           "n": state.n_event}),
        "asof_checkpoint_pair": pa.table({"drug_pos": state.pair_drug.astype(np.int32),
                                          "event_pos": state.pair_event.astype(np.int32), "a": state.a}),
    }
    db.execute(con, "analytics/asof_checkpoint_schema")
    con.begin()
    try:
        for table, rows in tables.items():
            con.execute(f"delete from {table}").fetchall()  # noqa: S608 (a fixed name)
            con.register("checkpoint_rows", rows)
            try:
                con.execute(f"insert into {table} by name select * from checkpoint_rows").fetchall()  # noqa: S608
            finally:
                con.unregister("checkpoint_rows")
        con.execute("delete from asof_checkpoint").fetchall()
        con.execute("insert into asof_checkpoint (run_id, qi, quarters, method_sha256, load_ids, "
                    "quarantine_fingerprint, n_total, priors) values ($r, $qi, $q, $m, $l, $f, $n, $p)",
                    {"r": run_id, "qi": state.qi, "q": list(state.quarters), "m": method, "l": loads,
                     "f": fingerprint, "n": state.n_total,
                     "p": json.dumps({lvl: p.as_dict() for lvl, p in state.priors.items()}, default=str)}).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise


def carried_rows(con: duckdb.DuckDBPyConnection, resume: Resume) -> tuple[pa.Table | None, pa.Table | None]:
    """The statistics (``signal_by_quarter``) and priors (``signal_by_quarter_prior``) of the quarters up to the
    checkpoint, as the run that kept it computed them; a prior's source names the run that fitted it."""
    if resume.state is None:
        return None, None
    through = {"r": resume.run_id, "q": resume.state.quarters[-1]}
    statistics = con.sql("select * exclude (run_id) from signal_by_quarter where run_id = $r and quarter <= $q",
                         params=through).to_arrow_table()
    priors = con.sql(
        "select * exclude (run_id) replace (case when source like 'carried over from run %' then source "
        "else 'carried over from run ' || $r || ': ' || source end as source) "
        "from signal_by_quarter_prior where run_id = $r and quarter <= $q", params=through).to_arrow_table()
    return statistics, priors
