"""Publicity services (writes): publish the list, objections, qualification, settlement, fraud.

细则第十条: 公示 7 天, 实名举报, 公示期满无异议的取得落户资格 (保留 2 年), 逾期视为放弃.
细则第十一条: 弄虚作假的取消资格, 记入信用记录, 申请人及用人单位 5 年内不得申报.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from publicity.downloads import downloads_prepare
from publicity.list_pages import list_pages_prepare
from publicity.models import (
    CreditParty,
    CreditRecord,
    Objection,
    ObjectionState,
    Publication,
    PublicityEntry,
)
from publicity.selectors import (
    build_rows,
    current_ranking,
    publication_of,
    totals_histogram,
)
from ranking.policy.identity import parse_id_number
from ranking.services import ranking_run_unpublishable_reason
from workflow import roles
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted, WindowClosed
from workflow.models import AnnualRound, Application, AppState, Phase
from workflow.services import (
    application_cancel,
    application_cancel_for_fraud,
    application_qualify,
    audit_record,
    format_moment,
    now_or,
    require_phase,
    require_system_or_admin,
    round_publicity_window_align,
    transition_apply,
    transition_bulk,
)

BATCH = 2000
BAR_YEARS = 5  # 细则第十一条: 5 年内不得申报 (the year of the finding and 5 more)


def _require_admin(actor: Any, action: str) -> None:
    if not roles.is_administrator(actor):
        raise NotPermitted(f"只有管理员才能{action}。")


# --- publication --------------------------------------------------------------------------


def publicity_publish(
    *, round: AnnualRound, actor: Any = None, now: dt.datetime | None = None, label: str = "system"
) -> Publication:
    """Open the public list for exactly 7 days from now, frozen from the current ranking.

    Idempotent: a round is published once; calling again returns that publication.
    """
    now = now_or(now)
    action = "发布公示名单"
    require_system_or_admin(actor, action=action)
    existing = publication_of(round)
    if existing is not None:
        return existing
    require_phase(round=round, phases=[Phase.PUBLICITY], action=action)
    run = current_ranking(round)
    # 细则第十条: 落户规模和落户人员情况报市政府批准后向社会发布 — the round waits in 公示 (this
    # entry job is re-run by the next advance) until the current list is approved.
    missing = ranking_run_unpublishable_reason(run, year=round.year)
    if missing:
        raise InvalidTransition(f"{missing}，不能发布公示名单。")
    rows = build_rows(round)
    with transaction.atomic():
        AnnualRound.objects.select_for_update().filter(pk=round.pk).first()
        if publication_of(round) is not None:  # published meanwhile
            return publication_of(round)  # type: ignore[return-value]
        # 细则第十条: public for 7 full days from now, on the round's own timetable.
        round_publicity_window_align(round=round, published_at=now, actor=actor, label=label)
        publication = Publication.objects.create(
            round=round,
            ranking_run=run,
            opens_at=round.publicity_opens_at,
            closes_at=round.publicity_closes_at,
            quota=run.quota,
            cutoff=run.cutoff,
            admitted_count=len(rows),
            applicant_count=run.eligible_count,
            histogram=totals_histogram(round),
            published_by=actor,
            list_changed_at=now,
        )
        PublicityEntry.objects.bulk_create(
            (
                PublicityEntry(
                    publication=publication,
                    application_id=app_id,
                    number=row.number,
                    position=row.position,
                    rank=row.rank,
                    name=row.name,
                    birth_month=row.birth_month,
                    employer_name=row.employer,
                    indicators=row.indicators,
                    total=row.total,
                )
                for app_id, row in rows
            ),
            batch_size=BATCH,
        )
        audit_record(
            actor=actor,
            label=label,
            action="publicity.publish",
            obj=publication,
            now=now,
            round_year=round.year,
            after={
                "opens_at": publication.opens_at,
                "closes_at": publication.closes_at,
                "admitted_count": publication.admitted_count,
                "cutoff": publication.cutoff,
                "quota": publication.quota,
                "ranking_run": run.pk,
            },
        )
    return publication


# --- objections (实名举报) -----------------------------------------------------------------


def objection_submit(
    *,
    publication: Publication,
    number: str,
    reporter_name: str,
    reporter_id_number: str,
    reporter_contact: str,
    facts: str,
    now: dt.datetime | None = None,
) -> Objection:
    """A real-name report against one listed person, during the 7 days (no login needed)."""
    now = now_or(now)
    # One clock: the round's publicity window (moved to the publication time when the list
    # went public off schedule), the same one qualification waits for.
    round = publication.round
    if now < round.publicity_opens_at:
        raise WindowClosed("公示尚未开始，暂不受理举报。")
    if now > round.publicity_closes_at:
        raise WindowClosed(
            f"公示已于 {format_moment(round.publicity_closes_at)} 结束，不再受理举报。"
        )
    errors = []
    if not reporter_name.strip():
        errors.append("举报人姓名：请填写真实姓名（实名举报）。")
    try:
        reporter_id_number = parse_id_number(reporter_id_number or "").number
    except ValueError as exc:
        errors.append(f"举报人公民身份号码：{exc}。")
    if not reporter_contact.strip():
        errors.append("联系方式：请填写电话或通讯地址，以便核查时联系。")
    if len(facts.strip()) < 10:
        errors.append("举报事实：请具体说明举报的事实（至少 10 个字）。")
    entry = publication.entries.filter(number=(number or "").strip()).first()
    if entry is None:
        errors.append(f"公示编号：名单中没有编号“{number}”。")
    if errors:
        raise DomainError(" ".join(errors))
    with transaction.atomic():
        objection = Objection.objects.create(
            publication=publication,
            entry=entry,
            reporter_name=reporter_name.strip(),
            reporter_id_number=reporter_id_number,
            reporter_contact=reporter_contact.strip(),
            facts=facts.strip(),
            submitted_at=now,
        )
        # The audit row names the listed person, never the reporter (identity for administrators only).
        audit_record(
            actor=None,
            label="public",
            action="objection.submit",
            obj=objection,
            now=now,
            round_year=publication.round.year,
            to_state=objection.state,
            after={"number": entry.number},  # type: ignore[union-attr]
        )
    return objection


def objection_decide(
    *, objection: Objection, upheld: bool, outcome: str, actor: Any, now: dt.datetime | None = None
) -> Objection:
    """Record the investigation's outcome. Upheld: that person's admission is cancelled and
    nobody is admitted in their place (no backfill). Rejected after the window: qualified."""
    now = now_or(now)
    _require_admin(actor, "处理举报")
    if not outcome.strip():
        raise DomainError("核查结论：请填写核查情况和结论。")
    with transaction.atomic():
        objection = (
            Objection.objects.select_for_update(of=("self",))
            .select_related("publication__round")
            .get(pk=objection.pk)
        )
        if objection.state != ObjectionState.RECEIVED:
            raise InvalidTransition(
                f"该举报已处理（{objection.get_state_display()}），不能重复处理。"
            )
        transition_apply(
            objection,
            "uphold" if upheld else "dismiss",
            actor=actor,
            now=now,
            audited=["state", "outcome", "decided_by", "decided_at"],
            reason=outcome.strip(),
            changes={"outcome": outcome.strip(), "decided_by": actor, "decided_at": now},
        )
        application = Application.objects.select_related("round").get(
            pk=objection.entry.application_id
        )
        if upheld and application.state in (AppState.PUBLICIZED, AppState.QUALIFIED):
            # 细则第十条: 举报查证属实的，取消落户资格 — no backfill.
            application_cancel(
                application=application,
                actor=actor,
                now=now,
                reason=f"公示期间实名举报查证属实（举报 #{objection.pk}）：{objection.outcome}",
            )
            _entry_cancel(objection=objection, now=now)
        elif (
            not upheld
            and application.state == AppState.PUBLICIZED
            and application.round.phase == Phase.CLOSED
            and objection_holds_qualification(application) is None
        ):
            # Held back at the window's end only for this objection: now 公示期满无异议.
            application_qualify(application=application, actor=actor, now=now)
    return objection


def publication_prepare(*, publication: Publication) -> int:
    """What a published list's visitors are served from, prepared before they come: the
    stored downloads of its current version and its pages in the shared cache. Returns the
    number of pages. Idempotent: the publish job calls it after publishing."""
    downloads_prepare(publication=publication)
    return list_pages_prepare(publication=publication)


def _entry_cancel(*, objection: Objection, now: dt.datetime) -> None:
    """Mark the listed person cancelled and move the list to a new version, in the caller's
    transaction: the stored downloads and statistics of the old version stop being served
    (publicity.downloads), the new ones are built on the next request."""
    PublicityEntry.objects.filter(pk=objection.entry_id, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    Publication.objects.filter(pk=objection.publication_id).update(
        list_version=F("list_version") + 1, list_changed_at=now
    )


# --- qualification, forfeiture ---------------------------------------------------------------


def _holding_objections(application: Any):
    # An objection still under investigation, or upheld, holds the qualification back.
    return Objection.objects.filter(
        entry__application=application,
        state__in=[ObjectionState.RECEIVED, ObjectionState.UPHELD],
    )


def objection_holds_qualification(application: Application) -> str | None:
    """The single application's form of the bulk job's exclusion (registered with the core's
    application_qualify, so the admin button meets the same guard)."""
    objection = _holding_objections(application.pk).order_by("pk").first()
    if objection is None:
        return None
    if objection.state == ObjectionState.UPHELD:
        return f"公示期间的实名举报 #{objection.pk} 查证属实"
    return f"公示期间的实名举报 #{objection.pk} 尚在核查，作出结论后再确认"


def publicity_qualify_round(*, round: AnnualRound, now: dt.datetime | None = None) -> int:
    """公示期满: listed applications with no upheld and no undecided objection are qualified
    for two years (细则第十条). One still under investigation waits for its decision."""
    now = now_or(now)
    require_phase(round=round, phases=[Phase.CLOSED], action="确认取得落户资格")
    if now <= round.publicity_closes_at:
        raise WindowClosed(
            f"公示期至 {format_moment(round.publicity_closes_at)} 结束，期满后才能确认取得落户资格。"
        )
    ids = list(
        Application.objects.filter(round=round, state=AppState.PUBLICIZED)
        .exclude(Exists(_holding_objections(OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return transition_bulk(
        Application,
        "qualify",
        round=round,
        ids=ids,
        now=now,
        reason="公示期满无异议，取得落户资格",
        changes={"qualified_until": round.qualification_expires_on},
    )


def qualifications_forfeit_expired(*, now: dt.datetime | None = None, label: str = "beat") -> int:
    """Beat, daily: a qualification not used within its two years is forfeited (细则第十条)."""
    now = now_or(now)
    today = timezone.localdate(now)
    expired = Application.objects.filter(state=AppState.QUALIFIED, qualified_until__lt=today)
    moved = 0
    for round in AnnualRound.objects.filter(pk__in=expired.values("round_id")).order_by("year"):
        moved += transition_bulk(
            Application,
            "forfeit",
            round=round,
            ids=list(expired.filter(round=round).order_by("pk").values_list("pk", flat=True)),
            now=now,
            reason="落户资格保留期满未办理，视为自行放弃",
            label=label,
        )
    return moved


# --- settlement (落户办理): publicity.services_settlement, the chain ---------------------------


# --- fraud (弄虚作假) ------------------------------------------------------------------------


def fraud_record(
    *,
    application: Application,
    reason: str,
    actor: Any,
    employer_assisted: bool = False,
    employer_reason: str = "",
    now: dt.datetime | None = None,
) -> list[CreditRecord]:
    """Fraud found at any point (细则第十七条): the year's application, the qualification or the
    hukou obtained is cancelled (``application_cancel_for_fraud``), and the applicant is barred
    for the round's year and 5 more. The employer is barred likewise only on an explicit
    finding that it assisted (协助提供虚假材料), with its reason; a unit that did not know is
    not barred."""
    now = now_or(now)
    _require_admin(actor, "认定弄虚作假")
    if not reason.strip():
        raise DomainError("原因：请填写认定弄虚作假的事实。")
    reason = reason.strip()
    employer_reason = employer_reason.strip()
    if employer_assisted and application.employer_id is None:
        raise DomainError("该申请没有用人单位，不能认定单位协助提供虚假材料。")
    if employer_assisted and not employer_reason:
        raise DomainError("单位协助提供虚假材料：请填写认定用人单位协助造假的事实。")
    round = application.round
    barred_until = dt.date(round.year + BAR_YEARS, 12, 31)
    with transaction.atomic():
        # Lock the application row only (the employer is a nullable outer join).
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("applicant", "employer", "round")
            .get(pk=application.pk)
        )
        why = f"弄虚作假：{reason}"
        application_cancel_for_fraud(application=application, actor=actor, now=now, reason=why)
        records = []
        parties: list[tuple[str, Any, str]] = [
            (CreditParty.APPLICANT, application.applicant, reason)
        ]
        if employer_assisted:
            # 细则第十七条: 对用人单位协助提供虚假材料的，当年及以后 5 年内不受理其积分落户申请事项.
            parties.append((CreditParty.EMPLOYER, application.employer, employer_reason))
        for party, obj, party_reason in parties:
            before = {"barred_until": obj.barred_until}
            if obj.barred_until is None or obj.barred_until < barred_until:
                type(obj).objects.filter(pk=obj.pk).update(barred_until=barred_until)
                obj.barred_until = barred_until
            records.append(
                CreditRecord.objects.create(
                    party=party,
                    applicant=obj if party == CreditParty.APPLICANT else None,
                    employer=obj if party == CreditParty.EMPLOYER else None,
                    application=application,
                    round=round,
                    reason=party_reason,
                    barred_until=obj.barred_until,
                    recorded_at=now,
                    recorded_by=actor,
                )
            )
            audit_record(
                actor=actor,
                action="credit.bar",
                obj=obj,
                now=now,
                round_year=round.year,
                reason=f"弄虚作假：{party_reason}",
                before=before,
                after={"barred_until": obj.barred_until},
            )
    return records
