"""The applicant's dashboard and the employer search in a real browser, on a 390-px phone.

The round's timetable is data: the windows are moved around the real now (Chromium drops
cookies "expired" in a frozen 2020).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ranking.policy.identity import make_id_number
from tests import factories
from tests.browser.conftest import LOCALE, SCREENSHOTS
from workflow.indicators import DEPARTMENTS
from workflow.models import AppState, ClaimState, Department, Phase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "Beijing-2020-points"
ID_NUMBER = make_id_number("110105", dt.date(1985, 7, 12), 7, "M")


def _round(phase: str, **offsets_in_days: int):
    now = timezone.now()
    day = dt.timedelta(days=1)
    # Days after the declaration opens: declaration 6 days, then a day each, publicity 7 days.
    timetable = {
        "declaration_opens_at": 0,
        "declaration_closes_at": 6,
        "aggregation_opens_at": 7,
        "aggregation_closes_at": 8,
        "result_query_opens_at": 9,
        "result_query_closes_at": 10,
        "recheck_opens_at": 11,
        "recheck_closes_at": 12,
        "publicity_opens_at": 13,
        "publicity_closes_at": 20,
    }
    start = offsets_in_days.get("start", -3)
    return factories.RoundFactory(
        year=2020,
        phase=phase,
        **{name: now + (start + days) * day for name, days in timetable.items()},
    )


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for code, name in DEPARTMENTS.items():
        Department.objects.get_or_create(code=code, defaults={"name": name})
    user = factories.UserFactory(username="wang_xiaoming")  # logs in with ID_NUMBER
    user.set_password(PASSWORD)
    user.save()
    return factories.ApplicantFactory(user=user, id_number=ID_NUMBER, name="王小明")


@pytest.fixture
def phone(_chromium):
    context = _chromium.new_context(viewport=PHONE, locale=LOCALE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", ID_NUMBER)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/apply/")


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_ranked_applicant_sees_the_outcome_first_on_a_phone(live_server, phone, people):
    # Publicity: declaration opened 15 days ago, so publicity opened 2 days ago.
    round = _round(Phase.PUBLICITY, start=-15)
    application = factories.ApplicationFactory(
        round=round,
        applicant=people,
        state=AppState.PUBLICIZED,
        total_points=Decimal("112.34"),
        rank=4021,
        admitted=True,
    )
    factories.ClaimFactory(application=application, state=ClaimState.VERIFIED)
    log_in(phone, live_server.url)
    outcome = phone.locator("#ranking")
    assert "第 4021 名" in outcome.inner_text()
    assert "进入年度落户名单" in outcome.inner_text()
    top = outcome.bounding_box()["y"]
    assert top < phone.locator("#app-state").bounding_box()["y"]
    assert top < phone.locator("#claims").bounding_box()["y"]
    assert top < PHONE["height"]  # on the first screen, no scrolling
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "portal-dashboard-outcome-phone.png"), full_page=True)


def test_applicant_finds_the_employer_by_name_on_a_phone(live_server, phone, people):
    _round(Phase.DECLARATION)
    wanted = factories.EmployerFactory(name="北京星河数据科技有限公司")
    factories.EmployerFactory(name="北京星河物流有限公司")
    factories.EmployerFactory(name="上海远航贸易有限公司")
    base = live_server.url
    log_in(phone, base)
    phone.click("#find-employer")
    phone.fill("#id_q", "星河")
    phone.click("#employer-search button[type=submit]")
    results = phone.locator("#employer-results")
    assert "北京星河物流有限公司" in results.inner_text()
    assert "上海远航贸易有限公司" not in results.inner_text()
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "portal-employer-search-phone.png"), full_page=True)
    phone.check(f"input[value='{wanted.credit_code}']")
    phone.click("#employer-results button[type=submit]")
    phone.wait_for_url(f"{base}/apply/")
    assert phone.inner_text("#app-state") == "待单位确认"
    assert "北京星河数据科技有限公司" in phone.inner_text(".card.status")


def test_a_wrong_code_stays_in_the_field(live_server, phone, people):
    _round(Phase.DECLARATION)
    base = live_server.url
    log_in(phone, base)
    phone.fill("#id_credit_code", "91110105MA0077777X")
    phone.click("text=开始申报并提交单位确认")
    assert phone.input_value("#id_credit_code") == "91110105MA0077777X"
    assert "统一社会信用代码" in phone.inner_text("#employer-code .errorlist")
