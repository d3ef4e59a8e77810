"""What runs when a round enters or leaves a phase (细则第三条 phases).

The registry maps a phase to dotted paths of callables, run in order by
`workflow.services.round_advance`, each exactly once to success per round
(JobRun key ``phase:<year>:<phase>:<enter|exit>:<dotted path>``).

A job is called as ``job(round_id=<int>, job_run_id=<int>)``; a Celery task object
works too (called directly, it runs in the current process: round_advance is itself
run by the beat task on a worker). A job must be idempotent: select work by *state*,
use `workflow.jobs.job_run_chunks` for progress. Raising stops the round where it is;
the next advance (beat every minute, or `advance_round`) runs the job again.

The mass jobs (`SHARED_JOBS`) are shared: while the advancing process runs one, up to
`PHASE_JOB_HELPERS` worker processes run it beside it, each chunk taken by whoever finds it
free (`workflow.jobs.job_run_chunks`).

The core names only its own jobs. Each app above it registers its jobs from its
AppConfig.ready() with `register_phase_job` (docs/architecture.md): review its verification
on entering aggregation, ranking its ranking on leaving recheck, publicity the publication
(before the core's publicize_ranked) and the qualification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string

from workflow.exceptions import PhaseJobFailed
from workflow.extensions import results_finalized
from workflow.jobs import (
    job_run_chunks,
    job_run_helped_by,
    job_run_helping,
    job_run_total_first,
)
from workflow.models import (
    UNSUBMITTED_STATES,
    AnnualRound,
    Application,
    AppState,
    ClaimState,
    IndicatorClaim,
    JobRun,
    JobStatus,
    Phase,
)
from workflow.services.transitions import transition_bulk

logger = logging.getLogger(__name__)

# Jobs run right after the round enters the phase.
PHASE_ENTER_JOBS: dict[str, list[str]] = {
    Phase.DECLARATION: [],
    # 细则第三条: 部门审核结果汇总 — the declaration is over. (review adds its verification.)
    Phase.AGGREGATION: [
        "workflow.phase_jobs.close_unsubmitted",
        "workflow.phase_jobs.begin_review",
    ],
    # 细则第八条: 审核结果查询 — applicants see their results.
    Phase.RESULT_QUERY: ["workflow.phase_jobs.publish_results"],
    Phase.RECHECK_RANKING: [],
    # 细则第十条: 公示 7 天 (publicity adds the publication before this).
    Phase.PUBLICITY: ["workflow.phase_jobs.publicize_ranked"],
    # 细则第十条: 公示期满无异议的，取得年度积分落户资格 (publicity adds its qualification job).
    Phase.CLOSED: [],
}

# Jobs run before the round leaves the phase; if one fails the round stays.
PHASE_EXIT_JOBS: dict[str, list[str]] = {
    Phase.SCHEDULED: [],
    Phase.DECLARATION: [],
    # 细则第六条: every claim decided before the results are shown (a round never leaves the
    # phase with items nobody may decide afterwards).
    # 补件 deadlines lie inside aggregation: the missed ones go back to their departments first.
    Phase.AGGREGATION: [
        "workflow.phase_jobs.expire_supplements",
        "workflow.phase_jobs.require_reviews_decided",
    ],
    Phase.RESULT_QUERY: [],
    # 细则第三条 fourth phase: appeals decided, results fixed, then the ranking.
    # (ranking adds the ranking after the results are fixed)
    Phase.RECHECK_RANKING: ["workflow.phase_jobs.finalize_results"],
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


# Jobs whose whole work is moving applications by state in `job_run_chunks` (and reading):
# run again beside their owner, they only take chunks nobody holds, so other worker
# processes may share them (`phase_job_help`). A job that plans, ranks or publishes once
# (the verification's planning, the ranking, the publication) is never on this list.
SHARED_JOBS = {
    "workflow.phase_jobs.close_unsubmitted",
    "workflow.phase_jobs.begin_review",
    "workflow.phase_jobs.publish_results",
    "workflow.phase_jobs.finalize_results",
    "workflow.phase_jobs.publicize_ranked",
}


def run_phase_job(*, round: AnnualRound, job_run: JobRun, dotted_path: str) -> None:
    job = import_string(dotted_path)
    helpers = settings.PHASE_JOB_HELPERS
    if dotted_path not in SHARED_JOBS or helpers <= 0 or not _workers_separate():
        job(round_id=round.pk, job_run_id=job_run.pk)
        return

    def request_help() -> None:
        from workflow.tasks import help_phase_job

        # Robust: helpers are optional, so a broker that cannot take the message (Redis
        # down) is logged and the owner carries on alone.
        for _ in range(helpers):
            transaction.on_commit(
                lambda: help_phase_job.delay(job_run_id=job_run.pk, dotted_path=dotted_path),
                robust=True,
            )

    # A phase job of 130,000 applications is minutes of one process's work (a chunk's moves,
    # audit rows and, finalizing, the scoring); the worker processes take chunks beside it.
    with job_run_helped_by(request_help):
        job(round_id=round.pk, job_run_id=job_run.pk)


def _workers_separate() -> bool:
    # Helpers need row locks to share chunks and a broker that runs them elsewhere: an eager
    # task would run the whole job inline before its owner starts.
    from workflow.tasks import help_phase_job

    return connection.vendor == "postgresql" and not help_phase_job.app.conf.task_always_eager


def phase_job_help(*, job_run_id: int, dotted_path: str) -> None:
    """A worker helps with a shared phase job while its owner runs it (`SHARED_JOBS`). A
    helper that arrives after the run ended, or fails, changes nothing: its chunk rolls back
    and the owner, which waits for every chunk held before it ends, does it."""
    if dotted_path not in SHARED_JOBS:
        return
    job_run = JobRun.objects.filter(pk=job_run_id, status=JobStatus.RUNNING).first()
    if job_run is None or job_run.round_id is None:
        return
    try:
        with job_run_helping():
            import_string(dotted_path)(round_id=job_run.round_id, job_run_id=job_run.pk)
    except Exception:
        logger.warning(
            "helping with %s failed; its owner does the rest", job_run.key, exc_info=True
        )


# --- built-in jobs: state moves in bulk, one audit row per application ------------------


def bulk_transition(
    *,
    round_id: int,
    job_run_id: int,
    source: str | list[str],
    method: str,
    reason: str = "",
    extra_filter: dict | None = None,
    exclude: dict | None = None,
    guard: str = "default",
    chunk_size: int = 500,
    after: Callable[[AnnualRound, list[int]], None] | None = None,
) -> None:
    """Move every application of the round in `source` through `Application.<method>` by the
    one transition mechanism (its declared guard, a conditional UPDATE, one audit row each),
    chunked and resumable: a chunk's moves, its audit rows and its progress commit together
    (with `after(round, ids)`, called on the chunk's ids in the same transaction)."""
    round = AnnualRound.objects.get(pk=round_id)
    job_run = JobRun.objects.get(pk=job_run_id)
    sources = [source] if isinstance(source, str) else list(source)
    pending = Application.objects.filter(round=round, state__in=sources, **(extra_filter or {}))
    if exclude:
        pending = pending.exclude(**exclude)

    def handle(objs: list[Application]) -> int:
        ids = [a.pk for a in objs]
        moved = transition_bulk(
            Application,
            method,
            round=round,
            ids=ids,
            now=timezone.now(),
            reason=reason,
            guard=guard,
            chunk_size=chunk_size,
        )
        if after is not None:
            after(round, ids)
        return moved

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
        guard="unsubmitted",
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


def open_claims_by_department(
    *, round_id: int, application_states: list[str], claim_states: list[str]
) -> list[tuple[str, int]]:
    """(department name, open claims) of the round's applications in those states, largest
    first: who still has to act before the round may move on."""
    rows = (
        IndicatorClaim.objects.filter(
            application__round_id=round_id,
            application__state__in=application_states,
            state__in=claim_states,
        )
        .values_list("department__name")
        .annotate(open=Count("id"))
        .order_by("-open", "department__name")
    )
    return [(name, count) for name, count in rows]


def _refuse_open(open_items: list[tuple[str, int]], *, what: str, then: str) -> None:
    if not open_items:
        return
    total = sum(count for _, count in open_items)
    listing = "、".join(f"{name} {count} 项" for name, count in open_items)
    raise PhaseJobFailed(
        f"还有 {total} 项指标{what}尚未作出结论（{listing}），{then}。"
        "各部门审核人员在本阶段推进前仍可审核，作出结论后再推进即可。"
    )


# A first review, a recheck, or a claim waiting for 补件 (the applicant acts until its
# deadline, then the department decides on what is there): all open until decided.
REVIEW_OPEN_CLAIM_STATES = [
    ClaimState.PENDING,
    ClaimState.RECHECK_REQUESTED,
    ClaimState.SUPPLEMENT_REQUESTED,
]


# What must be decided before the round leaves each phase, by the departments' reviewers:
# (application states, claim states, what it is called).
OPEN_BEFORE_LEAVING: dict[str, tuple[list[str], list[str], str]] = {
    Phase.DECLARATION: (
        [AppState.SUBMITTED, AppState.UNDER_REVIEW],
        REVIEW_OPEN_CLAIM_STATES,
        "待审核、复查或补件",
    ),
    Phase.AGGREGATION: (
        [AppState.SUBMITTED, AppState.UNDER_REVIEW],
        REVIEW_OPEN_CLAIM_STATES,
        "待审核、复查或补件",
    ),
    Phase.RESULT_QUERY: ([AppState.RESULTS_PUBLISHED], [ClaimState.APPEALED], "待复核的申诉"),
    Phase.RECHECK_RANKING: ([AppState.RESULTS_PUBLISHED], [ClaimState.APPEALED], "待复核的申诉"),
}


def round_open_items(*, round: AnnualRound) -> tuple[str, list[tuple[str, int]]]:
    """What is still open in the round's phase and which department must act on it, so the
    administrator sees before the boundary who holds the round up."""
    if round.phase not in OPEN_BEFORE_LEAVING:
        return "", []
    application_states, claim_states, what = OPEN_BEFORE_LEAVING[round.phase]
    return what, open_claims_by_department(
        round_id=round.pk, application_states=application_states, claim_states=claim_states
    )


def expire_supplements(*, round_id: int, job_run_id: int) -> None:
    # 补件逾期 (细则第七条): a request whose deadline passed unanswered is handed back before
    # the open items are counted; beat does the same every minute.
    from workflow.services.supplements import supplements_expire

    supplements_expire(round_id=round_id)


def require_reviews_decided(*, round_id: int, job_run_id: int) -> None:
    # Leaving 部门审核结果汇总 publishes the results: every first review and every recheck must
    # be decided, or applicants would read 审核结果已公布 next to items still 待审核.
    _refuse_open(
        open_claims_by_department(
            round_id=round_id,
            application_states=[AppState.SUBMITTED, AppState.UNDER_REVIEW],
            claim_states=REVIEW_OPEN_CLAIM_STATES,
        ),
        what="的审核、复查或补件",
        then="不能进入审核结果查询阶段",
    )


def finalize_results(*, round_id: int, job_run_id: int) -> None:
    from workflow.services.applications import OPEN_CLAIM_STATES

    # 细则第三条: 部门复核 must finish before the ranking; never rank on open appeals.
    _refuse_open(
        open_claims_by_department(
            round_id=round_id,
            application_states=[AppState.RESULTS_PUBLISHED],
            claim_states=list(OPEN_CLAIM_STATES),
        ),
        what="的复核或申诉",
        then="不能确定审核结果和排名",
    )
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.RESULTS_PUBLISHED,
        method="finalize",
        # The facts are final from here: ranking scores them once (workflow.extensions).
        after=lambda round, ids: results_finalized(round=round, application_ids=ids),
    )


def publicize_ranked(*, round_id: int, job_run_id: int) -> None:
    # Ranked and admitted: publicized; ranked and not admitted: not_admitted.
    # Two passes share one JobRun: its total is every ranked application (what both passes
    # move together), set here before the first pass would set it to the admitted ones only.
    # A re-run keeps the first attempt's total and done, like job_run_chunks.
    job_run_total_first(
        job_run=JobRun.objects.get(pk=job_run_id),
        count=Application.objects.filter(round_id=round_id, state=AppState.RANKED).count,
    )
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.RANKED,
        method="publicize",
        extra_filter={"admitted": True},
    )
    # Named, not "what is left": a helper may reach this pass while its owner still
    # publicizes the admitted (the ranking sets `admitted` on every ranked application).
    bulk_transition(
        round_id=round_id,
        job_run_id=job_run_id,
        source=AppState.RANKED,
        method="mark_not_admitted",
        exclude={"admitted": True},
    )
