"""The ``pv`` command line. Each command is a thin shell over a library function.

Every command takes ``--db PATH`` (default ``$PV_DB``, else ``./pv.duckdb``). Errors print one sentence saying
what to do; ``--debug`` (or ``PV_DEBUG=1``) shows the traceback.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pv import __version__, db
from pv.errors import PvError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Pharmacovigilance signal detection in DuckDB.")
console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database file (default: $PV_DB, else ./pv.duckdb).", show_default=False)
]


def default_sample_dir() -> Path:
    """``./sample_data`` if there is one, else the copy next to the installed package."""
    here = Path("sample_data")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "sample_data"


@contextmanager
def _status(message: str):
    with console.status(message) as status:
        yield lambda text: status.update(f"{message}: {text}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="FAERS/AERS quarterly zips, extracted folders, or folders of zips.")],
    db_path: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="faers (quarterly ASCII files) or csv (report-level CSV).")] = "faers",
    source: Annotated[str, typer.Option(help="With --format csv: name that namespaces the report ids.")] = "csv",
    map_drugs: Annotated[bool, typer.Option("--map-drugs", help="With --format csv: map drug names to ingredients.")] = False,
    max_bad_rate: Annotated[float, typer.Option(help="Refuse a quarter whose share of rows failing critical checks passes this.")] = 0.05,
) -> None:
    """Load quarterly files (or a report CSV) into the raw tables, validating each load. Re-running is safe."""
    from pv.ingest import ingest_report_csv

    if format not in {"faers", "csv"}:
        raise PvError(f"--format must be faers or csv, not {format!r}.")
    con = db.connect(db_path)
    if format == "csv":
        with _status("Ingesting"):
            results = [ingest_report_csv(con, path, source_name=source, map_drugs=map_drugs) for path in paths]
    else:
        results = _ingest_with_progress(con, paths, max_bad_rate)
    _print_ingest(results)


def _ingest_with_progress(con, paths, max_bad_rate: float = 0.05) -> list:
    """Ingest every quarter found in ``paths`` with a progress bar over quarters (and the current file)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pv.ingest.faers import ensure_schema, ingest_quarter
    from pv.ingest.sources import discover

    sources = [s for path in paths for s in discover(Path(path))]
    ensure_schema(con)
    results = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Ingesting", total=len(sources))
        for source in sources:
            results.append(ingest_quarter(con, source, lambda msg: bar.update(task, description=msg),
                                          max_bad_rate=max_bad_rate))
            bar.advance(task)
    return results


def _print_ingest(results) -> None:
    table = Table(title="Ingest", show_edge=False)
    for col in ("source", "quarter", "status", "rows", "quarantined", "seconds"):
        table.add_column(col, justify="right" if col in {"rows", "quarantined", "seconds"} else "left")
    for r in results:
        table.add_row(Path(r.source).name, r.quarter or "-", r.status, f"{sum(r.rows.values()):,}",
                      f"{r.n_quarantined:,}", f"{r.seconds:.1f}")
    console.print(table)
    for r in results:
        if r.status == "skipped":
            console.print(f"[dim]{r.message}[/dim]")
        if r.n_quarantined:
            console.print(f"[yellow]{Path(r.source).name}: {r.n_quarantined:,} row(s) quarantined; "
                          "see `pv status` and the quarantine table.[/yellow]")


@app.command()
def standardize(
    db_path: DbOption = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every case, even when only new loads changed.")] = False,
) -> None:
    """Bring case_report, case_drug, case_event and case_duplicate up to date with the raw tables (only the cases
    new loads touched, when nothing else changed)."""
    from pv import standardize as std

    con = db.connect(db_path)
    with _status("Standardizing") as say:
        counts = std.build(con, say, full=full)
    what = {"full": "rebuilt every case", "incremental": f"rebuilt {counts['cases_rebuilt']:,} case(s)",
            "current": "already up to date"}[counts["mode"]]
    console.print(
        f"Standardized in {counts['seconds']:.1f} s ({counts['mode']}: {what}; {counts['reason']}): "
        f"{counts['case_report']:,} cases, {counts['case_drug']:,} case-drug rows, "
        f"{counts['case_event']:,} case-event rows, {counts['case_duplicate']:,} cases in probable-duplicate groups."
    )


