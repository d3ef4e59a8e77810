"""Ranking services (writes): the quota and the 同分同落 ranking of a round.

细则第十条: 按分数由高到低确定年度落户人员; 积分相同的同时确定. The whole ranking is computed
in memory first (scores from verified facts, then `ranking.standings`), then written in
one transaction: a crash anywhere before the commit leaves the previous result in place.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from ranking.models import RankingRun, RankingStatus
from ranking.policy import ELIGIBILITY_LABELS, FactsError, ScoreResult
from ranking.scoring import BASIS_VERIFIED, score_applications
from ranking.standings import Standings, rank_standings
from workflow.exceptions import DomainError, InvalidTransition, WindowClosed
from workflow.indicators import indicator_label
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    ClaimState,
    IndicatorClaim,
    JobRun,
)
from workflow.services import audit_record, format_moment
from workflow.services._common import actor_label, now_or, require_system_or_admin

# Applications the ranking takes: results fixed (final), or ranked by an earlier run.
RANKABLE_STATES = [AppState.FINAL, AppState.RANKED]
# Once any application is past ranking, the list is public and the ranking is final.
PUBLISHED_STATES = [
    AppState.PUBLICIZED,
    AppState.NOT_ADMITTED,
    AppState.QUALIFIED,
    AppState.SETTLED,
    AppState.CANCELLED,
    AppState.FORFEITED,
]
RESULT_FIELDS = ("state", "total_points", "rank", "admitted")
WRITE_CHUNK = 5000
NAMED_AT_MOST = 20


def _is_published(round: AnnualRound) -> bool:
    from publicity.models import Publication  # publicity depends on ranking, not the reverse

    return (
        Publication.objects.filter(round=round).exists()
        or Application.objects.filter(round=round, state__in=PUBLISHED_STATES).exists()
    )


def require_declaration_closed(*, round: AnnualRound, now: dt.datetime, action: str) -> None:
    """The administrator's path (migrations, checks, demos) needs only the declaration over;
    a past year's round qualifies whatever phase it was left in."""
    if now <= round.declaration_closes_at:
        raise WindowClosed(
            f"{round.year}年度申报阶段 {format_moment(round.declaration_closes_at)} 才截止，"
            f"截止前不能{action}。"
        )


def round_quota_set(
    *, round: AnnualRound, quota: int, actor: Any, now: dt.datetime | None = None,
    label: str = "system",
) -> AnnualRound:
    """Change the year's quota (the city may widen it): allowed until the list is published.

    Deliberately not `workflow.services.round_set_quota`, whose `quota_locked` refuses from the
    ranking phase on; the issue allows changes until publication (then re-rank with it).
    """
    now = now_or(now)
    # actor None: the command line on the server (manage.py rank_round --quota).
    require_system_or_admin(actor, action="调整年度落户规模")
    if isinstance(quota, bool) or not isinstance(quota, int) or quota <= 0:
        raise DomainError("年度落户规模（quota）必须是大于 0 的整数。")
    with transaction.atomic():
        locked = AnnualRound.objects.select_for_update().get(pk=round.pk)
        if _is_published(locked):
            raise WindowClosed(f"{round.year}年度落户名单已公示，年度落户规模不能再调整。")
        before = {"quota": locked.quota}
        if locked.quota != quota:
            AnnualRound.objects.filter(pk=round.pk).update(quota=quota)
            audit_record(
                actor=actor, label=label, action="round.set_quota", obj=locked, now=now, round_year=round.year,
                before=before, after={"quota": quota}, reason="公示前调整年度落户规模",
            )
    round.quota = quota
    return round


def undecided_appeals(round: AnnualRound) -> list[str]:
    """'姓名（申请 #id）：指标' for each claim whose appeal is not yet decided."""
    rows = (
        IndicatorClaim.objects.filter(application__round=round, state=ClaimState.APPEALED)
        .order_by("application_id", "indicator")
        .values_list("application_id", "application__applicant__name", "indicator")
    )
    return [f"{name}（申请 #{app_id}）：{indicator_label(code)}" for app_id, name, code in rows]


def _explanation(result: ScoreResult) -> dict[str, Any]:
    # The compact contract (what `manage.py score` prints) plus the policy: enough for the
    # list and the applicant's page; the worded explanation is rebuilt on demand from the
    # same verified facts (150,000 worded explanations would be ~0.5 GB of JSON).
    contract = result.as_contract()
    contract["policy"] = result.policy_id
    contract["basis"] = BASIS_VERIFIED
    return contract


class _Computed:
    """Everything the write needs, computed before any row is touched."""

    def __init__(self) -> None:
        self.standings: Standings | None = None
        # id -> (state, total, rank, admitted, explanation)
        self.rows: dict[int, tuple[str, Decimal, int | None, bool | None, dict[str, Any]]] = {}
        self.before: dict[int, tuple[str, Decimal | None, int | None, bool | None]] = {}
        self.ineligible_reasons: dict[int, str] = {}


