"""Evidence: checked by content, size-limited, stored privately, served only to those allowed."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.portal.conftest import PDF, PNG
from workflow.models import Application, AppState, AuditEvent, Evidence

pytestmark = pytest.mark.django_db


def upload(client, code, name, content, content_type="application/pdf"):
    return client.post(
        f"/apply/indicators/{code}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        follow=True,
    )


@pytest.fixture
def stored(login, filling, clock):
    upload(login(filling.applicant.user), "housing", "房产证.pdf", PDF)
    return Evidence.objects.get()


def test_pdf_and_png_are_stored_outside_the_web_root(login, filling, clock, settings):
    client = login(filling.applicant.user)
    response = upload(client, "housing", "房产证.pdf", PDF)
    assert "已上传 1 个文件" in response.content.decode()
    upload(client, "housing", "photo.PNG", PNG, "image/png")
    items = list(Evidence.objects.order_by("id"))
    assert [(e.content_type, e.extension) for e in items] == [
        ("application/pdf", "pdf"),
        ("image/png", "png"),
    ]
    path = items[0].file.path
    assert path.startswith(str(settings.PRIVATE_STORAGE_ROOT))
    assert "房产证" not in path  # the stored name never comes from the uploader
    assert AuditEvent.objects.filter(action="evidence.upload").count() == 2


def test_type_is_checked_by_content_not_by_name(login, filling, clock):
    response = upload(
        login(filling.applicant.user), "housing", "房产证.pdf", b"MZ\x90\x00 not really a pdf" * 20
    )
    page = response.content.decode()
    assert "证明材料" in page
    assert "不是 PDF、JPG、PNG 格式" in page
    assert not Evidence.objects.exists()


def test_a_zip_renamed_to_png_is_refused(login, filling, clock):
    response = upload(
        login(filling.applicant.user),
        "housing",
        "scan.png",
        b"PK\x03\x04" + b"\x00" * 100,
        "image/png",
    )
    assert "实际为 application/zip" in response.content.decode()


def test_size_limit(login, filling, clock, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = upload(login(filling.applicant.user), "housing", "big.pdf", PDF + b"0" * 2000)
    assert "超过上限" in response.content.decode()
    assert not Evidence.objects.exists()


def test_owner_downloads_with_safe_headers(login, stored, filling):
    response = login(filling.applicant.user).get(f"/evidence/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def in_review(stored, filling):
    """The housing evidence's application submitted, with its housing claim (住建委)."""
    factories.ClaimFactory(application=filling, indicator="housing", declared_facts={})
    Application.objects.filter(pk=filling.pk).update(state=AppState.SUBMITTED)
    return stored


# persona -> status of GET /evidence/<id>/ for a file of a submitted application's claim.
EVIDENCE_MATRIX = {
    "owner": 200,
    "administrator": 200,
    "reviewer_of_the_claims_department": 200,
    # 规划自然资源委 supports 住所 review but holds no claim: not theirs to open.
    "reviewer_of_a_supporting_department": 404,
    "reviewer_of_another_department": 404,
    "other_applicant": 404,
    "unit_admin": 404,  # the applicant's own employer: never
    "anonymous": 302,
}


def persona_client(request, client, login, reviewer_of, persona):
    users = {
        "owner": lambda: request.getfixturevalue("filling").applicant.user,
        "administrator": lambda: request.getfixturevalue("administrator"),
        "reviewer_of_the_claims_department": lambda: reviewer_of("housing_construction"),
        "reviewer_of_a_supporting_department": lambda: reviewer_of("planning"),
        "reviewer_of_another_department": lambda: reviewer_of("tax"),
        "other_applicant": lambda: request.getfixturevalue("other_applicant").user,
        "unit_admin": lambda: request.getfixturevalue("unit_admin"),
    }
    return client if persona == "anonymous" else login(users[persona]())


@pytest.mark.parametrize(("persona", "status"), list(EVIDENCE_MATRIX.items()))
def test_permission_matrix_evidence_of_a_submitted_application(
    request, client, login, reviewer_of, in_review, persona, status
):
    response = persona_client(request, client, login, reviewer_of, persona).get(
        f"/evidence/{in_review.pk}/"
    )
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "state", ["draft", "awaiting_employer", "filling", "rejected_by_employer", "withdrawn"]
)
def test_reviewer_cannot_open_evidence_of_an_application_not_in_review(
    login, in_review, filling, reviewer_of, administrator, state
):
    # Until submitted (and once withdrawn) the file is the applicant's alone, even with a
    # claim of the reviewer's department: the same rule as the claim pages.
    Application.objects.filter(pk=filling.pk).update(state=state)
    url = f"/evidence/{in_review.pk}/"
    assert login(reviewer_of("housing_construction")).get(url).status_code == 404
    assert login(filling.applicant.user).get(url).status_code == 200
    assert login(administrator).get(url).status_code == 200


