"""Celery tasks: thin; they take ids, call a service, own their retries.

acks_late (settings) + reject_on_worker_lost: a chunk whose worker dies is redelivered; the
chunk is one transaction with its done-marker, so the redelivery either finds it done or
redoes it from scratch.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from workflow.models import AnnualRound, JobRun

RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


@shared_task(name="review.tasks.verify_chunk", **RETRY)
def verify_chunk(
    *, job_run_id: int, round_id: int, chunk_index: int, application_ids: list[int]
) -> dict:
    from review.services.verification import verification_run_chunk

    stats = verification_run_chunk(
        job_run=JobRun.objects.get(pk=job_run_id),
        round=AnnualRound.objects.get(pk=round_id),
        chunk_index=chunk_index,
        application_ids=application_ids,
    )
    return stats.__dict__


@shared_task(name="review.tasks.verify_applications", **RETRY)
def verify_applications(*, round_id: int, application_ids: list[int] | None = None) -> int | None:
    """Verify as claims or records arrive (declaration phase): a new run for these applications."""
    from review.services.verification import verification_for_applications

    return verification_for_applications(
        round=AnnualRound.objects.get(pk=round_id), application_ids=application_ids
    )


@shared_task(name="review.tasks.load_batch", **RETRY)
def load_batch(*, batch_id: int) -> str:
    from review.models import ImportBatch
    from review.services.imports import batch_load

    return batch_load(batch=ImportBatch.objects.get(pk=batch_id)).status


def verify_round(*, round_id: int, job_run_id: int) -> None:
    """Phase job (workflow.phase_jobs, entering aggregation): verify every submitted application.

    Plans the chunks under the phase's own key (so a re-run of the phase job does not plan
    twice) and enqueues them; the workers report progress on that JobRun.
    """
    from review.services.verification import verification_start

    round = AnnualRound.objects.get(pk=round_id)
    verification_start(round=round, key=f"verify:{round.year}:aggregation")
