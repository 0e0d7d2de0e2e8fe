"""Parse one of FDA's ``$``-delimited quarterly files into an Arrow table, vectorized.

What real files do, and what happens here:

* header names vary in case and across eras -> lower-cased, mapped by ``layout.ALIASES``;
* data rows end in ``$`` (legacy AERS: the header does not) -> one trailing empty field is dropped;
* an R export names that phantom column ``v23``/``v3`` -> dropped when it is empty on every row;
* CRLF line ends and a UTF-8 byte-order mark -> removed;
* latin-1 / Windows-1252 bytes -> a file that is not valid UTF-8 is decoded line by line, UTF-8 where a line
  is valid UTF-8 and Windows-1252 (latin-1 for its five undefined bytes) where it is not; counted;
* a line broken by an embedded newline (too few fields, and the next line too few as well) -> re-joined when
  the pieces add up to exactly one row; counted;
* a row with too many or too few fields, or a key that is not a whole number -> returned as a bad row
  (line number, raw text, reason) for the quarantine table; the rest of the file loads;
* no header the kind can be recognised by -> :class:`~pv.errors.InputRefused` naming the file and columns.

Empty fields become nulls; every other value is kept exactly as delivered. There is no quoting in these files
(a ``"`` is data), so no quote handling.

Most files have none of those problems, and pyarrow's multithreaded CSV reader reads them about eight times faster
than splitting lines in Python: :func:`parse_dollar_file` tries it first and takes the careful path above for any
file the reader cannot take whole (a bad row, a broken line, a blank line, bytes that are not UTF-8). Both paths
give the same table for a clean file; the careful one alone decides what is wrong with a file that is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pv.errors import InputRefused
from pv.ingest.layout import ALIASES, NUMERIC_KEYS, PHANTOM_RE, REQUIRED

# A broken line is re-joined with at most this many following lines.
_MAX_JOIN = 5


@dataclass
class BadRow:
    line_no: int
    raw_text: str
    reason: str
    check_name: str


@dataclass
class ParsedFile:
    table: pa.Table                      # raw columns (known ones) + extra_fields + line_no
    header: list[str]                    # delivered header names, lower-cased
    mapped: list[str] = field(default_factory=list)   # the raw column each header name was mapped to
    bad_rows: list[BadRow] = field(default_factory=list)
    n_rejoined: int = 0
    n_latin1_lines: int = 0


def decode_lines(data: bytes) -> tuple[list[str], int]:
    """Bytes -> lines without line ends; the number of lines decoded as Windows-1252/latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        n_latin1 = 0
    except UnicodeDecodeError:
        # Old quarters mix encodings; decide per line so valid UTF-8 lines are not mangled.
        out: list[str] = []
        n_latin1 = 0
        for raw in data.split(b"\n"):
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(_decode_1252(raw))
                n_latin1 += 1
        text = "\n".join(out)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if any(line.endswith("\r") for line in lines[:2]) or "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines, n_latin1


