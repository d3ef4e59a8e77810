"""Ranking services (writes): the quota and the 同分同落 ranking of a round.

细则第十条: 按分数由高到低确定年度落户人员; 积分相同的同时确定. The whole ranking is computed
in memory first (scores from verified facts, then `ranking.standings`), then written in
one transaction: a crash anywhere before the commit leaves the previous result in place.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from ranking.models import RankingApproval, RankingRun, RankingStatus
from ranking.policy import ELIGIBILITY_LABELS, FactsError
from ranking.scoring import ranking_explanation_json, scores_from_claims, stored_scores
from ranking.standings import Standings, rank_standings
from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted, WindowClosed
from workflow.indicators import indicator_label
from workflow.models import (
    PUBLISHED_STATES,
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    ClaimState,
    IndicatorClaim,
    JobRun,
    Phase,
)
from workflow.services import (
    actor_label,
    audit_record,
    format_moment,
    now_or,
    quota_approval_current,
    quota_unapproved_message,
    require_system_or_admin,
    round_set_quota,
)
from workflow.services.transitions import (
    audit_event,
    audit_events_write,
    guard_check,
    guard_of,
)

# Applications the ranking takes: results fixed (final), or ranked by an earlier run.
RANKABLE_STATES = [AppState.FINAL, AppState.RANKED]
RESULT_FIELDS = ("state", "total_points", "rank", "admitted")
WRITE_CHUNK = 5000
NAMED_AT_MOST = 20


def _is_published(round: AnnualRound) -> bool:
    # The list is public once any application is on it (the same test as the quota's lock)
    # or the round is closed; ranking never reads the publicity app, which builds on it. In
    # 公示 the list waits for the city's approval (细则第十条): until a current run is approved
    # it may still be ranked again (a widened quota, an application cancelled meanwhile).
    if round.phase == Phase.PUBLICITY:
        current = RankingRun.objects.filter(round=round, is_current=True).first()
        if current is not None and ranking_run_publishable(current):
            return True
    return round.phase == Phase.CLOSED or (
        Application.objects.filter(round=round, state__in=PUBLISHED_STATES).exists()
    )


def require_declaration_closed(*, round: AnnualRound, now: dt.datetime, action: str) -> None:
    """The administrator's path (migrations, checks, demos) needs only the declaration over;
    a past year's round qualifies whatever phase it was left in."""
    if now <= round.declaration_closes_at:
        raise WindowClosed(
            f"{round.year}年度申报阶段 {format_moment(round.declaration_closes_at)} 才截止，"
            f"截止前不能{action}。"
        )


def undecided_appeals(round: AnnualRound) -> list[str]:
    """'姓名（申请 #id）：指标' for each claim whose appeal is not yet decided."""
    rows = (
        IndicatorClaim.objects.filter(application__round=round, state=ClaimState.APPEALED)
        .order_by("application_id", "indicator")
        .values_list("application_id", "application__applicant__name", "indicator")
    )
    return [f"{name}（申请 #{app_id}）：{indicator_label(code)}" for app_id, name, code in rows]


def ranking_refusals(*, round: AnnualRound, now: dt.datetime) -> list[DomainError]:
    """Every reason the round cannot be ranked now, in the order `round_rank` checks them
    (empty: it can). The admin's ranking page lists them all; `round_rank` raises the first."""
    action = "进行积分排名"
    refusals: list[DomainError] = []
    try:
        require_declaration_closed(round=round, now=now, action=action)
    except DomainError as exc:
        refusals.append(exc)
    if _is_published(round):
        refusals.append(WindowClosed(f"{round.year}年度落户名单已公示，不能重新排名。"))
    if quota_approval_current(round) is None:
        # 细则第十条: 落户规模报市政府批准 — the ranking uses only an approved quota.
        refusals.append(InvalidTransition(quota_unapproved_message(round, action)))
    appeals = undecided_appeals(round)
    if appeals:
        # 细则第八条/第三条: appeals are decided in the recheck phase, before any ranking.
        more = f"等 {len(appeals)} 项" if len(appeals) > NAMED_AT_MOST else ""
        refusals.append(
            InvalidTransition(
                f"还有 {len(appeals)} 项申诉尚未作出结论，不能排名{more}："
                + "；".join(appeals[:NAMED_AT_MOST])
            )
        )
    return refusals


