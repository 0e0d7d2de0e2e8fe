"""Commands that analyse: score, categories, run, report, subgroups, serve."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from pv import db
from pv.cli import ConfigOption, DbOption, app, console, default_sample_dir, status_line
from pv.cli.data import print_summary
from pv.errors import PvError


@app.command()
def score(
    db_path: DbOption = None,
    roles: Annotated[str, typer.Option(help="suspect (PS, SS, I) or all (PS, SS, I, C).")] = "suspect",
    stratify: Annotated[bool, typer.Option("--stratify", help="Expected counts by age band x sex x report year.")] = False,
    keep_duplicates: Annotated[bool, typer.Option("--keep-duplicates", help="Count probable duplicates separately.")] = False,
    categories: Annotated[Path | None, typer.Option(help="Event category YAML (default: the bundled file).")] = None,
    continuity_correction: Annotated[float, typer.Option(help="Added to every cell of tables with a zero cell (PRR, ROR); vigipy uses 0.5.")] = 0.0,
    all_soc_paths: Annotated[bool, typer.Option("--all-soc-paths", help="hlt/hlgt/soc: count a multi-axial PT on every path, not only its primary SOC.")] = False,
    exclude_events: Annotated[bool, typer.Option("--exclude-events", help="Leave product-issue, medication-error, off-label and lack-of-effect terms out.")] = False,
    serious_only: Annotated[bool, typer.Option("--serious-only", help="Only reports with a serious outcome.")] = False,
    received_from: Annotated[str | None, typer.Option(help="Only reports received on or after this date (YYYY-MM-DD).")] = None,
    received_to: Annotated[str | None, typer.Option(help="Only reports received on or before this date (YYYY-MM-DD).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Only reports from this country (repeat for several).")] = None,
    reporters: Annotated[str | None, typer.Option(help="all, no_lawyers, or hcp (health professionals only).")] = None,
    no_study_literature: Annotated[bool, typer.Option("--no-study-literature", help="Leave study (SDY) and literature (LIT) reports out.")] = False,
    background_drug: Annotated[list[str] | None, typer.Option(help="Compare within reports of these drugs only (repeat; e.g. the MS therapies).")] = None,
    background_indication: Annotated[list[str] | None, typer.Option(help="Compare within reports of a drug given for this indication only (repeat; e.g. 'Multiple sclerosis').")] = None,
    background: Annotated[str | None, typer.Option(help="Score the named background of pv.toml ([backgrounds.NAME]) as a run of its own.")] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb (this process) or dask (shards on a Dask cluster; the pv[dask] extra).")] = None,
    scheduler: Annotated[str | None, typer.Option(help="engine dask: the scheduler's address, e.g. tcp://HOST:8786 (default: a local cluster).")] = None,
    unmask: Annotated[list[str] | None, typer.Option(help="Leave out every report of this drug (repeat), or 'auto': the drugs that mask the drugs of interest's pairs most in the latest run.")] = None,
    config: ConfigOption = None,
) -> None:
    """Count every drug x event pair and score it (PRR, ROR, chi2, IC, EBGM) at each level: PT, subcategory,
    category and, with MedDRA loaded, HLT, HLGT, SOC and SMQ (narrow, broad). The scope options (or [scope] in
    pv.toml) restrict the comparison population; the run records them."""
    from pv.config import Scope, load_config
    from pv.signals import ScoreSettings
    from pv.signals import score as run_score

    cfg = load_config(config)
    con = db.connect(db_path)
    scope = cfg.scope.model_dump()
    scope.update({k: v for k, v in {"serious_only": serious_only or None, "received_from": received_from,
                                    "received_to": received_to, "countries": country, "reporters": reporters,
                                    "exclude_report_sources": ["SDY", "LIT"] if no_study_literature else None,
                                    "background_drugs": background_drug,
                                    "background_indications": background_indication}.items() if v})
    if background:
        named = cfg.background(background)
        scope.update({k: v for k, v in {"background_drugs": named.drugs,
                                        "background_indications": named.indications}.items() if v})
    if unmask:
        from pv.signals.derived import masking_drugs

        scope["exclude_drugs"] = masking_drugs(con, cfg) if [u.lower() for u in unmask] == ["auto"] else unmask
    try:
        scope = Scope(**scope).model_dump()
    except ValueError as exc:
        first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": ("scope",), "msg": str(exc)}
        raise PvError(f"Scope option {'.'.join(map(str, first['loc']))}: {first['msg']} "
                      "(dates are YYYY-MM-DD; reporters is all, no_lawyers or hcp).") from exc
    settings = ScoreSettings(roles=roles, collapse_duplicates=not keep_duplicates, stratified=stratify,
                             continuity_correction=continuity_correction,
                             categories=str(categories) if categories else cfg.categories, levels=tuple(cfg.levels),
                             all_soc_paths=all_soc_paths or cfg.all_soc_paths,
                             exclude_events=exclude_events or cfg.exclude_events, scope=scope,
                             background=background, engine=engine or cfg.engine,
                             cluster={**cfg.dask.model_dump(), **({"scheduler": scheduler} if scheduler else {})})
    if settings.engine not in ("duckdb", "dask"):
        raise PvError(f"--engine {settings.engine!r}: use duckdb or dask.")
    from pv import standardize

    pending = standardize.plan(con, meddra_version=cfg.meddra_version)
    if pending.mode != "current":      # score what is loaded, not a stale layer
        with status_line("Standardizing first") as say:
            built = standardize.build(con, say, meddra_version=cfg.meddra_version)
        console.print(f"The standardized layer was behind the raw layer ({built['reason']}); brought it up to date "
                      f"first ({built['mode']} build, {built['cases_rebuilt']:,} case(s), {built['seconds']:.1f} s).")
    with status_line("Scoring") as say:
        result = run_score(con, settings, say)
    _print_score(result)
    if background:
        console.print(f"Background {background!r}: a run of its own; the view drug_event_background_scores shows it "
                      "(drug_event_scores keeps the main population's latest run).")
    everyone = Scope().model_dump()
    narrowed = {k: v for k, v in scope.items() if v != everyone[k]}
    if narrowed:
        console.print("Scope (comparison population): " + "; ".join(f"{k} = {v}" for k, v in narrowed.items()) + ".")


def _print_score(result) -> None:
    pairs = ", ".join(f"{n:,} {lvl}" for lvl, n in result.n_pairs.items())
    console.print(f"Scored run {result.run_id} in {result.seconds:.1f} s: {result.n_reports:,} reports; pairs: {pairs}.")
    console.print(f"Events coded with MedDRA {result.meddra_version}." if result.meddra_version else
                  "No MedDRA loaded: events matched on their reported text.")
    if result.excluded.get("enabled"):
        console.print(f"Non-clinical terms left out: {result.excluded['n_pts']} PTs "
                      f"({result.excluded['n_case_events']:,} case-event rows).")
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
    config: ConfigOption = None,
) -> None:
    """Every name against MedDRA (refused if not a current PT, HLT, HLGT or SMQ), each subcategory's PTs, what
    SMQs pull in, PTs in the data that look related but are unmapped, and mapped PTs never seen."""
    from pv import categorize
    from pv.categorize.check import check
    from pv.config import load_config

    cfg = load_config(config)
    cat = categorize.load(categories or cfg.categories)
    con = db.connect(db_path)
    result = check(con, cat, cfg.meddra_version)
    version = result["meddra_version"]
    console.print(f"Category file {cat.path} (name {cat.name}, version {cat.version}); "
                  + (f"MedDRA {version}." if version else "no MedDRA loaded: names cannot be checked, only the data."))
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    console.print(f"[bold]Expanded PT lists{f' (MedDRA {version})' if version else ''}:[/bold]")
    for event, n, pts in result["expanded"]:
        console.print(f"  {event} ({n} PTs): {pts}", highlight=False)
    if result["smq_adds"]:
        console.print("[bold]PTs the SMQs pull in beyond the rest of each definition:[/bold]")
        for r in result["smq_adds"][:limit]:
            new = f" [new in {version}]" if r["is_new_in_version"] else ""
            console.print(f"  {r['category']} / {r['subcategory']} ({r['scope']}): {r['smq']} adds {r['term']}{new}",
                          highlight=False)
    related = result["related_unmapped"]
    console.print(f"[bold]{len(related)} PT(s) in the data look related but are unmapped[/bold]"
                  + (" - add them to the file if they belong:" if related else "."))
    for pt, category, sub, keyword, n in related[:limit]:
        console.print(f"  {n:>7,}  {pt}  ->  {category} / {sub}  (matches {keyword!r})")
    unseen = result["mapped_unseen"]
    console.print(f"[bold]{len(unseen)} mapped term(s) never seen in the data[/bold] (check spelling if unexpected).")
    for category, sub, term in unseen[:limit]:
        console.print(f"  {category} / {sub}: {term}")
    problems = result["problems"]
    if problems:
        for problem in problems:
            console.print(f"[red]not current:[/red] {problem}", highlight=False)
        raise PvError(f"{len(problems)} name(s) of {cat.path} are not current MedDRA {version} terms (listed above): "
                      "correct them and run the check again.")
    if version:
        console.print(f"Every name is a current MedDRA {version} term.")


def _prefect_env() -> None:
    """Prefect runs offline in the project: its state in ./.prefect, no telemetry, patient startup on 2 cores."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # pv prints its own one-line errors and records them in signal_run; Prefect's tracebacks only with --debug
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING" if os.environ.get("PV_DEBUG") else "CRITICAL")


