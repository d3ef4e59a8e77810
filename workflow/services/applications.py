"""Application services: one transaction each, with its audit row.

Applicant and employer steps run only inside the declaration window (细则第五条);
system steps run when the round's phase jobs call them (or an administrator does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from workflow import roles
from workflow.bars import bar_refusal
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted, WindowClosed
from workflow.extensions import (
    declaration_changed,
    qualification_holds,
    ranked_list_changed,
    settlement_holds,
)
from workflow.indicators import (
    INDICATORS,
    ZERO_FILL_CODES,
    evidence_required,
    primary_department_of,
)
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    ClaimState,
    Employer,
    Evidence,
    EvidencePurpose,
    IndicatorClaim,
    Phase,
)
from workflow.models.applications import PRE_PUBLICATION_STATES

from ._common import (
    atomic_transition,
    audit_record,
    format_moment,
    now_or,
    require_window,
    rows_insert,
    snapshot,
)
from .departments import departments_ensure
from .transitions import transition_allowed, transition_apply

AUDITED_FIELDS = (
    "state",
    "employer",
    "submitted_at",
    "employer_rejection_reason",
    "total_points",
    "rank",
    "admitted",
    "qualified_until",
)


def _transition(
    *,
    application: Application,
    method: str,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    label: str = "system",
    guard: str = "default",
) -> Application:
    """The one transition mechanism for an application: its declared guard, the FSM method,
    a save of what it owns and its audit row, in one transaction."""
    return transition_apply(
        application,
        method,
        actor=actor,
        now=now,
        audited=AUDITED_FIELDS,
        reason=reason,
        changes=changes,
        label=label,
        guard=guard,
    )


def _bar_notice(*, now: dt.datetime, applicant: Any = None, employer: Any = None) -> str:
    # Only called once `is_barred` holds, which is the same test bar_refusal makes.
    return bar_refusal(applicant=applicant, employer=employer, on=timezone.localdate(now)) or ""


# --- applicant and employer (申报阶段) ---------------------------------------------------


def application_start(
    *, round: AnnualRound, actor: Any, now: dt.datetime | None = None
) -> Application:
    """Open the actor's own application for the round (draft). One per applicant per round."""
    now = now_or(now)
    action = "开始申报"
    applicant = roles.applicant_of(actor)
    if applicant is None:
        raise NotPermitted("请先完成申请人实名信息登记，再开始申报。")
    require_window(round=round, phases=[Phase.DECLARATION], now=now, action=action)
    if applicant.is_barred(timezone.localdate(now)):
        raise NotPermitted(f"您{_bar_notice(applicant=applicant, now=now)}")
    if Application.objects.filter(round=round, applicant=applicant).exists():
        raise DomainError(f"您已有{round.year}年度的积分落户申请，每人每年度只能申请一次。")
    try:
        with transaction.atomic():
            application = Application.objects.create(round=round, applicant=applicant)
            audit_record(
                actor=actor,
                action="application.start",
                obj=application,
                now=now,
                round_year=round.year,
                to_state=application.state,
                after=snapshot(application, AUDITED_FIELDS),
            )
    except IntegrityError as exc:  # the same applicant, twice at once
        raise DomainError(
            f"您已有{round.year}年度的积分落户申请，每人每年度只能申请一次。"
        ) from exc
    return application


def application_name_employer(
    *, application: Application, employer: Employer, actor: Any, now: dt.datetime | None = None
) -> Application:
    """The applicant names the employer paying their social insurance (细则第五条)."""
    now = now_or(now)
    transition_allowed(application, "name_employer", actor=actor, now=now)
    require_employer_nameable(employer, now=now)
    return _transition(
        application=application,
        method="name_employer",
        actor=actor,
        now=now,
        changes={"employer": employer, "employer_rejection_reason": ""},
    )


def employer_confirm_affiliation(
    *, application: Application, actor: Any, now: dt.datetime | None = None
) -> Application:
    """The unit administrator confirms the applicant works for the unit (确认隶属关系)."""
    now = now_or(now)
    action = "确认隶属关系"
    transition_allowed(application, "confirm_affiliation", actor=actor, now=now)
    # 细则第十一条: a unit barred after it was named (fraud found meanwhile) may not confirm.
    employer = application.employer
    if employer is not None and employer.is_barred(timezone.localdate(now)):
        raise NotPermitted(
            f"“{employer.name}”{_bar_notice(employer=employer, now=now)}不能{action}。"
        )
    return _transition(application=application, method="confirm_affiliation", actor=actor, now=now)


def employer_reject_affiliation(
    *, application: Application, actor: Any, reason: str, now: dt.datetime | None = None
) -> Application:
    now = now_or(now)
    transition_allowed(application, "reject_affiliation", actor=actor, now=now)
    if not reason.strip():
        raise DomainError("请填写不予确认的原因。")
    return _transition(
        application=application,
        method="reject_affiliation",
        actor=actor,
        now=now,
        reason=reason,
        changes={"employer_rejection_reason": reason.strip()},
    )


