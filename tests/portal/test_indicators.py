"""Indicator pages produce facts-format-1 declarations and name the wrong field."""

import datetime as dt

import pytest

from ranking.policy import FactsError
from tests import factories
from tests.portal.conftest import DECLARATION_CLOSES
from workflow.forms import PAGES
from workflow.models import AppState, ClaimState, FormDraft, IndicatorClaim

pytestmark = pytest.mark.django_db


def rows(prefix, items, extra=None):
    data = {f"{prefix}-TOTAL_FORMS": str(len(items)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, item in enumerate(items):
        for key, value in item.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data | (extra or {})


HOUSING = [
    {"start": "2012-03", "end": "2015-04", "kind": "rental", "district": "朝阳区"},
    {"start": "2015-05", "end": "", "kind": "own", "district": "通州区"},
]


def test_housing_periods_become_declared_facts(login, filling, clock):
    client = login(filling.applicant.user)
    response = client.post("/apply/indicators/housing/", rows("housing", HOUSING))
    assert response.status_code == 302
    claim = IndicatorClaim.objects.get(application=filling, indicator="housing")
    assert claim.declared_facts == {
        "housing": [
            {"from": "2012-03", "to": "2015-04", "kind": "rental", "district": "朝阳区"},
            {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"},
        ]
    }
    assert claim.department.code == "housing_construction"
    page = client.get("/apply/indicators/housing/").content.decode()
    assert 'value="2015-05"' in page
    assert "本人自有产权住房" in page


def test_deleted_and_blank_rows_are_left_out(login, filling, clock):
    data = rows("housing", [*HOUSING, {"start": "", "end": "", "kind": "", "district": ""}])
    data["housing-0-DELETE"] = "on"
    login(filling.applicant.user).post("/apply/indicators/housing/", data)
    claim = IndicatorClaim.objects.get(application=filling, indicator="housing")
    assert [p["from"] for p in claim.declared_facts["housing"]] == ["2015-05"]


def test_end_before_start_is_put_on_that_rows_end_field(login, filling, clock):
    data = rows(
        "housing",
        [HOUSING[0], {"start": "2016-05", "end": "2015-01", "kind": "own", "district": "通州区"}],
    )
    response = login(filling.applicant.user).post("/apply/indicators/housing/", data)
    assert response.status_code == 400
    bound = response.context["bound"]
    second = bound.formsets["housing"].forms[1]
    assert second.errors["end"] == ["结束月份早于开始月份"]
    assert not bound.formsets["housing"].forms[0].errors
    page = response.content.decode()
    assert "截止月份：结束月份早于开始月份" in page
    assert 'value="2016-05"' in page  # nothing typed is lost
    assert not IndicatorClaim.objects.filter(application=filling).exists()
    assert FormDraft.objects.get(application=filling).data["housing-1-start"] == ["2016-05"]


def test_bad_month_and_missing_kind_are_named(login, filling, clock):
    data = rows("housing", [{"start": "2015/05", "end": "", "kind": "", "district": "通州区"}])
    bound = login(filling.applicant.user).post("/apply/indicators/housing/", data).context["bound"]
    errors = bound.formsets["housing"].forms[0].errors
    assert "YYYY-MM" in errors["start"][0]
    assert set(errors) == {"start", "kind"}


def test_education_items(login, filling, clock):
    data = rows(
        "education",
        [
            {"level": "bachelor", "diploma": "on", "degree": "on", "graduated_on": "2009-06-30"},
            {"level": "master", "degree": "on", "graduated_on": "2014-01-10"},
        ],
    )
    login(filling.applicant.user).post("/apply/indicators/education/", data)
    assert IndicatorClaim.objects.get(indicator="education").declared_facts == {
        "education": [
            {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"},
            {"level": "master", "diploma": False, "degree": True, "graduated_on": "2014-01-10"},
        ]
    }


def test_education_needs_diploma_or_degree(login, filling, clock):
    data = rows("education", [{"level": "bachelor", "graduated_on": "2009-06-30"}])
    bound = (
        login(filling.applicant.user).post("/apply/indicators/education/", data).context["bound"]
    )
    assert bound.formsets["education"].forms[0].errors["diploma"] == ["请至少勾选学历或学位之一。"]


def test_awards_from_the_catalogue_and_equity(login, filling, clock):
    data = rows(
        "awards",
        [
            {"award": "beijing_sci_tech:first", "rank": "3", "year": "2018"},
            {"award": "world_skills", "rank": "", "year": "2015"},
        ],
        {
            "equity-has_equity": "on",
            "equity-qualified_firm": "on",
            "equity-investor_funding_3y_wan": "600",
            "equity-equity_financing_3y_wan": "2500",
            "equity-holding_pct": "12.5",
            "equity-full_year": "on",
        },
    )
    login(filling.applicant.user).post("/apply/indicators/innovation/", data)
    claim = IndicatorClaim.objects.get(indicator="innovation")
    assert claim.declared_facts == {
        "awards": [
            {"code": "beijing_sci_tech", "grade": "first", "rank": 3, "role": None, "year": 2018},
            {"code": "world_skills", "grade": None, "rank": None, "role": None, "year": 2015},
        ],
        "equity": {
            "qualified_firm": True,
            "investor_funding_3y_wan": "600",
            "equity_financing_3y_wan": "2500",
            "holding_pct": "12.5",
            "full_year": True,
        },
    }
    assert claim.department.code == "science"


def test_no_equity_declares_null(login, filling, clock):
    data = rows("awards", [{"award": "five_ones_project", "year": "2017"}])
    login(filling.applicant.user).post("/apply/indicators/innovation/", data)
    assert IndicatorClaim.objects.get(indicator="innovation").declared_facts["equity"] is None


def test_equity_needs_its_figures(login, filling, clock):
    data = rows("awards", [], {"equity-has_equity": "on"})
    bound = (
        login(filling.applicant.user).post("/apply/indicators/innovation/", data).context["bound"]
    )
    assert set(bound.forms["equity"].errors) == {
        "investor_funding_3y_wan",
        "equity_financing_3y_wan",
        "holding_pct",
    }


def test_honors(login, filling, clock):
    data = rows("honors", [{"honor": "beijing_model_worker", "year": "2015"}])
    login(filling.applicant.user).post("/apply/indicators/honors/", data)
    assert IndicatorClaim.objects.get(indicator="honors").declared_facts == {
        "honors": [{"code": "beijing_model_worker", "year": 2015}]
    }


def test_job_residence_area_is_declared_by_a_tick(login, filling, clock):
    client = login(filling.applicant.user)
    response = client.post("/apply/indicators/job_residence_area/", {})
    assert "请勾选此项" in response.content.decode()
    client.post("/apply/indicators/job_residence_area/", {"declare-declare": "on"})
    assert IndicatorClaim.objects.get(indicator="job_residence_area").declared_facts == {}


def test_engine_errors_go_back_to_the_named_field():
    """The engine's field path (``awards[0].grade``) lands on that row's 奖项 field."""
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(rows("awards", [{"award": "world_skills", "year": "2015"}]))
    bound = PAGES["innovation"].bind(data=data)
    assert bound.is_valid()
    bound.declared_facts()
    bound.put_error(FactsError("awards[0].grade", "该奖项的等级应为 first 之一"))
    bound.put_error(FactsError("equity.holding_pct", "应为非负数"))
    bound.put_error(FactsError("person.id_number", "校验位错误"))
    assert bound.formsets["awards"].forms[0].errors["award"] == ["该奖项的等级应为 first 之一"]
    assert bound.forms["equity"].errors["holding_pct"] == ["应为非负数"]
    assert bound.non_field_errors == ["person.id_number：校验位错误"]


def test_add_row_without_javascript_keeps_what_was_typed(login, filling, clock):
    data = rows("housing", [HOUSING[0]], {"action": "add_row:housing"})
    response = login(filling.applicant.user).post("/apply/indicators/housing/", data)
    formset = response.context["bound"].formsets["housing"]
    assert len(formset.forms) == 2
    assert 'value="2012-03"' in response.content.decode()
    assert not formset.forms[1].errors  # the new blank row is not "wrong"


def test_save_draft_keeps_invalid_input_and_shows_it_again(login, filling, clock):
    client = login(filling.applicant.user)
    data = rows(
        "housing",
        [{"start": "2015-13", "end": "", "kind": "own", "district": ""}],
        {"action": "save_draft"},
    )
    response = client.post("/apply/indicators/housing/", data, follow=True)
    assert "草稿已保存" in response.content.decode()
    assert not IndicatorClaim.objects.filter(application=filling).exists()
    page = client.get("/apply/indicators/housing/").content.decode()
    assert 'value="2015-13"' in page
    assert "有未申报的草稿" in client.get("/apply/").content.decode()


def test_autosave_answers_no_content(login, filling, clock):
    data = rows("housing", [HOUSING[0]], {"action": "autosave"})
    assert login(filling.applicant.user).post("/apply/indicators/housing/", data).status_code == 204
    assert FormDraft.objects.filter(application=filling, indicator="housing").exists()


def test_declaring_replaces_the_draft(login, filling, clock):
    client = login(filling.applicant.user)
    client.post("/apply/indicators/housing/", rows("housing", HOUSING, {"action": "save_draft"}))
    client.post("/apply/indicators/housing/", rows("housing", HOUSING))
    assert not FormDraft.objects.exists()


def test_edits_stop_one_second_after_20_00_on_the_last_day(login, filling, clock):
    clock.move_to(DECLARATION_CLOSES)
    client = login(filling.applicant.user)  # (a session from 8月1日 would have expired)
    assert client.post("/apply/indicators/housing/", rows("housing", HOUSING)).status_code == 302
    assert IndicatorClaim.objects.filter(indicator="housing").exists()
    clock.move_to(DECLARATION_CLOSES + dt.timedelta(seconds=1))
    response = client.post(
        "/apply/indicators/education/",
        rows(
            "education",
            [{"level": "bachelor", "diploma": "on", "degree": "on", "graduated_on": "2009-06-30"}],
        ),
        follow=True,
    )
    assert "申报阶段已于 2020年08月15日 20:00 截止" in response.content.decode()
    assert not IndicatorClaim.objects.filter(indicator="education").exists()
    page = client.get("/apply/indicators/housing/").content.decode()
    assert "申报阶段已结束，不能再修改" in page


def test_every_applicant_page_shows_the_deadline(login, filling, clock):
    client = login(filling.applicant.user)
    for url in ("/apply/", "/apply/indicators/housing/", "/apply/indicators/tax/"):
        page = client.get(url).content.decode()
        assert "2020年08月15日 20:00" in page, url


def test_zero_fill_indicator_is_read_only_with_its_source(login, filling, clock):
    factories.ClaimFactory(
        application=filling,
        indicator="employment",
        declared_facts={},
        state=ClaimState.VERIFIED,
        points="31.50",
        verified_facts={
            "social_insurance": [
                {"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False}
            ]
        },
    )
    page = login(filling.applicant.user).get("/apply/indicators/employment/").content.decode()
    assert "零填报" in page
    assert "人社局" in page
    assert "部门数据交换" in page
    assert "社保 2009-07 至 至今 · 朝阳区 · 正常缴纳" in page
    assert '<form method="post" id="indicator-form"' not in page
    response = login(filling.applicant.user).post("/apply/indicators/employment/", {})
    assert response.status_code == 200
    assert not FormDraft.objects.exists()


EDUCATION_2009 = rows(
    "education",
    [{"level": "bachelor", "diploma": "on", "degree": "on", "graduated_on": "2009-06-30"}],
)
EDUCATION_2012 = rows(
    "education",
    [{"level": "master", "diploma": "on", "degree": "on", "graduated_on": "2012-06-30"}],
)


def submitted_with_verified_education(client, filling, reviewer_of):
    from decimal import Decimal

    from workflow import services

    client.post("/apply/indicators/education/", EDUCATION_2009)
    response = client.post("/apply/submit/", follow=True)
    assert "无需重新提交" in response.content.decode()
    claim = IndicatorClaim.objects.get(application=filling, indicator="education")
    services.claim_verify(claim=claim, actor=reviewer_of("education"), points=Decimal("15"))
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    return claim


def test_submitted_application_is_edited_directly_and_stays_submitted(
    login, filling, clock, reviewer_of, django_capture_on_commit_callbacks
):
    from review.models import Degree
    from workflow.models import AuditEvent

    client = login(filling.applicant.user)
    submitted_with_verified_education(client, filling, reviewer_of)
    # the zero-fill claims are now there for the departments
    assert set(filling.claims.values_list("indicator", flat=True)) >= {
        "employment",
        "tax",
        "age",
        "law_record",
    }
    dashboard = client.get("/apply/").content.decode()
    assert "无需重新提交" in dashboard
    assert "reopen" not in dashboard
    assert "提交申报" not in dashboard
    assert 'href="/apply/indicators/education/">修改</a>' in dashboard
    page = client.get("/apply/indicators/education/").content.decode()
    assert 'id="edit-submitted"' in page
    assert "<fieldset disabled" not in page
    # The education authority holds the master's degree the applicant now declares.
    Degree.objects.create(
        applicant=filling.applicant,
        record_key="degree:test:master",
        level="master",
        graduated_on=dt.date(2012, 6, 30),
    )
    clock.move_to(DECLARATION_CLOSES - dt.timedelta(days=1))
    client = login(filling.applicant.user)  # (a session from 8月1日 would have expired)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/apply/indicators/education/", EDUCATION_2012, follow=True)
    assert "申请仍为已提交，无需重新提交" in response.content.decode()
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    # the edit sent the claim back to its department (audited), and verification ran again
    redeclared = AuditEvent.objects.get(action="claim.redeclare")
    assert (redeclared.actor, redeclared.from_state, redeclared.to_state) == (
        filling.applicant.user,
        "verified",
        "pending",
    )
    claim = IndicatorClaim.objects.get(application=filling, indicator="education")
    assert claim.state == ClaimState.VERIFIED
    assert claim.verified_facts["education"][0]["level"] == "master"
    reverified = AuditEvent.objects.filter(action="claim.verify", object_id=str(claim.pk)).latest(
        "id"
    )
    assert (reverified.actor_label, reverified.from_state) == ("数据交换", "pending")
    assert "审核通过" in client.get("/apply/").content.decode()


def test_submitted_application_edits_stop_one_second_after_20_00(
    login, filling, clock, reviewer_of
):
    client = login(filling.applicant.user)
    claim = submitted_with_verified_education(client, filling, reviewer_of)
    clock.move_to(DECLARATION_CLOSES)
    client = login(filling.applicant.user)
    assert client.post("/apply/indicators/education/", EDUCATION_2012).status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    assert claim.declared_facts["education"][0]["level"] == "master"
    clock.move_to(DECLARATION_CLOSES + dt.timedelta(seconds=1))
    response = client.post("/apply/indicators/education/", EDUCATION_2009, follow=True)
    assert "申报阶段已于 2020年08月15日 20:00 截止" in response.content.decode()
    claim.refresh_from_db()
    assert claim.declared_facts["education"][0]["level"] == "master"
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED
    page = client.get("/apply/indicators/education/").content.decode()
    assert "申报阶段已结束，不能再修改" in page
    assert (
        'href="/apply/indicators/education/">修改</a>' not in client.get("/apply/").content.decode()
    )


def test_there_is_no_way_to_unsubmit_an_application(login, filling, clock):
    client = login(filling.applicant.user)
    client.post("/apply/submit/")
    assert client.post("/apply/reopen/").status_code == 404
    filling.refresh_from_db()
    assert filling.state == AppState.SUBMITTED


def test_autosave_keeps_a_draft_with_a_nul_character_typed_without_it(login, filling, clock):
    # Found by tests/test_fuzz_endpoints.py: PostgreSQL's jsonb refused the NUL (500).
    item = {**HOUSING[0], "district": "通州\x00区"}
    data = rows("housing", [item], {"action": "autosave"})
    assert login(filling.applicant.user).post("/apply/indicators/housing/", data).status_code == 204
    draft = FormDraft.objects.get(application=filling, indicator="housing")
    assert draft.data["housing-0-district"] == ["通州区"]


def test_declaring_with_a_nul_character_is_an_error_on_the_page(login, filling, clock):
    item = {**HOUSING[0], "start": "2015-\x0005"}
    response = login(filling.applicant.user).post(
        "/apply/indicators/housing/", rows("housing", [item])
    )
    assert response.status_code == 400
    assert not IndicatorClaim.objects.filter(application=filling).exists()
