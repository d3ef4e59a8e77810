"""Statistics across the published lists (/publicity/statistics/): per year the quota, the
cutoff, the admitted and tied counts, per indicator the average and distribution, as
server-rendered charts with the numbers in a table, and the table as CSV."""

from __future__ import annotations

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from publicity.models import PublicityEntry
from ranking.policy import INDICATOR_CODES, INDICATOR_LABELS
from tests.publicity.conftest import publish_round
from tests.publicity.helpers import EMPLOYER_B, facts
from tests.publicity.test_public_list import uphold

pytestmark = pytest.mark.django_db
URL = reverse("publicity:statistics")
CSV_URL = reverse("publicity:statistics_download")


@pytest.fixture
def two_years(published):
    """2020 (the `published` list: quota 3, 5 listed, cutoff 63.00 shared by 3) and 2021:
    4 applicants, 3 eligible (卯 has under 7 years of insurance), quota 2: 子 and 丑 listed."""
    people = [
        facts(seq, year=2021, insurance_from=start, name=name, employer=employer)
        for seq, (name, start, employer) in enumerate(
            [
                ("子", "2005-01", EMPLOYER_B),
                ("丑", "2007-03", None),
                ("寅", "2013-05", None),
                ("卯", "2015-09", None),
            ],
            start=11,
        )
    ]
    return published, publish_round(year=2021, people=people, quota=2)


def expected_average(publication, code: str) -> str:
    # The stored strings (a key lookup would hand back floats: -8.17 as -8.1699…).
    values = [Decimal(i[code]) for i in publication.entries.values_list("indicators", flat=True)]
    return str((sum(values) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def table(html: str, testid: str) -> list[list[str]]:
    block = html[html.index(f'data-testid="{testid}"') :]
    block = block[: block.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", block, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_each_year_with_its_quota_cutoff_admitted_and_ties(two_years, client):
    html = client.get(URL).content.decode()
    assert table(html, "years-table") == [
        [
            "年度",
            "年度落户规模",
            "参与排名人数",
            "公示人数",
            "落户分数线",
            "分数线同分人数",
            "取消资格人数",
        ],
        ["2020", "3", "6", "5", "63.00", "3", "0"],
        ["2021", "2", "3", "2", str(two_years[1].cutoff), "1", "0"],
    ]


def test_indicator_averages_are_those_of_the_listed_people(two_years, client):
    first, second = two_years
    rows = table(client.get(URL).content.decode(), "averages-table")
    assert rows[0] == ["指标", "2020", "2021"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    for code in INDICATOR_CODES:
        assert by_label[INDICATOR_LABELS[code]] == [
            expected_average(first, code),
            expected_average(second, code),
        ]


def test_the_csv_is_the_table_one_row_a_year(two_years, client):
    first, _ = two_years
    response = client.get(CSV_URL)
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "年度",
        "年度落户规模",
        "参与排名人数",
        "公示人数",
        "落户分数线",
        "分数线同分人数",
        "取消资格人数",
    ]
    assert rows[0][7] == "合法稳定就业平均分"
    assert len(rows[0]) == 7 + len(INDICATOR_CODES)
    assert rows[1][:7] == ["2020", "3", "6", "5", "63.00", "3", "0"]
    assert rows[1][7] == expected_average(first, "employment")
    assert [row[0] for row in rows[1:]] == ["2020", "2021"]


def test_distribution_counts_every_listed_person_once_per_indicator(two_years, client):
    first, _ = two_years
    html = client.get(URL, {"year": 2020}).content.decode()
    assert "2020年度积分与各项指标分布" in html
    for code in INDICATOR_CODES:
        block = html[html.index(f'id="dist-{code}-title"') :]
        block = block[block.index("<table") : block.index("</table>")]
        counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', block)]
        assert sum(counts) == first.admitted_count, code
        assert "E+" not in block  # edges printed as 20, not 2E+1
    # the latest year is the default
    assert "2021年度积分与各项指标分布" in client.get(URL).content.decode()


def test_charts_have_axes_tick_labels_and_titles_without_javascript(two_years, client):
    html = client.get(URL).content.decode()
    assert "<script" not in html
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2 + len(INDICATOR_CODES) + 1 + len(INDICATOR_CODES)
    for svg in svgs:
        assert svg.count('class="axis"') >= 2
        assert len(re.findall(r'class="axis-title"[^>]*>[^<]+<', svg)) == 2
        assert re.search(r'class="tick"[^>]*>[^<]+<', svg)
    cutoffs = svgs[0]
    assert "分数线（分）" in cutoffs
    assert ">63.00<" in cutoffs  # each year's cutoff printed beside its point
    assert ">2020<" in cutoffs
    assert ">2021<" in cutoffs
    totals = html[html.index('data-testid="histogram"') :]
    assert "分数线" in totals[: totals.index("</svg>")]


def test_statistics_are_cached_per_list_version(
    two_years, client, administrator, django_assert_max_num_queries
):
    # The first view adds up each list: two aggregate queries a year, never a row each.
    with django_assert_max_num_queries(3 + 2 * 2):
        client.get(URL)
    # the phase banner (1–2) and the publications: no aggregate over the entries
    with django_assert_max_num_queries(3) as queries:
        client.get(URL)
    assert not any("publicity_publicityentry" in q["sql"] for q in queries)

    uphold(two_years[0], administrator)  # 2020: 202000003 cancelled, list version 2
    rows = table(client.get(URL).content.decode(), "years-table")
    assert rows[1][-1] == "1"  # 取消资格人数


def test_without_a_published_list_the_page_says_so(db, client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "尚无已公示的名单" in response.content.decode()


def test_home_page_links_to_the_statistics(published, client):
    assert URL in client.get(reverse("home")).content.decode()


def test_entries_are_not_loaded_into_python(two_years, client, monkeypatch):
    # Aggregates only: building model instances of the entries would mean reading every row.
    def refuse(*args, **kwargs):
        raise AssertionError("an entry was loaded into Python")

    monkeypatch.setattr(PublicityEntry, "__init__", refuse)
    assert client.get(URL).status_code == 200
