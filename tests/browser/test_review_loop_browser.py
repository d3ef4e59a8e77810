"""The review loop in a real browser (细则第七条): the 教委 reviewer asks for 补件 on the claim
page; the applicant sees the request on the dashboard, uploads and submits; the reviewer
invites to 原件查验 at a district office; the applicant books a half-day slot (a full one is
refused), sees the booking number and opens the PDF slip.

As in test_portal_flow, the round's windows are moved around the real now (Chromium would drop
cookies "expired" in a frozen past)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.browser.conftest import SCREENSHOTS, declaration_round_open_now
from tests.portal.conftest import PNG
from workflow.indicators import DEPARTMENTS
from workflow.models import (
    BEIJING,
    AppState,
    ClaimState,
    Department,
    OriginalsCheck,
    OriginalsState,
    ServiceWindow,
)
from workflow.services import district_offices_ensure
from workflow.services.appointments import window_day_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Beijing-2020-points"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    for code, name in DEPARTMENTS.items():
        Department.objects.get_or_create(code=code, defaults={"name": name})
    office = district_offices_ensure()["district_haidian"]
    now = timezone.now()
    day = dt.timedelta(days=1)
    round = declaration_round_open_now(now)
    users = {}
    for name in ("applicant", "reviewer", "office"):
        user = factories.UserFactory(username=name)
        user.set_password(PASSWORD)
        user.save()
        users[name] = user
    applicant = factories.ApplicantFactory(user=users["applicant"], name="王小明")
    application = factories.ApplicationFactory(
        round=round, applicant=applicant, state=AppState.SUBMITTED
    )
    claim = factories.ClaimFactory(application=application, indicator="education")
    factories.ReviewerFactory(user=users["reviewer"], department=factories.department("education"))
    factories.ReviewerFactory(user=users["office"], department=office)
    window = ServiceWindow.objects.create(
        department=office, name="1号窗口", address="海淀区人才服务中心一层"
    )
    today = timezone.localtime(now, BEIJING).date()
    slot_day = today + 2 * day
    window_day_set(
        window=window,
        date=slot_day,
        morning_capacity=1,
        afternoon_capacity=0,
        actor=users["office"],
    )
    return {
        "claim": claim,
        "window": window,
        "today": today,
        "slot_day": slot_day,
        "due": timezone.localtime(now + 2 * day, BEIJING),
    }


@pytest.fixture
def browser(_chromium):
    """The session's Chromium (tests/browser/conftest.py); each actor opens its own context."""
    return _chromium


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"review-loop-{name}.png"), full_page=True)


def test_from_a_supplement_request_to_a_booked_appointment(live_server, browser, world):
    base = live_server.url
    claim = world["claim"]
    r = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    a = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()

    # 1. The reviewer asks for 补件 on the claim page.
    log_in(r, base, "reviewer")
    r.goto(f"{base}/review/claims/{claim.pk}/")
    r.click("#supplement-request summary")
    r.fill("#id_documents", "学历证书和学位证书扫描件（正反面）")
    r.fill("#id_due_at", world["due"].strftime("%Y-%m-%dT%H:%M"))
    r.click("#supplement-request button")
    assert "待补件" in r.inner_text(".messages")
    assert r.inner_text("[data-count=supplement]") == "1"

    # 2. The applicant sees the request on the dashboard, uploads and submits.
    log_in(a, base, "applicant")
    a.goto(f"{base}/apply/")
    assert "补件：“教育背景”" in a.inner_text("#review-requests")
    shot(a, "01-dashboard")
    a.click("#review-requests >> text=查看并上传")
    assert "学历证书和学位证书扫描件" in a.inner_text("#supplement-documents")
    a.click("#supplement-form button[type=submit]")  # nothing chosen: refused, field named
    assert "补件材料" in a.inner_text(".errorlist")
    a.set_input_files(
        "#id_file", files=[{"name": "学位证.png", "mimeType": "image/png", "buffer": PNG}]
    )
    shot(a, "02-supplement")
    a.click("#supplement-form button[type=submit]")
    a.wait_for_url(f"{base}/apply/")
    assert "已退回审核部门审核" in a.inner_text(".messages")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING

    # 3. The reviewer invites to 原件查验 at the 海淀 office.
    r.goto(f"{base}/review/claims/{claim.pk}/")
    r.click("#originals-invite summary")
    r.select_option("#id_office", label="海淀区政府指定部门")
    r.fill("#originals-invite #id_documents", "学历证书、学位证书原件")
    r.fill("#id_book_from", (world["today"] + dt.timedelta(days=1)).isoformat())
    r.fill("#id_book_until", (world["today"] + dt.timedelta(days=5)).isoformat())
    r.click("#originals-invite button")
    assert "已邀请申请人预约原件查验" in r.inner_text(".messages")

    # 4. The applicant books: the afternoon takes nobody, the morning's one place is taken.
    a.goto(f"{base}/apply/")
    a.click("#review-requests >> text=预约时段")
    assert "1 / 1" in a.inner_text("#slots")
    a.select_option("#id_window", label="1号窗口（海淀区人才服务中心一层）")
    a.fill("#id_date", world["slot_day"].isoformat())
    a.select_option("#id_half", "pm")
    a.click("#booking-form button[type=submit]")
    assert "不接受预约" in a.inner_text("#booking-form")
    a.select_option("#id_half", "am")
    a.click("#booking-form button[type=submit]")
    assert "预约成功" in a.inner_text(".messages")
    number = a.inner_text("#booking-number")
    check = OriginalsCheck.objects.get()
    assert check.state == OriginalsState.BOOKED
    assert number == check.number
    shot(a, "03-booked")

    # 5. The slip is a PDF carrying the number.
    slip = a.request.get(f"{base}/apply/originals/{check.pk}/slip.pdf")
    assert slip.headers["content-type"] == "application/pdf"
    assert number.encode() in slip.body()
