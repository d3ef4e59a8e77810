"""Hooks that the apps built on workflow register from their AppConfig.ready(), so the core
asks them without importing them (docs/architecture.md: workflow imports no other app).

- publicity: the latest credit record of a barred party (细则第十七条), and whether an
  objection holds a qualification back (细则第十条);
- ranking: the round's current ranking (cut-off, quota, admitted) for the portal.
Phase jobs register the same way, through ``workflow.phase_jobs.register_phase_job``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CreditRecordLookup = Callable[..., Any]  # (applicant=…, employer=…) -> record or None
RankingLookup = Callable[[Any], "dict[str, Any] | None"]  # (round) -> summary or None
QualificationHold = Callable[[Any], "str | None"]  # (application) -> why it waits, or None

_credit_record_lookups: list[CreditRecordLookup] = []
_ranking_lookups: list[RankingLookup] = []
QUALIFICATION_HOLDS: list[QualificationHold] = []


def _add(registry: list[Any], hook: Any) -> None:
    if hook not in registry:
        registry.append(hook)


def credit_record_lookup_register(lookup: CreditRecordLookup) -> None:
    _add(_credit_record_lookups, lookup)


def ranking_lookup_register(lookup: RankingLookup) -> None:
    _add(_ranking_lookups, lookup)


def qualification_hold_register(hold: QualificationHold) -> None:
    _add(QUALIFICATION_HOLDS, hold)


def credit_record_latest(*, applicant: Any = None, employer: Any = None) -> Any:
    """The party's latest credit record, or None (no app holds any)."""
    for lookup in _credit_record_lookups:
        record = lookup(applicant=applicant, employer=employer)
        if record is not None:
            return record
    return None


def ranking_summary(round: Any) -> dict[str, Any] | None:
    """The round's current ranking: {"cutoff", "admitted_count", "quota", "run"}, or None."""
    for lookup in _ranking_lookups:
        summary = lookup(round)
        if summary is not None:
            return summary
    return None


def qualification_holds(application: Any) -> list[str]:
    """Why the application's qualification must wait (empty: nothing holds it)."""
    return [why for hold in QUALIFICATION_HOLDS if (why := hold(application))]
