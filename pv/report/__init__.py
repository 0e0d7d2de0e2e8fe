"""Signal reports for regulators: HTML and PDF (one source), XLSX and CSV tables, and a provenance manifest.

The structure follows a signal assessment report (EMA GVP Module IX, CIOMS VIII): title page, methods, summary of
signals by category, per-category tables and forest plots, time-trend plots, data quality, limitations, and the
case line listings as an appendix. Every number comes from the database; the same data and configuration give
byte-identical CSVs and the same numbers in every format.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from pv import __version__, db
from pv.errors import PvError
from pv.ingest.faers import require_current_schema
from pv.procs import owned_prefix, remove_orphaned_dirs
from pv.report.cells import XLSX_OPTIONS, neutralise_frame

FORMATS = ("html", "pdf", "xlsx", "csv")
MAX_CASES = 5000
PACKAGES = ("duckdb", "pyarrow", "pandas", "numpy", "scipy", "great-expectations", "prefect", "jinja2",
            "matplotlib", "weasyprint", "xlsxwriter")


@dataclass
class ReportResult:
    out_dir: Path
    files: list[Path]
    n_signals: int
    manifest: dict


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    return db.query(con, name, params).to_pandas()


def resolve_run(con: duckdb.DuckDBPyConnection, run: str | int = "latest", *, writing_report: bool = False) -> dict:
    """The run's record. Reports are written for completed runs; ``writing_report`` also accepts the run whose
    own report is being written (status ``reporting``: a run is complete only when its report is)."""
    if not db.table_exists(con, "signal_run"):
        raise PvError("No signal run in this database yet: run `pv run` first.")
    require_current_schema(con)
    if str(run) != "latest" and not str(run).strip().isdigit():
        raise PvError(f"--run takes 'latest' or a run id (a whole number), not {run!r}; the table signal_run "
                      "lists the runs.")
    if str(run) == "latest":
        row = db.one(con, "select run_id from signal_run where status = 'completed' order by run_id desc limit 1")
        if not row:
            raise PvError("No completed signal run yet: run `pv run` first.")
        run = row[0]
    rel = con.sql("select * from signal_run where run_id = $id", params={"id": int(run)})
    rows = rel.fetchall()
    if not rows:
        raise PvError(f"No signal run {run}: the table signal_run lists the runs (pv query).")
    info = dict(zip(rel.columns, rows[0], strict=True))
    if info["status"] != "completed" and not (writing_report and info["status"] == "reporting"):
        raise PvError(f"Run {run} is {info['status']}; reports are written for completed runs only.")
    score = con.sql("select parameters, mgps_priors, category_file, category_version, category_sha256, n_reports "
                    "from score_run where run_id = $id", params={"id": info["score_run_id"]})
    srow = score.fetchall()[0]
    info.update(dict(zip(score.columns, srow, strict=True)))
    columns = db.table_columns(con, "score_run")
    extra = [c for c in ("meddra_version", "exclusions") if c in columns]
    row = db.one(con, f"select {', '.join(extra) or 'null'} from score_run where run_id = $id",  # noqa: S608 (known names)
                 {"id": info["score_run_id"]}) if extra else ()
    info.update({"meddra_version": None, "exclusions": None, **dict(zip(extra, row or (), strict=False))})
    info["exclusions"] = json.loads(info["exclusions"]) if info["exclusions"] else {}
    info["config"] = json.loads(info["config"] or "{}")
    info["parameters"] = json.loads(info["parameters"] or "{}")
    info["mgps_priors"] = json.loads(info["mgps_priors"] or "{}")
    info["row_counts"] = json.loads(info["row_counts"] or "{}")
    info["backgrounds"] = (con.sql(
        "select b.background, b.description, b.definition, b.message, r.n_reports from signal_run_background as b "
        "left join score_run as r on r.run_id = b.score_run_id where b.run_id = $id order by b.background",
        params={"id": info["run_id"]}).to_arrow_table().to_pylist()
        if db.table_exists(con, "signal_run_background") else [])
    return info


def build_report(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, run: str | int = "latest",
                 drugs: list[str] | None = None, formats: tuple[str, ...] = FORMATS, writing_run: bool = False,
                 atomic: bool = True) -> ReportResult:
    """Write the report into ``out_dir``. With ``atomic`` (the default) everything is written into a folder beside
    it and moved into place at the end, so ``out_dir`` holds a whole report or none; a folder that holds another
    database's or another run's report (or other files) is refused, never overwritten."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise PvError(f"--format {', '.join(bad)} is not one of {', '.join(FORMATS)}.")
    info = resolve_run(con, run, writing_report=writing_run)
    drugs = [d.strip().upper() for d in (drugs or info["config"].get("drugs_of_interest") or [])]
    if not drugs:
        raise PvError("Name the drug(s) to report on with --drug, or set drugs_of_interest in pv.toml.")
    known = {r[0] for r in con.execute("select distinct drug from drug_event_score where run_id = $s",
                                       {"s": info["score_run_id"]}).fetchall()}
    unknown = [d for d in drugs if d not in known]
    if unknown:
        raise PvError(f"No scores for {', '.join(unknown)} in run {info['run_id']}: check the active-ingredient "
                      "name in the view drug_event_scores (pv query).")
    database = database_identity(con)
    if not atomic:
        return _write_report(con, Path(out_dir), info, drugs, formats, database)
    with staged(Path(out_dir), database, info["run_id"]) as work:
        result = _write_report(con, work, info, drugs, formats, database)
    final = Path(out_dir)
    return ReportResult(final, [final / f.name for f in result.files], result.n_signals, result.manifest)