@app.command()
def status(
    db_path: DbOption = None,
    unmapped: Annotated[int, typer.Option("--unmapped", help="List this many of the most frequent unmapped drug names.")] = 0,
) -> None:
    """What is loaded: quarters, cases, drugs, events, quarantined rows, unmapped drug names."""
    from pv.status import summary

    con = db.connect(db_path, read_only=True)
    s = summary(con, top_unmapped=unmapped)
    _print_summary(s)


def _print_summary(s: dict) -> None:
    console.print(f"[bold]Database[/bold] {s['db']}")
    if s["loads"]:
        table = Table(title="Loaded sources", show_edge=False)
        for col in ("quarter", "reports", "quarantined", "loaded at", "source"):
            table.add_column(col, justify="right" if col in {"reports", "quarantined"} else "left", no_wrap=True)
        for row in s["loads"]:
            table.add_row(row["quarter"] or row["format"], f"{row['n_reports']:,}", f"{row['n_quarantined']:,}",
                          str(row["finished_at"])[:16], Path(row["source_path"]).name)
        console.print(table)
    else:
        console.print("Nothing loaded yet: run `pv ingest PATH` or `pv run`.")
        return
    if s["standardized"]:
        console.print(
            f"Cases {s['cases']:,} (de-duplicated; {s['duplicate_cases']:,} in probable-duplicate groups, "
            f"{s['deleted_cases']:,} deleted by FDA) · drugs {s['drugs']:,} · events (PTs) {s['events']:,}"
        )
        console.print(
            f"Drug rows with an unmapped name: {s['unmapped_rows']:,} ({s['unmapped_names']:,} distinct names)"
            + ("; edit sql/seeds/drug_synonym.csv, then `pv standardize`" if s["unmapped_rows"] else "")
        )
        for name, n in s.get("top_unmapped", []):
            console.print(f"  {n:>8,}  {name}")
        if s.get("standardize_pending"):
            console.print(f"[yellow]The standardized layer is behind the raw layer ({s['standardize_pending']}): "
                          "run `pv standardize`.[/yellow]")
    else:
        console.print("[yellow]The standardized layer is not built: run `pv standardize`.[/yellow]")
    last = s.get("last_run")
    if last:
        run_id, status, finished, cutoff, n_signals, n_new, n_gone, error = last
        if status == "completed":
            console.print(f"Last run {run_id}: completed {str(finished)[:16]}, data to {cutoff}; {n_signals:,} signals "
                          f"({n_new} new, {n_gone} no longer met)")
        else:
            console.print(f"[yellow]Last run {run_id}: {status}[/yellow]" + (f" - {error}" if error else ""))
    if s["quarantined"]:
        console.print(f"[yellow]Quarantined rows: {s['quarantined']:,}[/yellow]")
        for reason, n in s["quarantine_reasons"]:
            console.print(f"  {n:>8,}  {reason}")
    else:
        console.print("Quarantined rows: 0")


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write the quarterly zips into.")] = Path("sample_data"),
    reports: Annotated[int, typer.Option(help="Reports in all (initial versions and follow-ups).")] = 24_000,
    quarters: Annotated[int | None, typer.Option(help="Number of quarters (default: one per 400,000 reports, at least 6).")] = None,
    start: Annotated[str, typer.Option(help="First quarter, e.g. 2019Q1.")] = "2019Q1",
    seed: Annotated[int, typer.Option(help="Random seed; the same arguments give byte-identical zips.")] = 20240101,
    extra_drugs: Annotated[int, typer.Option(help="Add a long tail of made-up drugs (benchmarks: FAERS has ~5,000).")] = 0,
    extra_pts: Annotated[int, typer.Option(help="Add a long tail of made-up PTs (benchmarks: FAERS uses ~15,000).")] = 0,
) -> None:
    """Write deterministic synthetic FAERS quarters (FDA's exact ASCII layout)."""
    from pv.synth import write_quarters

    n_quarters = quarters or max(6, -(-reports // 400_000))
    t0 = time.perf_counter()
    with _status("Generating") as say:
        paths = write_quarters(out, reports, n_quarters, start=start, seed=seed, progress=say,
                               extra_drugs=extra_drugs, extra_pts=extra_pts)
    size = sum(p.stat().st_size for p in paths)
    console.print(f"Wrote {len(paths)} quarter(s), {reports:,} reports, {size / 1e6:.1f} MB to {out} "
                  f"in {time.perf_counter() - t0:.1f} s.")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SQL query over the pv tables and views.")],
    db_path: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="table (print), csv, json or parquet.")] = "table",
    out: Annotated[Path | None, typer.Option(help="File to write with --format csv|json|parquet.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print with --format table.")] = 50,
) -> None:
    """Run a read-only query and print it as a table, or write it to a file."""
    con = db.connect(db_path, read_only=True)
    try:
        rel = con.sql(sql)
    except Exception as exc:  # duckdb's parser and binder errors are already one clear sentence
        raise PvError(f"the query failed: {exc}") from exc
    if rel is None:
        raise PvError("the statement returned no rows; `pv query` is for SELECT queries.")
    if format == "table":
        rows = rel.limit(limit + 1).fetchall()
        table = Table(show_edge=False)
        for col in rel.columns:
            table.add_column(col)
        for row in rows[:limit]:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        if len(rows) > limit:
            console.print(f"[dim](first {limit} rows; use --limit or --format csv --out FILE for all)[/dim]")
        return
    if format not in {"csv", "json", "parquet"} or out is None:
        raise PvError("--format must be table, csv, json or parquet; csv/json/parquet need --out FILE.")
    arrow = rel.to_arrow_table()
    if format == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(arrow, out)
    elif format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(arrow, out)
    else:
        import json

        out.write_text(json.dumps(arrow.to_pylist(), default=str, indent=1))
    console.print(f"Wrote {arrow.num_rows:,} rows to {out}.")