def test_reviewer_cannot_open_evidence_of_an_indicator_without_a_claim(
    login, filling, clock, reviewer_of
):
    # Evidence uploaded for 教育背景, but the submitted application declares no education claim.
    upload(login(filling.applicant.user), "education", "毕业证.pdf", PDF)
    evidence = Evidence.objects.get()
    Application.objects.filter(pk=filling.pk).update(state=AppState.SUBMITTED)
    assert login(reviewer_of("education")).get(f"/evidence/{evidence.pk}/").status_code == 404


def test_probing_evidence_ids_opens_only_the_departments_own_files(
    login, in_review, filling, other_applicant, round2020, employer, clock, reviewer_of
):
    # Another applicant's housing file, still filling in; and a file of the first applicant
    # for an indicator with no claim. Counting through /evidence/1/, /2/, … the reviewer
    # gets one and the same "not found" for each of them and for ids that do not exist.
    other = factories.ApplicationFactory(
        round=round2020, applicant=other_applicant, employer=employer, state=AppState.FILLING
    )
    factories.ClaimFactory(application=other, indicator="housing", declared_facts={})
    upload(login(other_applicant.user), "housing", "租赁合同.pdf", PDF)
    Application.objects.filter(pk=filling.pk).update(state=AppState.FILLING)
    upload(login(filling.applicant.user), "education", "毕业证.pdf", PDF)
    Application.objects.filter(pk=filling.pk).update(state=AppState.SUBMITTED)

    client = login(reviewer_of("housing_construction"))
    # Every id of this test's rows and a few either side (on PostgreSQL ids keep counting
    # across tests, so the range starts at this test's first row).
    first = Evidence.objects.order_by("pk").values_list("pk", flat=True).first()
    last = Evidence.objects.order_by("-pk").values_list("pk", flat=True).first()
    not_found = client.get(f"/evidence/{last + 1000}/")
    assert not_found.status_code == 404
    opened = set()
    for pk in range(max(1, first - 3), last + 3):
        response = client.get(f"/evidence/{pk}/")
        if response.status_code == 200:
            opened.add(pk)
            continue
        assert response.status_code == 404, pk
        assert response.content == not_found.content, pk
    assert opened == {in_review.pk}


def test_storage_has_no_public_url(stored):
    with pytest.raises(ValueError, match="没有公开地址"):
        _ = stored.file.url


# --- stated up front, duplicates, delete and replace until submission ------------------------

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EQUITY = {
    "awards": [],
    "equity": {
        "qualified_firm": True,
        "investor_funding_3y_wan": "600",
        "equity_financing_3y_wan": "4500",
        "holding_pct": "12",
        "full_year": True,
    },
}


def test_limits_and_need_are_stated_before_any_upload(login, filling, clock, settings):
    settings.EVIDENCE_MAX_FILES = 7
    page = login(filling.applicant.user).get("/apply/indicators/housing/").content.decode()
    assert "PDF、JPG、PNG 格式" in page
    assert "单个文件不超过 10.0 MB" in page
    assert "本项最多 7 个文件" in page
    assert "同一文件不能重复上传" in page
    # 住所 is in the departments' records: evidence is not needed (细则第六条、第七条).
    assert "一般无需上传" in page
    assert "必须上传" not in page


def test_equity_declared_says_evidence_must_be_uploaded(login, filling, clock):
    factories.ClaimFactory(application=filling, indicator="innovation", declared_facts=EQUITY)
    page = login(filling.applicant.user).get("/apply/indicators/innovation/").content.decode()
    assert "必须上传：" in page
    assert "投资协议" in page


def test_zero_files_are_refused_with_the_fields_name(login, filling, clock):
    response = login(filling.applicant.user).post(
        "/apply/indicators/housing/evidence/", {}, follow=True
    )
    assert "证明材料：请选择要上传的文件。" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_exact_duplicate_is_refused_naming_both_files(login, filling, clock):
    client = login(filling.applicant.user)
    upload(client, "housing", "房产证.pdf", PDF)
    response = upload(client, "housing", "房产证（副本）.pdf", PDF)
    assert "文件“房产证（副本）.pdf”与已上传的“房产证.pdf”内容完全相同" in response.content.decode()
    assert Evidence.objects.count() == 1
    assert len(Evidence.objects.get().sha256) == 64


def test_the_same_file_twice_in_one_selection_is_stored_once(login, filling, clock):
    response = login(filling.applicant.user).post(
        "/apply/indicators/housing/evidence/",
        {
            "file": [
                SimpleUploadedFile("a.png", PNG, content_type="image/png"),
                SimpleUploadedFile("b.png", PNG, content_type="image/png"),
            ]
        },
        follow=True,
    )
    page = response.content.decode()
    assert "已上传 1 个文件" in page
    assert "文件“b.png”与已上传的“a.png”内容完全相同" in page
    assert Evidence.objects.count() == 1


