"""A self-contained HTML page of a session: timeline, profile, moments, utterances.

No script, no external file, no CDN: one inline style sheet and an inline SVG
timeline. Every piece of transcript text is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from alliance.transcripts.moments import Moment
from alliance.transcripts.profile import SessionProfile

__all__ = ["COLOURS", "render_html"]

#: Label colours (colour-blind-safe Okabe-Ito palette).
COLOURS: Mapping[str, str] = {
    "question": "#0072B2",
    "reflection": "#009E73",
    "therapist_input": "#D55E00",
    "other": "#999999",
    "change": "#56B4E9",
    "neutral": "#CCCCCC",
    "sustain": "#E69F00",
}

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:70rem;
color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f4}
.num{text-align:right;font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin:0 .3rem 0 .8rem;
vertical-align:middle}
.moment{background:#fff4e0}.who{font-weight:600;white-space:nowrap}
.note{color:#555;font-size:.9rem}.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;
margin:.5rem 0}
svg{width:100%;height:auto;border:1px solid #eee}
"""


_DASH = "\u2013"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | None, pct: bool = False) -> str:
    if value is None:
        return _DASH
    return f"{100 * value:.0f}%" if pct else f"{value:.2f}"


def _timeline(frame: pl.DataFrame, moments: Sequence[Moment]) -> str:
    """Two lanes (therapist above, client below), one bar per utterance, moments marked."""
    n = frame.height
    width, lane, top = 1000.0, 28.0, 18.0
    raw = frame["start_s"].to_list() if "start_s" in frame.columns else [None] * n
    starts = [float(s) for s in raw if s is not None]
    use_time = n > 1 and len(starts) == n and starts[-1] > starts[0]
    if use_time:
        t0, t1 = starts[0], starts[-1] + 5.0
        xs = [(s - t0) / (t1 - t0) * width for s in starts]
        ends = [*xs[1:], width]
    else:
        step = width / max(n, 1)
        xs = [i * step for i in range(n)]
        ends = [x + step for x in xs]
    flagged = {(m.transcript_id, m.utterance_id) for m in moments}
    parts = [
        f'<svg viewBox="0 0 {width:.0f} {top + 2 * lane + 30:.0f}" role="img" '
        'aria-label="Session timeline: therapist above, client below">',
        f'<text x="0" y="12" font-size="11">therapist</text>'
        f'<text x="0" y="{top + 2 * lane + 22:.0f}" font-size="11">client</text>',
    ]
    rows = frame.select(
        "transcript_id", "utterance_id", "interlocutor", "label", "text", "timestamp"
    )
    for i, r in enumerate(rows.iter_rows(named=True)):
        y = top if r["interlocutor"] == "therapist" else top + lane + 2
        colour = COLOURS.get(str(r["label"]), "#777777")
        w = max(ends[i] - xs[i] - 0.5, 1.0)
        tip = f"{r['timestamp'] or '#' + str(r['utterance_id'])} {r['label'] or ''}: {r['text']}"
        parts.append(
            f'<rect x="{xs[i]:.1f}" y="{y:.0f}" width="{w:.1f}" height="{lane - 4:.0f}" '
            f'fill="{_e(colour)}"><title>{_e(tip[:300])}</title></rect>'
        )
        if (str(r["transcript_id"]), int(r["utterance_id"])) in flagged:
            parts.append(
                f'<path d="M{xs[i]:.1f},{top + 2 * lane + 4:.0f} l5,8 l-10,0 z" fill="#CC0000">'
                f"<title>moment to review</title></path>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _profile_table(p: SessionProfile) -> str:
    rows: list[tuple[str, str]] = [
        (
            "Therapist share of talk (utterances / words)",
            f"{_fmt(p.therapist_talk_share, True)} / {_fmt(p.therapist_word_share, True)}",
        ),
        (
            "Client share of talk (utterances / words)",
            f"{_fmt(p.client_talk_share, True)} / {_fmt(p.client_word_share, True)}",
        ),
        (
            "Reflections per question (R:Q)",
            f"{_fmt(p.reflection_to_question)} ({p.benchmarks.get('reflection_to_question') or _DASH})",
        ),
        ("Open questions", _fmt(p.open_question_share, True)),
        (
            "Complex reflections",
            f"{_fmt(p.complex_reflection_share, True)} "
            f"({p.benchmarks.get('complex_reflection_share') or _DASH})",
        ),
        ("Advice (share of therapist utterances)", _fmt(p.advice_rate, True)),
        ("Client change talk (share of client utterances)", _fmt(p.change_talk_share, True)),
        ("Change talk among change + sustain", _fmt(p.change_talk_percent, True)),
        ("Directiveness (-1 client-led \u2026 +1 therapist-led)", _fmt(p.directiveness)),
        ("Closest alliance style", (p.style or _DASH).replace("_", "-")),
        ("Probability of high-quality, MI-consistent practice", _fmt(p.quality_probability, True)),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td class='num'>{_e(v)}</td></tr>" for k, v in rows)
    notes = []
    for extra in (p.approach, p.cnip):
        if extra and extra.get("note"):
            notes.append(f"<p class='card'>{_e(extra['note'])}</p>")
    return f"<table>{body}</table>{''.join(notes)}"


def render_html(
    frame: pl.DataFrame,
    profiles: Sequence[SessionProfile],
    moments: Sequence[Moment],
    *,
    title: str = "Session transcript",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The whole page as a string (see the module docstring).

    Args:
        frame: labelled utterances (``transcript_id``, ``utterance_id``,
            ``interlocutor``, ``text``, ``label``, ``probability``, ``subtype``,
            ``timestamp``, ``start_s``).
        profiles: one per transcript in ``frame``.
        moments: moments to review.
        title: page title (escaped).
        extra: more key/value lines for the header (escaped).

    Example:
        >>> import polars as pl
        >>> f = pl.DataFrame({"transcript_id": ["s"], "utterance_id": [0],
        ...     "interlocutor": ["client"], "text": ["<script>x</script>"], "label": ["neutral"],
        ...     "probability": [0.9], "subtype": [None], "timestamp": [""], "start_s": [None]})
        >>> "<script>" in render_html(f, [], [])
        False
    """
    legend = "".join(
        f"<span class='swatch' style='background:{_e(c)}'></span>{_e(k.replace('_', ' '))}"
        for k, c in COLOURS.items()
    )
    by_row = {(m.transcript_id, m.utterance_id): m for m in moments}
    sections: list[str] = []
    tids = list(dict.fromkeys(str(t) for t in frame["transcript_id"].to_list()))
    profile_of = {p.transcript_id: p for p in profiles}
    for tid in tids:
        sub = frame.filter(pl.col("transcript_id").cast(pl.String) == tid)
        mine = [m for m in moments if m.transcript_id == tid]
        parts = [
            f"<h2>Transcript {_e(tid)}</h2>",
            _timeline(sub, mine),
            f"<p class='note'>{legend}</p>",
        ]
        if tid in profile_of:
            parts.append("<h3>Profile</h3>" + _profile_table(profile_of[tid]))
        parts.append("<h3>Moments to look at again</h3>")
        if mine:
            items = "".join(
                f"<li><b>{_e(m.timestamp or '#' + str(m.utterance_id))}</b> "
                f"({_e(m.kind)}: {_e(m.marker.replace('_', ' '))}) {_e(m.evidence)}"
                f"<br><span class='note'>{_e(m.prompt)}</span></li>"
                for m in mine
            )
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p class='note'>None found by the simple rules used here.</p>")
        rows = []
        cols = [
            "utterance_id",
            "timestamp",
            "interlocutor",
            "label",
            "probability",
            "subtype",
            "text",
        ]
        present = [c for c in cols if c in sub.columns]
        for r in sub.select(present).iter_rows(named=True):
            key = (tid, int(r["utterance_id"]))
            cls = " class='moment'" if key in by_row else ""
            label = str(r.get("label") or "")
            if r.get("subtype"):
                label += f" ({r['subtype']})"
            p = r.get("probability")
            colour = COLOURS.get(str(r.get("label")), "#777777")
            rows.append(
                f"<tr{cls}><td class='num'>{_e(r['utterance_id'])}</td>"
                f"<td>{_e(r.get('timestamp') or '')}</td><td class='who'>{_e(r['interlocutor'])}</td>"
                f"<td><span class='swatch' style='background:{_e(colour)};margin-left:0'></span>"
                f"{_e(label.replace('_', ' '))}</td>"
                f"<td class='num'>{_e(f'{p:.2f}' if isinstance(p, float) else '')}</td>"
                f"<td>{_e(r['text'])}</td></tr>"
            )
        parts.append(
            "<h3>Utterances</h3><table><tr><th>#</th><th>time</th><th>who</th><th>label</th>"
            "<th>p</th><th>text</th></tr>" + "".join(rows) + "</table>"
        )
        sections.append("<section>" + "".join(parts) + "</section>")
    header = "".join(f"<div>{_e(k)}: {_e(v)}</div>" for k, v in (extra or {}).items())
    caution = (
        "Labels come from an automatic classifier trained on AnnoMI counselling demonstrations; "
        "they are estimates to support reflection and supervision. Moments to look at again are "
        "places worth a second look, not findings about anyone."
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>{header}<p class='note'>{_e(caution)}</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