def ranking_preview(
    *,
    round: AnnualRound,
    actor: Any,
    now: dt.datetime | None = None,
    job_run: JobRun | None = None,
) -> RankingRun:
    """试算: what ranking now would produce (quota, cutoff, ties, counts, how many results
    change), computed exactly as `round_rank` computes it and written nowhere but a
    RankingRun of status "preview", which the administrator confirms before ranking."""
    now = now_or(now)
    require_system_or_admin(actor, action="试算积分排名")
    round.refresh_from_db()
    refusals = ranking_refusals(round=round, now=now)
    if refusals:
        raise refusals[0]
    computed = _compute(round)
    changed = sum(1 for app_id, row in computed.rows.items() if computed.before[app_id] != row[:4])
    run = _run_of(
        computed,
        round=round,
        status=RankingStatus.PREVIEW,
        now=now,
        actor=actor,
        label="system",
        job_run=job_run,
    )
    run.changed_count, run.finished_at = changed, timezone.now()
    run.message = (
        f"试算：年度落户规模 {run.quota} 人，落户分数线 "
        f"{run.cutoff if run.cutoff is not None else '—'} 分，进入落户名单 {run.admitted_count} 人"
        f"（分数线同分 {run.ties_at_cutoff} 人），参与排名 {run.eligible_count} 人，"
        f"不符合资格条件 {run.ineligible_count} 人，结果将有变化的申请 {changed} 份。"
    )
    run.save()
    return run


Row = tuple[
    str, Decimal, "int | None", "bool | None", "str | None"
]  # state, total, rank, admitted, explanation (JSON text, only when scored by this run)
Before = tuple[str, "Decimal | None", "int | None", "bool | None"]


class _Computed:
    """Everything the write needs, computed before any row is touched."""

    def __init__(self) -> None:
        self.standings: Standings | None = None
        # id -> (state, total, rank, admitted, explanation or None if stored already)
        self.rows: dict[int, Row] = {}
        # id -> (state, total, rank, admitted) as read before the run
        self.before: dict[int, Before] = {}
        self.ineligible_reasons: dict[int, str] = {}


