"""The round's timetable and state machine; phase jobs; beat; idempotent re-runs."""

import datetime as dt

import pytest
import time_machine

from tests import factories
from tests.workflow.conftest import at
from workflow import phase_jobs, services
from workflow.exceptions import (
    DomainError,
    InvalidTransition,
    NotPermitted,
    PhaseJobFailed,
    WindowClosed,
)
from workflow.models import AnnualRound, AppState, AuditEvent, JobRun, JobStatus, Phase
from workflow.tasks import advance_due_rounds

pytestmark = pytest.mark.django_db


def test_round_create_uses_the_2020_timetable(administrator):
    round = services.round_create(year=2021, quota=6000, actor=administrator)
    assert round.phase == Phase.SCHEDULED
    assert round.policy_id == "beijing-2020"
    assert round.declaration_opens_at == at(2021, 7, 17, 8)
    assert round.declaration_closes_at == at(2021, 8, 15, 20)
    assert round.aggregation_opens_at == at(2021, 8, 16)
    assert round.aggregation_closes_at == at(2021, 9, 4, 23, 59, 59)
    assert round.result_query_opens_at == at(2021, 9, 5, 8)
    assert round.result_query_closes_at == at(2021, 9, 12, 20)
    assert round.recheck_opens_at == at(2021, 9, 13)
    assert round.recheck_closes_at == at(2021, 10, 14, 23, 59, 59)
    assert round.publicity_opens_at == at(2021, 10, 15)
    assert round.publicity_closes_at - round.publicity_opens_at == dt.timedelta(days=7)
    assert AuditEvent.objects.get(action="round.create").actor == administrator


def test_one_round_per_year(administrator):
    services.round_create(year=2021, quota=10, actor=administrator)
    with pytest.raises(DomainError, match="2021年度的积分落户轮次已存在"):
        services.round_create(year=2021, quota=10, actor=administrator)


def test_only_administrators_create_rounds(applicant):
    with pytest.raises(NotPermitted):
        services.round_create(year=2021, quota=10, actor=applicant.user)


def test_predicates():
    round = factories.RoundFactory.build(year=2020, phase=Phase.DECLARATION)
    assert round.is_declaration_open(at(2020, 8, 15, 20))
    assert not round.is_declaration_open(at(2020, 8, 15, 20, 0, 1))
    assert round.phase_due(at(2020, 8, 15, 20, 0, 1)) == Phase.DECLARATION
    assert round.phase_due(at(2020, 8, 16)) == Phase.AGGREGATION
    assert round.phase_due(at(2020, 10, 22, 0, 0, 1)) == Phase.CLOSED
    assert round.phase_due(at(2020, 1, 1)) == Phase.SCHEDULED
    assert not round.quota_locked
    assert round.qualification_expires_on == dt.date(2022, 10, 22)


def test_quota_can_be_widened_until_the_list_is_published(administrator, applicant):
    # Issue 6: quota changes are allowed until the list is published, then refused.
    round = factories.RoundFactory(year=2020, quota=3, phase=Phase.RECHECK_RANKING)
    app = factories.ApplicationFactory(round=round, state=AppState.RANKED)
    services.round_set_quota(round=round, quota=5, actor=administrator)
    round.refresh_from_db()
    assert round.quota == 5
    assert AuditEvent.objects.filter(
        action="round.set_quota", before__quota=3, after__quota=5
    ).exists()
    with pytest.raises(NotPermitted):
        services.round_set_quota(round=round, quota=9, actor=applicant.user)

    type(app).objects.filter(pk=app.pk).update(state=AppState.PUBLICIZED)
    assert round.quota_locked
    with pytest.raises(WindowClosed, match="已公示.*不能再调整"):
        services.round_set_quota(round=round, quota=6, actor=administrator)
    round.refresh_from_db()
    assert round.quota == 5


def _populate(round):
    """One application in each declaration state, plus an under-review claimless one."""
    apps = {}
    for state in [AppState.DRAFT, AppState.FILLING, AppState.SUBMITTED, AppState.SUBMITTED]:
        apps.setdefault(state, []).append(factories.ApplicationFactory(round=round, state=state))
    return apps


