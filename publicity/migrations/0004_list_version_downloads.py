import django.db.models.deletion
from django.db import migrations, models


def changed_at_is_publication(apps, schema_editor):
    # Lists published before this migration have not changed since they opened.
    Publication = apps.get_model("publicity", "Publication")
    Publication.objects.filter(list_changed_at__isnull=True).update(
        list_changed_at=models.F("opens_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("publicity", "0003_beat_forfeit_expired"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="list_version",
            field=models.PositiveIntegerField(default=1, verbose_name="名单版本"),
        ),
        migrations.AddField(
            model_name="publication",
            name="list_changed_at",
            field=models.DateTimeField(null=True, verbose_name="名单更新时间"),
        ),
        migrations.RunPython(changed_at_is_publication, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="publication",
            name="list_changed_at",
            field=models.DateTimeField(verbose_name="名单更新时间"),
        ),
        migrations.AddField(
            model_name="publicityentry",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="取消资格时间"),
        ),
        migrations.CreateModel(
            name="PublicationDownload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "format",
                    models.CharField(
                        choices=[("csv", "CSV"), ("xlsx", "Excel（XLSX）")],
                        max_length=4,
                        verbose_name="格式",
                    ),
                ),
                ("list_version", models.PositiveIntegerField(verbose_name="名单版本")),
                ("writer", models.CharField(max_length=16, verbose_name="生成程序版本")),
                ("content", models.BinaryField(verbose_name="文件内容")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                ("size", models.PositiveIntegerField(verbose_name="字节数")),
                ("built_at", models.DateTimeField(verbose_name="生成时间")),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="downloads",
                        to="publicity.publication",
                    ),
                ),
            ],
            options={
                "verbose_name": "公示名单下载文件",
                "verbose_name_plural": "公示名单下载文件",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("publication", "format", "list_version", "writer"),
                        name="publication_download_once",
                    )
                ],
            },
        ),
    ]
