"""Facts lines for ranking and publicity tests: identical facts give identical totals (ties)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ranking.policy import score_facts
from ranking.policy.identity import make_credit_code, make_id_number

EMPLOYER_A = {"credit_code": make_credit_code("91110105MA01ABCD1"), "name": "北京示例科技有限公司"}
EMPLOYER_B = {"credit_code": make_credit_code("91110108MA02WXY01"), "name": "北京海淀创新研究院"}


def facts(
    seq: int,
    *,
    year: int = 2020,
    insurance_from: str = "2009-07",
    born: dt.date = dt.date(1985, 7, 12),
    name: str | None = None,
    employer: dict[str, str] | None = None,
    permit: str | None = "2016-03-01",
) -> dict[str, Any]:
    """One applicant; the total grows with earlier insurance_from (0.25 + 1/24 a month)."""
    return {
        "format": 1,
        "year": year,
        "policy": "beijing-2020",
        "person": {
            "id_number": make_id_number("110105", born, seq % 500, "M"),
            "name": name or f"申请人{seq:04d}",
            "gender": "M",
            "birth_date": born.isoformat(),
            "female_job": None,
        },
        "employer": employer or EMPLOYER_A,
        "residence_permit": {"issued_on": permit} if permit else None,
        "criminal_record": False,
        "social_insurance": [
            {"from": insurance_from, "to": None, "district": "朝阳区", "back_paid": False}
        ],
        "housing": [],
        "education": [
            {"level": "bachelor", "diploma": True, "degree": True, "graduated_on": "2009-06-30"}
        ],
        "awards": [],
        "equity": None,
        "tax": {"income_tax": {}, "violations": []},
        "honors": [],
        "detentions": [],
    }


def unique_born(seq: int) -> dt.date:
    # distinct identity numbers for up to 500 × 300 applicants
    return dt.date(1980, 1, 1) + dt.timedelta(days=seq // 500)


def lines(*items: dict[str, Any]) -> list[str]:
    return [json.dumps(item, ensure_ascii=False) for item in items]


def total_of(item: dict[str, Any]) -> str:
    return score_facts(item)["total"]
