"""A real Celery worker process for the integration tests, pointed at pytest's test database.

The worker is a separate `celery -A config worker -P prefork` process: it imports the project
the way production does, talks to the same Redis as this test process and to the PostgreSQL
test database pytest-django created. Tests that use it need `transaction=True`, because the
worker only sees committed rows.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import _state as celery_state
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from config.celery import ping
from tests.environment import skip_or_fail

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "worker-logs"
READY_TIMEOUT = 60.0


def _test_database_url() -> str:
    """DATABASE_URL of the test database (pytest-django renamed NAME when it created it)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _discard_stale_messages() -> None:
    """Empty the default queue and the unacknowledged set left by earlier runs.

    Unit tests may have queued tasks with no worker listening, and an earlier crashed run may
    have left unacked messages that a new worker would restore; neither belongs to this test.
    """
    import redis

    celery_app.control.purge()
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("unacked", "unacked_index", "unacked_mutex")
    client.close()


@dataclass
class WorkerProcess:
    """One `celery worker` process group: the main process and its prefork pool children."""

    hostname: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Ready means: it answers a control ping *and* runs a task end to end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_alive():
                raise RuntimeError(f"celery worker exited early:\n{self.log()}")
            if celery_app.control.ping(destination=[self.hostname], timeout=0.5):
                break
        else:
            raise TimeoutError(f"celery worker not ready after {timeout}s:\n{self.log()}")
        remaining = max(deadline - time.monotonic(), 5.0)
        assert ping.delay().get(timeout=remaining) == "pong"

    def kill_everything(self) -> None:
        """SIGKILL the whole process group: the machine-died case, nothing gets to clean up."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL whatever is left of the group."""
        if self.is_alive():
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def _eager_off() -> Iterator[None]:
    # Unit tests run tasks in-process; here .delay() must go through Redis to the worker.
    # These tests wait on the worker's results. Celery's eager apply_async sets and restores
    # a process-global "joining would block" flag around each call; threads enqueueing at
    # once (tests/workflow/test_declaration_deadline.py) can leave it set, and every
    # result.get() here would then be refused ("Never call result.get() within a task!").
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    celery_state._set_task_join_will_block(False)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous
        celery_state._set_task_join_will_block(False)


@pytest.fixture
def start_worker(transactional_db, request) -> Iterator:
    """Factory: `start_worker(**env)` starts a ready worker; all are stopped after the test.

    Extra keyword arguments become environment variables of the worker (e.g.
    `CELERY_VISIBILITY_TIMEOUT="2"`).
    """
    if not settings.REDIS_URL:
        skip_or_fail("needs REDIS_URL (run `make services` and export its lines)")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (DATABASE_URL): the worker is another process")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    workers: list[WorkerProcess] = []

    def start(concurrency: int = 1, **extra_env: str) -> WorkerProcess:
        hostname = f"test-{uuid.uuid4().hex[:8]}@%h"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        log_path = ARTIFACTS / f"{request.node.name}-{len(workers)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-P",
                    "prefork",
                    f"--concurrency={concurrency}",
                    "-n",
                    hostname,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "info",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so one killpg takes it all
            )
        worker = WorkerProcess(
            hostname=hostname.replace("%h", os.uname().nodename),
            process=process,
            log_path=log_path,
        )
        workers.append(worker)
        worker.wait_ready()
        return worker

    with _eager_off():
        _discard_stale_messages()
        try:
            yield start
        finally:
            for worker in workers:
                worker.stop()
            _discard_stale_messages()
