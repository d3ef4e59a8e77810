"""Scores stored when results become final (import, finalize_results) are what the ranking
orders; a score stored before the facts were final is never taken for one; an import that
fails on a late line writes nothing, however many batches it had written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ranking import importing, services
from ranking.importing import facts_import
from tests import factories
from tests.publicity.helpers import facts, lines, total_of
from workflow.models import AnnualRound, Applicant, Application, AppState, JobRun, Phase
from workflow.phase_jobs import finalize_results

pytestmark = pytest.mark.django_db

INSURANCE_FROM = ("2009-07", "2010-03", "2011-05")


@pytest.fixture
def items():
    return [facts(i, insurance_from=start) for i, start in enumerate(INSURANCE_FROM, 1)]


@pytest.fixture
def round_2020(db, items):
    round = factories.RoundFactory(year=2020, quota=2)
    assert not facts_import(round=round, lines=lines(*items)).errors
    return round


def totals_by_person(round):
    return {
        a.applicant.id_number: str(a.total_points)
        for a in round.applications.select_related("applicant")
    }


def expected_totals(items):
    return {item["person"]["id_number"]: total_of(item) for item in items}


def test_finalize_results_stores_each_total_before_any_ranking(round_2020, items):
    # As if the round had gone through review: results published, nothing scored yet.
    round_2020.applications.update(
        state=AppState.RESULTS_PUBLISHED, total_points=None, score_explanation=None
    )
    AnnualRound.objects.filter(pk=round_2020.pk).update(phase=Phase.RECHECK_RANKING)
    round_2020.refresh_from_db()
    job = JobRun.objects.create(kind="phase", key="test:finalize", round=round_2020)
    finalize_results(round_id=round_2020.pk, job_run_id=job.pk)
    assert set(round_2020.applications.values_list("state", flat=True)) == {AppState.FINAL}
    assert totals_by_person(round_2020) == expected_totals(items)
    run = services.round_rank(round=round_2020)
    assert (run.admitted_count, run.eligible_count) == (2, 3)
    assert totals_by_person(round_2020) == expected_totals(items)


def test_a_running_score_from_before_the_results_were_final_is_scored_again(round_2020, items):
    # A reviewer's running score (the worded explanation, no ranking basis) with a total the
    # final facts no longer give: the ranking scores that application from its claims.
    stale = round_2020.applications.order_by("pk").first()
    Application.objects.filter(pk=stale.pk).update(
        total_points=Decimal("999.00"),
        score_explanation={"eligible": True, "reasons": [], "total": "999.00"},
    )
    services.round_rank(round=round_2020)
    assert totals_by_person(round_2020) == expected_totals(items)
    stale.refresh_from_db()
    assert stale.score_explanation["basis"] == "verified"


def test_a_bad_line_after_written_batches_imports_nothing(monkeypatch):
    round = factories.RoundFactory(year=2020, quota=2)
    monkeypatch.setattr(importing, "BATCH", 2)  # five lines: two batches written before line 5
    bad = facts(5)
    bad["housing"] = "nowhere"
    report = facts_import(round=round, lines=lines(*(facts(i) for i in range(1, 5)), bad))
    assert [str(error) for error in report.errors] == ["第 5 行：housing: 应为列表"]
    assert report.applications == 0
    assert not Application.objects.exists()
    assert not Applicant.objects.exists()
