"""Notices: told once, after the commit, only to whoever may see the item; e-mail and SMS
as each person chooses, the inbox always."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests import factories
from tests.workflow.conftest import at
from workflow import services
from workflow.models import Application, AppState, ClaimState, JobRun, JobStatus, Notice, Phase
from workflow.notice_events import (
    NOTICE_JOB_FROM,
    NOTICE_JOB_KIND,
    notice_job_run,
    on_transition_done,
)
from workflow.reconcile import jobs_reconcile
from workflow.services.notices import (
    NoticeDraft,
    notices_deliver_pending,
    notices_record,
)
from workflow.services.transitions import TransitionDone
from workflow.sms import LocmemSmsBackend
from workflow.tasks import deliver_pending_notices, remind_appeal_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "workflow.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []


@pytest.fixture
def submitted_claim(round2020, applicant, employer):
    applicant.phone = "13800138000"
    applicant.save()
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.SUBMITTED
    )
    return factories.ClaimFactory(application=application, indicator="education")


def _reject(claim, reviewer):
    return services.claim_reject(claim=claim, actor=reviewer, reason="学历证书与学信网记录不符")


def test_a_department_result_is_notified_once_after_commit_with_indicator_and_deadlines(
    submitted_claim, reviewer_of, applicant, django_capture_on_commit_callbacks
):
    reviewer = reviewer_of("education")
    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _reject(submitted_claim, reviewer)
        assert not Notice.objects.exists()  # nothing before the commit
    notice = Notice.objects.get()
    assert notice.recipient == applicant.user
    assert notice.subject == "“教育背景”审核结果：审核不通过"
    assert "学历证书与学信网记录不符" in notice.body
    assert notice.link == "/apply/indicators/education/"
    assert notice.delivered_at is not None
    [message] = mail.outbox
    assert message.to == [applicant.user.email]
    assert "教育背景" in message.subject
    # the deadlines to act: a recheck until the declaration closes, an appeal in its window
    assert "申报截止（2020年08月15日 20:00）前可申请复查" in message.body
    assert "2020年09月05日 08:00 至 2020年09月12日 20:00" in message.body
    assert "http://localhost:8000/apply/indicators/education/" in message.body
    [(phone, text)] = LocmemSmsBackend.outbox
    assert phone == "13800138000"
    assert "教育背景" in text


def test_a_rolled_back_decision_notifies_nobody(
    submitted_claim, reviewer_of, django_capture_on_commit_callbacks
):
    reviewer = reviewer_of("education")

    def decide_then_fail():
        with transaction.atomic():
            _reject(submitted_claim, reviewer)
            raise RuntimeError("the caller's transaction fails after the decision")

    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        decide_then_fail()
    submitted_claim.refresh_from_db()
    assert submitted_claim.state == ClaimState.PENDING
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_the_same_move_announced_twice_notifies_once(submitted_claim, applicant):
    done = TransitionDone(
        model="workflow.indicatorclaim",
        method="verify",
        ids=(submitted_claim.pk,),
        to_state="verified",
        actor_id=None,
        at=at(2020, 8, 1, 9),
        reason="",
    )
    on_transition_done(done)
    on_transition_done(done)
    assert Notice.objects.count() == 1
    assert len(mail.outbox) == 1


def test_email_off_keeps_the_inbox_and_sends_no_mail(
    submitted_claim, reviewer_of, applicant, django_capture_on_commit_callbacks
):
    services.notice_preference_set(user=applicant.user, email_enabled=False, sms_enabled=False)
    with (
        time_machine.travel(at(2020, 8, 1, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _reject(submitted_claim, reviewer_of("education"))
    assert Notice.objects.filter(recipient=applicant.user).count() == 1
    assert mail.outbox == []
    assert LocmemSmsBackend.outbox == []


def test_phase_change_tells_live_applicants_and_a_rerun_tells_nobody_twice(
    administrator, applicant, other_applicant, employer, django_capture_on_commit_callbacks
):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.SUBMITTED
    )
    factories.ApplicationFactory(
        round=round, applicant=other_applicant, employer=employer, state=AppState.FILLING
    )
    with (
        time_machine.travel(at(2020, 8, 16, 0, 0, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.round_advance(round=round, actor=administrator)
    phase = Notice.objects.get(recipient=applicant.user)
    assert phase.subject == "2020年度积分落户进入部门审核结果汇总阶段"
    assert "审核结果查询将于 2020年09月05日 08:00 开始" in phase.body
    # Not submitted by the deadline: told why and when it was withdrawn.
    withdrawn = Notice.objects.get(recipient=other_applicant.user)
    assert withdrawn.subject == "2020年度积分落户申请已撤回"
    assert "申报阶段截止时未提交" in withdrawn.body
    assert "2020年08月16日 00:00:30" in withdrawn.body
    count, mails = Notice.objects.count(), len(mail.outbox)

    # The phase jobs run again (beat, a retry): nothing moves, nobody is told twice.
    with (
        time_machine.travel(at(2020, 8, 16, 0, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.round_advance(round=round, to=Phase.AGGREGATION, actor=administrator)
    round_done = TransitionDone(
        model="workflow.annualround",
        method="open_aggregation",
        ids=(round.pk,),
        to_state=Phase.AGGREGATION,
        actor_id=None,
        at=at(2020, 8, 16, 0, 6),
        reason="",
    )
    on_transition_done(round_done)
    assert (Notice.objects.count(), len(mail.outbox)) == (count, mails)


def test_affiliation_request_goes_to_the_units_verified_accounts_only(
    round2020,
    applicant,
    employer,
    unit_admin,
    unverified_unit_admin,
    other_unit_admin,
    django_capture_on_commit_callbacks,
):
    application = factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=None, state=AppState.DRAFT
    )
    with (
        time_machine.travel(at(2020, 7, 20, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.application_name_employer(
            application=application, employer=employer, actor=applicant.user
        )
    [notice] = Notice.objects.all()
    assert notice.recipient == unit_admin
    assert notice.subject == "王小明申请确认与本单位的隶属关系"
    assert f"选择了本单位“{employer.name}”" in notice.body
    assert notice.link == f"/unit/applications/{application.pk}/"

    with (
        time_machine.travel(at(2020, 7, 21, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.employer_reject_affiliation(
            application=application, actor=unit_admin, reason="查无此人"
        )
    decided = Notice.objects.get(recipient=applicant.user)
    assert decided.subject == "用人单位不予确认隶属关系"
    assert "查无此人" in decided.body


def test_reminder_two_days_before_the_appeal_deadline_once(applicant, employer):
    round = factories.RoundFactory(year=2020, phase=Phase.RESULT_QUERY)
    application = factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.RESULTS_PUBLISHED
    )
    factories.ClaimFactory(application=application, indicator="education", state="adjusted")
    factories.ClaimFactory(
        application=application, indicator="housing", state="verified", declared_facts={}
    )
    with time_machine.travel(at(2020, 9, 10, 19, 59), tick=False):
        remind_appeal_deadline.delay()
    assert not Notice.objects.exists()  # more than two days left
    with time_machine.travel(at(2020, 9, 10, 20, 0), tick=False):
        remind_appeal_deadline.delay()
        remind_appeal_deadline.delay()
    notice = Notice.objects.get()
    assert notice.subject == "申诉将于 2020年09月12日 20:00 截止"
    assert "“教育背景”（审核调整）" in notice.body
    assert "住所" not in notice.body
    assert len(mail.outbox) == 1


def test_outcome_names_points_rank_and_tells_the_unit(
    applicant, employer, unit_admin, django_capture_on_commit_callbacks
):
    round = factories.RoundFactory(year=2020, phase=Phase.PUBLICITY)
    application = factories.ApplicationFactory(
        round=round,
        applicant=applicant,
        employer=employer,
        state=AppState.RANKED,
        total_points=Decimal("105.21"),
        rank=12,
        admitted=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_bulk(
            type(application),
            "publicize",
            round=round,
            ids=[application.pk],
            now=at(2020, 10, 15, 0, 1),
        )
    mine = Notice.objects.get(recipient=applicant.user)
    assert mine.subject == "2020年度积分落户结果：进入落户公示名单"
    assert "积分 105.21 分，排名第 12 名" in mine.body
    unit = Notice.objects.get(recipient=unit_admin)
    assert unit.subject == "本单位职工王小明：进入落户公示名单"


class _GatewayDown(LocmemSmsBackend):
    """An SMS gateway that takes two messages and then fails."""

    def send(self, *, to: str, text: str) -> None:
        if len(type(self).outbox) >= 2:
            raise ConnectionError("短信网关无响应")
        super().send(to=to, text=text)


def test_a_gateway_failing_mid_chunk_loses_no_notice_and_sends_none_twice(
    settings, applicant, other_applicant
):
    for person, phone in ((applicant, "13800138000"), (other_applicant, "13900139000")):
        person.phone = phone
        person.save()
    notices_record(
        drafts=[
            NoticeDraft(user.pk, f"k{n}", f"第{n}条", "正文")
            for n, user in enumerate([applicant.user, other_applicant.user, applicant.user])
        ]
    )
    settings.SMS_BACKEND = "tests.workflow.test_notices._GatewayDown"
    with pytest.raises(ConnectionError):
        notices_deliver_pending()
    assert [text for _, text in LocmemSmsBackend.outbox] == [
        "【落户通】第0条。详情请登录落户通查看。",
        "【落户通】第1条。详情请登录落户通查看。",
    ]
    assert Notice.objects.filter(delivered_at__isnull=True).count() == 1

    settings.SMS_BACKEND = "workflow.sms.LocmemSmsBackend"
    assert notices_deliver_pending() == (1, False)
    assert notices_deliver_pending() == (0, False)
    assert [text for _, text in LocmemSmsBackend.outbox][2:] == [
        "【落户通】第2条。详情请登录落户通查看。"
    ]


def test_the_data_exchange_deciding_several_claims_tells_the_applicant_once_with_each(
    submitted_claim, applicant
):
    housing = factories.ClaimFactory(application=submitted_claim.application, indicator="housing")
    type(housing).objects.filter(pk__in=[submitted_claim.pk, housing.pk]).update(
        state=ClaimState.VERIFIED, points=Decimal("15.00")
    )
    on_transition_done(
        TransitionDone(
            model="workflow.indicatorclaim",
            method="verify",
            ids=(submitted_claim.pk, housing.pk),
            to_state="verified",
            actor_id=None,
            at=at(2020, 8, 1, 9),
            reason="",
        )
    )
    [notice] = Notice.objects.filter(recipient=applicant.user)
    assert notice.subject == "“教育背景”等 2 项指标审核结果：审核通过"
    assert "“教育背景”指标的审核结果" in notice.body
    assert "“合法稳定住所”指标的审核结果（住建委）" in notice.body
    assert notice.body.count("核定分值 15.00 分") == 2
    assert len(LocmemSmsBackend.outbox) == 1


def test_fraud_after_settlement_asks_the_police_to_cancel_the_hukou_with_the_id_masked(
    applicant, employer, administrator, reviewer_of, django_capture_on_commit_callbacks
):
    # 细则第十七条: a hukou obtained by fraud is cancelled by the police, who must be told
    # whose; the notice is stored and mailed in clear, so the number is masked.
    police = reviewer_of("police")
    round = factories.RoundFactory(year=2020, phase=Phase.CLOSED)
    application = factories.ApplicationFactory(
        round=round, applicant=applicant, employer=employer, state=AppState.SETTLED
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_cancel_for_fraud(
            application=application, actor=administrator, reason="社保缴费记录系伪造"
        )
    told = Notice.objects.get(recipient=police)
    assert told.subject == "提请注销户口：王小明（2020年度积分落户）"
    masked = applicant.id_number[:6] + "********" + applicant.id_number[-4:]
    assert f"公民身份号码 {masked}，申请编号 {application.pk}" in told.body
    assert applicant.id_number not in told.body
    assert "社保缴费记录系伪造" in told.body
    mine = Notice.objects.get(recipient=applicant.user)
    assert mine.subject == "积分落户所得户口将被注销"


def _publicize_many(count: int, django_capture_on_commit_callbacks) -> list:
    round = factories.RoundFactory(year=2020, phase=Phase.PUBLICITY)
    employer = factories.EmployerFactory()
    applications = [
        factories.ApplicationFactory(
            round=round,
            employer=employer,
            state=AppState.RANKED,
            total_points=Decimal("110.00"),
            rank=n + 1,
            admitted=True,
        )
        for n in range(count)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_bulk(
            Application,
            "publicize",
            round=round,
            ids=[a.pk for a in applications],
            now=at(2020, 10, 15, 0, 1),
        )
    return applications


def test_a_bulk_moves_notices_are_composed_by_a_job_once_however_often_it_runs(
    django_capture_on_commit_callbacks,
):
    # A phase job's chunk of applications is told by a worker, not by the process that
    # moved them; a redelivered job records nobody twice.
    applications = _publicize_many(NOTICE_JOB_FROM, django_capture_on_commit_callbacks)

    job = JobRun.objects.get(kind=NOTICE_JOB_KIND)
    assert (job.status, job.total, job.done) == (
        JobStatus.SUCCEEDED,
        NOTICE_JOB_FROM,
        NOTICE_JOB_FROM,
    )
    told = Notice.objects.filter(subject="2020年度积分落户结果：进入落户公示名单")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        a.applicant.user_id for a in applications
    )
    JobRun.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # delivered again
    assert notice_job_run(job_run_id=job.pk) == 0
    assert told.count() == NOTICE_JOB_FROM


def test_a_notice_job_whose_message_was_lost_is_enqueued_again_by_the_reconciliation(
    monkeypatch, django_capture_on_commit_callbacks, settings
):
    lost: list[int] = []
    monkeypatch.setattr(
        "workflow.notice_events.notice_job_enqueue", lambda *, job_run: lost.append(job_run.pk)
    )
    _publicize_many(NOTICE_JOB_FROM, django_capture_on_commit_callbacks)
    [job_id] = lost
    assert not Notice.objects.exists()  # Redis lost the message: nobody told yet
    monkeypatch.undo()

    later = timezone.now() + dt.timedelta(seconds=settings.JOB_RECONCILE_AFTER + 1)
    report = jobs_reconcile(now=later)

    assert report.requeued == [JobRun.objects.get(pk=job_id).key]
    assert JobRun.objects.get(pk=job_id).status == JobStatus.SUCCEEDED
    assert Notice.objects.count() == NOTICE_JOB_FROM  # every applicant, once


def test_a_notice_whose_wake_up_was_lost_goes_out_with_the_next_delivery_run(applicant):
    # The delivery run sweeps every notice not delivered yet: a wake-up Redis lost (or a
    # worker that died before sending) delays a notice until beat's next run, never drops it.
    applicant.phone = "13800138000"
    applicant.save()
    notices_record(drafts=[NoticeDraft(applicant.user.pk, "lost-wake-up", "补发的通知", "正文")])
    assert not LocmemSmsBackend.outbox

    assert deliver_pending_notices() == 1

    assert [text for _, text in LocmemSmsBackend.outbox] == [
        "【落户通】补发的通知。详情请登录落户通查看。"
    ]
    assert deliver_pending_notices() == 0  # sent once


def test_a_long_backlog_is_delivered_a_bounded_run_at_a_time(applicant):
    notices_record(
        drafts=[
            NoticeDraft(applicant.user.pk, f"backlog-{n}", f"第{n}条", "正文") for n in range(5)
        ]
    )

    assert notices_deliver_pending(chunk=2, chunks=2) == (4, True)
    assert notices_deliver_pending(chunk=2, chunks=2) == (1, False)
    assert not Notice.objects.filter(delivered_at__isnull=True).exists()
