"""The signed-in page frame (issue 13): the session kept in Redis with the database behind
it, and the header's unit link and unread count read once per request, never remembered
from an earlier one."""

import pytest
from django.core.cache import caches
from django.utils import timezone

from workflow.models import EmployerMembership, Notice

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
