"""落户办理 (细则第十一条、第十二条), as a chain nobody can skip.

The qualified applicant prepares the materials online and submits them → the district office
(区指定部门) accepts them or returns them with reasons → the 人社局 approves → the system issues
the numbered letter (函件) → the district office records the settlement and that the
《北京市居住证》 was cancelled. Every move is a Settlement transition through the one mechanism
(``transition_apply``: its guard, its audit row, its notice after commit); the application is
settled only by the last step (``workflow.extensions.settlement_holds``).

The qualification's two years (细则第十条) run throughout: each step refuses once they are
over, and the daily forfeiture job still forfeits a qualification whose chain did not finish.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from publicity.models import HomeKind, Settlement, SettlementChild, SettlementState
from ranking.policy.settlement import (
    FamilyPlanningDecision,
    family_planning_certificate,
    settlement_place_problem,
)
from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.models import Application, AppState
from workflow.notice_events import notices_send
from workflow.services import (
    application_settle,
    audit_record,
    now_or,
    transition_apply,
)
from workflow.services.notices import NoticeDraft
from workflow.services.transitions import TransitionDone, transition_allowed

logger = logging.getLogger(__name__)

JOB_RESIDENCE_AREA = "job_residence_area"
MINOR_AGE = 18  # 随迁未成年子女: under 18 on the day the materials are submitted
LETTER_PREFIX = "京人社积分落户函"
MATERIAL_FIELDS = (
    "home_kind",
    "home_address",
    "home_document",
    "has_archive",
    "archive_holder",
    "marriage_certificate",
    "family_planning_certificate",
)
AUDITED = (
    "state",
    *MATERIAL_FIELDS,
    "return_reason",
    "letter_number",
    "residence_permit_cancelled",
)


def letter_number_format(year: int, sequence: int) -> str:
    """京人社积分落户函〔2026〕0001号."""
    return f"{LETTER_PREFIX}〔{year}〕{sequence:04d}号"


def _require_qualified(application: Application, now: dt.datetime) -> None:
    # 细则第十条: 落户资格保留 2年, 逾期未办理的视为自行放弃 — every step, not only the first.
    if application.state != AppState.QUALIFIED:
        raise InvalidTransition(f"申请当前状态（{application.state_label}）不能办理落户。")
    if application.qualified_until and timezone.localdate(now) > application.qualified_until:
        raise DomainError(
            f"落户资格已于 {application.qualified_until:%Y年%m月%d日} 到期，不能再办理落户。"
        )


def settlement_start(
    *, application: Application, actor: Any, now: dt.datetime | None = None
) -> Settlement:
    """The qualified applicant opens the settlement (once; later calls return it)."""
    now = now_or(now)
    existing = Settlement.objects.filter(application=application).first()
    if existing is not None:
        return existing
    settlement = Settlement(application=application)
    transition_allowed(settlement, "submit", actor=actor, now=now)  # the owner, nobody else
    _require_qualified(application, now)
    with transaction.atomic():
        settlement, created = Settlement.objects.get_or_create(application=application)
        if created:
            audit_record(
                actor=actor,
                action="settlement.start",
                obj=settlement,
                now=now,
                round_year=application.round.year,
                to_state=settlement.state,
            )
    return settlement


def _require_editable(settlement: Settlement, actor: Any, now: dt.datetime, action: str) -> None:
    transition_allowed(settlement, "submit", actor=actor, now=now)
    if settlement.state not in (SettlementState.PREPARING, SettlementState.RETURNED):
        raise InvalidTransition(f"材料已提交（{settlement.get_state_display()}），不能再{action}。")
    _require_qualified(settlement.application, now)


def settlement_materials_save(
    *,
    settlement: Settlement,
    actor: Any,
    data: dict[str, Any],
    now: dt.datetime | None = None,
) -> Settlement:
    """The applicant's answers: where to settle, the archive, the children's family papers."""
    now = now_or(now)
    _require_editable(settlement, actor, now, "修改")
    unknown = set(data) - set(MATERIAL_FIELDS)
    if unknown:
        raise DomainError(f"未知的材料项：{'、'.join(sorted(unknown))}")
    with transaction.atomic():
        before = {name: getattr(settlement, name) for name in MATERIAL_FIELDS}
        for name, value in data.items():
            setattr(settlement, name, value.strip() if isinstance(value, str) else value)
        settlement.save(update_fields=[*data, "updated_at"])
        audit_record(
            actor=actor,
            action="settlement.materials",
            obj=settlement,
            now=now,
            round_year=settlement.application.round.year,
            before=before,
            after={name: getattr(settlement, name) for name in MATERIAL_FIELDS},
        )
    return settlement


def settlement_child_add(
    *, settlement: Settlement, actor: Any, data: dict[str, Any], now: dt.datetime | None = None
) -> SettlementChild:
    """One of the applicant's children (all of them: 细则第十一条（二） counts the births)."""
    now = now_or(now)
    _require_editable(settlement, actor, now, "填写子女")
    if data["birth_date"] > timezone.localdate(now):
        raise DomainError("子女出生日期不能晚于今天。")
    with transaction.atomic():
        child = SettlementChild.objects.create(settlement=settlement, **data)
        audit_record(
            actor=actor,
            action="settlement.child_add",
            obj=settlement,
            now=now,
            round_year=settlement.application.round.year,
            after={"child": child.pk, "name": child.name, "birth_date": str(child.birth_date)},
        )
    return child


