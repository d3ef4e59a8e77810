"""The claim page a reviewer decides on: facts as Chinese tables, declared vs department."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from review.services.verification import verification_decide
from tests.review.conftest import build_application

pytestmark = pytest.mark.django_db

IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _no_python_data(page: str) -> None:
    # What the page showed before: pprint of the JSON, e.g. {'education': [{'degree': True}]}.
    assert "{'" not in page
    assert "{&#x27;" not in page
    assert "&#x27;from&#x27;" not in page
    assert "True" not in page
    assert "None" not in page


@pytest.fixture
def mismatched(declaration_round, people, reviewer_of):
    """An applicant who owns a home in 昌平区 since 2017-04 and holds a 专科 diploma, but
    declares a home in 通州区 since 2015-01 and a master's degree."""
    facts = people[1]
    assert facts["housing"] == [
        {"from": "2017-04", "to": None, "kind": "own", "district": "昌平区"}
    ]
    declared = copy.deepcopy(facts)
    declared["housing"] = [{"from": "2015-01", "to": None, "kind": "own", "district": "通州区"}]
    declared["education"] = [
        {"level": "master", "diploma": True, "degree": True, "graduated_on": "2008-06-28"}
    ]
    with time_machine.travel(IN_DECLARATION, tick=False):
        app = build_application(facts, round=declaration_round, declared=declared)
        verification_decide(round=declaration_round, application_ids=[app.pk])
    return {c.indicator: c for c in app.claims.all()}


def _page(client, user, claim) -> str:
    client.force_login(user)
    response = client.get(reverse("review:claim", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, heading: str) -> str:
    match = re.search(rf"<h[23]>{heading}</h[23]>(.*?)(?=<h[23]>|</section>)", page, re.S)
    assert match, heading
    return match.group(1)


def test_housing_claim_shows_periods_as_tables_side_by_side(client, mismatched, reviewer_of):
    page = _page(client, reviewer_of("housing_construction"), mismatched["housing"])
    _no_python_data(page)
    declared = _section(page, "申报信息")
    department = _section(page, "部门核定信息")
    for column in ("开始月份", "结束月份", "住所类型", "区"):
        assert f'<th scope="col">{column}</th>' in declared
        assert f'<th scope="col">{column}</th>' in department
    assert "<td>2015-01</td><td>至今</td><td>本人自有产权住房</td><td>通州区<span" in declared
    assert "<td>2017-04</td><td>至今</td><td>本人自有产权住房</td><td>昌平区<span" in department
    # Neither side's row is on the other side: both are marked.
    assert 'class="facts-differs"' in declared
    assert 'class="facts-differs"' in department
    # The diff: the declared months the records do not bear out, as month ranges.
    only_declared = _section(page, "仅申报中有")
    assert (
        "<td>2015-01</td><td>2019-12</td><td>本人自有产权住房</td><td>通州区</td>" in only_declared
    )
    only_department = _section(page, "仅部门记录中有")
    assert "<td>2017-04</td><td>2019-12</td><td>本人自有产权住房</td><td>昌平区</td>" in (
        only_department
    )


def test_education_claim_shows_levels_and_yes_no(client, mismatched, reviewer_of):
    page = _page(client, reviewer_of("education"), mismatched["education"])
    _no_python_data(page)
    declared = _section(page, "申报信息")
    assert "学历层次" in declared
    assert "<td>硕士研究生</td><td>是</td><td>是</td><td>2008-06-28<span" in declared
    department = _section(page, "部门核定信息")
    assert "<td>大学专科（含高职）</td><td>是</td><td>否</td><td>2008-06-28<span" in department
    assert "硕士研究生" in _section(page, "仅申报中有")


def test_zero_fill_claims_show_the_departments_figures(client, mismatched, reviewer_of):
    # Social insurance and tax are not declared (零填报): the page says so, and shows the
    # department's periods and yearly income tax in Chinese.
    page = _page(client, reviewer_of("hrss"), mismatched["employment"])
    _no_python_data(page)
    assert "零填报" in _section(page, "申报信息")
    department = _section(page, "部门核定信息")
    assert "缴费区" in department
    assert "补缴" in department
    assert "<td>否</td>" in department

    page = _page(client, reviewer_of("tax"), mismatched["tax"])
    _no_python_data(page)
    department = _section(page, "部门核定信息")
    assert "<td>2019年</td>" in department
    assert "个人所得税（元）" in department
    assert "税务违法处罚记录" in department

    # 职住区域 is computed from housing and social insurance: nothing declared, nothing to diff.
    page = _page(client, reviewer_of("planning"), mismatched["job_residence_area"])
    _no_python_data(page)
    assert "无单独申报内容" in _section(page, "申报信息")
    assert "<h2>部门核定信息</h2>" not in page


def test_awards_equity_and_honors_read_in_chinese():
    # No fixture applicant has these; the presenter is what every section of the page uses.
    from review.templatetags.review_facts import present_facts

    declared = {
        "awards": [{"code": "beijing_sci_tech", "grade": "first", "rank": 2, "year": 2018}],
        "equity": {
            "qualified_firm": True,
            "investor_funding_3y_wan": "800",
            "equity_financing_3y_wan": "2500",
            "holding_pct": "12",
            "full_year": False,
        },
    }
    department = {"awards": [], "equity": None}
    awards, equity = present_facts(declared, "innovation", compare=department, compared=True)
    assert awards.columns[0] == "奖项"
    assert awards.rows[0].cells[:2] == ["北京市科学技术奖一等奖", "2"]
    assert awards.rows[0].differs
    assert ("企业符合条件", "是", True) in equity.pairs
    assert ("当年全年持股", "否", True) in equity.pairs
    (honors,) = present_facts(["capital_moral_model"], "honors")
    assert honors.rows[0].cells == ["首都道德模范", "—"]
    assert not honors.rows[0].differs
