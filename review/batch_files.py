"""Reading a department batch file within limits: bytes in, rows out, or the report.

Every way a batch arrives (the upload page, `manage.py import_department_records`, the
admin's import, a worker loading a queued batch) reads the file here, so one set of limits
holds for all of them (settings IMPORT_MAX_*, stated on the upload page):

- the file's size, before anything is parsed;
- for an XLSX, the size of what is inside the zip, from its directory (`infolist`), before
  openpyxl opens it: an 800 KB workbook can expand to millions of rows (a zip bomb).
  zipfile never inflates a member past the size its directory declares, so the check holds;
- the number of data rows, counted while reading, so reading stops at the limit;
- the length of every cell, reported by row and column like any other bad value. A CSV
  field past the csv module's own limit (csv.field_size_limit) is reported the same way.

Blank rows at the end (Excel keeps formatted empty rows; a sheet's dimension may claim a
million of them) are counted, never stored: a blank row becomes a row of the dataset only
when data follows it, so the row numbers in the report stay the file's.

A batch load streams (issue 13: its memory must not grow with the rows of the file):
`open_batch` checks the whole file in one pass and keeps its rows compressed, then
`BatchFile.chunks` gives them back a few thousand at a time. `read_dataset` (the admin's
import, which the library reads whole) builds one Dataset from the same rows and checks.
"""

from __future__ import annotations

import codecs
import csv
import io
import pickle
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat

EXCEL_MAX_ROWS = 1_048_576  # a sheet has no row past this; openpyxl would make them up
MAX_REPORTED = 1000  # over-long cells listed one by one; the rest counted


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_field_chars: int
    max_xlsx_expanded_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_field_chars=settings.IMPORT_MAX_FIELD_CHARS,
            max_xlsx_expanded_bytes=settings.IMPORT_MAX_XLSX_EXPANDED_BYTES,
        )

    def described(self) -> str:
        """The limits as the upload page states them."""
        return (
            f"每个文件不超过 {filesizeformat(self.max_bytes)}、{self.max_rows:,} 行数据，"
            f"每个单元格不超过 {self.max_field_chars:,} 个字符；"
            f"XLSX 文件解压后不超过 {filesizeformat(self.max_xlsx_expanded_bytes)}。"
            "更大的数据请分批导入。"
        )

    def size_error(self, size: int) -> str | None:
        if size <= self.max_bytes:
            return None
        return (
            f"文件大小为 {filesizeformat(size)}，超过 {filesizeformat(self.max_bytes)} 的上限，"
            "请分批导入。"
        )


class BatchFileError(Exception):
    """The file cannot be loaded; `errors` is the report ({"row", "column", "message"})."""

    def __init__(self, message: str = "", *, errors: list[dict[str, Any]] | None = None):
        self.errors = errors or [{"row": None, "column": "", "message": message}]
        super().__init__(message or self.errors[0]["message"])


def read_dataset(
    content: bytes, file_format: str, *, limits: Limits | None = None
) -> tablib.Dataset:
    """CSV (UTF-8, with or without BOM, or GB18030 as Excel saves it) or XLSX (read-only);
    BatchFileError with the report when the file is not readable or breaks a limit."""
    limits = limits or Limits.from_settings()
    if error := limits.size_error(len(content)):
        raise BatchFileError(error)
    with _opened(content, file_format, limits) as (header, rows):
        headers = _headers(header)
        dataset = tablib.Dataset(headers=headers)
        for row in _checked(headers, rows, limits):
            dataset.append(row)
    return dataset


@dataclass(frozen=True)
class BatchFile:
    """A batch file checked whole (`open_batch`): its header, its number of data rows and the
    rows themselves, compressed."""

    headers: list[str]
    rows: int  # data rows as the report numbers them: row r of the file is data row r - 1
    blocks: tuple[bytes, ...]  # the checked rows, SPOOL_BLOCK at a time, pickled and zlib'd

    def chunks(self, size: int) -> Iterator[tablib.Dataset]:
        """The data rows in file order, `size` at a time: only one chunk is held uncompressed."""
        chunk = tablib.Dataset(headers=self.headers)
        for block in self.blocks:
            # Rows this module pickled from the file it checked, never bytes from outside.
            for row in pickle.loads(zlib.decompress(block)):  # noqa: S301
                chunk.append(row)
                if len(chunk) == size:
                    yield chunk
                    chunk = tablib.Dataset(headers=self.headers)
        if len(chunk):
            yield chunk


