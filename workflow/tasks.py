"""Celery tasks: thin; they take ids, call a service, own their retries."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from workflow.audit_chain import audit_seal
from workflow.jobs import TRANSIENT_DB_ERRORS
from workflow.reconcile import jobs_reconcile
from workflow.services import rounds_advance_due
from workflow.services.notices import appeal_reminders_record, notices_deliver
from workflow.services.supplements import supplements_expire

DELIVERY_CHUNK = 500

logger = logging.getLogger(__name__)


class JobTask(Task):
    """Base of the tasks that do a job's work: retried on a lost database connection, with a
    fresh connection; when it cannot finish, the job ends failed with the reason.

    A task names what to mark failed in `job_failed`: the dotted path of a function called
    with the task's kwargs and the reason, given in its decorator
    (`@shared_task(base=JobTask, job_failed="app.module.function")`).
    """

    abstract = True
    acks_late = True
    autoretry_for = TRANSIENT_DB_ERRORS
    retry_backoff = 2
    retry_backoff_max = 60
    max_retries = 8
    job_failed: str = ""

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        # The session is gone (terminated, or the server restarted): Django only notices a
        # broken connection when its own wrapper saw the error, so a psycopg error would hand
        # the dead connection to the next attempt. Close it; the retry connects afresh.
        connection.close()

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, TRANSIENT_DB_ERRORS):
            connection.close()
            reason = f"数据库连接中断，重试 {self.request.retries} 次后仍失败：{type(exc).__name__}: {exc}"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        if not self.job_failed:
            return
        try:
            import_string(self.job_failed)(kwargs=kwargs, reason=reason)
        except Exception:
            # The database may still be away: the reconciliation marks it failed later.
            logger.exception("%s: could not record the failure of %s", self.name, kwargs)


@shared_task(name="workflow.tasks.advance_due_rounds", acks_late=True)
def advance_due_rounds() -> list[str]:
    """Beat, every minute (PeriodicTask seeded by migration 0002). Idempotent."""
    return rounds_advance_due(label="beat")


@shared_task(name="workflow.tasks.reconcile_jobs", acks_late=True)
def reconcile_jobs() -> list[str]:
    """Beat, every minute (PeriodicTask seeded by migration 0012): enqueue again the jobs and
    chunks Redis or a dead worker lost, end failed those that cannot finish
    (workflow.reconcile). Idempotent."""
    return jobs_reconcile().lines()


# Sent by the thousand and awaited by nobody: no result stored (storing one made every
# sender subscribe to its result channel in Redis, a third of a notice's enqueueing).
@shared_task(name="workflow.tasks.deliver_notices", acks_late=True, ignore_result=True)
def deliver_notices(notice_ids: list[int]) -> int:
    """E-mail and SMS for recorded notices; each goes out once however often this runs."""
    return notices_deliver(notice_ids=notice_ids)


@shared_task(base=JobTask, name="workflow.tasks.compose_notices", ignore_result=True)
def compose_notices(job_run_id: int) -> int:
    """The notices of a bulk move (workflow.notice_events.notice_job_start)."""
    from workflow.notice_events import notice_job_run

    return notice_job_run(job_run_id=job_run_id)


@shared_task(name="workflow.tasks.remind_appeal_deadline", acks_late=True)
def remind_appeal_deadline() -> int:
    """Beat, hourly (PeriodicTask seeded by migration 0008). Idempotent by notice key."""
    ids = appeal_reminders_record(now=timezone.now())
    notices_queue(ids)
    return len(ids)


@shared_task(name="workflow.tasks.expire_supplements", acks_late=True)
def expire_supplements() -> int:
    """Beat, every minute (PeriodicTask seeded by migration 0012): claims whose 补件 deadline
    passed go back to their departments, marked 补件逾期. Idempotent."""
    return supplements_expire(now=timezone.now())


def notices_queue(notice_ids: list[int]) -> None:
    """Queue the e-mail and SMS of recorded notices, in chunks a worker finishes quickly."""
    for start in range(0, len(notice_ids), DELIVERY_CHUNK):
        deliver_notices.delay(notice_ids[start : start + DELIVERY_CHUNK])


@shared_task(name="workflow.tasks.seal_audit_events", acks_late=True)
def seal_audit_events() -> int:
    """Beat, every minute (PeriodicTask seeded by migration 0010): seals the audit rows no
    writer's commit sealed (a seal that failed, a process that died after its commit).
    Idempotent."""
    return audit_seal()
