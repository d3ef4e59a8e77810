"""After ranking, the applicant sees their final score, rank, the cut-off and the outcome."""

from __future__ import annotations

import pytest

from ranking import services
from ranking.importing import facts_import
from tests import factories
from tests.publicity.helpers import facts, lines

pytestmark = pytest.mark.django_db


def test_applicant_sees_rank_cutoff_and_whether_admitted(client, administrator):
    round = factories.RoundFactory(year=2020, quota=1)
    report = facts_import(
        round=round,
        lines=lines(
            facts(1, insurance_from="2009-07", name="甲"),
            facts(2, insurance_from="2012-01", name="乙"),
        ),
    )
    assert not report.errors
    run = services.round_rank(round=round, actor=administrator)
    second = round.applications.get(applicant__name="乙")
    client.force_login(second.applicant.user)

    page = client.get("/apply/").content.decode()

    assert second.rank == 2
    assert f"第 {second.rank} 名" in page
    assert f"{run.cutoff} 分" in page  # the cut-off is the first applicant's total (quota 1)
    assert f"{second.total_points} 分" in page
    assert "未进入年度落户名单" in page
