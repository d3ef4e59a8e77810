"""Notices: record them once (idempotent by key per recipient), deliver each by e-mail and
SMS at most once, mark them read, and keep each person's choice of channels.

Nothing here runs inside a domain transaction: notices are written after the move they
describe committed (``workflow.notice_events``, a transition listener), so a rollback never
tells anyone anything.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from workflow.models import (
    AnnualRound,
    Applicant,
    AppState,
    ClaimState,
    IndicatorClaim,
    Notice,
    NoticePreference,
    Phase,
)
from workflow.sms import sms_send

from ._common import format_moment, now_or

logger = logging.getLogger(__name__)

SIGNATURE = "落户通 · 北京市积分落户在线申报"
# Notices delivered per locked chunk, and chunks per delivery run (then the run hands over to
# a fresh task, so other work interleaves with a phase change's 130,000 notices).
DELIVERY_CHUNK = 500
DELIVERY_CHUNKS_PER_RUN = 20


@dataclass(frozen=True)
class NoticeDraft:
    recipient_id: int
    dedup_key: str
    subject: str
    body: str
    link: str = ""


def notices_record(*, drafts: Iterable[NoticeDraft], now: dt.datetime | None = None) -> list[int]:
    """Write the notices not written before (same recipient and key: skipped) and return the
    ids of those still to be delivered by e-mail and SMS."""
    now = now_or(now)
    drafts = list({(d.recipient_id, d.dedup_key): d for d in drafts}.values())
    if not drafts:
        return []
    with transaction.atomic():
        Notice.objects.bulk_create(
            [
                Notice(
                    recipient_id=d.recipient_id,
                    dedup_key=d.dedup_key,
                    subject=d.subject[:200],
                    body=d.body,
                    link=d.link,
                    created_at=now,
                )
                for d in drafts
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
    wanted = {(d.recipient_id, d.dedup_key) for d in drafts}
    ids: list[int] = []
    for start in range(0, len(drafts), 500):
        chunk = drafts[start : start + 500]
        # Both columns of the unique (recipient, dedup_key) index: by the key alone the
        # lookup scanned every notice, one scan per committed move. Whether delivered is
        # checked here, not in SQL: "delivered_at IS NULL" let the planner take the partial
        # index of undelivered notices and filter its tens of thousands of rows on each call.
        rows = Notice.objects.filter(
            recipient_id__in={d.recipient_id for d in chunk},
            dedup_key__in={d.dedup_key for d in chunk},
        ).values_list("pk", "recipient_id", "dedup_key", "delivered_at")
        ids += [
            pk
            for pk, recipient_id, key, delivered_at in rows
            if delivered_at is None and (recipient_id, key) in wanted
        ]
    return sorted(set(ids))


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def _deliver(*, now: dt.datetime, limit: int) -> int:
    """Send the oldest `limit` undelivered notices by the channels its recipient keeps on, once: the delivery that
    marks it delivered sends, and a re-run or a second worker at the same moment sends nothing
    (rows another delivery holds are skipped, not waited for). Returns how many notices this
    call delivered.

    A chunk at a time: its notices (as plain values), their recipients' channel choices and
    phone numbers are each read in one query (a round's phase change tells 130,000 people)."""
    with transaction.atomic():
        locked = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(delivered_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "recipient_id", "recipient__email", "subject", "body", "link")
        )
        notices = list(locked[:limit])
        Notice.objects.filter(pk__in=[n[0] for n in notices]).update(delivered_at=now)
    users = {notice[1] for notice in notices}
    channels = {
        user_id: (email_on, sms_on)
        for user_id, email_on, sms_on in NoticePreference.objects.filter(
            user_id__in=users
        ).values_list("user_id", "email_enabled", "sms_enabled")
    }
    phones = dict(Applicant.objects.filter(user_id__in=users).values_list("user_id", "phone"))
    for sent, (_, user_id, email, subject, body, link) in enumerate(notices):
        email_on, sms_on = channels.get(user_id, (True, True))
        link = _absolute(link)
        try:
            if email_on and email:
                send_mail(
                    subject,
                    f"{body}\n\n{'查看详情：' + link if link else ''}\n\n{SIGNATURE}",
                    None,
                    [email],
                )
            if sms_on and phones.get(user_id):
                sms_send(to=phones[user_id], text=f"【落户通】{subject}。详情请登录落户通查看。")
        except Exception:
            # The mail server or SMS gateway failed: this notice and the rest of the chunk
            # are not delivered yet, so that the task's re-run sends them (none is lost).
            Notice.objects.filter(pk__in=[n[0] for n in notices[sent:]]).update(delivered_at=None)
            raise
    return len(notices)


