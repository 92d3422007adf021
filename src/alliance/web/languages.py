"""Which language a page speaks: the staff member's choice, or the client's.

Django's LocaleMiddleware picks the browser's language (Accept-Language) for
every request, so the login page and anything before sign-in follow the
browser. Staff who chose an interface language get it on every page
(StaffLanguageMiddleware, installed after AuthenticationMiddleware). Pages a
client sees (questionnaire, consent, crisis, personal page) and what is sent
to a client (e-mails, text messages) speak the client's preferred language,
whoever holds the device: ``use_client_language`` and ``client_language``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from alliance.instruments import Instrument
from alliance.instruments.translations import ORIGINAL_LANGUAGE, translate


def language_choices() -> list[tuple[str, str]]:
    """The shipped interface languages, each named in its own language."""
    return [(code, name) for code, name in settings.LANGUAGES]


def supported(code: str | None) -> str:
    """``code`` if Django ships it for this site, else the default language.

    A client or staff row keeps the code it was saved with; if a language is later
    removed from LANGUAGES the pages fall back to the default rather than erroring.
    """
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


class StaffLanguageMiddleware:
    """Activate the signed-in staff member's chosen interface language, if they chose one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and chosen:
            code = supported(chosen)
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)


def use_client_language(request: HttpRequest, client: Any) -> str:
    """Speak the client's preferred language for the rest of this request; returns the code.

    Called by every view that shows a client page, so a therapist's tablet in the
    room shows the client's language, not the therapist's.
    """
    code = supported(getattr(client, "language", ""))
    translation.activate(code)
    request.LANGUAGE_CODE = code
    return code


@contextmanager
def client_language(client: Any) -> Iterator[str]:
    """Compose what is sent to a client (e-mail, text message) in their language."""
    code = supported(getattr(client, "language", ""))
    with translation.override(code):
        yield code


def instrument_in(instrument: Instrument, language: str) -> tuple[Instrument, str | None]:
    """The instrument in ``language`` and None, or the original and the language it is in.

    The second value is set only when no validated translation exists, so the
    page can say plainly that the questionnaire is only available in that
    language (and mark its text with that ``lang``) instead of falling back
    silently.
    """
    localised = translate(instrument, language)
    if localised is not None:
        return localised, None
    return instrument, ORIGINAL_LANGUAGE


__all__ = [
    "StaffLanguageMiddleware",
    "client_language",
    "instrument_in",
    "language_choices",
    "supported",
    "use_client_language",
]
