"""Shared Playwright fixture for browser tests (marker `browser`).

Drives Debian's /usr/bin/chromium through Playwright's Python package; never
`playwright install`. Whether a missing chromium skips (locally) or fails (CI=true) is
decided by tests/conftest.py for every test marked `browser`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.environment import CHROMIUM, in_ci, skip_or_fail

# Playwright's sync API runs an event loop in this thread; Django's ORM guard would refuse
# the live_server fixture's database access otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The browser's own widgets (file button, month/date fields and pickers) in Chinese, as a
    # Chinese user sees them. Chromium on Linux takes its UI language from LANGUAGE (set at
    # launch below) rather than --lang, and needs Debian's chromium-l10n for the zh-CN pack.
    "--lang=zh-CN",
]
LOCALE = "zh-CN"
ZH_CN_PACK = Path("/usr/lib/chromium/locales/zh-CN.pak")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def _chromium():
    if not CHROMIUM.exists():
        skip_or_fail(f"needs headless Chromium at {CHROMIUM}")
    if not ZH_CN_PACK.exists() and in_ci():
        pytest.fail(
            f"needs Debian's chromium-l10n ({ZH_CN_PACK}): the screenshots would show English widgets"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            env={**os.environ, "LANGUAGE": "zh_CN:zh"},
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_chromium):
    """A fresh Playwright page (own context: no cookies shared between tests), 1280×900."""
    context = _chromium.new_context(viewport={"width": 1280, "height": 900}, locale=LOCALE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def declaration_round_open_now(now: dt.datetime):
    """The 2020 round with its declaration open around `now` and the later windows a few days
    apart, so a browser test walks the portal as an applicant would today."""
    from tests import factories
    from workflow.models import Phase

    day = dt.timedelta(days=1)
    return factories.RoundFactory(
        year=2020,
        phase=Phase.DECLARATION,
        declaration_opens_at=now - 3 * day,
        declaration_closes_at=now + 3 * day,
        aggregation_opens_at=now + 4 * day,
        aggregation_closes_at=now + 5 * day,
        result_query_opens_at=now + 6 * day,
        result_query_closes_at=now + 7 * day,
        recheck_opens_at=now + 8 * day,
        recheck_closes_at=now + 9 * day,
        publicity_opens_at=now + 10 * day,
        publicity_closes_at=now + 17 * day,
    )
