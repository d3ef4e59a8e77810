"""JobRun services: batch progress in the database, idempotent by key.

- `job_run_once(key=..., kind=..., round=..., run=fn)` runs `fn(job_run)` unless a JobRun
  with that key already succeeded; a failed or crashed one is run again.
- Work is done in chunks (`job_run_chunks`), each chunk one transaction that also advances
  `done` with an F() update, so after a crash the committed chunks stay done and counted,
  and the re-run picks up only what is left (each chunk selects by *source state*).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from workflow.exceptions import PhaseJobFailed
from workflow.models import AnnualRound, JobRun, JobStatus


def job_run_get_or_create(*, key: str, kind: str, round: AnnualRound | None = None) -> JobRun:
    job_run, _ = JobRun.objects.get_or_create(key=key, defaults={"kind": kind, "round": round})
    return job_run


def _stale_after() -> dt.timedelta:
    # A run still "running" after the longest a task may take was lost with its worker.
    return dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 3600))


def job_run_claim(*, job_run: JobRun, now: dt.datetime | None = None) -> bool:
    """Mark the run as running if nobody else is running it; False if it must not run now."""
    now = now or timezone.now()
    claimable = JobRun.objects.filter(pk=job_run.pk).filter(
        status__in=[JobStatus.PENDING, JobStatus.FAILED]
    ) | JobRun.objects.filter(
        pk=job_run.pk, status=JobStatus.RUNNING, started_at__lt=now - _stale_after()
    )
    claimed = claimable.update(
        status=JobStatus.RUNNING, started_at=now, finished_at=None, error="", attempts=F("attempts") + 1
    )
    job_run.refresh_from_db()
    return bool(claimed)


def job_run_set_total(*, job_run: JobRun, total: int) -> None:
    JobRun.objects.filter(pk=job_run.pk).update(total=total)
    job_run.total = total


def job_run_advance(*, job_run: JobRun, by: int = 1) -> None:
    """Count `by` more items done; call inside the transaction that did them."""
    JobRun.objects.filter(pk=job_run.pk).update(done=F("done") + by)


def job_run_succeed(*, job_run: JobRun, message: str = "") -> None:
    JobRun.objects.filter(pk=job_run.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), message=message
    )
    job_run.refresh_from_db()


def job_run_fail(*, job_run: JobRun, error: str) -> None:
    JobRun.objects.filter(pk=job_run.pk).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error=error[:10000]
    )
    job_run.refresh_from_db()


def job_run_once(
    *,
    key: str,
    kind: str,
    run: Callable[[JobRun], Any],
    round: AnnualRound | None = None,
) -> JobRun:
    """Run `run(job_run)` at most once to success for this key."""
    job_run = job_run_get_or_create(key=key, kind=kind, round=round)
    if job_run.succeeded:
        return job_run
    if not job_run_claim(job_run=job_run):
        raise PhaseJobFailed(f"任务“{key}”正在运行中，请稍后再试。")
    try:
        run(job_run)
    except Exception as exc:
        job_run_fail(job_run=job_run, error=f"{type(exc).__name__}: {exc}")
        raise
    job_run_succeed(job_run=job_run)
    return job_run


def job_run_chunks(
    *,
    job_run: JobRun,
    pending: QuerySet,
    handle: Callable[[list[Any]], int],
    chunk_size: int = 500,
    on_progress: Callable[[JobRun], None] | None = None,
) -> None:
    """Feed `pending` (objects still to do, selected by state) to `handle` chunk by chunk.

    `handle(objs)` runs inside the chunk's transaction and returns how many it did. The
    total is set on the first attempt only: a re-run keeps the committed `done`.
    """
    if job_run.total == 0 and job_run.done == 0:
        job_run_set_total(job_run=job_run, total=pending.count())
    last_pk: Any = None
    while True:
        page = pending.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        with transaction.atomic():
            # Row locks: a concurrent writer waits for this chunk (no-op on SQLite).
            objs: Iterable[Any] = list(page.select_for_update(of=("self",))[:chunk_size])
            if not objs:
                break
            last_pk = objs[-1].pk
            job_run_advance(job_run=job_run, by=handle(objs))
        if on_progress is not None:
            job_run.refresh_from_db(fields=["done", "total"])
            on_progress(job_run)
