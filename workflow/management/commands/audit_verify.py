from django.core.management.base import BaseCommand, CommandError

from workflow.audit_chain import audit_chain_verify


class Command(BaseCommand):
    help = (
        "重新计算审计记录的哈希链，指出第一条不符的记录 / recompute the audit chain and name "
        "the first row that does not hold (exit status 1)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-id",
            type=int,
            default=None,
            help="从这条记录开始（信任它前一条的哈希）/ start at this row, trusting the hash before it",
        )

    def handle(self, *args, from_id, **options):
        report = audit_chain_verify(from_id=from_id)
        if not report.intact:
            raise CommandError(
                f"审计链在第 {report.broken_id} 条记录处断开 / chain broken at row "
                f"id={report.broken_id}: {report.problem}（此前 {report.checked} 条完好 / "
                f"{report.checked} rows before it intact）"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完整：{report.checked} 条记录 / all {report.checked} rows intact"
            )
        )
        if report.end_seq is not None:
            # Kept outside the database, the end catches a cut tail the chain itself cannot.
            self.stdout.write(
                f"链尾 / chain ends at chain_seq {report.end_seq}, hash {report.end_hash}"
            )
        if report.unsealed:
            self.stdout.write(
                self.style.WARNING(
                    f"尚未封存 {report.unsealed} 条（每分钟封存一次）/ {report.unsealed} rows "
                    "not sealed yet (seal_audit_events runs every minute)"
                )
            )
