"""The phase times of several `simulate_round` runs as one SVG (docs/benchmarks.md, issue 13):
a stacked bar per run, one colour per phase, the 20-minute goal as a line.

Hand-written SVG: the project has no plotting dependency, and a chart of a few bars does
not need one. The input is the runs' summaries (`simulate_round --summary FILE`).
"""

from __future__ import annotations

from html import escape
from typing import Any

PHASE_LABELS = {
    "scheduled": "准备 / scheduled",
    "declaration": "申报 / declaration",
    "aggregation": "审核汇总 / aggregation",
    "result_query": "结果查询 / result query",
    "recheck_ranking": "复核排名 / recheck, ranking",
    "publicity": "公示 / publicity",
    "closed": "落户 / closed",
}
COLOURS = ["#9e9e9e", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
GOAL_SECONDS = 20 * 60  # issue 13: the whole cycle at 130,000 within 20 minutes

WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 40, 50


def _applicants(summary: dict[str, Any]) -> int:
    return sum(summary["applications"].values())


def _tick_seconds(largest: float) -> float:
    """A round number of minutes per gridline, at most eight gridlines."""
    for minutes in (1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 960):
        if largest <= minutes * 60 * 8:
            return minutes * 60.0
    return 1920 * 60.0


def phase_times_svg(summaries: list[dict[str, Any]], *, title: str) -> str:
    """One bar per summary (in order of applicants), its phases stacked in run order."""
    runs = sorted(summaries, key=_applicants)
    phases = [p for p in PHASE_LABELS if any(p in s["seconds"] for s in runs)]
    totals = [sum(s["seconds"].values()) for s in runs]
    largest = max([*totals, GOAL_SECONDS])
    tick = _tick_seconds(largest)
    ticks = int(largest // tick) + 1  # headroom above the tallest bar or the goal line
    top = tick * ticks
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(seconds: float) -> float:
        return TOP + plot_h * (1 - seconds / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14">{escape(title)}</text>',
    ]
    for i in range(ticks + 1):
        seconds = tick * i
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(seconds):.1f}" y2="{y(seconds):.1f}" '
            f'stroke="#e0e0e0"/>'
            f'<text x="{LEFT - 6}" y="{y(seconds) + 4:.1f}" text-anchor="end">'
            f"{seconds / 60:.0f} min</text>"
        )
    slot = plot_w / max(len(runs), 1)
    bar_w = min(90.0, slot * 0.6)
    for index, (summary, total) in enumerate(zip(runs, totals, strict=True)):
        x = LEFT + slot * index + (slot - bar_w) / 2
        bottom = 0.0
        for colour, phase in zip(COLOURS, phases, strict=False):
            seconds = summary["seconds"].get(phase, 0.0)
            parts.append(
                f'<rect x="{x:.1f}" y="{y(bottom + seconds):.1f}" width="{bar_w:.1f}" '
                f'height="{y(bottom) - y(bottom + seconds):.1f}" fill="{colour}">'
                f"<title>{escape(PHASE_LABELS[phase])}: {seconds:.0f} s</title></rect>"
            )
            bottom += seconds
        centre = x + bar_w / 2
        parts.append(
            f'<text x="{centre:.1f}" y="{y(total) - 6:.1f}" text-anchor="middle">'
            f"{total / 60:.1f} min</text>"
            f'<text x="{centre:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
            f"{_applicants(summary):,} 人</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(GOAL_SECONDS):.1f}" '
        f'y2="{y(GOAL_SECONDS):.1f}" stroke="black" stroke-dasharray="6 4"/>'
        f'<text x="{LEFT + plot_w - 4}" y="{y(GOAL_SECONDS) - 5:.1f}" text-anchor="end">'
        f"目标 20 分钟 / goal (130,000)</text>"
    )
    legend_x = LEFT + plot_w + 20
    for row, (colour, phase) in enumerate(zip(COLOURS, phases, strict=False)):
        legend_y = TOP + 10 + row * 20
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 18}" y="{legend_y}">{escape(PHASE_LABELS[phase])}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">'
        "申请人数 / applicants; 每段为一个阶段的实际秒数 / real seconds per phase</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
