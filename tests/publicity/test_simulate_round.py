"""manage.py simulate_round: a small round from creation to the first settlement.

Transactional: the services hand work to tasks on commit (verification on submit, the
aggregation's verification run), as they do in production; a test transaction that never
commits would hold it back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from publicity.models import CreditRecord, Publication
from publicity.simulation import default_quota
from publicity.simulation.clock import simulation_windows
from publicity.simulation.script import applicant_scripts
from ranking.population import generate_population
from tests.workflow.conftest import at
from workflow.models import AnnualRound, Application, AppState, AuditEvent, Phase

pytestmark = pytest.mark.django_db(transaction=True)
# Seed 59's hundred people include every scripted path but an upheld appeal: a unit refusal
# (one cleared up, one not), an unsubmitted and a withdrawn application, misstated housing and
# education, a degree missing from the 教委's data, a recheck, appeals.
APPLICANTS = 100
SEED = 59
YEAR = 2033
PHASES = [phase for phase in Phase.values]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    # The scripted applicants upload their 补件 scans.
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def simulate(*args: str, applicants: int = APPLICANTS, seed: int = SEED) -> dict:
    out, err = StringIO(), StringIO()
    call_command(
        "simulate_round",
        "--year",
        str(YEAR),
        "--applicants",
        str(applicants),
        "--seed",
        str(seed),
        *args,
        stdout=out,
        stderr=err,
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines  # progress goes to stderr; stdout is one JSON line
    assert "申报阶段" in err.getvalue()
    return json.loads(lines[0])


def exported(tmp_path, year: int = YEAR) -> list[dict[str, str]]:
    path = tmp_path / f"publicity-{year}.csv"
    call_command(
        "export_publicity",
        "--year",
        str(year),
        "--format",
        "csv",
        "--out",
        str(path),
        stderr=StringIO(),
    )
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_a_small_round_closes_with_nothing_left_open(tmp_path):
    summary_file = tmp_path / "summary.json"
    summary = simulate("--summary", str(summary_file))

    assert json.loads(summary_file.read_text(encoding="utf-8")) == summary
    assert summary["year"] == YEAR
    assert summary["phase"] == Phase.CLOSED
    assert summary["claims_open"] == 0
    assert summary["appeals_open"] == 0
    assert summary["objections_open"] == 0
    assert sum(summary["applications"].values()) == APPLICANTS
    assert summary["quota"] == default_quota(APPLICANTS) == 5
    # 同分同落: everyone tied with the last place inside the quota is admitted too.
    assert summary["admitted"] >= summary["quota"]
    assert list(summary["seconds"]) == PHASES
    # Issue 13: each phase's peak memory of the driver (MB); no worker here, eager tasks ran
    # in the driver.
    assert list(summary["peak_mb"]) == PHASES
    for peaks in summary["peak_mb"].values():
        assert 10 < peaks["driver"] < 1024
        assert peaks["worker"] is None
    actions = set(AuditEvent.objects.filter(round_year=YEAR).values_list("action", flat=True))
    assert {
        "application.reject_affiliation",
        "application.withdraw",
        "claim.flag_manual_review",
        "claim.request_recheck",
        "claim.decide_recheck",
        "claim.appeal",
        "claim.reject_appeal",
        "objection.uphold",
        "objection.dismiss",
        "application.cancel",
        "application.settle",
        # 落户办理 through the chain (细则第十一条、第十二条), one return included
        "settlement.submit",
        "settlement.return_materials",
        "settlement.accept",
        "settlement.approve",
        "settlement.issue_letter",
        "settlement.settle",
        # 细则第七条: 补件 asked and answered, one 原件查验 booked and attended.
        "claim.request_supplement",
        "claim.answer_supplement",
        "claim.supplement_overdue",
        "originals.invite",
        "originals.book",
        "originals.mark_attended",
        "claim.originals_checked",
    } <= actions
    assert summary["supplements"]["requested"] >= 2
    assert summary["supplements"]["answered"] >= 1
    assert summary["supplements"]["overdue"] >= 1
    assert (
        summary["supplements"]["answered"] + summary["supplements"]["overdue"]
        == summary["supplements"]["requested"]
    )
    assert summary["originals_attended"] == 1
    assert summary["audit_events"] == AuditEvent.objects.filter(round_year=YEAR).count()

    round = AnnualRound.objects.get(year=YEAR)
    publication = Publication.objects.get(round=round)
    listed = set(publication.entries.values_list("application_id", flat=True))
    admitted = set(
        Application.objects.filter(round=round, admitted=True).values_list("pk", flat=True)
    )
    assert listed == admitted
    assert len(listed) == summary["admitted"]
    assert str(publication.cutoff) == summary["cutoff"]
    # The scripted actors: one objection upheld (that admission cancelled, nobody moves
    # up), one dismissed; everyone else listed qualifies; one settles, one renounces, one is
    # found to have cheated (qualification cancelled, barred, sent to the credit platform).
    assert summary["applications"]["cancelled"] == 2
    assert summary["renounced"] == summary["applications"]["renounced"] == 1
    assert summary["cancelled_for_fraud"] == 1
    cancelled = publication.entries.get(cancelled_at__isnull=False)
    assert cancelled.application.state == AppState.CANCELLED
    fraud = CreditRecord.objects.get(round=round)
    assert fraud.application.state == AppState.CANCELLED
    assert fraud.applicant.barred_until == dt.date(YEAR + 5, 12, 31)
    assert fraud.export is not None
    # The list as export_publicity gives it (on the real clock): exactly the admitted, as
    # published; the upheld objection cancelled one admission without changing the list.
    rows = exported(tmp_path)
    assert [row["number"] for row in rows] == list(
        publication.entries.order_by("position").values_list("number", flat=True)
    )
    assert len(rows) == summary["admitted"]
    assert summary["qualified"] == summary["admitted"] - 3
    assert summary["settled"] == summary["applications"]["settled"] == 1
    assert Application.objects.filter(pk__in=listed, state=AppState.NOT_ADMITTED).count() == 0
    assert not Application.objects.filter(round=round, state=AppState.FINAL).exists()


def test_the_same_seed_gives_the_same_round(tmp_path):
    first = simulate("--quota", "6")
    first_list = exported(tmp_path)
    call_command("flush", "--no-input", verbosity=0)
    second = simulate("--quota", "6")

    assert first.pop("seconds")
    assert second.pop("seconds")
    assert first.pop("peak_mb")
    assert second.pop("peak_mb")
    assert first == second
    assert first["quota"] == 6
    assert first["admitted"] >= 6
    assert exported(tmp_path) == first_list


def test_a_year_that_already_has_a_round_is_refused():
    from workflow.services import round_create

    round_create(year=YEAR, quota=10)
    with pytest.raises(CommandError, match="已存在"):
        simulate()


def test_fewer_than_two_applicants_are_refused():
    with pytest.raises(CommandError, match="至少为 2"):
        simulate(applicants=1)
    assert not AnnualRound.objects.exists()


def test_the_timetable_lies_in_the_past_so_the_real_clock_agrees_afterwards():
    now = at(2026, 11, 30, 9)
    windows = simulation_windows(2033, now=now)
    assert windows["declaration_opens_at"] == at(2026, 7, 17, 8)
    assert windows["publicity_closes_at"] < now
    # A year whose own timetable is over keeps it.
    assert simulation_windows(2020, now=now)["declaration_opens_at"] == at(2020, 7, 17, 8)
    # Before this year's publicity has ended: last year's timetable.
    assert simulation_windows(2033, now=at(2026, 10, 21))["declaration_opens_at"] == at(
        2025, 7, 17, 8
    )


def test_scripts_depend_on_the_seed_only():
    population = list(generate_population(year=YEAR, count=300, seed=3))
    one = applicant_scripts(population, seed=3)
    two = applicant_scripts(population, seed=3)
    other = applicant_scripts(population, seed=4)
    assert [(s.declared, s.misstated, s.unit_rejects) for s in one] == [
        (s.declared, s.misstated, s.unit_rejects) for s in two
    ]
    assert [s.misstated for s in one] != [s.misstated for s in other]
    # Honest declarations are the rule.
    assert sum(1 for s in one if s.misstated) < len(one) * 0.15
