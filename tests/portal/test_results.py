"""The running score with its explanation, and the later phases: ranking, publicity, settlement."""

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.portal.conftest import at
from workflow.models import AnnualRound, AppState, ClaimState, Phase

pytestmark = pytest.mark.django_db


def test_running_score_with_rule_and_article(login, filling, clock):
    factories.ClaimFactory(
        application=filling,
        indicator="education",
        state=ClaimState.VERIFIED,
        points=Decimal("15"),
        verified_facts={
            "education": [
                {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
            ]
        },
    )
    page = login(filling.applicant.user).get("/apply/").content.decode()
    assert "积分（预估）" in page
    assert "教育背景" in page
    assert "15.00" in page
    assert "细则附件2" in page  # the article each indicator's rule comes from


def test_ranked_application_shows_score_rank_and_result(
    login, round2020, applicant, employer, clock
):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.PUBLICITY)
    application = factories.ApplicationFactory(
        round=round2020,
        applicant=applicant,
        employer=employer,
        state=AppState.PUBLICIZED,
        total_points=Decimal("112.34"),
        rank=4021,
        admitted=True,
    )
    factories.ClaimFactory(
        application=application, indicator="education", state=ClaimState.VERIFIED
    )
    clock.move_to(at(2020, 10, 16, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    assert "最终积分" in page
    assert "112.34" in page
    assert "第 4021 名" in page
    assert "进入年度落户名单" in page
    assert 'href="/publicity/2020/"' in page  # the year's public list


def test_not_admitted(login, round2020, applicant, employer, clock):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.PUBLICITY)
    factories.ApplicationFactory(
        round=round2020,
        applicant=applicant,
        employer=employer,
        state=AppState.NOT_ADMITTED,
        total_points=Decimal("80.00"),
        rank=9000,
        admitted=False,
    )
    clock.move_to(at(2020, 10, 16, 9))
    assert "未进入年度落户名单" in login(applicant.user).get("/apply/").content.decode()


def test_qualified_sees_the_settlement_checklist_and_its_deadline(
    login, round2020, applicant, employer, clock
):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.CLOSED)
    factories.ApplicationFactory(
        round=round2020,
        applicant=applicant,
        employer=employer,
        state=AppState.QUALIFIED,
        total_points=Decimal("112.34"),
        rank=10,
        admitted=True,
        qualified_until=dt.date(2022, 10, 22),
    )
    clock.move_to(at(2020, 11, 1, 9))
    page = login(applicant.user).get("/apply/").content.decode()
    assert "落户资格保留至 <strong>2022年10月22日</strong>" in page
    assert "《积分落户申请表》" in page
    assert "无档案诚信声明" in page
