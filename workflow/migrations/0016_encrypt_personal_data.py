"""Identity numbers and phones encrypted at rest, found through a blind index; applicants'
user names that were their identity numbers replaced by names that say nothing."""

from django.conf import settings
from django.db import migrations

import workflow.models.fields
import workflow.models.parties
from workflow import crypto
from workflow.crypto_migrations import decrypt_rows, encrypt_rows

TABLE = "workflow_applicant"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Before the numbers are encrypted: the one moment SQL can still compare them.
        cursor.execute(
            f"SELECT u.{quote('id')}, u.{quote('username')}, a.{quote('id_number')} "  # noqa: S608
            f"FROM {quote(users)} u JOIN {quote(TABLE)} a ON a.{quote('user_id')} = u.{quote('id')}"
        )
        renamed = [
            [crypto.new_applicant_username(), user_id]
            for user_id, username, number in cursor.fetchall()
            if username.strip().upper() == (number or "").strip().upper()
        ]
        cursor.executemany(
            f"UPDATE {quote(users)} SET {quote('username')} = %s WHERE {quote('id')} = %s",  # noqa: S608
            renamed,
        )
    encrypt_rows(
        connection, TABLE, ["id_number", "phone"], id_number_index=("id_number", "id_number_index")
    )


def backwards(apps, schema_editor):
    decrypt_rows(schema_editor.connection, TABLE, ["id_number", "phone"])


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("workflow", "0015_jobrun_chunks_reconcile"),
    ]

    operations = [
        migrations.AddField(
            model_name="applicant",
            name="id_number_index",
            field=workflow.models.fields.BlindIndexField(
                null=True, source="id_number", verbose_name="公民身份号码"
            ),
        ),
        migrations.AlterField(
            model_name="applicant",
            name="id_number",
            field=workflow.models.fields.EncryptedTextField(
                max_length=18,
                validators=[workflow.models.parties.validate_id_number_field],
                verbose_name="公民身份号码",
            ),
        ),
        migrations.AlterField(
            model_name="applicant",
            name="phone",
            field=workflow.models.fields.EncryptedTextField(
                blank=True, max_length=20, verbose_name="手机号码"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
