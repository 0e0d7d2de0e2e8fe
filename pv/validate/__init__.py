"""Validation with Great Expectations: suites as data (``expectations/*.json``), one evaluator, every result kept.

Each load is validated table by table: the columns of the load's rows that the table's suite reads are pulled
from DuckDB as Arrow and handed to pandas, then validated against the suite, each column's expectations on a batch
of that column and the row key (:mod:`pv.validate.suites`). (GX's SQL datasource does not work against DuckDB: GX
issues #10738 and #11579.) While an ingest writes a load's tables, the suites of the tables already written run on
a worker thread (:class:`LoadValidator`): GX's work in Python overlaps DuckDB's writing.

Severity lives in each expectation's ``meta``:

* ``critical`` — the rows that break it go to ``quarantine`` (with the expectation and the offending values),
  never reach the standardized layer, and count towards the load's critical failure rate; a load whose rate
  passes the threshold (default 5 %) is refused whole;
* ``warning`` — the rows pass; the failure is counted.

Every expectation's outcome is stored in ``validation_result``, with the full GX result JSON.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pv import db
from pv.errors import PvError
from pv.validate.suites import (
    DEFAULT_THRESHOLD,
    ICSR_SUITES,
    RAW_SUITES,
    SAMPLE_VALUES,
    STANDARDIZED_SUITES,
    Outcome,
    batch_frame,
    expectations_dir,
    load_suite,
    run_suite,
    start_loading,
)

__all__ = ["DEFAULT_THRESHOLD", "ICSR_SUITES", "RAW_SUITES", "SAMPLE_VALUES", "STANDARDIZED_SUITES", "LoadValidation",
           "LoadValidator", "Outcome", "batch_frame", "expectations_dir", "hold", "load_suite", "quarantine_summary",
           "record", "release", "revalidate", "run_suite", "start_loading", "validate_load", "validate_standardized",
           "worst", "write_report"]


@dataclass
class LoadValidation:
    outcomes: list[Outcome]
    quarantine: list[dict]            # one per failing row and critical expectation
    n_rows: int
    n_critical_rows: int              # distinct rows with at least one critical failure


class LoadValidator:
    """Validates one load's tables as they are written: :meth:`add` pulls a table's batch from the connection (in
    the caller's thread and transaction) and queues its suite on a worker thread, so GX evaluates one table while
    the caller writes the next; :meth:`result` waits for every suite and returns what :func:`validate_load`
    would. Use it as a context manager: leaving early (an error, Ctrl-C) abandons the queued suites."""

    def __init__(self, load_id: int, params: dict | None = None):
        self.params = params or {"load_id": load_id}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pv-validate")
        self._suites: list[tuple[str, str, Future]] = []
        self._n_rows = 0

    def add(self, con: duckdb.DuckDBPyConnection, table: str) -> None:
        frame = batch_frame(con, table, self.params)
        self._n_rows += len(frame)
        if not frame.empty:
            self._suites.append((table, str(frame["source_file"].iloc[0]), self._worker.submit(run_suite, table, frame)))

    def result(self) -> LoadValidation:
        outcomes, quarantine = [], []
        critical_rows: set[tuple[str, int]] = set()
        for table, source_file, suite in self._suites:
            for outcome in suite.result():
                outcomes.append(outcome)
                if outcome.severity != "critical" or outcome.success:
                    continue
                values = outcome.failed_values or [None] * len(outcome.failed_lines)
                for line, value in zip(outcome.failed_lines, values, strict=False):
                    critical_rows.add((table, line))
                    quarantine.append({"table_name": table, "source_file": source_file, "line_no": line,
                                       "check_name": outcome.expectation, "reason": outcome.rationale,
                                       "offending_values": json.dumps({_column(outcome.expectation): value})})
        return LoadValidation(outcomes, quarantine, self._n_rows, len(critical_rows))

    def __enter__(self) -> LoadValidator:
        return self

    def __exit__(self, *_exc) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def validate_load(con: duckdb.DuckDBPyConnection, load_id: int, tables: list[str],
                  params: dict | None = None) -> LoadValidation:
    """Run the raw suites on one load (already written, not yet committed); ``params``: the batch SQL's, when
    they are more than the load (an openFDA/E2B load is validated a range of its reports at a time)."""
    with LoadValidator(load_id, params) as validator:
        for table in tables:
            validator.add(con, table)
        return validator.result()


def _column(expectation: str) -> str:
    return expectation.split("(", 1)[1].rstrip(")") if "(" in expectation else ""


def validate_standardized(con: duckdb.DuckDBPyConnection, quarters: list[str] | None = None) -> list[Outcome]:
    """The standardized suites on the cases whose latest version came from ``quarters`` (all cases if None):
    after a nightly load only what the new quarters changed is pulled into pandas."""
    outcomes = []
    for name in STANDARDIZED_SUITES:
        frame = batch_frame(con, name, {"quarters": quarters})
        if not frame.empty:
            outcomes.extend(run_suite(name, frame))
    return outcomes


def worst(outcomes: list[Outcome], k: int = 3) -> str:
    failing = sorted((o for o in outcomes if not o.success and o.severity == "critical"),
                     key=lambda o: o.unexpected_count, reverse=True)[:k]
    return "; ".join(f"{o.suite}: {o.expectation} failed on {o.unexpected_count:,} of {o.element_count:,} rows "
                     f"(e.g. {o.sample_values[:3]})" for o in failing)


def record(con: duckdb.DuckDBPyConnection, run_id: int, load_id: int | None, quarter: str | None,
           outcomes: list[Outcome]) -> None:
    """Store every outcome in ``validation_result`` (the caller holds the transaction)."""
    import pyarrow as pa

    if not outcomes:
        return
    table = pa.table({
        "suite": [o.suite for o in outcomes], "expectation": [o.expectation for o in outcomes],
        "severity": [o.severity for o in outcomes], "success": [o.success for o in outcomes],
        "element_count": pa.array([o.element_count for o in outcomes], pa.int64()),
        "unexpected_count": pa.array([o.unexpected_count for o in outcomes], pa.int64()),
        "unexpected_percent": pa.array([o.unexpected_percent for o in outcomes], pa.float64()),
        "sample_values": [json.dumps(o.sample_values) for o in outcomes],
        "result_json": [o.result_json for o in outcomes],
    })
    con.register("incoming_results", table)
    try:
        db.execute(con, "validate/insert_results", {"run_id": run_id, "load_id": load_id, "quarter": quarter})
    finally:
        con.unregister("incoming_results")


# --- re-running, quarantine and the data-quality page ---------------------------------------------------------


@dataclass
class ValidationSummary:
    run_id: int
    n_expectations: int
    n_failed_critical: int
    n_failed_warning: int
    n_new_quarantined: int


def revalidate(con: duckdb.DuckDBPyConnection, progress=None) -> ValidationSummary:
    """`pv validate`: run every raw suite on every loaded quarter and the standardized suites on the
    standardized layer; store the outcomes; quarantine critical failures not quarantined yet."""
    say = progress or (lambda _m: None)
    loads = con.execute("select load_id, quarter from ingest_log where status = 'loaded' and quarter is not null "
                        "order by quarter").fetchall()
    icsr_loads = [r[0] for r in con.execute("select load_id from ingest_log where status = 'loaded' and format in "
                                            "('openfda', 'e2b_r3', 'e2b_r2', 'e2b') order by load_id").fetchall()]
    run_id = db.one(con, "select nextval('validation_run_id_seq')")[0]
    outcomes_all: list[Outcome] = []
    new_rows = 0
    con.begin()
    try:
        for load_id, quarter in loads:
            say(f"validating {quarter}")
            result = validate_load(con, load_id, list(RAW_SUITES))   # tables this load lacks give empty batches
            record(con, run_id, load_id, quarter, result.outcomes)
            outcomes_all.extend(result.outcomes)
            new_rows += hold(con, load_id, quarter, result.quarantine)
        for load_id in icsr_loads:
            say(f"validating load {load_id}")
            from pv.validate.chunked import validate_icsr_load

            result = validate_icsr_load(con, load_id)
            record(con, run_id, load_id, None, result.outcomes)
            outcomes_all.extend(result.outcomes)
            new_rows += hold(con, load_id, None, result.quarantine)
        if db.table_exists(con, "case_report"):
            say("validating the standardized layer")
            std = validate_standardized(con)
            record(con, run_id, None, None, std)
            outcomes_all.extend(std)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    failed = [o for o in outcomes_all if not o.success]
    return ValidationSummary(run_id, len(outcomes_all), sum(o.severity == "critical" for o in failed),
                             sum(o.severity == "warning" for o in failed), new_rows)


def hold(con: duckdb.DuckDBPyConnection, load_id: int, quarter: str | None, failures: list[dict]) -> int:
    """Quarantine the failing rows of one load that are not held for the same check yet; returns how many."""
    if not failures:
        return 0
    import pyarrow as pa

    before = db.one(con, "select count(*) from quarantine")[0]
    con.register("incoming_failures", pa.table({k: [row[k] for row in failures] for k in failures[0]}))
    try:
        db.execute(con, "validate/insert_quarantine", {"load_id": load_id, "quarter": quarter})
    finally:
        con.unregister("incoming_failures")
    return db.one(con, "select count(*) from quarantine")[0] - before


def quarantine_summary(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Held rows by stage, reason (check) and file: (stage, check_name, source_file, n, first id, example)."""
    return con.execute(db.statements("validate/quarantine_summary")[0]).fetchall()


def release(con: duckdb.DuckDBPyConnection, ids: list[int], by: str, why: str) -> int:
    """Re-admit quarantined rows a steward judged acceptable; returns how many were released. Rows caught while
    parsing cannot be re-admitted (they never reached a raw table): fix the file and ingest it again."""
    if not by.strip() or not why.strip():
        raise PvError("Releasing rows needs who (--by) and why (--reason); both are recorded.")
    rows = con.execute("select quarantine_id, stage, released_at from quarantine where list_contains($ids, quarantine_id)",
                       {"ids": ids}).fetchall()
    found = {r[0]: r for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise PvError(f"No quarantined row with id {', '.join(map(str, missing))}; see `pv quarantine`.")
    parse = [i for i, r in found.items() if r[1] != "validate"]
    if parse:
        raise PvError(f"Row(s) {', '.join(map(str, parse))} failed to parse and are not in the raw layer; fix the "
                      "file and ingest it again instead.")
    already = [i for i, r in found.items() if r[2] is not None]
    if already:
        raise PvError(f"Row(s) {', '.join(map(str, already))} were released already.")
    con.execute("update quarantine set released_at = current_localtimestamp(), released_by = $by, release_reason = $why "
                "where list_contains($ids, quarantine_id)", {"ids": ids, "by": by, "why": why}).fetchall()
    return len(ids)


def write_report(con: duckdb.DuckDBPyConnection, out: str | Path) -> Path:
    """The data-quality page: counts per expectation and table, trends across quarters, top offending values."""
    from jinja2 import Environment, FileSystemLoader

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "latest": _dicts(con, "validate/dq_latest"),
        "trend_rows": _dicts(con, "validate/dq_trend"),
        "offending": _dicts(con, "validate/dq_offending"),
        "quarantine": [dict(zip(("stage", "check_name", "source_file", "n", "first_id", "example"), r, strict=True))
                       for r in quarantine_summary(con)],
        "released": _dicts(con, "validate/dq_released"),
        "loads": _dicts(con, "validate/dq_loads"),
    }
    quarters = sorted({r["quarter"] for r in data["trend_rows"]})
    trend: dict[tuple, dict] = {}
    for r in data["trend_rows"]:
        trend.setdefault((r["suite"], r["expectation"], r["severity"]), {})[r["quarter"]] = r["unexpected_percent"]
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
    html = env.get_template("data_quality.html.j2").render(quarters=quarters, trend=trend, **data)
    out.write_text(html, encoding="utf-8")
    return out


def _dicts(con, name: str) -> list[dict]:
    rel = con.sql(db.statements(name)[0])
    cols = rel.columns
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]
