"""Personal data at rest: encryption of identity numbers, phones and contacts, and the keyed
blind index that finds an identity number without storing it.

Keys come from settings (the environment): FIELD_ENCRYPTION_KEYS, a list of 32-byte keys in
URL-safe base64 whose first key encrypts and every key decrypts; BLIND_INDEX_KEY, the
HMAC-SHA256 key of the blind index. `manage.py rotate_field_keys` re-encrypts every column
under the first key and recomputes the indexes, after which the old key can leave the list.

A value is sealed with AES-256-GCM (the `cryptography` package): authenticated, so a changed
byte fails loudly instead of decrypting to garbage, and about eight times faster than Fernet
in Python — ranking decrypts 150,000 identity numbers for their birth dates. A token reads
`e1:<key id>:<base64 of nonce + ciphertext + tag>`; the key id (the first 8 hex digits of the
key's SHA-256) says which key of the list opens it, and whether rotation has work to do.

A ciphertext is random (the same number encrypts differently twice), so the database can
neither compare nor index it: equality goes through the blind index, a deterministic keyed
hash that reveals nothing without BLIND_INDEX_KEY (a plain SHA-256 of an identity number
would be reversed by enumerating the few billion valid numbers).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from ranking.policy.identity import mask_id_number

# The format's version: how the data migration tells a row it has already encrypted from a
# plaintext one, and how a later format would be told from this one.
CIPHERTEXT_PREFIX = "e1:"
NONCE_BYTES = 12


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM


@functools.cache
def _keyring(keys: tuple[str, ...]) -> tuple[_Key, ...]:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS 未设置 / FIELD_ENCRYPTION_KEYS is empty")
    ring = []
    for key in keys:
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS: 密钥不是 base64 / not base64"
            ) from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS: 密钥应为 32 字节 / keys are 32 bytes"
            )
        ring.append(_Key(hashlib.sha256(raw).hexdigest()[:8], AESGCM(raw)))
    return tuple(ring)


def _keys() -> tuple[_Key, ...]:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def _clear_cache(*, setting: str, **_: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _keyring.cache_clear()


setting_changed.connect(_clear_cache, dispatch_uid="workflow.crypto.keys")


def encrypt(text: str) -> str:
    """The text sealed under the first key, as ASCII (fits a text column)."""
    key = _keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + key.aead.encrypt(nonce, text.encode(), None)
    return f"{CIPHERTEXT_PREFIX}{key.key_id}:{base64.urlsafe_b64encode(sealed).decode('ascii')}"


def decrypt(token: str) -> str:
    """The plaintext of a token sealed under any key in the list. Raises ImproperlyConfigured
    (naming the setting, never the data) when no key in the list opens it."""
    _, key_id, body = token.split(":", 2)
    for key in _keys():
        if key.key_id == key_id:
            sealed = base64.urlsafe_b64decode(body)
            try:
                return key.aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None).decode()
            except InvalidTag as exc:
                raise ImproperlyConfigured(
                    "已加密字段的内容被改动，无法解密 / an encrypted value was altered"
                ) from exc
    raise ImproperlyConfigured(
        "无法解密已加密字段：FIELD_ENCRYPTION_KEYS 中没有加密它的密钥 / no key in "
        "FIELD_ENCRYPTION_KEYS decrypts this value (was a key removed before "
        "rotate_field_keys ran?)"
    )


def new_field_key() -> str:
    """A new key for FIELD_ENCRYPTION_KEYS (what deploy/.env.example's one-liner prints)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def is_current(token: str) -> bool:
    """Whether the first (newest) key sealed the token: rotation has nothing to do for it."""
    return token.split(":", 2)[1] == _keys()[0].key_id


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
