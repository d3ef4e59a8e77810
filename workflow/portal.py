"""Portal actions that span more than one domain service, each as one transaction.

The domain services (workflow.services) stay the only place that moves state and checks
windows, roles and ownership; these functions only put several of them together so that
a web form either does all it says or nothing (e.g. a unit account is never left without
its administrator, an appeal is never left without its evidence).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from ranking.policy import FactsError
from workflow import crypto, mails, services
from workflow.bars import bar_finding
from workflow.exceptions import NotPermitted
from workflow.extensions import credit_record_latest, ranking_summary
from workflow.facts import application_score, employer_facts, person_facts_of
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    AppState,
    AuditEvent,
    Employer,
    EvidencePurpose,
    FormDraft,
    IndicatorClaim,
    Phase,
)
from workflow.selectors import department_names
from workflow.services._common import now_or, require_window

# 细则第十七条: 弄虚作假的，取消其当年及以后5年内的积分落户申请资格 / 不受理其申请事项
BAR_ARTICLE = "《北京市积分落户操作管理细则》第十七条：申请人对申请材料弄虚作假的，取消其当年及以后5年内的积分落户申请资格；对用人单位协助提供虚假材料的，当年及以后5年内不受理其积分落户申请事项。"


# --- accounts ---------------------------------------------------------------------------


# The one answer to a registration, whether or not the number already had an account: the
# page must not tell a stranger who has registered (a registered number is a person applying
# for 落户). The owner of an existing account is told by mail instead.
REGISTRATION_ANSWER = (
    "注册申请已受理：如该公民身份号码尚未注册，账号已创建，请用公民身份号码和密码登录；"
    "已注册的请直接登录，忘记密码可通过邮箱找回。"
)


def applicant_account_register(
    *,
    id_number: str,
    name: str,
    phone: str,
    email: str,
    password: str,
    female_job: str | None = None,
    now: dt.datetime | None = None,
) -> Applicant | None:
    """A new login and its Applicant record, together. The user name says nothing about the
    person (crypto.new_applicant_username); the applicant logs in with the identity number.

    One account per identity number: its blind index (Applicant.id_number_index) is unique.
    A number that already has an account gets no new one and no error either (None): the
    caller answers REGISTRATION_ANSWER in both cases, and the same work is done (a password
    hash, an audit row, one mail on commit: a welcome to the new address, or to the existing
    account's own address a warning that someone tried its number). Raises ValidationError
    keyed by form field for anything else.
    """
    now = now_or(now)
    number = id_number.strip().upper()
    existing = _account_of(number)
    if existing is None:
        try:
            with transaction.atomic():
                user = _new_applicant_user(name=name, email=email)
                user.set_password(password)
                user.save()
                applicant = services.applicant_register(
                    user=user,
                    id_number=number,
                    name=name,
                    phone=phone,
                    female_job=female_job,
                    now=now,
                )
                transaction.on_commit(
                    lambda: mails.registration_welcome(to=user.email, id_number=number)
                )
            return applicant
        except (IntegrityError, ValidationError):
            # Registered by another request a moment ago: answer as for any known number.
            existing = _account_of(number)
            if existing is None:
                raise
    make_password(password)  # the hash a new account would have cost
    with transaction.atomic():
        audit_target = Applicant.objects.filter(user=existing).first() or existing
        services.audit_record(
            actor=None,
            label="anonymous",
            action="applicant.register_again",
            obj=audit_target,
            now=now,
        )
        transaction.on_commit(
            lambda: mails.registration_attempt(to=existing.email, id_number=number)
        )
    return None


def _account_of(number: str) -> Any:
    applicant = Applicant.objects.by_id_number(number).select_related("user").first()
    return applicant.user if applicant is not None else None


def _new_applicant_user(*, name: str, email: str) -> Any:
    return get_user_model()(
        username=crypto.new_applicant_username(),
        email=email.strip(),
        first_name=name.strip()[:150],
    )


def unit_account_register(
    *,
    credit_code: str,
    unit_name: str,
    username: str,
    contact_name: str,
    email: str,
    password: str,
    now: dt.datetime | None = None,
) -> Employer:
    """A new employer unit and its first unit administrator (单位经办人) account, together."""
    now = now_or(now)
    code = credit_code.strip().upper()
    user_model = get_user_model()
    if Employer.objects.filter(credit_code=code).exists():
        raise ValidationError(
            {
                "credit_code": "该统一社会信用代码的单位已注册；如需增加经办人，请联系单位现有经办人或管理员。"
            }
        )
    if user_model.objects.filter(username=username.strip()).exists():
        raise ValidationError({"username": "该用户名已被使用，请换一个。"})
    with transaction.atomic():
        user = user_model(
            username=username.strip(), email=email.strip(), first_name=contact_name.strip()[:150]
        )
        user.set_password(password)
        user.save()
        employer = services.employer_register(credit_code=code, name=unit_name, actor=user, now=now)
        # The unit's own first administrator: the system grants it at registration.
        services.employer_membership_add(user=user, employer=employer, actor=None, now=now)
    return employer


# --- applicant: starting, drafts, objections ---------------------------------------------


def application_begin(
    *, round: AnnualRound, employer: Employer, actor: Any, now: dt.datetime | None = None
) -> Application:
    """Start the round's application and name the employer in one step (细则第五条)."""
    now = now_or(now)
    with transaction.atomic():
        application = services.application_start(round=round, actor=actor, now=now)
        return services.application_name_employer(
            application=application, employer=employer, actor=actor, now=now
        )


def draft_save(
    *,
    application: Application,
    indicator: str,
    data: Mapping[str, Any],
    actor: Any,
    now: dt.datetime | None = None,
) -> FormDraft:
    """Keep what was typed on an indicator page, valid or not.

    Not audited: a draft is not a declaration and is autosaved often; the declaration
    itself (`claim_declare`) is audited.
    """
    now = now_or(now)
    if application.applicant.user_id != getattr(actor, "pk", None):
        raise NotPermitted("只有申请人本人才能保存草稿。")
    # 细则第五条: edits stop when the declaration window closes (20:00 on the last day).
    require_window(
        round=application.round, phases=[Phase.DECLARATION], now=now, action="保存填报内容"
    )
    draft, _ = FormDraft.objects.update_or_create(
        application=application, indicator=indicator, defaults={"data": dict(data), "saved_at": now}
    )
    return draft


def draft_discard(*, application: Application, indicator: str) -> None:
    FormDraft.objects.filter(application=application, indicator=indicator).delete()


def claim_declare_from_form(
    *,
    application: Application,
    indicator: str,
    declared_facts: dict[str, Any],
    actor: Any,
    now: dt.datetime | None = None,
) -> IndicatorClaim:
    """Declare validated facts and drop the page's draft, which they replace."""
    now = now_or(now)
    with transaction.atomic():
        claim = services.claim_declare(
            application=application,
            indicator=indicator,
            declared_facts=declared_facts,
            actor=actor,
            now=now,
        )
        draft_discard(application=application, indicator=indicator)
    return claim


def claim_carry_over_from_page(
    *, application: Application, indicator: str, actor: Any, now: dt.datetime | None = None
) -> IndicatorClaim:
    """Declare last year's verified data (services.claim_carry_over) and drop the page's
    draft, which it replaces."""
    now = now_or(now)
    with transaction.atomic():
        claim = services.claim_carry_over(
            application=application, indicator=indicator, actor=actor, now=now
        )
        draft_discard(application=application, indicator=indicator)
    return claim


def claim_object(
    *,
    claim: IndicatorClaim,
    kind: str,
    reason: str,
    uploads: Iterable[Any],
    actor: Any,
    now: dt.datetime | None = None,
) -> IndicatorClaim:
    """A recheck (复查, 细则第五条) or an appeal (申诉, 细则第八条) with its evidence, all or nothing."""
    now = now_or(now)
    with transaction.atomic():
        if kind == "appeal":
            claim = services.claim_appeal(claim=claim, actor=actor, reason=reason, now=now)
            purpose = EvidencePurpose.APPEAL
        else:
            claim = services.claim_request_recheck(claim=claim, actor=actor, reason=reason, now=now)
            purpose = EvidencePurpose.RECHECK
        uploads = list(uploads)
        if uploads:
            # Every file is checked before any is written; a refused one rolls back the objection.
            services.evidence_store_all(
                application=claim.application,
                indicator=claim.indicator,
                uploads=uploads,
                purpose=purpose,
                claim=claim,
                actor=actor,
                now=now,
            )
    return claim


# --- reads --------------------------------------------------------------------------------

# Before the unit confirms the affiliation (细则第五条) an application has no claims: the
# declaration starts with the confirmation (Application.confirm_affiliation).
BEFORE_AFFILIATION = (AppState.DRAFT, AppState.AWAITING_EMPLOYER, AppState.REJECTED_BY_EMPLOYER)

BAR_REASON_UNRECORDED = "未找到对应的信用记录，如有疑问请联系积分落户管理部门"


def bar_notice(
    *, party: Applicant | Employer, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """Why and until when a party may not apply, or None.

    The reason is the party's latest credit record (publicity registers the lookup; it writes
    the record with the bar): what was found, in which round, on which day (细则第十七条).
    """
    now = now_or(now)
    if not party.is_barred(timezone.localdate(now)):
        return None
    owner = {"applicant": party} if isinstance(party, Applicant) else {"employer": party}
    record = credit_record_latest(**owner)
    reason = BAR_REASON_UNRECORDED if record is None else bar_finding(record)
    return {"until": party.barred_until, "reason": reason, "record": record, "article": BAR_ARTICLE}


def application_ranking(*, application: Application) -> dict[str, Any] | None:
    """The round's current ranking (cut-off, quota, admitted count), once ranking has run."""
    return ranking_summary(application.round)


@functools.lru_cache(maxsize=64)
def _indicator_url(code: str, script_prefix: str) -> str:
    """An indicator page's address: the same for every applicant (reversing nine of them was
    a twentieth of the dashboard, issue 13); `script_prefix` is in the key because `reverse`
    reads it."""
    return reverse("workflow:indicator", args=[code])


def applicant_overview(
    *, application: Application, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything the applicant's dashboard shows, in a fixed number of queries."""
    from workflow.evidence import evidence_purposes
    from workflow.indicators import INDICATORS, evidence_required
    from workflow.models import APPEALABLE_STATES, DECIDED_STATES
    from workflow.services.claims import EDITABLE_APPLICATION_STATES

    now = now_or(now)
    round = application.round
    declaration_open = round.is_declaration_open(now)
    query_open = round.is_result_query_open(now)
    flags = {
        "declaration_open": declaration_open,
        "query_open": query_open,
        # 细则第五条: editing goes on after submission until the window closes.
        "can_fill": declaration_open and application.state in EDITABLE_APPLICATION_STATES,
        "can_submit": declaration_open and application.state == AppState.FILLING,
        "submitted_editable": declaration_open and application.state == AppState.SUBMITTED,
        "can_name_employer": declaration_open
        and application.state in (AppState.DRAFT, AppState.REJECTED_BY_EMPLOYER),
    }
    if application.state in BEFORE_AFFILIATION:
        # Claims are made only once the unit has confirmed (细则第五条); until then the page
        # shows the unit's answer, not the indicators: nothing to read for them.
        return {"rows": [], "claims": {}, "score": None, **flags}
    # Unordered: the rows follow INDICATORS (the default ordering joins the round).
    claims = {c.indicator: c for c in application.claims.order_by()}
    evidence = evidence_purposes(application=application)
    drafts = set(
        FormDraft.objects.filter(application=application).values_list("indicator", flat=True)
    )
    names = department_names()
    can_object = declaration_open and application.state in (AppState.FILLING, AppState.SUBMITTED)
    rows = []
    for code, indicator in INDICATORS.items():
        claim = claims.get(code)
        rows.append(
            {
                "code": code,
                "label": indicator.label,
                "zero_fill": indicator.zero_fill,
                # Joined and reversed here, once per row: the table's cells and its two links
                # to the page (issue 13: the dashboard's template was most of its time).
                "url": _indicator_url(code, get_script_prefix()),
                "departments": "、".join(names.get(d, d) for d in indicator.departments),
                "claim": claim,
                "state": claim.state if claim is not None else "none",
                "evidence_count": len(evidence.get(code, ())),
                # 细则第七条: what submission will ask for, said before the applicant submits.
                "evidence_missing": evidence_required(code, claim.declared_facts)
                if claim is not None and EvidencePurpose.DECLARATION not in evidence.get(code, ())
                else None,
                "has_draft": code in drafts,
                "can_recheck": bool(claim and can_object and claim.state in DECIDED_STATES),
                "can_appeal": bool(
                    claim
                    and query_open
                    and application.state == AppState.RESULTS_PUBLISHED
                    and claim.state in APPEALABLE_STATES
                    and claim.appealed_at is None
                ),
            }
        )
    return {
        "rows": rows,
        "overview_key": _overview_key(
            application=application, rows=rows, can_fill=flags["can_fill"]
        ),
        "claims": claims,
        "score": DashboardScore(application=application, claims=list(claims.values())),
        **flags,
        "pending_count": sum(1 for c in claims.values() if c.state == "pending"),
        # Eligibility facts come from the police and HRSS (零填报); until both have answered,
        # a failure is "not yet shown", not "not met".
        "eligibility_pending": any(
            claims.get(code) is None or claims[code].state == "pending"
            for code in ("eligibility", "employment")
        ),
    }


class DashboardScore:
    """The dashboard's score, or why it cannot be computed, worked out on first use: the
    page keeps its score section by content (`_overview_key`), and a section served from
    there scores nothing (issue 13: scoring and its table were a tenth of the dashboard)."""

    def __init__(self, *, application: Application, claims: list[Any]) -> None:
        self._application = application
        self._claims = claims

    @functools.cached_property
    def _outcome(self) -> tuple[dict[str, Any] | None, str | None]:
        if not self._claims:
            return None, None
        try:
            result = application_score(self._application, basis="effective", claims=self._claims)
        except FactsError as error:
            return None, f"{error.field}：{error.message}"
        return result.as_contract(explain=True), None

    @property
    def result(self) -> dict[str, Any] | None:
        """The contract output with its explanation (facts-format-1), or None."""
        return self._outcome[0]

    @property
    def error(self) -> str | None:
        """Why the facts cannot be scored (the field and the message), or None."""
        return self._outcome[1]


def _overview_key(*, application: Application, rows: list[dict[str, Any]], can_fill: bool) -> str:
    """The dashboard's indicator table and score, by content: every input they show goes into
    the key (each row, every column of its claim, the application's state and final total,
    whether it can be filled, and what the score reads besides the claims: the round's year
    and policy, the applicant's and the employer's facts), so a changed claim, window or
    total renders anew and nothing is ever invalidated by hand. The table was a third of the
    dashboard's template (issue 13); hashing its inputs costs a tenth of rendering it."""
    applicant, round = application.applicant, application.round
    parts: list[Any] = [
        application.pk,
        application.state,
        application.total_points,
        can_fill,
        round.pk,
        round.year,
        round.policy_id,
        person_facts_of(
            id_number=applicant.id_number,
            name=applicant.name,
            female_job=applicant.female_job,
            derived=False,
        ),
        employer_facts(application.employer),
    ]
    for row in rows:
        claim = row["claim"]
        parts.append([value for name, value in row.items() if name != "claim"])
        if claim is not None:
            parts.append([getattr(claim, field.attname) for field in claim._meta.concrete_fields])
    return hashlib.sha256(repr(parts).encode()).hexdigest()


PUBLISHED_PHASES = (Phase.PUBLICITY, Phase.CLOSED)


def results_public(*, round: AnnualRound) -> bool:
    """细则第九条: final points, rank and outcome are public once the list is in 公示."""
    return round.phase in PUBLISHED_PHASES


def unit_application_rows(*, application: Application) -> list[dict[str, Any]]:
    """An employee's indicators for the unit: in the applicant's order (INDICATOR_CODES),
    each with its own reviewing departments and the claim's progress (None: not declared)."""
    from workflow.indicators import INDICATORS

    claims = {c.indicator: c for c in application.claims.all()}
    names = department_names()
    return [
        {
            "code": code,
            "label": indicator.label,
            "zero_fill": indicator.zero_fill,
            "departments": [names.get(d, d) for d in indicator.departments],
            "claim": claims.get(code),
        }
        for code, indicator in INDICATORS.items()
    ]


def withdrawal_of(*, application: Application) -> dict[str, Any] | None:
    """When and why the application was withdrawn (细则第五条: not submitted by the deadline,
    or by the applicant), from its audit row."""
    event = (
        AuditEvent.objects.filter(
            object_type=Application._meta.label_lower,
            object_id=str(application.pk),
            action="application.withdraw",
        )
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return None
    return {"at": event.at, "reason": event.reason, "by_applicant": event.actor_id is not None}


def education_comparison_for(*, application: Application, education: list[dict[str, Any]]) -> Any:
    """就业与就学积分比较 (2020 Q&A 6: 在教育背景指标填报页面增设了就业与就学积分比较计算器):
    the applicant's own records (department figures where decided, else what they declared)
    with each of these education items alone, against declaring none. None when there is
    nothing to compare or the records are not yet complete enough to score."""
    from ranking.policy import FactsError
    from ranking.policy.comparison import education_comparison
    from workflow.facts import BASIS_EFFECTIVE, application_facts

    if not education:
        return None
    facts = application_facts(application, basis=BASIS_EFFECTIVE)
    try:
        return education_comparison({**facts, "education": education})
    except FactsError:
        return None
