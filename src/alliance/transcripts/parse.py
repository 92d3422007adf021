"""Read session transcripts: WebVTT, SRT, plain text with speaker prefixes, AnnoMI CSV.

Every reader returns a list of :class:`Utterance` (one per speaker turn) or
raises :class:`TranscriptParseError`, a ``ValueError`` whose message starts
with the line number and says what was expected.

Speakers become roles (``therapist`` / ``client``) through :data:`ROLE_ALIASES`
(T, C, Therapist, Client, Counsellor, Patient ...) and the caller's own
``roles`` mapping (``{"Dr Lee": "therapist", "Sam": "client"}``, names matched
without regard to case or surrounding spaces).

Formats:

* ``vtt`` -- WebVTT as exported by Zoom (``Name: text`` in the cue) and Teams
  (``<v Name>text</v>``). NOTE, STYLE and REGION blocks are skipped; a cue
  without a speaker continues the previous speaker's turn.
* ``srt`` -- SubRip: index, ``00:00:01,000 --> 00:00:04,000``, text lines with
  ``Name: text`` or ``[Name] text``.
* ``txt`` -- one turn per line, ``T: text`` / ``Therapist: text`` /
  ``Name: text``, optionally led by a time ``[00:01:02]`` or ``00:01:02``;
  a line without a speaker continues the turn above; blank lines are ignored.
  Without a ``roles`` mapping an unknown capitalised ``Name:`` is reported
  (so that a speaker is never read as speech); with one, only the mapped
  names and the aliases start a turn.
* ``annomi`` -- CSV with the columns transcript_id, utterance_id,
  interlocutor, timestamp, utterance_text (other columns are ignored).

In ``vtt`` and ``srt`` files consecutive cues of the same speaker are merged
into one turn (``merge=True``), since subtitle tools cut turns into cues.

Imperfect files (:func:`parse_with_notes`, :func:`read_with_notes`) keep their
good part: a cue without a speaker (auto-captions, merged cues) is given to
the speaker of the cues around it when both sides agree, or to the last
speaker when it ends the file, and is otherwise kept out of the labels with
a :class:`ParseNote` holding its line and text; text before the first
speaker of a plain-text file is kept out the same way; a malformed optional
field (an AnnoMI timestamp) becomes a note and the utterance keeps its text.
A file with no speaker at all, or no readable utterance, is still an error.
:func:`parse_transcript` and :func:`read_transcript` are the strict forms:
they raise where the lenient ones write a note (cues attributed from their
neighbours are accepted by both).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from alliance.errors import DataError

__all__ = [
    "FORMATS",
    "ROLE_ALIASES",
    "ParseNote",
    "ParsedTranscript",
    "TranscriptParseError",
    "Utterance",
    "detect_format",
    "format_time",
    "parse_transcript",
    "parse_with_notes",
    "read_transcript",
    "read_with_notes",
]

Role = Literal["therapist", "client"]
FORMATS = ("vtt", "srt", "txt", "annomi")

#: Speaker names understood without a mapping (lower case).
ROLE_ALIASES: Mapping[str, Role] = {
    "t": "therapist",
    "th": "therapist",
    "therapist": "therapist",
    "counsellor": "therapist",
    "counselor": "therapist",
    "clinician": "therapist",
    "interviewer": "therapist",
    "c": "client",
    "cl": "client",
    "client": "client",
    "patient": "client",
    "p": "client",
    "pt": "client",
}

ANNOMI_COLUMNS = ("transcript_id", "utterance_id", "interlocutor", "timestamp", "utterance_text")
MAX_BYTES = 50_000_000


class TranscriptParseError(DataError):
    """A transcript could not be read; ``line`` is the 1-based line at fault."""

    def __init__(self, line: int, reason: str, *, source: str | None = None) -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}line {line}: {reason}", row=line)
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Utterance:
    """One speaker turn.

    Attributes:
        transcript_id: which session (one file may hold several, e.g. AnnoMI CSV).
        utterance_id: order within the transcript, from 0.
        interlocutor: ``"therapist"`` or ``"client"``.
        text: what was said, one line, markup removed.
        start: seconds from the start of the recording, when known.
        end: end of the turn in seconds, when known.
        speaker: the name as written in the file.
        line: the line where the turn starts in the file.
    """

    transcript_id: str
    utterance_id: int
    interlocutor: Role
    text: str
    start: float | None = None
    end: float | None = None
    speaker: str = ""
    line: int = 0


NoteKind = Literal["attributed", "kept_out", "bad_field"]


@dataclass(frozen=True, slots=True)
class ParseNote:
    """Something in the file that was read with care rather than as written.

    Attributes:
        line: 1-based line in the file.
        kind: ``attributed`` (a cue without a speaker given to the speaker of
            the cues around it), ``kept_out`` (text with no speaker, kept out
            of the labels; it is in ``text``), ``bad_field`` (a malformed
            optional field left empty; the utterance keeps its text).
        message: what happened, in plain words.
        text: the text kept out (``kept_out`` only), else ``""``.
        speaker: the speaker a cue was attributed to (``attributed`` only).
    """

    line: int
    kind: NoteKind
    message: str
    text: str = ""
    speaker: str = ""


@dataclass(frozen=True)
class ParsedTranscript:
    """Utterances read from a file and the notes on what was not read as written."""

    utterances: list[Utterance]
    notes: list[ParseNote]

    def count(self, kind: NoteKind) -> int:
        """How many notes of one kind."""
        return sum(n.kind == kind for n in self.notes)

    def summary(self) -> list[str]:
        """One plain sentence per kind of note (empty when the file was clean).

        Example:
            >>> parsed = parse_with_notes("Intro\\nT: Hi.\\nC: Hello.", format="txt")
            >>> parsed.summary()
            ['1 line without a speaker was kept out of the labels (line 1).']
        """
        out: list[str] = []
        attributed = self.count("attributed")
        if attributed:
            out.append(
                f"{_plural(attributed, 'cue')} without a speaker "
                f"{'was' if attributed == 1 else 'were'} given to the speaker of the cues around "
                f"{'it' if attributed == 1 else 'them'}."
            )
        kept = [n.line for n in self.notes if n.kind == "kept_out"]
        if kept:
            out.append(
                f"{_plural(len(kept), 'line')} without a speaker "
                f"{'was' if len(kept) == 1 else 'were'} kept out of the labels "
                f"({_lines(kept)})."
            )
        bad = [n for n in self.notes if n.kind == "bad_field"]
        if bad:
            out.append(
                f"{_plural(len(bad), 'malformed field')} left empty, the text kept "
                f"({_lines([n.line for n in bad])}: {bad[0].message})."
            )
        return out


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _lines(lines: list[int], show: int = 5) -> str:
    head = ", ".join(str(v) for v in lines[:show])
    more = f" and {len(lines) - show:,} more" if len(lines) > show else ""
    return f"line{'' if len(lines) == 1 else 's'} {head}{more}"


class _Notes:
    """Collects notes; in strict mode a ``kept_out`` or ``bad_field`` note raises instead."""

    def __init__(self, strict: bool, source: str | None) -> None:
        self.strict = strict
        self.source = source
        self.items: list[ParseNote] = []

    def add(
        self, line: int, kind: NoteKind, message: str, *, text: str = "", speaker: str = ""
    ) -> None:
        if self.strict and kind != "attributed":
            raise TranscriptParseError(line, message, source=self.source)
        self.items.append(ParseNote(line, kind, message, text, speaker))


def format_time(seconds: float | None) -> str:
    """``HH:MM:SS`` for a time in seconds, ``""`` when unknown.

    Example:
        >>> format_time(3725.4)
        '01:02:05'
    """
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


# --- shared helpers -------------------------------------------------------------

_TIME = r"(?:\d+:)?[0-5]?\d:[0-5]\d(?:[.,]\d{1,3})?"
_TIME_RE = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?$")
_CUE_RE = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})(?:\s+.*)?$")
_TAG_RE = re.compile(r"<[^>]*>")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_PREFIX_RE = re.compile(
    r"^\s*(?:>>\s*|-\s+)?([^:<>\[\]]{1,60}?)\s*:(?:\s+(.*)|\s*)$|^\s*(?:>>\s*|-\s+)?([^:<>\[\]\s][^:<>\[\]]{0,59}?):(\S.*)$"
)
_BRACKET_RE = re.compile(r"^\s*\[([^\]]{1,60})\]\s*:?\s*(.*)$")
_TXT_TIME_RE = re.compile(rf"^\s*(?:\[({_TIME})\]|({_TIME}))\s+(.*)$")
_NAME_FIRST = re.compile(r"^[A-Z][\w.'\-]*$")
_NAME_WORD = re.compile(r"^[A-Z0-9][\w.'\-]*$")


def _seconds(text: str) -> float | None:
    """Seconds from ``[H:]MM:SS[.mmm]``; None when the text is not a time."""
    m = _TIME_RE.match(text.strip())
    if m is None:
        return None
    h, mnt, s, frac = m.groups()
    value = int(h or 0) * 3600 + int(mnt) * 60 + int(s)
    if frac:
        value += int(frac) / (10 ** len(frac))
    return float(value)


def _clean(text: str) -> str:
    """Drop markup, decode entities, collapse white space."""
    text = _TAG_RE.sub("", text)
    text = html.unescape(text)
    return " ".join(text.split())


class _Roles:
    """Resolve speaker names to roles: the caller's mapping first, then the aliases."""

    def __init__(self, roles: Mapping[str, str] | None, source: str | None) -> None:
        self.source = source
        self.mapping: dict[str, Role] = {}
        for name, role in (roles or {}).items():
            r = role.strip().lower()
            resolved = ROLE_ALIASES.get(r)
            if resolved is None:
                raise ValueError(
                    f"role for speaker {name!r} must be therapist or client (or T / C), got {role!r}"
                )
            self.mapping[_key(name)] = resolved

    def known(self, name: str) -> bool:
        k = _key(name)
        return k in self.mapping or k in ROLE_ALIASES

    def role(self, name: str, line: int) -> Role:
        k = _key(name)
        if k in self.mapping:
            return self.mapping[k]
        if k in ROLE_ALIASES:
            return ROLE_ALIASES[k]
        shown = name.strip()
        raise TranscriptParseError(
            line,
            f"speaker {shown!r} has no role: say who it is, e.g. --speaker '{shown}=therapist' "
            f"or --speaker '{shown}=client'",
            source=self.source,
        )


