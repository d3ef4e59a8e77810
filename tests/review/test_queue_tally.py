"""The reviewers' counts come from a tally the database keeps (issue 13): they follow every
way a claim or its application changes (services, bulk updates, stale saves, deletions), and
the queue pages' lengths agree with the rows they list."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.db.models import Count

from review import selectors
from review.selectors import QueueFilters, queue_counts, work_queue, work_queue_page
from review.services.verification import verification_decide
from tests import factories
from tests.review.conftest import build_application
from workflow import services
from workflow.models import (
    NOT_IN_REVIEW_STATES,
    Application,
    AppState,
    ClaimState,
    IndicatorClaim,
    Phase,
    QueueTally,
)


def police_claims(application, states: list[tuple[str, bool]]) -> list[IndicatorClaim]:
    return [
        factories.ClaimFactory(
            application=application,
            indicator=indicator,
            state=state,
            needs_manual_review=manual,
            declared_facts={},
        )
        for indicator, (state, manual) in zip(
            ["eligibility", "age", "law_record"], states, strict=False
        )
    ]


def counted(round) -> dict:
    counts = queue_counts(department=factories.department("police"), round=round)
    return {key: counts[key] for key in ("manual", "pending", "decided", "all")}


def recounted(round) -> Counter:
    """What the tally must say: the claims in review counted row by row."""
    rows = (
        IndicatorClaim.objects.filter(round=round)
        .exclude(application__state__in=NOT_IN_REVIEW_STATES)
        .values("department", "indicator", "state", "needs_manual_review")
        .annotate(n=Count("*"))
    )
    return Counter(
        {
            (r["department"], r["indicator"], r["state"], r["needs_manual_review"]): r["n"]
            for r in rows
        }
    )


def tallied(round) -> Counter:
    totals: Counter = Counter()
    for row in QueueTally.objects.filter(round=round):
        totals[(row.department_id, row.indicator, row.state, row.needs_manual_review)] += row.n
    return +totals  # keys summing to zero dropped


@pytest.fixture
def round(db):
    return factories.RoundFactory(year=2020, phase=Phase.DECLARATION)


@time_machine.travel(dt.datetime(2020, 8, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_submitting_counts_the_claims_and_withdrawing_takes_them_out(round, applicant, employer):
    application = factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.FILLING
    )
    police_claims(application, [(ClaimState.PENDING, True), (ClaimState.PENDING, False)])
    assert counted(round) == {"manual": 0, "pending": 0, "decided": 0, "all": 0}

    services.application_submit(application=application, actor=applicant.user)
    submitted = counted(round)
    # The two declared police claims, and the zero-fill ones submission adds for the police.
    assert submitted["manual"] == 1
    assert (
        submitted["all"]
        == IndicatorClaim.objects.filter(
            application=application, department=factories.department("police")
        ).count()
    )

    services.application_withdraw(application=application, actor=applicant.user, reason="不申报了")

    assert counted(round) == {"manual": 0, "pending": 0, "decided": 0, "all": 0}
    assert not IndicatorClaim.objects.filter(application=application, in_review=True).exists()
    assert tallied(round) == recounted(round)


@pytest.mark.parametrize("app_state", list(AppState))
def test_each_application_state_decides_whether_its_claims_are_counted(round, app_state):
    application = factories.ApplicationFactory(round=round, state=app_state)
    police_claims(application, [(ClaimState.PENDING, True), (ClaimState.VERIFIED, False)])
    expected = 0 if app_state in NOT_IN_REVIEW_STATES else 2

    assert counted(round)["all"] == expected
    assert IndicatorClaim.objects.filter(in_review=True).count() == expected
    # Moved by a bulk UPDATE to the other side of the line (as a phase job moves thousands).
    other = AppState.UNDER_REVIEW if expected == 0 else AppState.WITHDRAWN
    Application.objects.filter(pk=application.pk).update(state=other)
    assert counted(round)["all"] == 2 - expected
    assert tallied(round) == recounted(round)


def test_a_stale_whole_row_save_does_not_count_a_withdrawn_applications_claim(round):
    application = factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
    (claim,) = police_claims(application, [(ClaimState.PENDING, True)])
    Application.objects.filter(pk=application.pk).update(state=AppState.WITHDRAWN)

    claim.decision_reason = "旧对象整行保存"
    claim.save()  # its in_review still says True

    claim.refresh_from_db()
    assert claim.in_review is False
    assert counted(round)["all"] == 0


def test_decisions_updates_and_deletions_move_the_counts(round):
    application = factories.ApplicationFactory(round=round, state=AppState.UNDER_REVIEW)
    manual, pending, _ = police_claims(
        application,
        [(ClaimState.PENDING, True), (ClaimState.PENDING, False), (ClaimState.VERIFIED, False)],
    )
    assert counted(round) == {"manual": 1, "pending": 2, "decided": 1, "all": 3}

    # As the data exchange writes its decisions: a set-based UPDATE of state and flag.
    IndicatorClaim.objects.filter(pk__in=[manual.pk, pending.pk]).update(
        state=ClaimState.ADJUSTED, needs_manual_review=False
    )
    assert counted(round) == {"manual": 0, "pending": 0, "decided": 3, "all": 3}

    pending.delete()
    assert counted(round) == {"manual": 0, "pending": 0, "decided": 2, "all": 2}
    assert tallied(round) == recounted(round)


def test_folding_the_tally_keeps_the_counts(round, monkeypatch):
    application = factories.ApplicationFactory(round=round, state=AppState.UNDER_REVIEW)
    (claim,) = police_claims(application, [(ClaimState.PENDING, True)])
    for manual in [False, True] * 10:  # each update appends rows of -1 and +1
        IndicatorClaim.objects.filter(pk=claim.pk).update(needs_manual_review=manual)
    police = factories.department("police")
    assert QueueTally.objects.filter(department=police, round=round).count() > 10
    monkeypatch.setattr(selectors, "FOLD_AT", 10)

    assert counted(round) == {"manual": 1, "pending": 1, "decided": 0, "all": 1}
    assert QueueTally.objects.filter(department=police, round=round).count() == 1
    assert counted(round) == {"manual": 1, "pending": 1, "decided": 0, "all": 1}


@pytest.mark.parametrize(
    "filters",
    [
        QueueFilters(queue="all", indicator="age"),
        QueueFilters(queue="all", state=ClaimState.VERIFIED),
        QueueFilters(queue="manual", indicator="eligibility"),
        QueueFilters(queue="recheck", indicator="law_record"),
        QueueFilters(queue="all", state=ClaimState.PENDING, indicator="age"),
        QueueFilters(queue="all", older_than_days=1),
    ],
    ids=lambda f: f"{f.queue}-{f.state}-{f.indicator}-{f.older_than_days}",
)
def test_a_filtered_queue_has_as_many_rows_as_its_page_says(round, filters):
    for app_state in (AppState.UNDER_REVIEW, AppState.SUBMITTED, AppState.FILLING):
        for states in (
            [(ClaimState.PENDING, True), (ClaimState.VERIFIED, False), (ClaimState.PENDING, False)],
            [
                (ClaimState.VERIFIED, False),
                (ClaimState.PENDING, True),
                (ClaimState.RECHECK_REQUESTED, False),
            ],
        ):
            police_claims(factories.ApplicationFactory(round=round, state=app_state), states)
    police = factories.department("police")
    counts = queue_counts(department=police, round=round)

    page = work_queue_page(
        department=police, round=round, filters=filters, number=1, counts=counts, per_page=2
    )

    listed = work_queue(department=police, round=round, filters=filters)
    assert page.paginator.count == len(list(listed))
    assert filters.older_than_days or page.paginator.count > 0


def test_the_data_exchange_moves_the_counts_as_it_decides(declaration_round, people):
    # Its writes are set-based (COPY into a staging table, one UPDATE per chunk on
    # PostgreSQL): the tally must follow them like any other write.
    matching = build_application(people[0], round=declaration_round)
    unrecorded = build_application(people[1], round=declaration_round, with_records=False)
    before = counted(declaration_round)

    verification_decide(round=declaration_round, application_ids=[matching.pk, unrecorded.pk])

    after = counted(declaration_round)
    assert after["all"] == before["all"] > 0
    assert after["decided"] > before["decided"]
    assert after["manual"] > before["manual"] == 0
    assert tallied(declaration_round) == recounted(declaration_round)
