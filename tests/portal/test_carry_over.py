"""历史数据能用尽用 (2020年问答第十二问): last year's verified own home and degrees, one click.

The offer appears only for the applicant's own claim the department verified in an earlier
round; one click declares it with the earlier claim as its source, which the reviewer sees;
the department still verifies it this year.
"""

import pytest

from tests import factories
from workflow import services
from workflow.models import AppState, AuditEvent, ClaimState, IndicatorClaim, Phase

pytestmark = pytest.mark.django_db

OWN = {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}
RENTAL = {"from": "2012-03", "to": "2015-04", "kind": "rental", "district": "朝阳区"}
DEGREE = {"level": "master", "diploma": True, "degree": True, "graduated_on": "2012-06-30"}


@pytest.fixture
def round2019(db):
    return factories.RoundFactory(year=2019, phase=Phase.CLOSED)


def earlier_claim(round2019, applicant, employer, indicator, facts, state=ClaimState.VERIFIED):
    application = factories.ApplicationFactory(
        round=round2019, applicant=applicant, employer=employer, state=AppState.NOT_ADMITTED
    )
    return factories.ClaimFactory(
        application=application,
        indicator=indicator,
        state=state,
        declared_facts=facts,
        verified_facts=facts,
    )


def page(client, code):
    return client.get(f"/apply/indicators/{code}/").content.decode()


def test_no_offer_without_earlier_verified_data(login, filling, clock):
    client = login(filling.applicant.user)
    assert "与上一年度相同（无变化）" not in page(client, "housing")
    assert "与上一年度相同（无变化）" not in page(client, "education")


@pytest.mark.parametrize("state", [ClaimState.REJECTED, ClaimState.ADJUSTED, ClaimState.PENDING])
def test_no_offer_from_data_not_verified_as_declared(
    login, filling, clock, round2019, employer, state
):
    earlier_claim(
        round2019, filling.applicant, employer, "education", {"education": [DEGREE]}, state
    )
    client = login(filling.applicant.user)
    assert "与上一年度相同（无变化）" not in page(client, "education")
    response = client.post("/apply/indicators/education/carry-over/", follow=True)
    assert "没有可沿用的往年已核实“教育背景”信息" in response.content.decode()
    assert not IndicatorClaim.objects.filter(application=filling).exists()


def test_no_offer_from_another_applicants_verified_data(
    login, filling, clock, round2019, employer, other_applicant
):
    earlier_claim(round2019, other_applicant, employer, "housing", {"housing": [OWN]})
    client = login(filling.applicant.user)
    housing = page(client, "housing")
    assert "与上一年度相同（无变化）" not in housing
    assert "本人自有产权住房 · 通州区" not in housing
    client.post("/apply/indicators/housing/carry-over/")
    assert not IndicatorClaim.objects.filter(application=filling).exists()


def test_offer_shows_the_verified_own_home_and_one_click_declares_it(
    login, filling, clock, round2019, employer
):
    source = earlier_claim(
        round2019, filling.applicant, employer, "housing", {"housing": [RENTAL, OWN]}
    )
    client = login(filling.applicant.user)
    housing = page(client, "housing")
    assert "2019 年度已核实的自有住所产权信息" in housing
    assert "住所 2015-05 至 至今 · 本人自有产权住房 · 通州区" in housing
    # A lease ends: only the own home is offered again (问答第十二问: 自有住所产权信息).
    assert "住所 2012-03 至 2015-04" not in housing

    response = client.post("/apply/indicators/housing/carry-over/", follow=True)
    text = response.content.decode()
    assert "已沿用 2019 年度已核实的“合法稳定住所”信息" in text
    assert "本项沿用 2019 年度已核实数据" in text
    assert "与上一年度相同（无变化）" not in text  # declared now: not offered again
    claim = IndicatorClaim.objects.get(application=filling, indicator="housing")
    assert claim.declared_facts == {"housing": [OWN]}
    assert claim.carried_from == source
    # The department still verifies it this year.
    assert claim.state == ClaimState.PENDING
    assert claim.verified_facts is None
    event = AuditEvent.objects.get(action="claim.declare", object_id=str(claim.pk))
    assert event.after["carried_from"] == source.pk


def test_degrees_carried_over_from_the_latest_verified_round(
    login, filling, clock, round2019, employer
):
    older_round = factories.RoundFactory(year=2018, phase=Phase.CLOSED)
    earlier_claim(older_round, filling.applicant, employer, "education", {"education": []})
    source = earlier_claim(
        round2019, filling.applicant, employer, "education", {"education": [DEGREE]}
    )
    client = login(filling.applicant.user)
    assert "硕士" in page(client, "education")
    client.post("/apply/indicators/education/carry-over/")
    claim = IndicatorClaim.objects.get(application=filling, indicator="education")
    assert (claim.declared_facts, claim.carried_from) == ({"education": [DEGREE]}, source)


def test_editing_the_carried_claim_makes_it_the_applicants_own(
    login, filling, clock, round2019, employer
):
    earlier_claim(round2019, filling.applicant, employer, "education", {"education": [DEGREE]})
    client = login(filling.applicant.user)
    client.post("/apply/indicators/education/carry-over/")
    claim = IndicatorClaim.objects.get(application=filling, indicator="education")
    services.claim_declare(
        application=filling,
        indicator="education",
        declared_facts={"education": [{**DEGREE, "graduated_on": "2012-07-01"}]},
        actor=filling.applicant.user,
    )
    claim.refresh_from_db()
    assert claim.carried_from is None
    assert "本项沿用" not in page(client, "education")


def test_the_reviewer_sees_where_the_data_came_from(
    login, filling, clock, round2019, employer, reviewer_of
):
    earlier_claim(round2019, filling.applicant, employer, "housing", {"housing": [OWN]})
    applicant_client = login(filling.applicant.user)
    applicant_client.post("/apply/indicators/housing/carry-over/")
    applicant_client.post("/apply/submit/")
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    claim = IndicatorClaim.objects.get(application=filling, indicator="housing")
    text = login(reviewer_of("housing_construction")).get(f"/review/claims/{claim.pk}/")
    assert text.status_code == 200
    assert "沿用 2019 年度已核实数据" in text.content.decode()


def test_a_declared_claim_from_scratch_shows_no_source_to_the_reviewer(
    login, filling, clock, round2019, employer, reviewer_of
):
    services.claim_declare(
        application=filling,
        indicator="housing",
        declared_facts={"housing": [OWN]},
        actor=filling.applicant.user,
    )
    login(filling.applicant.user).post("/apply/submit/")
    claim = IndicatorClaim.objects.get(application=filling, indicator="housing")
    text = login(reviewer_of("housing_construction")).get(f"/review/claims/{claim.pk}/")
    assert "沿用" not in text.content.decode()


def test_offered_over_a_blank_declaration_but_not_over_a_real_one(
    login, filling, clock, round2019, employer
):
    earlier_claim(round2019, filling.applicant, employer, "education", {"education": [DEGREE]})
    claim = factories.ClaimFactory(
        application=filling, indicator="education", declared_facts={"education": []}
    )
    client = login(filling.applicant.user)
    assert "与上一年度相同（无变化）" in page(client, "education")
    client.post("/apply/indicators/education/carry-over/")
    claim.refresh_from_db()
    assert claim.declared_facts == {"education": [DEGREE]}
    assert "与上一年度相同（无变化）" not in page(client, "education")
