"""Load FDA FAERS / legacy AERS quarterly files into the raw tables, one quarter per transaction.

Per quarter: every file is read and parsed first (nothing written yet), then one transaction replaces any
earlier load of that quarter, appends the rows with their lineage, the bad rows to ``quarantine``, and a row to
``ingest_log``. A failure or Ctrl-C anywhere rolls the transaction back, so the database is exactly as it was
before that quarter. A file already loaded (same SHA-256) is skipped and said to be so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pv import db
from pv.errors import InputRefused, PvError
from pv.ingest.dollar import BadRow, decode_lines, parse_dollar_file
from pv.ingest.layout import EXPECTED, KINDS, NOT_IN_AERS, RAW_TABLE, era_of
from pv.ingest.sources import QuarterSource, discover

LINEAGE = ("load_id", "quarter", "source_file", "source_sha256")
Progress = Callable[[str], None]

# The quarter cannot be used without these; the others are loaded when present.
REQUIRED_KINDS = ("demo", "drug", "reac")


@dataclass
class IngestResult:
    source: str
    quarter: str | None
    status: str                      # loaded | replaced | skipped
    load_id: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    n_quarantined: int = 0
    n_rejoined: int = 0
    n_latin1_lines: int = 0
    seconds: float = 0.0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    is_synthetic: bool = False


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    db.execute(con, "raw/schema")
    db.execute(con, "raw/icsr_schema")
    db.execute(con, "standardized/macros")   # the validation batches use the date macros


def require_current_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Read-only commands cannot bring an older database's tables up to this version; say how to."""
    if db.table_exists(con, "ingest_log") and "n_reports" not in db.table_columns(con, "ingest_log"):
        raise PvError("This database was written by an earlier version of pv; run `pv standardize` once (it brings "
                      "the tables up to this version), then try again.")


def n_loads_in_force(con: duckdb.DuckDBPyConnection, *, synthetic: bool) -> int:
    """Loads in force that are synthetic demonstration data (``synthetic=True``) or real reports."""
    return db.one(con, "select count(*) from ingest_log where status = 'loaded' and "
                       "coalesce(is_synthetic, false) = $s", {"s": synthetic})[0]


def ingest_path(con: duckdb.DuckDBPyConnection, path: str | Path, progress: Progress | None = None, *,
                validate: bool = True, max_bad_rate: float = 0.05, mix_synthetic: bool = False) -> list[IngestResult]:
    """Ingest every quarter found in ``path`` (zip, quarter folder, or folder of zips)."""
    return list(ingest_quarters(con, discover(Path(path)), progress, validate=validate, max_bad_rate=max_bad_rate,
                                mix_synthetic=mix_synthetic))


def ingest_quarters(con: duckdb.DuckDBPyConnection, sources: list[QuarterSource], progress: Progress | None = None,
                    **options) -> Iterator[IngestResult]:
    """Ingest ``sources`` in order, one transaction each (see :func:`ingest_quarter`, which takes ``options``),
    yielding each result as its quarter commits. The next quarter's files are read and parsed on a worker thread
    while the current one is written and validated: DuckDB's writing and Great Expectations leave a core idle part
    of the time. A quarter already loaded is not read ahead; an error in a file read ahead is raised when its
    quarter's turn comes, after the quarters before it have committed."""
    ensure_schema(con)
    columns = raw_columns(con)
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pv-read-ahead")
    try:
        ahead: Future | None = None
        for i, source in enumerate(sources):
            parsed, ahead = ahead, None
            following = sources[i + 1] if i + 1 < len(sources) else None
            if following is not None and _worth_reading(con, following):
                ahead = reader.submit(parse_quarter, following, columns)
            yield ingest_quarter(con, source, progress, parsed=parsed, **options)
    finally:
        reader.shutdown(wait=False, cancel_futures=True)


def _worth_reading(con: duckdb.DuckDBPyConnection, source: QuarterSource) -> bool:
    """Whether reading ``source`` ahead can be of use: it has the files a quarter needs and is not loaded yet."""
    return all(k in source.members for k in REQUIRED_KINDS) and _load_of(con, source.sha256) is None


