"""Chunks of a job recorded with the job (parent, payload, enqueued_at), and the beat entry
that reconciles every job from what PostgreSQL holds, every minute (workflow.reconcile)."""

import django.db.models.deletion
from django.db import migrations, models

BEAT_TASK_NAME = "补投未完成的批处理任务 (reconcile_jobs)"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME,
        defaults={"task": "workflow.tasks.reconcile_jobs", "interval": every_minute, "enabled": True},
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=BEAT_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0014_joint_check"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobrun",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近投递时间"),
        ),
        migrations.AddField(
            model_name="jobrun",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="chunks",
                to="workflow.jobrun",
                verbose_name="所属任务",
            ),
        ),
        migrations.AddField(
            model_name="jobrun",
            name="payload",
            field=models.JSONField(blank=True, default=dict, verbose_name="任务参数"),
        ),
        migrations.RunPython(seed, unseed),
    ]
