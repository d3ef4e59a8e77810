"""Review selectors (reads): what a reviewer may see, the queues, and what blocks ranking."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from review.models import RECORD_KINDS
from workflow import roles
from workflow.indicators import INDICATORS
from workflow.models import (
    AnnualRound,
    AppState,
    AuditEvent,
    ClaimState,
    Department,
    IndicatorClaim,
    JointCheck,
    JointCheckFinding,
    JointCheckState,
    OriginalsCheck,
    OriginalsState,
    QueueTally,
    SupplementRequest,
)
from workflow.selectors import claims_in_review
from workflow.services.queue_tally import FOLD_AT, queue_tally_fold

# States a reviewer still has to act on, per queue.
QUEUE_STATES = {
    "manual": [ClaimState.PENDING],
    "recheck": [ClaimState.RECHECK_REQUESTED],
    "appeal": [ClaimState.APPEALED],
    # 细则第七条: waiting for the applicant's documents until the deadline the department set.
    "supplement": [ClaimState.SUPPLEMENT_REQUESTED],
}
OPEN_STATES = [
    ClaimState.PENDING,
    ClaimState.RECHECK_REQUESTED,
    ClaimState.APPEALED,
    ClaimState.SUPPLEMENT_REQUESTED,
]
# Back from 补件 past its deadline, unanswered (补件逾期): decided on what is there.
SUPPLEMENT_OVERDUE = Q(state=ClaimState.PENDING) & Q(
    Exists(SupplementRequest.objects.filter(claim=OuterRef("pk"), overdue_at__isnull=False))
)


def reviewer_department(*, user: Any, requested: str | None = None) -> Department | None:
    """The department whose work the user sees: their own; an administrator picks one."""
    if roles.is_administrator(user):
        if requested:
            # Looked up among the few codes rather than sent as typed: a NUL in the query
            # string would make PostgreSQL refuse the statement (a 500, not a refusal).
            return {d.code: d for d in Department.objects.all()}.get(requested)
        return Department.objects.order_by("code").first()
    return roles.department_of(user)


def can_see_claim(*, user: Any, claim: IndicatorClaim) -> bool:
    if roles.is_administrator(user):
        return True
    department = roles.department_of(user)
    return department is not None and department.pk == claim.department_id


def can_see_records(*, user: Any, kind: str) -> bool:
    if roles.is_administrator(user):
        return True
    department = roles.department_of(user)
    return department is not None and department.code in RECORD_KINDS[kind].departments


def can_see_department(*, user: Any, department: Department) -> bool:
    return roles.is_administrator(user) or roles.is_reviewer_of(user, department)


@dataclass
class QueueFilters:
    queue: str = "manual"  # manual | recheck | appeal | supplement | supplement_overdue | all
    state: str = ""
    indicator: str = ""
    older_than_days: int | None = None


def _department_claims(
    *, department: Department, round: AnnualRound | None
) -> QuerySet[IndicatorClaim]:
    claims = IndicatorClaim.objects.filter(department=department)
    # The claim's own copy of the round: no join with the applications (issue 13).
    return claims if round is None else claims.filter(round=round)


def work_queue(
    *,
    department: Department,
    round: AnnualRound | None,
    filters: QueueFilters,
    now: dt.datetime | None = None,
) -> QuerySet[IndicatorClaim]:
    """The department's open work, oldest first."""
    now = now or timezone.now()
    claims = claims_in_review(
        _department_claims(department=department, round=round).select_related(
            "application__applicant", "application__round"
        )
    )
    if filters.queue == "manual":
        claims = claims.filter(state=ClaimState.PENDING, needs_manual_review=True)
    elif filters.queue == "supplement_overdue":
        claims = claims.filter(SUPPLEMENT_OVERDUE)
    elif filters.queue in QUEUE_STATES:
        claims = claims.filter(state__in=QUEUE_STATES[filters.queue])
    if filters.state:
        claims = claims.filter(state=filters.state)
    if filters.indicator and filters.indicator in INDICATORS:
        claims = claims.filter(indicator=filters.indicator)
    if filters.older_than_days:
        claims = claims.filter(updated_at__lt=now - dt.timedelta(days=filters.older_than_days))
    return claims.order_by("updated_at", "pk")


# What templates/review/queue.html shows of each claim (the state fields too: the FSM's
# concurrency check reads them on load).
QUEUE_PAGE_FIELDS = (
    "indicator",
    "state",
    "department",
    "round",
    "needs_manual_review",
    "mismatch",
    "updated_at",
    "application__state",
    "application__round",
    "application__applicant__name",
    "application__applicant__id_number",
)