def _load_of(con: duckdb.DuckDBPyConnection, sha: str) -> int | None:
    """The load in force of the file (or folder) with this SHA-256, if it is loaded."""
    row = db.one(con, "select load_id from ingest_log where source_sha256 = $sha and status = 'loaded'", {"sha": sha})
    return row[0] if row else None


def raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The delivered columns of each kind's raw table (the parser maps a file's header onto them)."""
    return {kind: [c for c in db.table_columns(con, RAW_TABLE[kind]) if c not in LINEAGE and c != "line_no"]
            for kind in KINDS}


@dataclass
class ParsedQuarter:
    """A quarter's files read and parsed, nothing written yet."""

    tables: dict[str, pa.Table]                    # kind -> rows
    bad: list[tuple[str, str, BadRow]]             # (raw table, file, row) that could not be parsed
    deleted: pa.Table | None                       # FDA's deleted-case list, if the quarter has one
    n_rejoined: int = 0
    n_latin1: int = 0
    warnings: list[str] = field(default_factory=list)


def parse_quarter(source: QuarterSource, columns: dict[str, list[str]],
                  say: Progress | None = None) -> ParsedQuarter:
    """Read and parse every file of ``source``; touches no database (it runs on the read-ahead thread)."""
    out = ParsedQuarter({}, [], None)
    for kind in KINDS:
        if kind not in source.members:
            continue
        if say:
            say(f"{source.quarter}: parsing {source.label(kind)}")
        result = parse_dollar_file(source.read(kind), kind, source.label(kind), columns[kind])
        out.tables[kind] = result.table
        out.warnings.extend(_missing_columns(result.mapped, kind, source))
        out.bad.extend((RAW_TABLE[kind], source.label(kind), row) for row in result.bad_rows)
        out.n_rejoined += result.n_rejoined
        out.n_latin1 += result.n_latin1_lines
    if "delete" in source.members:
        out.deleted, deleted_bad = parse_deleted(source.read("delete"))
        out.bad.extend(("raw_deleted_case", source.label("delete"), row) for row in deleted_bad)
    return out


def check_synthetic_mix(con: duckdb.DuckDBPyConnection, label: str, is_synthetic: bool, mix_synthetic: bool) -> None:
    """Refuse to put synthetic demonstration data (written by ``pv synth``) into a database of real reports, or
    real reports into a demonstration database, unless asked (``--mix-synthetic``): every count would blend them."""
    if mix_synthetic:
        return
    other = n_loads_in_force(con, synthetic=not is_synthetic)
    if not other:
        return
    if is_synthetic:
        raise InputRefused(f"{label} is synthetic demonstration data (written by `pv synth`), and this database holds "
                           f"{other} load(s) of real reports. Use another --db for the demo, or pass --mix-synthetic "
                           "if you mean to mix them.")
    raise InputRefused(f"{label} holds real reports, and this database holds {other} load(s) of synthetic "
                       "demonstration data (`pv synth`). Use a new --db for real data (or `pv unload` the demo "
                       "loads), or pass --mix-synthetic if you mean to mix them.")


