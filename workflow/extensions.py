"""Hooks that the apps built on workflow register from their AppConfig.ready(), so the core
asks them without importing them (docs/architecture.md: workflow imports no other app).

- publicity: the latest credit record of a barred party (细则第十七条), whether an
  objection holds a qualification back (细则第十条), and whether the settlement chain allows
  the application to be settled (细则第十一条、第十二条);
- ranking: the round's current ranking (cut-off, quota, admitted) for the portal;
- ranking: applications' results became final (细则第三条), so score them once now and
  rank later by ordering stored totals;
- review: a submitted application's declared facts changed, so verify it (细则第五条: the
  applicant sees department results during the declaration). The service that changed the
  facts calls ``declaration_changed`` itself: no signal decides anything.
Phase jobs register the same way, through ``workflow.phase_jobs.register_phase_job``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CreditRecordLookup = Callable[..., Any]  # (applicant=…, employer=…) -> record or None
RankingLookup = Callable[[Any], "dict[str, Any] | None"]  # (round) -> summary or None
QualificationHold = Callable[[Any], "str | None"]  # (application) -> why it waits, or None
DeclarationListener = Callable[..., None]  # (round=…, application_ids=[…]) -> None

_credit_record_lookups: list[CreditRecordLookup] = []
_ranking_lookups: list[RankingLookup] = []
QUALIFICATION_HOLDS: list[QualificationHold] = []
_declaration_listeners: list[DeclarationListener] = []


def _add(registry: list[Any], hook: Any) -> None:
    if hook not in registry:
        registry.append(hook)


def credit_record_lookup_register(lookup: CreditRecordLookup) -> None:
    _add(_credit_record_lookups, lookup)


def ranking_lookup_register(lookup: RankingLookup) -> None:
    _add(_ranking_lookups, lookup)


def qualification_hold_register(hold: QualificationHold) -> None:
    _add(QUALIFICATION_HOLDS, hold)


def declaration_listener_register(listener: DeclarationListener) -> None:
    _add(_declaration_listeners, listener)


def declaration_changed(*, round: Any, application_ids: list[int]) -> None:
    """Declared facts of submitted applications changed (submission, an edit): tell the
    listeners, which schedule their work after the transaction commits."""
    for listener in _declaration_listeners:
        listener(round=round, application_ids=application_ids)


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


# 细则第十七条/第十八条: an application left a ranked list that is not public yet (fraud, a
# criminal record): ranking marks its current run to be ranked again before approval.
RankedListListener = Callable[..., None]  # (round=…, reason=…) -> None
_ranked_list_listeners: list[RankedListListener] = []


def ranked_list_listener_register(listener: RankedListListener) -> None:
    _add(_ranked_list_listeners, listener)


def ranked_list_changed(*, round: Any, reason: str) -> None:
    for listener in _ranked_list_listeners:
        listener(round=round, reason=reason)


# 细则第十一条、第十二条: an application is settled only at the end of the settlement chain
# (materials accepted by the district office, approved by the 人社局, the letter issued), which
# publicity holds. No hook registered: nothing can vouch for the chain, so nothing settles.
SettlementHold = Callable[[Any], "str | None"]  # (application) -> why not yet, or None
_settlement_holds: list[SettlementHold] = []
SETTLEMENT_CHAIN_MISSING = "落户须经区指定部门审核材料、市人力资源社会保障局核准并出具函件后办理。"


def settlement_hold_register(hold: SettlementHold) -> None:
    _add(_settlement_holds, hold)


def settlement_holds(application: Any) -> list[str]:
    """Why the application cannot be settled yet (empty: the chain is complete)."""
    if not _settlement_holds:
        return [SETTLEMENT_CHAIN_MISSING]
    return [why for hold in _settlement_holds if (why := hold(application))]


# 细则第三条: the results are fixed (部门复核 done): ranking stores each application's score
# now, in the same transaction as the move to "final", so the ranking itself only orders.
ResultsFinalListener = Callable[..., None]  # (round=…, application_ids=[…]) -> None
_results_final_listeners: list[ResultsFinalListener] = []


def results_final_listener_register(listener: ResultsFinalListener) -> None:
    _add(_results_final_listeners, listener)


def results_finalized(*, round: Any, application_ids: list[int]) -> None:
    for listener in _results_final_listeners:
        listener(round=round, application_ids=application_ids)
