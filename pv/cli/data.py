"""Commands that bring data in and look at it: ingest, loads, unload, standardize, status, validate, quarantine,
synth."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pv import db
from pv.cli import ConfigOption, DbOption, app, console, status_line
from pv.errors import PvError


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="FAERS/AERS quarterly zips or folders; openFDA drug-event JSON "
                                                    "(.json, .json.zip); E2B(R3)/(R2) XML (.xml, .sgm); or folders.")],
    db_path: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="faers (quarterly ASCII files), csv (report-level CSV), "
                                                         "openfda or e2b; default: told by the file names.")] = "auto",
    source: Annotated[str | None, typer.Option(help="With --format csv: name that namespaces the report ids (default: the file's name).", show_default=False)] = None,
    replace: Annotated[bool, typer.Option("--replace", help="With --format csv: replace the earlier loads of the same source.")] = False,
    map_drugs: Annotated[bool, typer.Option("--map-drugs", help="With --format csv: map drug names to ingredients.")] = False,
    max_bad_rate: Annotated[float, typer.Option(help="Refuse a quarter whose share of rows failing critical checks passes this.")] = 0.05,
    mix_synthetic: Annotated[bool, typer.Option("--mix-synthetic", help="Allow synthetic demo data and real reports in one database.")] = False,
) -> None:
    """Load quarterly files, openFDA or E2B files (or a report CSV) into the raw tables, validating each load.
    Re-running is safe."""
    from pv.ingest import ingest_report_csv

    if format not in {"auto", "faers", "csv", "openfda", "e2b"}:
        raise PvError(f"--format must be faers, csv, openfda or e2b, not {format!r}.")
    if format == "auto":
        formats = {_path_format(path) for path in paths}
        if len(formats) > 1 or "mixed openFDA and E2B" in formats:
            raise PvError(f"The paths hold several kinds of files ({', '.join(sorted(formats))}); ingest each kind on "
                          "its own, or say which with --format.")
        format = formats.pop()
    if format != "csv" and (source or replace or map_drugs):
        raise PvError("--source, --replace and --map-drugs apply to --format csv only.")
    # the inputs are checked before the database is opened, so a mistyped path never leaves an empty database
    if format == "csv":
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise PvError(f"No such file: {', '.join(missing)}. Nothing was loaded.")
        con = db.connect(db_path, create=True)
        with status_line("Ingesting"):
            results = [ingest_report_csv(con, path, source_name=source, map_drugs=map_drugs, replace=replace,
                                         mix_synthetic=mix_synthetic) for path in paths]
    elif format in {"openfda", "e2b"}:
        from pv.ingest.icsr import discover_files

        files = [(f, format) for path in paths for f, _ in discover_files(Path(path))]
        results = _ingest_icsr_with_progress(db.connect(db_path, create=True), files, max_bad_rate, mix_synthetic)
    else:
        from pv.ingest.sources import discover

        sources = [s for path in paths for s in discover(Path(path))]
        results = _ingest_with_progress(db.connect(db_path, create=True), sources, max_bad_rate, mix_synthetic)
    _print_ingest(results)


def _path_format(path: Path) -> str:
    """csv, openfda or e2b when the path's name (or the files of a folder) say so; faers otherwise."""
    from pv.ingest.layout import MEMBER_RE, detect_format

    if path.is_file():
        return "csv" if path.suffix.lower() == ".csv" else (detect_format(path) or "faers")
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file()]
        kinds = {detect_format(p) for p in files} - {None}
        faers = any(MEMBER_RE.match(p.name) or (p.suffix.lower() == ".zip" and detect_format(p) is None) for p in files)
        if kinds and not faers:
            return kinds.pop() if len(kinds) == 1 else "mixed openFDA and E2B"
    return "faers"


def _ingest_icsr_with_progress(con, files, max_bad_rate: float = 0.05, mix_synthetic: bool = False) -> list:
    """Ingest openFDA / E2B files one load each (parsed ahead on the other cores), with a progress line."""
    from pv.ingest.icsr_parallel import ingest_icsr_files

    with status_line("Ingesting") as say:
        return ingest_icsr_files(con, files, say, max_bad_rate=max_bad_rate, mix_synthetic=mix_synthetic)


@app.command()
def loads(
    db_path: DbOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Also list superseded and removed loads.")] = False,
) -> None:
    """The loads in the database: what each one is, its reports, and whether it is synthetic demo data."""
    from pv.ingest.loads import list_loads

    rows = list_loads(db.connect(db_path, read_only=True), include_removed=all_)
    if not rows:
        console.print("No load" + ("" if all_ else " in force") + ": `pv ingest PATH` brings data in.")
        return
    table = Table(title="Loads", show_edge=False)
    for col in ("id", "status", "format", "quarter / source", "reports", "quarantined", "loaded at", "file"):
        table.add_column(col, justify="right" if col in {"id", "reports", "quarantined"} else "left",
                         overflow="ellipsis", max_width=40 if col == "file" else None)
    for r in rows:
        status = r["status"] + (" (synthetic)" if r["is_synthetic"] else "")
        table.add_row(str(r["load_id"]), status, r["format"], r["what"] or "-", f"{r['n_reports']:,}",
                      f"{r['n_quarantined']:,}", str(r["finished_at"])[:16], Path(r["source_path"]).name)
    console.print(table)
    for r in rows:
        for warning in r["warnings"]:
            console.print(f"[yellow]load {r['load_id']}:[/yellow] {warning}", highlight=False)
    console.print("Remove a load: pv unload ID --by NAME --reason TEXT (recorded; then `pv standardize`).")


