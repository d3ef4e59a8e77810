"""Read a published list (CSV or XLSX) into rows the audit takes (``ranking.policy.audit``).

Tolerant of the layouts lists come in: the official XLSX (a title row, then Chinese headers),
this system's own exports (``publicity.exports``: CSV with the contract's codes as headers,
XLSX with a title row and Chinese headers), CSV with or without a BOM, in UTF-8 or GB18030
(what Excel on a Chinese Windows saves), comma, semicolon or tab separated. Headers are
matched by name, not position; a cell written as text to keep spreadsheets from running it
as a formula (a leading ``'``) is read as its value. Anything that cannot be read is a
``ListFileError`` naming the row and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook

from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS
from ranking.policy.audit import AuditRow

MAX_ROWS = 200_000  # a real list has ~6,000 rows; this bounds the work an upload can cause
HEADER_SEARCH_ROWS = 20  # the header is within the first rows (after a title or a note)
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary Excel format


class ListFileError(ValueError):
    """The file cannot be read as a list; the message says where and why, in Chinese."""


@dataclass(frozen=True, slots=True)
class ListFile:
    rows: list[AuditRow]
    year_hint: int | None  # from a title such as 北京市2021年积分落户公示名单, or the numbers
    year_source: str  # where the hint came from, for the report ("标题" / "公示编号")
    columns: tuple[str, ...]  # the fields found: number, rank, name, ..., the codes, total
    title: str = ""


def _normal(header: Any) -> str:
    text = "" if header is None else str(header)
    text = re.sub(r"\s+", "", text.replace("\u3000", " "))
    return text.replace("（", "(").replace("）", ")").lower()


# Field -> header names that mean it (normalised), best first.
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("公示编号", "编号", "序号", "number", "no", "no."),
    "rank": ("排名", "名次", "积分排名", "rank"),
    "name": ("姓名", "name"),
    "birth_month": ("出生年月", "出生日期", "出生年月日", "birth_month"),
    "employer": ("单位名称", "工作单位", "用人单位", "单位", "employer"),
    "total": ("积分分值", "积分", "总积分", "积分合计", "总分", "合计", "total"),
    **{code: (_normal(INDICATOR_LABELS[code]), code) for code in INDICATOR_CODES},
}
REQUIRED = ("number", *INDICATOR_CODES, "total")
FIELD_LABELS: dict[str, str] = {
    "number": "公示编号",
    "rank": "排名",
    "name": "姓名",
    "birth_month": "出生年月",
    "employer": "单位名称",
    "total": "积分分值",
    **INDICATOR_LABELS,
}


def _field_of(header: Any) -> tuple[str, int] | None:
    """(field, preference) for a header cell: exact names first, then a known indicator name
    with a suffix such as （分） or 分值."""
    text = _normal(header)
    if not text:
        return None
    for field, names in ALIASES.items():
        if text in names:
            return field, names.index(text)
    for code in INDICATOR_CODES:
        label = _normal(INDICATOR_LABELS[code])
        if text.startswith(label) or (code == "education_deduction" and text.startswith("扣除")):
            return code, len(ALIASES[code])
    return None


def _header_map(cells: Sequence[Any]) -> dict[str, int]:
    best: dict[str, tuple[int, int]] = {}  # field -> (preference, column index)
    for index, cell in enumerate(cells):
        found = _field_of(cell)
        if found is None:
            continue
        field, preference = found
        if field not in best or preference < best[field][0]:
            best[field] = (preference, index)
    return {field: index for field, (_, index) in best.items()}


def _strip_text_marker(text: str) -> str:
    # A leading apostrophe keeps a spreadsheet from reading '-0.29 or '=… as a formula.
    return text[1:] if text.startswith("'") else text


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _strip_text_marker(str(value).strip()).strip()


def _points(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise ListFileError(f"{where}：不是数值")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        exact = Decimal(repr(value))
        cent = exact.quantize(Decimal("0.01"))
        # A spreadsheet stores 17.09 as the nearest binary fraction; read it back to the cent.
        return cent if abs(exact - cent) < Decimal("1e-9") else exact
    text = _cell_text(value).replace("−", "-").replace(",", "")
    if not text:
        raise ListFileError(f"{where}：为空")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ListFileError(f"{where}：“{text}”不是数值") from None
    if not number.is_finite():
        raise ListFileError(f"{where}：“{text}”不是数值")
    return number


def _rank(value: Any, where: str) -> int:
    text = _cell_text(value)
    if not text.isdigit() or int(text) < 1:
        raise ListFileError(f"{where}：“{text}”不是正整数名次")
    return int(text)


_BIRTH = re.compile(r"^(\d{4})(?:[-./年]?(\d{1,2}))?")


def _birth_month(value: Any, where: str) -> str | None:
    if isinstance(value, dt.date | dt.datetime):
        return f"{value.year:04d}-{value.month:02d}"
    text = _cell_text(value)
    if not text:
        return None
    match = _BIRTH.match(text)
    if match is None or not 1900 <= int(match.group(1)) <= 2100:
        raise ListFileError(f"{where}：“{text}”不是出生年月（应如 1985-07）")
    month = int(match.group(2) or 1)
    if not 1 <= month <= 12:
        raise ListFileError(f"{where}：“{text}”的月份无效")
    return f"{match.group(1)}-{month:02d}"


_TITLE_YEAR = re.compile(r"(20\d{2})\s*年")


def _parse(stream: Iterator[tuple[int, Sequence[Any]]]) -> ListFile:
    """Records are (line, cells), line 1-based as a spreadsheet numbers its rows."""
    title = ""
    header: dict[str, int] | None = None
    closest: tuple[int, dict[str, int]] = (0, {})
    for line, cells in stream:
        found = _header_map(cells)
        if all(field in found for field in REQUIRED):
            header = found
            break
        if len(found) > len(closest[1]):
            closest = (line, found)
        if not title:
            title = " ".join(_cell_text(c) for c in cells if _cell_text(c))
        if line >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        line, found = closest
        missing = "、".join(f"「{FIELD_LABELS[f]}」" for f in REQUIRED if f not in found)
        if not found:
            raise ListFileError(
                f"前 {HEADER_SEARCH_ROWS} 行中找不到名单的表头（应有公示编号、十项指标和积分分值列）"
            )
        raise ListFileError(f"第 {line} 行的表头缺少列：{missing}")

    rows: list[AuditRow] = []
    for line, cells in stream:
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        number = texts[header["number"]] if header["number"] < len(texts) else ""
        indicator_cells = [
            texts[header[code]] if header[code] < len(texts) else "" for code in INDICATOR_CODES
        ]
        if not number and not any(indicator_cells):
            continue  # a note under the table (注：…)
        if len(rows) >= MAX_ROWS:
            raise ListFileError(f"名单超过 {MAX_ROWS} 行，请分开核验")

        def cell(field: str, cells: Sequence[Any] = cells) -> Any:
            index = header[field]
            return cells[index] if index < len(cells) else None

        def where(field: str, line: int = line) -> str:
            return f"第 {line} 行「{FIELD_LABELS[field]}」列"

        if not number:
            raise ListFileError(f"{where('number')}：为空")
        rows.append(
            AuditRow(
                line=line,
                number=number,
                values={code: _points(cell(code), where(code)) for code in INDICATOR_CODES},
                total=_points(cell("total"), where("total")),
                birth_month=_birth_month(cell("birth_month"), where("birth_month"))
                if "birth_month" in header
                else None,
                rank=_rank(cell("rank"), where("rank")) if "rank" in header else None,
                name=_cell_text(cell("name")) if "name" in header else "",
            )
        )
    if not rows:
        raise ListFileError("名单没有数据行")
    year_hint, source = None, ""
    match = _TITLE_YEAR.search(title)
    if match:
        year_hint, source = int(match.group(1)), "标题"
    else:
        # The official numbers since 2020: year + 5-digit sequence (202000001).
        prefixes = {row.number[:4] for row in rows if re.fullmatch(r"20\d{7}", row.number)}
        if len(prefixes) == 1 and all(re.fullmatch(r"20\d{7}", row.number) for row in rows):
            year_hint, source = int(prefixes.pop()), "公示编号"
    return ListFile(
        rows=rows,
        year_hint=year_hint,
        year_source=source,
        columns=tuple(sorted(header, key=list(ALIASES).index)),
        title=title,
    )


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ListFileError("无法识别文件编码（应为 UTF-8 或 GB18030/GBK 的 CSV）")


def _csv_records(text: str) -> Generator[tuple[int, Sequence[Any]], None, None]:
    # The separator that occurs most in the first lines (csv.Sniffer guesses quotes too, and
    # guesses them wrong on Chinese text).
    sample = text[:8192]
    delimiter = max(",;\t", key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise ListFileError(f"第 {reader.line_num} 行：CSV 格式错误（{exc}）") from None


def _xlsx_records(data: bytes) -> Generator[tuple[int, Sequence[Any]], None, None]:
    # openpyxl parses the workbook's XML with defusedxml (installed), and read-only mode
    # streams the rows instead of building the whole sheet.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ListFileError(f"无法读取 XLSX 文件：{type(exc).__name__}") from None
    try:
        yield from enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ListFileError(f"XLSX 文件已损坏：{type(exc).__name__}") from None
    finally:
        workbook.close()


def read_list(data: bytes, *, filename: str = "") -> ListFile:
    """Read a list from the bytes of a CSV or XLSX file (the content decides, not the name)."""
    if not data.strip():
        raise ListFileError("文件为空")
    if data.startswith(XLS_MAGIC) or filename.lower().endswith(".xls"):
        raise ListFileError("不支持旧版 Excel（.xls）文件，请另存为 XLSX 或 CSV 后再核验")
    records = _xlsx_records(data) if data.startswith(XLSX_MAGIC) else _csv_records(_decode(data))
    try:
        return _parse(records)
    finally:
        records.close()  # the workbook, when the table ended before the sheet did