def settlement_child_remove(
    *, settlement: Settlement, actor: Any, child_id: int, now: dt.datetime | None = None
) -> None:
    now = now_or(now)
    _require_editable(settlement, actor, now, "修改子女信息")
    with transaction.atomic():
        child = SettlementChild.objects.filter(settlement=settlement, pk=child_id).first()
        if child is None:
            raise DomainError("没有这名子女的记录。")
        audit_record(
            actor=actor,
            action="settlement.child_remove",
            obj=settlement,
            now=now,
            round_year=settlement.application.round.year,
            before={"child": child.pk, "name": child.name, "birth_date": str(child.birth_date)},
        )
        child.delete()


# --- what the materials still lack ------------------------------------------------------------


def scored_job_residence(application: Application) -> bool:
    """Whether the ranked total included 职住区域 points (then the applicant settles in that
    own home: 2020年政策问答)."""
    indicators = (application.score_explanation or {}).get("indicators", {})
    try:
        return Decimal(str(indicators.get(JOB_RESIDENCE_AREA, "0"))) > 0
    except InvalidOperation:
        return False


def _is_minor(birth_date: dt.date, on: dt.date) -> bool:
    try:
        adult_on = birth_date.replace(year=birth_date.year + MINOR_AGE)
    except ValueError:  # born on 29 February: of age on 1 March
        adult_on = dt.date(birth_date.year + MINOR_AGE, 3, 1)
    return on < adult_on


def family_planning_decision(settlement: Settlement) -> FamilyPlanningDecision:
    """细则第十一条（二）, from the children's birth dates."""
    children = list(settlement.children.all())
    return family_planning_certificate(
        [c.birth_date for c in children], accompanying=sum(c.accompanying for c in children)
    )


