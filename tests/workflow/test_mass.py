"""Many people's declaration steps at once (workflow.services.mass): the same guards, rows
and audit trail as one at a time, and a refusal anywhere writes nothing."""

import datetime as dt

import pytest
import time_machine

from ranking.policy.identity import make_id_number
from tests import factories
from tests.workflow.conftest import at
from workflow import services
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted, WindowClosed
from workflow.indicators import ZERO_FILL_CODES
from workflow.models import Application, AppState, AuditEvent, ClaimState, IndicatorClaim

pytestmark = pytest.mark.django_db

IN_DECLARATION = at(2020, 8, 1, 10)
EDUCATION = {"education": [{"level": "master"}]}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(IN_DECLARATION, tick=False):
        yield


def _trail(model: str, pk: int) -> list[tuple[str, str, str, str]]:
    return [
        (e.action, e.from_state, e.to_state, e.actor_label)
        for e in AuditEvent.objects.filter(object_type=model, object_id=str(pk)).order_by("id")
    ]


def _declare_one_at_a_time(round2020, applicant, employer, unit_admin):
    application = services.application_start(round=round2020, actor=applicant.user)
    services.application_name_employer(
        application=application, employer=employer, actor=applicant.user
    )
    services.employer_confirm_affiliation(application=application, actor=unit_admin)
    services.claim_declare(
        application=application,
        indicator="education",
        declared_facts=EDUCATION,
        actor=applicant.user,
    )
    services.application_submit(application=application, actor=applicant.user)
    return application.pk


def _declare_together(round2020, applicant, employer, unit_admin):
    [pk] = services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])
    assert (
        services.employer_confirm_affiliations(
            round=round2020, application_ids=[pk], actor=unit_admin
        )
        == 1
    )
    application = Application.objects.get(pk=pk)
    assert (
        services.claims_declare_many(
            round=round2020, declarations=[(application, applicant.user, {"education": EDUCATION})]
        )
        == 1
    )
    assert (
        services.applications_submit_many(round=round2020, submissions=[(pk, applicant.user)]) == 1
    )
    return pk


def test_together_leaves_the_same_application_claims_and_audit_trail_as_one_at_a_time(
    round2020, applicant, other_applicant, employer, unit_admin
):
    single = _declare_one_at_a_time(round2020, applicant, employer, unit_admin)
    together = _declare_together(round2020, other_applicant, employer, unit_admin)

    trail = _trail("workflow.application", together)
    assert [(a, f, t) for a, f, t, _ in trail] == [
        (a, f, t) for a, f, t, _ in _trail("workflow.application", single)
    ]
    assert [who for *_, who in trail] == ["other_applicant"] * 2 + ["unit_admin"] + [
        "other_applicant"
    ]
    for pk in (single, together):
        application = Application.objects.get(pk=pk)
        assert application.state == AppState.SUBMITTED
        assert application.employer == employer
        assert application.submitted_at == IN_DECLARATION
        claims = dict(application.claims.values_list("indicator", "state"))
        assert set(claims) == {"education", *ZERO_FILL_CODES}
        assert set(claims.values()) == {ClaimState.PENDING}
        education = application.claims.get(indicator="education")
        assert education.declared_facts == EDUCATION
        assert _trail("workflow.indicatorclaim", education.pk)[0][:3] == (
            "claim.declare",
            "",
            "pending",
        )


def test_a_unit_confirms_only_its_own_staff_and_nothing_when_one_is_not(
    round2020, applicant, other_applicant, employer, other_employer, unit_admin
):
    mine, theirs = services.applications_begin_many(
        round=round2020, starts=[(applicant.user, employer), (other_applicant.user, other_employer)]
    )
    # Each names their own employer, in the one statement.
    assert Application.objects.get(pk=mine).employer == employer
    assert Application.objects.get(pk=theirs).employer == other_employer
    with pytest.raises(NotPermitted, match="只有申请人所在用人单位的经办人"):
        services.employer_confirm_affiliations(
            round=round2020, application_ids=[mine, theirs], actor=unit_admin
        )
    assert set(Application.objects.values_list("state", flat=True)) == {AppState.AWAITING_EMPLOYER}


def test_an_unverified_unit_account_is_sent_to_be_verified(
    round2020, applicant, employer, unverified_unit_admin
):
    [pk] = services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])
    with pytest.raises(NotPermitted, match="单位账号尚未核验"):
        services.employer_confirm_affiliations(
            round=round2020, application_ids=[pk], actor=unverified_unit_admin
        )


def test_nobody_submits_or_declares_on_someone_elses_application(
    round2020, applicant, other_applicant, employer, unit_admin
):
    [pk] = services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])
    services.employer_confirm_affiliations(round=round2020, application_ids=[pk], actor=unit_admin)
    application = Application.objects.get(pk=pk)
    with pytest.raises(NotPermitted, match="只有申请人本人"):
        services.claims_declare_many(
            round=round2020,
            declarations=[(application, other_applicant.user, {"education": EDUCATION})],
        )
    with pytest.raises(NotPermitted, match="只有申请人本人"):
        services.applications_submit_many(round=round2020, submissions=[(pk, other_applicant.user)])
    assert not IndicatorClaim.objects.exists()
    assert Application.objects.get(pk=pk).state == AppState.FILLING


