"""The audit log's tamper-evident chain (docs/reliability.md).

Every writer appends rows its own way (``audit_record``'s create, ``audit_events_write``'s
COPY or bulk_create, the ranking's INSERT … SELECT in SQL), so no writer computes a hash.
After a writer commits, one step *seals* what was appended: under a lock, the rows not yet
sealed, in id order, each get the next place in the chain (``chain_seq``), the hash of the
row before (``prev_hash``) and their own ``hash`` = sha256(prev_hash + the row's canonical
text, built from the row as read back from the database: ``canonical_text``). The append-only trigger (migration
0007) lets exactly that update through, once per row.

The chain's order is the order of sealing, not of ids: a transaction that commits late may
hold a smaller id than rows already sealed; it is sealed after them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from workflow.models import AuditEvent

GENESIS = "0" * 64  # the prev_hash of the chain's first row
SEAL_CHUNK = 5000
# pg_advisory_xact_lock key of the seal ("luohu" in ASCII): one sealer at a time.
_SEAL_LOCK = 0x6C756F6875
_MAINTENANCE_TABLE = "workflow_audit_maintenance"  # SQLite only (migration 0010)

# What the hash covers: every column but the chain's own three and actor_id (a deleted
# account sets it to NULL, on_delete=SET_NULL; actor_label keeps who it was).
CANONICAL_FIELDS = (
    "id",
    "at",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "round_year",
    "from_state",
    "to_state",
    "reason",
    "before_text",
    "after_text",
)


def _canonical_rows() -> QuerySet[AuditEvent]:
    # The snapshots as the database's own text (jsonb's normal form on PostgreSQL, the stored
    # text on SQLite): the same stored row always reads back the same, whoever wrote it (ORM,
    # COPY, SQL), and no JSON is parsed and dumped again (a third of the seal's time).
    return AuditEvent.objects.annotate(
        before_text=Cast("before", TextField()), after_text=Cast("after", TextField())
    )


def canonical_text(row: Sequence[Any]) -> str:
    """One row (values of CANONICAL_FIELDS as read back from the database) as text: a JSON
    array, the time in UTC."""
    values = list(row)
    at: dt.datetime = values[1]
    values[1] = at.astimezone(dt.UTC).isoformat()
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def row_hash(prev_hash: str, row: Sequence[Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical_text(row)}".encode()).hexdigest()


# --- maintenance --------------------------------------------------------------------------------


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """For a DBA's repair and the test suite's flush only: inside this block (one transaction)
    the append-only trigger lets UPDATE, DELETE and TRUNCATE of audit rows through. The switch
    is local to the transaction: a rollback or the end of the block turns it off."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('luohu.audit_maintenance', 'on', true)")
            else:
                cursor.execute(
                    f"INSERT INTO {_MAINTENANCE_TABLE} (since) VALUES (datetime('now'))"  # noqa: S608
                )
        yield
        # Not in a finally: after an error the transaction rolls back, and the switch with it.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('luohu.audit_maintenance', 'off', true)")
            else:
                cursor.execute(f"DELETE FROM {_MAINTENANCE_TABLE}")  # noqa: S608


# --- sealing ------------------------------------------------------------------------------------


def audit_seal(*, chunk_size: int = SEAL_CHUNK, wait: bool = True) -> int:
    """Seal every audit row not yet sealed, in id order, ``chunk_size`` rows per transaction.
    Returns how many. Idempotent; safe to run concurrently (the second waits for the lock).

    ``wait=False`` (after a commit): if another process is sealing, leave it to them. Their
    seal takes every row committed before it reads, and the beat task (every minute) the
    rest. A committer no longer queues behind another's seal: at 130,000 applicants, the
    sessions waiting for the seal lock were a sixth of the submission step's."""
    sealed = 0
    while True:
        with transaction.atomic():
            count = _seal_chunk(chunk_size, wait=wait)
        if count is None:
            return sealed
        sealed += count
        if count < chunk_size:
            return sealed


def audit_seal_after_commit() -> None:
    """Seal what the current transaction appends once it commits (a rollback's rows never
    exist). A failure is logged, not raised into the caller whose change did commit: the beat
    task (workflow.tasks.seal_audit_events, every minute) seals what is left."""
    _sealing.registered = getattr(_sealing, "registered", 0) + 1
    transaction.on_commit(partial(_seal_unless_done, _sealing.registered), robust=True)


# A seal takes every row its connection can see, so once one has run after a commit, the
# seals registered before it started have nothing left: a transaction of many audited calls
# (a bulk step, the simulation's chunks) pays for one seal, not one per call. Per thread,
# as Django's connections are.
_sealing = threading.local()


def _seal_unless_done(registered: int) -> None:
    if registered <= getattr(_sealing, "covered", 0):
        return
    covered = _sealing.registered
    audit_seal(wait=False)
    _sealing.covered = covered


def _seal_chunk(chunk_size: int, *, wait: bool = True) -> int | None:
    """Seal up to ``chunk_size`` rows; None if ``wait`` is off and another seal holds the lock."""
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEAL_LOCK])
                if not cursor.fetchone()[0]:
                    return None
    # SQLite has one writer at a time; two sealers racing for the same place in the chain
    # would also collide on the unique chain_seq, and one would roll back.
    end = (
        AuditEvent.objects.filter(chain_seq__isnull=False)
        .order_by("-chain_seq")
        .values_list("chain_seq", "hash")
        .first()
    )
    seq, prev = end if end is not None else (0, GENESIS)
    rows = list(
        _canonical_rows()
        .filter(hash__isnull=True)
        .order_by("id")
        .values_list(*CANONICAL_FIELDS)[:chunk_size]
    )
    if not rows:
        return 0
    ids, seqs, prevs, digests = [], [], [], []
    for row in rows:
        seq += 1
        digest = row_hash(prev, row)
        ids.append(row[0])
        seqs.append(seq)
        prevs.append(prev)
        digests.append(digest)
        prev = digest
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(*_seal_update(cursor.db.vendor, ids, seqs, prevs, digests))
        if cursor.rowcount != len(rows):  # pragma: no cover - the lock makes this impossible
            raise RuntimeError("audit rows changed while being sealed")
    return len(rows)


