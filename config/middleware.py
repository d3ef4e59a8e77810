"""Project-wide HTTP middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
