"""Claims say whether they are in review (`in_review`) and a tally counts the claims in review
per department, round, indicator, state and manual flag (issue 13): the reviewers' queue
counts read the tally (a few rows) instead of counting 390,000 claims less those of drafts on
every view. Both are kept by database triggers, installed here for PostgreSQL and SQLite
(see workflow/models/queue_tally.py for why the database and not Python keeps them).
The two queue indexes become partial (claims in review only); the two that served the old
counts go."""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    """Every claim's flag and the tally from the claims as they are, then the triggers."""
    from workflow.triggers import tally_rebuild_sql, triggers_install

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in tally_rebuild_sql():
            cursor.execute(statement)
    triggers_install(connection)


def uninstall(apps, schema_editor):
    from workflow.triggers import triggers_drop

    triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0018_claim_round_queue_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='QueueTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('indicator', models.CharField(choices=[('eligibility', '资格条件'), ('employment', '合法稳定就业'), ('housing', '合法稳定住所'), ('education', '教育背景'), ('job_residence_area', '职住区域'), ('innovation', '创新创业'), ('tax', '纳税'), ('age', '年龄'), ('honors', '荣誉表彰'), ('law_record', '守法记录')], max_length=30, verbose_name='指标')),
                ('state', models.CharField(choices=[('pending', '待审核'), ('verified', '审核通过'), ('rejected', '审核不通过'), ('adjusted', '审核调整'), ('recheck_requested', '已申请复查'), ('rechecked', '已复查'), ('appealed', '已申诉'), ('appeal_upheld', '申诉成立'), ('appeal_rejected', '申诉不成立'), ('supplement_requested', '待补件')], max_length=50, verbose_name='状态')),
                ('needs_manual_review', models.BooleanField(verbose_name='需人工审核')),
                ('n', models.IntegerField(verbose_name='指标数增减')),
            ],
            options={
                'verbose_name': '审核队列计数',
                'verbose_name_plural': '审核队列计数',
            },
        ),
        migrations.AddField(
            model_name='queuetally',
            name='department',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workflow.department', verbose_name='审核部门'),
        ),
        migrations.AddField(
            model_name='queuetally',
            name='round',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workflow.annualround', verbose_name='年度'),
        ),
        migrations.RemoveIndex(
            model_name='indicatorclaim',
            name='claim_queue_counts',
        ),
        migrations.RemoveIndex(
            model_name='indicatorclaim',
            name='claim_application_queue',
        ),
        migrations.RemoveIndex(
            model_name='indicatorclaim',
            name='claim_queue',
        ),
        migrations.RemoveIndex(
            model_name='indicatorclaim',
            name='claim_queue_all',
        ),
        migrations.AddField(
            model_name='indicatorclaim',
            name='in_review',
            field=models.BooleanField(db_default=False, default=False, editable=False, verbose_name='审核中'),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name='indicatorclaim',
            index=models.Index(condition=models.Q(('in_review', True)), fields=['department', 'round', 'state', 'updated_at'], name='claim_queue'),
        ),
        migrations.AddIndex(
            model_name='indicatorclaim',
            index=models.Index(condition=models.Q(('in_review', True)), fields=['department', 'round', 'updated_at'], name='claim_queue_all'),
        ),
        migrations.AddIndex(
            model_name='queuetally',
            index=models.Index(fields=['department', 'round'], name='queue_tally_department'),
        ),
    ]
