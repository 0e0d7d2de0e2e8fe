"""What makes two runs comparable: a run's *method*, and what changed since the previous run.

Signal statuses (``new``, ``persisting``, ``re-emerged``, ``no longer met``; view ``signal_history``) compare a
run with the one before. That comparison only means something when both runs used the same method, so each
completed run records its method (``signal_run.method``) and what changed since the previous completed run
(``signal_run.method_changes``). A method is everything that decides which pairs are signals: the scoring
settings (roles, duplicates, stratification, continuity correction, category file path, criteria, levels, SOC
paths, excluded terms), the signal criteria in force, the category file's content (SHA-256), the MedDRA version the
events were coded with, and the pv version. New data is not a method change.
"""

from __future__ import annotations

import json

import duckdb

from pv import db


def run_method(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int) -> dict:
    config, version = db.one(con, "select config, software_version from signal_run where run_id = $id", {"id": run_id})
    columns = db.table_columns(con, "score_run")
    meddra = "meddra_version" if "meddra_version" in columns else "null"
    parameters, category_sha, meddra_version = db.one(
        con, f"select parameters, category_sha256, {meddra} from score_run where run_id = $id",  # noqa: S608 (fixed)
        {"id": score_run_id})
    return {"scoring": json.loads(parameters or "{}"),
            "signal_criteria": json.loads(config or "{}").get("signal_criteria"),
            "category_file_sha256": category_sha, "meddra_version": meddra_version, "pv_version": version}


def method_changes(previous: dict | None, current: dict) -> list[str]:
    """The parts of the method that differ (``scoring.stratified``, ``meddra_version`` ...); [] if none or no
    previous run."""
    if previous is None:
        return []
    changes = []
    for key in sorted(set(previous) | set(current)):
        old, new = previous.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            changes += [f"{key}.{k}" for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        elif old != new:
            changes.append(key)
    return changes


def record_method(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int) -> list[str]:
    """Store the run's method and its changes since the previous completed run (the caller holds the
    transaction); returns the changes."""
    method = run_method(con, run_id, score_run_id)
    row = db.one(con, "select method from signal_run where status = 'completed' and run_id < $id and method is not null "
                      "order by run_id desc limit 1", {"id": run_id})
    changes = method_changes(json.loads(row[0]) if row else None, method)
    con.execute("update signal_run set method = $m, method_changes = $c where run_id = $id",
                {"m": json.dumps(method, sort_keys=True), "c": ", ".join(changes) or None, "id": run_id}).fetchall()
    return changes
