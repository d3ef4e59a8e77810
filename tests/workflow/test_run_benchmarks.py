"""manage.py run_benchmarks: a partial run refreshes its own rows and keeps the others."""

from io import StringIO

from django.core.management import call_command

OTHER_ROW = "| review.bench_import_150k: import 150,000 rows | 19.7 s | ≤ 30 s | yes |  |"


def test_only_refreshes_its_rows_and_keeps_the_others(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# 性能基准 / Benchmarks\n\n- Run: earlier (review.bench_import_150k)\n\n"
        "| benchmark | measured | goal | met | notes |\n|---|---|---|---|---|\n"
        f"{OTHER_ROW}\n| ranking.bench_scoring: old figure | 1 applicants/s | x | **no** |  |\n"
        "\n## Notes\n\nkept by hand\n",
        encoding="utf-8",
    )
    call_command(
        "run_benchmarks",
        "--only",
        "bench_scoring",
        "--scale",
        "0.001",
        "--out",
        str(doc),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    text = doc.read_text(encoding="utf-8")
    assert OTHER_ROW in text
    assert "old figure" not in text
    assert "ranking.bench_scoring: score only (facts already validated)" in text
    assert "- Run: earlier (review.bench_import_150k)" in text
    assert text.rstrip().endswith("kept by hand")


LOAD_SECTION = (
    "<!-- bench-load:start -->\n## Load test (`make bench-load`)\n\n"
    "- Run: 2026-11-30 13:04 UTC, the load test's own run line\n\n"
    "| page | requests | req/s | p50 ms | p95 ms | p99 ms | CPU ms/request | × bare | met |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    "| bare: home page (anonymous) | 275 | 4.7 | 7 | 40 | 340 | 4.1 | 1.00× |  |\n"
    "<!-- bench-load:end -->\n"
)


def test_the_notes_and_the_load_tests_tables_below_them_stay_as_they_are(tmp_path):
    # make bench-load writes its own tables below the notes: a benchmark run must neither
    # pull their rows into the benchmark table nor their run lines into its header.
    doc = tmp_path / "benchmarks.md"
    notes = f"\n## Notes\n\nkept by hand\n\n{LOAD_SECTION}"
    doc.write_text(
        "# 性能基准 / Benchmarks\n\n- Run: earlier (review.bench_import_150k)\n\n"
        "| benchmark | measured | goal | met | notes |\n|---|---|---|---|---|\n"
        f"{OTHER_ROW}\n{notes}",
        encoding="utf-8",
    )
    call_command(
        "run_benchmarks",
        "--only",
        "bench_scoring",
        "--scale",
        "0.001",
        "--out",
        str(doc),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    text = doc.read_text(encoding="utf-8")
    table, kept_notes = text.split("\n## Notes\n")
    assert "\n## Notes\n" + kept_notes == notes
    assert "bare: home page" not in table
    assert "the load test's own run line" not in table