@app.command()
def validate(
    db_path: DbOption = None,
    report: Annotated[Path | None, typer.Option(help="Where to write the data-quality page (default: reports/data_quality/run-N.html).")] = None,
) -> None:
    """Re-run every expectation suite on what is loaded, quarantine new critical failures, write the DQ page."""
    from pv import validate as pv_validate

    con = db.connect(db_path)
    with _status("Validating") as say:
        summary = pv_validate.revalidate(con, say)
        page = pv_validate.write_report(con, report or Path("reports") / "data_quality" / f"run-{summary.run_id}.html")
    console.print(f"Validation run {summary.run_id}: {summary.n_expectations:,} expectation results; "
                  f"{summary.n_failed_critical} critical and {summary.n_failed_warning} warning expectation(s) failed; "
                  f"{summary.n_new_quarantined:,} row(s) newly quarantined.")
    console.print(f"Data-quality page: {page}")
    if summary.n_new_quarantined:
        console.print("Run `pv standardize` so the standardized layer leaves the newly quarantined rows out.")


@app.command()
def quarantine(
    db_path: DbOption = None,
    release: Annotated[list[int] | None, typer.Option("--release", help="Quarantine id(s) to re-admit.")] = None,
    by: Annotated[str, typer.Option(help="Who releases (recorded).")] = "",
    reason: Annotated[str, typer.Option(help="Why the rows are acceptable (recorded).")] = "",
) -> None:
    """List quarantined rows by reason and file, or re-admit rows a steward judged acceptable."""
    from pv import validate as pv_validate

    if release:
        con = db.connect(db_path)
        n = pv_validate.release(con, list(release), by, reason)
        console.print(f"Released {n} row(s). Run `pv standardize` to bring them into the standardized layer.")
        return
    con = db.connect(db_path, read_only=True)
    rows = pv_validate.quarantine_summary(con)
    if not rows:
        console.print("No row is held in quarantine.")
        return
    table = Table(title="Quarantine (held rows)", show_edge=False)
    for col in ("stage", "check", "file", "rows", "first id", "example"):
        table.add_column(col, justify="right" if col in {"rows", "first id"} else "left")
    for stage, check, source_file, n, first, example in rows:
        table.add_row(stage, check, Path(source_file).name, f"{n:,}", str(first), (example or "")[:60])
    console.print(table)
    console.print("List the rows: pv query \"select * from quarantine where released_at is null\"; "
                  "release: pv quarantine --release ID --by NAME --reason TEXT")


