"""JobRun claims: never two live runs of one key; a crashed run is taken over at once."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from workflow import jobs
from workflow.exceptions import PhaseJobFailed
from workflow.models import JobRun, JobStatus

pytestmark = pytest.mark.django_db

KEY = "phase:2020:aggregation:enter:workflow.phase_jobs.begin_review"


def _running(*, started_ago: dt.timedelta = dt.timedelta(seconds=5)) -> JobRun:
    """A run some process marked running (and may have died in)."""
    return JobRun.objects.create(
        key=KEY,
        kind="phase_enter",
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - started_ago,
        total=5,
        done=2,
    )


@contextmanager
def _lock_held_by_another_session(key: str) -> Iterator[psycopg.Connection]:
    """A live process running `key`: another database session holding its run lock."""
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [jobs._lock_id(key)])
        yield other
    finally:
        other.close()


def _lock_is_free(key: str) -> bool:
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    ) as other:
        free = other.execute("SELECT pg_try_advisory_lock(%s)", [jobs._lock_id(key)]).fetchone()[0]
        if free:
            other.execute("SELECT pg_advisory_unlock(%s)", [jobs._lock_id(key)])
        return free


@pytest.fixture
def no_grace(monkeypatch):
    monkeypatch.setattr(jobs, "RECLAIM_GRACE_SECONDS", 0.0)


@pytest.mark.postgres
def test_run_left_running_by_a_dead_process_is_taken_over_at_once():
    job = _running()
    calls = []

    jobs.job_run_once(key=KEY, kind="phase_enter", run=lambda job_run: calls.append(job_run.done))

    job.refresh_from_db()
    assert calls == [2]  # resumed with the committed progress
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert _lock_is_free(KEY)


@pytest.mark.postgres
def test_run_held_by_a_live_process_is_never_run_twice(no_grace):
    job = _running(started_ago=dt.timedelta(hours=5))  # even long past the task time limit
    calls = []

    with _lock_held_by_another_session(KEY), pytest.raises(PhaseJobFailed, match="正在运行中"):
        jobs.job_run_once(key=KEY, kind="phase_enter", run=calls.append)

    job.refresh_from_db()
    assert calls == []
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)


@pytest.mark.postgres
def test_lock_of_a_process_that_just_died_is_waited_for_briefly(monkeypatch):
    # The dying session still holds the lock when the redelivered task arrives: wait for it.
    _running()
    monkeypatch.setattr(jobs, "RECLAIM_GRACE_SECONDS", 5.0)
    calls = []
    with _lock_held_by_another_session(KEY) as dying:
        real_sleep = jobs.time.sleep

        def sleep_then_die(seconds):
            if not dying.closed:
                dying.close()
            real_sleep(seconds)

        monkeypatch.setattr(jobs.time, "sleep", sleep_then_die)
        jobs.job_run_once(key=KEY, kind="phase_enter", run=calls.append)
    assert len(calls) == 1
    assert JobRun.objects.get(key=KEY).status == JobStatus.SUCCEEDED


@pytest.mark.postgres
def test_run_lock_is_released_after_a_failure():
    def boom(job_run):
        assert not _lock_is_free(KEY)  # held while the run works
        raise RuntimeError("data exchange down")

    with pytest.raises(RuntimeError):
        jobs.job_run_once(key=KEY, kind="phase_enter", run=boom)

    assert _lock_is_free(KEY)
    assert JobRun.objects.get(key=KEY).status == JobStatus.FAILED


@pytest.mark.postgres
def test_run_finished_by_another_process_while_waiting_is_not_run_again(no_grace):
    job = _running()
    calls = []
    with _lock_held_by_another_session(KEY):
        JobRun.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
        job_run = jobs.job_run_once(key=KEY, kind="phase_enter", run=calls.append)
    assert calls == []
    assert job_run.succeeded


def test_without_advisory_locks_only_a_run_older_than_the_time_limit_is_taken_over(settings):
    # SQLite (development, eager tasks, one process): no lock, the age of the run decides.
    settings.CELERY_TASK_TIME_LIMIT = 3600
    job = _running(started_ago=dt.timedelta(seconds=3599))
    assert not jobs.job_run_claim(job_run=job, lock=jobs.RunLock.UNSUPPORTED)
    JobRun.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(seconds=3601))
    assert jobs.job_run_claim(job_run=job, lock=jobs.RunLock.UNSUPPORTED)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 2)


def test_a_busy_lock_never_claims_and_a_held_one_takes_over_a_running_run():
    job = _running()
    assert not jobs.job_run_claim(job_run=job, lock=jobs.RunLock.BUSY)
    assert jobs.job_run_claim(job_run=job, lock=jobs.RunLock.HELD)
    job.refresh_from_db()
    assert job.attempts == 2
