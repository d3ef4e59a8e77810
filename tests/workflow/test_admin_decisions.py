"""Admin decisions that need input (facts, an outcome, a reason): an intermediate form page
that calls the decision service, so windows, roles, scoring and audit are the back office's."""

import json
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories
from tests.workflow.conftest import at
from workflow.models import AnnualRound, AppState, AuditEvent, ClaimState, Phase

pytestmark = pytest.mark.django_db

MASTER = {
    "education": [
        {"level": "master", "diploma": True, "degree": True, "graduated_on": "2012-06-30"}
    ]
}
DECLARATION_DAY = at(2020, 8, 1, 10)
RESULT_QUERY_DAY = at(2020, 9, 6, 10)


def _url(claim, name: str) -> str:
    return reverse("admin:workflow_indicatorclaim_transition", args=[claim.pk, name])


def _change_url(claim) -> str:
    return reverse("admin:workflow_indicatorclaim_change", args=[claim.pk])


@pytest.fixture
def staff_client(client, administrator):
    administrator.is_superuser = True  # model permissions for the admin site
    administrator.save()
    client.force_login(administrator)
    return client


def _claim(*, phase: str, app_state: str, claim_state: str, **extra):
    round = factories.RoundFactory(year=2020, phase=phase)
    application = factories.ApplicationFactory(round=round, state=app_state)
    return factories.ClaimFactory(
        application=application, indicator="education", state=claim_state, **extra
    )


@pytest.fixture
def pending_claim():
    return _claim(
        phase=Phase.DECLARATION, app_state=AppState.SUBMITTED, claim_state=ClaimState.PENDING
    )


# --- adjust -------------------------------------------------------------------------------


def test_adjust_page_shows_the_facts_to_edit_and_the_change_page_links_to_it(
    staff_client, pending_claim
):
    with time_machine.travel(DECLARATION_DAY, tick=False):
        change = staff_client.get(_change_url(pending_claim))
        page = staff_client.get(_url(pending_claim, "adjust"))
    assert _url(pending_claim, "adjust") in change.content.decode()
    assert _url(pending_claim, "decide_appeal") not in change.content.decode()  # not appealed
    assert page.status_code == 200
    body = page.content.decode()
    assert "核定信息（JSON）" in body
    assert "调整理由" in body
    assert "bachelor" in body  # prefilled with the declaration


