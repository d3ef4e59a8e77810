"""Claims carry their application's round, and two indexes serve the reviewers' queues
(issue 13): counts and first pages from an index, without joining the applications."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0017_applicant_id_number_index_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicatorclaim",
            name="round",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="workflow.annualround",
                verbose_name="年度",
            ),
        ),
        # One statement on SQLite and PostgreSQL alike: an application never changes round.
        migrations.RunSQL(
            "UPDATE workflow_indicatorclaim SET round_id = (SELECT a.round_id FROM"
            " workflow_application a WHERE a.id = workflow_indicatorclaim.application_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="indicatorclaim",
            name="round",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="workflow.annualround",
                verbose_name="年度",
            ),
        ),
        migrations.AddIndex(
            model_name="indicatorclaim",
            index=models.Index(
                fields=["department", "round", "state", "needs_manual_review"],
                name="claim_queue_counts",
            ),
        ),
        migrations.AddIndex(
            model_name="indicatorclaim",
            index=models.Index(
                fields=["application", "department", "state", "needs_manual_review"],
                name="claim_application_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="indicatorclaim",
            index=models.Index(
                fields=["department", "round", "state", "updated_at"], name="claim_queue"
            ),
        ),
        migrations.AddIndex(
            model_name="indicatorclaim",
            index=models.Index(fields=["department", "round", "updated_at"], name="claim_queue_all"),
        ),
    ]
