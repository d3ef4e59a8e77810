"""Celery tasks: thin; they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from ranking.models import RankingRun
from ranking.services import ranking_run_publishable, round_rank
from workflow.models import AnnualRound, JobRun


@shared_task(name="ranking.tasks.rank_round", acks_late=True)
def rank_round(*, round_id: int, job_run_id: int | None = None) -> str:
    """Phase job (leaving 部门复核及积分排名): rank the round (同分同落). Idempotent."""
    round = AnnualRound.objects.get(pk=round_id)
    job_run = JobRun.objects.get(pk=job_run_id) if job_run_id is not None else None
    current = RankingRun.objects.filter(round=round, is_current=True).first()
    if current is not None and ranking_run_publishable(current):
        # Ranked and approved by the city before the phase ended (细则第十条), and nothing
        # changed since: that list is the one to publish; a new run would need a new approval.
        return current.message
    run = round_rank(round=round, job_run=job_run)
    return run.message
