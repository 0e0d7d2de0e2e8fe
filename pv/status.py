"""What the database holds, as numbers a person can act on (`pv status`, the end of `pv run`)."""

from __future__ import annotations

import duckdb

from pv import db
from pv.ingest.faers import require_current_schema


def summary(con: duckdb.DuckDBPyConnection, top_unmapped: int = 0, meddra_version: str | None = None) -> dict:
    path = db.one(con, "select path from duckdb_databases() where database_name = current_database()")
    s: dict = {"db": path[0] if path else ":memory:", "loads": [], "standardized": False}
    if not db.table_exists(con, "ingest_log"):
        return s
    require_current_schema(con)
    s["loads"] = [
        dict(zip(("quarter", "format", "source_path", "n_reports", "n_quarantined", "finished_at", "source_name",
                  "is_synthetic"), row, strict=True))
        for row in con.execute(
            # n_reports: DEMO rows of a quarter, distinct report ids of a CSV (never its rows)
            "select quarter, format, source_path, coalesce(n_reports, 0), n_quarantined, finished_at, "
            "source_name, coalesce(is_synthetic, false) "
            "from ingest_log where status = 'loaded' order by quarter nulls last, load_id"
        ).fetchall()
    ]
    s["quarantined"] = db.one(con, "select count(*) from quarantine where released_at is null")[0]
    s["quarantine_reasons"] = con.execute(
        "select check_name || ' (' || table_name || ')', count(*) from quarantine where released_at is null "
        "group by all order by 2 desc limit 10"
    ).fetchall()
    if db.table_exists(con, "signal_run"):
        s["last_run"] = db.one(con, "select run_id, status, finished_at, data_cutoff_quarter, n_signals, n_new, "
                                    "n_no_longer_met, error from signal_run order by run_id desc limit 1")
    if not db.table_exists(con, "case_duplicate"):
        return s
    s["standardized"] = True
    from pv import standardize

    pending = standardize.plan(con, meddra_version=meddra_version)
    s["standardize_pending"] = None if pending.mode == "current" else pending.reason
    (s["cases"], s["duplicate_cases"], s["deleted_cases"], s["drugs"], s["events"],
     s["unmapped_rows"], s["unmapped_names"]) = db.one(con, """
        select
            (select count(*) from case_report),
            (select count(*) from case_duplicate),
            (select count(distinct d.caseid) from raw_deleted_case as d),
            (select count(distinct ingredient) from case_drug),
            (select count(distinct pt) from case_event),
            (select count(*) from case_drug where ingredient_source = 'unmapped'),
            (select count(distinct ingredient) from case_drug where ingredient_source = 'unmapped')
    """)
    s["coding"] = coding_summary(con, top_unmatched=max(top_unmapped, 10))
    if top_unmapped:
        s["top_unmapped"] = con.execute(
            "select ingredient, count(*) as n from case_drug where ingredient_source = 'unmapped' "
            "group by ingredient order by n desc, ingredient limit $k", {"k": top_unmapped}
        ).fetchall()
    return s


def coding_summary(con: duckdb.DuckDBPyConnection, top_unmatched: int = 10) -> dict | None:
    """How case_event's terms were coded: the MedDRA version, case-event rows per match method, and the most
    frequent terms MedDRA did not know (None before the first build, or on a layer built before MedDRA coding)."""
    if not db.table_exists(con, "case_event") or "match_method" not in db.table_columns(con, "case_event"):
        return None
    version = db.one(con, "select any_value(meddra_version) from case_event where meddra_version is not null")[0]
    by_method = dict(con.execute("select match_method, count(*) from case_event group by all order by 2 desc").fetchall())
    unmatched = con.execute(
        "select pt_reported, count(*) as n from case_event where match_method = 'unmatched' "
        "group by pt_reported order by n desc, pt_reported limit $k", {"k": top_unmatched}).fetchall()
    n_terms = db.one(con, "select count(distinct pt) from case_event where match_method = 'unmatched'")[0]
    return {"version": version, "by_method": by_method, "unmatched": unmatched, "n_unmatched_terms": n_terms}
