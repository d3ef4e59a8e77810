"""Public pages of the ranking app: the 积分模拟计算器 (no login, nothing stored)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ranking.forms import SimulatorInput, example_initial
from ranking.forms.simulator import EDUCATION_LEVEL_LABELS
from ranking.policy import POLICIES, FactsError, ScoreResult, parse_facts, score
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
                comparison = _education_comparison(facts, scored)
    else:
        entry = SimulatorInput(initial=example_initial(year))
    return render(request, "ranking/simulator.html", {
        "entry": entry, "result": result, "comparison": comparison, "default_year": year,
    })


def _result(scored: ScoreResult, facts: dict[str, Any]) -> dict[str, Any]:
    contract = scored.as_contract(explain=True)
    explanation = contract["explanation"]
    points = scored.points()
    scale = max([abs(value) for value in points.values()] + [Decimal("1")])
    indicators = []
    for code, item in explanation["indicators"].items():
        value = points[code]
        indicators.append({
            "code": code, "label": item["label"], "short_label": SHORT_LABELS.get(code, item["label"]), "points": item["points"], "rule": item["rule"],
            "source": item["source"], "negative": value < 0, "zero": value == 0,
            # Bar length relative to the largest indicator, for the small chart.
            "bar_pct": f"{abs(value) / scale * 100:.1f}",
        })
    return {
        "total": contract["total"], "eligible": contract["eligible"],
        "failures": explanation["eligibility"], "indicators": indicators,
        "sum_text": explanation["total"], "policy": POLICIES[scored.policy_id],
        "year": scored.year, "id_number": facts["person"]["id_number"],
    }


def _education_label(item: dict[str, Any]) -> str:
    obtained = "学历和学位" if item["diploma"] and item["degree"] else ("学历" if item["diploma"] else "学位")
    return f"{EDUCATION_LEVEL_LABELS[item['level']]}{obtained}（{item['graduated_on']} 毕业）"


def _education_comparison(facts: dict[str, Any], scored: ScoreResult) -> dict[str, Any] | None:
    """The official 就业与就学积分比较 (2020 Q&A 6 and 12): the total declaring each education
    item alone vs declaring none. Declaring one brings its table points and, by 细则第十五条（三）,
    the deduction of the employment and housing points earned in the years before graduation;
    employment and housing themselves are the same either way."""
    items = facts["education"]
    if not items:
        return None

    def scored_with(education: list[dict[str, Any]]) -> dict[str, Any]:
        result = score(parse_facts({**facts, "education": education}))
        points = result.points()
        return {
            "education": points["education"], "deduction": points["education_deduction"],
            "net": points["education"] + points["education_deduction"], "total": result.total,
        }

    baseline = {"label": "不申报教育背景", **scored_with([]), "diff": Decimal("0.00"), "baseline": True}
    options = []
    for number, item in enumerate(items, start=1):
        option = {"label": f"只申报第 {number} 项：{_education_label(item)}", **scored_with([item])}
        option["diff"] = option["total"] - baseline["total"]
        option["number"] = number
        options.append(option)
    best = max(options, key=lambda option: (option["total"], -option["number"]))
    if best["total"] > baseline["total"]:
        best["best"] = True
        advice = (f"建议申报第 {best['number']} 项（{_education_label(items[best['number'] - 1])}）："
                  f"总积分 {best['total']:.2f}，比不申报教育背景多 {best['diff']:.2f} 分。")
    elif best["total"] == baseline["total"]:
        baseline["best"] = True
        advice = (f"申报教育背景不会提高总积分：扣除就学期间的就业、居住积分后与不申报持平"
                  f"（均为 {baseline['total']:.2f} 分），申报与否结果相同。")
    else:
        baseline["best"] = True
        advice = (f"建议不申报教育背景：扣除就学期间的就业、居住积分后，申报任何一项都比不申报少"
                  f"（不申报总积分 {baseline['total']:.2f} 分）。")
    return {"rows": [baseline, *options], "advice": advice,
            "declared_all_total": scored.total, "several": len(items) > 1}
