"""A round always reaches its end (issue 9): at every phase boundary each claim, whatever its
state, is either moved on by the phase jobs or held with the department that must act named,
and that department can act (past the window, until the round moves on); then the round
moves on."""

from __future__ import annotations

import pytest
import time_machine

from review.services.decisions import claim_decide
from tests import factories
from tests.workflow.conftest import at
from workflow.decisions import decisions_for
from workflow.exceptions import InvalidTransition, PhaseJobFailed
from workflow.models import AnnualRound, AppState, ClaimState, Phase, SupplementRequest
from workflow.services import round_advance

pytestmark = pytest.mark.django_db

# (the phase left, the application's state there, the moment after the window, the next phase)
BOUNDARIES = {
    Phase.AGGREGATION: (AppState.UNDER_REVIEW, at(2020, 9, 5, 8, 0, 1), Phase.RESULT_QUERY),
    Phase.RECHECK_RANKING: (AppState.RESULTS_PUBLISHED, at(2020, 10, 15, 0, 0, 1), Phase.PUBLICITY),
}
# Claim states the applicant's and departments' steps can leave at each boundary.
OPEN = {
    # 待补件: at the boundary its deadline (at the latest the window's end) has passed, so the
    # exit job hands it back (补件逾期) and it is held for the department like a pending one.
    Phase.AGGREGATION: {
        ClaimState.PENDING,
        ClaimState.RECHECK_REQUESTED,
        ClaimState.SUPPLEMENT_REQUESTED,
    },
    Phase.RECHECK_RANKING: {ClaimState.APPEALED},
}
REACHABLE = {
    Phase.AGGREGATION: [
        ClaimState.PENDING,
        ClaimState.VERIFIED,
        ClaimState.REJECTED,
        ClaimState.ADJUSTED,
        ClaimState.RECHECK_REQUESTED,
        ClaimState.RECHECKED,
        ClaimState.SUPPLEMENT_REQUESTED,
    ],
    Phase.RECHECK_RANKING: [
        ClaimState.VERIFIED,
        ClaimState.REJECTED,
        ClaimState.ADJUSTED,
        ClaimState.RECHECKED,
        ClaimState.APPEALED,
        ClaimState.APPEAL_UPHELD,
        ClaimState.APPEAL_REJECTED,
    ],
}
CASES = [(phase, state) for phase, states in REACHABLE.items() for state in states]


def test_the_table_covers_every_claim_state():
    seen = {state for states in REACHABLE.values() for state in states}
    assert seen == set(ClaimState.values)


@pytest.mark.parametrize(("phase", "claim_state"), CASES)
def test_every_claim_state_at_every_boundary_can_be_moved_on(
    phase, claim_state, administrator, reviewer_of
):
    app_state, after_window, next_phase = BOUNDARIES[phase]
    round = factories.RoundFactory(year=2020, quota=1, phase=phase)
    application = factories.ApplicationFactory(round=round, state=app_state)
    claim = factories.ClaimFactory(
        application=application,
        indicator="education",
        state=claim_state,
        verified_facts={"education": []},
    )
    if claim_state == ClaimState.SUPPLEMENT_REQUESTED:
        SupplementRequest.objects.create(
            claim=claim,
            documents="学历证书",
            due_at=round.aggregation_closes_at,
            requested_at=round.aggregation_opens_at,
        )
    with time_machine.travel(after_window, tick=False):
        if claim_state in OPEN[phase]:
            with pytest.raises(PhaseJobFailed, match="教委 1 项"):
                round_advance(round=round, actor=administrator)
            assert AnnualRound.objects.get(pk=round.pk).phase == phase
            claim.refresh_from_db()
            decision = next(iter(decisions_for(claim_state)))
            claim_decide(
                claim=claim, actor=reviewer_of("education"), decision=decision, reason="补审"
            )
        if next_phase == Phase.PUBLICITY:
            # 细则第十条: the ranked list waits in 公示 for the city's approval
            with pytest.raises(InvalidTransition, match="尚未经市政府批准"):
                round_advance(round=round, actor=administrator)
            factories.ranking_approval_record(round)
            round_advance(round=round, to=Phase.PUBLICITY, actor=administrator)
        else:
            round_advance(round=round, actor=administrator)
    assert AnnualRound.objects.get(pk=round.pk).phase == next_phase


def test_listeners_hear_of_a_move_once_after_the_commit_and_never_of_a_rollback(
    administrator, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from workflow.services import transitions

    heard = []
    transitions.transition_listener_register(heard.append)
    try:
        round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
        application = factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True):
            transitions.transition_bulk(
                type(application),
                "begin_review",
                round=round,
                ids=[application.pk],
                now=at(2020, 8, 20),
            )
        assert [(d.method, d.ids, d.to_state) for d in heard] == [
            ("begin_review", (application.pk,), AppState.UNDER_REVIEW)
        ]
        heard.clear()
        other = factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    transitions.transition_bulk(
                        type(other),
                        "begin_review",
                        round=round,
                        ids=[other.pk],
                        now=at(2020, 8, 20),
                    )
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
        assert heard == []
        assert callbacks == []
    finally:
        transitions._listeners.remove(heard.append)
