"""落户办理 in a real browser (细则第十一条、第十二条): a qualified applicant prepares the
materials, prints the papers, submits; the district office accepts, the 人社局 approves (the
letter is numbered), the district office records the settlement; the applicant sees it.
Screenshots go to test-artifacts/screenshots/.

As in test_portal_flow, the round's timetable is moved around the real now instead of the
clock (Chromium would drop cookies "expired" in a frozen past).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests import factories
from tests.browser.conftest import SCREENSHOTS
from workflow.indicators import DEPARTMENTS
from workflow.models import Application, AppState, Department, Phase
from workflow.services import district_office_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Beijing-2020-points"


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for code, name in DEPARTMENTS.items():
        Department.objects.get_or_create(code=code, defaults={"name": name})
    now = timezone.now()
    day = dt.timedelta(days=1)
    round = factories.RoundFactory(
        year=2020,
        phase=Phase.CLOSED,
        declaration_opens_at=now - 60 * day,
        declaration_closes_at=now - 50 * day,
        aggregation_opens_at=now - 49 * day,
        aggregation_closes_at=now - 40 * day,
        result_query_opens_at=now - 39 * day,
        result_query_closes_at=now - 35 * day,
        recheck_opens_at=now - 34 * day,
        recheck_closes_at=now - 30 * day,
        publicity_opens_at=now - 20 * day,
        publicity_closes_at=now - 13 * day,
    )
    users = {}
    for username in ("applicant", "office", "hrss"):
        user = factories.UserFactory(username=username)
        user.set_password(PASSWORD)
        user.save()
        users[username] = user
    applicant = factories.ApplicantFactory(user=users["applicant"], name="王小明")
    application = factories.ApplicationFactory(
        round=round,
        applicant=applicant,
        employer=factories.EmployerFactory(name="北京示例科技有限公司"),
        state=AppState.QUALIFIED,
        total_points=Decimal("112.34"),
        rank=10,
        admitted=True,
        qualified_until=timezone.localdate(now) + 700 * day,
    )
    district_office_grant(user=users["office"])
    factories.ReviewerFactory(user=users["hrss"], department=factories.department("hrss"))
    return application


def log_in(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    return context, page


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"settlement-{name}.png"), full_page=True)


def pdf_text(page, href: str) -> str:
    origin = "/".join(page.url.split("/")[:3])  # the page's own cookies go with the request
    response = page.request.get(origin + href)
    assert response.headers["content-type"] == "application/pdf"
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


@pytest.fixture
def browser(_chromium):
    """The session's Chromium (tests/browser/conftest.py); each actor opens its own context."""
    return _chromium


def test_from_qualification_to_printed_materials_and_settlement(live_server, browser, world):
    base = live_server.url
    applicant_ctx, a = log_in(browser, base, "applicant")
    try:
        # 1. The dashboard's 落户办理 card leads to the settlement page.
        a.goto(f"{base}/apply/")
        a.click("#settlement-link")
        a.click("#settlement-start")
        assert a.locator("#settlement-state").inner_text() == "准备材料"

        # 2. Where to settle and the archive; a missing address is named on its field.
        a.check("input[name=home_kind][value=collective]")
        a.check("input[name=has_archive][value='0']")
        a.click("#materials-save")
        assert "落户地址：" in a.locator("#settlement-materials").inner_text()
        a.check("input[name=home_kind][value=collective]")
        a.check("input[name=has_archive][value='0']")
        a.fill("#id_home_address", "北京示例科技有限公司集体户")
        a.check("#id_marriage_certificate")
        a.click("#materials-save")

        # 3. One child, born on the day the two-child policy applies from: no certificate.
        a.fill("#id_name", "王小小")
        a.fill("#id_birth_date", "2016-01-01")
        a.check("#id_hukou_booklet")
        a.check("#id_birth_certificate")
        a.click("#child-add")
        assert "2016年1月1日（含）以后生育两孩以内" in a.locator("#family-planning").inner_text()
        assert "细则第十一条（二）" in a.locator("#family-planning").inner_text()

        # 4. The printed papers: the form, the registration, the statement (no archive).
        number = f"2020A{world.pk:06d}"
        for kind, title in (
            ("application-form", "北京市积分落户申请表"),
            ("transfer-registration", "调动人员情况登记表"),
            ("integrity-statement", "无档案诚信声明"),
        ):
            text = pdf_text(a, a.locator(f"#pdf-{kind}").get_attribute("href"))
            assert title in text
            assert "王小明" in text
            assert number in text
            assert "第 1 页 共" in text
        shot(a, "applicant-prepared")

        # 5. Submitted to the district office.
        a.click("#settlement-submit-button")
        assert a.locator("#settlement-state").inner_text() == "已提交，待区指定部门审核"
    finally:
        applicant_ctx.close()

    office_ctx, o = log_in(browser, base, "office")
    try:
        # 6. The district office's queue (its home page) → accept.
        assert o.url.endswith("/publicity/manage/settlements/")
        o.get_by_role("link", name="王小明").click()
        o.click("#accept")
        assert "待市人力资源社会保障局核准" in o.locator("#settlement-state").inner_text()
    finally:
        office_ctx.close()

    hrss_ctx, h = log_in(browser, base, "hrss")
    try:
        # 7. The 人社局 approves; the letter is numbered.
        h.goto(f"{base}/publicity/manage/settlements/")
        h.get_by_role("link", name="王小明").click()
        h.click("#approve")
        year = timezone.localdate().year
        assert h.locator("#letter-number").inner_text() == f"京人社积分落户函〔{year}〕0001号"
    finally:
        hrss_ctx.close()

    office_ctx, o = log_in(browser, base, "office")
    try:
        # 8. The settlement is recorded only with the residence permit cancelled.
        o.goto(f"{base}/publicity/manage/settlements/{world.pk}/")
        o.click("#record")
        assert "《北京市居住证》" in o.locator(".messages").inner_text()
        o.check("#id_record-residence_permit_cancelled")
        o.click("#record")
        assert o.locator("#settlement-state").inner_text() == "已落户"
        shot(o, "office-settled")
    finally:
        office_ctx.close()

    applicant_ctx, a = log_in(browser, base, "applicant")
    try:
        # 9. The applicant sees the settlement and can print the letter.
        a.goto(f"{base}/publicity/settlement/")
        assert a.locator("#settlement-state").inner_text() == "已落户"
        letter = pdf_text(a, a.locator("#pdf-approval-letter").get_attribute("href"))
        assert "0001号" in letter
        assert "王小明" in letter
        shot(a, "applicant-settled")
    finally:
        applicant_ctx.close()
    assert Application.objects.get(pk=world.pk).state == AppState.SETTLED
