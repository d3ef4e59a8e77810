"""Tasks go through a real Celery worker process and a real Redis, and land in PostgreSQL.

The task under test is the real beat task, `workflow.tasks.advance_due_rounds`: it moves a
round whose window has opened into the next phase and runs that phase's jobs (for the
aggregation phase: withdraw what was never submitted, put what was submitted under review).

To kill a worker *mid-task* deterministically, the test holds an EXCLUSIVE lock on the audit
table: the task blocks on its first audit write, inside the round's transition transaction,
and is killed there. Then the lock is released and the redelivered task must finish the job
exactly once.
"""

import datetime as dt
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from celery.result import AsyncResult
from django.db import connection
from django.utils import timezone

from tests.factories import ApplicationFactory, RoundFactory
from workflow.models import AnnualRound, Application, AppState, AuditEvent, JobRun, Phase
from workflow.tasks import advance_due_rounds

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _round_due_for(phase: str) -> AnnualRound:
    """This year's round, one phase behind the timetable: `phase` opened an hour ago."""
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    day = dt.timedelta(days=1)
    if phase == Phase.DECLARATION:
        starts, current = Phase.SCHEDULED, now - hour
    else:
        starts, current = Phase.DECLARATION, now - 10 * day
    declaration_opens = current
    aggregation_opens = now - hour if phase == Phase.AGGREGATION else now + day
    windows = {
        "declaration_opens_at": declaration_opens,
        "declaration_closes_at": aggregation_opens - dt.timedelta(seconds=1),
        "aggregation_opens_at": aggregation_opens,
        "aggregation_closes_at": aggregation_opens + 10 * day,
        "result_query_opens_at": aggregation_opens + 11 * day,
        "result_query_closes_at": aggregation_opens + 12 * day,
        "recheck_opens_at": aggregation_opens + 13 * day,
        "recheck_closes_at": aggregation_opens + 14 * day,
        "publicity_opens_at": aggregation_opens + 15 * day,
        "publicity_closes_at": aggregation_opens + 22 * day,
    }
    return RoundFactory(year=now.year, phase=starts, **windows)


@contextmanager
def _audit_table_locked() -> Iterator[psycopg.Connection]:
    """Hold an EXCLUSIVE lock on the audit table from another connection until released.

    Reads go on; every audit insert waits. Yields the connection so the test can release the
    lock early (commit) while keeping the context for cleanup.
    """
    db = connection.settings_dict
    lock = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        lock.execute(f'LOCK TABLE "{AuditEvent._meta.db_table}" IN EXCLUSIVE MODE')
        yield lock
    finally:
        lock.rollback()
        lock.close()


def _wait_until_blocked_on_lock(timeout: float = 30.0) -> None:
    db_name = connection.settings_dict["NAME"]
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "select count(*) from pg_stat_activity where datname = %s and wait_event_type = 'Lock'",
                [db_name],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise TimeoutError("the task never reached its audit write")


def _pool_process_running(result: AsyncResult, timeout: float = 30.0) -> int:
    # task_track_started: the STARTED meta carries the pool process's pid.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result.state == "STARTED":
            return int(result.info["pid"])
        time.sleep(0.05)
    raise TimeoutError(f"task {result.id} never started (state {result.state})")


def _make_aggregation_due() -> tuple[AnnualRound, list[Application], Application]:
    round = _round_due_for(Phase.AGGREGATION)
    submitted = [ApplicationFactory(round=round, state=AppState.SUBMITTED) for _ in range(3)]
    unsubmitted = ApplicationFactory(round=round, state=AppState.FILLING)
    return round, submitted, unsubmitted


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
    jobs = JobRun.objects.filter(round=round)
    assert jobs.count() == 2
    for job in jobs:
        assert (job.status, job.attempts, job.done) == ("succeeded", 1, job.total), job


def test_delayed_task_runs_on_the_worker_and_commits_to_postgresql(start_worker):
    round = _round_due_for(Phase.DECLARATION)
    start_worker()

    report = advance_due_rounds.delay().get(timeout=60)

    assert report == [f"{round.year}: {Phase.SCHEDULED} → {Phase.DECLARATION}"]
    round.refresh_from_db()
    assert round.phase == Phase.DECLARATION
    assert AuditEvent.objects.filter(action="round.advance", object_id=str(round.pk)).count() == 1


def test_task_whose_pool_process_is_killed_is_redelivered_and_done_once(start_worker):
    round, submitted, unsubmitted = _make_aggregation_due()
    worker = start_worker()

    with _audit_table_locked() as lock:
        result = advance_due_rounds.delay()
        killed_pid = _pool_process_running(result)
        _wait_until_blocked_on_lock()
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
    round, submitted, unsubmitted = _make_aggregation_due()
    visibility_timeout = 2
    first = start_worker(CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout))

    with _audit_table_locked() as lock:
        result = advance_due_rounds.delay()
        delivered_at = time.monotonic()
        _pool_process_running(result)
        _wait_until_blocked_on_lock()
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
