"""Exact 2020 boundaries (2020年积分落户工作安排): one second either side of each deadline."""

import pytest
import time_machine

from tests import factories
from tests.workflow.conftest import at
from workflow import services
from workflow.exceptions import WindowClosed
from workflow.models import AnnualRound, AppState, ClaimState, Phase

pytestmark = pytest.mark.django_db


def test_submission_succeeds_one_second_before_deadline(filling, applicant):
    with time_machine.travel(at(2020, 8, 15, 19, 59, 59), tick=False):
        services.application_submit(application=filling, actor=applicant.user)
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    assert filling.submitted_at == at(2020, 8, 15, 19, 59, 59)


def test_submission_refused_one_second_after_deadline(filling, applicant):
    with (
        time_machine.travel(at(2020, 8, 15, 20, 0, 1), tick=False),
        pytest.raises(WindowClosed) as exc,
    ):
        services.application_submit(application=filling, actor=applicant.user)
    assert str(exc.value) == "申报阶段已于 2020年08月15日 20:00 截止，不能再提交。"
    filling.refresh_from_db()
    assert filling.state == AppState.FILLING


def test_start_refused_one_second_before_declaration_opens(applicant):
    round2020 = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    with (
        time_machine.travel(at(2020, 7, 17, 7, 59, 59), tick=False),
        pytest.raises(WindowClosed) as exc,
    ):
        services.application_start(round=round2020, actor=applicant.user)
    assert "2020年07月17日 08:00 开始" in str(exc.value)
    with time_machine.travel(at(2020, 7, 17, 8, 0, 0), tick=False):
        application = services.application_start(round=round2020, actor=applicant.user)
    assert application.state == AppState.DRAFT


def test_submission_refused_when_round_moved_on_even_if_clock_allows(filling, applicant, round2020):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.AGGREGATION)
    filling.round.refresh_from_db()
    with time_machine.travel(at(2020, 8, 1, 12), tick=False), pytest.raises(WindowClosed) as exc:
        services.application_submit(application=filling, actor=applicant.user)
    assert "部门审核结果汇总阶段" in str(exc.value)


@pytest.fixture
def published_claim(applicant, employer):
    round2020 = factories.RoundFactory(year=2020, phase=Phase.RESULT_QUERY)
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.RESULTS_PUBLISHED
    )
    return factories.ClaimFactory(application=application, state=ClaimState.VERIFIED)


def test_appeal_succeeds_one_second_before_result_query_closes(published_claim, applicant):
    with time_machine.travel(at(2020, 9, 12, 19, 59, 59), tick=False):
        services.claim_appeal(claim=published_claim, actor=applicant.user, reason="学位未计入")
    published_claim.refresh_from_db()
    assert published_claim.state == ClaimState.APPEALED


def test_appeal_refused_one_second_after_result_query_closes(published_claim, applicant):
    # 细则第八条: 该阶段结束后，不再受理申请人针对本人积分指标的异议诉求
    with (
        time_machine.travel(at(2020, 9, 12, 20, 0, 1), tick=False),
        pytest.raises(WindowClosed) as exc,
    ):
        services.claim_appeal(claim=published_claim, actor=applicant.user, reason="学位未计入")
    assert str(exc.value) == "审核结果查询阶段已于 2020年09月12日 20:00 截止，不能再提出申诉。"


def test_appeal_refused_before_result_query_opens(published_claim, applicant):
    with (
        time_machine.travel(at(2020, 9, 5, 7, 59, 59), tick=False),
        pytest.raises(WindowClosed) as exc,
    ):
        services.claim_appeal(claim=published_claim, actor=applicant.user, reason="学位未计入")
    assert "2020年09月05日 08:00 开始" in str(exc.value)
