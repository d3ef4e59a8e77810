"""联动核察 (细则第二条: 市人力资源社会保障局负责……牵头开展联动核察; 第七条: 相关部门将视需要……
组织开展联动核察).

人社局 opens a check on an application naming the departments taking part (two at least);
each records its finding; 人社局 concludes once every finding is in. The conclusion is written
into the history of each claim those departments review (their decisions follow it), and a
finding of fraud goes to the administrators, who take the integrity path (细则第十七条: 认定
弄虚作假, cancellation and the bar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.models import (
    NOT_FINAL_STATES,
    Application,
    Department,
    JointCheck,
    JointCheckFinding,
    JointCheckState,
)

from ._common import audit_record, now_or
from .departments import departments_ensure
from .transitions import transition_allowed, transition_apply, transition_created

LEAD = "hrss"  # 细则第二条: 人社局牵头
AUDITED = ("state", "outcome", "fraud_found")


def _require_lead(actor: Any, action: str) -> Department:
    lead = departments_ensure()[LEAD]
    if not (roles.is_administrator(actor) or roles.is_reviewer_of(actor, lead)):
        raise NotPermitted(f"只有{lead.name}（联动核察的牵头部门，细则第二条）才能{action}。")
    return lead


def joint_check_open(
    *,
    application: Application,
    actor: Any,
    subject: str,
    departments: Iterable[Department],
    now: dt.datetime | None = None,
) -> JointCheck:
    """人社局 opens a joint check on ``application`` with the departments named."""
    now = now_or(now)
    lead = _require_lead(actor, "发起联动核察")
    if application.state not in NOT_FINAL_STATES:
        raise InvalidTransition(
            f"申请当前状态（{application.state_label}）已办结，不能发起联动核察。"
        )
    if not subject.strip():
        raise DomainError("请在“核察事项”中写明需要核察的内容。")
    departments = {d.pk: d for d in departments}
    if len(departments) < 2:
        raise DomainError("“参与部门”至少选择两个部门（联动核察由多个部门共同核查）。")
    with transaction.atomic():
        check = JointCheck.objects.create(
            application=application,
            department=lead,
            subject=subject.strip(),
            opened_by=actor,
            opened_at=now,
        )
        JointCheckFinding.objects.bulk_create(
            [JointCheckFinding(joint_check=check, department=d) for d in departments.values()]
        )
        transition_created(
            check,
            method="open",
            actor=actor,
            now=now,
            reason=check.subject,
            after={"departments": sorted(d.code for d in departments.values())},
        )
    return check


def joint_check_record_finding(
    *,
    check: JointCheck,
    actor: Any,
    finding: str,
    fraud_suspected: bool = False,
    now: dt.datetime | None = None,
) -> JointCheckFinding:
    """A department taking part records (or corrects, while the check is open) its finding."""
    now = now_or(now)
    department = roles.department_of(actor)
    row = check.findings.filter(department=department).first() if department else None
    if row is None:
        raise NotPermitted("只有参与该联动核察的部门才能填写核查意见。")
    if check.state != JointCheckState.OPEN:
        raise InvalidTransition("联动核察已作出结论，不能再填写核查意见。")
    if not finding.strip():
        raise DomainError("请填写“核查意见”。")
    with transaction.atomic():
        before = {"finding": row.finding, "fraud_suspected": row.fraud_suspected}
        row.finding, row.fraud_suspected = finding.strip(), fraud_suspected
        row.recorded_by, row.recorded_at = actor, now
        row.save(update_fields=["finding", "fraud_suspected", "recorded_by", "recorded_at"])
        audit_record(
            actor=actor,
            action="joint_check.finding",
            obj=check,
            now=now,
            round_year=check.application.round.year,
            reason=row.finding,
            before=before,
            after={"department": department.code, "fraud_suspected": fraud_suspected},
        )
    return row


def joint_check_conclude(
    *,
    check: JointCheck,
    actor: Any,
    outcome: str,
    fraud_found: bool,
    now: dt.datetime | None = None,
) -> JointCheck:
    """人社局 concludes once every department's finding is in."""
    now = now_or(now)
    transition_allowed(check, "conclude", actor=actor, now=now)
    missing = [
        f.department.name
        for f in check.findings.select_related("department")
        if f.recorded_at is None
    ]
    if missing:
        raise DomainError(f"还有部门未填写核查意见（{'、'.join(missing)}），不能作出核察结论。")
    if not outcome.strip():
        raise DomainError("请填写“核察结论”。")
    application = check.application
    with transaction.atomic():
        transition_apply(
            check,
            "conclude",
            actor=actor,
            now=now,
            audited=AUDITED,
            reason=outcome.strip(),
            changes={
                "outcome": outcome.strip(),
                "fraud_found": fraud_found,
                "concluded_by": actor,
                "concluded_at": now,
            },
        )
        # The claims of the departments taking part: their reviewers decide with this in
        # their history.
        taking_part = check.findings.values_list("department_id", flat=True)
        verdict = "查实弄虚作假" if fraud_found else "未发现弄虚作假"
        for claim in application.claims.filter(department_id__in=taking_part):
            audit_record(
                actor=actor,
                action="claim.joint_check",
                obj=claim,
                now=now,
                round_year=application.round.year,
                from_state=claim.state,
                to_state=claim.state,
                reason=f"联动核察结论（{verdict}）：{check.outcome}",
            )
    return check


__all__ = ["joint_check_conclude", "joint_check_open", "joint_check_record_finding"]
