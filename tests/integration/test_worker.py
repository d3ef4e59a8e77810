"""Tasks go through a real Celery worker process and a real Redis, and land in PostgreSQL.

The task under test is the real beat task, `workflow.tasks.advance_due_rounds`: it moves a
round whose window has opened into the next phase and runs that phase's jobs (for the
aggregation phase: withdraw what was never submitted, put what was submitted under review).

To kill a worker *mid-task* deterministically, the test holds an EXCLUSIVE lock on the audit
table: the task blocks on its first audit write, inside the round's transition transaction,
and is killed there. Then the lock is released and the redelivered task must finish the job
exactly once.
"""

import os
import signal
import time

import pytest
from django.db import connection

from config.celery import database_ping
from tests.factories import ApplicationFactory
from tests.integration.helpers import (
    make_aggregation_due,
    pool_process_running,
    round_due_for,
    table_locked,
    wait_until_blocked_on_lock,
)
from workflow import phase_jobs as phase_jobs_module
from workflow.jobs import job_run_chunks, job_run_once
from workflow.models import AnnualRound, Application, AppState, AuditEvent, JobRun, Phase
from workflow.phase_jobs import phase_job_key, phase_jobs, run_phase_job
from workflow.tasks import advance_due_rounds

BEGIN_REVIEW = "workflow.phase_jobs.begin_review"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _assert_aggregation_entered_exactly_once(
    round: AnnualRound, submitted: list[Application], unsubmitted: Application
) -> None:
    round.refresh_from_db()
    assert round.phase == Phase.AGGREGATION
    advances = AuditEvent.objects.filter(action="round.advance", object_id=str(round.pk))
    assert list(advances.values_list("from_state", "to_state")) == [
        (Phase.DECLARATION, Phase.AGGREGATION)
    ]
    for application in submitted:
        application.refresh_from_db()
        assert application.state == AppState.UNDER_REVIEW
        assert (
            AuditEvent.objects.filter(
                action="application.begin_review", object_id=str(application.pk)
            ).count()
            == 1
        )
    unsubmitted.refresh_from_db()
    assert unsubmitted.state == AppState.WITHDRAWN
    assert AuditEvent.objects.filter(object_id=str(unsubmitted.pk)).count() == 1
    # Every entry job of the phase ran once, whatever other apps registered there.
    jobs = JobRun.objects.filter(round=round, kind="phase_enter")
    assert set(jobs.values_list("key", flat=True)) == {
        phase_job_key(year=round.year, phase=Phase.AGGREGATION, on="enter", dotted_path=path)
        for path in phase_jobs(Phase.AGGREGATION)
    }
    for job in jobs:
        assert (job.status, job.attempts, job.done) == ("succeeded", 1, job.total), job


def test_delayed_task_runs_on_the_worker_and_commits_to_postgresql(start_worker):
    round = round_due_for(Phase.DECLARATION)
    start_worker()

    report = advance_due_rounds.delay().get(timeout=60)

    assert report == [f"{round.year}: {Phase.SCHEDULED} → {Phase.DECLARATION}"]
    round.refresh_from_db()
    assert round.phase == Phase.DECLARATION
    assert AuditEvent.objects.filter(action="round.advance", object_id=str(round.pk)).count() == 1


def test_task_whose_pool_process_is_killed_is_redelivered_and_done_once(start_worker):
    round, submitted, unsubmitted = make_aggregation_due()
    worker = start_worker()

    with table_locked() as lock:
        result = advance_due_rounds.delay()
        killed_pid = pool_process_running(result)
        wait_until_blocked_on_lock()
        # The pool process dies mid-transaction; the main process sees WorkerLostError and,
        # with acks_late + task_reject_on_worker_lost, gives the message back to Redis at once.
        os.kill(killed_pid, signal.SIGKILL)
        lock.commit()

    report = result.get(timeout=60)

    assert report == [f"{round.year}: {Phase.DECLARATION} → {Phase.AGGREGATION}"]
    assert f"pid:{killed_pid} exited with 'signal 9 (SIGKILL)'" in worker.log()
    assert worker.is_alive()
    _assert_aggregation_entered_exactly_once(round, submitted, unsubmitted)


