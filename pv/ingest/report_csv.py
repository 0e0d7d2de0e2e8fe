"""Load a plain report-level CSV (from another safety database) into ``raw_report_csv``.

Layout: one row per report x drug x event; required columns ``report_id, drug, event``; optional ``sex,
age_years, country, received_date, role`` (role PS/SS/C/I, default PS). Other columns are kept in
``extra_fields``. Repeated rows are allowed (they count once in the standardized layer). A row without a
report id, drug or event, with an unknown role, a NUL byte, or a value longer than :data:`MAX_LENGTH` goes to
``quarantine``; a file without the required columns, with a column named twice, or not in UTF-8 is refused whole.

A load is identified by what it holds (the file's SHA-256): the same file again is a no-op. Report ids are
namespaced by the source name (``--source``, default the file's name without extension): reports of several files
of one source with the same id are one case. A new file never replaces an earlier one unless asked
(``replace=True``, ``pv ingest --replace``), and then the result says which loads it replaced.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
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
from pv.ingest.faers import IngestResult, _quarantine, check_synthetic_mix, ensure_schema

REQUIRED = ("report_id", "drug", "event")
OPTIONAL = ("sex", "age_years", "country", "received_date", "role")
ROLES = ("PS", "SS", "C", "I")
# Longest value accepted per column (characters); a longer one is a broken export, not a name.
MAX_LENGTH = {"report_id": 100, "drug": 500, "event": 500, "sex": 20, "age_years": 20, "country": 100,
              "received_date": 30, "role": 10}


def default_source_name(path: Path) -> str:
    """The file's name without extension, as a plain identifier: ``Company DB 2024.csv`` -> ``company_db_2024``."""
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "csv"


def ingest_report_csv(
    con: duckdb.DuckDBPyConnection, path: str | Path, *, source_name: str | None = None, map_drugs: bool = False,
    replace: bool = False, mix_synthetic: bool = False,
) -> IngestResult:
    ensure_schema(con)
    path = Path(path)
    if not path.is_file():
        raise InputRefused(f"{path}: no such file.")
    source_name = source_name or default_source_name(path)
    started, t0 = datetime.now(), time.perf_counter()
    sha, not_utf8 = _sha256_and_encoding(path)
    same = db.one(con, "select load_id from ingest_log where source_sha256 = $sha and status = 'loaded'", {"sha": sha})
    if same:
        return IngestResult(str(path), None, "skipped", same[0], message=f"{path.name} is already loaded (load {same[0]}); nothing to do.")
    check_synthetic_mix(con, str(path), False, mix_synthetic)
    if not_utf8:
        raise InputRefused(f"{path}: {not_utf8}; re-save the file as UTF-8 (e.g. from Excel: CSV UTF-8) and load it "
                           "again.")
    table = _read(path)
    table, bad = _check_rows(table, path)
    earlier = con.execute(
        "select load_id, source_path from ingest_log where format = 'report_csv' and status = 'loaded' "
        "and coalesce(source_name, regexp_extract(message, '^source (.*)$', 1)) = $name order by load_id",
        {"name": source_name}).fetchall()
    previous = earlier if replace else []
    n_reports = len(pc.unique(pc.utf8_trim_whitespace(table["report_id"]))) if table.num_rows else 0
    con.begin()
    try:
        load_id = db.one(con, "select nextval('load_id_seq')")[0]
        for old, _ in previous:
            db.execute(con, "raw/delete_load", {"load_id": old}, {"raw_table": "raw_report_csv"})
            con.execute("delete from quarantine where load_id = $old", {"old": old}).fetchall()
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
                   n_reports, n_quarantined, seconds, started_at, finished_at, message, source_name, is_synthetic)
               values ($id, $path, $sha, 'report_csv', null, 'loaded', $n, $reports, $bad, $s, $started,
                   current_localtimestamp(), $m, $name, false)""",
            {"id": load_id, "path": str(path), "sha": sha, "n": table.num_rows, "reports": n_reports,
             "bad": len(bad), "s": seconds, "started": started, "m": f"source {source_name}", "name": source_name},
        ).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    if previous:
        note = "; replaced " + ", ".join(f"load {i} ({Path(p).name})" for i, p in previous)
    elif earlier:
        note = (f"; added to source '{source_name}' beside load(s) {', '.join(str(i) for i, _ in earlier)} "
                "(pass --replace to replace them instead)")
    else:
        note = ""
    return IngestResult(str(path), None, "replaced" if previous else "loaded", load_id,
                        {"report_rows": table.num_rows}, len(bad), seconds=seconds,
                        message=f"{path.name}: {table.num_rows:,} rows ({n_reports:,} reports) loaded as source "
                                f"'{source_name}'{note}")


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
    names = [c.strip().lower() for c in table.column_names]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputRefused(f"{path}: the header names {', '.join(repr(n) for n in twice)} more than once; "
                           "give each column one name.")
    table = table.rename_columns(names)
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


def _sha256_and_encoding(path: Path) -> tuple[str, str | None]:
    """The file's SHA-256 and, if it is not UTF-8, where: one pass in blocks, never the whole file in memory."""
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, problem = 1, None
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            if problem is None:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    data = exc.object          # this block, after any bytes held over from the last one
                    bad_line = line + data[: exc.start].count(b"\n")
                    problem = f"line {bad_line} is not UTF-8 (byte 0x{data[exc.start]:02x})"
                line += block.count(b"\n")
    if problem is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problem = f"line {line} ends in an incomplete UTF-8 character"
    return h.hexdigest(), problem


