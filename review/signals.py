"""Signal receivers: dispatch only (no logic), each through transaction.on_commit."""

from __future__ import annotations

from typing import Any

from workflow.models import AppState, Phase


def application_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if instance.state != AppState.SUBMITTED or kwargs.get("raw"):
        return
    round = instance.round
    if round.phase != Phase.DECLARATION:
        return
    from review.services.verification import verification_enqueue

    verification_enqueue(round=round, application_ids=[instance.pk])
