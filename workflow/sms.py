"""Short messages: one small interface; the default backend writes to the log.

A real gateway plugs in through the setting ``SMS_BACKEND`` (a dotted path to a class with
``send(*, to, text) -> None``), the way Django's ``EMAIL_BACKEND`` picks the mail backend.
Phone numbers are masked in the log: a log file is not the place for them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("workflow.sms")


class BaseSmsBackend:
    def send(self, *, to: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    """Development and default: the message goes to the log, nowhere else."""

    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(to), text)


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: messages collect in ``LocmemSmsBackend.outbox`` (like ``mail.outbox``)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        type(self).outbox.append((to, text))


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def sms_send(*, to: str, text: str) -> None:
    if not to:
        return
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(to=to, text=text)