@app.command()
def run(
    db_path: DbOption = None,
    inbox: Annotated[Path | None, typer.Option(help="Folder of quarterly zips (default: the configured inbox, else sample_data/).")] = None,
    config: ConfigOption = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another run holds the database, wait for it instead of stopping.")] = False,
) -> None:
    """Run the nightly signal flow once, now: ingest new quarters, validate, standardize, score, detect and
    compare signals, write the run's report."""
    from pv import runs
    from pv.config import load_config
    from pv.signals.backgrounds import run_backgrounds
    from pv.status import summary

    _prefect_env()
    cfg = load_config(config)
    db_file = cfg.db_path(db_path)
    if inbox is None and cfg.source == "defaults":
        inbox = default_sample_dir()
        runs.check_demo_inbox(db_file)
    runs.check_inbox(inbox or cfg.inbox)          # say it now rather than after Prefect has started
    if not wait:
        with runs.run_lock(db_file):
            pass
    from flows import nightly
    from flows.server import local_api

    with console.status("Starting Prefect's local API") as line:
        def step(name: str, seconds: float | None) -> None:
            if seconds is None:
                line.update(f"Running the signal flow: {name}")
            else:
                console.print(f"  [green]done[/green] {name} ({seconds:.1f} s)", highlight=False)

        nightly.STEP_LISTENERS.append(step)
        try:
            with local_api():
                line.update("Running the signal flow")
                result = nightly.nightly_signal_run(inbox=str(inbox) if inbox else None, database=db_path,
                                                    config=str(config) if config else None, wait=wait)
        finally:
            nightly.STEP_LISTENERS.remove(step)
    loaded = result["loaded"]
    if loaded:
        for r in loaded:
            what = r["quarter"] or r.get("source")       # an openFDA or E2B file has no quarter
            console.print(f"  {what}: {r['status']}, {r['rows']:,} rows, {r['quarantined']:,} quarantined")
    else:
        console.print("No new quarter in the inbox.")
    reader = db.connect(db_file, read_only=True)
    print_summary(summary(reader))
    backgrounds = run_backgrounds(reader, result["run_id"])
    console.print(f"[bold]Run {result['run_id']}[/bold]: {result['n_signals']:,} signal(s) "
                  f"({', '.join(cfg.signal_criteria)}); new {result['new']}, persisting {result['persisting']}, "
                  f"re-emerged {result.get('re_emerged', 0)}, no longer met {result['no_longer_met']}.")
    if result.get("method_changes"):
        console.print(f"[yellow]The method changed since the previous run ({', '.join(result['method_changes'])}): "
                      "new, persisting and no longer met compare runs made differently.[/yellow]")
    if backgrounds:
        console.print("Backgrounds scored beside it (the report's \"Restricted backgrounds\"): " + "; ".join(
            f"{b['background']} N = {b['n_reports']:,}" if b["n_reports"] is not None
            else f"{b['background']}: {b['message']}" for b in backgrounds) + ".")
    console.print(f"Run report: {result['report']}/  (signal_report.html/.pdf/.xlsx, CSVs, manifest.json, "
                  "data_quality.html)")
    console.print('See them: pv query "select * from signal_history"')


