"""What runs when a round enters or leaves a phase (细则第三条 phases).

The registry maps a phase to dotted paths of callables, run in order by
`workflow.services.round_advance`, each exactly once to success per round
(JobRun key ``phase:<year>:<phase>:<enter|exit>:<dotted path>``).

A job is called as ``job(round_id=<int>, job_run_id=<int>)``; a Celery task object
works too (called directly, it runs in the current process: round_advance is itself
run by the beat task on a worker). A job must be idempotent: select work by *state*,
use `workflow.jobs.job_run_chunks` for progress. Raising stops the round where it is;
the next advance (beat every minute, or `advance_round`) runs the job again.

Other apps add their jobs here (keep the order meaningful), e.g.
``PHASE_ENTER_JOBS[Phase.AGGREGATION].append("review.tasks.verify_round")`` and
``PHASE_EXIT_JOBS[Phase.RECHECK_RANKING].append("ranking.tasks.rank_round")``,
or call `register_phase_job` from an AppConfig.ready().
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.module_loading import import_string

from workflow.exceptions import PhaseJobFailed
from workflow.jobs import job_run_chunks, job_run_set_total
from workflow.models import (
    UNSUBMITTED_STATES,
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    IndicatorClaim,
    JobRun,
    Phase,
)

# Jobs run right after the round enters the phase.
PHASE_ENTER_JOBS: dict[str, list[str]] = {
    Phase.DECLARATION: [],
    # 细则第三条: 部门审核结果汇总 — the declaration is over.
    Phase.AGGREGATION: [
        "workflow.phase_jobs.close_unsubmitted",
        "workflow.phase_jobs.begin_review",
        # 细则第六条: departments verify by data exchange (review app: chunked Celery job).
        "review.tasks.verify_round",
    ],
    # 细则第八条: 审核结果查询 — applicants see their results.
    Phase.RESULT_QUERY: ["workflow.phase_jobs.publish_results"],
    Phase.RECHECK_RANKING: [],
    # 细则第十条: 公示 7 天
    Phase.PUBLICITY: ["publicity.tasks.publish_round", "workflow.phase_jobs.publicize_ranked"],
    # 细则第十条: 公示期满无异议的，取得年度积分落户资格 (one with an undecided objection waits)
    Phase.CLOSED: ["publicity.tasks.qualify_round"],
}

# Jobs run before the round leaves the phase; if one fails the round stays.
PHASE_EXIT_JOBS: dict[str, list[str]] = {
    Phase.SCHEDULED: [],
    Phase.DECLARATION: [],
    Phase.AGGREGATION: [],
    Phase.RESULT_QUERY: [],
    # 细则第三条 fourth phase: appeals decided, results fixed, then the ranking.
    Phase.RECHECK_RANKING: ["workflow.phase_jobs.finalize_results", "ranking.tasks.rank_round"],
    Phase.PUBLICITY: [],
}


def register_phase_job(
    phase: str, dotted_path: str, *, on: str = "enter", before: str | None = None
) -> None:
    """Add a job (idempotent); `before` puts it ahead of an already registered path."""
    registry = PHASE_ENTER_JOBS if on == "enter" else PHASE_EXIT_JOBS
    jobs = registry.setdefault(phase, [])
    if dotted_path in jobs:
        return
    if before is not None and before in jobs:
        jobs.insert(jobs.index(before), dotted_path)
    else:
        jobs.append(dotted_path)


def phase_jobs(phase: str, *, on: str = "enter") -> list[str]:
    registry = PHASE_ENTER_JOBS if on == "enter" else PHASE_EXIT_JOBS
    return list(registry.get(phase, []))


def phase_job_key(*, year: int, phase: str, on: str, dotted_path: str) -> str:
    return f"phase:{year}:{phase}:{on}:{dotted_path}"


def run_phase_job(*, round: AnnualRound, job_run: JobRun, dotted_path: str) -> None:
    import_string(dotted_path)(round_id=round.pk, job_run_id=job_run.pk)


# --- built-in jobs: state moves in bulk, one audit row per application ------------------


def bulk_transition(
    *,
    round_id: int,
    job_run_id: int,
    source: str | list[str],
    method: str,
    reason: str = "",
    extra_filter: dict | None = None,
    chunk_size: int = 500,
) -> None:
    """Move every application of the round in `source` through `Application.<method>`.

    The bulk form of the model transition (same source and target, checked against the
    FSM meta), chunked and resumable: a chunk's state update, its audit rows and its
    progress commit together.
    """
    round = AnnualRound.objects.get(pk=round_id)
    job_run = JobRun.objects.get(pk=job_run_id)
    sources = [source] if isinstance(source, str) else list(source)
    meta = getattr(Application, method)._django_fsm
    targets = {meta.get_transition(s).target for s in sources}
    if len(targets) != 1:
        raise ValueError(f"{method} has no single target from {sources}")
    target = targets.pop()
    pending = Application.objects.filter(round=round, state__in=sources, **(extra_filter or {}))

    def handle(objs: list[Application]) -> int:
        now = timezone.now()
        ids = [a.pk for a in objs]
        Application.objects.filter(pk__in=ids).update(state=target, updated_at=now)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                at=now,
                actor=None,
                actor_label="system",
                action=f"application.{method}",
                object_type=Application._meta.label_lower,
                object_id=str(a.pk),
                round_year=round.year,
                from_state=a.state,
                to_state=target,
                reason=reason,
                before={"state": a.state},
                after={"state": target},
            )
            for a in objs
        )
        return len(objs)

    job_run_chunks(job_run=job_run, pending=pending, handle=handle, chunk_size=chunk_size)


def close_unsubmitted(*, round_id: int, job_run_id: int) -> None:
    # Documented choice: an application not submitted by the deadline is withdrawn
    # (细则第五条: the declaration can only be changed or submitted in the declaration phase).
    from workflow.services.applications import NOT_SUBMITTED_REASON

    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=list(UNSUBMITTED_STATES),
        method="withdraw",
        reason=NOT_SUBMITTED_REASON,
    )


def begin_review(*, round_id: int, job_run_id: int) -> None:
    bulk_transition(
        round_id=round_id, job_run_id=job_run_id, source=AppState.SUBMITTED, method="begin_review"
    )


def publish_results(*, round_id: int, job_run_id: int) -> None:
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.UNDER_REVIEW,
        method="publish_results",
    )


def finalize_results(*, round_id: int, job_run_id: int) -> None:
    from workflow.services.applications import OPEN_CLAIM_STATES

    open_claims = IndicatorClaim.objects.filter(
        application=OuterRef("pk"), state__in=OPEN_CLAIM_STATES
    )
    blocked = Application.objects.filter(
        round_id=round_id, state=AppState.RESULTS_PUBLISHED
    ).filter(Exists(open_claims))
    count = blocked.count()
    if count:
        # 细则第三条: 部门复核 must finish before the ranking; never rank on open appeals.
        raise PhaseJobFailed(f"还有 {count} 份申请的指标复核或申诉尚未作出结论，不能确定审核结果。")
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.RESULTS_PUBLISHED,
        method="finalize",
    )


def publicize_ranked(*, round_id: int, job_run_id: int) -> None:
    # Ranked and admitted: publicized; ranked and not admitted: not_admitted.
    # Two passes share one JobRun: its total is every ranked application (what both passes
    # move together), set here before the first pass would set it to the admitted ones only.
    # A re-run keeps the first attempt's total and done, like job_run_chunks.
    job_run = JobRun.objects.get(pk=job_run_id)
    if job_run.total == 0 and job_run.done == 0:
        ranked = Application.objects.filter(round_id=round_id, state=AppState.RANKED).count()
        job_run_set_total(job_run=job_run, total=ranked)
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.RANKED,
        method="publicize",
        extra_filter={"admitted": True},
    )
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.RANKED,
        method="mark_not_admitted",
    )


def qualify_publicized(*, round_id: int, job_run_id: int) -> None:
    """Publicity over without an upheld objection: qualified for 2 years (细则第十条)."""
    round = AnnualRound.objects.get(pk=round_id)
    Application.objects.filter(round_id=round_id, state=AppState.PUBLICIZED).update(
        qualified_until=round.qualification_expires_on
    )
    bulk_transition(
        round_id=round_id, job_run_id=job_run_id, source=AppState.PUBLICIZED, method="qualify"
    )
