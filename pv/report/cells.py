"""Cells that are safe in a spreadsheet: text never becomes a formula.

A drug or event name is text from a report, written by whoever filed it. A cell beginning with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return, which some spreadsheets strip before they look) is run as a formula
when a CSV is opened in Excel or LibreOffice: ``=HYPERLINK(...)`` becomes a live link, DDE payloads run commands.
OWASP's advice (CSV Injection) is followed: such text cells are written with a leading apostrophe, which the
spreadsheet shows as text and does not display. Numbers are never touched (a negative number is a number).
The XLSX writer stores every string as a string (``strings_to_formulas`` off), so the same text needs no prefix
there.

Reference: OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
_PATTERN = r"^[=+\-@\t\r]"      # how a cell a spreadsheet would run as a formula begins


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are neutralised; numeric columns are left as they are."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            values = out[col]
            # an object column may also hold numbers or lists: only its strings are text
            risky = values.map(lambda v: isinstance(v, str)) if values.dtype == object else values.notna()
            risky &= values.astype("string").str.match(_PATTERN).fillna(False).astype(bool)
            out[col] = values.where(~risky, "'" + values.astype("string"))
    return out


def neutralise_arrow(table: pa.Table) -> pa.Table:
    """The same for an Arrow table: every string column, vectorised."""
    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            risky = pc.fill_null(pc.match_substring_regex(col, _PATTERN), False)
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        columns.append(col)
    return pa.table(columns, names=table.column_names)
