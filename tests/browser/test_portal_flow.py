"""The portal in a real browser (headless Chromium from Debian, driven by Playwright).

A unit confirms an applicant, the applicant fills and submits, sees a department result,
and appeals in the result query window. Screenshots of the main pages, desktop and phone,
go to test-artifacts/screenshots/.

The round's timetable is data: instead of moving the clock (Chromium would then drop
cookies "expired" in 2020), the test moves the round's windows around the real now.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ranking.policy.identity import make_id_number
from tests import factories
from tests.browser.conftest import SCREENSHOTS, declaration_round_open_now
from tests.portal.conftest import PNG
from workflow import services
from workflow.indicators import DEPARTMENTS
from workflow.models import AnnualRound, Application, AppState, Department, IndicatorClaim, Phase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = SCREENSHOTS
PHONE = {"width": 390, "height": 844}
ID_NUMBER = make_id_number("110105", dt.date(1985, 7, 12), 7, "M")
PASSWORD = "Beijing-2020-points"


@pytest.fixture
def browser(_chromium, screenshot_dir):
    """The session's Chromium (tests/browser/conftest.py); each step below opens its own context."""
    return _chromium


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Transactional tests flush the seeded rows between tests: put the departments back.
    for code, name in DEPARTMENTS.items():
        Department.objects.get_or_create(code=code, defaults={"name": name})
    now = timezone.now()
    round = declaration_round_open_now(now)
    employer = factories.EmployerFactory(name="北京示例科技有限公司")
    unit_user = factories.UserFactory(username="unit_admin", first_name="张经办")
    unit_user.set_password(PASSWORD)
    unit_user.save()
    factories.MembershipFactory(user=unit_user, employer=employer)
    return {"round": round, "employer": employer}


def shot(page, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=full_page)


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")


