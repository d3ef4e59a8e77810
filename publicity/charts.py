"""Server-rendered charts: geometry for `templates/publicity/_chart.html` (SVG, no JavaScript).

Every chart draws both axes with tick labels and a title on each, so it reads on paper, in a
screen reader's summary and with scripts off; the pages put the same numbers in a table
beside it. Pure functions: numbers in, coordinates out (no ORM, no templates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

# Margins leave room for the tick labels (left, bottom), the y axis title above the plot
# (top) and the last x tick label (right). Fonts are sized in the stylesheet; a 420-unit
# chart keeps 13-px labels at 10 px on a 390-px phone.
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 30, 48
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True, slots=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    tip: str  # the bar's own numbers, as a tooltip
    css: str = "bar"
    value: str = ""  # printed next to the bar when the chart has room for it
    value_y: float = 0.0

    @property
    def cx(self) -> float:
        return round(self.x + self.w / 2, 1)


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    tip: str
    value: str


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    label: str
    anchor: str  # "start" or "end": the label stays inside the plot


@dataclass(slots=True)
class Chart:
    title: str
    x_title: str
    y_title: str
    width: int
    height: int
    left: float = LEFT
    top: float = TOP
    right: float = 0.0
    bottom: float = 0.0
    axis_y: float = 0.0  # where the x axis is drawn: at value 0, or at the bottom
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    marker: Marker | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def center_x(self) -> float:
        return self.width / 2

    @property
    def tick_mark_y(self) -> float:
        return self.bottom + 5

    @property
    def tick_label_y(self) -> float:
        return self.bottom + 20

    @property
    def x_title_y(self) -> float:
        return self.height - 6

    @property
    def y_title_y(self) -> float:
        return self.top - 12

    @property
    def legend_items(self) -> list[dict[str, Any]]:
        # Top right, one row each, inside the plot's top margin.
        return [
            {"css": css, "label": label, "x": self.right - 120, "y": 2 + 16 * index}
            for index, (css, label) in enumerate(self.legend)
        ]

    @property
    def empty(self) -> bool:
        return not (self.bars or self.points)


def _frame(title: str, x_title: str, y_title: str, width: int, height: int) -> Chart:
    return Chart(
        title=title,
        x_title=x_title,
        y_title=y_title,
        width=width,
        height=height,
        right=width - RIGHT,
        bottom=height - BOTTOM,
    )


def nice_step(span: Decimal, count: int) -> Decimal:
    """A step of 1, 2, 2.5 or 5 × 10^k that cuts `span` into about `count` parts."""
    if span <= 0:
        return Decimal(1)
    raw = span / count
    scale = Decimal(1).scaleb(raw.adjusted())  # 10^k with 10^k <= raw < 10^(k+1)
    for step in NICE_STEPS:
        if step * scale >= raw:
            return _plain(step * scale)
    return _plain(10 * scale)  # pragma: no cover - NICE_STEPS ends at 10


def _plain(value: Decimal) -> Decimal:
    # 20, not 2E+1: the steps and the edges built from them are printed.
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def nice_range(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Tick values covering [low, high] on a nice step, both ends included."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    step = nice_step(high - low, count)
    first = (low / step).to_integral_value(ROUND_FLOOR) * step
    last = (high / step).to_integral_value(ROUND_CEILING) * step
    ticks = []
    value = first
    while value <= last:
        ticks.append(value)
        value += step
    return ticks


def number_label(value: Decimal) -> str:
    """12, 2.5, -3 (no trailing zeros: tick labels are short)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _scale(low: Decimal, high: Decimal, start: float, end: float):
    span = float(high - low) or 1.0

    def at(value: Decimal | float) -> float:
        return round(start + (end - start) * (float(value) - float(low)) / span, 1)

    return at


def _y_axis(chart: Chart, ticks: list[Decimal]):
    y = _scale(ticks[0], ticks[-1], chart.bottom, chart.top)
    chart.y_ticks = [Tick(y(t), number_label(t)) for t in ticks]
    return y


