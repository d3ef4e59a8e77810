"""Round services: create a round, set its quota, move it through its phases."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from ranking.policy import POLICIES
from ranking.policy.facts import default_policy_id
from workflow import phase_jobs
from workflow.exceptions import DomainError, NotPermitted, PhaseJobFailed, WindowClosed
from workflow.jobs import job_run_once
from workflow.models import (
    PHASE_ORDER,
    ROUND_TRANSITIONS,
    AnnualRound,
    JobRun,
    Phase,
    default_windows,
)
from workflow.models.rounds import WINDOW_FIELDS

from ._common import (
    audit_record,
    format_moment,
    now_or,
    require_system_or_admin,
    snapshot,
)
from .transitions import transition_apply

logger = logging.getLogger(__name__)
TIMETABLE_FIELDS = [
    f"{prefix}_{end}" for prefix in WINDOW_FIELDS.values() for end in ("opens_at", "closes_at")
]
ROUND_CONFLICT = "该年度轮次已被他人同时推进，请刷新后重试"
Progress = Callable[[str], None]


def round_create(
    *,
    year: int,
    quota: int,
    policy_id: str | None = None,
    windows: dict[str, dt.datetime] | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> AnnualRound:
    """Create the year's round (scheduled) with the default 2020-style timetable. Without a
    policy the year's default applies (facts-format-1: beijing-2018 before 2020)."""
    now = now_or(now)
    require_system_or_admin(actor, action="创建年度轮次")
    if quota <= 0:
        raise DomainError("年度落户规模必须大于 0。")
    policy_id = policy_id or default_policy_id(year)
    if policy_id not in POLICIES:
        raise DomainError(f"未知的政策版本：{policy_id}（可选：{'、'.join(POLICIES)}）。")
    fields = default_windows(year) | (windows or {})
    round = AnnualRound(year=year, quota=quota, policy_id=policy_id, **fields)
    if not round.windows_in_order:
        raise DomainError("各阶段时间须按先后顺序排列，且开始时间不得晚于结束时间。")
    try:
        with transaction.atomic():
            round.save()
            audit_record(
                actor=actor,
                action="round.create",
                obj=round,
                now=now,
                round_year=year,
                to_state=round.phase,
                after=snapshot(round, ["year", "quota", "policy_id", *fields]),
            )
    except IntegrityError as exc:
        raise DomainError(f"{year}年度的积分落户轮次已存在。") from exc
    return round


def round_set_quota(
    *,
    round: AnnualRound,
    quota: int,
    actor: Any,
    now: dt.datetime | None = None,
    label: str = "system",
) -> AnnualRound:
    """Change the year's quota (the city may widen it): allowed until the list is published
    (`AnnualRound.quota_locked`), then refused. Re-rank with it: `manage.py rank_round --quota`."""
    now = now_or(now)
    # actor None: the system, e.g. the command line on the server (manage.py rank_round --quota).
    require_system_or_admin(actor, action="调整年度落户规模")
    if isinstance(quota, bool) or not isinstance(quota, int) or quota <= 0:
        raise DomainError("年度落户规模（quota）必须是大于 0 的整数。")
    with transaction.atomic():
        # Locks the round: a ranking (which locks it too) runs wholly before or after this change.
        locked = AnnualRound.objects.select_for_update().get(pk=round.pk)
        if locked.quota_locked:
            raise WindowClosed(f"{round.year}年度落户名单已公示，年度落户规模不能再调整。")
        if locked.quota != quota:
            AnnualRound.objects.filter(pk=round.pk).update(quota=quota)
            audit_record(
                actor=actor,
                label=label,
                action="round.set_quota",
                obj=locked,
                now=now,
                round_year=round.year,
                before={"quota": locked.quota},
                after={"quota": quota},
                reason="公示前调整年度落户规模",
            )
    round.quota = quota
    return round


# 细则第十条: 公示期为 7 天 — the list is public for the full seven days whatever the time it
# actually went public; the round's publicity window is the only timetable for it.
PUBLICITY_DURATION = dt.timedelta(days=7)


def round_publicity_window_align(
    *, round: AnnualRound, published_at: dt.datetime, actor: Any = None, label: str = "system"
) -> AnnualRound:
    """Move the round's publicity window to start when the list actually went public (late,
    or early when an administrator moved the round on early), so it is public for exactly
    seven days; objections, qualification and every page read this one window. Audited."""
    opens_at, closes_at = published_at, published_at + PUBLICITY_DURATION
    if (round.publicity_opens_at, round.publicity_closes_at) == (opens_at, closes_at):
        return round
    before = snapshot(round, ["publicity_opens_at", "publicity_closes_at"])
    with transaction.atomic():
        AnnualRound.objects.filter(pk=round.pk).update(
            publicity_opens_at=opens_at, publicity_closes_at=closes_at
        )
        round.publicity_opens_at, round.publicity_closes_at = opens_at, closes_at
        audit_record(
            actor=actor,
            label=label,
            action="round.publicity_window",
            obj=round,
            now=published_at,
            round_year=round.year,
            reason="公示名单实际发布时间与时间表不同，公示期随之调整为发布起 7 天",
            before=before,
            after=snapshot(round, ["publicity_opens_at", "publicity_closes_at"]),
        )
    return round


