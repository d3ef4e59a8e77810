"""JobRun services: batch progress in the database, idempotent by key.

- `job_run_once(key=..., kind=..., round=..., run=fn)` runs `fn(job_run)` unless a JobRun
  with that key already succeeded; a failed or crashed one is run again.
- Never two live runs of one key; a crashed run is reclaimable at once (see `job_run_lock`).
- Work is done in chunks (`job_run_chunks`), each chunk one transaction that also advances
  `done` with an F() update, so after a crash the committed chunks stay done and counted,
  and the re-run picks up only what is left (each chunk selects by *source state*).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from workflow.exceptions import PhaseJobFailed
from workflow.models import AnnualRound, JobRun, JobStatus

logger = logging.getLogger(__name__)

# How long a run waits for the lock of a run that looks crashed. A killed process's database
# session ends when PostgreSQL sees its socket close, normally within milliseconds, but a
# redelivered task can arrive while the dead session is still finishing the statement it
# was blocked in; a live run holds the lock for minutes, so a short wait tells them apart.
RECLAIM_GRACE_SECONDS = 3.0


# A lost database connection is worth retrying: a restarted PostgreSQL, a failover, a
# terminated backend. Django wraps the driver's errors in its own classes, but not on every
# path: a COPY (the audit rows, the claims) goes through psycopg's cursor and raises
# psycopg's own class, which a retry on Django's classes alone let through (issue 14: 7,327
# claims lost to one `pg_terminate_backend`).
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


class RunLock(enum.Enum):
    HELD = "held"  # this process holds the key's lock: whoever marked it running is gone
    BUSY = "busy"  # a live process holds it
    UNSUPPORTED = "unsupported"  # no advisory locks (SQLite): fall back to the age of the run


def job_run_get_or_create(*, key: str, kind: str, round: AnnualRound | None = None) -> JobRun:
    job_run, _ = JobRun.objects.get_or_create(key=key, defaults={"kind": kind, "round": round})
    return job_run


def _stale_after() -> dt.timedelta:
    # A run still "running" after the longest a task may take was lost with its worker.
    return dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 3600))


def _lock_id(key: str) -> int:
    # A signed 64-bit id for pg_advisory_lock(bigint); namespaced so other advisory locks in
    # the database never collide with ours. A hash collision between two keys could only make
    # one wait for the other, never let two runs of one key overlap.
    digest = hashlib.blake2b(f"luohutong.jobrun:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def job_run_lock(*, key: str, grace: float | None = None) -> Iterator[RunLock]:
    """Hold the key's run lock for the duration of the block (PostgreSQL).

    Why a session-level advisory lock rather than an owner (hostname+pid) and a heartbeat:
    PostgreSQL itself ends the session of a process that died (its socket closes) and with it
    the lock, so "marked running but lock free" means crashed with no clock, no heartbeat
    thread and no guessing whether a pid on another machine is alive. The lock is taken on
    the connection that does the run's work, so while it is held the session writing the
    chunks is alive; if that connection breaks, the work fails with it instead of going on
    unguarded. Session locks outlive transactions (each chunk commits on its own) and are
    not released by a rollback. (Needs a session-pooling or direct connection: a pgbouncer
    in transaction mode would hand the lock to another client.)
    """
    if connection.vendor != "postgresql":
        yield RunLock.UNSUPPORTED
        return
    lock_id = _lock_id(key)
    deadline = time.monotonic() + (RECLAIM_GRACE_SECONDS if grace is None else grace)
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                yield RunLock.BUSY
                return
            time.sleep(0.1)
    try:
        yield RunLock.HELD
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
        except DatabaseError:
            # The session is unusable (e.g. inside a failed transaction): closing it is the
            # only way to let go of the lock; a closed connection has already let go.
            logger.warning("could not release the run lock of %s; closing the connection", key)
            if not connection.in_atomic_block:
                connection.close()


def job_run_claim(
    *, job_run: JobRun, now: dt.datetime | None = None, lock: RunLock = RunLock.UNSUPPORTED
) -> bool:
    """Mark the run as running if nobody else is running it; False if it must not run now.

    With the key's lock held (`job_run_lock`), a run still marked running was left by a
    process that died: it is taken over at once. Without locks (SQLite: development and
    eager tests, one process), only a run older than the task time limit counts as lost.
    """
    now = now or timezone.now()
    if lock is RunLock.BUSY:
        job_run.refresh_from_db()
        return False
    claimable = JobRun.objects.filter(pk=job_run.pk).filter(
        status__in=[JobStatus.PENDING, JobStatus.FAILED]
    )
    if lock is RunLock.HELD:
        claimable |= JobRun.objects.filter(pk=job_run.pk, status=JobStatus.RUNNING)
    else:
        claimable |= JobRun.objects.filter(
            pk=job_run.pk, status=JobStatus.RUNNING, started_at__lt=now - _stale_after()
        )
    claimed = claimable.update(
        status=JobStatus.RUNNING,
        started_at=now,
        finished_at=None,
        error="",
        attempts=F("attempts") + 1,
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


def job_chunk_fail(*, chunk_id: int, reason: str) -> None:
    """A chunk that cannot finish: it and its job end failed, the reason on both, so the
    administrator sees it (admin 批处理任务, `round_status`) instead of a job "running"
    forever. Starting the job again with its key resumes its chunks not done."""
    chunk = JobRun.objects.filter(pk=chunk_id).first()
    if chunk is None or chunk.status == JobStatus.SUCCEEDED:
        return
    now = timezone.now()
    JobRun.objects.filter(pk=chunk.pk).update(
        status=JobStatus.FAILED, error=reason[:10000], finished_at=now
    )
    if chunk.parent_id is not None:
        JobRun.objects.filter(pk=chunk.parent_id).exclude(status=JobStatus.SUCCEEDED).update(
            status=JobStatus.FAILED,
            error=f"{chunk.message or chunk.key}失败：{reason}"[:10000],
            finished_at=now,
        )


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
    with job_run_lock(key=key) as lock:
        if not job_run_claim(job_run=job_run, lock=lock):
            if job_run.succeeded:  # another process finished it while we asked for the lock
                return job_run
            raise PhaseJobFailed(f"任务“{key}”正在运行中，请稍后再试。")
        try:
            run(job_run)
        except Exception as exc:
            job_run_fail(job_run=job_run, error=f"{type(exc).__name__}: {exc}")
            raise
        job_run_succeed(job_run=job_run)
    return job_run


# Set by the process that owns a run (`job_run_helped_by`): how to ask other processes to
# help with it. Set in a helper (`job_run_helping`): this process only helps.
_help_request: ContextVar[Callable[[], None] | None] = ContextVar("job_help_request", default=None)
_helping: ContextVar[bool] = ContextVar("job_helping", default=False)


@contextmanager
def job_run_helped_by(request: Callable[[], None]) -> Iterator[None]:
    """While the block runs the job, its first `job_run_chunks` with more than a chunk to do
    calls `request()` once (enqueue the helpers) after setting the run's total, so a helper
    never sees a run without its total."""
    requested = False

    def once() -> None:
        nonlocal requested
        if not requested:
            requested = True
            request()

    token = _help_request.set(once)
    try:
        yield
    finally:
        _help_request.reset(token)


@contextmanager
def job_run_helping() -> Iterator[None]:
    """The block runs a job another process owns: its chunks are taken like the owner's, but it
    sets no total, asks for no help and does not wait for chunks others hold."""
    token = _helping.set(True)
    try:
        yield
    finally:
        _helping.reset(token)


def job_run_total_first(*, job_run: JobRun, count: Callable[[], int]) -> None:
    """Set the run's total to `count()` on its first attempt, in the process that owns it: a
    re-run keeps the total its committed `done` counts against, and a helper sets none."""
    if job_run.total == 0 and job_run.done == 0 and not _helping.get():
        job_run_set_total(job_run=job_run, total=count())


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

    On PostgreSQL a chunk takes only rows nobody holds (`SKIP LOCKED`): helpers of the same
    run, or a person moving their own application at that moment, keep theirs. When nothing
    free is left, the owner reads the rest again waiting for those locks: what a helper
    committed no longer matches `pending`, what it rolled back (a helper that died) is done
    here, so the run ends with nothing pending whoever helped.
    """
    helping = _helping.get()
    job_run_total_first(job_run=job_run, count=pending.count)
    if not helping:
        request = _help_request.get()
        if request is not None and job_run.total - job_run.done > chunk_size:
            request()
    skip_free = connection.features.has_select_for_update_skip_locked
    last_pk: Any = None
    while True:
        if helping and not JobRun.objects.filter(pk=job_run.pk, status=JobStatus.RUNNING).exists():
            break  # the owner's run ended (failed, say): a helper does not go on alone
        page = pending.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        with transaction.atomic():
            # Row locks: a concurrent writer waits for this chunk (no-op on SQLite).
            objs: list[Any] = list(
                page.select_for_update(of=("self",), skip_locked=skip_free)[:chunk_size]
            )
            waited = False
            if not objs and skip_free and not helping:
                # Nothing free: wait for the rows others hold, from the start.
                objs = list(pending.order_by("pk").select_for_update(of=("self",))[:chunk_size])
                waited = True
            if not objs:
                break
            last_pk = objs[-1].pk
            done = handle(objs)
            job_run_advance(job_run=job_run, by=done)
        if waited and not done:
            break  # `handle` left them pending: reading them again would never end
        if on_progress is not None:
            job_run.refresh_from_db(fields=["done", "total"])
            on_progress(job_run)
