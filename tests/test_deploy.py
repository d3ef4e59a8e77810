"""What an operator runs stays in step with what the code reads."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from workflow.crypto import new_field_key

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _variables_read_by_settings() -> set[str]:
    pattern = re.compile(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']""")
    return {
        name
        for path in (ROOT / "config").glob("*.py")
        for name in pattern.findall(path.read_text())
    }


def test_env_example_lists_every_variable_settings_read():
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (DEPLOY / ".env.example").read_text(), re.M))

    missing = _variables_read_by_settings() - listed

    assert "SECRET_KEY" in _variables_read_by_settings()
    assert not missing, f"add to deploy/.env.example: {sorted(missing)}"


def test_nginx_body_limit_admits_the_largest_evidence_file():
    conf = (DEPLOY / "nginx.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size\s+(\d+)m;", conf).group(1))

    assert megabytes * 1024 * 1024 > settings.EVIDENCE_MAX_BYTES
    # …but not wildly more: nginx is the first line against oversized uploads.
    assert megabytes * 1024 * 1024 <= settings.EVIDENCE_MAX_BYTES + 2 * 1024 * 1024


def test_nginx_never_serves_private_evidence():
    conf = (DEPLOY / "nginx.conf").read_text()
    compose = (DEPLOY / "docker-compose.yml").read_text()
    nginx_service = compose.split("\n  nginx:\n", 1)[1].split("\nvolumes:", 1)[0]

    assert "private" not in re.sub(r"#.*", "", conf)
    assert "evidence:" not in re.sub(r"#.*", "", nginx_service)


def test_gunicorn_config_loads():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--check-config",
            "-c",
            "deploy/gunicorn.conf.py",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": new_field_key(),
            "BLIND_INDEX_KEY": secrets.token_urlsafe(50),
            "REDIS_URL": "redis://127.0.0.1:6379/0",  # never connected to by --check-config
            "DEBUG": "false",
        },
    )

    assert result.returncode == 0, result.stderr


def test_nginx_tells_django_the_request_came_over_https():
    # settings.SECURE_PROXY_SSL_HEADER trusts X-Forwarded-Proto: nginx must set it itself on
    # every proxied request (overwriting whatever a client sent).
    conf = re.sub(r"#.*", "", (DEPLOY / "nginx.conf").read_text())

    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_nginx_admits_the_largest_upload_on_its_own_urls_only():
    conf = re.sub(r"#.*", "", (DEPLOY / "nginx.conf").read_text())
    sizes = {
        location: int(size)
        for location, size in re.findall(
            r"location ([^{]+?) \{\s*client_max_body_size (\d+)m;", conf
        )
    }

    imports = {"= /review/imports/", "~ ^/admin/review/[a-z]+/import/$"}
    evidence = "~ ^/apply/indicators/[a-z0-9_-]+/(evidence|recheck|appeal)/$"
    assert set(sizes) == imports | {evidence}
    for location in imports:
        assert sizes[location] * 1024 * 1024 > settings.IMPORT_MAX_BYTES
        assert sizes[location] * 1024 * 1024 <= settings.IMPORT_MAX_BYTES + 2 * 1024 * 1024
    # A full selection of evidence files (each at its limit) passes; nothing far bigger.
    selection = settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES
    assert selection < sizes[evidence] * 1024 * 1024 <= selection + 2 * 1024 * 1024
    for url in ("/apply/indicators/education/evidence/", "/apply/indicators/housing/appeal/"):
        assert re.match(evidence.removeprefix("~ "), url)


def test_redis_keeps_queued_tasks_across_a_restart_in_both_deployments():
    compose = (DEPLOY / "docker-compose.yml").read_text()
    redis_conf = (DEPLOY / "redis.conf").read_text()

    assert '"--appendonly", "yes"' in compose
    assert re.search(r"^appendonly yes$", redis_conf, re.M)
    assert re.search(r"^maxmemory-policy noeviction$", redis_conf, re.M)


def test_access_logs_never_carry_a_query_string_or_a_referer():
    # An identity number in a URL (an admin search, an old bookmark) must not reach a log
    # line: gunicorn and nginx log the path only.
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 (our own file)
    fmt = namespace["access_log_format"]
    assert "%(U)s" in fmt
    for atom in ("%(r)s", "%(q)s", "%(f)s"):
        assert atom not in fmt

    conf = re.sub(r"#.*", "", (DEPLOY / "nginx.conf").read_text())
    log_format = re.search(r"log_format\s+(\w+)\s+(.*?);", conf, re.S)
    name, body = log_format.group(1), log_format.group(2)
    assert "$uri" in body
    for variable in ("$request ", '$request"', "$request_uri", "$args", "$query_string"):
        assert variable not in body
    assert "$http_referer" not in body
    servers = conf.count("server {")
    assert conf.count(f"access_log /var/log/nginx/access.log {name};") == servers
