"""Faults (issue 14, "Nothing lost"): the whole worker SIGKILLed during verification, ranking
and a batch load; Redis restarted without persistence mid-verification; the worker's
session terminated (`pg_terminate_backend`) mid-chunk; a chunk enqueued again while a live
worker runs it. After each, the result equals a clean run's: the same states, exactly one
audit row per change, the job succeeded.

A job is stopped at a chosen write by a table lock held from the test's own connection
(tests/integration/helpers.py): the chunk has claimed its work and waits on the lock, so
the fault strikes mid-chunk with no sleep. The beat is driven by the test, every second
instead of every minute, and the worker reconciles after 2 seconds instead of 5 minutes
(JOB_RECONCILE_AFTER): the recovery times in docs/reliability.md are these plus the
production intervals. Figures of each run go to test-artifacts/faults.jsonl.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone

from ranking.models import RankingRun
from ranking.population import generate_population
from ranking.services import _compute
from review.models import BatchStatus, ImportBatch, SocialInsurancePeriod
from review.services.imports import batch_submit
from review.services.verification import verification_start
from review.synthetic import csv_bytes, social_insurance_rows
from review.tasks import verify_chunk
from tests import factories
from tests.integration.faults import (
    RECONCILE_AFTER,
    assert_verified_like_a_clean_run,
    beat_tasks,
    blocked_backend_pids,
    broker_at,
    clean_run_outcome,
    drive_beat,
    job_finished,
    private_redis,
    record_recovery,
    verification_round,
)
from tests.integration.helpers import table_locked, wait_until_blocked_on_lock
from tests.review.conftest import build_application
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    JobRun,
    JobStatus,
    Phase,
    default_windows,
)
from workflow.reconcile import jobs_reconcile
from workflow.services.departments import departments_ensure
from workflow.tasks import advance_due_rounds

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

APPLICATIONS = 80  # about 600 claims
CHUNK = 16  # applications a chunk: 5 chunks
KEY = "verify:2020:aggregation"
RECONCILING = {"JOB_RECONCILE_AFTER": str(RECONCILE_AFTER)}


@pytest.fixture
def planned_round():
    round = verification_round(applications=APPLICATIONS)
    return round, clean_run_outcome(round)


def test_verification_survives_the_whole_worker_killed_mid_chunk(start_worker, planned_round):
    round, expected = planned_round
    worker = start_worker(**RECONCILING)

    with table_locked(AuditEvent) as lock:
        job = verification_start(round=round, key=KEY, chunk_size=CHUNK)
        wait_until_blocked_on_lock()
        # The machine dies: the chunk it runs and the one it reserved sit in Redis's unacked
        # set until the visibility timeout (two hours in production).
        worker.kill_everything()
        killed_at = time.monotonic()
        lock.commit()

    start_worker(**RECONCILING)
    drive_beat(job_finished(job))
    took = time.monotonic() - killed_at

    assert_verified_like_a_clean_run(round, expected, job)
    record_recovery(
        "worker SIGKILL mid-verification",
        claims=len(expected),
        chunks=job.chunks.count(),
        requeued=sum(c.attempts > 1 for c in job.chunks.all()),
        recovered_seconds=round_s(took),
    )


def test_verification_survives_redis_restarted_without_persistence(
    start_worker, planned_round, tmp_path
):
    round, expected = planned_round
    with private_redis(tmp_path) as redis, broker_at(redis.url):
        start_worker(REDIS_URL=redis.url, **RECONCILING)
        with table_locked(AuditEvent) as lock:
            job = verification_start(round=round, key=KEY, chunk_size=CHUNK)
            wait_until_blocked_on_lock()
            queued = redis.queued()
            assert queued >= 3  # the chunks waiting their turn, all in Redis only
            redis.restart()
            restarted_at = time.monotonic()
            assert redis.queued() == 0  # every queued chunk is gone
            lock.commit()

        drive_beat(job_finished(job))
        took = time.monotonic() - restarted_at

    assert_verified_like_a_clean_run(round, expected, job)
    record_recovery(
        "Redis restarted without persistence mid-verification",
        claims=len(expected),
        chunks_lost_in_redis=queued,
        recovered_seconds=round_s(took),
    )


def test_a_chunk_whose_session_is_terminated_is_retried_on_a_new_connection(
    start_worker, planned_round
):
    round, expected = planned_round
    start_worker(**RECONCILING)

    with table_locked(AuditEvent) as lock:
        job = verification_start(round=round, key=KEY, chunk_size=CHUNK)
        wait_until_blocked_on_lock()
        # Mid-chunk: its claims are written, its audit COPY waits on the lock. The COPY goes
        # through psycopg's own cursor, so this raises psycopg.OperationalError.
        pids = blocked_backend_pids()
        assert len(pids) == 1
        with connection.cursor() as cursor:
            cursor.execute("select pg_terminate_backend(%s)", pids)
        terminated_at = time.monotonic()
        lock.commit()

    # No beat needed: the task retries itself on a fresh connection.
    deadline = time.monotonic() + 90
    while not job_finished(job)() and time.monotonic() < deadline:
        time.sleep(0.2)
    took = time.monotonic() - terminated_at

    assert_verified_like_a_clean_run(round, expected, job)
    first = job.chunks.order_by("pk").first()
    assert first.attempts == 2
    record_recovery(
        "pg_terminate_backend mid-chunk",
        claims=len(expected),
        attempts_of_the_chunk=first.attempts,
        recovered_seconds=round_s(took),
    )


def test_a_chunk_enqueued_again_while_a_live_worker_runs_it_is_applied_once(
    start_worker, planned_round, settings
):
    round, expected = planned_round
    settings.JOB_RECONCILE_AFTER = 0
    start_worker()  # one process: the copy runs only after the original

    with table_locked(AuditEvent) as lock:
        job = verification_start(round=round, key=KEY, chunk_size=CHUNK)
        wait_until_blocked_on_lock()
        running = job.chunks.order_by("pk").first()
        # The reconciliation skips the chunk a live worker holds…
        assert running.key not in jobs_reconcile(now=timezone.now()).requeued
        # …and a copy that arrives anyway (a redelivery) waits for it, then finds it done.
        verify_chunk.delay(chunk_id=running.pk)
        lock.commit()

    deadline = time.monotonic() + 90
    while not job_finished(job)() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert_verified_like_a_clean_run(round, expected, job)
    # Counted once: done is the applications, not more.
    assert job.done == APPLICATIONS


def test_a_batch_load_survives_the_whole_worker_killed(start_worker):
    departments_ensure()  # a transactional test before this one flushed the seeded rows
    round = factories.RoundFactory(year=2020)
    people = list(generate_population(year=2020, count=30, seed=5))
    for facts in people:
        build_application(facts, round=round, with_records=False)
    content = csv_bytes(social_insurance_rows(people))
    worker = start_worker(**RECONCILING)

    with table_locked(SocialInsurancePeriod) as lock:
        batch = batch_submit(
            department=factories.department("hrss"),
            file_name="社保.csv",
            content=content,
            inline=False,
        )
        wait_until_blocked_on_lock()
        worker.kill_everything()
        killed_at = time.monotonic()
        lock.commit()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING  # before: "running" forever

    start_worker(**RECONCILING)
    drive_beat(job_finished(batch.job_run))
    took = time.monotonic() - killed_at

    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADED
    rows = len(social_insurance_rows(people)) - 1
    assert batch.total_rows == rows
    assert SocialInsurancePeriod.objects.filter(batch=batch).count() == rows
    assert AuditEvent.objects.filter(action="records.import", object_id=str(batch.pk)).count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).job_run.attempts == 2
    record_recovery("worker SIGKILL mid-batch-load", rows=rows, recovered_seconds=round_s(took))


def ranking_round(applicants: int) -> AnnualRound:
    from ranking.importing import facts_import
    from tests.publicity.helpers import facts, lines

    now = timezone.now()
    windows = default_windows(now.year - 1)
    # 公示 opened a minute ago: leaving 部门复核及积分排名 (ranking) is due.
    shift = now - dt.timedelta(minutes=1) - windows["publicity_opens_at"]
    round = factories.RoundFactory(
        year=2038,
        quota=10,
        phase=Phase.RECHECK_RANKING,
        **{k: v + shift for k, v in windows.items()},
    )
    people = [
        # Months of insurance in steps, many equal: ties at the cutoff (同分同落).
        facts(i, year=2038, insurance_from=f"20{10 + i % 6:02d}-0{1 + i % 7}")
        for i in range(1, applicants + 1)
    ]
    assert not facts_import(round=round, lines=lines(*people)).errors
    return round


def test_ranking_survives_the_whole_worker_killed(start_worker):
    round = ranking_round(60)
    clean = {app_id: row[:4] for app_id, row in _compute(round).rows.items()}
    key = f"phase:{round.year}:{Phase.RECHECK_RANKING}:exit:ranking.tasks.rank_round"
    worker = start_worker(**RECONCILING)

    with table_locked(RankingRun) as lock:
        advance_due_rounds.delay()
        wait_until_blocked_on_lock()
        assert JobRun.objects.get(key=key).status == JobStatus.RUNNING
        worker.kill_everything()
        killed_at = time.monotonic()
        lock.commit()

    start_worker(**RECONCILING)
    job = JobRun.objects.get(key=key)
    drive_beat(job_finished(job), tasks=beat_tasks())
    took = time.monotonic() - killed_at

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 60, 60)
    runs = RankingRun.objects.filter(round=round)
    assert runs.count() == 1  # the killed run rolled back whole
    actual = {
        pk: (state, total, rank, admitted)
        for pk, state, total, rank, admitted in Application.objects.filter(round=round).values_list(
            "pk", "state", "total_points", "rank", "admitted"
        )
    }
    assert actual == clean
    assert AuditEvent.objects.filter(action="round.rank", round_year=round.year).count() == 1
    ranked = AuditEvent.objects.filter(
        action__in=["application.rank_applied", "application.mark_ineligible"],
        round_year=round.year,
    )
    assert ranked.count() == len(clean)
    assert len(set(ranked.values_list("object_id", flat=True))) == len(clean)
    assert all(state != AppState.FINAL for state, *_ in actual.values())
    record_recovery(
        "worker SIGKILL mid-ranking", applications=len(clean), recovered_seconds=round_s(took)
    )


def round_s(seconds: float) -> float:
    return float(f"{seconds:.1f}")
