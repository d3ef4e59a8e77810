"""manage.py import_facts: all or nothing, bad lines named by line and field, ready to rank."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from ranking.policy import score_facts
from tests import factories
from tests.publicity.helpers import facts, lines
from workflow.facts import application_score
from workflow.models import Applicant, Application, AppState, ClaimState, Employer, IndicatorClaim

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_2020(db):
    return factories.RoundFactory(year=2020, quota=2)


def write(tmp_path, *text):
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def test_import_creates_final_applications_with_verified_facts_scored_as_the_engine_does(
    round_2020, tmp_path
):
    items = [facts(1, insurance_from="2009-07"), facts(2, insurance_from="2011-03")]
    call_command("import_facts", "--year", "2020", str(write(tmp_path, *lines(*items))))
    assert Application.objects.filter(round=round_2020, state=AppState.FINAL).count() == 2
    assert IndicatorClaim.objects.exclude(state=ClaimState.VERIFIED).count() == 0
    assert Employer.objects.count() == 1
    number = items[0]["person"]["id_number"]
    user = Applicant.objects.by_id_number(number).get().user
    assert not user.has_usable_password()
    assert number[6:14] not in user.username  # the user name says nothing about the person
    for item in items:
        app = Application.objects.get(
            applicant__in=Applicant.objects.by_id_number(item["person"]["id_number"])
        )
        assert application_score(app, basis="verified").as_contract() == score_facts(item)


def test_one_bad_line_imports_nothing_and_names_line_and_field(round_2020, tmp_path, capsys):
    good = facts(1)
    bad_district = facts(2)
    bad_district["social_insurance"][0]["district"] = "火星区"
    duplicate = facts(1)
    path = write(
        tmp_path, *lines(good, bad_district), "{not json", *lines(duplicate, facts(3, year=2021))
    )
    with pytest.raises(CommandError, match="4 行有误"):
        call_command("import_facts", "--year", "2020", str(path))
    err = capsys.readouterr().err
    assert "第 2 行：social_insurance[0].district" in err
    assert "第 3 行：JSON" in err
    assert "第 4 行：person.id_number: 与第 1 行重复" in err
    assert "第 5 行：year" in err
    assert Application.objects.count() == 0
    assert Applicant.objects.count() == 0
    # (the city approver who approved the round's quota is the only account)
    assert get_user_model().objects.exclude(username="city-approver").count() == 0


def test_second_import_of_the_same_person_is_refused(round_2020, tmp_path):
    path = write(tmp_path, *lines(facts(1)))
    call_command("import_facts", "--year", "2020", str(path))
    with pytest.raises(CommandError):
        call_command("import_facts", "--year", "2020", str(path))
    assert Application.objects.count() == 1


def test_refused_while_the_declaration_is_open(round_2020, tmp_path, time_machine):
    time_machine.move_to("2020-08-01 12:00:00+08:00")
    with pytest.raises(CommandError, match="截止前不能导入"):
        call_command("import_facts", "--year", "2020", str(write(tmp_path, *lines(facts(1)))))


def test_import_rank_export_reproduces_the_engine_totals_in_the_list_layout(
    round_2020, tmp_path, capsys
):
    # The administrator's check path on a past round: import → rank → export (a draft).
    items = [facts(i, insurance_from=f"20{9 + i % 4:02d}-0{1 + i % 9}") for i in range(1, 9)]
    call_command("import_facts", "--year", "2020", str(write(tmp_path, *lines(*items))))
    call_command("rank_round", "--year", "2020")
    out = tmp_path / "list.csv"
    call_command("export_publicity", "--year", "2020", "--format", "csv", "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    expected = sorted(
        (score_facts(i) for i in items if score_facts(i)["eligible"]),
        key=lambda r: -float(r["total"]),
    )
    cutoff = expected[1]["total"]
    listed = [r for r in expected if float(r["total"]) >= float(cutoff)]
    assert [r["total"] for r in rows] == [r["total"] for r in listed]
    for row, result in zip(rows, listed, strict=True):
        assert {code: row[code] for code in result["indicators"]} == result["indicators"]
    assert rows[0]["number"] == "202000001"
    json.dumps(rows)  # plain strings throughout


def test_undeclared_job_residence_area_imports_without_its_claim_and_scores_zero(
    round_2020, tmp_path
):
    outside = {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}
    declared = facts(1)
    declared["housing"] = [outside]
    undeclared = facts(2)
    undeclared["housing"] = [outside]
    undeclared["job_residence_area_declared"] = False
    call_command(
        "import_facts", "--year", "2020", str(write(tmp_path, *lines(declared, undeclared)))
    )
    for item in (declared, undeclared):
        app = Application.objects.get(
            applicant__in=Applicant.objects.by_id_number(item["person"]["id_number"])
        )
        result = application_score(app, basis="verified").as_contract()
        assert result == score_facts(item)
    apps = {
        a.applicant.id_number: a
        for a in Application.objects.select_related("applicant").filter(round=round_2020)
    }
    undeclared_app = apps[undeclared["person"]["id_number"]]
    assert not undeclared_app.claims.filter(indicator="job_residence_area").exists()
    assert score_facts(declared)["indicators"]["job_residence_area"] == "4.00"
    assert score_facts(undeclared)["indicators"]["job_residence_area"] == "0.00"


def test_lines_no_parser_should_choke_on_are_named_and_nothing_is_imported(
    round_2020, tmp_path, capsys, settings
):
    settings.FACTS_MAX_LINE_BYTES = 1_000_000  # the nesting, not the size, is under test
    deep = "[" * 100_000 + "]" * 100_000
    huge_number = '{"format": 1, "year": ' + "9" * 5000 + "}"
    path = write(tmp_path, *lines(facts(1)), deep, huge_number, *lines(facts(2)))
    with pytest.raises(CommandError, match="2 行有误"):
        call_command("import_facts", "--year", "2020", str(path))
    err = capsys.readouterr().err
    assert "第 2 行：JSON 嵌套层数过深" in err
    assert "第 3 行：JSON 中的数字位数过多" in err
    assert Application.objects.count() == 0


def test_a_name_longer_than_its_column_is_a_line_error(round_2020, tmp_path, capsys):
    long_name = facts(2, name="王" * 61)
    with pytest.raises(CommandError, match="1 行有误"):
        call_command(
            "import_facts", "--year", "2020", str(write(tmp_path, *lines(facts(1), long_name)))
        )
    assert "第 2 行：person.name: 不能超过 60 个字符" in capsys.readouterr().err
    assert Application.objects.count() == 0


def test_a_file_over_the_line_limit_is_refused(round_2020, tmp_path, capsys, settings):
    settings.FACTS_IMPORT_MAX_LINES = 2
    path = write(tmp_path, *lines(facts(1), facts(2), facts(3)))
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_facts", "--year", "2020", str(path))
    assert "第 3 行：文件超过 2 行的上限" in capsys.readouterr().err
    assert Application.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(round_2020, tmp_path, settings):
    settings.FACTS_IMPORT_MAX_BYTES = 1024
    path = write(tmp_path, *lines(facts(1), facts(2), facts(3)))
    with pytest.raises(CommandError, match="文件超过 1.0\xa0KB 的上限"):
        call_command("import_facts", "--year", "2020", str(path))


def test_standard_input_over_the_size_limit_is_refused_as_it_is_read(
    round_2020, settings, monkeypatch
):
    settings.FACTS_IMPORT_MAX_BYTES = 1024
    text = "\n".join(lines(facts(1), facts(2), facts(3))) + "\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))
    with pytest.raises(CommandError, match="文件超过"):
        call_command("import_facts", "--year", "2020", "-")
    assert Application.objects.count() == 0
