"""Reviewer back office: the permission matrix, queues, decisions, bulk, appeals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from review.models import ImportBatch
from review.selectors import QueueFilters, appeals_undecided, work_queue
from review.services.verification import verification_decide
from tests import factories
from tests.review.conftest import build_application, rows, set_phase, set_state
from workflow.models import BEIJING, AuditEvent, ClaimState, IndicatorClaim

pytestmark = pytest.mark.django_db

IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)
IN_RECHECK = dt.datetime(2020, 9, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def frozen():
    with time_machine.travel(IN_DECLARATION, tick=False):
        yield


@pytest.fixture
def world(frozen, declaration_round, people, applicant, unit_admin, reviewer_of, administrator):
    """One application in the manual queue for several departments, and personas."""
    app = build_application(people[0], round=declaration_round, with_records=False)
    verification_decide(round=declaration_round, application_ids=[app.pk])
    claims = {c.indicator: c for c in app.claims.all()}
    batch = ImportBatch.objects.create(
        department=factories.department("hrss"), file_name="a.csv", file_format="csv", content=b""
    )
    return {
        "app": app,
        "people": people,
        "claims": claims,
        "batch": batch,
        "users": {
            "anonymous": None,
            "applicant": applicant.user,
            "unit_admin": unit_admin,
            "reviewer_hrss": reviewer_of("hrss"),
            "reviewer_education": reviewer_of("education"),
            "reviewer_police": reviewer_of("police"),
            "administrator": administrator,
        },
    }


OBJECTS = {
    "claim_hrss": lambda w: reverse("review:claim", args=[w["claims"]["employment"].pk]),
    "claim_education": lambda w: reverse("review:claim", args=[w["claims"]["education"].pk]),
    "claim_police": lambda w: reverse("review:claim", args=[w["claims"]["law_record"].pk]),
    "records_social_insurance": lambda w: reverse("review:records", args=["social_insurance"]),
    "records_residence_permit": lambda w: reverse("review:records", args=["residence_permit"]),
    "batch_hrss": lambda w: reverse("review:batch", args=[w["batch"].pk]),
    "export_pending": lambda w: reverse("review:export", args=["pending", "csv"]),
    "queue": lambda w: reverse("review:queue"),
}
ALLOWED = {
    "anonymous": set(),
    "applicant": set(),
    "unit_admin": set(),
    "reviewer_hrss": {
        "claim_hrss",
        "records_social_insurance",
        "batch_hrss",
        "export_pending",
        "queue",
    },
    "reviewer_education": {"claim_education", "export_pending", "queue"},
    "reviewer_police": {"claim_police", "records_residence_permit", "export_pending", "queue"},
    "administrator": set(OBJECTS),
}


@pytest.mark.parametrize("persona", list(ALLOWED))
def test_permission_matrix_every_role_against_every_object_kind(world, client, persona):
    user = world["users"][persona]
    if user is not None:
        client.force_login(user)
    outcome = {}
    for name, url in OBJECTS.items():
        response = client.get(url(world))
        outcome[name] = response.status_code
    expected = {name: _refusal(persona, name) for name in OBJECTS}
    assert outcome == expected


def _refusal(persona: str, name: str) -> int:
    if name in ALLOWED[persona]:
        return 200
    if persona == "anonymous":
        return 302  # to the login page
    if persona.startswith("reviewer_") and name.startswith("claim_"):
        # Staff get "not found" for another department's claim, as for an id that does not
        # exist: counting through the ids tells them nothing (test_object_access.py).
        return 404
    return 403


@pytest.mark.parametrize(
    "state", ["draft", "awaiting_employer", "filling", "rejected_by_employer", "withdrawn"]
)
@pytest.mark.parametrize("persona", ["reviewer_education", "administrator"])
def test_permission_matrix_a_claim_not_in_review_is_not_found_by_its_url(
    world, client, persona, state
):
    # The same rule as the queues: an application not submitted (or withdrawn) has no claim
    # for anyone to open or decide, even with the claim's own department and its URL.
    claim = world["claims"]["education"]
    set_state(world["app"], state)
    client.force_login(world["users"][persona])
    assert client.get(reverse("review:claim", args=[claim.pk])).status_code == 404
    response = client.post(
        reverse("review:decide", args=[claim.pk]), {"decision": "verify", "reason": "核对无误"}
    )
    assert response.status_code == 404
    bulk = {"claim_ids": [claim.pk], "decision": "verify", "reason": "核对无误", "confirm": "1"}
    assert client.post(reverse("review:bulk"), bulk).status_code == 403
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    assert not AuditEvent.objects.filter(object_id=str(claim.pk), action="claim.verify").exists()


def test_a_reviewer_cannot_export_another_departments_claims(world, client):
    client.force_login(world["users"]["reviewer_hrss"])
    body = client.get(
        reverse("review:export", args=["pending", "csv"]) + "?department=education"
    ).content.decode()
    assert "合法稳定就业" in body
    assert "教育背景" not in body


def test_xlsx_export_of_decisions(world, client):
    client.force_login(world["users"]["reviewer_police"])
    response = client.get(reverse("review:export", args=["decisions", "xlsx"]))
    assert response.status_code == 200
    assert response.content.startswith(b"PK")


def test_queue_filters_counts_and_oldest(world, client):
    hrss = factories.department("hrss")
    manual = work_queue(department=hrss, round=world["app"].round, filters=QueueFilters())
    assert [c.indicator for c in manual] == ["employment"]
    education = factories.department("education")
    assert (
        work_queue(
            department=education, round=None, filters=QueueFilters(indicator="housing")
        ).count()
        == 0
    )
    assert (
        work_queue(
            department=education, round=None, filters=QueueFilters(indicator="education")
        ).count()
        == 1
    )
    assert (
        work_queue(department=education, round=None, filters=QueueFilters(queue="recheck")).count()
        == 0
    )
    assert (
        work_queue(
            department=education, round=None, filters=QueueFilters(older_than_days=3)
        ).count()
        == 0
    )
    with time_machine.travel(IN_DECLARATION + dt.timedelta(days=5), tick=False):
        assert (
            work_queue(
                department=education, round=None, filters=QueueFilters(older_than_days=3)
            ).count()
            == 1
        )
    client.force_login(world["users"]["reviewer_education"])
    page = client.get(reverse("review:queue")).content.decode()
    assert 'data-count="manual">1<' in page
    assert "2020-08-01 10:00" in page  # the oldest item


def test_a_decision_needs_a_reason_and_is_audited_with_points(world, client):
    claim = world["claims"]["education"]
    client.force_login(world["users"]["reviewer_education"])
    url = reverse("review:decide", args=[claim.pk])
    response = client.post(url, {"decision": "verify", "reason": " "})
    assert response.status_code == 400
    assert "请填写审核意见" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    response = client.post(url, {"decision": "verify", "reason": "核对毕业证书原件无误"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.VERIFIED
    assert claim.points > 0
    assert not claim.needs_manual_review
    event = AuditEvent.objects.filter(object_id=str(claim.pk), action="claim.verify").get()
    assert event.actor == world["users"]["reviewer_education"]
    assert event.reason == "核对毕业证书原件无误"
    assert event.before["points"] is None
    assert event.after["points"] == str(claim.points)


def test_another_departments_reviewer_cannot_decide(world, client):
    claim = world["claims"]["education"]
    client.force_login(world["users"]["reviewer_hrss"])
    response = client.post(
        reverse("review:decide", args=[claim.pk]), {"decision": "reject", "reason": "x"}
    )
    assert response.status_code == 404  # as if there were no such claim
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING


def test_adjust_needs_department_facts(world, client):
    claim = world["claims"]["education"]
    client.force_login(world["users"]["reviewer_education"])
    response = client.post(
        reverse("review:decide", args=[claim.pk]), {"decision": "adjust", "reason": "学位未取得"}
    )
    assert response.status_code == 400
    assert "须填写核定信息" in response.content.decode()


def test_bulk_decision_asks_for_confirmation_first(world, client):
    claims = [c for c in world["app"].claims.filter(department__code="police", state="pending")]
    client.force_login(world["users"]["reviewer_police"])
    data = {"claim_ids": [c.pk for c in claims], "decision": "reject", "reason": "无居住证记录"}
    response = client.post(reverse("review:bulk"), data)
    assert response.status_code == 200
    assert "确认批量审核" in response.content.decode()
    assert all(
        c.state == "pending" for c in IndicatorClaim.objects.filter(pk__in=data["claim_ids"])
    )
    response = client.post(reverse("review:bulk"), {**data, "confirm": "1"})
    assert response.status_code == 302
    decided = IndicatorClaim.objects.filter(pk__in=data["claim_ids"])
    assert {c.state for c in decided} == {"rejected"}
    assert AuditEvent.objects.filter(
        action="claim.reject", object_id__in=[str(c.pk) for c in claims]
    ).count() == len(claims)


def test_bulk_refuses_claims_of_another_department(world, client):
    client.force_login(world["users"]["reviewer_police"])
    data = {
        "claim_ids": [world["claims"]["education"].pk],
        "decision": "reject",
        "reason": "x",
        "confirm": "1",
    }
    assert client.post(reverse("review:bulk"), data).status_code == 403


def test_deciding_an_appeal_rescores_and_undecided_appeals_are_listed(world, client):
    app = world["app"]
    claim = world["claims"]["education"]
    # the claim was decided, the results published, and the applicant appealed (细则第八条)
    set_state(claim, "appealed")
    IndicatorClaim.objects.filter(pk=claim.pk).update(
        verified_facts={"education": []}, appeal_reason="有学位证书", appealed_at=IN_DECLARATION
    )
    set_state(app, "results_published")
    round = set_phase(app.round, "recheck_ranking")
    assert [c.pk for c in appeals_undecided(round)] == [claim.pk]
    with time_machine.travel(IN_RECHECK, tick=False):
        client.force_login(world["users"]["reviewer_education"])
        assert (
            reverse("review:claim", args=[claim.pk])
            in client.get(reverse("review:appeals")).content.decode()
        )
        response = client.post(
            reverse("review:decide", args=[claim.pk]),
            {
                "decision": "adjust",
                "reason": "学位证书核实",
                **rows("education", claim.declared_facts["education"]),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    app.refresh_from_db()
    assert claim.state == ClaimState.APPEAL_UPHELD
    assert app.total_points is not None
    assert app.score_explanation["total"] == f"{app.total_points:.2f}"
    assert AuditEvent.objects.filter(action="application.rescore", object_id=str(app.pk)).exists()
    assert appeals_undecided(round) == []


@pytest.mark.parametrize("state", ["draft", "awaiting_employer", "filling", "withdrawn"])
def test_claims_of_an_application_not_submitted_are_not_counted_or_queued(world, client, state):
    # A second applicant still filling in (or withdrawn): their claims are nobody's work yet.
    other = build_application(
        next(p for p in world["people"][1:] if p["education"]),
        round=world["app"].round,
        state=state,
    )
    IndicatorClaim.objects.filter(application=other).update(needs_manual_review=True)
    education = factories.department("education")
    assert list(
        work_queue(department=education, round=None, filters=QueueFilters(queue="all"))
    ) == [world["claims"]["education"]]
    client.force_login(world["users"]["reviewer_education"])
    page = client.get(reverse("review:queue")).content.decode()
    assert 'data-count="manual">1<' in page
    assert 'data-count="pending">1<' in page
    assert other.applicant.name not in page
    export = client.get(reverse("review:export", args=["pending", "csv"])).content.decode()
    assert other.applicant.id_number not in export
    assert world["app"].applicant.id_number in export


# --- input no form expected (found by tests/test_fuzz_endpoints.py) ---------------------------


@pytest.mark.parametrize("claim_id", ["²", "9" * 30])
def test_bulk_with_a_claim_id_that_is_no_id_asks_to_choose(world, client, claim_id):
    # '²'.isdigit() is true and int('²') raised (500); 30 digits are past any bigint.
    client.force_login(world["users"]["reviewer_police"])
    data = {"claim_ids": [claim_id], "decision": "reject", "reason": "x"}
    response = client.post(reverse("review:bulk"), data)
    assert response.status_code == 400
    assert "请至少选择一项指标" in response.content.decode()


def test_a_records_search_with_a_nul_character_names_the_field(world, client):
    # PostgreSQL refused the NUL in the lookup (500).
    client.force_login(world["users"]["reviewer_hrss"])
    response = client.post(
        reverse("review:records", args=["social_insurance"]), {"id_number": "110105\x00"}
    )
    assert response.status_code == 200
    assert "公民身份号码：不能包含空字符" in response.content.decode()


def test_an_administrator_naming_no_department_is_refused(world, client):
    client.force_login(world["users"]["administrator"])
    assert client.get(reverse("review:queue"), {"department": "hrss\x00"}).status_code == 403
    assert client.get(reverse("review:queue"), {"department": "hrss"}).status_code == 200


def test_the_admin_export_with_a_filter_naming_no_field_says_so(world, client):
    # django-import-export let the changelist's IncorrectLookupParameters escape (500).
    world["users"]["administrator"].is_superuser = True
    world["users"]["administrator"].save()
    client.force_login(world["users"]["administrator"])
    response = client.get("/admin/review/taxpenalty/export/", {"kind": ""}, follow=True)
    assert response.status_code == 200
    assert (
        "导出未执行：筛选条件无效，地址中的参数 kind 不是本表的筛选项" in response.content.decode()
    )
