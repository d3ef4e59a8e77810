"""落户办理 reads: the applicant's settlement, the queues of the district office and the 人社局."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from publicity.models import Settlement, SettlementState
from workflow import roles
from workflow.models import Application, AppState

# Each actor's work (细则第十一条、第十二条): the district office reviews submitted materials and
# records the settlement once the letter is out; the 人社局 approves what the district accepted.
DISTRICT_QUEUE = (SettlementState.SUBMITTED, SettlementState.LETTER_ISSUED)
HRSS_QUEUE = (SettlementState.ACCEPTED,)


def application_number(application: Application) -> str:
    """申请编号 on the printed materials: the 公示编号 the public list gave it (year + 5
    digits), or, for an application that reached qualification without one, year + id."""
    entry = getattr(application, "publicity_entry", None)
    if entry is not None:
        return entry.number
    return f"{application.round.year}A{application.pk:06d}"


def settlement_application_of(user: Any) -> Application | None:
    """The applicant's newest application that is qualified or went through settlement, in
    whatever round: a qualification lasts two years, past the round the dashboard shows."""
    applicant = roles.applicant_of(user)
    if applicant is None:
        return None
    return (
        Application.objects.select_related("round", "applicant", "employer")
        .filter(applicant=applicant)
        .filter(state__in=[AppState.QUALIFIED, AppState.SETTLED])
        .order_by("-round__year")
        .first()
    )


def settlement_queue_states(user: Any) -> tuple[str, ...]:
    if roles.is_district_office(user):
        return DISTRICT_QUEUE
    if roles.is_hrss_reviewer(user):
        return HRSS_QUEUE
    return tuple(SettlementState.values)  # administrators see every state, act on none


def _in_queue(user: Any) -> QuerySet[Settlement]:
    settlements = Settlement.objects.filter(state__in=settlement_queue_states(user))
    if roles.is_district_office(user) or roles.is_hrss_reviewer(user):
        # A qualification forfeited, renounced or cancelled midway leaves its settlement where
        # it stopped: nobody's work any more (细则第十条、第十三条).
        settlements = settlements.filter(application__state=AppState.QUALIFIED)
    return settlements


def settlement_queue(*, user: Any, state: str = "") -> QuerySet[Settlement]:
    settlements = _in_queue(user)
    if state:
        settlements = settlements.filter(state=state)
    return settlements.select_related("application__applicant", "application__round").order_by(
        "submitted_at", "pk"
    )


def settlement_counts(*, user: Any) -> dict[str, int]:
    """How many settlements wait in each of the user's queue states."""
    rows = _in_queue(user).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}
