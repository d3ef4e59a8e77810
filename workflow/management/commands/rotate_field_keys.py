from django.core.management.base import BaseCommand

from workflow.services import field_keys_rotate


class Command(BaseCommand):
    help = (
        "把所有加密字段重新加密为 FIELD_ENCRYPTION_KEYS 的第一个密钥，并按 BLIND_INDEX_KEY "
        "重算盲索引；可重复运行 / re-encrypt every encrypted column under the first key of "
        "FIELD_ENCRYPTION_KEYS and recompute the blind indexes; safe to run again"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=1000,
            help="每个事务处理的行数 / rows per transaction (default 1000)",
        )

    def handle(self, *args, chunk_size, **options):
        report = field_keys_rotate(chunk_size=chunk_size, progress=self.stdout.write)
        for label, checked in report.rows_checked.items():
            self.stdout.write(
                self.style.SUCCESS(
                    f"{label}: {checked} 行，重新加密 {report.rows_rewritten[label]} 行 / "
                    f"{checked} rows, {report.rows_rewritten[label]} re-encrypted"
                )
            )
        self.stdout.write(
            "旧密钥现在可以从 FIELD_ENCRYPTION_KEYS 中移除 / the old keys can now leave "
            "FIELD_ENCRYPTION_KEYS"
        )
