"""What the workbench (``pv app``) reads: the signals list with its filters, and one signal's page. Pure reads on a
read-only connection; the assessment history comes from the assessment store itself, so it is current even
while a run holds the database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pv import db
from pv.signals import assessments

MAX_CASES = 500
LEVEL_ORDER = ("pt", "subcategory", "category", "hlt", "hlgt", "soc", "smq_narrow", "smq_broad")


@dataclass
class Filters:
    drug: str = ""
    level: str = ""
    criterion: str = ""
    status: str = ""            # an assessment status, or 'unassessed'
    labelled: str = ""          # yes | no | '' (both)
    new_since: str = ""         # YYYY-MM-DD: first raised by a run started then or later
    sort: str = "eb05"
    descending: bool = True

    def params(self) -> dict:
        return {"drug": self.drug, "level": self.level, "criterion": self.criterion, "status": self.status,
                "labelled": self.labelled, "new_since": self.new_since}


SORTABLE = ("drug", "level", "event", "a", "expected", "prr", "ror_lower", "ic025", "ebgm", "eb05", "status")


def ready(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database has a completed run to show."""
    return db.table_exists(con, "signal_run") and bool(
        db.one(con, "select count(*) from signal_run where status = 'completed'")[0])


def signal_list(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict]:
    rows = db.query(con, "app/signal_list", filters.params()).to_pylist()
    key = filters.sort if filters.sort in SORTABLE else "eb05"
    present = [r for r in rows if r[key] is not None]
    present.sort(key=lambda r: r[key], reverse=filters.descending)
    return present + [r for r in rows if r[key] is None]


@dataclass
class SignalPage:
    stats: dict
    cases: list[dict] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    subgroups: list[dict] = field(default_factory=list)
    onset: dict | None = None


def _line_listing(con: duckdb.DuckDBPyConnection, key: dict) -> list[dict]:
    """The pair's cases, the most recent first (at most MAX_CASES). Every step reads by row where it can and checks
    that the rows hold what was asked for, else falls back to a scan: analysis_case by case_key (it is written in
    that order), then their reports by the case_report rows they were counted from (scored by an earlier pv, or
    the layer rebuilt since: by case_id, which scans case_report)."""
    case_keys = db.query(con, "app/signal_case_keys", key)["case_key"].to_pylist()
    pair_cases = db.query(con, "app/analysis_cases_by_row", {"case_keys": case_keys})
    if sorted(pair_cases["case_key"].to_pylist()) != sorted(case_keys):
        pair_cases = db.query(con, "app/analysis_cases_by_key", {"case_keys": case_keys})
    case_ids = pair_cases["case_id"].to_pylist()
    if "report_rowid" in pair_cases.column_names:
        rows = db.query(con, "app/reports_by_row", {"rowids": pair_cases["report_rowid"].to_pylist(),
                                                    "max_cases": len(case_ids)}).to_pylist()
        if {r["case_id"] for r in rows} == set(case_ids):
            return rows[:MAX_CASES]
    return db.query(con, "app/reports_by_case", {"case_ids": case_ids, "max_cases": MAX_CASES}).to_pylist()


def signal_page(con: duckdb.DuckDBPyConnection, store: Path | None, level: str, drug: str,
                event: str) -> SignalPage | None:
    """One pair's page, or None when the latest run did not score it."""
    key = {"level": level, "drug": drug, "event": event}
    stats = db.query(con, "app/signal_detail", key).to_pylist()
    if not stats:
        return None
    cases = []
    if db.table_exists(con, "analysis_case"):
        cases = _line_listing(con, key)
    trend = db.query(con, "app/signal_trend", key).to_pylist() if db.table_exists(con, "signal_by_quarter") else []
    subgroups = db.query(con, "app/signal_subgroups", key).to_pylist() if db.table_exists(con, "signal_subgroup") \
        else []
    onset = db.query(con, "app/signal_onset", key).to_pylist() if db.table_exists(con, "signal_onset") else []
    history = []
    if store is not None:
        history = assessments.read(store, "signal_assessment_audit", pair=(level, drug, event)).to_pylist()
        current = assessments.read(store, pair=(level, drug, event)).to_pylist()
        if current:     # the store is newer than the run's mirror
            stats[0].update({k: current[0][k] for k in ("status", "assessor", "status_date", "rationale",
                                                        "evidence", "next_review_date")})
    return SignalPage(stats[0], cases, trend, history, subgroups, onset[0] if onset else None)


def runs(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every signal run, the latest first, its configuration as indented JSON."""
    rows = db.query(con, "app/runs").to_pylist() if db.table_exists(con, "signal_run") else []
    for r in rows:
        r["config"] = json.dumps(json.loads(r["config"]), indent=2, sort_keys=True) if r["config"] else ""
    return rows


def data_quality(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The latest outcome of every expectation, failures first."""
    return db.query(con, "app/data_quality").to_pylist() if db.table_exists(con, "validation_result") else []


def report_files(reports_root: Path | None, run_id: int) -> list[str]:
    """The files of run ``run_id``'s report folder (names only; nothing outside that folder)."""
    if reports_root is None:
        return []
    folder = Path(reports_root) / str(int(run_id))
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


@dataclass
class CasePage:
    report: dict
    drugs: list[dict]
    events: list[dict]
    versions: list[dict]


def case_page(con: duckdb.DuckDBPyConnection, case_id: str) -> CasePage | None:
    """One case: its current version, all its drugs (with indications), events and delivered versions."""
    key = {"case_id": case_id}
    report = db.query(con, "app/case_report", key).to_pylist()
    if not report:
        return None
    versions = db.query(con, "app/case_versions", key).to_pylist() if db.table_exists(con, "raw_demo") else []
    return CasePage(report[0], db.query(con, "app/case_drugs", key).to_pylist(),
                    db.query(con, "app/case_events", key).to_pylist(), versions)
