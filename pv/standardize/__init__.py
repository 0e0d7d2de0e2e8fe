"""Standardized layer: raw tables -> ``case_report``, ``case_drug``, ``case_event``, ``case_duplicate``.

Rebuilt whole from the raw layer, in one transaction, by the SQL in ``sql/standardized/`` (one file per table,
run in dependency order). The same raw tables always give the same standardized tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import duckdb

from pv import db
from pv.ingest.faers import ensure_schema

MODELS = ("drug_synonym", "case_report", "case_drug", "case_event", "case_duplicate")


def seed_path() -> str:
    return str(db.sql_dir() / "seeds" / "drug_synonym.csv")


def build(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Rebuild every standardized table; returns the row count of each."""
    say = progress or (lambda _m: None)
    ensure_schema(con)
    t0 = time.perf_counter()
    con.begin()
    try:
        db.execute(con, "standardized/macros")
        for model in MODELS:
            say(f"building {model}")
            params = {"seed_path": seed_path()} if model == "drug_synonym" else None
            db.execute(con, f"standardized/{model}", params)
        counts = {m: db.one(con, f"select count(*) from {m}")[0] for m in MODELS}  # noqa: S608 (fixed names)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    counts["seconds"] = round(time.perf_counter() - t0, 2)
    return counts
