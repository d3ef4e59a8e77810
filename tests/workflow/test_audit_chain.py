"""The audit log in the database: append-only whoever asks (the ORM, raw SQL), and a hash chain
that names the first row a DBA changed or removed. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from ranking import services as ranking_services
from ranking.importing import facts_import
from tests import factories
from tests.publicity.helpers import facts, lines
from workflow import tasks
from workflow.audit_chain import GENESIS, audit_chain_verify, audit_maintenance, audit_seal
from workflow.models import AuditEvent
from workflow.services import audit_event, audit_record, round_create
from workflow.services.transitions import audit_events_write

pytestmark = pytest.mark.django_db

REFUSED = "append-only"


@pytest.fixture
def events(administrator):
    """Five rows by three writers: the service's create, the mechanism's bulk write."""
    round = round_create(year=2021, quota=1, actor=administrator)
    for n in range(2):
        audit_record(
            actor=administrator,
            action="test.note",
            obj=round,
            now=round.created_at,
            reason=f"第{n}条",
        )
    audit_events_write(
        [
            audit_event(
                object_type="workflow.annualround",
                object_id=round.pk,
                action="test.bulk",
                actor=None,
                label="system",
                now=round.created_at,
                round_year=2021,
                from_state="",
                to_state="",
                reason=f"批量{n}",
                before={"b": 1, "a": [1, "二"]},
                after=None,
            )
            for n in range(2)
        ]
    )
    return list(AuditEvent.objects.order_by("id"))


def refused(sql: str, params: list | None = None) -> None:
    # A savepoint: on PostgreSQL the refused statement aborts the transaction around it.
    with (
        pytest.raises(IntegrityError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(sql, params)


def reason_of(pk: int) -> str:
    return AuditEvent.objects.values_list("reason", flat=True).get(pk=pk)


# --- append-only in the database ----------------------------------------------------------------


def test_the_database_refuses_an_update_from_the_orm_and_from_raw_sql(events):
    first = events[0]
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        # The base manager has no Python guard: this reaches the database.
        AuditEvent._base_manager.filter(pk=first.pk).update(reason="篡改")
    refused('UPDATE "workflow_auditevent" SET reason = %s WHERE id = %s', ["篡改", first.pk])
    refused('UPDATE "workflow_auditevent" SET actor_label = %s', ["someone"])
    assert reason_of(first.pk) == first.reason


def test_the_database_refuses_delete_and_truncate(events):
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent._base_manager.filter(pk=events[0].pk)._raw_delete(connection.alias)
    refused('DELETE FROM "workflow_auditevent" WHERE id = %s', [events[0].pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            # The rows' deferred foreign-key checks first: TRUNCATE refuses to run past them.
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refused('TRUNCATE "workflow_auditevent"')
    else:
        # SQLite has no TRUNCATE: a DELETE without WHERE is its truncate, and the trigger holds.
        refused('DELETE FROM "workflow_auditevent"')
    assert AuditEvent.objects.count() == len(events)


def test_a_row_is_sealed_once_and_the_seal_changes_nothing_else(events):
    row = events[0]
    refused(
        'UPDATE "workflow_auditevent" SET chain_seq = 1, prev_hash = %s, hash = %s, reason = %s WHERE id = %s',
        [GENESIS, "f" * 64, "篡改", row.pk],
    )
    audit_seal()
    refused('UPDATE "workflow_auditevent" SET hash = %s WHERE id = %s', ["f" * 64, row.pk])
    refused('UPDATE "workflow_auditevent" SET chain_seq = NULL, prev_hash = NULL, hash = NULL')
    assert audit_chain_verify().intact


def test_deleting_an_actor_only_clears_actor_id_and_the_chain_holds(events, administrator):
    audit_seal()
    name = administrator.username
    get_user_model().objects.filter(pk=administrator.pk).delete()
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {None}
    assert AuditEvent.objects.filter(actor_label=name).count() == 3
    assert audit_chain_verify().intact


def test_maintenance_lets_a_dba_through_inside_its_transaction_only(events):
    with audit_maintenance(), connection.cursor() as c:
        c.execute(
            'UPDATE "workflow_auditevent" SET reason = %s WHERE id = %s', ["修复", events[0].pk]
        )
    assert reason_of(events[0].pk) == "修复"
    refused('UPDATE "workflow_auditevent" SET reason = %s WHERE id = %s', ["再改", events[0].pk])


def test_the_python_guard_still_refuses_first():
    from workflow.models.audit import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="篡改")


# --- the chain ----------------------------------------------------------------------------------


def test_seal_links_every_row_to_the_one_before_in_id_order(events):
    assert audit_seal() == len(events)
    rows = list(
        AuditEvent.objects.order_by("chain_seq").values_list("id", "chain_seq", "prev_hash", "hash")
    )
    assert [r[0] for r in rows] == [e.pk for e in events]
    assert [r[1] for r in rows] == list(range(1, len(events) + 1))
    assert rows[0][2] == GENESIS
    assert [r[2] for r in rows[1:]] == [r[3] for r in rows[:-1]]
    assert audit_seal() == 0  # nothing left
    report = audit_chain_verify()
    assert (report.intact, report.checked, report.unsealed) == (True, len(events), 0)
    assert (report.end_seq, report.end_hash) == (len(events), rows[-1][3])


def test_rows_appended_later_continue_the_chain_in_small_chunks(events, administrator):
    round = factories.RoundFactory(year=2030)  # (its quota approval is audited too)
    audit_seal()
    sealed = AuditEvent.objects.count()
    end = AuditEvent.objects.get(chain_seq=sealed).hash
    for n in range(5):
        audit_record(
            actor=None, action="test.later", obj=round, now=round.created_at, reason=str(n)
        )
    assert audit_seal(chunk_size=2) == 5
    assert AuditEvent.objects.get(chain_seq=sealed + 1).prev_hash == end
    assert audit_chain_verify(chunk_size=3).checked == sealed + 5


def test_the_commit_of_a_writer_seals_its_rows(administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        round_create(year=2022, quota=1, actor=administrator)
    assert not AuditEvent.objects.filter(hash__isnull=True).exists()
    assert audit_chain_verify().intact


def test_a_rolled_back_writer_leaves_nothing_to_seal(
    administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                round_create(year=2022, quota=1, actor=administrator)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not AuditEvent.objects.exists()


@pytest.mark.postgres
def test_a_committer_does_not_queue_behind_another_seal_and_the_beat_seals_after(
    administrator, django_capture_on_commit_callbacks
):
    # Another process is sealing (it holds the seal lock): a writer's commit returns at once
    # instead of waiting its turn, its rows left to that seal or the beat task.
    from tests.integration.helpers import second_session
    from workflow.audit_chain import _SEAL_LOCK

    with second_session() as sealer:
        sealer.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])
        with django_capture_on_commit_callbacks(execute=True):
            round_create(year=2022, quota=1, actor=administrator)
        assert AuditEvent.objects.filter(hash__isnull=True).exists()
        sealer.rollback()  # that seal ends

    assert tasks.seal_audit_events.delay().get() >= 1
    assert audit_chain_verify().intact


def test_the_beat_task_seals_what_no_commit_sealed(events):
    assert tasks.seal_audit_events.delay().get() == len(events)
    assert tasks.seal_audit_events.delay().get() == 0


def test_the_ranking_rows_written_in_sql_are_sealed_by_its_commit(
    administrator, django_capture_on_commit_callbacks
):
    round = factories.RoundFactory(year=2020, quota=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert not facts_import(round=round, lines=lines(*(facts(i) for i in (1, 2)))).errors
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.round_rank(round=round, actor=administrator)
    assert AuditEvent.objects.filter(action__startswith="application.").count() >= 4
    assert not AuditEvent.objects.filter(hash__isnull=True).exists()
    assert audit_chain_verify().intact


# --- audit_verify -------------------------------------------------------------------------------


def verify(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def test_audit_verify_says_all_rows_intact(events):
    audit_seal()
    assert f"all {len(events)} rows intact" in verify()


def test_audit_verify_names_the_row_a_dba_changed(events):
    audit_seal()
    changed = events[2]
    with audit_maintenance(), connection.cursor() as c:  # a DBA, past the trigger
        c.execute(
            'UPDATE "workflow_auditevent" SET reason = %s WHERE id = %s', ["篡改", changed.pk]
        )
    with pytest.raises(CommandError, match=rf"row id={changed.pk}: .*content changed since sealed"):
        verify()
    # From the row after it on, the chain holds (it trusts the stored hash before it).
    assert f"all {len(events) - 3} rows intact" in verify("--from-id", str(events[3].pk))


def test_audit_verify_names_the_row_after_one_a_dba_removed(events):
    audit_seal()
    with audit_maintenance(), connection.cursor() as c:
        c.execute('DELETE FROM "workflow_auditevent" WHERE id = %s', [events[1].pk])
    with pytest.raises(
        CommandError, match=rf"row id={events[2].pk}: .*chain_seq jumps from 1 to 3"
    ):
        verify()


def test_audit_verify_names_a_row_whose_links_were_rewritten(events):
    audit_seal()
    with audit_maintenance(), connection.cursor() as c:
        # Removed, and the next row's place moved up to hide the gap: its prev_hash gives it away.
        c.execute('DELETE FROM "workflow_auditevent" WHERE id = %s', [events[1].pk])
        c.execute('UPDATE "workflow_auditevent" SET chain_seq = 2 WHERE id = %s', [events[2].pk])
    report = audit_chain_verify()
    assert (report.broken_id, report.checked) == (events[2].pk, 1)
    assert "is not the hash of the row before" in report.problem


def test_audit_verify_reports_unsealed_rows_without_failing(events):
    assert "5 rows not sealed yet" in verify()


def test_audit_verify_names_a_row_whose_hash_was_emptied(events):
    audit_seal()
    with audit_maintenance(), connection.cursor() as c:
        c.execute("UPDATE workflow_auditevent SET hash = NULL WHERE id = %s", [events[3].pk])
    report = audit_chain_verify()
    assert report.broken_id == events[3].pk
    assert "stored hash (empty)" in report.problem
