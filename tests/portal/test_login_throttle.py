"""Login throttling: 10 failures in 15 minutes, per account and per address, lock 15 minutes;
an administrator can lift a lock early, recorded and audited."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse

from config.middleware import client_ip
from tests import factories
from workflow import services
from workflow.exceptions import NotPermitted
from workflow.models import BEIJING, AuditEvent, LoginUnlock

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "登录失败次数过多，账号已锁定15分钟，请稍后再试或联系管理员解锁"
START = dt.datetime(2026, 8, 1, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


ADDRESS = "203.0.113.7"


def attempt(username: str, password: str, address: str = ADDRESS):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def fail(username: str, times: int, address: str = ADDRESS) -> list[int]:
    return [attempt(username, "wrong-password", address).status_code for _ in range(times)]


def test_the_tenth_failure_locks_the_account_even_for_the_right_password(clock, applicant):
    number = applicant.user.username
    assert fail(number, 9) == [200] * 9  # the login page again, with its error
    locked = attempt(number, "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert LOCKED in page
    assert number not in page  # the page never echoes what was typed
    right = attempt(number, factories.PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in right.client.session


def test_the_lock_lifts_after_fifteen_minutes(clock, applicant):
    fail("applicant", 10)
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    assert attempt("applicant", factories.PASSWORD).status_code == 429
    clock.shift(dt.timedelta(seconds=2))
    assert attempt("applicant", factories.PASSWORD).status_code == 302  # logged in


def test_failures_during_the_lock_do_not_extend_it(clock, applicant):
    fail("applicant", 10)
    clock.shift(dt.timedelta(minutes=10))
    fail("applicant", 3)
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    assert attempt("applicant", factories.PASSWORD).status_code == 302


def test_one_account_is_locked_whatever_address_the_guesses_come_from(clock, applicant):
    for n in range(10):
        attempt("applicant", "wrong-password", address=f"198.51.100.{n + 1}")
    assert attempt("applicant", factories.PASSWORD, address="192.0.2.200").status_code == 429


def test_one_address_is_locked_whatever_accounts_it_tries(clock, applicant, other_applicant):
    for n in range(10):
        attempt(f"1101051980010{n:04d}X", "wrong-password", address="198.51.100.9")
    locked = attempt("other_applicant", factories.PASSWORD, address="198.51.100.9")
    assert locked.status_code == 429
    # the account itself is not locked: from elsewhere it logs in
    assert attempt("other_applicant", factories.PASSWORD, address="192.0.2.1").status_code == 302


def test_a_nonexistent_account_locks_the_same_way(clock):
    # Locking only real accounts would tell a stranger which numbers are registered.
    assert fail("110105198001010212", 10)[-1] == 429


def test_the_admin_login_is_throttled_too(clock, administrator):
    client = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [
        client.post(
            "/admin/login/", {"username": "administrator", "password": "wrong-password"}
        ).status_code
        for _ in range(10)
    ]
    assert statuses[-1] == 429


def test_administrator_unlocks_an_account_in_the_admin_and_it_is_audited(
    clock, applicant, administrator, django_capture_on_commit_callbacks
):
    fail(applicant.user.username, 10)
    assert attempt(applicant.user.username, factories.PASSWORD).status_code == 429
    administrator.is_superuser = True
    administrator.save()
    admin = Client()
    admin.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:workflow_loginunlock_add"),
            {"username": applicant.user.username, "ip_address": "", "reason": "本人来电核实身份"},
        )
    assert response.status_code == 302
    unlock = LoginUnlock.objects.get()
    assert (unlock.actor, unlock.username) == (administrator, applicant.user.username)
    event = AuditEvent.objects.get(action="login.unlock")
    assert (event.actor, event.reason) == (administrator, "本人来电核实身份")
    assert event.after == {"user": applicant.user.pk, "ip_address": None, "addresses": [ADDRESS]}
    assert attempt(applicant.user.username, factories.PASSWORD).status_code == 302


def test_administrator_unlocks_an_address(
    clock, applicant, administrator, django_capture_on_commit_callbacks
):
    for n in range(10):
        attempt(f"guess{n}", "wrong-password", address="198.51.100.77")
    assert attempt("applicant", factories.PASSWORD, address="198.51.100.77").status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        services.login_unlock(
            actor=administrator, ip_address="198.51.100.77", reason="单位出口地址，已核实"
        )
    assert attempt("applicant", factories.PASSWORD, address="198.51.100.77").status_code == 302


def test_administrator_unlocks_accounts_from_the_user_list(
    clock, applicant, administrator, django_capture_on_commit_callbacks
):
    fail("applicant", 10)
    administrator.is_superuser = True
    administrator.save()
    admin = Client()
    admin.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("admin:auth_user_changelist"),
            {"action": "unlock_login", "_selected_action": [applicant.user.pk]},
        )
    assert AuditEvent.objects.filter(action="login.unlock").count() == 1
    assert attempt("applicant", factories.PASSWORD).status_code == 302


@pytest.mark.parametrize("persona", ["applicant", "unit_admin"])
def test_only_administrators_unlock(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotPermitted):
        services.login_unlock(
            actor=getattr(user, "user", user), username="applicant", reason="我自己"
        )
    assert not LoginUnlock.objects.exists()


def test_behind_nginx_the_address_is_the_one_nginx_saw(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9")
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.9"
    # Without a proxy the header is the client's own to forge: ignored.
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"


def test_with_redis_the_counters_live_in_the_shared_redis_cache():
    # Every gunicorn worker (and host) sees the same counts, so a lock holds across them.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
            "django.setup(); from django.conf import settings as s; "
            "print(s.AXES_HANDLER, s.AXES_CACHE, s.CACHES[s.AXES_CACHE]['BACKEND'], "
            "s.CACHES[s.AXES_CACHE]['LOCATION'], s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "REDIS_URL": "redis://redis.internal:6379/0"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "axes.handlers.cache.AxesCacheHandler",
        "default",
        "config.cache.PooledRedisCache",
        "redis://redis.internal:6379/0",
        "10",
        "0:15:00",
    ]
