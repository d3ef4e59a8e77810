"""Small checked readers for environment variables: fail loudly, never guess in production."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, why: str = "") -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(
                f"Environment variable {name} is required" + (f": {why}" if why else "")
            )
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be a boolean, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name} must be an integer") from exc


# Text that only a placeholder or a development key contains (deploy/.env.example's
# "change-me-to-a-long-random-string", Django's "django-insecure-…", ours "…do-not-use").
_PLACEHOLDER_MARKERS = ("change", "insecure", "example", "placeholder", "do-not-use", "secret-key")


def production_secret_key(value: str) -> str:
    """The key, if it can be a production key: at least 50 characters, not a placeholder
    (Django's own bar, check security.W009, plus the words placeholders are made of)."""
    lowered = value.lower()
    if len(value) < 50 or len(set(value)) < 5 or any(m in lowered for m in _PLACEHOLDER_MARKERS):
        raise ImproperlyConfigured(
            "SECRET_KEY 是占位值或过短，DEBUG 关闭时拒绝启动 / SECRET_KEY is a placeholder or "
            "shorter than 50 characters; generate one: "
            'python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return value
