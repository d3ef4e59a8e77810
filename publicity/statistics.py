"""Statistics across the published lists (/publicity/statistics/).

Per year: the quota, the number ranked, the number listed, the cutoff and how many share it
(同分同落, 细则第十条), cancellations after objections; per indicator: the listed people's
average and the distribution of their points. The database adds up each list (~6,000 rows in
Beijing) in two aggregate queries; the result is cached per publication and list version, so
a page view reads only the publications' own rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, FloatField, Max, Min, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from publicity.charts import (
    Chart,
    Series,
    bar_chart,
    histogram_chart,
    line_chart,
    nice_step,
    number_label,
)
from publicity.models import Publication
from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS

CACHE_SECONDS = 30 * 24 * 3600  # the key changes with the list, so this only bounds memory
DISTRIBUTION_BINS = 8
CENT = Decimal("0.01")
# Short names where the official one does not fit under a small chart.
SHORT_LABELS = {"education_deduction": "就学期间扣除"}


@dataclass(frozen=True, slots=True)
class IndicatorStats:
    code: str
    label: str
    average: Decimal | None
    low: Decimal | None
    high: Decimal | None
    bins: list[dict[str, Any]]  # [{"from": "0", "to": "2", "count": 12}, ...], low to high

    @property
    def short_label(self) -> str:
        return SHORT_LABELS.get(self.code, self.label)


@dataclass(frozen=True, slots=True)
class YearStats:
    year: int
    quota: int
    applicants: int  # ranked (参与排名人数)
    admitted: int  # listed (公示人数)
    cutoff: Decimal | None
    ties: int  # listed with exactly the cutoff total
    cancelled: int  # admissions cancelled after an upheld objection
    indicators: list[IndicatorStats]  # contract order
    histogram: list[dict[str, Any]]  # all ranked applicants' totals (Publication.histogram)

    def indicator(self, code: str) -> IndicatorStats:
        return next(i for i in self.indicators if i.code == code)


def _points(code: str) -> Cast:
    # PublicityEntry.indicators holds the official two-decimal strings: {"employment": "12.34"}.
    return Cast(KT(f"indicators__{code}"), FloatField())


def _cents(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _average(total: float | None, count: int) -> Decimal | None:
    if total is None or not count:
        return None
    return (_cents(total) / count).quantize(CENT, rounding=ROUND_HALF_UP)  # type: ignore[operator]


def _edges(low: Decimal, high: Decimal) -> list[Decimal]:
    """Bin edges on a nice step from below `low` to above `high` (the last bin holds `high`)."""
    step = nice_step(high - low, DISTRIBUTION_BINS) if high > low else Decimal(1)
    edge = (low / step).to_integral_value(ROUND_FLOOR) * step
    edges = [edge]
    while edge <= high:
        edge += step
        edges.append(edge)
    return edges


def _compute(publication: Publication) -> dict[str, Any]:
    """Two aggregate queries over one list; plain strings and numbers, for the cache."""
    entries = publication.entries.all()
    figures: dict[str, Any] = {
        "listed": Count("pk"),
        "ties": Count("pk", filter=Q(total=publication.cutoff)),
        "cancelled": Count("pk", filter=Q(cancelled_at__isnull=False)),
    }
    for code in INDICATOR_CODES:
        # A sum of two-decimal values is exact to the cent (a float's error is far smaller),
        # so the average is rounded once, as a decimal, whatever the database.
        figures[f"{code}_sum"] = Sum(_points(code))
        figures[f"{code}_min"] = Min(_points(code))
        figures[f"{code}_max"] = Max(_points(code))
    totals = entries.aggregate(**figures)

    counts: dict[str, Any] = {}
    edges_of: dict[str, list[Decimal]] = {}
    for code in INDICATOR_CODES:
        low, high = _cents(totals[f"{code}_min"]), _cents(totals[f"{code}_max"])
        if low is None or high is None:
            continue
        edges_of[code] = edges = _edges(low, high)
        for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
            # Float edges: the stored values are parsed from the same decimal strings.
            between = Q(
                GreaterThanOrEqual(_points(code), float(start)),
                LessThan(_points(code), float(end)),
            )
            counts[f"{code}_{index}"] = Count("pk", filter=between)
    binned = entries.aggregate(**counts) if counts else {}

    indicators = []
    for code in INDICATOR_CODES:
        edges = edges_of.get(code, [])
        indicators.append(
            {
                "code": code,
                "average": _text(_average(totals[f"{code}_sum"], totals["listed"])),
                "low": _text(_cents(totals[f"{code}_min"])),
                "high": _text(_cents(totals[f"{code}_max"])),
                "bins": [
                    {
                        "from": number_label(start),
                        "to": number_label(end),
                        "count": binned[f"{code}_{index}"],
                    }
                    for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False))
                ],
            }
        )
    return {"ties": totals["ties"], "cancelled": totals["cancelled"], "indicators": indicators}


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _cache_key(publication: Publication) -> str:
    return f"publicity:statistics:1:{publication.version_key}"


def statistics_by_year() -> list[YearStats]:
    """One YearStats per published list, oldest year first."""
    publications = list(Publication.objects.select_related("round").order_by("round__year"))
    keys = {publication.pk: _cache_key(publication) for publication in publications}
    cached = cache.get_many(list(keys.values()))
    years = []
    for publication in publications:
        data = cached.get(keys[publication.pk])
        if data is None:
            data = _compute(publication)
            cache.set(keys[publication.pk], data, CACHE_SECONDS)
        years.append(
            YearStats(
                year=publication.round.year,
                quota=publication.quota,
                applicants=publication.applicant_count,
                admitted=publication.admitted_count,
                cutoff=publication.cutoff,
                ties=data["ties"],
                cancelled=data["cancelled"],
                histogram=publication.histogram,
                indicators=[
                    IndicatorStats(
                        code=item["code"],
                        label=INDICATOR_LABELS[item["code"]],
                        average=_decimal(item["average"]),
                        low=_decimal(item["low"]),
                        high=_decimal(item["high"]),
                        bins=item["bins"],
                    )
                    for item in data["indicators"]
                ],
            )
        )
    return years


# --- the table as CSV and the charts -------------------------------------------------------

CSV_HEADER = (
    "年度",
    "年度落户规模",
    "参与排名人数",
    "公示人数",
    "落户分数线",
    "分数线同分人数",
    "取消资格人数",
    *(f"{INDICATOR_LABELS[code]}平均分" for code in INDICATOR_CODES),
)


def statistics_csv(years: list[YearStats]) -> bytes:
    """The page's table, one row a year (UTF-8 with BOM, like the list). Numbers only: no
    cell here comes from what a person typed."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for y in years:
        writer.writerow(
            [
                y.year,
                y.quota,
                y.applicants,
                y.admitted,
                "" if y.cutoff is None else f"{y.cutoff:.2f}",
                y.ties,
                y.cancelled,
                *("" if i.average is None else f"{i.average:.2f}" for i in y.indicators),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def statistics_context(years: list[YearStats], *, year: str = "") -> dict[str, Any]:
    """What the page shows: every year side by side, and the distributions of `year` (the
    latest when it is not one of them)."""
    selected = {f"{y.year}": y for y in years}.get(year) or (years[-1] if years else None)
    return {
        "years": years,
        "selected": selected,
        "charts": statistics_charts(years, selected=selected),
        # rows: indicator, columns: years
        "averages": [
            (INDICATOR_LABELS[code], [y.indicator(code).average for y in years])
            for code in INDICATOR_CODES
        ],
    }


def statistics_charts(years: list[YearStats], *, selected: YearStats | None) -> dict[str, Any]:
    """The page's charts: the years side by side, then the selected year's distributions."""
    labels = [f"{y.year}" for y in years]
    with_cutoff = [y for y in years if y.cutoff is not None]
    charts: dict[str, Any] = {
        "cutoffs": line_chart(
            [f"{y.year}" for y in with_cutoff],
            [y.cutoff for y in with_cutoff],  # type: ignore[misc]
            title="各年度落户分数线",
            x_title="年度",
            y_title="分数线（分）",
            unit=" 分",
        ),
        "admitted": bar_chart(
            labels,
            [
                Series(
                    "年度落户规模", [Decimal(y.quota) for y in years], css="bar alt", unit=" 人"
                ),
                Series("公示人数", [Decimal(y.admitted) for y in years], unit=" 人"),
            ],
            title="各年度落户规模与公示人数",
            x_title="年度",
            y_title="人数",
        ),
        "averages": [
            (
                code,
                INDICATOR_LABELS[code],
                bar_chart(
                    labels,
                    [Series("平均分", [y.indicator(code).average for y in years], unit=" 分")],
                    title=f"{INDICATOR_LABELS[code]}：各年度公示人员平均分",
                    x_title="年度",
                    y_title="平均分（分）",
                    width=320,
                    height=220,
                ),
            )
            for code in INDICATOR_CODES
        ],
    }
    if selected is not None:
        charts["totals"] = histogram_chart(
            selected.histogram,
            cutoff=selected.cutoff,
            title=f"{selected.year}年度全部参与排名申请人的积分分布",
        )
        charts["distributions"] = [
            (item, _distribution(item, selected.year)) for item in selected.indicators
        ]
    return charts


def _distribution(item: IndicatorStats, year: int) -> Chart:
    return histogram_chart(
        item.bins,
        title=f"{year}年度公示人员{item.label}积分分布",
        x_title=f"{item.short_label}（分）",
        width=320,
        height=220,
    )
