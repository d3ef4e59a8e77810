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
