"""Reading a list to audit (publicity.list_files): the official layout, this system's exports,
CSV with or without BOM, GB18030, XLSX with a title row; clear errors naming row and column."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from publicity.exports import CSV_COLUMNS, XLSX_HEADERS
from publicity.list_files import ListFileError, read_list
from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS

VALUES = ["51.25", "17.09", "15.00", "-0.29", "0.00", "0.00", "0.00", "20.00", "0.00", "0.00"]
TOTAL = "103.05"
OFFICIAL_HEADER = [
    "序号",
    "公示编号",
    "姓名",
    "出生年月",
    "单位名称",
    *(INDICATOR_LABELS[c] for c in INDICATOR_CODES),
    "积分分值",
]


def _csv(lines: list[list[str]], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    return "\r\n".join(delimiter.join(cells) for cells in lines).encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_systems_csv_export_layout_with_bom():
    data = _csv(
        [
            list(CSV_COLUMNS),
            ["202100001", "1", "王小明", "1985-07", "北京示例科技有限公司", *VALUES, TOTAL],
        ]
    )
    listed = read_list(data)
    (row,) = listed.rows
    assert (row.number, row.rank, row.name, row.birth_month, row.line) == (
        "202100001",
        1,
        "王小明",
        "1985-07",
        2,
    )
    assert row.values["education_deduction"] == Decimal("-0.29")
    assert row.total == Decimal(TOTAL)
    assert (listed.year_hint, listed.year_source) == (2021, "公示编号")


def test_official_layout_in_gb18030_with_a_title_line_and_a_note_under_the_table():
    data = _csv(
        [
            ["北京市2020年积分落户公示名单"],
            OFFICIAL_HEADER,
            ["1", "200000123", "李四", "1983年05月", "北京某某有限公司", *VALUES, TOTAL],
            ["注：积分相同的同时落户"],
        ],
        encoding="gb18030",
    )
    listed = read_list(data)
    (row,) = listed.rows
    assert (row.number, row.birth_month, row.rank, row.line) == ("200000123", "1983-05", None, 3)
    assert (listed.year_hint, listed.year_source) == (2020, "标题")
    assert "rank" not in listed.columns


def test_csv_without_bom_tab_separated_and_text_marked_negative_values():
    values = [*VALUES]
    values[3] = "'-0.29"  # written as text so a spreadsheet does not take it for a formula
    data = _csv(
        [list(CSV_COLUMNS), ["202100001", "1", "王小明", "1985-07", "单位", *values, TOTAL]],
        encoding="utf-8",
        delimiter="\t",
    )
    assert read_list(data).rows[0].values["education_deduction"] == Decimal("-0.29")


def test_xlsx_with_a_title_row_and_float_cells_reads_to_the_cent():
    data = _xlsx(
        [
            ["北京市2021年积分落户公示名单"],
            list(XLSX_HEADERS),
            [202100001, 1, "王小明", "1985-07", "单位", *(float(v) for v in VALUES), 103.05],
        ]
    )
    listed = read_list(data, filename="list.xlsx")
    (row,) = listed.rows
    assert row.number == "202100001"
    assert row.values["housing"] == Decimal("17.09")
    assert row.total == Decimal("103.05")
    assert listed.year_hint == 2021


def test_headers_with_a_points_suffix_and_full_width_brackets_match():
    header = [
        "公示编号",
        "合法稳定就业（分）",
        "合法稳定住所(分)",
        "教育背景",
        "扣除取得学历(学位)期间累计的居住及就业分数",
        "职住区域",
        "创新创业",
        "纳税",
        "年龄",
        "荣誉表彰",
        "守法记录",
        "总积分",
    ]
    listed = read_list(_csv([header, ["202000001", *VALUES, TOTAL]]))
    assert listed.rows[0].values["employment"] == Decimal("51.25")


def test_a_missing_column_is_named_with_the_header_row():
    header = [h for h in OFFICIAL_HEADER if h != "纳税"]
    with pytest.raises(ListFileError, match="第 1 行的表头缺少列：「纳税」"):
        read_list(_csv([header, ["1"] * len(header)]))


def test_a_cell_that_is_not_a_number_names_its_row_and_column():
    values = [*VALUES]
    values[6] = "六"
    data = _csv([list(CSV_COLUMNS), ["202100001", "1", "王", "1985-07", "单位", *values, TOTAL]])
    with pytest.raises(ListFileError, match="第 2 行「纳税」列：“六”不是数值"):
        read_list(data)


def test_an_empty_cell_and_a_bad_birth_month_name_their_row_and_column():
    values = [*VALUES]
    values[0] = ""
    data = _csv([list(CSV_COLUMNS), ["202100001", "1", "王", "1985-07", "单位", *values, TOTAL]])
    with pytest.raises(ListFileError, match="第 2 行「合法稳定就业」列：为空"):
        read_list(data)
    data = _csv([list(CSV_COLUMNS), ["202100001", "1", "王", "八五年", "单位", *VALUES, TOTAL]])
    with pytest.raises(ListFileError, match="第 2 行「出生年月」列"):
        read_list(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件为空"),
        (b"\xd0\xcf\x11\xe0rest-of-an-old-excel-file", "不支持旧版 Excel"),
        (b"PK\x03\x04not-really-a-zip", "无法读取 XLSX 文件"),
        ("姓名,年龄\r\n王,20".encode(), "表头缺少列"),
        (b"a,b\r\n1,2", "找不到名单的表头"),
        (_csv([list(CSV_COLUMNS)]), "名单没有数据行"),
    ],
)
def test_unreadable_files_say_why(data, message):
    with pytest.raises(ListFileError, match=message):
        read_list(data)
