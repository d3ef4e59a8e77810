"""Objection reporters' identity numbers and contacts encrypted at rest (no index: nothing
looks a reporter up by number)."""

from django.db import migrations

import workflow.models.fields
import workflow.models.parties
from workflow.crypto_migrations import decrypt_rows, encrypt_rows

TABLE = "publicity_objection"
COLUMNS = ["reporter_id_number", "reporter_contact"]


def forwards(apps, schema_editor):
    encrypt_rows(schema_editor.connection, TABLE, COLUMNS, id_number_index=None)


def backwards(apps, schema_editor):
    decrypt_rows(schema_editor.connection, TABLE, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("publicity", "0008_settlement_chain")]

    operations = [
        migrations.AlterField(
            model_name="objection",
            name="reporter_contact",
            field=workflow.models.fields.EncryptedTextField(
                max_length=100, verbose_name="举报人联系方式"
            ),
        ),
        migrations.AlterField(
            model_name="objection",
            name="reporter_id_number",
            field=workflow.models.fields.EncryptedTextField(
                max_length=18,
                validators=[workflow.models.parties.validate_id_number_field],
                verbose_name="举报人公民身份号码",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
