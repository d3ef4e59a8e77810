"""The one transition mechanism: every change of an application's, a claim's or a round's state,
single or bulk, goes through here (issue 9, "One write path, one clock").

Each FSM transition declares its guards next to it, in the model
(``@transition(..., custom={"guards": {...}})``): in which phases it may happen, by which clock
(a person inside the phase's window, a department until the round moves on, the system by the
phase alone) and by whom (the applicant, the unit, the claim's department, an administrator,
the system). ``transition_apply`` runs one object's transition after its guard;
``transition_bulk`` moves a set with one conditional UPDATE per chunk after the same guard,
and both write audit rows of the one shape (``audit_event``): before and after hold the state
and every field the move wrote.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Case, F, Value, When
from django_fsm import can_proceed

from workflow import roles
from workflow.audit_chain import audit_seal_after_commit
from workflow.exceptions import InvalidTransition, NotPermitted
from workflow.models import AnnualRound, AuditEvent, Employer, Phase
from workflow.models.guards import (
    ADMIN,
    DEPARTMENT,
    DISTRICT,
    HRSS,
    OPEN,
    OWNER,
    PHASE,
    SYSTEM,
    UNIT,
    Guard,
)

from ._common import (
    CONFLICT_MESSAGE,
    AuditRow,
    atomic_transition,
    audit_event,
    audit_record,
    jsonable,
    pk_or_value,
    require_phase,
    require_phase_open,
    require_window,
    snapshot,
)
from .parties import UNIT_UNVERIFIED_MESSAGE


def _meta_transition(model: type[models.Model], method: str, source: str) -> Any:
    return getattr(model, method)._django_fsm.get_transition(source)


def guard_of(model: type[models.Model], method: str, *, name: str = "default") -> Guard:
    meta = getattr(model, method)._django_fsm
    for transition in meta.transitions.values():
        declared = (transition.custom or {}).get("guards", {})
        if name in declared:
            return declared[name]
    raise LookupError(f"{model.__name__}.{method} declares no guard {name!r}")


def round_of(obj: Any) -> AnnualRound:
    if isinstance(obj, AnnualRound):
        return obj
    for path in ("round", "application", "publication"):  # an application; a claim; an objection
        if hasattr(obj, path):
            owner = getattr(obj, path)
            return owner if path == "round" else round_of(owner)
    raise TypeError(f"{type(obj).__name__} belongs to no round")


def _actor_kind_allowed(guard: Guard, obj: Any, actor: Any) -> bool:
    if actor is None:
        return SYSTEM in guard.actors
    if ADMIN in guard.actors and roles.is_administrator(actor):
        return True
    application = getattr(obj, "application", obj)
    if OWNER in guard.actors:
        applicant = roles.applicant_of(actor)
        if applicant is not None and applicant.pk == application.applicant_id:
            return True
    if UNIT in guard.actors and roles.is_unit_admin_of(actor, application.employer):
        # Registering a unit account takes only a credit code; acting for the unit takes an
        # account an administrator has verified.
        if not roles.is_verified_unit_admin_of(actor, application.employer):
            raise NotPermitted(UNIT_UNVERIFIED_MESSAGE)
        return True
    if DEPARTMENT in guard.actors:
        department = roles.department_of(actor)
        if department is not None and department.pk == obj.department_id:
            return True
    if DISTRICT in guard.actors and roles.is_district_office(actor):
        return True
    return HRSS in guard.actors and roles.is_hrss_reviewer(actor)


def _refusal(guard: Guard, obj: Any) -> NotPermitted:
    action = guard.action
    if OWNER in guard.actors:
        return NotPermitted(f"只有申请人本人才能{action}。")
    if UNIT in guard.actors:
        return NotPermitted(f"只有申请人所在用人单位的经办人才能{action}。")
    if DISTRICT in guard.actors:
        return NotPermitted(f"只有区指定部门（落户办理窗口）才能{action}。")
    if HRSS in guard.actors:
        return NotPermitted(f"只有市人力资源社会保障局才能{action}。")
    if DEPARTMENT in guard.actors:
        if not hasattr(obj, "get_indicator_display"):  # an office's work (原件查验)
            return NotPermitted(f"只有{obj.department.name}的工作人员才能{action}。")
        label = obj.get_indicator_display()
        return NotPermitted(f"只有负责“{label}”指标的审核部门才能{action}。")
    if SYSTEM in guard.actors:
        return NotPermitted(f"只有管理员或系统才能{action}。")
    return NotPermitted(f"只有管理员才能{action}。")


def guard_check(guard: Guard, obj: Any, *, actor: Any, now: dt.datetime) -> None:
    """Refuse (with the Chinese message naming the action) unless ``actor`` may make the
    guarded transition on ``obj`` at ``now``."""
    if not _actor_kind_allowed(guard, obj, actor):
        raise _refusal(guard, obj)
    _clock_check(guard, round_of(obj), actor=actor, now=now)


def _clock_check(guard: Guard, round: AnnualRound, *, actor: Any, now: dt.datetime) -> None:
    """The guard's phases, by its clock: the system by the phase alone; a person inside the
    phase's window (or while it is open, for a department)."""
    if not guard.phases:
        return
    if actor is None or guard.clock == PHASE:
        require_phase(round=round, phases=guard.phases, action=guard.action)
    elif guard.clock == OPEN:
        require_phase_open(round=round, phases=guard.phases, now=now, action=guard.action)
    else:
        require_window(round=round, phases=guard.phases, now=now, action=guard.action)