def _compute(round: AnnualRound) -> _Computed:
    """Read the stored scores (scoring from the claims only the applications that have none),
    rank the eligible, and hold per application only its result (and a new explanation)."""
    computed = _Computed()
    before = computed.before
    eligible: list[tuple[int, Decimal]] = []
    ineligible: dict[int, tuple[Decimal, list[str]]] = {}
    explanations: dict[int, str] = {}  # only for applications scored by this run
    unscored: list[int] = []
    for stored in stored_scores(round, states=RANKABLE_STATES):
        app_id = stored.application_id
        before[app_id] = (stored.state, stored.total, stored.rank, stored.admitted)
        if not stored.scored:
            unscored.append(app_id)
        elif stored.eligible:
            eligible.append((app_id, stored.total))  # type: ignore[arg-type]
        else:
            ineligible[app_id] = (stored.total, stored.reasons)  # type: ignore[assignment]

    errors: list[str] = []
    for app_id, result in scores_from_claims(round, unscored):
        if isinstance(result, FactsError):
            errors.append(f"申请 #{app_id}：{result}")
            continue
        explanations[app_id] = ranking_explanation_json(result)
        if result.eligible:
            eligible.append((app_id, result.total))
        else:
            ineligible[app_id] = (result.total, result.reasons)
    if errors:
        shown = "；".join(errors[:NAMED_AT_MOST])
        more = f"等 {len(errors)} 份" if len(errors) > NAMED_AT_MOST else ""
        raise DomainError(f"以下申请的核定信息无效，不能排名{more}：{shown}")

    standings = rank_standings(eligible, quota=round.quota)
    computed.standings = standings
    rows = computed.rows
    ranked = AppState.RANKED
    for app_id, total, rank, _position, admitted in standings.rows:
        rows[app_id] = (ranked, total, rank, admitted, explanations.get(app_id))
    stuck = []
    for app_id, (total, reasons) in ineligible.items():
        if before[app_id][0] != AppState.FINAL:
            stuck.append(f"申请 #{app_id}")
            continue
        # 细则第十四条: an applicant who fails a condition is never ranked.
        computed.ineligible_reasons[app_id] = "；".join(ELIGIBILITY_LABELS[r] for r in reasons)
        rows[app_id] = (AppState.INELIGIBLE, total, None, None, explanations.get(app_id))
    if stuck:
        raise InvalidTransition(
            "以下已排名的申请按核定信息已不符合资格条件，请先核查："
            + "、".join(stuck[:NAMED_AT_MOST])
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


class _Change(NamedTuple):
    application_id: int
    before: Before
    after: Row
    explanation_changed: bool
    action: str | None  # None: only the explanation changed (no state or result change to audit)
    reason: str


def _changes(computed: _Computed, *, run_id: int) -> list[_Change]:
    """Only the applications whose stored values change: a re-run with nothing new writes
    nothing, a wider quota writes the few whose admission flips."""
    changes = []
    for app_id, row in computed.rows.items():
        before = computed.before[app_id]
        result_changed = before != row[:4]
        explanation_changed = row[4] is not None
        if not (result_changed or explanation_changed):
            continue
        action, reason = None, ""
        if result_changed:
            if row[0] == AppState.INELIGIBLE:
                action, reason = "application.mark_ineligible", computed.ineligible_reasons[app_id]
            elif before[0] == AppState.FINAL:
                action, reason = "application.rank_applied", f"积分排名 #{run_id}"
            else:
                action, reason = "application.rerank", f"重新排名 #{run_id}"
        changes.append(_Change(app_id, before, row, explanation_changed, action, reason))
    return changes


_WRITE_TABLE = "ranking_write"
_WRITE_COLUMNS = (
    ("id", "bigint"),
    ("b_state", "varchar(50)"),
    ("b_total", "numeric(7,2)"),
    ("b_rank", "integer"),
    ("b_admitted", "boolean"),
    ("state", "varchar(50)"),
    ("total", "numeric(7,2)"),
    ("rank", "integer"),
    ("admitted", "boolean"),
    ("explanation", "jsonb"),
    ("action", "varchar(60)"),
    ("reason", "text"),
)


def _write_postgres(
    changes: list[_Change], *, round: AnnualRound, actor: Any, label: str, now: dt.datetime
) -> int:
    """COPY the changes into a temporary table, then one statement updates the applications
    and appends their audit rows (built in SQL: no per-row JSON from Python). Returns the
    number of audit rows.

    The UPDATE only takes rows still holding the values the run read: if anything moved
    an application meanwhile, the counts differ and the whole ranking is rolled back.
    """
    table, audit_table = Application._meta.db_table, AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        # Hash joins and the temp table stay in memory; the commit does not wait for the WAL
        # flush (a crash right after it loses the whole run, never half of it: re-run).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_WRITE_TABLE} ({', '.join(f'{n} {t}' for n, t in _WRITE_COLUMNS)}) "
            "ON COMMIT DROP"
        )
        names = ", ".join(name for name, _ in _WRITE_COLUMNS)
        with cursor.copy(f"COPY {_WRITE_TABLE} ({names}) FROM STDIN") as copy:
            write_row = copy.write_row
            for app_id, before, after, _explanation_changed, action, reason in changes:
                write_row(
                    (
                        app_id,
                        before[0],
                        before[1],
                        before[2],
                        before[3],
                        after[0],
                        after[1],
                        after[2],
                        after[3],
                        after[4],  # JSON text, or None: the stored one stays
                        action,
                        reason,
                    )
                )
        if len(changes) > 1000:
            # A fresh temp table has no statistics: without them the planner may pick a nested loop.
            cursor.execute(f"ANALYZE {_WRITE_TABLE}")
        cursor.execute(
            f"""
            WITH changed AS (
                UPDATE "{table}" AS a SET
                    state = w.state, total_points = w.total, rank = w.rank, admitted = w.admitted,
                    score_explanation = COALESCE(w.explanation, a.score_explanation), updated_at = %(now)s
                FROM {_WRITE_TABLE} AS w
                WHERE a.id = w.id AND a.round_id = %(round)s AND a.state = w.b_state
                  AND a.total_points IS NOT DISTINCT FROM w.b_total AND a.rank IS NOT DISTINCT FROM w.b_rank
                  AND a.admitted IS NOT DISTINCT FROM w.b_admitted
                RETURNING w.*
            ), audited AS (
                INSERT INTO "{audit_table}" (at, actor_id, actor_label, action, object_type, object_id,
                    round_year, from_state, to_state, reason, before, after)
                SELECT %(now)s, %(actor)s, %(label)s, c.action, %(type)s, c.id::text, %(year)s,
                    c.b_state, c.state, c.reason,
                    jsonb_build_object('state', c.b_state, 'total_points', c.b_total::text,
                                       'rank', c.b_rank, 'admitted', c.b_admitted),
                    jsonb_build_object('state', c.state, 'total_points', c.total::text,
                                       'rank', c.rank, 'admitted', c.admitted)
                FROM changed AS c WHERE c.action IS NOT NULL
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM audited)
            """,  # noqa: S608 - table names from the models, values as parameters
            {
                "now": now,
                "round": round.pk,
                "actor": getattr(actor, "pk", None),
                "label": actor_label(actor, label),
                "type": Application._meta.label_lower,
                "year": round.year,
            },
        )
        updated, audited = cursor.fetchone()
        cursor.execute(f"DROP TABLE {_WRITE_TABLE}")
    if updated != len(changes):
        raise InvalidTransition(
            f"排名期间有 {len(changes) - updated} 份申请被其他操作修改，本次排名未写入任何结果，请重新排名。"
        )
    return audited


