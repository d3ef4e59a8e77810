"""Shared guards for the services: the clock, roles, audit rows, optimistic concurrency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from workflow import crypto, roles
from workflow.audit_chain import audit_seal_after_commit
from workflow.exceptions import ConflictError, NotPermitted, WindowClosed
from workflow.models import (
    AnnualRound,
    AuditEvent,
    BlindIndexField,
    EncryptedTextField,
    Phase,
)

CONFLICT_MESSAGE = "该申请已被他人同时修改，请刷新后重试"


def now_or(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return now


def format_moment(moment: dt.datetime) -> str:
    """2020年08月15日 20:00 (seconds shown only when not zero), Beijing time."""
    local = timezone.localtime(moment)
    pattern = "%Y年%m月%d日 %H:%M:%S" if local.second else "%Y年%m月%d日 %H:%M"
    return local.strftime(pattern)


def require_window(
    *, round: AnnualRound, phases: Iterable[str], now: dt.datetime, action: str
) -> None:
    """Refuse unless the round is in one of `phases` and `now` lies inside that phase's window.

    The round's phase is the state machine's word; the window is the clock's. Both must
    agree, so an action is refused after the deadline even if beat has not yet moved the
    round on, and refused if an administrator moved the round on early.
    """
    phases = list(phases)
    if round.phase not in phases:
        allowed = "或".join(Phase(p).label for p in phases)
        raise WindowClosed(
            f"{round.year}年度当前处于{round.phase_label}，只有在{allowed}才能{action}。"
        )
    window = round.phase_window(round.phase)
    if window is None:
        return
    opens_at, closes_at = window
    if now < opens_at:
        raise WindowClosed(
            f"{round.phase_label}将于 {format_moment(opens_at)} 开始，目前还不能{action}。"
        )
    if now > closes_at:
        raise WindowClosed(
            f"{round.phase_label}已于 {format_moment(closes_at)} 截止，不能再{action}。"
        )


def require_phase_open(
    *, round: AnnualRound, phases: Iterable[str], now: dt.datetime, action: str
) -> None:
    """For the departments' work: the phase has begun and has not yet moved on.

    A department decides until the round actually leaves the phase, past the window's end
    too: the round cannot leave it while their items are open (a round never stalls for
    want of someone allowed to act), and applicants' deadlines keep their own windows.
    """
    phases = list(phases)
    if round.phase not in phases:
        allowed = "或".join(Phase(p).label for p in phases)
        raise WindowClosed(
            f"{round.year}年度当前处于{round.phase_label}，只有在{allowed}才能{action}。"
        )
    window = round.phase_window(round.phase)
    if window is not None and now < window[0]:
        raise WindowClosed(
            f"{round.phase_label}将于 {format_moment(window[0])} 开始，目前还不能{action}。"
        )


def require_phase(*, round: AnnualRound, phases: Iterable[str], action: str) -> None:
    """For system steps: the round's phase alone decides (beat or an administrator moved it)."""
    phases = list(phases)
    if round.phase not in phases:
        allowed = "或".join(Phase(p).label for p in phases)
        raise WindowClosed(
            f"{round.year}年度当前处于{round.phase_label}，只有在{allowed}才能{action}。"
        )


def require_system_or_admin(actor: Any, *, action: str) -> None:
    # actor None = the system itself (beat, a phase job, data exchange).
    if actor is not None and not roles.is_administrator(actor):
        raise NotPermitted(f"只有管理员或系统才能{action}。")