def application_submit(
    *, application: Application, actor: Any, now: dt.datetime | None = None
) -> Application:
    """Submit for review; creates the zero-fill claims (零填报) the departments fill in.

    细则第七条: a declaration the data exchange cannot verify is refused without evidence."""
    now = now_or(now)
    transition_allowed(application, "submit", actor=actor, now=now)
    require_evidence([application.pk])
    with atomic_transition():
        _transition(
            application=application,
            method="submit",
            actor=actor,
            now=now,
            changes={"submitted_at": now},
        )
        zero_fill_claims_create(round_id=application.round_id, application_ids=[application.pk])
        # The departments verify it now (细则第五条: results during the declaration).
        declaration_changed(round=application.round, application_ids=[application.pk])
    return application


def zero_fill_claims_create(*, round_id: int, application_ids: list[int]) -> None:
    """The zero-fill claims (零填报) a submission creates for its departments to fill in from
    their own records, those not there yet (a resubmission creates none twice)."""
    departments = departments_ensure()
    existing = set(
        IndicatorClaim.objects.filter(
            application_id__in=application_ids, indicator__in=ZERO_FILL_CODES
        ).values_list("application_id", "indicator")
    )
    rows_insert(
        IndicatorClaim,
        (
            {
                "application_id": pk,
                "round_id": round_id,
                "indicator": code,
                "department_id": departments[primary_department_of(code)].pk,
            }
            for pk in application_ids
            for code in ZERO_FILL_CODES
            if (pk, code) not in existing
        ),
    )


def require_evidence(application_ids: list[int]) -> None:
    """细则第七条: a declaration the data exchange cannot verify is not submitted without its
    evidence. Refuses naming every such indicator of the first application lacking one."""
    with_evidence = set(
        Evidence.objects.filter(
            application_id__in=application_ids, purpose=EvidencePurpose.DECLARATION
        ).values_list("application_id", "indicator")
    )
    missing: dict[int, list[str]] = {}
    # Values, not instances: a claim loaded without its state is read again whole (the FSM's
    # concurrency check records every instance's state), one query per claim.
    for application_id, indicator, facts in (
        IndicatorClaim.objects.filter(application_id__in=application_ids)
        .order_by("application_id", "pk")
        .values_list("application_id", "indicator", "declared_facts")
    ):
        if (application_id, indicator) not in with_evidence and (
            why := evidence_required(indicator, facts)
        ):
            missing.setdefault(application_id, []).append(f"“{INDICATORS[indicator].label}”{why}")
    for items in missing.values():
        raise DomainError(
            "尚不能提交：" + "；".join(items) + "。请在该指标页面上传后再提交（细则第七条）。"
        )


def require_employer_nameable(employer: Employer, *, now: dt.datetime) -> None:
    """细则第五条: 该用人单位应在京注册并进行税务登记; and not barred (细则第十七条)."""
    if not employer.registered_in_beijing:
        raise DomainError(f"“{employer.name}”未在京注册，不能作为申报单位。")
    if not employer.tax_registered:
        raise DomainError(f"“{employer.name}”未进行税务登记，不能作为申报单位。")
    if employer.is_barred(timezone.localdate(now)):
        raise DomainError(f"“{employer.name}”{_bar_notice(employer=employer, now=now)}")


def application_withdraw(
    *, application: Application, actor: Any, reason: str = "", now: dt.datetime | None = None
) -> Application:
    now = now_or(now)
    return _transition(
        application=application,
        method="withdraw",
        actor=actor,
        now=now,
        reason=reason or "申请人撤回",
    )


# --- system steps (phase jobs, or an administrator) ------------------------------------

NOT_SUBMITTED_REASON = "申报阶段截止时未提交，视为撤回"


