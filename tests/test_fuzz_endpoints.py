"""Fuzzing every page and form a user can reach (hypothesis; issue 14): no input gives a 500.

The URL patterns are read from the resolver, so a new page is fuzzed without editing this
file once its row in ROUTES says who may use it and which objects its URL names; a pattern
without a row fails `test_every_url_pattern_is_fuzzed`. The fields of each form are read
from the HTML of the page that shows it, so a new field is fuzzed too.

For each pattern the persona who may use it, logged in, sends:
- GET with random query strings (page=-1, page=abc, q= with NUL, ids past any integer range);
- POST with the form's fields and extra ones, each value random: control characters, NUL,
  100,000 characters, any unicode, numbers out of range, 0000-00-00 and 9999-12-31, lists
  where one value is expected, files of random bytes; fields left out at random.
The response may be 2xx, 3xx or 4xx (a form error, a refusal); a 5xx or an exception
escaping the view fails the test (Django's test client re-raises it).

Run it on PostgreSQL too (DATABASE_URL=postgres://…): PostgreSQL refuses NUL in text, which
SQLite stores. Examples per pattern: FUZZ_EXAMPLES (environment, default 10).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import Phase as Stage
from hypothesis import strategies as st

from ranking.models import RankingRun
from ranking.population import generate_population
from tests import factories
from tests.portal.conftest import PDF
from tests.publicity.conftest import PUBLISH_AT
from tests.review.conftest import build_application
from workflow import roles
from workflow.admin import TransitionAdmin
from workflow.models import BEIJING, AppState, Notice, Phase
from workflow.services import district_office_grant

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # each run draws afresh; a failure prints its example to repeat it
    # No shrinking: a page that fails fails on most examples, and shrinking a form of 100
    # fields takes minutes; the example printed is the one that failed first.
    phases=[Stage.explicit, Stage.generate],
    suppress_health_check=list(HealthCheck),
)

# The two moments the world is seen at: the 2021 declaration window (portal, review) and
# the 2020 list's publicity window (objections, the administrator's publicity pages).
DECLARING = dt.datetime(2021, 8, 2, 10, 0, tzinfo=BEIJING)
PUBLICIZING = PUBLISH_AT + dt.timedelta(days=1)


# --- what the fuzzer sends ----------------------------------------------------------------

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x00" * 50,
        "\r\n\t\x0b\x0c\x1b\x7f",
        "\ud7ff\ufeff\u202e\u200b",
        "x" * 100_000,
        "測" * 5_000,
        "-1",
        "0",
        "-99999999999999999999",
        "99999999999999999999999",
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        "0.000000000000000000000001",
        "12.345678",
        "0000-00-00",
        "9999-12-31",
        "0001-01-01",
        "2020-02-30",
        "9999-12",
        "0000-00",
        "2020-13",
        "25:61",
        "110105198507120036",
        "11010519850712003\x00",
        "91110105MA01ABCD13",
        "on",
        "true",
        '=HYPERLINK("http://x/")',
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "%00",
        "' OR 1=1 --",
        "[]",
        "{}",
        '{"education": [{"level": "\\u0000"}]}',
        '["\\u0000"]',
    ]
)
PLAIN_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
    st.integers().map(str),
    st.dates().map(str),
)
# NUL, which PostgreSQL refuses in text and SQLite stores, in one value of every three.
WITH_NUL = st.tuples(PLAIN_TEXT, PLAIN_TEXT).map(lambda pair: f"{pair[0]}\x00{pair[1]}")
TEXT = st.one_of(NASTY_TEXT, PLAIN_TEXT, WITH_NUL)
# Sent in every field of every form and query before the random examples.
PROBES = [
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "-1",
    "abc",
    "9" * 30,
    "0000-00-00",
    "²",
    '{"a": "\\u0000"}',  # JSON that decodes to a NUL (PostgreSQL's jsonb refuses it)
]
FILES = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    st.one_of(
        st.sampled_from(["a.csv", "a.xlsx", "a.pdf", "a.png", "a\x00.csv", "a" * 300 + ".csv"]),
        # A suffix: a browser never sends "." or "a/" as a file name (Django refuses to build
        # such an upload at all, before any view sees it).
        st.text(max_size=20).map(lambda name: f"{name}.bin"),
    ),
    st.one_of(
        st.binary(max_size=2_000),
        st.sampled_from([b"", PDF, b"PK\x03\x04" + b"\x00" * 100, "公民身份号码\n".encode()]),
    ),
)
VALUES = st.one_of(TEXT, TEXT, TEXT, st.lists(TEXT, min_size=2, max_size=3))


# --- the forms on a page --------------------------------------------------------------------


@dataclass
class FormField:
    kind: str  # text, hidden, file, checkbox, select
    values: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """Every form's action and its fields, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, FormField]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((attr.get("action", ""), attr.get("method", "get").lower(), {}))
            return
        if not self.forms or not attr.get("name"):
            if tag == "option" and self._select and self.forms:
                self.forms[-1][2][self._select].values.append(attr.get("value", ""))
            return
        fields = self.forms[-1][2]
        name = attr["name"]
        if tag == "input":
            kind = attr.get("type", "text").lower()
            kind = kind if kind in ("hidden", "file", "checkbox", "radio") else "text"
            entry = fields.setdefault(name, FormField(kind))
            if "value" in attr:
                entry.values.append(attr["value"])
        elif tag == "textarea":
            fields.setdefault(name, FormField("text"))
        elif tag == "select":
            fields.setdefault(name, FormField("select"))
            self._select = name
        elif tag == "button" and "value" in attr:
            fields.setdefault(name, FormField("hidden")).values.append(attr["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_for(client: Client, page: str, target: str, method: str) -> dict[str, FormField]:
    """The fields of the forms on `page` that send to `target` with `method`."""
    response = client.get(page)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return {}
    parser = FormParser()
    parser.feed(response.content.decode("utf-8", "replace"))
    fields: dict[str, FormField] = {}
    for action, form_method, form_fields in parser.forms:
        action_path = urlsplit(action).path or page
        if form_method == method and action_path == target:
            for name, entry in form_fields.items():
                fields.setdefault(name, FormField(entry.kind)).values.extend(entry.values)
    return fields


@st.composite
def form_data(draw: st.DrawFn, fields: dict[str, FormField]) -> dict[str, Any]:
    """The form as the page fills it in, with a few fields replaced by random values, a few
    left out, and a few extra ones: mostly valid input reaches the checks behind the form."""
    data: dict[str, Any] = {
        name: entry.values[0]
        for name, entry in fields.items()
        if entry.values and entry.kind not in ("checkbox", "file")
    }
    names = sorted(fields)
    if names:
        for name in draw(st.sets(st.sampled_from(names), max_size=6)):
            entry = fields[name]
            if entry.kind == "file":
                data[name] = draw(FILES)
            elif entry.values and draw(st.booleans()):
                data[name] = draw(st.sampled_from(entry.values))  # what the page offers
            else:
                data[name] = draw(VALUES)
        for name in draw(st.sets(st.sampled_from(names), max_size=2)):
            data.pop(name, None)  # a field left out
    for name in draw(st.lists(st.text(min_size=1, max_size=10), max_size=2)):
        data.setdefault(name, draw(VALUES))
    return data


# --- the URL patterns and who uses them -----------------------------------------------------


@dataclass(frozen=True)
class Route:
    persona: (
        str  # anonymous, applicant, unit_admin, reviewer, administrator, approver, credit, district
    )
    kwargs: dict[str, str] = field(default_factory=dict)  # URL argument -> world key or value
    moment: str = "declaring"  # or "publicizing"
    form_on: str | None = None  # the URL name of the page that shows this URL's form


# Every URL name outside Django's own admin pages. `kwargs` values in <> are world objects.
ROUTES: dict[str, Route] = {
    "home": Route("anonymous"),
    "login": Route("anonymous"),
    "logout": Route("applicant"),
    "password_change": Route("applicant"),
    "password_change_done": Route("applicant"),
    "password_reset": Route("anonymous"),
    "password_reset_done": Route("anonymous"),
    "password_reset_confirm": Route("anonymous", {"uidb64": "MQ", "token": "set-password"}),
    "password_reset_complete": Route("anonymous"),
    "ranking:simulator": Route("anonymous"),
    "review:queue": Route("reviewer"),
    "review:rechecks": Route("reviewer"),
    "review:appeals": Route("reviewer"),
    "review:claim": Route("reviewer", {"pk": "<claim>"}),
    "review:decide": Route("reviewer", {"pk": "<claim>"}, form_on="review:claim"),
    "review:bulk": Route("reviewer", form_on="review:queue"),
    "review:export": Route("reviewer", {"what": "pending", "fmt": "csv"}),
    "review:imports": Route("reviewer"),
    "review:batch": Route("reviewer", {"pk": "<batch>"}),
    "review:records": Route("reviewer", {"kind": "social_insurance"}),
    "publicity:statistics": Route("anonymous", moment="publicizing"),
    "publicity:statistics_download": Route("anonymous", moment="publicizing"),
    "publicity:list": Route("anonymous", {"year": "2020"}, moment="publicizing"),
    "publicity:download": Route("anonymous", {"year": "2020", "fmt": "csv"}, "publicizing"),
    "publicity:objection": Route("anonymous", {"year": "2020"}, moment="publicizing"),
    "publicity:manage": Route("administrator", {"year": "2020"}, moment="publicizing"),
    "publicity:manage_download": Route(
        "administrator", {"year": "2020", "fmt": "xlsx"}, moment="publicizing"
    ),
    "publicity:objection_detail": Route(
        "administrator", {"pk": "<objection>"}, moment="publicizing"
    ),
    "publicity:settlement": Route(
        "administrator", {"application_id": "<listed>"}, moment="publicizing"
    ),
    "publicity:fraud": Route("administrator", {"application_id": "<listed>"}, "publicizing"),
    "publicity:audit": Route("anonymous", moment="publicizing"),
    "workflow:register": Route("anonymous"),
    "workflow:register_applicant": Route("anonymous"),
    "workflow:register_unit": Route("anonymous"),
    "workflow:applicant": Route("applicant"),
    "workflow:name_employer": Route("applicant"),
    "workflow:begin": Route("applicant", form_on="workflow:name_employer"),
    "workflow:submit": Route("applicant", form_on="workflow:applicant"),
    "workflow:indicator": Route("applicant", {"code": "housing"}),
    "workflow:upload": Route("applicant", {"code": "housing"}, form_on="workflow:indicator"),
    "workflow:recheck": Route("applicant", {"code": "employment"}),
    "workflow:appeal": Route("applicant", {"code": "employment"}),
    "workflow:renounce": Route("applicant", {"pk": "<own_application>"}),
    "workflow:criminal_record_report": Route("unit_admin", {"pk": "<own_application>"}),
    "workflow:unit": Route("unit_admin"),
    "workflow:unit_application": Route("unit_admin", {"pk": "<own_application>"}),
    "workflow:unit_confirm": Route(
        "unit_admin", {"pk": "<own_application>"}, form_on="workflow:unit_application"
    ),
    "workflow:unit_confirm_many": Route("unit_admin", form_on="workflow:unit"),
    "workflow:unit_reject": Route(
        "unit_admin", {"pk": "<own_application>"}, form_on="workflow:unit_application"
    ),
    "workflow:notices": Route("applicant"),
    "workflow:notice_read": Route("applicant", {"pk": "<notice>"}, form_on="workflow:notices"),
    "workflow:notices_read_all": Route("applicant", form_on="workflow:notices"),
    "workflow:notice_preferences": Route("applicant"),
    "workflow:evidence": Route("applicant", {"pk": "<evidence>"}),
    "workflow:evidence_delete": Route(
        "applicant", {"pk": "<evidence>"}, form_on="workflow:indicator"
    ),
    "workflow:evidence_replace": Route(
        "applicant", {"pk": "<evidence>"}, form_on="workflow:indicator"
    ),
    "workflow:carry_over": Route("applicant", {"code": "housing"}, form_on="workflow:indicator"),
    # 补件 and 原件查验 (细则第七条): the applicant's pages of a request or an invitation.
    "workflow:supplement": Route("applicant", {"pk": "1"}),
    "workflow:originals": Route("applicant", {"pk": "1"}),
    "workflow:originals_cancel": Route("applicant", {"pk": "1"}),
    "workflow:originals_slip": Route("applicant", {"pk": "1"}),
    "review:supplement": Route("reviewer", {"pk": "<claim>"}, form_on="review:claim"),
    "review:originals": Route("reviewer", {"pk": "<claim>"}, form_on="review:claim"),
    "review:supplements": Route("reviewer"),
    "review:joint_check_open": Route("reviewer", {"pk": "<claim>"}, form_on="review:claim"),
    "review:joint_checks": Route("reviewer"),
    "review:joint_check": Route("reviewer", {"pk": "1"}),
    "review:windows": Route("district"),
    "review:originals_record": Route("district", {"pk": "1"}),
    # 细则第十条: the ranking's 试算 and confirmation; the city's approvals.
    "publicity:rank": Route("administrator", {"year": "2020"}, moment="publicizing"),
    "publicity:approvals": Route("approver"),
    "publicity:approve_quota": Route("approver", {"year": "2021"}, form_on="publicity:approvals"),
    "publicity:approve_list": Route(
        "approver", {"year": "2020", "run_id": "<run>"}, form_on="publicity:approvals"
    ),
    # 细则第十七条: the dishonesty-record batches for 市经济和信息化局.
    "publicity:credit_exports": Route("administrator", moment="publicizing"),
    "publicity:credit_export_download": Route("credit", {"pk": "1", "fmt": "json"}),
    # 落户办理 (细则第十一条、第十二条): the applicant's pages, the district office's queue.
    "publicity:settlement_mine": Route("applicant"),
    "publicity:settlement_start": Route("applicant", form_on="publicity:settlement_mine"),
    "publicity:settlement_materials": Route("applicant", form_on="publicity:settlement_mine"),
    "publicity:settlement_child_add": Route("applicant", form_on="publicity:settlement_mine"),
    "publicity:settlement_child_remove": Route("applicant", {"child_id": "1"}),
    "publicity:settlement_submit": Route("applicant", form_on="publicity:settlement_mine"),
    "publicity:settlement_pdf": Route(
        "district", {"application_id": "<listed>", "kind": "application-form"}, "publicizing"
    ),
    "publicity:settlement_queue": Route("district"),
}

# Django's own admin pages (its forms are Django's, tested there): fuzzed by GET only, the
# changelists with ?q= (the search reaches the database). Custom admin views are not here.
STOCK_ADMIN = re.compile(
    r"^admin:(index|login|logout|password_change|password_change_done|autocomplete|jsi18n"
    r"|view_on_site|app_list|\w+_(changelist|add|history|delete|change))?$"
)
# Admin views this project adds: the transition buttons (object id and button name) and
# django-import-export's import and export pages.
CUSTOM_ADMIN = re.compile(r"^admin:\w+_(transition|import|process_import|export|search_number)$")


def url_patterns() -> dict[str, str]:
    """Every URL name (namespaced) -> its route, from the resolver."""

    def walk(patterns: list, prefix: str, namespace: str) -> list[tuple[str, str]]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                found.append((namespace + (pattern.name or ""), prefix + str(pattern.pattern)))
        return found

    return dict(walk(get_resolver().url_patterns, "", ""))


def test_every_url_pattern_is_fuzzed():
    uncovered = [
        name
        for name in url_patterns()
        if name not in ROUTES and not STOCK_ADMIN.match(name) and not CUSTOM_ADMIN.match(name)
    ]
    assert not uncovered, (
        f"URL patterns without a row in ROUTES (who may use them, which objects): {uncovered}"
    )


def test_every_custom_admin_view_is_fuzzed():
    assert set(ADMIN_CUSTOM_NAMES) == {n for n in url_patterns() if CUSTOM_ADMIN.match(n)}
    assert len(ADMIN_CUSTOM_NAMES) >= 9 + 3 * 11  # the transition buttons, import-export


ADMIN_CUSTOM_NAMES = sorted(n for n in url_patterns() if CUSTOM_ADMIN.match(n))


# --- the world: one of each object a URL names ----------------------------------------------


@pytest.fixture
def world(settings, tmp_path, applicant, employer, unit_admin, reviewer_of, administrator):
    """The 2020 list published (objections, settlement), the 2021 round in declaration with
    the applicant's application at the named employer, a submitted application in review."""
    from publicity.services import objection_submit
    from review.models import ImportBatch
    from tests.publicity.conftest import publish_round
    from tests.publicity.helpers import facts

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    administrator.is_superuser = True  # the admin site's model permissions
    administrator.save(update_fields=["is_superuser"])
    with time_machine.travel(PUBLICIZING, tick=False):
        publication = publish_round(
            year=2020, people=[facts(seq, insurance_from="2009-07") for seq in (1, 2)], quota=1
        )
        entry = publication.entries.order_by("number").first()
        listed = entry.application
        objection = objection_submit(
            publication=publication,
            number=entry.number,
            reporter_name="赵举报",
            reporter_id_number="110105198001010016",
            reporter_contact="13900001111",
            facts="社保补缴冒充正常缴纳。",
        )
    with time_machine.travel(DECLARING, tick=False):
        round2021 = factories.RoundFactory(year=2021, phase=Phase.DECLARATION)
        own = factories.ApplicationFactory(
            round=round2021, applicant=applicant, employer=employer, state=AppState.FILLING
        )
        client = Client()
        client.force_login(applicant.user)
        client.post(
            "/apply/indicators/housing/evidence/",
            {"file": SimpleUploadedFile("房产证.pdf", PDF, content_type="application/pdf")},
        )
        person = next(iter(generate_population(year=2021, count=1, seed=7)))
        in_review = build_application(person, round=round2021, with_records=False)
        notice = Notice.objects.create(
            recipient=applicant.user,
            subject="测试通知",
            body="正文",
            dedup_key="fuzz:1",
            created_at=timezone.now(),
        )
        batch = ImportBatch.objects.create(
            department=factories.department("hrss"),
            file_name="a.csv",
            file_format="csv",
            content=b"",
        )
    from workflow.models import Evidence

    evidence = Evidence.objects.filter(claim__application=own).first() or Evidence.objects.first()
    credit = factories.UserFactory(username="fuzz-credit")
    credit.groups.add(Group.objects.get_or_create(name=roles.CREDIT_PLATFORM_GROUP)[0])
    district = factories.UserFactory(username="fuzz-district")
    district_office_grant(user=district)
    run = RankingRun.objects.get(round__year=2020, is_current=True)
    return {
        "personas": {
            "anonymous": None,
            "applicant": applicant.user,
            "unit_admin": unit_admin,
            "reviewer": reviewer_of("hrss"),
            "administrator": administrator,
            "approver": factories.city_approver(),
            "credit": credit,
            "district": district,
        },
        "objects": {
            "claim": in_review.claims.filter(department__code="hrss").first().pk,
            "batch": batch.pk,
            "objection": objection.pk,
            "listed": listed.pk,
            "own_application": own.pk,
            "notice": notice.pk,
            "evidence": evidence.pk if evidence else 1,
            "run": run.pk,
        },
    }


def client_of(world: dict, persona: str) -> Client:
    client = Client()
    user = world["personas"][persona]
    if user is not None:
        client.force_login(user)
    return client


def path_of(route: str, kwargs: dict[str, str], world: dict) -> str:
    """The route with its arguments filled in (world objects by key)."""

    def value(name: str) -> str:
        given_value = kwargs.get(name, "1")
        if given_value.startswith("<"):
            return str(world["objects"][given_value.strip("<>")])
        return given_value

    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1)), route)
    return "/" + path.lstrip("^").rstrip("$")


