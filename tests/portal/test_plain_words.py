"""What confused people, in the words they saw: each page says where things stand."""

import pytest
from django.contrib.admin.sites import site

from tests import factories
from tests.portal.conftest import at
from workflow.models import AppState, AuditEvent, Phase

pytestmark = pytest.mark.django_db


def test_zero_fill_page_says_when_the_open_declaration_closes(login, filling, clock):
    page = login(filling.applicant.user).get("/apply/indicators/age/").content.decode()
    assert "申报截止：<strong>2020年08月15日 20:00</strong>" in page
    assert "已于" not in page


def test_verified_age_does_not_say_no_record_was_found(login, filling, clock):
    factories.ClaimFactory(
        application=filling,
        indicator="age",
        state="verified",
        declared_facts={},
        verified_facts={},
        points="20.00",
    )
    page = login(filling.applicant.user).get("/apply/indicators/age/").content.decode()
    assert "审核通过" in page
    assert "部门未查到相关记录" not in page
    assert "按公民身份号码中的出生日期计算" in page


def test_withdrawn_for_missing_the_deadline_says_why_and_when(login, applicant, employer, clock):
    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    application = factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.WITHDRAWN
    )
    AuditEvent.objects.create(
        at=at(2020, 8, 16, 0, 0, 30),
        actor_label="system",
        action="application.withdraw",
        object_type="workflow.application",
        object_id=str(application.pk),
        round_year=2020,
        from_state="filling",
        to_state="withdrawn",
        reason="申报阶段截止时未提交，视为撤回",
    )
    clock.move_to(at(2020, 8, 20, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    assert "本申请已于 2020年08月16日 00:00:30 撤回，原因：申报阶段截止时未提交，视为撤回。" in page


def test_an_english_browser_still_gets_chinese(client, applicant):
    # Django's own messages (password rules, the 403 page) follow LANGUAGE_CODE only.
    client.force_login(applicant.user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "123", "new_password2": "123"},
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",
    )
    page = response.content.decode()
    assert "This password is too short" not in page
    assert "密码" in page
    forbidden = client.get("/review/", HTTP_ACCEPT_LANGUAGE="en")
    assert forbidden.status_code == 403
    text = forbidden.content.decode()
    assert "无权访问" in text
    assert "Forbidden" not in text


def test_every_admin_column_has_a_chinese_label():
    for model in site._registry:
        if model._meta.app_label not in ("workflow", "review", "ranking", "publicity"):
            continue
        for field in model._meta.concrete_fields:
            if field.auto_created:
                continue
            assert not str(field.verbose_name).isascii(), f"{model.__name__}.{field.name}"


def test_not_found_page_is_chinese(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "没有找到该页面" in response.content.decode()


def test_status_words_say_where_each_item_is(login, filling, clock):
    factories.ClaimFactory(application=filling, indicator="education")
    factories.ClaimFactory(application=filling, indicator="housing", declared_facts={"housing": []})
    client = login(filling.applicant.user)
    page = client.get("/apply/").content.decode()
    assert "已填报，待提交" in page  # education: declared, application not yet submitted
    assert "待审核" not in page  # nothing is with a department before submission
    assert "未填报" in page  # housing: a blank form saved is no declaration
    type(filling).objects.filter(pk=filling.pk).update(state=AppState.SUBMITTED)
    assert "已申报待审核" in client.get("/apply/").content.decode()