def notices_deliver_pending(
    *, chunk: int = DELIVERY_CHUNK, chunks: int = DELIVERY_CHUNKS_PER_RUN
) -> tuple[int, bool]:
    """Deliver the notices not delivered yet, oldest first, `chunk` at a time, for at most
    `chunks` chunks. Returns how many were delivered and whether any are left (for another
    run: a long backlog does not hold one worker process for an hour)."""
    delivered = 0
    for _ in range(chunks):
        # The oldest `chunk` not held by another delivery, locked as they are read: one
        # statement walking the partial index of undelivered notices in id order (a
        # subquery of ids instead was planned as a semi-join over every undelivered row).
        sent = _deliver(now=now_or(None), limit=chunk)
        if not sent:
            return delivered, False  # none left, or all held by another delivery
        delivered += sent
    return delivered, Notice.objects.filter(delivered_at__isnull=True).exists()


def notice_mark_read(
    *, user: Any, notice_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Mark one of the user's notices read (or all of them, ``notice_id`` None). Another
    person's notice is never touched."""
    now = now_or(now)
    unread = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_id is not None:
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=now)


def notice_preference_set(*, user: Any, email_enabled: bool, sms_enabled: bool) -> NoticePreference:
    preference, _ = NoticePreference.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled, "sms_enabled": sms_enabled}
    )
    return preference


def notice_preference_of(user: Any) -> NoticePreference:
    return NoticePreference.objects.filter(user=user).first() or NoticePreference(user=user)


# --- the reminder before the appeal deadline (beat) -------------------------------------

REMINDER_BEFORE = dt.timedelta(days=2)


def appeal_reminders_record(*, now: dt.datetime) -> list[int]:
    """细则第八条: two days before the result-query window closes, remind each applicant who
    still has an adjusted or rejected item not appealed. Once per applicant and round;
    returns the notices to deliver."""
    drafts = []
    rounds = AnnualRound.objects.filter(
        phase=Phase.RESULT_QUERY,
        result_query_closes_at__gte=now,
        result_query_closes_at__lte=now + REMINDER_BEFORE,
    )
    for round in rounds:
        claims = (
            IndicatorClaim.objects.filter(
                application__round=round,
                application__state=AppState.RESULTS_PUBLISHED,
                state__in=[ClaimState.REJECTED, ClaimState.ADJUSTED],
                appealed_at__isnull=True,
            )
            .select_related("application__applicant")
            .order_by("application_id", "indicator")
        )
        by_user: dict[int, list[str]] = {}
        for claim in claims.iterator(chunk_size=2000):
            by_user.setdefault(claim.application.applicant.user_id, []).append(
                f"“{claim.get_indicator_display()}”（{claim.get_state_display()}）"
            )
        for user_id, items in by_user.items():
            drafts.append(
                NoticeDraft(
                    user_id,
                    f"round:{round.year}:appeal_reminder",
                    f"申诉将于 {format_moment(round.result_query_closes_at)} 截止",
                    f"您的{'、'.join(items)}尚未申诉。如有异议，请在 "
                    f"{format_moment(round.result_query_closes_at)} 前提出申诉"
                    "（每项指标限一次），逾期不再受理。",
                    reverse("workflow:applicant"),
                )
            )
    return notices_record(drafts=drafts, now=now)


__all__ = [
    "NoticeDraft",
    "appeal_reminders_record",
    "notice_mark_read",
    "notice_preference_of",
    "notice_preference_set",
    "notices_deliver_pending",
    "notices_record",
]
