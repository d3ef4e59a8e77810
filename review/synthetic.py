"""Department records and batch files built from facts format 1 (the synthetic population).

For benchmarks and tests: what each department's data exchange would hold for a person
whose facts are true, as model instances (bulk_create) or as import file rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from review.models import (
    RECORD_KINDS,
    AwardRecord,
    CriminalRecord,
    Degree,
    Detention,
    HonorRecord,
    IncomeTax,
    PropertyRegistration,
    RentalFiling,
    ResidencePermit,
    SocialInsurancePeriod,
    TaxPenalty,
)
from review.resources import COLUMNS, headers_of


def _month(text: str | None) -> dt.date | None:
    if text is None:
        return None
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def records_from_facts(
    facts: Mapping[str, Any], *, applicant_id: int, departments: Mapping[str, int]
) -> list:
    """Unsaved record instances that bear out `facts` exactly (`departments`: code → id)."""
    number = facts["person"]["id_number"]
    out: list[Any] = []

    def key(*parts: Any) -> str:
        return "|".join(str(p) for p in parts)

    for p in facts.get("social_insurance") or []:
        out.append(
            SocialInsurancePeriod(
                applicant_id=applicant_id,
                from_month=_month(p["from"]),
                to_month=_month(p["to"]),
                district=p["district"],
                back_paid=p["back_paid"],
                record_key=key(
                    "social_insurance", number, p["from"], p["to"], p["district"], p["back_paid"]
                ),
            )
        )
    if facts.get("residence_permit"):
        out.append(
            ResidencePermit(
                applicant_id=applicant_id,
                issued_on=_date(facts["residence_permit"]["issued_on"]),
                record_key=key("residence_permit", number),
            )
        )
    if facts.get("criminal_record"):
        out.append(
            CriminalRecord(
                applicant_id=applicant_id,
                recorded_on=dt.date(facts["year"] - 3, 1, 1),
                record_key=key("criminal_record", number),
            )
        )
    for on in facts.get("detentions") or []:
        out.append(
            Detention(
                applicant_id=applicant_id,
                detained_on=_date(on),
                record_key=key("detention", number, on),
            )
        )
    for h in facts.get("housing") or []:
        model = PropertyRegistration if h["kind"] in ("own", "spouse_own") else RentalFiling
        out.append(
            model(
                applicant_id=applicant_id,
                from_month=_month(h["from"]),
                to_month=_month(h["to"]),
                kind=h["kind"],
                district=h["district"],
                record_key=key(
                    model.__name__, number, h["from"], h["to"], h["kind"], h["district"]
                ),
            )
        )
    for e in facts.get("education") or []:
        out.append(
            Degree(
                applicant_id=applicant_id,
                level=e["level"],
                diploma=e["diploma"],
                degree=e["degree"],
                graduated_on=_date(e["graduated_on"]),
                record_key=key("degree", number, e["level"], e["graduated_on"]),
            )
        )
    tax = facts.get("tax") or {}
    for year, amount in (tax.get("income_tax") or {}).items():
        out.append(
            IncomeTax(
                applicant_id=applicant_id,
                year=int(year),
                amount=amount,
                record_key=key("income_tax", number, year),
            )
        )
    for on in tax.get("violations") or []:
        out.append(
            TaxPenalty(
                applicant_id=applicant_id,
                penalized_on=_date(on),
                record_key=key("tax_penalty", number, on),
            )
        )
    for a in facts.get("awards") or []:
        out.append(
            AwardRecord(
                applicant_id=applicant_id,
                department_id=departments["science"],
                code=a["code"],
                grade=a.get("grade") or "",
                rank=a.get("rank"),
                role=a.get("role") or "",
                year=a["year"],
                record_key=key(
                    "award", number, a["code"], a.get("grade"), a["year"], a.get("rank")
                ),
            )
        )
    for h in facts.get("honors") or []:
        code, year = (h, None) if isinstance(h, str) else (h["code"], h.get("year"))
        out.append(
            HonorRecord(
                applicant_id=applicant_id,
                department_id=departments["trade_union"],
                code=code,
                year=year,
                record_key=key("honor", number, code, year),
            )
        )
    # Identical periods (the same months twice) are one record: they add no month.
    unique: dict[str, Any] = {}
    for record in out:
        unique.setdefault(record.record_key, record)
    return list(unique.values())


def social_insurance_rows(people: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """人社局 batch rows (header first) for these people's social insurance periods."""
    rows = [headers_of("social_insurance")]
    for facts in people:
        seen = set()
        for p in facts.get("social_insurance") or []:
            if (p["from"], p["to"], p["district"], p["back_paid"]) in seen:
                continue
            seen.add((p["from"], p["to"], p["district"], p["back_paid"]))
            rows.append(
                [
                    facts["person"]["id_number"],
                    p["from"],
                    p["to"] or "",
                    p["district"],
                    "是" if p["back_paid"] else "否",
                ]
            )
    return rows


def record_files(
    people: Iterable[Mapping[str, Any]], *, max_rows: int = 100_000
) -> list[tuple[str, bytes, int]]:
    """Batch files (CSV, header first) of each kind of record for these people's facts, as
    (kind, content, data rows): what each department would upload, a kind's records split
    into files of at most `max_rows` rows (the import refuses a file past its limits). Built
    from `records_from_facts`, so a file holds exactly the records that bear the facts out,
    in the columns (and cell formats) the import reads. Written as the people stream by:
    130,000 people's 1.6 million rows are held as CSV text, never as row lists."""
    kind_of = {kind.model: code for code, kind in RECORD_KINDS.items()}
    # Award and honor records name their department; in a file, the uploading one does.
    no_departments: defaultdict[str, Any] = defaultdict(lambda: None)
    files: list[tuple[str, bytes, int]] = []
    open_files: dict[str, tuple[io.StringIO, Any]] = {}
    counts: defaultdict[str, int] = defaultdict(int)
    widgets = {
        kind: [(column.attribute, column.widget()) for column in columns]
        for kind, columns in COLUMNS.items()
    }

    def close(kind: str) -> None:
        buffer, _ = open_files.pop(kind)
        files.append((kind, buffer.getvalue().encode("utf-8"), counts.pop(kind)))

    for facts in people:
        number = facts["person"]["id_number"]
        for record in records_from_facts(facts, applicant_id=0, departments=no_departments):
            kind = kind_of[type(record)]
            if kind not in open_files:
                buffer = io.StringIO()
                open_files[kind] = (buffer, csv.writer(buffer))
                open_files[kind][1].writerow(headers_of(kind))
            open_files[kind][1].writerow(
                [number]
                + [widget.render(getattr(record, attribute)) for attribute, widget in widgets[kind]]
            )
            counts[kind] += 1
            if counts[kind] == max_rows:
                close(kind)
    for kind in list(open_files):
        close(kind)
    return files


def csv_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
