"""After submission, as the operating rules write it: the city's approval of the year's quota
(细则第十条), the termination for a criminal record and its written report (细则第十八条),
and the voluntary renunciation of a qualification (细则第十三条). Every move of an application
goes through its declared transition (``transitions.transition_apply``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.extensions import ranked_list_changed
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    CriminalRecordReport,
    QuotaApproval,
    ReporterRole,
)
from workflow.models.applications import NOT_FINAL_STATES

from ._common import audit_record, now_or
from .applications import AUDITED_FIELDS
from .rounds import round_set_quota
from .transitions import transition_allowed, transition_apply

# --- 细则第十条: 落户规模报市政府批准 -------------------------------------------------------------


def quota_approver_grant(*, user: Any) -> Any:
    """Make ``user`` a 市政府 approver account (group quota_approver): demo and simulation."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=roles.QUOTA_APPROVER_GROUP)
    user.groups.add(group)
    return user


def quota_approval_current(round: AnnualRound) -> QuotaApproval | None:
    """The approval of the round's quota as it stands (None: not approved — never, or the
    quota changed since: a widened quota needs its own approval)."""
    approval = QuotaApproval.objects.filter(round=round).order_by("-approved_at", "-id").first()
    if approval is None or approval.quota != round.quota:
        return None
    return approval


def quota_unapproved_message(round: AnnualRound, action: str) -> str:
    return (
        f"{round.year}年度落户规模 {round.quota} 人尚未经市政府批准（缺少批准记录：批准人、"
        f"批准时间和批准文号），不能{action}。请由市政府审批账号（{roles.QUOTA_APPROVER_GROUP}）"
        "登记批准后再试。"
    )


def quota_approve(
    *,
    round: AnnualRound,
    quota: int,
    document_number: str,
    actor: Any,
    proposed_by: str = "市发展改革委",
    now: dt.datetime | None = None,
) -> QuotaApproval:
    """Record the city's approval of the year's quota proposed by the 发改委 (细则第十条), and
    set the round's quota to it (refused once the list is public, like any quota change).
    Widening the quota is the same step with the new number and its own 文号."""
    now = now_or(now)
    if not roles.is_quota_approver(actor):
        raise NotPermitted("只有市政府审批账号才能批准年度落户规模。")
    document_number = document_number.strip()
    if not document_number:
        raise DomainError("批准文号：请填写市政府批准年度落户规模的文号。")
    with transaction.atomic():
        # The quota service: the system sets it on the approver's behalf (audited as such).
        round_set_quota(round=round, quota=quota, actor=None, now=now, label="quota_approve")
        approval = QuotaApproval.objects.create(
            round=round,
            quota=quota,
            proposed_by=proposed_by.strip() or "市发展改革委",
            document_number=document_number,
            approved_by=actor,
            approved_at=now,
        )
        audit_record(
            actor=actor,
            action="round.approve_quota",
            obj=approval,
            now=now,
            round_year=round.year,
            after={"quota": quota, "document_number": document_number, "proposed_by": proposed_by},
            reason=f"市政府批准年度落户规模（{document_number}）",
        )
    return approval


# --- 细则第十八条: 曾因犯罪被追究刑事责任 ---------------------------------------------------------


def application_terminate(
    *, application: Application, reason: str, actor: Any, now: dt.datetime | None = None
) -> Application:
    """终止积分落户办理程序 (细则第十八条): a criminal record found before settlement ends the
    procedure at whatever state it is in; a qualification held is thereby cancelled. A ranked
    list not yet public is marked to be ranked again."""
    now = now_or(now)
    transition_allowed(application, "terminate", actor=actor, now=now)
    if not reason.strip():
        raise DomainError("请填写终止办理的原因（曾因犯罪被追究刑事责任的情况）。")
    was = application.state
    application = transition_apply(
        application,
        "terminate",
        actor=actor,
        now=now,
        audited=AUDITED_FIELDS,
        reason=reason.strip(),
    )
    if was == AppState.RANKED:
        ranked_list_changed(round=application.round, reason=f"申请 #{application.pk} 终止办理")
    return application


def criminal_record_report_submit(
    *, application: Application, facts: str, actor: Any, now: dt.datetime | None = None
) -> CriminalRecordReport:
    """The applicant's or the verified unit's written report (细则第十八条: 应及时书面报告),
    for the administrators to decide on."""
    now = now_or(now)
    applicant = roles.applicant_of(actor)
    if applicant is not None and applicant.pk == application.applicant_id:
        role = ReporterRole.APPLICANT
    elif roles.is_verified_unit_admin_of(actor, application.employer):
        role = ReporterRole.UNIT
    else:
        raise NotPermitted("只有申请人本人或其用人单位的经办人才能提交书面报告。")
    if application.state not in NOT_FINAL_STATES:
        raise InvalidTransition(
            f"当前状态（{application.state_label}）的申请已不在办理中，无需报告。"
        )
    facts = facts.strip()
    if len(facts) < 10:
        raise DomainError("报告内容：请具体说明被追究刑事责任的情况（至少 10 个字）。")
    with transaction.atomic():
        report = CriminalRecordReport.objects.create(
            application=application,
            reporter=actor,
            reporter_role=role,
            facts=facts,
            submitted_at=now,
        )
        audit_record(
            actor=actor,
            action="criminal_record_report.submit",
            obj=report,
            now=now,
            round_year=application.round.year,
            after={"application": application.pk, "reporter_role": role},
        )
    return report


def criminal_record_report_terminate(
    *, report: CriminalRecordReport, actor: Any, reason: str, now: dt.datetime | None = None
) -> Application:
    """The administrator found the report true: the procedure is terminated (细则第十八条)."""
    now = now_or(now)
    if not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能处理书面报告。")
    with transaction.atomic():
        report = CriminalRecordReport.objects.select_for_update().get(pk=report.pk)
        if report.handled_at is not None:
            raise InvalidTransition(f"书面报告 #{report.pk} 已处理。")
        application = Application.objects.select_related("round").get(pk=report.application_id)
        application = application_terminate(
            application=application,
            reason=f"{reason.strip()}（书面报告 #{report.pk}）" if reason.strip() else "",
            actor=actor,
            now=now,
        )
        report.handled_at, report.handled_by = now, actor
        report.save(update_fields=["handled_at", "handled_by"])
    return application


# --- 细则第十三条: 取得落户资格后自行放弃 ------------------------------------------------------------


def application_renounce(
    *, application: Application, actor: Any, now: dt.datetime | None = None
) -> Application:
    """The applicant gives up the qualification (细则第十三条): final; nobody is admitted in
    the place (落户资格不递补), so nothing is re-ranked."""
    now = now_or(now)
    return transition_apply(
        application,
        "renounce",
        actor=actor,
        now=now,
        audited=AUDITED_FIELDS,
        reason="申请人取得落户资格后自行放弃",
        label="applicant",
    )


__all__ = [
    "application_renounce",
    "application_terminate",
    "criminal_record_report_submit",
    "criminal_record_report_terminate",
    "quota_approval_current",
    "quota_approver_grant",
    "quota_approve",
    "quota_unapproved_message",
]
