"""``pv categories check``: the category file against MedDRA and the data.

With MedDRA loaded, every name must be a current PT, HLT, HLGT or SMQ of the version in use: anything else is a
problem (an LLT or former PT names its PT; an unknown name gets the closest current term). Then each
subcategory's expanded PT list, what each SMQ pulls in beyond the rest of its definition (marked when new in
this version), PTs in the data that look related but are unmapped, and mapped PTs never seen.
"""

from __future__ import annotations

import difflib

import duckdb

from pv import categorize, db, meddra
from pv.categorize import CategoryFile

_NAMES = {"pt": "select pt_name from meddra_pt where version = $v",
          "hlt": "select hlt_name from meddra_hlt where version = $v",
          "hlgt": "select hlgt_name from meddra_hlgt where version = $v",
          "smq": "select smq_name from meddra_smq_list where version = $v and status = 'A'"}


def check(con: duckdb.DuckDBPyConnection, categories: CategoryFile, meddra_version: str | None = None) -> dict:
    version = meddra.current_version(con, meddra_version)
    meddra.build_term_index(con, version)          # also defines the matching macros
    meddra.build_pt_levels(con, version)
    warnings = categorize.install(con, categories, version)
    out: dict = {"meddra_version": version, "problems": [], "warnings": warnings, "related_unmapped": [],
                 "mapped_unseen": []}
    if version:
        con.register("incoming_definitions", categories.definitions)
        try:
            names = db.query(con, "analytics/category_name_check", {"version": version}).to_pylist()
        finally:
            con.unregister("incoming_definitions")
        candidates: dict[str, list[str]] = {}
        for row in names:
            if row["is_current"]:
                continue
            kind, name = row["kind"], row["name"]
            if kind == "pt" and row["llt_of_pt"]:
                state = "a current" if row["llt_currency"] == "Y" else "a non-current"
                out["problems"].append(f"{name!r} is not a PT but {state} LLT of the PT {row['llt_of_pt']!r} "
                                       f"in MedDRA {version}: list the PT.")
                continue
            if kind not in candidates:
                candidates[kind] = [r[0] for r in con.execute(_NAMES[kind], {"v": version}).fetchall()]
            close = difflib.get_close_matches(name.upper(), [c.upper() for c in candidates[kind]], n=1, cutoff=0.6)
            closest = next((c for c in candidates[kind] if close and c.upper() == close[0]), None)
            hint = f" The closest {kind.upper()} is {closest!r}." if closest else ""
            out["problems"].append(f"{name!r} is not a current {kind.upper()} in MedDRA {version}.{hint}")
    out["expanded"] = con.execute(
        "select event, count(*), string_agg(term, '; ' order by term) from event_category_term "
        "group by event order by event").fetchall()
    out["smq_adds"] = db.query(con, "analytics/category_smq_adds", {"version": version}).to_pylist()
    if db.table_exists(con, "case_event"):
        out["related_unmapped"] = con.execute(db.statements("analytics/category_check_related")[0]).fetchall()
        out["mapped_unseen"] = con.execute(db.statements("analytics/category_check_unseen")[0]).fetchall()
    return out
