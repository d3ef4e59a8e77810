"""The list as CSV (UTF-8 with BOM, so Excel opens it) and XLSX, for downloads and the command.

Names and employer names are the applicants' own text: every row goes through
workflow.exports (csv_row / xlsx_row), so a name that looks like a formula stays text."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from publicity.selectors import ListRow
from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS
from workflow.exports import csv_row, xlsx_row

# The contract's columns, exactly (also before publication: a draft keeps them).
CSV_COLUMNS: tuple[str, ...] = (
    "number",
    "rank",
    "name",
    "birth_month",
    "employer",
    *INDICATOR_CODES,
    "total",
)
XLSX_HEADERS: tuple[str, ...] = (
    "公示编号",
    "排名",
    "姓名",
    "出生年月",
    "单位名称",
    *(INDICATOR_LABELS[c] for c in INDICATOR_CODES),
    "积分",
)


def csv_bytes(rows: list[ListRow]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            csv_row(
                [
                    row.number,
                    row.rank,
                    row.name,
                    row.birth_month,
                    row.employer,
                    *row.indicator_values(),
                    f"{row.total:.2f}",
                ]
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_title(year: int, *, draft: bool) -> str:
    title = f"北京市{year}年积分落户公示名单"
    return f"{title}（草稿，尚未公示）" if draft else title


def xlsx_bytes(rows: list[ListRow], *, year: int, draft: bool) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = xlsx_title(year, draft=draft)
    sheet = workbook.create_sheet("草稿" if draft else "公示名单")
    sheet.append([xlsx_title(year, draft=draft)])
    sheet.append(list(XLSX_HEADERS))
    for row in rows:
        sheet.append(
            xlsx_row(
                sheet,
                [
                    row.number,
                    row.rank,
                    row.name,
                    row.birth_month,
                    row.employer,
                    *(float(v) for v in row.indicator_values()),
                    float(row.total),
                ],
            )
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
