"""The evaluator: suites as data (``expectations/*.json``), run by Great Expectations on a pandas batch.

A batch is pulled from DuckDB as Arrow and handed to pandas without a copy where it can be
(``sql/validate/batch_<table>.sql`` adds the derived columns the expectations read). Great Expectations is
imported only here, so commands that do not validate do not pay its import time; a load that will validate starts
that import in the background (:func:`start_loading`) while it parses its files.
"""

from __future__ import annotations

import json
import math
import threading
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


_gx_lock = threading.Lock()


def start_loading() -> None:
    """Import Great Expectations (several seconds) on a background thread while the caller does other work, such
    as parsing the files it will validate; :func:`run_suite` waits for it."""
    threading.Thread(target=_gx, name="pv-import-great-expectations", daemon=True).start()


def _gx():
    with _gx_lock:
        return _gx_context()


@cache
def _gx_context():
    import logging

    import great_expectations as gx  # noqa: PLC0415 (deliberately lazy: ~7 s import)
    from great_expectations.execution_engine import pandas_execution_engine  # noqa: PLC0415

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # GX fingerprints every DataFrame batch under 1 GB (an MD5 of pandas' hash of every value) only to label the
    # batch; pv does not keep the label. On a 400,000-report quarter it took a quarter of the validation time, so
    # it is switched off. No expectation depends on it.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    # no tqdm bars on the terminal: pv shows its own progress
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = context.data_sources.add_pandas("pv")
    return gx, source


def run_suite(name: str, frame: pd.DataFrame) -> list[Outcome]:
    """Validate ``frame`` against suite ``name``; failing rows are identified by their ``line_no`` column
    (or ``case_id`` on the standardized layer). Outcomes come in the suite's order.

    Each column's expectations run on a batch of that column and the row key alone, and any expectation that
    reads more than one column on the whole frame: GX filters the whole batch for every expectation (to set its
    nulls aside), so a batch of two columns gives the same results several times faster than one of twenty
    (DEMO's 21 expectations on 400,000 rows: 0.8 s against 1.9 s)."""
    doc = load_suite(name)
    key = "line_no" if "line_no" in frame.columns else "case_id"
    groups: dict[str | None, list[tuple[int, dict]]] = {}
    for i, exp in enumerate(doc["expectations"]):
        groups.setdefault(_only_column(exp), []).append((i, exp))
    ranked: list[tuple[int, Outcome]] = []
    for column, exps in groups.items():
        batch = frame[[key] if column == key else [column, key]] if column else frame
        outcomes = _run_gx(name, doc["name"], [e for _, e in exps], batch, key)
        ranked.extend(zip((i for i, _ in exps), outcomes, strict=True))
    return [outcome for _, outcome in sorted(ranked, key=lambda r: r[0])]


def _label(type_: str, kwargs) -> str:
    """How an outcome names its expectation: its type and column, e.g. expect_column_values_to_be_in_set(sex)."""
    column = kwargs.get("column")
    return f"{type_}({column})" if column else type_


def _identity(cfg) -> str:
    """What tells one expectation's configuration from another's: its type and arguments (less the batch id GX
    adds to a result's)."""
    kwargs = {k: v for k, v in dict(cfg.kwargs).items() if k != "batch_id"}
    return json.dumps([cfg.type, kwargs], sort_keys=True, default=str)


def suite_columns(name: str) -> list[str] | None:
    """The columns suite ``name`` reads (None: every column, as a multi-column expectation may read any)."""
    read = [_only_column(e) for e in load_suite(name)["expectations"]]
    return None if None in read else list(dict.fromkeys(read))


# kwargs through which an expectation reads more columns than its ``column``
_OTHER_COLUMNS = ("row_condition", "condition_parser", "column_A", "column_B", "column_list", "ignore_row_if")


def _only_column(exp: dict) -> str | None:
    """The one column an expectation reads, or None when it reads more (or a table-level property)."""
    kwargs = exp.get("kwargs", {})
    column = kwargs.get("column")
    return column if column and not any(k in kwargs for k in _OTHER_COLUMNS) else None


