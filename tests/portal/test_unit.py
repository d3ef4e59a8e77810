"""The employer unit: confirms or rejects its own applicants only, and sees (not edits) progress."""

import datetime as dt

import pytest

from tests import factories
from tests.portal.conftest import DECLARATION_CLOSES
from workflow.models import AppState, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(round2020, applicant, employer):
    return factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.AWAITING_EMPLOYER
    )


def test_applicant_names_the_employer_by_credit_code(login, applicant, employer, round2020, clock):
    client = login(applicant.user)
    response = client.post(
        "/apply/begin/", {"credit_code": employer.credit_code.lower()}, follow=True
    )
    application = applicant.applications.get()
    assert (application.state, application.employer) == (AppState.AWAITING_EMPLOYER, employer)
    assert "确认隶属关系" in response.content.decode()


def test_unknown_credit_code_is_named(login, applicant, round2020, clock):
    from ranking.policy.identity import make_credit_code

    response = login(applicant.user).post(
        "/apply/begin/", {"credit_code": make_credit_code("91110105MA0077777")}, follow=True
    )
    assert "用人单位统一社会信用代码：未找到该统一社会信用代码的单位" in response.content.decode()
    assert not applicant.applications.exists()


def test_indicator_pages_wait_for_the_unit(login, awaiting, clock):
    response = login(awaiting.applicant.user).get("/apply/indicators/housing/", follow=True)
    assert "用人单位确认隶属关系后才能填报积分指标" in response.content.decode()


def test_unit_sees_only_its_own_applicants(
    login, unit_admin, awaiting, round2020, other_employer, clock
):
    stranger = factories.ApplicationFactory(
        round=round2020, employer=other_employer, state=AppState.AWAITING_EMPLOYER
    )
    page = login(unit_admin).get("/unit/").content.decode()
    assert awaiting.applicant.name in page
    assert stranger.applicant.name not in page
    assert "有 <strong>1</strong> 名申请人待确认" in page


def test_unit_confirms_its_applicant(login, unit_admin, awaiting, clock):
    response = login(unit_admin).post(f"/unit/applications/{awaiting.pk}/confirm/", follow=True)
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.FILLING
    assert "已确认" in response.content.decode()
    assert AuditEvent.objects.get(action="application.confirm_affiliation").actor == unit_admin


def test_unit_rejects_with_a_reason_the_applicant_sees(login, unit_admin, awaiting, clock):
    client = login(unit_admin)
    response = client.post(f"/unit/applications/{awaiting.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400
    assert "不予确认的原因：请填写不予确认的原因" in response.content.decode()
    client.post(f"/unit/applications/{awaiting.pk}/reject/", {"reason": "该同志已于2019年离职"})
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.REJECTED_BY_EMPLOYER
    page = login(awaiting.applicant.user).get("/apply/").content.decode()
    assert "单位不予确认，原因：该同志已于2019年离职" in page
    assert "提交单位确认" in page  # may name another employer


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_another_unit_cannot_act_on_the_application(
    login, other_unit_admin, awaiting, clock, action
):
    response = login(other_unit_admin).post(
        f"/unit/applications/{awaiting.pk}/{action}/", {"reason": "x"}
    )
    assert response.status_code == 404
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.AWAITING_EMPLOYER


def test_another_unit_cannot_see_the_progress(login, other_unit_admin, awaiting):
    assert login(other_unit_admin).get(f"/unit/applications/{awaiting.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["applicant", "anonymous"])
def test_non_units_are_refused(client, login, applicant, awaiting, persona):
    c = login(applicant.user) if persona == "applicant" else client
    response = c.get("/unit/")
    assert response.status_code == (403 if persona == "applicant" else 302)


def test_unit_sees_progress_but_cannot_edit(login, unit_admin, filling):
    factories.ClaimFactory(application=filling, indicator="education")
    page = login(unit_admin).get(f"/unit/applications/{filling.pk}/").content.decode()
    assert "教育背景" in page
    assert "待审核" in page
    assert "<form" not in page.split("审核进度")[1]


def test_unit_confirm_refused_one_second_after_the_deadline(login, unit_admin, awaiting, clock):
    clock.move_to(DECLARATION_CLOSES + dt.timedelta(seconds=1))
    response = login(unit_admin).post(f"/unit/applications/{awaiting.pk}/confirm/", follow=True)
    assert "已于 2020年08月15日 20:00 截止" in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.AWAITING_EMPLOYER


def test_unit_dashboard_queries_do_not_grow_with_applicants(
    login, unit_admin, round2020, employer, django_assert_max_num_queries, clock
):
    # A large unit has thousands of applicants: one page of 50, a fixed number of queries.
    for _ in range(60):
        factories.ApplicationFactory(
            round=round2020, employer=employer, state=AppState.AWAITING_EMPLOYER
        )
    client = login(unit_admin)
    with django_assert_max_num_queries(14):
        page = client.get("/unit/").content.decode()
    assert page.count("确认隶属关系</button>") == 50
    assert "第 1 / 2 页" in page


def test_applicant_dashboard_queries_are_bounded(
    login, filling, django_assert_max_num_queries, clock
):
    for code in (
        "housing",
        "education",
        "innovation",
        "honors",
        "employment",
        "tax",
        "age",
        "law_record",
    ):
        factories.ClaimFactory(application=filling, indicator=code, declared_facts={})
    client = login(filling.applicant.user)
    with django_assert_max_num_queries(20):
        client.get("/apply/")


def test_unit_confirms_the_ticked_applicants_at_once(
    login, unit_admin, awaiting, round2020, employer, clock
):
    second = factories.ApplicationFactory(
        round=round2020, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    untouched = factories.ApplicationFactory(
        round=round2020, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    client = login(unit_admin)
    page = client.get("/unit/").content.decode()
    assert "确认所勾选申请人的隶属关系" in page
    assert f'name="application" value="{second.pk}" form="confirm-many"' in page
    response = client.post(
        "/unit/applications/confirm/", {"application": [awaiting.pk, second.pk]}, follow=True
    )
    assert "已确认 2 名申请人与本单位的隶属关系" in response.content.decode()
    for application in (awaiting, second, untouched):
        application.refresh_from_db()
    assert (awaiting.state, second.state, untouched.state) == (
        AppState.FILLING,
        AppState.FILLING,
        AppState.AWAITING_EMPLOYER,
    )
    assert {
        e.actor for e in AuditEvent.objects.filter(action="application.confirm_affiliation")
    } == {unit_admin}


def test_ticking_another_units_applicant_confirms_nobody(
    login, unit_admin, awaiting, round2020, other_employer, clock
):
    stranger = factories.ApplicationFactory(
        round=round2020, employer=other_employer, state=AppState.AWAITING_EMPLOYER
    )
    response = login(unit_admin).post(
        "/unit/applications/confirm/", {"application": [awaiting.pk, stranger.pk]}, follow=True
    )
    assert "只有申请人所在用人单位的经办人才能确认隶属关系" in response.content.decode()
    awaiting.refresh_from_db()
    stranger.refresh_from_db()
    assert (awaiting.state, stranger.state) == (AppState.AWAITING_EMPLOYER,) * 2


def test_confirming_with_nothing_ticked_says_what_to_do(login, unit_admin, awaiting, clock):
    response = login(unit_admin).post(
        "/unit/applications/confirm/", {"application": ["x"]}, follow=True
    )
    assert "请勾选要确认隶属关系的申请人" in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.AWAITING_EMPLOYER