def application_begin_review(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    now = now_or(now)
    return _transition(
        application=application,
        method="begin_review",
        actor=actor,
        now=now,
        label=label,
    )


def application_publish_results(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    now = now_or(now)
    return _transition(
        application=application,
        method="publish_results",
        actor=actor,
        now=now,
        label=label,
    )


OPEN_CLAIM_STATES = [
    ClaimState.PENDING,
    ClaimState.RECHECK_REQUESTED,
    ClaimState.SUPPLEMENT_REQUESTED,
    ClaimState.APPEALED,
]


def application_finalize(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    """Fix the review results once every appeal is decided (部门复核, 细则第三条 fourth phase)."""
    now = now_or(now)
    transition_allowed(application, "finalize", actor=actor, now=now)
    open_claims = application.claims.filter(state__in=OPEN_CLAIM_STATES).count()
    if open_claims:
        raise InvalidTransition(f"还有 {open_claims} 项指标未完成审核或复核，不能确定审核结果。")
    return _transition(
        application=application, method="finalize", actor=actor, now=now, label=label
    )


def application_mark_ineligible(
    *,
    application: Application,
    reason: str,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    """Not eligible (细则第十四条 资格条件): leaves the round before ranking."""
    now = now_or(now)
    transition_allowed(application, "mark_ineligible", actor=actor, now=now)
    if not reason.strip():
        raise DomainError("请填写不符合资格条件的原因。")
    return _transition(
        application=application,
        method="mark_ineligible",
        actor=actor,
        now=now,
        reason=reason,
        label=label,
    )


def application_publicize(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    now = now_or(now)
    transition_allowed(application, "publicize", actor=actor, now=now)
    if application.admitted is not True:
        raise InvalidTransition("该申请未进入年度落户名单，不能公示。")
    return _transition(
        application=application,
        method="publicize",
        actor=actor,
        now=now,
        label=label,
    )


def application_mark_not_admitted(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    now = now_or(now)
    transition_allowed(application, "mark_not_admitted", actor=actor, now=now)
    if application.admitted is not False:
        raise InvalidTransition("该申请已进入年度落户名单。")
    return _transition(
        application=application,
        method="mark_not_admitted",
        actor=actor,
        now=now,
        label=label,
    )


def application_qualify(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    """公示期满无异议: qualified for two years (细则第十条: 落户资格保留 2年)."""
    now = now_or(now)
    action = "确认取得落户资格"
    transition_allowed(application, "qualify", actor=actor, now=now)
    closes_at = application.round.publicity_closes_at
    if now <= closes_at:
        raise WindowClosed(f"公示期至 {format_moment(closes_at)} 结束，期满后才能{action}。")
    holds = qualification_holds(application)
    if holds:
        raise InvalidTransition(f"不能{action}：{'；'.join(holds)}")
    until = application.round.qualification_expires_on
    return _transition(
        application=application,
        method="qualify",
        actor=actor,
        now=now,
        label=label,
        changes={"qualified_until": until},
    )


def application_cancel(
    *, application: Application, actor: Any, reason: str, now: dt.datetime | None = None
) -> Application:
    """取消落户资格: an upheld objection (细则第十条) or a failed check (细则第十一条)."""
    now = now_or(now)
    transition_allowed(application, "cancel", actor=actor, now=now)
    if not reason.strip():
        raise DomainError("请填写取消落户资格的原因。")
    return _transition(
        application=application, method="cancel", actor=actor, now=now, reason=reason
    )


def application_cancel_for_fraud(
    *, application: Application, actor: Any, reason: str, now: dt.datetime | None = None
) -> Application:
    """弄虚作假 found (细则第十七条), at any state: before the list is public the year's
    application is voided (a ranked one too: the ranking is then marked to be re-run, so the
    list is ranked, approved and published without it); on the list or qualified the
    qualification is cancelled; settled, the hukou is to be cancelled by the police
    (户口注销, 迁回调京前户籍所在地). Already out of the round: nothing moves, the bar still applies."""
    now = now_or(now)
    if not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能认定弄虚作假。")
    if not reason.strip():
        raise DomainError("请填写认定弄虚作假的事实。")
    was = application.state
    if was in PRE_PUBLICATION_STATES:
        method, guard = "void_for_fraud", "default"
    elif was in (AppState.PUBLICIZED, AppState.QUALIFIED):
        method, guard = "cancel", "fraud"
    elif was == AppState.SETTLED:
        method, guard = "revoke_hukou", "default"
    else:
        return application
    application = _transition(
        application=application, method=method, actor=actor, now=now, reason=reason, guard=guard
    )
    if was == AppState.RANKED:
        ranked_list_changed(round=application.round, reason=f"申请 #{application.pk} {reason}")
    return application


def application_settle(
    *, application: Application, actor: Any, now: dt.datetime | None = None
) -> Application:
    """落户 (细则第十二条): called by the settlement chain's last step, never on its own."""
    now = now_or(now)
    transition_allowed(application, "settle", actor=actor, now=now)
    if application.qualified_until and timezone.localdate(now) > application.qualified_until:
        raise DomainError(
            f"落户资格已于 {application.qualified_until:%Y年%m月%d日} 到期，不能再办理落户。"
        )
    holds = settlement_holds(application)
    if holds:
        raise InvalidTransition(f"不能登记落户：{'；'.join(holds)}")
    return _transition(application=application, method="settle", actor=actor, now=now)


def application_forfeit(
    *,
    application: Application,
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> Application:
    # 细则第十条: 逾期未办理的视为自行放弃
    now = now_or(now)
    transition_allowed(application, "forfeit", actor=actor, now=now)
    if (
        application.qualified_until is None
        or timezone.localdate(now) <= application.qualified_until
    ):
        raise DomainError("落户资格尚未到期，不能标记为逾期放弃。")
    return _transition(
        application=application,
        method="forfeit",
        actor=actor,
        now=now,
        reason="落户资格保留期满未办理",
        label=label,
    )


__all__ = [
    "NOT_SUBMITTED_REASON",
    "application_begin_review",
    "application_cancel",
    "application_cancel_for_fraud",
    "application_finalize",
    "application_forfeit",
    "application_mark_ineligible",
    "application_mark_not_admitted",
    "application_name_employer",
    "application_publicize",
    "application_publish_results",
    "application_qualify",
    "application_settle",
    "application_start",
    "application_submit",
    "application_withdraw",
    "employer_confirm_affiliation",
    "employer_reject_affiliation",
]
