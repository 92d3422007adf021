"""Parsers: WebVTT (Zoom, Teams), SRT, plain text, AnnoMI CSV, and their errors."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import alliance.transcripts
from alliance.errors import DataError
from alliance.transcripts import parse
from alliance.transcripts.parse import (
    TranscriptParseError,
    detect_format,
    format_time,
    parse_transcript,
    read_transcript,
)

ROLES = {"Dr Lee": "therapist", "Sam": "client"}


def test_docstring_examples_run() -> None:
    assert doctest.testmod(parse).failed == 0
    assert doctest.testmod(alliance.transcripts).failed == 0


def test_zoom_vtt_reads_speakers_times_and_merges_cues_of_one_speaker(data_dir: Path) -> None:
    utts = read_transcript(data_dir / "session.vtt", roles=ROLES)
    assert [u.interlocutor for u in utts[:4]] == ["therapist", "client", "therapist", "client"]
    assert utts[0].speaker == "Dr Lee"
    assert utts[0].start == 1.0 and utts[0].end == 5.0
    assert utts[0].transcript_id == "session"
    assert [u.utterance_id for u in utts] == list(range(len(utts)))
    # Teams-style voice tag in the last cue
    assert utts[-1].text.startswith("It sounds like I pushed too hard")
    assert utts[-1].interlocutor == "therapist"


def test_vtt_joins_consecutive_cues_of_the_same_speaker() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nT: Hello.\n\n"
        "00:00:02.000 --> 00:00:03.000\nC: I came because\n\n"
        "00:00:03.000 --> 00:00:05.500\nC: my doctor said so.\n"
    )
    utts = parse_transcript(vtt, format="vtt")
    assert [u.text for u in utts] == ["Hello.", "I came because my doctor said so."]
    assert utts[1].start == 2.0 and utts[1].end == 5.5
    unmerged = parse_transcript(vtt, format="vtt", merge=False)
    assert len(unmerged) == 3


def test_teams_vtt_voice_tags_entities_and_notes_are_handled() -> None:
    vtt = (
        "\ufeffWEBVTT - exported\n\nNOTE Teams export\nsecond note line\n\n"
        "a1b2-c3/15-0\n00:01.000 --> 00:03.250 align:start\n<v Dr Lee>Salt &amp; pepper?</v>\n\n"
        "a1b2-c3/16-0\n00:04.000 --> 00:05.000\n<v.loud Sam>No &lt;thanks&gt;.</v>\n"
    )
    utts = parse_transcript(vtt, format="vtt", roles=ROLES)
    assert [(u.speaker, u.interlocutor, u.text) for u in utts] == [
        ("Dr Lee", "therapist", "Salt & pepper?"),
        ("Sam", "client", "No <thanks>."),
    ]
    assert utts[0].start == 1.0 and utts[0].end == 3.25


def test_roles_accept_letters_and_ignore_case_and_spaces() -> None:
    utts = parse_transcript(
        "dr  lee: Hi.\nSAM: Hello.", format="txt", roles={"Dr Lee": "T", "sam": "c"}
    )
    assert [u.interlocutor for u in utts] == ["therapist", "client"]


def test_srt_reads_numbers_timings_and_bracketed_names(data_dir: Path) -> None:
    utts = read_transcript(data_dir / "session.srt")
    assert [u.interlocutor for u in utts] == ["therapist", "client", "therapist"]
    assert utts[1].text == "I keep arguing with my partner. It's exhausting."
    assert utts[2].start == 10.5
    assert utts[2].text == "You're worn out by the arguing."


def test_plain_text_reads_prefixes_times_and_continuation_lines(data_dir: Path) -> None:
    utts = read_transcript(data_dir / "session.txt")
    assert [u.interlocutor for u in utts] == ["therapist", "client", "therapist", "client"]
    assert utts[1].text == "Not great. I stopped going to the gym and I feel bad about it."
    assert utts[0].start == 1.0 and utts[1].start == 6.0 and utts[2].start is None
    assert utts[3].line == 6


def test_plain_text_with_a_mapping_reads_other_colons_as_speech() -> None:
    text = "Ana: Welcome.\nBen: Thanks.\nNote: this is what I wrote down."
    utts = parse_transcript(text, format="txt", roles={"Ana": "therapist", "Ben": "client"})
    assert len(utts) == 2
    assert utts[1].text == "Thanks. Note: this is what I wrote down."


def test_annomi_csv_keeps_ids_and_several_transcripts(data_dir: Path) -> None:
    utts = read_transcript(data_dir / "annomi_small.csv")
    assert [(u.transcript_id, u.utterance_id) for u in utts] == [
        ("7", 0),
        ("7", 1),
        ("7", 2),
        ("8", 0),
        ("8", 1),
    ]
    assert utts[1].interlocutor == "client"
    assert utts[2].start == 11.0
    assert utts[0].line == 2


@pytest.mark.parametrize(
    ("text", "fmt", "line", "words"),
    [
        ("Hello there\nT: hi", "txt", 1, "speaker prefix"),
        ("T: fine\nBob Smith: hi", "txt", 2, "'Bob Smith' has no role"),
        ("", "txt", 1, "no speaker turns"),
        ("WEBVTX\n", "vtt", 1, "must start with 'WEBVTT'"),
        ("WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\nT: x", "vtt", 4, "cue timing"),
        ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nhello", "vtt", 5, "no speaker"),
        ("WEBVTT\n\nidentifier only", "vtt", 3, "timing line"),
        ("1\n00:00:05,000 --> 00:00:01,000\nT: x", "srt", 2, "ends before it starts"),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nT: x\n\nxx\n00:00:03,000 --> 00:00:04,000\nC: y",
            "srt",
            5,
            "subtitle number",
        ),
        ("", "srt", 1, "no subtitles"),
        ("transcript_id,utterance_id,interlocutor,timestamp\n", "annomi", 1, "utterance_text"),
        (
            "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n1,0,therapist,,hi\n"
            "1,1,coach,,x",
            "annomi",
            3,
            "therapist or client",
        ),
        (
            "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n1,x,client,,hi",
            "annomi",
            2,
            "whole number",
        ),
        (
            "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n1,3,client,,a\n1,2,client,,b",
            "annomi",
            3,
            "not after 3",
        ),
        (
            "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n1,0,client,noon,a",
            "annomi",
            2,
            "timestamp",
        ),
        (
            "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n1,0,client",
            "annomi",
            2,
            "expected 5 fields",
        ),
    ],
)
def test_errors_name_the_line_and_the_reason(text: str, fmt: str, line: int, words: str) -> None:
    with pytest.raises(TranscriptParseError) as info:
        parse_transcript(text, format=fmt)
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}: ")
    assert words in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DataError)


def test_read_errors_name_the_file_and_the_line_of_bad_bytes(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_bytes(b"T: hi\nC: caf\xe9\n")
    with pytest.raises(TranscriptParseError, match=r"s\.txt: line 2: not UTF-8"):
        read_transcript(f)


def test_unknown_format_and_bad_role_are_value_errors() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        parse_transcript("T: x", format="docx")
    with pytest.raises(ValueError, match="therapist or client"):
        parse_transcript("T: x", format="txt", roles={"Ann": "coach"})


def test_format_is_detected_from_name_and_content() -> None:
    assert detect_format("a.vtt", "") == "vtt"
    assert detect_format("a.txt", "\ufeffWEBVTT\n") == "vtt"
    assert detect_format("a.srt", "") == "srt"
    assert detect_format("a", "1\n00:00:01,000 --> 00:00:02,000\nT: x") == "srt"
    assert detect_format("a.csv", "") == "annomi"
    assert (
        detect_format("a", "transcript_id,utterance_id,interlocutor,timestamp,utterance_text")
        == "annomi"
    )
    assert detect_format("a", "T: hi") == "txt"


def test_format_time_writes_hours_minutes_seconds() -> None:
    assert format_time(None) == ""
    assert format_time(0.9) == "00:00:00"
    assert format_time(3725.4) == "01:02:05"