@app.command()
def score(
    db_path: DbOption = None,
    roles: Annotated[str, typer.Option(help="suspect (PS, SS) or all (PS, SS, C, I).")] = "suspect",
    stratify: Annotated[bool, typer.Option("--stratify", help="Expected counts by age band x sex x report year.")] = False,
    keep_duplicates: Annotated[bool, typer.Option("--keep-duplicates", help="Count probable duplicates separately.")] = False,
    categories: Annotated[Path | None, typer.Option(help="Event category YAML (default: the bundled file).")] = None,
    continuity_correction: Annotated[float, typer.Option(help="Added to every cell of tables with a zero cell (PRR, ROR); vigipy uses 0.5.")] = 0.0,
) -> None:
    """Count every drug x event pair (PT, subcategory, category) and score it: PRR, ROR, chi2, IC, EBGM."""
    from pv.signals import ScoreSettings
    from pv.signals import score as run_score

    settings = ScoreSettings(roles=roles, collapse_duplicates=not keep_duplicates, stratified=stratify,
                             continuity_correction=continuity_correction,
                             categories=str(categories) if categories else None)
    con = db.connect(db_path)
    with _status("Scoring") as say:
        result = run_score(con, settings, say)
    _print_score(result)


def _print_score(result) -> None:
    pairs = ", ".join(f"{n:,} {lvl}" for lvl, n in result.n_pairs.items())
    console.print(f"Scored run {result.run_id} in {result.seconds:.1f} s: {result.n_reports:,} reports; pairs: {pairs}.")
    pt = result.priors.get("pt", {})
    if pt:
        console.print(f"MGPS prior (PT level): a1={pt['alpha1']:.4g} b1={pt['beta1']:.4g} a2={pt['alpha2']:.4g} "
                      f"b2={pt['beta2']:.4g} p={pt['p']:.4g}; -logL {pt['nll']:.3f}; "
                      f"{pt['n_agreeing']} of {len(pt['starts'])} starts agree.")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print("PT-level pairs meeting each criterion: "
                  + ", ".join(f"{k} {v:,}" for k, v in result.signals.items()) + ".")
    console.print('See them: pv query "select * from drug_event_scores where criteria_met <> []"')


categories_app = typer.Typer(help="Event categories (the YAML file that maps PTs to categories).", no_args_is_help=True)
app.add_typer(categories_app, name="categories")