def assert_not_a_server_error(response, method: str, path: str, data: Any) -> None:
    assert response.status_code < 500, (
        f"{method} {path} answered {response.status_code} for {data!r:.500}"
    )


@st.composite
def query_strings(draw: st.DrawFn, names: set[str]) -> dict[str, Any]:
    """The page's own GET fields and the usual ones (page, q, year), each half the time."""
    query = {}
    for name in sorted(names | {"page", "q", "year", "number", "kind", "sort"}):
        if draw(st.booleans()):
            query[name] = draw(VALUES)
    for name in draw(st.lists(st.text(max_size=8), max_size=2)):
        query.setdefault(name, draw(VALUES))
    return query


def fuzz_route(world: dict, route: str, spec: Route, examples: int = EXAMPLES) -> None:
    """Probes, then random examples, to one pattern as its persona; no answer may be a 5xx."""
    patterns = url_patterns()
    path = path_of(route, spec.kwargs, world)
    moment = DECLARING if spec.moment == "declaring" else PUBLICIZING
    with time_machine.travel(moment, tick=False):
        client = client_of(world, spec.persona)
        page = path_of(patterns[spec.form_on], spec.kwargs, world) if spec.form_on else path
        post_fields = forms_for(client, page, path, "post")
        get_fields = forms_for(client, path, path, "get")

        # First the classic cases, every field at once, so that none is left to chance.
        for probe in PROBES:
            query = dict.fromkeys(set(get_fields) | {"page", "q", "year"}, probe)
            response = client.get(path, query)
            assert_not_a_server_error(response, "GET", path, query)
            data = {
                name: SimpleUploadedFile("a.csv", probe.encode()[:1000])
                if entry.kind == "file"
                else probe
                for name, entry in post_fields.items()
                if name != "csrfmiddlewaretoken"
            }
            response = client.post(path, data)
            assert_not_a_server_error(response, "POST", path, data)

        @settings(FUZZ, max_examples=examples)
        @given(
            query=query_strings(set(get_fields)),
            data=form_data(post_fields),
            other_ids=st.integers(-(10**25), 10**25),
        )
        def run(query, data, other_ids):
            response = client.get(path, query)
            assert_not_a_server_error(response, "GET", path, query)
            response = client.post(path, data)
            assert_not_a_server_error(response, "POST", path, data)
            # The same page for an object that is not there (or past any integer range).
            if re.search(r"<int:\w+>", route):
                other = re.sub(r"<int:(\w+)>", str(abs(other_ids)), route)
                other_path = path_of(other, spec.kwargs, world)
                try:
                    resolve(other_path)
                except Resolver404:
                    return
                for method in ("get", "post"):
                    response = getattr(client, method)(other_path, data)
                    assert_not_a_server_error(response, method.upper(), other_path, data)

        run()


