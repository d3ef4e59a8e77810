"""manage.py ranking_results: a ranked round's results dumped per identity number, and every
difference from an earlier dump named (the check that a speed-up keeps results, issue 13)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from ranking import services
from ranking.importing import facts_import
from tests import factories
from tests.publicity.helpers import facts, lines, total_of

pytestmark = pytest.mark.django_db

INSURANCE_FROM = ("2009-07", "2010-03", "2011-05")


@pytest.fixture
def items():
    return [facts(i, insurance_from=start) for i, start in enumerate(INSURANCE_FROM, 1)]


@pytest.fixture
def ranked(db, items):
    round = factories.RoundFactory(year=2020, quota=2)
    assert not facts_import(round=round, lines=lines(*items)).errors
    services.round_rank(round=round)
    return round


def dump(tmp_path, name="before.jsonl"):
    path = tmp_path / name
    call_command("ranking_results", "--year", "2020", "--out", str(path))
    return path, [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def rewrite(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_dump_holds_each_applications_result_and_the_summary_names_the_cutoff(
    ranked, items, tmp_path, capsys
):
    _, rows = dump(tmp_path)
    assert [row["id_number"] for row in rows] == sorted(i["person"]["id_number"] for i in items)
    by_number = {row["id_number"]: row for row in rows}
    first = by_number[items[0]["person"]["id_number"]]  # earliest insurance: the highest total
    assert (first["state"], first["rank"], first["admitted"]) == ("ranked", 1, True)
    assert first["total"] == total_of(items[0])
    assert set(first["indicators"]) >= {"employment", "age", "education"}
    cutoff = total_of(items[1])  # quota 2: the second total is the lowest admitted
    assert f"进入名单 2 人，落户分数线 {cutoff} 分" in capsys.readouterr().out


def test_the_same_results_compare_with_no_difference(ranked, tmp_path, capsys):
    path, _ = dump(tmp_path)
    call_command("ranking_results", "--year", "2020", "--compare", str(path))
    assert "差异 0 处" in capsys.readouterr().out


def test_a_changed_indicator_and_a_missing_applicant_are_named_and_counted_by_field(
    ranked, tmp_path, capsys
):
    path, rows = dump(tmp_path)
    rows[0]["indicators"]["employment"] = "0.00"
    rows[0]["total"] = "1.00"
    missing = rows.pop()["id_number"]
    rewrite(path, rows)
    with pytest.raises(CommandError) as refused:
        call_command("ranking_results", "--year", "2020", "--compare", str(path))
    out = capsys.readouterr().out
    assert f"{rows[0]['id_number']} indicators：" in out
    assert f"{rows[0]['id_number']} total：'1.00' →" in out
    assert f"{missing}：只在本次的结果中" in out
    message = str(refused.value)
    assert "差异 3 处" in message
    assert "total 1 处" in message
    assert "indicators 1 处" in message
    assert "只在一方 1 处" in message


def test_an_unknown_year_is_refused_naming_the_field(db):
    with pytest.raises(CommandError, match="--year：2031年度轮次不存在"):
        call_command("ranking_results", "--year", "2031")
