"""Security headers on every response: Content-Security-Policy and its companions.

Django's ``SecurityMiddleware`` already sends HSTS (on HTTPS), ``X-Content-Type-Options``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``, and ``XFrameOptionsMiddleware``
sends ``X-Frame-Options: DENY`` (see settings.py). This middleware adds the rest:

- ``Content-Security-Policy``: only the app's own files. The app has no JavaScript and
  no inline styles (charts and QR codes are SVG drawn with presentation attributes, the
  questionnaire progress bar is a ``<progress>`` element), so neither ``'unsafe-inline'``
  nor nonces are needed; ``data:`` images are allowed for SVG drawn on the server.
  ``frame-ancestors 'none'`` is the CSP form of ``X-Frame-Options: DENY``.
- ``Permissions-Policy``: no camera, microphone, location, payment and the like.
- ``Cross-Origin-Resource-Policy: same-origin``: other sites cannot embed our responses.

A view that needs a different policy sets the header itself; it is then left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Resource-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Add :data:`HEADERS` to every response that does not already carry them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        for name, value in HEADERS.items():
            if name not in response:
                response[name] = value
        return response


NO_STORE = "no-store"


class NoStoreMiddleware:
    """``Cache-Control: no-store`` and ``Pragma: no-cache`` on every response but static files.

    Staff pages, the client's questionnaire link and portal, reports, exports and the
    API all carry client data or a form with its token, so no browser or proxy may keep
    them (the back button after sign-out, a shared computer, a clinic proxy). Marking
    every response here means a new page cannot forget it; a view that already says
    ``no-store`` (``never_cache``) keeps its own header. Static files (``STATIC_URL``)
    keep the caching WhiteNoise gives them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"
        if not self.static_prefix.startswith("/"):
            self.static_prefix = "/" + self.static_prefix

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        if NO_STORE not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        response["Pragma"] = "no-cache"
        return response