def histogram_chart(
    bins: Sequence[dict[str, Any]],
    *,
    title: str,
    cutoff: Decimal | None = None,
    x_title: str = "积分（分）",
    y_title: str = "人数",
    width: int = 420,
    height: int = 260,
) -> Chart:
    """Bars over a continuous axis: bins are {"from", "to", "count"}, contiguous, low to high.
    `cutoff` is marked with a line and its value."""
    chart = _frame(title, x_title, y_title, width, height)
    chart.axis_y = chart.bottom
    if not bins:
        return chart
    low, high = Decimal(str(bins[0]["from"])), Decimal(str(bins[-1]["to"]))
    x_values = [t for t in nice_range(low, high, count=6) if low <= t <= high]
    x = _scale(low, high, chart.left, chart.right)
    chart.x_ticks = [Tick(x(t), number_label(t)) for t in x_values]
    peak = max(int(b["count"]) for b in bins)
    y = _y_axis(chart, nice_range(Decimal(0), Decimal(max(peak, 1)), count=4))
    for b in bins:
        left, right = x(Decimal(str(b["from"]))), x(Decimal(str(b["to"])))
        top = y(b["count"])
        chart.bars.append(
            Bar(
                x=left,
                y=top,
                w=round(max(right - left - 1, 1), 1),
                h=round(chart.bottom - top, 1),
                tip=f"{b['from']}–{b['to']} 分：{b['count']} 人",
            )
        )
    if cutoff is not None and low <= cutoff <= high:
        at = x(cutoff)
        anchor = "end" if at > (chart.left + chart.right) / 2 else "start"
        chart.marker = Marker(x=at, label=f"分数线 {cutoff}", anchor=anchor)
    return chart


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[Decimal | None]  # one per category; None: no bar
    css: str = "bar"
    unit: str = ""


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    x_title: str,
    y_title: str,
    width: int = 420,
    height: int = 260,
    show_values: bool = True,
) -> Chart:
    """Grouped bars from zero (negative values hang below the axis), one group a category."""
    chart = _frame(title, x_title, y_title, width, height)
    values = [v for s in series for v in s.values if v is not None]
    if not categories or not values:
        chart.axis_y = chart.bottom
        return chart
    ticks = nice_range(min([Decimal(0), *values]), max([Decimal(0), *values]), count=4)
    y = _y_axis(chart, ticks)
    chart.axis_y = y(0)
    group = (chart.right - chart.left) / len(categories)
    bar_w = group * 0.7 / len(series)
    for index, category in enumerate(categories):
        start = chart.left + index * group + group * 0.15
        chart.x_ticks.append(Tick(round(chart.left + (index + 0.5) * group, 1), category))
        for number, s in enumerate(series):
            value = s.values[index]
            if value is None:
                continue
            top, zero = y(value), chart.axis_y
            chart.bars.append(
                Bar(
                    x=round(start + number * bar_w, 1),
                    y=min(top, zero),
                    w=round(max(bar_w - 1, 1), 1),
                    h=round(abs(zero - top), 1),
                    tip=f"{category} {s.label}：{value}{s.unit}",
                    css=s.css,
                    value=str(value) if show_values else "",
                    value_y=round(top - 4 if value >= 0 else top + 13, 1),
                )
            )
    if len(series) > 1:
        chart.legend = [(s.css, s.label) for s in series]
    return chart


def line_chart(
    categories: Sequence[str],
    values: Sequence[Decimal],
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: str = "",
    width: int = 420,
    height: int = 260,
) -> Chart:
    """Points joined by a line. The y axis covers the values, not zero: the labels say where
    it starts, and the printed values beside each point are what to compare."""
    chart = _frame(title, x_title, y_title, width, height)
    chart.axis_y = chart.bottom
    if not categories:
        return chart
    y = _y_axis(chart, nice_range(min(values), max(values), count=4))
    step = (chart.right - chart.left) / len(categories)
    for index, (category, value) in enumerate(zip(categories, values, strict=True)):
        at = round(chart.left + (index + 0.5) * step, 1)
        chart.x_ticks.append(Tick(at, category))
        chart.points.append(
            Point(x=at, y=y(value), tip=f"{category}：{value}{unit}", value=str(value))
        )
    return chart