def database_identity(con: duckdb.DuckDBPyConnection) -> dict:
    """The database's path and its identity (``pv_database``), as recorded in every manifest."""
    path = db.one(con, "select path from duckdb_databases() where database_name = current_database()")
    ident = db.one(con, "select database_id, created_at from pv_database") if db.table_exists(con, "pv_database") else None
    return {"path": str(Path(path[0]).resolve()) if path and path[0] else ":memory:",
            "database_id": ident[0] if ident else None, "created_at": str(ident[1]) if ident else None}


def check_target(out: Path, database: dict, run_id: int) -> None:
    """Refuse a report folder that holds something other than this database's report of this run."""
    if out.exists() and not out.is_dir():
        raise PvError(f"{out} is a file; the report needs a folder (choose another --out).")
    if not out.is_dir() or not any(out.iterdir()):
        return
    manifest = out / "manifest.json"
    try:
        earlier = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PvError(f"{out} already holds files that are not a pv report; choose another --out, or empty it.") from None
    same_db = earlier.get("database", {}).get("database_id") == database["database_id"]
    if not same_db or earlier.get("run_id") != run_id:
        raise PvError(f"{out} already holds the report of run {earlier.get('run_id')} of database "
                      f"{earlier.get('database', {}).get('path', 'unknown')}; pv does not overwrite another "
                      "database's or run's report. Choose another --out, or set reports_dir in pv.toml.")


STAGING_PREFIX, REPLACED_PREFIX = ".pv-partial-", ".pv-replaced-"


