"""Helpers of the fault tests (tests/integration/test_faults.py): a verification round and
what a clean run decides for it, a private Redis a test may restart, the beat driven by
hand, recovery times written to test-artifacts/."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
from django.db import connection

from config.celery import app as celery_app
from ranking.population import generate_population
from review.services.verification import claim_outcome, records_for
from tests.environment import skip_or_fail
from tests.factories import RoundFactory
from tests.review.conftest import build_application
from workflow.models import AnnualRound, AuditEvent, ClaimState, IndicatorClaim, JobRun, JobStatus
from workflow.services.departments import departments_ensure
from workflow.tasks import advance_due_rounds, reconcile_jobs

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Seconds after which the worker's reconciliation enqueues a stalled chunk again (production:
# minutes); the beat is driven by the test every BEAT_EVERY seconds (production: a minute).
RECONCILE_AFTER = 2
BEAT_EVERY = 1.0


def verification_round(*, applications: int, year: int = 2020) -> AnnualRound:
    """A declaration round whose applications are submitted with pending claims and the
    departments' records (the synthetic population: some verify, some adjust, some go to
    the manual queue)."""
    departments_ensure()  # a transactional test before this one flushed the seeded rows
    round = RoundFactory(year=year)
    AnnualRound.objects.filter(pk=round.pk).update(phase="declaration")
    round.refresh_from_db()
    for facts in generate_population(year=year, count=applications, seed=11):
        build_application(facts, round=round)
    return round


def clean_run_outcome(round: AnnualRound) -> dict[int, tuple[str, bool]]:
    """What a clean run decides for every claim now pending: (state, needs_manual_review),
    from the same pure matching the chunks use, without writing anything."""
    claims = list(
        IndicatorClaim.objects.filter(application__round=round, state=ClaimState.PENDING)
        .select_related("application")
        .order_by("pk")
    )
    records = records_for({c.application.applicant_id for c in claims})
    expected = {}
    for claim in claims:
        person = records[claim.application.applicant_id]
        outcome = claim_outcome(claim, person, year=round.year)
        state = {"verify": ClaimState.VERIFIED, "adjust": ClaimState.ADJUSTED}.get(
            outcome.decision, ClaimState.PENDING
        )
        expected[claim.pk] = (state, state == ClaimState.PENDING)
    return expected


def assert_verified_like_a_clean_run(
    round: AnnualRound, expected: dict[int, tuple[str, bool]], job: JobRun
) -> None:
    """Same states as a clean run, exactly one audit row per change, the job succeeded."""
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == (
        JobStatus.SUCCEEDED,
        job.total,
        job.total,
        "",
    ), job
    assert not job.chunks.exclude(status=JobStatus.SUCCEEDED).exists()
    actual = {
        pk: (state, manual)
        for pk, state, manual in IndicatorClaim.objects.filter(pk__in=list(expected)).values_list(
            "pk", "state", "needs_manual_review"
        )
    }
    assert actual == expected
    audits = Counter(
        int(object_id)
        for object_id in AuditEvent.objects.filter(
            object_type="workflow.indicatorclaim", object_id__in=[str(pk) for pk in expected]
        ).values_list("object_id", flat=True)
    )
    changed = {pk for pk, (state, manual) in expected.items() if state != "pending" or manual}
    assert set(audits) == changed
    assert set(audits.values()) == {1}, "a claim was audited twice"


def drive_beat(
    done: Callable[[], bool], *, timeout: float = 120.0, tasks=(reconcile_jobs,)
) -> float:
    """Send the beat's tasks every BEAT_EVERY seconds (as beat does every minute) until
    `done()`; returns how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if done():
            return time.monotonic() - started
        for task in tasks:
            task.delay()
        time.sleep(BEAT_EVERY)
    raise TimeoutError(f"not recovered after {timeout:.0f}s")


def beat_tasks():
    return (advance_due_rounds, reconcile_jobs)


def job_finished(job: JobRun) -> Callable[[], bool]:
    def check() -> bool:
        job.refresh_from_db()
        return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    return check


def record_recovery(name: str, **figures) -> None:
    """Recovery figures of one fault, for docs/reliability.md (test-artifacts/faults.jsonl)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "faults.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"fault": name, **figures}, ensure_ascii=False) + "\n")


def blocked_backend_pids() -> list[int]:
    """The sessions of the test database waiting on a lock (the worker, mid-chunk)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select pid from pg_stat_activity where datname = %s and wait_event_type = 'Lock'",
            [connection.settings_dict["NAME"]],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server this test owns, without persistence (as .ci/services runs Redis), on a
    free port: restarting it never touches the Redis other tests or engineers use."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # no save, no goodbye: whatever it held is gone
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def queued(self) -> int:
        import redis

        client = redis.Redis(port=self.port)
        try:
            return client.llen("celery")
        finally:
            client.close()


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        skip_or_fail("needs the redis-server binary (.ci/run installs it)")
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """This process sends its tasks to `url` (and reads results there) for the block."""
    conf = celery_app.conf
    previous = (conf.broker_url, conf.result_backend)

    def switch(broker: str, backend: str) -> None:
        # kombu keeps one pool per connection in a registry: reset it, or the pool of the
        # first URL would come back closed.
        kombu.pools.reset()
        conf.broker_url, conf.result_backend = broker, backend
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.__dict__.pop("backend", None)
        celery_app._local.__dict__.pop("backend", None)

    switch(url, url)
    try:
        yield
    finally:
        switch(*previous)