@app.command()
def report(
    db_path: DbOption = None,
    run: Annotated[str, typer.Option("--run", help="latest, or a run id.")] = "latest",
    drug: Annotated[list[str] | None, typer.Option("--drug", help="Drug(s) to report on (default: drugs_of_interest).")] = None,
    format: Annotated[str, typer.Option("--format", help="Comma-separated: html,pdf,xlsx,csv.")] = "html,pdf,xlsx,csv",
    out: Annotated[Path | None, typer.Option(help="Folder to write into (default: reports/<database name>/<run_id>/).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the signal report of a run: HTML and PDF, XLSX, CSV, and manifest.json with every file's SHA-256."""
    from pv.config import load_config
    from pv.report import build_report, resolve_run
    from pv.runs import run_report_dir

    cfg = load_config(config)
    con = db.connect(cfg.db_path(db_path), read_only=True)
    run_id = resolve_run(con, run)["run_id"]
    target = out or run_report_dir(cfg, cfg.db_path(db_path), run_id)
    formats = tuple(f.strip() for f in format.split(",") if f.strip())
    with status_line("Writing the report"):
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
    import urllib.request

    from pv.config import load_config
    from pv.procs import die_with_parent

    _prefect_env()
    cfg = load_config(config)
    url = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env={**os.environ, "PREFECT_API_URL": ""},
                              preexec_fn=die_with_parent())   # the server goes when `pv serve` goes, even on kill -9
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
    scored = {r[0] for r in con.execute("select distinct drug from drug_event_score where run_id = $s",
                                        {"s": row[1]}).fetchall()}
    unknown = [d for d in cfg.drugs_of_interest if d not in scored]
    if unknown:
        raise PvError(f"No scores for {', '.join(unknown)} in run {row[0]}: give an active ingredient as it appears in "
                      "the view drug_event_scores (column drug).")
    n = runs.subgroups(con, row[0], row[1], cfg)
    console.print(f"{n:,} subgroup rows for {', '.join(cfg.drugs_of_interest)} (run {row[0]}).")
    console.print('See them: pv query "select * from signal_subgroup where drug = \'NAME\'"')


