"""Seed the reviewing departments, the administrators' group, and the beat schedule.

The beat entry lives here (not in settings) because the one scheduler is
django-celery-beat's DatabaseScheduler: `workflow.tasks.advance_due_rounds` every minute.
"""

from django.db import migrations

# The same list `workflow.services.departments_ensure` re-creates rows from at run time.
from workflow.indicators import DEPARTMENTS

ADMIN_GROUP = "积分落户管理员"
BEAT_TASK_NAME = "推进到期的年度轮次 (advance_due_rounds)"


def seed(apps, schema_editor):
    Department = apps.get_model("workflow", "Department")
    for code, name in DEPARTMENTS.items():
        Department.objects.update_or_create(code=code, defaults={"name": name})
    apps.get_model("auth", "Group").objects.get_or_create(name=ADMIN_GROUP)

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME,
        defaults={"task": "workflow.tasks.advance_due_rounds", "interval": every_minute, "enabled": True},
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=BEAT_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
