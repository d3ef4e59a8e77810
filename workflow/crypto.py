"""Personal data at rest: encryption of identity numbers, phones and contacts, and the keyed
blind index that finds an identity number without storing it.

Keys come from settings (the environment): FIELD_ENCRYPTION_KEYS, a list whose first key
encrypts and every key decrypts (MultiFernet: AES-128-CBC with an HMAC-SHA256 tag, so a
changed byte fails loudly instead of decrypting to garbage); BLIND_INDEX_KEY, the HMAC-SHA256
key of the blind index. `manage.py rotate_field_keys` re-encrypts every column under the first
key and recomputes the indexes, after which the old key can leave the list.

A ciphertext is random (the same number encrypts differently twice), so the database can
neither compare nor index it: equality goes through the blind index, a deterministic keyed
hash that reveals nothing without BLIND_INDEX_KEY (a plain SHA-256 of an identity number
would be reversed by enumerating the few billion valid numbers).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from ranking.policy.identity import mask_id_number

# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA":
# how the data migration tells a row it has already encrypted from a plaintext one.
CIPHERTEXT_PREFIX = "gAAAAA"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS 未设置 / FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def _clear_cache(*, setting: str, **_: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_clear_cache, dispatch_uid="workflow.crypto.keys")


def encrypt(text: str) -> str:
    """The text encrypted under the first key, as ASCII (fits a text column)."""
    return _keys().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext of a token made under any key in the list. Raises ImproperlyConfigured
    (naming the setting, never the data) when no key in the list opens it."""
    try:
        return _keys().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "无法解密已加密字段：FIELD_ENCRYPTION_KEYS 中没有加密它的密钥 / no key in "
            "FIELD_ENCRYPTION_KEYS decrypts this value (was a key removed before "
            "rotate_field_keys ran?)"
        ) from exc


def is_current(token: str) -> bool:
    """Whether the first (newest) key opens the token: rotation has nothing to do for it."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def is_encrypted(value: str) -> bool:
    return value.startswith(CIPHERTEXT_PREFIX)


def normalise_id_number(number: str) -> str:
    # What a person types: spaces around, a lower-case check letter x.
    return number.strip().upper()


def id_number_index(number: str) -> str:
    """The blind index of an identity number: HMAC-SHA256 under BLIND_INDEX_KEY, hex."""
    key = settings.BLIND_INDEX_KEY.encode()
    # The purpose prefix keeps this index apart from any other the same key may ever make.
    message = b"id_number:" + normalise_id_number(number).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def id_number_indexes(numbers: Iterable[str]) -> dict[str, str]:
    """{blind index: number} of many numbers at once (a 130,000-row batch: one HMAC each,
    then one `id_number_index__in` query per chunk instead of a query per row)."""
    return {id_number_index(number): number for number in numbers}


def masked(value: str) -> str:
    """What an audit row or a log line may show of an encrypted value: an identity number as
    110105********0212, anything else (a phone, a contact) as its last four characters."""
    if not value:
        return value
    shown = mask_id_number(value)
    if shown != value:
        return shown
    return "*" * max(len(value) - 4, 4) + value[-4:] if len(value) > 4 else "****"


def new_applicant_username() -> str:
    """A login name that says nothing about the person (applicants log in with their identity
    number, found through the blind index: workflow.backends.IdentityNumberBackend)."""
    return "sq_" + secrets.token_hex(8)
