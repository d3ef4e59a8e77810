"""Reviewer decisions: verify, reject or adjust (with a reason, always), rechecks, appeals.

Each decision goes through the workflow claim service (the FSM transition and its audit row
with before/after facts and points) inside one transaction that also clears the manual
flag; an appeal decision re-scores the application (细则第八条: 部门复核 changes the result).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from ranking.policy import FactsError, parse_facts, score
from review.selectors import can_see_claim
from workflow import roles
from workflow.decisions import DECISION_WORDS, DECISIONS, decisions_for
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.facts import (
    BASIS_VERIFIED,
    application_score,
    assemble_facts,
    employer_facts,
    person_facts,
)
from workflow.indicators import INDICATORS
from workflow.models import Application, ClaimState, IndicatorClaim
from workflow.services import (
    audit_record,
    claim_adjust,
    claim_decide_appeal,
    claim_decide_recheck,
    claim_reject,
    claim_verify,
    now_or,
)

BULK_MAX = 500


def _points_with(claim: IndicatorClaim, *, state: str, verified_facts: Any) -> Decimal | None:
    application = claim.application
    rows = [
        (c.indicator, state, c.declared_facts, verified_facts)
        if c.pk == claim.pk
        else (c.indicator, c.state, c.declared_facts, c.verified_facts)
        for c in application.claims.all()
    ]
    facts = assemble_facts(
        year=application.round.year,
        policy_id=application.round.policy_id,
        person=person_facts(application.applicant),
        employer=employer_facts(application.employer),
        claims=rows,
    )
    try:
        return score(parse_facts(facts)).points().get(claim.indicator)
    except FactsError as exc:
        raise DomainError(f"核定信息无效（{exc}）") from exc


def _confirmed_facts(claim: IndicatorClaim) -> dict[str, Any]:
    """What "verify" confirms: the department facts already found, else for a zero-fill claim
    what the records hold (细则第六条), else the declaration (e.g. proven by evidence)."""
    if claim.verified_facts is not None:
        return claim.verified_facts
    if INDICATORS[claim.indicator].zero_fill:
        return (claim.mismatch or {}).get("department") or {}
    return claim.declared_facts


def _require_department(claim: IndicatorClaim, actor: Any) -> None:
    if not can_see_claim(user=actor, claim=claim) or not (
        roles.is_administrator(actor) or roles.department_of(actor) is not None
    ):
        raise NotPermitted(f"只有{claim.department.name}的审核人员才能审核该指标。")


def application_rescore(
    *, application: Application, actor: Any, now: dt.datetime, reason: str
) -> Application:
    """Store the application's total and explanation from its verified facts, with an audit row."""
    before = {
        "total_points": None if application.total_points is None else str(application.total_points)
    }
    try:
        result = application_score(application, basis=BASIS_VERIFIED)
    except FactsError as exc:
        raise DomainError(f"申请的核定信息无效，无法计算积分（{exc}）") from exc
    contract = result.as_contract(explain=True)
    Application.objects.filter(pk=application.pk).update(
        total_points=result.total, score_explanation=contract
    )
    application.total_points, application.score_explanation = result.total, contract
    audit_record(
        actor=actor,
        action="application.rescore",
        obj=application,
        now=now,
        round_year=application.round.year,
        reason=reason,
        before=before,
        after={"total_points": str(result.total)},
    )
    return application


def _declared_for_upholding(claim: IndicatorClaim) -> dict[str, Any]:
    if INDICATORS[claim.indicator].zero_fill:
        raise DomainError(
            f"“{claim.get_indicator_display()}”为零填报指标，没有申请人申报的信息："
            "认为部门数据有误时请选择“调整”并填写核定信息。"
        )
    return claim.declared_facts


