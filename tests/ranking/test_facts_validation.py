"""Facts are validated before scoring, and every error names its field (facts-format-1)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ranking.policy import FactsError, parse_facts, score_facts

VALID_ID = "110105198507120036"  # the contract's example applicant
VALID_CREDIT_CODE = "91110105MA01ABCD13"
WOMAN_ID = "110105198803080067"  # born 1988-03-08, female


def gb11643_check(first17: str) -> str:
    """Written out again here so the test does not trust the engine's own check."""
    total = sum(int(digit) * (2 ** (17 - index) % 11) for index, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def gb32100_check(first17: str) -> str:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(charset.index(char) * (3**index % 31) for index, char in enumerate(first17))
    return charset[(31 - total % 31) % 31]


def test_the_identifiers_used_here_are_valid_by_an_independent_check():
    assert gb11643_check(VALID_ID[:17]) == VALID_ID[17]
    assert gb11643_check(WOMAN_ID[:17]) == WOMAN_ID[17]
    assert int(WOMAN_ID[16]) % 2 == 0
    assert gb32100_check(VALID_CREDIT_CODE[:17]) == VALID_CREDIT_CODE[17]


def base_facts() -> dict[str, Any]:
    return {
        "format": 1,
        "year": 2020,
        "policy": "beijing-2020",
        "person": {
            "id_number": VALID_ID,
            "name": "王小明",
            "gender": "M",
            "birth_date": "1985-07-12",
            "female_job": None,
        },
        "employer": {"credit_code": VALID_CREDIT_CODE, "name": "北京示例科技有限公司"},
        "residence_permit": {"issued_on": "2016-03-01"},
        "criminal_record": False,
        "social_insurance": [
            {"from": "2009-07", "to": "2012-12", "district": "朝阳区", "back_paid": False},
            {"from": "2013-01", "to": None, "district": "海淀区", "back_paid": False},
        ],
        "housing": [
            {"from": "2012-01", "to": "2015-04", "kind": "rental", "district": "朝阳区"},
            {"from": "2015-05", "to": None, "kind": "own", "district": "通州区"},
        ],
        "education": [
            {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
        ],
        "awards": [
            {"code": "beijing_journalism", "grade": "first", "rank": 1, "role": None, "year": 2018}
        ],
        "equity": {
            "qualified_firm": True,
            "investor_funding_3y_wan": "600",
            "equity_financing_3y_wan": "2500",
            "holding_pct": "12",
            "full_year": True,
        },
        "tax": {
            "income_tax": {"2017": "0", "2018": "1200.00", "2019": "3000.00"},
            "violations": ["2016-01-05"],
        },
        "honors": [],
        "detentions": ["2017-04-01"],
    }


def rejected_field(facts: dict[str, Any]) -> str:
    with pytest.raises(FactsError) as caught:
        parse_facts(facts)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field in str(caught.value)
    return caught.value.field


def changed(path: str, value: Any) -> dict[str, Any]:
    """The base facts with one value replaced; path like 'housing.0.district'."""
    facts = copy.deepcopy(base_facts())
    *parents, last = path.split(".")
    target: Any = facts
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return facts


def test_the_base_facts_are_valid():
    parse_facts(base_facts())
    assert score_facts(base_facts())["eligible"] is True


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("nickname", "nickname"),
        ("person.nickname", "person.nickname"),
        ("employer.address", "employer.address"),
        ("residence_permit.expires_on", "residence_permit.expires_on"),
        ("social_insurance.1.employer", "social_insurance[1].employer"),
        ("housing.0.foo", "housing[0].foo"),
        ("education.0.school", "education[0].school"),
        ("awards.0.points", "awards[0].points"),
        ("equity.valuation", "equity.valuation"),
        ("tax.refunds", "tax.refunds"),
    ],
)
def test_unknown_key_is_an_error_naming_the_field(path, field):
    assert rejected_field(changed(path, "x")) == field


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("residence_permit.issued_on", "2016-02-30", "residence_permit.issued_on"),
        ("residence_permit.issued_on", "2016-3-1", "residence_permit.issued_on"),
        ("social_insurance.0.from", "2009-13", "social_insurance[0].from"),
        ("social_insurance.1.to", "2019/12", "social_insurance[1].to"),
        ("housing.1.from", "2015-05-01", "housing[1].from"),
        ("education.0.graduated_on", "2009-06-31", "education[0].graduated_on"),
        ("tax.violations.0", "2019-02-29", "tax.violations[0]"),
        ("detentions.0", "yesterday", "detentions[0]"),
    ],
)
def test_bad_date_names_the_field(path, value, field):
    assert rejected_field(changed(path, value)) == field


def test_to_before_from_is_an_error_on_to():
    assert rejected_field(changed("social_insurance.0.to", "2009-06")) == "social_insurance[0].to"
    assert rejected_field(changed("housing.0.to", "2011-12")) == "housing[0].to"


