"""Locust users for `make bench-load` (run by `manage.py bench_load`, never by the tests).

Every request names its page in the X-Load-Page header; the load test's gunicorn hooks
(`gunicorn_conf.py`) record each request's CPU time under that name, so CPU per request is
measured per page inside the same mixed run as the bare page (no separate runs, and the
other engineers' processes on the machine do not count).

Environment: LOAD_YEAR (the published round), LOAD_RUN (the label of this run, e.g. "100"),
LOAD_PAGES (pages in the published list), LOAD_APPLICANTS (the round's size).
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

YEAR = int(os.environ.get("LOAD_YEAR", "2020"))
RUN = os.environ.get("LOAD_RUN", "adhoc")
PAGES = max(int(os.environ.get("LOAD_PAGES", "2")), 2)
APPLICANTS = max(int(os.environ.get("LOAD_APPLICANTS", "1")), 1)
# The demo's applicants (load_demo); the password is printed by load_demo on purpose.
DEMO_APPLICANTS = ("applicant", "applicant2", "applicant3", "applicant4", "applicant5")
DEMO_PASSWORD = "luohu-demo-2020"  # noqa: S105 - the public demo password
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
THINK = between(1, 2)  # the 1–2 s think time


def _get(user: HttpUser, page: str, path: str, **kwargs):
    headers = {"X-Load-Page": page, "X-Load-Run": RUN}
    return user.client.get(path, name=page, headers=headers, **kwargs)


def _plain_cookies(user: HttpUser) -> None:
    # The site runs with DEBUG off, so its cookies are Secure; locust talks plain HTTP on
    # loopback (no nginx, no TLS), so the cookie jar must be told to send them anyway.
    for cookie in user.client.cookies:
        cookie.secure = False


class Visitor(HttpUser):
    """Anyone: the public list (first page, page N, a search, the downloads), the simulator
    and the bare page. Most of the traffic in the publicity week."""

    weight = 3
    wait_time = THINK

    @task(3)
    def bare(self):
        _get(self, "bare: home page (anonymous)", "/")

    @task(4)
    def list_first(self):
        _get(self, "public list, page 1", f"/publicity/{YEAR}/")

    @task(3)
    def list_page_n(self):
        _get(self, "public list, page N", f"/publicity/{YEAR}/?page={random.randint(2, PAGES)}")  # noqa: S311

    @task(2)
    def list_search(self):
        # A name as the synthetic round spells them (申请人<i>), found by substring.
        name = f"申请人{random.randrange(APPLICANTS)}"  # noqa: S311
        _get(self, "public list, search", f"/publicity/{YEAR}/", params={"q": name})

    @task(1)
    def download_csv(self):
        _get(self, "download CSV", f"/publicity/{YEAR}/list.csv")

    @task(1)
    def download_xlsx(self):
        _get(self, "download XLSX", f"/publicity/{YEAR}/list.xlsx")

    @task(2)
    def simulator(self):
        _get(self, "simulator (form)", "/simulator/")


class Applicant(HttpUser):
    """A demo applicant: logs in once, then reads the dashboard (the results) and an
    indicator page."""

    weight = 1
    wait_time = THINK

    def on_start(self):
        form = _get(self, "login form", "/accounts/login/")
        _plain_cookies(self)
        token = CSRF_FIELD.search(form.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": random.choice(DEMO_APPLICANTS),  # noqa: S311
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="login (POST, password hash)",
            headers={
                "X-Load-Page": "login (POST, password hash)",
                "X-Load-Run": RUN,
                "Referer": f"{self.host}/accounts/login/",
            },
        )
        _plain_cookies(self)

    @task(3)
    def dashboard(self):
        _get(self, "applicant dashboard (results)", "/apply/")

    @task(2)
    def indicator(self):
        _get(self, "indicator page", "/apply/indicators/employment/")
