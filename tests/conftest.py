"""Shared fixtures: role personas, eager Celery, and the environment-dependent markers.

Markers (pyproject): `postgres` needs DATABASE_URL on PostgreSQL, `worker` needs REDIS_URL
(a real Celery worker), `browser` needs /usr/bin/chromium. Missing locally: skipped with
the reason. Missing in CI (CI=true): the run fails, because CI must run with no skips.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests import factories
from tests.environment import CHROMIUM, in_ci


def _missing_requirement(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and not os.environ.get("DATABASE_URL", "").startswith(
        ("postgres://", "postgresql://", "pgsql://", "postgis://")
    ):
        return (
            'needs PostgreSQL: DATABASE_URL is not a postgres:// URL (eval "$(bash .ci/services)")'
        )
    if item.get_closest_marker("worker") and not os.environ.get("REDIS_URL"):
        return 'needs a Celery worker and Redis: REDIS_URL is unset (eval "$(bash .ci/services)")'
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        return f"needs headless Chromium at {CHROMIUM}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = []
    for item in items:
        reason = _missing_requirement(item)
        if reason is None:
            continue
        if in_ci():
            missing.append(f"{item.nodeid}: {reason}")
        else:
            item.add_marker(pytest.mark.skip(reason=reason))
    if missing:
        raise pytest.UsageError(
            "CI=true but these tests cannot run (CI runs with no skips):\n  " + "\n  ".join(missing)
        )


@pytest.fixture(autouse=True)
def _celery_eager(request: pytest.FixtureRequest, settings):
    """Unit tests run tasks in-process even when REDIS_URL is set; `worker` tests do not."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _published_pages_per_test(settings):
    # The published list's pages are keyed by the list's id, version and moment, which repeat
    # from test to test (ids restart, clocks are frozen), and with REDIS_URL they live in the
    # Redis every run shares: each test gets its own key prefix, on the configured backend.
    settings.CACHES = {
        **settings.CACHES,
        "published": {
            **settings.CACHES["published"],
            "KEY_PREFIX": f"published-{uuid.uuid4().hex}",
        },
    }


@pytest.fixture(autouse=True)
def _rendered_fragments_per_test():
    # Rendered fragments are keyed by object ids and versions, which restart in each test's
    # database: a fragment from an earlier test must never show in the next one.
    from django.core.cache import caches

    caches["rendered"].clear()


@pytest.fixture(autouse=True, scope="session")
def _static_files_as_in_development():
    # Tests run with DEBUG=False, so WhiteNoise would index STATIC_ROOT, which only
    # `collectstatic` (the deploy step) creates, and warn "No directory at: …/staticfiles/".
    # Serve static files the way development does (from the finders, looked up per request),
    # so tests need no collectstatic; production keeps the warning for a missing STATIC_ROOT.
    # Session-wide, so the browser tests' live server (a session fixture) gets it too.
    from django.test import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True, WHITENOISE_USE_FINDERS=True):
        yield


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_append_only_audit_log():
    # The audit table refuses DELETE and TRUNCATE (migration 0010), and a transactional test
    # ends with Django's flush (TRUNCATE on PostgreSQL, DELETE on SQLite). The flush, and
    # only it, runs with the maintenance switch a DBA would use; every other test meets the
    # trigger as production does.
    from unittest import mock

    from django.db.backends.base.operations import BaseDatabaseOperations

    from workflow.audit_chain import audit_maintenance

    flush = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(ops, sql_list):
        with audit_maintenance(using=ops.connection.alias):
            flush(ops, sql_list)

    with mock.patch.object(BaseDatabaseOperations, "execute_sql_flush", execute_sql_flush):
        yield


@pytest.fixture(autouse=True)
def _login_failures_counted_per_test(settings):
    # The throttle counts failed logins in the cache (django-axes); every test client comes
    # from 127.0.0.1, so a shared count would lock later tests out, and with REDIS_URL set
    # the default cache is the Redis the worker tests share. Each test gets its own counts.
    from axes.handlers.proxy import AxesProxyHandler

    settings.CACHES = {
        **settings.CACHES,
        "login_throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"login-throttle-{uuid.uuid4().hex}",
        },
    }
    settings.AXES_CACHE = "login_throttle"
    AxesProxyHandler.get_implementation(force=True)
    yield
    settings.AXES_CACHE = "default"
    AxesProxyHandler.get_implementation(force=True)


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    # Evidence files go to each test's own folder, never to the project's private/: the
    # browser tests and the simulated rounds upload too (PrivateStorage reads the setting
    # at use, so the live server's thread follows it).
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.3 s per persona; tests only need a working hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- personas ---------------------------------------------------------------------------


@pytest.fixture
def employer(db):
    return factories.EmployerFactory(name="北京示例科技有限公司")


@pytest.fixture
def other_employer(db):
    return factories.EmployerFactory(name="北京另一家公司")


@pytest.fixture
def applicant(db):
    """申请人: a user with an Applicant record (male, born 1985)."""
    user = factories.UserFactory(username="applicant")
    return factories.ApplicantFactory(user=user, name="王小明")


@pytest.fixture
def other_applicant(db):
    user = factories.UserFactory(username="other_applicant")
    return factories.ApplicantFactory(user=user, name="李小红")


@pytest.fixture
def unit_admin(db, employer):
    """单位经办人 of `employer`, verified by an administrator: returns the user."""
    return factories.MembershipFactory(
        user=factories.UserFactory(username="unit_admin"), employer=employer
    ).user


@pytest.fixture
def other_unit_admin(db, other_employer):
    """单位经办人 of another employer (must be refused on `employer`'s applications)."""
    return factories.MembershipFactory(
        user=factories.UserFactory(username="other_unit_admin"), employer=other_employer
    ).user


@pytest.fixture
def unverified_unit_admin(db, employer):
    """单位经办人 of `employer` who registered but whom no administrator has verified yet."""
    return factories.MembershipFactory(
        user=factories.UserFactory(username="unverified_unit_admin"),
        employer=employer,
        verified=False,
    ).user


@pytest.fixture
def reviewer_of(db):
    """Factory: reviewer_of("hrss") -> a user reviewing for that department."""

    def make(code: str):
        return factories.ReviewerFactory(
            user=factories.UserFactory(username=f"reviewer_{code}"),
            department=factories.department(code),
        ).user

    return make


@pytest.fixture
def administrator(db):
    """管理员: staff user in the group 积分落户管理员 (not a superuser)."""
    from django.contrib.auth.models import Group

    from workflow.roles import ADMIN_GROUP

    user = factories.UserFactory(username="administrator", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])
    return user


@pytest.fixture
def anonymous_client(client):
    """A browser nobody logged into."""
    return client
