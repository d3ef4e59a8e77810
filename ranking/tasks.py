"""Celery tasks: thin; they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from ranking.services import round_rank
from workflow.models import AnnualRound, JobRun


@shared_task(name="ranking.tasks.rank_round", acks_late=True)
def rank_round(*, round_id: int, job_run_id: int | None = None) -> str:
    """Phase job (leaving 部门复核及积分排名): rank the round (同分同落). Idempotent."""
    round = AnnualRound.objects.get(pk=round_id)
    job_run = JobRun.objects.get(pk=job_run_id) if job_run_id is not None else None
    run = round_rank(round=round, job_run=job_run)
    return run.message
