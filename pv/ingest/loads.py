"""The loads in a database, and removing one (``pv loads``, ``pv unload``).

Every ingest is one row of ``ingest_log``. A load is removed in one transaction: its rows leave every raw table
and the quarantine, and its log row stays, marked ``unloaded`` with who removed it, when and why. The next
``pv standardize`` sees the load gone and rebuilds the standardized layer from what remains.
"""

from __future__ import annotations

import json

import duckdb

from pv import db
from pv.errors import PvError
from pv.ingest.faers import ensure_schema, require_current_schema
from pv.ingest.layout import RAW_TABLE

RAW_TABLES = (*RAW_TABLE.values(), "raw_deleted_case", "raw_report_csv", "raw_icsr_report", "raw_icsr_drug",
              "raw_icsr_reaction", "raw_icsr_lab")


def list_loads(con: duckdb.DuckDBPyConnection, include_removed: bool = False) -> list[dict]:
    """Every load (the ones in force, or all with ``include_removed``), oldest first."""
    if not db.table_exists(con, "ingest_log"):
        return []
    require_current_schema(con)
    rel = con.sql(
        "select load_id, status, format, coalesce(quarter, source_name) as what, "
        "coalesce(n_reports, 0) as n_reports, n_quarantined, "
        "coalesce(is_synthetic, false) as is_synthetic, finished_at, source_path, superseded_by, unloaded_at, "
        "unloaded_by, unload_reason, warnings "
        "from ingest_log where $all or status = 'loaded' order by load_id", params={"all": include_removed})
    loads = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    for load in loads:
        load["warnings"] = json.loads(load["warnings"]) if load["warnings"] else []
    return loads


def unload(con: duckdb.DuckDBPyConnection, load_id: int, by: str, reason: str) -> dict:
    """Remove a load's rows from the raw layer and the quarantine; record who, when and why. Returns the load's
    log row and the number of raw rows removed."""
    ensure_schema(con)
    if not by.strip() or not reason.strip():
        raise PvError("Say who removes the load and why: pv unload ID --by NAME --reason TEXT (both are recorded).")
    row = db.one(con, "select status, source_path from ingest_log where load_id = $id", {"id": load_id})
    if row is None:
        raise PvError(f"There is no load {load_id}; `pv loads` lists them.")
    if row[0] != "loaded":
        raise PvError(f"Load {load_id} ({row[1]}) is {row[0]}, not in force; nothing to remove.")
    removed = 0
    con.begin()
    try:
        for table in RAW_TABLES:     # a delete answers with the number of rows it removed
            removed += db.execute(con, "raw/delete_load", {"load_id": load_id}, {"raw_table": table})[0][0]
        con.execute("delete from quarantine where load_id = $id", {"id": load_id}).fetchall()
        con.execute("update ingest_log set status = 'unloaded', unloaded_at = current_localtimestamp(), "
                    "unloaded_by = $by, unload_reason = $why where load_id = $id",
                    {"id": load_id, "by": by.strip(), "why": reason.strip()}).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return {"load_id": load_id, "source_path": row[1], "rows_removed": removed}