def _seal_update(vendor: str, *columns: list[Any]) -> tuple[str, list[Any]]:
    """One UPDATE for a chunk: on PostgreSQL four arrays (a query of 20,000 placeholders costs
    psycopg more to build than the server to run), elsewhere VALUES."""
    table = AuditEvent._meta.db_table
    if vendor == "postgresql":
        source = "unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS seal (id, seq, prev, digest)"
        params = list(columns)
    else:
        # VALUES names its columns column1… (SQLite takes no column aliases here).
        placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(columns[0]))
        source = (
            "(SELECT column1 AS id, column2 AS seq, column3 AS prev, column4 AS digest "  # noqa: S608
            f"FROM (VALUES {placeholders})) AS seal"
        )
        params = [value for row in zip(*columns, strict=True) for value in row]
    sql = (
        f'UPDATE "{table}" SET chain_seq = seal.seq, prev_hash = seal.prev, hash = seal.digest '  # noqa: S608 - the table name from the model, values as parameters
        f'FROM {source} WHERE "{table}".id = seal.id AND "{table}".hash IS NULL'
    )
    return sql, params


# --- verifying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    checked: int  # sealed rows recomputed
    unsealed: int  # rows appended but not sealed yet
    broken_id: int | None = None  # the first row that does not hold, in chain order
    problem: str = ""  # what differs there
    end_seq: int | None = None  # the chain's last place and hash: note them to catch a cut tail
    end_hash: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def audit_chain_verify(*, from_id: int | None = None, chunk_size: int = SEAL_CHUNK) -> ChainReport:
    """Recompute the chain (from the row ``from_id`` on, trusting the stored hash of the row
    before it) and name the first row that does not hold: a changed row (its hash differs), a
    removed or reordered one (the next row's prev_hash or chain_seq does not follow)."""
    unsealed = AuditEvent.objects.filter(hash__isnull=True).count()
    half = (
        AuditEvent.objects.filter(hash__isnull=True, chain_seq__isnull=False)
        | AuditEvent.objects.filter(hash__isnull=False, chain_seq__isnull=True)
    ).order_by("id")
    seq, prev = 0, GENESIS
    if from_id is not None:
        start = (
            AuditEvent.objects.filter(id__gte=from_id, chain_seq__isnull=False)
            .order_by("id")
            .values_list("chain_seq", flat=True)
            .first()
        )
        if start is None:
            return ChainReport(checked=0, unsealed=unsealed)
        seq = start - 1
        if seq:
            before = AuditEvent.objects.filter(chain_seq=seq).values_list("hash", flat=True).first()
            if before is None:
                return ChainReport(
                    checked=0,
                    unsealed=unsealed,
                    broken_id=from_id,
                    problem=f"链序号 {seq} 的记录不存在（被删除）/ the row before it (chain_seq {seq}) is missing",
                )
            prev = before
    checked = 0
    while True:
        rows = list(
            _canonical_rows()
            .filter(chain_seq__gt=seq)
            .order_by("chain_seq")
            .values_list("chain_seq", "prev_hash", "hash", *CANONICAL_FIELDS)[:chunk_size]
        )
        for row_seq, prev_hash, stored, *row in rows:
            problem = _problem(seq + 1, prev, row_seq, prev_hash, stored, row)
            if problem:
                return ChainReport(
                    checked=checked, unsealed=unsealed, broken_id=row[0], problem=problem
                )
            seq, prev = row_seq, stored
            checked += 1
        if len(rows) < chunk_size:
            break
    odd = half.values_list("id", flat=True).first()
    if odd is not None:
        return ChainReport(
            checked=checked,
            unsealed=unsealed,
            broken_id=odd,
            problem="封存字段不完整 / chain_seq and hash must be both set or both empty",
        )
    return ChainReport(
        checked=checked, unsealed=unsealed, end_seq=seq or None, end_hash=prev if seq else None
    )


def _problem(
    expected_seq: int,
    expected_prev: str,
    seq: int,
    prev_hash: str | None,
    stored: str | None,
    row: list[Any],
) -> str:
    if seq != expected_seq:
        return (
            f"链序号从 {expected_seq - 1} 跳到 {seq}：其间的记录被删除 / chain_seq jumps from "
            f"{expected_seq - 1} to {seq}: the rows between were removed"
        )
    if prev_hash != expected_prev:
        return (
            f"prev_hash 与前一条记录的哈希不符（前一条被改动或删除）/ prev_hash {_short(prev_hash)} "
            f"is not the hash of the row before ({_short(expected_prev)})"
        )
    recomputed = row_hash(prev_hash, row)
    if recomputed != stored:
        return (
            f"内容与封存时不同（封存后被改动）/ content changed since sealed: stored hash "
            f"{_short(stored)}, recomputed {_short(recomputed)}"
        )
    return ""


def _short(digest: str | None) -> str:
    return "(empty)" if digest is None else f"{digest[:12]}…"
