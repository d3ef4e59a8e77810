# Once every row has its index (0016_encrypt_personal_data): the index is what keeps one applicant per number.
from django.db import migrations

import workflow.models.fields


class Migration(migrations.Migration):
    dependencies = [("workflow", "0016_encrypt_personal_data")]

    operations = [
        migrations.AlterField(
            model_name="applicant",
            name="id_number_index",
            field=workflow.models.fields.BlindIndexField(
                error_messages={"unique": "该公民身份号码已登记，不能重复登记。"},
                source="id_number",
                unique=True,
                verbose_name="公民身份号码",
            ),
        ),
    ]
