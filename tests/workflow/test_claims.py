"""Indicator claims: department decisions, recheck (细则第五条), appeal once (细则第八条)."""

from decimal import Decimal

import pytest
import time_machine

from tests import factories
from tests.workflow.conftest import at
from workflow import services
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted, WindowClosed
from workflow.models import AppState, AuditEvent, ClaimState, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted_claim(round2020, applicant, employer):
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.SUBMITTED
    )
    return factories.ClaimFactory(application=application, indicator="education")


def test_reviewer_of_the_department_verifies(submitted_claim, reviewer_of):
    reviewer = reviewer_of("education")
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_verify(claim=submitted_claim, actor=reviewer, points=Decimal("15"))
    submitted_claim.refresh_from_db()
    assert submitted_claim.state == ClaimState.VERIFIED
    assert submitted_claim.points == Decimal("15.00")
    assert submitted_claim.verified_facts == submitted_claim.declared_facts
    assert submitted_claim.decided_by == reviewer
    event = AuditEvent.objects.get(action="claim.verify")
    assert (event.actor, event.from_state, event.to_state) == (reviewer, "pending", "verified")
    assert event.after["points"] == "15.00"


@pytest.mark.parametrize("code", ["hrss", "tax", "police"])
def test_reviewer_of_another_department_is_refused(submitted_claim, reviewer_of, code):
    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        pytest.raises(NotPermitted, match="教育背景"),
    ):
        services.claim_verify(claim=submitted_claim, actor=reviewer_of(code))


def test_only_the_claims_own_department_decides_it(round2020, applicant, reviewer_of):
    # Issue 9: who may decide a claim was written three times and disagreed (the workflow
    # service let any of the indicator's departments decide); now one declared guard: the
    # claim's department, as the back office and the evidence rules say.
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, state=AppState.SUBMITTED
    )
    claim = factories.ClaimFactory(application=application, indicator="housing", declared_facts={})
    assert claim.department.code == "housing_construction"
    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        pytest.raises(NotPermitted, match="只有负责“合法稳定住所”指标的审核部门才能调整审核结果"),
    ):
        services.claim_adjust(
            claim=claim,
            actor=reviewer_of("planning"),
            verified_facts={"housing": []},
            reason="无产权登记",
        )
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_adjust(
            claim=claim,
            actor=reviewer_of("housing_construction"),
            verified_facts={"housing": []},
            reason="无产权登记",
        )
    assert claim.state == ClaimState.ADJUSTED


def test_reject_needs_a_reason(submitted_claim, reviewer_of):
    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        pytest.raises(DomainError, match="理由"),
    ):
        services.claim_reject(claim=submitted_claim, actor=reviewer_of("education"), reason="")


def test_system_verifies_during_aggregation(submitted_claim):
    # Data exchange (细则第六条) runs as the system once the round is in aggregation.
    round2020 = submitted_claim.application.round
    type(round2020).objects.filter(pk=round2020.pk).update(phase=Phase.AGGREGATION)
    submitted_claim.application.round.refresh_from_db()
    services.claim_verify(claim=submitted_claim, points=Decimal("15"))
    assert AuditEvent.objects.get(action="claim.verify").actor_label == "system"


def test_recheck_in_declaration_then_decided(submitted_claim, applicant, reviewer_of):
    reviewer = reviewer_of("education")
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_reject(claim=submitted_claim, actor=reviewer, reason="学信网无记录")
        services.claim_request_recheck(
            claim=submitted_claim, actor=applicant.user, reason="已上传学位证"
        )
        services.claim_decide_recheck(
            claim=submitted_claim,
            actor=reviewer,
            reason="核实无误",
            points=Decimal("15"),
            verified_facts=submitted_claim.declared_facts,
        )
    assert submitted_claim.state == ClaimState.RECHECKED
    assert submitted_claim.points == Decimal("15")


def test_recheck_refused_after_declaration_deadline(submitted_claim, applicant, reviewer_of):
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_reject(
            claim=submitted_claim, actor=reviewer_of("education"), reason="无记录"
        )
    with time_machine.travel(at(2020, 8, 15, 20, 0, 1), tick=False), pytest.raises(WindowClosed):
        services.claim_request_recheck(claim=submitted_claim, actor=applicant.user, reason="请复查")


def test_other_applicant_cannot_request_recheck(submitted_claim, other_applicant, reviewer_of):
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_reject(
            claim=submitted_claim, actor=reviewer_of("education"), reason="无记录"
        )
        with pytest.raises(NotPermitted):
            services.claim_request_recheck(
                claim=submitted_claim, actor=other_applicant.user, reason="x"
            )


