"""Signal management: assess a signal, list assessments and their audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pv import db
from pv.cli import ConfigOption, DbOption, app, console
from pv.errors import PvError


def _store(db_path, config):
    from pv.config import load_config
    from pv.signals import assessments

    cfg = load_config(config)
    database = Path(db.resolve_db_path(db_path or cfg.db_path()))
    return cfg, database, assessments.store_path(database, cfg.assessments)


@app.command()
def assess(
    drug: Annotated[str, typer.Argument(help="Active ingredient, as scored (e.g. ALEMTUZUMAB).")],
    event: Annotated[str, typer.Argument(help="The event as scored: a PT, or 'category / subcategory', a category...")],
    by: Annotated[str, typer.Option("--by", help="Who assesses (recorded in the audit trail).")],
    level: Annotated[str, typer.Option(help="pt, subcategory, category, hlt, hlgt, soc, smq_narrow, smq_broad.")] = "pt",
    status: Annotated[str | None, typer.Option(help="new, under validation, validated, refuted, monitoring, closed.")] = None,
    rationale: Annotated[str | None, typer.Option(help="Why (one sentence or more).")] = None,
    evidence: Annotated[str | None, typer.Option(help="Case ids, literature (e.g. 'cases 1001, 1002; PMID 31234567').")] = None,
    next_review: Annotated[str | None, typer.Option(help="Next review date, YYYY-MM-DD.")] = None,
    db_path: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Record a signal's assessment (status, rationale, evidence, next review). Every change is appended to the
    audit trail; writing never waits for a nightly run (the store is a file of its own beside the database)."""
    from pv.signals import assessments

    _, database, store = _store(db_path, config)
    drug = drug.strip().upper()
    event = event.strip().upper() if level == "pt" else event.strip()
    if not database.exists():
        raise PvError(f"No database at {database}: assess the signals of a database with a completed run "
                      "(--db PATH, or database in pv.toml).")
    stats, note = None, None
    try:
        con = db.connect(database, read_only=True)
    except PvError as exc:      # a run holds the database: record now, the next run supplies the baseline
        note = (f"The database could not be read now ({exc}); the assessment is recorded without statistics, and "
                "the next run's serve as its baseline.")
    else:
        with con:
            stats = assessments.pair_stats(con, level, drug, event)
        if stats is None:
            raise PvError(f"The latest run did not score {drug} x {event} at level {level}: check the names "
                          "against signals_latest or drug_event_scores (pv query), and --level.")
    changes = assessments.assess(store, level, drug, event, by=by, status=status, rationale=rationale,
                                 evidence=evidence, next_review=next_review, stats=stats)
    if not changes:
        console.print(f"Nothing changed: {drug} x {event} ({level}) already reads so.")
        return
    for c in changes:
        console.print(f"  {c.field}: {c.old or '-'} -> {c.new}", highlight=False)
    seen = f" (the assessor saw a = {stats['a']}, EB05 = {stats['eb05']:.2f} in run {stats['run_id']})" if stats else ""
    console.print(f"Recorded {len(changes)} change(s) to {drug} x {event} ({level}) by {by}{seen} in {store}.")
    if note:
        console.print(f"[yellow]{note}[/yellow]")
    try:
        with db.connect(database) as con:
            assessments.mirror(con, store)
    except PvError:
        console.print("A run holds the database: its tables signal_assessment and signal_assessment_audit catch up at "
                      "the next run (`pv assessments` reads the store now).")


@app.command("assessments")
def list_assessments(
    drug: Annotated[str | None, typer.Option(help="Only this drug.")] = None,
    history: Annotated[bool, typer.Option("--history", help="The audit trail: every change, oldest first.")] = False,
    db_path: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The signals' current assessments (or, with --history, every change), read from the store directly."""
    from rich.table import Table

    from pv.signals import assessments

    _, _, store = _store(db_path, config)
    rows = assessments.read(store, "signal_assessment_audit" if history else "signal_assessment",
                            drug=drug.strip().upper() if drug else None).to_pylist()
    if not rows:
        console.print(f"No assessment recorded yet in {store} (`pv assess DRUG EVENT --status ... --by NAME`).")
        return
    columns = (["changed_at", "changed_by", "level", "drug", "event", "field", "old_value", "new_value"] if history
               else ["level", "drug", "event", "status", "assessor", "status_date", "rationale", "next_review_date"])
    table = Table(*columns)
    for r in rows:
        table.add_row(*("" if r[c] is None else str(r[c]) for c in columns))
    console.print(table)
    console.print(f"{len(rows)} row(s) from {store}.")


@app.command("app")
def workbench(
    db_path: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 only, until pv has user accounts).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    config: ConfigOption = None,
) -> None:
    """The signal-management workbench in your browser: the signals list with filters and CSV export, each
    signal's statistics, time to signal, cases and assessment (form and history), and the runs."""
    import uvicorn

    from pv.app import check_host, create_app

    cfg, database, store = _store(db_path, config)
    check_host(host, store)
    if not database.exists():
        raise PvError(f"No database at {database}: run `pv run` first, or pass --db PATH.")
    console.print(f"pv workbench on http://{host}:{port}/ over {database} (assessments: {store}); Ctrl-C stops it.")
    reports = Path(cfg.reports_dir) / database.stem
    uvicorn.run(create_app(database, store, cfg.published_copy, reports), host=host, port=port, log_level="warning")


users_app = typer.Typer(help="Workbench accounts (pv app): viewer reads, analyst assesses, admin manages accounts.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name, as the audit trail will record it.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")] = False,
    db_path: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a workbench account (the password is asked twice, or read from standard input)."""
    import sys

    from pv import accounts

    _, _, store = _store(db_path, config)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts.add_user(store, name, role, password)
    console.print(f"Added {name} ({role}) to {store}. `pv app` now asks everyone to sign in.")


@users_app.command("list")
def users_list(db_path: DbOption = None, config: ConfigOption = None) -> None:
    """The workbench accounts."""
    from pv import accounts

    _, _, store = _store(db_path, config)
    rows = accounts.users(store)
    if not rows:
        console.print(f"No account in {store}: `pv app` serves 127.0.0.1 only and asks assessors their name.")
    for u in rows:
        console.print(f"{u['name']}  {u['role']}  since {u['created_at'][:10]}"
                      + (f"  (disabled {u['disabled_at'][:10]})" if u["disabled_at"] else ""), highlight=False)


@users_app.command("disable")
def users_disable(name: str, db_path: DbOption = None, config: ConfigOption = None) -> None:
    """Disable an account and end its sessions (its audit entries stay)."""
    from pv import accounts

    _, _, store = _store(db_path, config)
    accounts.disable_user(store, name)
    console.print(f"Disabled {name}; their sessions are ended.")
