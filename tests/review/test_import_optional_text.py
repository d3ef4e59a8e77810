"""Optional text columns (等级, 角色, 说明) left blank load as empty text, not NULL."""

from __future__ import annotations

import pytest

from review.models import AwardRecord, BatchStatus, Detention
from review.resources import headers_of
from review.services.imports import batch_submit
from review.synthetic import csv_bytes
from tests import factories
from tests.review.conftest import build_application

pytestmark = pytest.mark.django_db


def test_an_award_without_grade_or_role_loads(declaration_round, people):
    build_application(people[0], round=declaration_round, with_records=False)
    number = people[0]["person"]["id_number"]
    rows = [headers_of("award"), [number, "beijing_skill_contest", "", "3", "", "2018"]]
    batch = batch_submit(
        department=factories.department("science"), file_name="awards.csv", content=csv_bytes(rows)
    )
    assert batch.status == BatchStatus.LOADED, batch.errors
    award = AwardRecord.objects.get()
    assert (award.grade, award.role, award.rank) == ("", "", 3)


def test_a_detention_without_description_loads(declaration_round, people):
    build_application(people[0], round=declaration_round, with_records=False)
    number = people[0]["person"]["id_number"]
    rows = [headers_of("detention"), [number, "2018-05-04", ""]]
    batch = batch_submit(
        department=factories.department("police"),
        file_name="detentions.csv",
        content=csv_bytes(rows),
    )
    assert batch.status == BatchStatus.LOADED, batch.errors
    assert Detention.objects.get().description == ""