@contextmanager
def staged(final: Path, database: dict, run_id: int) -> Iterator[Path]:
    """A folder to write a report into, beside ``final`` (same file system), moved into place whole when the block
    ends without error and removed otherwise: ``final`` holds a whole report or none. A folder that holds another
    database's or another run's report is refused first; folders left by a killed pv process are removed."""
    check_target(final, database, run_id)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise PvError(f"Cannot create the report folder {final.parent}: permission denied. Choose another "
                      "--out (or reports_dir) you can write to.") from None
    if not os.access(final.parent, os.W_OK):
        raise PvError(f"Cannot write into {final.parent}: permission denied. Choose another --out (or reports_dir).")
    for prefix in (STAGING_PREFIX, REPLACED_PREFIX):
        remove_orphaned_dirs(prefix, final.parent)
    work = final.parent / f"{owned_prefix(STAGING_PREFIX)}{final.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        yield work
        old = final.parent / f"{owned_prefix(REPLACED_PREFIX)}{final.name}"
        if final.exists():       # the previous copy of the same report goes only once the new one is whole
            os.replace(final, old)
        os.replace(work, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_report(con, out: Path, info: dict, drugs: list[str], formats: tuple[str, ...],
                  database: dict) -> ReportResult:
    out.mkdir(parents=True, exist_ok=True)
    params = {"run_id": info["run_id"], "drugs": drugs}
    db.execute(con, "report/event_label")
    tables = {
        "signals": _frame(con, "report/signals", params),
        "scores": _frame(con, "report/scores", {"score_run_id": info["score_run_id"], "drugs": drugs,
                                                "criteria": list(info["config"].get("signal_criteria") or [])}),
        "line_listing": _frame(con, "report/line_listing", {**params, "max_cases": MAX_CASES}),
        "data_quality": _frame(con, "report/data_quality"),
        "category_terms": (_frame(con, "report/category_terms", {"score_run_id": info["score_run_id"]})
                           if db.table_exists(con, "score_run_category_term") else pd.DataFrame()),
        "heterogeneity": (_frame(con, "report/heterogeneity", params)
                          if db.table_exists(con, "signal_subgroup_heterogeneity") else pd.DataFrame()),
        "onset": (_frame(con, "report/onset", params) if db.table_exists(con, "signal_onset") else pd.DataFrame()),
        "masking": (_frame(con, "report/masking", params) if db.table_exists(con, "signal_masking")
                    else pd.DataFrame()),
        "backgrounds": (_frame(con, "report/backgrounds", {**params, "criteria": list(info["config"].get(
                            "signal_criteria") or [])}) if db.table_exists(con, "signal_run_background")
                        else pd.DataFrame()),
        "lab_grades": (_frame(con, "report/lab_grades", {"drugs": drugs})
                       if db.table_exists(con, "case_worst_lab_grade") and db.table_exists(con, "analysis_exposure")
                       else pd.DataFrame()),
        "parameters": _parameters(info, drugs),
    }
    # the dated cases behind the signals' times to onset (the latest run's; plotted, not written as a table)
    tables_extra = {"onset_cases": _frame(con, "report/onset_cases", params)
                    if db.table_exists(con, "case_time_to_onset") else pd.DataFrame()}
    trend = _frame(con, "report/trend", params)
    inputs = _frame(con, "report/inputs")
    files: list[Path] = []
    documents = "html" in formats or "pdf" in formats
    appendix: list = []
    trend_figures = None
    if documents:   # matplotlib and jinja only when a document is asked for
        from pv.report.pdf import BackgroundTrendFigures, parallel_parts
        from pv.report.render import appendix_chunks, render_html, report_context

        # the costliest plots, drawn by another process from now on while this one writes the tables
        trend_figures = BackgroundTrendFigures(trend, drugs, background=parallel_parts() > 0 and len(trend) > 0)
    if "pdf" in formats:
        from pv.report.pdf import BackgroundPdf, html_to_pdf, join_pdfs

        # The line listings need no plots: their PDF parts start rendering in other processes now, while this one
        # writes the tables, draws the plots and lays out the body (see pv.report.pdf).
        listing = report_context(info, drugs, {**tables, **tables_extra}, trend, inputs, MAX_CASES, plots=False)
        n_parts = parallel_parts()
        appendix = [BackgroundPdf(render_html(listing, "appendix", chunk), base_url=str(out), background=n_parts > 0)
                    for chunk in appendix_chunks(listing["sections"], max(n_parts, 1))]
    try:
        if "csv" in formats:
            for name, frame in tables.items():
                path = out / f"{name}.csv"
                write_csv(frame, path)
                files.append(path)
        if "xlsx" in formats:
            path = out / "signal_report.xlsx"
            _write_xlsx(path, tables)
            files.append(path)
        if documents:
            context = report_context(info, drugs, {**tables, **tables_extra}, trend, inputs, MAX_CASES,
                                     trends=trend_figures.result())
            if "html" in formats:
                path = out / "signal_report.html"
                path.write_text(render_html(context, "all"), encoding="utf-8")
                files.append(path)
            if "pdf" in formats:
                body = html_to_pdf(render_html(context, "main"), base_url=str(out))
                path = out / "signal_report.pdf"
                join_pdfs([body, *(part.result() for part in appendix)], path,
                          title=f"Signal report: {', '.join(drugs)} (run {info['run_id']})")
                files.append(path)
    finally:
        for part in [*appendix, trend_figures]:
            if part is not None:
                part.close()
    manifest = _manifest(info, drugs, inputs, files, database)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return ReportResult(out, [*files, out / "manifest.json"], len(tables["signals"]), manifest)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table as CSV: deterministic numbers, and text a spreadsheet would run as a formula neutralised."""
    _deterministic(neutralise_frame(frame)).to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _deterministic(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite values written as the words inf / -inf, so every reader sees the same text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                                    else ("inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:.10g}"))
    return out


def _write_xlsx(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    # Every string is written as a string: a name beginning with '=' never becomes a live formula (pv.report.cells).
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
        writer.book.set_properties({"created": datetime(2000, 1, 1)})   # reproducible files
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes(1, 0)
            for i, col in enumerate(frame.columns):
                width = min(60, max(len(str(col)), *(len(str(v)) for v in frame[col].head(200)))) if len(frame) else len(col)
                sheet.set_column(i, i, width + 2)


def _background_text(background: dict) -> str:
    definition = json.loads(background["definition"] or "{}")
    parts = [background["description"] or None,
             ("reports with " + ", ".join(definition["drugs"])) if definition.get("drugs") else None,
             ("drug given for " + ", ".join(definition["indications"])) if definition.get("indications") else None,
             f"N = {background['n_reports']:,}" if background["n_reports"] is not None else background["message"]]
    return "; ".join(p for p in parts if p)


def _parameters(info: dict, drugs: list[str]) -> pd.DataFrame:
    cfg, params = info["config"], info["parameters"]
    rows = [
        ("run id", info["run_id"]), ("data cut-off quarter", info["data_cutoff_quarter"]),
        ("data cut-off (latest FDA receipt)", info["data_cutoff_date"]), ("drugs", "; ".join(drugs)),
        ("reports in the analysis (N)", info["n_reports"]), ("drug roles counted", params.get("roles")),
        ("probable duplicates counted once", params.get("collapse_duplicates")),
        ("expected counts stratified", params.get("stratified")),
        ("continuity correction (PRR, ROR)", params.get("continuity_correction")),
        ("signal criteria", "; ".join(cfg.get("signal_criteria", []))),
        ("category file", f"{info['category_file']} {info['category_version']} (sha256 {info['category_sha256']})"),
        ("MedDRA version", info.get("meddra_version") or "none loaded: events matched on their reported text"),
        ("levels scored", "; ".join(params.get("levels") or ["pt", "subcategory", "category"])),
        ("SOC paths (hlt, hlgt, soc levels)", "all paths" if params.get("all_soc_paths") else "primary path"),
        ("non-clinical terms excluded", _exclusion_text(info.get("exclusions") or {})),
        *((f"background {b['background']}", _background_text(b)) for b in info.get("backgrounds") or []),
        ("software", f"pv {info['software_version']}"), ("git commit", info["git_commit"] or "unknown"),
    ]
    for name, conds in (params.get("criteria") or {}).items():
        rows.append((f"criterion {name}", " and ".join(f"{c} {op} {v}" for c, op, v in conds)))
    prior = info["mgps_priors"].get("pt", {})
    if prior:
        rows.append(("MGPS prior (PT level)", f"alpha1={prior['alpha1']:.5g} beta1={prior['beta1']:.5g} "
                     f"alpha2={prior['alpha2']:.5g} beta2={prior['beta2']:.5g} p={prior['p']:.5g}; "
                     f"-logL {prior['nll']:.3f}; {prior['n_agreeing']} of {len(prior['starts'])} starts agree"))
    return pd.DataFrame({"parameter": [r[0] for r in rows], "value": [str(r[1]) for r in rows]})


def _exclusion_text(excluded: dict) -> str:
    if not excluded.get("enabled"):
        return "no"
    return (f"yes: {excluded['n_pts']} PTs, {excluded['n_case_events']:,} case-event rows "
            f"({Path(excluded['file']).name} {excluded['version']})")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(info: dict, drugs: list[str], inputs: pd.DataFrame, files: list[Path], database: dict) -> dict:
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "report": "pv signal report",
        "run_id": info["run_id"],
        "drugs": drugs,
        "data_cutoff_quarter": info["data_cutoff_quarter"],
        "data_cutoff_date": str(info["data_cutoff_date"]),
        "database": database,
        "synthetic_data": bool(inputs["is_synthetic"].any()) if len(inputs) else False,
        "inputs": [{"path": r.source_path, "sha256": r.source_sha256, "format": r.format, "quarter": r.quarter,
                    "source_name": r.source_name, "n_reports": int(r.n_reports), "synthetic": bool(r.is_synthetic)}
                   for r in inputs.itertuples()],
        "software": {"pv": __version__, "git_commit": info["git_commit"], **versions},
        "configuration": info["config"],
        "scoring_parameters": info["parameters"],
        "category_file": {"name": info["category_file"], "version": info["category_version"],
                          "sha256": info["category_sha256"]},
        "row_counts": info["row_counts"],
        "files": {p.name: _sha256(p) for p in files},
    }

