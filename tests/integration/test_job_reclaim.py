"""A phase job whose worker died after claiming it is taken over at once, and done once.

The job is stopped *after* its claim committed: the test holds an EXCLUSIVE lock on the
application table, so the round's transition and the JobRun claim of the first aggregation
job (withdraw what was never submitted) commit, and its first chunk waits on
`SELECT … FOR UPDATE`. Then the worker is SIGKILLed with the JobRun marked "running".
Before the run lock, the redelivered task found the job "正在运行中" and did nothing for up
to an hour (the task time limit); now the dead worker's session has let go of the run lock,
so the next worker takes the job over within seconds.
"""

import os
import signal
import time

import pytest

from tests.integration.helpers import (
    make_aggregation_due,
    pool_process_running,
    table_locked,
    wait_until_blocked_on_lock,
)
from workflow.models import Application, AppState, AuditEvent, JobRun, JobStatus, Phase
from workflow.tasks import advance_due_rounds

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CLOSE_UNSUBMITTED = "workflow.phase_jobs.close_unsubmitted"
VISIBILITY_TIMEOUT = 2


@pytest.mark.parametrize("dies", ["pool process", "whole worker"])
def test_job_claimed_by_a_killed_worker_is_taken_over_promptly_and_done_once(start_worker, dies):
    round, submitted, unsubmitted = make_aggregation_due()
    key = f"phase:{round.year}:{Phase.AGGREGATION}:enter:{CLOSE_UNSUBMITTED}"
    worker = start_worker(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))

    with table_locked(Application) as lock:
        result = advance_due_rounds.delay()
        delivered_at = time.monotonic()
        pid = pool_process_running(result)
        wait_until_blocked_on_lock()
        claimed = JobRun.objects.get(key=key)
        assert (claimed.status, claimed.attempts, claimed.done) == (JobStatus.RUNNING, 1, 0)
        if dies == "pool process":
            # The main process sees the child die and gives the message back at once.
            os.kill(pid, signal.SIGKILL)
        else:
            # The machine dies: nobody acks or rejects; Redis redelivers after the timeout.
            worker.kill_everything()
        killed_at = time.monotonic()
        lock.commit()

    if dies == "whole worker":
        time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        start_worker(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    report = result.get(timeout=60)
    took = time.monotonic() - killed_at

    # Nothing left to report: the round had already moved, the jobs just finished.
    assert report == []
    assert took < 30, f"took {took:.1f}s to take the job over"
    job = JobRun.objects.get(key=key)
    assert (job.status, job.attempts, job.done, job.total) == (JobStatus.SUCCEEDED, 2, 1, 1)
    assert not job.error
    round.refresh_from_db()
    assert round.phase == Phase.AGGREGATION
    assert AuditEvent.objects.filter(action="round.advance", object_id=str(round.pk)).count() == 1
    unsubmitted.refresh_from_db()
    assert unsubmitted.state == AppState.WITHDRAWN
    assert (
        AuditEvent.objects.filter(
            object_id=str(unsubmitted.pk), action="application.withdraw"
        ).count()
        == 1
    )
    for application in submitted:
        application.refresh_from_db()
        assert application.state != AppState.SUBMITTED  # the later jobs ran too
        assert (
            AuditEvent.objects.filter(
                action="application.begin_review", object_id=str(application.pk)
            ).count()
            == 1
        )
    assert not JobRun.objects.filter(
        round=round, status=JobStatus.RUNNING, kind__startswith="phase_"
    ).exists()