def transition_allowed(
    obj: Any, method: str, *, actor: Any, now: dt.datetime, guard: str = "default"
) -> None:
    """The declared guard of ``obj``'s ``method``, checked before a service's own business
    checks (transition_apply checks it again inside its transaction)."""
    guard_check(guard_of(type(obj), method, name=guard), obj, actor=actor, now=now)


# --- after a transition commits ---------------------------------------------------------------


@dataclass(frozen=True)
class TransitionDone:
    """What moved, for listeners that act after the commit (notices, caches): never inside a
    transaction that may still roll back, once per committed move."""

    model: str  # "workflow.application"
    method: str  # "submit"
    ids: tuple[int, ...]
    to_state: str
    actor_id: int | None
    at: dt.datetime
    reason: str


_listeners: list[Callable[[TransitionDone], None]] = []


def transition_listener_register(listener: Callable[[TransitionDone], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def transition_announce(done: TransitionDone) -> None:
    """Tell the listeners of a move once the caller's transaction commits (never for a
    rollback). The mechanism calls it for its own moves; a set-based writer that moves objects
    by their declared transitions without ``transition_bulk`` (review's verification writes
    decided claims by COPY) calls it too."""
    for listener in _listeners:
        transaction.on_commit(lambda listener=listener: listener(done))


# --- the one audit shape ---------------------------------------------------------------------


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def audit_events_write(events: list[AuditRow]) -> None:
    """Append many audit rows in the caller's transaction. On PostgreSQL by COPY (Django's
    bulk_create spends its time quoting the JSON snapshots); elsewhere bulk_create. Both
    write the same rows: the test suite runs on both. Sealed into the chain once the
    transaction commits."""
    if not events:
        return
    if connection.vendor == "postgresql":
        _audit_events_copy(events)
    else:
        AuditEvent.objects.bulk_create(
            [AuditEvent(**event._asdict()) for event in events], batch_size=2000
        )
    audit_seal_after_commit()


def _audit_events_copy(events: list[AuditRow]) -> None:
    with connection.cursor() as cursor:
        copy_sql = f"COPY {AuditEvent._meta.db_table} ({', '.join(AuditRow._fields)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for e in events:
                copy.write_row((*e[:10], _json_or_null(e.before), _json_or_null(e.after)))


# --- one object ------------------------------------------------------------------------------


def transition_apply(
    obj: Any,
    method: str,
    *,
    actor: Any,
    now: dt.datetime,
    audited: Iterable[str],
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    label: str = "system",
    guard: str = "default",
    message: str = CONFLICT_MESSAGE,
    audit_action: str | None = None,
) -> Any:
    """Run one object's transition: its declared guard, the FSM method, a save of only what
    it owns (a concurrent change to another field survives; a concurrent change of state is
    a ConflictError), and its audit row, all in one transaction."""
    declared = guard_of(type(obj), method, name=guard)
    guard_check(declared, obj, actor=actor, now=now)
    bound = getattr(obj, method)
    if not can_proceed(bound):
        raise InvalidTransition(f"当前状态（{_state_label(obj)}）不能{declared.action}。")
    audited = list(audited)
    state_field = _state_field(type(obj))
    before = snapshot(obj, audited)
    from_state = getattr(obj, state_field)
    with atomic_transition(message):
        bound()
        for name, value in (changes or {}).items():
            setattr(obj, name, value)
        fields = [state_field, *(changes or {})]
        if any(f.name == "updated_at" for f in type(obj)._meta.fields):
            fields.append("updated_at")
        obj.save(update_fields=fields)
        audit_record(
            obj=obj,
            action=audit_action or f"{_audit_prefix(type(obj))}.{method}",
            actor=actor,
            label=label,
            now=now,
            round_year=round_of(obj).year,
            from_state=from_state,
            to_state=getattr(obj, state_field),
            reason=reason,
            before=before,
            after=snapshot(obj, audited),
        )
        _announce_one(obj, method, actor=actor, now=now, reason=reason)
    return obj


def _announce_one(obj: Any, method: str, *, actor: Any, now: dt.datetime, reason: str) -> None:
    transition_announce(
        TransitionDone(
            model=obj._meta.label_lower,
            method=method,
            ids=(obj.pk,),
            to_state=getattr(obj, _state_field(type(obj))),
            actor_id=getattr(actor, "pk", None),
            at=now,
            reason=reason,
        )
    )


def transition_created(
    obj: Any,
    *,
    method: str,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    after: dict[str, Any] | None = None,
) -> None:
    """An object that starts its life in its first state (an 原件查验 invitation, a 联动核察
    opened): the same audit row as a move (`<prefix>.<method>`, into the first state) and
    the same announcement to the listeners, once the caller's transaction commits. Call in
    the transaction that created it."""
    state_field = _state_field(type(obj))
    audit_record(
        actor=actor,
        action=f"{_audit_prefix(type(obj))}.{method}",
        obj=obj,
        now=now,
        round_year=round_of(obj).year,
        to_state=getattr(obj, state_field),
        reason=reason,
        after=after,
    )
    _announce_one(obj, method, actor=actor, now=now, reason=reason)


# --- many objects ----------------------------------------------------------------------------


def transition_bulk(
    model: type[models.Model],
    method: str,
    *,
    round: AnnualRound,
    ids: Iterable[int],
    now: dt.datetime,
    actor: Any = None,
    actors: Mapping[int, Any] | None = None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    changes_of: Mapping[int, Mapping[str, Any]] | None = None,
    label: str = "system",
    guard: str = "default",
    chunk_size: int = 2000,
) -> int:
    """Move the objects ``ids`` (those still in a source state) through ``model.<method>``:
    the transition's declared guard, then per chunk one conditional UPDATE of the state and
    ``changes`` and one audit row each, of the shape ``transition_apply`` writes. Returns how
    many moved; re-running moves nothing twice.

    Who moves them: ``actor`` — the system, an administrator, or a unit's administrator for
    its own staff (every object's employer must be one it is verified for); or ``actors`` —
    each object's own actor by id (many applicants moving their own application or claim at
    the same moment: each object is checked against its own actor, and audited as theirs).
    Either way the guard holds for every object before anything is written: one object
    refused refuses the whole call.

    What else it writes: ``changes``, the same for every object, or ``changes_of``, each
    object's own (the same fields for each: the employer each applicant names)."""
    ids = list(ids)
    bulk_guard_check(
        guard_of(model, method, name=guard), model, round, ids, actor=actor, actors=actors, now=now
    )
    meta = getattr(model, method)._django_fsm
    state_field = _state_field(model)
    sources = [s for s in meta.transitions if s not in ("*", "+")]
    targets = {meta.transitions[s].target for s in sources}
    if len(targets) != 1:  # pragma: no cover - every bulk move has one target
        raise InvalidTransition(f"{model.__name__}.{method} has no single target")
    target = targets.pop()
    if changes_of is not None:
        changed = list(next(iter(changes_of.values()), {}))
    else:
        changed = list(changes or {})
    has_updated_at = any(f.name == "updated_at" for f in model._meta.fields)
    moved = 0
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with transaction.atomic():
            rows = list(
                # Only the moved rows, in one order: the model's default ordering joins the
                # round (applications by year), and a plain FOR UPDATE then locked the round
                # row too, so every bulk move and verification of a round took turns.
                model.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk, **{f"{state_field}__in": sources})
                .order_by("pk")
                .values_list("pk", state_field, *changed)
            )
            if not rows:
                continue
            values: dict[str, Any] = {state_field: target, **(changes or {})}
            if has_updated_at:
                values["updated_at"] = now
            moved_ids = [r[0] for r in rows]
            if changes_of is not None and _arrays_hold(model, changed):
                _update_each(model, moved_ids, state_field, sources, values, changed, changes_of)
            else:
                if changes_of is not None:
                    values.update(_values_of(model, changed, moved_ids, changes_of))
                model.objects.filter(pk__in=moved_ids, **{f"{state_field}__in": sources}).update(
                    **values
                )
            audit_events_write(
                [
                    audit_event(
                        object_type=model._meta.label_lower,
                        object_id=pk,
                        action=f"{_audit_prefix(model)}.{method}",
                        actor=actor if actors is None else actors[pk],
                        label=label,
                        now=now,
                        round_year=round.year,
                        from_state=source,
                        to_state=target,
                        reason=reason,
                        before={state_field: source, **dict(zip(changed, old, strict=True))},
                        after={
                            state_field: target,
                            **((changes or {}) if changes_of is None else changes_of[pk]),
                        },
                    )
                    for pk, source, *old in rows
                ]
            )
            moved += len(rows)
            transition_announce(
                TransitionDone(
                    model=model._meta.label_lower,
                    method=method,
                    ids=tuple(r[0] for r in rows),
                    to_state=target,
                    actor_id=getattr(actor, "pk", None),
                    at=now,
                    reason=reason,
                )
            )
    return moved


def _update_each(
    model: type[models.Model],
    ids: list[int],
    state_field: str,
    sources: list[str],
    values: Mapping[str, Any],
    changed: list[str],
    changes_of: Mapping[int, Mapping[str, Any]],
) -> None:
    """PostgreSQL: one UPDATE of the chunk, `values` for every object and each object's own
    `changed` fields joined from arrays (`unnest`). The ORM's CASE of one WHEN per object
    and field was most of the time of 130,000 applicants naming their employers."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sets, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(pk_or_value(value), connection))
    columns, arrays = [], [f"%s::{model._meta.pk.db_type(connection)}[]"]
    params.append(ids)
    for name in changed:
        field = model._meta.get_field(name)
        column = quote(field.column)
        columns.append(column)
        sets.append(f"{column} = v.{column}")
        arrays.append(f"%s::{field.db_type(connection)}[]")
        params.append(
            [field.get_db_prep_save(pk_or_value(changes_of[pk][name]), connection) for pk in ids]
        )
    params.append(list(sources))
    pk = quote(model._meta.pk.column)
    state = quote(model._meta.get_field(state_field).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} "  # noqa: S608 - the model's own names
            f"FROM unnest({', '.join(arrays)}) AS v(id, {', '.join(columns)}) "
            f"WHERE {table}.{pk} = v.id AND {table}.{state} = ANY(%s)",
            params,
        )


def _arrays_hold(model: type[models.Model], fields: list[str]) -> bool:
    # PostgreSQL arrays of plain columns (a JSON value per object keeps the CASE).
    return (
        connection.vendor == "postgresql"
        and bool(fields)
        and not any(isinstance(model._meta.get_field(name), models.JSONField) for name in fields)
    )


def _values_of(
    model: type[models.Model],
    fields: list[str],
    ids: list[int],
    changes_of: Mapping[int, Mapping[str, Any]],
) -> dict[str, Any]:
    """Each object's own value of each field, as one CASE per field in the chunk's UPDATE."""
    values = {}
    for name in fields:
        field = model._meta.get_field(name)
        whens = [
            When(
                pk=pk,
                then=Value(
                    jsonable(changes_of[pk][name]),
                    output_field=field.target_field if field.is_relation else field,
                ),
            )
            for pk in ids
        ]
        values[field.attname] = Case(*whens, default=F(field.attname))
    return values


def bulk_guard_check(
    guard: Guard,
    model: type[models.Model],
    round: AnnualRound,
    ids: list[int],
    *,
    actor: Any = None,
    actors: Mapping[int, Any] | None = None,
    now: dt.datetime,
) -> None:
    """``guard`` for every object of ``model`` in ``ids``, moved by ``actor`` or each by its
    own in ``actors`` (see `transition_bulk`); refuses with the one-object message."""
    if actors is None:
        _bulk_actor_check(guard, model, round, ids, actor=actor, now=now)
    else:
        _bulk_owners_check(guard, model, round, ids, actors=actors, now=now)


# Where an object's owner (OWNER) and unit (UNIT) are, from the moved model.
_OWNER_PATHS = {
    "application": ("applicant__user_id", "employer_id"),
    "indicatorclaim": ("application__applicant__user_id", "application__employer_id"),
}


def _bulk_parties(
    model: type[models.Model], ids: list[int], guard: Guard
) -> list[tuple[int, int | None, int | None]]:
    """(id, owner's user id, employer id) of each object, in chunks of one query each."""
    paths = _OWNER_PATHS.get(model._meta.model_name)
    if paths is None:
        raise NotPermitted(f"只有管理员或系统才能批量{guard.action}。")
    parties: list[tuple[int, int | None, int | None]] = []
    for start in range(0, len(ids), 5000):
        parties += model.objects.filter(pk__in=ids[start : start + 5000]).values_list("pk", *paths)
    return parties


def _bulk_actor_check(
    guard: Guard,
    model: type[models.Model],
    round: AnnualRound,
    ids: list[int],
    *,
    actor: Any,
    now: dt.datetime,
) -> None:
    if actor is None or roles.is_administrator(actor):
        guard_check(guard, round, actor=actor, now=now)
        return
    if UNIT not in guard.actors:
        raise _refusal(guard, round)
    # A unit's administrator: every object is one of the unit's staff's, and the account is
    # verified for each employer (the same test as one object's guard).
    allowed: dict[int | None, bool] = {}
    employers = {e.pk: e for e in Employer.objects.filter(memberships__user=actor)}
    for _, _, employer_id in _bulk_parties(model, ids, guard):
        if employer_id not in allowed:
            employer = employers.get(employer_id) if employer_id is not None else None
            if employer is not None and not roles.is_verified_unit_admin_of(actor, employer):
                raise NotPermitted(UNIT_UNVERIFIED_MESSAGE)
            allowed[employer_id] = employer is not None
        if not allowed[employer_id]:
            raise _refusal(guard, round)
    _clock_check(guard, round, actor=actor, now=now)


def _bulk_owners_check(
    guard: Guard,
    model: type[models.Model],
    round: AnnualRound,
    ids: list[int],
    *,
    actors: Mapping[int, Any],
    now: dt.datetime,
) -> None:
    if OWNER not in guard.actors:
        raise _refusal(guard, round)
    for pk, owner_user_id, _ in _bulk_parties(model, ids, guard):
        actor = actors.get(pk)
        if actor is None or not actor.is_authenticated or actor.pk != owner_user_id:
            raise _refusal(guard, round)
    if actors:
        _clock_check(guard, round, actor=next(iter(actors.values())), now=now)


def transition_target(model: type[models.Model], method: str, source: str) -> str | None:
    """The state ``model.<method>`` leads to from ``source`` (None: not allowed from it), for
    set-based writers that compute per object what to write (the data exchange)."""
    transition = _meta_transition(model, method, source)
    return None if transition is None else transition.target


def _state_field(model: type[models.Model]) -> str:
    return "phase" if model is AnnualRound else "state"


def _audit_prefix(model: type[models.Model]) -> str:
    # "application.submit", "claim.verify", "round.advance", "objection.uphold"
    return {
        "annualround": "round",
        "indicatorclaim": "claim",
        "originalscheck": "originals",
        "jointcheck": "joint_check",
    }.get(model._meta.model_name, model._meta.model_name)


def _state_label(obj: Any) -> str:
    if isinstance(obj, AnnualRound):
        return Phase(obj.phase).label
    return obj.get_state_display()
