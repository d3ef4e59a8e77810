"""Many people's steps at one moment, set-based: the same guards, the same rows and the same
audit shape as their one-at-a-time services, for the declaration's mass steps.

Beijing's declaration is some 130,000 people registering, starting an application, being
confirmed by their unit, declaring about nine indicators and submitting, mostly in its
first days (and `simulate_round` plays them all). One service call per person and step is
a dozen queries each; these take a chunk of people per call: one query for each guard over
the chunk, one INSERT or UPDATE per table, one audit row per object (COPY on PostgreSQL).

Every guard holds for every object before anything is written, and one refused object
refuses the whole call (the caller's chunk): nothing half-written. What a person does in
any other way (an edit, a second declaration of an indicator, an upload) goes through the
single services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.extensions import declaration_changed
from workflow.indicators import (
    INDICATORS,
    primary_department_of,
)
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    AppState,
    Employer,
    IndicatorClaim,
    Phase,
)

from . import applications as single
from . import claims as single_claims
from ._common import atomic_transition, now_or, require_window, snapshot
from .departments import departments_ensure
from .parties import _normalise
from .transitions import (
    audit_event,
    audit_events_write,
    bulk_guard_check,
    guard_of,
    transition_bulk,
)


def applicants_register_many(
    *, people: Sequence[Mapping[str, Any]], now: dt.datetime | None = None
) -> list[Applicant]:
    """Register each person's user as an applicant, as `applicant_register` does: each
    validated by field (an invalid identity number names the person's place in the list),
    one audit row each. ``people``: {"user", "id_number", "name", "phone", "female_job"}."""
    now = now_or(now)
    applicants = []
    for place, person in enumerate(people, start=1):
        applicant = Applicant(
            user=person["user"],
            id_number=_normalise(person["id_number"]),
            name=person["name"].strip(),
            phone=person.get("phone", "").strip(),
            female_job=person.get("female_job") or None,
        )
        try:
            # Uniqueness and the login's existence are the database's to check (the unique
            # index and the foreign key refuse the chunk's INSERT), not a query per person.
            applicant.full_clean(exclude=["user"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(
                {f"第 {place} 人 {k}": v for k, v in exc.message_dict.items()}
            ) from exc
        applicants.append(applicant)
    try:
        with transaction.atomic():
            Applicant.objects.bulk_create(applicants)
            _audit_created(
                applicants,
                [applicant.user for applicant in applicants],
                action="applicant.register",
                round_year=None,
                fields=["id_number", "name", "female_job"],
                now=now,
            )
    except IntegrityError as exc:
        raise DomainError("其中有公民身份号码已登记，不能重复登记。") from exc
    return applicants


def applications_begin_many(
    *,
    round: AnnualRound,
    starts: Sequence[tuple[Any, Employer]],
    now: dt.datetime | None = None,
) -> list[int]:
    """Each (applicant's user, employer) starts the round's application and names the
    employer, as `portal.application_begin` does one: the declaration window, the applicant
    registered, not barred and without an application this year, the employer registered in
    Beijing, tax-registered and not barred (细则第五条、第十七条). The applications in the
    order given (their ids, which follow it)."""
    now = now_or(now)
    require_window(round=round, phases=[Phase.DECLARATION], now=now, action="开始申报")
    users = [user for user, _ in starts]
    applicant_of = {a.user_id: a for a in Applicant.objects.filter(user__in=users)}
    today = timezone.localdate(now)
    for user, employer in starts:
        applicant = applicant_of.get(user.pk)
        if applicant is None:
            raise NotPermitted("请先完成申请人实名信息登记，再开始申报。")
        if applicant.is_barred(today):
            raise NotPermitted(
                f"{applicant.name}{single._bar_notice(applicant=applicant, now=now)}"
            )
        single.require_employer_nameable(employer, now=now)
    duplicate = (
        Application.objects.filter(round=round, applicant__user__in=users)
        .select_related("applicant")
        .first()
    )
    if duplicate is not None:
        raise DomainError(
            f"{duplicate.applicant.name}已有{round.year}年度的积分落户申请，每人每年度只能申请一次。"
        )
    with atomic_transition():
        try:
            applications = Application.objects.bulk_create(
                Application(round=round, applicant=applicant_of[user.pk]) for user in users
            )
        except IntegrityError as exc:  # the same applicant, twice at once
            raise DomainError(f"每人每年度只能申请一次（{round.year}年度）。") from exc
        _audit_created(
            applications,
            users,
            action="application.start",
            round_year=round.year,
            fields=single.AUDITED_FIELDS,
            now=now,
        )
        transition_bulk(
            Application,
            "name_employer",
            round=round,
            ids=[application.pk for application in applications],
            now=now,
            actors={a.pk: user for a, user in zip(applications, users, strict=True)},
            changes_of={
                application.pk: {"employer": employer, "employer_rejection_reason": ""}
                for application, (_, employer) in zip(applications, starts, strict=True)
            },
        )
    return [application.pk for application in applications]


def employer_confirm_affiliations(
    *,
    round: AnnualRound,
    application_ids: Sequence[int],
    actor: Any,
    now: dt.datetime | None = None,
) -> int:
    """The unit's administrator confirms these of its staff at once (确认隶属关系), as
    `employer_confirm_affiliation` does one: only the unit's own staff, only a verified
    account, not a barred unit (细则第十一条). Returns how many were confirmed."""
    now = now_or(now)
    today = timezone.localdate(now)
    for employer in Employer.objects.filter(applications__pk__in=application_ids).distinct():
        if employer.is_barred(today):
            raise NotPermitted(
                f"“{employer.name}”{single._bar_notice(employer=employer, now=now)}"
                "不能确认隶属关系。"
            )
    return transition_bulk(
        Application,
        "confirm_affiliation",
        round=round,
        ids=application_ids,
        now=now,
        actor=actor,
    )


def claims_declare_many(
    *,
    round: AnnualRound,
    declarations: Sequence[tuple[Application, Any, Mapping[str, Mapping[str, Any]]]],
    now: dt.datetime | None = None,
) -> int:
    """Each (application, its applicant's user, {indicator: declared facts}) declares
    indicators it has not declared yet, as `claim_declare` does a first declaration: the
    applicant's own application, in the declaration window, still being filled in; one
    claim and one audit row each. Returns how many claims were declared. A change of a
    declared indicator is `claim_declare`'s (it sends a decided claim back)."""
    now = now_or(now)
    action = "填报积分指标"
    ids = [application.pk for application, _, _ in declarations]
    bulk_guard_check(
        guard_of(IndicatorClaim, "redeclare"),
        Application,
        round,
        ids,
        actors={application.pk: user for application, user, _ in declarations},
        now=now,
    )
    states = dict(Application.objects.filter(pk__in=ids).values_list("pk", "state"))
    declared = set(
        IndicatorClaim.objects.filter(application_id__in=ids).values_list(
            "application_id", "indicator"
        )
    )
    departments = departments_ensure()
    claims: list[IndicatorClaim] = []
    actors: list[Any] = []
    for application, user, parts in declarations:
        if states[application.pk] != AppState.FILLING:
            raise InvalidTransition(
                f"申请当前状态（{AppState(states[application.pk]).label}）不能{action}。"
            )
        for indicator, facts in parts.items():
            single_claims.require_declarable(indicator)
            if (application.pk, indicator) in declared:
                raise DomainError(f"“{INDICATORS[indicator].label}”已填报，请在该指标页面修改。")
            claims.append(
                IndicatorClaim(
                    application_id=application.pk,
                    round_id=round.pk,
                    indicator=indicator,
                    department=departments[primary_department_of(indicator)],
                    declared_facts=dict(facts),
                )
            )
            actors.append(user)
    with atomic_transition(single_claims.CLAIM_CONFLICT):
        IndicatorClaim.objects.bulk_create(claims)
        _audit_created(
            claims,
            actors,
            action="claim.declare",
            round_year=round.year,
            fields=single_claims.AUDITED_FIELDS,
            now=now,
        )
    return len(claims)


def applications_submit_many(
    *,
    round: AnnualRound,
    submissions: Sequence[tuple[int, Any]],
    now: dt.datetime | None = None,
) -> int:
    """Each (application id, its applicant's user) submits, as `application_submit` does
    one: the applicant's own, in the window, with the evidence the data exchange cannot
    replace (细则第七条); the zero-fill claims (零填报) are created and the departments
    verify at once (细则第五条). Returns how many were submitted."""
    now = now_or(now)
    ids = [pk for pk, _ in submissions]
    single.require_evidence(ids)
    submittable = set(Application.submit._django_fsm.transitions)
    for state in Application.objects.filter(pk__in=ids).values_list("state", flat=True):
        if state not in submittable:
            raise InvalidTransition(f"申请当前状态（{AppState(state).label}）不能提交申请。")
    with atomic_transition():
        moved = transition_bulk(
            Application,
            "submit",
            round=round,
            ids=ids,
            now=now,
            actors=dict(submissions),
            changes={"submitted_at": now},
        )
        single.zero_fill_claims_create(round_id=round.pk, application_ids=ids)
        declaration_changed(round=round, application_ids=ids)
    return moved


def _audit_created(
    objects: Sequence[Any],
    actors: Sequence[Any],
    *,
    action: str,
    round_year: int | None,
    fields: Sequence[str],
    now: dt.datetime,
) -> None:
    """One audit row per object just created, by its own actor, of the shape the single
    service's `audit_record` writes (into its first state, the audited fields after)."""
    audit_events_write(
        [
            audit_event(
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                action=action,
                actor=actor,
                label="system",
                now=now,
                round_year=round_year,
                from_state="",
                to_state=getattr(obj, "state", ""),
                reason="",
                before=None,
                after=snapshot(obj, fields),
            )
            for obj, actor in zip(objects, actors, strict=True)
        ]
    )


__all__ = [
    "applicants_register_many",
    "applications_begin_many",
    "applications_submit_many",
    "claims_declare_many",
    "employer_confirm_affiliations",
]
