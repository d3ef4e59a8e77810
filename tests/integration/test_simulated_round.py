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


def test_a_simulated_round_closes_through_the_worker(start_worker, tmp_path, monkeypatch):
    # Every department batch goes to the worker, however small (a real round's are large).
    monkeypatch.setattr("review.services.imports.INLINE_MAX_BYTES", 0)
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
    # Issue 13: each phase's peak memory, of the driver and of the worker's processes (its
    # main process and the two of its pool), all well under the 1 GB each may use.
    for peaks in summary["peak_mb"].values():
        assert 10 < peaks["driver"] < 1024
        assert 10 < peaks["worker"] < 1024
        assert peaks["worker_processes"] == 3

    log = worker.log()
    # The work the round queued went through Redis to the worker, and finished there.
    assert "review.tasks.verify_applications" in log
    assert "review.tasks.load_batch" in log
    assert "succeeded" in log
    round = AnnualRound.objects.get(year=2037)
    assert not JobRun.objects.filter(round=round).exclude(status=JobStatus.SUCCEEDED).exists()

    # The beat tasks run on the worker: nothing is due for the closed round, nothing expired.
    assert advance_due_rounds.delay().get(timeout=120) == []
    assert forfeit_expired_qualifications.delay().get(timeout=120) == 0
    assert "workflow.tasks.advance_due_rounds" in worker.log()


def test_ranking_publication_and_qualification_run_on_the_worker(start_worker):
    # Beat's task goes through Redis; on the worker it ranks (leaving 部门复核及积分排名),
    # publishes (entering 公示) and, once the 7 days are over, qualifies.
    import datetime as dt

    from django.utils import timezone

    from publicity.models import Publication
    from ranking.importing import facts_import
    from ranking.models import RankingRun
    from ranking.services import ranking_run_approve
    from tests import factories
    from tests.publicity.helpers import facts, lines
    from workflow.models import Application, AppState, default_windows

    now = timezone.now()
    windows = default_windows(now.year - 1)
    # Shift the timetable so the 公示 window opened a minute ago.
    shift = now - dt.timedelta(minutes=1) - windows["publicity_opens_at"]
    round = factories.RoundFactory(
        year=2038,
        quota=2,
        phase=Phase.RECHECK_RANKING,
        **{k: v + shift for k, v in windows.items()},
    )
    people = [facts(i, year=2038, insurance_from=f"2012-0{i}") for i in range(1, 5)]
    assert not facts_import(round=round, lines=lines(*people)).errors
    worker = start_worker()

    # Leaving 部门复核及积分排名 ranks; the list waits in 公示 for the city's approval
    # (细则第十条), named in the report; once approved, the next beat publishes it.
    report = advance_due_rounds.delay().get(timeout=120)
    assert len(report) == 1
    assert "不能发布公示名单" in report[0]
    run = RankingRun.objects.get(round=round, is_current=True)
    ranking_run_approve(
        run=run, document_number="京政函〔2038〕1号", actor=factories.city_approver()
    )
    assert advance_due_rounds.delay().get(timeout=120) == []
    round.refresh_from_db()
    assert round.phase == Phase.PUBLICITY
    assert RankingRun.objects.get(round=round, is_current=True).admitted_count == 2
    assert Publication.objects.get(round=round).admitted_count == 2
    assert Application.objects.filter(round=round, state=AppState.PUBLICIZED).count() == 2
    log = worker.log()
    assert "workflow.tasks.advance_due_rounds" in log
    assert "succeeded" in log