def claim_decide(
    *,
    claim: IndicatorClaim,
    actor: Any,
    decision: str,
    reason: str,
    verified_facts: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> IndicatorClaim:
    """A reviewer's decision on one claim; the reason is mandatory for every decision.

    Pending (first review): verify (the declaration, or for a zero-fill claim the department
    records the data exchange found), reject, or adjust (with ``verified_facts``).
    A recheck (复查) or an appeal (申诉): uphold — the applicant's declared facts stand; dismiss
    — the department's facts stand; adjust — the reviewer's facts. The claim's points are
    recomputed from the facts that stand; an appeal also re-scores the application.
    """
    now = now_or(now)
    _require_department(claim, actor)
    if decision not in DECISIONS:
        raise DomainError(f"未知的审核结论：{decision}")
    word = DECISION_WORDS[decision]
    if not (reason or "").strip():
        raise DomainError(f"请填写{word}的理由（审核意见为必填项）。")
    if decision == "adjust" and verified_facts is None:
        raise DomainError("调整审核结果时须填写核定信息。")
    with transaction.atomic():
        claim = (
            IndicatorClaim.objects.select_for_update(of=("self",))
            .select_related(
                "round",  # the transition's clock and guard read the claim's own round
                "application__round",
                "application__applicant",
                "application__employer",
                "department",
            )
            .get(pk=claim.pk)
        )
        allowed = decisions_for(claim.state)
        if decision not in allowed:
            choices = "、".join(f"“{DECISION_WORDS[code]}”" for code in allowed)
            raise InvalidTransition(f"当前状态（{claim.state_label}）只能作出{choices}的结论。")
        common = {"actor": actor, "reason": reason, "now": now}
        if claim.state == ClaimState.PENDING:
            if decision == "verify":
                facts = _confirmed_facts(claim)
                points = _points_with(claim, state=ClaimState.VERIFIED, verified_facts=facts)
                claim = claim_verify(claim=claim, verified_facts=facts, points=points, **common)
            elif decision == "reject":
                claim = claim_reject(claim=claim, **common)
            else:
                points = _points_with(
                    claim, state=ClaimState.ADJUSTED, verified_facts=verified_facts
                )
                claim = claim_adjust(
                    claim=claim, verified_facts=verified_facts, points=points, **common
                )
        elif claim.state == ClaimState.RECHECK_REQUESTED:
            facts = {
                "uphold": lambda: _declared_for_upholding(claim),
                "dismiss": lambda: claim.verified_facts,
                "adjust": lambda: verified_facts,
            }[decision]()
            points = _points_with(claim, state=ClaimState.RECHECKED, verified_facts=facts)
            claim = claim_decide_recheck(claim=claim, verified_facts=facts, points=points, **common)
        else:  # APPEALED
            upheld = decision != "dismiss"
            facts = verified_facts if decision == "adjust" else None
            if decision == "uphold":
                facts = _declared_for_upholding(claim)
            points = (
                _points_with(claim, state=ClaimState.APPEAL_UPHELD, verified_facts=facts)
                if upheld
                else None
            )
            claim = claim_decide_appeal(
                claim=claim, upheld=upheld, verified_facts=facts, points=points, **common
            )
            application_rescore(
                application=claim.application, actor=actor, now=now, reason=f"申诉结论：{reason}"
            )
    return claim


def claims_bulk_decide(
    *,
    claim_ids: Iterable[int],
    actor: Any,
    decision: str,
    reason: str,
    now: dt.datetime | None = None,
) -> list[IndicatorClaim]:
    """The same decision on many claims (after the reviewer confirmed): all or none."""
    ids = list(dict.fromkeys(int(pk) for pk in claim_ids))
    if not ids:
        raise DomainError("请至少选择一项指标。")
    if len(ids) > BULK_MAX:
        raise DomainError(f"一次最多批量审核 {BULK_MAX} 项。")
    if decision == "adjust":
        raise DomainError("调整审核结果须逐项填写核定信息，不能批量操作。")
    claims = list(IndicatorClaim.objects.filter(pk__in=ids).select_related("department"))
    if len(claims) != len(ids):
        raise DomainError("所选指标不存在或已被删除，请刷新后重试。")
    now = now_or(now)
    with transaction.atomic():
        return [
            claim_decide(claim=c, actor=actor, decision=decision, reason=reason, now=now)
            for c in claims
        ]
