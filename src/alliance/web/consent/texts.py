"""Plain-language texts shown to clients. Versioned so consent records say what was shown.

The version names the wording. ``CONSENT_TEXT`` is that wording in English (its
hash is what consent records keep); a client sees it in their own language
through ``consent_text()``, whose translation is of the same version. A change
of wording gets a new version.
"""

from django.utils.translation import gettext, gettext_noop

CONSENT_VERSION = "2026-11-v1"

CONSENT_TEXT = [
    gettext_noop(
        "Your therapist uses a few short questions after each session to check how therapy is going "
        "for you, and how the two of you are working together."
    ),
    gettext_noop(
        "Your answers go to your therapist and, if needed, their clinical supervisor at this clinic. "
        "Nobody else at the clinic sees them, and they are never shared outside it without your "
        "agreement, except where the law requires it."
    ),
    gettext_noop(
        "There is one limit to confidentiality: if you tell us you might be in danger, or that "
        "someone else might be, your therapist may need to act to keep people safe. They will talk "
        "to you about it first wherever they can."
    ),
    gettext_noop(
        "You can skip questions you would rather not answer where the form allows it, stop at any "
        "time, and ask to see or delete what you have told us."
    ),
    gettext_noop(
        "These questions do not replace talking to your therapist. If something matters, please "
        "say so in your session too."
    ),
]


def consent_text() -> list[str]:
    """The consent paragraphs in the active language (the client's, on their pages)."""
    return [gettext(paragraph) for paragraph in CONSENT_TEXT]
