"""Shared view helpers: the acting party, the round, domain errors as messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from workflow import roles
from workflow.exceptions import DomainError


def applicant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in with an Applicant record; the view gets it as `request.applicant`."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        applicant = roles.applicant_of_request_user(request.user)
        if applicant is None:
            raise PermissionDenied("此页面仅供申请人使用。")
        request.applicant = applicant  # type: ignore[attr-defined]
        # Kept on the user's reverse one-to-one too (when it was not read with the user): the
        # navigation's `user.applicant` then reads no second copy.
        request.user.applicant = applicant
        return view(request, *args, **kwargs)

    return wrapped


def unit_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in as a unit administrator; `request.employers` are the units they act for."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        employers = list(roles.employers_of(request.user))
        if not employers:
            raise PermissionDenied("此页面仅供用人单位经办人使用。")
        request.employers = employers  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def report(request: HttpRequest, error: Exception) -> None:
    """A refused action as a message the user reads (domain messages are already Chinese)."""
    if isinstance(error, ValidationError):
        for text in error.messages:
            messages.error(request, text)
    elif isinstance(error, DomainError):
        messages.error(request, error.message)
    else:  # pragma: no cover - programming errors are not swallowed
        raise error


def back(request: HttpRequest, fallback: str, *args: Any) -> HttpResponse:
    return redirect(fallback, *args)
