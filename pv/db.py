"""DuckDB connection and the one place SQL text is read and rendered.

SQL lives in ``sql/`` as ``.sql`` files. Values reach it only as DuckDB named parameters (``$name``), bound by
DuckDB. A file declares its parameters in a header comment::

    -- params: quarter, load_id

and :func:`execute` refuses a call that misses a declared parameter or passes an undeclared one (SqlRender's
habit). Nothing is ever formatted into SQL text.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb

from pv.errors import PvError

_PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DB = "pv.duckdb"
STORAGE_VERSION = "v1.5.0"


def sql_dir() -> Path:
    """``sql/`` of the source tree, or the copy packaged into the wheel as ``pv/_sql``."""
    for candidate in (_PACKAGE_DIR.parent / "sql", _PACKAGE_DIR / "_sql"):
        if candidate.is_dir():
            return candidate
    raise PvError("pv's SQL files were not found next to the package; reinstall pv.")


def resolve_db_path(db: str | os.PathLike | None = None) -> Path:
    """``--db`` if given, else ``$PV_DB``, else ``./pv.duckdb``."""
    return Path(db or os.environ.get("PV_DB") or DEFAULT_DB)


def default_memory_limit() -> str | None:
    """DuckDB's memory cap when PV_MEMORY_LIMIT is not set: 60 % of physical memory. DuckDB's own default (80 %)
    assumes it is alone in the process; pv's also holds validation batches and report data (a full build of the
    standardized layer at 20 M reports reached 21.9 GB of 24 GB under it). DuckDB spills to disk beyond the cap."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):   # not a POSIX system: DuckDB's own default
        return None
    return f"{max(1, int(total * 0.6 / 2**20))}MiB"


# Settings of every connection: DuckDB never fetches an extension from the network (a SQLite file given as a
# database would otherwise make it try to download one).
_BASE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# The analysts' path (`pv query`, `pv shell`, the workbench): read-only, no file system, no extensions, and the
# settings locked so that a query cannot turn them back on. No ATTACH, COPY, EXPORT, INSTALL/LOAD, read_* of
# files; temporary tables live in memory only.
ANALYST_CONFIG = {**_BASE_CONFIG, "enable_external_access": False, "allow_community_extensions": False,
                  "lock_configuration": True}
_DUCKDB_MAGIC = b"DUCK"   # bytes 8-11 of every DuckDB database file