def test_confirm_fill_submit_result_appeal(live_server, browser, world):
    base = live_server.url
    applicant_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    unit_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    a = applicant_ctx.new_page()
    u = unit_ctx.new_page()

    # 1. The applicant registers; a wrong check digit is named first.
    a.goto(f"{base}/register/applicant/")
    a.fill("#id_id_number", ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1"))
    a.fill("#id_name", "王小明")
    a.fill("#id_phone", "13800001111")
    a.fill("#id_email", "wang@example.cn")
    a.fill("#id_password1", PASSWORD)
    a.fill("#id_password2", PASSWORD)
    a.click("#register-applicant button[type=submit]")
    assert "公民身份号码：公民身份号码无效" in a.inner_text("#register-applicant")
    shot(a, "01-register-error")
    a.fill("#id_id_number", ID_NUMBER)
    a.fill("#id_password1", PASSWORD)
    a.fill("#id_password2", PASSWORD)
    a.click("#register-applicant button[type=submit]")
    # The same answer whether or not the number had an account; then log in with it.
    a.wait_for_url(f"{base}/accounts/login/")
    assert "如该公民身份号码尚未注册，账号已创建" in a.inner_text(".messages")
    log_in(a, base, ID_NUMBER)
    a.wait_for_url(f"{base}/apply/")

    # 2. Names the employer by credit code.
    a.fill("#id_credit_code", world["employer"].credit_code)
    a.click("text=开始申报并提交单位确认")
    assert a.inner_text("#app-state") == "待单位确认"

    # 3. The unit confirms from its dashboard.
    log_in(u, base, "unit_admin")
    u.wait_for_url(f"{base}/unit/")
    assert "王小明" in u.inner_text("#unit-applications")
    shot(u, "02-unit-dashboard")
    u.click("#unit-applications button.confirm")
    assert "已确认" in u.inner_text(".messages")

    # 4. The applicant fills housing: rows added and removed in place (JavaScript).
    a.reload()
    assert a.inner_text("#app-state") == "填报中"
    a.click("#row-housing a.button")
    a.fill("#id_housing-0-start", "2012-03")
    a.fill("#id_housing-0-end", "2015-04")
    a.select_option("#id_housing-0-kind", "rental")
    a.select_option("#id_housing-0-district", "朝阳区")
    a.click("button.add-row")
    a.fill("#id_housing-1-start", "2016-05")
    a.fill("#id_housing-1-end", "2015-01")  # before its start: the engine names this field
    a.select_option("#id_housing-1-kind", "own")
    a.select_option("#id_housing-1-district", "通州区")
    a.click("button.add-row")
    assert a.locator("[data-section=housing] [data-row]:not(.removed)").count() == 3
    a.locator("[data-section=housing] [data-row]").nth(2).locator(".remove-row").click()
    assert a.locator("[data-section=housing] [data-row]:not(.removed)").count() == 2
    a.click("#declare")
    assert "截止月份：结束月份早于开始月份" in a.inner_text("#indicator-form")
    assert a.input_value("#id_housing-1-start") == "2016-05"  # nothing typed is lost
    shot(a, "03-indicator-error")
    a.fill("#id_housing-1-start", "2015-05")
    a.fill("#id_housing-1-end", "")
    a.click("#declare")
    a.wait_for_url(f"{base}/apply/")
    claim = IndicatorClaim.objects.get(indicator="housing")
    assert claim.declared_facts == {
        "housing": [
            {"from": "2012-03", "to": "2015-04", "kind": "rental", "district": "朝阳区"},
            {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"},
        ]
    }

    # 5. Typed but not saved: kept in this browser and restored on return.
    a.goto(f"{base}/apply/indicators/education/")
    a.select_option("#id_education-0-level", "bachelor")
    a.fill("#id_education-0-graduated_on", "2009-06-30")
    a.wait_for_timeout(1100)
    a.reload()
    assert "已恢复您在本机上次输入但未保存的内容" in a.inner_text("main")
    assert a.input_value("#id_education-0-graduated_on") == "2009-06-30"
    a.set_input_files(
        "#upload-form input[type=file]",
        files=[{"name": "毕业证.png", "mimeType": "image/png", "buffer": PNG}],
    )
    a.click("#upload-form button[type=submit]")
    assert "已上传 1 个文件" in a.inner_text(".messages")
    assert "毕业证.png" in a.inner_text("ul.evidence")
    assert (
        a.input_value("#id_education-0-graduated_on") == "2009-06-30"
    )  # restored after the upload
    a.check("#id_education-0-diploma")
    a.check("#id_education-0-degree")
    a.click("#declare")
    a.wait_for_url(f"{base}/apply/")

    # 6. Submits without waiting for the departments.
    a.click("#submit-application")
    assert a.inner_text("#app-state") == "已提交"
    application = Application.objects.get()

    # 7. Departments answer (data exchange and a reviewer's adjustment) while declaration runs.
    employment = IndicatorClaim.objects.get(application=application, indicator="employment")
    services.claim_verify(
        claim=employment,
        points=Decimal("31.50"),
        verified_facts={
            "social_insurance": [
                {"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False}
            ]
        },
    )
    housing = IndicatorClaim.objects.get(application=application, indicator="housing")
    services.claim_adjust(
        claim=housing,
        reason="2012-03至2015-04租赁未登记备案",
        verified_facts={
            "housing": [{"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}]
        },
    )
    a.reload()
    row = a.inner_text("#row-housing")
    assert "审核调整" in row
    assert "2012-03至2015-04租赁未登记备案" in row
    assert "住所 2015-05 至 至今 · 本人自有产权住房 · 通州区" in row
    assert "已提交" in a.inner_text("#app-state")
    assert a.locator("#score .total").is_visible()
    shot(a, "04-applicant-dashboard-results")
    a.goto(f"{base}/apply/indicators/employment/")
    assert "社保 2009-07 至 至今 · 朝阳区 · 正常缴纳" in a.inner_text("#zero-fill")
    shot(a, "05-zero-fill")

    # 7b. Still in the declaration window: edits the submitted application directly; it stays
    # submitted and the edited indicator goes back to its department.
    a.goto(f"{base}/apply/")
    a.click("#row-education a.button")
    assert "无需重新提交" in a.inner_text("#edit-submitted")
    a.fill("#id_education-0-graduated_on", "2009-07-01")
    shot(a, "05b-edit-submitted")
    a.click("#declare")
    a.wait_for_url(f"{base}/apply/")
    assert "申请仍为已提交，无需重新提交" in a.inner_text(".messages")
    assert a.inner_text("#app-state") == "已提交"
    assert "待审核" in a.inner_text("#row-education")
    education = IndicatorClaim.objects.get(application=application, indicator="education")
    assert education.declared_facts["education"][0]["graduated_on"] == "2009-07-01"

    # 8. The result query window opens (the timetable moves): one appeal per indicator.
    now = timezone.now()
    AnnualRound.objects.filter(pk=world["round"].pk).update(
        phase=Phase.RESULT_QUERY,
        declaration_closes_at=now - dt.timedelta(hours=2),
        result_query_opens_at=now - dt.timedelta(hours=1),
    )
    Application.objects.filter(pk=application.pk).update(state=AppState.RESULTS_PUBLISHED)
    a.goto(f"{base}/apply/")
    a.click("#row-housing >> text=申诉")
    a.fill("#id_reason", "2012-03至2015-04的租赁合同已在朝阳区登记备案，备案证明见附件。")
    a.set_input_files(
        "#id_file", files=[{"name": "备案证明.png", "mimeType": "image/png", "buffer": PNG}]
    )
    shot(a, "06-appeal-form")
    a.click("#objection-form button[type=submit]")
    assert "申诉已提交" in a.inner_text(".messages")
    housing.refresh_from_db()
    assert housing.state == "appealed"
    a.goto(f"{base}/apply/indicators/housing/appeal/")
    assert "每项指标只能申诉一次" in a.inner_text("#objection-closed")

    # 9. The same pages on a phone.
    phone = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    p = phone.new_page()
    log_in(p, base, ID_NUMBER)
    p.wait_for_url(f"{base}/apply/")
    shot(p, "07-phone-dashboard", full_page=False)
    p.locator("#row-housing").scroll_into_view_if_needed()
    shot(p, "07b-phone-claims", full_page=False)
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"page wider than the phone: {width}px"
    p.goto(f"{base}/apply/indicators/housing/")
    shot(p, "08-phone-indicator", full_page=False)
    pu = phone.new_page()
    phone.clear_cookies()
    log_in(pu, base, "unit_admin")
    pu.wait_for_url(f"{base}/unit/")
    shot(pu, "09-phone-unit", full_page=False)
    for context in (applicant_ctx, unit_ctx, phone):
        context.close()
