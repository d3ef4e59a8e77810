"""The simulation's timetable and clock, and waiting for work handed to a worker.

The round's windows are the one timetable, and the services check them against
`timezone.now()`: so the simulation moves the process's clock (time-machine) to each step
instead of forcing phases or passing a `now` that the phase jobs would not see. The whole
timetable lies in the past (the 2020 timetable of the latest year that has fully passed),
so once the run is over the real clock agrees with the round: it is closed, its list is
published and `export_publicity`, the public pages and `round_status` read it as such.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import TypeVar

from celery import current_app as celery_app
from django.db import connection, connections, transaction
from django.utils import timezone

from workflow.models import JobRun, JobStatus, default_windows
from workflow.notice_events import NOTICE_JOB_KIND

T = TypeVar("T")
R = TypeVar("R")

WAIT_TIMEOUT = 3600.0  # seconds a step waits for a worker before the run gives up
WAIT_POLL = 0.5


class SimulationError(Exception):
    """The round cannot go on: names the step, and what the services said."""


def simulation_windows(year: int, *, now: dt.datetime) -> dict[str, dt.datetime]:
    """The 2020 timetable (`default_windows`) of `year`, or of the latest earlier year whose
    publicity has ended by `now`."""
    timetable_year = year
    while default_windows(timetable_year)["publicity_closes_at"] >= now:
        timetable_year -= 1
    return default_windows(timetable_year)


class SimulatedClock:
    """Moves the process's clock forward step by step; it ticks in between, so the audit
    rows of one step are in the order they were written. Never moves backwards."""

    def __init__(self, start: dt.datetime) -> None:
        try:
            import time_machine
        except ImportError as exc:  # a development dependency (pyproject: dev)
            raise SimulationError(
                "模拟需要开发依赖 time-machine（pip install -e '.[dev]'） / "
                "the simulation needs the dev dependency time-machine"
            ) from exc
        self._traveller = time_machine.travel(start, tick=True)
        self._coordinates = None

    def __enter__(self) -> SimulatedClock:
        self._coordinates = self._traveller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._traveller.stop()
        self._coordinates = None

    def move_to(self, moment: dt.datetime) -> dt.datetime:
        assert self._coordinates is not None, "use the clock as a context manager"
        if moment < timezone.now():
            raise SimulationError(f"the clock cannot go back to {moment.isoformat()}")
        self._coordinates.move_to(moment)
        return moment


def wait_until(done: Callable[[], bool], *, what: str, timeout: float = WAIT_TIMEOUT) -> None:
    """Wait for work queued on commit (a worker, with REDIS_URL); eager tasks are done already.

    The real clock measures the wait: time-machine leaves time.monotonic alone.
    """
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SimulationError(f"等待{what}超过 {timeout:.0f} 秒（worker 是否在运行？）")
        time.sleep(WAIT_POLL)


def wait_for_notice_jobs() -> None:
    """The bulk moves' notices are composed by the workers (workflow.notice_events): a
    phase is not over until they are, and a notice job that failed stops the run."""
    open_jobs = JobRun.objects.filter(
        kind=NOTICE_JOB_KIND, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    )
    wait_until(lambda: not open_jobs.exists(), what="通知生成")
    failed = list(
        JobRun.objects.filter(kind=NOTICE_JOB_KIND, status=JobStatus.FAILED).values_list(
            "key", "error"
        )[:3]
    )
    if failed:
        raise SimulationError(
            "workflow.tasks.compose_notices 失败：" + "；".join(f"{k}：{e}" for k, e in failed)
        )


# People acting at the same simulated moment, committed together: each service call keeps its
# own savepoint, guards and audit row as from a page, but the commit and the seal of the audit
# chain that follows it are paid once per chunk, not once per call. Small chunks: every
# savepoint that writes is a PostgreSQL subtransaction, and past 64 in one open transaction
# every other session's snapshot has to look them up in pg_subtrans (the workers' too).
ACTORS_PER_COMMIT = 16


def in_chunks(items: Sequence[T], size: int = ACTORS_PER_COMMIT) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of `size`; the caller commits each in one transaction."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Actors who act independently of one another (each unit on its own staff's applications,
# each applicant on their own declaration) act side by side, as they would in the portal:
# a service call spends most of its time waiting for PostgreSQL, which these threads overlap
# and which runs their queries on both cores. They share the process's simulated clock.
# SQLite has one writer at a time: there they act one after the other.
PARALLEL_ACTORS = 4


def each_side_by_side(
    items: Sequence[T], act: Callable[[T], R], *, size: int = ACTORS_PER_COMMIT
) -> list[R]:
    """`act` on every item, chunk by chunk (one transaction each, `in_chunks`), by
    PARALLEL_ACTORS threads on PostgreSQL; the results in the order of `items`.

    Only for actors whose steps do not depend on each other's: which thread commits first
    must not change what anyone does (every choice comes from the script, keyed by seed).
    """
    return chunks_side_by_side(items, lambda chunk: [act(item) for item in chunk], size=size)


def chunks_side_by_side(
    items: Sequence[T], act: Callable[[Sequence[T]], list[R]], *, size: int
) -> list[R]:
    """`act` on each chunk of `size` items in one transaction (a set-based step of many
    actors: `workflow.services.mass`), side by side as `each_side_by_side`; the results in
    the order of `items`."""
    # Tasks run in-process (no worker: tests, development) are not thread-safe in Celery (a
    # process-wide flag each eager call sets and restores leaks across threads, and then no
    # result can be awaited in this process): one actor at a time there.
    side_by_side = connection.vendor == "postgresql" and not celery_app.conf.task_always_eager
    threads = PARALLEL_ACTORS if side_by_side else 1

    def chunk_done(chunk: Sequence[T]) -> list[R]:
        with transaction.atomic():
            return act(chunk)

    chunks = list(in_chunks(items, size))
    if threads == 1:
        return [result for chunk in chunks for result in chunk_done(chunk)]
    done: list[list[R] | None] = [None] * len(chunks)
    failures: list[BaseException] = []
    queue = iter(enumerate(chunks))
    taking = threading.Lock()

    def actor() -> None:
        # One database session per thread for the whole step, closed when it ends (a session
        # per chunk of 16 actors cost a connection and its authentication each time).
        try:
            while not failures:
                with taking:
                    index, chunk = next(queue, (None, None))
                if chunk is None:
                    return
                done[index] = chunk_done(chunk)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            failures.append(exc)
        finally:
            connections.close_all()

    actors = [
        threading.Thread(target=actor, name=f"sim-actor-{n}")
        for n in range(min(threads, len(chunks)))
    ]
    for thread in actors:
        thread.start()
    for thread in actors:
        thread.join()
    if failures:
        raise failures[0]
    return [result for results in done for result in results or []]
