"""Reconciliation (issue 14): what the broker lost is enqueued again from the database, a job
that cannot finish ends failed with its reason, and re-running with the same key resumes.

Eager Celery (no Redis): "lost" is a chunk or batch whose enqueue callbacks never ran.
The same paths through a real worker, Redis and PostgreSQL: tests/integration/test_faults.py.
"""

from __future__ import annotations

import datetime as dt
import io

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from review.models import BatchStatus, ImportBatch, SocialInsurancePeriod
from review.services.imports import batch_submit
from review.services.verification import verification_start
from review.synthetic import csv_bytes, social_insurance_rows
from review.tasks import verify_chunk
from tests import factories
from tests.review.conftest import build_application
from workflow.models import AuditEvent, IndicatorClaim, JobRun, JobStatus
from workflow.reconcile import jobs_reconcile

pytestmark = pytest.mark.django_db

AFTER = 300


@pytest.fixture(autouse=True)
def _reconcile_settings(settings):
    settings.JOB_RECONCILE_AFTER = AFTER
    settings.JOB_MAX_ATTEMPTS = 3


def later(seconds: int = AFTER + 1):
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=False)


def plan_lost(round, chunk_size=2, key="verify:2020:lost"):
    """A run planned and committed whose messages the broker never delivered."""
    return verification_start(round=round, key=key, chunk_size=chunk_size)


def decided_claims(round) -> int:
    return IndicatorClaim.objects.filter(application__round=round).exclude(state="pending").count()


def claim_audits() -> int:
    return AuditEvent.objects.filter(object_type="workflow.indicatorclaim").count()


@pytest.fixture
def applications(declaration_round, people):
    return [build_application(f, round=declaration_round) for f in people[:5]]


def test_a_run_whose_chunks_were_lost_is_finished_by_the_reconciliation(
    declaration_round, applications, django_capture_on_commit_callbacks
):
    job = plan_lost(declaration_round)
    assert job.chunks.count() == 3
    assert decided_claims(declaration_round) == 0

    # Not yet: within the bounded time a chunk may just be waiting its turn.
    assert jobs_reconcile().requeued == []

    with later(), django_capture_on_commit_callbacks(execute=True):
        report = jobs_reconcile()

    assert sorted(report.requeued) == [f"{job.key}:chunk:{i}" for i in range(3)]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 5, 5)
    decided = decided_claims(declaration_round)
    assert decided > 0
    assert (
        claim_audits() == decided + IndicatorClaim.objects.filter(needs_manual_review=True).count()
    )


def test_a_run_still_finishing_chunks_is_left_to_its_queue(
    declaration_round, applications, django_capture_on_commit_callbacks
):
    job = plan_lost(declaration_round)
    first = job.chunks.order_by("pk").first()
    with later(AFTER - 10):
        verify_chunk.delay(chunk_id=first.pk)  # the queue is moving
    with later(), django_capture_on_commit_callbacks(execute=True):
        assert jobs_reconcile().requeued == []
    with later(2 * AFTER), django_capture_on_commit_callbacks(execute=True):
        assert len(jobs_reconcile().requeued) == 2
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_replanning_with_the_same_key_enqueues_what_is_not_done(
    declaration_round, applications, django_capture_on_commit_callbacks
):
    job = plan_lost(declaration_round)
    first = job.chunks.order_by("pk").first()
    verify_chunk.delay(chunk_id=first.pk)
    audits = claim_audits()

    with django_capture_on_commit_callbacks(execute=True):
        again = plan_lost(declaration_round)

    assert again.pk == job.pk
    # The two chunks not done ran; the one done was not enqueued again.
    assert list(job.chunks.order_by("pk").values_list("attempts", flat=True)) == [1, 1, 1]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 5, 5)
    assert JobRun.objects.filter(parent=job).count() == 3
    assert claim_audits() > audits


def test_a_chunk_that_keeps_killing_its_worker_ends_failed_with_the_reason(
    declaration_round, applications, django_capture_on_commit_callbacks
):
    job = plan_lost(declaration_round)
    chunk = job.chunks.order_by("pk").first()
    # Started three times (JOB_MAX_ATTEMPTS); each time the worker died before the commit.
    JobRun.objects.filter(pk=chunk.pk).update(attempts=3)

    with later(), django_capture_on_commit_callbacks(execute=True):
        report = jobs_reconcile()

    assert report.failed == [chunk.key]
    chunk.refresh_from_db()
    job.refresh_from_db()
    assert chunk.status == JobStatus.FAILED
    assert "已启动 3 次仍未完成" in chunk.error
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("第 1 批（共 3 批）失败：已启动 3 次仍未完成")
    out = io.StringIO()
    call_command("round_status", "--year", "2020", stdout=out)
    assert "第 1 批（共 3 批）失败" in out.getvalue()
    assert "分 3 批，未完成 1 批" in out.getvalue()

    # Fixed: the same key runs the failed chunk again, and the job succeeds.
    with django_capture_on_commit_callbacks(execute=True):
        plan_lost(declaration_round)
    job.refresh_from_db()
    assert (job.status, job.done, job.error) == (JobStatus.SUCCEEDED, 5, "")


def test_a_chunk_with_an_error_that_is_not_transient_fails_its_run_with_the_reason(
    declaration_round, applications, monkeypatch
):
    job = plan_lost(declaration_round)
    chunk = job.chunks.order_by("pk").first()

    def broken(**kwargs):
        raise ValueError("记录格式无法识别")

    monkeypatch.setattr("review.services.verification.verification_decide", broken)
    # As on a worker: the failure is handled, not raised at the caller.
    result = verify_chunk.apply(kwargs={"chunk_id": chunk.pk}, throw=False)
    assert result.state == "FAILURE"

    chunk.refresh_from_db()
    job.refresh_from_db()
    assert (chunk.status, chunk.error) == (JobStatus.FAILED, "ValueError: 记录格式无法识别")
    assert job.status == JobStatus.FAILED
    assert job.error == "第 1 批（共 3 批）失败：ValueError: 记录格式无法识别"
    assert decided_claims(declaration_round) == 0


