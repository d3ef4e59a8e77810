"""The declaration window closes (细则第五条: 8月15日20时) while applicants' saves are in flight
(issue 14): each save lands before 20:00:00 whole — the claim, its audit row, the page's
draft dropped — or is refused with the Chinese message and changes nothing.

Eight applicants (half submitted, half still filling) save their education indicator over
and over from their own threads and database connections on PostgreSQL, on a clock that
ticks from 19:59:58.5 across 20:00:00.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from tests import factories
from workflow import portal
from workflow.exceptions import DomainError
from workflow.models import AppState, AuditEvent, FormDraft, IndicatorClaim, Phase

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APPLICANTS = 8
SAVES_AFTER_DEADLINE = 3  # each thread goes on until refused this many times


def education(day: int) -> dict:
    graduated = dt.date(2009, 1, 1) + dt.timedelta(days=day)
    return {
        "education": [
            {
                "level": "bachelor",
                "diploma": True,
                "degree": True,
                "graduated_on": graduated.isoformat(),
            }
        ]
    }


def test_saves_in_flight_at_the_deadline_land_whole_before_it_or_are_refused():
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    closes_at = round.declaration_closes_at
    assert (closes_at.hour, closes_at.minute, closes_at.second) == (20, 0, 0)
    applications = []
    with time_machine.travel(closes_at - dt.timedelta(hours=1), tick=False):
        for index in range(APPLICANTS):
            state = AppState.SUBMITTED if index % 2 else AppState.FILLING
            application = factories.ApplicationFactory(round=round, state=state)
            portal.claim_declare_from_form(
                application=application,
                indicator="education",
                declared_facts=education(0),
                actor=application.applicant.user,
            )
            applications.append(application)

    outcomes: dict[int, list[tuple[int, str]]] = {a.pk: [] for a in applications}
    start = threading.Barrier(APPLICANTS)

    def save_until_refused(application) -> None:
        try:
            start.wait(timeout=30)
            refused, attempt = 0, 0
            while refused < SAVES_AFTER_DEADLINE:
                attempt += 1
                # What the indicator page keeps while typing, then the declaration replacing it.
                try:
                    portal.draft_save(
                        application=application,
                        indicator="education",
                        data={"attempt": attempt},
                        actor=application.applicant.user,
                    )
                    portal.claim_declare_from_form(
                        application=application,
                        indicator="education",
                        declared_facts=education(attempt),
                        actor=application.applicant.user,
                    )
                    outcomes[application.pk].append((attempt, "ok"))
                except DomainError as exc:
                    outcomes[application.pk].append((attempt, str(exc)))
                    refused += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=save_until_refused, args=(a,)) for a in applications]
    # One clock for every thread (time-machine patches the process), ticking across 20:00:00.
    with time_machine.travel(closes_at - dt.timedelta(seconds=1.5), tick=True):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    refusal = "申报阶段已于 2020年08月15日 20:00 截止，不能再"
    for application in applications:
        saves = outcomes[application.pk]
        landed = [attempt for attempt, outcome in saves if outcome == "ok"]
        refused = [(attempt, outcome) for attempt, outcome in saves if outcome != "ok"]
        assert landed, "no save landed before the deadline: the clock started too late"
        assert len(refused) >= SAVES_AFTER_DEADLINE
        # Once refused, always refused: nothing lands after the deadline.
        assert max(landed) < min(attempt for attempt, _ in refused)
        for _, message in refused:
            assert refusal in message, message

        claim = IndicatorClaim.objects.get(application=application, indicator="education")
        assert claim.declared_facts == education(max(landed))
        declarations = AuditEvent.objects.filter(
            object_type="workflow.indicatorclaim",
            object_id=str(claim.pk),
            action__in=["claim.declare", "claim.redeclare"],
        )
        # Exactly one audit row per landed save (and the first declaration), each before
        # the deadline, and none for a refused one.
        recorded = [event.after["declared_facts"] for event in declarations.order_by("id")]
        assert recorded == [education(0)] + [education(attempt) for attempt in landed]
        assert all(event.at <= closes_at for event in declarations)
        # The page's draft went with each landed declaration; a refused save kept the typing
        # only if the draft itself was saved in time.
        draft = FormDraft.objects.filter(application=application, indicator="education").first()
        if draft is not None:
            assert draft.data["attempt"] > max(landed)
            assert draft.saved_at <= closes_at
        application.refresh_from_db()
        assert application.state in (AppState.FILLING, AppState.SUBMITTED)
