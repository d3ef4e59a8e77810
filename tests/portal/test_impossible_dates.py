"""Impossible dates are refused on the row's own field; the estimate says why an item is left out."""

import datetime as dt

import pytest

from ranking.policy.identity import parse_id_number
from tests import factories
from tests.portal.test_indicators import rows
from workflow.models import IndicatorClaim

pytestmark = pytest.mark.django_db


def post(client, code, data):
    return client.post(f"/apply/indicators/{code}/", data)


def test_graduation_in_the_future_is_refused_on_that_rows_date(login, filling, clock):
    # Today is 2020-08-01 (the frozen clock).
    data = rows(
        "education",
        [
            {"level": "bachelor", "diploma": "on", "graduated_on": "2009-06-30"},
            {"level": "master", "degree": "on", "graduated_on": "2021-07-01"},
        ],
    )
    response = post(login(filling.applicant.user), "education", data)
    assert response.status_code == 400
    forms = response.context["bound"].formsets["education"].forms
    assert not forms[0].errors
    assert forms[1].errors["graduated_on"] == [
        "毕业（授予）日期 2021-07-01 晚于今天，请填写已取得证书上的日期。"
    ]
    page = response.content.decode()
    assert 'value="2021-07-01"' in page  # what was typed stays on the page
    assert not IndicatorClaim.objects.filter(indicator="education").exists()


def test_graduation_before_the_applicant_was_14_is_refused(login, filling, clock):
    born = parse_id_number(filling.applicant.id_number).birth_date
    too_young = born.replace(year=born.year + 13)
    data = rows(
        "education",
        [{"level": "bachelor", "diploma": "on", "graduated_on": too_young.isoformat()}],
    )
    response = post(login(filling.applicant.user), "education", data)
    assert response.status_code == 400
    (error,) = response.context["bound"].formsets["education"].forms[0].errors["graduated_on"]
    assert "早于您年满 14 周岁" in error
    assert born.replace(year=born.year + 14).isoformat() in error
    assert f'value="{too_young.isoformat()}"' in response.content.decode()


def test_graduation_on_the_14th_birthday_is_accepted(login, filling, clock):
    born = parse_id_number(filling.applicant.id_number).birth_date
    data = rows(
        "education",
        [
            {
                "level": "junior_college",
                "diploma": "on",
                "graduated_on": born.replace(year=born.year + 14).isoformat(),
            }
        ],
    )
    response = post(login(filling.applicant.user), "education", data)
    assert response.status_code == 302
    assert IndicatorClaim.objects.filter(indicator="education").exists()


def test_award_after_the_cut_off_year_is_refused_on_its_year(login, filling, clock):
    # Round 2020 counts awards up to 2019 (细则第十六条).
    data = rows(
        "awards",
        [
            {"award": "world_skills", "year": "2019"},
            {"award": "beijing_sci_tech:first", "rank": "3", "year": "2020"},
        ],
    )
    response = post(login(filling.applicant.user), "innovation", data)
    assert response.status_code == 400
    forms = response.context["bound"].formsets["awards"].forms
    assert not forms[0].errors
    assert forms[1].errors["year"] == [
        "2020年度只计 2019 年 12 月 31 日前获得的奖项：2020 年的奖项请在下一年度申报。"
    ]
    assert 'value="2020"' in response.content.decode()


def test_award_in_the_future_is_refused(login, filling, clock):
    data = rows("awards", [{"award": "world_skills", "year": "2031"}])
    response = post(login(filling.applicant.user), "innovation", data)
    assert response.context["bound"].formsets["awards"].forms[0].errors["year"] == [
        "获奖年份 2031 年晚于今年，请填写证书上的年份。"
    ]


def test_the_estimate_says_why_an_award_is_left_out(login, filling, clock):
    # Declared before the check existed (or corrected by a department): the engine drops it.
    factories.ClaimFactory(
        application=filling,
        indicator="innovation",
        declared_facts={
            "awards": [
                {"code": "world_skills", "grade": None, "rank": None, "role": None, "year": 2020}
            ],
            "equity": None,
        },
    )
    page = login(filling.applicant.user).get("/apply/").content.decode()
    assert "（2020年）：晚于截止年度 2019 年，不计分" in page


def test_the_estimate_says_why_a_late_graduation_is_left_out(login, filling, clock):
    # 2020-07-01 is a real date (not refused on the field) but after the 2019-12-31 cut-off.
    data = rows("education", [{"level": "master", "degree": "on", "graduated_on": "2020-07-01"}])
    client = login(filling.applicant.user)
    assert post(client, "education", data).status_code == 302
    page = client.get("/apply/").content.decode()
    assert "毕业晚于截止日期 2019-12-31，不计分" in page
    assert dt.date(2020, 7, 1).isoformat() in page