def settlement_missing(settlement: Settlement, *, now: dt.datetime) -> list[str]:
    """What the materials still lack, each naming the field (empty: ready to submit)."""
    missing: list[str] = []
    problem = settlement_place_problem(
        kind=settlement.home_kind,
        scored_job_residence=scored_job_residence(settlement.application),
    )
    if problem:
        missing.append(f"落户地址类型：{problem}")
    if not settlement.home_address.strip():
        missing.append("落户地址：请填写")
    if settlement.home_kind != HomeKind.COLLECTIVE and not settlement.home_document.strip():
        missing.append("住房证明编号：请填写产权证书、租赁合同或分配通知单的编号")
    if settlement.has_archive and not settlement.archive_holder.strip():
        missing.append("档案存放单位：有档案的请填写")
    today = timezone.localdate(now)
    accompanying = [c for c in settlement.children.all() if c.accompanying]
    for child in accompanying:
        if not _is_minor(child.birth_date, today):
            missing.append(f"随迁子女{child.name}：已满 18 周岁，不属于随迁未成年子女")
        if not child.hukou_booklet:
            missing.append(f"随迁子女{child.name}：户口簿")
        if not child.birth_certificate:
            missing.append(f"随迁子女{child.name}：《出生医学证明》")
    if accompanying and not settlement.marriage_certificate:
        missing.append("与随迁子女有关的婚姻凭证")
    decision = family_planning_decision(settlement)
    if decision.required and not settlement.family_planning_certificate:
        missing.append(f"符合计划生育政策凭证（{decision.article}：{decision.rule}）")
    return missing


# --- the chain ---------------------------------------------------------------------------------


