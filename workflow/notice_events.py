"""Which committed moves tell whom what (站内通知、邮件、短信).

A transition listener (registered in ``WorkflowConfig.ready``): after a move commits, it
composes the notices for it and records them once per recipient and key, then hands the new
ones to the delivery task. A bulk move (``NOTICE_JOB_FROM`` objects or more) has them composed
by a worker instead, as a job of its own that the reconciliation enqueues again if Redis loses
it. A move rolled back is never announced, so never notified.

Who hears (and nobody who may not see the item):
- the applicant, about their own application and claims;
- the unit's *verified* accounts, about their staff's affiliation requests and final
  outcomes (an unverified account sees none of its staff's applications);
- at a phase change, the applicants of the round whose application is still live.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import F, Model, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from ranking.policy.identity import mask_id_number
from workflow import roles
from workflow.extensions import ranking_summary
from workflow.jobs import RunLock, job_run_lock
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    AppState,
    ClaimState,
    EmployerMembership,
    IndicatorClaim,
    JobRun,
    JobStatus,
    JointCheck,
    OriginalsCheck,
    Phase,
    ReviewerProfile,
    SupplementRequest,
)
from workflow.services._common import format_moment
from workflow.services.notices import NoticeDraft, notices_record
from workflow.services.transitions import TransitionDone
from workflow.tasks import notices_queue

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)
User = get_user_model()

# No longer in the round: a phase change is none of their business any more.
ENDED_STATES = [
    AppState.WITHDRAWN,
    AppState.INELIGIBLE,
    AppState.NOT_ADMITTED,
    AppState.CANCELLED,
    AppState.FORFEITED,
    AppState.SETTLED,
    AppState.VOIDED,
    AppState.HUKOU_REVOKED,
    AppState.TERMINATED,
    AppState.RENOUNCED,
]


def notices_send(drafts: Iterable[NoticeDraft]) -> int:
    """Record the notices (once each) and queue their e-mail and SMS. Call it only after the
    change it describes committed. Returns how many were new."""
    ids = notices_record(drafts=drafts)
    notices_queue(ids)
    return len(ids)


# A move of this many objects (a phase job's chunk, a mass step), or a round's phase change
# (it tells every live applicant), has its notices composed by a worker: composing 130,000
# outcomes was a tenth of the committing process's time, which it spent on nothing else. A
# single decision's notice is composed at once, inline.
NOTICE_JOB_FROM = 100
NOTICE_JOB_KIND = "workflow.notices"


def _tells_many(done: TransitionDone) -> bool:
    return len(done.ids) >= NOTICE_JOB_FROM or done.model == "workflow.annualround"


def on_transition_done(done: TransitionDone) -> None:
    """The listener. A notice that fails must not turn a committed decision into an error
    page: it is logged, and the move stands."""
    try:
        if _tells_many(done):
            notice_job_start(done)
        else:
            notices_send(drafts_for(done))
    except Exception:
        logger.exception("notices for %s.%s %s failed", done.model, done.method, done.ids[:5])


def notice_job_start(done: TransitionDone) -> JobRun:
    """Record the move's notices as a job (its row is what the reconciliation enqueues again
    if Redis loses the message: `workflow.reconcile`) and hand it to a worker."""
    job_run = JobRun.objects.create(
        kind=NOTICE_JOB_KIND,
        key=f"notices:{done.model}:{done.method}:{done.at.isoformat()}:{uuid.uuid4().hex}",
        status=JobStatus.PENDING,
        total=len(done.ids),
        payload={
            "model": done.model,
            "method": done.method,
            "ids": list(done.ids),
            "to_state": done.to_state,
            "actor_id": done.actor_id,
            "at": done.at.isoformat(),
            "reason": done.reason,
        },
        enqueued_at=timezone.now(),
        message=f"通知：{done.model}.{done.method} {len(done.ids)} 项",
    )
    notice_job_enqueue(job_run=job_run)
    return job_run


def notice_job_enqueue(*, job_run: JobRun) -> None:
    """Hand a notice job to the broker (also the reconciliation's re-enqueue)."""
    from workflow.tasks import compose_notices

    compose_notices.delay(job_run.pk)


def notice_job_run(*, job_run_id: int) -> int:
    """Compose, record and queue a move's notices, once: a copy of the task delivered twice
    finds the job done, or its lock held; a run that died half-way is run again whole
    (recording is once per recipient and key). Returns how many notices were new."""
    job_run = JobRun.objects.get(pk=job_run_id)
    if job_run.status == JobStatus.SUCCEEDED:
        return 0
    with job_run_lock(key=job_run.key, grace=0) as lock:
        if lock is RunLock.BUSY:
            return 0
        JobRun.objects.filter(pk=job_run.pk).update(
            status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now()
        )
        payload = job_run.payload
        done = TransitionDone(
            model=payload["model"],
            method=payload["method"],
            ids=tuple(payload["ids"]),
            to_state=payload["to_state"],
            actor_id=payload["actor_id"],
            at=dt.datetime.fromisoformat(payload["at"]),
            reason=payload["reason"],
        )
        sent = notices_send(drafts_for(done))
        JobRun.objects.filter(pk=job_run.pk).update(
            status=JobStatus.SUCCEEDED,
            done=job_run.total,
            finished_at=timezone.now(),
            message=f"{job_run.message}：新通知 {sent} 条",
        )
    return sent


def drafts_for(done: TransitionDone) -> Iterator[NoticeDraft]:
    if done.model == "workflow.application":
        yield from _application_drafts(done)
    elif done.model == "workflow.indicatorclaim":
        yield from _claim_drafts(done)
    elif done.model == "workflow.annualround":
        yield from _phase_drafts(done)
    elif done.model == "workflow.originalscheck":
        yield from _originals_drafts(done)
    elif done.model == "workflow.jointcheck":
        yield from _joint_check_drafts(done)


def _rows(queryset: QuerySet[M], *, count: int) -> Iterable[M]:
    """The moved objects: a bulk move's many streamed, a single move's one read at once. On
    PostgreSQL `.iterator()` opens a server-side cursor held past the commit: round trips
    more for every single move (that read was a fifth of the simulated applicants' start)."""
    return queryset.iterator(chunk_size=2000) if count > 2000 else queryset


def _applicant_link() -> str:
    return reverse("workflow:applicant")


def _units_recipients(application_ids: Iterable[int]) -> dict[int | None, list[int]]:
    """Each employer of these applications → its verified accounts: only they see its
    staff's applications."""
    recipients: dict[int | None, list[int]] = {}
    for employer_id, user_id in (
        EmployerMembership.objects.filter(
            employer__applications__pk__in=list(application_ids), verified_at__isnull=False
        )
        .values_list("employer_id", "user_id")
        .distinct()
        .order_by("employer_id", "user_id")
    ):
        recipients.setdefault(employer_id, []).append(user_id)
    return recipients


def police_recipients() -> list[int]:
    """The police department's reviewers (公安局): they cancel a hukou obtained by fraud."""
    return list(
        ReviewerProfile.objects.filter(department__code="police", user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _points(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


# --- applications -----------------------------------------------------------------------


def _id_number(application_id: int) -> str:
    return Applicant.objects.get(applications__pk=application_id).id_number


def _outcome_text(application: _MovedApplication, cutoff: Any) -> str:
    cutoff_text = f"，本年度落户分数线 {_points(cutoff)} 分" if cutoff is not None else ""
    return f"积分 {_points(application.total_points)} 分，排名第 {application.rank or '—'} 名{cutoff_text}"


@dataclass(frozen=True, slots=True)
class _MovedApplication:
    """What an application's notices say of it, read as plain values: building model
    instances (the FSM's state tracking, every column decoded) was most of the composing."""

    pk: int
    round: AnnualRound
    employer_id: int | None
    employer: str
    name: str
    user_id: int
    total_points: Decimal | None
    rank: int | None
    qualified_until: Any


def _moved_applications(done: TransitionDone) -> Iterator[_MovedApplication]:
    rows = (
        Application.objects.filter(pk__in=done.ids)
        .order_by("pk")
        .values_list(
            "pk",
            "round_id",
            "employer_id",
            "employer__name",
            "applicant__name",
            "applicant__user_id",
            "total_points",
            "rank",
            "qualified_until",
        )
    )
    rounds: dict[int, AnnualRound] = {}  # the round once, not its twenty moments per row
    for pk, round_id, employer_id, employer, name, user_id, total, rank, until in _rows(
        rows, count=len(done.ids)
    ):
        if round_id not in rounds:
            rounds[round_id] = AnnualRound.objects.get(pk=round_id)
        yield _MovedApplication(
            pk, rounds[round_id], employer_id, employer or "", name, user_id, total, rank, until
        )


def _link_maker(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many objects at the cost of one reverse (reversing was a
    sixth of composing a bulk move's notices)."""
    marker = "2147483647"
    prefix, _, suffix = reverse(name, args=[int(marker)]).partition(marker)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _application_drafts(done: TransitionDone) -> Iterator[NoticeDraft]:
    cutoff_by_round: dict[int, Any] = {}
    recipients_of: dict[int | None, list[int]] | None = None

    def unit_recipients(employer_id: int | None) -> list[int]:
        # Every unit of the move's applications in one query, on the first notice to a
        # unit (a bulk move's 2,000 applications have a thousand employers).
        nonlocal recipients_of
        if recipients_of is None:
            recipients_of = _units_recipients(done.ids)
        return recipients_of.get(employer_id, [])

    mine = _applicant_link()
    unit_link_of = _link_maker("workflow:unit_application")
    for app in _moved_applications(done):
        year = app.round.year
        key = f"application:{app.pk}:{done.method}:{done.to_state}"
        stamped_key = f"{key}:{done.at.isoformat()}"  # a move that may happen again
        unit_link = unit_link_of(app.pk)
        name = app.name
        if done.method == "name_employer":
            for user_id in unit_recipients(app.employer_id):
                yield NoticeDraft(
                    user_id,
                    stamped_key,
                    f"{name}申请确认与本单位的隶属关系",
                    f"{name}在{year}年度积分落户申报中选择了本单位“{app.employer}”，请在申报截止"
                    f"（{format_moment(app.round.declaration_closes_at)}）前确认或说明不予确认的原因。",
                    unit_link,
                )
        elif done.method == "confirm_affiliation":
            yield NoticeDraft(
                app.user_id,
                stamped_key,
                "用人单位已确认隶属关系",
                f"“{app.employer}”已确认您与单位的隶属关系。请填报积分指标，并在申报截止"
                f"（{format_moment(app.round.declaration_closes_at)}）前提交申请。",
                mine,
            )
        elif done.method == "reject_affiliation":
            yield NoticeDraft(
                app.user_id,
                stamped_key,
                "用人单位不予确认隶属关系",
                f"“{app.employer}”不予确认您与单位的隶属关系，原因：{done.reason}。"
                f"您可在申报截止（{format_moment(app.round.declaration_closes_at)}）前"
                "重新选择用人单位。",
                mine,
            )
        elif done.method == "withdraw":
            why = f"原因：{done.reason}。" if done.reason else ""
            yield NoticeDraft(
                app.user_id,
                key,
                f"{year}年度积分落户申请已撤回",
                f"您的{year}年度积分落户申请已于 {format_moment(done.at)} 撤回。{why}",
                mine,
            )
        elif done.method == "mark_ineligible":
            yield NoticeDraft(
                app.user_id,
                key,
                "申请不符合积分落户资格条件",
                f"经审核，您的{year}年度积分落户申请不符合资格条件。{done.reason}",
                mine,
            )
        elif done.method in ("void_for_fraud", "terminate", "renounce"):
            subject, body = {
                "void_for_fraud": (
                    f"{year}年度积分落户申请已取消",
                    f"经核查，您的{year}年度积分落户申请材料弄虚作假，申请已取消（细则第十七条）。"
                    f"{done.reason}",
                ),
                "terminate": (
                    "积分落户办理程序已终止",
                    f"您的{year}年度积分落户办理程序已终止（细则第十八条）。{done.reason}",
                ),
                "renounce": (
                    "已自行放弃积分落户资格",
                    f"您已于 {format_moment(done.at)} 自行放弃{year}年度积分落户资格，"
                    "该资格不递补（细则第十三条）。",
                ),
            }[done.method]
            yield NoticeDraft(app.user_id, key, subject, body, mine)
            for user_id in unit_recipients(app.employer_id):
                yield NoticeDraft(user_id, key, f"本单位职工{name}：{subject}", subject, unit_link)
        elif done.method == "revoke_hukou":
            # 细则第十七条: 已取得本市常住户口的，由公安部门予以注销 — the police reviewers act on it.
            for user_id in police_recipients():
                yield NoticeDraft(
                    user_id,
                    key,
                    f"提请注销户口：{name}（{year}年度积分落户）",
                    # Masked: a notice is stored and mailed in clear; the full number is on
                    # the application's pages in the back office (申请编号).
                    f"{name}（公民身份号码 {mask_id_number(_id_number(app.pk))}，"
                    f"申请编号 {app.pk}）通过{year}年度积分落户"
                    f"取得本市常住户口，现查实申请材料弄虚作假（{done.reason}）。"
                    "请依细则第十七条注销其本市常住户口，并迁回调京前户籍所在地。",
                    "",
                )
            yield NoticeDraft(
                app.user_id,
                key,
                "积分落户所得户口将被注销",
                f"经核查，您的{year}年度积分落户申请材料弄虚作假（{done.reason}），已提请公安部门"
                "注销您的本市常住户口并迁回调京前户籍所在地（细则第十七条）。",
                mine,
            )
        elif done.method in ("publicize", "mark_not_admitted"):
            if app.round.pk not in cutoff_by_round:
                summary = ranking_summary(app.round) or {}
                cutoff_by_round[app.round.pk] = summary.get("cutoff")
            outcome = _outcome_text(app, cutoff_by_round[app.round.pk])
            admitted = done.method == "publicize"
            verdict = "进入落户公示名单" if admitted else "未进入落户名单"
            tail = (
                f"公示期至 {format_moment(app.round.publicity_closes_at)}，期满无异议的取得落户资格。"
                if admitted
                else ""
            )
            yield NoticeDraft(
                app.user_id,
                key,
                f"{year}年度积分落户结果：{verdict}",
                f"您{outcome}，{verdict}。{tail}",
                mine,
            )
            for user_id in unit_recipients(app.employer_id):
                yield NoticeDraft(
                    user_id,
                    key,
                    f"本单位职工{name}：{verdict}",
                    f"{name}{outcome}，{verdict}。",
                    unit_link,
                )
        elif done.method in ("qualify", "settle", "forfeit", "cancel"):
            texts = {
                "qualify": (
                    "已取得积分落户资格",
                    f"公示期满无异议，您已取得{year}年度积分落户资格，有效期至 "
                    f"{app.qualified_until or app.round.qualification_expires_on}。"
                    "请备齐《北京市积分落户申请表》等材料办理落户。",
                ),
                "settle": ("落户办理已完成", "您的积分落户手续已办结。"),
                "forfeit": (
                    "积分落户资格逾期视为放弃",
                    "落户资格保留期满未办理落户，视为自行放弃（细则第十条）。",
                ),
                "cancel": ("积分落户资格已取消", f"您的积分落户资格已取消。{done.reason}"),
            }
            subject, body = texts[done.method]
            yield NoticeDraft(app.user_id, key, subject, body, mine)
            if done.method in ("qualify", "settle", "cancel"):
                for user_id in unit_recipients(app.employer_id):
                    yield NoticeDraft(
                        user_id,
                        key,
                        f"本单位职工{name}：{subject}",
                        f"{name}：{subject}。",
                        unit_link,
                    )


# --- claims -----------------------------------------------------------------------------


def _appeal_hint(round: AnnualRound, state: str, now_phase: str) -> str:
    """细则第五条、第八条: until the declaration closes a recheck; in the result-query phase one
    appeal per indicator."""
    parts = []
    if now_phase == Phase.DECLARATION and state in (ClaimState.REJECTED, ClaimState.ADJUSTED):
        parts.append(f"申报截止（{format_moment(round.declaration_closes_at)}）前可申请复查")
    if now_phase in (Phase.SCHEDULED, Phase.DECLARATION, Phase.AGGREGATION, Phase.RESULT_QUERY):
        parts.append(
            f"审核结果查询阶段（{format_moment(round.result_query_opens_at)} 至 "
            f"{format_moment(round.result_query_closes_at)}）可提出申诉，每项指标限一次"
        )
    return "如有异议，" + "；".join(parts) + "。" if parts else ""


def _supplement_drafts(done: TransitionDone) -> Iterator[NoticeDraft]:
    # 细则第七条: the applicant must know what to upload and by when, and that a missed
    # deadline means the item is decided on what is there.
    requests = (
        SupplementRequest.objects.filter(claim_id__in=done.ids)
        .select_related("claim__application__applicant", "claim__department")
        .order_by("claim_id", "-requested_at", "-id")
    )
    seen: set[int] = set()
    for request in requests:
        if request.claim_id in seen:
            continue  # the newest request of each claim
        seen.add(request.claim_id)
        claim = request.claim
        label = claim.get_indicator_display()
        link = reverse("workflow:supplement", args=[claim.pk])
        user_id = claim.application.applicant.user_id
        if done.method == "request_supplement":
            yield NoticeDraft(
                user_id,
                f"supplement:{request.pk}:requested",
                f"请补充“{label}”指标的材料",
                f"{claim.department.name}要求您补充“{label}”指标的材料：{request.documents}\n"
                f"请在 {format_moment(request.due_at)} 前登录上传；逾期未提交的，按现有材料审核。",
                link,
            )
        else:
            yield NoticeDraft(
                user_id,
                f"supplement:{request.pk}:overdue",
                f"“{label}”补件已逾期",
                f"“{label}”指标的补件截止时间（{format_moment(request.due_at)}）已过，"
                f"{claim.department.name}将按现有材料审核。",
                link,
            )


def _claim_drafts(done: TransitionDone) -> Iterator[NoticeDraft]:
    if done.method in ("request_supplement", "supplement_overdue"):
        yield from _supplement_drafts(done)
        return
    if done.method not in (
        "verify",
        "reject",
        "adjust",
        "decide_recheck",
        "uphold_appeal",
        "reject_appeal",
    ):
        return  # the applicant's own moves (declare, recheck, appeal) need no notice
    kind = {
        "decide_recheck": "复查结论",
        "uphold_appeal": "申诉结论",
        "reject_appeal": "申诉结论",
    }.get(done.method, "审核结果")
    # The data exchange decides an application's claims together: its applicant hears
    # once, with every indicator it decided, not once per indicator.
    for _, group in itertools.groupby(
        _decided_claims(done), key=lambda claim: claim.application_id
    ):
        decided = list(group)
        first = decided[0]
        round = first.round
        result = ClaimState(first.state).label
        lines = []
        for claim in decided:
            lines.append(
                f"“{claim.label}”指标的{kind}（{claim.department}）："
                f"{ClaimState(claim.state).label}，核定分值 {_points(claim.points)} 分。"
            )
            if done.method in ("verify", "reject", "adjust") and claim.decision_reason:
                lines.append(f"审核意见：{claim.decision_reason}")
        if done.method in ("uphold_appeal", "reject_appeal"):
            lines.append("申诉结论为最终审核结果。")
        else:
            hint = _appeal_hint(round, first.state, round.phase)
            if hint:
                lines.append(hint)
        if len(decided) == 1:
            key = f"claim:{first.pk}:{done.method}:{done.at.isoformat()}"
            subject = f"“{first.label}”{kind}：{result}"
            link = reverse("workflow:indicator", args=[first.indicator])
        else:
            key = f"claims:{first.application_id}:{done.method}:{done.at.isoformat()}"
            subject = f"“{first.label}”等 {len(decided)} 项指标{kind}：{result}"
            link = _applicant_link()
        yield NoticeDraft(first.user_id, key, subject, "\n".join(lines), link)


@dataclass(frozen=True, slots=True)
class _DecidedClaim:
    """What a decided claim's notice says of it, read as plain values (as _MovedApplication)."""

    pk: int
    application_id: int
    indicator: str
    label: str
    state: str
    points: Decimal | None
    decision_reason: str
    department: str
    user_id: int
    round: AnnualRound


def _decided_claims(done: TransitionDone) -> Iterator[_DecidedClaim]:
    """The move's claims of applications not withdrawn, an application's together."""
    rows = (
        IndicatorClaim.objects.filter(pk__in=done.ids)
        .exclude(application__state=AppState.WITHDRAWN)
        .order_by("application_id", "pk")
        .values_list(
            "pk",
            "application_id",
            "indicator",
            "state",
            "points",
            "decision_reason",
            "department__name",
            "application__applicant__user_id",
            "application__round_id",
        )
    )
    labels = dict(IndicatorClaim._meta.get_field("indicator").flatchoices)
    rounds: dict[int, AnnualRound] = {}
    for pk, app_id, indicator, state, points, reason, department, user_id, round_id in _rows(
        rows, count=len(done.ids)
    ):
        if round_id not in rounds:
            rounds[round_id] = AnnualRound.objects.get(pk=round_id)
        yield _DecidedClaim(
            pk,
            app_id,
            indicator,
            str(labels.get(indicator, indicator)),
            state,
            points,
            reason,
            department or "",
            user_id,
            rounds[round_id],
        )


# --- 原件查验 -----------------------------------------------------------------------------


def _originals_drafts(done: TransitionDone) -> Iterator[NoticeDraft]:
    checks = OriginalsCheck.objects.filter(pk__in=done.ids).select_related(
        "application__applicant", "department", "window"
    )
    for check in checks:
        link = reverse("workflow:originals", args=[check.pk])
        user_id = check.application.applicant.user_id
        key = f"originals:{check.pk}:{done.method}:{done.at.isoformat()}"
        if done.method == "invite":
            yield NoticeDraft(
                user_id,
                key,
                "请预约原件查验",
                f"请携带以下原件到{check.department.name}的服务窗口查验：{check.documents}\n"
                f"请在 {check.book_from:%Y年%m月%d日} 至 {check.book_until:%Y年%m月%d日} 之间"
                "登录预约一个时段（细则第七条）。",
                link,
            )
        elif done.method in ("book", "rebook"):
            yield NoticeDraft(
                user_id,
                key,
                "原件查验预约成功" if done.method == "book" else "原件查验已改约",
                f"预约号 {check.number}：{check.window}（{check.window.address}），"
                f"{check.date:%Y年%m月%d日}{check.get_half_display()}。请携带原件和预约单按时到场。",
                link,
            )
        elif done.method == "cancel_booking":
            yield NoticeDraft(
                user_id,
                key,
                "原件查验预约已取消",
                f"您已取消原件查验预约。请在 {check.book_until:%Y年%m月%d日} 前重新预约。",
                link,
            )
        elif done.method == "mark_no_show":
            yield NoticeDraft(
                user_id,
                key,
                "原件查验：未到场",
                f"{check.department.name}登记您未按预约到场查验原件。",
                link,
            )


# --- 联动核察 -----------------------------------------------------------------------------


def administrator_recipients() -> list[int]:
    """The administrators: they take the integrity path (细则第十七条) on a fraud finding."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_staff=True, groups__name=roles.ADMIN_GROUP))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _joint_check_drafts(done: TransitionDone) -> Iterator[NoticeDraft]:
    for check in JointCheck.objects.filter(pk__in=done.ids).select_related(
        "application__applicant", "application__round", "department"
    ):
        app = check.application
        who = f"{app.applicant.name}（{app.round.year}年度）"
        key = f"joint_check:{check.pk}:{done.method}"
        if done.method == "open":
            recipients = ReviewerProfile.objects.filter(
                department__in=check.findings.values("department"), user__is_active=True
            ).values_list("user_id", flat=True)
            for user_id in recipients:
                yield NoticeDraft(
                    user_id,
                    key,
                    f"联动核察：{who}",
                    f"{check.department.name}发起联动核察：{check.subject}\n请填写本部门的核查意见。",
                    reverse("review:joint_check", args=[check.pk]),
                )
        elif done.method == "conclude" and check.fraud_found:
            for user_id in administrator_recipients():
                yield NoticeDraft(
                    user_id,
                    key,
                    f"联动核察查实弄虚作假：{who}",
                    f"联动核察结论：{check.outcome}\n请依细则第十七条认定弄虚作假并取消资格。",
                    reverse("publicity:fraud", args=[app.pk]),
                )


# --- phases -----------------------------------------------------------------------------


def phase_text(round: AnnualRound, phase: str) -> tuple[str, str]:
    m = format_moment
    texts = {
        Phase.DECLARATION: f"申报截止时间：{m(round.declaration_closes_at)}。",
        Phase.AGGREGATION: (
            f"申报已截止。各部门审核结果汇总至 {m(round.aggregation_closes_at)}；"
            f"审核结果查询将于 {m(round.result_query_opens_at)} 开始。"
        ),
        Phase.RESULT_QUERY: (
            f"请登录查询审核结果。对审核结果有异议的，请在 {m(round.result_query_closes_at)} "
            "前提出申诉（每项指标限一次），逾期不再受理。"
        ),
        Phase.RECHECK_RANKING: (
            f"审核结果查询已结束。各部门复核申诉并进行积分排名，至 {m(round.recheck_closes_at)}。"
        ),
        Phase.PUBLICITY: (
            f"积分落户名单公示至 {m(round.publicity_closes_at)}。请登录查看您的排名和结果。"
        ),
        Phase.CLOSED: "本年度积分落户公示已结束。",
    }
    return f"{round.year}年度积分落户进入{Phase(phase).label}", texts.get(phase, "")


def _phase_drafts(done: TransitionDone) -> Iterator[NoticeDraft]:
    for round in AnnualRound.objects.filter(pk__in=done.ids):
        subject, body = phase_text(round, done.to_state)
        recipients = (
            Application.objects.filter(round=round)
            .exclude(state__in=ENDED_STATES)
            .values_list("applicant__user_id", flat=True)
        )
        link = _applicant_link()
        key = f"round:{round.year}:phase:{done.to_state}"
        for user_id in recipients.iterator(chunk_size=5000):
            yield NoticeDraft(user_id, key, subject, body, link)
