"""The signed-in page frame (issue 13): the session kept in Redis with the database behind
it, and the header's unit link and unread count read once per request, never remembered
from an earlier one."""

from decimal import Decimal

import pytest
from django.core.cache import caches
from django.utils import timezone

from tests import factories
from workflow.models import AppState, ClaimState, EmployerMembership, Notice

pytestmark = pytest.mark.django_db

UNIT_LINK = '<a href="/unit/">单位经办</a>'


def test_a_signed_in_applicant_stays_signed_in_when_redis_restarts(settings, login, applicant):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = login(applicant.user)
    assert client.get("/apply/").status_code == 200

    caches["default"].clear()  # what a Redis restart leaves: no session in the cache

    page = client.get("/apply/")
    assert page.status_code == 200
    assert "我的积分落户申报" in page.content.decode()


def test_signing_out_ends_the_session_in_redis_and_in_the_database(settings, login, applicant):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = login(applicant.user)
    client.post("/accounts/logout/")

    response = client.get("/apply/")
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_unit_link_goes_on_the_next_request_after_the_membership_is_removed(
    login, unit_admin, employer
):
    client = login(unit_admin)
    assert UNIT_LINK in client.get("/notices/").content.decode()

    EmployerMembership.objects.filter(user=unit_admin).delete()

    assert UNIT_LINK not in client.get("/notices/").content.decode()


def test_an_applicant_has_no_unit_link_and_sees_a_new_notice_on_the_next_page(login, applicant):
    client = login(applicant.user)
    page = client.get("/apply/").content.decode()
    assert UNIT_LINK not in page
    assert "条未读" not in page

    Notice.objects.create(
        recipient=applicant.user,
        dedup_key="n1",
        subject="“教育背景”审核结果：审核通过",
        body="核定分值 15.00 分。",
        link="/apply/indicators/education/",
        created_at=timezone.now(),
    )

    assert 'aria-label="1 条未读"' in client.get("/apply/").content.decode()


def test_the_indicator_table_shows_a_changed_claim_on_the_next_load(login, filling, clock):
    # The table is kept by its content: a change made any way at all, even one that
    # touches no timestamp, shows on the next load and never the kept copy.
    claim = factories.ClaimFactory(
        application=filling, indicator="education", declared_facts={"education": []}
    )
    client = login(filling.applicant.user)
    assert '<tr id="row-education" data-state="pending">' in client.get("/apply/").content.decode()

    type(claim).objects.filter(pk=claim.pk).update(
        state=ClaimState.REJECTED, points=Decimal("0"), decision_reason="学历信息无法核实"
    )

    page = client.get("/apply/").content.decode()
    assert '<tr id="row-education" data-state="rejected">' in page
    assert "审核意见：学历信息无法核实" in page

    type(claim).objects.filter(pk=claim.pk).update(decision_reason="毕业证书编号与学信网不符")

    page = client.get("/apply/").content.decode()
    assert "审核意见：毕业证书编号与学信网不符" in page
    assert "学历信息无法核实" not in page


def test_each_applicant_sees_only_their_own_indicator_table(
    login, filling, round2020, other_applicant, employer, clock
):
    factories.ClaimFactory(application=filling, indicator="education", declared_facts={})
    other = factories.ApplicationFactory(
        round=round2020, applicant=other_applicant, employer=employer, state=AppState.FILLING
    )
    factories.ClaimFactory(
        application=other, indicator="housing", declared_facts={}, decision_reason="别人的意见"
    )
    mine = login(filling.applicant.user).get("/apply/").content.decode()
    theirs = login(other_applicant.user).get("/apply/").content.decode()
    assert '<tr id="row-education" data-state="pending">' in mine
    assert '<tr id="row-education" data-state="none">' in theirs
    assert "别人的意见" not in mine
