"""The public side of a published list: a constant number of queries whatever the page,
stored downloads that revalidate (304) until an upheld objection changes the list, the rank
column, a histogram with axes, and a plain 尚未公示 page for a year without a list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date
from openpyxl import load_workbook

from publicity import services
from publicity.downloads import WRITER_REVISION
from publicity.list_pages import list_pages_prepare, table_key
from publicity.models import PublicationDownload
from publicity.tasks import publish_round
from tests.publicity.conftest import PUBLISH_AT, set_phase
from workflow.models import Phase

pytestmark = pytest.mark.django_db
LIST = reverse("publicity:list", args=[2020])
CSV = reverse("publicity:download", args=[2020, "csv"])
XLSX = reverse("publicity:download", args=[2020, "xlsx"])
# The phase banner (1–2), the publication with its round, the count (searches only), the
# page's rows (unless the page was prepared), the cancelled count (once per list version).
MAX_LIST_QUERIES = 6


def body_rows(html: str) -> list[str]:
    return re.findall(r"<tr(?: class=\"cancelled\")?><td>(\d{9})</td>", html)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def uphold(publication, administrator, number="202000003"):
    objection = services.objection_submit(
        publication=publication,
        number=number,
        reporter_name="赵举报",
        reporter_id_number="110105198001010016",
        reporter_contact="13900001111",
        facts="该申请人的社保缴纳记录存在补缴冒充正常缴纳的情况。",
        now=PUBLISH_AT + dt.timedelta(days=3),
    )
    return services.objection_decide(
        objection=objection, upheld=True, outcome="查实。", actor=administrator
    )


# --- queries and indexes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "params_for"),
    [
        ("first page", lambda size: {}),
        ("a later page", lambda size: {"page": 50 // size + 1}),  # rows 51–100 / 51–60
        ("a search", lambda size: {"q": "申请人"}),
        ("a later page of a search", lambda size: {"q": "申请人", "page": 2}),
    ],
)
def test_list_queries_stay_the_same_for_50_or_10_rows_a_page(
    long_list, client, monkeypatch, django_assert_max_num_queries, label, params_for
):
    # The cancelled count is read once per list version: any page of the list reads it.
    client.get(LIST, {"q": "无此人"})
    counts = {}
    for size in (50, 10):
        monkeypatch.setattr("publicity.selectors.PAGE_SIZE", size)
        with django_assert_max_num_queries(MAX_LIST_QUERIES) as queries:
            response = client.get(LIST, params_for(size))
        assert response.status_code == 200
        assert len(body_rows(response.content.decode())) == size  # a full page was shown
        counts[size] = len(queries)
    assert counts[50] == counts[10], f"{label}: {counts}"


def test_page_two_shows_the_next_positions_in_list_order(long_list, client):
    numbers = body_rows(client.get(LIST, {"page": 2}).content.decode())
    assert numbers == [f"2020{position:05d}" for position in range(51, 101)]


def test_a_publicity_number_finds_exactly_that_line(long_list, client):
    html = client.get(LIST, {"q": "202000077"}).content.decode()
    assert body_rows(html) == ["202000077"]


def _plans(sqls: list[str]) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if connection.vendor == "postgresql":
                # Tiny test tables make a sequential scan cheapest; forbid it to see whether
                # an index *can* serve the query.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}")
                plans += [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plans += [row[-1] for row in cursor.fetchall()]
    return plans


@pytest.mark.parametrize("params", [{}, {"page": 2}, {"q": "海淀创新"}, {"q": "202000077"}])
def test_pages_and_search_read_the_list_through_an_index(long_list, client, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    entry_sql = [q["sql"] for q in queries if "publicity_publicityentry" in q["sql"]]
    assert entry_sql
    plans = [p for p in _plans(entry_sql) if "publicityentry" in p]
    assert plans
    for plan in plans:
        assert "Seq Scan" not in plan
        assert not plan.startswith("SCAN"), plan  # SQLite: SEARCH … USING INDEX


# --- downloads ----------------------------------------------------------------------------


def test_download_is_built_once_then_served_as_stored(published, client, monkeypatch):
    first = client.get(CSV)
    assert first.status_code == 200
    assert PublicationDownload.objects.filter(publication=published).count() == 1

    def refuse(*args, **kwargs):
        raise AssertionError("the stored file should have been served")

    monkeypatch.setattr("publicity.downloads.csv_bytes", refuse)
    again = client.get(CSV)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_a_file_from_another_version_of_the_writers_is_rebuilt(published, client):
    fresh = client.get(CSV).content
    # As if built before a change to publicity/exports.py (say, how cells are escaped).
    PublicationDownload.objects.update(writer="0ld", content=b"stale", sha256="0" * 64)
    response = client.get(CSV)
    assert response.content == fresh
    assert list(PublicationDownload.objects.values_list("writer", flat=True)) == [WRITER_REVISION]


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_a_browser_that_has_the_download_gets_304_not_modified(published, client, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert first["Last-Modified"] == http_date(PUBLISH_AT.timestamp())
    assert "no-cache" in first["Cache-Control"]
    assert "public" in first["Cache-Control"]

    revalidated = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == first["ETag"]

    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304


def test_the_published_list_keeps_every_row_after_an_upheld_objection(
    published, client, administrator
):
    # The 公示名单 is the document that went public: an upheld objection cancels one person's
    # admission (the page marks it, nobody moves up) but the published list loses no row.
    before = client.get(CSV)
    assert [row[2] for row in csv_rows(before.content)[1:]] == ["甲", "乙", "丙", "丁", "戊"]

    uphold(published, administrator)  # 202000003 丙

    after = client.get(CSV)
    rows = csv_rows(after.content)
    assert [row[2] for row in rows[1:]] == ["甲", "乙", "丙", "丁", "戊"]
    assert [row[:2] for row in rows[1:]][3] == ["202000004", "3"]  # numbers and ranks kept
    sheet = load_workbook(io.BytesIO(client.get(XLSX).content)).active
    assert [sheet.cell(row=r, column=3).value for r in range(3, sheet.max_row + 1)] == [
        "甲",
        "乙",
        "丙",
        "丁",
        "戊",
    ]
    assert client.get(CSV, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


def test_the_page_marks_the_cancelled_admission_and_nobody_moves_up(
    published, client, administrator
):
    before = client.get(LIST).content.decode()  # the page's table is now rendered and kept
    assert '<tr class="cancelled">' not in before
    uphold(published, administrator)
    html = client.get(LIST).content.decode()  # a new list version: rendered again
    assert body_rows(html) == ["202000001", "202000002", "202000003", "202000004", "202000005"]
    cancelled = re.search(r'<tr class="cancelled">(.*?)</tr>', html, re.S).group(1)
    assert "丙" in cancelled
    assert "已取消" in cancelled
    assert "其中 1 人经实名举报查证属实" in html
    assert "己" not in html.split("<tbody>")[1]


def test_a_browser_that_has_the_list_page_gets_304_until_the_list_changes(
    published, client, administrator, django_assert_max_num_queries
):
    first = client.get(LIST)
    assert first.status_code == 200
    assert first["Last-Modified"] == http_date(PUBLISH_AT.timestamp())
    assert "no-cache" in first["Cache-Control"]
    assert "private" in first["Cache-Control"]

    # Revalidated without building the page: the published list and nothing else is read.
    with django_assert_max_num_queries(1):
        revalidated = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated.content == b""

    # An upheld objection is a new version of the list: the page is built again, and
    # shows the cancellation.
    uphold(published, administrator)
    changed = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "已取消" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]

    # Signing in changes the page's header: the copy kept while signed out is not reused.
    client.force_login(administrator)
    assert client.get(LIST, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_a_rejected_objection_leaves_the_download_as_it_was(published, client, administrator):
    before = client.get(CSV)
    objection = services.objection_submit(
        publication=published,
        number="202000003",
        reporter_name="赵举报",
        reporter_id_number="110105198001010016",
        reporter_contact="13900001111",
        facts="该申请人的社保缴纳记录存在补缴冒充正常缴纳的情况。",
        now=PUBLISH_AT + dt.timedelta(days=3),
    )
    services.objection_decide(
        objection=objection, upheld=False, outcome="查无实据。", actor=administrator
    )
    assert client.get(CSV, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


def test_the_publish_job_stores_both_downloads(ranked_round):
    set_phase(ranked_round, Phase.PUBLICITY)
    publish_round(round_id=ranked_round.pk)
    assert set(PublicationDownload.objects.values_list("format", flat=True)) == {"csv", "xlsx"}


def test_the_lists_pages_are_prepared_at_publication_and_follow_an_upheld_objection(
    long_list, client, administrator
):
    # Prepared once for every web process (publicity.list_pages, the publish job's last step):
    # a visitor's page reads none of the list's rows, and shows the page's own rows.
    assert list_pages_prepare(publication=long_list) == 3
    client.get(LIST, {"q": "无此人"})  # the cancelled count, once per list version
    with CaptureQueriesContext(connection) as queries:
        html = client.get(LIST, {"page": 2}).content.decode()
    assert body_rows(html) == [f"2020{position:05d}" for position in range(51, 101)]
    assert not [q for q in queries.captured_queries if '"position"' in q["sql"]]
    # An upheld objection is a new version: its pages are rendered anew, the old never shown.
    uphold(long_list, administrator, number="202000060")
    html = client.get(LIST, {"page": 2}).content.decode()
    cancelled = re.search(r'<tr class="cancelled">(.*?)</tr>', html, re.S).group(1)
    assert "202000060" in cancelled
    assert "已取消" in cancelled
    assert "其中 1 人经实名举报查证属实" in html


def test_a_prepared_page_is_the_page_a_visitor_would_have_had_rendered(long_list, client):
    rendered_on_a_miss = client.get(LIST, {"page": 2}).content
    caches["published"].clear()
    list_pages_prepare(publication=long_list)
    assert client.get(LIST, {"page": 2}).content == rendered_on_a_miss


def test_a_search_is_kept_in_its_process_only(long_list, client):
    # Anyone may search for any text: the shared Redis (also the task queue and the
    # sessions, never evicting) must not fill with them.
    assert body_rows(client.get(LIST, {"q": "202000077"}).content.decode()) == ["202000077"]
    key = make_template_fragment_key(
        "publicity_table",
        [table_key(publication=long_list, per_page=50, number=1, query="202000077")],
    )
    assert caches["published"].get(key) is None
    assert caches["rendered"].get(key) is not None


# --- readable -----------------------------------------------------------------------------


def test_the_list_has_a_rank_column_shared_by_ties(published, client):
    html = client.get(LIST).content.decode()
    header = html.split("<thead>")[1].split("</thead>")[0]
    assert re.search(
        r"<th>公示编号</th><th class=\"num\">名次</th><th class=\"name\">姓名</th>", header
    )
    ranks = re.findall(r"<td>(\d{9})</td><td class=\"num\">(\d+)</td>", html)
    assert ranks == [
        ("202000001", "1"),
        ("202000002", "2"),
        ("202000003", "3"),
        ("202000004", "3"),
        ("202000005", "3"),
    ]


def test_the_histogram_has_axes_ticks_titles_and_the_cutoff_without_javascript(published, client):
    html = client.get(LIST).content.decode()
    svg = html[html.index('data-testid="histogram"') : html.index("</svg>")]
    assert "<script" not in html
    assert svg.count('class="axis"') >= 2
    assert re.search(r'class="axis-title"[^>]*>积分（分）<', svg)
    assert re.search(r'class="axis-title"[^>]*>人数<', svg)
    tick_labels = re.findall(r'class="tick"[^>]*>([^<]+)<', svg)
    assert "60" in tick_labels  # the score axis (totals 60.xx–71.xx, 5-point bins)
    assert "0" in tick_labels  # the count axis starts at zero
    assert 'class="marker"' in svg
    assert "分数线 63.00" in svg
    assert "<title>60–65 分：4 人</title>" in svg  # each bar says what it counts


YEARS = ["2020", "2031", "99999999999999999999"]  # ranked not published, no round, absurd
PAGES = {
    "list": "/publicity/{}/",
    "download": "/publicity/{}/list.csv",
    "objection": "/publicity/{}/objection/",
}


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("page", PAGES)
def test_a_year_without_a_published_list_is_a_plain_page(
    ranked_round, client, settings, debug, year, page
):
    settings.DEBUG = debug
    response = client.get(PAGES[page].format(year))
    html = response.content.decode()
    assert response.status_code == 404
    assert f"{year}年度积分落户名单尚未公示" in html
    for debug_text in ("Traceback", "Page not found", "Django", "URLconf"):
        assert debug_text not in html
    if year == "2020":  # the round exists: where it stands, and when the list is due
        assert ranked_round.phase_label in html
        assert "2020年10月15日" in html


def test_the_list_links_to_the_statistics(published, client):
    assert reverse("publicity:statistics") in client.get(LIST).content.decode()


def test_only_csv_and_xlsx_are_offered(published, client):
    assert client.get("/publicity/2020/list.pdf").status_code == 404


def test_a_search_with_a_nul_character_shows_the_list_and_names_the_field(published, client):
    # Found by tests/test_fuzz_endpoints.py: PostgreSQL refused the NUL in the query (500).
    response = client.get(LIST, {"q": "申请人\x00"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "查询：不能包含空字符" in page
    assert body_rows(page) == body_rows(client.get(LIST).content.decode())  # as unsearched


def test_a_search_longer_than_a_name_is_refused_naming_the_field(published, client):
    response = client.get(LIST, {"q": "王" * 101})
    assert "查询：最多 100 个字" in response.content.decode()