def test_one_refused_start_starts_nobody(round2020, applicant, other_applicant, employer):
    services.application_start(round=round2020, actor=other_applicant.user)
    with pytest.raises(DomainError, match="李小红已有2020年度的积分落户申请"):
        services.applications_begin_many(
            round=round2020,
            starts=[(applicant.user, employer), (other_applicant.user, employer)],
        )
    assert not Application.objects.filter(applicant=applicant).exists()


def test_a_barred_applicant_or_unit_is_refused_by_name(round2020, applicant, employer):
    applicant.barred_until = at(2025, 1, 1).date()
    applicant.save()
    with pytest.raises(NotPermitted, match="王小明"):
        services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])
    applicant.barred_until = None
    applicant.save()
    employer.barred_until = at(2025, 1, 1).date()
    employer.save()
    with pytest.raises(DomainError, match=employer.name):
        services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])
    assert not Application.objects.exists()


def test_after_the_window_nobody_starts(round2020, applicant, employer):
    with time_machine.travel(at(2020, 12, 1, 10), tick=False), pytest.raises(WindowClosed):
        services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])


def test_declaring_a_zero_fill_or_an_already_declared_indicator_is_refused(
    round2020, filling, applicant
):
    with pytest.raises(DomainError, match="零填报指标"):
        services.claims_declare_many(
            round=round2020, declarations=[(filling, applicant.user, {ZERO_FILL_CODES[0]: {}})]
        )
    services.claim_declare(
        application=filling, indicator="education", declared_facts=EDUCATION, actor=applicant.user
    )
    with pytest.raises(DomainError, match="已填报，请在该指标页面修改"):
        services.claims_declare_many(
            round=round2020, declarations=[(filling, applicant.user, {"education": EDUCATION})]
        )
    assert filling.claims.count() == 1


def test_equity_without_evidence_is_not_submitted(round2020, filling, applicant):
    services.claims_declare_many(
        round=round2020,
        declarations=[(filling, applicant.user, {"innovation": {"equity": [{"amount": 1000000}]}})],
    )
    with pytest.raises(DomainError, match="股权投资"):
        services.applications_submit_many(
            round=round2020, submissions=[(filling.pk, applicant.user)]
        )
    filling.refresh_from_db()
    assert filling.state == AppState.FILLING


def test_an_application_not_yet_confirmed_is_not_submitted(round2020, applicant, employer):
    [pk] = services.applications_begin_many(round=round2020, starts=[(applicant.user, employer)])
    with pytest.raises(InvalidTransition, match="待单位确认）不能提交申请"):
        services.applications_submit_many(round=round2020, submissions=[(pk, applicant.user)])


def test_registering_many_names_the_person_and_field_of_a_bad_entry_and_registers_nobody():
    from django.core.exceptions import ValidationError

    from workflow.models import Applicant

    good, bad = factories.UserFactory(username="good"), factories.UserFactory(username="bad")
    number = make_id_number("110105", dt.date(1985, 3, 1), 7, "M")
    wrong_check_digit = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as refused:
        services.applicants_register_many(
            people=[
                {"user": good, "id_number": number, "name": "张三"},
                {"user": bad, "id_number": wrong_check_digit, "name": "李四"},
            ]
        )
    assert list(refused.value.message_dict) == ["第 2 人 id_number"]
    assert not Applicant.objects.exists()


def test_claims_written_in_bulk_hold_what_a_claim_saved_one_at_a_time_holds(round2020, filling):
    """The zero-fill claims of a mass submission are copied in (PostgreSQL COPY) with the
    defaults prepared once: every column must be what saving the claim would have written."""
    from django.forms.models import model_to_dict

    from workflow.services._common import rows_insert

    department = services.departments_ensure()["police"]
    other = factories.ApplicationFactory(round=round2020, state="filling")
    saved = IndicatorClaim.objects.create(
        application=other, round=round2020, indicator="age", department=department
    )
    assert (
        rows_insert(
            IndicatorClaim,
            [
                {
                    "application_id": filling.pk,
                    "round_id": round2020.pk,
                    "indicator": "age",
                    "department": department,
                }
            ],
        )
        == 1
    )
    copied = IndicatorClaim.objects.get(application=filling)

    def columns(claim):
        row = model_to_dict(claim, exclude=["id", "application"])
        row.update(in_review=claim.in_review, created_at=claim.created_at)
        return row | {"updated_at": claim.updated_at}

    assert columns(copied) == columns(IndicatorClaim.objects.get(pk=saved.pk))
    assert (copied.state, copied.declared_facts, copied.points) == (ClaimState.PENDING, {}, None)
