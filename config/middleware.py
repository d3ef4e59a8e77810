"""Project-wide HTTP middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class ContentSecurityPolicyMiddleware:
    """Adds settings.CONTENT_SECURITY_POLICY to every response that has none of its own.

    In Django rather than only in nginx, so development and the tests run under the policy
    production enforces: an inline script added to a template breaks there first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class AdminQueryWithoutNulMiddleware:
    """The admin's lists read their filters and search straight from the query string
    (Django's code and django-import-export's, not ours), and PostgreSQL refuses a NUL in a
    statement: `?kind=a%00` was a 500. Such a request goes back to the page without its
    parameters, with a message naming them. Only the admin: every other page reads its
    query through a form, which says so next to the field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path.startswith(reverse("admin:index")):
            names = sorted(
                name.replace("\x00", "\\0")
                for name, values in request.GET.lists()
                if "\x00" in name or any("\x00" in value for value in values)
            )
            if names:
                messages.error(
                    request, f"地址中的参数 {'、'.join(names)} 含有空字符（\\0），已忽略。"
                )
                return HttpResponseRedirect(request.path)
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for login throttling (settings.AXES_CLIENT_IP_CALLABLE).

    Behind nginx (settings.BEHIND_PROXY), X-Real-IP, which nginx sets from the connection
    itself and so overwrites whatever the client sent; without a proxy, the connection's.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")
