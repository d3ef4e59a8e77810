"""Indicator claim services: declaration, department decisions, recheck and appeal.

细则第五条: during declaration the applicant sees results and may ask for a recheck (复查).
细则第八条: during the result query phase the applicant may appeal (申诉), once per claim;
after that phase no objection is accepted. 细则第三条 fourth phase: departments decide appeals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from workflow.exceptions import DomainError, InvalidTransition
from workflow.extensions import declaration_changed
from workflow.indicators import INDICATORS, primary_department_of
from workflow.models import AppState, ClaimState, IndicatorClaim
from workflow.selectors import carry_over_offer

from ._common import (
    atomic_transition,
    audit_record,
    now_or,
    snapshot,
)
from .departments import departments_ensure
from .transitions import guard_check, guard_of, transition_allowed, transition_apply

AUDITED_FIELDS = (
    "state",
    "declared_facts",
    "verified_facts",
    "points",
    "decision_reason",
    "recheck_reason",
    "appeal_reason",
    "appealed_at",
    "carried_from",
)
CLAIM_CONFLICT = "该指标已被他人同时修改，请刷新后重试"
# 细则第五条: the applicant edits until the declaration window closes, submitted or not.
EDITABLE_APPLICATION_STATES = [AppState.FILLING, AppState.SUBMITTED]


def _transition(
    *,
    claim: IndicatorClaim,
    method: str,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    label: str = "system",
) -> IndicatorClaim:
    """The one transition mechanism for a claim: its declared guard, the FSM method, a save of
    what it owns and its audit row, in one transaction."""
    return transition_apply(
        claim,
        method,
        actor=actor,
        now=now,
        audited=AUDITED_FIELDS,
        reason=reason,
        changes=changes,
        label=label,
        message=CLAIM_CONFLICT,
    )


def _require_application_state(claim: IndicatorClaim, states: list[str], action: str) -> None:
    application = claim.application
    if application.state not in states:
        raise InvalidTransition(f"申请当前状态（{application.state_label}）不能{action}。")


# --- the applicant ----------------------------------------------------------------------


def require_declarable(indicator: str) -> None:
    """An indicator the applicant declares: a known one, and not zero-fill (零填报, which the
    departments' records decide)."""
    if indicator not in INDICATORS:
        raise DomainError(f"未知的积分指标：{indicator}")
    if INDICATORS[indicator].zero_fill:
        raise DomainError(
            f"“{INDICATORS[indicator].label}”为零填报指标，由部门数据核定，无需填报。"
        )


def claim_declare(
    *,
    application: Any,
    indicator: str,
    declared_facts: dict[str, Any],
    actor: Any,
    now: dt.datetime | None = None,
    carried_from: IndicatorClaim | None = None,
) -> IndicatorClaim:
    """Create or change the applicant's declaration for one indicator.

    `carried_from`: the earlier round's verified claim these facts were taken from
    (`claim_carry_over`); any other declaration clears it, being the applicant's own.

    细则第五条: 在申报阶段内，申请人可修改所填报的积分指标信息. A submitted application is
    edited as it stands: it stays submitted (nothing to re-submit, nothing withdrawn at
    aggregation for being "unsubmitted"), the changed claim goes back to its department as
    `pending`, and the application is re-verified.
    """
    now = now_or(now)
    action = "填报积分指标"
    # Declaring is the applicant's, in the declaration window: the guard of `redeclare`.
    guard_check(guard_of(IndicatorClaim, "redeclare"), application, actor=actor, now=now)
    require_declarable(indicator)
    if application.state not in EDITABLE_APPLICATION_STATES:
        raise InvalidTransition(f"申请当前状态（{application.state_label}）不能{action}。")
    claim = IndicatorClaim.objects.filter(application=application, indicator=indicator).first()
    with atomic_transition(CLAIM_CONFLICT):
        if claim is None:
            claim = IndicatorClaim.objects.create(
                application=application,
                round_id=application.round_id,
                indicator=indicator,
                department=departments_ensure()[primary_department_of(indicator)],
                declared_facts=declared_facts,
                carried_from=carried_from,
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
            claim.carried_from = carried_from
            # The old comparison was of the old declaration; verification compares afresh.
            claim.needs_manual_review, claim.mismatch = False, None
            claim.save(
                update_fields=[
                    "declared_facts",
                    "carried_from",
                    "needs_manual_review",
                    "mismatch",
                    "updated_at",
                ]
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
                actor=actor,
                now=now,
                changes={
                    "declared_facts": declared_facts,
                    "carried_from": carried_from,
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
            # Optimistic lock on its state: if aggregation moved it on meanwhile, the edit
            # rolls back. Then the departments re-verify the changed declaration.
            application.save(update_fields=["updated_at"])
            declaration_changed(round=application.round, application_ids=[application.pk])
    return claim


def claim_carry_over(
    *, application: Any, indicator: str, actor: Any, now: dt.datetime | None = None
) -> IndicatorClaim:
    """ "与上一年度相同（无变化）": declare the applicant's own data verified in an earlier round
    (2020年问答第十二问: 历史数据能用尽用), recording that claim as the source. The department
    still verifies it this year like any declaration (细则第六条); its reviewer sees the source.
    The source is looked up here, never taken from the request: only the applicant's own."""
    offer = carry_over_offer(application=application, indicator=indicator)
    if offer is None:
        label = INDICATORS[indicator].label if indicator in INDICATORS else indicator
        raise DomainError(f"没有可沿用的往年已核实“{label}”信息，请在本页填写。")
    return claim_declare(
        application=application,
        indicator=indicator,
        declared_facts=offer.facts,
        actor=actor,
        now=now,
        carried_from=offer.source,
    )


def claim_request_recheck(
    *, claim: IndicatorClaim, actor: Any, reason: str, now: dt.datetime | None = None
) -> IndicatorClaim:
    # 细则第五条: 对有异议的审核结果发起复查 (declaration phase only)
    now = now_or(now)
    action = "申请复查"
    transition_allowed(claim, "request_recheck", actor=actor, now=now)
    _require_application_state(claim, [AppState.FILLING, AppState.SUBMITTED], action)
    if not reason.strip():
        raise DomainError("请填写申请复查的理由。")
    return _transition(
        claim=claim,
        method="request_recheck",
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
    transition_allowed(claim, "appeal", actor=actor, now=now)
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
        actor=actor,
        now=now,
        reason=reason,
        changes={"appeal_reason": reason.strip(), "appealed_at": now},
    )


# --- the departments --------------------------------------------------------------------

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
        # Decided: no longer waiting in a reviewer's manual queue (one UPDATE with the move).
        "needs_manual_review": False,
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
    application_states: list[str] = REVIEWABLE_APPLICATION_STATES,
) -> IndicatorClaim:
    now = now_or(now)
    # The claim's own department (or an administrator, or the data exchange), in the review
    # phases until the round moves on: declared on the transition.
    transition_allowed(claim, method, actor=actor, now=now)
    _require_application_state(claim, application_states, action)
    if reason_required and not reason.strip():
        raise DomainError(f"请填写{action}的理由。")
    return _transition(
        claim=claim,
        method=method,
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
        application_states=[AppState.RESULTS_PUBLISHED],
    )


__all__ = [
    "claim_adjust",
    "claim_appeal",
    "claim_carry_over",
    "claim_decide_appeal",
    "claim_decide_recheck",
    "claim_declare",
    "claim_reject",
    "claim_request_recheck",
    "claim_verify",
]
