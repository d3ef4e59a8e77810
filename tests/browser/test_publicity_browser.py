"""The published list and the statistics across years in a real browser, at desktop width and
on a 390-px phone, with JavaScript off: nothing scrolls sideways but the tables inside their
own box, and the charts are there with their axes. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from ranking.population import generate_population
from tests.publicity.conftest import publish_round
from workflow.services import departments_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
YEARS = (2021, 2022, 2023)


@pytest.fixture
def browser(_chromium):
    """The session's Chromium (tests/browser/conftest.py); each test opens its own context."""
    return _chromium


@pytest.fixture
def three_years(db):
    """Three published lists of generated applicants (docs/population.md), 300 a year."""
    departments_ensure()  # a transactional test before this one flushed the seeded rows
    return [
        publish_round(
            year=year,
            people=list(generate_population(year=year, count=300, seed=year)),
            quota=90 + 10 * index,
        )
        for index, year in enumerate(YEARS)
    ]


def open_page(browser, url: str, viewport: dict[str, int]):
    # JavaScript off: every page here must work without it.
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return context, page


def sideways_overflow(page) -> int:
    # Measured with a script from the test's side; the page itself runs none.
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_published_list_and_statistics(
    live_server, browser, screenshot_dir, three_years, size, viewport
) -> None:
    latest = three_years[-1]
    context, page = open_page(browser, f"{live_server.url}/publicity/2023/", viewport)
    try:
        assert page.locator("h1").inner_text() == "北京市2023年积分落户公示名单"
        header = page.locator(".publicity-table thead th")
        assert header.nth(1).inner_text() == "名次"
        first_row = page.locator(".publicity-table tbody tr").first
        assert first_row.locator("td").nth(0).inner_text() == "202300001"
        assert first_row.locator("td").nth(1).inner_text() == "1"
        chart = page.get_by_test_id("histogram")
        assert chart.is_visible()
        assert chart.locator("text.axis-title").all_text_contents() == ["人数", "积分（分）"]
        assert f"分数线 {latest.cutoff}" in chart.locator("text.marker-label").text_content()
        assert sideways_overflow(page) <= 1
        page.screenshot(path=str(screenshot_dir / f"publicity-list-{size}.png"), full_page=True)

        page.get_by_role("link", name="下一页").click()
        assert "第 2 / " in page.locator(".pager").inner_text()
        assert page.locator(".publicity-table tbody tr").first.locator("td").first.inner_text() == (
            "202300051"
        )

        page.get_by_role("link", name="历年公示数据统计").click()
        assert page.locator("h1").inner_text() == "历年积分落户公示数据统计"
        years = page.get_by_test_id("years-table").locator("tbody tr")
        assert years.count() == 3
        assert years.nth(2).locator("td").nth(3).inner_text() == str(latest.cutoff)
        cutoffs = page.get_by_test_id("cutoff-chart")
        assert cutoffs.is_visible()
        assert cutoffs.locator("text.value").all_text_contents()[-1] == str(latest.cutoff)
        assert page.locator("svg.chart").count() == 2 + 10 + 1 + 10
        assert sideways_overflow(page) <= 1
        page.screenshot(
            path=str(screenshot_dir / f"publicity-statistics-{size}.png"), full_page=True
        )

        page.get_by_role("link", name="2021", exact=True).last.click()
        assert page.locator("#distribution").inner_text().startswith("2021年度积分与各项指标分布")
    finally:
        context.close()


def test_a_year_not_yet_published_is_a_plain_page(live_server, browser, screenshot_dir, db):
    context, page = open_page(browser, f"{live_server.url}/publicity/2030/", PHONE)
    try:
        assert page.locator("h1").inner_text() == "2030年度积分落户名单尚未公示"
        assert sideways_overflow(page) <= 1
        page.screenshot(path=str(screenshot_dir / "publicity-not-published-phone.png"))
    finally:
        context.close()
