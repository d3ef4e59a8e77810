"""The chart geometry (publicity/charts.py): nice ticks, bars from zero, the cutoff marked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from publicity.charts import Series, bar_chart, histogram_chart, line_chart, nice_range, nice_step

D = Decimal


@pytest.mark.parametrize(
    ("span", "count", "step"),
    [("90", 6, "20"), ("100", 4, "25"), ("7", 4, "2"), ("0.35", 8, "0.05"), ("1", 8, "0.2")],
)
def test_nice_step(span, count, step):
    assert str(nice_step(D(span), count)) == step  # printed plainly: 20, not 2E+1


def test_nice_range_covers_both_ends_on_the_step():
    assert nice_range(D("-11.09"), D(0), count=4) == [D(-15), D(-10), D(-5), D(0)]
    assert nice_range(D(60), D("71.75"), count=4) == [D(60), D(65), D(70), D(75)]
    # one value: an axis one point wide
    assert nice_range(D(5), D(5)) == [D(5), D("5.2"), D("5.4"), D("5.6"), D("5.8"), D(6)]


def test_histogram_marks_the_cutoff_and_labels_both_axes():
    bins = [{"from": "40", "to": "45", "count": 2}, {"from": "45", "to": "50", "count": 8}]
    chart = histogram_chart(bins, cutoff=D("47.50"), title="t")
    assert [t.label for t in chart.x_ticks][0] == "40"
    assert [t.label for t in chart.y_ticks][0] == "0"
    assert chart.x_title == "积分（分）"
    assert chart.y_title == "人数"
    assert chart.marker.label == "分数线 47.50"
    # three quarters of the way from 40 to 50; the label turns inwards
    assert chart.marker.x == pytest.approx(chart.left + 0.75 * (chart.right - chart.left), abs=0.1)
    assert chart.marker.anchor == "end"
    assert chart.bars[1].h == pytest.approx(4 * chart.bars[0].h, abs=0.2)
    assert chart.bars[0].tip == "40–45 分：2 人"


def test_negative_values_hang_below_the_zero_axis():
    chart = bar_chart(
        ["2020", "2021"],
        [Series("平均分", [D("-11.09"), D("2.00")])],
        title="t",
        x_title="年度",
        y_title="分",
    )
    below, above = chart.bars
    assert below.y == chart.axis_y  # starts at zero, goes down
    assert above.y + above.h == chart.axis_y  # ends at zero, from above
    assert "0" in [t.label for t in chart.y_ticks]


def test_line_chart_prints_each_value_beside_its_point():
    chart = line_chart(
        ["2019", "2020"], [D("90.00"), D("95.96")], title="t", x_title="年度", y_title="分"
    )
    assert [p.value for p in chart.points] == ["90.00", "95.96"]
    assert chart.points[1].y < chart.points[0].y  # higher value, higher on the page
    assert [t.label for t in chart.x_ticks] == ["2019", "2020"]


def test_no_data_draws_empty_axes():
    chart = histogram_chart([], title="t")
    assert chart.empty
    assert chart.bars == []
