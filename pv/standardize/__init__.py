"""Standardized layer: raw tables -> ``case_report``, ``case_drug``, ``case_event``, ``case_lab``,
``case_indication``, ``case_signature``, ``case_duplicate``.

Each model in ``sql/standardized/`` is a ``select`` over its inputs, named by ``{{ slot }}`` (dbt's habit); this
module materializes it. The layer is a pure function of the raw layer, built one of two ways, in one transaction:

* **full**: every model rebuilt from all raw rows (``create or replace table``);
* **incremental** (dbt's ``is_incremental()``): when the only change since the last build is new loads, the models
  are run over just the cases those loads touch (every raw row of those cases, from any load), and their rows are
  replaced; duplicate groups are regrouped for every (drug set, PT set) fingerprint the touched cases had or now
  have. The result is the same as a full build (tested), at a cost that follows the new quarter, not the database.

``standardize_build`` records each build; the next build compares it with the database to choose: a load replaced
or removed, quarantine held or released for earlier loads, a new drug synonym seed, new standardized SQL (a new
pv version) or another MedDRA release to code events with (see :mod:`pv.meddra`) each force a full build.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from pv import db, meddra
from pv.ingest.faers import ensure_schema

MODELS = ("case_report", "case_drug", "case_event", "case_lab", "case_indication", "case_signature", "case_duplicate")
TABLES = ("drug_synonym", *MODELS)
# the input slots of each model (sql/standardized/<model>.sql)
INPUTS = {
    "case_report": ("raw_demo", "raw_outc", "raw_rpsr", "raw_deleted_case", "raw_report_csv", "raw_icsr_report"),
    "case_drug": ("case_report", "raw_report_csv", "raw_icsr_drug"),
    "case_event": ("case_report", "raw_report_csv", "raw_icsr_reaction"),
    "case_lab": ("case_report", "raw_icsr_lab"),
    "case_indication": ("case_report", "raw_icsr_drug"),
    "case_signature": ("case_report", "case_drug", "case_event"),
    "case_duplicate": ("case_signature",),
}
_SQL_FILES = ("macros", "drug_synonym", *MODELS)


def seed_path() -> str:
    return str(db.sql_dir() / "seeds" / "drug_synonym.csv")


@dataclass
class Plan:
    mode: str                 # full | incremental | current
    reason: str
    load_ids: list[int]       # the loads in force
    new_load_ids: list[int]   # incremental: the loads not yet in the layer
    meddra_version: str | None = None   # the MedDRA release events are coded with (None: text only)


def _sha256_files(paths) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _models_sha256() -> str:
    return _sha256_files(db.sql_dir() / "standardized" / f"{name}.sql" for name in _SQL_FILES)


def _seed_sha256() -> str:
    return _sha256_files([db.sql_dir() / "seeds" / "drug_synonym.csv"])


def quarantine_fingerprint(con: duckdb.DuckDBPyConnection, load_ids: list[int]) -> str:
    """A fingerprint of the rows of ``load_ids`` held in quarantine: it changes when rows are held or released."""
    return db.execute(con, "standardized/quarantine_fingerprint", {"load_ids": load_ids})[0][0]


def definition_sha256() -> str:
    """The SHA-256 of what defines the layer besides the data: its SQL and the drug synonym seed."""
    return hashlib.sha256((_models_sha256() + _seed_sha256()).encode()).hexdigest()


def plan(con: duckdb.DuckDBPyConnection, full: bool = False, meddra_version: str | None = None) -> Plan:
    """How the next build must run, and why (reads only: `pv status` asks it on a read-only connection).
    ``meddra_version``: the configured version (config ``meddra_version``); None means the newest loaded."""
    version = meddra.current_version(con, meddra_version)
    if not db.table_exists(con, "ingest_log"):
        return Plan("full", "first build", [], [], version)
    loads = [r[0] for r in con.execute(
        "select load_id from ingest_log where status = 'loaded' order by load_id").fetchall()]
    if full:
        return Plan("full", "asked for (--full)", loads, [], version)
    last = None
    if db.table_exists(con, "standardize_build"):
        has_meddra = "meddra_sha256" in db.table_columns(con, "standardize_build")
        last = db.one(con, "select load_ids, quarantine_fingerprint, seed_sha256, models_sha256, "
                           + ("meddra_version, meddra_sha256 " if has_meddra else "null, null ")
                           + "from standardize_build order by build_id desc limit 1")
    if last is None or not all(db.table_exists(con, t) for t in TABLES):
        return Plan("full", "first build", loads, [], version)
    built_loads, fingerprint, seed_sha, models_sha, built_meddra, built_meddra_sha = last
    if models_sha != _models_sha256():
        return Plan("full", "the standardized SQL changed (another pv version)", loads, [], version)
    if seed_sha != _seed_sha256():
        return Plan("full", "the drug synonym seed changed", loads, [], version)
    if built_meddra_sha != meddra.release_sha256(con, version):
        was, now = built_meddra or "none", version or "none"
        why = (f"events are coded with MedDRA {now} now (were {was})" if was != now
               else f"MedDRA {now} was loaded again")
        return Plan("full", why, loads, [], version)
    gone = sorted(set(built_loads) - set(loads))
    if gone:
        return Plan("full", f"load(s) {', '.join(map(str, gone))} were replaced or removed", loads, [], version)
    if quarantine_fingerprint(con, built_loads) != fingerprint:
        return Plan("full", "rows of earlier loads were held in or released from quarantine", loads, [], version)
    new = sorted(set(loads) - set(built_loads))
    if not new:
        return Plan("current", "no new load since the last build", loads, [], version)
    return Plan("incremental", f"{len(new)} new load(s)", loads, new, version)


def _materialize(con: duckdb.DuckDBPyConnection, model: str, table: str, inputs: dict[str, str],
                 temporary: bool = False) -> None:
    db.materialize(con, f"standardized/{model}", table, {slot: inputs[slot] for slot in INPUTS[model]},
                   temporary=temporary)


def _build_full(con: duckdb.DuckDBPyConnection, say: Callable[[str], None]) -> int:
    db.execute(con, "standardized/drug_synonym", {"seed_path": seed_path()})
    inputs = {slot: slot for slots in INPUTS.values() for slot in slots}
    for model in MODELS:
        say(f"building {model}")
        _materialize(con, model, model, inputs)
    return db.one(con, "select count(*) from case_report")[0]


def _build_incremental(con: duckdb.DuckDBPyConnection, new_load_ids: list[int], say: Callable[[str], None]) -> int:
    say("finding the cases the new loads touch")
    db.execute(con, "standardized/scope", {"load_ids": new_load_ids})
    inputs = {"raw_demo": "scope_raw_demo", "raw_outc": "scope_raw_outc", "raw_rpsr": "scope_raw_rpsr",
              "raw_deleted_case": "scope_raw_deleted_case",
              "raw_report_csv": "scope_raw_report_csv", "raw_icsr_report": "scope_raw_icsr_report",
              "raw_icsr_drug": "raw_icsr_drug", "raw_icsr_reaction": "raw_icsr_reaction", "raw_icsr_lab": "raw_icsr_lab"}
    for model in ("case_report", "case_drug", "case_event", "case_lab", "case_indication", "case_signature"):
        say(f"building {model} for those cases")
        _materialize(con, model, f"new_{model}", inputs, temporary=True)
        inputs[model] = f"new_{model}"
    db.execute(con, "standardized/touched_fingerprints")       # before case_signature changes
    for model in ("case_report", "case_drug", "case_event", "case_lab", "case_indication", "case_signature"):
        say(f"replacing their rows in {model}")
        db.execute(con, "standardized/replace_cases", identifiers={
            "target": model, "rebuilt": f"new_{model}", "scope": "scope_case"})
    say("regrouping probable duplicates of the touched fingerprints")
    db.execute(con, "standardized/scope_duplicates")
    _materialize(con, "case_duplicate", "new_case_duplicate", {"case_signature": "scope_signature"}, temporary=True)
    db.execute(con, "standardized/replace_cases", identifiers={
        "target": "case_duplicate", "rebuilt": "new_case_duplicate", "scope": "scope_duplicate_case"})
    n = db.one(con, "select count(*) from scope_case")[0]
    db.execute(con, "standardized/drop_scope")
    return n


def build(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] | None = None,
          full: bool = False, meddra_version: str | None = None) -> dict:
    """Bring the standardized layer up to date with the raw layer (incrementally when it can, see the module
    docstring; ``full=True`` rebuilds everything). Events are coded with MedDRA ``meddra_version`` (default: the
    newest loaded; none loaded: terms keep their text). Returns the row count of each table, the build's
    ``mode``, its ``reason``, ``cases_rebuilt``, ``meddra_version`` and ``seconds``."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    ensure_schema(con)
    meddra.ensure_schema(con)
    db.execute(con, "standardized/build_log_schema")
    how = plan(con, full, meddra_version)
    say(f"{how.mode} build: {how.reason}")
    con.begin()
    try:
        db.execute(con, "standardized/macros")
        meddra.build_term_index(con, how.meddra_version)
        if how.mode == "full":
            n_cases = _build_full(con, say)
        elif how.mode == "incremental":
            n_cases = _build_incremental(con, how.new_load_ids, say)
        else:
            n_cases = 0
        db.execute(con, "standardized/views")
        seconds = round(time.perf_counter() - t0, 2)
        con.execute(
            "insert into standardize_build (mode, reason, load_ids, quarantine_fingerprint, seed_sha256, "
            "models_sha256, n_cases_rebuilt, seconds, meddra_version, meddra_sha256) "
            "values ($mode, $reason, $loads, $fp, $seed, $models, $n, $s, $mv, $msha)",
            {"mode": how.mode, "reason": how.reason, "loads": how.load_ids,
             "fp": quarantine_fingerprint(con, how.load_ids), "seed": _seed_sha256(), "models": _models_sha256(),
             "n": n_cases, "s": seconds, "mv": how.meddra_version, "msha": meddra.release_sha256(con, how.meddra_version)}).fetchall()
        counts: dict = {t: db.one(con, f"select count(*) from {t}")[0] for t in TABLES}  # noqa: S608 (fixed names)
        counts["openfda_overlap"] = db.one(con, "select count(*) from source_overlap")[0]
        con.commit()
    except BaseException:
        con.rollback()
        raise
    counts.update(mode=how.mode, reason=how.reason, cases_rebuilt=n_cases, meddra_version=how.meddra_version,
                  seconds=round(time.perf_counter() - t0, 2))
    return counts
