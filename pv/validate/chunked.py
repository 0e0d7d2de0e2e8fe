"""Validate an openFDA/E2B load a range of its reports at a time, so memory follows the range, not the file.

A 1 GB openFDA partition holds about a million reports and three million drug rows: one pandas batch of it would
take more memory than the whole ingest is allowed. The suites run on :data:`CHUNK_REPORTS` reports at a time and
the outcomes of the chunks are added up into one per expectation, as if the load had been one batch.
"""

from __future__ import annotations

import duckdb

from pv import db
from pv.validate import ICSR_SUITES, SAMPLE_VALUES, LoadValidation, Outcome, validate_load

CHUNK_REPORTS = 100_000


def validate_icsr_load(con: duckdb.DuckDBPyConnection, load_id: int, chunk: int = CHUNK_REPORTS) -> LoadValidation:
    last = db.one(con, "select coalesce(max(record_no), 0) from raw_icsr_report where load_id = $id", {"id": load_id})[0]
    parts = [validate_load(con, load_id, list(ICSR_SUITES),
                           {"load_id": load_id, "first_record": first, "last_record": first + chunk - 1})
             for first in range(1, last + 1, chunk)]
    return LoadValidation(merge_outcomes([p.outcomes for p in parts]), [q for p in parts for q in p.quarantine],
                          sum(p.n_rows for p in parts), sum(p.n_critical_rows for p in parts))


def merge_outcomes(chunks: list[list[Outcome]]) -> list[Outcome]:
    """One outcome per (suite, expectation) from the chunks' outcomes: counts added, success only if every chunk
    passed, the first chunks' sample values, the first failing chunk's GX result (else the first chunk's)."""
    merged: dict[tuple[str, str], Outcome] = {}
    for outcomes in chunks:
        for o in outcomes:
            key = (o.suite, o.expectation)
            m = merged.get(key)
            if m is None:
                merged[key] = Outcome(o.suite, o.expectation, o.severity, o.rationale, o.success, o.element_count,
                                      o.unexpected_count, 0.0, list(o.sample_values), list(o.failed_lines),
                                      list(o.failed_values), o.result_json)
                continue
            if m.success and not o.success:
                m.result_json = o.result_json
            m.success = m.success and o.success
            m.element_count += o.element_count
            m.unexpected_count += o.unexpected_count
            m.sample_values = (m.sample_values + o.sample_values)[:SAMPLE_VALUES]
            m.failed_lines += o.failed_lines
            m.failed_values += o.failed_values
    for m in merged.values():
        m.unexpected_percent = 100.0 * m.unexpected_count / m.element_count if m.element_count else 0.0
    return list(merged.values())
