"""Login locks: the record of failed logins' addresses, and lifting a lock early.

The locks themselves are django-axes's counters in the cache (settings.AXES_*): 10 failures
in 15 minutes per account, and separately per address, lock that account or address for 15
minutes. An owner who mistyped 10 times has locked both their account and the address they
typed from: lifting the account's lock must lift those addresses' too, or they still could
not log in. So each failure's address is remembered under the account while it counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from axes.helpers import get_cache, get_cache_timeout, get_client_ip_address, get_client_username
from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db import transaction

from workflow import roles
from workflow.backends import account_name
from workflow.exceptions import DomainError, NotPermitted
from workflow.models import LoginUnlock

from ._common import audit_record, now_or

# A distributed guess at one account comes from many addresses; the most recent are enough.
ADDRESSES_KEPT = 50


def _addresses_key(username: str) -> str:
    # Hashed: the cache holds no identity number in clear, like axes's own keys.
    return "login-failed-addresses-" + hashlib.sha256(username.encode()).hexdigest()


def login_failure_record(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any):
    """Receiver of django.contrib.auth's user_login_failed (connected in WorkflowConfig):
    remember the address under the account for as long as axes counts the failure."""
    if request is None:
        return
    username = get_client_username(request, credentials)
    address = get_client_ip_address(request)
    if not username or not address:
        return
    cache, key = get_cache(), _addresses_key(username)
    addresses = [a for a in cache.get(key, []) if a != address] + [address]
    cache.set(key, addresses[-ADDRESSES_KEPT:], timeout=get_cache_timeout(request))


def login_unlock(
    *,
    actor: Any,
    reason: str,
    username: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> LoginUnlock:
    """An administrator lifts the lock of an account (its user name, or an applicant's
    identity number, which stands for the account: neither is recorded as typed), with the
    addresses that failed for it, and/or of one network address. Recorded and audited; the
    counters are cleared once that is committed."""
    now = now_or(now)
    if not roles.is_administrator(actor):
        raise NotPermitted("只有管理员才能解除登录锁定。")
    username = account_name(username)
    ip_address = (ip_address or "").strip() or None
    if not username and not ip_address:
        raise DomainError("请填写要解锁的账号或网络地址。")
    if not reason.strip():
        raise DomainError("请填写解锁原因。")
    user_id = None
    addresses: list[str] = []
    if username:
        user_id = (
            get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
        )
        addresses = list(get_cache().get(_addresses_key(username), []))
    if ip_address and ip_address not in addresses:
        addresses.append(ip_address)

    def clear() -> None:
        if username:
            axes_reset(username=username)
            get_cache().delete(_addresses_key(username))
        for address in addresses:
            axes_reset(ip=address)

    with transaction.atomic():
        unlock = LoginUnlock.objects.create(
            at=now, actor=actor, username=username, ip_address=ip_address, reason=reason.strip()
        )
        audit_record(
            actor=actor,
            action="login.unlock",
            obj=unlock,
            now=now,
            reason=reason.strip(),
            # The account by its id.
            after={"user": user_id, "ip_address": ip_address, "addresses": addresses},
        )
        transaction.on_commit(clear)
    return unlock
