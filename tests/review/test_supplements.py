"""补件 (细则第七条): a department asks for documents with a deadline inside the review; the
claim waits in 待补件 (its own queue, counted); the applicant sees what is asked and uploads by
the deadline; the claim returns to the manual queue; a missed deadline hands it back, marked
补件逾期, and the round cannot leave aggregation while a claim still waits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from review.selectors import QueueFilters, queue_counts, work_queue
from tests.review.conftest import build_application, set_phase
from workflow.exceptions import DomainError, NotPermitted, PhaseJobFailed, WindowClosed
from workflow.models import (
    BEIJING,
    AuditEvent,
    ClaimState,
    Evidence,
    Notice,
    SupplementRequest,
)
from workflow.phase_jobs import require_reviews_decided, round_open_items
from workflow.services.supplements import (
    claim_answer_supplement,
    claim_request_supplement,
    supplements_expire,
)

pytestmark = pytest.mark.django_db

IN_DECLARATION = dt.datetime(2020, 8, 1, 10, 0, tzinfo=BEIJING)
DUE = dt.datetime(2020, 8, 20, 17, 0, tzinfo=BEIJING)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def clock():
    with time_machine.travel(IN_DECLARATION, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock, declaration_round, people, reviewer_of):
    app = build_application(people[0], round=declaration_round, with_records=False)
    claim = app.claims.get(indicator="employment")
    return {
        "round": declaration_round,
        "app": app,
        "claim": claim,
        "hrss": reviewer_of("hrss"),
        "education": reviewer_of("education"),
        "owner": app.applicant.user,
    }


def ask(world, due_at=DUE, documents="2019年1月至12月社保缴费凭证（加盖单位公章）"):
    return claim_request_supplement(
        claim=world["claim"], actor=world["hrss"], documents=documents, due_at=due_at
    )


def pdf(name="社保凭证.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_request_puts_the_claim_in_its_own_state_with_audit_and_notice(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(world)

    claim = world["claim"]
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUPPLEMENT_REQUESTED
    assert request.due_at == DUE
    event = AuditEvent.objects.get(action="claim.request_supplement", object_id=str(claim.pk))
    assert (event.from_state, event.to_state) == ("pending", "supplement_requested")
    assert "社保缴费凭证" in event.reason
    notice = Notice.objects.get(
        recipient=world["owner"], dedup_key=f"supplement:{request.pk}:requested"
    )
    assert "社保缴费凭证" in notice.body
    assert "2020年08月20日 17:00" in notice.body
    assert notice.link == reverse("workflow:supplement", args=[claim.pk])


def test_deadline_may_be_the_last_second_of_aggregation_but_not_one_later(world):
    closes = world["round"].aggregation_closes_at
    with pytest.raises(DomainError, match="补件截止时间.*不能晚于部门审核结果汇总阶段结束"):
        ask(world, due_at=closes + dt.timedelta(seconds=1))
    assert ask(world, due_at=closes).due_at == closes


def test_deadline_must_be_after_now_and_documents_named(world):
    with pytest.raises(DomainError, match="补件截止时间.*必须晚于现在"):
        ask(world, due_at=IN_DECLARATION)
    with pytest.raises(DomainError, match="需补充的材料"):
        ask(world, documents="  ")
    assert not SupplementRequest.objects.exists()


def test_only_the_claims_department_may_ask(world):
    with pytest.raises(NotPermitted, match="只有负责“合法稳定就业”指标的审核部门才能要求补件"):
        claim_request_supplement(
            claim=world["claim"], actor=world["education"], documents="x", due_at=DUE
        )
    with pytest.raises(NotPermitted):
        claim_request_supplement(
            claim=world["claim"], actor=world["owner"], documents="x", due_at=DUE
        )


def test_queue_counts_and_filters_waiting_claims(world):
    ask(world)
    department, round = world["claim"].department, world["round"]

    counts = queue_counts(department=department, round=round)
    waiting = work_queue(
        department=department, round=round, filters=QueueFilters(queue="supplement")
    )
    manual = work_queue(department=department, round=round, filters=QueueFilters(queue="manual"))

    assert counts["supplement"] == 1
    assert list(waiting) == [world["claim"]]
    assert world["claim"] not in list(manual)


def test_answer_at_the_deadline_returns_the_claim_to_the_manual_queue(world, clock):
    ask(world)
    clock.move_to(DUE)

    claim_answer_supplement(
        claim=world["claim"], actor=world["owner"], uploads=[pdf()], note="已加盖公章"
    )

    claim = world["claim"]
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    assert claim.needs_manual_review
    stored = Evidence.objects.get(claim=claim)
    assert stored.purpose == "supplement"
    manual = work_queue(
        department=claim.department, round=world["round"], filters=QueueFilters(queue="manual")
    )
    assert claim in list(manual)
    assert SupplementRequest.objects.get().answered_at == DUE


def test_answer_one_second_after_the_deadline_is_refused(world, clock):
    ask(world)
    clock.move_to(DUE + dt.timedelta(seconds=1))

    with pytest.raises(WindowClosed, match="补件截止时间（2020年08月20日 17:00）已过"):
        claim_answer_supplement(claim=world["claim"], actor=world["owner"], uploads=[pdf()])
    assert not Evidence.objects.exists()


def test_only_the_applicant_answers(world, other_applicant):
    ask(world)
    with pytest.raises(NotPermitted, match="只有申请人本人才能提交补件材料"):
        claim_answer_supplement(claim=world["claim"], actor=other_applicant.user, uploads=[pdf()])


def test_missed_deadline_hands_the_claim_back_marked_overdue(
    world, clock, django_capture_on_commit_callbacks
):
    request = ask(world)
    clock.move_to(DUE)
    assert supplements_expire() == 0  # the deadline itself still belongs to the applicant

    clock.move_to(DUE + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert supplements_expire() == 1
    assert supplements_expire() == 0

    claim = world["claim"]
    claim.refresh_from_db()
    request.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    assert claim.needs_manual_review
    assert request.overdue_at is not None
    event = AuditEvent.objects.get(action="claim.supplement_overdue")
    assert event.actor_label == "system"
    assert "补件逾期" in event.reason
    counts = queue_counts(department=claim.department, round=world["round"])
    overdue = work_queue(
        department=claim.department,
        round=world["round"],
        filters=QueueFilters(queue="supplement_overdue"),
    )
    assert counts["supplement_overdue"] == 1
    assert list(overdue) == [claim]
    assert Notice.objects.filter(dedup_key=f"supplement:{request.pk}:overdue").exists()


def test_a_waiting_claim_holds_the_round_in_aggregation(world):
    ask(world)
    round = set_phase(world["round"], "aggregation")

    what, items = round_open_items(round=round)

    assert "补件" in what
    assert ("人社局", 1) in items
    with pytest.raises(PhaseJobFailed, match="审核、复查或补件"):
        require_reviews_decided(round_id=round.pk, job_run_id=0)


def test_applicant_sees_the_request_and_uploads_through_the_portal(world):
    ask(world)
    client = Client()
    client.force_login(world["owner"])

    dashboard = client.get(reverse("workflow:applicant")).content.decode()
    page = client.get(reverse("workflow:supplement", args=[world["claim"].pk])).content.decode()
    response = client.post(
        reverse("workflow:supplement", args=[world["claim"].pk]), {"file": pdf(), "note": ""}
    )

    assert "补件：“合法稳定就业”" in dashboard
    assert "2019年1月至12月社保缴费凭证" in page
    assert response.status_code == 302
    world["claim"].refresh_from_db()
    assert world["claim"].state == ClaimState.PENDING


def test_reviewer_asks_from_the_claim_page_and_errors_name_the_field(world):
    client = Client()
    client.force_login(world["hrss"])
    url = reverse("review:supplement", args=[world["claim"].pk])

    missing = client.post(url, {"documents": "", "due_at": "2020-08-20T17:00"}, follow=True)
    late = client.post(url, {"documents": "凭证", "due_at": "2020-09-05T00:00"}, follow=True)
    done = client.post(url, {"documents": "凭证", "due_at": "2020-08-20T17:00"})

    assert "需补充的材料" in missing.content.decode()
    assert "补件截止时间”不能晚于" in late.content.decode()
    assert done.status_code == 302
    world["claim"].refresh_from_db()
    assert world["claim"].state == ClaimState.SUPPLEMENT_REQUESTED


@pytest.mark.parametrize("persona", ["anonymous", "owner", "education"])
def test_back_office_review_loop_pages_refuse_outsiders(world, persona):
    client = Client()
    if persona != "anonymous":
        client.force_login(world[persona])
    ask_url = reverse("review:supplement", args=[world["claim"].pk])
    invite_url = reverse("review:originals", args=[world["claim"].pk])

    asked = client.post(ask_url, {"documents": "凭证", "due_at": "2020-08-20T17:00"})
    invited = client.post(invite_url, {"documents": "原件"})
    windows = client.get(reverse("review:windows"))

    expected = {"anonymous": 302, "owner": 403, "education": 404}[persona]
    assert asked.status_code == invited.status_code == expected
    # Another department's reviewer sees its own (empty) windows page, never this claim.
    assert windows.status_code == {"anonymous": 302, "owner": 403, "education": 200}[persona]
    world["claim"].refresh_from_db()
    assert world["claim"].state == ClaimState.PENDING