def _check_rows(table: pa.Table, path: Path) -> tuple[pa.Table, list[BadRow]]:
    trimmed = {c: pc.utf8_trim_whitespace(table[c]) for c in REQUIRED}
    bad_mask = pa.array([False] * table.num_rows, pa.bool_())
    reasons: dict[int, tuple[str, str]] = {}       # line -> (reason, check name); the first problem found wins
    for c in REQUIRED:
        empty = pc.fill_null(pc.equal(trimmed[c], ""), True)
        for ln in table["line_no"].filter(empty).to_pylist():
            reasons.setdefault(ln, (f"{c} is empty", "csv.required_value"))
        bad_mask = pc.or_(bad_mask, empty)
    for c, limit in MAX_LENGTH.items():
        values = table[c]
        too_long = pc.fill_null(pc.greater(pc.utf8_length(values), limit), False)
        has_nul = pc.fill_null(pc.match_substring(values, "\x00"), False)
        for ln, n in zip(table["line_no"].filter(too_long).to_pylist(),
                         pc.utf8_length(values.filter(too_long)).to_pylist(), strict=True):
            reasons.setdefault(ln, (f"{c} is {n:,} characters long (limit {limit:,})", "csv.value_length"))
        for ln in table["line_no"].filter(has_nul).to_pylist():
            reasons.setdefault(ln, (f"{c} holds a NUL byte", "csv.nul_byte"))
        bad_mask = pc.or_(bad_mask, pc.or_(too_long, has_nul))
    role = pc.utf8_upper(pc.utf8_trim_whitespace(table["role"]))
    given = pc.fill_null(pc.not_equal(role, ""), False)          # empty or missing role -> PS, later
    bad_role = pc.and_(given, pc.invert(pc.is_in(role, pa.array(ROLES))))
    for ln, value in zip(table["line_no"].filter(bad_role).to_pylist(), table["role"].filter(bad_role).to_pylist(), strict=True):
        reasons.setdefault(ln, (f"role {value!r} is not one of PS, SS, C, I", "csv.role_code"))
    bad_mask = pc.or_(bad_mask, bad_role)
    if not reasons:
        return table, []
    keys = ["report_id", "drug", "event", "role"]
    bad_tbl = table.filter(bad_mask)
    raw = {ln: ",".join("" if v is None else str(v)[:200].replace("\x00", "\\0") for v in vals)
           for ln, *vals in zip(bad_tbl["line_no"].to_pylist(), *(bad_tbl[k].to_pylist() for k in keys), strict=True)}
    rows = [BadRow(ln, raw[ln], reason, check) for ln, (reason, check) in sorted(reasons.items())]
    return table.filter(pc.invert(bad_mask)), rows