def test_task_of_a_killed_worker_is_redelivered_to_a_fresh_worker_after_visibility_timeout(
    start_worker,
):
    round, submitted, unsubmitted = make_aggregation_due()
    visibility_timeout = 2
    first = start_worker(CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout))

    with table_locked() as lock:
        result = advance_due_rounds.delay()
        delivered_at = time.monotonic()
        pool_process_running(result)
        wait_until_blocked_on_lock()
        # The whole machine dies: main process and pool together, nobody acks or rejects.
        first.kill_everything()
        lock.commit()

    # The message sits in Redis's unacked set until the visibility timeout passes; a worker
    # starting after that restores it as it connects.
    time.sleep(max(0.0, delivered_at + visibility_timeout + 0.5 - time.monotonic()))
    start_worker(CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout))
    report = result.get(timeout=60)

    assert report == [f"{round.year}: {Phase.DECLARATION} → {Phase.AGGREGATION}"]
    _assert_aggregation_entered_exactly_once(round, submitted, unsubmitted)


def test_a_worker_keeps_its_database_session_between_tasks_and_replaces_a_dead_one(
    start_worker,
):
    """A session per task cost a connection and its authentication each time (a seventh of
    the worker's time delivering notices); one the server ended between tasks is replaced
    by the health check instead of failing the next task."""
    start_worker()  # one pool process

    answers = [database_ping.delay().get(timeout=60) for _ in range(5)]

    assert len({answer["process"] for answer in answers}) == 1
    assert len({answer["backend"] for answer in answers}) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [answers[0]["backend"]])
    after = database_ping.delay().get(timeout=60)
    assert after["process"] == answers[0]["process"]
    assert after["backend"] != answers[0]["backend"]


def test_worker_processes_share_a_mass_phase_job_with_the_process_advancing_the_round(
    start_worker, settings, monkeypatch
):
    """Starting the review of 130,000 applications is minutes of one process's work; the
    worker processes take chunks beside it. Here the advancing process moves slowly (a
    chunk of 3 every 0.3 s) and a worker takes what it has not reached, each application
    moved and audited once."""
    start_worker(concurrency=1)
    settings.PHASE_JOB_HELPERS = 1
    round = round_due_for(Phase.AGGREGATION)
    AnnualRound.objects.filter(pk=round.pk).update(phase=Phase.AGGREGATION)
    round.refresh_from_db()
    applications = [ApplicationFactory(round=round, state=AppState.SUBMITTED) for _ in range(30)]
    owner_moved = []
    real_chunks = job_run_chunks

    def slow_chunks(**kwargs):
        handle = kwargs["handle"]

        def slowly(objs):
            time.sleep(0.3)
            moved = handle(objs)
            owner_moved.append(moved)
            return moved

        return real_chunks(**(kwargs | {"handle": slowly, "chunk_size": 3}))

    monkeypatch.setattr(phase_jobs_module, "job_run_chunks", slow_chunks)
    key = phase_job_key(
        year=round.year, phase=Phase.AGGREGATION, on="enter", dotted_path=BEGIN_REVIEW
    )
    job_run = JobRun.objects.create(key=key, kind="phase_enter", round=round)

    job_run_once(
        key=key,
        kind="phase_enter",
        round=round,
        run=lambda job_run: run_phase_job(round=round, job_run=job_run, dotted_path=BEGIN_REVIEW),
    )

    job_run.refresh_from_db()
    assert (job_run.status, job_run.done, job_run.total) == ("succeeded", 30, 30)
    assert 0 < sum(owner_moved) < 30  # the worker moved the rest
    assert set(Application.objects.values_list("state", flat=True)) == {AppState.UNDER_REVIEW}
    moves = AuditEvent.objects.filter(action="application.begin_review")
    assert sorted(map(int, moves.values_list("object_id", flat=True))) == sorted(
        a.pk for a in applications
    )
