"""Public pages of the ranking app: the 积分模拟计算器 (no login, nothing stored)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ranking.forms import SimulatorInput, example_initial
from ranking.policy import POLICIES, FactsError, ScoreResult, parse_facts, score
from ranking.policy.comparison import education_comparison
from ranking.selectors import estimate_against_cutoffs
from workflow.selectors import round_current

DEFAULT_YEAR = 2020
# The chart has room for a few characters; the table gives the full official names.
SHORT_LABELS = {"education_deduction": "就学期间扣除"}


@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest) -> HttpResponse:
    """GET: the form with the contract's example applicant. POST: score what was entered."""
    current = round_current()
    year = current.year if current else DEFAULT_YEAR
    result = comparison = None
    cutoffs = []
    if request.method == "POST":
        entry = SimulatorInput(request.POST)
        if entry.is_valid():
            facts = entry.facts()
            try:
                scored = score(parse_facts(facts))
            except FactsError as error:
                entry.add_facts_error(error)
            else:
                result = _result(scored, facts)
                comparison = education_comparison(facts)
                cutoffs = estimate_against_cutoffs(estimate=Decimal(result["total"]))
    else:
        entry = SimulatorInput(initial=example_initial(year))
    return render(
        request,
        "ranking/simulator.html",
        {
            "entry": entry,
            "result": result,
            "comparison": comparison,
            "cutoffs": cutoffs,
            "default_year": year,
            "comparison_several": comparison is not None and len(comparison.rows) > 2,
        },
    )


def _result(scored: ScoreResult, facts: dict[str, Any]) -> dict[str, Any]:
    contract = scored.as_contract(explain=True)
    explanation = contract["explanation"]
    points = scored.points()
    scale = max([abs(value) for value in points.values()] + [Decimal("1")])
    indicators = []
    for code, item in explanation["indicators"].items():
        value = points[code]
        indicators.append(
            {
                "code": code,
                "label": item["label"],
                "short_label": SHORT_LABELS.get(code, item["label"]),
                "points": item["points"],
                "rule": item["rule"],
                "source": item["source"],
                "negative": value < 0,
                "zero": value == 0,
                # Bar length relative to the largest indicator, for the small chart.
                "bar_pct": f"{abs(value) / scale * 100:.1f}",
            }
        )
    return {
        "total": contract["total"],
        "eligible": contract["eligible"],
        "failures": explanation["eligibility"],
        "indicators": indicators,
        "sum_text": explanation["total"],
        "policy": POLICIES[scored.policy_id],
        "year": scored.year,
        "id_number": facts["person"]["id_number"],
    }
