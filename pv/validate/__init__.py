"""Validation with Great Expectations: suites as data (``expectations/*.json``), one evaluator, every result kept.

Each load is validated as one batch per raw table: the load's rows are pulled from DuckDB as Arrow and handed to
pandas (``sql/validate/batch_<table>.sql`` adds the derived columns the expectations read), then validated
against the table's suite. (GX's SQL datasource does not work against DuckDB: GX issues #10738 and #11579.)

Severity lives in each expectation's ``meta``:

* ``critical`` — the rows that break it go to ``quarantine`` (with the expectation and the offending values),
  never reach the standardized layer, and count towards the load's critical failure rate; a load whose rate
  passes the threshold (default 5 %) is refused whole;
* ``warning`` — the rows pass; the failure is counted.

Every expectation's outcome is stored in ``validation_result``, with the full GX result JSON. Great Expectations
is imported only here, so commands that do not validate do not pay its import time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from pv import db
from pv.errors import PvError

RAW_SUITES = ("raw_demo", "raw_drug", "raw_reac", "raw_outc", "raw_ther", "raw_indi", "raw_rpsr")
ICSR_SUITES = ("raw_icsr_report", "raw_icsr_drug", "raw_icsr_reaction", "raw_icsr_lab")
STANDARDIZED_SUITES = ("case_report", "case_drug", "case_event")
DEFAULT_THRESHOLD = 0.05
SAMPLE_VALUES = 10


def expectations_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "expectations", here.parent / "_expectations"):
        if candidate.is_dir():
            return candidate
    raise PvError("The expectations/ folder was not found next to the package; reinstall pv.")


@cache
def load_suite(name: str) -> dict:
    path = expectations_dir() / f"{name}.json"
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PvError(f"{path}: cannot read the expectation suite ({exc}).") from exc
    for i, exp in enumerate(doc.get("expectations", [])):
        severity = exp.get("meta", {}).get("severity")
        if severity not in {"critical", "warning"}:
            raise PvError(f"{path}: expectations[{i}] ({exp.get('type')}) needs meta.severity 'critical' or "
                          f"'warning', not {severity!r}.")
    return doc


@dataclass
class Outcome:
    """One expectation's result on one batch."""

    suite: str
    expectation: str                 # type and column, e.g. expect_column_values_to_be_in_set(role_cod)
    severity: str
    rationale: str
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float
    sample_values: list
    failed_lines: list[int] = field(default_factory=list)        # line_no of the failing rows
    failed_values: list = field(default_factory=list)
    result_json: str = ""


@cache
def _gx():
    import logging

    import great_expectations as gx  # noqa: PLC0415 (deliberately lazy: ~7 s import)

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    # no tqdm bars on the terminal: pv shows its own progress
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = context.data_sources.add_pandas("pv")
    return gx, source


def run_suite(name: str, frame: pd.DataFrame) -> list[Outcome]:
    """Validate ``frame`` against suite ``name``; failing rows are identified by their ``line_no`` column
    (or ``case_id`` on the standardized layer)."""
    gx, source = _gx()
    doc = load_suite(name)
    suite = gx.ExpectationSuite(name=doc["name"], expectations=[
        {"type": e["type"], "kwargs": e["kwargs"], "meta": e.get("meta", {})} for e in doc["expectations"]
    ])
    asset_name = f"{name}_{id(frame)}"
    asset = source.add_dataframe_asset(asset_name)
    try:
        batch = asset.add_batch_definition_whole_dataframe("batch").get_batch(batch_parameters={"dataframe": frame})
        key = "line_no" if "line_no" in frame.columns else "case_id"
        result = batch.validate(suite, result_format={"result_format": "COMPLETE",
                                                      "unexpected_index_column_names": [key]})
    finally:
        source.delete_asset(asset_name)
        # GX keeps every batch's DataFrame in the datasource's execution engine (BatchManager.batch_data_cache) for
        # as long as the datasource lives: let it go, or a process loading 50 quarters grows ~0.7 GB a quarter.
        manager = source.get_execution_engine().batch_manager
        manager.batch_data_cache.clear()
        manager.reset_batch_cache()
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        res = r.result or {}
        column = cfg.kwargs.get("column")
        index_list = res.get("unexpected_index_list") or []
        lines = [int(item[key]) for item in index_list if isinstance(item, dict) and key == "line_no"]
        values = [item.get(column) for item in index_list if isinstance(item, dict)] if column else []
        element_count = int(res.get("element_count") or 0)
        unexpected = int(res.get("unexpected_count") or 0)
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise PvError(f"expectations/{name}.json: {cfg.type} on {column} could not run: "
                          f"{r.exception_info.get('exception_message')}")
        samples = res.get("partial_unexpected_list") or []
        outcomes.append(Outcome(
            suite=name, expectation=f"{cfg.type}({column})" if column else cfg.type,
            severity=meta.get("severity", "warning"), rationale=meta.get("rationale", ""), success=bool(r.success),
            element_count=element_count, unexpected_count=unexpected,
            unexpected_percent=float(res.get("unexpected_percent") or 0.0),
            sample_values=[_plain(v) for v in samples[:SAMPLE_VALUES]], failed_lines=lines,
            failed_values=[_plain(v) for v in values], result_json=json.dumps(_jsonable(r.to_json_dict())),
        ))
    return outcomes


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        # the full index lists can be millions long; the table keeps the sample, the JSON keeps the first 1,000
        return [_jsonable(v) for v in obj[:1000]]
    return _plain(obj)


def batch_frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    """The batch for suite ``name``: Arrow from DuckDB, handed to pandas without a copy where possible.
    DEMO and the standardized tables have their own batch SQL; the six tables that hang off DEMO share one."""
    if name in RAW_SUITES and name != "raw_demo":
        table = db.query(con, "validate/batch_raw_child", params, {"raw_table": name})
    elif name in ICSR_SUITES:
        table = db.query(con, "validate/batch_raw_icsr", params, {"raw_table": name})
    else:
        table = db.query(con, f"validate/batch_{name}", params)
    return table.to_pandas(types_mapper=pd.ArrowDtype)


@dataclass
class LoadValidation:
    outcomes: list[Outcome]
    quarantine: list[dict]            # one per failing row and critical expectation
    n_rows: int
    n_critical_rows: int              # distinct rows with at least one critical failure


def validate_load(con: duckdb.DuckDBPyConnection, load_id: int, tables: list[str],
                  params: dict | None = None) -> LoadValidation:
    """Run the raw suites on one load (already written, not yet committed); ``params``: the batch SQL's, when
    they are more than the load (an openFDA/E2B load is validated a range of its reports at a time)."""
    outcomes, quarantine = [], []
    n_rows = 0
    critical_rows: set[tuple[str, int]] = set()
    for table in tables:
        frame = batch_frame(con, table, params or {"load_id": load_id})
        n_rows += len(frame)
        if frame.empty:
            continue
        source_file = str(frame["source_file"].iloc[0])
        for outcome in run_suite(table, frame):
            outcomes.append(outcome)
            if outcome.severity != "critical" or outcome.success:
                continue
            for line, value in zip(outcome.failed_lines, outcome.failed_values or [None] * len(outcome.failed_lines), strict=False):
                critical_rows.add((table, line))
                quarantine.append({"table_name": table, "source_file": source_file, "line_no": line,
                                   "check_name": outcome.expectation, "reason": outcome.rationale,
                                   "offending_values": json.dumps({_column(outcome.expectation): value})})
    return LoadValidation(outcomes, quarantine, n_rows, len(critical_rows))


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
