"""The housing page in a real browser: last year's verified own home in one click, then the
evidence (limits stated first, a duplicate refused, replace, delete), at desktop width and
on a 390-px phone, with JavaScript and without it (every form is a plain POST).

The round's timetable is data: the windows are moved around the real now (Chromium drops
cookies "expired" in a frozen 2020).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ranking.policy.identity import make_id_number
from tests import factories
from tests.browser.conftest import LOCALE, SCREENSHOTS, declaration_round_open_now
from tests.portal.conftest import PDF, PNG
from workflow.indicators import DEPARTMENTS
from workflow.models import (
    Application,
    AppState,
    ClaimState,
    Department,
    Evidence,
    IndicatorClaim,
    Phase,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Beijing-2020-points"
ID_NUMBER = make_id_number("110105", dt.date(1985, 7, 12), 7, "M")
OWN = {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def browser(_chromium, screenshot_dir):
    """The session's Chromium (tests/browser/conftest.py); each test opens its own context."""
    return _chromium


@pytest.fixture
def filling(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for code, name in DEPARTMENTS.items():
        Department.objects.get_or_create(code=code, defaults={"name": name})
    user = factories.UserFactory(username=ID_NUMBER)
    user.set_password(PASSWORD)
    user.save()
    applicant = factories.ApplicantFactory(user=user, id_number=ID_NUMBER, name="王小明")
    employer = factories.EmployerFactory(name="北京示例科技有限公司")
    now = timezone.now()
    round = declaration_round_open_now(now)
    # Last year: the own home verified as declared.
    last_year = factories.ApplicationFactory(
        round=factories.RoundFactory(year=2019, phase=Phase.CLOSED),
        applicant=applicant,
        employer=employer,
        state=AppState.NOT_ADMITTED,
    )
    factories.ClaimFactory(
        application=last_year,
        indicator="housing",
        state=ClaimState.VERIFIED,
        declared_facts={"housing": [OWN]},
        verified_facts={"housing": [OWN]},
    )
    return factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.FILLING
    )


@pytest.mark.parametrize(
    ("size", "javascript"), [("desktop", True), ("phone", True), ("phone", False)]
)
def test_carry_over_then_upload_duplicate_replace_delete(
    live_server, browser, filling, size, javascript
):
    viewport = SIZES[size]
    context = browser.new_context(viewport=viewport, locale=LOCALE, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    suffix = f"{size}{'' if javascript else '-nojs'}"

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", ID_NUMBER)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/apply/")

    # 1. Last year's verified own home, offered with its data; one click declares it.
    page.goto(f"{base}/apply/indicators/housing/")
    offer = page.locator("#carry-over")
    assert "2019 年度已核实的自有住所产权信息" in offer.inner_text()
    assert "住所 2015-05 至 至今 · 本人自有产权住房 · 通州区" in offer.inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"portal-10-carry-over-{suffix}.png"), full_page=True)
    page.click("#carry-over-button")
    assert "已沿用 2019 年度已核实的“合法稳定住所”信息" in page.inner_text(".messages")
    assert "本项沿用 2019 年度已核实数据" in page.inner_text("#carried-from")
    assert page.locator("#carry-over").count() == 0
    claim = IndicatorClaim.objects.get(application=filling, indicator="housing")
    assert claim.carried_from is not None
    assert claim.declared_facts == {"housing": [OWN]}

    # 2. The limits and whether evidence is needed are on the page before any upload.
    assert "单个文件不超过 10.0 MB" in page.inner_text("#evidence-limits")
    assert "一般无需上传" in page.inner_text("#evidence-need")

    # 3. Upload; the same content again under another name is refused, naming both files.
    page.set_input_files(
        "#upload-form input[type=file]",
        files=[{"name": "房产证.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("#upload-form button[type=submit]")
    assert "已上传 1 个文件" in page.inner_text(".messages")
    page.set_input_files(
        "#upload-form input[type=file]",
        files=[{"name": "房产证-副本.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("#upload-form button[type=submit]")
    assert "与已上传的“房产证.pdf”内容完全相同" in page.inner_text(".messages")
    assert page.locator("ul.evidence > li").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"portal-11-evidence-{suffix}.png"), full_page=True)
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"page wider than the phone: {width}px"

    # 4. Replace it (before submission), then delete it.
    page.set_input_files(
        "ul.evidence > li .evidence-replace input[type=file]",
        files=[{"name": "房产证-清晰.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.click("ul.evidence > li .evidence-replace button")
    assert "已用“房产证-清晰.png”替换“房产证.pdf”" in page.inner_text(".messages")
    assert "房产证-清晰.png" in page.inner_text("ul.evidence")
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["房产证-清晰.png"]
    page.click("ul.evidence > li .evidence-delete button")
    assert "已删除证明材料“房产证-清晰.png”" in page.inner_text(".messages")
    assert "尚未上传证明材料" in page.inner_text("#evidence-section")
    assert not Evidence.objects.exists()
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_reviewer_sees_the_carried_source(live_server, browser, filling, size):
    source = IndicatorClaim.objects.get(application__round__year=2019, indicator="housing")
    claim = factories.ClaimFactory(
        application=filling,
        indicator="housing",
        declared_facts={"housing": [OWN]},
        carried_from=source,
    )
    Application.objects.filter(pk=filling.pk).update(state=AppState.SUBMITTED)
    reviewer = factories.ReviewerFactory(
        user=factories.UserFactory(username="reviewer_housing"),
        department=factories.department("housing_construction"),
    ).user
    reviewer.set_password(PASSWORD)
    reviewer.save()
    context = browser.new_context(viewport=SIZES[size], locale=LOCALE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "reviewer_housing")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/review/claims/{claim.pk}/")
    assert "沿用 2019 年度已核实数据" in page.inner_text("#carried-from")
    page.screenshot(path=str(SCREENSHOTS / f"review-claim-carried-{size}.png"), full_page=True)
    context.close()
