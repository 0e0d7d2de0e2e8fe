"""The analysts' path: read-only queries and a shell on a locked-down connection (no writes, no files)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pv import db
from pv.cli import DbOption, app, console, err
from pv.errors import PvError

CELL_WIDTH = 40   # characters shown per cell; longer text ends in an ellipsis (export a file for the full text)


def _print_rows(columns: list[str], rows: list[tuple]) -> None:
    table = Table(show_edge=False)
    for col in columns:
        table.add_column(col, overflow="ellipsis", no_wrap=True, max_width=CELL_WIDTH)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table, highlight=False)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SQL query over the pv tables and views.")],
    db_path: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="table (print), csv, json or parquet.")] = "table",
    out: Annotated[Path | None, typer.Option(help="File to write with --format csv|json|parquet.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print with --format table.")] = 50,
) -> None:
    """Run a read-only query and print it as a table, or write it to a file. Nothing else is ever written:
    the connection cannot ATTACH, COPY, EXPORT, INSTALL or LOAD, or read or write files."""
    from pv import analyst

    if format != "table" and out is None:
        raise PvError(f"--format {format} needs --out FILE.")
    con = db.connect(db_path, analyst=True)
    rel = analyst.run_query(con, sql)
    if format == "table":
        rows = rel.limit(limit + 1).fetchall()
        _print_rows(rel.columns, rows[:limit])
        if len(rows) > limit:
            console.print(f"[dim](first {limit} rows; use --limit or --format csv --out FILE for all)[/dim]")
        return
    arrow = rel.to_arrow_table()
    written = analyst.export(arrow, format, out)
    console.print(f"Wrote {arrow.num_rows:,} rows to {written}.")


@app.command()
def shell(db_path: DbOption = None) -> None:
    """An interactive SQL shell on the database (read-only, locked down as `pv query`). End statements with ';',
    quit with .quit or Ctrl-D. While it is open a nightly run waits for it: use the published copy."""
    import readline  # noqa: F401  (line editing and history for input())

    from pv import analyst

    con = db.connect(db_path, analyst=True)
    console.print(f"pv shell on {db.resolve_db_path(db_path)} (read-only). Tables: .tables; quit: .quit. "
                  "A nightly run waits while this is open.")
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
            rel = analyst.run_query(con, sql)
            _print_rows(rel.columns, rel.limit(200).fetchall())
        except PvError as exc:  # show the error and keep the shell open
            err.print(f"[red]error:[/red] {exc}", highlight=False)
