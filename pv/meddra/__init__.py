"""MedDRA: the user's licensed release as reference data, and what pv derives from it.

MedDRA is licensed by the MSSO: users load their own copy (``pv meddra load PATH``); pv ships none. Several
versions can be loaded side by side in the ``meddra_*`` tables (keyed by ``version``); one is *current*: the
configured ``meddra_version``, else the newest loaded.

The current version is used in two places:

* **coding** (standardized layer): each reported event term resolves to an LLT and its PT
  (:func:`build_term_index`, used by ``sql/standardized/case_event.sql``). Non-current LLTs and former PTs (which
  MedDRA keeps as LLTs) map to their PT, so "Idiopathic thrombocytopenic purpura" counts as *Immune
  thrombocytopenia*;
* **levels** (analytics): each PT's HLT, HLGT and SOC (primary path, or all paths) and the SMQs that contain it,
  narrow and broad (:func:`build_pt_levels`).

Without any MedDRA loaded, terms are matched on their normalized text as before, and reports say so.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from pv import db
from pv.errors import PvError
from pv.levels import MEDDRA_LEVELS as LEVELS
from pv.meddra.release import LAYOUT, Release, read

TABLE = {name: "meddra_" + name.removesuffix(".asc") for name in LAYOUT}

__all__ = ["LEVELS", "Release", "build_pt_levels", "build_term_index", "current_version", "ensure_schema", "load",
           "read", "releases"]


@dataclass
class LoadResult:
    version: str
    language: str
    counts: dict[str, int]
    replaced: bool
    current: str


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    db.execute(con, "meddra/schema")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def releases(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The loaded versions, newest first (an empty list when none, or on a database from before MedDRA)."""
    if not db.table_exists(con, "meddra_release"):
        return []
    rows = con.execute("select version, language, source_path, sha256, loaded_at, loaded_by, n_llt, n_pt, n_smq "
                       "from meddra_release").fetchall()
    keys = ("version", "language", "source_path", "sha256", "loaded_at", "loaded_by", "n_llt", "n_pt", "n_smq")
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    return sorted(out, key=lambda r: _version_key(r["version"]), reverse=True)


def current_version(con: duckdb.DuckDBPyConnection, configured: str | None = None) -> str | None:
    """The version pv codes and scores with: ``configured`` (config ``meddra_version``) if given, which must be
    loaded; else the newest loaded; None when no MedDRA is loaded."""
    loaded = [r["version"] for r in releases(con)]
    if configured:
        if configured not in loaded:
            have = ", ".join(loaded) if loaded else "none"
            raise PvError(f"meddra_version = {configured!r} is configured, but that MedDRA version is not loaded "
                          f"(loaded: {have}). Load it with `pv meddra load PATH` or change meddra_version.")
        return configured
    return loaded[0] if loaded else None


def release_sha256(con: duckdb.DuckDBPyConnection, version: str | None) -> str | None:
    if version is None:
        return None
    row = db.one(con, "select sha256 from meddra_release where version = $v", {"v": version})
    return row[0] if row else None


def load(con: duckdb.DuckDBPyConnection, path, *, replace: bool = False, by: str | None = None,
         progress: Callable[[str], None] | None = None) -> LoadResult:
    """Read, check and store a release in one transaction: all of it, or nothing."""
    say = progress or (lambda _m: None)
    say(f"reading and checking {path}")
    release = read(path)
    ensure_schema(con)
    existing = db.one(con, "select loaded_at, source_path from meddra_release where version = $v",
                      {"v": release.version})
    if existing and not replace:
        raise PvError(f"MedDRA {release.version} is already loaded (on {existing[0]:%Y-%m-%d %H:%M} from "
                      f"{existing[1]}). Use --replace to load it again.")
    counts = {TABLE[name]: table.num_rows for name, table in release.tables.items()}
    con.begin()
    try:
        if existing:
            for table in TABLE.values():
                con.execute(f"delete from {table} where version = $v", {"v": release.version}).fetchall()  # noqa: S608 (fixed names)
            con.execute("delete from meddra_release where version = $v", {"v": release.version}).fetchall()
        for name, table in release.tables.items():
            say(f"storing {name} ({table.num_rows:,} rows)")
            con.register("incoming_meddra", table)
            try:
                cols = ", ".join(table.column_names)
                con.execute(f"insert into {TABLE[name]} (version, {cols}) "  # noqa: S608 (names from LAYOUT)
                            f"select $v, {cols} from incoming_meddra", {"v": release.version}).fetchall()
            finally:
                con.unregister("incoming_meddra")
        con.execute(
            "insert into meddra_release values ($v, $lang, $src, $sha, current_localtimestamp(), $by, $llt, $pt, $smq)",
            {"v": release.version, "lang": release.language, "src": release.source, "sha": release.sha256,
             "by": by or getpass.getuser(), "llt": counts["meddra_llt"], "pt": counts["meddra_pt"],
             "smq": counts["meddra_smq_list"]}).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return LoadResult(release.version, release.language, counts, bool(existing), current_version(con))


def build_term_index(con: duckdb.DuckDBPyConnection, version: str | None) -> None:
    """Temp table ``meddra_term``: one row per match key of the version's LLT names (every PT is also an LLT),
    the LLT and its PT. Empty when ``version`` is None (no MedDRA: terms keep their text)."""
    ensure_schema(con)
    db.execute(con, "standardized/macros")
    db.execute(con, "meddra/term_index", {"version": version})


def build_pt_levels(con: duckdb.DuckDBPyConnection, version: str | None, all_soc_paths: bool = False) -> None:
    """Temp tables ``meddra_smq_pt`` (SMQ x PT with scope) and ``meddra_pt_level`` (level x PT code x event name
    for the hierarchy and SMQ levels). Empty when ``version`` is None."""
    ensure_schema(con)
    db.execute(con, "meddra/smq_pt", {"version": version})
    db.execute(con, "meddra/pt_level", {"version": version, "all_soc_paths": all_soc_paths})
