"""The declaration (细则第五条) through the services: roles, ownership, audit."""

import pytest
import time_machine

from tests import factories
from tests.workflow.conftest import at
from workflow import services
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.indicators import ZERO_FILL_CODES
from workflow.models import AppState, AuditEvent, ClaimState

pytestmark = pytest.mark.django_db

IN_DECLARATION = at(2020, 8, 1, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(IN_DECLARATION, tick=False):
        yield


def test_full_declaration_by_applicant_and_unit(round2020, applicant, employer, unit_admin):
    application = services.application_start(round=round2020, actor=applicant.user)
    services.application_name_employer(
        application=application, employer=employer, actor=applicant.user
    )
    assert application.state == AppState.AWAITING_EMPLOYER
    services.employer_confirm_affiliation(application=application, actor=unit_admin)
    assert application.state == AppState.FILLING
    services.claim_declare(
        application=application,
        indicator="education",
        declared_facts={"education": [{"level": "master"}]},
        actor=applicant.user,
    )
    services.application_submit(application=application, actor=applicant.user)

    application.refresh_from_db()
    assert application.state == AppState.SUBMITTED
    claims = dict(application.claims.values_list("indicator", "state"))
    assert set(claims) == {"education", *ZERO_FILL_CODES}
    assert set(claims.values()) == {ClaimState.PENDING}
    assert application.claims.get(indicator="tax").department.code == "tax"

    trail = AuditEvent.objects.filter(
        object_type="workflow.application", object_id=str(application.pk)
    )
    assert [(e.from_state, e.to_state, e.actor_label) for e in trail.order_by("id")] == [
        ("", "draft", "applicant"),
        ("draft", "awaiting_employer", "applicant"),
        ("awaiting_employer", "filling", "unit_admin"),
        ("filling", "submitted", "applicant"),
    ]
    submitted = trail.get(to_state="submitted")
    assert submitted.at == IN_DECLARATION
    assert submitted.round_year == 2020
    assert submitted.before["state"] == "filling"
    assert submitted.after["submitted_at"] is not None


def test_one_application_per_applicant_per_round(round2020, applicant):
    services.application_start(round=round2020, actor=applicant.user)
    with pytest.raises(DomainError, match="每人每年度只能申请一次"):
        services.application_start(round=round2020, actor=applicant.user)


def test_user_without_applicant_record_cannot_start(round2020, unit_admin):
    with pytest.raises(NotPermitted, match="实名信息"):
        services.application_start(round=round2020, actor=unit_admin)


def test_barred_applicant_cannot_start(round2020, applicant):
    applicant.barred_until = at(2021, 1, 1).date()
    applicant.save()
    with pytest.raises(NotPermitted, match="2021年01月01日 前不得申报"):
        services.application_start(round=round2020, actor=applicant.user)


def test_other_applicant_cannot_submit(filling, other_applicant):
    with pytest.raises(NotPermitted, match="只有申请人本人"):
        services.application_submit(application=filling, actor=other_applicant.user)
    assert not AuditEvent.objects.filter(action="application.submit").exists()


def test_other_unit_cannot_confirm_affiliation(round2020, applicant, employer, other_unit_admin):
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    with pytest.raises(NotPermitted, match="用人单位的经办人"):
        services.employer_confirm_affiliation(application=application, actor=other_unit_admin)


def test_unit_rejects_with_reason_and_applicant_names_another(
    round2020, applicant, employer, other_employer, unit_admin
):
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    with pytest.raises(DomainError, match="原因"):
        services.employer_reject_affiliation(application=application, actor=unit_admin, reason=" ")
    services.employer_reject_affiliation(
        application=application, actor=unit_admin, reason="非本单位职工"
    )
    assert application.state == AppState.REJECTED_BY_EMPLOYER
    assert application.employer_rejection_reason == "非本单位职工"
    services.application_name_employer(
        application=application, employer=other_employer, actor=applicant.user
    )
    assert application.state == AppState.AWAITING_EMPLOYER
    assert application.employer == other_employer


def test_employer_not_tax_registered_is_refused(round2020, applicant):
    # 细则第五条: 该用人单位应在京注册并进行税务登记
    employer = factories.EmployerFactory(tax_registered=False)
    application = services.application_start(round=round2020, actor=applicant.user)
    with pytest.raises(DomainError, match="未进行税务登记"):
        services.application_name_employer(
            application=application, employer=employer, actor=applicant.user
        )


def test_submit_from_wrong_state_is_refused_in_chinese(round2020, applicant):
    application = services.application_start(round=round2020, actor=applicant.user)
    with pytest.raises(InvalidTransition, match="当前状态（草稿）不能提交"):
        services.application_submit(application=application, actor=applicant.user)


def test_submitted_application_is_not_submitted_twice(filling, applicant):
    # Editing after submission keeps the application submitted (claim_declare), so there is
    # no second submission and the zero-fill claims exist once.
    services.application_submit(application=filling, actor=applicant.user)
    with pytest.raises(InvalidTransition, match="当前状态（已提交）不能提交"):
        services.application_submit(application=filling, actor=applicant.user)
    assert filling.claims.count() == len(ZERO_FILL_CODES)


def test_withdraw(filling, applicant):
    services.application_withdraw(application=filling, actor=applicant.user, reason="今年不申报了")
    filling.refresh_from_db()
    assert filling.state == AppState.WITHDRAWN
    assert AuditEvent.objects.get(action="application.withdraw").reason == "今年不申报了"


def test_state_field_is_protected(filling):
    with pytest.raises(AttributeError):
        filling.state = AppState.QUALIFIED


def test_applicant_cannot_run_system_steps(round2020, applicant):
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, state=AppState.SUBMITTED
    )
    with pytest.raises(NotPermitted, match="只有管理员或系统"):
        services.application_begin_review(application=application, actor=applicant.user)
