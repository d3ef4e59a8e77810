"""The education page's 就业与就学积分比较 (2020 Q&A 6): from the applicant's own records,
before they decide to declare a degree; the same comparison as the public simulator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ranking.policy.comparison import education_comparison
from tests import factories
from workflow.facts import BASIS_EFFECTIVE, application_facts
from workflow.models import IndicatorClaim

pytestmark = pytest.mark.django_db

EDUCATION_URL = reverse("workflow:indicator", args=["education"])


def education_post(item: dict) -> dict:
    data = {"education-TOTAL_FORMS": "1", "education-INITIAL_FORMS": "0"}
    for name, value in item.items():
        if value is True:
            data[f"education-0-{name}"] = "on"
        elif value not in (False, None):
            data[f"education-0-{name}"] = str(value)
    return data


BACHELOR = {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2012-06-30"}
INSURANCE = [{"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False}]


@pytest.fixture
def submitted(filling):
    # The department's social insurance record: what the comparison weighs a degree against.
    IndicatorClaim.objects.create(
        application=filling,
        round_id=filling.round_id,
        indicator="employment",
        department=factories.department("hrss"),
        state="verified",
        verified_facts={"social_insurance": INSURANCE},
    )
    type(filling).objects.filter(pk=filling.pk).update(state="submitted")
    filling.refresh_from_db()
    return filling


def test_compare_shows_the_engines_comparison_and_declares_nothing(
    clock, login, applicant, submitted
):
    page = login(applicant.user).post(
        EDUCATION_URL, {**education_post(BACHELOR), "action": "compare"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "就业与就学积分比较" in html
    expected = education_comparison(
        {**application_facts(submitted, basis=BASIS_EFFECTIVE), "education": [BACHELOR]}
    )
    assert expected is not None
    assert expected.advice in html
    for row in expected.rows:
        assert f"{row.total:.2f}" in html
    assert not submitted.claims.filter(indicator="education").exists()  # only a trial


def test_the_page_compares_what_is_declared(clock, login, applicant, submitted):
    client = login(applicant.user)
    client.post(EDUCATION_URL, {**education_post(BACHELOR), "action": "declare"})
    assert submitted.claims.filter(indicator="education").exists()
    html = client.get(EDUCATION_URL).content.decode()
    assert 'data-testid="comparison"' in html
    assert "不申报教育背景" in html


def test_without_a_degree_there_is_nothing_to_compare(clock, login, applicant, submitted):
    html = login(applicant.user).get(EDUCATION_URL).content.decode()
    assert "尚未填写学历（学位），无需比较" in html
