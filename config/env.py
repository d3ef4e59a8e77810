"""Small checked readers for environment variables: fail loudly, never guess in production."""

import base64
import binascii
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


def _is_placeholder(value: str, min_length: int) -> bool:
    lowered = value.lower()
    return (
        len(value) < min_length
        or len(set(value)) < 5
        or any(m in lowered for m in _PLACEHOLDER_MARKERS)
    )


def production_secret_key(value: str) -> str:
    """The key, if it can be a production key: at least 50 characters, not a placeholder
    (Django's own bar, check security.W009, plus the words placeholders are made of)."""
    if _is_placeholder(value, 50):
        raise ImproperlyConfigured(
            "SECRET_KEY 是占位值或过短，DEBUG 关闭时拒绝启动 / SECRET_KEY is a placeholder or "
            "shorter than 50 characters; generate one: "
            'python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return value


def production_field_encryption_keys(keys: list[str]) -> list[str]:
    """The keys, if each is 32 random bytes in URL-safe base64 (an AES-256 key) and none is
    a placeholder or the development key (whose bytes say "do-not-use")."""
    for key in keys or [""]:
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32 or _is_placeholder(raw.decode("latin-1"), 32):
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS 缺失、是占位值或不是 32 字节的密钥，DEBUG 关闭时拒绝启动 / "
                "FIELD_ENCRYPTION_KEYS is missing, a placeholder or not a 32-byte key; generate "
                "one: python -c "
                '"import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"'
            )
    return keys


def production_blind_index_key(value: str) -> str:
    """The HMAC key of the identity numbers' blind index: at least 32 characters, not a
    placeholder. Unlike SECRET_KEY it cannot change without `rotate_field_keys`."""
    if _is_placeholder(value, 32):
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEY 是占位值或过短，DEBUG 关闭时拒绝启动 / BLIND_INDEX_KEY is a "
            "placeholder or shorter than 32 characters; generate one: "
            'python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return value