def actor_label(actor: Any, default: str = "system") -> str:
    if actor is None:
        return default
    return actor.get_username()


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def rows_insert(model: type[models.Model], rows: Iterable[dict[str, Any] | models.Model]) -> int:
    """Insert new rows of `model`, each given as {field name: value} (every other column what
    a new instance would hold: its default, `auto_now` times; a value given is written as
    given, not through the field's `pre_save`: give no blind index or `auto_now` field) or as
    an unsaved instance (what `bulk_create` would write of it, its own pk aside). No ids come
    back; a field with only a database default is not supported.

    On PostgreSQL by COPY: bulk_create quoted every parameter of every row in Python (and
    for rows given as values, built an instance per row, the FSM's state tracking in each): a
    third of a mass submission's time creating the zero-fill claims, a quarter of a
    department batch's load. Elsewhere bulk_create; the same rows either way. Insert
    triggers fire as for any INSERT."""
    if connection.vendor != "postgresql":
        objs = [row if isinstance(row, models.Model) else model(**row) for row in rows]
        return len(model.objects.bulk_create(objs, batch_size=2000))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # By name or attname: {"department": 3} and {"department_id": 3} are the same column.
    column_of = {n: (i, f) for i, f in enumerate(fields) for n in {f.name, f.attname}}
    defaults: list[Any] | None = None
    count = 0
    with connection.cursor() as cursor:
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                if isinstance(row, models.Model):
                    values = [
                        f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields
                    ]
                else:
                    if defaults is None:
                        defaults = _prepared_defaults(model, fields)
                    values = list(defaults)
                    for name, value in row.items():
                        index, field = column_of[name]
                        values[index] = field.get_db_prep_save(pk_or_value(value), connection)
                copy.write_row(values)
                count += 1
    return count


def pk_or_value(value: Any) -> Any:
    """What a column holds for `value`: a related object's id, else the value itself."""
    return value.pk if isinstance(value, models.Model) else value


def _prepared_defaults(model: type[models.Model], fields: list[models.Field]) -> list[Any]:
    """Each column's value in a new instance, prepared for the database once for every row."""
    for field in fields:
        if field.has_default() and callable(field.default) and field.default not in (dict, list):
            # A default computed per object (a token, a uuid) is never shared between rows.
            raise ValueError(f"{model.__name__}.{field.name}: a per-row default cannot be copied")
    template = model()
    return [
        field.get_db_prep_save(field.pre_save(template, add=True), connection) for field in fields
    ]


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if isinstance(field, EncryptedTextField | BlindIndexField):
            # Encrypted at rest, so never in clear in the audit log either (which can never
            # be rewritten): an identity number masked, a phone or contact to its last four.
            value = crypto.masked(value or "") if isinstance(field, EncryptedTextField) else "…"
        out[name] = jsonable(value)
    return out


class AuditRow(NamedTuple):
    """One audit row as written (the columns of `AuditEvent` the writers fill). Plain values:
    a mass move writes millions, and building a model instance for each cost more than
    writing it."""

    at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    round_year: int | None
    from_state: str
    to_state: str
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def audit_event(
    *,
    object_type: str,
    object_id: Any,
    action: str,
    actor: Any,
    label: str,
    now: dt.datetime,
    round_year: int | None,
    from_state: str,
    to_state: str,
    reason: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditRow:
    """One audit row (unwritten): who, when, what, from which state to which, why, and the
    audited fields before and after."""
    return AuditRow(
        at=now,
        actor_id=getattr(actor, "pk", None),
        actor_label=actor_label(actor, label),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        round_year=round_year,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        before=None if before is None else {k: jsonable(v) for k, v in before.items()},
        after=None if after is None else {k: jsonable(v) for k, v in after.items()},
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    now: dt.datetime,
    round_year: int | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    label: str = "system",
) -> AuditEvent:
    """Append one audit row for `obj` (the one audit shape, `audit_event`); call inside the
    transaction of the change it records. Sealed into the chain once that transaction
    commits."""
    row = audit_event(
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        action=action,
        actor=actor,
        label=label,
        now=now,
        round_year=round_year,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        before=before,
        after=after,
    )
    event = AuditEvent.objects.create(**row._asdict())
    audit_seal_after_commit()
    return event


@contextmanager
def atomic_transition(message: str = CONFLICT_MESSAGE) -> Iterator[None]:
    """One transaction; a stale optimistic write becomes a ConflictError, all rolled back."""
    try:
        with transaction.atomic():
            yield
    except ConcurrentTransition as exc:
        raise ConflictError(message) from exc
