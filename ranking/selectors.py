"""Ranking selectors (reads)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef

from ranking.models import RankingRun, RankingStatus
from workflow.models import PUBLISHED_STATES, Application


@dataclass(frozen=True, slots=True)
class PublishedCutoff:
    year: int
    cutoff: Decimal


def cutoffs_published(*, limit: int = 3) -> list[PublishedCutoff]:
    """The cutoffs of the latest published years, newest first.

    A round's list is published once any of its applications is on or past it
    (PUBLISHED_STATES, as `AnnualRound.quota_locked` says); from then on the ranking can no
    longer be re-run, so the current run's cutoff is the published one. Read from ranking's
    own runs: ranking never reads the publicity app (it builds on ranking, not the reverse).
    """
    published = Application.objects.filter(round=OuterRef("round"), state__in=PUBLISHED_STATES)
    rows = (
        RankingRun.objects.filter(
            is_current=True, status=RankingStatus.SUCCEEDED, cutoff__isnull=False
        )
        .filter(Exists(published))
        .order_by("-round__year")
        .values_list("round__year", "cutoff")[:limit]
    )
    return [PublishedCutoff(year=year, cutoff=cutoff) for year, cutoff in rows]


@dataclass(frozen=True, slots=True)
class CutoffComparison:
    """An estimate against one year's published cutoff, for the simulator's result."""

    year: int
    cutoff: Decimal
    estimate: Decimal

    @property
    def difference(self) -> Decimal:
        return self.estimate - self.cutoff

    @property
    def gap(self) -> Decimal:
        return abs(self.difference)


def estimate_against_cutoffs(*, estimate: Decimal, limit: int = 3) -> list[CutoffComparison]:
    """The estimate against the latest published cutoffs, newest year first."""
    return [
        CutoffComparison(year=c.year, cutoff=c.cutoff, estimate=estimate)
        for c in cutoffs_published(limit=limit)
    ]


def ranking_current(round: object) -> dict[str, object] | None:
    """The round's current ranking for the portal: cut-off, quota and admitted count (registered
    with workflow.extensions, so the core shows it without importing ranking)."""
    run = RankingRun.objects.filter(round=round, is_current=True).first()
    if run is None:
        return None
    return {
        "cutoff": run.cutoff,
        "admitted_count": run.admitted_count,
        "quota": run.quota,
        "run": run,
    }
