"""The nine indicators and the education-period deduction (细则第十五条), one function each.

Each takes the validated facts, the applicant's timeline and the policy's parameters and
returns the rounded points with the rule it applied, in words, and the article.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ranking.policy.facts import Award, EducationItem, Facts
from ranking.policy.months import month_label, month_of_date
from ranking.policy.params import PolicyParams
from ranking.policy.result import CENT, IndicatorResult, fmt, round_half_up
from ranking.policy.tables import (
    EDUCATION_LEVEL_LABELS,
    EQUITY_MIN_HOLDING_PCT,
    EQUITY_MIN_INVESTOR_FUNDING_WAN,
    EQUITY_TABLE,
    HONORS,
    EducationRow,
    award_row,
)
from ranking.policy.timeline import Months, Timeline, contains, count, first_month, last_month, span

ZERO = Decimal("0.00")


def _span(months: Months) -> str:
    if not months:
        return "无"
    return f"{month_label(first_month(months))}至{month_label(last_month(months))}"


def employment(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    months = count(tl.employment)
    points = round_half_up(months * p.employment_points_per_month)
    return IndicatorResult(
        "employment",
        points,
        p.articles["employment"],
        lambda: (
            f"社保正常缴纳 {months} 个月（{month_label(p.employment_from)} 起，不含补缴）× "
            f"{p.employment_points_per_month} = {fmt(points)}",
            {"months": months, "span": _span(tl.employment)},
        ),
    )


def housing_parts(own: int, rental: int, p: PolicyParams) -> tuple[Decimal, Decimal]:
    """The own and the rental part of 合法稳定住所 points for counted months, each rounded on
    its own (the published 2020 list shows 16.66 = 10.83 + 5.83), the own part rounded up to
    the cent from the 2021 round on (the 2021 and 2022 lists fit only that)."""
    return (
        (Decimal(own) / p.own_housing_months_per_point).quantize(
            CENT, rounding=p.own_housing_rounding
        ),
        (Decimal(rental) / p.rental_housing_months_per_point).quantize(
            CENT, rounding=p.rental_housing_rounding
        ),
    )


def _own_rounding_note(p: PolicyParams) -> str:
    variant = p.variants.get("own_housing_rounding")
    return f"，{variant}" if variant else ""


def _implicit_rental_note(p: PolicyParams) -> str:
    return (
        f"{month_label(p.implicit_rental_before - 1)} 及以前无自有住所的月份按同期社保月数计，"
        f"{month_label(p.implicit_rental_before)} 起以备案租赁为准"
    )


def housing(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    own, rental = tl.own_counted, tl.rental_counted
    own_points, rental_points = housing_parts(own, rental, p)
    points = own_points + rental_points

    def describe() -> tuple[str, dict[str, object]]:
        rule = (
            f"自有住所 {own} 个月 ÷ {p.own_housing_months_per_point} = {fmt(own_points)}"
            f"{_own_rounding_note(p)}；"
            f"租赁/宿舍 {rental} 个月 ÷ {p.rental_housing_months_per_point} = {fmt(rental_points)}"
            f"（{_implicit_rental_note(p)}）"
        )
        if count(tl.own) + count(tl.rental) > own + rental:
            rule += f"；居住月数不超过就业月数 {count(tl.employment)}，优先计自有住所"
        return f"{rule}；合计 {fmt(points)}", {
            "own_months": own,
            "rental_months": rental,
            "own_span": _span(tl.own),
            "rental_span": _span(tl.rental),
        }

    return IndicatorResult("housing", points, p.articles["housing"], describe)


def _best_row(
    table: tuple[EducationRow, ...], level: str, diploma: bool, degree: bool
) -> EducationRow | None:
    best: EducationRow | None = None
    for row in table:
        if row.level != level or (row.diploma and not diploma) or (row.degree and not degree):
            continue
        if best is None or row.points > best.points:
            best = row
    return best


_EducationKey = tuple[str, bool, bool]
# Each education table's best row per (level, diploma, degree), worked out once per table:
# keyed by the table's id, the table itself held in the value so that the id stays its own.
_best_rows: dict[int, tuple[tuple[EducationRow, ...], dict[_EducationKey, EducationRow | None]]]
_best_rows = {}


def education_row_for(item: EducationItem, p: PolicyParams) -> EducationRow | None:
    """The best table row the item qualifies for: a row asking for a diploma (学历) or a
    degree (学位) is met when the item has it, so 本科 with both earns the 15-point row."""
    table = p.education_table
    cached = _best_rows.get(id(table))
    if cached is None or cached[0] is not table:
        cached = _best_rows[id(table)] = (table, {})
    rows = cached[1]
    key = (item.level, item.diploma, item.degree)
    if key not in rows:
        rows[key] = _best_row(table, *key)
    return rows[key]


def scored_education(facts: Facts, p: PolicyParams) -> tuple[EducationItem, EducationRow] | None:
    """The declared item with the highest table value (ties: latest graduation), graduated
    on or before Y-1-12-31 (细则第十六条)."""
    cutoff = dt.date(facts.year - 1, 12, 31)
    best: tuple[EducationItem, EducationRow] | None = None
    for item in facts.education:
        if item.graduated_on > cutoff:
            continue
        row = education_row_for(item, p)
        if row is None:
            continue
        if best is None or (row.points, item.graduated_on) > (best[1].points, best[0].graduated_on):
            best = (item, row)
    return best


def _education_left_out(facts: Facts, p: PolicyParams) -> str:
    """Why each declared item that cannot count is left out (细则第十六条: by Y-1-12-31)."""
    cutoff = dt.date(facts.year - 1, 12, 31)
    notes = []
    for item in facts.education:
        label = f"{EDUCATION_LEVEL_LABELS.get(item.level, item.level)}（{item.graduated_on:%Y-%m-%d} 毕业）"
        if item.graduated_on > cutoff:
            notes.append(f"{label}：毕业晚于截止日期 {cutoff:%Y-%m-%d}，不计分")
        elif education_row_for(item, p) is None:
            notes.append(f"{label}：积分表无对应项，不计分")
    return "；".join(notes)


def education(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    chosen = scored_education(facts, p)
    if chosen is None:
        return IndicatorResult(
            "education",
            ZERO,
            p.articles["education"],
            lambda: (
                f"无可积分的学历（学位）：{_education_left_out(facts, p) or '未申报'}",
                {},
            ),
        )
    item, row = chosen

    def with_left_out(rule: str) -> str:
        left_out = _education_left_out(facts, p)
        return f"{rule}；未计：{left_out}" if left_out else rule

    return IndicatorResult(
        "education",
        round_half_up(row.points),
        p.articles["education"],
        lambda: (
            with_left_out(
                f"{row.label}（{item.graduated_on:%Y-%m-%d} 毕业）= {fmt(row.points)}（{row.source}）"
            ),
            {
                "level": item.level,
                "diploma": item.diploma,
                "degree": item.degree,
                "graduated_on": item.graduated_on.isoformat(),
            },
        ),
    )


def education_deduction(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    chosen = scored_education(facts, p)
    if chosen is None:
        return IndicatorResult(
            "education_deduction",
            ZERO,
            p.articles["education_deduction"],
            lambda: (
                "未计教育背景积分，不扣除",
                {},
            ),
        )
    item, row = chosen
    graduation = month_of_date(item.graduated_on)
    first = graduation - row.deduction_years * 12 + 1
    window = span(first, graduation)
    # 2020 Q&A 6: deduct what was actually earned in the window; a shorter record deducts less.
    # Own months never more than the own months counted in 合法稳定住所; rental months are the
    # window's months that count as rental by the month rules, even where the cap on counted
    # months (own first) left them out of the housing points: the published 2020 and 2022 lists
    # show 0.29 = 0.25 + 1/24 in 38 rows that fit no other reading.
    employment_months = count(tl.employment & window)
    own_months = min(count(tl.own & window), tl.own_counted)
    rental_months = count(tl.rental & window)
    employment_points = employment_months * p.employment_points_per_month
    own_points, rental_points = housing_parts(own_months, rental_months, p)
    deducted = round_half_up(employment_points) + own_points + rental_points
    points = round_half_up(-deducted)
    return IndicatorResult(
        "education_deduction",
        points,
        p.articles["education_deduction"],
        lambda: (
            f"毕业前 {row.deduction_years} 年（{month_label(first)}至{month_label(graduation)}）内："
            f"社保 {employment_months} 个月 × {p.employment_points_per_month} = {fmt(employment_points)}，"
            f"自有住所 {own_months} 个月 ÷ {p.own_housing_months_per_point} = {fmt(own_points)}"
            f"{_own_rounding_note(p)}，"
            f"租赁/宿舍 {rental_months} 个月 ÷ {p.rental_housing_months_per_point} = {fmt(rental_points)}"
            f"（按住所月份规则计为租赁的月份，不受居住月数上限影响）；"
            f"扣除 {fmt(deducted)}",
            {
                "window": f"{month_label(first)}/{month_label(graduation)}",
                "employment_months": employment_months,
                "own_months": own_months,
                "rental_months": rental_months,
            },
        ),
    )


def job_residence_area(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    article = p.articles["job_residence_area"]
    # 细则第十五条（四）: 申报本项指标的申请人须在该自有住所落户 — it counts only when declared.
    if not facts.job_residence_area_declared:
        return IndicatorResult(
            "job_residence_area",
            ZERO,
            article,
            lambda: ("未申报职住区域指标（申报者须在该自有住所落户），不计分", {"declared": False}),
        )
    # 细则第十五条（四）: the applicant must live there in December of Y-1.
    months = tl.own_outside & span(p.job_residence_from, tl.cutoff)
    if not contains(months, tl.cutoff):
        return IndicatorResult(
            "job_residence_area",
            ZERO,
            article,
            lambda: (
                f"{month_label(tl.cutoff)} 未在城六区以外自有住所居住，不计分",
                {"months": count(months)},
            ),
        )
    live_and_work = count(months & tl.normal_outside)
    live_only = count(months) - live_and_work
    raw = (live_and_work // 12) * p.job_residence_points_live_and_work + (
        live_only // 12
    ) * p.job_residence_points_live_only
    points = round_half_up(min(raw, p.job_residence_cap))
    return IndicatorResult(
        "job_residence_area",
        points,
        article,
        lambda: (
            f"{month_label(p.job_residence_from)} 起城六区外自有住所居住且城六区外就业 {live_and_work} 个月"
            f"（满 {live_and_work // 12} 年 × {p.job_residence_points_live_and_work}），仅居住 {live_only} 个月"
            f"（满 {live_only // 12} 年 × {p.job_residence_points_live_only}）= {fmt(raw)}，"
            f"最高 {fmt(p.job_residence_cap)}",
            {"live_and_work_months": live_and_work, "live_only_months": live_only},
        ),
    )


def award_points(award: Award, facts: Facts, p: PolicyParams) -> tuple[Decimal, str]:
    row = award_row(award.code, award.grade)
    if award.code in p.award_codes_not_scored:
        return ZERO, f"{row.label}：本政策不计分"
    if award.year > facts.year - 1:
        return ZERO, f"{row.label}（{award.year}年）：晚于截止年度 {facts.year - 1} 年，不计分"
    if row.first_year is not None and award.year < row.first_year:
        return ZERO, f"{row.label}（{award.year}年）：{row.first_year}年起获奖方可积分"
    if row.needs_income_tax_wan is not None:
        paid = facts.income_tax.get(facts.year - 1, ZERO)
        if paid < row.needs_income_tax_wan * 10000:
            return ZERO, (
                f"{row.label}：{facts.year - 1}年个人所得税 {paid} 元，"
                f"不足 {row.needs_income_tax_wan} 万元，不计分"
            )
    if row.points is not None:
        return row.points, f"{row.label} = {fmt(row.points)}（{row.source}）"
    for band in row.bands:
        last = p.skill_contest_last_place if band.widened else band.last
        if award.rank is not None and band.first <= award.rank <= last:
            return band.points, (
                f"{row.label} 第 {award.rank} 名/完成人（第 {band.first}-{last}）= {fmt(band.points)}（{row.source}）"
            )
    return ZERO, f"{row.label} 第 {award.rank} 名/完成人：不在可积分范围，不计分"


def equity_points(facts: Facts, p: PolicyParams) -> tuple[Decimal, str]:
    equity = facts.equity
    if equity is None:
        return ZERO, "无股权类融资加分项"
    if not equity.qualified_firm:
        return ZERO, "所在企业不是高新技术企业或科技型中小企业，不计分"
    if equity.investor_funding_3y_wan < EQUITY_MIN_INVESTOR_FUNDING_WAN:
        return ZERO, f"近3年经备案投资机构投资 {equity.investor_funding_3y_wan} 万元，不足 500 万元"
    if equity.holding_pct < EQUITY_MIN_HOLDING_PCT or not equity.full_year:
        return ZERO, "未连续工作满一个自然年度或持股比例低于 10%，不计分"
    for band in EQUITY_TABLE:
        if equity.equity_financing_3y_wan >= band.min_financing_wan:
            return band.points, f"{band.label} = {fmt(band.points)}（{band.source}）"
    return ZERO, f"近3年股权类现金融资 {equity.equity_financing_3y_wan} 万元，不足 500 万元"


def innovation(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    # 细则第十五条（五）: items are never summed; only the highest counts, capped at 12.
    items = [award_points(award, facts, p) for award in facts.awards]
    if facts.equity is not None:
        items.append(equity_points(facts, p))
    if not items:
        return IndicatorResult(
            "innovation", ZERO, p.articles["innovation"], lambda: ("未申报创新创业项目", {})
        )
    best = max(range(len(items)), key=lambda index: items[index][0])
    points = round_half_up(min(items[best][0], p.innovation_cap))

    def describe() -> tuple[str, dict[str, object]]:
        others = [items[index][1] for index in range(len(items)) if index != best]
        rule = f"取最高一项（最高 {fmt(p.innovation_cap)}）：{items[best][1]}"
        return rule + (f"；其他：{'；'.join(others)}" if others else ""), {"items": len(items)}

    return IndicatorResult("innovation", points, p.articles["innovation"], describe)


def _penalty_years(facts: Facts, p: PolicyParams) -> range:
    return range(facts.year - p.penalty_lookback_years, facts.year)


def tax(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    years = (facts.year - 3, facts.year - 2, facts.year - 1)
    paid = [facts.income_tax.get(year, ZERO) for year in years]
    continuous = all(amount > 0 for amount in paid)
    high = sum([amount >= p.tax_high_income_yuan for amount in paid])
    if not continuous:
        bonus = ZERO
    elif p.tax_per_year:
        bonus = min(high * p.tax_points_per_high_year, p.tax_points_all_three_high)
    else:
        bonus = p.tax_points_all_three_high if high == 3 else ZERO
    window = _penalty_years(facts, p)
    violations = sum(1 for day in facts.tax_violations if day.year in window)
    penalty = violations * p.tax_violation_points

    def describe() -> tuple[str, dict[str, object]]:
        paid_text = "、".join(
            f"{year}年 {amount} 元" for year, amount in zip(years, paid, strict=True)
        )
        if not continuous:
            rule = f"近3年未连续纳税（{paid_text}），不加分"
        elif p.tax_per_year:
            rule = f"近3年连续纳税（{paid_text}），其中 {high} 年 ≥ 10 万元 × {p.tax_points_per_high_year} = {fmt(bonus)}"
        else:
            rule = f"近3年连续纳税（{paid_text}），{'每年均' if high == 3 else '并非每年均'} ≥ 10 万元：{fmt(bonus)}"
        rule += f"；{window.start}-{window.stop - 1}年涉税违法 {violations} 条 × {p.tax_violation_points} = {fmt(penalty)}"
        return rule, {
            "income_tax": {str(y): str(a) for y, a in zip(years, paid, strict=True)},
            "violations": violations,
        }

    return IndicatorResult("tax", round_half_up(bonus + penalty), p.articles["tax"], describe)


def age(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    born = facts.person.birth_date.year
    full_from = facts.year - p.age_full_points_born_years_before
    if born >= full_from:
        points = p.age_full_points
    elif p.age_points_lost_per_year:
        points = max(ZERO, p.age_full_points - (full_from - born) * p.age_points_lost_per_year)
    else:
        points = ZERO

    def describe() -> tuple[str, dict[str, object]]:
        if born >= full_from:
            rule = f"{born}年出生（{full_from}年及以后）= {fmt(points)}"
        elif p.age_points_lost_per_year:
            rule = (
                f"{born}年出生，早于{full_from}年 {full_from - born} 年，每年少加 "
                f"{p.age_points_lost_per_year}：{fmt(points)}"
            )
        else:
            rule = f"{born}年出生（早于{full_from}年），不加分"
        return rule, {"birth_year": born}

    return IndicatorResult("age", round_half_up(points), p.articles["age"], describe)


def honors(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    counted = [h for h in facts.honors if h.year is None or h.year <= facts.year - 1]
    if not counted:

        def late() -> str:
            return "；".join(
                f"{HONORS[h.code][0]}（{h.year}年）：晚于截止年度 {facts.year - 1} 年，不计分"
                for h in facts.honors
            )

        return IndicatorResult(
            "honors", ZERO, p.articles["honors"], lambda: (late() or "无荣誉表彰", {})
        )
    label, source = HONORS[counted[0].code]
    return IndicatorResult(
        "honors",
        round_half_up(p.honor_points),
        p.articles["honors"],
        lambda: (
            f"{label} = {fmt(p.honor_points)}（{source}；多项不累加）",
            {"honors": [h.code for h in counted]},
        ),
    )


def law_record(facts: Facts, tl: Timeline, p: PolicyParams) -> IndicatorResult:
    window = _penalty_years(facts, p)
    count = sum(1 for day in facts.detentions if day.year in window)
    points = round_half_up(count * p.detention_points)
    return IndicatorResult(
        "law_record",
        points,
        p.articles["law_record"],
        lambda: (
            f"{window.start}-{window.stop - 1}年行政拘留 {count} 次 × {p.detention_points} = {fmt(points)}",
            {"detentions": count},
        ),
    )


INDICATOR_FUNCTIONS = (
    employment,
    housing,
    education,
    education_deduction,
    job_residence_area,
    innovation,
    tax,
    age,
    honors,
    law_record,
)
