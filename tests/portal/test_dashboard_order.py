"""The applicant's dashboard puts first what matters now: the outcome after ranking, the
appeal deadline above the results during the result query phase (细则第八条)."""

from decimal import Decimal

import pytest

from tests import factories
from tests.portal.conftest import at
from workflow.models import AnnualRound, AppState, ClaimState, Phase

pytestmark = pytest.mark.django_db


def test_after_ranking_the_outcome_comes_before_the_status_and_the_indicators(
    login, round2020, applicant, employer, clock
):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.PUBLICITY)
    application = factories.ApplicationFactory(
        round=round2020,
        applicant=applicant,
        employer=employer,
        state=AppState.PUBLICIZED,
        total_points=Decimal("112.34"),
        rank=4021,
        admitted=True,
    )
    factories.ClaimFactory(application=application, state=ClaimState.VERIFIED)
    clock.move_to(at(2020, 10, 16, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    outcome = page.index('id="ranking"')
    assert outcome < page.index('id="app-state"') < page.index('id="claims"')
    assert page.index("第 4021 名", outcome) < page.index('id="app-state"')
    assert page.index("进入年度落户名单", outcome) < page.index('id="app-state"')


def test_during_result_query_the_appeal_deadline_sits_above_the_results(
    login, round2020, applicant, employer, clock
):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.RESULT_QUERY)
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.RESULTS_PUBLISHED
    )
    factories.ClaimFactory(
        application=application, state=ClaimState.ADJUSTED, points=Decimal("10.50")
    )
    clock.move_to(at(2020, 9, 6, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    notice = page.index('id="appeal-notice"')
    assert notice < page.index('id="claims"')
    assert "2020年09月12日 20:00" in page[notice : page.index('id="claims"')]


def test_last_years_qualification_stays_on_the_dashboard_when_the_next_round_opens(
    login, round2020, applicant, employer, clock
):
    import datetime as dt

    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.CLOSED)
    factories.ApplicationFactory(
        round=round2020,
        applicant=applicant,
        employer=employer,
        state=AppState.QUALIFIED,
        qualified_until=dt.date(2022, 10, 31),
    )
    factories.RoundFactory(year=2021, phase=Phase.DECLARATION)
    clock.move_to(at(2021, 7, 20, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    assert "落户办理：2020年度积分落户资格" in page
    assert "保留至 <strong>2022年10月31日</strong>" in page
    assert "/publicity/settlement/" in page


def test_with_this_years_application_the_newest_qualification_held_is_the_one_shown(
    login, round2020, applicant, employer, clock
):
    import datetime as dt

    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.CLOSED)
    round2019 = factories.RoundFactory(year=2019, phase=Phase.CLOSED)
    for round, until in ((round2019, dt.date(2021, 10, 31)), (round2020, dt.date(2022, 10, 31))):
        factories.ApplicationFactory(
            round=round,
            applicant=applicant,
            employer=employer,
            state=AppState.QUALIFIED,
            qualified_until=until,
        )
    round2021 = factories.RoundFactory(year=2021, phase=Phase.DECLARATION)
    factories.ApplicationFactory(
        round=round2021, applicant=applicant, employer=employer, state=AppState.FILLING
    )
    clock.move_to(at(2021, 7, 20, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    assert "落户办理：2020年度积分落户资格" in page
    assert "2019年度" not in page
    assert "<dd>2021年度</dd>" in page  # this year's application, under the round's own year
