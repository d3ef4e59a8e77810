"""Reads for the public list, its exports and the back office. Never the reporter's identity
outside `objections_for_administrators`, never an applicant's identity number or contact."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q

from publicity.models import (
    CreditRecord,
    Objection,
    ObjectionState,
    Publication,
    PublicityEntry,
)
from ranking.models import RankingRun
from ranking.policy import INDICATOR_CODES
from ranking.policy.identity import parse_id_number
from workflow.models import AnnualRound, Application

PAGE_SIZE = 50
HISTOGRAM_BIN = Decimal("5")


@dataclass(frozen=True, slots=True)
class ListRow:
    number: str
    position: int
    rank: int
    name: str
    birth_month: str
    employer: str
    indicators: dict[str, str]  # code -> "12.34", contract order
    total: Decimal

    def indicator_values(self) -> list[str]:
        return [self.indicators.get(code, "0.00") for code in INDICATOR_CODES]


def publicity_number(year: int, position: int) -> str:
    # The official lists since 2020: year + 5-digit sequence in list order (202000001).
    return f"{year}{position:05d}"


def current_ranking(round: AnnualRound) -> RankingRun | None:
    return RankingRun.objects.filter(round=round, is_current=True).first()


def credit_record_latest(*, applicant: Any = None, employer: Any = None) -> CreditRecord | None:
    """The latest fraud record of an applicant or an employer: why and since when it is barred."""
    owner = {"applicant": applicant} if applicant is not None else {"employer": employer}
    return (
        CreditRecord.objects.filter(**owner)
        .select_related("round")
        .order_by("-recorded_at", "-id")
        .first()
    )


def publications_recent(*, limit: int = 3) -> list[Publication]:
    """The latest published lists, newest first (the home page links to them)."""
    return list(Publication.objects.select_related("round").order_by("-round__year")[:limit])


def publication_of(round: AnnualRound) -> Publication | None:
    return Publication.objects.filter(round=round).first()


def admitted_applications(round: AnnualRound):
    # List order = ranking.standings.list_order_key: total desc, then application id.
    return (
        Application.objects.filter(round=round, admitted=True, rank__isnull=False)
        .order_by("-total_points", "pk")
        .values_list(
            "pk",
            "rank",
            "total_points",
            "applicant__name",
            "applicant__id_number",
            "employer__name",
            "score_explanation",
        )
    )


def build_rows(round: AnnualRound) -> list[tuple[int, ListRow]]:
    """The list from the current ranking: (application id, row), in list order."""
    rows = []
    for position, (app_id, rank, total, name, id_number, employer, explanation) in enumerate(
        admitted_applications(round).iterator(chunk_size=5000), start=1
    ):
        birth = parse_id_number(id_number).birth_date
        indicators = (explanation or {}).get("indicators", {})
        rows.append(
            (
                app_id,
                ListRow(
                    number=publicity_number(round.year, position),
                    position=position,
                    rank=rank,
                    name=name,
                    birth_month=f"{birth:%Y-%m}",
                    employer=employer or "",
                    indicators={code: indicators.get(code, "0.00") for code in INDICATOR_CODES},
                    total=total,
                ),
            )
        )
    return rows


def entry_row(entry: PublicityEntry) -> ListRow:
    return ListRow(
        number=entry.number,
        position=entry.position,
        rank=entry.rank,
        name=entry.name,
        birth_month=entry.birth_month,
        employer=entry.employer_name,
        indicators=entry.indicators,
        total=entry.total,
    )


def list_rows(round: AnnualRound) -> tuple[list[ListRow], bool]:
    """(rows, is_draft): the published list if there is one, else a draft from the ranking."""
    publication = publication_of(round)
    if publication is not None:
        return [entry_row(e) for e in publication.entries.order_by("position")], False
    return [row for _, row in build_rows(round)], True


def publicity_page(*, publication: Publication, query: str = "", page: Any = 1) -> Page:
    """Search by name or employer (substring), PAGE_SIZE rows a page, in list order."""
    entries = publication.entries.order_by("position").only(
        "number", "position", "rank", "name", "birth_month", "employer_name", "indicators", "total"
    )
    query = query.strip()
    if query:
        entries = entries.filter(Q(name__icontains=query) | Q(employer_name__icontains=query))
    return Paginator(entries, PAGE_SIZE).get_page(page)


def totals_histogram(round: AnnualRound) -> list[dict[str, Any]]:
    """Counts of ALL ranked applicants' totals in HISTOGRAM_BIN-point bins, low to high."""
    totals = Application.objects.filter(round=round, rank__isnull=False).values_list(
        "total_points", flat=True
    )
    counts: dict[int, int] = {}
    for total in totals.iterator(chunk_size=10000):
        key = math.floor(total / HISTOGRAM_BIN)
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return []
    return [
        {
            "from": str(k * HISTOGRAM_BIN),
            "to": str((k + 1) * HISTOGRAM_BIN),
            "count": counts.get(k, 0),
        }
        for k in range(min(counts), max(counts) + 1)
    ]


def histogram_svg(histogram: list[dict[str, Any]], cutoff: Decimal | None) -> dict[str, Any]:
    """Bar geometry for a server-rendered SVG (no JavaScript)."""
    width, height, pad = 720, 220, 30
    if not histogram:
        return {"width": width, "height": height, "bars": [], "cutoff_x": None}
    low, high = Decimal(histogram[0]["from"]), Decimal(histogram[-1]["to"])
    span = float(high - low) or 1.0
    peak = max(b["count"] for b in histogram) or 1
    plot_w, plot_h = width - 2 * pad, height - 2 * pad
    bar_w = plot_w / len(histogram)
    bars = []
    for index, b in enumerate(histogram):
        h = plot_h * b["count"] / peak
        bars.append(
            {
                "x": round(pad + index * bar_w, 1),
                "y": round(pad + plot_h - h, 1),
                "w": round(max(bar_w - 1, 1), 1),
                "h": round(h, 1),
                "label": f"{b['from']}–{b['to']} 分：{b['count']} 人",
                "from": b["from"],
                "show_label": index % max(1, len(histogram) // 8) == 0,
            }
        )
    cutoff_x = None
    if cutoff is not None:
        cutoff_x = round(pad + plot_w * float(cutoff - low) / span, 1)
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "cutoff_x": cutoff_x,
        "base_y": pad + plot_h,
        "pad": pad,
    }


def objections_for_administrators(publication: Publication):
    """With the reporter's identity: only for administrators' pages (views check the role)."""
    return publication.objections.select_related("entry").order_by("state", "-submitted_at")


def open_objection_count(publication: Publication) -> int:
    return publication.objections.filter(state=ObjectionState.RECEIVED).count()


def objection_public_summary(objection: Objection) -> dict[str, Any]:
    """What anyone but an administrator may learn about an objection: never who reported."""
    return {
        "number": objection.entry.number,
        "state": objection.get_state_display(),
        "submitted_at": objection.submitted_at,
        "outcome": objection.outcome if objection.state != ObjectionState.RECEIVED else "",
    }
