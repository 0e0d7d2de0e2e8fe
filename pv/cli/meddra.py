"""Commands for the user's MedDRA release: ``pv meddra load`` and ``pv meddra status``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pv import db
from pv.cli import ConfigOption, DbOption, app, console, status_line

meddra_app = typer.Typer(help="MedDRA: load your licensed release and see which versions are loaded.",
                         no_args_is_help=True)
app.add_typer(meddra_app, name="meddra")


@meddra_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="The MedAscii folder of a MedDRA release, or the release zip.")],
    db_path: DbOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Load a version that is already loaded again.")] = False,
    by: Annotated[str | None, typer.Option(help="Who loads it (recorded; default: your user name).")] = None,
) -> None:
    """Read and check a MedDRA ASCII release and store it beside any other loaded version (all or nothing)."""
    from pv import meddra

    con = db.connect(db_path, create=True)
    with status_line("Loading MedDRA") as say:
        result = meddra.load(con, path, replace=replace, by=by, progress=say)
    counts = result.counts
    console.print(f"Loaded MedDRA {result.version} ({result.language}){' again' if result.replaced else ''}: "
                  f"{counts['meddra_llt']:,} LLTs, {counts['meddra_pt']:,} PTs, {counts['meddra_hlt']:,} HLTs, "
                  f"{counts['meddra_hlgt']:,} HLGTs, {counts['meddra_soc']:,} SOCs, "
                  f"{counts['meddra_smq_list']:,} SMQs.")
    console.print(f"Current version: {result.current}. Next: `pv standardize` codes every event with it "
                  "(a full rebuild), then `pv score` scores the hlt, hlgt, soc and SMQ levels too.")


@meddra_app.command("status")
def status(db_path: DbOption = None, config: ConfigOption = None) -> None:
    """The MedDRA versions loaded, which one is current, and how the events were coded."""
    from pv import meddra
    from pv.config import load_config
    from pv.status import coding_summary

    con = db.connect(db_path, read_only=True)
    rows = meddra.releases(con)
    if not rows:
        console.print("No MedDRA loaded: events are matched on their reported text. Load your licensed release with "
                      "`pv meddra load PATH/TO/MedAscii` (or the release zip).")
        return
    current = meddra.current_version(con, load_config(config).meddra_version)
    table = Table(title="MedDRA releases", show_edge=False)
    for col in ("version", "language", "LLTs", "PTs", "SMQs", "loaded at", "by", "from"):
        table.add_column(col, justify="right" if col in {"LLTs", "PTs", "SMQs"} else "left", overflow="ellipsis",
                         max_width=40 if col == "from" else None)
    for r in rows:
        table.add_row(r["version"] + (" (current)" if r["version"] == current else ""), r["language"],
                      f"{r['n_llt']:,}", f"{r['n_pt']:,}", f"{r['n_smq']:,}", str(r["loaded_at"])[:16],
                      r["loaded_by"] or "-", Path(r["source_path"]).name)
    console.print(table)
    coding = coding_summary(con)
    if coding:
        console.print(f"Events coded with MedDRA {coding['version'] or 'none (text)'}: "
                      + ", ".join(f"{n:,} {m}" for m, n in coding["by_method"].items()) + " case-event rows.")
        if coding["version"] != current:
            console.print(f"[yellow]The events were coded with {coding['version'] or 'no MedDRA'}, not {current}: "
                          "run `pv standardize`.[/yellow]")
