"""Workflow selectors (reads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from workflow.models import AnnualRound, Application, AuditEvent, Phase


def round_current(*, now: dt.datetime | None = None) -> AnnualRound | None:
    """The round the site is about at `now`: every page header, the applicant's and the
    unit's pages, the review queues and the simulator's default year go through this.

    In order:
    1. a round whose timetable contains `now` (declaration opens <= now <= publicity
       closes), so a round created early for next year never hides the running one;
    2. else a round in progress by its phase (beat has not closed it yet, or an
       administrator moved it on early);
    3. else, between rounds, the next one scheduled (its header tells when declaration opens);
    4. else the latest (closed) round.
    Where two rounds qualify in 1 or 2 (last year's publicity still running while this
    year's declaration is open, as in the demo), the newer: its applicants are acting now,
    and last year's list keeps its own page under its year.
    """
    now = timezone.now() if now is None else now
    newest_first = AnnualRound.objects.order_by("-year")
    return (
        newest_first.filter(declaration_opens_at__lte=now, publicity_closes_at__gte=now).first()
        or newest_first.exclude(phase__in=[Phase.SCHEDULED, Phase.CLOSED]).first()
        or AnnualRound.objects.filter(phase=Phase.SCHEDULED, declaration_opens_at__gt=now)
        .order_by("year")
        .first()
        or newest_first.first()
    )


def round_get(*, year: int) -> AnnualRound | None:
    return AnnualRound.objects.filter(year=year).first()


def round_state_counts(*, round: AnnualRound) -> dict[str, int]:
    rows = (
        Application.objects.filter(round=round)
        .values("state")
        .annotate(n=Count("id"))
        .order_by("state")
    )
    return {row["state"]: row["n"] for row in rows}


def application_for(*, round: AnnualRound, user: Any) -> Application | None:
    return Application.objects.filter(round=round, applicant__user=user).first()


def audit_trail(*, obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("at", "id")
    )
