"""Passwords are stored with Argon2id at the OWASP configuration, and accounts made before
keep signing in (their PBKDF2 hash is re-hashed at their next login)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from config import settings as project_settings

pytestmark = pytest.mark.django_db
PASSWORD = "正确的马电池订书钉"


@pytest.fixture
def deployed_hashers(settings):
    # The suite hashes with MD5 for speed (tests/conftest.py); these tests use the real ones.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_a_new_password_is_stored_with_argon2id_at_owasp_strength(deployed_hashers):
    user = get_user_model().objects.create_user("unit-clerk", password=PASSWORD)
    algorithm, variety, _version, parameters, *_ = user.password.split("$")
    assert (algorithm, variety) == ("argon2", "argon2id")
    assert parameters == "m=19456,t=2,p=1"
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


def test_an_account_made_with_pbkdf2_signs_in_and_is_stored_anew_with_argon2id(
    deployed_hashers, client
):
    user = get_user_model().objects.create(
        username="unit-clerk", password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    wrong = client.post("/accounts/login/", {"username": "unit-clerk", "password": "不对"})
    assert wrong.status_code == 200  # the form again, with its error
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")

    signed_in = client.post("/accounts/login/", {"username": "unit-clerk", "password": PASSWORD})
    assert signed_in.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
