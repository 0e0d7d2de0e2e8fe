"""Signal runs: the steps of a nightly run as plain library functions (the Prefect flow only calls them).

A run holds an exclusive lock on the database (``<db>.lock``) for its whole length, so two runs cannot interleave:
the second one waits or stops with a clear message. Every step that writes is one DuckDB transaction; a failed
run is recorded as failed with its error and leaves the previous run's results as they were. A run that was
killed (no lock held, status still ``running``) is marked failed by the next run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from pv import __version__, db
from pv.config import PvConfig
from pv.errors import PvError
from pv.signals.backgrounds import score_backgrounds  # noqa: F401 (a run's step)
from pv.signals.derived import masking, subgroups, time_to_onset, time_to_signal  # noqa: F401 (the run's steps)
from pv.signals.history import record_method


class RunLocked(PvError):
    """Another pv run holds the database."""


@contextmanager
def run_lock(db_path: str | os.PathLike, wait: bool = False, timeout: float = 3600) -> Iterator[None]:
    """Hold ``<db>.lock`` for the length of a run (released by the OS if the process dies)."""
    lock_path = Path(f"{db_path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    f = open(lock_path, "a+")  # noqa: SIM115 (held for the whole run)
    t0 = time.monotonic()
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if not wait or time.monotonic() - t0 > timeout:
                f.seek(0)
                holder = f.read().strip() or "another process"
                f.close()
                raise RunLocked(
                    f"Another pv run is using {db_path} ({holder}). Wait for it to finish, or run with --wait."
                ) from exc
            time.sleep(1)
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}, started {datetime.now():%Y-%m-%d %H:%M:%S}")
    f.flush()
    try:
        yield
    finally:
        f.seek(0)
        f.truncate()
        fcntl.flock(f, fcntl.LOCK_UN)
        f.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    from pv.ingest.faers import ensure_schema as raw_schema
    from pv.signals import ensure_schema as score_schema

    raw_schema(con)
    score_schema(con)
    db.execute(con, "analytics/run_schema")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def start_run(con: duckdb.DuckDBPyConnection, cfg: PvConfig) -> int:
    """Record a new run (status running); mark runs left ``running`` by a killed process as failed."""
    ensure_schema(con)
    con.execute("update signal_run set status = 'failed', finished_at = coalesce(finished_at, current_localtimestamp()), "
                "error = case status when 'reporting' then 'interrupted while writing its report: the report is "
                "incomplete and was not put in place' else 'interrupted: the process ended before the run finished' "
                "end where status in ('running', 'reporting')").fetchall()
    run_id = db.one(con, "select nextval('signal_run_id_seq')")[0]
    con.execute("insert into signal_run (run_id, started_at, status, config, software_version, git_commit) "
                "values ($id, current_localtimestamp(), 'running', $cfg, $v, $git)",
                {"id": run_id, "cfg": json.dumps(cfg.as_dict()), "v": __version__, "git": git_commit()}).fetchall()
    return run_id


def fail_run(con: duckdb.DuckDBPyConnection, run_id: int, error: BaseException | str) -> None:
    con.execute("update signal_run set status = 'failed', finished_at = current_localtimestamp(), error = $e "
                "where run_id = $id", {"id": run_id, "e": f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error}).fetchall()


def new_inbox_sources(con: duckdb.DuckDBPyConnection, inbox: str | os.PathLike) -> list[str]:
    """The zips and quarter folders in ``inbox`` not loaded yet (by SHA-256), oldest quarter first; then the openFDA
    and E2B files not loaded yet, by name."""
    from pv.ingest.faers import ensure_schema as raw_schema
    from pv.ingest.icsr import discover_files
    from pv.ingest.sources import discover, file_sha256

    raw_schema(con)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise PvError(f"The inbox {inbox} is not a folder; set `inbox` in pv.toml or pass --inbox.")
    loaded = {r[0] for r in con.execute("select source_sha256 from ingest_log where status = 'loaded'").fetchall()}
    try:
        sources = discover(inbox)
    except PvError:
        sources = []         # an empty inbox is not an error for a nightly run
    try:
        records = discover_files(inbox)
    except PvError:
        records = []
    return ([str(s.path) for s in sources if s.sha256 not in loaded]
            + [str(path) for path, _ in records if file_sha256(path) not in loaded])


def ingest_inbox_source(con: duckdb.DuckDBPyConnection, source: str | os.PathLike, max_bad_rate: float) -> list:
    """Ingest one source ``new_inbox_sources`` found: a FAERS quarter, or an openFDA or E2B file."""
    from pv.ingest.faers import ingest_path
    from pv.ingest.icsr import ingest_icsr_file
    from pv.ingest.layout import detect_format

    if detect_format(Path(source)):
        return [ingest_icsr_file(con, source, max_bad_rate=max_bad_rate)]
    return ingest_path(con, source, max_bad_rate=max_bad_rate)


def check_demo_inbox(db_path: str | os.PathLike) -> None:
    """``pv run`` with no inbox and no configuration uses the bundled synthetic sample: refuse that for a database
    that already holds real reports (it would blend 36,000 invented reports into them)."""
    path = Path(db_path)
    if not path.exists():
        return
    from pv.ingest.faers import n_loads_in_force

    with db.connect(path, read_only=True) as con:
        if not db.table_exists(con, "ingest_log"):
            return
        if "is_synthetic" in db.table_columns(con, "ingest_log"):
            n_real = n_loads_in_force(con, synthetic=False)
        else:   # written before loads were marked: nothing is known to be synthetic
            n_real = db.one(con, "select count(*) from ingest_log where status = 'loaded'")[0]
    if n_real:
        raise PvError(f"{path} holds {n_real} load(s) of real reports, and without --inbox or a pv.toml `pv run` "
                      "would add the bundled synthetic sample data to them. Pass --inbox DIR (or set inbox in "
                      "pv.toml) for your new files; use another --db to try the demo.")


def check_inbox(inbox: str | os.PathLike) -> None:
    """Refuse an inbox that is not a folder before anything starts."""
    if not Path(inbox).is_dir():
        raise PvError(f"The inbox {inbox} is not a folder; set `inbox` in pv.toml or pass --inbox DIR.")


def row_counts(con: duckdb.DuckDBPyConnection) -> dict:
    tables = ["raw_demo", "raw_drug", "raw_reac", "raw_outc", "raw_ther", "raw_indi", "raw_rpsr", "raw_report_csv",
              "raw_icsr_report", "raw_icsr_lab", "quarantine", "case_report", "case_drug", "case_event", "case_lab",
              "case_duplicate", "drug_event_counts"]
    return {t: db.one(con, f"select count(*) from {t}")[0] for t in tables if db.table_exists(con, t)}  # noqa: S608


def record_signals(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int, cfg: PvConfig) -> int:
    """The run's signals (``signal``), and which of them the reference safety information names (``signal_label``)."""
    from pv.signals import labels

    n = _insert_signals(con, run_id, score_run_id, cfg)
    labels.label_signals(con, run_id, cfg.labels if cfg.labels is not None else labels.default_paths())
    return n


