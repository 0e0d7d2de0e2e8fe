"""The analysts' path: a query on the locked-down read-only connection, printed or exported.

``pv query`` and ``pv shell`` open the database with :data:`pv.db.ANALYST_CONFIG`: nothing can be written, no
file read or written by SQL, no extension loaded, and the settings cannot be changed back. The only file the
path writes is the one the analyst names with ``--out``, and it is written whole or not at all (to a temporary
file beside it, then renamed). List columns (the views' drug and PT lists, ``criteria_met``) are written as text
joined by ``; ``, and text that a spreadsheet would run as a formula is neutralised (``pv.report.cells``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pv.errors import PvError

EXPORT_FORMATS = ("csv", "json", "parquet")
LIST_SEPARATOR = "; "


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation:
    """The relation of one read-only query; a failure is one sentence (DuckDB's own message)."""
    try:
        rel = con.sql(sql)
    except duckdb.PermissionException as exc:
        raise PvError(f"not allowed on the analysts' read-only path: {_first_line(exc)} `pv query` and `pv shell` "
                      "only read the database; write a file with --format csv|json|parquet --out FILE.") from None
    except duckdb.Error as exc:
        raise PvError(f"the query failed: {_first_line(exc)}") from None
    if rel is None:
        raise PvError("the statement returned no rows; `pv query` is for SELECT queries.")
    return rel


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def flatten_lists(table: pa.Table) -> pa.Table:
    """List columns as text (items joined by ``; ``), so every format a spreadsheet or CSV reader takes works."""
    columns = []
    for col in table.columns:
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            col = pc.binary_join(pc.cast(col, pa.list_(pa.string())), LIST_SEPARATOR)
        elif pa.types.is_struct(col.type) or pa.types.is_map(col.type):
            col = pa.array([None if v is None else json.dumps(v, default=str) for v in col.to_pylist()], pa.string())
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def export(table: pa.Table, fmt: str, out: str | os.PathLike) -> Path:
    """Write ``table`` to ``out`` as csv, json or parquet, whole or not at all."""
    if fmt not in EXPORT_FORMATS:
        raise PvError(f"--format must be table, {', '.join(EXPORT_FORMATS)}; got {fmt!r}.")
    out = Path(out)
    if out.is_dir():
        raise PvError(f"--out {out} is a folder; give a file name, e.g. {out / ('result.' + fmt)}.")
    if not out.parent.is_dir():
        raise PvError(f"--out {out}: the folder {out.parent} does not exist; create it first.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            import pyarrow.csv as pacsv

            from pv.report.cells import neutralise_arrow  # (pv.report loads pandas: only when exporting)

            pacsv.write_csv(neutralise_arrow(flatten_lists(table)), tmp)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, tmp)          # Parquet keeps lists as lists and is never run as a formula
        else:
            tmp.write_text(json.dumps(table.to_pylist(), default=str, indent=1), encoding="utf-8")
        os.replace(tmp, out)
    except PermissionError:
        raise PvError(f"--out {out}: permission denied; choose a folder you can write to.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out
