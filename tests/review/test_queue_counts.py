"""The reviewer's queue counts (issue 13: read from indexes): right in every claim state,
blind to applications not in review, and the page's query count independent of the claims."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review.selectors import queue_counts
from tests import factories
from tests.review.conftest import set_phase
from workflow.models import AppState, ClaimState, IndicatorClaim, SupplementRequest

BEIJING = dt.timezone(dt.timedelta(hours=8))
IN_AGGREGATION = dt.datetime(2020, 8, 20, 10, 0, tzinfo=BEIJING)
INDICATORS = ["eligibility", "age", "law_record"]  # the three the police verify


@pytest.fixture
def frozen():
    with time_machine.travel(IN_AGGREGATION, tick=False):
        yield


@pytest.fixture
def round(db, frozen):
    return set_phase(factories.RoundFactory(year=2020), "aggregation")


def claims_of(app_state: str, states: list[tuple[str, bool]], *, round) -> list[IndicatorClaim]:
    """One application in `app_state` with a police claim in each (state, manual)."""
    application = factories.ApplicationFactory(round=round, state=app_state)
    return [
        factories.ClaimFactory(
            application=application,
            indicator=INDICATORS[i],
            department=factories.department("police"),
            state=state,
            needs_manual_review=manual,
            declared_facts={},
        )
        for i, (state, manual) in enumerate(states)
    ]


def fill(round, *, times: int = 1) -> None:
    """Claims in every state, of applications in review and not."""
    for _ in range(times):
        claims_of(
            AppState.UNDER_REVIEW,
            [(ClaimState.PENDING, True), (ClaimState.PENDING, False), (ClaimState.VERIFIED, False)],
            round=round,
        )
        claims_of(
            AppState.SUBMITTED,
            [
                (ClaimState.RECHECK_REQUESTED, False),
                (ClaimState.APPEALED, True),
                (ClaimState.SUPPLEMENT_REQUESTED, False),
            ],
            round=round,
        )
        claims_of(
            AppState.RESULTS_PUBLISHED,
            [(ClaimState.REJECTED, False), (ClaimState.ADJUSTED, False)],
            round=round,
        )
        # Not in review: a draft still being filled and a withdrawn application.
        claims_of(
            AppState.FILLING,
            [(ClaimState.PENDING, True), (ClaimState.PENDING, False), (ClaimState.VERIFIED, False)],
            round=round,
        )
        claims_of(
            AppState.WITHDRAWN,
            [(ClaimState.APPEALED, False), (ClaimState.RECHECK_REQUESTED, False)],
            round=round,
        )


def test_counts_each_state_and_leave_out_applications_not_in_review(round):
    fill(round)
    # Back from 补件 past its deadline: counted as overdue only while its application is in review.
    overdue, withdrawn_overdue = (
        claims_of(state, [(ClaimState.PENDING, False)], round=round)[0]
        for state in (AppState.UNDER_REVIEW, AppState.WITHDRAWN)
    )
    for claim in (overdue, withdrawn_overdue):
        SupplementRequest.objects.create(
            claim=claim,
            documents="劳动合同",
            due_at=timezone.now(),
            requested_at=timezone.now(),
            overdue_at=timezone.now(),
        )
    # Another department's claim and last year's claim of the same department: not counted.
    factories.ClaimFactory(application=factories.ApplicationFactory(round=round, state="submitted"))
    claims_of(
        AppState.UNDER_REVIEW,
        [(ClaimState.PENDING, True)],
        round=factories.RoundFactory(year=2019),
    )

    counts = queue_counts(department=factories.department("police"), round=round)

    assert counts == {
        "manual": 1,
        "recheck": 1,
        "appeal": 1,
        "supplement": 1,
        "supplement_overdue": 1,
        "pending": 3,  # the manual one, the other pending one, the overdue one
        "decided": 3,  # verified, rejected, adjusted
        "all": 9,
        "oldest": IN_AGGREGATION,
    }


def test_counts_without_a_round_take_every_round_of_the_department(round):
    fill(round)
    claims_of(
        AppState.UNDER_REVIEW,
        [(ClaimState.PENDING, True)],
        round=factories.RoundFactory(year=2019),
    )

    counts = queue_counts(department=factories.department("police"), round=None)

    assert (counts["manual"], counts["all"]) == (2, 9)


@pytest.mark.parametrize("queue", ["manual", "recheck", "all"])
def test_the_page_shows_the_counts_and_its_page_count(round, client, reviewer_of, queue):
    fill(round, times=3)
    client.force_login(reviewer_of("police"))

    page = client.get(reverse("review:queue"), {"queue": queue}).content.decode()

    assert 'data-count="manual">3<' in page
    assert 'data-count="decided">9<' in page
    assert page.count('name="claim_ids"') == {"manual": 3, "recheck": 3, "all": 24}[queue]


def test_the_queue_page_makes_as_many_queries_with_ten_times_the_claims(round, client, reviewer_of):
    fill(round)
    client.force_login(reviewer_of("police"))
    url = reverse("review:queue")

    def queries(queue: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"queue": queue}).status_code == 200
        return len(captured)

    before = {queue: queries(queue) for queue in ("manual", "all", "supplement_overdue")}
    fill(round, times=10)
    after = {queue: queries(queue) for queue in before}

    assert after == before
