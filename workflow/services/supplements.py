"""补件 (细则第七条): a department asks the applicant for documents with a deadline; the claim
waits in 待补件; the applicant uploads and the claim returns to the department's queue; a
missed deadline hands the claim back at the deadline, marked 补件逾期, to be decided on what
is there (beat every minute, and the aggregation phase's exit job before it counts what is
open).

The deadline lies inside the review: after now, no later than the end of 部门审核结果汇总 (the
last moment a department decides a first review, 细则第三条).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from workflow.exceptions import DomainError, InvalidTransition, WindowClosed
from workflow.models import ClaimState, EvidencePurpose, IndicatorClaim, SupplementRequest
from workflow.services.evidence import evidence_upload

from ._common import format_moment, now_or
from .claims import AUDITED_FIELDS, CLAIM_CONFLICT, REVIEWABLE_APPLICATION_STATES
from .transitions import transition_allowed, transition_apply

OVERDUE_REASON = "补件逾期：申请人未在截止时间前提交补件材料，按现有材料审核。"


def supplement_open(*, claim: IndicatorClaim) -> SupplementRequest | None:
    """The claim's unanswered request, if it waits for the applicant."""
    if claim.state != ClaimState.SUPPLEMENT_REQUESTED:
        return None
    return (
        claim.supplements.filter(answered_at__isnull=True, overdue_at__isnull=True)
        .order_by("-requested_at", "-id")
        .first()
    )


def claim_request_supplement(
    *,
    claim: IndicatorClaim,
    actor: Any,
    documents: str,
    due_at: dt.datetime,
    now: dt.datetime | None = None,
) -> SupplementRequest:
    """The claim's department asks for documents by ``due_at`` (补件). DomainError naming the
    field when the documents are blank or the deadline is not inside the review."""
    now = now_or(now)
    transition_allowed(claim, "request_supplement", actor=actor, now=now)
    application = claim.application
    if application.state not in REVIEWABLE_APPLICATION_STATES:
        raise InvalidTransition(f"申请当前状态（{application.state_label}）不能要求补件。")
    if not documents.strip():
        raise DomainError("请在“需补充的材料”中写明要求申请人补充的材料。")
    closes_at = application.round.aggregation_closes_at
    if due_at <= now:
        raise DomainError("“补件截止时间”必须晚于现在。")
    if due_at > closes_at:
        raise DomainError(
            f"“补件截止时间”不能晚于部门审核结果汇总阶段结束（{format_moment(closes_at)}）。"
        )
    with transaction.atomic():
        request = SupplementRequest.objects.create(
            claim=claim,
            documents=documents.strip(),
            due_at=due_at,
            requested_by=actor,
            requested_at=now,
        )
        transition_apply(
            claim,
            "request_supplement",
            actor=actor,
            now=now,
            audited=AUDITED_FIELDS,
            reason=f"要求补件（截止 {format_moment(due_at)}）：{request.documents}",
            message=CLAIM_CONFLICT,
        )
    return request


def claim_answer_supplement(
    *,
    claim: IndicatorClaim,
    actor: Any,
    uploads: Iterable[Any],
    note: str = "",
    now: dt.datetime | None = None,
) -> SupplementRequest:
    """The applicant uploads what was asked, by the deadline; the claim goes back to its
    department's queue. ValidationError on ``file`` for a missing or refused file."""
    now = now_or(now)
    transition_allowed(claim, "answer_supplement", actor=actor, now=now)
    request = supplement_open(claim=claim)
    if request is None:
        raise InvalidTransition("该指标没有待提交的补件要求。")
    if now > request.due_at:
        raise WindowClosed(
            f"补件截止时间（{format_moment(request.due_at)}）已过，不能再提交补件材料；"
            "该指标将按现有材料审核。"
        )
    uploads = list(uploads)
    if not uploads:
        raise ValidationError({"file": "请至少上传一份补件材料。"})
    with transaction.atomic():
        for upload in uploads:
            evidence_upload(
                application=claim.application,
                indicator=claim.indicator,
                upload=upload,
                actor=actor,
                purpose=EvidencePurpose.SUPPLEMENT,
                claim=claim,
                now=now,
            )
        request.answered_at, request.answer_note = now, note.strip()
        request.save(update_fields=["answered_at", "answer_note"])
        # Back in the department's manual queue: a person reads what came in.
        transition_apply(
            claim,
            "answer_supplement",
            actor=actor,
            now=now,
            audited=AUDITED_FIELDS,
            reason=f"已提交补件材料 {len(uploads)} 份。{request.answer_note}".strip(),
            changes={"needs_manual_review": True},
            message=CLAIM_CONFLICT,
        )
    return request


def supplements_expire(*, now: dt.datetime | None = None, round_id: int | None = None) -> int:
    """Hand back every claim whose 补件 deadline passed unanswered (补件逾期): it returns to its
    department's manual queue to be decided on what is there. Idempotent; returns how many."""
    now = now_or(now)
    overdue = SupplementRequest.objects.filter(
        answered_at__isnull=True,
        overdue_at__isnull=True,
        due_at__lt=now,
        claim__state=ClaimState.SUPPLEMENT_REQUESTED,
    ).select_related("claim__application__round")
    if round_id is not None:
        overdue = overdue.filter(claim__application__round_id=round_id)
    moved = 0
    for request in overdue.order_by("due_at", "pk"):
        claim = request.claim
        with transaction.atomic():
            request.overdue_at = now
            request.save(update_fields=["overdue_at"])
            transition_apply(
                claim,
                "supplement_overdue",
                actor=None,
                now=now,
                audited=AUDITED_FIELDS,
                reason=OVERDUE_REASON,
                changes={"needs_manual_review": True},
                message=CLAIM_CONFLICT,
            )
        moved += 1
    return moved


__all__ = [
    "OVERDUE_REASON",
    "claim_answer_supplement",
    "claim_request_supplement",
    "supplement_open",
    "supplements_expire",
]
