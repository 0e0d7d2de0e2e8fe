"""Load a plain report-level CSV (from another safety database) into ``raw_report_csv``.

Layout: one row per report x drug x event; required columns ``report_id, drug, event``; optional ``sex,
age_years, country, received_date, role`` (role PS/SS/C/I, default PS). Other columns are kept in
``extra_fields``. Repeated rows are allowed (they count once in the standardized layer). A row without a
report id, drug or event, or with an unknown role, goes to ``quarantine``; a file without the required columns
is refused whole. Re-loading a changed file with the same ``--source`` name replaces the earlier load.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pv import db
from pv.errors import InputRefused
from pv.ingest.dollar import BadRow
from pv.ingest.faers import IngestResult, _quarantine, ensure_schema
from pv.ingest.sources import file_sha256

REQUIRED = ("report_id", "drug", "event")
OPTIONAL = ("sex", "age_years", "country", "received_date", "role")
ROLES = ("PS", "SS", "C", "I")


def ingest_report_csv(
    con: duckdb.DuckDBPyConnection, path: str | Path, *, source_name: str = "csv", map_drugs: bool = False
) -> IngestResult:
    ensure_schema(con)
    path = Path(path)
    if not path.is_file():
        raise InputRefused(f"{path}: no such file.")
    started, t0 = datetime.now(), time.perf_counter()
    sha = file_sha256(path)
    same = db.one(con, "select load_id from ingest_log where source_sha256 = $sha and status = 'loaded'", {"sha": sha})
    if same:
        return IngestResult(str(path), None, "skipped", same[0], message=f"{path.name} is already loaded (load {same[0]}); nothing to do.")
    table = _read(path)
    table, bad = _check_rows(table, path)
    previous = con.execute(
        "select load_id from ingest_log where format = 'report_csv' and quarter is null and message = $m "
        "and status = 'loaded'", {"m": f"source {source_name}"}
    ).fetchall()
    con.begin()
    try:
        load_id = db.one(con, "select nextval('load_id_seq')")[0]
        for (old,) in previous:
            db.execute(con, "raw/delete_load", {"load_id": old}, {"raw_table": "raw_report_csv"})
            con.execute("update ingest_log set status = 'superseded', superseded_by = $new where load_id = $old",
                        {"new": load_id, "old": old}).fetchall()
        con.register("incoming_rows", table)
        try:
            db.execute(con, "raw/insert_report_csv",
                       {"load_id": load_id, "source_name": source_name, "map_drugs": map_drugs,
                        "source_file": str(path), "source_sha256": sha})
        finally:
            con.unregister("incoming_rows")
        _quarantine(con, [("raw_report_csv", str(path), b) for b in bad], load_id, None)
        seconds = time.perf_counter() - t0
        con.execute(
            """insert into ingest_log (load_id, source_path, source_sha256, format, quarter, status, n_report_rows,
                   n_quarantined, seconds, started_at, finished_at, message)
               values ($id, $path, $sha, 'report_csv', null, 'loaded', $n, $bad, $s, $started,
                   current_localtimestamp(), $m)""",
            {"id": load_id, "path": str(path), "sha": sha, "n": table.num_rows, "bad": len(bad), "s": seconds,
             "started": started, "m": f"source {source_name}"},
        ).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return IngestResult(str(path), None, "replaced" if previous else "loaded", load_id,
                        {"report_rows": table.num_rows}, len(bad), seconds=seconds,
                        message=f"{path.name}: {table.num_rows} rows loaded as source '{source_name}'")


def _read(path: Path) -> pa.Table:
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 auto_dict_encode=False),
        )
    except pa.ArrowInvalid as exc:
        raise InputRefused(f"{path}: cannot be read as CSV ({exc}). Check the delimiter (comma) and quoting.") from exc
    except UnicodeDecodeError as exc:
        raise InputRefused(f"{path}: is not UTF-8 ({exc}); re-save it as UTF-8.") from exc
    table = table.rename_columns([c.strip().lower() for c in table.column_names])
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise InputRefused(
            f"{path}: missing required column(s) {', '.join(missing)}; a report CSV needs report_id, drug, event "
            f"(found: {', '.join(table.column_names[:10])})."
        )
    cols = {c: table[c].cast(pa.string()) for c in table.column_names}
    known = {c: cols[c] for c in (*REQUIRED, *OPTIONAL) if c in cols}
    for c in OPTIONAL:
        known.setdefault(c, pa.nulls(table.num_rows, pa.string()))
    unknown = [c for c in table.column_names if c not in known]
    if unknown:
        rows = zip(*(cols[c].to_pylist() for c in unknown), strict=True)
        known["extra_fields"] = pa.array([json.dumps(dict(zip(unknown, r, strict=True))) for r in rows], pa.string())
    else:
        known["extra_fields"] = pa.nulls(table.num_rows, pa.string())
    # Record number (header = 1); equals the line number unless a quoted value spans lines.
    known["line_no"] = pa.array(range(2, table.num_rows + 2), pa.int64())
    return pa.table(known)


def _check_rows(table: pa.Table, path: Path) -> tuple[pa.Table, list[BadRow]]:
    trimmed = {c: pc.utf8_trim_whitespace(table[c]) for c in REQUIRED}
    bad_mask = pa.array([False] * table.num_rows, pa.bool_())
    reasons: dict[int, str] = {}
    for c in REQUIRED:
        empty = pc.fill_null(pc.equal(trimmed[c], ""), True)
        for ln in table["line_no"].filter(empty).to_pylist():
            reasons.setdefault(ln, f"{c} is empty")
        bad_mask = pc.or_(bad_mask, empty)
    role = pc.utf8_upper(pc.utf8_trim_whitespace(table["role"]))
    given = pc.fill_null(pc.not_equal(role, ""), False)          # empty or missing role -> PS, later
    bad_role = pc.and_(given, pc.invert(pc.is_in(role, pa.array(ROLES))))
    for ln, value in zip(table["line_no"].filter(bad_role).to_pylist(), table["role"].filter(bad_role).to_pylist(), strict=True):
        reasons.setdefault(ln, f"role {value!r} is not one of PS, SS, C, I")
    bad_mask = pc.or_(bad_mask, bad_role)
    if not reasons:
        return table, []
    keys = ["report_id", "drug", "event", "role"]
    bad_tbl = table.filter(bad_mask)
    raw = {ln: ",".join("" if v is None else str(v) for v in vals)
           for ln, *vals in zip(bad_tbl["line_no"].to_pylist(), *(bad_tbl[k].to_pylist() for k in keys), strict=True)}
    rows = [BadRow(ln, raw[ln], reason, "csv.required_value" if "empty" in reason else "csv.role_code")
            for ln, reason in sorted(reasons.items())]
    return table.filter(pc.invert(bad_mask)), rows
