"""Reconciliation: every background job ends succeeded, or failed with its reason, whatever
happened to Redis or to a worker (issue 14, "Nothing lost").

Redis holds messages; PostgreSQL holds the truth. A message can be lost (Redis restarted
without persistence), or sit in the unacknowledged set of a worker that died until the
visibility timeout (hours) passes. So the beat task `workflow.tasks.reconcile_jobs` looks,
every minute, only at the JobRun rows:

- **Chunks** (a JobRun with a parent, planned with the job, its task's arguments in
  `payload`): a job none of whose chunks finished for `JOB_RECONCILE_AFTER` seconds has
  stalled; its chunks not done are enqueued again. A chunk a live worker is running holds
  its row lock, and is skipped (`SKIP LOCKED`); a copy that arrives anyway waits for that
  lock and then finds the chunk done, so nothing is applied twice.
- **Single jobs of a registered kind** (review's import batches): not done that long after
  they were enqueued, and their run lock (`workflow.jobs.job_run_lock`) free, so no live
  process is on them: enqueued again.
- **Phase jobs** (`job_run_once`): marked running, their run lock free (the process that
  claimed them is gone): marked failed with the reason; the next advance (beat, every
  minute, or `advance_round`) takes them over and resumes them.

A job or chunk started `JOB_MAX_ATTEMPTS` times without finishing (it keeps killing its
worker) is not enqueued again: it ends failed with the reason, for the administrator
(admin 批处理任务, `round_status`); once the cause is fixed, the admin's action
"重新运行未完成的批次" (or planning again with the same key) resumes it (`job_run_resume`).
Enqueuing a chunk or a job twice is harmless: each selects its work by state under a lock.

The core does not know the apps' tasks: each app registers, from its AppConfig.ready(), how
to enqueue a kind again (and, optionally, what else to mark failed with it) by dotted path,
as with the phase jobs (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from workflow.jobs import RunLock, job_chunk_fail, job_run_fail, job_run_lock
from workflow.models import JobRun, JobStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Requeue:
    enqueue: str  # dotted path of `enqueue(job_run=...)`: hand the job to the broker again
    fail: str | None = None  # dotted path of `fail(job_run=..., reason=...)`: mark its subject


REQUEUE: dict[str, Requeue] = {}

PHASE_JOB_KINDS = ["phase_enter", "phase_exit"]


def register_requeue(kind: str, *, enqueue: str, fail: str | None = None) -> None:
    """How to enqueue a JobRun of `kind` again from its row (idempotent)."""
    REQUEUE[kind] = Requeue(enqueue=enqueue, fail=fail)


@dataclass
class ReconcileReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"重新投递 {key}" for key in self.requeued] + [
            f"标记失败 {key}" for key in self.failed
        ]


def _gave_up(job: JobRun) -> str:
    return (
        f"已启动 {job.attempts} 次仍未完成（执行它的 worker 每次都中断了），不再自动重试；"
        "请查看 worker 日志，修复后重新运行。"
    )


def _stale(cutoff: dt.datetime):
    return JobRun.objects.annotate(since=Coalesce("enqueued_at", "created_at")).filter(
        since__lt=cutoff
    )


def _reconcile_chunks(*, cutoff: dt.datetime, now: dt.datetime, report: ReconcileReport) -> None:
    stale_chunk = _stale(cutoff).filter(parent=OuterRef("pk"), status=JobStatus.PENDING)
    # A job whose chunks are still finishing is moving through its queue: leave it alone, so
    # chunks merely waiting their turn behind the others are not queued twice.
    finishing = JobRun.objects.filter(parent=OuterRef("pk"), finished_at__gte=cutoff)
    stalled = (
        JobRun.objects.filter(status=JobStatus.RUNNING)
        .filter(Exists(stale_chunk))
        .exclude(Exists(finishing))
    )
    for parent in stalled:
        with transaction.atomic():
            # A chunk being worked on holds its row lock (its whole transaction): skipped.
            chunks = list(
                _stale(cutoff)
                .filter(parent=parent, status=JobStatus.PENDING)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
            )
            for chunk in chunks:
                hook = REQUEUE.get(chunk.kind)
                if hook is None:
                    continue
                if chunk.attempts >= settings.JOB_MAX_ATTEMPTS:
                    job_chunk_fail(chunk_id=chunk.pk, reason=_gave_up(chunk))
                    report.failed.append(chunk.key)
                    continue
                JobRun.objects.filter(pk=chunk.pk).update(enqueued_at=now)
                transaction.on_commit(
                    lambda chunk=chunk, hook=hook: import_string(hook.enqueue)(job_run=chunk)
                )
                report.requeued.append(chunk.key)


def _reconcile_single_jobs(
    *, cutoff: dt.datetime, now: dt.datetime, report: ReconcileReport
) -> None:
    kinds = [kind for kind in REQUEUE if kind]
    jobs = (
        _stale(cutoff)
        .filter(
            kind__in=kinds,
            parent__isnull=True,
            status__in=[JobStatus.PENDING, JobStatus.RUNNING],
        )
        .order_by("pk")
    )
    for job in jobs:
        hook = REQUEUE[job.kind]
        with job_run_lock(key=job.key, grace=0) as lock:
            if lock is RunLock.BUSY:
                continue  # a live process holds it: slow, not lost
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                reason = _gave_up(job)
                job_run_fail(job_run=job, error=reason)
                if hook.fail:
                    import_string(hook.fail)(job_run=job, reason=reason)
                report.failed.append(job.key)
                continue
            JobRun.objects.filter(pk=job.pk).update(enqueued_at=now)
        # After the lock is let go, so an eager run (development) can take it.
        import_string(hook.enqueue)(job_run=job)
        report.requeued.append(job.key)


def _reconcile_phase_jobs(*, cutoff: dt.datetime, report: ReconcileReport) -> None:
    jobs = JobRun.objects.filter(
        kind__in=PHASE_JOB_KINDS, status=JobStatus.RUNNING, started_at__lt=cutoff
    ).order_by("pk")
    for job in jobs:
        with job_run_lock(key=job.key, grace=0) as lock:
            # Only where the lock tells (PostgreSQL): without it a long run looks the same.
            if lock is not RunLock.HELD:
                continue
            job.refresh_from_db()
            if job.status != JobStatus.RUNNING:
                continue
            job_run_fail(
                job_run=job,
                error=(
                    f"运行中断：执行它的进程已退出（已完成 {job.done}/{job.total}）。"
                    "下一次推进（定时任务每分钟，或 advance_round）从中断处继续。"
                ),
            )
            report.failed.append(job.key)


def job_run_resume(*, job_run: JobRun) -> int:
    """Run a chunked job's chunks not done again (after a failure was fixed, or to re-plan
    with the same key): they are enqueued on commit, the job is running again. Returns how
    many chunks were enqueued."""
    now = timezone.now()
    chunks = list(job_run.chunks.exclude(status=JobStatus.SUCCEEDED).order_by("pk"))
    chunks = [chunk for chunk in chunks if chunk.kind in REQUEUE]
    if not chunks:
        return 0
    JobRun.objects.filter(pk__in=[c.pk for c in chunks]).update(
        status=JobStatus.PENDING, error="", attempts=0, enqueued_at=now, finished_at=None
    )
    JobRun.objects.filter(pk=job_run.pk).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.RUNNING, error="", finished_at=None
    )
    for chunk in chunks:
        transaction.on_commit(
            lambda chunk=chunk: import_string(REQUEUE[chunk.kind].enqueue)(job_run=chunk)
        )
    return len(chunks)


def jobs_reconcile(*, now: dt.datetime | None = None) -> ReconcileReport:
    """Enqueue again what Redis or a dead worker lost; end failed what cannot finish."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.JOB_RECONCILE_AFTER)
    report = ReconcileReport()
    _reconcile_chunks(cutoff=cutoff, now=now, report=report)
    _reconcile_single_jobs(cutoff=cutoff, now=now, report=report)
    _reconcile_phase_jobs(cutoff=cutoff, report=report)
    for line in report.lines():
        logger.warning("reconcile: %s", line)
    return report