def test_psycopg_connection_errors_are_retried_on_a_fresh_connection(
    declaration_round, applications, monkeypatch
):
    from review.services import verification

    job = plan_lost(declaration_round)
    chunk = job.chunks.order_by("pk").first()
    real = verification.verification_decide
    calls = {"n": 0}
    closed = {"n": 0}

    def terminated_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            # What the audit COPY raises when the backend is terminated: psycopg's own class.
            raise psycopg.OperationalError("terminating connection due to administrator command")
        return real(**kwargs)

    monkeypatch.setattr(verification, "verification_decide", terminated_once)
    monkeypatch.setattr(
        "workflow.tasks.connection.close", lambda: closed.__setitem__("n", closed["n"] + 1)
    )
    result = verify_chunk.apply(kwargs={"chunk_id": chunk.pk}, throw=False)

    assert result.state == "SUCCESS"
    assert calls["n"] == 2
    assert closed["n"] >= 1
    chunk.refresh_from_db()
    assert (chunk.status, chunk.attempts) == (JobStatus.SUCCEEDED, 2)


@pytest.fixture
def registered(declaration_round, people):
    return [build_application(f, round=declaration_round, with_records=False) for f in people[:3]]


def queued_batch(people, django_capture_on_commit_callbacks):
    content = csv_bytes(social_insurance_rows(people[:3]))
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the message
        return batch_submit(
            department=factories.department("hrss"),
            file_name="batch.csv",
            content=content,
            inline=False,
        )


def test_a_batch_load_the_broker_lost_is_loaded_by_the_reconciliation(
    registered, people, django_capture_on_commit_callbacks
):
    batch = queued_batch(people, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.PENDING
    assert jobs_reconcile().requeued == []

    with later(), django_capture_on_commit_callbacks(execute=True):
        assert jobs_reconcile().requeued == [batch.job_run.key]

    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADED
    assert SocialInsurancePeriod.objects.filter(batch=batch).count() == batch.total_rows
    assert AuditEvent.objects.filter(action="records.import", object_id=str(batch.pk)).count() == 1
    batch.job_run.refresh_from_db()
    assert batch.job_run.status == JobStatus.SUCCEEDED


def test_a_batch_that_cannot_finish_ends_failed_with_the_reason_for_the_clerk(
    registered, people, django_capture_on_commit_callbacks
):
    batch = queued_batch(people, django_capture_on_commit_callbacks)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    JobRun.objects.filter(pk=batch.job_run_id).update(status=JobStatus.RUNNING, attempts=3)

    with later():
        assert jobs_reconcile().failed == [batch.job_run.key]

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "未导入任何记录" in batch.errors[0]["message"]
    assert "已启动 3 次仍未完成" in batch.errors[0]["message"]
    assert not SocialInsurancePeriod.objects.filter(batch=batch).exists()
    job = JobRun.objects.get(pk=batch.job_run_id)
    assert job.status == JobStatus.FAILED
    assert "已启动 3 次仍未完成" in job.error


def test_the_administrator_sees_why_a_run_failed_and_resumes_it(
    declaration_round, applications, administrator, client, django_capture_on_commit_callbacks
):
    job = plan_lost(declaration_round)
    chunk = job.chunks.order_by("pk").first()
    JobRun.objects.filter(pk=chunk.pk).update(attempts=3)
    with later(), django_capture_on_commit_callbacks(execute=False):
        jobs_reconcile()  # the first chunk gives up; the others are lost again
    client.force_login(administrator)

    page = client.get("/admin/workflow/jobrun/", {"status__exact": "failed"})
    assert page.status_code == 200
    assert "第 1 批（共 3 批）失败：已启动 3 次仍未完成" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/workflow/jobrun/",
            {"action": "resume_chunks", "_selected_action": [job.pk]},
            follow=True,
        )
    assert f"已重新投递未完成的批次（{job.key}：3 批）" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.done, job.error) == (JobStatus.SUCCEEDED, 5, "")


def test_only_administrators_see_the_jobs_or_resume_them(declaration_round, applications, client):
    job = plan_lost(declaration_round)
    JobRun.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="第 1 批失败")
    # Staff (may enter the admin site), but not in the administrators' group.
    client.force_login(factories.UserFactory(username="staff", is_staff=True))

    assert client.get("/admin/workflow/jobrun/").status_code == 403
    response = client.post(
        "/admin/workflow/jobrun/", {"action": "resume_chunks", "_selected_action": [job.pk]}
    )
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_a_batch_whose_web_process_died_mid_load_is_finished_by_a_worker(
    registered, people, django_capture_on_commit_callbacks, monkeypatch
):
    def killed(*args, **kwargs):
        raise SystemExit("the web process is gone")

    # Small files load inline, in the request; the process dies inside the load.
    monkeypatch.setattr("review.services.imports._load", killed)
    with pytest.raises(SystemExit):
        batch_submit(
            department=factories.department("hrss"),
            file_name="batch.csv",
            content=csv_bytes(social_insurance_rows(people[:3])),
        )
    monkeypatch.undo()
    batch = ImportBatch.objects.get()
    assert batch.job_run is not None

    with later(), django_capture_on_commit_callbacks(execute=True):
        assert jobs_reconcile().requeued == [batch.job_run.key]

    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADED
    assert AuditEvent.objects.filter(action="records.import", object_id=str(batch.pk)).count() == 1
