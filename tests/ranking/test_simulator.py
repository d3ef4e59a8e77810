"""The public 积分模拟计算器 (/simulator/): no login, facts in a form, points and the
education-vs-employment comparison out, errors next to the row and field they are about."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ranking.policy import score_facts
from ranking.policy.identity import make_id_number

URL = reverse("ranking:simulator")
PREFIXES = ("si", "housing", "edu", "award", "violation", "detention")

EXAMPLE_MAIN = {
    "year": "2020",
    "policy": "",
    "birth_date": "1985-07-12",
    "gender": "M",
    "female_job": "",
    "residence_permit_issued_on": "2016-03-01",
    "job_residence_area_declared": True,
    "tax_y3": "0",
    "tax_y2": "1200.00",
    "tax_y1": "3000.00",
}
EXAMPLE_SI = {"start": "2009-07", "end": "", "district": "朝阳区"}
EXAMPLE_HOUSING = {"start": "2015-05", "end": "", "kind": "own", "district": "通州区"}
EXAMPLE_EDU = {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
BLANK_SI = {"start": "", "end": "", "district": "", "back_paid": False}


def post_data(main: dict[str, Any] | None = None, **rows: list[dict[str, Any]]) -> dict[str, str]:
    """What the browser posts: the applicant form and every formset's management form."""
    data = dict(EXAMPLE_MAIN if main is None else main)
    for prefix in PREFIXES:
        prefix_rows = rows.get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = str(len(prefix_rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "60"
        for index, row in enumerate(prefix_rows):
            for key, value in row.items():
                if value is True:
                    data[f"{prefix}-{index}-{key}"] = "on"
                elif value not in (False, None):
                    data[f"{prefix}-{index}-{key}"] = str(value)
    return {key: value for key, value in data.items() if value is not None}


def example_post(**overrides: list[dict[str, Any]]) -> dict[str, str]:
    rows = {"si": [EXAMPLE_SI, BLANK_SI], "housing": [EXAMPLE_HOUSING], "edu": [EXAMPLE_EDU]}
    rows.update(overrides)
    return post_data(**rows)


def shown_total(html: str) -> str | None:
    match = re.search(r'data-testid="total">([^<]+)<', html)
    return match.group(1) if match else None


def field_block(html: str, name: str) -> str:
    """The markup of one field's container (label, input, its errors)."""
    start = html.index(f'data-field="{name}"')
    end = html.find("data-field=", start + 20)
    return html[start : end if end != -1 else None]


def facts_for(
    *, birth: dt.date, si: list[dict], housing: list[dict], education: list[dict], year: int = 2020
) -> dict[str, Any]:
    return {
        "format": 1,
        "year": year,
        "person": {
            "id_number": make_id_number("110105", birth, 1, "M"),
            "name": "测试",
            "gender": "M",
            "birth_date": birth.isoformat(),
            "female_job": None,
        },
        "residence_permit": {"issued_on": "2016-03-01"},
        "criminal_record": False,
        "social_insurance": si,
        "housing": housing,
        "education": education,
        "tax": {"income_tax": {"2017": "0", "2018": "0", "2019": "0"}, "violations": []},
    }


def comparison_totals(html: str) -> list[str]:
    table = html[html.index('data-testid="comparison"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<td class=\"num\" data-total>([^<]+)</td>", table)


@pytest.mark.django_db
def test_page_opens_without_login_with_the_example_applicant(client: Client) -> None:
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "积分模拟计算器" in html
    assert "csrfmiddlewaretoken" in html
    # The contract's example applicant is filled in, plus empty rows for more periods.
    assert 'value="2009-07"' in html
    assert 'value="1985-07-12"' in html
    assert 'name="si-TOTAL_FORMS" value="3"' in html
    assert "添加一行" in html
    assert shown_total(html) is None


@pytest.mark.django_db
def test_contract_example_scores_78_09_with_each_indicator_explained(client: Client) -> None:
    html = client.post(URL, example_post()).content.decode()
    assert shown_total(html) == "78.09"
    assert "符合申报条件" in html
    assert "社保正常缴纳 126 个月" in html  # the rule text, with the facts it used
    assert "细则第十五条（一）" in html  # and the article
    assert re.search(
        r'data-indicator="housing"><td>合法稳定住所</td><td class="num">7.59</td>', html
    )
    assert re.search(
        r'data-indicator="job_residence_area"><td>职住区域</td><td class="num">4.00</td>', html
    )
    assert 'class="sim-chart"' in html


@pytest.mark.django_db
def test_to_before_from_shows_the_message_next_to_that_rows_end_month(client: Client) -> None:
    rows = [
        {**EXAMPLE_SI, "DELETE": True},  # a deleted row does not shift the numbering
        EXAMPLE_SI,
        {"start": "2015-03", "end": "2014-01", "district": "海淀区"},
    ]
    html = client.post(URL, example_post(si=rows)).content.decode()
    assert shown_total(html) is None
    assert "结束月份早于开始月份" in field_block(html, "si-2-end")
    assert "结束月份早于开始月份" not in field_block(html, "si-1-end")
    assert "社会保险缴纳记录第 2 行 · 结束月份：结束月份早于开始月份" in html
    # What was typed is kept for correcting.
    assert 'value="2014-01"' in html


@pytest.mark.django_db
def test_bad_month_and_missing_district_are_reported_in_chinese_on_the_row(client: Client) -> None:
    rows = [EXAMPLE_SI, {"start": "2015-13", "end": "", "district": ""}]
    html = client.post(URL, example_post(si=rows)).content.decode()
    assert "请按 YYYY-MM 格式填写月份" in field_block(html, "si-1-start")
    assert "这个字段是必填项" in field_block(html, "si-1-district")
    assert shown_total(html) is None


@pytest.mark.django_db
def test_woman_without_job_category_is_asked_for_it(client: Client) -> None:
    main = {**EXAMPLE_MAIN, "gender": "F"}
    html = client.post(URL, post_data(main, si=[EXAMPLE_SI])).content.decode()
    assert "女性申请人请选择工人或干部" in field_block(html, "female_job")
    main["female_job"] = "worker"
    html = client.post(URL, post_data(main, si=[EXAMPLE_SI])).content.decode()
    assert shown_total(html) is not None


@pytest.mark.django_db
def test_deleted_row_is_left_out_of_the_score(client: Client) -> None:
    extra_home = {"start": "2010-01", "end": "2015-04", "kind": "own", "district": "东城区"}
    kept = client.post(URL, example_post(housing=[EXAMPLE_HOUSING, extra_home])).content.decode()
    deleted = client.post(
        URL, example_post(housing=[EXAMPLE_HOUSING, {**extra_home, "DELETE": True}])
    ).content.decode()
    assert shown_total(deleted) == "78.09"
    assert shown_total(kept) != "78.09"


@pytest.mark.django_db
def test_comparison_totals_match_the_engine_with_and_without_each_item(client: Client) -> None:
    # Working since 2010 and a master's completed on the job in 2016 (its window deducts
    # three years of work and implicit rental); a bachelor's before work deducts nothing.
    si = [{"from": "2010-01", "to": None, "district": "海淀区", "back_paid": False}]
    bachelor = {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
    master = {"level": "master", "diploma": True, "degree": True, "graduated_on": "2016-06-30"}
    birth = dt.date(1987, 3, 4)
    data = post_data(
        {**EXAMPLE_MAIN, "birth_date": birth.isoformat(), "tax_y2": "0", "tax_y1": "0"},
        si=[{"start": "2010-01", "end": "", "district": "海淀区"}],
        edu=[{**bachelor}, {**master}],
    )
    html = client.post(URL, data).content.decode()

    def total(education: list[dict]) -> str:
        return score_facts(facts_for(birth=birth, si=si, housing=[], education=education))["total"]

    expected = [total([]), total([bachelor]), total([master])]
    assert comparison_totals(html) == expected
    assert expected[2] > expected[1] > expected[0]  # the master's is worth it despite the deduction
    assert "建议申报第 2 项（硕士研究生学历和学位（2016-06-30 毕业））" in html
    assert shown_total(html) == expected[2]  # both declared: the better item is scored


@pytest.mark.django_db
def test_comparison_advises_not_declaring_when_the_deduction_outweighs_it(client: Client) -> None:
    # A 专科 diploma earned while working and living in one's own home: 10.5 points, minus
    # three years of work (9.00) and own housing (3.00).
    si = [{"from": "2008-01", "to": None, "district": "通州区", "back_paid": False}]
    housing = [{"from": "2008-01", "to": None, "kind": "own", "district": "通州区"}]
    college = {
        "level": "junior_college",
        "diploma": True,
        "degree": False,
        "graduated_on": "2015-06-30",
    }
    birth = dt.date(1985, 7, 12)
    data = post_data(
        {**EXAMPLE_MAIN, "tax_y2": "0", "tax_y1": "0"},
        si=[{"start": "2008-01", "end": "", "district": "通州区"}],
        housing=[{"start": "2008-01", "end": "", "kind": "own", "district": "通州区"}],
        edu=[college],
    )
    html = client.post(URL, data).content.decode()
    without = score_facts(facts_for(birth=birth, si=si, housing=housing, education=[]))["total"]
    with_item = score_facts(facts_for(birth=birth, si=si, housing=housing, education=[college]))[
        "total"
    ]
    assert comparison_totals(html) == [without, with_item]
    assert float(with_item) < float(without)
    assert "建议不申报教育背景" in html


@pytest.mark.django_db
def test_award_row_scores_innovation(client: Client) -> None:
    award = {"award": "beijing_sci_tech:first", "rank": "3", "year": "2018"}
    html = client.post(URL, example_post(award=[award])).content.decode()
    assert re.search(
        r'data-indicator="innovation"><td>创新创业</td><td class="num">6.00</td>', html
    )
    assert shown_total(html) == "84.09"


@pytest.mark.django_db
def test_post_needs_csrf_token_and_writes_nothing() -> None:
    assert Client(enforce_csrf_checks=True).post(URL, example_post()).status_code == 403
    with CaptureQueriesContext(connection) as queries:
        assert Client().post(URL, example_post()).status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


@pytest.mark.django_db
def test_job_residence_area_counts_only_when_the_box_is_ticked(client: Client) -> None:
    with_it = client.post(URL, example_post()).content.decode()
    unticked = example_post()
    del unticked["job_residence_area_declared"]
    without_it = client.post(URL, unticked).content.decode()
    assert shown_total(with_it) == "78.09"
    assert shown_total(without_it) == "74.09"
    assert "未申报职住区域指标" in without_it
    assert "取得落户资格后须在该城六区以外的自有住所落户" in without_it


# --- the estimate against the published cutoffs --------------------------------------------


def ranked_year(year: int, cutoff: str, *, published: bool) -> None:
    """A round whose current ranking has `cutoff`; published: its list is out (an application
    is on it), otherwise ranked but not yet public."""
    from ranking.models import RankingRun, RankingStatus
    from tests import factories
    from workflow.models import AppState

    round = factories.RoundFactory(year=year, quota=6000)
    RankingRun.objects.create(
        round=round,
        status=RankingStatus.SUCCEEDED,
        is_current=True,
        quota=6000,
        cutoff=cutoff,
        started_at=dt.datetime(year, 10, 1, tzinfo=dt.UTC),
        actor_label="system",
    )
    factories.ApplicationFactory(
        round=round, state=AppState.PUBLICIZED if published else AppState.RANKED
    )


def cutoff_block(html: str) -> str:
    start = html.index('data-testid="cutoffs"')
    return re.sub(r"<[^>]+>", "", html[start : html.index("</div>", start)])


@pytest.mark.django_db
def test_result_compares_the_estimate_with_the_last_three_published_cutoffs(client: Client) -> None:
    ranked_year(2018, "80.00", published=True)  # fourth-latest: left out
    ranked_year(2019, "90.00", published=True)
    ranked_year(2020, "78.09", published=True)
    ranked_year(2021, "70.00", published=True)
    ranked_year(2022, "60.00", published=False)  # ranked, not published: not a cutoff yet
    html = client.post(URL, example_post()).content.decode()
    assert shown_total(html) == "78.09"
    text = " ".join(cutoff_block(html).split())
    assert "您的估算 78.09 分；2021 年落户分数线 70.00 分（高 8.09 分）" in text
    assert "2020 年落户分数线 78.09 分（与分数线持平）" in text
    assert "2019 年落户分数线 90.00 分（低 11.91 分）" in text
    assert "2022" not in text
    assert "2018" not in text


@pytest.mark.django_db
def test_without_a_published_year_the_result_has_no_cutoff_line(client: Client) -> None:
    ranked_year(2022, "60.00", published=False)
    html = client.post(URL, example_post()).content.decode()
    assert shown_total(html) == "78.09"
    assert 'data-testid="cutoffs"' not in html
    assert "落户分数线" not in html


@pytest.mark.django_db
def test_a_posted_row_count_past_the_limit_builds_no_more_rows_than_the_limit(
    client: Client,
) -> None:
    # Found by tests/test_fuzz_endpoints.py: TOTAL_FORMS 10**30 had Django build 1,060 row
    # forms per section (its default absolute_max), 20 s of work on a public page.
    from ranking.forms import SimulatorInput

    data = example_post()
    data["award-TOTAL_FORMS"] = "9" * 30
    entry = SimulatorInput(data)
    assert not entry.is_valid()
    assert len(entry.formset("award").forms) == 60
    html = client.post(URL, data).content.decode()
    assert shown_total(html) is None
    assert "创新创业奖项：请最多提交 60 个表单" in html


@pytest.mark.django_db
def test_blank_form_follows_the_current_round_year_after_a_new_round_opens(client: Client) -> None:
    # The blank form is rendered once per year and kept: a newer round must not be shown
    # last year's form.
    from tests import factories

    factories.RoundFactory(year=2020)
    before = field_block(client.get(URL).content.decode(), "year")
    factories.RoundFactory(year=2021)
    after = field_block(client.get(URL).content.decode(), "year")

    assert 'value="2020"' in before
    assert 'value="2021"' in after
