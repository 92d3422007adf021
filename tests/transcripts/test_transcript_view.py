"""The HTML view: self-contained and escaped."""

from __future__ import annotations

import doctest
import re

import polars as pl

from alliance.transcripts import view
from alliance.transcripts.moments import find_moments
from alliance.transcripts.profile import profile_sessions
from alliance.transcripts.view import render_html

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


def labelled() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "transcript_id": ["s<1>"] * 4,
            "utterance_id": [0, 1, 2, 3],
            "interlocutor": ["therapist", "client", "therapist", "client"],
            "label": ["question", "neutral", "therapist_input", "sustain"],
            "probability": [0.9, 0.8, 0.7, 0.9],
            "subtype": ["open", None, "advice", None],
            "text": ["What brings you?", EVIL, "You should stop.", "This isn't helping. " + EVIL],
            "timestamp": ["00:00:01", "00:00:05", "00:00:09", "00:00:15"],
            "start_s": [1.0, 5.0, 9.0, 15.0],
        }
    )


def test_docstring_examples_run() -> None:
    assert doctest.testmod(view).failed == 0


def test_transcript_text_is_escaped_everywhere() -> None:
    f = labelled()
    page = render_html(f, profile_sessions(f), find_moments(f), title="<script>t</script>")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "s&lt;1&gt;" in page


def test_page_is_self_contained_with_a_timeline() -> None:
    f = labelled()
    page = render_html(f, profile_sessions(f), find_moments(f))
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and page.count("<rect") == 4
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "Moments to look at again" in page and "complaint" in page


def test_timeline_falls_back_to_order_without_times() -> None:
    f = labelled().with_columns(
        pl.lit(None, dtype=pl.Float64).alias("start_s"), pl.lit("").alias("timestamp")
    )
    page = render_html(f, [], [])
    assert page.count("<rect") == 4 and "#0" in page