def connect(db: str | os.PathLike | None = None, *, read_only: bool = False, create: bool = False,
            analyst: bool = False, busy_timeout: float = 0.0,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the pv database.

    * ``create``: only commands that bring data in may create the file; any other is refused with a sentence,
      so a mistyped ``--db`` never leaves an empty database behind.
    * ``analyst``: the read-only, locked-down connection of the analysts' path (:data:`ANALYST_CONFIG`).
    * ``busy_timeout``: a writer that finds the file held by another process (a reader, another command) waits
      up to this many seconds, retrying with backoff, and says so through ``on_wait``; readers never wait.
    """
    path = resolve_db_path(db)
    memory = str(path) == ":memory:"
    read_only = read_only or analyst
    if not memory:
        _check_database_file(path, create=create and not read_only, writing=not read_only)
    # New files are written in the storage format of DuckDB 1.5, so that the duckdb command-line shell on PyPI
    # (duckdb-cli 1.5) and tools built on DuckDB >= 1.5 open them too.
    config = dict(ANALYST_CONFIG if analyst else _BASE_CONFIG)
    if not (read_only or memory):
        config["storage_compatibility_version"] = STORAGE_VERSION
    limit = os.environ.get("PV_MEMORY_LIMIT") or default_memory_limit()
    if limit:
        config["memory_limit"] = limit
    deadline = time.monotonic() + busy_timeout
    delay = 0.5
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise PvError(f"Cannot open the database {path}: {exc}") from exc
            holder = _lock_holder(str(exc))
            if read_only or time.monotonic() + delay > deadline:
                raise PvError(
                    f"The database {path} is in use by another process{holder}; wait for it to finish and try "
                    "again. Analysts reading during a nightly run should use the published copy "
                    "(`published_copy` in pv.toml)."
                ) from exc
            if on_wait:
                on_wait(f"the database {path} is in use by another process{holder}; retrying in {delay:g} s")
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def _lock_holder(message: str) -> str:
    match = re.search(r"PID (\d+)", message)
    return f" (PID {match.group(1)})" if match else ""


def _check_database_file(path: Path, *, create: bool, writing: bool) -> None:
    """Refuse, before any work is done, a file that is not a DuckDB database, a database that does not exist
    (unless this command creates one), and a database in a folder where its write-ahead log cannot be written."""
    if path.is_dir():
        raise PvError(f"{path} is a folder; --db takes the path of a database file (e.g. {path / DEFAULT_DB}).")
    if path.exists():
        with open(path, "rb") as f:
            head = f.read(16)
        if head and head[8:12] != _DUCKDB_MAGIC:
            kind = "a SQLite file" if head.startswith(b"SQLite format 3") else "not a DuckDB file"
            raise PvError(f"{path} is not a pv database ({kind}). Pass the path of a pv database with --db, or a "
                          "new file name for `pv ingest` to create one.")
    elif not create:
        raise PvError(f"No database at {path}; check --db (or $PV_DB), or create one with `pv ingest` or `pv run`.")
    if writing:
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise PvError(f"The folder {folder} of the database does not exist; create it or check --db.")
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise PvError(f"Cannot write to {path}: its folder or the file is read-only (DuckDB writes a .wal file "
                          "beside the database). Copy the database to a writable folder, or use a read-only "
                          "command (pv status, pv query, pv report).")


_PARAMS_RE = re.compile(r"^--\s*params:\s*(.*)$", re.MULTILINE)
_USED_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")
_IDENT_SLOT_RE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


@cache
def _load(name: str) -> tuple[str, frozenset[str]]:
    path = sql_dir() / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    declared: set[str] = set()
    for match in _PARAMS_RE.finditer(text):
        declared |= {p.strip() for p in match.group(1).split(",") if p.strip()}
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    used = set(_USED_RE.findall(body))
    if used != declared:
        raise PvError(f"sql/{name}.sql declares params {sorted(declared)} but uses {sorted(used)}.")
    return text, frozenset(declared)


def statements(name: str) -> list[str]:
    """The statements of ``sql/<name>.sql`` (split on a ``;`` that ends a line)."""
    text, _ = _load(name)
    parts = re.split(r";\s*$", text, flags=re.MULTILINE)
    return [p.strip() for p in parts if _has_code(p)]


def _code_only(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def _has_code(sql: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in sql.splitlines())


def execute(
    con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, identifiers: dict | None = None
):
    """Run every statement of ``sql/<name>.sql`` with the declared named parameters bound.

    ``identifiers`` fills ``{{ slot }}`` placeholders with table or column names, never values: each must be a
    plain lower-case identifier, and every slot must be filled. Returns the cursor of the last statement.
    """
    _, declared = _load(name)
    given = set(params or {})
    if given != declared:
        missing, unused = sorted(declared - given), sorted(given - declared)
        raise PvError(f"sql/{name}.sql: missing params {missing}, unused params {unused}.")
    stmts = _render_identifiers(name, statements(name), identifiers or {})
    rows: list[tuple] = []
    for stmt in stmts:
        used = set(_USED_RE.findall(_code_only(stmt)))
        bound = {k: v for k, v in (params or {}).items() if k in used}
        # Fetch everything: DuckDB refuses other work on a connection with an unfinished result.
        rows = (con.execute(stmt, bound) if bound else con.execute(stmt)).fetchall()
    return rows


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, identifiers: dict | None = None,
          columns: list[str] | None = None):
    """Run a one-statement ``sql/<name>.sql`` and return its result as an Arrow table; ``columns``: only these of
    its columns (DuckDB then reads and computes only what they need; the statement's order is kept)."""
    _, declared = _load(name)
    if set(params or {}) != declared:
        raise PvError(f"sql/{name}.sql: needs params {sorted(declared)}, got {sorted(params or {})}.")
    (stmt,) = _render_identifiers(name, statements(name), identifiers or {})
    rel = con.sql(stmt, params=params) if params else con.sql(stmt)
    if columns is not None:
        rel = rel.select(*(duckdb.ColumnExpression(c) for c in columns))
    return rel.to_arrow_table()


def materialize(con: duckdb.DuckDBPyConnection, name: str, table: str, identifiers: dict, *,
                temporary: bool = False) -> None:
    """Store the result of the model ``sql/<name>.sql`` (one parameter-free ``select``, as in dbt) as ``table``,
    its ``{{ slot }}`` input tables filled from ``identifiers``. Table names are checked plain identifiers and the
    query comes from the file: no value is ever pasted into the text."""
    _, declared = _load(name)
    if declared:
        raise PvError(f"sql/{name}.sql takes params {sorted(declared)}; a model takes none.")
    if not _IDENT_RE.match(table):
        raise PvError(f"{table!r} is not a plain table name.")
    (stmt,) = _render_identifiers(name, statements(name), identifiers)
    kind = "temp table" if temporary else "table"
    con.execute(f"create or replace {kind} {table} as\n{stmt}").fetchall()  # noqa: S608 (checked names, SQL from file)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """First row of a short inline query (fully fetched), or None."""
    rows = con.execute(sql, params or {}).fetchall() if params else con.execute(sql).fetchall()
    return rows[0] if rows else None


def _render_identifiers(name: str, stmts: list[str], identifiers: dict) -> list[str]:
    slots = {s for stmt in stmts for s in _IDENT_SLOT_RE.findall(stmt)}
    if slots != set(identifiers):
        raise PvError(
            f"sql/{name}.sql: identifier slots {sorted(slots)} but got {sorted(identifiers)}."
        )
    for key, value in identifiers.items():
        if not isinstance(value, str) or not _IDENT_RE.match(value):
            raise PvError(f"sql/{name}.sql: {key}={value!r} is not a plain identifier.")
    return [_IDENT_SLOT_RE.sub(lambda m: identifiers[m.group(1)], stmt) for stmt in stmts]


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_name = $t order by ordinal_position",
        {"t": table},
    ).fetchall()
    return [r[0] for r in rows]


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(one(con, "select count(*) from information_schema.tables where table_name = $t", {"t": table})[0])


def replace_run_rows(con: duckdb.DuckDBPyConnection, table: str, run_id: int, rows) -> None:
    """Replace ``table``'s rows of run ``run_id`` with the Arrow table ``rows`` (None: just remove them; a list:
    the rows of each), matched by column name, in one transaction."""
    if not _IDENT_RE.match(table):
        raise PvError(f"{table!r} is not a plain table name.")
    con.begin()
    try:
        con.execute(f"delete from {table} where run_id = $id", {"id": run_id}).fetchall()  # noqa: S608 (checked name)
        for part in rows if isinstance(rows, list) else [rows]:
            if part is None or not part.num_rows:
                continue
            con.register("incoming_rows", part)
            try:
                con.execute(f"insert into {table} by name "  # noqa: S608 (checked name)
                            "select incoming_rows.*, $id as run_id from incoming_rows", {"id": run_id}).fetchall()
            finally:
                con.unregister("incoming_rows")
        con.commit()
    except BaseException:
        con.rollback()
        raise
