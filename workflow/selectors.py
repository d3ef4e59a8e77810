"""Workflow selectors (reads)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from workflow import roles
from workflow.facts import CARRY_OVER_INDICATORS, carry_over_facts
from workflow.models import (
    TAKES_A_PLACE,
    UNSUBMITTED_STATES,
    AnnualRound,
    Application,
    AppState,
    AuditEvent,
    ClaimState,
    Department,
    Employer,
    EmployerMembership,
    HalfDay,
    IndicatorClaim,
    Notice,
    OriginalsCheck,
    OriginalsState,
    Phase,
    SupplementRequest,
    WindowDay,
)
from workflow.models.review_loop import slot_starts_at


def round_current(
    *, now: dt.datetime | None = None, request: Any | None = None
) -> AnnualRound | None:
    """The round the site is about at `now`: every page header, the applicant's and the
    unit's pages, the review queues and the simulator's default year go through this.

    With `request` (and no `now`) the answer is read once per request and kept on it: the
    page's header (the context processor) and its view then show the same round for one
    query, not one each.

    In order:
    1. a round whose timetable contains `now` (declaration opens <= now <= publicity
       closes), so a round created early for next year never hides the running one;
    2. else a round in progress by its phase (beat has not closed it yet, or an
       administrator moved it on early);
    3. else, between rounds, the next one scheduled (its header tells when declaration opens);
    4. else the latest (closed) round.
    Where two rounds qualify in 1 or 2 (last year's publicity still running while this
    year's declaration is open, as in the demo), the newer: its applicants are acting now,
    and last year's list keeps its own page under its year.
    """
    if request is not None and now is None:
        if not hasattr(request, "round_current"):
            request.round_current = round_current()
        return request.round_current
    now = timezone.now() if now is None else now
    newest_first = AnnualRound.objects.order_by("-year")
    return (
        newest_first.filter(declaration_opens_at__lte=now, publicity_closes_at__gte=now).first()
        or newest_first.exclude(phase__in=[Phase.SCHEDULED, Phase.CLOSED]).first()
        or AnnualRound.objects.filter(phase=Phase.SCHEDULED, declaration_opens_at__gt=now)
        .order_by("year")
        .first()
        or newest_first.first()
    )


# Department names are reference data (seeded by migration 0002, renamed only in the admin):
# each process reads them once a minute, not once per portal page (issue 13); a rename shows
# everywhere within that minute.
DEPARTMENT_NAMES_SECONDS = 60


def department_names() -> dict[str, str]:
    """Every department's name by code."""
    cache = caches["rendered"]
    names = cache.get("department-names")
    if names is None:
        names = dict(Department.objects.values_list("code", "name"))
        cache.set("department-names", names, DEPARTMENT_NAMES_SECONDS)
    return names


def round_get(*, year: int) -> AnnualRound | None:
    return AnnualRound.objects.filter(year=year).first()


def round_state_counts(*, round: AnnualRound) -> dict[str, int]:
    rows = (
        Application.objects.filter(round=round)
        .values("state")
        .annotate(n=Count("id"))
        .order_by("state")
    )
    return {row["state"]: row["n"] for row in rows}


def application_for(*, round: AnnualRound, applicant: Any) -> Application | None:
    """The applicant's application in `round`, with its employer (every applicant page names
    it); its round and applicant are the caller's objects, not read again."""
    application = (
        Application.objects.filter(round=round, applicant=applicant)
        .select_related("employer")
        .order_by()  # one per applicant and round; the default ordering joins the round
        .first()
    )
    if application is not None:
        application.round, application.applicant = round, applicant
    return application


@dataclass(frozen=True)
class CarryOver:
    """An earlier round's verified claim the applicant may declare again with one click."""

    source: IndicatorClaim
    facts: dict[str, Any]

    @property
    def year(self) -> int:
        return self.source.application.round.year


# An application voided or cancelled (fraud, an upheld objection) vouches for nothing.
_DISCREDITED_STATES = [AppState.VOIDED, AppState.HUKOU_REVOKED, AppState.CANCELLED]


def carry_over_offer(*, application: Application, indicator: str) -> CarryOver | None:
    """The applicant's own latest claim of `indicator` from an earlier round that the
    department verified as declared (审核通过; not rejected, not adjusted), with the part
    that may be declared again (workflow.facts.carry_over_facts); None if there is none."""
    if indicator not in CARRY_OVER_INDICATORS:
        return None
    earlier = (
        IndicatorClaim.objects.filter(
            application__applicant_id=application.applicant_id,
            application__round__year__lt=application.round.year,
            indicator=indicator,
            state=ClaimState.VERIFIED,
        )
        .exclude(application__state__in=_DISCREDITED_STATES)
        .select_related("application__round")
        .order_by("-application__round__year")
        .first()
    )
    if earlier is None:
        return None
    facts = carry_over_facts(indicator, earlier.verified_facts)
    return None if facts is None else CarryOver(source=earlier, facts=facts)


def audit_trail(*, obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("at", "id")
    )


def claims_in_review(claims: QuerySet[IndicatorClaim]) -> QuerySet[IndicatorClaim]:
    """Only claims of submitted-or-later, not withdrawn, applications (NOT_IN_REVIEW_STATES),
    by the claim's own flag (kept by the database from its application's state, see
    workflow/triggers.py): no join with the applications."""
    return claims.filter(in_review=True)


def claims_reviewable_by(*, user: Any) -> QuerySet[IndicatorClaim]:
    """The claims a user may open as a reviewer: those assigned to their department
    (claim.department) on an application in review; an administrator's: every claim in
    review; anyone else's: none. The back office's claim pages and the evidence files
    both ask this, so the two can never disagree."""
    claims = claims_in_review(IndicatorClaim.objects.all())
    if roles.is_administrator(user):
        return claims
    department = roles.department_of(user)
    if department is None:
        return claims.none()
    return claims.filter(department=department)


def notices_of(*, user: Any) -> QuerySet[Notice]:
    """The user's own notices, newest first (nobody else's, whoever asks)."""
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-id")


@dataclass(frozen=True)
class PortalHeader:
    """What the signed-in header shows beyond the user: the link to the unit pages (the
    account acts for a unit) and the count of unread notices."""

    has_unit: bool
    unread: int


def portal_header(*, user: Any) -> PortalHeader:
    """The header's unit link and unread count, in one statement on every signed-in page.

    Plain SQL on purpose (issue 13): the two answers are two numbers, and compiling the ORM's
    Exists and Count subqueries cost more CPU than the rest of the page frame's queries
    (1.2 ms against 0.08 ms for this statement)."""
    if user is None or not user.is_authenticated:
        return PortalHeader(has_unit=False, unread=0)
    membership, notice = EmployerMembership._meta, Notice._meta
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {membership.db_table} WHERE "  # noqa: S608 - table and
        f"{membership.get_field('user').column} = %s), "  # column names from the models
        f"(SELECT COUNT(*) FROM {notice.db_table} WHERE "
        f"{notice.get_field('recipient').column} = %s AND "
        f"{notice.get_field('read_at').column} IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        has_unit, unread = cursor.fetchone()
    return PortalHeader(has_unit=bool(has_unit), unread=unread)


EMPLOYER_SEARCH_LIMIT = 20


def employers_search(*, query: str, limit: int = EMPLOYER_SEARCH_LIMIT) -> list[Employer]:
    """Registered units whose name contains `query` or whose credit code starts with it.

    Every registered unit, its account verified or not: the applicant names the unit that
    pays the insurance, and an unverified account is verified before it can confirm anyone.
    Fewer than two characters find nothing (a single 北 would list half the city).
    """
    text = query.strip()
    if len(text) < 2:
        return []
    return list(
        Employer.objects.filter(
            Q(name__icontains=text) | Q(credit_code__startswith=text.upper())
        ).order_by("name", "credit_code")[:limit]
    )


def audit_moves_since(*, round: AnnualRound, after_id: int) -> list[tuple[Any, str, int]]:
    """What a run of the round's jobs moved, from the audit log: one line per kind of move
    (model, "填报中 → 已撤回", 12), in the order of the first such move. The audit log is
    the record every move writes, so the summary is what happened, not what was meant to."""
    from django.apps import apps
    from django.db.models import Min

    rows = (
        AuditEvent.objects.filter(id__gt=after_id, round_year=round.year)
        .exclude(to_state="")
        .values("object_type", "from_state", "to_state")
        .annotate(count=Count("id"), first=Min("id"))
        .order_by("first")
    )
    lines = []
    for row in rows:
        try:
            model = apps.get_model(row["object_type"])
        except (LookupError, ValueError):
            continue  # a row of a model since removed: nothing this run moved
        else:
            field = next((f for f in model._meta.fields if f.name in ("state", "phase")), None)
            labels = dict(field.flatchoices) if field is not None else {}
        move = (
            f"{labels.get(row['from_state'], row['from_state'] or '—')} → "
            f"{labels.get(row['to_state'], row['to_state'])}"
        )
        lines.append((model, move, row["count"]))
    return lines


def applicant_dashboard_applications(
    *, applicant: Any, round: AnnualRound | None
) -> tuple[Application | None, Application | None]:
    """The applicant's application in `round` and a qualification still held from an earlier
    round (valid two years, 细则第十条: the dashboard keeps the way to settle it), in one query
    (two when a qualification is held from an earlier round)."""
    held = Q(state=AppState.QUALIFIED)
    mine = Application.objects.filter(held | Q(round=round) if round else held, applicant=applicant)
    current = None
    earlier: list[Application] = []
    # Neither ordered by year nor joined to the round: the current application's round is the
    # request's own (the header shows the same), and only a held qualification, which few
    # applicants have, needs its round read (issue 13: the join was a tenth of the dashboard).
    for application in mine.select_related("employer").order_by():
        application.applicant = applicant
        if round is not None and application.round_id == round.pk:
            application.round = round
            current = application
        else:
            earlier.append(application)
    if not earlier:
        return current, None
    rounds = AnnualRound.objects.in_bulk({application.round_id for application in earlier})
    for application in earlier:
        application.round = rounds[application.round_id]
    return current, max(earlier, key=lambda application: application.round.year)


# --- the review loop (细则第七条) -----------------------------------------------------------


def applicant_review_requests(
    *, application: Application, claims: Iterable[IndicatorClaim] | None = None
) -> dict[str, Any]:
    """What the departments asked of the applicant: open 补件 requests and 原件查验
    invitations not yet settled, for the dashboard. `claims`: the application's claims when
    the caller has read them; an open 补件 request holds its claim in 待补件, so without
    such a claim there is none to look for."""
    if application.state in UNSUBMITTED_STATES:
        # Departments see an application once it is submitted, and it never goes back: no
        # department can have asked anything yet.
        return {"supplements": [], "originals": []}
    if claims is not None and not any(c.state == ClaimState.SUPPLEMENT_REQUESTED for c in claims):
        return {"supplements": [], "originals": _originals_open(application=application)}
    supplements = (
        SupplementRequest.objects.filter(
            claim__application=application,
            claim__state=ClaimState.SUPPLEMENT_REQUESTED,
            answered_at__isnull=True,
            overdue_at__isnull=True,
        )
        .select_related("claim__department")
        .order_by("due_at", "pk")
    )
    return {"supplements": list(supplements), "originals": _originals_open(application=application)}


def _originals_open(*, application: Application) -> list[OriginalsCheck]:
    checks = OriginalsCheck.objects.filter(
        application=application, state__in=[OriginalsState.INVITED, OriginalsState.BOOKED]
    )
    # Few applications are ever asked for their originals: asking whether there is one costs
    # a quarter of reading the checks with their offices (issue 13: the dashboard's costliest
    # query, for an answer that is nearly always "none").
    if not checks.exists():
        return []
    # The dashboard names the office, not the window.
    return list(checks.select_related("department").order_by("invited_at", "pk"))


def originals_slots(*, check: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The half-day slots the applicant may book for ``check``: every window of its office,
    every day of the booking period still ahead with a capacity, and the places left."""
    now = timezone.now() if now is None else now
    days = (
        WindowDay.objects.filter(
            window__department_id=check.department_id,
            date__gte=check.book_from,
            date__lte=check.book_until,
        )
        .select_related("window")
        .order_by("date", "window__name")
    )
    taken = {
        (row["window_id"], row["date"], row["half"]): row["n"]
        for row in OriginalsCheck.objects.filter(
            window__department_id=check.department_id,
            date__gte=check.book_from,
            date__lte=check.book_until,
            state__in=TAKES_A_PLACE,
        )
        .values("window_id", "date", "half")
        .annotate(n=Count("pk"))
    }
    slots = []
    for day in days:
        for half in HalfDay:
            capacity = day.capacity(half)
            if capacity == 0 or slot_starts_at(day.date, half) <= now:
                continue
            left = capacity - taken.get((day.window_id, day.date, half.value), 0)
            slots.append(
                {
                    "window": day.window,
                    "date": day.date,
                    "half": half.value,
                    "half_label": half.label,
                    "capacity": capacity,
                    "left": max(left, 0),
                    "mine": check.window_id == day.window_id
                    and check.date == day.date
                    and check.half == half.value,
                }
            )
    return slots
