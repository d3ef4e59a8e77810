"""Verification by data exchange (细则第六条): claims against the department records, in bulk.

The unit of work is a chunk of applications. One chunk is one transaction: it locks the
chunk's claims, decides every pending claim from the records (review.matching), scores
the applications to give each decided claim its points (workflow.facts, the same engine
the ranking uses), writes the claims with `bulk_update` and their audit rows with
`bulk_create`, marks the chunk done and advances the progress. A claim state never changes
without its audit row: both are in the same transaction, or neither is.

Every chunk is planned as a JobRun row of its own, with its applications, so the database
alone knows what is left: `workflow.reconcile` enqueues a chunk again when Redis or the
worker lost it.

Idempotent: only `pending` claims are looked at; a claim left in the manual queue is
written again only if its diff changed (new records arrived); a chunk that committed is
marked done on its own JobRun row (locked while it runs), so a task delivered again after a
worker died (acks_late) or re-enqueued by the reconciliation skips it, and one that died
mid-chunk rolled back and simply runs again.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from ranking.policy import FactsError, parse_facts, score
from review import matching
from review.models import (
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
from workflow.facts import assemble_facts, employer_facts, person_facts
from workflow.indicators import INDICATORS
from workflow.models import (
    AnnualRound,
    Application,
    AppState,
    ClaimState,
    IndicatorClaim,
    JobRun,
    JobStatus,
)
from workflow.reconcile import job_run_resume
from workflow.services import AuditRow, audit_event, snapshot
from workflow.services.claims import AUDITED_FIELDS
from workflow.services.transitions import (
    TransitionDone,
    audit_events_write,
    guard_of,
    transition_announce,
    transition_target,
)

ACTOR_LABEL = "数据交换"
# The system decides in the phases the decision's declared guard allows (细则第六条).
VERIFY_PHASES = list(guard_of(IndicatorClaim, "verify").phases)
VERIFIABLE_APP_STATES = [AppState.SUBMITTED, AppState.UNDER_REVIEW]
CHUNK_SIZE = 1000  # applications (about 9 claims each)
CLAIM_FIELDS = [
    "state",
    "verified_facts",
    "points",
    "decision_reason",
    "decided_by",
    "decided_at",
    "needs_manual_review",
    "mismatch",
    "updated_at",
]
_METHOD = {matching.VERIFY: "verify", matching.ADJUST: "adjust"}
_METHOD_OF = {ClaimState.VERIFIED: "verify", ClaimState.ADJUSTED: "adjust"}


def _month(value: dt.date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def records_for(applicant_ids: Iterable[int]) -> dict[int, matching.PersonRecords]:
    """Every record of these people, as plain values: one query per kind of record."""
    ids = list(applicant_ids)
    out: dict[int, matching.PersonRecords] = defaultdict(matching.PersonRecords)
    for a, f, t, d, b in (
        SocialInsurancePeriod.objects.filter(applicant_id__in=ids)
        .order_by("from_month", "id")
        .values_list("applicant_id", "from_month", "to_month", "district", "back_paid")
    ):
        out[a].social_insurance.append(
            {"from": _month(f), "to": _month(t), "district": d, "back_paid": b}
        )
    for a, issued in ResidencePermit.objects.filter(applicant_id__in=ids).values_list(
        "applicant_id", "issued_on"
    ):
        out[a].residence_permits.append(issued)
    for a, on in CriminalRecord.objects.filter(applicant_id__in=ids).values_list(
        "applicant_id", "recorded_on"
    ):
        out[a].criminal_records.append(on)
    for a, on in Detention.objects.filter(applicant_id__in=ids).values_list(
        "applicant_id", "detained_on"
    ):
        out[a].detentions.append(on)
    housing: list[tuple] = list(
        PropertyRegistration.objects.filter(applicant_id__in=ids).values_list(
            "applicant_id", "from_month", "to_month", "kind", "district"
        )
    )
    housing += RentalFiling.objects.filter(applicant_id__in=ids).values_list(
        "applicant_id", "from_month", "to_month", "kind", "district"
    )
    for a, f, t, kind, d in sorted(housing, key=lambda r: (r[0], r[1])):
        out[a].housing.append({"from": _month(f), "to": _month(t), "kind": kind, "district": d})
    for a, level, diploma, degree, on in (
        Degree.objects.filter(applicant_id__in=ids)
        .order_by("graduated_on")
        .values_list("applicant_id", "level", "diploma", "degree", "graduated_on")
    ):
        out[a].education.append(
            {"level": level, "diploma": diploma, "degree": degree, "graduated_on": on.isoformat()}
        )
    for a, year, amount in IncomeTax.objects.filter(applicant_id__in=ids).values_list(
        "applicant_id", "year", "amount"
    ):
        out[a].income_tax[str(year)] = f"{amount:.2f}"
    for a, on in TaxPenalty.objects.filter(applicant_id__in=ids).values_list(
        "applicant_id", "penalized_on"
    ):
        out[a].tax_penalties.append(on)
    for a, code, grade, rank, role, year in (
        AwardRecord.objects.filter(applicant_id__in=ids)
        .order_by("year", "id")
        .values_list("applicant_id", "code", "grade", "rank", "role", "year")
    ):
        out[a].awards.append(
            {"code": code, "grade": grade or None, "rank": rank, "role": role or None, "year": year}
        )
    for a, code, year in (
        HonorRecord.objects.filter(applicant_id__in=ids)
        .order_by("year", "id")
        .values_list("applicant_id", "code", "year")
    ):
        out[a].honors.append({"code": code, "year": year})
    return out


def claim_outcome(
    claim: IndicatorClaim, records: matching.PersonRecords, *, year: int
) -> matching.Outcome:
    if INDICATORS[claim.indicator].zero_fill:
        return matching.zero_fill_outcome(claim.indicator, records)
    return matching.declared_outcome(claim.indicator, claim.declared_facts, records, year=year)


def indicator_points(
    application: Application, claims: list[IndicatorClaim]
) -> dict[str, Decimal] | None:
    """Per-indicator points of the application as its claims now stand (None: facts invalid)."""
    round = application.round
    facts = assemble_facts(
        year=round.year,
        policy_id=round.policy_id,
        person=person_facts(application.applicant),
        employer=employer_facts(application.employer),
        claims=[(c.indicator, c.state, c.declared_facts, c.verified_facts) for c in claims],
    )
    try:
        return score(parse_facts(facts)).points()
    except FactsError:
        return None


@dataclass
class ChunkStats:
    applications: int = 0
    verified: int = 0
    adjusted: int = 0
    manual: int = 0
    unchanged: int = 0
    skipped: bool = False


def _audit(
    claim: IndicatorClaim,
    *,
    action: str,
    now: dt.datetime,
    year: int,
    from_state: str,
    reason: str,
    before: dict[str, Any],
) -> AuditRow:
    return audit_event(
        object_type=IndicatorClaim._meta.label_lower,
        object_id=claim.pk,
        action=action,
        actor=None,
        label=ACTOR_LABEL,
        now=now,
        round_year=year,
        from_state=from_state,
        to_state=claim.state,
        reason=reason,
        before=before,
        after=snapshot(claim, AUDITED_FIELDS),
    )


def verification_decide(
    *, round: AnnualRound, application_ids: list[int], now: dt.datetime | None = None
) -> ChunkStats:
    """Decide the pending claims of these applications from the records; call in a transaction."""
    now = now or timezone.now()
    stats = ChunkStats()
    if round.phase not in VERIFY_PHASES:
        return stats
    applications = {
        app.pk: app
        for app in Application.objects.select_related("applicant", "employer").filter(
            pk__in=application_ids, round=round, state__in=VERIFIABLE_APP_STATES
        )
    }
    for app in applications.values():
        app.round = round
    if not applications:
        return stats
    claims_by_app: dict[int, list[IndicatorClaim]] = defaultdict(list)
    # Row locks: a reviewer deciding one of these claims waits for the chunk (no-op on SQLite).
    # The claims' rows only: the default ordering joins their applications and the round,
    # which a plain FOR UPDATE locked as well (every chunk and bulk move took turns).
    for claim in (
        IndicatorClaim.objects.select_for_update(of=("self",))
        .filter(application_id__in=list(applications))
        .order_by("application_id", "indicator")
    ):
        claims_by_app[claim.application_id].append(claim)
    records = records_for(app.applicant_id for app in applications.values())

    changed: list[IndicatorClaim] = []
    audits: list[AuditRow] = []
    for app_id, claims in claims_by_app.items():
        application = applications[app_id]
        person = records.get(application.applicant_id, matching.PersonRecords())
        decided_now: list[tuple[IndicatorClaim, str, dict[str, Any], str]] = []
        for claim in claims:
            if claim.state != ClaimState.PENDING:
                continue
            outcome = claim_outcome(claim, person, year=round.year)
            before = snapshot(claim, AUDITED_FIELDS)
            if outcome.decision == matching.MANUAL:
                mismatch = {**(outcome.mismatch or {}), "message": outcome.reason}
                if claim.needs_manual_review and claim.mismatch == mismatch:
                    stats.unchanged += 1
                    continue
                claim.needs_manual_review = True
                claim.mismatch = mismatch
                claim.updated_at = now
                changed.append(claim)
                audits.append(
                    _audit(
                        claim,
                        action="claim.flag_manual_review",
                        now=now,
                        year=round.year,
                        from_state=claim.state,
                        reason=outcome.reason,
                        before=before,
                    )
                )
                stats.manual += 1
                continue
            method = _METHOD[outcome.decision]
            target = transition_target(IndicatorClaim, method, claim.state)
            if target is None:  # pragma: no cover - guarded by the state check above
                continue
            from_state = claim.state
            # The bulk form of IndicatorClaim.<method>(): the same source and target as the
            # transition, set past the protected descriptor because the chunk is written at once.
            claim.__dict__["state"] = target
            claim.verified_facts = outcome.facts
            claim.decision_reason = outcome.reason
            claim.decided_by = None
            claim.decided_at = now
            claim.needs_manual_review = False
            claim.mismatch = outcome.mismatch
            claim.updated_at = now
            decided_now.append((claim, from_state, before, outcome.reason))
            stats.verified += outcome.decision == matching.VERIFY
            stats.adjusted += outcome.decision == matching.ADJUST
        if decided_now:
            points = indicator_points(application, claims) or {}
            for claim, from_state, before, reason in decided_now:
                claim.points = points.get(claim.indicator)
                changed.append(claim)
                audits.append(
                    _audit(
                        claim,
                        action=f"claim.{_METHOD_OF[claim.state]}",
                        now=now,
                        year=round.year,
                        from_state=from_state,
                        reason=reason,
                        before=before,
                    )
                )
        stats.applications += 1
    if changed:
        claims_write(changed)
        audit_events_write(audits)
        # Decided claims are told to the transition listeners (the applicant's notices) after
        # the caller's transaction commits, as a reviewer's single decision is.
        decided: dict[str, list[int]] = defaultdict(list)
        for claim in changed:
            if claim.state in _METHOD_OF:
                decided[claim.state].append(claim.pk)
        for state, ids in decided.items():
            transition_announce(
                TransitionDone(
                    model=IndicatorClaim._meta.label_lower,
                    method=_METHOD_OF[state],
                    ids=tuple(ids),
                    to_state=state,
                    actor_id=None,
                    at=now,
                    reason="",
                )
            )
    return stats


_PG_COLUMNS = (
    ("id", "int"),
    ("state", "text"),
    ("verified_facts", "jsonb"),
    ("points", "numeric"),
    ("decision_reason", "text"),
    ("decided_by_id", "int"),
    ("decided_at", "timestamptz"),
    ("needs_manual_review", "bool"),
    ("mismatch", "jsonb"),
    ("updated_at", "timestamptz"),
)


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def claims_write(claims: list[IndicatorClaim]) -> None:
    """Write the decided fields of many claims at once.

    Django's bulk_update builds a CASE WHEN per field and row, which costs more than the
    whole verification (≈ 3 ms a claim); on PostgreSQL the rows are COPYed into a
    temporary table and written with one UPDATE … FROM.
    """
    if connection.vendor != "postgresql":
        IndicatorClaim.objects.bulk_update(claims, CLAIM_FIELDS, batch_size=500)
        return
    table = IndicatorClaim._meta.db_table
    names = [name for name, _ in _PG_COLUMNS]
    columns = ", ".join(f"{name} {cast}" for name, cast in _PG_COLUMNS)
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS review_claim_write ({columns}) ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY review_claim_write ({', '.join(names)}) FROM STDIN") as copy:
            for c in claims:
                copy.write_row(
                    (
                        c.pk,
                        c.state,
                        _json_or_null(c.verified_facts),
                        c.points,
                        c.decision_reason,
                        c.decided_by_id,
                        c.decided_at,
                        c.needs_manual_review,
                        _json_or_null(c.mismatch),
                        c.updated_at,
                    )
                )
        cursor.execute(
            f"UPDATE {table} AS c SET {assignments} FROM review_claim_write AS v WHERE c.id = v.id"  # noqa: S608
        )
        cursor.execute("DELETE FROM review_claim_write")


# --- orchestration: chunks, progress, idempotency ------------------------------------------


def pending_applications(*, round: AnnualRound):
    pending = IndicatorClaim.objects.filter(application=OuterRef("pk"), state=ClaimState.PENDING)
    return Application.objects.filter(round=round, state__in=VERIFIABLE_APP_STATES).filter(
        Exists(pending)
    )


def verification_plan(
    *,
    round: AnnualRound,
    application_ids: Iterable[int] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list[list[int]]:
    """The chunks: lists of application ids with pending claims, in id order."""
    queryset = pending_applications(round=round)
    if application_ids is not None:
        queryset = queryset.filter(pk__in=list(application_ids))
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    return [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]


CHUNK_KIND = "review.verify.chunk"


def verification_start(
    *,
    round: AnnualRound,
    application_ids: Iterable[int] | None = None,
    key: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    queue: str | None = None,
) -> JobRun:
    """Plan the chunks, record each as a JobRun of its own (its applications in `payload`),
    and enqueue one task per chunk (on commit).

    Started again with the same key, a planned run is not planned twice: its chunks not yet
    done (failed ones included) are enqueued again (`workflow.reconcile.job_run_resume`), so
    the run resumes where it stopped.
    """
    key = key or f"verify:{round.year}:{timezone.now():%Y%m%d%H%M%S}:{uuid.uuid4().hex[:8]}"
    # One transaction: a planner that dies half-way leaves no job planned without its chunks
    # (which a re-run would take for planned, with nothing to resume), and the job's row lock
    # makes a second planner of the same key wait, then resume instead of planning again.
    with transaction.atomic():
        job_run, created = JobRun.objects.get_or_create(
            key=key, defaults={"kind": "review.verify", "round": round}
        )
        job_run = JobRun.objects.select_for_update().get(pk=job_run.pk)
        if job_run.total:
            job_run_resume(job_run=job_run)
            return job_run
        chunks = verification_plan(
            round=round, application_ids=application_ids, chunk_size=chunk_size
        )
        now = timezone.now()
        JobRun.objects.filter(pk=job_run.pk).update(
            total=sum(len(c) for c in chunks),
            status=JobStatus.RUNNING if chunks else JobStatus.SUCCEEDED,
            started_at=now,
            finished_at=None if chunks else now,
            message=f"共 {len(chunks)} 批",
        )
        job_run.refresh_from_db()
        # The plan lives in PostgreSQL, not only in the broker's messages: if Redis loses
        # them, the reconciliation (workflow.reconcile) enqueues every chunk not done from
        # these rows.
        planned = JobRun.objects.bulk_create(
            JobRun(
                key=f"{key}:chunk:{index}",
                kind=CHUNK_KIND,
                round=round,
                parent=job_run,
                status=JobStatus.PENDING,
                total=len(chunk),
                payload={"application_ids": chunk, "queue": queue},
                enqueued_at=now,
                message=f"第 {index + 1} 批（共 {len(chunks)} 批）",
            )
            for index, chunk in enumerate(chunks)
        )
        for chunk_run in planned:
            transaction.on_commit(
                lambda chunk_run=chunk_run: verification_chunk_enqueue(job_run=chunk_run)
            )
    return job_run


def verification_chunk_enqueue(*, job_run: JobRun) -> None:
    """Hand one planned chunk to the broker (also the reconciliation's re-enqueue)."""
    from review.tasks import verify_chunk

    verify_chunk.apply_async(kwargs={"chunk_id": job_run.pk}, queue=job_run.payload.get("queue"))


def verification_run_chunk(*, chunk: JobRun) -> ChunkStats:
    """One chunk, once: its work, its done-marker and the progress commit together.

    The chunk's own row is locked first: a copy of the task delivered twice (the broker's
    redelivery, or the reconciliation re-enqueuing a chunk that was only slow) waits for the
    running one, then finds it done and skips it, so nothing is decided or counted twice.
    """
    # Counted outside the chunk's transaction, so a run that dies still counts: the
    # reconciliation gives up on a chunk that keeps killing its worker.
    JobRun.objects.filter(pk=chunk.pk, status=JobStatus.PENDING).update(
        attempts=F("attempts") + 1, started_at=timezone.now()
    )
    with transaction.atomic():
        chunk = (
            JobRun.objects.select_for_update(of=("self",)).select_related("round").get(pk=chunk.pk)
        )
        if chunk.status != JobStatus.PENDING:
            return ChunkStats(skipped=True)
        application_ids = list(chunk.payload["application_ids"])
        stats = verification_decide(round=chunk.round, application_ids=application_ids)
        now = timezone.now()
        JobRun.objects.filter(pk=chunk.pk).update(
            status=JobStatus.SUCCEEDED,
            done=len(application_ids),
            finished_at=now,
            message=(
                f"{chunk.message}：通过 {stats.verified}，调整 {stats.adjusted}，转人工 {stats.manual}"
            ),
        )
        parent = JobRun.objects.filter(pk=chunk.parent_id)
        parent.update(done=F("done") + len(application_ids))
        parent.filter(done__gte=F("total"), status=JobStatus.RUNNING).update(
            status=JobStatus.SUCCEEDED, finished_at=now
        )
    return stats


def verification_for_applications(
    *, round: AnnualRound, application_ids: list[int] | None
) -> int | None:
    """As claims or records arrive: a few applications at once inline (no JobRun), many as a run.

    Returns the JobRun id when the work was planned as a run.
    """
    if application_ids is not None and len(application_ids) <= CHUNK_SIZE:
        with transaction.atomic():
            verification_decide(round=round, application_ids=list(application_ids))
        return None
    return verification_start(round=round, application_ids=application_ids).pk


def verification_enqueue(*, round: AnnualRound, application_ids: list[int] | None = None) -> None:
    """Schedule verification after the current transaction commits (declaration/aggregation only)."""
    from review.tasks import verify_applications

    if round.phase not in VERIFY_PHASES:
        return
    transaction.on_commit(
        lambda: verify_applications.delay(round_id=round.pk, application_ids=application_ids)
    )
