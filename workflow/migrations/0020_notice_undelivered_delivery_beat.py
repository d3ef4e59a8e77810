"""Notices are delivered by a run that sweeps every notice not delivered yet (a partial index
finds them), woken after each commit and by beat every minute, instead of one broker message
per commit (workflow.tasks.deliver_pending_notices)."""

from django.db import migrations, models

BEAT_TASK_NAME = "投递未发出的通知 (deliver_pending_notices)"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME,
        defaults={
            "task": "workflow.tasks.deliver_pending_notices",
            "interval": every_minute,
            "enabled": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=BEAT_TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0019_claim_in_review_queue_tally"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                condition=models.Q(("delivered_at__isnull", True)),
                fields=["id"],
                name="notice_undelivered",
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
