"""复查 and 申诉 decisions mean what they say: 成立 — the applicant's declared facts stand,
不成立 — the department's facts stand, 调整 — the reviewer's facts; points follow the facts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from review.services.decisions import claim_decide
from tests import factories
from workflow.exceptions import DomainError, InvalidTransition
from workflow.models import BEIJING, ClaimState

pytestmark = pytest.mark.django_db
IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)
DECLARED = {"housing": [{"from": "2012-01", "to": None, "kind": "own", "district": "朝阳区"}]}
INSURANCE = {
    "social_insurance": [{"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False}]
}
FOUND = {"housing": [{"from": "2018-01", "to": None, "kind": "own", "district": "朝阳区"}]}


@pytest.fixture
def recheck():
    round = factories.RoundFactory(year=2020, phase="declaration")
    application = factories.ApplicationFactory(round=round, state="submitted")
    factories.ClaimFactory(
        application=application,
        indicator="employment",
        state=ClaimState.VERIFIED,
        verified_facts=INSURANCE,
        points=Decimal("31.50"),
    )
    # Own 2018-01..2019-12 = 24 → 2.00, implicit rental 2009-07..2017-12 = 102 → 4.25.
    return factories.ClaimFactory(
        application=application,
        indicator="housing",
        state=ClaimState.RECHECK_REQUESTED,
        declared_facts=DECLARED,
        verified_facts=FOUND,
        points=Decimal("6.25"),
        recheck_reason="2012年购房，有不动产权证书",
    )


@pytest.fixture
def reviewer(reviewer_of):
    return reviewer_of("housing_construction")


def decide(claim, reviewer, decision, reason, facts=None):
    with time_machine.travel(IN_DECLARATION, tick=False):
        return claim_decide(
            claim=claim, actor=reviewer, decision=decision, reason=reason, verified_facts=facts
        )


def test_recheck_upheld_takes_the_declaration_and_raises_the_points(recheck, reviewer):
    claim = decide(recheck, reviewer, "uphold", "按申报核定：不动产登记记录核实")
    assert claim.state == ClaimState.RECHECKED
    assert claim.verified_facts == DECLARED
    # Own 2012-01..2019-12 = 96 → 8.00, implicit rental 2009-07..2011-12 = 30 → 1.25.
    assert claim.points == Decimal("9.25")


def test_recheck_dismissed_keeps_the_department_figures(recheck, reviewer):
    claim = decide(recheck, reviewer, "dismiss", "不动产登记记录为2018年")
    assert (claim.verified_facts, claim.points) == (FOUND, Decimal("6.25"))


def test_recheck_adjusted_takes_the_reviewers_facts(recheck, reviewer):
    mine = {"housing": [{"from": "2016-01", "to": None, "kind": "own", "district": "朝阳区"}]}
    claim = decide(recheck, reviewer, "adjust", "按网签备案时间核定", mine)
    assert (claim.verified_facts, claim.points) == (mine, Decimal("7.25"))  # 4.00 + 78/24


def test_first_review_words_are_refused_on_a_recheck(recheck, reviewer):
    with pytest.raises(InvalidTransition, match="只能作出“成立”、“不成立”、“调整”的结论"):
        decide(recheck, reviewer, "verify", "按申报核定")


def test_upholding_a_zero_fill_claim_asks_for_the_department_figures(reviewer_of):
    round = factories.RoundFactory(year=2020, phase="declaration")
    application = factories.ApplicationFactory(round=round, state="submitted")
    claim = factories.ClaimFactory(
        application=application,
        indicator="employment",
        state=ClaimState.RECHECK_REQUESTED,
        verified_facts={"social_insurance": []},
        points=Decimal("0"),
    )
    with pytest.raises(DomainError, match="零填报指标"):
        decide(claim, reviewer_of("hrss"), "uphold", "x")


def test_the_claim_page_explains_each_recheck_outcome(client, recheck, reviewer):
    client.force_login(reviewer)
    with time_machine.travel(IN_DECLARATION, tick=False):
        page = client.get(reverse("review:claim", args=[recheck.pk])).content.decode()
    assert "复查结论" in page
    assert "成立（按申请人申报的信息核定，重新计分）" in page
    assert "不成立（维持部门原核定信息和分值）" in page
    assert "审核通过（" not in page
