"""Load individual case safety reports (openFDA JSON, E2B(R3) and E2B(R2) XML) into the ``raw_icsr_*`` tables.

One file is one load, in one transaction: the file is read as a stream of reports (:mod:`pv.ingest.openfda`,
:mod:`pv.ingest.e2b`), the reports are appended in batches, validated against ``expectations/raw_icsr_*.json``,
and logged in ``ingest_log``; a failure anywhere (a malformed record, a refused entity, a truncated zip, Ctrl-C)
rolls the whole file back, so the database is as it was. A file already loaded (same SHA-256) is skipped.

A report without an id is refused with the file and line: a report that cannot be told apart from another
cannot be counted once. Values stay text as delivered; the standardized layer decodes them.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pv import db
from pv.errors import InputRefused
from pv.ingest.faers import IngestResult, check_synthetic_mix, ensure_schema
from pv.ingest.layout import detect_format
from pv.ingest.sources import check_archive, file_sha256

Progress = Callable[[str], None]

REPORT_COLUMNS = (
    "format", "report_id", "case_key", "report_version", "first_received", "most_recent", "created", "report_type",
    "serious", "seriousness_death", "seriousness_life_threatening", "seriousness_hospitalization",
    "seriousness_disabling", "seriousness_congenital_anomaly", "seriousness_other", "reporter_qualification",
    "reporter_country", "occur_country", "sender_organization", "company_number", "age", "age_unit", "sex",
    "weight", "duplicate", "duplicate_numbers", "narrative", "extra_fields")
DRUG_COLUMNS = (
    "drug_seq", "characterization", "medicinal_product", "active_substances", "openfda_generic_name",
    "openfda_substance_name", "openfda_rxcui", "openfda_unii", "indication", "start_date", "end_date", "route",
    "dose_text", "action_taken", "extra_fields")
REACTION_COLUMNS = ("reaction_seq", "term", "meddra_version", "reported_term", "outcome", "onset_date", "extra_fields")
LAB_COLUMNS = ("lab_seq", "test_name", "test_code", "meddra_version", "test_date", "value", "value_qualifier", "unit",
               "normal_low", "normal_high", "result_code", "result_text", "comments", "extra_fields")
TABLES = {"raw_icsr_report": REPORT_COLUMNS, "raw_icsr_drug": DRUG_COLUMNS, "raw_icsr_reaction": REACTION_COLUMNS,
          "raw_icsr_lab": LAB_COLUMNS}
CHILDREN = {"drugs": "raw_icsr_drug", "reactions": "raw_icsr_reaction", "labs": "raw_icsr_lab"}
SEQ = {"raw_icsr_drug": "drug_seq", "raw_icsr_reaction": "reaction_seq", "raw_icsr_lab": "lab_seq"}
INT_COLUMNS = {"drug_seq", "reaction_seq", "lab_seq", "record_no", "line_no"}
BATCH_REPORTS = 20_000      # reports held in memory before they are appended (bounded memory on any file size)


@dataclass
class Report:
    """One report as read: its fields (column -> text) and its drugs, reactions and labs (lists of such dicts)."""

    fields: dict[str, str | None]
    line_no: int
    drugs: list[dict] = field(default_factory=list)
    reactions: list[dict] = field(default_factory=list)
    labs: list[dict] = field(default_factory=list)


@dataclass
class ArrowBatch:
    """A batch of reports as Arrow tables, one per raw table, ready to append."""

    tables: dict[str, pa.Table]
    n_reports: int
    formats: set[str]


class _Batch:
    """Column lists per raw table, filled report by report, then made Arrow."""

    def __init__(self) -> None:
        self.columns = {t: {c: [] for c in (*cols, "record_no", "line_no")} for t, cols in TABLES.items()}
        self.n_reports = 0
        self.formats: set[str] = set()

    def add(self, report: Report, record_no: int) -> None:
        self.formats.add(report.fields["format"])
        self._row("raw_icsr_report", report.fields, record_no, report.line_no)
        for key, table in CHILDREN.items():
            for seq, item in enumerate(getattr(report, key), start=1):
                self._row(table, {**item, SEQ[table]: seq}, record_no, report.line_no)
        self.n_reports += 1

    def _row(self, table: str, values: dict, record_no: int, line_no: int) -> None:
        cols = self.columns[table]
        for c in TABLES[table]:
            cols[c].append(values.get(c))
        cols["record_no"].append(record_no)
        cols["line_no"].append(line_no)

    def arrow(self) -> ArrowBatch:
        tables = {t: pa.table({c: pa.array(v, pa.int64() if c in INT_COLUMNS else pa.string()) for c, v in cols.items()})
                  for t, cols in self.columns.items()}
        return ArrowBatch(tables, self.n_reports, self.formats)


def parse_batches(path: Path, fmt: str) -> Iterator[ArrowBatch]:
    """The file's reports in batches of :data:`BATCH_REPORTS`, numbered in file order (``record_no``)."""
    batch = _Batch()
    for record_no, report in enumerate(read_reports(path, fmt), start=1):
        batch.add(report, record_no)
        if batch.n_reports >= BATCH_REPORTS:
            yield batch.arrow()
            batch = _Batch()
    if batch.n_reports:
        yield batch.arrow()