def test_adjust_with_facts_and_reason_scores_and_audits(staff_client, administrator, pending_claim):
    with time_machine.travel(DECLARATION_DAY, tick=False):
        response = staff_client.post(
            _url(pending_claim, "adjust"),
            {"verified_facts": json.dumps(MASTER), "reason": "学信网核实为硕士"},
        )
    assert response.status_code == 302
    assert response["Location"] == _change_url(pending_claim)
    pending_claim.refresh_from_db()
    assert pending_claim.state == ClaimState.ADJUSTED
    assert pending_claim.verified_facts == MASTER
    assert pending_claim.points == Decimal("26.00")  # 细则第十七条: 硕士研究生（学位）26 分
    event = AuditEvent.objects.get(action="claim.adjust")
    assert (event.actor, event.reason, event.to_state) == (
        administrator,
        "学信网核实为硕士",
        ClaimState.ADJUSTED,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verified_facts": "{education: [}", "reason": "x"}, "核定信息不是有效的 JSON"),
        ({"verified_facts": "[1, 2]", "reason": "x"}, "核定信息必须是 JSON 对象"),
        ({"verified_facts": "", "reason": "x"}, "请填写核定信息"),
        ({"verified_facts": json.dumps(MASTER), "reason": " "}, "请填写调整理由"),
        ({"verified_facts": '{"education": [{"level": "wizard"}]}', "reason": "x"}, "核定信息无效"),
    ],
)
def test_adjust_refuses_bad_input_naming_the_field_and_keeps_it(
    staff_client, pending_claim, data, message
):
    with time_machine.travel(DECLARATION_DAY, tick=False):
        response = staff_client.post(_url(pending_claim, "adjust"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    pending_claim.refresh_from_db()
    assert pending_claim.state == ClaimState.PENDING
    assert not AuditEvent.objects.filter(action="claim.adjust").exists()


def test_adjust_after_the_round_moved_on_is_refused_with_the_service_message(
    staff_client, pending_claim
):
    AnnualRound.objects.filter(pk=pending_claim.application.round_id).update(
        phase=Phase.RESULT_QUERY
    )
    with time_machine.travel(at(2020, 9, 6, 10), tick=False):  # result query: decisions are over
        response = staff_client.post(
            _url(pending_claim, "adjust"), {"verified_facts": json.dumps(MASTER), "reason": "迟到"}
        )
    assert response.status_code == 200
    assert "调整审核结果未执行" in response.content.decode()
    pending_claim.refresh_from_db()
    assert pending_claim.state == ClaimState.PENDING


def test_adjust_past_the_window_is_allowed_while_the_round_has_not_moved_on(
    staff_client, pending_claim
):
    # Issue "a round never stalls": the round cannot leave 部门审核结果汇总 while claims are
    # open, so the departments keep deciding until it actually moves on.
    AnnualRound.objects.filter(pk=pending_claim.application.round_id).update(
        phase=Phase.AGGREGATION
    )
    with time_machine.travel(at(2020, 9, 6, 10), tick=False):  # the aggregation window is over
        response = staff_client.post(
            _url(pending_claim, "adjust"), {"verified_facts": json.dumps(MASTER), "reason": "补审"}
        )
    assert response.status_code == 302
    pending_claim.refresh_from_db()
    assert pending_claim.state == ClaimState.ADJUSTED


def test_reviewer_of_another_department_is_refused_on_the_form(client, reviewer_of, pending_claim):
    # A staff member allowed to see claims in the admin, but reviewing for the tax office.
    reviewer = reviewer_of("tax")
    reviewer.is_staff = True
    reviewer.save()
    reviewer.user_permissions.add(Permission.objects.get(codename="view_indicatorclaim"))
    client.force_login(reviewer)
    with time_machine.travel(DECLARATION_DAY, tick=False):
        response = client.post(
            _url(pending_claim, "adjust"), {"verified_facts": json.dumps(MASTER), "reason": "x"}
        )
    assert response.status_code == 200
    assert "教委的审核人员" in response.content.decode()
    pending_claim.refresh_from_db()
    assert pending_claim.state == ClaimState.PENDING


@pytest.mark.parametrize("persona", ["applicant", "anonymous"])
def test_non_staff_never_see_the_form(client, request, persona, pending_claim):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona).user)
    for method in (client.get, client.post):
        response = method(_url(pending_claim, "adjust"))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# --- recheck (细则第五条) ---------------------------------------------------------------------


@pytest.fixture
def recheck_claim():
    return _claim(
        phase=Phase.DECLARATION,
        app_state=AppState.SUBMITTED,
        claim_state=ClaimState.RECHECK_REQUESTED,
        verified_facts=MASTER | {"education": []},
        points=Decimal("0"),
    )


def test_recheck_adjusted_replaces_facts_and_points(staff_client, recheck_claim):
    with time_machine.travel(DECLARATION_DAY, tick=False):
        response = staff_client.post(
            _url(recheck_claim, "decide_recheck"),
            {
                "outcome": "adjust",
                "verified_facts": json.dumps(MASTER),
                "reason": "补交学位证后核实",
            },
        )
    assert response.status_code == 302
    recheck_claim.refresh_from_db()
    assert recheck_claim.state == ClaimState.RECHECKED
    assert (recheck_claim.verified_facts, recheck_claim.points) == (MASTER, Decimal("26.00"))
    assert AuditEvent.objects.get(action="claim.decide_recheck").reason == "补交学位证后核实"


