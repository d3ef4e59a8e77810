"""原件查验 by appointment (细则第七条: 相关部门将视需要在审核过程中或取得落户资格后，要求申请人
提供原件查验).

A department invites the applicant to show originals at a district office (各区政府、经开区指定
相关部门, 细则第二条); the office sets each window's morning and afternoon capacity per day; the
applicant books, changes or cancels a half-day slot inside the booking period, until the slot
begins; the office marks attended or not attended and records what it found, which also lands
in the claim's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.indicators import DISTRICT_OFFICES
from workflow.models import (
    BEIJING,
    TAKES_A_PLACE,
    Application,
    AppState,
    Department,
    HalfDay,
    IndicatorClaim,
    OriginalsCheck,
    OriginalsState,
    ServiceWindow,
    WindowDay,
)
from workflow.models.review_loop import slot_starts_at

from ._common import audit_record, now_or, snapshot
from .claims import REVIEWABLE_APPLICATION_STATES
from .transitions import transition_allowed, transition_apply, transition_created

AUDITED = ("state", "window", "date", "half", "number", "originals_match", "outcome")
CONFLICT = "该预约已被他人同时修改，请刷新后重试"
# 细则第七条: 审核过程中 (a claim under review) or 取得落户资格后 (the application qualified).
INVITABLE_APPLICATION_STATES = [*REVIEWABLE_APPLICATION_STATES, AppState.QUALIFIED]


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now, BEIJING).date()


def originals_invite(
    *,
    actor: Any,
    office: Department,
    documents: str,
    book_from: dt.date,
    book_until: dt.date,
    claim: IndicatorClaim | None = None,
    application: Application | None = None,
    now: dt.datetime | None = None,
) -> OriginalsCheck:
    """Invite the applicant to show originals at ``office``: on a claim under review (by its
    department or an administrator), or on a qualified application (any department or an
    administrator). DomainError naming the field when a value is wrong."""
    now = now_or(now)
    if claim is not None:
        application = claim.application
        department = roles.department_of(actor)
        if not roles.is_administrator(actor) and (
            department is None or department.pk != claim.department_id
        ):
            raise NotPermitted(
                f"只有负责“{claim.get_indicator_display()}”指标的审核部门才能要求原件查验。"
            )
    elif application is None:
        raise DomainError("要求原件查验须指明申请或积分指标。")
    elif not roles.is_administrator(actor) and roles.department_of(actor) is None:
        raise NotPermitted("只有审核部门或管理员才能要求原件查验。")
    if application.state not in INVITABLE_APPLICATION_STATES:
        raise InvalidTransition(
            f"申请当前状态（{application.state_label}）不能要求原件查验："
            "只能在审核过程中或取得落户资格后要求（细则第七条）。"
        )
    if office.code not in DISTRICT_OFFICES:
        raise DomainError("“查验部门”须是区政府或经开区指定部门（细则第二条）。")
    if not documents.strip():
        raise DomainError("请在“需查验的原件”中写明要查验的原件。")
    if book_from < _today(now):
        raise DomainError("“可预约起始日”不能早于今天。")
    if book_until < book_from:
        raise DomainError("“可预约截止日”不能早于“可预约起始日”。")
    with transaction.atomic():
        check = OriginalsCheck.objects.create(
            application=application,
            claim=claim,
            department=office,
            documents=documents.strip(),
            book_from=book_from,
            book_until=book_until,
            invited_by=actor,
            invited_at=now,
        )
        # The invitation opens the check in 待预约: audited and told to the listeners (the
        # notice) like any move.
        transition_created(
            check,
            method="invite",
            actor=actor,
            now=now,
            reason=check.documents,
            after={
                "application": application.pk,
                "claim": getattr(claim, "pk", None),
                "office": office.code,
                "book_from": book_from.isoformat(),
                "book_until": book_until.isoformat(),
            },
        )
    return check


def window_day_set(
    *,
    window: ServiceWindow,
    date: dt.date,
    morning_capacity: int,
    afternoon_capacity: int,
    actor: Any,
    now: dt.datetime | None = None,
) -> WindowDay:
    """The office sets how many it receives that day, morning and afternoon. Never below the
    bookings already made for a half-day (they keep their places)."""
    now = now_or(now)
    if not (roles.is_administrator(actor) or roles.is_reviewer_of(actor, window.department)):
        raise NotPermitted(f"只有{window.department.name}的工作人员才能设置该窗口的预约容量。")
    if morning_capacity < 0 or afternoon_capacity < 0:
        raise DomainError("预约容量不能为负数。")
    with transaction.atomic():
        day, _ = WindowDay.objects.select_for_update().get_or_create(window=window, date=date)
        before = snapshot(day, ["morning_capacity", "afternoon_capacity"])
        for half, capacity in (
            (HalfDay.MORNING, morning_capacity),
            (HalfDay.AFTERNOON, afternoon_capacity),
        ):
            taken = _taken(window=window, date=date, half=half)
            if capacity < taken:
                raise DomainError(
                    f"{date:%Y-%m-%d}{HalfDay(half).label}已有 {taken} 人预约，"
                    f"“{HalfDay(half).label}可预约人数”不能少于 {taken}。"
                )
        day.morning_capacity, day.afternoon_capacity = morning_capacity, afternoon_capacity
        day.save(update_fields=["morning_capacity", "afternoon_capacity"])
        audit_record(
            actor=actor,
            action="window.capacity",
            obj=day,
            now=now,
            before=before,
            after=snapshot(day, ["morning_capacity", "afternoon_capacity"]),
        )
    return day


def _taken(*, window: ServiceWindow, date: dt.date, half: str, excluding: int | None = None) -> int:
    taken = OriginalsCheck.objects.filter(
        window=window, date=date, half=half, state__in=TAKES_A_PLACE
    )
    if excluding is not None:
        taken = taken.exclude(pk=excluding)
    return taken.count()


def _slot_number(*, window: ServiceWindow, date: dt.date, half: str, check: OriginalsCheck) -> str:
    # Readable at the counter: date, half-day, window, the check's own number.
    return f"YJ{date:%Y%m%d}{'A' if half == HalfDay.MORNING else 'P'}{window.pk:03d}{check.pk:06d}"


def _require_before_slot(check: OriginalsCheck, now: dt.datetime, action: str) -> None:
    starts = slot_starts_at(check.date, check.half)
    if now >= starts:
        raise DomainError(f"预约的时段已于 {starts:%Y-%m-%d %H:%M} 开始，不能再{action}。")


def _book(
    *,
    check: OriginalsCheck,
    method: str,
    actor: Any,
    window: ServiceWindow,
    date: dt.date,
    half: str,
    now: dt.datetime,
) -> OriginalsCheck:
    action = "预约" if method == "book" else "改约"
    transition_allowed(check, method, actor=actor, now=now)
    if check.state not in (OriginalsState.INVITED, OriginalsState.BOOKED):
        raise InvalidTransition(f"当前状态（{check.state_label}）不能{action}。")
    if method == "rebook":
        _require_before_slot(check, now, "改约")
    if window.department_id != check.department_id:
        raise DomainError(f"请选择{check.department.name}的服务窗口。")
    if half not in HalfDay.values:
        raise DomainError("请选择“时段”（上午或下午）。")
    if not check.book_from <= date <= check.book_until:
        raise DomainError(
            f"“预约日期”须在 {check.book_from:%Y-%m-%d} 至 {check.book_until:%Y-%m-%d} 之间。"
        )
    if slot_starts_at(date, half) <= now:
        raise DomainError("该时段已开始或已过去，请选择以后的时段。")
    label = f"{date:%Y-%m-%d}{HalfDay(half).label}"
    with transaction.atomic():
        # The day's row is the lock: two applicants booking the last place queue here, and
        # the second counts the first's booking.
        day = WindowDay.objects.select_for_update().filter(window=window, date=date).first()
        capacity = day.capacity(half) if day is not None else 0
        if capacity == 0:
            raise DomainError(f"“{window.name}”{label}不接受预约，请选择其他时段。")
        if _taken(window=window, date=date, half=half, excluding=check.pk) >= capacity:
            raise DomainError(f"“{window.name}”{label}已约满（{capacity} 人），请选择其他时段。")
        return transition_apply(
            check,
            method,
            actor=actor,
            now=now,
            audited=AUDITED,
            reason=f"{window}，{label}",
            changes={
                "window": window,
                "date": date,
                "half": half,
                "number": _slot_number(window=window, date=date, half=half, check=check),
                "booked_at": now,
            },
            message=CONFLICT,
        )


def originals_book(
    *,
    check: OriginalsCheck,
    actor: Any,
    window: ServiceWindow,
    date: dt.date,
    half: str,
    now: dt.datetime | None = None,
) -> OriginalsCheck:
    """The applicant books (or, already booked, changes to) a half-day slot: inside the
    booking period, before the slot begins, while the slot has a free place."""
    now = now_or(now)
    method = "rebook" if check.state == OriginalsState.BOOKED else "book"
    return _book(
        check=check, method=method, actor=actor, window=window, date=date, half=half, now=now
    )


def originals_cancel(
    *, check: OriginalsCheck, actor: Any, now: dt.datetime | None = None
) -> OriginalsCheck:
    """The applicant gives the place back, before the slot begins; the invitation stands."""
    now = now_or(now)
    transition_allowed(check, "cancel_booking", actor=actor, now=now)
    if check.state != OriginalsState.BOOKED:
        raise InvalidTransition(f"当前状态（{check.state_label}）没有可取消的预约。")
    _require_before_slot(check, now, "取消预约")
    return transition_apply(
        check,
        "cancel_booking",
        actor=actor,
        now=now,
        audited=AUDITED,
        reason="申请人取消预约",
        changes={"window": None, "date": None, "half": "", "number": "", "booked_at": None},
        message=CONFLICT,
    )


def originals_record(
    *,
    check: OriginalsCheck,
    actor: Any,
    attended: bool,
    outcome: str = "",
    originals_match: bool | None = None,
    now: dt.datetime | None = None,
) -> OriginalsCheck:
    """The office marks the booking attended (with what it found) or not attended, from the
    slot's start; the outcome is also written to the claim's history."""
    now = now_or(now)
    method = "mark_attended" if attended else "mark_no_show"
    transition_allowed(check, method, actor=actor, now=now)
    if check.state != OriginalsState.BOOKED:
        raise InvalidTransition(f"当前状态（{check.state_label}）不能登记查验结果。")
    starts = slot_starts_at(check.date, check.half)
    if now < starts:
        raise DomainError(f"预约时段 {starts:%Y-%m-%d %H:%M} 开始后才能登记到场情况。")
    if attended and not outcome.strip():
        raise DomainError("请填写“查验结果”。")
    if attended and originals_match is None:
        raise DomainError("请选择“原件与所传材料是否一致”。")
    outcome = outcome.strip() if attended else (outcome.strip() or "申请人未按预约到场。")
    with transaction.atomic():
        transition_apply(
            check,
            method,
            actor=actor,
            now=now,
            audited=AUDITED,
            reason=outcome,
            changes={
                "originals_match": originals_match if attended else None,
                "outcome": outcome,
                "recorded_by": actor,
                "recorded_at": now,
            },
            message=CONFLICT,
        )
        if check.claim_id is not None:
            # The claim's department decides with this in front of it (its history).
            verdict = (
                ("原件与所传材料一致" if originals_match else "原件与所传材料不一致")
                if attended
                else "未到场"
            )
            audit_record(
                actor=actor,
                action="claim.originals_checked",
                obj=check.claim,
                now=now,
                round_year=check.application.round.year,
                from_state=check.claim.state,
                to_state=check.claim.state,
                reason=f"原件查验（{check.department.name}）：{verdict}。{outcome}",
            )
    return check


__all__ = [
    "originals_book",
    "originals_cancel",
    "originals_invite",
    "originals_record",
    "slot_starts_at",
    "window_day_set",
]
