"""Celery tasks: thin; they take ids, call a service, own their retries."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from workflow.audit_chain import audit_seal
from workflow.jobs import TRANSIENT_DB_ERRORS
from workflow.reconcile import jobs_reconcile
from workflow.services import rounds_advance_due
from workflow.services.notices import appeal_reminders_record, notices_deliver_pending
from workflow.services.supplements import supplements_expire

# Set while a delivery run is queued and not started (workflow.tasks.notices_queue).
DELIVERY_AWAKE = "notices:delivery-awake"
DELIVERY_AWAKE_SECONDS = 60

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


@shared_task(name="workflow.tasks.deliver_pending_notices", acks_late=True, ignore_result=True)
def deliver_pending_notices() -> int:
    """E-mail and SMS of every recorded notice not delivered yet; each goes out once however
    often this runs. Woken by `notices_queue`, and by beat every minute (PeriodicTask seeded by
    migration 0020), so a wake-up Redis lost delays a notice by a minute, never drops it."""
    # Awake again from here on: a notice recorded from now is either in this run's sweep or
    # wakes another run.
    cache.delete(DELIVERY_AWAKE)
    delivered, more = notices_deliver_pending()
    if more:
        notices_queue_wake()
    return delivered


@shared_task(base=JobTask, name="workflow.tasks.compose_notices", ignore_result=True)
def compose_notices(job_run_id: int) -> int:
    """The notices of a bulk move (workflow.notice_events.notice_job_start)."""
    from workflow.notice_events import notice_job_run

    return notice_job_run(job_run_id=job_run_id)


@shared_task(
    name="workflow.tasks.help_phase_job",
    ignore_result=True,
    acks_late=False,
    reject_on_worker_lost=False,
)
def help_phase_job(*, job_run_id: int, dotted_path: str) -> None:
    """Share a mass phase job with the process running it (workflow.phase_jobs.phase_job_help).
    Not retried and not redelivered: a helper lost changes nothing, its owner does the rest."""
    from workflow.phase_jobs import phase_job_help

    phase_job_help(job_run_id=job_run_id, dotted_path=dotted_path)


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
    """Have the e-mail and SMS of newly recorded notices sent: wake the delivery run unless
    one is already waiting to start (it will sweep these too). One Redis key per commit
    instead of a broker message per commit (a message cost three times the notice)."""
    if notice_ids:
        notices_queue_wake()


def notices_queue_wake() -> None:
    # The key lapses on its own: if Redis loses the message, the next notice wakes a run.
    if cache.add(DELIVERY_AWAKE, True, timeout=DELIVERY_AWAKE_SECONDS):
        deliver_pending_notices.delay()


@shared_task(name="workflow.tasks.seal_audit_events", acks_late=True)
def seal_audit_events() -> int:
    """Beat, every minute (PeriodicTask seeded by migration 0010): seals the audit rows no
    writer's commit sealed (a seal that failed, a process that died after its commit).
    Idempotent."""
    return audit_seal()
