"""Department batches: all or nothing, with a row-by-row report a clerk can act on."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from review.models import BatchStatus, ImportBatch, ResidencePermit, SocialInsurancePeriod
from review.services.imports import batch_submit
from review.synthetic import csv_bytes, social_insurance_rows, xlsx_bytes
from tests import factories
from tests.review.conftest import build_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(declaration_round, people):
    """Applicants registered (no records yet)."""
    return [build_application(f, round=declaration_round, with_records=False) for f in people[:3]]


def submit(rows, *, dept="hrss", fmt="csv"):
    content = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
    return batch_submit(
        department=factories.department(dept), file_name=f"batch.{fmt}", content=content
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_batch_loads_every_row(registered, people, fmt):
    rows = social_insurance_rows(people[:3])
    batch = submit(rows, fmt=fmt)
    assert batch.status == BatchStatus.LOADED, batch.errors
    assert SocialInsurancePeriod.objects.count() == len(rows) - 1 == batch.new_rows
    # loading the same file again updates, never duplicates
    again = submit(rows, fmt=fmt)
    assert again.status == BatchStatus.LOADED
    assert SocialInsurancePeriod.objects.count() == len(rows) - 1 == again.updated_rows


def test_a_batch_with_bad_rows_loads_nothing_and_reports_every_bad_row(registered, people):
    rows = social_insurance_rows(people[:3])
    rows[2][1] = "2015-13"  # bad month
    rows[3][0] = "110101199001011234"  # bad check digit
    rows.append(list(rows[1]))  # duplicate of line 2
    rows.append(
        ["11010519491231002X", "2010-01", "", "朝阳区", "否"]
    )  # valid number, nobody registered
    rows[4][3] = "北京市"  # unknown district
    batch = submit(rows)
    assert batch.status == BatchStatus.REJECTED
    assert SocialInsurancePeriod.objects.count() == 0
    report = {(e["row"], e["column"]) for e in batch.errors}
    last = len(rows)
    assert (3, "起始月份") in report
    assert (4, "公民身份号码") in report
    assert (5, "缴费区") in report
    assert (last - 1, "整行") in report  # the duplicate names the first line
    assert (last, "公民身份号码") in report
    messages = " ".join(e["message"] for e in batch.errors)
    assert "与第 2 行重复" in messages
    assert "系统中没有公民身份号码" in messages
    assert "YYYY-MM" in messages


def test_the_uploaded_file_is_deleted_once_decided_and_its_report_kept(registered, people):
    rows = social_insurance_rows(people[:3])
    loaded = submit(rows)
    rows.append(["11010519491231002X", "2010-01", "", "朝阳区", "否"])  # nobody registered
    rejected = submit(rows)

    for batch in (loaded, rejected):
        stored = ImportBatch.objects.get(pk=batch.pk)
        assert bytes(stored.content) == b""  # the department's identity numbers, gone
    assert (loaded.status, loaded.new_rows) == (BatchStatus.LOADED, len(rows) - 2)
    assert rejected.status == BatchStatus.REJECTED
    [error] = ImportBatch.objects.get(pk=rejected.pk).errors
    assert (error["row"], error["column"]) == (len(rows), "公民身份号码")
    # The report outlives the file: it shows the number masked.
    assert "110105********002X" in error["message"]
    assert "11010519491231002X" not in error["message"]


def test_a_wrong_header_loads_nothing_and_names_the_columns(registered, people):
    rows = social_insurance_rows(people[:1])
    rows[0][1] = "开始时间"
    batch = submit(rows)
    assert batch.status == BatchStatus.REJECTED
    assert {"row": 1, "column": "起始月份", "message": "缺少该列"} in batch.errors
    assert {"row": 1, "column": "开始时间", "message": "不应有该列"} in batch.errors


def test_bad_dates_in_an_xlsx_police_batch(registered, people):
    rows = [
        ["公民身份号码", "签发日期"],
        [people[0]["person"]["id_number"], "2016-02-30"],
        [people[1]["person"]["id_number"], "2016-03-01"],
    ]
    batch = submit(rows, dept="police", fmt="xlsx")
    assert batch.status == BatchStatus.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "签发日期")]
    assert ResidencePermit.objects.count() == 0


def test_records_arriving_verify_the_affected_applications(
    registered, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = submit(social_insurance_rows(people[:3]))
    assert batch.status == BatchStatus.LOADED
    employment = registered[0].claims.get(indicator="employment")
    assert employment.state == "verified"


def test_command_prints_the_report_and_fails(registered, people, tmp_path, capsys):
    rows = social_insurance_rows(people[:1])
    rows[1][1] = "bad"
    path = tmp_path / "si.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("import_department_records", "hrss", str(path))
    assert "第 2 行 · 起始月份" in capsys.readouterr().err
    rows[1][1] = people[0]["social_insurance"][0]["from"]
    path.write_bytes(csv_bytes(rows))
    call_command("import_department_records", "hrss", str(path))
    assert SocialInsurancePeriod.objects.count() == len(rows) - 1


def test_admin_import_reports_bad_rows_and_loads_nothing(registered, people, client):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin_user = get_user_model().objects.create_superuser("root", "root@example.cn", "pw-123456")
    client.force_login(admin_user)
    url = "/admin/review/socialinsuranceperiod/import/"
    assert client.get(url).status_code == 200
    rows = social_insurance_rows(people[:2])
    rows[2][1] = "2015-13"
    upload = SimpleUploadedFile("si.csv", csv_bytes(rows), content_type="text/csv")
    response = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "YYYY-MM" in body
    assert SocialInsurancePeriod.objects.count() == 0


def test_export_command_writes_the_departments_pending_claims(registered, tmp_path):
    path = tmp_path / "pending.csv"
    call_command("export_department_claims", "education", "pending", str(path))
    text = path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("指标编号,年度,公民身份号码")
    assert "教育背景" in text
    assert "合法稳定就业" not in text


def test_a_large_batch_runs_as_a_job_with_progress(
    registered, people, django_capture_on_commit_callbacks
):
    from review.services.imports import batch_progress

    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(
            department=factories.department("hrss"),
            file_name="big.csv",
            content=csv_bytes(social_insurance_rows(people[:3])),
            inline=False,
        )
        assert batch.status == BatchStatus.PENDING
    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADED
    assert batch_progress(batch=batch) == (batch.total_rows, batch.total_rows)
    batch.job_run.refresh_from_db()
    assert (batch.job_run.status, batch.job_run.done) == ("succeeded", batch.total_rows)


# --- a batch streamed in chunks (issue 13): the file's rows, numbers and duplicates --------


@pytest.fixture
def two_row_chunks(monkeypatch):
    """A chunk of two rows, so a three-person batch spans several chunks."""
    monkeypatch.setattr("review.services.imports.CHUNK_ROWS", 2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_batch_longer_than_one_chunk_loads_every_row_with_one_audit_row(
    registered, people, two_row_chunks, fmt
):
    from workflow.models import AuditEvent

    rows = social_insurance_rows(people[:3])
    data_rows = len(rows) - 1
    assert data_rows > 4  # at least three chunks
    batch = submit(rows, fmt=fmt)
    assert batch.status == BatchStatus.LOADED, batch.errors
    assert (batch.total_rows, batch.new_rows, batch.updated_rows) == (data_rows, data_rows, 0)
    assert SocialInsurancePeriod.objects.count() == data_rows
    [audit] = AuditEvent.objects.filter(action="records.import", object_id=str(batch.pk))
    assert audit.after == {
        "kind": "social_insurance",
        "rows": data_rows,
        "new": data_rows,
        "updated": 0,
    }
    again = submit(rows, fmt=fmt)
    assert (again.new_rows, again.updated_rows) == (0, data_rows)
    assert SocialInsurancePeriod.objects.count() == data_rows


def test_a_bad_row_in_a_later_chunk_loads_nothing_and_names_its_row_of_the_file(
    registered, people, two_row_chunks
):
    from workflow.models import AuditEvent

    rows = social_insurance_rows(people[:3])
    rows.insert(3, ["", "", "", "", ""])  # a blank line between data is a row of the file
    rows[-1][1] = "2015-13"  # the last row, in the last chunk
    batch = submit(rows)
    assert batch.status == BatchStatus.REJECTED
    assert SocialInsurancePeriod.objects.count() == 0  # the earlier chunks were rolled back
    assert not AuditEvent.objects.filter(action="records.import").exists()
    report = {(e["row"], e["column"]) for e in batch.errors}
    assert report == {
        (4, "公民身份号码"),
        (4, "起始月份"),
        (4, "缴费区"),
        (4, "是否补缴"),
        (len(rows), "起始月份"),
    }


def test_a_duplicate_of_a_row_in_an_earlier_chunk_names_the_first_line(
    registered, people, two_row_chunks
):
    rows = social_insurance_rows(people[:3])
    rows.append(list(rows[1]))
    batch = submit(rows)
    assert batch.status == BatchStatus.REJECTED
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (len(rows), "整行", "与第 2 行重复")
    ]
    assert SocialInsurancePeriod.objects.count() == 0


def test_records_in_every_chunk_verify_their_applications(
    registered, people, two_row_chunks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = submit(social_insurance_rows(people[:3]))
    assert batch.status == BatchStatus.LOADED
    # The first person's rows are in the first chunk, the last one's in the last: the
    # applicants of every chunk are verified, not only those of the chunk loaded last.
    for application in (registered[0], registered[2]):
        assert application.claims.get(indicator="employment").state == "verified"


def test_department_files_of_a_long_kind_are_split_under_the_row_limit_each_with_its_header():
    from ranking.population import generate_population
    from review.synthetic import headers_of, record_files

    people = list(generate_population(year=2020, count=40, seed=5))
    whole = {kind: (content, rows) for kind, content, rows in record_files(people)}
    parts = record_files(people, max_rows=10)
    for kind, (content, rows) in whole.items():
        mine = [(c, n) for k, c, n in parts if k == kind]
        assert sum(n for _, n in mine) == rows
        assert all(n <= 10 for _, n in mine)
        header = ",".join(headers_of(kind))
        assert all(c.decode().splitlines()[0] == header for c, _ in mine)
        # The parts hold the same records in the same order as the one file.
        body = [line for c, _ in mine for line in c.decode().splitlines()[1:]]
        assert body == content.decode().splitlines()[1:]
    assert len(parts) > len(whole)
