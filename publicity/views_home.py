"""The home page sends each role to its own place; visitors see how to start and the
published lists. It lives at the top of the graph (docs/architecture.md): it shows
publicity's lists and links every app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from publicity.selectors import publications_recent
from workflow import roles

ROLE_HOMES = {
    "applicant": "workflow:applicant",
    "unit_admin": "workflow:unit",
    "reviewer": "/review/",
    "administrator": "/review/",
    "credit_platform": "publicity:credit_exports",
    "quota_approver": "publicity:approvals",
    "district_office": "publicity:settlement_queue",
}


def home(request: HttpRequest) -> HttpResponse:
    target = ROLE_HOMES.get(roles.role_of(request.user))
    if target is not None:
        return redirect(target)
    return render(
        request,
        "home.html",
        {"role": roles.role_of(request.user), "publications": publications_recent()},
    )
