"""Workflow selectors (reads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from workflow.models import AnnualRound, Application, AuditEvent, Phase


def round_current(*, now: dt.datetime | None = None) -> AnnualRound | None:
    """The round shown in page headers: the latest one not closed, else the latest."""
    return (
        AnnualRound.objects.exclude(phase=Phase.CLOSED).order_by("-year").first()
        or AnnualRound.objects.order_by("-year").first()
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
