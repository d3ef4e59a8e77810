"""The unit's staff pages: indicators in the applicant's order with their own departments,
and at publicity each employee's final points, rank and outcome (细则第九条)."""

from decimal import Decimal

import pytest

from tests import factories
from tests.portal.conftest import at
from workflow.indicators import INDICATOR_CODES
from workflow.models import AnnualRound, AppState, ClaimState, Phase

pytestmark = pytest.mark.django_db


def test_employee_indicators_in_the_applicants_order_with_their_departments(
    login, unit_admin, filling, clock
):
    # Declared out of order: the page follows INDICATOR_CODES, as the applicant's page does.
    for code in ("honors", "education", "housing"):
        factories.ClaimFactory(application=filling, indicator=code, declared_facts={})
    response = login(unit_admin).get(f"/unit/applications/{filling.pk}/")
    assert [row["code"] for row in response.context["rows"]] == list(INDICATOR_CODES)
    page = response.content.decode()
    positions = [page.index(f'id="unit-row-{code}"') for code in INDICATOR_CODES]
    assert positions == sorted(positions)
    housing = page[page.index('id="unit-row-housing"') : page.index('id="unit-row-education"')]
    assert "住建委、规划自然资源委" in housing
    honors = page[page.index('id="unit-row-honors"') : page.index('id="unit-row-law_record"')]
    assert "总工会、宣传部、民政局" in honors
    tax = page[page.index('id="unit-row-tax"') : page.index('id="unit-row-age"')]
    assert "税务局" in tax
    assert "未填报" in tax


@pytest.fixture
def ranked(round2020, employer):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.PUBLICITY)
    admitted = factories.ApplicationFactory(
        round=round2020,
        employer=employer,
        state=AppState.PUBLICIZED,
        total_points=Decimal("112.34"),
        rank=4021,
        admitted=True,
    )
    not_admitted = factories.ApplicationFactory(
        round=round2020,
        employer=employer,
        state=AppState.NOT_ADMITTED,
        total_points=Decimal("80.00"),
        rank=9000,
        admitted=False,
    )
    factories.ClaimFactory(application=admitted, state=ClaimState.VERIFIED)
    return admitted, not_admitted


def test_at_publicity_the_unit_sees_points_rank_and_outcome(login, unit_admin, ranked, clock):
    admitted, not_admitted = ranked
    clock.move_to(at(2020, 10, 16, 9))
    client = login(unit_admin)
    page = client.get("/unit/").content.decode()
    assert 'id="unit-publicity"' in page
    row = page[page.index(f'id="app-{admitted.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "112.34" in row
    assert "第 4021 名" in row
    assert "进入年度落户名单" in row
    row = page[page.index(f'id="app-{not_admitted.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "80.00" in row
    assert "第 9000 名" in row
    assert "未进入" in row
    detail = client.get(f"/unit/applications/{admitted.pk}/").content.decode()
    assert 'id="unit-outcome"' in detail
    assert "第 4021 名" in detail


def test_before_publicity_no_points_or_rank_are_shown(login, unit_admin, ranked, clock):
    admitted, _ = ranked
    AnnualRound.objects.filter(pk=admitted.round_id).update(phase=Phase.RECHECK_RANKING)
    client = login(unit_admin)
    page = client.get("/unit/").content.decode()
    assert "第 4021 名" not in page
    assert "112.34" not in page
    detail = client.get(f"/unit/applications/{admitted.pk}/").content.decode()
    assert 'id="unit-outcome"' not in detail


def test_another_units_employee_stays_not_found(login, other_unit_admin, ranked, clock):
    admitted, _ = ranked
    assert login(other_unit_admin).get(f"/unit/applications/{admitted.pk}/").status_code == 404
