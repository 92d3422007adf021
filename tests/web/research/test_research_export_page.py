"""The research export at /research/: de-identified ZIPs for administrators and researchers.

The export check of issue #5: no direct identifier and no free text in any
column by default (every cell of every column is compared with the clinic's
client codes, e-mails, staff usernames and names, session and episode dates,
and the free-text answers stored by the fixtures); pseudonyms differ between
two exports of the same data.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pyreadstat
import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import ANSWERS, add_sessions, answer_sessions, episode_of, make_client, response

from alliance.web.accounts.models import User
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client, Episode, Session
from alliance.web.measures.models import Respondent, Response

URL = "/research/"
X1_WORDS = "Charlie's client writes about Southbank"


@pytest.fixture
def clinic(c1_sessions, alice, bob, sue, ada, rita, x1, charlie) -> dict[str, Any]:
    """c1's three answered sessions plus varied answers and a therapist form; x1 answered too."""
    response(c1_sessions[3], "session_feedback", ANSWERS["session_feedback"])
    response(c1_sessions[3], "wai_sr_t", respondent=Respondent.THERAPIST)
    (x1_session,) = add_sessions(episode_of(x1), 1)
    response(x1_session, "session_feedback", {"1": X1_WORDS, "2": "Nothing else", "3": 9.0})
    response(x1_session, "phq9")
    return {"staff": [alice, bob, sue, ada, rita, charlie]}


