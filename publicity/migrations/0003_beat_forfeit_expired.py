"""Beat: every day, qualifications past their two years become forfeited (细则第十条).

The schedule lives in django-celery-beat's tables (the one DatabaseScheduler).
"""

from django.db import migrations

BEAT_TASK_NAME = "逾期未办理落户视为放弃 (forfeit_expired_qualifications)"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 00:10 Beijing time: the day after qualified_until, never during the day it still holds.
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="10", hour="0", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME,
        defaults={
            "task": "publicity.tasks.forfeit_expired_qualifications",
            "crontab": daily,
            "interval": None,
            "enabled": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=BEAT_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("publicity", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
