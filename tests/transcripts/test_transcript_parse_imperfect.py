"""Imperfect files keep their good part: speaker-less cues, text before the first speaker,
malformed timestamps become notes; files with no speaker or no utterance stay errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance.transcripts.parse import (
    TranscriptParseError,
    parse_transcript,
    parse_with_notes,
    read_with_notes,
)

ROLES = {"Dr Lee": "therapist", "Sam": "client"}
HEADER = "transcript_id,utterance_id,interlocutor,timestamp,utterance_text\n"


def _vtt(*cues: str) -> str:
    blocks = [
        f"00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 1:02d}.500\n{c}" for i, c in enumerate(cues)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def test_a_speakerless_cue_between_cues_of_one_speaker_is_given_to_that_speaker() -> None:
    vtt = _vtt("Dr Lee: How are you?", "Sam: I have been", "better lately", "Sam: mostly.")
    parsed = parse_with_notes(vtt, format="vtt", roles=ROLES)
    assert [u.text for u in parsed.utterances] == [
        "How are you?",
        "I have been better lately mostly.",
    ]
    assert [(n.kind, n.speaker, n.line) for n in parsed.notes] == [("attributed", "Sam", 10)]
    assert parsed.summary() == [
        "1 cue without a speaker was given to the speaker of the cues around it."
    ]


def test_a_speakerless_cue_where_the_speaker_changes_is_kept_out_with_its_text() -> None:
    vtt = _vtt("Dr Lee: How are you?", "uh huh so", "Sam: Fine.", "Dr Lee: Good.")
    parsed = parse_with_notes(vtt, format="vtt", roles=ROLES)
    assert [u.text for u in parsed.utterances] == ["How are you?", "Fine.", "Good."]
    assert [u.utterance_id for u in parsed.utterances] == [0, 1, 2]
    (kept,) = parsed.notes
    assert (kept.kind, kept.line, kept.text) == ("kept_out", 7, "uh huh so")
    assert "between two speakers" in kept.message
    assert parsed.count("kept_out") == 1
    assert parsed.summary() == ["1 line without a speaker was kept out of the labels (line 7)."]


def test_leading_speakerless_cues_are_kept_out_and_trailing_ones_go_to_the_last_speaker() -> None:
    vtt = _vtt("Recording in progress", "Dr Lee: Welcome.", "Sam: Thanks.", "see you next week")
    parsed = parse_with_notes(vtt, format="vtt", roles=ROLES)
    assert [u.text for u in parsed.utterances] == ["Welcome.", "Thanks. see you next week"]
    assert [(n.kind, n.line) for n in parsed.notes] == [("kept_out", 4), ("attributed", 13)]
    assert "before the first speaker" in parsed.notes[0].message


def test_srt_auto_caption_cues_without_a_speaker_are_counted() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nT: What brings you here?\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nso yeah\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nC: My drinking.\n\n"
        "4\n00:00:04,000 --> 00:00:05,000\nit got worse\n\n"
        "5\n00:00:05,000 --> 00:00:06,000\nC: last year.\n"
    )
    parsed = parse_with_notes(srt, format="srt")
    assert [u.interlocutor for u in parsed.utterances] == ["therapist", "client"]
    assert parsed.utterances[1].text == "My drinking. it got worse last year."
    assert (parsed.count("kept_out"), parsed.count("attributed")) == (1, 1)


def test_the_strict_parser_names_the_line_it_would_only_note() -> None:
    vtt = _vtt("Dr Lee: How are you?", "uh huh so", "Sam: Fine.")
    with pytest.raises(TranscriptParseError) as info:
        parse_transcript(vtt, format="vtt", roles=ROLES)
    assert info.value.line == 7 and "without a speaker" in str(info.value)
    # attribution from agreeing neighbours is accepted by the strict parser too
    ok = parse_transcript(_vtt("Sam: I", "really", "Sam: do."), format="vtt", roles=ROLES)
    assert [u.text for u in ok] == ["I really do."]


def test_plain_text_before_the_first_speaker_is_kept_out_with_a_note() -> None:
    parsed = parse_with_notes("Session 4, 12 May\n\nT: Hi.\nC: Hello.", format="txt")
    assert [u.text for u in parsed.utterances] == ["Hi.", "Hello."]
    assert [(n.kind, n.line, n.text) for n in parsed.notes] == [
        ("kept_out", 1, "Session 4, 12 May")
    ]


@pytest.mark.parametrize(
    ("text", "fmt", "line", "words"),
    [
        (_vtt("hello there", "how are you"), "vtt", 4, "no speaker"),
        ("1\n00:00:01,000 --> 00:00:02,000\nhello\n", "srt", 3, "no speaker"),
        ("just some notes\nwithout speakers\n", "txt", 1, "speaker prefix"),
        (HEADER, "annomi", 1, "no utterances"),
        ("WEBVTT\n\nNOTE nothing here\n", "vtt", 1, "no speech"),
    ],
)
def test_a_file_with_no_speaker_or_no_utterance_keeps_its_clear_error(
    text: str, fmt: str, line: int, words: str
) -> None:
    with pytest.raises(TranscriptParseError) as info:
        parse_with_notes(text, format=fmt)
    assert info.value.line == line
    assert words in str(info.value)


def test_a_malformed_annomi_timestamp_becomes_a_note_and_the_utterance_keeps_its_text() -> None:
    csv = HEADER + "1,0,therapist,00:09:02,How are you?\n1,1,client,00:09:025,Not bad.\n"
    parsed = parse_with_notes(csv, format="annomi")
    assert [u.text for u in parsed.utterances] == ["How are you?", "Not bad."]
    assert parsed.utterances[0].start == 542.0
    assert parsed.utterances[1].start is None
    (note,) = parsed.notes
    assert (note.kind, note.line) == ("bad_field", 3)
    assert "'00:09:025'" in note.message
    with pytest.raises(TranscriptParseError, match="line 3: timestamp"):
        parse_transcript(csv, format="annomi")


def test_read_with_notes_names_the_file_in_errors(tmp_path: Path) -> None:
    f = tmp_path / "captions.vtt"
    f.write_text(_vtt("no names", "anywhere"), encoding="utf-8")
    with pytest.raises(
        TranscriptParseError, match=r"captions\.vtt: line 4: cue text has no speaker"
    ):
        read_with_notes(f)
    f.write_text(_vtt("Recording started", "T: Hello."), encoding="utf-8")
    parsed = read_with_notes(f)
    assert parsed.utterances[0].transcript_id == "captions"
    assert parsed.count("kept_out") == 1
