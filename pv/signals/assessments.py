"""Signal assessments (EMA GVP Module IX: validation, prioritisation, assessment): the one module that writes them.

Each signal (level x drug x event) can carry an assessment: a status, the assessor, a rationale, evidence (case
ids, literature) and a next review date. Every change is appended to ``signal_assessment_audit`` (who, when, which
field, old -> new, and the pair's a and EB05 the assessor saw); nothing is updated in place or deleted (triggers
refuse it). ``signal_assessment`` is the current state: the latest value of each field.

Statuses::

    new -> under validation -> validated | refuted | monitoring -> closed

(a signal can also be validated, refuted or put under monitoring straight from ``new``, in one sitting, and a
closed or refuted one reopened to ``under validation``). An assessment is keyed by the pair, not by the run, so it
carries over from run to run: a refuted signal stays refuted when it lapses and comes back. It reopens (back to
``new``, by ``pv``, with the reason) only when its statistics move materially from those the assessor saw: the
configured ``reopen`` rule (EB05 doubles, or a triples).

Where it is stored, and why. DuckDB lets one process write a database file at a time, and the nightly run holds
it for minutes. Assessments are therefore written to a SQLite file beside the database (``<name>.assessments.sqlite``,
or ``assessments`` in pv.toml) in WAL mode: writing one never waits for a run, and concurrent writers queue for
milliseconds. Each run mirrors the store into the database (tables ``signal_assessment`` and
``signal_assessment_audit``) for the report and for analysts' SQL; ``pv assess`` refreshes the mirror too when no
run holds the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pv import db
from pv.errors import PvError

STATUSES = ("new", "under validation", "validated", "refuted", "monitoring", "closed")
# status -> the statuses an assessor may move it to (None: a signal without an assessment yet)
TRANSITIONS = {
    None: {"new", "under validation", "validated", "refuted", "monitoring"},
    "new": {"under validation", "validated", "refuted", "monitoring", "closed"},
    "under validation": {"validated", "refuted", "monitoring"},
    "validated": {"monitoring", "closed", "under validation"},
    "monitoring": {"validated", "refuted", "closed", "under validation"},
    "refuted": {"under validation", "closed"},
    "closed": {"under validation"},
}
FIELDS = ("status", "rationale", "evidence", "next_review_date")
SYSTEM = "pv"          # changed_by of the changes pv itself makes (reopening)


def store_path(database: str | Path, configured: str | None = None) -> Path:
    """The assessment store of a database: ``configured`` (pv.toml ``assessments``), else beside it."""
    if configured:
        return Path(configured)
    database = Path(database)
    return database.with_name(database.stem + ".assessments.sqlite")


def run_store(con: duckdb.DuckDBPyConnection, configured: str | None = None) -> Path | None:
    """The assessment store of the database ``con`` is open on (None for an in-memory database)."""
    if configured:
        return Path(configured)
    row = db.one(con, "select path from duckdb_databases() where database_name = current_database()")
    return store_path(row[0]) if row and row[0] else None


@contextmanager
def open_store(path: str | Path, create: bool = True) -> Iterator[sqlite3.Connection]:
    """The store, created on first use, in WAL mode; a writer waits at most 30 s for another writer (never for a
    DuckDB run, which does not touch this file)."""
    path = Path(path)
    if not create and not path.exists():
        raise PvError(f"No assessment store at {path}: no signal has been assessed yet (`pv assess`).")
    try:
        con = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise PvError(f"Cannot open the assessment store {path}: {exc}. Check the folder exists and is writable.") from exc
    try:
        con.execute("pragma journal_mode = wal")
        con.executescript((db.sql_dir() / "assessments" / "schema.sql").read_text(encoding="utf-8"))
        yield con
    except sqlite3.DatabaseError as exc:
        raise PvError(f"{path} is not a pv assessment store ({exc}).") from exc
    finally:
        con.close()


@dataclass
class Change:
    field: str
    old: str | None
    new: str | None


def _current(con: sqlite3.Connection, level: str, drug: str, event: str) -> dict:
    row = con.execute("select status, rationale, evidence, next_review_date from signal_assessment "
                      "where level = ? and drug = ? and event = ?", (level, drug, event)).fetchone()
    return dict(zip(FIELDS, row, strict=True)) if row else dict.fromkeys(FIELDS)


def assess(path: str | Path, level: str, drug: str, event: str, *, by: str, status: str | None = None,
           rationale: str | None = None, evidence: str | None = None, next_review: str | None = None,
           stats: dict | None = None, when: datetime | None = None) -> list[Change]:
    """Record an assessment of the pair: each field given that differs from its current value is one audit row,
    all in one transaction. ``stats``: the pair's ``run_id``, ``a`` and ``eb05`` the assessor saw (None when the
    database could not be read). Returns the changes (none when nothing differs)."""
    by = (by or "").strip()
    if not by:
        raise PvError("Say who assesses: --by NAME (the audit trail records it).")
    if by == SYSTEM:
        raise PvError(f"'{SYSTEM}' is the name pv signs its own changes with; assess under your own name.")
    if status is not None and status not in STATUSES:
        raise PvError(f"--status {status!r} is not a status; use one of: {', '.join(STATUSES)}.")
    if next_review is not None:
        try:
            next_review = date.fromisoformat(next_review).isoformat()
        except ValueError:
            raise PvError(f"--next-review {next_review!r} is not a date written YYYY-MM-DD.") from None
    wanted = {"status": status, "rationale": rationale, "evidence": evidence, "next_review_date": next_review}
    if all(v is None for v in wanted.values()):
        raise PvError("Nothing to record: give --status, --rationale, --evidence or --next-review.")
    stamp = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    stats = stats or {}
    with open_store(path) as con:
        con.execute("begin immediate")
        try:
            now = _current(con, level, drug, event)
            if now["status"] is None and status not in TRANSITIONS[None]:
                raise PvError(f"{drug} x {event} ({level}) has no assessment yet: the first one sets --status "
                              f"({', '.join(sorted(TRANSITIONS[None]))}).")
            if status is not None and status != now["status"] and status not in TRANSITIONS[now["status"]]:
                raise PvError(f"{drug} x {event} ({level}) is '{now['status']}'; it can move to "
                              f"{', '.join(sorted(TRANSITIONS[now['status']]))}, not to '{status}'.")
            changes = [Change(f, now[f], v) for f, v in wanted.items() if v is not None and v != now[f]]
            _append(con, level, drug, event, changes, by, stamp, stats)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return changes


def _append(con: sqlite3.Connection, level: str, drug: str, event: str, changes: list[Change], by: str, stamp: str,
            stats: dict) -> None:
    con.executemany(
        "insert into signal_assessment_audit (level, drug, event, field, old_value, new_value, changed_by, "
        "changed_at, run_id, a, eb05) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(level, drug, event, c.field, c.old, c.new, by, stamp, stats.get("run_id"), stats.get("a"),
          stats.get("eb05")) for c in changes])


def read(path: str | Path, what: str = "signal_assessment", *, drug: str | None = None,
         pair: tuple[str, str, str] | None = None) -> pa.Table:
    """The current state (``signal_assessment``) or the audit trail (``signal_assessment_audit``) as Arrow, all of
    it or only one ``drug``'s or one (level, drug, event) ``pair``'s rows; empty tables when nothing has been
    assessed."""
    if what not in ("signal_assessment", "signal_assessment_audit"):
        raise PvError(f"{what!r} is neither signal_assessment nor signal_assessment_audit.")
    level, pair_drug, event = pair or (None, None, None)
    where = ("(? is null or drug = ?) and (? is null or (level = ? and drug = ? and event = ?))",
             (drug, drug, level, level, pair_drug, event))
    with open_store(path if Path(path).exists() else ":memory:") as con:     # ':memory:': the columns, no rows
        return _arrow(con, what, where)


def _arrow(con: sqlite3.Connection, what: str, where: tuple[str, tuple]) -> pa.Table:
    cur = con.execute(f"select * from {what} where {where[0]}", where[1])  # noqa: S608 (fixed names, bound values)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return pa.table({n: pa.array([r[i] for r in rows], type=_TYPES.get(n, pa.string())) for i, n in enumerate(names)})


_TYPES = {"change_id": pa.int64(), "run_id": pa.int64(), "a": pa.int64(), "eb05": pa.float64()}


def mirror(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Copy the store into the database (tables ``signal_assessment``, ``signal_assessment_audit``) in one
    transaction; returns the assessed signals."""
    state, audit = read(path), read(path, "signal_assessment_audit")
    con.begin()
    try:
        for name, table in (("signal_assessment", state), ("signal_assessment_audit", audit)):
            con.register("incoming_assessments", table)
            try:
                con.execute(f"create or replace table {name} as select * from incoming_assessments")  # noqa: S608
            finally:
                con.unregister("incoming_assessments")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return state.num_rows