def download(http: HttpClient, fmt: str = "csv", **extra: str) -> dict[str, bytes]:
    page = http.post(URL, {"format": fmt, **extra})
    assert page.status_code == 200, page.status_code
    assert page["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(page.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def data_of(files: dict[str, bytes]) -> pl.DataFrame:
    """The data file of an export, read back with polars or pyreadstat."""
    (name,) = [n for n in files if ".codebook." not in n]
    body = files[name]
    if name.endswith(".csv"):
        return pl.read_csv(io.BytesIO(body), infer_schema_length=0)
    if name.endswith(".parquet"):
        return pl.read_parquet(io.BytesIO(body))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(body)
        frame, _meta = pyreadstat.read_sav(str(path))
    return pl.from_pandas(frame)


def identifying_values(organisation_ids: list[int]) -> set[str]:
    """Everything that identifies someone or is their own words, as text."""
    found: set[str] = set()
    for c in Client.objects.filter(organisation_id__in=organisation_ids):
        found |= {c.code, c.email}
    for u in User.objects.all():
        found |= {u.username, u.first_name, u.last_name, u.email, u.get_full_name()}
    for s in Session.objects.all():
        found |= {s.date.isoformat(), s.date.strftime("%d/%m/%Y")}
    for e in Episode.objects.all():
        found |= {e.started.isoformat(), e.hoped_change}
    for r in Response.objects.all():
        found |= {v for v in r.answers.values() if isinstance(v, str)}
    return {v for v in found if v}


def leaks(frame: pl.DataFrame, secrets: set[str]) -> list[tuple[str, str]]:
    hits = []
    for column in frame.columns:
        for cell in frame[column].cast(pl.String).drop_nulls().unique().to_list():
            for secret in secrets:
                if cell == secret or (len(secret) >= 6 and secret.lower() in cell.lower()):
                    hits.append((column, cell))
    return hits


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sav"])
def test_no_identifier_date_or_free_text_in_any_cell_by_default(
    client: HttpClient, clinic, ada, fmt: str
) -> None:
    client.force_login(ada)
    frame = data_of(download(client, fmt))
    assert (
        frame.height
        == Response.objects.filter(session__episode__client__organisation=ada.organisation).count()
    )
    secrets = identifying_values([ada.organisation_id, clinic["staff"][-1].organisation_id])
    assert "Going well, I feel heard." in secrets and "C1-ALPHA" in secrets
    assert leaks(frame, secrets) == []
    assert not [c for c in frame.columns if c.startswith("session_feedback_") and
                c.removeprefix("session_feedback_") in ("1", "2")]  # fmt: skip
    assert frame["client_id"].str.contains(r"^C-[0-9a-f]{12}$").all()
    assert frame["therapist_id"].str.contains(r"^T-[0-9a-f]{12}$").all()


def test_the_export_holds_sessions_days_answers_and_scores(
    client: HttpClient, clinic, rita
) -> None:
    client.force_login(rita)
    frame = data_of(download(client, "parquet"))
    phq9 = frame.filter(pl.col("instrument") == "phq9").sort("session")
    assert phq9["session"].to_list() == [1, 2, 3]
    assert phq9["days_since_intake"].to_list() == [0, 7, 14]
    assert phq9["phq9_1"].to_list() == [1.0, 1.0, 1.0]
    assert phq9["phq9_total"].to_list() == [8, 8, 8]
    assert phq9["phq9_band"].cast(pl.String).to_list() == ["mild"] * 3
    therapist_form = frame.filter(pl.col("respondent") == "therapist")
    assert therapist_form["instrument"].to_list() == ["wai_sr_t"]
    assert therapist_form["wai_sr_t_total"].to_list() == [48]
    assert frame["client_id"].n_unique() == 1  # only c1 answered in clinic A


def test_pseudonyms_differ_between_two_exports_of_the_same_data(
    client: HttpClient, clinic, rita
) -> None:
    client.force_login(rita)
    first, second = data_of(download(client)), data_of(download(client))
    for column in ("client_id", "therapist_id", "episode_id"):
        assert not set(first[column]) & set(second[column]), column
    same = [c for c in first.columns if c not in ("client_id", "therapist_id", "episode_id")]
    assert first.select(same).equals(second.select(same))


def test_a_researcher_sees_only_her_own_clinics_rows(client: HttpClient, clinic, rita) -> None:
    client.force_login(rita)
    files = download(client, "csv")
    text = b"".join(files.values()).decode()
    assert X1_WORDS not in text and "X1-BRAVO" not in text
    frame = data_of(files)
    assert frame.height == 3 * 4 + 2  # c1: sessions 1-3 x 4 questionnaires, then 2 in session 4


def test_only_an_administrator_who_asks_gets_the_free_text(
    client: HttpClient, clinic, ada, rita
) -> None:
    client.force_login(rita)
    assert "include_text" not in client.get(URL).content.decode()
    refused = data_of(download(client, include_text="on"))
    assert "session_feedback_1" not in refused.columns
    client.force_login(ada)
    assert "include_text" in client.get(URL).content.decode()
    frame = data_of(download(client, include_text="on"))
    words = set(frame["session_feedback_1"].drop_nulls()) | set(
        frame["session_feedback_2"].drop_nulls()
    )
    assert words == {"Going well, I feel heard.", "Slowly getting somewhere.",
                     "Fewer questions at the start, please."}  # fmt: skip
    assert X1_WORDS not in words


def test_the_cell_check_finds_free_text_when_an_administrator_includes_it(
    client: HttpClient, clinic, ada
) -> None:
    client.force_login(ada)
    frame = data_of(download(client, include_text="on"))
    found = leaks(frame, identifying_values([ada.organisation_id]))
    assert ("session_feedback_1", "Going well, I feel heard.") in found


def test_the_zip_holds_the_data_and_both_codebooks(client: HttpClient, clinic, rita) -> None:
    client.force_login(rita)
    files = download(client, "sav")
    names = sorted(files)
    assert [n.split(".", 1)[1] for n in names] == ["codebook.csv", "codebook.md", "sav"]
    book = pl.read_csv(io.BytesIO(files[names[0]]), infer_schema_length=0)
    client_row = book.filter(pl.col("name") == "client_id").row(0, named=True)
    assert client_row["label"] == "Client (pseudonym)"
    item = book.filter(pl.col("name") == "phq9_9").row(0, named=True)
    assert item["instrument"] == "phq9" and item["item_text"]
    markdown = files[names[1]].decode()
    assert "`session_feedback_1`: text column (possible free text)" in markdown
    assert "`episode_start`: intake date" in markdown


@pytest.mark.parametrize("who", ["alice", "sue", "charlie", "bob"])
def test_therapists_and_supervisors_are_refused(
    client: HttpClient, clinic, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"format": "csv"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client: HttpClient, clinic) -> None:
    page = client.get(URL)
    assert page.status_code == 302 and "login" in page["Location"]


def test_each_download_is_audited_with_who_and_how_many_rows(
    client: HttpClient, clinic, rita
) -> None:
    client.force_login(rita)
    frame = data_of(download(client, "csv"))
    event = AuditEvent.objects.filter(action="export").latest("seq")
    assert event.actor == rita
    assert event.detail["rows"] == frame.height
    assert event.detail["format"] == "csv" and event.detail["with_text"] is False
    assert event.organisation_id == rita.organisation_id


def test_the_page_shows_the_form(client: HttpClient, clinic, rita) -> None:
    client.force_login(rita)
    page = client.get(reverse("research:export"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Research export" in body and 'value="sav"' in body


def test_an_unknown_format_is_a_form_error_not_a_file(client: HttpClient, clinic, rita) -> None:
    client.force_login(rita)
    page = client.post(URL, {"format": "xlsx"})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")


def test_a_clinic_without_answers_exports_an_empty_table(
    client: HttpClient, clinic_a, rita
) -> None:
    client.force_login(rita)
    frame = data_of(download(client, "csv"))
    assert frame.height == 0 and "client_id" in frame.columns


def grow(clinic_a, therapist, to: int) -> None:
    for i in range(Client.objects.filter(organisation=clinic_a).count(), to):
        client = make_client(clinic_a, therapist, f"LOAD-{i:03d}", email=f"l{i}@client.example")
        answer_sessions(add_sessions(episode_of(client), 3))


def test_the_export_runs_the_same_queries_for_3_or_30_clients(
    client: HttpClient, clinic_a, alice, rita, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(rita)
    grow(clinic_a, alice, 3)
    with CaptureQueriesContext(connection) as small:
        download(client)
    grow(clinic_a, alice, 30)
    with django_assert_max_num_queries(len(small)):
        frame = data_of(download(client))
    assert frame["client_id"].n_unique() == 30
    assert len(small) <= 12, [q["sql"] for q in small.captured_queries]


def test_an_administrators_spss_file_with_free_text_reads_back(
    client: HttpClient, clinic, ada
) -> None:
    client.force_login(ada)
    frame = data_of(download(client, "sav", include_text="on"))
    assert "Slowly getting somewhere." in frame["session_feedback_1"].to_list()