def _key(name: str) -> str:
    return " ".join(name.split()).lower()


def _looks_like_name(prefix: str) -> bool:
    """``Dr Lee``, ``SAM``, ``Jane Doe (she/her)``: up to four capitalised words."""
    p = re.sub(r"\([^)]*\)", "", prefix).strip()
    words = p.split()
    return (
        0 < len(words) <= 4
        and _NAME_FIRST.match(words[0]) is not None
        and all(_NAME_WORD.match(w) for w in words[1:])
    )


def _speaker_prefix(text: str, roles: _Roles, *, strict: bool) -> tuple[str, str] | None:
    """Split ``Name: rest`` (or ``[Name] rest``); None when the line has no speaker.

    With ``strict`` a capitalised name that is not known still counts as a
    speaker (so that an unmapped name is reported rather than read as speech).
    """
    m = _BRACKET_RE.match(text)
    if m and (roles.known(m.group(1)) or (strict and _looks_like_name(m.group(1)))):
        return m.group(1).strip(), m.group(2)
    m = _PREFIX_RE.match(text)
    if m is None:
        return None
    if m.group(1) is not None:
        name, rest = m.group(1), m.group(2) or ""
    else:
        name, rest = m.group(3), m.group(4)
    if roles.known(name) or (strict and _looks_like_name(name)):
        return name.strip(), rest or ""
    return None


