"""An application's facts from its claims: 职住区域 counts only when it was declared."""

from ranking.policy import parse_facts, score
from workflow.facts import BASIS_DECLARED, BASIS_VERIFIED, assemble_facts

PERSON = {
    "id_number": "110105198507120036",
    "name": "王小明",
    "gender": "M",
    "birth_date": "1985-07-12",
    "female_job": None,
}
HOUSING = {"housing": [{"from": "2015-05", "to": None, "kind": "own", "district": "通州区"}]}
INSURANCE = {
    "social_insurance": [{"from": "2009-07", "to": None, "district": "朝阳区", "back_paid": False}]
}


def job_residence_points(claims, basis=BASIS_VERIFIED):
    facts = assemble_facts(
        year=2020,
        policy_id="beijing-2020",
        person=PERSON,
        employer=None,
        claims=claims,
        basis=basis,
    )
    return score(parse_facts(facts)).points()["job_residence_area"]


def base_claims():
    return [
        ("employment", "verified", {}, INSURANCE),
        ("housing", "verified", HOUSING, HOUSING),
    ]


def test_no_job_residence_claim_scores_zero_even_when_living_outside():
    assert str(job_residence_points(base_claims())) == "0.00"


def test_a_verified_job_residence_claim_scores_from_housing_and_insurance():
    claims = [*base_claims(), ("job_residence_area", "verified", {}, {})]
    assert str(job_residence_points(claims)) == "4.00"


def test_a_rejected_job_residence_claim_scores_zero_but_counts_in_the_declared_view():
    claims = [*base_claims(), ("job_residence_area", "rejected", {}, {})]
    assert str(job_residence_points(claims)) == "0.00"
    assert str(job_residence_points(claims, basis=BASIS_DECLARED)) == "4.00"