def ingest_quarter(con: duckdb.DuckDBPyConnection, source: QuarterSource, progress: Progress | None = None, *,
                   validate: bool = True, max_bad_rate: float = 0.05, mix_synthetic: bool = False,
                   parsed: Future | None = None) -> IngestResult:
    """Load one quarter in one transaction. With ``validate`` (the default) the load is checked against the
    raw suites in ``expectations/`` before it commits: rows breaking a critical expectation are quarantined, and
    a load whose share of bad rows (parse errors + critical failures) passes ``max_bad_rate`` is refused whole.
    ``parsed``: the quarter's files already being read (:func:`parse_quarter` on a worker thread), if they are."""
    say = progress or (lambda _msg: None)
    started, t0 = datetime.now(), time.perf_counter()
    sha = source.sha256
    same = _load_of(con, sha)
    if same is not None:
        return IngestResult(str(source.path), source.quarter, "skipped", same,
                            message=f"{source.path.name} ({source.quarter}) is already loaded (load {same}); nothing to do.")
    missing = [k for k in REQUIRED_KINDS if k not in source.members]
    if missing:
        raise InputRefused(
            f"{source.path}: {source.quarter} has no {', '.join(k.upper() for k in missing)} file; "
            "a quarter needs at least DEMO, DRUG and REAC. Is the download complete?"
        )
    check_synthetic_mix(con, f"{source.path} ({source.quarter})", source.is_synthetic, mix_synthetic)
    if validate:
        from pv import validate as pv_validate  # pandas and GX: only a load that validates pays their import

        pv_validate.start_loading()   # overlaps the import of Great Expectations with parsing

    if parsed is not None:
        say(f"{source.quarter}: parsing its files (read ahead)")
        quarter = parsed.result()
    else:
        quarter = parse_quarter(source, raw_columns(con), say)
    bad, warnings = quarter.bad, quarter.warnings

    previous = con.execute(
        "select load_id from ingest_log where quarter = $q and status = 'loaded'", {"q": source.quarter}
    ).fetchall()
    say(f"{source.quarter}: writing to the database")
    con.begin()
    try:
        load_id = db.one(con, "select nextval('load_id_seq')")[0]
        if previous:   # a re-issued quarter: its earlier rows go in the same transaction
            for raw_table in (*RAW_TABLE.values(), "raw_deleted_case"):
                db.execute(con, "raw/delete_quarter", {"quarter": source.quarter}, {"raw_table": raw_table})
            con.execute("delete from quarantine where quarter = $q", {"q": source.quarter}).fetchall()
        rows: dict[str, int] = {}
        n_validation_bad = 0
        with _validator(load_id) if validate else nullcontext() as validator:
            for kind, table in quarter.tables.items():
                _append(con, RAW_TABLE[kind], table, load_id, source.quarter, source.label(kind), sha)
                rows[kind] = table.num_rows
                if validator:   # its suite runs on a worker thread while the next table is written
                    validator.add(con, RAW_TABLE[kind])
            if quarter.deleted is not None:
                _append(con, "raw_deleted_case", quarter.deleted, load_id, source.quarter, source.label("delete"), sha)
                rows["deleted"] = quarter.deleted.num_rows
            _quarantine(con, bad, load_id, source.quarter)
            if validator:
                say(f"{source.quarter}: validating")
                n_validation_bad = _validate(con, validator, load_id, source, bad, max_bad_rate)
        seconds = time.perf_counter() - t0
        status = "replaced" if previous else "loaded"
        message = (f"{source.quarter} re-issued: replaced load(s) {', '.join(str(p[0]) for p in previous)}"
                   if previous else f"{source.quarter} loaded")
        con.execute(
            """
            insert into ingest_log (load_id, source_path, source_sha256, format, quarter, status,
                n_demo, n_drug, n_reac, n_outc, n_ther, n_indi, n_rpsr, n_deleted, n_reports,
                n_quarantined, n_rejoined, n_latin1_lines, seconds, started_at, finished_at, message,
                is_synthetic, warnings)
            values ($load_id, $path, $sha, $format, $quarter, 'loaded', $n_demo, $n_drug, $n_reac, $n_outc,
                $n_ther, $n_indi, $n_rpsr, $n_deleted, $n_demo, $n_bad, $n_rejoined, $n_latin1, $seconds, $started,
                current_localtimestamp(), $message, $synthetic, $warnings)
            """,
            {"load_id": load_id, "path": str(source.path), "sha": sha, "format": era_of(source.quarter),
             "quarter": source.quarter, **{f"n_{k}": rows.get(k) for k in (*KINDS, "deleted")},
             "n_bad": len(bad) + n_validation_bad, "n_rejoined": quarter.n_rejoined, "n_latin1": quarter.n_latin1,
             "seconds": seconds, "started": started, "message": message, "synthetic": source.is_synthetic,
             "warnings": json.dumps(warnings) if warnings else None},
        )
        for (old,) in previous:
            con.execute("update ingest_log set status = 'superseded', superseded_by = $new where load_id = $old",
                        {"new": load_id, "old": old})
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return IngestResult(str(source.path), source.quarter, status, load_id, rows, len(bad) + n_validation_bad,
                        quarter.n_rejoined, quarter.n_latin1, seconds, message, warnings, source.is_synthetic)