SPOOL_BLOCK = 1000


def open_batch(content: bytes, file_format: str, *, limits: Limits | None = None) -> BatchFile:
    """Check the whole file (every limit, every cell) before anything loads, keeping its rows
    compressed (a fraction of the rows' size: a 150,000-row file's are a few MB), so the load
    holds one chunk of rows at a time and the file is parsed once (openpyxl takes about as
    long to read a large sheet as the load takes to import it). BatchFileError with the report,
    as read_dataset."""
    limits = limits or Limits.from_settings()
    if error := limits.size_error(len(content)):
        raise BatchFileError(error)
    blocks: list[bytes] = []
    block: list[list[Any]] = []
    count = 0
    with _opened(content, file_format, limits) as (header, rows):
        headers = _headers(header)
        for row in _checked(headers, rows, limits):
            block.append(row)
            count += 1
            if len(block) == SPOOL_BLOCK:
                blocks.append(zlib.compress(pickle.dumps(block), 1))
                block = []
    if block:
        blocks.append(zlib.compress(pickle.dumps(block), 1))
    return BatchFile(headers=headers, rows=count, blocks=tuple(blocks))


@contextmanager
def _opened(
    content: bytes, file_format: str, limits: Limits
) -> Iterator[tuple[Sequence[Any], Iterator[Any]]]:
    """The file's header and an iterator of its other rows, read as they are asked for."""
    if file_format == "xlsx":
        with _xlsx_rows(content, limits) as opened:
            yield opened
    else:
        yield _csv_rows(content)


# --- rows → dataset ------------------------------------------------------------------------


def _blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _headers(header: Sequence[Any]) -> list[str]:
    return ["" if h is None else str(h).strip() for h in header]


def _checked(
    headers: list[str], rows: Iterable[Sequence[Any]], limits: Limits
) -> Iterator[list[Any]]:
    """The data rows, as wide as the header, blank rows kept only when data follows them;
    every cell checked. The bad cells are reported together (BatchFileError) once the last
    row has been read, so the report names all of them, not the first."""
    width = len(headers)
    errors: list[dict[str, Any]] = []
    bad_cells = 0

    def check(row_number: int, values: Sequence[Any]) -> None:
        nonlocal bad_cells
        for index, value in enumerate(values):
            if isinstance(value, str) and "\x00" in value:
                # PostgreSQL refuses NUL in text and in jsonb: stored, or echoed in the
                # report, it failed the batch with a database error instead of naming the cell.
                bad_cells += 1
                if len(errors) < MAX_REPORTED:
                    errors.append(
                        {
                            "row": row_number,
                            "column": _column_name(headers, index),
                            "message": "含有空字符（\\0），请删除后重新导入",
                        }
                    )
            elif isinstance(value, str) and len(value) > limits.max_field_chars:
                bad_cells += 1
                if len(errors) < MAX_REPORTED:
                    errors.append(
                        {
                            "row": row_number,
                            "column": _column_name(headers, index),
                            "message": f"内容有 {len(value):,} 个字符，"
                            f"超过每个单元格 {limits.max_field_chars:,} 个字符的上限",
                        }
                    )

    check(1, headers)
    kept = 0  # data rows yielded so far
    blank_run = 0
    for values in rows:
        if _blank(values):
            blank_run += 1
            continue
        if kept + blank_run + 1 > limits.max_rows:
            raise BatchFileError(
                f"数据超过 {limits.max_rows:,} 行的上限（第 {kept + blank_run + 2:,} 行），"
                "请分批导入"
            )
        for _ in range(blank_run):
            kept += 1
            yield [""] * width
        blank_run = 0
        row = list(values[:width])
        row += [""] * (width - len(row))
        kept += 1
        check(kept + 1, row)  # row 1 is the header
        yield row
    if bad_cells > len(errors):
        errors.append(
            {
                "row": None,
                "column": "",
                "message": f"另有 {bad_cells - len(errors):,} 个单元格超长或含有空字符",
            }
        )
    if errors:
        raise BatchFileError(errors=errors)


def _column_name(headers: Sequence[str], index: int) -> str:
    if index < len(headers) and headers[index]:
        # A NUL in the header would make the report itself unstorable (jsonb refuses \\u0000).
        return headers[index].replace("\x00", "\\0")
    return f"第 {index + 1} 列"