@dataclass
class _Turn:
    speaker: str
    role: Role | None  # None: a cue without a speaker, resolved by _attribute
    parts: list[str]
    start: float | None
    end: float | None
    line: int


def _attribute(turns: list[_Turn], notes: _Notes, no_speaker: str) -> list[_Turn]:
    """Give each cue without a speaker to its neighbours' speaker, or keep it out with a note.

    A speaker-less cue goes to the speaker of the nearest labelled cues before
    and after it when they are the same speaker, or to the last speaker when
    no labelled cue follows; otherwise (the speaker changes around it, or no
    speaker comes before it) its text is kept out of the labels. A file with
    no labelled cue at all raises ``no_speaker`` at its first cue.
    """
    labelled = [i for i, t in enumerate(turns) if t.role is not None and any(t.parts)]
    if not labelled:
        first = next((t.line for t in turns if any(t.parts)), None)
        if first is None:
            raise TranscriptParseError(1, "no speech found in the file", source=notes.source)
        raise TranscriptParseError(first, no_speaker, source=notes.source)
    out: list[_Turn] = []
    nxt: _Turn | None = None
    following: list[_Turn | None] = [None] * len(turns)
    for i in range(len(turns) - 1, -1, -1):
        following[i] = nxt
        if turns[i].role is not None:
            nxt = turns[i]
    prev: _Turn | None = None
    for i, t in enumerate(turns):
        if t.role is not None:
            out.append(t)
            prev = t
            continue
        text = " ".join(p for p in t.parts if p)
        if not text:
            continue
        after = following[i]
        if prev is not None and (after is None or _key(after.speaker) == _key(prev.speaker)):
            prev.parts.append(text)
            if t.end is not None:
                prev.end = t.end
            notes.add(
                t.line,
                "attributed",
                f"cue without a speaker given to {prev.speaker}",
                speaker=prev.speaker,
            )
            continue
        why = "before the first speaker" if prev is None else "between two speakers"
        notes.add(
            t.line,
            "kept_out",
            f"text without a speaker {why}, kept out of the labels: {text[:60]!r}",
            text=text,
        )
    return out


