"""Indicator claim services: declaration, department decisions, recheck and appeal.

细则第五条: during declaration the applicant sees results and may ask for a recheck (复查).
细则第八条: during the result query phase the applicant may appeal (申诉), once per claim;
after that phase no objection is accepted. 细则第三条 fourth phase: departments decide appeals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.indicators import INDICATORS, primary_department_of
from workflow.models import AppState, ClaimState, IndicatorClaim, Phase

from ._common import (
    atomic_transition,
    audit_record,
    now_or,
    require_phase,
    require_phase_open,
    require_transition,
    require_window,
    snapshot,
)
from .departments import departments_ensure

AUDITED_FIELDS = (
    "state",
    "declared_facts",
    "verified_facts",
    "points",
    "decision_reason",
    "recheck_reason",
    "appeal_reason",
    "appealed_at",
)
CLAIM_CONFLICT = "该指标已被他人同时修改，请刷新后重试"
# 细则第五条: the applicant edits until the declaration window closes, submitted or not.
EDITABLE_APPLICATION_STATES = [AppState.FILLING, AppState.SUBMITTED]


def _transition(
    *,
    claim: IndicatorClaim,
    method: str,
    action: str,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    label: str = "system",
) -> IndicatorClaim:
    bound = getattr(claim, method)
    require_transition(bound, state_label=claim.state_label, action=action)
    before = snapshot(claim, AUDITED_FIELDS)
    from_state = claim.state
    with atomic_transition(CLAIM_CONFLICT):
        bound()
        for name, value in (changes or {}).items():
            setattr(claim, name, value)
        # Only what this transition owns: a concurrent change to another field survives.
        claim.save(update_fields=["state", *(changes or {}), "updated_at"])
        audit_record(
            actor=actor,
            label=label,
            action=f"claim.{method}",
            obj=claim,
            now=now,
            round_year=claim.application.round.year,
            from_state=from_state,
            to_state=claim.state,
            reason=reason,
            before=before,
            after=snapshot(claim, AUDITED_FIELDS),
        )
    return claim


def _require_owner(claim_application: Any, actor: Any, action: str) -> None:
    applicant = roles.applicant_of(actor)
    if applicant is None or applicant.pk != claim_application.applicant_id:
        raise NotPermitted(f"只有申请人本人才能{action}。")


def _require_reviewer(claim: IndicatorClaim, actor: Any, action: str) -> None:
    # actor None = the system (data exchange, 细则第六条); administrators oversee every department.
    if actor is None or roles.is_administrator(actor):
        return
    department = roles.department_of(actor)
    if department is None or department.code not in INDICATORS[claim.indicator].departments:
        raise NotPermitted(f"只有负责“{claim.get_indicator_display()}”指标的审核部门才能{action}。")


def _require_time(
    claim: IndicatorClaim, *, phases: list[str], actor: Any, now: dt.datetime, action: str
) -> None:
    if actor is None:
        require_phase(round=claim.application.round, phases=phases, action=action)
    else:
        require_phase_open(round=claim.application.round, phases=phases, now=now, action=action)


def _require_application_state(claim: IndicatorClaim, states: list[str], action: str) -> None:
    application = claim.application
    if application.state not in states:
        raise InvalidTransition(f"申请当前状态（{application.state_label}）不能{action}。")


# --- the applicant ----------------------------------------------------------------------


def claim_declare(
    *,
    application: Any,
    indicator: str,
    declared_facts: dict[str, Any],
    actor: Any,
    now: dt.datetime | None = None,
) -> IndicatorClaim:
    """Create or change the applicant's declaration for one indicator.

    细则第五条: 在申报阶段内，申请人可修改所填报的积分指标信息. A submitted application is
    edited as it stands: it stays submitted (nothing to re-submit, nothing withdrawn at
    aggregation for being "unsubmitted"), the changed claim goes back to its department as
    `pending`, and the application is re-verified.
    """
    now = now_or(now)
    action = "填报积分指标"
    _require_owner(application, actor, action)
    require_window(round=application.round, phases=[Phase.DECLARATION], now=now, action=action)
    if indicator not in INDICATORS:
        raise DomainError(f"未知的积分指标：{indicator}")
    if INDICATORS[indicator].zero_fill:
        raise DomainError(
            f"“{INDICATORS[indicator].label}”为零填报指标，由部门数据核定，无需填报。"
        )
    if application.state not in EDITABLE_APPLICATION_STATES:
        raise InvalidTransition(f"申请当前状态（{application.state_label}）不能{action}。")
    claim = IndicatorClaim.objects.filter(application=application, indicator=indicator).first()
    with atomic_transition(CLAIM_CONFLICT):
        if claim is None:
            claim = IndicatorClaim.objects.create(
                application=application,
                indicator=indicator,
                department=departments_ensure()[primary_department_of(indicator)],
                declared_facts=declared_facts,
            )
            audit_record(
                actor=actor,
                action="claim.declare",
                obj=claim,
                now=now,
                round_year=application.round.year,
                to_state=claim.state,
                after=snapshot(claim, AUDITED_FIELDS),
            )
        elif claim.state == ClaimState.PENDING:
            before = snapshot(claim, AUDITED_FIELDS)
            claim.declared_facts = declared_facts
            # The old comparison was of the old declaration; verification compares afresh.
            claim.needs_manual_review, claim.mismatch = False, None
            claim.save(
                update_fields=["declared_facts", "needs_manual_review", "mismatch", "updated_at"]
            )
            audit_record(
                actor=actor,
                action="claim.declare",
                obj=claim,
                now=now,
                round_year=application.round.year,
                from_state=claim.state,
                to_state=claim.state,
                before=before,
                after=snapshot(claim, AUDITED_FIELDS),
            )
        else:
            # A decided claim (or one awaiting a recheck of the old declaration) goes back to
            # its department: the result no longer answers what is declared.
            _transition(
                claim=claim,
                method="redeclare",
                action=action,
                actor=actor,
                now=now,
                changes={
                    "declared_facts": declared_facts,
                    "verified_facts": None,
                    "points": None,
                    "decided_by": None,
                    "decided_at": None,
                    "decision_reason": "",
                    "recheck_reason": "",
                    "needs_manual_review": False,
                    "mismatch": None,
                },
            )
        if application.state == AppState.SUBMITTED:
            # The application changed: saving it is what its listeners watch (review queues a
            # submitted application for verification on commit, review.signals). Optimistic
            # lock on its state: if aggregation moved it on meanwhile, the edit rolls back.
            application.save(update_fields=["updated_at"])
    return claim


def claim_request_recheck(
    *, claim: IndicatorClaim, actor: Any, reason: str, now: dt.datetime | None = None
) -> IndicatorClaim:
    # 细则第五条: 对有异议的审核结果发起复查 (declaration phase only)
    now = now_or(now)
    action = "申请复查"
    _require_owner(claim.application, actor, action)
    require_window(
        round=claim.application.round, phases=[Phase.DECLARATION], now=now, action=action
    )
    _require_application_state(claim, [AppState.FILLING, AppState.SUBMITTED], action)
    if not reason.strip():
        raise DomainError("请填写申请复查的理由。")
    return _transition(
        claim=claim,
        method="request_recheck",
        action=action,
        actor=actor,
        now=now,
        reason=reason,
        changes={"recheck_reason": reason.strip()},
    )


def claim_appeal(
    *, claim: IndicatorClaim, actor: Any, reason: str, now: dt.datetime | None = None
) -> IndicatorClaim:
    # 细则第八条: 审核结果查询阶段提出申诉; 该阶段结束后不再受理. Once per claim.
    now = now_or(now)
    action = "提出申诉"
    _require_owner(claim.application, actor, action)
    require_window(
        round=claim.application.round, phases=[Phase.RESULT_QUERY], now=now, action=action
    )
    _require_application_state(claim, [AppState.RESULTS_PUBLISHED], action)
    if claim.appealed_at is not None:
        raise InvalidTransition(
            f"“{claim.get_indicator_display()}”指标已于 {claim.appealed_at:%Y年%m月%d日} 提出过申诉，每项指标只能申诉一次。"
        )
    if not reason.strip():
        raise DomainError("请填写申诉理由。")
    return _transition(
        claim=claim,
        method="appeal",
        action=action,
        actor=actor,
        now=now,
        reason=reason,
        changes={"appeal_reason": reason.strip(), "appealed_at": now},
    )


# --- the departments --------------------------------------------------------------------

REVIEW_PHASES = [Phase.DECLARATION, Phase.AGGREGATION]
REVIEWABLE_APPLICATION_STATES = [AppState.SUBMITTED, AppState.UNDER_REVIEW]


def _decision_changes(
    *, actor: Any, now: dt.datetime, verified_facts: Any, points: Decimal | None, reason: str
) -> dict[str, Any]:
    return {
        "verified_facts": verified_facts,
        "points": None if points is None else Decimal(points).quantize(Decimal("0.01")),
        "decision_reason": reason.strip(),
        "decided_by": actor,
        "decided_at": now,
    }


def _decide(
    *,
    claim: IndicatorClaim,
    method: str,
    action: str,
    actor: Any,
    verified_facts: Any,
    points: Decimal | None,
    reason: str,
    now: dt.datetime | None,
    label: str,
    reason_required: bool,
    phases: list[str] = REVIEW_PHASES,
    application_states: list[str] = REVIEWABLE_APPLICATION_STATES,
) -> IndicatorClaim:
    now = now_or(now)
    _require_reviewer(claim, actor, action)
    _require_time(claim, phases=phases, actor=actor, now=now, action=action)
    _require_application_state(claim, application_states, action)
    if reason_required and not reason.strip():
        raise DomainError(f"请填写{action}的理由。")
    return _transition(
        claim=claim,
        method=method,
        action=action,
        actor=actor,
        now=now,
        reason=reason,
        label=label,
        changes=_decision_changes(
            actor=actor, now=now, verified_facts=verified_facts, points=points, reason=reason
        ),
    )


def claim_verify(
    *,
    claim: IndicatorClaim,
    actor: Any = None,
    verified_facts: Any = None,
    points: Decimal | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
    label: str = "system",
) -> IndicatorClaim:
    """The department confirms the declaration (verified_facts default to the declared ones)."""
    return _decide(
        claim=claim,
        method="verify",
        action="审核通过",
        actor=actor,
        verified_facts=claim.declared_facts if verified_facts is None else verified_facts,
        points=points,
        reason=reason,
        now=now,
        label=label,
        reason_required=False,
    )


def claim_reject(
    *,
    claim: IndicatorClaim,
    reason: str,
    actor: Any = None,
    verified_facts: Any = None,
    points: Decimal | None = Decimal("0"),
    now: dt.datetime | None = None,
    label: str = "system",
) -> IndicatorClaim:
    return _decide(
        claim=claim,
        method="reject",
        action="审核不通过",
        actor=actor,
        verified_facts=verified_facts,
        points=points,
        reason=reason,
        now=now,
        label=label,
        reason_required=True,
    )


def claim_adjust(
    *,
    claim: IndicatorClaim,
    verified_facts: Any,
    reason: str,
    actor: Any = None,
    points: Decimal | None = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> IndicatorClaim:
    """The department keeps the claim but with facts of its own (e.g. fewer months)."""
    return _decide(
        claim=claim,
        method="adjust",
        action="调整审核结果",
        actor=actor,
        verified_facts=verified_facts,
        points=points,
        reason=reason,
        now=now,
        label=label,
        reason_required=True,
    )


def claim_decide_recheck(
    *,
    claim: IndicatorClaim,
    reason: str,
    actor: Any = None,
    verified_facts: Any = None,
    points: Decimal | None = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> IndicatorClaim:
    """Answer a recheck (复查结果); a request made near the deadline is answered in aggregation."""
    return _decide(
        claim=claim,
        method="decide_recheck",
        action="作出复查结论",
        actor=actor,
        verified_facts=claim.verified_facts if verified_facts is None else verified_facts,
        points=claim.points if points is None else points,
        reason=reason,
        now=now,
        label=label,
        reason_required=True,
        application_states=[AppState.FILLING, *REVIEWABLE_APPLICATION_STATES],
    )


def claim_decide_appeal(
    *,
    claim: IndicatorClaim,
    upheld: bool,
    reason: str,
    actor: Any = None,
    verified_facts: Any = None,
    points: Decimal | None = None,
    now: dt.datetime | None = None,
    label: str = "system",
) -> IndicatorClaim:
    """Decide an appeal (部门复核): upheld replaces the verified facts and points."""
    return _decide(
        claim=claim,
        method="uphold_appeal" if upheld else "reject_appeal",
        action="作出申诉结论",
        actor=actor,
        verified_facts=(
            verified_facts if upheld and verified_facts is not None else claim.verified_facts
        ),
        points=(points if upheld and points is not None else claim.points),
        reason=reason,
        now=now,
        label=label,
        reason_required=True,
        phases=[Phase.RESULT_QUERY, Phase.RECHECK_RANKING],
        application_states=[AppState.RESULTS_PUBLISHED],
    )


__all__ = [
    "claim_adjust",
    "claim_appeal",
    "claim_decide_appeal",
    "claim_decide_recheck",
    "claim_declare",
    "claim_reject",
    "claim_request_recheck",
    "claim_verify",
]
