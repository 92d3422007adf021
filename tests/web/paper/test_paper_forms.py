"""Paper forms: printed for every instrument and language; entered through the one way in.

c1's session 4 has no answers yet; its plan asks the client for SAI, WAI-SR,
session feedback, PHQ-9 and GAD-7.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from web_factories import ANSWERS, core_scores, same_scores, step_data

from alliance.instruments import builtin
from alliance.web.alerts.models import Alert
from alliance.web.audit.models import AuditEvent
from alliance.web.measures.models import Response
from alliance.web.paper.views import paper_form_html

CLIENT_INSTRUMENTS = sorted(i.id for i in builtin().values() if i.respondent == "client")


def _post(client: Any, session: Any, instrument: str, answers: dict[str, Any], day: dt.date) -> Any:
    data = {**step_data(instrument, answers), "answered_on": day.isoformat()}
    return client.post(reverse("paper:enter", args=[session.pk, instrument]), data)


def test_paper_answers_are_stored_scored_and_marked_as_paper(client: Any, alice: Any, c1_sessions: Any) -> None:
    session = c1_sessions[3]
    client.force_login(alice)
    day = session.date
    answer = _post(client, session, "gad7", ANSWERS["gad7"], day)
    assert answer.status_code == 302
    response = Response.objects.get(session=session, instrument="gad7", respondent="client")
    assert response.source == "paper"
    assert response.submitted_by == alice
    assert timezone.localdate(response.submitted_at) == day
    assert same_scores(response.scores, core_scores("gad7", response.answers))
    assert AuditEvent.objects.filter(object_id=str(response.pk), detail__via="paper").exists()


def test_paper_entry_raises_the_urgent_alert(
    client: Any, alice: Any, c1_sessions: Any, django_capture_on_commit_callbacks: Any
) -> None:
    session = c1_sessions[3]
    client.force_login(alice)
    risky = {**ANSWERS["phq9"], "9": 2.0}
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session, "phq9", risky, session.date)
    urgent = Alert.objects.filter(episode=session.episode, severity="urgent", session_number=session.number)
    assert urgent.exists()


def test_date_on_the_form_cannot_be_in_the_future_or_before_the_session(client: Any, alice: Any, c1_sessions: Any) -> None:
    session = c1_sessions[3]
    client.force_login(alice)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert _post(client, session, "gad7", ANSWERS["gad7"], tomorrow).status_code == 400
    assert _post(client, session, "gad7", ANSWERS["gad7"], session.date - dt.timedelta(days=1)).status_code == 400
    assert not Response.objects.filter(session=session, instrument="gad7").exists()


def test_missing_answer_is_refused_and_nothing_stored(client: Any, alice: Any, c1_sessions: Any) -> None:
    session = c1_sessions[3]
    client.force_login(alice)
    partial = dict(list(ANSWERS["gad7"].items())[:-1])
    assert _post(client, session, "gad7", partial, session.date).status_code == 400
    assert not Response.objects.filter(session=session, instrument="gad7").exists()


def test_other_answers_already_stored_are_kept_not_overwritten(client: Any, alice: Any, c1_sessions: Any) -> None:
    session = c1_sessions[0]  # answered already
    client.force_login(alice)
    before = Response.objects.get(session=session, instrument="gad7", respondent="client").answers
    changed = {k: (0.0 if v else 1.0) for k, v in ANSWERS["gad7"].items()}
    _post(client, session, "gad7", changed, session.date)
    assert Response.objects.get(session=session, instrument="gad7", respondent="client").answers == before


def test_only_instruments_in_the_plan_can_be_entered(client: Any, alice: Any, c1_sessions: Any) -> None:
    client.force_login(alice)
    assert client.get(reverse("paper:enter", args=[c1_sessions[3].pk, "cnip"])).status_code == 404


def test_session_page_lists_paper_forms_to_print_and_enter(client: Any, alice: Any, c1_sessions: Any) -> None:
    client.force_login(alice)
    html = client.get(reverse("care:session", args=[c1_sessions[3].pk])).content.decode()
    assert reverse("paper:enter", args=[c1_sessions[3].pk, "phq9"]) in html
    for code, _name in settings.LANGUAGES:
        assert reverse("paper:form_pdf", args=["phq9", code]) in html


def _printed(html: str) -> list[tuple[int, str, list[str]]]:
    rows = []
    for n, body in re.findall(r'<li class="item" data-n="(\d+)">(.*?)</li>', html, re.S):
        text = unescape(re.search(r'<span class="text">(.*?)</span>', body, re.S).group(1))
        options = [unescape(o) for o in re.findall(r'<span class="box"></span>(.*?)</span>', body, re.S)]
        rows.append((int(n), text, options))
    return rows


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize("instrument_id", CLIENT_INSTRUMENTS)
def test_printed_form_has_the_instrument_files_items_and_answers_in_order(
    db: None, instrument_id: str, language: str
) -> None:
    instrument = builtin()[instrument_id]
    printed = _printed(paper_form_html(None, instrument_id, language))
    assert [n for n, _t, _o in printed] == [i.n for i in instrument.items]
    for (n, text, options), item in zip(printed, instrument.items, strict=True):
        if instrument.name_placeholder and instrument.name_placeholder in item.text:
            continue  # the therapist's name is printed as "my therapist"
        assert text == item.text, (instrument_id, n)
        scale = instrument.response_for(n)
        if scale.kind == "choice":
            assert options == [o.label for o in scale.options], (instrument_id, n)


def test_spanish_paper_form_says_the_questionnaire_is_only_in_english(db: None) -> None:
    html = paper_form_html(None, "phq9", "es")
    assert '<html lang="es">' in html
    assert "solo está disponible en inglés" in html
    assert "Marque una casilla para cada pregunta." in html


def test_paper_form_downloads_as_pdf(client: Any, alice: Any) -> None:
    client.force_login(alice)
    answer = client.get(reverse("paper:form_pdf", args=["gad7", "es"]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content[:5] == b"%PDF-"


def test_unknown_language_or_instrument_is_not_found(client: Any, alice: Any) -> None:
    client.force_login(alice)
    assert client.get(reverse("paper:form_pdf", args=["gad7", "xx"])).status_code == 404
    assert client.get(reverse("paper:form_pdf", args=["nope", "es"])).status_code == 404


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    return " ".join(page.get_textpage().get_text_range() for page in document)


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_printed_pdf_shows_every_item_in_the_instrument_files_order(client: Any, alice: Any, language: str) -> None:
    client.force_login(alice)
    text = " ".join(_pdf_text(client.get(reverse("paper:form_pdf", args=["phq9", language])).content).split())
    positions = [text.find(" ".join(item.text.split())[:40]) for item in builtin()["phq9"].items]
    assert -1 not in positions and positions == sorted(positions)
    options = [text.find(o.label) for o in builtin()["phq9"].response.options]
    assert -1 not in options and options == sorted(options)


def test_spanish_clients_pdf_report_is_in_spanish(client: Any, alice: Any, c1: Any, c1_sessions: Any) -> None:
    type(c1).objects.filter(pk=c1.pk).update(language="es")
    client.force_login(alice)
    pdf = client.get(reverse("reports:client_report_pdf", args=[c1.pk])).content
    assert "Informe de progreso" in _pdf_text(pdf)