def assessment_step(con: duckdb.DuckDBPyConnection, run_id: int, cfg: PvConfig) -> list[dict]:
    """Reopen the refuted or closed signals whose statistics moved materially (cfg ``reopen``), then mirror the
    assessment store into the database for the report and analysts. Returns the reopened signals."""
    from pv.signals import assessments

    path = assessments.run_store(con, cfg.assessments)
    if path is None:
        return []
    reopened = assessments.reopen_moved(con, path, run_id, cfg.reopen.eb05_ratio, cfg.reopen.a_ratio)
    assessments.mirror(con, path)
    return reopened


def _insert_signals(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int, cfg: PvConfig) -> int:
    con.begin()
    try:
        con.execute("delete from signal where run_id = $id", {"id": run_id}).fetchall()
        db.execute(con, "analytics/insert_signals",
                   {"run_id": run_id, "score_run_id": score_run_id, "criteria": list(cfg.signal_criteria)})
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return db.one(con, "select count(*) from signal where run_id = $id", {"id": run_id})[0]


@dataclass
class Comparison:
    new: list[tuple]
    persisting: list[tuple]
    no_longer_met: list[tuple]
    changed: list[tuple]          # persisting signals whose EB05 moved by 10 % or more
    re_emerged: list[tuple] = field(default_factory=list)    # signals that had lapsed and are met again
    method_changes: list[str] = field(default_factory=list)  # what of the method differs from the previous run


