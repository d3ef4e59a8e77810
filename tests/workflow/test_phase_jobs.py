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