def _write_generic(
    changes: list[_Change], *, round: AnnualRound, actor: Any, label: str, now: dt.datetime
) -> int:
    """The same write as `_write_postgres`, row by row (the development database): each
    UPDATE takes the application only if it still holds what the run read, and any that
    moved meanwhile rolls the whole ranking back; audit rows of the mechanism's one shape."""
    events = []
    updated = 0
    for app_id, before, after, explanation_changed, action, reason in changes:
        state, total, rank, admitted, explanation = after
        values = {
            "state": state,
            "total_points": total,
            "rank": rank,
            "admitted": admitted,
            "updated_at": now,
        }
        if explanation_changed:
            values["score_explanation"] = json.loads(explanation)
        updated += Application.objects.filter(
            pk=app_id,
            round=round,
            state=before[0],
            total_points=before[1],
            rank=before[2],
            admitted=before[3],
        ).update(**values)
        if action is not None:
            events.append(
                audit_event(
                    object_type=Application._meta.label_lower,
                    object_id=app_id,
                    action=action,
                    actor=actor,
                    label=label,
                    now=now,
                    round_year=round.year,
                    from_state=before[0],
                    to_state=state,
                    reason=reason,
                    before=dict(zip(RESULT_FIELDS, before, strict=True)),
                    after=dict(zip(RESULT_FIELDS, after[:4], strict=True)),
                )
            )
    if updated != len(changes):
        raise InvalidTransition(
            f"排名期间有 {len(changes) - updated} 份申请被其他操作修改，本次排名未写入任何结果，请重新排名。"
        )
    audit_events_write(events)
    return len(events)


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
        # The one quota service: refused once the list is published (AnnualRound.quota_locked).
        round_set_quota(round=round, quota=quota, actor=actor, now=now, label=label)
    for refusal in ranking_refusals(round=round, now=now):
        raise refusal
    _check_transitions()

    computed = _compute(round)
    if job_run is not None:
        JobRun.objects.filter(pk=job_run.pk).update(total=len(computed.rows))

    return ranking_commit(
        round=round, computed=computed, actor=actor, label=label, now=now, job_run=job_run
    )


