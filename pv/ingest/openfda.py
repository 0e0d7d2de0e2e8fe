"""Read openFDA drug-event bulk files (``drug-event-0001-of-0029.json(.zip)``) as a stream of reports.

A bulk file is one JSON object, ``{"meta": {...}, "results": [report, report, ...]}``, about 1 GB unzipped: it is
never read whole. The text is decoded in 8 MB blocks and each report of ``results`` is decoded on its own (the C
decoder of :mod:`json`, from where the previous report ended), so memory holds a block and a batch of reports.

Mapping (field names are E2B(R2)'s, which openFDA keeps): the report's ids, dates, seriousness, primary source,
patient, reactions and drugs go to the ``raw_icsr_*`` columns; what no column holds goes to ``extra_fields``.
Of the ``openfda`` block only ``generic_name``, ``substance_name``, ``rxcui`` and ``unii`` are kept: the rest
(NDCs, SPL ids, labeller, classes) is openFDA's annotation from the drug label, not part of the report.
openFDA's ``safetyreportid`` is FAERS's case id, so it is the case key: a database holding FAERS's quarterly
files for the same period sees the same case twice, and the standardized layer keeps FAERS's (see case_report.sql).
"""

from __future__ import annotations

import codecs
import json
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from pv.errors import InputRefused
from pv.ingest.icsr import Report, extra_json, open_stream

BLOCK = 8 * 1024 * 1024
MAX_REPORT_CHARS = 64 * 1024 * 1024     # a report longer than this is a broken file, not a report
_DECODER = json.JSONDecoder()
_WS = " \t\r\n"

REPORT_FIELDS = {
    "safetyreportid": "report_id", "safetyreportversion": "report_version", "receivedate": "first_received",
    "receiptdate": "most_recent", "transmissiondate": "created", "reporttype": "report_type", "serious": "serious",
    "seriousnessdeath": "seriousness_death", "seriousnesslifethreatening": "seriousness_life_threatening",
    "seriousnesshospitalization": "seriousness_hospitalization", "seriousnessdisabling": "seriousness_disabling",
    "seriousnesscongenitalanomali": "seriousness_congenital_anomaly", "seriousnessother": "seriousness_other",
    "occurcountry": "occur_country", "companynumb": "company_number", "duplicate": "duplicate",
}
PATIENT_FIELDS = {"patientonsetage": "age", "patientonsetageunit": "age_unit", "patientsex": "sex",
                  "patientweight": "weight"}
DRUG_FIELDS = {"drugcharacterization": "characterization", "medicinalproduct": "medicinal_product",
               "drugindication": "indication", "drugstartdate": "start_date", "drugenddate": "end_date",
               "drugadministrationroute": "route", "drugdosagetext": "dose_text", "actiondrug": "action_taken"}
OPENFDA_KEPT = {"generic_name": "openfda_generic_name", "substance_name": "openfda_substance_name",
                "rxcui": "openfda_rxcui", "unii": "openfda_unii"}
REACTION_FIELDS = {"reactionmeddrapt": "term", "reactionmeddraversionpt": "meddra_version",
                   "reactionoutcome": "outcome"}
LAB_FIELDS = {"testname": "test_name", "testdate": "test_date", "testresult": "value", "testunit": "unit",
              "lowtestrange": "normal_low", "hightestrange": "normal_high"}


def read_openfda(path: Path) -> Iterator[Report]:
    """Each report of an openFDA bulk file, in order. Refuses (naming the file and line) a file that is not JSON,
    not openFDA's shape, or cut short."""
    with open_stream(path) as stream:
        yield from _reports(_blocks(stream, path), path)


def _blocks(stream, path: Path) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(BLOCK):
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputRefused(f"{path}: is not UTF-8 text ({exc.reason}); openFDA files are UTF-8 JSON.") from exc
    except (EOFError, OSError, zipfile.BadZipFile, zlib.error) as exc:      # zlib/zip errors of a truncated archive surface here
        raise InputRefused(f"{path}: cannot be read to the end ({exc}); the file is truncated or corrupt. "
                           "Download it again.") from exc


class _Cursor:
    """A position in the decoded text, the block it is in, and its line; reads the next block when needed."""

    def __init__(self, blocks: Iterator[str], path: Path) -> None:
        self.blocks, self.path = blocks, path
        self.buf, self.pos, self.line, self.eof = "", 0, 1, False

    def more(self) -> bool:
        if self.eof:
            return False
        try:
            block = next(self.blocks)
        except StopIteration:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + block      # keep what is not consumed yet
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end), counting the lines skipped."""
        while True:
            start = self.pos
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            self.line += self.buf.count("\n", start, self.pos)
            if self.pos < len(self.buf) or not self.more():
                return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise self.refuse(what)
        self.pos += 1

    def value(self):
        """Decode one JSON value here, reading more blocks while it runs past the buffer."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > MAX_REPORT_CHARS or not self.more():
                    raise self.refuse(f"malformed or truncated JSON ({exc.msg})") from exc
                continue
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            return value

    def refuse(self, what: str) -> InputRefused:
        return InputRefused(f"{self.path}, line {self.line}: {what}. Is this an openFDA drug-event file, complete? "
                            "Nothing was loaded.")


