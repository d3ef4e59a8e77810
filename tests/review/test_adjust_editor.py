"""The 核定信息 of an "adjust" decision: rows like the portal's, not JSON to type."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from review.services.verification import verification_decide
from tests.review.conftest import build_application, rows, set_state
from workflow.models import BEIJING, AuditEvent, ClaimState

pytestmark = pytest.mark.django_db

IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def claims(declaration_round, people):
    """Owns a home in 昌平区 since 2017-04 and holds a 专科 diploma (the records), but declares
    a home in 通州区 since 2015-01 and a master's degree: both claims go to the manual queue."""
    facts = people[1]
    declared = copy.deepcopy(facts)
    declared["housing"] = [{"from": "2015-01", "to": None, "kind": "own", "district": "通州区"}]
    declared["education"] = [
        {"level": "master", "diploma": True, "degree": True, "graduated_on": "2008-06-28"}
    ]
    with time_machine.travel(IN_DECLARATION, tick=False):
        app = build_application(facts, round=declaration_round, declared=declared)
        verification_decide(round=declaration_round, application_ids=[app.pk])
    return {c.indicator: c for c in app.claims.all()}


def _decide(client, user, claim, data):
    client.force_login(user)
    with time_machine.travel(IN_DECLARATION, tick=False):
        return client.post(reverse("review:decide", args=[claim.pk]), data)


def test_the_editor_is_prefilled_with_the_departments_records_not_json(client, claims, reviewer_of):
    client.force_login(reviewer_of("housing_construction"))
    page = client.get(reverse("review:claim", args=[claims["housing"].pk])).content.decode()
    assert 'name="verified_facts"' not in page  # no JSON to type
    assert 'name="housing-0-start" value="2017-04"' in page  # the record, not the declaration
    assert '<option value="昌平区" selected>' in page
    assert "起始月份" in page
    assert "住所类型" in page


def test_an_adjustment_through_the_rows_stores_the_departments_figures(client, claims, reviewer_of):
    claim = claims["education"]
    user = reviewer_of("education")
    item = {
        "level": "junior_college",
        "diploma": True,
        "degree": False,
        "graduated_on": "2008-06-28",
    }
    response = _decide(
        client,
        user,
        claim,
        {"decision": "adjust", "reason": "学信网仅有专科学历", **rows("education", [item])},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.state == ClaimState.ADJUSTED
    assert claim.verified_facts == {"education": [item]}
    assert claim.points == Decimal("10.50")  # 专科学历 (细则附件2)
    event = AuditEvent.objects.get(object_id=str(claim.pk), action="claim.adjust")
    assert event.actor == user
    assert event.after["verified_facts"] == {"education": [item]}


def test_social_insurance_periods_have_rows_too(client, claims, reviewer_of):
    claim = set_state(claims["employment"], "pending")  # e.g. the records came in doubtful
    periods = [
        {"start": "2012-01", "end": "2016-12", "district": "朝阳区", "back_paid": False},
        {"start": "2017-01", "end": "", "district": "市本级", "back_paid": True},
    ]
    response = _decide(
        client,
        reviewer_of("hrss"),
        claim,
        {"decision": "adjust", "reason": "按社保经办机构记录", **rows("social_insurance", periods)},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.verified_facts == {
        "social_insurance": [
            {"from": "2012-01", "to": "2016-12", "district": "朝阳区", "back_paid": False},
            {"from": "2017-01", "to": None, "district": "市本级", "back_paid": True},
        ]
    }
    assert claim.points == Decimal("15.00")  # 60 normally paid months × 0.25


def test_a_bad_row_names_its_field_in_chinese_and_decides_nothing(client, claims, reviewer_of):
    claim = claims["housing"]
    period = {"start": "2019-05", "end": "2018-01", "kind": "own", "district": "昌平区"}
    response = _decide(
        client,
        reviewer_of("housing_construction"),
        claim,
        {"decision": "adjust", "reason": "按登记记录", **rows("housing", [period])},
    )
    assert response.status_code == 400
    page = response.content.decode()
    # the summary names the row and the field; the field itself carries the error
    assert "居住时间段第 1 项「截止月份」：结束月份早于开始月份" in page
    assert "截止月份：结束月份早于开始月份" in page
    assert 'name="housing-0-end" value="2018-01"' in page  # what was typed is kept
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    assert claim.verified_facts is None


def test_a_form_error_in_a_row_is_named_too(client, claims, reviewer_of):
    item = {"level": "bachelor", "diploma": False, "degree": False, "graduated_on": "2008-6"}
    response = _decide(
        client,
        reviewer_of("education"),
        claims["education"],
        {"decision": "adjust", "reason": "x", **rows("education", [item])},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "学历学位第 1 项「毕业（授予）日期」" in page
    assert "学历学位第 1 项「取得学历（毕业证书）」：请至少勾选学历或学位之一。" in page


def test_adding_a_row_decides_nothing(client, claims, reviewer_of):
    claim = claims["housing"]
    period = {"start": "2017-04", "end": "", "kind": "own", "district": "昌平区"}
    data = {"decision": "adjust", "reason": "", "action": "add_row:housing"}
    response = _decide(
        client, reviewer_of("housing_construction"), claim, {**data, **rows("housing", [period])}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="housing-1-start"' in page
    assert "请填写审核意见" not in page
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING


def test_indicators_without_an_editor_keep_json_as_advanced_prefilled(client, claims, reviewer_of):
    claim = claims["tax"]
    client.force_login(reviewer_of("tax"))
    page = client.get(reverse("review:claim", args=[claim.pk])).content.decode()
    assert "核定信息（高级" in page
    assert 'name="verified_facts"' in page
    assert "income_tax" in page
