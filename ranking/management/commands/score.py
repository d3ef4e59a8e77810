"""manage.py score FILE.jsonl|- [--explain]: the contract's output, one JSON line per input line."""

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ranking.jsonlines import JsonLineError, is_blank, parse_line, read_lines
from ranking.policy import FactsError, parse_facts, score


class Command(BaseCommand):
    help = "按积分政策为 facts-format-1 JSON Lines 逐行计分 / score facts (format 1), one JSON line each"

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON Lines 文件，或 - 表示标准输入")
        parser.add_argument("--explain", action="store_true", help="附带逐项计分说明")

    def handle(self, *args, path, explain, **options):
        try:
            stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"无法打开文件 {path}：{exc.strerror}") from exc
        failed = 0
        pending: list[str] = []  # written in blocks: one write per line costs more than scoring it
        try:
            with stream:
                lines = read_lines(stream, max_bytes=settings.FACTS_MAX_LINE_BYTES)
                for number, line in enumerate(lines, start=1):
                    if is_blank(line):
                        continue
                    try:
                        raw = parse_line(line)
                        result = score(parse_facts(raw)).as_contract(explain=explain)
                    except (JsonLineError, FactsError) as exc:
                        failed += 1
                        result = {"line": number, "error": str(exc)}
                    pending.append(json.dumps(result, ensure_ascii=False))
                    if len(pending) >= 1000:
                        self.stdout.write("\n".join(pending))
                        pending.clear()
        finally:
            # Whatever stops the run, the lines already scored are not lost.
            if pending:
                self.stdout.write("\n".join(pending))
        if failed:
            self.stderr.write(f"{failed} 行有错误，已跳过")
            sys.exit(1)
