"""Celery tasks: thin; they take ids, call a service, own their retries."""

from __future__ import annotations

from celery import shared_task

from workflow.audit_chain import audit_seal
from workflow.services import rounds_advance_due


@shared_task(name="workflow.tasks.advance_due_rounds", acks_late=True)
def advance_due_rounds() -> list[str]:
    """Beat, every minute (PeriodicTask seeded by migration 0002). Idempotent."""
    return rounds_advance_due(label="beat")


@shared_task(name="workflow.tasks.seal_audit_events", acks_late=True)
def seal_audit_events() -> int:
    """Beat, every minute (PeriodicTask seeded by migration 0007): seals the audit rows no
    writer's commit sealed (a seal that failed, a process that died after its commit).
    Idempotent."""
    return audit_seal()
