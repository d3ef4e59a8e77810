"""Departments are reference data the claims need: services re-create missing rows."""

import pytest
import time_machine

from tests.workflow.conftest import at
from workflow import services
from workflow.indicators import DEPARTMENTS, ZERO_FILL_CODES, primary_department_of
from workflow.models import Department

pytestmark = pytest.mark.django_db


def _flushed():
    # What a transactional test's flush leaves behind: no seeded rows at all.
    Department.objects.all().delete()


def test_submission_after_the_departments_were_flushed_still_creates_every_zero_fill_claim(
    filling, applicant
):
    _flushed()
    with time_machine.travel(at(2020, 8, 1, 10), tick=False):
        services.claim_declare(
            application=filling,
            indicator="education",
            declared_facts={"education": [{"level": "master"}]},
            actor=applicant.user,
        )
        services.application_submit(application=filling, actor=applicant.user)

    claims = {c.indicator: c.department.code for c in filling.claims.select_related("department")}
    assert set(claims) == {"education", *ZERO_FILL_CODES}
    assert all(code == primary_department_of(indicator) for indicator, code in claims.items())
    assert claims["law_record"] == "police"
    assert Department.objects.get(code="police").name == "公安局"


def test_departments_ensure_is_idempotent_and_keeps_an_edited_name():
    Department.objects.filter(code="police").update(name="北京市公安局")
    Department.objects.filter(code="tax").delete()

    first = services.departments_ensure()
    second = services.departments_ensure()

    assert set(first) == set(second) == set(DEPARTMENTS)
    assert Department.objects.filter(code__in=DEPARTMENTS).count() == len(DEPARTMENTS)
    assert second["police"].name == "北京市公安局"
    assert second["tax"].name == "税务局"


def test_departments_ensure_costs_one_query_when_nothing_is_missing(django_assert_num_queries):
    services.departments_ensure()
    with django_assert_num_queries(1):
        services.departments_ensure()
