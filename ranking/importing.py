"""Import department-verified facts (format 1) as ready-to-rank applications.

For migrations from another system, demos and checks (`manage.py import_facts`). Every line
is validated first; then everything is written in one transaction with bulk inserts, so a
file with one bad line imports nothing, and 130,000 lines take one pass of bulk writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.utils.crypto import get_random_string

from ranking.jsonlines import JsonLineError, is_blank, parse_line
from ranking.policy import Facts, FactsError, parse_facts, score
from ranking.scoring import ranking_explanation
from ranking.services import require_declaration_closed
from workflow import crypto, roles
from workflow.exceptions import NotPermitted
from workflow.facts import CLAIM_FACT_KEYS, JOB_RESIDENCE_AREA
from workflow.indicators import INDICATOR_CODES, primary_department_of
from workflow.models import (
    AnnualRound,
    Applicant,
    Application,
    AppState,
    ClaimState,
    Employer,
    IndicatorClaim,
)
from workflow.services import AuditRow, audit_event, audit_record, departments_ensure, now_or
from workflow.services.transitions import audit_events_write

BATCH = 2000  # lines validated, then written together (memory holds one batch)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"第 {self.line} 行：{where}{self.message}"


@dataclass
class ImportReport:
    lines: int = 0
    applications: int = 0
    applicants_created: int = 0
    employers_created: int = 0
    claims: int = 0
    errors: list[LineError] = field(default_factory=list)


# Text the policy accepts at any length, but the columns that keep it have a width: a longer
# value would fail the whole bulk insert (PostgreSQL) instead of naming its line.
_TEXT_LIMITS = {
    "person.name": Applicant._meta.get_field("name").max_length,
    "employer.name": Employer._meta.get_field("name").max_length,
}


def _text_too_long(number: int, raw: dict) -> LineError | None:
    for path, limit in _TEXT_LIMITS.items():
        part, key = path.split(".")
        value = (raw.get(part) or {}).get(key)
        if isinstance(value, str) and len(value) > limit:
            return LineError(number, path, f"不能超过 {limit} 个字符（实为 {len(value)} 个）")
    return None


class _Refused(Exception):
    """Rolls back the batches already written when a later line has an error."""


@dataclass
class _Batch:
    # (line number, raw object, validated facts) of lines not yet written.
    lines: list[tuple[int, dict, Facts]] = field(default_factory=list)


def _check_line(
    number: int,
    text: str | JsonLineError,
    round: AnnualRound,
    seen_ids: dict[str, int],
) -> tuple[dict, Facts] | LineError:
    try:
        raw = parse_line(text)
    except JsonLineError as exc:
        return LineError(number, "", str(exc))
    try:
        facts = parse_facts(raw)
    except FactsError as exc:
        return LineError(number, exc.field, exc.message)
    if too_long := _text_too_long(number, raw):
        return too_long
    if facts.year != round.year:
        return LineError(number, "year", f"应为 {round.year}（导入的年度），实为 {facts.year}")
    if facts.policy_id != round.policy_id:
        return LineError(
            number, "policy", f"{round.year}年度使用 {round.policy_id}，实为 {facts.policy_id}"
        )
    id_number = facts.person.id_number
    if id_number in seen_ids:
        return LineError(number, "person.id_number", f"与第 {seen_ids[id_number]} 行重复")
    seen_ids[id_number] = number
    raw["person"]["id_number"] = id_number  # normalised (upper-case X)
    return raw, facts


def facts_import(
    *,
    round: AnnualRound,
    lines: Iterable[str | JsonLineError],
    actor: Any = None,
    now: dt.datetime | None = None,
    label: str = "import_facts",
) -> ImportReport:
    """Validate every line, then create applicants (with accounts), employers, applications
    (state final, scored) and verified claims in one transaction. Any bad line: nothing is
    written, and the report lists each bad line with the field it names. `lines` are text
    lines, or `ranking.jsonlines.read_lines`'s (where a line that could not be read is its
    error).

    The file is read once and written a batch at a time inside the transaction, so memory
    holds one batch whatever the file's length (and the identity numbers seen, to name a
    duplicate's first line); a bad line anywhere rolls every batch back. Each application is
    scored from the facts just validated (ranking.scoring): they are final, so the ranking
    orders stored totals instead of validating and scoring them again."""
    now = now_or(now)
    if actor is not None and not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能导入核定信息。")
    require_declaration_closed(round=round, now=now, action="导入核定信息")
    report = ImportReport()
    try:
        with transaction.atomic():
            _import(round=round, lines=lines, report=report, now=now)
            if report.errors:
                raise _Refused
            audit_record(
                actor=actor,
                label=label,
                action="round.import_facts",
                obj=round,
                now=now,
                round_year=round.year,
                after={
                    "lines": report.lines,
                    "applications": report.applications,
                    "applicants_created": report.applicants_created,
                    "employers_created": report.employers_created,
                    "claims": report.claims,
                },
                reason="导入部门核定信息（facts format 1）",
            )
    except _Refused:
        report.errors.sort(key=lambda e: e.line)
        report.applications = report.applicants_created = report.employers_created = 0
        report.claims = 0
    return report


def _import(
    *,
    round: AnnualRound,
    lines: Iterable[str | JsonLineError],
    report: ImportReport,
    now: dt.datetime,
) -> None:
    seen_ids: dict[str, int] = {}
    max_lines = settings.FACTS_IMPORT_MAX_LINES
    departments = departments_ensure()  # re-created if a transactional test flushed them
    batch = _Batch()

    def flush() -> None:
        good = batch.lines
        batch.lines = []
        if good and _clashes(round=round, good=good, report=report) == 0 and not report.errors:
            _write(round=round, good=good, report=report, now=now, departments=departments)

    for number, text in enumerate(lines, start=1):
        if is_blank(text):
            continue
        report.lines += 1
        if report.lines > max_lines:
            report.errors.append(
                LineError(number, "", f"文件超过 {max_lines:,} 行的上限，请分批导入")
            )
            break
        checked = _check_line(number, text, round, seen_ids)
        if isinstance(checked, LineError):
            report.errors.append(checked)
            continue
        batch.lines.append((number, *checked))
        if len(batch.lines) >= BATCH:
            flush()
    flush()


def _clashes(
    *, round: AnnualRound, good: list[tuple[int, dict, Facts]], report: ImportReport
) -> int:
    """Name the lines whose person already has an application this year; returns how many.
    People are found by the blind index of their identity number (nothing is decrypted)."""
    lines_of = {raw["person"]["id_number"]: number for number, raw, _ in good}
    number_of = {pk: number for number, pk in Applicant.objects.pks_by_id_number(lines_of).items()}
    found = 0
    taken = Application.objects.filter(round=round, applicant_id__in=list(number_of)).values_list(
        "applicant_id", flat=True
    )
    for applicant_id in taken:
        report.errors.append(
            LineError(
                lines_of[number_of[applicant_id]],
                "person.id_number",
                f"该申请人已有{round.year}年度的申请",
            )
        )
        found += 1
    return found


def _write(
    *,
    round: AnnualRound,
    good: list[tuple[int, dict, Facts]],
    report: ImportReport,
    now: dt.datetime,
    departments: dict[str, Any],
) -> None:
    # Employers: one per credit code (the first line's name wins, over every batch).
    employer_names: dict[str, str] = {}
    for _, raw, _facts in good:
        employer = raw.get("employer") or {}
        code = employer.get("credit_code")
        if code:
            employer_names.setdefault(code, employer.get("name") or code)
    employers = {
        employer.credit_code: employer
        for employer in Employer.objects.filter(credit_code__in=list(employer_names))
    }
    new_employers = [
        Employer(credit_code=code, name=name)
        for code, name in employer_names.items()
        if code not in employers
    ]
    Employer.objects.bulk_create(new_employers, batch_size=BATCH)
    report.employers_created += len(new_employers)
    if new_employers and new_employers[0].pk is None:  # backends without RETURNING
        for employer in Employer.objects.filter(
            credit_code__in=[e.credit_code for e in new_employers]
        ):
            employers[employer.credit_code] = employer
    else:
        employers.update({e.credit_code: e for e in new_employers})

    # Accounts: a user name that says nothing about the person (they log in with the identity
    # number), no usable password (they log in after a reset).
    id_numbers = [raw["person"]["id_number"] for _, raw, _facts in good]
    existing = Applicant.objects.in_bulk_by_id_number(id_numbers)
    User = get_user_model()
    new_people = [
        raw["person"] for _, raw, _facts in good if raw["person"]["id_number"] not in existing
    ]
    users = [
        User(
            username=crypto.new_applicant_username(),
            password=UNUSABLE_PASSWORD_PREFIX + get_random_string(40),
        )
        for person in new_people
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    applicants = [
        Applicant(
            user=user,
            id_number=person["id_number"],
            name=person["name"],
            female_job=person.get("female_job") or None,
        )
        for user, person in zip(users, new_people, strict=True)
    ]
    Applicant.objects.bulk_create(applicants, batch_size=BATCH)
    report.applicants_created += len(applicants)
    by_id = existing | {a.id_number: a for a in applicants}

    applications = []
    for _, raw, facts in good:
        code = (raw.get("employer") or {}).get("credit_code")
        result = score(facts)
        applications.append(
            Application(
                round=round,
                applicant=by_id[raw["person"]["id_number"]],
                employer=employers.get(code) if code else None,
                state=AppState.FINAL,
                submitted_at=now,
                total_points=result.total,
                score_explanation=ranking_explanation(result),
            )
        )
    Application.objects.bulk_create(applications, batch_size=BATCH)
    report.applications += len(applications)

    claims: list[tuple[Any, ...]] = []
    events: list[AuditRow] = []
    object_type = Application._meta.label_lower
    for (_, raw, _facts), application in zip(good, applications, strict=True):
        for code in INDICATOR_CODES:
            if code == JOB_RESIDENCE_AREA and raw.get("job_residence_area_declared") is False:
                continue  # not declared: no claim, so it scores 0 (细则第十五条（四）)
            part = {key: raw[key] for key in CLAIM_FACT_KEYS.get(code, ()) if key in raw}
            department = departments[primary_department_of(code)]
            claims.append((application.pk, code, department.pk, part))
        events.append(
            audit_event(
                object_type=object_type,
                object_id=application.pk,
                action="application.import",
                actor=None,
                label="import_facts",  # the command runs as the system
                now=now,
                round_year=round.year,
                from_state="",
                to_state=AppState.FINAL,
                reason="导入部门核定信息",
                before=None,
                after={"state": AppState.FINAL},
            )
        )
    _claims_write(claims, round_id=round.pk, now=now)
    report.claims += len(claims)
    audit_events_write(events)  # the mechanism's writer: COPY on PostgreSQL, then sealed


_CLAIM_COLUMNS = (
    "application_id",
    "round_id",
    "indicator",
    "department_id",
    "state",
    "declared_facts",
    "verified_facts",
    "decision_reason",
    "recheck_reason",
    "appeal_reason",
    "decided_at",
    "needs_manual_review",
    "in_review",
    "created_at",
    "updated_at",
)
_CLAIM_REASON = "导入的部门核定信息"


def _claims_write(claims: list[tuple[Any, ...]], *, round_id: int, now: dt.datetime) -> None:
    """Insert verified claims given as (application id, indicator, department id, facts).

    On PostgreSQL by COPY: bulk_create spends most of an import quoting the two JSON values
    of each of the ~10 claims a line makes. Elsewhere bulk_create; the same rows either way.
    """
    if connection.vendor != "postgresql":
        IndicatorClaim.objects.bulk_create(
            [
                IndicatorClaim(
                    application_id=app_id,
                    round_id=round_id,
                    indicator=code,
                    department_id=department_id,
                    state=ClaimState.VERIFIED,
                    declared_facts=part,
                    verified_facts=part,
                    decided_at=now,
                    decision_reason=_CLAIM_REASON,
                    # Said, not left for the database to correct: the applications are final.
                    in_review=True,
                )
                for app_id, code, department_id, part in claims
            ],
            batch_size=BATCH,
        )
        return
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    table = IndicatorClaim._meta.db_table
    verified = ClaimState.VERIFIED.value
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(_CLAIM_COLUMNS)}) FROM STDIN") as copy,
    ):
        for app_id, code, department_id, part in claims:
            facts = dumps(part)
            copy.write_row(
                (
                    app_id,
                    round_id,
                    code,
                    department_id,
                    verified,
                    facts,
                    facts,
                    _CLAIM_REASON,
                    "",
                    "",
                    now,
                    False,
                    True,  # in_review: the applications are final (the database checks it)
                    now,
                    now,
                )
            )