@pytest.mark.parametrize("url_name", sorted(ROUTES))
def test_no_input_makes_a_server_error(world, url_name):
    patterns = url_patterns()
    fuzz_route(world, patterns[url_name], ROUTES[url_name])


# --- the admin's own views ------------------------------------------------------------------


def _admin_route(url_name: str, model: Any) -> tuple[str, Route]:
    """A custom admin view: its model's first object, each of its buttons (and a made-up one);
    a button's form (the reason) is on the object's change page."""
    route = url_patterns()[url_name]
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    form_on = {"_transition": f"{prefix}_change", "_search_number": f"{prefix}_changelist"}
    return route, Route(
        "administrator",
        {"object_id": "<admin_object>", "name": "<button>"},
        form_on=next((page for end, page in form_on.items() if url_name.endswith(end)), None),
    )


@pytest.mark.parametrize("url_name", ADMIN_CUSTOM_NAMES)
def test_no_input_to_an_admin_view_makes_a_server_error(world, url_name):
    model_admin = next(
        model_admin
        for model, model_admin in admin.site._registry.items()
        if url_name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_")
    )
    route, spec = _admin_route(url_name, model_admin.model)
    first = model_admin.model._default_manager.order_by("pk").first()
    world["objects"]["admin_object"] = first.pk if first is not None else 1
    buttons = [b.name for b in getattr(model_admin, "buttons", ())] or ["none"]
    if isinstance(model_admin, TransitionAdmin) and url_name.endswith("_transition"):
        # Every button gets the probes; the random examples are shared out among them.
        for button in [*buttons, "no-such-button"]:
            world["objects"]["button"] = button
            fuzz_route(world, route, spec, examples=max(2, EXAMPLES // len(buttons)))
    else:
        fuzz_route(world, route, spec)


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda m: m.model._meta.label
)
def test_admin_searches_never_make_a_server_error(world, model_admin):
    opts = model_admin.model._meta
    path = f"/admin/{opts.app_label}/{opts.model_name}/"
    with time_machine.travel(DECLARING, tick=False):
        client = client_of(world, "administrator")

        @FUZZ
        @given(query=query_strings({"q", "o", "p", "e", "all"}))
        def run(query):
            response = client.get(path, query)
            assert_not_a_server_error(response, "GET", path, query)

        run()