def _finish(turns: list[_Turn], transcript_id: str, merge: bool) -> list[Utterance]:
    out: list[Utterance] = []
    for t in turns:
        text = " ".join(p for p in t.parts if p)
        if not text or t.role is None:
            continue
        if merge and out and out[-1].speaker == t.speaker and out[-1].interlocutor == t.role:
            prev = out[-1]
            out[-1] = replace(
                prev, text=f"{prev.text} {text}", end=t.end if t.end is not None else prev.end
            )
            continue
        out.append(
            Utterance(transcript_id, len(out), t.role, text, t.start, t.end, t.speaker, t.line)
        )
    return out


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based number of their first line."""
    block: list[str] = []
    first = 0
    for i, raw in enumerate(lines, start=1):
        if raw.strip():
            if not block:
                first = i
            block.append(raw)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _cue_times(line: str, lineno: int, source: str | None, sep: str) -> tuple[float, float]:
    m = _CUE_RE.match(line)
    example = f"00:00:01{sep}000 --> 00:00:04{sep}000"
    if m is None:
        raise TranscriptParseError(
            lineno,
            f"expected a cue timing like '{example}', got {line.strip()[:60]!r}",
            source=source,
        )
    start, end = _seconds(m.group(1)), _seconds(m.group(2))
    if start is None or end is None:
        raise TranscriptParseError(
            lineno,
            f"expected a cue timing like '{example}', got {line.strip()[:60]!r}",
            source=source,
        )
    if end < start:
        raise TranscriptParseError(lineno, "cue ends before it starts", source=source)
    return start, end


# --- WebVTT ---------------------------------------------------------------------


_NO_SPEAKER = "cue text has no speaker: start it with 'Name: ' or '<v Name>'"


def _parse_vtt(
    text: str, roles: _Roles, transcript_id: str, merge: bool, notes: _Notes
) -> list[Utterance]:
    source = notes.source
    lines = text.splitlines()
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise TranscriptParseError(1, "a WebVTT file must start with 'WEBVTT'", source=source)
    head = lines[0].lstrip("\ufeff")
    if len(head) > 6 and head[6] not in " \t":
        raise TranscriptParseError(1, "a WebVTT file must start with 'WEBVTT'", source=source)
    turns: list[_Turn] = []
    for first, block in _blocks(lines):
        if first == 1:
            continue  # the header block
        word = block[0].strip().split(" ", 1)[0].split("\t", 1)[0]
        if word in ("NOTE", "STYLE", "REGION"):
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block):
            raise TranscriptParseError(
                first,
                "a cue needs a timing line like '00:00:01.000 --> 00:00:04.000'",
                source=source,
            )
        start, end = _cue_times(block[timing_at], first + timing_at, source, ".")
        _add_cue(turns, block[timing_at + 1 :], first + timing_at + 1, start, end, roles)
    return _finish(_attribute(turns, notes, _NO_SPEAKER), transcript_id, merge)


def _add_cue(
    turns: list[_Turn],
    payload: list[str],
    lineno: int,
    start: float,
    end: float,
    roles: _Roles,
) -> None:
    """Add a cue's text lines to the turns; each line may name a new speaker.

    A line without a speaker continues the speaker named earlier in the same
    cue; a cue that names nobody becomes a speaker-less turn (``role=None``)
    for :func:`_attribute` to resolve.
    """
    named = False
    for offset, raw in enumerate(payload):
        line = lineno + offset
        voice = _VOICE_RE.search(raw)
        speaker: str | None = None
        body = raw
        if voice is not None:
            speaker = _clean(voice.group(1))
            body = raw[voice.end() :]
        body = _clean(body)
        if speaker is None:
            split = _speaker_prefix(body, roles, strict=True)
            if split is not None:
                speaker, body = split
        elif speaker:
            # "<v Sam>Sam: hello" -- drop a repeated name prefix.
            split = _speaker_prefix(body, roles, strict=False)
            if split is not None and _key(split[0]) == _key(speaker):
                body = split[1]
        if not speaker:
            if not body:
                continue
            if named or (turns and turns[-1].role is None and turns[-1].start == start):
                turns[-1].parts.append(body)
                turns[-1].end = end
            else:
                turns.append(_Turn("", None, [body], start, end, line))
            continue
        named = True
        role = roles.role(speaker, line)
        if turns and turns[-1].speaker == speaker and turns[-1].start == start:
            turns[-1].parts.append(body)
            continue
        turns.append(_Turn(speaker, role, [body], start, end, line))


# --- SRT ------------------------------------------------------------------------


def _parse_srt(
    text: str, roles: _Roles, transcript_id: str, merge: bool, notes: _Notes
) -> list[Utterance]:
    source = notes.source
    lines = text.splitlines()
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    turns: list[_Turn] = []
    found = False
    for first, block in _blocks(lines):
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at == 1 and not block[0].strip().isdigit():
            raise TranscriptParseError(
                first, f"expected a subtitle number, got {block[0].strip()[:60]!r}", source=source
            )
        if timing_at >= len(block):
            raise TranscriptParseError(
                first,
                "a subtitle needs a timing line like '00:00:01,000 --> 00:00:04,000'",
                source=source,
            )
        start, end = _cue_times(block[timing_at], first + timing_at, source, ",")
        found = True
        _add_cue(turns, block[timing_at + 1 :], first + timing_at + 1, start, end, roles)
    if not found:
        raise TranscriptParseError(1, "no subtitles found", source=source)
    return _finish(_attribute(turns, notes, _NO_SPEAKER), transcript_id, merge)


# --- plain text -----------------------------------------------------------------


_TXT_NO_SPEAKER = "expected a speaker prefix such as 'T: ', 'C: ', 'Therapist: ' or 'Name: '"


def _parse_txt(text: str, roles: _Roles, transcript_id: str, notes: _Notes) -> list[Utterance]:
    turns: list[_Turn] = []
    before: list[tuple[int, str]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip("\ufeff") if lineno == 1 else raw
        if not line.strip():
            continue
        start: float | None = None
        m = _TXT_TIME_RE.match(line)
        if m is not None:
            stamp = m.group(1) or m.group(2)
            start = _seconds(stamp)
            line = m.group(3)
        split = _speaker_prefix(line, roles, strict=not roles.mapping)
        if split is None:
            if not turns:
                before.append((lineno, _clean(line)))
                continue
            turns[-1].parts.append(_clean(line))
            continue
        speaker, body = split
        turns.append(
            _Turn(speaker, roles.role(speaker, lineno), [_clean(body)], start, None, lineno)
        )
    if not turns and before:
        raise TranscriptParseError(before[0][0], _TXT_NO_SPEAKER, source=notes.source)
    for lineno, body in before:
        if body:
            notes.add(
                lineno,
                "kept_out",
                f"{_TXT_NO_SPEAKER}; text before the first speaker kept out of the labels: "
                f"{body[:60]!r}",
                text=body,
            )
    out = _finish(turns, transcript_id, merge=False)
    if not out:
        raise TranscriptParseError(1, "no speaker turns found", source=notes.source)
    return out


# --- AnnoMI CSV -----------------------------------------------------------------


def _parse_annomi(text: str, notes: _Notes) -> list[Utterance]:
    source = notes.source
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
    except csv.Error as exc:
        raise TranscriptParseError(1, f"not a readable CSV header ({exc})", source=source) from None
    if header is None:
        raise TranscriptParseError(1, "the file is empty", source=source)
    cols = [h.strip() for h in header]
    missing = [c for c in ANNOMI_COLUMNS if c not in cols]
    if missing:
        raise TranscriptParseError(
            1,
            f"missing column(s) {', '.join(missing)}; need {', '.join(ANNOMI_COLUMNS)}",
            source=source,
        )
    at = {c: cols.index(c) for c in ANNOMI_COLUMNS}
    out: list[Utterance] = []
    seen: dict[str, int] = {}
    line = 1
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise TranscriptParseError(reader.line_num, f"bad CSV ({exc})", source=source) from None
        line = start_line
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(cols):
            raise TranscriptParseError(
                line, f"expected {len(cols)} fields, found {len(row)}", source=source
            )
        tid = row[at["transcript_id"]].strip()
        if not tid:
            raise TranscriptParseError(line, "transcript_id is empty", source=source)
        who = row[at["interlocutor"]].strip().lower()
        role = ROLE_ALIASES.get(who)
        if role is None:
            raise TranscriptParseError(
                line, f"interlocutor must be therapist or client, got {who[:40]!r}", source=source
            )
        uid_text = row[at["utterance_id"]].strip()
        if not uid_text.isdigit():
            raise TranscriptParseError(
                line, f"utterance_id must be a whole number, got {uid_text[:40]!r}", source=source
            )
        stamp = row[at["timestamp"]].strip()
        start = _seconds(stamp) if stamp else None
        if stamp and start is None:
            notes.add(line, "bad_field", f"timestamp must look like 00:01:02, got {stamp[:40]!r}")
        uid = int(uid_text)
        if tid in seen and uid <= seen[tid]:
            raise TranscriptParseError(
                line,
                f"utterance_id {uid} is not after {seen[tid]} in transcript {tid}",
                source=source,
            )
        seen[tid] = uid
        body = _clean(row[at["utterance_text"]])
        out.append(Utterance(tid, uid, role, body, start, None, who, line))
    if not out:
        raise TranscriptParseError(max(line, 1), "no utterances found", source=source)
    return out


# --- entry points ---------------------------------------------------------------


def detect_format(name: str, text: str) -> str:
    """Guess the format from the file name, then from the content.

    Example:
        >>> detect_format("s.txt", "WEBVTT\\n")
        'vtt'
    """
    head = text.lstrip("\ufeff")[:2000]
    if head.startswith("WEBVTT"):
        return "vtt"
    suffix = Path(name).suffix.lower()
    if suffix in (".vtt",):
        return "vtt"
    if suffix == ".srt":
        return "srt"
    if suffix in (".csv", ".tsv"):
        return "annomi"
    first = head.splitlines()[0] if head.splitlines() else ""
    if all(c in first for c in ("transcript_id", "interlocutor", "utterance_text")):
        return "annomi"
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if len(lines) >= 2 and lines[0].strip().isdigit() and "-->" in lines[1]:
        return "srt"
    return "txt"


def parse_transcript(
    text: str,
    *,
    format: str,
    roles: Mapping[str, str] | None = None,
    transcript_id: str = "1",
    merge: bool = True,
    source: str | None = None,
) -> list[Utterance]:
    """Parse transcript text in one of :data:`FORMATS`, strictly.

    Raises at the first line :func:`parse_with_notes` would only note (text
    without a speaker that cannot be attributed, a malformed timestamp).

    Args:
        text: the whole file as text.
        format: ``vtt``, ``srt``, ``txt`` or ``annomi``.
        roles: speaker name -> ``therapist`` / ``client`` (or ``T`` / ``C``).
        transcript_id: id given to the utterances (AnnoMI files carry their own).
        merge: join consecutive cues of one speaker (``vtt`` and ``srt``).
        source: file name to put in error messages.

    Raises:
        TranscriptParseError: with the line number and the reason.
        ValueError: for an unknown format or a bad ``roles`` mapping.

    Example:
        >>> [u.interlocutor for u in parse_transcript("T: Hi.\\nC: Hello.", format="txt")]
        ['therapist', 'client']
    """
    return _parse(text, format, roles, transcript_id, merge, _Notes(True, source))


def parse_with_notes(
    text: str,
    *,
    format: str,
    roles: Mapping[str, str] | None = None,
    transcript_id: str = "1",
    merge: bool = True,
    source: str | None = None,
) -> ParsedTranscript:
    """Parse transcript text, keeping the good part of an imperfect file.

    As :func:`parse_transcript`, but text without a speaker and malformed
    optional fields become :class:`ParseNote` items instead of errors (see the
    module docstring). A file with no speaker at all, or no readable
    utterance, still raises.

    Raises:
        TranscriptParseError: with the line number and the reason.
        ValueError: for an unknown format or a bad ``roles`` mapping.

    Example:
        >>> parsed = parse_with_notes("Recording started\\nT: Hi.\\nC: Hello.", format="txt")
        >>> len(parsed.utterances), parsed.notes[0].kind, parsed.notes[0].text
        (2, 'kept_out', 'Recording started')
    """
    notes = _Notes(False, source)
    out = _parse(text, format, roles, transcript_id, merge, notes)
    return ParsedTranscript(out, notes.items)


def _parse(
    text: str,
    format: str,
    roles: Mapping[str, str] | None,
    transcript_id: str,
    merge: bool,
    notes: _Notes,
) -> list[Utterance]:
    source = notes.source
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if "\x00" in text:
        raise TranscriptParseError(1, "the file is binary, not text", source=source)
    resolved = _Roles(roles, source)
    if format == "vtt":
        out = _parse_vtt(text, resolved, transcript_id, merge, notes)
    elif format == "srt":
        out = _parse_srt(text, resolved, transcript_id, merge, notes)
    elif format == "txt":
        out = _parse_txt(text, resolved, transcript_id, notes)
    else:
        out = _parse_annomi(text, notes)
    if not out:
        raise TranscriptParseError(1, "no speech found in the file", source=source)
    return out


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise TranscriptParseError(1, f"file too large ({size:,} bytes)", source=str(path))
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TranscriptParseError(line, "not UTF-8 text", source=str(path)) from None


def read_transcript(
    path: Path,
    *,
    format: str | None = None,
    roles: Mapping[str, str] | None = None,
    transcript_id: str | None = None,
    merge: bool = True,
) -> list[Utterance]:
    """Read a transcript file strictly (UTF-8, BOM allowed); the format is guessed when not given.

    The transcript id defaults to the file name without its suffix.

    Raises:
        TranscriptParseError: as :func:`parse_transcript`, naming the file.
        FileNotFoundError: when the file does not exist.
    """
    text = _read_text(path)
    fmt = format or detect_format(path.name, text)
    return parse_transcript(
        text,
        format=fmt,
        roles=roles,
        transcript_id=transcript_id or path.stem,
        merge=merge,
        source=str(path),
    )


def read_with_notes(
    path: Path,
    *,
    format: str | None = None,
    roles: Mapping[str, str] | None = None,
    transcript_id: str | None = None,
    merge: bool = True,
) -> ParsedTranscript:
    """Read a transcript file, keeping the good part of an imperfect one (:func:`parse_with_notes`).

    Raises:
        TranscriptParseError: as :func:`parse_with_notes`, naming the file.
        FileNotFoundError: when the file does not exist.
    """
    text = _read_text(path)
    fmt = format or detect_format(path.name, text)
    return parse_with_notes(
        text,
        format=fmt,
        roles=roles,
        transcript_id=transcript_id or path.stem,
        merge=merge,
        source=str(path),
    )
