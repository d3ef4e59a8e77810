"""Celery tasks: thin; they take ids, call a service, own their retries."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from workflow.audit_chain import audit_seal
from workflow.services import rounds_advance_due
from workflow.services.notices import appeal_reminders_record, notices_deliver
from workflow.services.supplements import supplements_expire

DELIVERY_CHUNK = 500


@shared_task(name="workflow.tasks.advance_due_rounds", acks_late=True)
def advance_due_rounds() -> list[str]:
    """Beat, every minute (PeriodicTask seeded by migration 0002). Idempotent."""
    return rounds_advance_due(label="beat")


@shared_task(name="workflow.tasks.deliver_notices", acks_late=True)
def deliver_notices(notice_ids: list[int]) -> int:
    """E-mail and SMS for recorded notices; each goes out once however often this runs."""
    return notices_deliver(notice_ids=notice_ids)


@shared_task(name="workflow.tasks.remind_appeal_deadline", acks_late=True)
def remind_appeal_deadline() -> int:
    """Beat, hourly (PeriodicTask seeded by migration 0008). Idempotent by notice key."""
    ids = appeal_reminders_record(now=timezone.now())
    notices_queue(ids)
    return len(ids)


@shared_task(name="workflow.tasks.expire_supplements", acks_late=True)
def expire_supplements() -> int:
    """Beat, every minute (PeriodicTask seeded by migration 0012): claims whose 补件 deadline
    passed go back to their departments, marked 补件逾期. Idempotent."""
    return supplements_expire(now=timezone.now())


def notices_queue(notice_ids: list[int]) -> None:
    """Queue the e-mail and SMS of recorded notices, in chunks a worker finishes quickly."""
    for start in range(0, len(notice_ids), DELIVERY_CHUNK):
        deliver_notices.delay(notice_ids[start : start + DELIVERY_CHUNK])


@shared_task(name="workflow.tasks.seal_audit_events", acks_late=True)
def seal_audit_events() -> int:
    """Beat, every minute (PeriodicTask seeded by migration 0010): seals the audit rows no
    writer's commit sealed (a seal that failed, a process that died after its commit).
    Idempotent."""
    return audit_seal()
