"""Department batches within limits: size, rows, cell length, XLSX expansion, numbers in range;
and a batch always ends loaded, rejected or failed, with its report."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from review.models import BatchStatus, CriminalRecord, ImportBatch, IncomeTax
from review.resources import headers_of
from review.services.imports import batch_submit
from review.synthetic import csv_bytes, social_insurance_rows, xlsx_bytes
from tests import factories
from tests.review.conftest import build_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(declaration_round, people):
    return [build_application(f, round=declaration_round, with_records=False) for f in people[:3]]


def submit(content, *, dept="hrss", name="batch.csv", inline=True):
    return batch_submit(
        department=factories.department(dept), file_name=name, content=content, inline=inline
    )


def where(batch):
    return {(e["row"], e["column"]) for e in batch.errors}


def messages(batch):
    return " ".join(e["message"] for e in batch.errors)


def with_sheet_xml(xlsx: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb(rows: int) -> bytes:
    """A valid-looking workbook whose sheet is `rows` identical rows: it zips to almost nothing."""
    header = ["公民身份号码", "起始月份", "截止月份", "缴费区", "是否补缴"]
    book = xlsx_bytes([header])
    row = '<row><c t="inlineStr"><is><t>11010519491231002X</t></is></c></row>'
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(book)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename), zipfile.ZIP_DEFLATED)
                continue
            head, tail = source.read(item.filename).decode().split("</sheetData>")
            with target.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(head.encode())
                block = (row * 10_000).encode()
                for _ in range(rows // 10_000):
                    sheet.write(block)
                sheet.write(("</sheetData>" + tail).encode())
    return out.getvalue()


# --- XLSX -----------------------------------------------------------------------------------


def test_an_xlsx_that_expands_to_millions_of_rows_is_refused_before_it_is_parsed(
    registered, monkeypatch
):
    bomb = zip_bomb(3_000_000)
    assert len(bomb) < 1024 * 1024  # under a megabyte on the wire

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    batch = submit(bomb, name="bomb.xlsx")

    assert batch.status == BatchStatus.REJECTED
    assert "XLSX 文件解压后为" in messages(batch)
    assert "128.0" in messages(batch)  # names the limit


def test_a_hundred_thousand_empty_rows_after_the_data_are_not_rows(registered, people):
    rows = social_insurance_rows(people[:1])
    blank = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(10, 100_010))

    def pad(xml: str) -> str:
        # Excel's formatted empty rows, and a dimension claiming the whole sheet.
        xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)
        return xml.replace("</sheetData>", blank + "</sheetData>")

    batch = submit(with_sheet_xml(xlsx_bytes(rows), pad), name="si.xlsx")

    assert batch.status == BatchStatus.LOADED, batch.errors
    assert batch.total_rows == len(rows) - 1


def test_a_blank_row_between_data_rows_keeps_the_file_row_numbers(registered, people):
    rows = social_insurance_rows(people[:2])
    rows.insert(2, ["", "", "", "", ""])
    rows[-1][1] = "2015-13"
    batch = submit(xlsx_bytes(rows), name="si.xlsx")

    assert batch.status == BatchStatus.REJECTED
    assert (len(rows), "起始月份") in where(batch)  # the last line of the file
    assert (3, "公民身份号码") in where(batch)  # the blank line itself


# --- limits ---------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_rejected_and_not_stored(registered, people, settings):
    settings.IMPORT_MAX_BYTES = 100
    batch = submit(csv_bytes(social_insurance_rows(people[:3])))

    assert batch.status == BatchStatus.REJECTED
    assert "超过 100\xa0字节 的上限" in messages(batch)
    assert bytes(ImportBatch.objects.get(pk=batch.pk).content) == b""


def test_a_file_over_the_row_limit_is_rejected(registered, people, settings):
    rows = social_insurance_rows(people[:3])
    settings.IMPORT_MAX_ROWS = len(rows) - 2
    batch = submit(csv_bytes(rows))

    assert batch.status == BatchStatus.REJECTED
    assert f"数据超过 {len(rows) - 2} 行的上限" in messages(batch)


def police_rows(people, description: str) -> list[list[str]]:
    return [
        headers_of("criminal_record"),
        [people[0]["person"]["id_number"], "2015-03-01", "盗窃"],
        [people[1]["person"]["id_number"], "2016-04-01", description],
    ]


@pytest.mark.parametrize(
    ("fmt", "length", "message"),
    [
        ("csv", 201, "不能超过 200 个字符"),  # the column's width
        ("xlsx", 201, "不能超过 200 个字符"),
        ("csv", 2_000, "超过每个单元格 1,000 个字符的上限"),  # IMPORT_MAX_FIELD_CHARS
        ("xlsx", 2_000, "超过每个单元格 1,000 个字符的上限"),
        # Past csv.field_size_limit (an XLSX cell cannot hold more than 32,767 characters).
        ("csv", 200_000, "内容超过 131,072 个字符，无法读取"),
    ],
)
def test_an_over_long_cell_is_an_error_naming_row_and_column(
    registered, people, fmt, length, message
):
    rows = police_rows(people, "长" * length)
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    batch = submit(content, dept="police", name=f"crime.{fmt}")

    assert batch.status == BatchStatus.REJECTED
    assert where(batch) == {(3, "说明")}
    assert message in messages(batch)
    assert CriminalRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("个人所得税额（元）", "1e400"),
        ("个人所得税额（元）", "1" * 23),
        ("个人所得税额（元）", "Infinity"),
        ("纳税年度", "1" * 23),
        ("纳税年度", "9" * 999),
    ],
)
def test_a_number_out_of_range_is_an_error_naming_row_and_column(registered, people, column, value):
    rows = [
        headers_of("income_tax"),
        [people[0]["person"]["id_number"], "2018", "1200.00"],
        [people[1]["person"]["id_number"], "2019", "3000.00"],
    ]
    rows[2][rows[0].index(column)] = value
    batch = submit(csv_bytes(rows), dept="tax", name="tax.csv")

    assert batch.status == BatchStatus.REJECTED
    assert where(batch) == {(3, column)}
    assert IncomeTax.objects.count() == 0


def test_an_xlsx_number_cell_for_a_year_loads(registered, people):
    rows = [
        headers_of("income_tax"),
        [people[0]["person"]["id_number"], 2018, 1200.5],
    ]
    batch = submit(xlsx_bytes(rows), dept="tax", name="tax.xlsx")

    assert batch.status == BatchStatus.LOADED, batch.errors
    assert IncomeTax.objects.get().year == 2018


# --- a batch never stays running or pending -------------------------------------------------


def test_an_unforeseen_error_ends_the_batch_failed_with_its_report(
    registered, people, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("import_export.resources.Resource.import_data", broken)
    with django_capture_on_commit_callbacks(execute=True):
        batch = submit(csv_bytes(social_insurance_rows(people[:3])), inline=False)
    batch.refresh_from_db()
    batch.job_run.refresh_from_db()

    assert batch.status == BatchStatus.FAILED
    assert "RuntimeError" in messages(batch)
    assert "未导入任何记录" in messages(batch)
    assert batch.job_run.status == "failed"


def test_a_batch_the_broker_refuses_ends_failed_not_pending(
    registered, people, monkeypatch, django_capture_on_commit_callbacks
):
    def refused(**kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr("review.tasks.load_batch.delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        batch = submit(csv_bytes(social_insurance_rows(people[:3])), inline=False)
    batch.refresh_from_db()

    assert batch.status == BatchStatus.FAILED
    assert "无法提交后台任务" in messages(batch)


# --- where a clerk uploads ------------------------------------------------------------------


def test_the_upload_page_states_the_limits_and_refuses_a_larger_file(
    registered, client, reviewer_of, settings
):
    client.force_login(reviewer_of("hrss"))
    page = client.get("/review/imports/").content.decode()
    assert "每个文件不超过 20.0\xa0MB、200,000 行数据" in page
    assert "XLSX 文件解压后不超过 128.0\xa0MB" in page

    settings.IMPORT_MAX_BYTES = 10
    upload = SimpleUploadedFile("si.csv", b"x" * 11, content_type="text/csv")
    response = client.post("/review/imports/", {"file": upload})

    assert response.status_code == 200
    assert "超过 10\xa0字节 的上限" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_admin_import_applies_the_same_limits(registered, people, client, settings):
    from django.contrib.auth import get_user_model

    client.force_login(
        get_user_model().objects.create_superuser("root", "root@example.cn", "pw-123456")
    )
    url = "/admin/review/criminalrecord/import/"
    assert "每个文件不超过" in client.get(url).content.decode()

    rows = police_rows(people, "长" * 2_000)
    upload = SimpleUploadedFile("crime.csv", csv_bytes(rows), content_type="text/csv")
    body = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert "第 3 行 · 说明：内容有 2,000 个字符" in body.content.decode()

    settings.IMPORT_MAX_BYTES = 10
    upload = SimpleUploadedFile("crime.csv", csv_bytes(rows), content_type="text/csv")
    body = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert "的上限，请分批导入" in body.content.decode()
    assert CriminalRecord.objects.count() == 0


def test_a_nul_character_in_a_cell_is_an_error_naming_row_and_column(registered, people):
    # Found by tests/test_fuzz_endpoints.py: PostgreSQL refuses NUL in text and jsonb, and the
    # batch ended in a database error instead of its report. (XML, so XLSX, cannot hold one.)
    batch = submit(csv_bytes(police_rows(people, "盗\x00窃")), dept="police", name="crime.csv")

    assert batch.status == BatchStatus.REJECTED
    assert where(batch) == {(3, "说明")}
    assert "含有空字符" in messages(batch)
    assert CriminalRecord.objects.count() == 0


def test_a_nul_character_in_the_header_is_named_without_it(registered, people):
    rows = police_rows(people, "盗窃")
    rows[0][2] = "说\x00明"
    batch = submit(csv_bytes(rows), dept="police", name="crime.csv")
    assert batch.status == BatchStatus.REJECTED
    assert (1, "说\\0明") in where(batch)