def test_advance_refuses_before_the_window_opens(administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    with (
        time_machine.travel(at(2020, 8, 15, 23, 59, 59), tick=False),
        pytest.raises(WindowClosed) as exc,
    ):
        services.round_advance(round=round, actor=administrator)
    assert "2020年08月16日 00:00 开始" in str(exc.value)
    round.refresh_from_db()
    assert round.phase == Phase.DECLARATION


def test_advance_to_result_query_runs_aggregation_jobs_first(administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    apps = _populate(round)
    messages = []
    with time_machine.travel(at(2020, 9, 5, 8), tick=False):
        services.round_advance(
            round=round, to=Phase.RESULT_QUERY, actor=administrator, progress=messages.append
        )
    round.refresh_from_db()
    assert round.phase == Phase.RESULT_QUERY
    states = {a.pk: a.state for a in round.applications.all()}
    for a in apps[AppState.SUBMITTED]:
        assert states[a.pk] == AppState.RESULTS_PUBLISHED
    for a in apps[AppState.DRAFT] + apps[AppState.FILLING]:
        assert states[a.pk] == AppState.WITHDRAWN
    keys = set(JobRun.objects.values_list("key", flat=True))
    assert "phase:2020:aggregation:enter:workflow.phase_jobs.begin_review" in keys
    assert "phase:2020:result_query:enter:workflow.phase_jobs.publish_results" in keys
    assert any("审核结果查询阶段" in m for m in messages)
    steps = AuditEvent.objects.filter(action="round.advance").order_by("id")
    assert [(e.from_state, e.to_state) for e in steps] == [
        ("declaration", "aggregation"),
        ("aggregation", "result_query"),
    ]
    # one audit row per application per move
    submitted = apps[AppState.SUBMITTED][0]
    trail = AuditEvent.objects.filter(
        object_type="workflow.application", object_id=str(submitted.pk)
    )
    assert [(e.from_state, e.to_state) for e in trail.order_by("id")] == [
        ("submitted", "under_review"),
        ("under_review", "results_published"),
    ]


def test_advance_cannot_go_back(administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.RESULT_QUERY)
    with pytest.raises(DomainError, match="不能退回"):
        services.round_advance(round=round, to=Phase.DECLARATION, actor=administrator)


def test_force_lets_an_administrator_advance_early_and_is_audited(administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.SCHEDULED)
    with time_machine.travel(at(2020, 1, 1), tick=False):
        services.round_advance(round=round, actor=administrator, force=True)
    assert round.phase == Phase.DECLARATION
    assert AuditEvent.objects.get(action="round.advance").reason == "管理员提前推进"


def test_job_rerun_after_a_crash_duplicates_nothing(monkeypatch, administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    for _ in range(5):
        factories.ApplicationFactory(round=round, state=AppState.SUBMITTED)
    original = phase_jobs.bulk_transition
    crashed = {"done": False}

    def crash_after_two(**kwargs):
        # The worker dies after the first chunk (2 applications) committed.
        from workflow import jobs

        real_chunks = jobs.job_run_chunks

        def chunks(**kw):
            calls = {"n": 0}
            handle = kw["handle"]

            def wrapped(objs):
                calls["n"] += 1
                if calls["n"] == 2 and not crashed["done"]:
                    crashed["done"] = True
                    raise RuntimeError("worker lost")
                return handle(objs)

            return real_chunks(**(kw | {"handle": wrapped, "chunk_size": 2}))

        monkeypatch.setattr(phase_jobs, "job_run_chunks", chunks)
        return original(**kwargs)

    monkeypatch.setattr(phase_jobs, "bulk_transition", crash_after_two)
    with time_machine.travel(at(2020, 8, 16, 0, 0, 30), tick=False):
        with pytest.raises(PhaseJobFailed, match="修复后重新推进"):
            services.round_advance(round=round, actor=administrator)
        round.refresh_from_db()
        # the round moved, its entry job failed half-way
        assert round.phase == Phase.AGGREGATION
        job = JobRun.objects.get(
            key="phase:2020:aggregation:enter:workflow.phase_jobs.begin_review"
        )
        assert (job.status, job.done, job.total) == (JobStatus.FAILED, 2, 5)
        assert round.applications.filter(state=AppState.UNDER_REVIEW).count() == 2

        # beat comes back a minute later: the re-run continues where it stopped
        advance_due_rounds.delay()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == (JobStatus.SUCCEEDED, 5, 5, 2)
    assert round.applications.filter(state=AppState.UNDER_REVIEW).count() == 5
    events = AuditEvent.objects.filter(action="application.begin_review")
    assert events.count() == 5
    assert len(set(events.values_list("object_id", flat=True))) == 5
    # and once succeeded, never again
    services.round_advance(round=round, to=Phase.AGGREGATION, actor=administrator)
    assert AuditEvent.objects.filter(action="application.begin_review").count() == 5


def test_finalize_waits_for_open_appeals(administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.RECHECK_RANKING)
    application = factories.ApplicationFactory(round=round, state=AppState.RESULTS_PUBLISHED)
    factories.ClaimFactory(application=application, state="appealed")
    with (
        time_machine.travel(at(2020, 10, 15, 0, 0, 1), tick=False),
        pytest.raises(PhaseJobFailed, match="尚未作出结论"),
    ):
        services.round_advance(round=round, actor=administrator)
    round.refresh_from_db()
    assert round.phase == Phase.RECHECK_RANKING


def test_beat_advances_due_rounds_and_is_idempotent():
    round = factories.RoundFactory(year=2020, phase=Phase.SCHEDULED)
    with time_machine.travel(at(2020, 7, 17, 7, 59, 59), tick=False):
        advance_due_rounds.delay()
    round.refresh_from_db()
    assert round.phase == Phase.SCHEDULED
    with time_machine.travel(at(2020, 7, 17, 8, 0, 0), tick=False):
        advance_due_rounds.delay()
        advance_due_rounds.delay()
    round.refresh_from_db()
    assert round.phase == Phase.DECLARATION
    assert AuditEvent.objects.filter(action="round.advance").count() == 1
    assert AuditEvent.objects.get(action="round.advance").actor_label == "beat"


def test_whole_round_to_closed(administrator):
    # Two final applications with verified facts (the ranking re-scores them) and a quota of
    # one: the earlier social insurance wins, the other is not admitted.
    from ranking.importing import facts_import
    from tests.publicity.helpers import facts, lines

    round = factories.RoundFactory(year=2020, phase=Phase.RECHECK_RANKING, quota=1)
    report = facts_import(
        round=round,
        lines=lines(
            facts(1, insurance_from="2009-07", name="甲"),
            facts(2, insurance_from="2012-01", name="乙"),
        ),
    )
    assert not report.errors
    with time_machine.travel(at(2020, 10, 15, 0, 0, 1), tick=False):
        # 细则第十条: ranked on leaving 复核及排名; the list waits for the city's approval
        with pytest.raises(InvalidTransition, match="尚未经市政府批准"):
            services.round_advance(round=round, to=Phase.PUBLICITY, actor=administrator)
        factories.ranking_approval_record(round)
        services.round_advance(round=round, to=Phase.PUBLICITY, actor=administrator)
    # Published one second after the scheduled opening: public until one second after too.
    with (
        time_machine.travel(at(2020, 10, 22, 0, 0, 1), tick=False),
        pytest.raises(WindowClosed, match="公示期为 7 天，至 2020年10月22日 00:00:01 结束"),
    ):
        services.round_advance(round=round, to=Phase.CLOSED, actor=administrator, force=True)
    with time_machine.travel(at(2020, 10, 22, 0, 0, 2), tick=False):
        services.round_advance(round=round, to=Phase.CLOSED, actor=administrator)
    admitted = round.applications.get(applicant__name="甲")
    not_admitted = round.applications.get(applicant__name="乙")
    assert (admitted.state, admitted.rank) == (AppState.QUALIFIED, 1)
    assert admitted.qualified_until == dt.date(2022, 10, 22)
    assert not_admitted.state == AppState.NOT_ADMITTED
    assert AnnualRound.objects.get(pk=round.pk).phase == Phase.CLOSED


def test_registry_api():
    phase_jobs.register_phase_job(Phase.RECHECK_RANKING, "x.y.rank", on="exit")
    try:
        assert phase_jobs.phase_jobs(Phase.RECHECK_RANKING, on="exit")[-1] == "x.y.rank"
        phase_jobs.register_phase_job(
            Phase.RECHECK_RANKING, "x.y.before", on="exit", before="x.y.rank"
        )
        assert phase_jobs.phase_jobs(Phase.RECHECK_RANKING, on="exit")[-2:] == [
            "x.y.before",
            "x.y.rank",
        ]
    finally:
        for path in ("x.y.rank", "x.y.before"):
            phase_jobs.PHASE_EXIT_JOBS[Phase.RECHECK_RANKING].remove(path)


def test_a_quota_changed_during_an_advance_survives_it(administrator, monkeypatch):
    # Issue 9: round_advance saved the whole stale row after its phase jobs ran, so a quota
    # set meanwhile came back as the old one while its own audit row said otherwise.
    round = factories.RoundFactory(year=2020, quota=6000, phase=Phase.DECLARATION)

    def widen_meanwhile(*, round_id, job_run_id):
        services.round_set_quota(
            round=AnnualRound.objects.get(pk=round_id), quota=7000, actor=administrator
        )

    monkeypatch.setitem(phase_jobs.PHASE_ENTER_JOBS, Phase.AGGREGATION, ["tests.x.widen"])
    monkeypatch.setattr(
        "workflow.phase_jobs.import_string", lambda path: widen_meanwhile, raising=True
    )
    with time_machine.travel(at(2020, 8, 16, 0, 0, 1), tick=False):
        services.round_advance(round=round, actor=administrator)
    round.refresh_from_db()
    assert (round.phase, round.quota) == (Phase.AGGREGATION, 7000)


def test_a_round_with_undecided_claims_stays_in_aggregation_naming_each_department(
    administrator, reviewer_of
):
    # Issue 9's stalled round: two manual claims left undecided at the end of 部门审核结果汇总.
    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    application = factories.ApplicationFactory(round=round, state=AppState.UNDER_REVIEW)
    education = factories.ClaimFactory(
        application=application, indicator="education", state="pending"
    )
    factories.ClaimFactory(application=application, indicator="housing", state="pending")
    after_the_window = at(2020, 9, 5, 8, 0, 1)
    with (
        time_machine.travel(after_the_window, tick=False),
        pytest.raises(PhaseJobFailed) as refused,
    ):
        services.round_advance(round=round, actor=administrator)
    assert "还有 2 项指标的审核、复查或补件尚未作出结论" in str(refused.value)
    assert "教委 1 项" in str(refused.value)
    assert "住建委 1 项" in str(refused.value)
    round.refresh_from_db()
    assert round.phase == Phase.AGGREGATION
    assert application.claims.filter(state="pending").count() == 2

    # The departments can still act, past the window, because the round has not moved on.
    with time_machine.travel(after_the_window, tick=False):
        for claim in application.claims.all():
            services.claim_reject(
                claim=claim,
                reason="未提供证明材料",
                actor=reviewer_of(claim.department.code),
            )
        services.round_advance(round=round, actor=administrator)
    round.refresh_from_db()
    assert round.phase == Phase.RESULT_QUERY
    education.refresh_from_db()
    assert education.state == "rejected"


def test_round_status_names_who_must_act_before_the_boundary(capsys):
    from django.core.management import call_command

    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    application = factories.ApplicationFactory(round=round, state=AppState.UNDER_REVIEW)
    factories.ClaimFactory(application=application, indicator="education", state="pending")
    call_command("round_status", "--year", "2020")
    out = capsys.readouterr().out
    assert (
        "须在推进到下一阶段前处理的待审核、复查或补件（本阶段 2020年09月04日 23:59:59 截止）" in out
    )
    assert "教委审核人员：1 项" in out


def test_the_admin_round_page_names_who_must_act_before_the_boundary(client, administrator):
    from django.urls import reverse

    administrator.is_superuser = True
    administrator.save()
    round = factories.RoundFactory(year=2020, phase=Phase.AGGREGATION)
    application = factories.ApplicationFactory(round=round, state=AppState.UNDER_REVIEW)
    factories.ClaimFactory(application=application, indicator="housing", state="pending")
    client.force_login(administrator)
    page = client.get(reverse("admin:workflow_annualround_change", args=[round.pk]))
    assert "推进到下一阶段前须处理的事项" in page.content.decode()
    assert "住建委审核人员 1 项" in page.content.decode()


def test_a_forced_advance_moves_the_timetable_so_phase_and_windows_agree(administrator):
    round = factories.RoundFactory(year=2020, phase=Phase.DECLARATION)
    early = at(2020, 8, 10, 9)
    with time_machine.travel(early, tick=False):
        services.round_advance(round=round, actor=administrator, force=True)
    round.refresh_from_db()
    assert round.phase == Phase.AGGREGATION
    assert round.aggregation_opens_at == early
    assert round.declaration_closes_at < early
    assert round.phase_due(early) == round.phase
    assert round.windows_in_order
    moved = AuditEvent.objects.get(action="round.reschedule")
    assert moved.before["declaration_closes_at"].startswith("2020-08-15T12:00")
