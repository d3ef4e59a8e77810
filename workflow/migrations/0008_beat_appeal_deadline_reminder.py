"""Beat, hourly: two days before the result-query window closes, remind applicants who
still have adjusted or rejected items not appealed (细则第八条). The schedule lives in
django-celery-beat's tables (the one DatabaseScheduler)."""

from django.db import migrations

BEAT_TASK_NAME = "申诉截止前提醒 (remind_appeal_deadline)"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME,
        defaults={
            "task": "workflow.tasks.remind_appeal_deadline",
            "interval": hourly,
            "crontab": None,
            "enabled": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=BEAT_TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0007_notice_inbox_and_preferences"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
