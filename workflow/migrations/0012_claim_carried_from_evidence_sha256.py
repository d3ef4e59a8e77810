import hashlib

import django.db.models.deletion
from django.db import migrations, models


def hash_stored_files(apps, schema_editor):
    # Files uploaded before this migration get their hash too, so a second upload of one of
    # them is refused like any other duplicate. A file missing from the storage stays blank.
    Evidence = apps.get_model("workflow", "Evidence")
    for evidence in Evidence.objects.filter(sha256="").iterator():
        digest = hashlib.sha256()
        try:
            with evidence.file.open("rb") as handle:
                for chunk in handle.chunks():
                    digest.update(chunk)
        except (FileNotFoundError, ValueError):
            continue
        Evidence.objects.filter(pk=evidence.pk).update(sha256=digest.hexdigest())


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0011_integrity_states_quota_approval_criminal_report"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="SHA-256"),
        ),
        migrations.AddField(
            model_name="indicatorclaim",
            name="carried_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="workflow.indicatorclaim",
                verbose_name="沿用的往年已核实指标",
            ),
        ),
        migrations.RunPython(hash_stored_files, migrations.RunPython.noop),
    ]