def _decode_1252(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are undefined in cp1252
        return raw.decode("latin-1")


def parse_header(line: str, kind: str, file_label: str) -> tuple[list[str], list[str]]:
    """Delivered header -> (delivered names, raw column names); refuse an unrecognisable header."""
    names = [n.strip().lower() for n in line.split("$")]
    while names and names[-1] == "":
        names.pop()
    if not names or any(n == "" for n in names):
        raise InputRefused(
            f"{file_label}: line 1 is not a {kind.upper()} header (got {line[:80]!r}); "
            "check that the file is an FDA quarterly ASCII file and not truncated."
        )
    aliases = ALIASES[kind]
    mapped = [aliases.get(n, n) for n in names]
    missing = [c for c in REQUIRED[kind] if c not in mapped]
    if missing:
        raise InputRefused(
            f"{file_label}: the header has no {', '.join(missing)} column(s), so this is not a "
            f"{kind.upper()} file (header: {'$'.join(names[:8])}...). Check that the file is the right one."
        )
    dupes = sorted({c for c in mapped if mapped.count(c) > 1})
    if dupes:
        raise InputRefused(f"{file_label}: the header names {', '.join(dupes)} more than once.")
    return names, mapped


def parse_dollar_file(data: bytes, kind: str, file_label: str, known_columns: list[str]) -> ParsedFile:
    """Parse one quarterly file of ``kind`` (demo, drug, ...). ``known_columns``: the raw table's columns."""
    clean = _read_clean(data, kind, file_label)
    if clean is not None:
        delivered, mapped, table = clean
        table, key_bad = _check_keys(table, kind, lambda: decode_lines(data)[0])
        return ParsedFile(_conform(table, known_columns), delivered, mapped, key_bad)
    lines, n_latin1 = decode_lines(data)
    if not lines or not lines[0].strip():
        raise InputRefused(f"{file_label}: the file is empty or its first line is blank; expected a header.")
    delivered, mapped = parse_header(lines[0], kind, file_label)
    width = len(mapped)

    body = pa.array(lines[1:], type=pa.large_string())
    line_no = pa.array(range(2, len(lines) + 1), type=pa.int64())
    parts = pc.split_pattern(body, "$")
    n_fields = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    # A row is well-formed with exactly `width` fields, or `width + 1` whose last one is the trailing-$ empty.
    last = pc.utf8_slice_codeunits(body, -1)
    ends_dollar = pc.equal(last, "$").to_numpy(zero_copy_only=False)
    ok = (n_fields == width) | ((n_fields == width + 1) & ends_dollar)
    blank = pc.equal(pc.utf8_trim_whitespace(body), "").to_numpy(zero_copy_only=False)

    bad_rows: list[BadRow] = []
    rejoined_text: list[str] = []
    rejoined_line: list[int] = []
    bad_idx = [int(i) for i in (~ok & ~blank).nonzero()[0]]
    consumed: set[int] = set()
    for i in bad_idx:
        if i in consumed:
            continue
        joined, used = _try_rejoin(lines, i, n_fields, ok, width)
        if joined is not None:
            rejoined_text.append(joined)
            rejoined_line.append(i + 2)
            consumed.update(range(i, i + used))
            continue
        found = int(n_fields[i]) - int(bool(ends_dollar[i]))
        bad_rows.append(BadRow(i + 2, lines[i + 1], f"expected {width} fields, found {found}", "parse.field_count"))

    keep = ok & ~blank
    table = _columns(parts.filter(pa.array(keep)), mapped, line_no.filter(pa.array(keep)))
    if rejoined_text:
        extra = pa.array(rejoined_text, type=pa.large_string())
        table = pa.concat_tables(
            [table, _columns(pc.split_pattern(extra, "$"), mapped, pa.array(rejoined_line, pa.int64()))]
        ).sort_by("line_no")
    table, key_bad = _check_keys(table, kind, lambda: lines)
    bad_rows.extend(key_bad)
    table = _conform(table, known_columns)
    return ParsedFile(table, delivered, mapped, sorted(bad_rows, key=lambda b: b.line_no), len(rejoined_text),
                      n_latin1)


def _read_clean(data: bytes, kind: str, file_label: str) -> tuple[list[str], list[str], pa.Table] | None:
    """(delivered names, raw names, table) of a file whose every data row is well formed, read natively; None for
    any other file. Well formed here is the careful path's rule applied to the whole file at once: every row has
    the header's fields, or every row has them plus the empty one after a trailing ``$`` (as the first row has);
    every byte is UTF-8; no line is blank."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = data.find(b"\n")
    if end < 0:
        return None
    second = data.find(b"\n", end + 1)
    try:
        header = data[start:end].decode("utf-8").rstrip("\r")
        first_row = data[end + 1:second if second > 0 else len(data)].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    # the reader reads an empty line as a row of nulls where the careful path skips it
    if not header.strip() or b"\n\n" in data or b"\n\r\n" in data:
        return None
    delivered, mapped = parse_header(header, kind, file_label)
    trailing = first_row.count("$") == len(mapped) and first_row.endswith("$")
    names = [*mapped, "__after_last_dollar"] if trailing else mapped
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[start:]),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            # a lone \r ends a row for this reader but not for the careful path: such a row breaks the field count
            parse_options=pa_csv.ParseOptions(delimiter="$", quote_char=False, escape_char=False,
                                              newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                  strings_can_be_null=True, null_values=[""]),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None                       # a row of another width, or not UTF-8
    if table.num_rows == 0:
        return None
    if trailing:
        if table["__after_last_dollar"].null_count != table.num_rows:
            return None
        table = table.drop_columns(["__after_last_dollar"])
    line_no = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    return delivered, mapped, table.combine_chunks().append_column("line_no", line_no)


def _try_rejoin(lines, i, n_fields, ok, width) -> tuple[str | None, int]:
    """Join bad line i with following bad lines when, together, they make exactly one row."""
    total = int(n_fields[i])
    if total >= width:
        return None, 0
    pieces = [lines[i + 1]]
    j = i + 1
    while j < len(n_fields) and j - i < _MAX_JOIN and not ok[j]:
        total += int(n_fields[j]) - 1
        pieces.append(lines[j + 1])
        j += 1
        if total == width or (total == width + 1 and pieces[-1].endswith("$")):
            return " ".join(pieces), j - i
        if total > width + 1:
            break
    return None, 0


def _columns(parts: pa.Array, mapped: list[str], line_no: pa.Array) -> pa.Table:
    cols: dict[str, pa.Array] = {}
    for j, name in enumerate(mapped):
        col = pc.list_element(parts, j).cast(pa.string())
        cols[name] = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
    cols["line_no"] = line_no
    return pa.table(cols)


def _check_keys(table: pa.Table, kind: str, all_lines: Callable[[], list[str]]) -> tuple[pa.Table, list[BadRow]]:
    bad = pa.array([False] * table.num_rows) if table.num_rows else pa.array([], pa.bool_())
    reasons: dict[int, str] = {}
    for key in NUMERIC_KEYS[kind]:
        if key not in table.column_names:
            continue
        col = table[key]
        not_num = pc.invert(pc.fill_null(pc.match_substring_regex(col, r"^\s*\d+\s*$"), False))
        for ln in table["line_no"].filter(not_num).to_pylist():
            reasons.setdefault(ln, f"{key} is missing or not a whole number")
        bad = pc.or_(bad, not_num)
    if not reasons:
        return table, []
    lines = all_lines()
    rows = [BadRow(ln, lines[ln - 1], reason, "parse.key_not_numeric") for ln, reason in reasons.items()]
    return table.filter(pc.invert(bad)), rows


def _conform(table: pa.Table, known_columns: list[str]) -> pa.Table:
    """Order columns as the raw table has them; unknown columns go to ``extra_fields`` as JSON."""
    unknown = [c for c in table.column_names if c not in known_columns and c != "line_no"]
    phantom = [c for c in unknown if PHANTOM_RE.match(c) and table[c].null_count == table.num_rows]
    unknown = [c for c in unknown if c not in phantom]
    cols = {}
    for c in known_columns:
        if c in table.column_names:
            cols[c] = table[c]
        elif c != "extra_fields":
            cols[c] = pa.nulls(table.num_rows, pa.string())
    if unknown:
        values = zip(*(table[c].to_pylist() for c in unknown), strict=True)
        extra = [json.dumps({k: v for k, v in zip(unknown, row, strict=True) if v is not None}) for row in values]
        cols["extra_fields"] = pa.array(extra, pa.string())
    else:
        cols["extra_fields"] = pa.nulls(table.num_rows, pa.string())
    cols["line_no"] = table["line_no"]
    return pa.table(cols)