def work_queue_page(
    *,
    department: Department,
    round: AnnualRound | None,
    filters: QueueFilters,
    number: Any,
    counts: dict[str, Any],
    per_page: int = 50,
) -> Page:
    """One page of `work_queue`. The queue's length comes from the tally (an unfiltered
    queue's from `counts`, `queue_counts`' answer), never from counting the queue: only a
    waiting-time filter, which the tally does not know, is counted (issue 13)."""
    # Only what the page shows: the rows' JSON (facts, the score explanation) and the round
    # (fourteen timestamps a row) were most of the page's time at 50 rows.
    claims = (
        work_queue(department=department, round=round, filters=filters)
        .select_related(None)
        .select_related("application__applicant")
        .only(*QUEUE_PAGE_FIELDS)
    )
    paginator = Paginator(claims, per_page)
    length = _queue_length(department=department, round=round, filters=filters, counts=counts)
    if length is not None:
        paginator.count = length  # a cached_property: set, never counted
    return paginator.get_page(number)


TallyKey = tuple[str, str, bool]  # (indicator, state, needs_manual_review)


def queue_tally(*, department: Department, round: AnnualRound | None) -> Counter[TallyKey]:
    """The department's claims in review per (indicator, state, manual), from QueueTally:
    a few dozen rows whatever the number of claims. Without a round, every round's."""
    rows = QueueTally.objects.filter(department=department)
    # Every round's: those that exist (rows of a round a benchmark's raw cleanup deleted
    # count no claim).
    rows = (
        rows.filter(round=round)
        if round is not None
        else rows.filter(round_id__in=AnnualRound.objects.values("pk"))
    )
    tally: Counter[TallyKey] = Counter()
    stored: Counter[int] = Counter()
    for row in (
        rows.order_by()
        .values("round", "indicator", "state", "needs_manual_review")
        .annotate(n=Sum("n"), rows=Count("*"))
    ):
        tally[(row["indicator"], row["state"], row["needs_manual_review"])] += row["n"]
        stored[row["round"]] += row["rows"]
    for round_id, count in stored.items():
        if count > FOLD_AT:
            queue_tally_fold(department_id=department.pk, round_id=round_id)
    return tally


def _queue_length(
    *,
    department: Department,
    round: AnnualRound | None,
    filters: QueueFilters,
    counts: dict[str, Any],
) -> int | None:
    """How many claims `work_queue` holds, from the tally; None where only counting the
    rows can tell (a waiting-time filter; the overdue 补件 with a filter)."""
    if filters.older_than_days:
        return None
    indicator = filters.indicator if filters.indicator in INDICATORS else ""
    if not (filters.state or indicator):
        return counts.get(filters.queue)
    if filters.queue == "supplement_overdue":
        return None
    tally = queue_tally(department=department, round=round)

    def wanted(key: TallyKey) -> bool:
        claim_indicator, state, manual = key
        if filters.queue == "manual" and not (state == ClaimState.PENDING and manual):
            return False
        if filters.queue in QUEUE_STATES and state not in QUEUE_STATES[filters.queue]:
            return False
        if filters.state and state != filters.state:
            return False
        return not indicator or claim_indicator == indicator

    return sum(n for key, n in tally.items() if wanted(key))


