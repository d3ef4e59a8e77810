"""Helpers of the worker tests: a round due for its next phase, a table lock to stop a task
at a chosen write, and where the task's pool process is."""

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from celery.result import AsyncResult
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from tests.factories import ApplicationFactory, RoundFactory
from workflow.models import AnnualRound, Application, AppState, AuditEvent, Phase


def round_due_for(phase: str) -> AnnualRound:
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


def second_session(*, autocommit: bool = False) -> psycopg.Connection:
    """Another PostgreSQL session on the test database, as a second process would hold."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=autocommit,
    )


@contextmanager
def table_locked(model: type[Model] = AuditEvent) -> Iterator[psycopg.Connection]:
    """Hold an EXCLUSIVE lock on `model`'s table from another connection until released.

    Reads go on; every insert, update or SELECT … FOR UPDATE waits. Yields the connection so
    the test can release the lock early (commit) while keeping the context for cleanup.
    """
    lock = second_session()
    try:
        lock.execute(f'LOCK TABLE "{model._meta.db_table}" IN EXCLUSIVE MODE')
        yield lock
    finally:
        lock.rollback()
        lock.close()


def wait_until_blocked_on_lock(timeout: float = 30.0) -> None:
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
    raise TimeoutError("the task never reached the locked table")


def pool_process_running(result: AsyncResult, timeout: float = 30.0) -> int:
    # task_track_started: the STARTED meta carries the pool process's pid.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result.state == "STARTED":
            return int(result.info["pid"])
        time.sleep(0.05)
    raise TimeoutError(f"task {result.id} never started (state {result.state})")


def make_aggregation_due() -> tuple[AnnualRound, list[Application], Application]:
    round = round_due_for(Phase.AGGREGATION)
    submitted = [ApplicationFactory(round=round, state=AppState.SUBMITTED) for _ in range(3)]
    unsubmitted = ApplicationFactory(round=round, state=AppState.FILLING)
    return round, submitted, unsubmitted
