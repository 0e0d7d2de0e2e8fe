"""Ingest several openFDA / E2B files with their parsing spread over the machine's cores.

Reading JSON or XML is the costly part of an openFDA or E2B load, and it needs no database: worker processes parse
the next files while this process appends the current one. A worker writes each batch of reports as Arrow IPC files
into a spool folder (so memory holds a batch per worker, whatever the file's size) and returns their paths; the
files are then loaded in their order, each in its own transaction, exactly as :func:`ingest_icsr_file` loads a file
it parses itself. A file already loaded is recognised by its SHA-256 before any worker parses it. A refused file
stops the run at that file (the files before it are loaded; nothing of it is), as one by one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import duckdb
import pyarrow as pa

from pv.ingest.faers import IngestResult, ensure_schema
from pv.ingest.icsr import ArrowBatch, Progress, ingest_icsr_file, parse_batches
from pv.ingest.sources import file_sha256

SpooledBatch = tuple[dict[str, str], int, list[str]]     # table -> IPC file, reports, formats


def spool_file(path: str, fmt: str, spool: str) -> list[SpooledBatch]:
    """(In a worker.) Parse ``path`` and write each batch's tables as Arrow IPC files under ``spool``."""
    out: list[SpooledBatch] = []
    Path(spool).mkdir(parents=True, exist_ok=True)
    for i, batch in enumerate(parse_batches(Path(path), fmt)):
        files = {}
        for table, rows in batch.tables.items():
            target = os.path.join(spool, f"{i:06d}-{table}.arrow")
            with pa.OSFile(target, "wb") as sink, pa.ipc.new_file(sink, rows.schema) as writer:
                writer.write_table(rows)
            files[table] = target
        out.append((files, batch.n_reports, sorted(batch.formats)))
    return out


def _read_spool(spooled: list[SpooledBatch]) -> Iterator[ArrowBatch]:
    for files, n_reports, formats in spooled:
        tables = {}
        for table, target in files.items():
            with pa.memory_map(target) as source:
                tables[table] = pa.ipc.open_file(source).read_all()
            os.remove(target)
        yield ArrowBatch(tables, n_reports, set(formats))


def ingest_icsr_files(con: duckdb.DuckDBPyConnection, files: list[tuple[Path, str]], progress: Progress | None = None,
                      *, workers: int | None = None, validate: bool = True, max_bad_rate: float = 0.05,
                      mix_synthetic: bool = False) -> list[IngestResult]:
    """Load ``files`` ((path, format) pairs) in order, one load each, parsing ahead in ``workers`` processes
    (default: the machine's cores, at most 2 files ahead). One file, or one core, is loaded in this process."""
    say = progress or (lambda _msg: None)
    workers = workers or min(2, os.cpu_count() or 1)
    options = {"validate": validate, "max_bad_rate": max_bad_rate, "mix_synthetic": mix_synthetic}
    if len(files) < 2 or workers < 2:
        return [ingest_icsr_file(con, path, fmt, say, **options) for path, fmt in files]
    ensure_schema(con)
    shas = [file_sha256(Path(path)) for path, _ in files]
    loaded = {row[0] for row in con.execute("select source_sha256 from ingest_log where status = 'loaded'").fetchall()}
    spool_root = Path(tempfile.mkdtemp(prefix="pv-icsr-spool-"))
    results: list[IngestResult] = []
    pending: dict[int, Future] = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))

    def submit(i: int) -> None:
        if i < len(files) and shas[i] not in loaded:
            pending[i] = pool.submit(spool_file, str(files[i][0]), files[i][1], str(spool_root / str(i)))

    try:
        for i in range(workers):
            submit(i)
        for i, (path, fmt) in enumerate(files):
            say(f"{Path(path).name} ({i + 1} of {len(files)}): parsing")
            spooled = pending.pop(i).result() if i in pending else None
            submit(i + workers)
            batches = _read_spool(spooled) if spooled is not None else None
            results.append(ingest_icsr_file(con, path, fmt, say, batches=batches, sha=shas[i], **options))
            shutil.rmtree(spool_root / str(i), ignore_errors=True)
            if results[-1].status == "loaded":
                loaded.add(shas[i])
    except BaseException:
        # a refused file or Ctrl-C: stop the workers now rather than let them finish parsing files not to be loaded
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(spool_root, ignore_errors=True)
    return results

