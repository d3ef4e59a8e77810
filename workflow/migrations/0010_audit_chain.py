"""The audit log, append-only in the database and chained (docs/reliability.md).

Triggers refuse UPDATE, DELETE and TRUNCATE on the audit table, whoever sends them (the ORM,
raw SQL, psql), except:
- the seal (workflow/audit_chain.py): a row not yet sealed gets chain_seq, prev_hash and
  hash once, nothing else changes;
- the actor's account deleted (actor on_delete=SET_NULL): only actor_id becomes NULL;
  actor_label keeps who it was and is what the hash covers;
- maintenance (workflow.audit_chain.audit_maintenance, for a DBA and the test suite's flush):
  on PostgreSQL the transaction-local setting luohu.audit_maintenance = 'on'; on SQLite,
  which has no session settings, a row in workflow_audit_maintenance, inserted and deleted
  inside the same transaction.

SQLite rebuilds a table for most ALTERs (Django's _remake_table) and drops its triggers with
it: a later migration that alters workflow_auditevent must create them again (the tests of
tests/workflow/test_audit_chain.py fail if it does not).

Also seeds the beat entry that seals, every minute, what no writer's commit sealed.
"""

from django.conf import settings
from django.db import migrations, models

BEAT_TASK_NAME = "封存审计记录 (seal_audit_events)"
MESSAGE = "审计记录只能追加，不能修改、删除或清空 (workflow_auditevent is append-only)"

# Every column but the chain's three; a seal must leave them as they were.
CONTENT = (
    "id", "at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "round_year", "from_state", "to_state", "reason", "before", "after",
)

POSTGRESQL = [
    f"""
    CREATE FUNCTION workflow_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        kept workflow_auditevent%ROWTYPE;
    BEGIN
        IF current_setting('luohu.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;  -- NULL for TRUNCATE, a statement trigger: ignored
        END IF;
        IF TG_OP = 'UPDATE' THEN
            -- The seal: once, filling the chain's three columns and changing nothing else.
            kept := NEW;
            kept.chain_seq := OLD.chain_seq;
            kept.prev_hash := OLD.prev_hash;
            kept.hash := OLD.hash;
            IF OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
               AND NEW.chain_seq IS NOT NULL AND kept IS NOT DISTINCT FROM OLD THEN
                RETURN NEW;
            END IF;
            -- The actor's account deleted (on_delete=SET_NULL): only actor_id becomes NULL.
            kept := OLD;
            kept.actor_id := NULL;
            IF OLD.actor_id IS NOT NULL AND NEW IS NOT DISTINCT FROM kept THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION USING
            ERRCODE = 'integrity_constraint_violation',
            MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused',
            HINT = 'Only the seal may fill chain_seq, prev_hash and hash, once. See docs/reliability.md.';
    END
    $$
    """,
    """
    CREATE TRIGGER workflow_audit_append_only BEFORE UPDATE OR DELETE ON workflow_auditevent
    FOR EACH ROW EXECUTE FUNCTION workflow_audit_append_only()
    """,
    """
    CREATE TRIGGER workflow_audit_no_truncate BEFORE TRUNCATE ON workflow_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_audit_append_only()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER workflow_audit_no_truncate ON workflow_auditevent",
    "DROP TRIGGER workflow_audit_append_only ON workflow_auditevent",
    "DROP FUNCTION workflow_audit_append_only()",
]


def _same(columns):
    return " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in columns)


MAINTENANCE_OFF = "NOT EXISTS (SELECT 1 FROM workflow_audit_maintenance)"
SEAL = (
    "OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL "
    f"AND NEW.chain_seq IS NOT NULL AND {_same(CONTENT)}"
)
ACTOR_GONE = (
    "OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND "
    + _same([c for c in CONTENT if c != "actor_id"] + ["chain_seq", "prev_hash", "hash"])
)
SQLITE = [
    # SQLite has no session settings a trigger could read: maintenance is a row here.
    "CREATE TABLE workflow_audit_maintenance (since TEXT NOT NULL)",
    f"""
    CREATE TRIGGER workflow_audit_no_update BEFORE UPDATE ON workflow_auditevent
    WHEN {MAINTENANCE_OFF} AND NOT ({SEAL}) AND NOT ({ACTOR_GONE})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END
    """,
    # No TRUNCATE in SQLite: DELETE FROM without WHERE runs this trigger for every row.
    f"""
    CREATE TRIGGER workflow_audit_no_delete BEFORE DELETE ON workflow_auditevent
    WHEN {MAINTENANCE_OFF}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER workflow_audit_no_delete",
    "DROP TRIGGER workflow_audit_no_update",
    "DROP TABLE workflow_audit_maintenance",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(f"no append-only triggers for {vendor}")
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)

    return run


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME,
        defaults={"task": "workflow.tasks.seal_audit_events", "interval": every_minute, "enabled": True},
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=BEAT_TASK_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0009_chinese_field_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='chain_seq',
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, verbose_name='链序号'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='前一条哈希'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(condition=models.Q(('hash__isnull', True)), fields=['id'], name='audit_unsealed'),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(condition=models.Q(('chain_seq__isnull', False)), fields=('chain_seq',), name='audit_chain_seq_unique'),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
        migrations.RunPython(seed, unseed),
    ]
