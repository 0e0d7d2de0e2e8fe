"""The ``pv`` command line. Each command is a thin shell over a library function; the commands live by stage in
``pv.cli.data`` (ingest, loads, standardize, status, validate, quarantine, synth), ``pv.cli.analysis`` (score,
categories, run, report, subgroups, serve) and ``pv.cli.analyst`` (query, shell).

Every command takes ``--db PATH`` (default ``$PV_DB``, else ``./pv.duckdb``). Errors print one sentence saying
what to do; ``--debug`` (or ``PV_DEBUG=1``) shows the traceback.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pv import __version__
from pv.errors import PvError


def _flag_type_hidden(display_type_rich):
    """typer 0.29 prints ``<bool>`` beside every on/off flag in --help, as if it took a value; flags show none."""
    def display(self, ctx):
        return None if getattr(self, "is_flag", False) else display_type_rich(self, ctx)
    return display


typer.core.TyperOption.display_type_rich = _flag_type_hidden(typer.core.TyperOption.display_type_rich)

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
def status_line(message: str):
    with console.status(message) as status:
        yield lambda text: status.update(f"{message}: {text}")


ConfigOption = Annotated[Path | None, typer.Option("--config", help="pv.toml to use (default: ./pv.toml or [tool.pv] in ./pyproject.toml).")]

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


INTERRUPTED = ("interrupted: the step that was running was rolled back; the database is as it was before it. "
               "Run the command again to continue.")


def main() -> None:
    signal.signal(signal.SIGINT, _note_sigint)
    try:
        # Without standalone mode typer returns an exit code instead of exiting: Ctrl-C comes back as 130.
        code = app(standalone_mode=False)
    except (KeyboardInterrupt, typer.Exit, Exception) as exc:
        code = _report(exc)
    if code == 130:
        err.print(f"[red]{INTERRUPTED}[/red]", highlight=False)
    if isinstance(code, int) and code:
        sys.exit(code)


def _report(exc: BaseException) -> int:
    """Say what went wrong in one sentence; the exit code. (typer carries its own copy of click: its usage errors
    are ``typer.TyperException``, not the ``click`` package's.)"""
    if isinstance(exc, KeyboardInterrupt | typer.Abort) or _SIGINT_SEEN:
        return 130
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, PvError):
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    if isinstance(exc, typer.TyperException) and hasattr(exc, "show"):   # usage errors: click's own message
        exc.show()
        return getattr(exc, "exit_code", 2)
    if os.environ.get("PV_DEBUG"):
        raise exc
    err.print(f"[red]error:[/red] {explain(exc)}", highlight=False)
    return 1


_SIGINT_SEEN: list[bool] = []


def _note_sigint(signum, frame) -> None:
    """Ctrl-C: remember it, then raise KeyboardInterrupt as Python does. A library may turn the interruption into
    its own error on the way up (DuckDB's "Query interrupted", a rolled-back transaction's "transaction is
    aborted"); the process still knows it was interrupted, whatever error arrives."""
    _SIGINT_SEEN.append(True)
    signal.default_int_handler(signum, frame)


def explain(exc: BaseException) -> str:
    """An unexpected error as a sentence a person can act on (the exception's name only as a last resort)."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left on device" in text:
        where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
        return (f"the disk is full{where}. Free some space and run the command again; the database keeps its last "
                "completed step (an interrupted step is rolled back).")
    if isinstance(exc, PermissionError):
        return f"permission denied on {exc.filename or 'a file'}: choose a folder you can write to."
    if isinstance(exc, FileExistsError | FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return f"{exc.strerror or 'cannot use the path'}: {exc.filename}. Check the path and try again."
    return f"{text or type(exc).__name__} (an unexpected error: run with --debug for the traceback and report it)."


from pv.cli import analysis, analyst, data, manage, meddra  # noqa: E402,F401  (registers the commands)