def _run_of(
    computed: _Computed,
    *,
    round: AnnualRound,
    status: str,
    now: dt.datetime,
    actor: Any,
    label: str,
    job_run: JobRun | None,
) -> RankingRun:
    """The run's record of what the computed ranking gives (a 试算's or a written one's)."""
    standings = computed.standings
    assert standings is not None
    return RankingRun(
        job_run=job_run,
        round=round,
        status=status,
        quota=round.quota,
        cutoff=standings.cutoff,
        eligible_count=standings.eligible_count,
        admitted_count=standings.admitted_count,
        ties_at_cutoff=standings.ties_at_cutoff,
        ineligible_count=len(computed.ineligible_reasons),
        started_at=now,
        actor=actor,
        actor_label=actor_label(actor, label),
    )


def ranking_commit(
    *,
    round: AnnualRound,
    computed: _Computed,
    actor: Any,
    label: str,
    now: dt.datetime,
    job_run: JobRun | None = None,
) -> RankingRun:
    """Write a computed ranking: every application, its audit row and the run, one transaction."""
    run = _run_of(
        computed,
        round=round,
        status=RankingStatus.SUCCEEDED,
        now=now,
        actor=actor,
        label=label,
        job_run=job_run,
    )
    run.is_current = True
    # The moves' declared guard (the system or an administrator); the FSM checks the moves.
    guard_check(guard_of(Application, "rank_applied"), round, actor=actor, now=now)
    with transaction.atomic():
        # One ranking at a time per round: a second run waits here, then ranks the same facts.
        AnnualRound.objects.select_for_update().filter(pk=round.pk).first()
        RankingRun.objects.filter(round=round, is_current=True).update(is_current=False)
        run.save()
        changes = _changes(computed, run_id=run.pk)
        write = _write_postgres if connection.vendor == "postgresql" else _write_generic
        run.changed_count = write(changes, round=round, actor=actor, label=label, now=now)
        run.finished_at = now
        run.message = (
            f"年度落户规模 {run.quota} 人，落户分数线 {run.cutoff if run.cutoff is not None else '—'} 分，"
            f"进入落户名单 {run.admitted_count} 人（分数线同分 {run.ties_at_cutoff} 人），"
            f"参与排名 {run.eligible_count} 人，不符合资格条件 {run.ineligible_count} 人。"
        )
        _record_run(run)
        audit_record(
            actor=actor,
            label=label,
            action="round.rank",
            obj=run,
            now=now,
            round_year=round.year,
            after={
                "quota": run.quota,
                "cutoff": run.cutoff,
                "admitted_count": run.admitted_count,
                "ties_at_cutoff": run.ties_at_cutoff,
                "eligible_count": run.eligible_count,
                "ineligible_count": run.ineligible_count,
                "changed_count": run.changed_count,
            },
            reason=run.message,
        )
        if job_run is not None:
            JobRun.objects.filter(pk=job_run.pk).update(done=len(computed.rows))
    return run


