"""失信记录报送 (细则第十七条): each record reaches 市经济和信息化局 exactly once, in a dated,
signed batch that can be downloaded again unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from publicity import credit_exports, services
from publicity.models import CreditExport, CreditRecord
from tests import factories
from tests.publicity.conftest import set_phase
from workflow import roles
from workflow.exceptions import DomainError, NotPermitted
from workflow.models import Application, AuditEvent, Phase


def _fraud(round, name, administrator, **extra):
    application = Application.objects.select_related("applicant", "employer", "round").get(
        round=round, applicant__name=name
    )
    return services.fraud_record(
        application=application, reason=f"{name}伪造学位证书", actor=administrator, **extra
    )


@pytest.fixture
def credit_platform_user(db):
    user = factories.UserFactory(username="jxj-credit")
    user.groups.add(Group.objects.get(name=roles.CREDIT_PLATFORM_GROUP))
    return user


@pytest.fixture
def fraud_records(ranked_round, administrator):
    set_phase(ranked_round, Phase.RECHECK_RANKING)
    records = _fraud(
        ranked_round,
        "甲",
        administrator,
        employer_assisted=True,
        employer_reason="单位出具虚假劳动合同",
    )
    records += _fraud(ranked_round, "乙", administrator)
    return records


def test_a_batch_takes_every_record_once_and_the_next_batch_only_new_ones(
    fraud_records, ranked_round, administrator
):
    first = credit_exports.credit_export_create(actor=administrator)
    assert first.record_count == 3
    assert set(first.records.values_list("pk", flat=True)) == {r.pk for r in fraud_records}
    with pytest.raises(DomainError, match="没有尚未报送的失信记录"):
        credit_exports.credit_export_create(actor=administrator)

    later = _fraud(ranked_round, "丙", administrator)
    second = credit_exports.credit_export_create(actor=administrator)
    assert second.record_count == 1
    assert list(second.records.all()) == later
    assert first.number.endswith("-0001")
    assert second.number.endswith("-0002")
    assert CreditRecord.objects.filter(export__isnull=True).count() == 0


def test_the_json_file_names_each_party_masks_identity_numbers_and_verifies(
    fraud_records, administrator
):
    export = credit_exports.credit_export_create(actor=administrator)
    content, content_type, filename = credit_exports.credit_export_file(
        export=export, fmt="json", actor=administrator
    )
    assert content_type == "application/json"
    assert filename.endswith(".json")
    document = json.loads(content)
    rows = {(row["party"], row["name"]): row for row in document["records"]}
    jia = fraud_records[0].applicant
    applicant_row = rows[("申请人", "甲")]
    assert applicant_row["identifier"] != jia.id_number
    assert applicant_row["identifier"][:6] == jia.id_number[:6]
    assert "********" in applicant_row["identifier"]
    assert applicant_row["finding"] == "甲伪造学位证书"
    employer = fraud_records[1].employer
    assert rows[("用人单位", employer.name)]["identifier"] == employer.credit_code
    assert rows[("用人单位", employer.name)]["finding"] == "单位出具虚假劳动合同"
    assert document["batch"]["record_count"] == 3
    assert credit_exports.credit_export_verify(content) == export

    document["records"][0]["finding"] = "改过的事实"
    with pytest.raises(DomainError, match="记录内容与生成时不同"):
        credit_exports.credit_export_verify(json.dumps(document).encode())
    document = json.loads(content)
    document["batch"]["signature_hmac_sha256"] = "0" * 64
    with pytest.raises(DomainError, match="签名无效"):
        credit_exports.credit_export_verify(json.dumps(document).encode())


def test_downloading_again_gives_the_same_bytes_in_every_format(
    fraud_records, administrator, credit_platform_user
):
    export = credit_exports.credit_export_create(actor=administrator)
    for fmt in ("json", "csv", "xlsx"):
        once, *_ = credit_exports.credit_export_file(export=export, fmt=fmt, actor=administrator)
        again, *_ = credit_exports.credit_export_file(
            export=export, fmt=fmt, actor=credit_platform_user
        )
        assert once == again
    csv_content, *_ = credit_exports.credit_export_file(
        export=export, fmt="csv", actor=administrator
    )
    table = list(csv.reader(io.StringIO(csv_content.decode("utf-8-sig"))))
    assert export.number in table[0][0]
    assert export.sha256 in table[0][0]
    assert table[1][0] == "记录编号"
    assert len(table) == 2 + 3
    xlsx_content, *_ = credit_exports.credit_export_file(
        export=export, fmt="xlsx", actor=administrator
    )
    sheet = load_workbook(io.BytesIO(xlsx_content)).active
    assert sheet.max_row == 2 + 3
    assert AuditEvent.objects.filter(action="credit.export.download").count() == 8


def test_only_administrators_make_batches_and_only_they_and_the_platform_download(
    fraud_records, administrator, credit_platform_user, reviewer_of, client
):
    with pytest.raises(NotPermitted):
        credit_exports.credit_export_create(actor=credit_platform_user)
    export = credit_exports.credit_export_create(actor=administrator)
    reviewer = reviewer_of("hrss")
    with pytest.raises(NotPermitted):
        credit_exports.credit_export_file(export=export, fmt="json", actor=reviewer)

    client.force_login(reviewer)
    assert client.get(reverse("publicity:credit_exports")).status_code == 403
    url = reverse("publicity:credit_export_download", args=[export.pk, "csv"])
    assert client.get(url).status_code == 403

    client.force_login(credit_platform_user)
    page = client.get(reverse("publicity:credit_exports"))
    assert page.status_code == 200
    assert export.number in page.content.decode()
    assert "生成报送批次" not in page.content.decode()  # the platform reads, never makes
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'credit-records-{export.number}.csv"')


def test_the_page_makes_a_batch_and_says_so_and_an_empty_press_says_why(
    fraud_records, administrator, client
):
    client.force_login(administrator)
    page = client.get(reverse("publicity:credit_exports")).content.decode()
    assert "尚未报送的失信记录：<strong>3</strong> 条" in page
    response = client.post(reverse("publicity:credit_exports"), follow=True)
    export = CreditExport.objects.get()
    assert f"已生成报送批次 {export.number}，共 3 条记录" in response.content.decode()
    response = client.post(reverse("publicity:credit_exports"), follow=True)
    assert "没有尚未报送的失信记录" in response.content.decode()
    assert CreditExport.objects.count() == 1
    event = AuditEvent.objects.get(action="credit.export")
    assert event.actor == administrator
    assert sorted(event.after["record_ids"]) == sorted(r.pk for r in fraud_records)


def test_the_platform_account_lands_on_its_batches(credit_platform_user, client):
    client.force_login(credit_platform_user)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("publicity:credit_exports")
    assert "失信记录报送（市经济和信息化局）" in response.content.decode()
