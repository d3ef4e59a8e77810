"""Celery tasks: thin; they take ids, call a service, own their retries.

acks_late (settings) + reject_on_worker_lost: a chunk whose worker dies is redelivered; the
chunk is one transaction with its done-marker (its own JobRun row, locked while it runs), so
the redelivery either finds it done or redoes it from scratch. What the broker loses
altogether (Redis restarted, the whole worker gone) the reconciliation enqueues again from
those rows (workflow.reconcile, registered in review/apps.py).
"""

from __future__ import annotations

from celery import shared_task

from workflow.models import AnnualRound, JobRun
from workflow.tasks import JobTask

# Retried on a lost database connection (psycopg's own errors too), with a fresh connection.
# Their progress is in their JobRun rows; nobody awaits a result (storing one made every
# sender subscribe to its result channel in Redis).
RETRY = {"base": JobTask, "ignore_result": True}


def chunk_failed(*, kwargs: dict, reason: str) -> None:
    from workflow.jobs import job_chunk_fail

    job_chunk_fail(chunk_id=kwargs["chunk_id"], reason=reason)


def batch_failed(*, kwargs: dict, reason: str) -> None:
    from review.services.imports import batch_fail

    batch_fail(batch_id=kwargs["batch_id"], reason=reason)


@shared_task(name="review.tasks.verify_chunk", job_failed="review.tasks.chunk_failed", **RETRY)
def verify_chunk(*, chunk_id: int) -> dict:
    """One planned chunk of a verification run (its applications are on its JobRun row)."""
    from review.services.verification import verification_run_chunk

    return verification_run_chunk(chunk=JobRun.objects.get(pk=chunk_id)).__dict__


@shared_task(name="review.tasks.verify_applications", **RETRY)
def verify_applications(*, round_id: int, application_ids: list[int] | None = None) -> int | None:
    """Verify as claims or records arrive (declaration phase): a new run for these applications."""
    from review.services.verification import verification_for_applications

    return verification_for_applications(
        round=AnnualRound.objects.get(pk=round_id), application_ids=application_ids
    )


@shared_task(name="review.tasks.load_batch", job_failed="review.tasks.batch_failed", **RETRY)
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
