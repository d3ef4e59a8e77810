"""Two concurrent transitions of one application on PostgreSQL: exactly one wins."""

import datetime as dt
import threading

import psycopg
import pytest
import time_machine
from django.db import connection, transaction
from psycopg import sql

from review.services.verification import verification_decide
from tests import factories
from tests.integration.helpers import second_session
from tests.workflow.conftest import at
from workflow import services
from workflow.exceptions import ConflictError
from workflow.models import (
    Application,
    AppState,
    AuditEvent,
    IndicatorClaim,
    JobRun,
    JobStatus,
    Phase,
)
from workflow.phase_jobs import begin_review, phase_job_help, phase_job_key


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submit_and_withdraw_exactly_one_wins(applicant, employer):
    round2020 = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.FILLING
    )
    # Both threads hold the application as loaded in state "filling" (optimistic concurrency).
    copies = [Application.objects.get(pk=application.pk) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(name, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[name] = "ok"
        except ConflictError as exc:
            outcomes[name] = exc
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act,
            args=(
                "submit",
                lambda: services.application_submit(application=copies[0], actor=applicant.user),
            ),
        ),
        threading.Thread(
            target=act,
            args=(
                "withdraw",
                lambda: services.application_withdraw(application=copies[1], actor=applicant.user),
            ),
        ),
    ]
    # One frozen clock for both threads (time-machine patches the whole process).
    with time_machine.travel(at(2020, 8, 1, 10), tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    winners = [name for name, result in outcomes.items() if result == "ok"]
    losers = [result for result in outcomes.values() if result != "ok"]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1
    assert isinstance(losers[0], ConflictError), losers
    assert str(losers[0]) == "该申请已被他人同时修改，请刷新后重试"

    application.refresh_from_db()
    events = AuditEvent.objects.filter(
        object_type="workflow.application", object_id=str(application.pk)
    )
    assert events.count() == 1  # the loser's audit row rolled back with it
    if winners == ["submit"]:
        assert application.state == AppState.SUBMITTED
        assert IndicatorClaim.objects.filter(application=application).count() == 5
    else:
        assert application.state == AppState.WITHDRAWN
        assert application.submitted_at is None
        # nothing half-written: no claims from the failed submission
        assert not IndicatorClaim.objects.filter(application=application).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_bulk_move_and_the_data_exchange_lock_only_their_own_rows():
    """While a chunk of applications moves, or the data exchange holds an application's
    claims, the round and the other applications stay free: a plain FOR UPDATE with the
    models' default ordering locked the round row too, and every bulk move, verification
    chunk and reviewer of the round waited for each other."""
    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    moving, other = (
        factories.ApplicationFactory(round=round, state=AppState.SUBMITTED) for _ in range(2)
    )
    checked = factories.ApplicationFactory(round=round, state=AppState.UNDER_REVIEW)
    factories.ClaimFactory(application=checked, indicator="education")
    with second_session(autocommit=True) as outsider:

        def free(table: str, pk: int) -> bool:
            try:
                outsider.execute(
                    sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR UPDATE NOWAIT").format(
                        sql.Identifier(table)
                    ),
                    [pk],
                )
            except psycopg.errors.LockNotAvailable:
                return False
            return True

        with transaction.atomic():
            services.transition_bulk(
                Application,
                "begin_review",
                round=round,
                ids=[moving.pk],
                now=round.phase_window(Phase.AGGREGATION)[0] + dt.timedelta(hours=1),
            )
            assert not free("workflow_application", moving.pk)  # its own row: held
            assert free("workflow_annualround", round.pk)
            assert free("workflow_application", other.pk)
        with transaction.atomic():
            verification_decide(round=round, application_ids=[checked.pk])
            assert not free("workflow_indicatorclaim", checked.claims.get().pk)
            assert free("workflow_annualround", round.pk)
            assert free("workflow_application", checked.pk)


BEGIN_REVIEW = "workflow.phase_jobs.begin_review"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_shared_phase_job_helper_takes_free_rows_and_its_owner_waits_for_held_ones():
    """Worker processes share a mass phase job with the process advancing the round: a
    helper moves only the applications nobody holds and returns; the owner, finding nothing
    free, waits for the held ones instead of ending the job with them still pending."""
    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    applications = [
        factories.ApplicationFactory(round=round, state=AppState.SUBMITTED) for _ in range(4)
    ]
    held = applications[0]
    job_run = JobRun.objects.create(
        key=phase_job_key(year=2020, phase=Phase.AGGREGATION, on="enter", dotted_path=BEGIN_REVIEW),
        kind="phase_enter",
        round=round,
        status=JobStatus.RUNNING,
        total=4,
    )
    with time_machine.travel(at(2020, 8, 20), tick=True), second_session() as other:
        # Someone else holds one application (a helper mid-chunk, a person withdrawing).
        other.execute("SELECT 1 FROM workflow_application WHERE id = %s FOR UPDATE", [held.pk])

        phase_job_help(job_run_id=job_run.pk, dotted_path=BEGIN_REVIEW)
        states = dict(Application.objects.values_list("pk", "state"))
        assert states.pop(held.pk) == AppState.SUBMITTED
        assert set(states.values()) == {AppState.UNDER_REVIEW}
        job_run.refresh_from_db()
        assert job_run.done == 3

        # The holder lets go a moment after the owner has found nothing free.
        threading.Timer(0.5, other.rollback).start()
        begin_review(round_id=round.pk, job_run_id=job_run.pk)

    assert set(Application.objects.values_list("state", flat=True)) == {AppState.UNDER_REVIEW}
    job_run.refresh_from_db()
    assert job_run.done == 4
    moves = AuditEvent.objects.filter(action="application.begin_review")
    assert sorted(map(int, moves.values_list("object_id", flat=True))) == sorted(
        a.pk for a in applications
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_helper_arriving_after_the_job_ended_moves_nothing():
    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
    job_run = JobRun.objects.create(
        key=phase_job_key(year=2020, phase=Phase.AGGREGATION, on="enter", dotted_path=BEGIN_REVIEW),
        kind="phase_enter",
        round=round,
        status=JobStatus.SUCCEEDED,
    )
    with time_machine.travel(at(2020, 8, 20), tick=True):
        phase_job_help(job_run_id=job_run.pk, dotted_path=BEGIN_REVIEW)
    assert Application.objects.get().state == AppState.SUBMITTED
    assert not AuditEvent.objects.filter(action="application.begin_review").exists()
