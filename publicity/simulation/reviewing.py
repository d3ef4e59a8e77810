"""The departments' reviewers and the applicants' appeals.

Reviewers work their queues through the back office's decision service
(`review.services.decisions.claim_decide`) in the phase where deciding is allowed: the manual
and recheck queues while the results are aggregated (细则第六条, 第五条), the appeals in the
recheck phase (部门复核, 细则第八条). A reviewer judges a claim by what the applicant's
evidence would show, which the script knows: a true declaration is borne out (now and then
a reviewer errs, and the appeal puts it right), a misstated one is adjusted to the
department's records or rejected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from publicity.simulation.clock import SimulationError, each_side_by_side
from publicity.simulation.declaration import claims_object
from publicity.simulation.people import Cast
from publicity.simulation.script import (
    P_APPEAL,
    P_MISMATCH_REJECTED,
    P_RECHECK_CORRECTED,
    P_REVIEWER_ERRS,
    choice,
)
from review.selectors import OPEN_STATES, QueueFilters, claim_department_facts, work_queue
from review.services.decisions import claim_decide
from workflow.indicators import INDICATORS
from workflow.models import AppState, ClaimState, IndicatorClaim

Progress = Callable[[str], None]
Decision = tuple[str, str, Any]  # decision, reason, verified facts (adjust only)

APPEAL_REASON = "我对“{label}”指标的审核结果有异议，现提交证明材料，申请复核。"


def _manual(cast: Cast, claim: IndicatorClaim) -> Decision:
    script = cast.script_of_applicant(claim.application.applicant_id)
    draw = choice(cast.seed, script.index, claim.indicator, "manual").random()
    if INDICATORS[claim.indicator].zero_fill:
        # 零填报: the records are the facts; none on file is itself the finding.
        return "verify", "按本部门数据核定（无记录的按无记录核定）。", None
    if script.truthful(claim.indicator):
        if draw < P_REVIEWER_ERRS:
            return "reject", "未能在本部门数据中核实申报内容，证明材料不足。", None
        return "verify", "经核对申请人提交的证明材料，申报属实。", None
    department_facts = claim_department_facts(claim=claim)
    if department_facts is None or draw < P_MISMATCH_REJECTED:
        return "reject", "申报内容与本部门记录不符，且无证明材料。", None
    return "adjust", "申报内容与本部门记录不符，按本部门记录核定。", department_facts


def _recheck(cast: Cast, claim: IndicatorClaim) -> Decision:
    script = cast.script_of_applicant(claim.application.applicant_id)
    if choice(cast.seed, script.index, claim.indicator, "recheck decision").random() < (
        P_RECHECK_CORRECTED
    ):
        return "uphold", "经复查，采纳申请人提供的材料，按申报情况核定。", None
    return "dismiss", "经复查，维持原审核结果。", None


def _appeal(cast: Cast, claim: IndicatorClaim) -> Decision:
    script = cast.script_of_applicant(claim.application.applicant_id)
    if script.truthful(claim.indicator):
        return "uphold", "经复核，申诉成立，按申报情况核定。", None
    return "dismiss", "经复核，申诉不成立，维持原审核结果。", None


QUEUES: dict[str, Callable[[Cast, IndicatorClaim], Decision]] = {
    "manual": _manual,
    "recheck": _recheck,
    "appeal": _appeal,
}


def reviewers_decide(cast: Cast, *, queues: list[str], progress: Progress) -> None:
    """Every department's reviewer works through the given queues until they are empty.

    Reviewers of different departments, and one reviewer's claims of different applicants,
    are decided side by side (`each_side_by_side`); one application's claims are decided
    one after the other by one thread (each decision scores the application again)."""
    counts: dict[str, int] = dict.fromkeys(queues, 0)
    for queue in queues:
        by_application: dict[int, list[tuple[Any, IndicatorClaim]]] = {}
        for code, reviewer in cast.reviewers.items():
            claims = work_queue(
                department=cast.departments[code],
                round=cast.round,
                filters=QueueFilters(queue=queue),
            )
            for claim in claims:
                by_application.setdefault(claim.application_id, []).append((reviewer, claim))

        def decide(
            work: list[tuple[Any, IndicatorClaim]], decider: Callable = QUEUES[queue]
        ) -> int:
            for reviewer, claim in work:
                decision, reason, facts = decider(cast, claim)
                claim_decide(
                    claim=claim,
                    actor=reviewer,
                    decision=decision,
                    reason=reason,
                    verified_facts=facts,
                )
            return len(work)

        groups = [by_application[pk] for pk in sorted(by_application)]
        counts[queue] = sum(each_side_by_side(groups, decide))
    progress(
        "审核人员作出结论 / reviewers decided: "
        + "，".join(f"{queue} {count}" for queue, count in counts.items())
    )


def open_claims_left(cast: Cast, *, states: list[str] = OPEN_STATES) -> list[str]:
    """Open claims of applications in review that no queue showed a reviewer (a stall)."""
    rows = (
        IndicatorClaim.objects.filter(application__round=cast.round, state__in=states)
        .exclude(application__state__in=[AppState.WITHDRAWN, *_NOT_SUBMITTED])
        .order_by("pk")
        .values_list("pk", "indicator", "state", "needs_manual_review", "department__code")
    )
    return [
        f"claim #{pk} {indicator} {state} manual={manual} department={department}"
        for pk, indicator, state, manual, department in rows
    ]


_NOT_SUBMITTED = [
    AppState.DRAFT,
    AppState.AWAITING_EMPLOYER,
    AppState.FILLING,
    AppState.REJECTED_BY_EMPLOYER,
]


def require_no_open_claims(cast: Cast, *, where: str) -> None:
    left = open_claims_left(cast)
    if left:
        raise SimulationError(
            f"{where}：{len(left)} 项指标仍未作出结论，轮次将停在部门复核及积分排名阶段："
            + "；".join(left[:10])
        )


def applicants_appeal(cast: Cast, *, progress: Progress) -> None:
    """An applicant with an adverse result may appeal, once per claim (申诉, 细则第八条): always
    when the declaration was true, sometimes when it was not."""
    claims = (
        IndicatorClaim.objects.filter(
            application__round=cast.round,
            application__state=AppState.RESULTS_PUBLISHED,
            state__in=[ClaimState.ADJUSTED, ClaimState.REJECTED, ClaimState.RECHECKED],
            appealed_at__isnull=True,
        )
        .select_related("application__round", "application__applicant")
        .order_by("pk")
    )
    count = claims_object(
        cast,
        claims,
        kind="appeal",
        reason=APPEAL_REASON,
        objects=lambda script, claim, draw: script.truthful(claim.indicator) or draw < P_APPEAL,
    )
    progress(f"{count} 项指标提出申诉 / appeals")