def reopen_moved(con: duckdb.DuckDBPyConnection, path: str | Path, run_id: int, eb05_ratio: float,
                 a_ratio: float, when: datetime | None = None) -> list[dict]:
    """Reopen (back to ``new``, signed ``pv``) every refuted or closed signal of run ``run_id`` whose statistics
    moved materially from those its refutation or closure saw: EB05 at least ``eb05_ratio`` times, or a at least
    ``a_ratio`` times. A change recorded without statistics (the database was busy) is compared with the first
    run completed after it. Returns the reopened pairs with their reason."""
    if not Path(path).exists():
        return []
    with open_store(path) as store:
        rows = store.execute("""
            select s.level, s.drug, s.event, s.status, x.run_id, x.a, x.eb05, x.changed_at
            from signal_assessment as s
            join signal_assessment_audit as x on x.change_id = (
                select max(change_id) from signal_assessment_audit as y
                where y.level = s.level and y.drug = s.drug and y.event = s.event and y.field = 'status')
            where s.status in ('refuted', 'closed')""").fetchall()
    if not rows:
        return []
    baseline = pa.Table.from_pylist([dict(zip(["level", "drug", "event", "status", "run_id", "a", "eb05", "changed_at"],
                                              r, strict=True)) for r in rows])
    con.register("assessed_baseline", baseline)
    try:
        moved = db.query(con, "analytics/assessment_moved",
                         {"run_id": run_id, "eb05_ratio": eb05_ratio, "a_ratio": a_ratio}).to_pylist()
    finally:
        con.unregister("assessed_baseline")
    stamp = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with open_store(path) as store:
        store.execute("begin immediate")
        try:
            for m in moved:
                reason = (f"reopened by run {run_id}: a {m['base_a']} -> {m['a']}, EB05 {m['base_eb05']:.2f} -> "
                          f"{m['eb05']:.2f} since it was {m['status']} (rule: EB05 x{eb05_ratio:g} or a x{a_ratio:g})")
                now = _current(store, m["level"], m["drug"], m["event"])
                _append(store, m["level"], m["drug"], m["event"],
                        [Change("status", now["status"], "new"), Change("rationale", now["rationale"], reason)],
                        SYSTEM, stamp, {"run_id": run_id, "a": m["a"], "eb05": m["eb05"]})
                m["reason"] = reason
            store.execute("commit")
        except BaseException:
            store.execute("rollback")
            raise
    return moved


def pair_stats(con: duckdb.DuckDBPyConnection, level: str, drug: str, event: str) -> dict | None:
    """The pair's a and EB05 in the latest completed run (what an assessor sees), with that run's id; None when
    the latest run did not score the pair."""
    if not db.table_exists(con, "signal_run"):
        return None
    row = db.one(con, """
        select r.run_id, s.a, s.eb05 from signal_run as r
        join drug_event_score as s on s.run_id = r.score_run_id
        where r.status = 'completed' and s.level = $level and s.drug = $drug and s.event = $event
          and r.run_id = (select max(run_id) from signal_run where status = 'completed')""",
                 {"level": level, "drug": drug, "event": event})
    return dict(zip(("run_id", "a", "eb05"), row, strict=True)) if row else None
