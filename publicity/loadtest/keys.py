"""The load-test database's keys, without Django (the page CPU tool reads them before setup)."""

from __future__ import annotations

import base64
import hashlib


def load_keys(database: str) -> dict[str, str]:
    # The personal data of the load-test database is encrypted under keys derived from its
    # name, so preparing (DEBUG on, tasks eager) and serving (DEBUG off) agree across runs
    # without a key file. Synthetic data in a disposable database only.
    seed = hashlib.sha256(f"luohu-bench-load:{database}".encode()).digest()
    return {
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(seed).decode(),
        "BLIND_INDEX_KEY": hashlib.sha256(seed + b"blind-index").hexdigest(),
        "SECRET_KEY": hashlib.sha512(seed + b"secret-key").hexdigest(),
    }