def queue_counts(*, department: Department, round: AnnualRound | None) -> dict[str, Any]:
    """Counts per queue (and `all`, every claim in review) and the oldest open item.

    Two queries whatever the number of claims (issue 13): the tally's rows (`queue_tally`),
    then the overdue 补件 (from the requests, few) and the oldest item of each open range
    (the first row of its range of the partial index `claim_queue`).
    """
    tally = queue_tally(department=department, round=round)

    def in_state(*states: str) -> int:
        return sum(n for (_, state, _), n in tally.items() if state in states)

    in_review = claims_in_review(_department_claims(department=department, round=round)).order_by()
    # The reviewers' own oldest item: a claim waiting for 补件 waits on the applicant.
    oldest_ranges = [
        in_review.filter(state=ClaimState.PENDING, needs_manual_review=True),
        in_review.filter(state=ClaimState.RECHECK_REQUESTED),
        in_review.filter(state=ClaimState.APPEALED),
    ]
    overdue_requests = SupplementRequest.objects.filter(overdue_at__isnull=False)
    oldest_and_overdue = (
        Department.objects.filter(pk=department.pk)
        .values(
            supplement_overdue=Subquery(
                in_review.filter(
                    state=ClaimState.PENDING, pk__in=overdue_requests.values("claim_id")
                )
                .values("department")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            **{
                f"oldest_{i}": Subquery(part.order_by("updated_at").values("updated_at")[:1])
                for i, part in enumerate(oldest_ranges)
            },
        )
        .get()
    )
    oldest = [oldest_and_overdue[f"oldest_{i}"] for i in range(len(oldest_ranges))]
    return {
        "manual": sum(
            n for (_, state, manual), n in tally.items() if state == "pending" and manual
        ),
        "recheck": in_state(ClaimState.RECHECK_REQUESTED),
        "appeal": in_state(ClaimState.APPEALED),
        "supplement": in_state(ClaimState.SUPPLEMENT_REQUESTED),
        "supplement_overdue": oldest_and_overdue["supplement_overdue"] or 0,
        "pending": in_state(ClaimState.PENDING),
        "decided": sum(n for (_, state, _), n in tally.items() if state not in OPEN_STATES),
        "all": sum(tally.values()),
        "oldest": min((o for o in oldest if o is not None), default=None),
    }


def queue_deadline(*, round: AnnualRound | None, queue: str) -> dt.datetime | None:
    # 细则第五条: 复查 answered by the end of aggregation; 细则第八条/第三条: appeals by the end of
    # the recheck-and-ranking phase; the manual queue by the end of aggregation.
    if round is None:
        return None
    if queue == "appeal":
        return round.recheck_closes_at
    return round.aggregation_closes_at


def appeals_undecided(round: AnnualRound) -> list[IndicatorClaim]:
    """Appeals still open in this round: each one blocks the ranking (细则第三条 fourth phase).

    Called by the ranking job when the recheck-and-ranking phase ends, to tell the
    administrator which appeals (and departments) hold the ranking up.
    """
    return list(
        IndicatorClaim.objects.filter(application__round=round, state=ClaimState.APPEALED)
        .exclude(application__state__in=[AppState.WITHDRAWN, AppState.INELIGIBLE])
        .select_related("application__applicant", "department")
        .order_by("department__code", "appealed_at", "pk")
    )


def claim_department_facts(*, claim: IndicatorClaim) -> Any:
    """What the department holds for the claim: its verified facts once decided, else the
    records the data exchange found (the diff's department side); None without any record."""
    if claim.verified_facts is not None:
        return claim.verified_facts
    return (claim.mismatch or {}).get("department")


def claim_history(*, claim: IndicatorClaim, user: Any) -> list[dict[str, Any]]:
    """The claim page's history, as much of it as the user may read.

    An administrator: the application's and all its claims' audit rows. A reviewer: the
    rows of the claims their own department reviews on this application, and the
    application's own steps (submitted, under review…) without their reasons, which may
    repeat another department's finding (认定不符合资格条件). Another department's
    decisions and reasons are that department's business, not theirs.
    """
    application = claim.application
    claims = application.claims.all()
    full = roles.is_administrator(user)
    if not full:
        claims = claims.filter(department_id=claim.department_id)
    claim_ids = [str(pk) for pk in claims.values_list("pk", flat=True)]
    events = AuditEvent.objects.filter(
        Q(object_type="workflow.application", object_id=str(application.pk))
        | Q(object_type="workflow.indicatorclaim", object_id__in=claim_ids)
    ).order_by("at", "id")
    return [
        {
            "at": event.at,
            "actor_label": event.actor_label,
            "action": event.action,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "reason": event.reason
            if full or event.object_type == "workflow.indicatorclaim"
            else "",
        }
        for event in events
    ]


def pending_claims_for_export(*, department: Department) -> QuerySet[IndicatorClaim]:
    return (
        claims_in_review(
            IndicatorClaim.objects.filter(department=department, state__in=OPEN_STATES)
        )
        .select_related("application__applicant", "application__round")
        .order_by("pk")
    )


def decisions_for_export(*, department: Department) -> QuerySet[IndicatorClaim]:
    return (
        IndicatorClaim.objects.filter(department=department)
        .exclude(state__in=OPEN_STATES)
        .select_related("application__applicant", "application__round", "decided_by")
        .order_by("pk")
    )


def office_bookings(*, department: Department, date: dt.date) -> QuerySet[OriginalsCheck]:
    """The office's bookings of one day (原件查验), by half-day and window."""
    return (
        OriginalsCheck.objects.filter(department=department, date=date)
        .exclude(state=OriginalsState.INVITED)
        .select_related("application__applicant", "window", "claim")
        .order_by("half", "window__name", "number")
    )


def claim_review_loop(*, claim: IndicatorClaim) -> dict[str, Any]:
    """The claim page's 补件 requests and 原件查验 checks, newest first."""
    return {
        "supplements": list(claim.supplements.order_by("-requested_at", "-id")),
        "originals_checks": list(
            claim.originals_checks.select_related("department", "window").order_by("-invited_at")
        ),
        "joint_checks": list(
            claim.application.joint_checks.select_related("department").order_by("-opened_at")
        ),
    }


def joint_checks_for(*, department: Department, user: Any) -> QuerySet[JointCheck]:
    """联动核察 a department sees: the lead (人社局) and administrators all of them; any other
    department the ones it takes part in. Open ones first."""
    checks = JointCheck.objects.select_related("application__applicant", "department")
    if not (roles.is_administrator(user) or department.code == "hrss"):
        checks = checks.filter(findings__department=department)
    return checks.order_by("-state", "-opened_at", "-pk").distinct()


def joint_checks_awaiting(*, department: Department) -> int:
    """How many open joint checks still wait for this department's finding."""
    return JointCheckFinding.objects.filter(
        department=department, recorded_at__isnull=True, joint_check__state=JointCheckState.OPEN
    ).count()
