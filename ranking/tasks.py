"""Celery tasks: thin; they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from ranking.models import RankingRun
from ranking.services import ranking_preview, ranking_run_publishable, round_rank
from workflow.exceptions import DomainError
from workflow.jobs import job_run_fail
from workflow.models import AnnualRound, JobRun, JobStatus


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


@shared_task(name="ranking.tasks.preview_ranking", acks_late=True)
def preview_ranking(*, round_id: int, job_run_id: int, actor_id: int) -> str:
    """试算 from the administrator's ranking page; its RankingRun (status preview) carries the
    figures the page asks the administrator to confirm. Idempotent by the job's key."""
    return _run_for(
        job_run_id=job_run_id,
        actor_id=actor_id,
        work=lambda round, actor, job_run: ranking_preview(
            round=round, actor=actor, job_run=job_run
        ),
        round_id=round_id,
    )


@shared_task(name="ranking.tasks.rank_round_confirmed", acks_late=True)
def rank_round_confirmed(*, round_id: int, job_run_id: int, actor_id: int) -> str:
    """The ranking the administrator confirmed on the ranking page, in their name."""
    return _run_for(
        job_run_id=job_run_id,
        actor_id=actor_id,
        work=lambda round, actor, job_run: round_rank(round=round, actor=actor, job_run=job_run),
        round_id=round_id,
    )


def _run_for(*, round_id: int, job_run_id: int, actor_id: int, work) -> str:
    from django.contrib.auth import get_user_model

    from workflow.jobs import job_run_once

    round = AnnualRound.objects.get(pk=round_id)
    actor = get_user_model().objects.get(pk=actor_id)
    job_run = JobRun.objects.get(pk=job_run_id)
    try:
        done = job_run_once(
            key=job_run.key,
            kind=job_run.kind,
            round=round,
            run=lambda job_run: work(round, actor, job_run),
        )
    except DomainError as exc:
        # A refusal (an appeal decided meanwhile, the list published): the page shows why.
        job_run_fail(job_run=job_run, error=exc.message)
        return JobStatus.FAILED
    return done.status