def ranking_run_record_failure(
    *,
    round: AnnualRound,
    error: str,
    actor: Any = None,
    label: str = "system",
    now: dt.datetime | None = None,
) -> RankingRun:
    """Keep a trace of a refused or failed run (its own transaction; never the current one)."""
    now = now_or(now)
    return RankingRun.objects.create(
        round=round,
        status=RankingStatus.FAILED,
        is_current=False,
        quota=round.quota,
        started_at=now,
        finished_at=now,
        message=error[:5000],
        actor=actor,
        actor_label=actor_label(actor, label),
    )


# --- 细则第十条: 落户人员情况报市政府批准后向社会发布 ----------------------------------------------


def ranking_run_publishable(run: RankingRun) -> bool:
    """Approved by the city and not overtaken by a change of the list since."""
    return (
        run.status == RankingStatus.SUCCEEDED
        and not run.stale_reason
        and RankingApproval.objects.filter(run=run).exists()
    )


def ranking_run_unpublishable_reason(run: RankingRun | None, *, year: int) -> str | None:
    """Why the round's list cannot be published yet, naming what is missing (None: it can)."""
    if run is None or run.status != RankingStatus.SUCCEEDED:
        return f"{year}年度尚未完成积分排名"
    if run.stale_reason:
        return f"排名 #{run.pk} 之后名单有变化（{run.stale_reason}），须重新排名并报市政府批准"
    if not RankingApproval.objects.filter(run=run).exists():
        return (
            f"{year}年度落户人员名单（排名 #{run.pk}）尚未经市政府批准（缺少批准记录：批准人、"
            "批准时间和批准文号）"
        )
    return None


def ranking_run_approve(
    *, run: RankingRun, document_number: str, actor: Any, now: dt.datetime | None = None
) -> RankingApproval:
    """Record the city's approval of the round's current ranked list (细则第十条)."""
    now = now_or(now)
    if not roles.is_quota_approver(actor):
        raise NotPermitted("只有市政府审批账号才能批准落户人员名单。")
    document_number = document_number.strip()
    if not document_number:
        raise DomainError("批准文号：请填写市政府批准落户人员名单的文号。")
    with transaction.atomic():
        run = RankingRun.objects.select_for_update().select_related("round").get(pk=run.pk)
        if not run.is_current or run.status != RankingStatus.SUCCEEDED:
            raise InvalidTransition(f"排名 #{run.pk} 不是本年度当前的排名结果，不能批准。")
        if run.stale_reason:
            raise InvalidTransition(
                f"排名 #{run.pk} 之后名单有变化（{run.stale_reason}），请重新排名后再批准。"
            )
        if run.quota != run.round.quota or quota_approval_current(run.round) is None:
            raise InvalidTransition(quota_unapproved_message(run.round, "批准落户人员名单"))
        existing = RankingApproval.objects.filter(run=run).first()
        if existing is not None:
            return existing
        approval = RankingApproval.objects.create(
            run=run, document_number=document_number, approved_by=actor, approved_at=now
        )
        audit_record(
            actor=actor,
            action="ranking.approve",
            obj=approval,
            now=now,
            round_year=run.round.year,
            after={"run": run.pk, "document_number": document_number},
            reason=f"市政府批准落户人员名单（{document_number}）",
        )
    return approval


def ranking_mark_stale(*, round: Any, reason: str) -> None:
    """The core's hook (workflow.extensions.ranked_list_changed): an application left the
    ranked, unpublished list, so its current run must be ranked again (in the caller's
    transaction; its approval, if any, no longer lets the list be published)."""
    RankingRun.objects.filter(round=round, is_current=True).update(stale_reason=reason[:2000])


__all__ = [
    "RANKABLE_STATES",
    "ranking_mark_stale",
    "ranking_preview",
    "ranking_refusals",
    "ranking_run_approve",
    "ranking_run_publishable",
    "ranking_run_unpublishable_reason",
    "ranking_run_record_failure",
    "require_declaration_closed",
    "round_rank",
    "undecided_appeals",
]
