"""Production settings: check --deploy passes with deploy/.env.example, and a production
start without a real key or without Redis is refused."""

from __future__ import annotations

import base64
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    production_blind_index_key,
    production_field_encryption_keys,
    production_secret_key,
)
from workflow.crypto import new_field_key

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"


def example_env() -> dict[str, str]:
    """The variables deploy/.env.example sets (commented-out ones stay unset)."""
    return dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text(), re.M))


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def a_real_key() -> str:
    return secrets.token_urlsafe(50)


def real_keys() -> dict[str, str]:
    """SECRET_KEY and the keys of the personal data encrypted at rest, as an operator makes them."""
    return {
        "SECRET_KEY": a_real_key(),
        "FIELD_ENCRYPTION_KEYS": new_field_key(),
        "BLIND_INDEX_KEY": a_real_key(),
    }


def test_check_deploy_passes_with_the_production_settings_of_env_example():
    env = example_env() | real_keys()
    assert env["DEBUG"] == "false"

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr


def test_the_placeholder_key_of_env_example_refuses_to_start():
    result = manage("check", env=example_env())

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_off_without_redis_refuses_to_start():
    env = example_env() | real_keys()
    del env["REDIS_URL"]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_development_needs_no_environment_at_all():
    # `make run`: DEBUG on by default, SQLite, tasks in-process.
    result = manage("check", env={})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-a-long-random-string",
        "change-me-to-a-long-random-string-" + "x" * 40,  # long, still the placeholder
        "django-insecure-" + secrets.token_urlsafe(50),
        "dev-insecure-key-do-not-use",
        secrets.token_urlsafe(36)[:49],  # random but one character short
        "a" * 60,
    ],
)
def test_a_placeholder_or_short_key_is_refused(key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        production_secret_key(key)


def test_a_generated_key_is_accepted():
    key = a_real_key()

    assert production_secret_key(key) == key


@pytest.mark.parametrize("name", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_the_placeholder_encryption_keys_of_env_example_refuse_to_start(name):
    env = example_env() | real_keys()
    env[name] = example_env()[name]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert name in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        [],
        ["change-me-to-a-32-byte-key"],
        [settings.DEV_FIELD_ENCRYPTION_KEY],  # what development and the tests use
        [new_field_key(), "not-base64-at-all"],  # every key in the list
        [base64.urlsafe_b64encode(secrets.token_bytes(16)).decode()],  # 16 bytes, not 32
    ],
)
def test_a_placeholder_or_malformed_field_encryption_key_is_refused(keys):
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        production_field_encryption_keys(keys)


@pytest.mark.parametrize(
    "key", ["change-me-to-another-long-random-string", "dev-blind-index-key-do-not-use", "k" * 40]
)
def test_a_placeholder_or_short_blind_index_key_is_refused(key):
    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY"):
        production_blind_index_key(key)


def test_generated_encryption_keys_are_accepted_old_and_new():
    keys = [new_field_key(), new_field_key()]

    assert production_field_encryption_keys(keys) == keys


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client, settings):
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_template_has_inline_script_the_policy_would_block():
    # script-src 'self': a <script> without src, or an onclick="…" attribute, does not run.
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    offenders = [
        str(path.relative_to(ROOT))
        for path in templates
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=\"", path.read_text())
    ]

    assert templates
    assert not offenders


def _session_engine(env: dict[str, str]) -> str:
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)", env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's own banner line


def test_sessions_are_read_from_redis_with_the_database_behind_it_in_production():
    # A Redis restart signs nobody out: cached_db finds the session in the database.
    env = example_env() | real_keys()
    assert _session_engine(env) == "django.contrib.sessions.backends.cached_db"


def test_sessions_stay_in_the_database_without_redis():
    # A per-process cache would keep a session another process has logged out.
    assert _session_engine({}) == "django.contrib.sessions.backends.db"