def _run_gx(name: str, suite_name: str, expectations: list[dict], frame: pd.DataFrame, key: str) -> list[Outcome]:
    """One GX validation of ``frame`` against ``expectations``: an Outcome per expectation, in their order."""
    gx, source = _gx()
    suite = gx.ExpectationSuite(name=suite_name, expectations=[
        {"type": e["type"], "kwargs": e["kwargs"], "meta": e.get("meta", {})} for e in expectations
    ])
    asset_name = f"{name}_{id(frame)}"
    asset = source.add_dataframe_asset(asset_name)
    try:
        batch = asset.add_batch_definition_whole_dataframe("batch").get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE",
                                                      "unexpected_index_column_names": [key]})
    finally:
        source.delete_asset(asset_name)
        # GX keeps every batch's DataFrame in the datasource's execution engine (BatchManager.batch_data_cache) for
        # as long as the datasource lives: let it go, or a process loading 50 quarters grows ~0.7 GB a quarter.
        manager = source.get_execution_engine().batch_manager
        manager.batch_data_cache.clear()
        manager.reset_batch_cache()
    # GX answers grouped its own way (by column, not in the suite's order): each answer goes to the place of its
    # expectation, matched on GX's own configuration of it (GX normalizes arguments: 0 becomes 0.0)
    places: dict[str, list[int]] = {}
    for i, e in enumerate(suite.expectations):
        places.setdefault(_identity(e.configuration), []).append(i)
    placed: list[tuple[int, Outcome]] = []
    for r in result.results:
        free = places.get(_identity(r.expectation_config))
        if not free:
            raise PvError(f"expectations/{name}.json: Great Expectations answered {r.expectation_config.type} on "
                          f"{r.expectation_config.kwargs.get('column')}, which was not asked or was answered twice.")
        placed.append((free.pop(0), _outcome(name, r, key)))
    if len(placed) != len(expectations):
        raise PvError(f"expectations/{name}.json: Great Expectations returned {len(placed)} results for "
                      f"{len(expectations)} expectations.")
    return [outcome for _, outcome in sorted(placed, key=lambda p: p[0])]


def _outcome(name: str, r, key: str) -> Outcome:
    """pv's record of one GX ExpectationValidationResult ``r``; failing rows by their ``key`` column."""
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
    return Outcome(
        suite=name, expectation=_label(cfg.type, cfg.kwargs),
        severity=meta.get("severity", "warning"), rationale=meta.get("rationale", ""), success=bool(r.success),
        element_count=element_count, unexpected_count=unexpected,
        unexpected_percent=float(res.get("unexpected_percent") or 0.0),
        sample_values=[_plain(v) for v in samples[:SAMPLE_VALUES]], failed_lines=lines,
        failed_values=[_plain(v) for v in values], result_json=json.dumps(_jsonable(r.to_json_dict())),
    )


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
    """The batch for suite ``name``: Arrow from DuckDB, handed to pandas without a copy where possible; only the
    columns the suite reads, the row key and ``source_file`` are fetched. DEMO and the standardized tables have
    their own batch SQL; the six tables that hang off DEMO share one."""
    if name in RAW_SUITES and name != "raw_demo":
        sql, identifiers = "validate/batch_raw_child", {"raw_table": name}
    elif name in ICSR_SUITES:
        sql, identifiers = "validate/batch_raw_icsr", {"raw_table": name}
    else:
        sql, identifiers = f"validate/batch_{name}", None
    read = suite_columns(name)
    if read is not None:
        key = "case_id" if name in STANDARDIZED_SUITES else "line_no"
        read = list(dict.fromkeys([key, *read, *(["source_file"] if key == "line_no" else [])]))
    return db.query(con, sql, params, identifiers, columns=read).to_pandas(types_mapper=pd.ArrowDtype)
