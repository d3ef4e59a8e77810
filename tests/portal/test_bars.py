"""Barred parties (细则第十一条): refused in the service, told the recorded reason and date."""

import datetime as dt

import pytest

from publicity.models import CreditParty, CreditRecord
from tests import factories
from tests.portal.conftest import at
from workflow import services
from workflow.exceptions import NotPermitted
from workflow.models import AppState, AuditEvent, Phase

pytestmark = pytest.mark.django_db

BARRED_UNTIL = dt.date(2024, 12, 31)


def bar(party, *, reason: str, recorded_at: dt.datetime) -> CreditRecord:
    """Bar `party` as publicity.fraud_record does: its credit record from the 2019 round."""
    round2019 = factories.RoundFactory(year=2019, phase=Phase.CLOSED)
    is_applicant = party._meta.model_name == "applicant"
    application = factories.ApplicationFactory(
        round=round2019, **({"applicant": party} if is_applicant else {"employer": party})
    )
    type(party).objects.filter(pk=party.pk).update(barred_until=BARRED_UNTIL)
    party.barred_until = BARRED_UNTIL
    return CreditRecord.objects.create(
        party=CreditParty.APPLICANT if is_applicant else CreditParty.EMPLOYER,
        applicant=party if is_applicant else None,
        employer=None if is_applicant else party,
        application=application,
        round=round2019,
        reason=reason,
        barred_until=BARRED_UNTIL,
        recorded_at=recorded_at,
    )


def test_barred_unit_is_refused_confirming_by_the_service_with_reason_and_date(
    round2020, employer, unit_admin, clock
):
    application = factories.ApplicationFactory(
        round=round2020, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    bar(employer, reason="协助提供虚假劳动合同", recorded_at=at(2019, 11, 2, 10))
    with pytest.raises(NotPermitted) as refused:
        services.employer_confirm_affiliation(application=application, actor=unit_admin)
    assert refused.value.message == (
        f"“{employer.name}”因2019年度积分落户申报中弄虚作假（协助提供虚假劳动合同，2019年11月02日认定），"
        "2024年12月31日 前不得为申请人申报积分落户。不能确认隶属关系。"
    )
    application.refresh_from_db()
    assert application.state == AppState.AWAITING_EMPLOYER
    assert not AuditEvent.objects.filter(action="application.confirm_affiliation").exists()


def test_unit_page_refuses_with_the_services_message(login, round2020, employer, unit_admin, clock):
    application = factories.ApplicationFactory(
        round=round2020, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    bar(employer, reason="协助提供虚假劳动合同", recorded_at=at(2019, 11, 2, 10))
    client = login(unit_admin)
    page = client.get("/unit/").content.decode()
    assert (
        "原因：2019年度积分落户申报中弄虚作假：协助提供虚假劳动合同（2019年11月02日认定）" in page
    )
    response = client.post(f"/unit/applications/{application.pk}/confirm/", follow=True)
    assert "协助提供虚假劳动合同，2019年11月02日认定" in response.content.decode()
    application.refresh_from_db()
    assert application.state == AppState.AWAITING_EMPLOYER


def test_bar_reason_shown_is_the_recorded_one_not_an_audit_guess(
    login, applicant, round2020, clock
):
    bar(applicant, reason="伪造学位证书", recorded_at=at(2019, 11, 2, 10))
    # A later audit row whose action mentions "bar" must not be taken for the reason.
    services.audit_record(
        actor=None,
        action="applicant.barred_until_edited",
        obj=applicant,
        now=at(2020, 1, 5, 9),
        reason="管理员更正日期",
    )
    page = login(applicant.user).get("/apply/").content.decode()
    assert "原因：2019年度积分落户申报中弄虚作假：伪造学位证书（2019年11月02日认定）" in page
    assert "管理员更正日期" not in page
    assert "2024年12月31日" in page


def test_bar_without_a_credit_record_says_so(login, applicant, round2020, clock):
    applicant.barred_until = BARRED_UNTIL
    applicant.save()
    page = login(applicant.user).get("/apply/").content.decode()
    assert "原因：未找到对应的信用记录" in page
    assert "2024年12月31日" in page


def test_a_bar_recorded_while_signed_in_shows_on_the_next_page(login, applicant, round2020, clock):
    # The applicant is read once per request, never kept across requests (issue 13's page
    # frame): a bar recorded meanwhile holds from the next page on.
    client = login(applicant.user)
    assert "您目前不能申报积分落户" not in client.get("/apply/").content.decode()

    type(applicant).objects.filter(pk=applicant.pk).update(barred_until=BARRED_UNTIL)

    page = client.get("/apply/").content.decode()
    assert "您目前不能申报积分落户" in page
    assert "2024年12月31日" in page