def complete_run(con: duckdb.DuckDBPyConnection, run_id: int, score_run_id: int, *,
                 report_pending: bool = False) -> Comparison:
    """Record the run's data cut-off and row counts and compare its signals with the previous completed run's, in
    one transaction; returns the comparison. With ``report_pending`` the run is left ``reporting``: it becomes
    ``completed`` (:func:`finish_run`) only once its report is in place, so a run killed while writing its report
    is never taken for a completed one."""
    db.execute(con, "views")
    cutoff = db.one(con, "select max(quarter) from ingest_log where status = 'loaded'")[0]
    cutoff_date = db.one(con, "select max(coalesce(fda_date, received_date)) from case_report")[0]
    counts = json.dumps(row_counts(con))
    con.begin()
    try:
        con.execute(
            """update signal_run set status = 'completed', finished_at = current_localtimestamp(), score_run_id = $s,
                   data_cutoff_quarter = $q, data_cutoff_date = $d, row_counts = $rc where run_id = $id""",
            {"id": run_id, "s": score_run_id, "q": cutoff, "d": cutoff_date, "rc": counts}).fetchall()
        method_changes = record_method(con, run_id, score_run_id)
        rows = con.execute("select status, level, drug, event, a, eb05, previous_eb05 from signal_history "
                           "order by status, level, drug, event").fetchall()
        new = [r[1:] for r in rows if r[0] == "new"]
        re_emerged = [r[1:] for r in rows if r[0] == "re-emerged"]
        persisting = [r[1:] for r in rows if r[0] == "persisting"]
        gone = [r[1:] for r in rows if r[0] == "no longer met"]
        changed = [r for r in persisting if r[5] and r[4] is not None and abs(r[4] - r[5]) / r[5] >= 0.10]
        n_signals = db.one(con, "select count(*) from signal where run_id = $id", {"id": run_id})[0]
        con.execute("update signal_run set n_signals = $n, n_new = $new, n_no_longer_met = $gone, n_re_emerged = $re, "
                    "status = case when $pending then 'reporting' else status end where run_id = $id",
                    {"id": run_id, "n": n_signals, "new": len(new), "gone": len(gone), "re": len(re_emerged),
                     "pending": report_pending}).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return Comparison(new, persisting, gone, changed, re_emerged, method_changes)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """The run's report is in place: the run is complete."""
    con.execute("update signal_run set status = 'completed', finished_at = current_localtimestamp() "
                "where run_id = $id and status = 'reporting'", {"id": run_id}).fetchall()


def run_report_dir(cfg: PvConfig, db_path: str | os.PathLike, run_id: int) -> Path:
    """Where a run's report goes: ``<reports_dir>/<database name>/<run_id>/``, so that two databases never write
    into one folder (and the report writer refuses a folder holding another database's report anyway)."""
    return Path(cfg.reports_dir) / Path(db_path).stem / str(run_id)


def record_step_times(con: duckdb.DuckDBPyConnection, run_id: int, seconds: dict[str, float]) -> None:
    con.execute("update signal_run set step_seconds = $s where run_id = $id",
                {"id": run_id, "s": json.dumps({k: round(v, 1) for k, v in seconds.items()})}).fetchall()


def markdown_summary(run_id: int, comparison: Comparison, cfg: PvConfig, limit: int = 50) -> str:
    def table(rows, title):
        if not rows:
            return f"### {title}\n\nNone.\n"
        lines = [f"### {title} ({len(rows)})", "", "| level | drug | event | a | EB05 | previous EB05 |",
                 "|---|---|---|---:|---:|---:|"]
        for level, drug, event, a, eb05, prev in rows[:limit]:
            lines.append(f"| {level} | {drug} | {event} | {a} | {_fmt(eb05)} | {_fmt(prev)} |")
        if len(rows) > limit:
            lines.append(f"| … | {len(rows) - limit} more | | | | |")
        return "\n".join(lines) + "\n"
    changed = [r[:6] for r in comparison.changed]
    method = (f"**The method changed since the previous run ({', '.join(comparison.method_changes)}): new, "
              "persisting and no-longer-met compare runs made differently.**" if comparison.method_changes else "")
    return "\n".join([
        f"# pv signal run {run_id}",
        f"Criteria: {', '.join(cfg.signal_criteria)}; persisting signals: {len(comparison.persisting)}.",
        *([method] if method else []),
        table(comparison.new, "New signals"), table(comparison.re_emerged, "Re-emerged signals (had lapsed)"),
        table(changed, "Changed signals (EB05 moved by 10 % or more)"),
        table(comparison.no_longer_met, "No longer met"),
    ])