def _compute(round: AnnualRound) -> _Computed:
    computed = _Computed()
    applications = (
        Application.objects.filter(round=round, state__in=RANKABLE_STATES)
        .select_related("applicant", "employer")
        .only(
            "id", "state", "total_points", "rank", "admitted", "round_id",
            "applicant__id_number", "applicant__name", "applicant__female_job",
            "employer__credit_code", "employer__name",
        )
        .order_by("pk")
    )

    def stream():
        for app in applications.iterator(chunk_size=2000):
            app.round = round  # one round object, not 150,000 copies of it
            computed.before[app.pk] = (app.state, app.total_points, app.rank, app.admitted)
            yield app

    errors: list[str] = []
    eligible: list[tuple[int, Decimal]] = []
    scored: dict[int, ScoreResult] = {}
    for app_id, result in score_applications(stream(), basis=BASIS_VERIFIED):
        if isinstance(result, FactsError):
            errors.append(f"申请 #{app_id}：{result}")
            continue
        scored[app_id] = result
        if result.eligible:
            eligible.append((app_id, result.total))
    if errors:
        shown = "；".join(errors[:NAMED_AT_MOST])
        more = f"等 {len(errors)} 份" if len(errors) > NAMED_AT_MOST else ""
        raise DomainError(f"以下申请的核定信息无效，不能排名{more}：{shown}")

    computed.standings = rank_standings(eligible, quota=round.quota)
    for row in computed.standings.rows:
        computed.rows[row.application_id] = (
            AppState.RANKED, row.total, row.rank, row.admitted, _explanation(scored[row.application_id])
        )
    stuck = []
    for app_id, result in scored.items():
        if result.eligible:
            continue
        if computed.before[app_id][0] != AppState.FINAL:
            stuck.append(f"申请 #{app_id}")
            continue
        # 细则第十四条: an applicant who fails a condition is never ranked.
        computed.ineligible_reasons[app_id] = "；".join(ELIGIBILITY_LABELS[r] for r in result.reasons)
        computed.rows[app_id] = (AppState.INELIGIBLE, result.total, None, None, _explanation(result))
    if stuck:
        raise InvalidTransition(
            "以下已排名的申请按核定信息已不符合资格条件，请先核查：" + "、".join(stuck[:NAMED_AT_MOST])
        )
    return computed


def _check_transitions() -> None:
    # The ranking moves applications in bulk; the FSM is still the authority on which moves exist.
    for method, source, target in (
        ("rank_applied", AppState.FINAL, AppState.RANKED),
        ("mark_ineligible", AppState.FINAL, AppState.INELIGIBLE),
    ):
        transition = getattr(Application, method)._django_fsm.get_transition(source)
        if transition is None or transition.target != target:
            raise InvalidTransition(f"状态机不允许 {source} → {target}。")


def _write_applications_postgres(rows: dict[int, tuple], now: dt.datetime) -> None:
    table = Application._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE ranking_result (id bigint PRIMARY KEY, state varchar(40), "
            "total numeric(7,2), rank integer, admitted boolean, explanation jsonb) ON COMMIT DROP"
        )
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        with cursor.copy("COPY ranking_result (id, state, total, rank, admitted, explanation) FROM STDIN") as copy:
            for app_id, (state, total, rank, admitted, explanation) in rows.items():
                copy.write_row((app_id, str(state), total, rank, admitted, dumps(explanation)))
        # A fresh temp table has no statistics: without them the planner may pick a nested loop.
        cursor.execute("ANALYZE ranking_result")
        cursor.execute(
            f'UPDATE "{table}" AS a SET state = r.state, total_points = r.total, rank = r.rank, '  # noqa: S608
            "admitted = r.admitted, score_explanation = r.explanation, updated_at = %s "
            "FROM ranking_result AS r WHERE a.id = r.id",
            [now],
        )
        cursor.execute("DROP TABLE ranking_result")


def _write_applications_generic(rows: dict[int, tuple], now: dt.datetime) -> None:
    objs = []
    for app_id, (state, total, rank, admitted, explanation) in rows.items():
        objs.append(Application(
            pk=app_id, state=state, total_points=total, rank=rank, admitted=admitted,
            score_explanation=explanation, updated_at=now,
        ))
    Application.objects.bulk_update(
        objs, ["state", "total_points", "rank", "admitted", "score_explanation", "updated_at"],
        batch_size=WRITE_CHUNK // 5,
    )


def _audit_rows(
    *, computed: _Computed, round: AnnualRound, actor: Any, label: str, now: dt.datetime, run_id: int
) -> list[AuditEvent]:
    events = []
    who = actor_label(actor, label)
    object_type = Application._meta.label_lower
    for app_id, (state, total, rank, admitted, _) in computed.rows.items():
        before = computed.before[app_id]
        after = (state, total, rank, admitted)
        if before == after:
            continue  # a re-run that changes nothing records nothing per application
        if state == AppState.INELIGIBLE:
            action, reason = "application.mark_ineligible", computed.ineligible_reasons[app_id]
        elif before[0] == AppState.FINAL:
            action, reason = "application.rank_applied", f"积分排名 #{run_id}"
        else:
            action, reason = "application.rerank", f"重新排名 #{run_id}"
        events.append(AuditEvent(
            at=now, actor=actor, actor_label=who, action=action, object_type=object_type,
            object_id=str(app_id), round_year=round.year, from_state=before[0], to_state=state,
            reason=reason,
            before=dict(zip(RESULT_FIELDS, before, strict=True)),
            after=dict(zip(RESULT_FIELDS, after, strict=True)),
        ))
    return events


