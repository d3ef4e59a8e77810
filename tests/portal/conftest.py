"""Portal fixtures: a round in declaration, logged-in clients per persona, frozen clocks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests import factories
from workflow.models import BEIJING, AppState, Phase

# Inside the 2020 declaration window (7月17日8时 – 8月15日20时).
DECLARING = dt.datetime(2020, 8, 1, 9, 0, tzinfo=BEIJING)
DECLARATION_CLOSES = dt.datetime(2020, 8, 15, 20, 0, tzinfo=BEIJING)
QUERY_CLOSES = dt.datetime(2020, 9, 12, 20, 0, tzinfo=BEIJING)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def clock():
    """Frozen at DECLARING; `clock.move_to(moment)` moves it."""
    with time_machine.travel(DECLARING, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def round2020(db):
    return factories.RoundFactory(year=2020, phase=Phase.DECLARATION)


@pytest.fixture
def filling(round2020, applicant, employer):
    return factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.FILLING
    )


@pytest.fixture
def login(client):
    """login(user) -> a client logged in as that user (a fresh client per call)."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make