def discover_files(path: Path) -> list[tuple[Path, str]]:
    """The openFDA and E2B files in ``path`` (a file, or a folder searched below), with their format."""
    path = Path(path)
    if not path.exists():
        raise InputRefused(f"{path}: no such file or folder.")
    if path.is_file():
        fmt = detect_format(path)
        if fmt is None:
            raise InputRefused(f"{path}: not an openFDA (.json, .json.zip) or E2B (.xml, .sgm) file.")
        return [(path, fmt)]
    found = [(p, fmt) for p in sorted(path.rglob("*")) if p.is_file() and (fmt := detect_format(p))]
    if not found:
        raise InputRefused(f"{path}: holds no openFDA (.json, .json.zip) or E2B (.xml, .sgm) file.")
    return found


def open_stream(path: Path):
    """The file's bytes as a stream; a ``.zip`` must hold exactly one member, read without extracting it."""
    if not path.name.lower().endswith(".zip"):
        return open(path, "rb")
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputRefused(f"{path}: not a readable zip ({exc}); it is corrupt or truncated. Download it again.") from exc
    check_archive(path, infos)
    members = [i for i in infos if not i.is_dir()]
    if len(members) != 1:
        raise InputRefused(f"{path}: an openFDA/E2B zip holds one file; this one holds {len(members)}.")
    return zf.open(members[0])


def read_reports(path: Path, fmt: str) -> Iterator[Report]:
    if fmt == "openfda":
        from pv.ingest.openfda import read_openfda
        return read_openfda(path)
    from pv.ingest.e2b import read_e2b
    return read_e2b(path)