@categories_app.command("check")
def categories_check(
    db_path: DbOption = None,
    categories: Annotated[Path | None, typer.Option(help="Event category YAML (default: the bundled file).")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show in each list.")] = 40,
) -> None:
    """PTs in the data that look related to a category but are unmapped, and mapped PTs never seen."""
    from pv import categorize

    cat = categorize.load(categories)
    con = db.connect(db_path)
    result = categorize.check(con, cat)
    console.print(f"Category file {cat.path} (name {cat.name}, version {cat.version}).")
    related = result["related_unmapped"]
    console.print(f"[bold]{len(related)} PT(s) in the data look related but are unmapped[/bold]"
                  + (" - add them to the file if they belong:" if related else "."))
    for pt, category, sub, keyword, n in related[:limit]:
        console.print(f"  {n:>7,}  {pt}  ->  {category} / {sub}  (matches {keyword!r})")
    unseen = result["mapped_unseen"]
    console.print(f"[bold]{len(unseen)} mapped term(s) never seen in the data[/bold] (check spelling if unexpected).")
    for category, sub, term in unseen[:limit]:
        console.print(f"  {category} / {sub}: {term}")


def _prefect_env() -> None:
    """Prefect runs offline in the project: its state in ./.prefect, no telemetry, patient startup on 2 cores."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # pv prints its own one-line errors and records them in signal_run; Prefect's tracebacks only with --debug
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING" if os.environ.get("PV_DEBUG") else "CRITICAL")


ConfigOption = Annotated[Path | None, typer.Option("--config", help="pv.toml to use (default: ./pv.toml or [tool.pv] in ./pyproject.toml).")]


@app.command()
def run(
    db_path: DbOption = None,
    inbox: Annotated[Path | None, typer.Option(help="Folder of quarterly zips (default: the configured inbox, else sample_data/).")] = None,
    config: ConfigOption = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another run holds the database, wait for it instead of stopping.")] = False,
) -> None:
    """Run the nightly signal flow once, now: ingest new quarters, validate, standardize, score, detect and
    compare signals, write the run's report."""
    from pv.config import load_config
    from pv.runs import run_lock
    from pv.status import summary

    _prefect_env()
    cfg = load_config(config)
    if inbox is None and cfg.source == "defaults":
        inbox = default_sample_dir()
    if not wait:   # say it now rather than after Prefect has started
        with run_lock(cfg.db_path(db_path)):
            pass
    with console.status("Running the signal flow (Prefect starts a local API first)"):
        from flows.nightly import nightly_signal_run

        result = nightly_signal_run(inbox=str(inbox) if inbox else None, database=db_path,
                                    config=str(config) if config else None, wait=wait)
    loaded = result["loaded"]
    if loaded:
        for r in loaded:
            console.print(f"  {r['quarter']}: {r['status']}, {r['rows']:,} rows, {r['quarantined']:,} quarantined")
    else:
        console.print("No new quarter in the inbox.")
    _print_summary(summary(db.connect(cfg.db_path(db_path), read_only=True)))
    console.print(f"[bold]Run {result['run_id']}[/bold]: {result['n_signals']:,} signal(s) "
                  f"({', '.join(cfg.signal_criteria)}); new {result['new']}, persisting {result['persisting']}, "
                  f"no longer met {result['no_longer_met']}.")
    console.print(f"Run report: {result['report']}/  (signal_report.html/.pdf/.xlsx, CSVs, manifest.json, "
                  "data_quality.html)")
    console.print('See them: pv query "select * from signal_history"')


@app.command()
def report(
    db_path: DbOption = None,
    run: Annotated[str, typer.Option("--run", help="latest, or a run id.")] = "latest",
    drug: Annotated[list[str] | None, typer.Option("--drug", help="Drug(s) to report on (default: drugs_of_interest).")] = None,
    format: Annotated[str, typer.Option("--format", help="Comma-separated: html,pdf,xlsx,csv.")] = "html,pdf,xlsx,csv",
    out: Annotated[Path | None, typer.Option(help="Folder to write into (default: reports/<run_id>/).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the signal report of a run: HTML and PDF, XLSX, CSV, and manifest.json with every file's SHA-256."""
    from pv.config import load_config
    from pv.report import build_report, resolve_run

    cfg = load_config(config)
    con = db.connect(cfg.db_path(db_path), read_only=True)
    run_id = resolve_run(con, run)["run_id"]
    target = out or Path(cfg.reports_dir) / str(run_id)
    formats = tuple(f.strip() for f in format.split(",") if f.strip())
    with _status("Writing the report"):
        result = build_report(con, target, run=run_id, drugs=drug or None, formats=formats)
    console.print(f"Report for run {run_id} ({', '.join(result.manifest['drugs'])}; {result.n_signals} signal(s)) "
                  f"written to {result.out_dir}/:")
    for f in result.files:
        console.print(f"  {f.name}")


@app.command()
def serve(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port of the local Prefect server (loopback only).")] = 4200,
) -> None:
    """Start a local Prefect server on 127.0.0.1 and run the nightly flow on its schedule (see the UI)."""
    import subprocess
    import time
    import urllib.request

    from pv.config import load_config

    _prefect_env()
    cfg = load_config(config)
    url = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env={**os.environ, "PREFECT_API_URL": ""})
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                time.sleep(1)
        else:
            raise PvError(f"The Prefect server did not answer on {url} within 2 minutes.")
        os.environ["PREFECT_API_URL"] = url
        console.print(f"Prefect UI: http://127.0.0.1:{port}  - nightly flow scheduled '{cfg.schedule}'. Ctrl-C stops.")
        from flows.nightly import nightly_signal_run

        nightly_signal_run.serve(name="nightly", cron=cfg.schedule,
                                 parameters={"config": str(config) if config else None})
    finally:
        server.terminate()
        server.wait(timeout=30)


@app.command()
def subgroups(
    drug: Annotated[list[str], typer.Option("--drug", help="Drug (active ingredient), one or more.")],
    db_path: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Statistics by sex and by age band for a drug, on the latest completed run's scores."""
    from pv import runs
    from pv.config import load_config

    cfg = load_config(config)
    cfg.drugs_of_interest = [d.strip().upper() for d in drug]
    con = db.connect(cfg.db_path(db_path))
    row = db.one(con, "select run_id, score_run_id from signal_run where status = 'completed' order by run_id desc limit 1") \
        if db.table_exists(con, "signal_run") else None
    if not row:
        raise PvError("No completed run yet: run `pv run` first.")
    n = runs.subgroups(con, row[0], row[1], cfg)
    console.print(f"{n:,} subgroup rows for {', '.join(cfg.drugs_of_interest)} (run {row[0]}).")
    console.print('See them: pv query "select * from signal_subgroup where drug = \'NAME\'"')


@app.command()
def shell(db_path: DbOption = None) -> None:
    """An interactive SQL shell on the database (read-only). End statements with ';', quit with .quit or Ctrl-D."""
    import readline  # noqa: F401  (line editing and history for input())

    con = db.connect(db_path, read_only=True)
    console.print(f"pv shell on {db.resolve_db_path(db_path)} (read-only). Tables: .tables; quit: .quit")
    buffer = ""
    while True:
        try:
            line = input("pv> " if not buffer else "...> ")
        except EOFError:
            break
        if not buffer and line.strip() in {".quit", ".exit"}:
            break
        if not buffer and line.strip() == ".tables":
            line = "select table_name, table_type from information_schema.tables order by 1;"
        buffer += line + "\n"
        if not buffer.rstrip().endswith(";"):
            continue
        sql, buffer = buffer, ""
        try:
            rel = con.sql(sql)
            if rel is not None:
                rows = rel.limit(200).fetchall()
                table = Table(show_edge=False)
                for col in rel.columns:
                    table.add_column(col)
                for r in rows:
                    table.add_row(*("" if v is None else str(v) for v in r))
                console.print(table)
        except Exception as exc:  # show the error and keep the shell open
            err.print(f"[red]error:[/red] {exc}")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    if debug:
        os.environ["PV_DEBUG"] = "1"
    if version:
        console.print(f"pv {__version__}")
        raise typer.Exit()


def main() -> None:
    try:
        app(standalone_mode=False)
    except PvError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[red]interrupted:[/red] the database was left as it was before the step that was running.")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # the click usage errors and anything unexpected
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        if os.environ.get("PV_DEBUG"):
            raise
        err.print(f"[red]error:[/red] {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    main()
