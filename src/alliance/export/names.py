"""Column names that look like direct identifiers, or like identifiers of any kind.

A name is split into lower-case words (at ``_``, ``-``, spaces, dots and
camelCase), so ``ip`` matches ``client_ip`` but not ``relationship``.

>>> direct_identifier_reason("clientEmail")
"the name looks like a direct identifier ('email')"
>>> looks_like_identifier("client_code"), looks_like_identifier("session")
(True, False)
"""

from __future__ import annotations

import re

# Whole words that mark a direct identifier (HIPAA Safe Harbor's list, 45 CFR 164.514(b)(2),
# and the UK NHS number): names, contact details, places, birth dates, record numbers.
_WORDS = frozenset(
    {
        "name", "names", "firstname", "lastname", "surname", "forename", "forenames",
        "fullname", "givenname", "familyname", "middlename", "initials", "username",
        "email", "mail", "phone", "telephone", "tel", "mobile", "cell", "fax",
        "address", "street", "addr", "city", "town", "postcode", "zip", "zipcode",
        "postal", "birth", "birthday", "birthdate", "dob", "nhs", "ssn", "mrn", "nino",
        "ip", "ipaddress", "passport", "licence", "license", "url", "website", "photo",
        "signature", "account", "iban",
    }
)  # fmt: skip
# Longer pieces that are unambiguous inside a run-together name ("emailaddress", "dateofbirth").
_PIECES = (
    "email", "phone", "address", "postcode", "zipcode", "birth", "surname", "firstname",
    "lastname", "fullname", "username", "passport", "nhsnumber", "socialsecurity",
)  # fmt: skip
# Words that mark a key of some kind (a record number that links back to a person).
_KEY_WORDS = frozenset({"id", "ids", "uuid", "guid", "code", "key", "identifier", "number_id"})


def words(name: str) -> list[str]:
    """Lower-case words of a column name.

    >>> words("clientEmail_address"), words("wai_sr_1")
    (['client', 'email', 'address'], ['wai', 'sr', '1'])
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def direct_identifier_reason(name: str) -> str | None:
    """Why the name looks like a direct identifier, or None."""
    parts = words(name)
    for w in parts:
        if w in _WORDS:
            return f"the name looks like a direct identifier ({w!r})"
    joined = "".join(parts)
    for piece in _PIECES:
        if piece in joined:
            return f"the name looks like a direct identifier ({piece!r})"
    return None


def looks_like_identifier(name: str) -> bool:
    """A name such as ``client_id``, ``caseId`` or ``record_code``: a key that needs a pseudonym."""
    return any(w in _KEY_WORDS for w in words(name))


def looks_like_date(name: str) -> bool:
    """A name such as ``session_date``, ``started_at`` or ``visit_day``.

    >>> looks_like_date("session_date"), looks_like_date("submitted_at"), looks_like_date("days")
    (True, True, False)
    """
    parts = words(name)
    return bool(parts) and (
        any(w in ("date", "dates", "datetime", "timestamp", "time") for w in parts)
        or parts[-1] in ("at", "on")
    )
