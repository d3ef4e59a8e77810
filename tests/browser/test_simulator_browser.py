"""The 积分模拟计算器 in a real browser: add rows with the JS button, remove one, submit,
read the total; screenshots at desktop and phone sizes for a human look."""

from __future__ import annotations

import datetime as dt

import pytest

from ranking.policy import score_facts
from ranking.policy.identity import make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expected_total() -> str:
    """The contract's example applicant plus an earlier 2008-01..2009-06 insurance period."""
    birth = dt.date(1985, 7, 12)
    return score_facts(
        {
            "format": 1,
            "year": 2020,
            "person": {
                "id_number": make_id_number("110105", birth, 1, "M"),
                "name": "模拟申请人",
                "gender": "M",
                "birth_date": birth.isoformat(),
                "female_job": None,
            },
            "residence_permit": {"issued_on": "2016-03-01"},
            "social_insurance": [
                {"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False},
                {"from": "2008-01", "to": "2009-06", "district": "海淀区", "back_paid": False},
            ],
            "housing": [{"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}],
            "education": [
                {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
            ],
            "tax": {
                "income_tax": {"2017": "0", "2018": "1200.00", "2019": "3000.00"},
                "violations": [],
            },
        }
    )["total"]


def test_add_fill_remove_rows_and_see_the_total(live_server, browser_page, screenshot_dir) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/simulator/")
    assert page.locator("h1").inner_text() == "积分模拟计算器"
    rows = page.locator("#formset-si [data-row]")
    assert rows.count() == 3  # the example row and two empty ones

    add = page.locator("#formset-si [data-add-row]")
    add.click()
    assert rows.count() == 4
    page.fill('input[name="si-3-start"]', "2008-01")
    page.fill('input[name="si-3-end"]', "2009-06")
    page.select_option('select[name="si-3-district"]', "海淀区")

    # A second new row, filled with nonsense, then removed: it must not count or complain.
    add.click()
    page.fill('input[name="si-4-start"]', "2019-05")
    page.fill('input[name="si-4-end"]', "2001-01")
    page.locator("#formset-si [data-row]").nth(4).get_by_role("button", name="删除此行").click()
    assert page.locator('input[name="si-4-DELETE"]').is_checked()
    assert not page.locator("#formset-si [data-row]").nth(4).is_visible()

    page.get_by_role("button", name="计算积分").click()
    total = page.get_by_test_id("total")
    total.wait_for()
    assert total.inner_text() == expected_total()
    assert page.get_by_test_id("comparison").is_visible()
    assert (
        "建议" in page.get_by_test_id("advice").inner_text()
        or "相同" in page.get_by_test_id("advice").inner_text()
    )
    page.screenshot(path=str(screenshot_dir / "simulator.png"), full_page=True)

    # A phone: the page must not scroll sideways (tables scroll inside their own box).
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#result").scroll_into_view_if_needed()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(screenshot_dir / "simulator-phone.png"), full_page=True)


def test_tax_year_labels_follow_the_declaration_year(live_server, browser_page) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/simulator/")
    page.fill('input[name="year"]', "2021")
    assert page.locator('label[for="id_tax_y1"]').inner_text() == "2020年个人所得税（元）"
    assert page.locator('label[for="id_tax_y3"]').inner_text() == "2018年个人所得税（元）"
