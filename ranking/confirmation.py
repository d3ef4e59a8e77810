"""积分排名 from the back office (细则第十条): 试算, then a ranking only on a confirmed 试算.

The administrator presses 试算: a background job computes the ranking exactly as it would be
written (`ranking_preview`) and keeps the figures as a RankingRun of status "preview". The
page states them — quota, cutoff, ties at the cutoff, admitted, eligible, ineligible, how many
results change — and the administrator confirms that 试算, and only the newest one: a
ranking run after another 试算 or ranking would confirm figures nobody has seen. The
confirmed ranking runs as a job too, in the administrator's name, and the page says whether
it came out as the 试算 said (facts may change between the two only by a decision, which
the page then names).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ranking.models import RankingApproval, RankingRun, RankingStatus
from ranking.services import ranking_refusals, ranking_run_unpublishable_reason
from ranking.tasks import preview_ranking, rank_round_confirmed
from workflow.exceptions import DomainError
from workflow.models import AnnualRound, JobRun, JobStatus
from workflow.services import (
    audit_record,
    now_or,
    quota_approval_current,
    require_system_or_admin,
)

PREVIEW_KIND = "rank_preview"
RANK_KIND = "rank_admin"


def ranking_job_start(*, round: AnnualRound, actor: Any, preview: bool) -> JobRun:
    """Queue a 试算 or a confirmed ranking; each press is a job of its own (a new key)."""
    require_system_or_admin(actor, action="试算积分排名" if preview else "进行积分排名")
    kind = PREVIEW_KIND if preview else RANK_KIND
    busy = JobRun.objects.filter(
        round=round,
        kind__in=[PREVIEW_KIND, RANK_KIND],
        status__in=[JobStatus.PENDING, JobStatus.RUNNING],
    ).first()
    if busy is not None:
        what = "试算" if busy.kind == PREVIEW_KIND else "积分排名"
        raise DomainError(f"{round.year}年度的{what}正在进行中，请等它完成后再操作。")
    job_run = JobRun.objects.create(
        key=f"{kind}:{round.year}:{uuid.uuid4().hex}", kind=kind, round=round
    )
    task = preview_ranking if preview else rank_round_confirmed
    arguments = {"round_id": round.pk, "job_run_id": job_run.pk, "actor_id": actor.pk}
    transaction.on_commit(lambda: task.delay(**arguments))
    return job_run


def _superseded(preview: RankingRun) -> bool:
    """A 试算 or a ranking came after this 试算: its figures are no longer what would run."""
    return RankingRun.objects.filter(
        round_id=preview.round_id,
        pk__gt=preview.pk,
        status__in=[RankingStatus.PREVIEW, RankingStatus.SUCCEEDED],
    ).exists()


def ranking_confirm(
    *,
    round: AnnualRound,
    actor: Any,
    preview_id: Any,
    checked: bool,
    now: dt.datetime | None = None,
) -> JobRun:
    """Start the ranking the administrator confirmed, on the newest 试算 only (audited)."""
    require_system_or_admin(actor, action="进行积分排名")
    if not checked:
        raise DomainError("请先勾选“我已核对以上试算结果”，再开始积分排名。")
    preview = RankingRun.objects.filter(
        round=round, status=RankingStatus.PREVIEW, pk=preview_id if str(preview_id).isdigit() else 0
    ).first()
    if preview is None:
        raise DomainError("没有找到要确认的试算结果，请先试算。")
    if _superseded(preview):
        raise DomainError("这次试算之后已有新的试算或排名，请按最新的试算结果确认。")
    if preview.quota != round.quota:
        raise DomainError(
            f"试算之后年度落户规模已由 {preview.quota} 人改为 {round.quota} 人，请重新试算。"
        )
    with transaction.atomic():
        job_run = ranking_job_start(round=round, actor=actor, preview=False)
        audit_record(
            actor=actor,
            action="ranking.confirm",
            obj=preview,
            now=now_or(now),
            round_year=round.year,
            reason=f"确认试算 #{preview.pk} 后开始积分排名：{preview.message}",
            after={
                "quota": preview.quota,
                "cutoff": preview.cutoff,
                "admitted_count": preview.admitted_count,
                "ties_at_cutoff": preview.ties_at_cutoff,
                "job_run": job_run.pk,
            },
        )
    return job_run


@dataclass
class JobView:
    job_run: JobRun
    run: RankingRun | None

    @property
    def running(self) -> bool:
        return self.job_run.status in (JobStatus.PENDING, JobStatus.RUNNING)

    @property
    def seconds(self) -> int:
        started = self.job_run.started_at or self.job_run.created_at
        end = self.job_run.finished_at or timezone.now()
        return max(0, int((end - started).total_seconds()))


def _latest(round: AnnualRound, kind: str) -> JobView | None:
    job_run = JobRun.objects.filter(round=round, kind=kind).order_by("-created_at", "-id").first()
    if job_run is None:
        return None
    return JobView(job_run, RankingRun.objects.filter(job_run=job_run).first())


def ranking_page(*, round: AnnualRound, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the ranking page shows, for the round as it is now."""
    now = now_or(now)
    current = RankingRun.objects.filter(round=round, is_current=True).first()
    preview, ranked = _latest(round, PREVIEW_KIND), _latest(round, RANK_KIND)
    confirmable = preview is not None and preview.run is not None and not _superseded(preview.run)
    differs = None
    if ranked is not None and ranked.run is not None and preview is not None and preview.run:
        a, b = preview.run, ranked.run
        if (a.cutoff, a.admitted_count, a.ties_at_cutoff) != (
            b.cutoff,
            b.admitted_count,
            b.ties_at_cutoff,
        ):
            differs = "排名结果与确认的试算不同：试算之后有核定结果改变（见审计记录）。"
    return {
        "round": round,
        "quota_approval": quota_approval_current(round),
        "refusals": [exc.message for exc in ranking_refusals(round=round, now=now)],
        "current": current,
        "current_approval": RankingApproval.objects.filter(run=current).first()
        if current
        else None,
        "unpublishable": ranking_run_unpublishable_reason(current, year=round.year),
        "preview": preview,
        "ranked": ranked,
        "confirmable": confirmable,
        "differs": differs,
        "busy": any(j is not None and j.running for j in (preview, ranked)),
    }