def _fmt(x) -> str:
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.2f}"


def publish_copy(db_path: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Copy the database to ``dest`` atomically (write beside it, then rename), for analysts to read while the
    next run writes. Call with no connection open on ``db_path``."""
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".partial")
    shutil.copyfile(db_path, tmp)
    os.replace(tmp, dest)
    return dest


def write_run_report(con: duckdb.DuckDBPyConnection, run_id: int, out_dir: str | os.PathLike,
                     cfg: PvConfig | None = None) -> Path:
    """Everything a run leaves in its folder: its own record (all signals, the signal history, the data-quality
    page) and the signal report for the drugs of interest in the configured formats. Written into a folder beside
    ``out_dir`` and moved into place whole: a run killed here leaves no half report where the report belongs."""
    from pv import report
    from pv import validate as pv_validate

    out = Path(out_dir)
    database = report.database_identity(con)
    with report.staged(out, database, run_id) as work:
        signals = con.sql("select level, drug, event, a, expected, prr, prr_lower, prr_upper, ror, ror_lower, "
                          "ror_upper, chi2_yates, ic, ic025, ic975, ebgm, eb05, eb95, "
                          "array_to_string(criteria_met, ',') as criteria_met from signal where run_id = $id "
                          "order by level, drug, event", params={"id": run_id}).to_arrow_table().to_pandas()
        report.write_csv(signals, work / "run_signals.csv")
        history = con.sql("select * exclude (criteria_met), array_to_string(criteria_met, ',') as criteria_met "
                          "from signal_history order by status, level, drug, event").to_arrow_table().to_pandas()
        report.write_csv(history, work / "run_signal_history.csv")
        pv_validate.write_report(con, work / "data_quality.html")
        drugs: list[str] = []
        if cfg is not None and cfg.drugs_of_interest and cfg.report_formats:
            scored = {r[0] for r in con.execute(
                "select distinct drug from drug_event_score where run_id = (select score_run_id from signal_run "
                "where run_id = $id)", {"id": run_id}).fetchall()}
            drugs = [d for d in cfg.drugs_of_interest if d in scored]
        if drugs:
            report.build_report(con, work, run=run_id, drugs=drugs, formats=tuple(cfg.report_formats),
                                writing_run=True, atomic=False)
        else:   # the manifest names the database even when no drug of interest was scored
            (work / "manifest.json").write_text(json.dumps({"run_id": run_id, "database": database,
                                                            "drugs": []}, indent=2) + "\n", encoding="utf-8")
    return out


def run_in_process(con: duckdb.DuckDBPyConnection, cfg: PvConfig) -> int:
    """The flow's analysis steps in one call, without Prefect, on what is already loaded (for scripts and
    tests; the nightly flow runs the same functions as tasks). Returns the completed run's id."""
    from pv import standardize
    from pv.signals import ScoreSettings, score

    run_id = start_run(con, cfg)
    try:
        standardize.build(con, meddra_version=cfg.meddra_version)
        # the backgrounds first: every scoring leaves its analysis universe behind, and the later steps (masking,
        # time to onset, the report's line listings) read the main run's
        score_backgrounds(con, run_id, cfg)
        score_run_id = score(con, ScoreSettings.from_config(cfg)).run_id
        record_signals(con, run_id, score_run_id, cfg)
        assessment_step(con, run_id, cfg)
        time_to_signal(con, run_id, score_run_id, cfg)
        masking(con, run_id, cfg)
        subgroups(con, run_id, score_run_id, cfg)
        time_to_onset(con, run_id, cfg)
        complete_run(con, run_id, score_run_id)
    except BaseException as exc:
        fail_run(con, run_id, exc)
        raise
    return run_id