def _record_run(run: RankingRun) -> RankingRun:
    # The last write of the transaction: if anything fails before, nothing of this run stays.
    run.save(update_fields=["changed_count", "finished_at", "message"])
    return run


def round_rank(
    *,
    round: AnnualRound,
    quota: int | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
    job_run: JobRun | None = None,
) -> RankingRun:
    """Rank the round (同分同落) and store each application's total, rank and admission.

    Refused while an appeal is undecided or once the list is published. Idempotent: the
    same verified facts and quota give the same ranks, admitted set and list order. Atomic:
    all applications, their audit rows and the RankingRun commit together or not at all.
    """
    now = now_or(now)
    action = "进行积分排名"
    require_system_or_admin(actor, action=action)
    round.refresh_from_db()
    require_declaration_closed(round=round, now=now, action=action)
    if quota is not None:
        round_quota_set(round=round, quota=quota, actor=actor, now=now, label=label)
    if _is_published(round):
        raise WindowClosed(f"{round.year}年度落户名单已公示，不能重新排名。")
    appeals = undecided_appeals(round)
    if appeals:
        # 细则第八条/第三条: appeals are decided in the recheck phase, before any ranking.
        more = f"等 {len(appeals)} 项" if len(appeals) > NAMED_AT_MOST else ""
        raise InvalidTransition(
            f"还有 {len(appeals)} 项申诉尚未作出结论，不能排名{more}：" + "；".join(appeals[:NAMED_AT_MOST])
        )
    _check_transitions()

    computed = _compute(round)
    if job_run is not None:
        JobRun.objects.filter(pk=job_run.pk).update(total=len(computed.rows))

    return ranking_commit(round=round, computed=computed, actor=actor, label=label, now=now, job_run=job_run)


def ranking_commit(
    *, round: AnnualRound, computed: _Computed, actor: Any, label: str, now: dt.datetime,
    job_run: JobRun | None = None,
) -> RankingRun:
    """Write a computed ranking: every application, its audit row and the run, one transaction."""
    standings = computed.standings
    assert standings is not None
    run = RankingRun(
        round=round, status=RankingStatus.SUCCEEDED, is_current=True, quota=round.quota,
        cutoff=standings.cutoff, eligible_count=standings.eligible_count,
        admitted_count=standings.admitted_count, ties_at_cutoff=standings.ties_at_cutoff,
        ineligible_count=len(computed.ineligible_reasons), started_at=now,
        actor=actor, actor_label=actor_label(actor, label),
    )
    with transaction.atomic():
        # One ranking at a time per round: a second run waits here, then ranks the same facts.
        AnnualRound.objects.select_for_update().filter(pk=round.pk).first()
        if connection.vendor == "postgresql":
            _write_applications_postgres(computed.rows, now)
        else:
            _write_applications_generic(computed.rows, now)
        RankingRun.objects.filter(round=round, is_current=True).update(is_current=False)
        run.save()
        events = _audit_rows(computed=computed, round=round, actor=actor, label=label, now=now, run_id=run.pk)
        AuditEvent.objects.bulk_create(events, batch_size=WRITE_CHUNK)
        run.changed_count = len(events)
        run.finished_at = now
        run.message = (
            f"年度落户规模 {run.quota} 人，落户分数线 {run.cutoff if run.cutoff is not None else '—'} 分，"
            f"进入落户名单 {run.admitted_count} 人（分数线同分 {run.ties_at_cutoff} 人），"
            f"参与排名 {run.eligible_count} 人，不符合资格条件 {run.ineligible_count} 人。"
        )
        _record_run(run)
        audit_record(
            actor=actor, label=label, action="round.rank", obj=run, now=now, round_year=round.year,
            after={
                "quota": run.quota, "cutoff": run.cutoff, "admitted_count": run.admitted_count,
                "ties_at_cutoff": run.ties_at_cutoff, "eligible_count": run.eligible_count,
                "ineligible_count": run.ineligible_count, "changed_count": run.changed_count,
            },
            reason=run.message,
        )
        if job_run is not None:
            JobRun.objects.filter(pk=job_run.pk).update(done=len(computed.rows))
    return run


def ranking_run_record_failure(
    *, round: AnnualRound, error: str, actor: Any = None, label: str = "system",
    now: dt.datetime | None = None,
) -> RankingRun:
    """Keep a trace of a refused or failed run (its own transaction; never the current one)."""
    now = now_or(now)
    return RankingRun.objects.create(
        round=round, status=RankingStatus.FAILED, is_current=False, quota=round.quota,
        started_at=now, finished_at=now, message=error[:5000], actor=actor,
        actor_label=actor_label(actor, label),
    )


__all__ = [
    "RANKABLE_STATES",
    "ranking_run_record_failure",
    "require_declaration_closed",
    "round_quota_set",
    "round_rank",
    "undecided_appeals",
]
