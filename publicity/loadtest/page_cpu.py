"""CPU per request of the applicant's pages against the bare page, without the load test.

    DATABASE_URL=postgres://…/luohu_load REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python -m publicity.loadtest.page_cpu [--requests 300]

Needs the database `make bench-load` prepared (its demo applicants and published round);
writes nothing to it but the five demo applicants' sessions. Runs as deployed (DEBUG off,
sessions in Redis), with the personal-data keys bench_load derives from the database name
(publicity/loadtest/keys.py).
Each request goes through Django's WSGI handler in this process, as a gunicorn sync worker
serves it, and its CPU is this process's CPU time from the call to the last byte; the pages
take turns, so a busy machine weighs on every page alike and the ratios stay comparable
within a run. gunicorn's own share of a request (parsing, writing) is not in it: the load
test's ratios come out somewhat lower than these.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from publicity.loadtest.keys import load_keys

PAGES = {
    "bare: home page (anonymous)": ("/", False),
    "applicant dashboard (results)": ("/apply/", True),
    "indicator page": ("/apply/indicators/employment/", True),
}
DEMO_APPLICANTS = ("applicant", "applicant2", "applicant3", "applicant4", "applicant5")
WARM_UP = 30


def _configure() -> None:
    database = urlparse(os.environ.get("DATABASE_URL", "")).path.lstrip("/")
    if not database or not os.environ.get("REDIS_URL"):
        sys.exit("DATABASE_URL（bench_load 准备的 PostgreSQL 数据库）与 REDIS_URL 都须设置。")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(
        load_keys(database)
        | {"DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false"}
    )
    import django

    django.setup()


def _caller() -> Callable[[str, str], float]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def call(path: str, cookie: str) -> float:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8765",
            "HTTP_HOST": "127.0.0.1:8765",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        status: list[str] = []
        started = time.process_time()
        result = handler(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(result)
        result.close()
        spent = (time.process_time() - started) * 1000
        if not status[0].startswith("200"):
            sys.exit(f"{path}: {status[0]}")
        return spent

    return call


def _cookies() -> list[str]:
    # Signed in as locust signs in (a session per demo applicant), and with the csrftoken
    # cookie the first page sets, as locust's cookie jar sends it back.
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    cookies = []
    for name in DEMO_APPLICANTS:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=name))
        client.get("/apply/")
        cookies.append(
            "; ".join(
                f"{key}={client.cookies[key].value}"
                for key in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
                if key in client.cookies
            )
        )
    return cookies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="每个页面的请求数")
    requests = parser.parse_args().requests
    _configure()
    call, cookies = _caller(), _cookies()
    cpu: dict[str, list[float]] = {page: [] for page in PAGES}
    for n in range(WARM_UP + requests):
        for page, (path, signed_in) in PAGES.items():
            spent = call(path, cookies[n % len(cookies)] if signed_in else "")
            if n >= WARM_UP:
                cpu[page].append(spent)
    bare = statistics.median(cpu["bare: home page (anonymous)"])
    print(f"load average {os.getloadavg()[0]:.2f}; {requests} requests a page")
    for page, values in cpu.items():
        median = statistics.median(values)
        print(f"{page:32s} CPU median {median:6.2f} ms  {median / bare:4.2f}× the bare page")


if __name__ == "__main__":
    main()