def test_a_single_month_period_is_fine():
    parse_facts(changed("social_insurance.0.to", "2009-07"))


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("social_insurance.0.district", "朝阳", "social_insurance[0].district"),
        ("social_insurance.1.district", "天津市", "social_insurance[1].district"),
        ("housing.1.district", "Tongzhou", "housing[1].district"),
        ("housing.0.district", "市本级", "housing[0].district"),
    ],
)
def test_unknown_district_names_the_field(path, value, field):
    assert rejected_field(changed(path, value)) == field


def test_city_level_agency_is_allowed_for_social_insurance_only():
    parse_facts(changed("social_insurance.1.district", "市本级"))
    parse_facts(changed("housing.1.district", "北京经济技术开发区"))
    assert rejected_field(changed("housing.1.district", "市本级")) == "housing[1].district"


def test_unknown_award_code_names_the_field():
    facts = changed("awards.0.code", "nobel_prize")
    assert rejected_field(facts) == "awards[0].code"


def test_unknown_housing_kind_and_education_level_name_the_field():
    assert rejected_field(changed("housing.0.kind", "hotel")) == "housing[0].kind"
    assert rejected_field(changed("education.0.level", "high_school")) == "education[0].level"


def test_identity_number_with_a_bad_check_digit():
    bad = VALID_ID[:17] + ("7" if VALID_ID[17] != "7" else "8")
    assert gb11643_check(bad[:17]) != bad[17]
    assert rejected_field(changed("person.id_number", bad)) == "person.id_number"


def test_identity_number_of_the_wrong_length_or_characters():
    assert rejected_field(changed("person.id_number", VALID_ID[:17])) == "person.id_number"
    assert rejected_field(changed("person.id_number", "11010519850712003A")) == "person.id_number"


def test_birth_date_disagreeing_with_the_identity_number():
    assert rejected_field(changed("person.birth_date", "1985-07-13")) == "person.birth_date"


def test_gender_disagreeing_with_the_identity_number():
    facts = changed("person.gender", "F")
    facts["person"]["female_job"] = "worker"
    assert rejected_field(facts) == "person.gender"


def test_credit_code_with_a_bad_check_character():
    bad = VALID_CREDIT_CODE[:17] + ("4" if VALID_CREDIT_CODE[17] != "4" else "5")
    assert gb32100_check(bad[:17]) != bad[17]
    assert rejected_field(changed("employer.credit_code", bad)) == "employer.credit_code"


def woman(female_job: Any) -> dict[str, Any]:
    return changed(
        "person",
        {
            "id_number": WOMAN_ID,
            "name": "李小红",
            "gender": "F",
            "birth_date": "1988-03-08",
            "female_job": female_job,
        },
    )


@pytest.mark.parametrize("female_job", ["worker", "cadre"])
def test_women_state_worker_or_cadre(female_job):
    parse_facts(woman(female_job))


@pytest.mark.parametrize("female_job", [None, "manager"])
def test_female_job_is_required_for_women(female_job):
    assert rejected_field(woman(female_job)) == "person.female_job"


@pytest.mark.parametrize("female_job", ["worker", "cadre"])
def test_female_job_must_be_null_for_men(female_job):
    assert rejected_field(changed("person.female_job", female_job)) == "person.female_job"


def test_validation_happens_before_scoring():
    with pytest.raises(FactsError) as caught:
        score_facts(changed("housing.0.district", "市本级"))
    assert caught.value.field == "housing[0].district"


def test_unknown_policy_and_bad_year_name_the_field():
    assert rejected_field(changed("policy", "shanghai-2020")) == "policy"
    assert rejected_field(changed("year", "2020")) == "year"
    assert rejected_field(changed("format", 2)) == "format"


def test_policy_may_be_left_out():
    facts = base_facts()
    del facts["policy"]
    parse_facts(facts)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["person"].update(name="王\x00小明"), "person.name"),
        (lambda f: f["employer"].update(name="北京\x00"), "employer.name"),
        (lambda f: f["awards"][0].update(role="\x00"), "awards[0].role"),
        (lambda f: f.update(policy=["beijing-2020"]), "policy"),
        (lambda f: f["housing"][0].update(district={"朝阳区": 1}), "housing[0].district"),
        (lambda f: f["awards"][0].update(code=["beijing_journalism"]), "awards[0].code"),
        (lambda f: f.update(honors=[{"code": []}]), "honors[0].code"),
        (lambda f: f["tax"]["income_tax"].update({"²⁰¹⁹": "1"}), "tax.income_tax.²⁰¹⁹"),
        (lambda f: f["housing"][0].update({"from": "²⁰¹²-01"}), "housing[0].from"),
        (lambda f: f["person"].update(id_number="11010519850712003²"), "person.id_number"),
        (lambda f: f.update({"": 1}), '""'),
    ],
)
def test_values_found_by_fuzzing_are_errors_naming_their_field(change, field):
    # Found by tests/ranking/test_facts_fuzz.py: a TypeError (unhashable), int()'s English
    # ValueError, an error naming no field; names with NUL (PostgreSQL refuses them).
    facts = base_facts()
    change(facts)
    with pytest.raises(FactsError) as caught:
        parse_facts(facts)
    assert caught.value.field == field
    assert "invalid literal" not in caught.value.message
