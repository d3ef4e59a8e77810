"""After submission, as the operating rules write it: fraud (细则第十七条), a criminal record
(细则第十八条), renunciation (细则第十三条), the city's approvals (细则第十条)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from publicity import services
from publicity.models import CreditRecord
from ranking.models import RankingRun
from ranking.services import ranking_run_approve, round_rank
from tests import factories
from tests.publicity.conftest import PUBLISH_AT, set_phase
from workflow.bars import bar_refusal
from workflow.exceptions import DomainError, InvalidTransition, NotPermitted
from workflow.models import Application, AppState, AuditEvent, CriminalRecordReport, Phase
from workflow.services import (
    application_renounce,
    application_terminate,
    criminal_record_report_submit,
    criminal_record_report_terminate,
    quota_approve,
)


def _app(round, name):
    return Application.objects.select_related("applicant", "employer", "round").get(
        round=round, applicant__name=name
    )


# --- 细则第十七条: fraud ------------------------------------------------------------------------


def test_fraud_on_a_ranked_application_voids_it_and_the_list_must_be_ranked_again(
    ranked_round, administrator
):
    # ranked_round's list is approved; fraud found before it is public
    set_phase(ranked_round, Phase.RECHECK_RANKING)
    jia = _app(ranked_round, "甲")
    assert jia.state == AppState.RANKED
    services.fraud_record(application=jia, reason="伪造学位证书", actor=administrator)
    jia.refresh_from_db()
    assert jia.state == AppState.VOIDED
    run = RankingRun.objects.get(round=ranked_round, is_current=True)
    assert "伪造学位证书" in run.stale_reason
    set_phase(ranked_round, Phase.PUBLICITY)
    with pytest.raises(InvalidTransition, match="须重新排名"):
        services.publicity_publish(round=ranked_round, now=PUBLISH_AT)
    with pytest.raises(InvalidTransition, match="请重新排名后再批准"):
        ranking_run_approve(run=run, document_number="x", actor=factories.city_approver())
    # re-ranked without 甲 (still in 公示 entry: nothing is public yet), approved, published
    new = round_rank(round=ranked_round)
    assert new.eligible_count == 5
    factories.ranking_approval_record(ranked_round)
    publication = services.publicity_publish(round=ranked_round, now=PUBLISH_AT)
    assert not publication.entries.filter(name="甲").exists()


def test_fraud_before_ranking_voids_the_application(administrator, applicant):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    app = factories.ApplicationFactory(round=round, applicant=applicant, state=AppState.FILLING)
    services.fraud_record(application=app, reason="伪造居住证", actor=administrator)
    app.refresh_from_db()
    assert app.state == AppState.VOIDED
    assert AuditEvent.objects.filter(action="application.void_for_fraud").exists()


def test_the_employer_is_barred_only_when_found_to_have_assisted(published, administrator):
    yi = _app(published.round, "乙")
    records = services.fraud_record(application=yi, reason="伪造学位证书", actor=administrator)
    assert [r.party for r in records] == ["applicant"]
    yi.employer.refresh_from_db()
    assert yi.employer.barred_until is None
    with pytest.raises(DomainError, match="协助造假的事实"):
        services.fraud_record(
            application=yi, reason="伪造学位证书", actor=administrator, employer_assisted=True
        )
    services.fraud_record(
        application=yi,
        reason="伪造学位证书",
        actor=administrator,
        employer_assisted=True,
        employer_reason="出具虚假在职证明",
    )
    record = CreditRecord.objects.get(party="employer")
    assert (record.reason, record.barred_until) == ("出具虚假在职证明", dt.date(2025, 12, 31))


def test_the_bar_ends_on_december_31_of_the_fifth_year_after(
    published, administrator, time_machine
):
    yi = _app(published.round, "乙")
    services.fraud_record(application=yi, reason="伪造学位证书", actor=administrator)
    yi.applicant.refresh_from_db()
    assert "2025年12月31日" in bar_refusal(applicant=yi.applicant, on=dt.date(2025, 12, 31))
    assert bar_refusal(applicant=yi.applicant, on=dt.date(2026, 1, 1)) is None
    # the bar is on the applicant; its date is compared in Beijing's calendar
    assert yi.applicant.is_barred(dt.date(2025, 12, 31))
    assert not yi.applicant.is_barred(dt.date(2026, 1, 1))


# --- 细则第十八条: a criminal record ------------------------------------------------------------


@pytest.mark.parametrize(
    "state", [AppState.FILLING, AppState.UNDER_REVIEW, AppState.PUBLICIZED, AppState.QUALIFIED]
)
def test_a_criminal_record_terminates_the_procedure_at_any_state_before_settlement(
    state, administrator, applicant
):
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    app = factories.ApplicationFactory(round=round, applicant=applicant, state=state)
    with pytest.raises(DomainError):
        application_terminate(application=app, reason=" ", actor=administrator)
    application_terminate(application=app, reason="曾因盗窃罪被判处有期徒刑", actor=administrator)
    app.refresh_from_db()
    assert app.state == AppState.TERMINATED


def test_settled_is_past_termination(administrator, applicant):
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    app = factories.ApplicationFactory(round=round, applicant=applicant, state=AppState.SETTLED)
    with pytest.raises(InvalidTransition):
        application_terminate(application=app, reason="犯罪记录", actor=administrator)


def test_the_applicant_reports_in_writing_and_the_administrator_terminates(
    administrator, applicant, other_applicant
):
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    app = factories.ApplicationFactory(round=round, applicant=applicant, state=AppState.QUALIFIED)
    with pytest.raises(NotPermitted):
        criminal_record_report_submit(
            application=app, facts="曾因交通肇事罪被追究刑事责任", actor=other_applicant.user
        )
    report = criminal_record_report_submit(
        application=app, facts="曾因交通肇事罪被追究刑事责任", actor=applicant.user
    )
    assert report.reporter_role == "applicant"
    criminal_record_report_terminate(report=report, actor=administrator, reason="核实属实")
    app.refresh_from_db()
    assert app.state == AppState.TERMINATED
    with pytest.raises(InvalidTransition, match="已处理"):
        criminal_record_report_terminate(report=report, actor=administrator, reason="核实属实")


# --- 细则第十三条: renunciation -----------------------------------------------------------------


def test_the_applicant_renounces_a_qualification_for_good(applicant, other_applicant):
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    app = factories.ApplicationFactory(round=round, applicant=applicant, state=AppState.QUALIFIED)
    with pytest.raises(NotPermitted):
        application_renounce(application=app, actor=other_applicant.user)
    application_renounce(application=app, actor=applicant.user)
    app.refresh_from_db()
    assert app.state == AppState.RENOUNCED
    with pytest.raises(InvalidTransition):
        application_renounce(application=app, actor=applicant.user)


# --- 细则第十条: approvals ----------------------------------------------------------------------


def test_only_a_city_approver_approves_the_quota_with_a_document_number(administrator):
    round = factories.RoundFactory(year=2021, quota=10, quota_approved=False)
    with pytest.raises(NotPermitted):
        quota_approve(round=round, quota=10, document_number="京政函1号", actor=administrator)
    with pytest.raises(DomainError, match="批准文号"):
        quota_approve(round=round, quota=10, document_number=" ", actor=factories.city_approver())
    approval = quota_approve(
        round=round, quota=12, document_number="京政函1号", actor=factories.city_approver()
    )
    round.refresh_from_db()
    assert (round.quota, approval.document_number) == (12, "京政函1号")


def test_a_list_is_not_published_without_the_approval_of_its_run(db):
    round = factories.RoundFactory(year=2020, quota=3)
    set_phase(round, Phase.PUBLICITY)
    with pytest.raises(InvalidTransition, match="尚未完成积分排名"):
        services.publicity_publish(round=round, now=PUBLISH_AT)


# --- the portal -------------------------------------------------------------------------------


def test_the_applicant_renounces_through_the_confirm_page(client, applicant, other_applicant):
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    app = factories.ApplicationFactory(round=round, applicant=applicant, state=AppState.QUALIFIED)
    url = reverse("workflow:renounce", args=[app.pk])
    client.force_login(other_applicant.user)
    assert client.get(url).status_code == 404
    client.force_login(applicant.user)
    assert "不递补" in client.get(url).content.decode()
    client.post(url, {})  # not confirmed: nothing happens
    app.refresh_from_db()
    assert app.state == AppState.QUALIFIED
    client.post(url, {"confirm": "1"})
    app.refresh_from_db()
    assert app.state == AppState.RENOUNCED


def test_the_unit_reports_in_writing_in_the_portal(client, applicant, unit_admin, employer):
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    app = factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.QUALIFIED
    )
    client.force_login(unit_admin)
    url = reverse("workflow:criminal_record_report", args=[app.pk])
    client.post(url, {"facts": "该职工曾因危险驾驶罪被追究刑事责任"})
    report = CriminalRecordReport.objects.get(application=app)
    assert report.reporter_role == "unit"
