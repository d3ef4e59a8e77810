"""The administrators' commands."""

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.workflow.conftest import at
from workflow.models import AnnualRound, Application, AppState, Phase

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_round_defaults_to_the_years_policy_and_refuses_unknown_ones():
    # facts-format-1: beijing-2020 from 2020 on, the trial rules (beijing-2018) before.
    assert "beijing-2018" in run("create_round", "--year", "2019", "--quota", "6000")
    assert "beijing-2020" in run("create_round", "--year", "2021", "--quota", "6000")
    assert AnnualRound.objects.get(year=2019).policy_id == "beijing-2018"
    with pytest.raises(CommandError, match="未知的政策版本"):
        run("create_round", "--year", "2022", "--quota", "6000", "--policy", "shanghai-2020")


def test_create_advance_and_status():
    output = run("create_round", "--year", "2020", "--quota", "6000")
    assert "已创建2020年度积分落户" in output
    assert "2020年08月15日 20:00" in output
    with pytest.raises(CommandError, match="已存在"):
        run("create_round", "--year", "2020", "--quota", "6000")

    with (
        time_machine.travel(at(2020, 7, 1), tick=False),
        pytest.raises(CommandError, match="--force"),
    ):
        run("advance_round", "--year", "2020")
    with time_machine.travel(at(2020, 9, 5, 8), tick=False):
        output = run("advance_round", "--year", "2020", "--to", "result_query")
    assert "申报阶段 → 部门审核结果汇总阶段" in output
    assert "workflow.phase_jobs.begin_review" in output
    assert AnnualRound.objects.get(year=2020).phase == Phase.RESULT_QUERY

    status = run("round_status", "--year", "2020")
    assert "当前阶段：审核结果查询阶段" in status
    assert "phase:2020:aggregation:enter:workflow.phase_jobs.begin_review：成功" in status


def test_load_demo_is_idempotent():
    with time_machine.travel(at(2026, 5, 10, 9), tick=False):
        first = run("load_demo", "--past-applicants", "200")
        run("load_demo", "--past-applicants", "200")
    assert "http://127.0.0.1:8000/" in first
    assert "reviewer_police" in first
    round = AnnualRound.objects.get(year=2026)
    assert round.phase == Phase.DECLARATION
    assert Application.objects.filter(round=round).count() == 5
    assert Application.objects.filter(state=AppState.SUBMITTED).count() == 2
