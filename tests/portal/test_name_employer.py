"""The applicant finds the employer by name or credit code, and what was typed survives an error."""

import pytest

from ranking.policy.identity import make_credit_code
from tests import factories
from workflow.models import AppState

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db):
    return {
        "verified": factories.EmployerFactory(name="北京星河数据科技有限公司"),
        "unverified": factories.EmployerFactory(name="北京星河物流有限公司"),
        "other": factories.EmployerFactory(name="上海远航贸易有限公司"),
    }


def test_search_by_name_lists_registered_units_verified_or_not(
    login, applicant, round2020, units, clock
):
    factories.MembershipFactory(employer=units["verified"])
    factories.MembershipFactory(employer=units["unverified"], verified=False)
    response = login(applicant.user).get("/apply/employer/", {"q": "星河"})
    assert [e.name for e in response.context["results"]] == [
        "北京星河数据科技有限公司",
        "北京星河物流有限公司",
    ]
    page = response.content.decode()
    assert f'value="{units["verified"].credit_code}"' in page  # a choice to pick
    assert "上海远航贸易有限公司" not in page


def test_search_by_the_start_of_the_credit_code(login, applicant, round2020, units, clock):
    code = units["other"].credit_code
    response = login(applicant.user).get("/apply/employer/", {"q": code[:10].lower()})
    assert units["other"] in response.context["results"]


def test_one_character_finds_nothing(login, applicant, round2020, units, clock):
    response = login(applicant.user).get("/apply/employer/", {"q": "北"})
    assert response.context["results"] == []
    assert 'id="no-results"' in response.content.decode()


def test_choosing_a_result_starts_the_application(login, applicant, round2020, units, clock):
    response = login(applicant.user).post(
        "/apply/begin/", {"q": "星河", "credit_code": units["unverified"].credit_code}
    )
    assert response.status_code == 302
    application = applicant.applications.get()
    assert (application.state, application.employer) == (
        AppState.AWAITING_EMPLOYER,
        units["unverified"],
    )


def test_a_wrong_code_is_kept_on_the_page_with_its_error(login, applicant, round2020, clock):
    typed = make_credit_code("91110105MA0077777")
    response = login(applicant.user).post("/apply/begin/", {"credit_code": typed, "q": "星河"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "用人单位统一社会信用代码：未找到该统一社会信用代码的单位" in page
    assert f'value="{typed}"' in page  # not wiped
    assert 'value="星河"' in page  # nor the search
    assert not applicant.applications.exists()


def test_dashboard_links_to_the_search(login, applicant, round2020, clock):
    page = login(applicant.user).get("/apply/").content.decode()
    assert 'href="/apply/employer/"' in page


def test_the_search_needs_an_applicant(login, unit_admin, round2020, clock):
    response = login(unit_admin).get("/apply/employer/", {"q": "星河"})
    assert response.status_code in (302, 403)
