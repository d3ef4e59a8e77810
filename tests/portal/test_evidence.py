"""Evidence: checked by content, size-limited, stored privately, served only to those allowed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.portal.conftest import PDF, PNG
from workflow.models import AuditEvent, Evidence

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


def test_reviewer_of_the_indicators_department_may_open_it(login, stored, reviewer_of):
    assert (
        login(reviewer_of("housing_construction")).get(f"/evidence/{stored.pk}/").status_code == 200
    )
    assert login(reviewer_of("planning")).get(f"/evidence/{stored.pk}/").status_code == 200


def test_administrator_may_open_it(login, stored, administrator):
    assert login(administrator).get(f"/evidence/{stored.pk}/").status_code == 200


@pytest.mark.parametrize(
    "persona", ["other_applicant", "unit_admin", "other_department", "anonymous"]
)
def test_everyone_else_is_refused(request, client, login, stored, reviewer_of, persona):
    if persona == "anonymous":
        response = client.get(f"/evidence/{stored.pk}/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        return
    if persona == "other_department":
        user = reviewer_of("tax")
    elif persona == "other_applicant":
        user = request.getfixturevalue("other_applicant").user
    else:
        user = request.getfixturevalue(persona)
    assert login(user).get(f"/evidence/{stored.pk}/").status_code == 404


def test_storage_has_no_public_url(stored):
    with pytest.raises(ValueError, match="没有公开地址"):
        _ = stored.file.url