# --- CSV ---------------------------------------------------------------------------------


def _encoding(content: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030, decided by decoding the whole file a block at a time
    and keeping none of the text (the rows are decoded again as they are read)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(content), DECODE_BLOCK):
                decoder.decode(content[start : start + DECODE_BLOCK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise BatchFileError("无法识别文件编码，请以 UTF-8 编码保存 CSV 文件")


DECODE_BLOCK = 1 << 20


class _Lines:
    """The text's lines, remembering those of the record being read (for csv.Error)."""

    def __init__(self, text: Iterable[str]):
        self._lines = iter(text)
        self.record: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line


def _records(lines: _Lines, headers: list[str]) -> Iterator[list[str]]:
    reader = csv.reader(lines)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BatchFileError(
                errors=[_csv_error(number, "".join(lines.record), exc, headers)]
            ) from None
        lines.record.clear()
        if number == 1:
            headers.extend(h.strip() for h in row)
        yield row


def _csv_error(number: int, record: str, exc: csv.Error, headers: list[str]) -> dict[str, Any]:
    limit = csv.field_size_limit()
    index = _overlong_field(record, limit)
    if index is None:
        return {"row": number, "column": "整行", "message": f"无法解析该行：{exc}"}
    return {
        "row": number,
        "column": _column_name(headers, index),
        "message": f"内容超过 {limit:,} 个字符，无法读取",
    }


def _overlong_field(record: str, limit: int) -> int | None:
    """Which field of one CSV record (default dialect) is longer than `limit`, if any."""
    index = length = 0
    quoted = False
    position = 0
    while position < len(record):
        char = record[position]
        if quoted:
            if char == '"':
                if record[position + 1 : position + 2] == '"':
                    position += 1
                    length += 1
                else:
                    quoted = False
            else:
                length += 1
        elif char == '"':
            quoted = True
        elif char == ",":
            index, length = index + 1, 0
        elif char not in "\r\n":
            length += 1
        if length > limit:
            return index
        position += 1
    return None


def _csv_rows(content: bytes) -> tuple[list[str], Iterator[list[str]]]:
    encoding = _encoding(content)
    # newline="" as the csv module wants: a quoted field may hold a line break.
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    headers: list[str] = []
    records = _records(_Lines(text), headers)
    header = next(records, None)
    if header is None:
        raise BatchFileError("文件为空")
    return header, records


# --- XLSX --------------------------------------------------------------------------------


@contextmanager
def _xlsx_rows(content: bytes, limits: Limits) -> Iterator[tuple[Sequence[Any], Iterator[Any]]]:
    if not content.startswith(b"PK"):
        raise BatchFileError("文件不是有效的 XLSX 工作簿")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BatchFileError("文件不是有效的 XLSX 工作簿") from None
    if expanded > limits.max_xlsx_expanded_bytes:
        raise BatchFileError(
            f"XLSX 文件解压后为 {filesizeformat(expanded)}，超过 "
            f"{filesizeformat(limits.max_xlsx_expanded_bytes)} 的上限；请分批导入，或另存为 CSV"
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise BatchFileError(f"无法读取 XLSX 文件：{exc}") from exc
    try:
        sheet = book.active
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise BatchFileError("工作簿中没有工作表")
        try:
            # The sheet's own dimension may claim A1:XFD1048576: read what is there instead.
            sheet.reset_dimensions()
            header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        except Exception as exc:
            raise BatchFileError(f"无法读取 XLSX 文件：{exc}") from exc
        width = max((i + 1 for i, v in enumerate(header) if v not in (None, "")), default=0)
        if not width:
            raise BatchFileError("第 1 行应为表头（列名），实为空行")
        # Only as wide as the header; never past Excel's last row (a row numbered r="10**9"
        # would have openpyxl make up every missing row before it).
        rows = sheet.iter_rows(min_row=2, max_row=EXCEL_MAX_ROWS, max_col=width, values_only=True)
        yield header[:width], _xlsx_guarded(rows)
    finally:
        book.close()


def _xlsx_guarded(rows: Iterator[Any]) -> Iterator[Any]:
    """openpyxl's rows, its many kinds of error on a damaged sheet reported as one."""
    try:
        yield from rows
    except Exception as exc:
        raise BatchFileError(f"无法读取 XLSX 文件：{exc}") from exc