def test_recheck_dismissed_keeps_the_department_result(staff_client, recheck_claim):
    with time_machine.travel(DECLARATION_DAY, tick=False):
        staff_client.post(
            _url(recheck_claim, "decide_recheck"), {"outcome": "dismiss", "reason": "材料不足"}
        )
    recheck_claim.refresh_from_db()
    assert recheck_claim.state == ClaimState.RECHECKED
    assert (recheck_claim.verified_facts, recheck_claim.points) == (
        {"education": []},
        Decimal("0.00"),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "adjust", "verified_facts": "", "reason": "x"}, "须填写新的核定信息"),
        (
            {"outcome": "dismiss", "verified_facts": json.dumps(MASTER), "reason": "x"},
            "不能另填核定信息",
        ),
        (
            {"outcome": "uphold", "verified_facts": json.dumps(MASTER), "reason": "x"},
            "不能另填核定信息",
        ),
        ({"outcome": "", "reason": "x"}, "请选择复查结论"),
        ({"outcome": "dismiss", "reason": ""}, "请填写复查意见"),
    ],
)
def test_recheck_form_refuses_inconsistent_input(staff_client, recheck_claim, data, message):
    with time_machine.travel(DECLARATION_DAY, tick=False):
        response = staff_client.post(_url(recheck_claim, "decide_recheck"), data)
    assert message in response.content.decode()
    recheck_claim.refresh_from_db()
    assert recheck_claim.state == ClaimState.RECHECK_REQUESTED


# --- appeal (细则第八条) ----------------------------------------------------------------------


@pytest.fixture
def appealed_claim():
    return _claim(
        phase=Phase.RESULT_QUERY,
        app_state=AppState.RESULTS_PUBLISHED,
        claim_state=ClaimState.APPEALED,
        verified_facts={"education": []},
        points=Decimal("0"),
        appealed_at=at(2020, 9, 5, 9),
    )


def test_appeal_adjusted_with_facts_rescores_the_application(
    staff_client, administrator, appealed_claim
):
    with time_machine.travel(RESULT_QUERY_DAY, tick=False):
        response = staff_client.post(
            _url(appealed_claim, "decide_appeal"),
            {
                "outcome": "adjust",
                "verified_facts": json.dumps(MASTER),
                "reason": "复核后认定硕士学位",
            },
        )
    assert response.status_code == 302
    appealed_claim.refresh_from_db()
    assert appealed_claim.state == ClaimState.APPEAL_UPHELD
    assert appealed_claim.points == Decimal("26.00")
    application = appealed_claim.application
    application.refresh_from_db()
    assert application.total_points is not None
    assert AuditEvent.objects.get(action="claim.uphold_appeal").actor == administrator
    assert AuditEvent.objects.filter(
        action="application.rescore", object_id=str(application.pk)
    ).exists()


def test_appeal_dismissed_keeps_the_department_result(staff_client, appealed_claim):
    with time_machine.travel(RESULT_QUERY_DAY, tick=False):
        staff_client.post(
            _url(appealed_claim, "decide_appeal"), {"outcome": "dismiss", "reason": "证书不符"}
        )
    appealed_claim.refresh_from_db()
    assert appealed_claim.state == ClaimState.APPEAL_REJECTED
    assert (appealed_claim.verified_facts, appealed_claim.points) == (
        {"education": []},
        Decimal("0.00"),
    )
    assert AuditEvent.objects.get(action="claim.reject_appeal").reason == "证书不符"


def test_appeal_dismissed_with_new_facts_is_refused(staff_client, appealed_claim):
    with time_machine.travel(RESULT_QUERY_DAY, tick=False):
        response = staff_client.post(
            _url(appealed_claim, "decide_appeal"),
            {"outcome": "dismiss", "verified_facts": json.dumps(MASTER), "reason": "x"},
        )
    assert "“不成立”按部门原核定信息" in response.content.decode()
    appealed_claim.refresh_from_db()
    assert appealed_claim.state == ClaimState.APPEALED