def test_the_count_limit_is_told_and_kept(login, filling, clock, settings):
    settings.EVIDENCE_MAX_FILES = 1
    client = login(filling.applicant.user)
    upload(client, "housing", "房产证.pdf", PDF)
    response = upload(client, "housing", "照片.png", PNG, "image/png")
    assert "“合法稳定住所”最多上传 1 个文件，已有 1 个" in response.content.decode()
    assert Evidence.objects.count() == 1


def test_delete_before_submission_removes_the_file_and_is_audited(
    login, stored, filling, django_capture_on_commit_callbacks
):
    path = stored.file.path
    client = login(filling.applicant.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/evidence/{stored.pk}/delete/", follow=True)
    assert "已删除证明材料“房产证.pdf”" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not os.path.exists(path)
    event = AuditEvent.objects.get(action="evidence.delete")
    assert event.actor == filling.applicant.user
    assert event.before["original_name"] == "房产证.pdf"
    assert event.after is None
    # The same file may then be uploaded again.
    assert "已上传 1 个文件" in upload(client, "housing", "房产证.pdf", PDF).content.decode()


def test_replace_before_submission_keeps_one_file_and_audits_before_and_after(
    login, stored, filling
):
    response = login(filling.applicant.user).post(
        f"/evidence/{stored.pk}/replace/",
        {"file": SimpleUploadedFile("房产证-清晰.jpg", JPEG, content_type="image/jpeg")},
        follow=True,
    )
    assert "已用“房产证-清晰.jpg”替换“房产证.pdf”" in response.content.decode()
    (new,) = Evidence.objects.all()
    assert (new.original_name, new.content_type) == ("房产证-清晰.jpg", "image/jpeg")
    event = AuditEvent.objects.get(action="evidence.replace")
    assert event.before["original_name"] == "房产证.pdf"
    assert event.after["original_name"] == "房产证-清晰.jpg"
    assert event.actor == filling.applicant.user


def test_replace_by_a_copy_of_another_file_is_refused(login, stored, filling):
    client = login(filling.applicant.user)
    upload(client, "housing", "照片.png", PNG, "image/png")
    response = client.post(
        f"/evidence/{stored.pk}/replace/",
        {"file": SimpleUploadedFile("again.png", PNG, content_type="image/png")},
        follow=True,
    )
    assert "与已上传的“照片.png”内容完全相同" in response.content.decode()
    assert set(Evidence.objects.values_list("original_name", flat=True)) == {
        "房产证.pdf",
        "照片.png",
    }


def test_after_submission_no_delete_nor_replace_but_more_files(login, stored, filling):
    client = login(filling.applicant.user)
    client.post("/apply/submit/")
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    page = client.get("/apply/indicators/housing/").content.decode()
    assert f"/evidence/{stored.pk}/delete/" not in page
    assert "已上传的文件不能再删除或替换，仍可补充上传" in page
    response = client.post(f"/evidence/{stored.pk}/delete/", follow=True)
    assert "提交时的证明材料“房产证.pdf”不能再删除" in response.content.decode()
    response = client.post(
        f"/evidence/{stored.pk}/replace/",
        {"file": SimpleUploadedFile("x.png", PNG, content_type="image/png")},
        follow=True,
    )
    assert "不能再替换" in response.content.decode()
    assert Evidence.objects.get().pk == stored.pk
    assert (
        "已上传 1 个文件" in upload(client, "housing", "x.png", PNG, "image/png").content.decode()
    )


def test_another_applicant_cannot_delete_or_replace(login, stored, other_applicant):
    client = login(other_applicant.user)
    assert client.post(f"/evidence/{stored.pk}/delete/").status_code == 404
    replace = client.post(
        f"/evidence/{stored.pk}/replace/",
        {"file": SimpleUploadedFile("x.png", PNG, content_type="image/png")},
    )
    assert replace.status_code == 404
    assert Evidence.objects.filter(pk=stored.pk).exists()


def test_submission_refused_when_equity_has_no_evidence(login, filling, clock):
    factories.ClaimFactory(application=filling, indicator="innovation", declared_facts=EQUITY)
    client = login(filling.applicant.user)
    # Said on the dashboard before submitting, then on submitting.
    assert "须上传证明材料" in client.get("/apply/").content.decode()
    response = client.post("/apply/submit/", follow=True)
    assert "尚不能提交：“创新创业”申报了股权投资" in response.content.decode()
    filling.refresh_from_db()
    assert filling.state == AppState.FILLING
    upload(client, "innovation", "投资协议.pdf", PDF)
    assert "须上传证明材料" not in client.get("/apply/").content.decode()
    client.post("/apply/submit/")
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED


def test_submission_needs_no_evidence_where_the_data_exchange_verifies(login, filling, clock):
    factories.ClaimFactory(application=filling, indicator="education")
    login(filling.applicant.user).post("/apply/submit/")
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
