"""Review fixtures: a round in a phase, applicants built from the synthetic population."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ranking.population import generate_population
from review.synthetic import records_from_facts
from tests import factories
from workflow.facts import CLAIM_FACT_KEYS
from workflow.indicators import DECLARED_CODES, ZERO_FILL_CODES, primary_department_of
from workflow.models import AnnualRound, Applicant, Application, Department, IndicatorClaim


def set_phase(round: AnnualRound, phase: str) -> AnnualRound:
    AnnualRound.objects.filter(pk=round.pk).update(phase=phase)
    round.refresh_from_db()
    return round


def set_state(obj: Any, state: str) -> Any:
    type(obj).objects.filter(pk=obj.pk).update(state=state)
    obj.refresh_from_db()
    return obj


@pytest.fixture
def declaration_round(db):
    return set_phase(factories.RoundFactory(year=2020), "declaration")


@pytest.fixture
def people():
    """Eight synthetic applicants' true facts (deterministic)."""
    return list(generate_population(year=2020, count=8, seed=7))


def build_application(
    facts: dict,
    *,
    round: AnnualRound,
    state: str = "submitted",
    declared: dict | None = None,
    with_records: bool = True,
) -> Application:
    """An applicant whose claims declare `declared` (default: the true facts) and whose
    department records hold the true `facts`."""
    person = facts["person"]
    user = factories.UserFactory(username=f"u{person['id_number']}")
    applicant = Applicant.objects.create(
        user=user,
        id_number=person["id_number"],
        name=person["name"],
        female_job=person["female_job"],
    )
    application = factories.ApplicationFactory(round=round, applicant=applicant)
    set_state(application, state)
    departments = {d.code: d for d in Department.objects.all()}
    declared = declared if declared is not None else facts
    claims = []
    for code in DECLARED_CODES:
        keys = CLAIM_FACT_KEYS[code]
        part = {k: copy.deepcopy(declared[k]) for k in keys if k in declared}
        if keys and not any(declared.get(k) for k in keys):
            continue  # nothing to declare for this indicator
        claims.append(
            IndicatorClaim(
                application=application,
                round_id=application.round_id,
                indicator=code,
                department=departments[primary_department_of(code)],
                declared_facts=part,
            )
        )
    for code in ZERO_FILL_CODES:
        claims.append(
            IndicatorClaim(
                application=application,
                round_id=application.round_id,
                indicator=code,
                department=departments[primary_department_of(code)],
            )
        )
    IndicatorClaim.objects.bulk_create(claims)
    if with_records:
        for record in records_from_facts(
            facts, applicant_id=applicant.pk, departments={c: d.pk for c, d in departments.items()}
        ):
            record.save()
    return application


def rows(key: str, items: list[dict]) -> dict[str, str]:
    """POST data of a section's formset, as the browser sends it."""
    data = {f"{key}-TOTAL_FORMS": str(len(items)), f"{key}-INITIAL_FORMS": "0"}
    for index, item in enumerate(items):
        for name, value in item.items():
            if value is True:
                data[f"{key}-{index}-{name}"] = "on"
            elif value not in (False, None):
                data[f"{key}-{index}-{name}"] = str(value)
    return data