@pytest.fixture
def published_claim(applicant, employer):
    round2020 = factories.RoundFactory(year=2020, phase=Phase.RESULT_QUERY)
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.RESULTS_PUBLISHED
    )
    return factories.ClaimFactory(
        application=application, state=ClaimState.REJECTED, points=Decimal("0")
    )


def test_appeal_only_once_per_claim(published_claim, applicant, reviewer_of):
    with time_machine.travel(at(2020, 9, 6, 10), tick=False):
        services.claim_appeal(claim=published_claim, actor=applicant.user, reason="学位证已补交")
        services.claim_decide_appeal(
            claim=published_claim, actor=reviewer_of("education"), upheld=False, reason="证书不符"
        )
        assert published_claim.state == ClaimState.APPEAL_REJECTED
        with pytest.raises(InvalidTransition):
            services.claim_appeal(claim=published_claim, actor=applicant.user, reason="再申诉")
    # even a claim put back into an appealable state keeps its single appeal spent
    assert published_claim.appealed_at == at(2020, 9, 6, 10)


def test_upheld_appeal_replaces_points_in_recheck_phase(published_claim, applicant, reviewer_of):
    with time_machine.travel(at(2020, 9, 6, 10), tick=False):
        services.claim_appeal(claim=published_claim, actor=applicant.user, reason="学位证已补交")
    round2020 = published_claim.application.round
    type(round2020).objects.filter(pk=round2020.pk).update(phase=Phase.RECHECK_RANKING)
    round2020.refresh_from_db()
    with time_machine.travel(at(2020, 9, 20, 10), tick=False):
        services.claim_decide_appeal(
            claim=published_claim,
            actor=reviewer_of("education"),
            upheld=True,
            reason="核实无误",
            points=Decimal("15"),
            verified_facts={"education": []},
        )
    assert published_claim.state == ClaimState.APPEAL_UPHELD
    assert published_claim.points == Decimal("15")


def test_appeal_refused_in_declaration(submitted_claim, applicant, reviewer_of):
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_verify(claim=submitted_claim, actor=reviewer_of("education"))
        with pytest.raises(WindowClosed, match="审核结果查询阶段"):
            services.claim_appeal(claim=submitted_claim, actor=applicant.user, reason="x")


def test_zero_fill_indicator_cannot_be_declared(filling, applicant):
    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        pytest.raises(DomainError, match="零填报"),
    ):
        services.claim_declare(
            application=filling, indicator="employment", declared_facts={}, actor=applicant.user
        )


def test_changed_declaration_goes_back_to_the_department(filling, applicant, reviewer_of):
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        claim = services.claim_declare(
            application=filling,
            indicator="education",
            declared_facts={"a": 1},
            actor=applicant.user,
        )
        services.application_submit(application=filling, actor=applicant.user)
        services.claim_verify(claim=claim, actor=reviewer_of("education"), points=Decimal("10.5"))
        # 细则第五条: edited after submission, without re-submitting
        claim = services.claim_declare(
            application=filling,
            indicator="education",
            declared_facts={"a": 2},
            actor=applicant.user,
        )
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    assert claim.state == ClaimState.PENDING
    assert claim.points is None
    assert claim.declared_facts == {"a": 2}
    event = AuditEvent.objects.get(action="claim.redeclare")
    assert (event.actor, event.from_state, event.to_state) == (
        applicant.user,
        "verified",
        "pending",
    )
    assert (event.before["declared_facts"], event.after["declared_facts"]) == ({"a": 1}, {"a": 2})


def test_editing_a_claim_under_recheck_sends_it_back_pending(
    submitted_claim, applicant, reviewer_of
):
    with time_machine.travel(at(2020, 8, 1, 9), tick=False):
        services.claim_reject(
            claim=submitted_claim, actor=reviewer_of("education"), reason="无记录"
        )
        services.claim_request_recheck(claim=submitted_claim, actor=applicant.user, reason="已补录")
        claim = services.claim_declare(
            application=submitted_claim.application,
            indicator="education",
            declared_facts={"a": 3},
            actor=applicant.user,
        )
    assert (claim.state, claim.recheck_reason) == (ClaimState.PENDING, "")
    event = AuditEvent.objects.get(action="claim.redeclare")
    assert (event.from_state, event.to_state) == ("recheck_requested", "pending")
