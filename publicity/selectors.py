"""Reads for the public list, its exports and the back office. Never the reporter's identity
outside `objections_for_administrators`, never an applicant's identity number or contact."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
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
from workflow.models import AnnualRound, Application, AppState

PAGE_SIZE = 50
MIN_YEAR, MAX_YEAR = 1900, 9999
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
    cancelled: bool = False  # an upheld objection cancelled this admission (细则第十条)

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
    # List order = ranking.standings.list_order_key: total desc, then application id. Only
    # those still ranked: one voided or terminated meanwhile (细则第十七条、第十八条) is off
    # the list (and its run is marked to be ranked again before it is approved).
    return (
        Application.objects.filter(
            round=round, admitted=True, rank__isnull=False, state=AppState.RANKED
        )
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
        cancelled=entry.cancelled_at is not None,
    )


# What a row of the public list needs, read as tuples: no model instances, no lazy fields.
ROW_FIELDS = (
    "number",
    "position",
    "rank",
    "name",
    "birth_month",
    "employer_name",
    "indicators",
    "total",
    "cancelled_at",
)


def _rows(values: Iterable[tuple[Any, ...]]) -> list[ListRow]:
    return [
        ListRow(
            number=number,
            position=position,
            rank=rank,
            name=name,
            birth_month=birth_month,
            employer=employer,
            indicators=indicators,
            total=total,
            cancelled=cancelled_at is not None,
        )
        for number, position, rank, name, birth_month, employer, indicators, total, cancelled_at in values
    ]


def list_rows(round: AnnualRound) -> tuple[list[ListRow], bool]:
    """(rows, is_draft): the published list if there is one, else a draft from the ranking.

    The published list is the 公示名单 as it went public, every admitted person on it: an
    upheld objection cancels that person's admission (no backfill, 细则第十条) and the page
    marks them, but the published document itself never loses a row."""
    publication = publication_of(round)
    if publication is not None:
        return published_rows(publication), False
    return [row for _, row in build_rows(round)], True


def published_rows(publication: Publication) -> list[ListRow]:
    """The published list in list order, every entry as published (cancelled ones too, with
    their ``cancelled`` flag for the page)."""
    entries = publication.entries.order_by("position")
    return _rows(entries.values_list(*ROW_FIELDS).iterator(chunk_size=5000))


def publication_published(*, year: int) -> Publication | None:
    """The year's published list (with its round), or None: not published, or no such round."""
    if not MIN_YEAR <= year <= MAX_YEAR:  # a 20-digit year would overflow the database integer
        return None
    return Publication.objects.select_related("round").filter(round__year=year).first()


class _WholeList:
    """The unfiltered list as a sequence for Paginator. Its length is known without counting
    (the publication's admitted_count: positions run 1..n), and a page is a range of positions,
    one seek on the (publication, position) index instead of an OFFSET scan."""

    def __init__(self, publication: Publication) -> None:
        self.publication = publication

    def __len__(self) -> int:
        return self.publication.admitted_count

    def __getitem__(self, window: slice) -> _PageRows:
        return _PageRows(self.publication, window)


class _PageRows(Sequence):
    """One page of the whole list, read on first use: a page served from its prepared table
    (publicity.list_pages) reads no rows."""

    def __init__(self, publication: Publication, window: slice) -> None:
        self.publication, self.window = publication, window

    @functools.cached_property
    def _read(self) -> list[ListRow]:
        entries = PublicityEntry.objects.filter(
            publication=self.publication,
            position__gt=self.window.start,
            position__lte=self.window.stop,
        ).order_by("position")
        return _rows(entries.values_list(*ROW_FIELDS))

    def __len__(self) -> int:
        return len(self._read)

    def __getitem__(self, index: Any) -> Any:
        return self._read[index]


def publicity_page(*, publication: Publication, query: str = "", page: Any = 1) -> Page:
    """PAGE_SIZE rows of ListRow a page, in list order; `query` finds a 公示编号 exactly, or a
    name or employer by substring. Both walk the (publication, position) index in list order
    and stop at the page's end; a search reads at most the one list (~6,000 rows)."""
    query = query.strip()
    if not query:
        return Paginator(_WholeList(publication), PAGE_SIZE).get_page(page)
    entries = (
        PublicityEntry.objects.filter(publication=publication)
        .filter(Q(number=query) | Q(name__icontains=query) | Q(employer_name__icontains=query))
        .order_by("position")
        .values_list(*ROW_FIELDS)
    )
    found = Paginator(entries, PAGE_SIZE).get_page(page)
    found.object_list = _rows(found.object_list)
    return found


def cancelled_count(publication: Publication) -> int:
    return publication.entries.filter(cancelled_at__isnull=False).count()


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
