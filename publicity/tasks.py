"""Celery tasks: thin; they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from publicity.services import (
    publication_prepare,
    publicity_publish,
    publicity_qualify_round,
    qualifications_forfeit_expired,
)
from workflow.models import AnnualRound


@shared_task(name="publicity.tasks.publish_round", acks_late=True)
def publish_round(*, round_id: int, job_run_id: int | None = None) -> str:
    """Phase job (entering 公示): publish the list for 7 days, store its downloads and render
    its pages into the shared cache, so the first visitors get prepared files and pages.
    Idempotent."""
    publication = publicity_publish(round=AnnualRound.objects.get(pk=round_id))
    publication_prepare(publication=publication)
    return f"{publication.admitted_count} 人公示至 {publication.closes_at:%Y-%m-%d %H:%M}"


@shared_task(name="publicity.tasks.qualify_round", acks_late=True)
def qualify_round(*, round_id: int, job_run_id: int | None = None) -> int:
    """Phase job (公示期满): qualify the listed applicants without objections. Idempotent."""
    return publicity_qualify_round(round=AnnualRound.objects.get(pk=round_id))


@shared_task(name="publicity.tasks.forfeit_expired_qualifications", acks_late=True)
def forfeit_expired_qualifications() -> int:
    """Beat, daily (PeriodicTask seeded by publicity migration 0003). Idempotent."""
    return qualifications_forfeit_expired(label="beat")