@app.command()
def unload(
    load_id: Annotated[int, typer.Argument(help="The load to remove (see `pv loads`).")],
    by: Annotated[str, typer.Option(help="Who removes it (recorded).")],
    reason: Annotated[str, typer.Option(help="Why (recorded).")],
    db_path: DbOption = None,
) -> None:
    """Remove a load's rows from the raw layer (recorded in ingest_log); the next standardize rebuilds."""
    from pv.ingest.loads import unload as remove

    done = remove(db.connect(db_path), load_id, by, reason)
    console.print(f"Removed load {done['load_id']} ({Path(done['source_path']).name}): {done['rows_removed']:,} raw "
                  "row(s). Run `pv standardize` (or `pv run`) to rebuild the standardized layer without it.")


def _ingest_with_progress(con, sources, max_bad_rate: float = 0.05, mix_synthetic: bool = False) -> list:
    """Ingest every quarter of ``sources`` with a progress bar over quarters (and the current file)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pv.ingest.faers import ingest_quarters

    results = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Ingesting", total=len(sources))
        for result in ingest_quarters(con, sources, lambda msg: bar.update(task, description=msg),
                                      max_bad_rate=max_bad_rate, mix_synthetic=mix_synthetic):
            results.append(result)
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
    said: set[str] = set()
    for r in results:
        if r.status == "skipped" or r.quarter is None:
            console.print(f"[dim]{r.message}[/dim]", highlight=False)
        if r.is_synthetic:
            console.print(f"[yellow]{Path(r.source).name} is synthetic demonstration data (pv synth), not FAERS."
                          "[/yellow]", highlight=False)
        for warning in r.warnings:
            if warning not in said:          # a warning every file of a folder shares is said once
                said.add(warning)
                console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
        if r.n_quarantined:
            console.print(f"[yellow]{Path(r.source).name}: {r.n_quarantined:,} row(s) quarantined; "
                          "see `pv status` and the quarantine table.[/yellow]")


@app.command()
def standardize(
    db_path: DbOption = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every case, even when only new loads changed.")] = False,
    config: ConfigOption = None,
) -> None:
    """Bring case_report, case_drug, case_event and case_duplicate up to date with the raw tables (only the cases
    new loads touched, when nothing else changed), coding events with the current MedDRA version."""
    from pv import standardize as std
    from pv.config import load_config

    con = db.connect(db_path)
    with status_line("Standardizing") as say:
        counts = std.build(con, say, full=full, meddra_version=load_config(config).meddra_version)
    what = {"full": "rebuilt every case", "incremental": f"rebuilt {counts['cases_rebuilt']:,} case(s)",
            "current": "already up to date"}[counts["mode"]]
    console.print(
        f"Standardized in {counts['seconds']:.1f} s ({counts['mode']}: {what}; {counts['reason']}): "
        f"{counts['case_report']:,} cases, {counts['case_drug']:,} case-drug rows, "
        f"{counts['case_event']:,} case-event rows, {counts['case_duplicate']:,} cases in probable-duplicate groups. "
        + (f"Events coded with MedDRA {counts['meddra_version']}." if counts["meddra_version"] else
           "No MedDRA loaded: events matched on their text.")
        + (f" {counts['case_lab']:,} lab results." if counts["case_lab"] else "")
        + (f" {counts['openfda_overlap']:,} openFDA case(s) are also in FAERS's quarterly files: counted once, from "
           "the quarterly files (view source_overlap)." if counts["openfda_overlap"] else "")
    )


@app.command()
def status(
    db_path: DbOption = None,
    unmapped: Annotated[int, typer.Option("--unmapped", help="List this many of the most frequent unmapped drug names.")] = 0,
    config: ConfigOption = None,
) -> None:
    """What is loaded: quarters, cases, drugs, events, quarantined rows, unmapped drug names and event terms."""
    from pv.config import load_config
    from pv.status import summary

    con = db.connect(db_path, read_only=True)
    s = summary(con, top_unmapped=unmapped, meddra_version=load_config(config).meddra_version)
    print_summary(s)


def print_summary(s: dict) -> None:
    console.print(f"[bold]Database[/bold] {s['db']}")
    if s["loads"]:
        table = Table(title="Loaded sources", show_edge=False)
        for col in ("quarter / source", "reports", "quarantined", "loaded at", "file"):
            table.add_column(col, justify="right" if col in {"reports", "quarantined"} else "left", no_wrap=True,
                             overflow="ellipsis", max_width=40 if col == "file" else None)
        for row in s["loads"]:
            what = row["quarter"] or (f"{row['source_name'] or 'csv'} (csv)" if row["format"] == "report_csv"
                                      else row["format"])      # openfda, e2b_r3, e2b_r2
            table.add_row(what + (" synthetic" if row["is_synthetic"] else ""), f"{row['n_reports']:,}",
                          f"{row['n_quarantined']:,}", str(row["finished_at"])[:16], Path(row["source_path"]).name)
        console.print(table)
        if any(row["is_synthetic"] for row in s["loads"]):
            console.print("[yellow]Loads marked synthetic are demonstration data written by `pv synth`, not real "
                          "reports.[/yellow]")
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
        coding = s.get("coding")
        if coding and coding["version"]:
            n_unmatched = coding["by_method"].get("unmatched", 0)
            console.print(f"Events coded with MedDRA {coding['version']}: "
                          + ", ".join(f"{n:,} {m}" for m, n in coding["by_method"].items()) + " case-event rows"
                          + (f"; {coding['n_unmatched_terms']:,} reported term(s) MedDRA does not know, kept under "
                             "their own text:" if n_unmatched else "."))
            for term, n in coding["unmatched"] if n_unmatched else []:
                console.print(f"  {n:>8,}  {term}")
        elif coding:
            console.print("Events are matched on their reported text: no MedDRA is loaded "
                          "(`pv meddra load PATH` codes them to LLT and PT and adds the hlt, hlgt, soc and SMQ levels).")
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
    reports: Annotated[int, typer.Option(help="Reports in all (initial versions and follow-ups).")] = 36_000,
    quarters: Annotated[int | None, typer.Option(help="Number of quarters (default: one per 400,000 reports, at least 6).")] = None,
    start: Annotated[str, typer.Option(help="First quarter, e.g. 2019Q1.")] = "2019Q1",
    seed: Annotated[int, typer.Option(help="Random seed; the same arguments give byte-identical zips.")] = 20240101,
    extra_drugs: Annotated[int, typer.Option(help="Add a long tail of made-up drugs (benchmarks: FAERS has ~5,000).")] = 0,
    extra_pts: Annotated[int, typer.Option(help="Add a long tail of made-up PTs (benchmarks: FAERS uses ~15,000).")] = 0,
    format: Annotated[str, typer.Option("--format", help="faers (quarterly ASCII zips), openfda (drug-event JSON "
                                                         "zips) or e2b (E2B(R3) XML batches).")] = "faers",
) -> None:
    """Write deterministic synthetic FAERS quarters (FDA's exact ASCII layout), or the same kind of cases as openFDA
    bulk files or E2B(R3) batches."""
    from pv.synth import default_first_caseid, write_quarters

    if format not in {"faers", "openfda", "e2b"}:
        raise PvError(f"--format must be faers, openfda or e2b, not {format!r}.")
    if format != "faers":
        from pv.synth.icsr import write_icsr

        t0 = time.perf_counter()
        with status_line("Generating") as say:
            paths = write_icsr(out, reports, format, seed=seed, start=start, progress=say)
        size = sum(p.stat().st_size for p in paths)
        console.print(f"Wrote {len(paths)} {format} file(s), {reports:,} reports, {size / 1e6:.1f} MB to {out} in "
                      f"{time.perf_counter() - t0:.1f} s (synthetic: the folder carries PV_SYNTHETIC.txt). Load them "
                      f"with `pv ingest {out}`.")
        return
    try:
        first_caseid = default_first_caseid(start)
    except ValueError:
        raise PvError(f"--start must be a quarter such as 2019Q1, not {start!r}.") from None
    n_quarters = quarters or max(6, -(-reports // 400_000))
    t0 = time.perf_counter()
    with status_line("Generating") as say:
        paths = write_quarters(out, reports, n_quarters, start=start, seed=seed, progress=say,
                               extra_drugs=extra_drugs, extra_pts=extra_pts, first_caseid=first_caseid)
    size = sum(p.stat().st_size for p in paths)
    console.print(f"Wrote {len(paths)} quarter(s), {reports:,} reports, {size / 1e6:.1f} MB to {out} "
                  f"in {time.perf_counter() - t0:.1f} s (synthetic: each zip carries PV_SYNTHETIC.txt; case ids "
                  f"from {first_caseid:,}).")


@app.command()
def validate(
    db_path: DbOption = None,
    report: Annotated[Path | None, typer.Option(help="Where to write the data-quality page (default: reports/data_quality/run-N.html).")] = None,
) -> None:
    """Re-run every expectation suite on what is loaded, quarantine new critical failures, write the DQ page."""
    from pv import validate as pv_validate

    con = db.connect(db_path)
    with status_line("Validating") as say:
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
        table.add_column(col, justify="right" if col in {"rows", "first id"} else "left", overflow="ellipsis",
                         no_wrap=True, max_width={"check": 36, "file": 30, "example": 50}.get(col))
    for stage, check, source_file, n, first, example in rows:
        table.add_row(stage, check, Path(source_file).name, f"{n:,}", str(first), (example or "")[:200])
    console.print(table)
    console.print("List the rows: pv query \"select * from quarantine where released_at is null\"; "
                  "release: pv quarantine --release ID --by NAME --reason TEXT")


