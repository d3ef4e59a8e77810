"""The ranking service and `manage.py rank_round`: exact results, idempotence, atomicity, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ranking import services
from ranking.importing import facts_import
from ranking.models import RankingRun, RankingStatus
from tests import factories
from tests.publicity.helpers import facts, lines, total_of
from workflow.exceptions import InvalidTransition, NotPermitted, WindowClosed
from workflow.models import AppState, AuditEvent, ClaimState, IndicatorClaim
from workflow.services import round_set_quota

pytestmark = pytest.mark.django_db

# name -> insurance start: totals 71.75, 71.46, 63.00 ×3, 60.87, and one ineligible (under 7 years)
PEOPLE = [
    ("甲", "2009-07"),
    ("乙", "2009-08"),
    ("丙", "2012-01"),
    ("丁", "2012-01"),
    ("戊", "2012-01"),
    ("己", "2012-06"),
    ("庚", "2014-01"),
]


@pytest.fixture
def round_2020(db):
    round = factories.RoundFactory(year=2020, quota=3)
    items = [facts(i, insurance_from=start, name=name) for i, (name, start) in enumerate(PEOPLE, 1)]
    report = facts_import(round=round, lines=lines(*items))
    assert not report.errors
    return round


def standings(round):
    return {
        a.applicant.name: (a.state, a.total_points, a.rank, a.admitted)
        for a in round.applications.select_related("applicant")
    }


def test_ties_at_the_cutoff_are_all_admitted_and_ineligible_never_ranked(round_2020, administrator):
    run = services.round_rank(round=round_2020, actor=administrator)
    r, ok = AppState.RANKED, True
    assert standings(round_2020) == {
        "甲": (r, Decimal("71.75"), 1, ok),
        "乙": (r, Decimal("71.46"), 2, ok),
        "丙": (r, Decimal("63.00"), 3, ok),
        "丁": (r, Decimal("63.00"), 3, ok),
        "戊": (r, Decimal("63.00"), 3, ok),
        "己": (r, Decimal(total_of(facts(6, insurance_from="2012-06"))), 6, False),
        "庚": (AppState.INELIGIBLE, Decimal("56.00"), None, None),
    }
    assert (run.cutoff, run.quota, run.admitted_count, run.ties_at_cutoff) == (
        Decimal("63.00"),
        3,
        5,
        3,
    )
    assert (run.eligible_count, run.ineligible_count, run.is_current) == (6, 1, True)
    assert run.actor == administrator
    # every move is audited, with who and what changed
    moves = AuditEvent.objects.filter(action="application.rank_applied")
    assert moves.count() == 6
    assert moves.filter(actor=administrator, from_state="final", to_state="ranked").count() == 6
    assert (
        AuditEvent.objects.filter(
            action="application.mark_ineligible", to_state="ineligible"
        ).count()
        == 1
    )
    explanation = round_2020.applications.get(applicant__name="甲").score_explanation
    assert explanation["indicators"]["employment"] == "31.50"
    assert explanation["total"] == "71.75"


def test_quota_larger_than_eligible_admits_everyone(round_2020, administrator):
    approve_quota(round_2020, 100)
    run = services.round_rank(round=round_2020, actor=administrator)
    assert run.admitted_count == 6
    assert run.cutoff == min(v[1] for v in standings(round_2020).values() if v[2])


def test_rerun_is_idempotent_and_moves_the_current_pointer(round_2020, administrator):
    first = services.round_rank(round=round_2020, actor=administrator)
    before = standings(round_2020)
    audits = AuditEvent.objects.count()
    second = services.round_rank(round=round_2020, actor=administrator)
    assert standings(round_2020) == before
    assert second.changed_count == 0
    assert AuditEvent.objects.count() == audits + 1  # only the run's own row
    first.refresh_from_db()
    assert not first.is_current
    assert second.is_current


def test_crash_mid_run_keeps_the_previous_result(round_2020, administrator, monkeypatch):
    services.round_rank(round=round_2020, actor=administrator)
    before = standings(round_2020)
    current = RankingRun.objects.get(is_current=True)

    def crash(run):
        raise RuntimeError("worker lost")

    # the crash comes after every application row of the new run was written
    monkeypatch.setattr(services, "_record_run", crash)
    approve_quota(round_2020, 1)
    with pytest.raises(RuntimeError):
        services.round_rank(round=round_2020, actor=administrator)
    assert standings(round_2020) == before
    assert RankingRun.objects.get(is_current=True) == current


def test_widening_the_quota_before_publication_reranks_in_one_call(round_2020, administrator):
    services.round_rank(round=round_2020, actor=administrator)
    approve_quota(round_2020, 6)
    run = services.round_rank(round=round_2020, actor=administrator)
    round_2020.refresh_from_db()
    assert round_2020.quota == 6
    assert standings(round_2020)["己"][3] is True
    assert run.changed_count == 1
    assert AuditEvent.objects.filter(action="round.approve_quota", after__quota=6).exists()


def test_quota_change_refused_after_publication(round_2020, administrator):
    services.round_rank(round=round_2020, actor=administrator)
    round_2020.applications.filter(state=AppState.RANKED, admitted=True).update(
        state=AppState.PUBLICIZED
    )
    with pytest.raises(WindowClosed, match="已公示"):
        round_set_quota(round=round_2020, quota=10, actor=administrator)
    with pytest.raises(WindowClosed, match="不能重新排名"):
        services.round_rank(round=round_2020, actor=administrator)
    round_2020.refresh_from_db()
    assert round_2020.quota == 3


def test_refused_while_an_appeal_is_undecided_naming_it(round_2020, administrator):
    claim = IndicatorClaim.objects.get(application__applicant__name="乙", indicator="housing")
    IndicatorClaim.objects.filter(pk=claim.pk).update(state=ClaimState.APPEALED)
    with pytest.raises(InvalidTransition, match=r"乙（申请 #\d+）：合法稳定住所"):
        services.round_rank(round=round_2020, actor=administrator)
    assert not round_2020.applications.filter(state=AppState.RANKED).exists()


def test_refused_before_the_declaration_closes(round_2020, administrator):
    during = dt.datetime(2020, 8, 1, 12, tzinfo=dt.UTC)
    with pytest.raises(WindowClosed, match="申报阶段"):
        services.round_rank(round=round_2020, actor=administrator, now=during)


def test_refused_for_a_non_administrator(round_2020, applicant, unit_admin):
    for user in (applicant.user, unit_admin):
        with pytest.raises(NotPermitted):
            services.round_rank(round=round_2020, actor=user)
        with pytest.raises(NotPermitted):
            round_set_quota(round=round_2020, quota=9, actor=user)


def test_rank_round_command_with_quota(round_2020, capsys):
    with pytest.raises(CommandError, match="须经市政府批准"):
        call_command("rank_round", "--year", "2020", "--quota", "6")
    factories.city_approver()
    call_command(
        "rank_round",
        "--year",
        "2020",
        "--quota",
        "6",
        "--approved-by",
        "city-approver",
        "--document-number",
        "京政函〔2020〕6号",
    )
    out = capsys.readouterr().out
    assert "落户分数线" in out
    assert "进入落户名单 6 人" in out
    assert AuditEvent.objects.filter(
        action="round.approve_quota", after__document_number="京政函〔2020〕6号"
    ).exists()


def test_ranking_refused_without_an_approved_quota_naming_what_is_missing(administrator):
    round = factories.RoundFactory(year=2021, quota=3, quota_approved=False)
    with pytest.raises(InvalidTransition, match="2021年度落户规模 3 人尚未经市政府批准.*批准文号"):
        services.round_rank(round=round, actor=administrator)


def test_rank_round_command_reports_a_refusal_and_records_it(round_2020):
    IndicatorClaim.objects.filter(application__applicant__name="甲", indicator="tax").update(
        state=ClaimState.APPEALED
    )
    with pytest.raises(CommandError, match="申诉尚未作出结论"):
        call_command("rank_round", "--year", "2020")
    assert RankingRun.objects.filter(status=RankingStatus.FAILED).count() == 1
    assert not RankingRun.objects.filter(is_current=True).exists()


def test_rerun_touches_no_unchanged_application_and_a_wider_quota_only_the_flipped_one(
    round_2020, administrator
):
    services.round_rank(round=round_2020, actor=administrator)
    stamps = dict(round_2020.applications.values_list("pk", "updated_at"))
    later = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    services.round_rank(round=round_2020, actor=administrator, now=later)
    assert dict(round_2020.applications.values_list("pk", "updated_at")) == stamps

    approve_quota(round_2020, 6)
    run = services.round_rank(round=round_2020, actor=administrator, now=later)
    touched = round_2020.applications.filter(updated_at=later)
    assert [a.applicant.name for a in touched] == ["己"]
    event = AuditEvent.objects.get(action="application.rerank")
    assert (event.before["admitted"], event.after["admitted"], event.after["total_points"]) == (
        False,
        True,
        str(standings(round_2020)["己"][1]),
    )
    assert run.changed_count == 1


def test_an_application_changed_during_the_run_rolls_the_whole_ranking_back(
    round_2020, administrator
):
    services.round_rank(round=round_2020, actor=administrator)
    before = standings(round_2020)
    computed = services._compute(round_2020)  # the run reads the round, then someone moves 甲
    computed.rows = {
        pk: (*row[:3], not row[3], row[4]) for pk, row in computed.rows.items() if row[2]
    }
    round_2020.applications.filter(applicant__name="甲").update(admitted=False)
    with pytest.raises(InvalidTransition, match="被其他操作修改"):
        services.ranking_commit(
            round=round_2020,
            computed=computed,
            actor=administrator,
            label="x",
            now=dt.datetime.now(dt.UTC),
        )
    after = standings(round_2020)
    assert after["甲"][3] is False  # the other change stays, nothing of the run was written
    assert {k: v for k, v in after.items() if k != "甲"} == {
        k: v for k, v in before.items() if k != "甲"
    }


def approve_quota(round, quota):
    # 细则第十条: widening the quota goes through the city's approval, like the first quota.
    from workflow.services import quota_approve

    quota_approve(
        round=round,
        quota=quota,
        document_number=f"京政函〔测试〕{quota}号",
        actor=factories.city_approver(),
    )
