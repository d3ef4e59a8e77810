"""The load test's table writer (publicity/loadtest/report.py); locust itself never runs here."""

from pathlib import Path

from publicity.loadtest import report

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def _stats(tmp_path: Path) -> Path:
    path = tmp_path / "run_stats.csv"
    path.write_text(
        STATS_HEADER
        + "GET,bare: home page (anonymous),100,0,9,10,5,50,900,10.0,0,9,10,11,12,20,40,45,60,70,70,70\n"
        + "GET,public list page 1,80,2,20,22,10,400,9000,8.0,0.2,20,25,27,30,200,350,380,390,400,400,400\n"
        + ",Aggregated,180,2,12,15,5,400,5000,18.0,0.2,12,15,18,20,80,300,350,390,400,400,400\n",
        encoding="utf-8",
    )
    return path


def _run(tmp_path: Path, users: int) -> report.RunResult:
    pages = report.locust_stats_read(_stats(tmp_path))
    cpu = report.cpu_lines_read(
        [
            f"{users}\tbare: home page (anonymous)\t4.000\t200\n",
            f"{users}\tbare: home page (anonymous)\t6.000\t200\n",
            f"{users}\tpublic list page 1\t12.500\t200\n",
            "other-run\tpublic list page 1\t900.000\t200\n",
        ]
    )
    for page in pages:
        page.cpu_ms = cpu.get((str(users), page.name), [])
    return report.RunResult(users=users, seconds=60, pages=pages)


def test_table_gives_each_page_its_latencies_cpu_and_ratio_to_the_bare_page(tmp_path):
    lines = report.run_table(_run(tmp_path, 50))

    assert lines[0].startswith("**50 users**, 60 s: 18.0 req/s in all, 2 failed requests")
    bare, listed = lines[4], lines[5]
    assert bare.startswith(
        "| bare: home page (anonymous) | 100 | 10.0 | 9 | 40 | 60 | 5.0 | 1.00× |"
    )
    # 12.5 ms against the bare page's mean 5 ms: 2.5×, over the 2× goal (another run's CPU
    # line is not counted).
    assert listed == "| public list page 1 | 80 | 8.0 | 20 | 350 | 390 | 12.5 | 2.50× | **no** |"


def test_p95_goal_is_judged_at_100_users(tmp_path):
    lines = report.run_table(_run(tmp_path, 100))

    assert "| bare: home page (anonymous) | 100 | 10.0 | 9 | 40 | 60 | 5.0 | 1.00× | yes |" in lines


def test_rewriting_the_document_replaces_only_the_previous_load_section(tmp_path):
    first = report.section(runs=[_run(tmp_path, 50)], header=["- Run: first"])
    document = report.document_update("# Benchmarks\n\nother results\n", first)
    second = report.section(runs=[_run(tmp_path, 100)], header=["- Run: second"])

    updated = report.document_update(document + "\n## Notes\nkept\n", second)

    assert updated.startswith("# Benchmarks\n\nother results\n\n")
    assert "- Run: second" in updated
    assert "- Run: first" not in updated
    assert updated.count(report.START) == 1
    assert updated.endswith("## Notes\nkept\n")
