"""manage.py generate_population: synthetic applicants in facts format 1 (JSON Lines)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ranking.population import write_population


class Command(BaseCommand):
    help = "Generate a synthetic applicant population (facts format 1, JSON Lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="declaration year Y")
        parser.add_argument("--applicants", type=int, required=True, help="how many")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same bytes")
        parser.add_argument("--out", required=True, help="a .jsonl path, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        year = int(options["year"])
        count = int(options["applicants"])
        seed = int(options["seed"])
        out = str(options["out"])
        if not 2018 <= year <= 2100:
            raise CommandError("--year: the points rules start with the 2018 round")
        if count < 1:
            raise CommandError("--applicants must be at least 1")
        started = time.perf_counter()

        # Progress goes to stderr so `--out -` stays a clean JSON Lines stream.
        def progress(written: int) -> None:
            elapsed = time.perf_counter() - started
            self.stderr.write(f"{written:,} / {count:,} applicants ({elapsed:.1f} s)")

        if out == "-":
            written = write_population(
                sys.stdout, year=year, count=count, seed=seed, progress=progress
            )
            sys.stdout.flush()
        else:
            path = Path(out)
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                written = write_population(
                    handle, year=year, count=count, seed=seed, progress=progress
                )
        elapsed = time.perf_counter() - started
        self.stderr.write(
            f"wrote {written:,} applicants for {year} (seed {seed}) in {elapsed:.1f} s"
        )