def _round_window_start(
    *, round: AnnualRound, phase: str, at: dt.datetime, actor: Any, label: str
) -> None:
    """An administrator moved the round into ``phase`` before its window opened: the
    timetable follows, so phase and windows never disagree — the phase's window opens now
    and the previous phase's closes just before (audited, before and after)."""
    prefix = WINDOW_FIELDS[phase]
    changes = {f"{prefix}_opens_at": at}
    previous = PHASE_ORDER[PHASE_ORDER.index(phase) - 1]
    if previous in WINDOW_FIELDS:
        closes = f"{WINDOW_FIELDS[previous]}_closes_at"
        changes[closes] = min(getattr(round, closes), at - dt.timedelta(microseconds=1))
    before = snapshot(round, list(changes))
    AnnualRound.objects.filter(pk=round.pk).update(**changes)
    for name, value in changes.items():
        setattr(round, name, value)
    audit_record(
        actor=actor,
        label=label,
        action="round.reschedule",
        obj=round,
        now=at,
        round_year=round.year,
        reason=f"管理员提前进入{Phase(phase).label}，时间表随之调整",
        before=before,
        after=snapshot(round, list(changes)),
    )


def _run_jobs(*, round: AnnualRound, phase: str, on: str, progress: Progress) -> None:
    for dotted_path in phase_jobs.phase_jobs(phase, on=on):
        key = phase_jobs.phase_job_key(year=round.year, phase=phase, on=on, dotted_path=dotted_path)

        def run(job_run: JobRun, dotted_path: str = dotted_path) -> None:
            progress(f"  运行 {dotted_path} …")
            phase_jobs.run_phase_job(round=round, job_run=job_run, dotted_path=dotted_path)

        try:
            job_run = job_run_once(key=key, kind=f"phase_{on}", round=round, run=run)
        except DomainError:
            raise
        except Exception as exc:
            raise PhaseJobFailed(
                f"{Phase(phase).label}的任务 {dotted_path} 失败：{exc}。修复后重新推进即可从中断处继续。"
            ) from exc
        job_run.refresh_from_db()
        progress(f"  ✓ {dotted_path}：{job_run.done}/{job_run.total}")


def _step_opens_at(round: AnnualRound, phase: str) -> dt.datetime:
    if phase == Phase.CLOSED:
        return round.publicity_closes_at + dt.timedelta(microseconds=1)
    window = round.phase_window(phase)
    assert window is not None
    return window[0]


def round_advance(
    *,
    round: AnnualRound,
    to: str | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
    force: bool = False,
    label: str = "system",
    progress: Progress | None = None,
) -> AnnualRound:
    """Move the round on to `to` (default: the next phase), one phase at a time.

    Never skips a phase's jobs: first any unfinished job of the current phase is run,
    then for each step the exit jobs of the phase left, the transition (audited), and the
    entry jobs of the phase entered. A phase is not entered before its window opens unless
    an administrator forces it (`force=True`, audited). Re-running after a failure resumes.
    """
    now = now_or(now)
    progress = progress or (lambda message: logger.info(message))
    require_system_or_admin(actor, action="推进年度轮次")
    if force and actor is None and label == "beat":
        raise NotPermitted("定时任务不能提前推进年度轮次。")
    target = to or round.next_phase()
    if target is None:
        raise DomainError(f"{round.year}年度已结束。")
    if target not in PHASE_ORDER:
        raise DomainError(f"未知的阶段：{target}")
    if PHASE_ORDER.index(target) < PHASE_ORDER.index(round.phase):
        raise DomainError(
            f"{round.year}年度已处于{round.phase_label}，不能退回到{Phase(target).label}。"
        )

    # Finish what the current phase started (a crash or failure last time).
    _run_jobs(round=round, phase=round.phase, on="enter", progress=progress)
    while round.phase != target:
        step = round.next_phase()
        assert step is not None
        # The timetable as stored: a phase job may have moved a window (a late publication
        # moves the publicity window), and the round is the one clock.
        round.refresh_from_db(fields=TIMETABLE_FIELDS)
        opens_at = _step_opens_at(round, step)
        if step == Phase.CLOSED and now < opens_at:
            # 细则第十条: 公示期满 — never shortened, not even by force.
            raise WindowClosed(
                f"公示期为 7 天，至 {format_moment(round.publicity_closes_at)} 结束，"
                "期满前不能结束本年度轮次、确认落户资格。"
            )
        if now < opens_at and not force:
            raise WindowClosed(
                f"{Phase(step).label}按时间表于 {format_moment(opens_at)} 开始，现在不能提前进入。"
            )
        _run_jobs(round=round, phase=round.phase, on="exit", progress=progress)
        from_phase = round.phase
        progress(f"{round.year}年度：{Phase(from_phase).label} → {Phase(step).label}")
        forced_early = force and now < opens_at
        # The phase only is saved: the quota (round_set_quota) may change while phase jobs
        # ran, and a stale whole-row save would silently undo it.
        transition_apply(
            round,
            ROUND_TRANSITIONS[step],
            actor=actor,
            now=now,
            audited=["phase"],
            reason="管理员提前推进" if forced_early else "",
            label=label,
            message=ROUND_CONFLICT,
            audit_action="round.advance",
        )
        if forced_early:
            _round_window_start(round=round, phase=step, at=now, actor=actor, label=label)
        _run_jobs(round=round, phase=step, on="enter", progress=progress)
    return round


def rounds_advance_due(*, now: dt.datetime | None = None, label: str = "beat") -> list[str]:
    """Advance every round the timetable says is due (beat, every minute); idempotent."""
    now = now_or(now)
    report: list[str] = []
    for round in AnnualRound.objects.exclude(phase=Phase.CLOSED).order_by("year"):
        due = round.phase_due(now)
        if PHASE_ORDER.index(due) < PHASE_ORDER.index(round.phase):
            due = round.phase  # moved on early by an administrator: just finish its jobs
        try:
            from_phase = round.phase
            round_advance(round=round, to=due, now=now, label=label)
        except DomainError as exc:
            logger.warning("round %s not advanced: %s", round.year, exc)
            report.append(f"{round.year}: {exc}")
            continue
        if round.phase != from_phase:
            report.append(f"{round.year}: {from_phase} → {round.phase}")
    return report