def _reports(blocks: Iterator[str], path: Path) -> Iterator[Report]:
    cur = _Cursor(blocks, path)
    cur.expect("{", "not a JSON object (openFDA bulk files start with '{')")
    while True:                        # the keys before "results" (meta is small and decoded whole)
        if cur.peek() != '"':
            raise cur.refuse('no "results" list found')
        key = cur.value()
        cur.expect(":", "malformed JSON (expected ':')")
        if key == "results":
            break
        cur.peek()
        cur.value()
        cur.expect(",", 'no "results" list found')
    cur.expect("[", '"results" is not a list')
    first = True
    while True:
        ch = cur.peek()
        if ch == "]":
            return
        if not first:
            cur.expect(",", "malformed JSON between reports (expected ',' or ']')")
            cur.peek()
        first = False
        line = cur.line
        record = cur.value()
        if not isinstance(record, dict):
            raise cur.refuse("a result is not a JSON object")
        yield map_report(record, line, path)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def map_report(record: dict, line_no: int, path: Path, fmt: str = "openfda", case_key: str | None = None) -> Report:
    """One openFDA record (or an E2B(R2) safetyreport read as the same nested fields) as a :class:`Report`."""
    if "safetyreportid" not in record and "patient" not in record:
        raise InputRefused(f"{path}, line {line_no}: this record has neither safetyreportid nor patient: the file is not "
                           "openFDA drug-event data (openFDA's other endpoints, labels or recalls, are not reports). "
                           "Nothing was loaded.")
    rest = dict(record)
    fields: dict[str, str | None] = {"format": fmt}
    for key, column in REPORT_FIELDS.items():
        fields[column] = _text(rest.pop(key, None))
    if not (fields["report_id"] or "").strip():
        raise InputRefused(f"{path}, line {line_no}: a report without safetyreportid; a report that has no id cannot "
                           "be told from another or counted once. Nothing was loaded; fix or remove that report.")
    fields["case_key"] = case_key or fields["report_id"].strip()
    source = rest.pop("primarysource", None)
    source = (source[0] if source else {}) if isinstance(source, list) else (source or {})
    fields["reporter_qualification"] = _text(source.get("qualification"))
    fields["reporter_country"] = _text(source.get("reportercountry") or rest.pop("primarysourcecountry", None))
    sender = rest.pop("sender", None) or {}
    fields["sender_organization"] = _text(sender.get("senderorganization")) if isinstance(sender, dict) else None
    duplicates = [{"source": d.get("duplicatesource"), "number": d.get("duplicatenumb")}
                  for d in _as_list(rest.pop("reportduplicate", None)) if isinstance(d, dict)]
    fields["duplicate_numbers"] = extra_json(duplicates) if duplicates else None
    patient = dict(rest.pop("patient", None) or {})
    for key, column in PATIENT_FIELDS.items():
        fields[column] = _text(patient.pop(key, None))
    summary = patient.pop("summary", None) or {}
    fields["narrative"] = _text(summary.get("narrativeincludeclinical")) if isinstance(summary, dict) else None
    reactions = [_item(r, REACTION_FIELDS) for r in _as_list(patient.pop("reaction", None))]
    drugs = [_drug(d) for d in _as_list(patient.pop("drug", None))]
    labs = [_item(t, LAB_FIELDS) for t in _as_list(patient.pop("test", None))]
    for key in ("receivedateformat", "receiptdateformat", "transmissiondateformat"):
        rest.pop(key, None)
    if patient:
        rest["patient"] = patient
    fields["extra_fields"] = extra_json(rest)
    return Report(fields, line_no, drugs, reactions, labs)


def _item(value, mapping: dict[str, str]) -> dict:
    rest = dict(value) if isinstance(value, dict) else {"value": value}
    item = {column: _text(rest.pop(key, None)) for key, column in mapping.items()}
    item["extra_fields"] = extra_json(rest)
    return item


def _drug(value) -> dict:
    rest = dict(value) if isinstance(value, dict) else {"value": value}
    drug = {column: _text(rest.pop(key, None)) for key, column in DRUG_FIELDS.items()}
    substance = rest.pop("activesubstance", None)
    names = [s.get("activesubstancename") for s in _as_list(substance) if isinstance(s, dict)]
    drug["active_substances"] = "\\".join(n for n in names if n) or None
    annotation = rest.pop("openfda", None) or {}
    for key, column in OPENFDA_KEPT.items():
        drug[column] = _text(annotation.get(key)) if isinstance(annotation, dict) else None
    for key in ("drugstartdateformat", "drugenddateformat"):
        rest.pop(key, None)
    drug["extra_fields"] = extra_json(rest)
    return drug