def _move(
    settlement: Settlement,
    method: str,
    *,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Settlement:
    return transition_apply(
        settlement,
        method,
        actor=actor,
        now=now,
        audited=AUDITED,
        reason=reason,
        changes=changes,
    )


def settlement_submit(
    *, settlement: Settlement, actor: Any, now: dt.datetime | None = None
) -> Settlement:
    """The applicant submits the materials to the district office (细则第十一条)."""
    now = now_or(now)
    transition_allowed(settlement, "submit", actor=actor, now=now)
    _require_qualified(settlement.application, now)
    missing = settlement_missing(settlement, now=now)
    if missing:
        raise DomainError(f"材料不全，不能提交：{'；'.join(missing)}。")
    return _move(settlement, "submit", actor=actor, now=now, changes={"submitted_at": now})


def settlement_return(
    *, settlement: Settlement, actor: Any, reason: str, now: dt.datetime | None = None
) -> Settlement:
    """The district office returns the materials, saying what to put right."""
    now = now_or(now)
    transition_allowed(settlement, "return_materials", actor=actor, now=now)
    _require_qualified(settlement.application, now)
    if not reason.strip():
        raise DomainError("退回原因：请写明需要补正的材料。")
    return _move(
        settlement,
        "return_materials",
        actor=actor,
        now=now,
        reason=reason.strip(),
        changes={"return_reason": reason.strip(), "reviewed_at": now, "reviewed_by": actor},
    )


def settlement_accept(
    *, settlement: Settlement, actor: Any, now: dt.datetime | None = None
) -> Settlement:
    """材料经区指定部门审核无误后报市人力资源社会保障局核准 (细则第十一条)."""
    now = now_or(now)
    transition_allowed(settlement, "accept", actor=actor, now=now)
    _require_qualified(settlement.application, now)
    return _move(
        settlement,
        "accept",
        actor=actor,
        now=now,
        changes={"return_reason": "", "reviewed_at": now, "reviewed_by": actor},
    )


def settlement_approve(
    *, settlement: Settlement, actor: Any, now: dt.datetime | None = None
) -> Settlement:
    """The 人社局 approves; the system issues the numbered letter in the same transaction, so
    an approval never waits for its letter (细则第十二条: 凭市人力资源社会保障局出具的函件)."""
    now = now_or(now)
    transition_allowed(settlement, "approve", actor=actor, now=now)
    _require_qualified(settlement.application, now)
    with transaction.atomic():
        _move(
            settlement,
            "approve",
            actor=actor,
            now=now,
            changes={"approved_at": now, "approved_by": actor},
        )
        year = timezone.localdate(now).year
        # The numbers run in order within the year of issue; the unique constraint makes a
        # concurrent approval that drew the same number fail rather than share it.
        last = Settlement.objects.filter(letter_year=year).aggregate(last=Max("letter_sequence"))
        sequence = (last["last"] or 0) + 1
        _move(
            settlement,
            "issue_letter",
            actor=None,
            now=now,
            changes={
                "letter_year": year,
                "letter_sequence": sequence,
                "letter_number": letter_number_format(year, sequence),
                "letter_issued_at": now,
            },
        )
    return settlement


def settlement_record(
    *,
    settlement: Settlement,
    actor: Any,
    residence_permit_cancelled: bool,
    now: dt.datetime | None = None,
) -> Settlement:
    """The district office records the settlement (细则第十二条: 凭函件办理调档及落户手续，落户后
    应依法注销《北京市居住证》): the application is settled in the same transaction."""
    now = now_or(now)
    transition_allowed(settlement, "settle", actor=actor, now=now)
    _require_qualified(settlement.application, now)
    if settlement.state != SettlementState.LETTER_ISSUED:
        raise InvalidTransition(
            f"当前状态（{settlement.get_state_display()}）不能登记落户：须先经市人力资源社会保障局"
            "核准并出具函件。"
        )
    if not residence_permit_cancelled:
        raise DomainError("《北京市居住证》：落户后应依法注销（细则第十二条），注销后再登记落户。")
    with transaction.atomic():
        application_settle(application=settlement.application, actor=actor, now=now)
        _move(
            settlement,
            "settle",
            actor=actor,
            now=now,
            changes={
                "residence_permit_cancelled": True,
                "settled_at": now,
                "settled_by": actor,
            },
        )
    return settlement


def settlement_hold(application: Application) -> str | None:
    """The core's question before it settles an application (registered in ready())."""
    settlement = Settlement.objects.filter(application=application).first()
    if settlement is None:
        return "尚未提交落户材料"
    if settlement.state != SettlementState.LETTER_ISSUED:
        return f"落户办理当前为“{settlement.get_state_display()}”，须出具函件后才能登记落户"
    return None


def settlement_require_viewer(settlement: Settlement, actor: Any) -> None:
    """Who may see a settlement and its papers: the applicant, the district office, the
    人社局, administrators."""
    if roles.is_administrator(actor) or roles.is_district_office(actor):
        return
    if roles.is_hrss_reviewer(actor):
        return
    applicant = roles.applicant_of(actor)
    if applicant is not None and applicant.pk == settlement.application.applicant_id:
        return
    raise NotPermitted("只有申请人本人、区指定部门和市人力资源社会保障局才能查看落户办理材料。")


# --- notices --------------------------------------------------------------------------------

_NOTICES = {
    "return_materials": (
        "落户材料被退回，请补正",
        "区指定部门退回了您的落户办理材料：{reason}。请补正后重新提交。",
    ),
    "accept": (
        "落户材料已审核通过",
        "区指定部门已审核通过您的落户办理材料，报市人力资源社会保障局核准（细则第十一条）。",
    ),
    "approve": ("落户已核准", "市人力资源社会保障局已核准您的积分落户（细则第十一条）。"),
    "issue_letter": (
        "落户函件已出具",
        "函件编号 {letter}。请凭函件按有关规定办理调档及落户手续，落户后依法注销"
        "《北京市居住证》（细则第十二条）。",
    ),
}


def settlement_notices_on_done(done: TransitionDone) -> None:
    """Transition listener (registered in ready()): the applicant hears each step of the chain
    once it committed. The settlement itself is told by the application's own notice."""
    if done.model != "publicity.settlement" or done.method not in _NOTICES:
        return
    drafts = []
    for settlement in Settlement.objects.filter(pk__in=done.ids).select_related(
        "application__applicant"
    ):
        subject, body = _NOTICES[done.method]
        drafts.append(
            NoticeDraft(
                settlement.application.applicant.user_id,
                f"settlement:{settlement.pk}:{done.method}:{done.at.isoformat()}",
                subject,
                body.format(reason=done.reason, letter=settlement.letter_number),
                reverse("publicity:settlement_mine"),
            )
        )
    try:
        notices_send(drafts)
    except Exception:  # a failed notice must not turn a committed step into an error page
        logger.exception("settlement notices for %s %s failed", done.method, done.ids[:5])