def _missing_columns(mapped: list[str], kind: str, source: QuarterSource) -> list[str]:
    """A sentence per expected column the file does not deliver (see ``layout.EXPECTED``)."""
    aers = era_of(source.quarter) == "aers_ascii"
    missing = [c for c in EXPECTED[kind] if c not in mapped and not (aers and c in NOT_IN_AERS)]
    return [f"{source.label(kind)} has no {c} column: every {kind.upper()} row of {source.quarter} has {c} unknown."
            for c in missing]


def _validator(load_id: int):
    from pv import validate as pv_validate

    return pv_validate.LoadValidator(load_id)


def _validate(con, validator, load_id: int, source: QuarterSource, parse_bad: list, max_bad_rate: float) -> int:
    """Finish validating the load inside its transaction; quarantine critical failures or refuse the load.
    Returns the number of rows quarantined by validation."""
    from pv import validate as pv_validate

    result = validator.result()
    total = result.n_rows + len(parse_bad)
    rate = (result.n_critical_rows + len(parse_bad)) / total if total else 0.0
    if rate > max_bad_rate:
        reasons: dict[str, int] = {}
        for _table, label, row in parse_bad:
            key = f"{label}: {row.check_name}"
            reasons[key] = reasons.get(key, 0) + 1
        parse_note = "; ".join(f"{k} on {n:,} line(s)" for k, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
        worst = "; ".join(x for x in (pv_validate.worst(result.outcomes), parse_note) if x)
        raise InputRefused(
            f"{source.path}: {source.quarter} refused: {rate:.1%} of its rows break critical checks (limit "
            f"{max_bad_rate:.0%}). Worst: {worst}. Nothing was loaded; check the file, or raise the limit with "
            "--max-bad-rate if the data are known to be so."
        )
    pv_validate.hold(con, load_id, source.quarter, result.quarantine)
    run_id = db.one(con, "select nextval('validation_run_id_seq')")[0]
    pv_validate.record(con, run_id, load_id, source.quarter, result.outcomes)
    return result.n_critical_rows


def _append(con, raw_table: str, table: pa.Table, load_id: int, quarter: str | None, source_file: str, sha: str) -> None:
    con.register("incoming_rows", table)
    try:
        db.execute(con, "raw/insert_rows",
                   {"load_id": load_id, "quarter": quarter, "source_file": source_file, "source_sha256": sha},
                   {"raw_table": raw_table})
    finally:
        con.unregister("incoming_rows")


def _quarantine(con, bad: list[tuple[str, str, BadRow]], load_id: int, quarter: str | None) -> None:
    if not bad:
        return
    table = pa.table({
        "table_name": [b[0] for b in bad],
        "source_file": [b[1] for b in bad],
        "line_no": pa.array([b[2].line_no for b in bad], pa.int64()),
        "raw_text": [b[2].raw_text for b in bad],
        "reason": [b[2].reason for b in bad],
        "check_name": [b[2].check_name for b in bad],
    })
    con.register("incoming_bad_rows", table)
    try:
        db.execute(con, "raw/insert_quarantine", {"load_id": load_id, "quarter": quarter})
    finally:
        con.unregister("incoming_bad_rows")


def parse_deleted(data: bytes) -> tuple[pa.Table, list[BadRow]]:
    """FDA's deleted-case list: one caseid a line (a header line, if any, is skipped)."""
    lines, _ = decode_lines(data)
    caseids, line_nos, bad = [], [], []
    for i, line in enumerate(lines, start=1):
        value = line.strip().strip("$").strip()
        if not value:
            continue
        if value.isdigit():
            caseids.append(value)
            line_nos.append(i)
        elif i == 1 and value.lower().startswith("caseid"):
            continue
        else:
            bad.append(BadRow(i, line, "a deleted-case line must hold one caseid (a whole number)", "parse.key_not_numeric"))
    return pa.table({"caseid": pa.array(caseids, pa.string()), "line_no": pa.array(line_nos, pa.int64())}), bad
