"""核验公示名单: a list this system publishes passes its own audit (as CSV and XLSX, through
`manage.py audit_list` and the page); the same list with one figure off by a cent does not,
on that row and that column."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from publicity.models import Publication
from publicity.services import publicity_publish
from ranking.importing import facts_import
from ranking.population import generate_population
from ranking.services import round_rank
from tests import factories
from tests.publicity.conftest import PUBLISH_AT, set_phase
from tests.publicity.helpers import lines
from workflow.models import Phase

pytestmark = pytest.mark.django_db
YEAR = 2021  # the own housing part is rounded up from this round on
QUOTA = 60


@pytest.fixture
def published_2021(db) -> Publication:
    """~200 generated applicants ranked against a quota of 60 and published."""
    round = factories.RoundFactory(year=YEAR, quota=QUOTA)
    items = list(generate_population(year=YEAR, count=200, seed=20))
    report = facts_import(round=round, lines=lines(*items))
    assert not report.errors
    round_rank(round=round)
    factories.ranking_approval_record(round)
    set_phase(round, Phase.PUBLICITY)
    return publicity_publish(round=round, now=PUBLISH_AT.replace(year=YEAR))


def _export(tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"list.{fmt}"
    call_command("export_publicity", year=YEAR, fmt=fmt, out=str(out), stderr=io.StringIO())
    return out


def _audit(*args: str) -> tuple[int, str]:
    """(exit status, stdout) of manage.py audit_list."""
    stdout = io.StringIO()
    try:
        call_command("audit_list", *args, stdout=stdout)
    except SystemExit as exc:
        return int(exc.code), stdout.getvalue()
    return 0, stdout.getvalue()


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_systems_own_list_passes_its_own_audit(published_2021, tmp_path, fmt):
    status, out = _audit(str(_export(tmp_path, fmt)), "--json", "--quota", str(QUOTA))
    result = json.loads(out)
    assert status == 0
    assert result == {
        "rows": published_2021.admitted_count,
        "cutoff": f"{published_2021.cutoff:.2f}",
        "tied_at_cutoff": published_2021.entries.filter(total=published_2021.cutoff).count(),
        "misfits": [],
    }
    assert result["rows"] >= QUOTA


def test_one_cent_more_employment_is_reported_on_that_row_and_column_and_as_total(
    published_2021, tmp_path
):
    path = _export(tmp_path, "csv")
    rows = _rows(path)
    header, third = rows[0], rows[3]
    column = header.index("employment")
    third[column] = f"{Decimal(third[column]) + Decimal('0.01'):.2f}"
    _write(path, rows)

    status, out = _audit(str(path), "--json")
    misfits = json.loads(out)["misfits"]
    assert status == 1
    assert [(m["number"], m["column"]) for m in misfits] == [
        (third[0], "employment"),
        (third[0], "total"),
    ]
    assert "不是 0.25 分（每月）的整数倍" in misfits[0]["reason"]
    assert "相差 -0.01" in misfits[1]["reason"]


def test_text_report_names_the_row_and_says_all_fit_when_they_do(published_2021, tmp_path):
    path = _export(tmp_path, "csv")
    status, out = _audit(str(path))
    assert status == 0
    assert f"{YEAR}年度" in out
    assert "结论：全部相符。" in out
    assert (
        f"合法稳定住所：{published_2021.admitted_count}/{published_2021.admitted_count} 相符" in out
    )

    rows = _rows(path)
    rows[2][rows[0].index("honors")] = "10.00"
    _write(path, rows)
    status, out = _audit(str(path), "--year", str(YEAR))
    assert status == 1
    assert f"{rows[2][0]} {rows[2][2]}（第 3 行）荣誉表彰 10.00：应为 0.00 或 20.00" in out


def test_an_unreadable_file_exits_2_naming_the_row_and_column(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("公示编号,纳税\n202100001,6\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头缺少列") as caught:
        call_command("audit_list", str(path))
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match="无法打开文件") as caught:
        call_command("audit_list", str(tmp_path / "missing.csv"))
    assert caught.value.returncode == 2


def test_a_file_without_a_year_asks_for_one(tmp_path):
    from publicity.exports import CSV_COLUMNS

    path = tmp_path / "list.csv"
    _write(
        path,
        [
            list(CSV_COLUMNS),
            ["1", "1", "王", "1985-07", "单位", *["0.00"] * 7, "20.00", "0.00", "0.00", "20.00"],
        ],
    )
    with pytest.raises(CommandError, match="请指定年度"):
        call_command("audit_list", str(path))
    assert _audit(str(path), "--year", "2020")[0] == 0


# --- the page ---------------------------------------------------------------------------


def test_page_offers_upload_and_the_published_years_without_login(published_2021, client):
    response = client.get(reverse("publicity:audit"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "核验公示名单" in page
    assert 'enctype="multipart/form-data"' in page
    assert f'<option value="{YEAR}"' in page


def test_picking_a_published_year_audits_it_with_its_quota(published_2021, client):
    response = client.get(reverse("publicity:audit"), {"year": YEAR})
    page = response.content.decode()
    assert response.status_code == 200
    assert "全部相符" in page
    assert "<svg" in page
    assert 'class="fit"' in page
    assert 'class="misfit"' not in page
    assert f"{QUOTA} 人" in page
    assert client.get(reverse("publicity:audit"), {"year": 1999}).status_code == 404


def test_uploading_a_list_with_a_wrong_cent_shows_the_misfit_row(published_2021, client, tmp_path):
    path = _export(tmp_path, "csv")
    rows = _rows(path)
    rows[1][rows[0].index("total")] = f"{Decimal(rows[1][-1]) + Decimal('0.01'):.2f}"
    _write(path, rows)
    upload = SimpleUploadedFile("list.csv", path.read_bytes(), content_type="text/csv")
    response = client.post(reverse("publicity:audit"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "不相符" in page
    assert 'class="misfit"' in page
    assert rows[1][0] in page
    assert "不等于十项之和" in page


def test_uploading_an_unreadable_file_says_why(client):
    upload = SimpleUploadedFile("list.csv", b"a,b\n1,2\n", content_type="text/csv")
    response = client.post(reverse("publicity:audit"), {"file": upload})
    assert response.status_code == 400
    assert "找不到名单的表头" in response.content.decode()
    upload = SimpleUploadedFile("list.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(reverse("publicity:audit"), {"file": upload})
    assert response.status_code == 400
    assert "只接受 CSV 或 XLSX 文件" in response.content.decode()


@pytest.mark.parametrize("year", ["²⁰²¹", "9" * 5000, "20210"])
def test_a_year_that_is_not_four_digits_shows_the_plain_page(published_2021, client, year):
    # Found by tests/test_fuzz_endpoints.py: '²'.isdigit() is true and int() then raised (500).
    response = client.get(reverse("publicity:audit"), {"year": year})
    assert response.status_code == 200
    assert "核验公示名单" in response.content.decode()
    assert "全部相符" not in response.content.decode()
