"""A clinic's upload whose answers could not be shown or stored is refused on the upload page.

Too many answers (a 0-10 line in steps of 0.000000001 made every questionnaire
page list 10^10 choices) and numbers that are not finite (``nan``, ``inf``,
which then failed to save) are caught by the core validation, so the page
says what to fix and nothing is kept.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from upload_helpers import SCORING, SRS_LIKE, upload

from alliance.instruments import dumps, registry
from alliance.web.custominstruments.models import CustomInstrument


def _toml(instrument_id: str, new_id: str) -> str:
    return dumps(registry()[instrument_id].model_copy(update={"id": new_id}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _toml("session_feedback", "feedback_local").replace("step = 1.0", "step = 0.000000001"),
            "more than 101 possible answers",
        ),
        (
            _toml("gad7", "gad7_local").replace("value = 3.0,", "value = nan,"),
            "response.options[3].value: Input should be a finite number",
        ),
        (
            _toml("gad7", "gad7_local").replace("value = 3.0,", "value = inf,"),
            "response.options[3].value: Input should be a finite number",
        ),
    ],
    ids=["too-many-choices", "nan-option", "inf-option"],
)
def test_an_instrument_file_that_cannot_be_shown_or_stored_is_refused_with_the_reason(
    client: HttpClient, ada, text: str, message: str
) -> None:
    client.force_login(ada)
    page = upload(client, text.encode(), name="local.toml")
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not CustomInstrument.objects.exists()


def test_a_fhir_questionnaire_with_too_wide_a_numeric_range_is_refused(
    client: HttpClient, ada
) -> None:
    wide = json.loads(json.dumps(SRS_LIKE))
    wide["item"][0]["extension"][1]["valueInteger"] = 1_000_000
    client.force_login(ada)
    page = upload(client, json.dumps(wide).encode(), scoring=SimpleUploadedFile("s.toml", SCORING))
    assert page.status_code == 400
    assert "more than 101 possible answers" in page.content.decode()
    assert not CustomInstrument.objects.exists()


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("deep.toml", ("a = " + "[" * 5000 + "]" * 5000).encode()),
        ("deep.json", ("[" * 5000 + "]" * 5000).encode()),
    ],
)
def test_a_deeply_nested_upload_is_refused_not_a_500(
    client: HttpClient, ada, name: str, body: bytes
) -> None:
    client.force_login(ada)
    client.raise_request_exception = False
    page = upload(client, body, name=name)
    assert page.status_code == 400
