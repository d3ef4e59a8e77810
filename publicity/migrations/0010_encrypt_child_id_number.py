"""Accompanying children's identity numbers (落户办理) encrypted at rest like every other
identity number (no index: nothing looks a child up by number)."""

from django.db import migrations

import workflow.models.fields
import workflow.models.parties
from workflow.crypto_migrations import decrypt_rows, encrypt_rows

TABLE = "publicity_settlementchild"
COLUMNS = ["id_number"]


def forwards(apps, schema_editor):
    encrypt_rows(schema_editor.connection, TABLE, COLUMNS, id_number_index=None)


def backwards(apps, schema_editor):
    decrypt_rows(schema_editor.connection, TABLE, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("publicity", "0009_encrypt_reporter")]

    operations = [
        migrations.AlterField(
            model_name="settlementchild",
            name="id_number",
            field=workflow.models.fields.EncryptedTextField(
                blank=True,
                max_length=18,
                validators=[workflow.models.parties.validate_id_number_field],
                verbose_name="公民身份号码",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
