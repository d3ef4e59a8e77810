"""A whole round through a real worker (issue 9): `simulate_round` on PostgreSQL with Redis
and a worker process, so the departments' batch loads and the verification chunks are
queued in Redis and done by the worker, and the beat tasks run there too; the round still
closes with nothing left open and the published list the admitted."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from publicity.tasks import forfeit_expired_qualifications
from workflow.models import AnnualRound, JobRun, JobStatus, Phase
from workflow.tasks import advance_due_rounds

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_a_simulated_round_closes_through_the_worker(start_worker, tmp_path):
    worker = start_worker(concurrency=2)
    summary_path = tmp_path / "summary.json"
    call_command(
        "simulate_round",
        "--year",
        "2037",
        "--applicants",
        "240",
        "--seed",
        "3",
        "--summary",
        str(summary_path),
    )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary["phase"] == Phase.CLOSED
    assert (summary["claims_open"], summary["appeals_open"], summary["objections_open"]) == (
        0,
        0,
        0,
    )
    assert summary["admitted"] >= summary["quota"]
    assert summary["qualified"] >= 1
    assert summary["settled"] == 1

    log = worker.log()
    # The work the round queued went through Redis to the worker, and finished there.
    assert "review.tasks.verify_applications" in log
    assert "succeeded" in log
    round = AnnualRound.objects.get(year=2037)
    assert not JobRun.objects.filter(round=round).exclude(status=JobStatus.SUCCEEDED).exists()

    # The beat tasks run on the worker: nothing is due for the closed round, nothing expired.
    assert advance_due_rounds.delay().get(timeout=120) == []
    assert forfeit_expired_qualifications.delay().get(timeout=120) == 0
    assert "workflow.tasks.advance_due_rounds" in worker.log()
