import datetime as dt

import pytest

from tests import factories
from workflow.models import BEIJING, Phase


def at(*args: int) -> dt.datetime:
    """Beijing wall-clock moment."""
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def round2020(db):
    return factories.RoundFactory(year=2020, phase=Phase.DECLARATION)


@pytest.fixture
def filling(round2020, applicant, employer):
    """The applicant's application, employer confirmed, being filled in."""
    return factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state="filling"
    )
