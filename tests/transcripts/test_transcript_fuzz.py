"""Fuzzing the parsers: any input gives utterances or a TranscriptParseError naming a line."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance.transcripts.parse import FORMATS, TranscriptParseError, Utterance, parse_transcript

FRAGMENTS = [
    "WEBVTT",
    "\ufeffWEBVTT",
    "NOTE x",
    "STYLE",
    "1",
    "42",
    "00:00:01.000 --> 00:00:02.000",
    "00:00:03,500 --> 00:00:04,000",
    "00:05.000 --> 00:06.000 align:start",
    "99:59:59.999 --> 00:00:00.000",
    "-->",
    "T: hello",
    "C: I want to stop.",
    "Therapist: how are you?",
    "Client:",
    "Dr Lee: hi",
    "[Client] fine",
    "<v Sam>yes</v>",
    "<v.x Dr Lee>no",
    "<b>bold</b> &amp; &#0; &#xD800;",
    "[00:00:05] T: timed",
    "12:30 T: noon",
    "transcript_id,utterance_id,interlocutor,timestamp,utterance_text",
    "1,0,therapist,00:00:01,hi",
    '1,1,client,,"quoted, text"',
    "1,x,client,,bad",
    '"unterminated',
    "",
    " ",
    "\t",
    "\r",
    "\x00",
    "\u2028",
]

lines = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=25)
documents = st.one_of(st.text(max_size=400), lines.map("\n".join), lines.map("\r\n".join))


def _check(text: str, fmt: str) -> None:
    try:
        utts = parse_transcript(text, format=fmt, roles={"Dr Lee": "therapist", "Sam": "client"})
    except TranscriptParseError as exc:
        assert isinstance(exc, ValueError)
        m = re.match(r"line (\d+): \S", str(exc))
        assert m is not None, str(exc)
        assert int(m.group(1)) == exc.line >= 1
        return
    assert utts
    for u in utts:
        assert isinstance(u, Utterance)
        assert u.interlocutor in ("therapist", "client")
        assert u.text and u.text == u.text.strip()
        assert u.start is None or u.start >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, fmt=st.sampled_from(FORMATS))
def test_any_input_gives_utterances_or_an_error_with_a_line(text: str, fmt: str) -> None:
    _check(text, fmt)


@settings(max_examples=60, deadline=None)
@given(
    text=st.binary(max_size=200).map(lambda b: b.decode("latin-1")), fmt=st.sampled_from(FORMATS)
)
def test_binary_looking_input_never_crashes(text: str, fmt: str) -> None:
    _check(text, fmt)
