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
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from pv import __version__, db
from pv.errors import PvError

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


def resolve_run(con: duckdb.DuckDBPyConnection, run: str | int = "latest") -> dict:
    if not db.table_exists(con, "signal_run"):
        raise PvError("No signal run in this database yet: run `pv run` first.")
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
    if info["status"] != "completed":
        raise PvError(f"Run {run} is {info['status']}; reports are written for completed runs only.")
    score = con.sql("select parameters, mgps_priors, category_file, category_version, category_sha256, n_reports "
                    "from score_run where run_id = $id", params={"id": info["score_run_id"]})
    srow = score.fetchall()[0]
    info.update(dict(zip(score.columns, srow, strict=True)))
    info["config"] = json.loads(info["config"] or "{}")
    info["parameters"] = json.loads(info["parameters"] or "{}")
    info["mgps_priors"] = json.loads(info["mgps_priors"] or "{}")
    info["row_counts"] = json.loads(info["row_counts"] or "{}")
    return info


def build_report(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, run: str | int = "latest",
                 drugs: list[str] | None = None, formats: tuple[str, ...] = FORMATS) -> ReportResult:
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise PvError(f"--format {', '.join(bad)} is not one of {', '.join(FORMATS)}.")
    info = resolve_run(con, run)
    drugs = [d.strip().upper() for d in (drugs or info["config"].get("drugs_of_interest") or [])]
    if not drugs:
        raise PvError("Name the drug(s) to report on with --drug, or set drugs_of_interest in pv.toml.")
    known = {r[0] for r in con.execute("select distinct drug from drug_event_score where run_id = $s",
                                       {"s": info["score_run_id"]}).fetchall()}
    unknown = [d for d in drugs if d not in known]
    if unknown:
        raise PvError(f"No scores for {', '.join(unknown)} in run {info['run_id']}: check the active-ingredient "
                      "name in the view drug_event_scores (pv query).")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = {"run_id": info["run_id"], "drugs": drugs}
    tables = {
        "signals": _frame(con, "report/signals", params),
        "scores": _frame(con, "report/scores", {"score_run_id": info["score_run_id"], "drugs": drugs}),
        "line_listing": _frame(con, "report/line_listing", {**params, "max_cases": MAX_CASES}),
        "data_quality": _frame(con, "report/data_quality"),
        "parameters": _parameters(info, drugs),
    }
    trend = _frame(con, "report/trend", params)
    inputs = _frame(con, "report/inputs")
    files: list[Path] = []
    documents = "html" in formats or "pdf" in formats
    if documents:   # matplotlib and jinja only when a document is asked for
        from pv.report.render import appendix_chunks, render_html, report_context
    appendix: list = []
    if "pdf" in formats:
        from pv.report.pdf import BackgroundPdf, html_to_pdf, join_pdfs, parallel_parts

        # The line listings need no plots: their PDF parts start rendering in other processes now, while this one
        # writes the tables, draws the plots and lays out the body (see pv.report.pdf).
        listing = report_context(info, drugs, tables, trend, inputs, MAX_CASES, plots=False)
        n_parts = parallel_parts()
        appendix = [BackgroundPdf(render_html(listing, "appendix", chunk), base_url=str(out), background=n_parts > 0)
                    for chunk in appendix_chunks(listing["sections"], max(n_parts, 1))]
    try:
        if "csv" in formats:
            for name, frame in tables.items():
                path = out / f"{name}.csv"
                _deterministic(frame).to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
                files.append(path)
        if "xlsx" in formats:
            path = out / "signal_report.xlsx"
            _write_xlsx(path, tables)
            files.append(path)
        if documents:
            context = report_context(info, drugs, tables, trend, inputs, MAX_CASES)
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
        for part in appendix:
            part.close()
    manifest = _manifest(info, drugs, inputs, files)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return ReportResult(out, [*files, out / "manifest.json"], len(tables["signals"]), manifest)


def _deterministic(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite values written as the words inf / -inf, so every reader sees the same text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                                    else ("inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:.10g}"))
    return out


def _write_xlsx(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": {"nan_inf_to_errors": True}}) as writer:
        writer.book.set_properties({"created": datetime(2000, 1, 1)})   # reproducible files
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes(1, 0)
            for i, col in enumerate(frame.columns):
                width = min(60, max(len(str(col)), *(len(str(v)) for v in frame[col].head(200)))) if len(frame) else len(col)
                sheet.set_column(i, i, width + 2)


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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(info: dict, drugs: list[str], inputs: pd.DataFrame, files: list[Path]) -> dict:
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
        "inputs": [{"path": r.source_path, "sha256": r.source_sha256, "format": r.format, "quarter": r.quarter}
                   for r in inputs.itertuples()],
        "software": {"pv": __version__, "git_commit": info["git_commit"], **versions},
        "configuration": info["config"],
        "scoring_parameters": info["parameters"],
        "category_file": {"name": info["category_file"], "version": info["category_version"],
                          "sha256": info["category_sha256"]},
        "row_counts": info["row_counts"],
        "files": {p.name: _sha256(p) for p in files},
    }

