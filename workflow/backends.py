"""Applicants log in by typing their identity number; their user name says nothing about them.

The number is found through its blind index (workflow.crypto), never stored as a user name,
so neither auth_user nor an audit row's actor label nor django-axes's lock keys carry it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from ranking.policy.identity import parse_id_number
from workflow import crypto
from workflow.models import Applicant


def _as_id_number(typed: str) -> str | None:
    try:
        return parse_id_number(typed or "").number
    except ValueError:
        return None


def _account_of(number: str) -> Any:
    applicant = Applicant.objects.by_id_number(number).select_related("user").first()
    return applicant.user if applicant is not None else None


def account_name(typed: str) -> str:
    """The name a login attempt counts against: for an identity number, the account's user
    name, or (no such account) a keyed hash of the number, so an unknown number locks just
    like a known one and the lock's key never holds the number. Anything else as typed."""
    typed = (typed or "").strip()
    number = _as_id_number(typed)
    if number is None:
        return typed
    user = _account_of(number)
    if user is not None:
        return user.get_username()
    return "id_" + crypto.id_number_index(number)[:32]


def login_key(request: Any, credentials: dict[str, Any] | None = None) -> str:
    """settings.AXES_USERNAME_CALLABLE: django-axes counts failures and locks per account."""
    if credentials and "username" in credentials:
        typed = credentials["username"]
    else:
        typed = getattr(request, "POST", {}).get("username", "")
    return account_name(typed or "")


class AccountBackend(ModelBackend):
    """ModelBackend whose user arrives with their applicant record (or its absence), in the
    one query that reads the user on every request.

    Every portal page asked for the applicant again, in the decorator and the navigation
    (issue 13: a query, about a twentieth of the applicant's dashboard). Read in the same
    query as the user at the start of the request, it is exactly as fresh as reading it next.
    The reviewer's profile is not joined: that join costs about what its own query does."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("applicant").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class IdentityNumberBackend(AccountBackend):
    """An applicant's identity number (any case, spaces around) and password. Anything that is
    not an identity number is left to AccountBackend (units, reviewers, administrators)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        number = _as_id_number(username or "")
        if number is None or password is None:
            return None
        user = _account_of(number)
        if user is None:
            # The password hash an existing account would have cost: the time taken does not
            # tell whether a number has an account.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
