"""Phase jobs' progress: the figure an administrator reads in advance_round / load_demo."""

import pytest

from tests import factories
from workflow.jobs import job_run_once
from workflow.models import AppState, JobStatus, Phase
from workflow.phase_jobs import publicize_ranked

pytestmark = pytest.mark.django_db


def test_publicize_ranked_counts_admitted_and_not_admitted_against_one_total():
    # Regression: the total was the admitted applications only while done counted both
    # passes, so the demo printed "1849/100".
    round = factories.RoundFactory(year=2020, quota=2, phase=Phase.PUBLICITY)
    admitted = [
        factories.ApplicationFactory(round=round, state=AppState.RANKED, admitted=True)
        for _ in range(2)
    ]
    not_admitted = [
        factories.ApplicationFactory(round=round, state=AppState.RANKED, admitted=False)
        for _ in range(3)
    ]

    job_run = job_run_once(
        key="test:publicize_ranked",
        kind="phase_enter",
        round=round,
        run=lambda run: publicize_ranked(round_id=round.pk, job_run_id=run.pk),
    )

    job_run.refresh_from_db()
    assert job_run.status == JobStatus.SUCCEEDED
    assert (job_run.done, job_run.total) == (5, 5)
    assert {a.state for a in round.applications.filter(pk__in=[a.pk for a in admitted])} == {
        AppState.PUBLICIZED
    }
    assert {a.state for a in round.applications.filter(pk__in=[a.pk for a in not_admitted])} == {
        AppState.NOT_ADMITTED
    }


def test_a_shared_job_goes_on_alone_when_no_helper_can_be_asked(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Helpers are optional: with the broker unable to take the request (Redis down), the
    job moves every application in the advancing process instead of stopping the round."""
    import time_machine

    from tests.workflow.conftest import at
    from workflow import jobs, phase_jobs
    from workflow.models import JobRun
    from workflow.tasks import help_phase_job

    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    for _ in range(5):
        factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
    monkeypatch.setattr(phase_jobs, "_workers_separate", lambda: True)

    def broker_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(help_phase_job, "delay", broker_down)
    real_chunks = jobs.job_run_chunks
    monkeypatch.setattr(
        phase_jobs, "job_run_chunks", lambda **kw: real_chunks(**(kw | {"chunk_size": 2}))
    )
    job_run = JobRun.objects.create(key="test:begin_review", kind="phase_enter", round=round)
    job_run.status = JobStatus.RUNNING
    job_run.save()

    with (
        time_machine.travel(at(2020, 8, 20), tick=False),
        django_capture_on_commit_callbacks(execute=True) as asked,
    ):
        phase_jobs.run_phase_job(
            round=round, job_run=job_run, dotted_path="workflow.phase_jobs.begin_review"
        )
    assert len(asked) >= 2  # the helpers were asked for (and the broker refused)

    assert set(round.applications.values_list("state", flat=True)) == {AppState.UNDER_REVIEW}
    job_run.refresh_from_db()
    assert (job_run.done, job_run.total) == (5, 5)


def test_a_helper_stops_once_its_owner_run_is_no_longer_running():
    import time_machine

    from tests.workflow.conftest import at
    from workflow.jobs import job_run_helping
    from workflow.models import JobRun
    from workflow.phase_jobs import begin_review

    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
    job_run = JobRun.objects.create(
        key="test:begin_review", kind="phase_enter", round=round, status=JobStatus.FAILED
    )
    with time_machine.travel(at(2020, 8, 20), tick=False), job_run_helping():
        begin_review(round_id=round.pk, job_run_id=job_run.pk)
    assert round.applications.get().state == AppState.SUBMITTED
