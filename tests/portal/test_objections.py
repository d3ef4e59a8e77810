"""Recheck (复查) during declaration; appeal (申诉) once per indicator in the result query window."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.portal.conftest import DECLARATION_CLOSES, PDF, QUERY_CLOSES, at
from workflow.models import AnnualRound, AppState, ClaimState, Evidence, EvidencePurpose, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(round2020, applicant, employer):
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.SUBMITTED
    )
    return factories.ClaimFactory(
        application=application,
        indicator="education",
        state=ClaimState.REJECTED,
        points=Decimal("0"),
        decision_reason="学信网查无此学历",
    )


@pytest.fixture
def published(round2020, applicant, employer):
    AnnualRound.objects.filter(pk=round2020.pk).update(phase=Phase.RESULT_QUERY)
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.RESULTS_PUBLISHED
    )
    return factories.ClaimFactory(
        application=application,
        indicator="education",
        state=ClaimState.ADJUSTED,
        points=Decimal("10.50"),
        decision_reason="仅取得学历",
        verified_facts={
            "education": [
                {
                    "level": "bachelor",
                    "diploma": True,
                    "degree": False,
                    "graduated_on": "2009-06-30",
                }
            ]
        },
    )


def test_dashboard_shows_the_department_result_and_the_recheck_link(login, decided, clock):
    page = login(decided.application.applicant.user).get("/apply/").content.decode()
    assert "审核不通过" in page
    assert "审核意见：学信网查无此学历" in page
    assert "/apply/indicators/education/recheck/" in page


def test_recheck_with_reason_and_evidence(login, decided, clock):
    client = login(decided.application.applicant.user)
    response = client.post(
        "/apply/indicators/education/recheck/",
        {
            "reason": "学历证书编号见附件",
            "file": SimpleUploadedFile("毕业证.pdf", PDF, "application/pdf"),
        },
        follow=True,
    )
    assert "申请复查已提交" in response.content.decode()
    decided.refresh_from_db()
    assert (decided.state, decided.recheck_reason) == (
        ClaimState.RECHECK_REQUESTED,
        "学历证书编号见附件",
    )
    assert Evidence.objects.get().purpose == EvidencePurpose.RECHECK


def test_recheck_needs_a_reason(login, decided, clock):
    response = login(decided.application.applicant.user).post(
        "/apply/indicators/education/recheck/", {"reason": " "}
    )
    assert "理由：请填写理由" in response.content.decode()
    decided.refresh_from_db()
    assert decided.state == ClaimState.REJECTED


def test_recheck_refused_one_second_after_the_declaration_closes(login, decided, clock):
    clock.move_to(DECLARATION_CLOSES + dt.timedelta(seconds=1))
    client = login(decided.application.applicant.user)
    page = client.get("/apply/indicators/education/recheck/").content.decode()
    assert "不在进行中，现在不能申请复查" in page
    response = client.post("/apply/indicators/education/recheck/", {"reason": "x"}, follow=True)
    assert "已于 2020年08月15日 20:00 截止" in response.content.decode()
    decided.refresh_from_db()
    assert decided.state == ClaimState.REJECTED


def test_recheck_allowed_at_the_last_second(login, decided, clock):
    clock.move_to(DECLARATION_CLOSES)
    login(decided.application.applicant.user).post(
        "/apply/indicators/education/recheck/", {"reason": "补充材料"}
    )
    decided.refresh_from_db()
    assert decided.state == ClaimState.RECHECK_REQUESTED


def test_adjusted_result_shows_the_departments_figures(login, published, clock):
    clock.move_to(at(2020, 9, 6, 9))
    page = login(published.application.applicant.user).get("/apply/").content.decode()
    assert "审核调整" in page
    assert "10.50" in page
    assert "部门核定" in page
    assert "大学本科 · 学历✓ 学位✗" in page
    assert "/apply/indicators/education/appeal/" in page


def test_appeal_once_per_indicator(login, published, clock):
    clock.move_to(at(2020, 9, 6, 9))
    client = login(published.application.applicant.user)
    response = client.post(
        "/apply/indicators/education/appeal/",
        {
            "reason": "已取得学士学位，见学位证",
            "file": SimpleUploadedFile(
                "学位证.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"
            ),
        },
        follow=True,
    )
    assert "申诉已提交" in response.content.decode()
    published.refresh_from_db()
    assert published.state == ClaimState.APPEALED
    assert published.appealed_at is not None
    assert Evidence.objects.get().purpose == EvidencePurpose.APPEAL
    page = client.get("/apply/indicators/education/appeal/").content.decode()
    assert "已于 2020年09月06日 09:00 提出过申诉，每项指标只能申诉一次" in page
    assert 'id="objection-form"' not in page
    assert "/apply/indicators/education/appeal/" not in client.get("/apply/").content.decode()


def test_appeal_allowed_at_the_last_second_refused_one_second_later(login, published, clock):
    clock.move_to(QUERY_CLOSES + dt.timedelta(seconds=1))
    client = login(published.application.applicant.user)
    response = client.post("/apply/indicators/education/appeal/", {"reason": "有异议"}, follow=True)
    assert (
        "审核结果查询阶段已于 2020年09月12日 20:00 截止，不能再提出申诉"
        in response.content.decode()
    )
    published.refresh_from_db()
    assert published.state == ClaimState.ADJUSTED
    clock.move_to(QUERY_CLOSES)
    client = login(published.application.applicant.user)
    client.post("/apply/indicators/education/appeal/", {"reason": "有异议"})
    published.refresh_from_db()
    assert published.state == ClaimState.APPEALED


def test_no_appeal_after_the_query_phase_with_a_clear_message(login, published, clock):
    AnnualRound.objects.filter(pk=published.application.round_id).update(
        phase=Phase.RECHECK_RANKING
    )
    clock.move_to(at(2020, 9, 20, 9))
    client = login(published.application.applicant.user)
    assert "已于 2020年09月12日 20:00 截止，不再受理申诉" in client.get("/apply/").content.decode()
    page = client.get("/apply/indicators/education/appeal/").content.decode()
    assert "审核结果查询阶段" in page
    assert "不在进行中，现在不能申诉" in page


def test_other_applicant_cannot_reach_my_claims(login, other_applicant, published, clock):
    clock.move_to(at(2020, 9, 6, 9))
    assert login(other_applicant.user).get("/apply/indicators/education/appeal/").status_code == 404