def ingest_icsr_file(con: duckdb.DuckDBPyConnection, path: str | Path, fmt: str | None = None,
                     progress: Progress | None = None, *, validate: bool = True, max_bad_rate: float = 0.05,
                     mix_synthetic: bool = False, is_synthetic: bool | None = None,
                     batches: Iterable[ArrowBatch] | None = None, sha: str | None = None) -> IngestResult:
    """Load one openFDA or E2B file in one transaction (see the module's description). ``batches``: the file
    already parsed (by :func:`pv.ingest.icsr_parallel.ingest_icsr_files`' workers); default: parse it here."""
    ensure_schema(con)
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in {"openfda", "e2b"}:
        raise InputRefused(f"{path}: cannot tell whether this is openFDA JSON or E2B XML; name it *.json or *.xml.")
    say = progress or (lambda _msg: None)
    started, t0 = datetime.now(), time.perf_counter()
    sha = sha or file_sha256(path)
    same = db.one(con, "select load_id from ingest_log where source_sha256 = $sha and status = 'loaded'", {"sha": sha})
    if same:
        return IngestResult(str(path), None, "skipped", same[0],
                            message=f"{path.name} is already loaded (load {same[0]}); nothing to do.")
    synthetic = _is_synthetic(path) if is_synthetic is None else is_synthetic
    check_synthetic_mix(con, str(path), synthetic, mix_synthetic)
    if validate:
        from pv import validate as pv_validate

        pv_validate.start_loading()   # overlaps the import of Great Expectations with parsing
    counts = dict.fromkeys(TABLES, 0)
    formats: set[str] = set()
    n_reports = 0
    con.begin()
    try:
        load_id = db.one(con, "select nextval('load_id_seq')")[0]
        for batch in parse_batches(path, fmt) if batches is None else batches:
            formats |= batch.formats
            n_reports += _flush(con, batch, counts, load_id, path, sha)
            say(f"{path.name}: {n_reports:,} reports read")
        if not n_reports:
            raise InputRefused(f"{path}: holds no report; nothing was loaded.")
        n_bad = 0
        if validate:
            say(f"{path.name}: validating")
            n_bad = _validate(con, load_id, path, max_bad_rate)
        seconds = time.perf_counter() - t0
        fmt_name = formats.pop() if len(formats) == 1 else fmt
        con.execute(
            """insert into ingest_log (load_id, source_path, source_sha256, format, quarter, status, n_report_rows,
                   n_reports, n_quarantined, seconds, started_at, finished_at, message, source_name, is_synthetic)
               values ($id, $path, $sha, $format, null, 'loaded', $rows, $reports, $bad, $s, $started,
                   current_localtimestamp(), $m, $format, $synthetic)""",
            {"id": load_id, "path": str(path), "sha": sha, "format": fmt_name, "rows": sum(counts.values()),
             "reports": n_reports, "bad": n_bad, "s": seconds, "started": started, "synthetic": synthetic,
             "m": _summary(counts)}).fetchall()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    warnings = []
    if fmt_name == "e2b_r3" and not _meddra_loaded(con):
        warnings.append("E2B(R3) reactions are MedDRA LLT codes and no MedDRA release is loaded, so they are "
                        "counted under their codes, unmapped. Load your MedDRA (`pv meddra load DIR`) and run "
                        "`pv standardize` to count them as PTs.")
    return IngestResult(str(path), None, "loaded", load_id, {t.removeprefix("raw_icsr_"): n for t, n in counts.items()},
                        n_bad, seconds=seconds, is_synthetic=synthetic, warnings=warnings,
                        message=f"{path.name} ({fmt_name}): {n_reports:,} reports, {_summary(counts)}")


def _meddra_loaded(con) -> bool:
    from pv import meddra

    meddra.ensure_schema(con)
    return bool(meddra.releases(con))


def _summary(counts: dict[str, int]) -> str:
    return (f"{counts['raw_icsr_drug']:,} drugs, {counts['raw_icsr_reaction']:,} reactions, "
            f"{counts['raw_icsr_lab']:,} lab results")


def _is_synthetic(path: Path) -> bool:
    """pv synth marks its openFDA/E2B files with a PV_SYNTHETIC.txt beside them."""
    return (path.parent / "PV_SYNTHETIC.txt").exists()


def _flush(con, batch: ArrowBatch, counts: dict, load_id: int, path: Path, sha: str) -> int:
    for table, rows in batch.tables.items():
        if not rows.num_rows:
            continue
        con.register("incoming_rows", rows)
        try:
            db.execute(con, "raw/insert_icsr_rows", {"load_id": load_id, "source_file": str(path),
                                                     "source_sha256": sha}, {"raw_table": table})
        finally:
            con.unregister("incoming_rows")
        counts[table] += rows.num_rows
    return batch.n_reports


def _validate(con, load_id: int, path: Path, max_bad_rate: float) -> int:
    """The raw ICSR suites on the load; critical failures are quarantined per report (with its drugs, reactions
    and labs), and a file whose share of failing reports passes ``max_bad_rate`` is refused whole."""
    from pv import validate as pv_validate
    from pv.validate.chunked import validate_icsr_load

    result = validate_icsr_load(con, load_id)
    n_reports = db.one(con, "select count(*) from raw_icsr_report where load_id = $id", {"id": load_id})[0]
    bad_reports = {row["line_no"] for row in result.quarantine}
    rate = len(bad_reports) / n_reports if n_reports else 0.0
    if rate > max_bad_rate:
        raise InputRefused(f"{path}: refused: {rate:.1%} of its reports break critical checks (limit "
                           f"{max_bad_rate:.0%}). Worst: {pv_validate.worst(result.outcomes)}. Nothing was loaded.")
    pv_validate.hold(con, load_id, None, result.quarantine)
    run_id = db.one(con, "select nextval('validation_run_id_seq')")[0]
    pv_validate.record(con, run_id, load_id, None, result.outcomes)
    return len(bad_reports)


def extra_json(values: dict) -> str | None:
    """What a report or item carries beyond the mapped columns, as compact JSON (None when nothing)."""
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False) if values else None
