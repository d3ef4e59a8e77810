"""manage.py score FILE.jsonl|- [--explain]: the contract's output, one JSON line per input line."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ranking.policy import FactsError, parse_facts, score


class Command(BaseCommand):
    help = "按积分政策为 facts-format-1 JSON Lines 逐行计分 / score facts (format 1), one JSON line each"

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON Lines 文件，或 - 表示标准输入")
        parser.add_argument("--explain", action="store_true", help="附带逐项计分说明")

    def handle(self, *args, path, explain, **options):
        try:
            stream = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"无法打开文件 {path}：{exc.strerror}") from exc
        failed = 0
        pending: list[str] = []  # written in blocks: one write per line costs more than scoring it
        with stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    result = score(parse_facts(raw)).as_contract(explain=explain)
                except json.JSONDecodeError as exc:
                    failed += 1
                    result = {
                        "line": number,
                        "error": f"JSON 格式错误：{exc.msg}（第 {exc.colno} 列）",
                    }
                except FactsError as exc:
                    failed += 1
                    result = {"line": number, "error": str(exc)}
                pending.append(json.dumps(result, ensure_ascii=False))
                if len(pending) >= 1000:
                    self.stdout.write("\n".join(pending))
                    pending.clear()
        if pending:
            self.stdout.write("\n".join(pending))
        if failed:
            self.stderr.write(f"{failed} 行有错误，已跳过")
            sys.exit(1)
