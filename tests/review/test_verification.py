"""Verification by data exchange: outcomes, idempotency, audit rows, progress."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.db import transaction

from review.models import Degree, SocialInsurancePeriod
from review.services.verification import (
    verification_decide,
    verification_run_chunk,
    verification_start,
)
from tests.review.conftest import build_application
from workflow.models import AuditEvent, ClaimState, JobRun, JobStatus

pytestmark = pytest.mark.django_db


def claims_of(application):
    return {c.indicator: c for c in application.claims.all()}


def audits_for(claim):
    return list(
        AuditEvent.objects.filter(object_type="workflow.indicatorclaim", object_id=str(claim.pk))
    )


def test_matching_records_verify_every_claim_with_the_departments_facts(declaration_round, people):
    facts = people[0]
    app = build_application(facts, round=declaration_round)
    stats = verification_decide(round=declaration_round, application_ids=[app.pk])
    claims = claims_of(app)
    assert {c.state for c in claims.values()} == {ClaimState.VERIFIED}
    assert stats.manual == 0
    assert stats.verified == len(claims)
    assert claims["employment"].verified_facts == {"social_insurance": facts["social_insurance"]}
    assert claims["eligibility"].verified_facts["residence_permit"] == facts["residence_permit"]
    assert {
        y: Decimal(v) for y, v in claims["tax"].verified_facts["tax"]["income_tax"].items()
    } == {y: Decimal(v) for y, v in facts["tax"]["income_tax"].items()}
    # points come from the policy engine: 0.25 per month of employment, never None once decided
    assert claims["employment"].points > 0
    assert claims["age"].points is not None
    for claim in claims.values():
        (event,) = audits_for(claim)
        assert (event.from_state, event.to_state, event.actor_label) == (
            "pending",
            "verified",
            "数据交换",
        )
        assert event.after["state"] == "verified"


def test_fewer_housing_months_on_record_adjust_the_claim_to_the_department_figures(
    declaration_round, people
):
    facts = people[1]
    declared = copy.deepcopy(facts)
    first = declared["housing"][0]
    year, month = map(int, first["from"].split("-"))
    first["from"] = f"{year - 2:04d}-{month:02d}"  # declares two years more than registered
    app = build_application(facts, round=declaration_round, declared=declared)
    verification_decide(round=declaration_round, application_ids=[app.pk])
    housing = claims_of(app)["housing"]
    assert housing.state == ClaimState.ADJUSTED
    assert housing.verified_facts == {
        "housing": [{k: h[k] for k in ("from", "to", "kind", "district")} for h in facts["housing"]]
    }
    assert housing.mismatch["only_declared"]
    assert not housing.mismatch["only_department"]
    assert "24 个月" in housing.decision_reason


def test_a_declared_degree_the_records_do_not_show_goes_to_the_manual_queue(
    declaration_round, people
):
    facts = people[2]
    declared = copy.deepcopy(facts)
    declared["education"] = [
        {"level": "doctor", "diploma": True, "degree": True, "graduated_on": "2015-06-30"}
    ]
    app = build_application(facts, round=declaration_round, declared=declared)
    verification_decide(round=declaration_round, application_ids=[app.pk])
    education = claims_of(app)["education"]
    assert education.state == ClaimState.PENDING
    assert education.needs_manual_review
    assert education.mismatch["declared"] == declared["education"]
    assert education.mismatch["department"] == facts["education"]
    (event,) = audits_for(education)
    assert event.action == "claim.flag_manual_review"
    assert event.to_state == "pending"


def test_no_record_at_all_goes_to_the_manual_queue(declaration_round, people):
    app = build_application(people[3], round=declaration_round, with_records=False)
    verification_decide(round=declaration_round, application_ids=[app.pk])
    claims = claims_of(app)
    assert claims["employment"].needs_manual_review
    assert claims["employment"].mismatch["reason"] == "no_record"
    assert claims["education"].state == ClaimState.PENDING
    assert claims["education"].needs_manual_review
    # absence is itself the finding for detentions (the police hold every such record)
    assert claims["law_record"].state == ClaimState.VERIFIED
    assert claims["law_record"].verified_facts == {"detentions": []}


def test_weaker_degree_on_record_adjusts_education(declaration_round, people):
    facts = next(f for f in people if f["education"] and all(e["degree"] for e in f["education"]))
    app = build_application(facts, round=declaration_round)
    Degree.objects.filter(applicant=app.applicant).update(degree=False)
    verification_decide(round=declaration_round, application_ids=[app.pk])
    education = claims_of(app)["education"]
    assert education.state == ClaimState.ADJUSTED
    assert all(item["degree"] is False for item in education.verified_facts["education"])


def test_rerunning_changes_nothing_and_writes_no_audit_row(declaration_round, people):
    apps = [
        build_application(f, round=declaration_round, with_records=i % 2 == 0)
        for i, f in enumerate(people[:4])
    ]
    ids = [a.pk for a in apps]
    verification_decide(round=declaration_round, application_ids=ids)
    before_claims = list(
        __import__("workflow.models", fromlist=["IndicatorClaim"])
        .IndicatorClaim.objects.order_by("pk")
        .values()
    )
    audit_count = AuditEvent.objects.count()
    stats = verification_decide(round=declaration_round, application_ids=ids)
    from workflow.models import IndicatorClaim

    assert list(IndicatorClaim.objects.order_by("pk").values()) == before_claims
    assert AuditEvent.objects.count() == audit_count
    assert stats.verified == stats.adjusted == stats.manual == 0
    assert stats.unchanged > 0


def test_records_arriving_later_settle_a_claim_from_the_manual_queue(declaration_round, people):
    facts = people[5]
    app = build_application(facts, round=declaration_round)
    SocialInsurancePeriod.objects.filter(applicant=app.applicant).delete()
    verification_decide(round=declaration_round, application_ids=[app.pk])
    assert claims_of(app)["employment"].needs_manual_review
    from review.synthetic import records_from_facts

    for r in records_from_facts(
        facts, applicant_id=app.applicant_id, departments={"science": 0, "trade_union": 0}
    ):
        if isinstance(r, SocialInsurancePeriod):
            r.save()
    verification_decide(round=declaration_round, application_ids=[app.pk])
    employment = claims_of(app)["employment"]
    assert employment.state == ClaimState.VERIFIED
    assert not employment.needs_manual_review
    assert [e.action for e in reversed(audits_for(employment))] == [
        "claim.flag_manual_review",
        "claim.verify",
    ]


def test_nothing_is_decided_outside_the_review_phases(declaration_round, people):
    from tests.review.conftest import set_phase

    app = build_application(people[0], round=declaration_round)
    set_phase(declaration_round, "result_query")
    verification_decide(round=declaration_round, application_ids=[app.pk])
    assert set(app.claims.values_list("state", flat=True)) == {"pending"}


def test_chunked_run_reports_progress_and_a_redelivered_chunk_is_skipped(
    declaration_round, people, django_capture_on_commit_callbacks
):
    apps = [build_application(f, round=declaration_round) for f in people[:5]]
    with django_capture_on_commit_callbacks(execute=True):
        job_run = verification_start(round=declaration_round, chunk_size=2)
    job_run.refresh_from_db()
    assert (job_run.total, job_run.done, job_run.status) == (5, 5, JobStatus.SUCCEEDED)
    assert JobRun.objects.filter(key__startswith=f"{job_run.key}:chunk:").count() == 3
    audit_count = AuditEvent.objects.count()
    # the worker died after the commit, before the ack: the broker delivers the chunk again
    first = JobRun.objects.get(key=f"{job_run.key}:chunk:0")
    assert first.payload["application_ids"] == [apps[0].pk, apps[1].pk]
    stats = verification_run_chunk(chunk=first)
    assert stats.skipped
    assert AuditEvent.objects.count() == audit_count
    job_run.refresh_from_db()
    assert job_run.done == 5


def test_a_chunk_that_fails_midway_leaves_no_claim_changed_without_its_audit_row(
    declaration_round, people, monkeypatch
):
    app = build_application(people[0], round=declaration_round)

    def boom(*args, **kwargs):
        raise RuntimeError("worker killed")

    # the claims are written, then the worker dies before the audit rows are
    monkeypatch.setattr("review.services.verification.audit_events_write", boom)
    with pytest.raises(RuntimeError), transaction.atomic():
        verification_decide(round=declaration_round, application_ids=[app.pk])
    assert set(app.claims.values_list("state", flat=True)) == {"pending"}
    assert not AuditEvent.objects.filter(object_type="workflow.indicatorclaim").exists()


def test_entering_aggregation_verifies_every_submitted_application(
    declaration_round, people, django_capture_on_commit_callbacks
):
    import datetime as dt

    import time_machine

    from workflow.models import BEIJING
    from workflow.services import round_advance

    apps = [build_application(f, round=declaration_round) for f in people[:3]]
    with (
        time_machine.travel(dt.datetime(2020, 8, 16, 0, 0, 1, tzinfo=BEIJING), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        round_advance(round=declaration_round, to="aggregation")
    for app in apps:
        app.refresh_from_db()
        assert app.state == "under_review"
        assert app.claims.filter(state="pending", needs_manual_review=False).count() == 0
    run = JobRun.objects.get(key="verify:2020:aggregation")
    assert (run.done, run.total, run.status) == (3, 3, JobStatus.SUCCEEDED)


def test_submitting_during_declaration_verifies_at_once(
    declaration_round, people, django_capture_on_commit_callbacks
):
    import datetime as dt

    from workflow.models import BEIJING
    from workflow.services import application_submit

    app = build_application(people[0], round=declaration_round, state="filling")
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(
            application=app,
            actor=app.applicant.user,
            now=dt.datetime(2020, 8, 1, 10, tzinfo=BEIJING),
        )
    employment = app.claims.get(indicator="employment")
    assert employment.state == ClaimState.VERIFIED
