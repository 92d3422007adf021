"""Session profile: who talks, how the therapist talks, how the client talks.

Input is a labelled frame, one row per utterance, with the columns
``transcript_id``, ``interlocutor`` (therapist / client), ``label`` (the
therapist's main behaviour -- question, reflection, therapist_input, other --
or the client's talk type -- change, neutral, sustain), ``subtype`` (open /
closed, simple / complex, information / advice / options / negotiation, or
null) and ``text``; ``start_s`` (seconds) is used when present. The labels may
come from :class:`alliance.transcripts.model.TranscriptClassifier` or be given
by hand, so the arithmetic here is testable without the model.

Formulas (per transcript; T = therapist utterances, C = client utterances):

* talk shares: utterances and words of each side over all utterances / words;
* ``reflection_to_question = reflections / questions`` (MITI R:Q);
* ``open_question_share = open / questions``;
* ``complex_reflection_share = complex / reflections`` (MITI %CR);
* ``advice_rate = advice / T`` (and per 10 minutes when times are known);
* ``change_talk_share = change / C``; ``change_talk_percent = change / (change + sustain)``;
* ``directiveness = sum(weight_b * n_b) / T`` with the weights in
  ``params.toml`` (+1 therapist-led ... -1 client-led); ``x 15`` gives the
  C-NIP directiveness range (-15..+15) so that it can be set beside the
  client's stated preference.

A ratio whose denominator is 0 is ``None``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = [
    "APPROACHES",
    "QUALITY_FEATURES",
    "SessionProfile",
    "load_params",
    "profile_sessions",
    "quality_features",
]

APPROACHES = ("directive", "nondirective", "facilitative", "supportive", "task_oriented")
THERAPIST_LABELS = ("question", "reflection", "therapist_input", "other")
CLIENT_LABELS = ("change", "neutral", "sustain")
INPUT_SUBTYPES = ("information", "advice", "options", "negotiation")

#: Columns of :func:`quality_features`.
QUALITY_FEATURES = (
    "reflection_share",
    "question_share",
    "therapist_input_share",
    "other_share",
    "open_question_share",
    "complex_reflection_share",
    "advice_share",
    "log_reflection_to_question",
    "change_share",
    "sustain_share",
    "therapist_word_share",
)


@lru_cache(maxsize=1)
def load_params() -> Mapping[str, Any]:
    """The parameters in ``params.toml`` (thresholds, weights, word lists, sources)."""
    text = (resources.files("alliance.transcripts") / "params.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass
class SessionProfile:
    """The profile of one session (see the module docstring for the formulas)."""

    transcript_id: str
    therapist_utterances: int
    client_utterances: int
    therapist_talk_share: float | None
    client_talk_share: float | None
    therapist_word_share: float | None
    client_word_share: float | None
    duration_s: float | None
    behaviour_counts: dict[str, int]
    behaviour_shares: dict[str, float | None]
    client_talk_counts: dict[str, int]
    reflection_to_question: float | None
    open_question_share: float | None
    complex_reflection_share: float | None
    advice_rate: float | None
    advice_per_10_min: float | None
    change_talk_share: float | None
    sustain_talk_share: float | None
    change_talk_percent: float | None
    benchmarks: dict[str, str | None]
    directiveness: float | None
    directiveness_cnip: float | None
    style: str | None
    style_fit: dict[str, float]
    approach: dict[str, Any] | None = None
    cnip: dict[str, Any] | None = None
    quality_probability: float | None = None
    #: the probability with its interval and note (:class:`~alliance.transcripts.quality.QualityAssessment`)
    quality: dict[str, Any] | None = None
    moments: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den > 0 else None


def _counts(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per transcript with the counts every profile number is built from."""
    th = pl.col("interlocutor") == "therapist"
    cl = pl.col("interlocutor") == "client"
    words = pl.col("text").fill_null("").str.count_matches(r"\S+")
    lab = pl.col("label")
    sub = pl.col("subtype")
    aggs: list[pl.Expr] = [
        th.sum().alias("n_t"),
        cl.sum().alias("n_c"),
        words.filter(th).sum().alias("w_t"),
        words.filter(cl).sum().alias("w_c"),
    ]
    for b in THERAPIST_LABELS:
        aggs.append((th & (lab == b)).sum().alias(f"t_{b}"))
    for c in CLIENT_LABELS:
        aggs.append((cl & (lab == c)).sum().alias(f"c_{c}"))
    for label, subs in (
        ("question", ("open", "closed")),
        ("reflection", ("simple", "complex")),
        ("therapist_input", INPUT_SUBTYPES),
    ):
        for s in subs:
            aggs.append((th & (lab == label) & (sub == s)).sum().alias(f"s_{s}"))
    if "start_s" in frame.columns:
        aggs.append((pl.col("start_s").max() - pl.col("start_s").min()).alias("duration"))
    else:
        aggs.append(pl.lit(None, dtype=pl.Float64).alias("duration"))
    f = frame
    if "subtype" not in f.columns:
        f = f.with_columns(pl.lit(None, dtype=pl.String).alias("subtype"))
    return f.group_by("transcript_id", maintain_order=True).agg(aggs)


def _check(frame: pl.DataFrame) -> None:
    missing = [
        c for c in ("transcript_id", "interlocutor", "label", "text") if c not in frame.columns
    ]
    if missing:
        raise ValueError(f"labelled frame lacks column(s): {', '.join(missing)}")
    bad = frame.filter(~pl.col("interlocutor").is_in(["therapist", "client"]))
    if bad.height:
        raise ValueError(
            f"interlocutor must be therapist or client, got {bad['interlocutor'][0]!r}"
        )


def _directiveness(r: Mapping[str, Any], n_t: int, weights: Mapping[str, float]) -> float | None:
    """``sum(weight x count) / T``: subtypes where known, the main label's weight for the rest."""
    if n_t == 0:
        return None
    total = 0.0
    for label, subs in (
        ("question", ("open", "closed")),
        ("reflection", ("simple", "complex")),
        ("therapist_input", INPUT_SUBTYPES),
    ):
        known = 0
        for s in subs:
            total += weights[s] * r[f"s_{s}"]
            known += r[f"s_{s}"]
        total += weights[label] * (r[f"t_{label}"] - known)
    total += weights["other"] * r["t_other"]
    return float(max(-1.0, min(1.0, total / n_t)))


def _styles(features: Mapping[str, float], params: Mapping[str, Any]) -> dict[str, float]:
    """Softmax over negative weighted squared distances to the style prototypes."""
    names = params["features"]
    w = np.asarray(params["feature_weights"], dtype=np.float64)
    x = np.asarray([features[n] for n in names], dtype=np.float64)
    styles = list(params["prototypes"])
    protos = np.asarray([params["prototypes"][s] for s in styles], dtype=np.float64)
    d2 = ((protos - x) ** 2 * w).sum(axis=1)
    z = -d2 / float(params["temperature"])
    p = np.exp(z - z.max())
    p /= p.sum()
    return {s: round(float(v), 4) for s, v in zip(styles, p, strict=True)}


def _band(value: float | None, fair: float, good: float) -> str | None:
    if value is None:
        return None
    return "good" if value >= good else "fair" if value >= fair else "below fair"


def profile_sessions(
    frame: pl.DataFrame,
    *,
    approach: str | None = None,
    cnip_directiveness: float | None = None,
    params: Mapping[str, Any] | None = None,
) -> list[SessionProfile]:
    """Profile every transcript in a labelled frame (one :class:`SessionProfile` each).

    Args:
        frame: labelled utterances (see the module docstring).
        approach: the episode's chosen approach, one of :data:`APPROACHES`.
        cnip_directiveness: the client's C-NIP directiveness score, -15..+15.
        params: overrides for ``params.toml`` (tests).

    Raises:
        ValueError: for a missing column, an unknown approach or a C-NIP score
            outside -15..+15.

    Example:
        >>> import polars as pl
        >>> f = pl.DataFrame({"transcript_id": ["s"] * 4,
        ...     "interlocutor": ["therapist", "client", "therapist", "client"],
        ...     "label": ["question", "change", "reflection", "neutral"],
        ...     "subtype": ["open", None, "complex", None],
        ...     "text": ["What brings you?", "I want to stop.", "You want a change.", "Yes."]})
        >>> p = profile_sessions(f)[0]
        >>> p.reflection_to_question, p.open_question_share, p.change_talk_share
        (1.0, 1.0, 0.5)
    """
    _check(frame)
    prm = params or load_params()
    if approach is not None and approach not in APPROACHES:
        raise ValueError(f"approach must be one of {', '.join(APPROACHES)}, got {approach!r}")
    scale = float(prm["cnip"]["scale"])
    if cnip_directiveness is not None and not (
        math.isfinite(cnip_directiveness) and -scale <= cnip_directiveness <= scale
    ):
        raise ValueError(
            f"C-NIP directiveness must be in -{scale:g}..+{scale:g}, got {cnip_directiveness}"
        )
    bench = prm["benchmarks"]
    weights = prm["directiveness"]["weights"]
    out: list[SessionProfile] = []
    for r in _counts(frame).iter_rows(named=True):
        n_t, n_c = int(r["n_t"]), int(r["n_c"])
        n = n_t + n_c
        words = r["w_t"] + r["w_c"]
        counts = {b: int(r[f"t_{b}"]) for b in THERAPIST_LABELS}
        shares = {b: _ratio(v, n_t) for b, v in counts.items()}
        q, refl = counts["question"], counts["reflection"]
        rq = _ratio(refl, q)
        cr = _ratio(r["s_complex"], r["s_simple"] + r["s_complex"])
        duration = r["duration"]
        advice = int(r["s_advice"])
        d = _directiveness(r, n_t, weights)
        client_words = _ratio(r["w_c"], words)
        style_fit: dict[str, float] = {}
        style = None
        if d is not None:
            feats = {
                "directiveness": d,
                "reflection": shares["reflection"] or 0.0,
                "question": shares["question"] or 0.0,
                "therapist_input": shares["therapist_input"] or 0.0,
                "other": shares["other"] or 0.0,
                "advice": advice / n_t,
                "client_words": client_words if client_words is not None else 0.5,
            }
            style_fit = _styles(feats, prm["styles"])
            style = max(style_fit, key=lambda s: style_fit[s])
        prof = SessionProfile(
            transcript_id=str(r["transcript_id"]),
            therapist_utterances=n_t,
            client_utterances=n_c,
            therapist_talk_share=_ratio(n_t, n),
            client_talk_share=_ratio(n_c, n),
            therapist_word_share=_ratio(r["w_t"], words),
            client_word_share=client_words,
            duration_s=float(duration) if duration is not None else None,
            behaviour_counts=counts,
            behaviour_shares=shares,
            client_talk_counts={c: int(r[f"c_{c}"]) for c in CLIENT_LABELS},
            reflection_to_question=rq,
            open_question_share=_ratio(r["s_open"], r["s_open"] + r["s_closed"]),
            complex_reflection_share=cr,
            advice_rate=_ratio(advice, n_t),
            advice_per_10_min=_ratio(advice * 600.0, duration) if duration else None,
            change_talk_share=_ratio(r["c_change"], n_c),
            sustain_talk_share=_ratio(r["c_sustain"], n_c),
            change_talk_percent=_ratio(r["c_change"], r["c_change"] + r["c_sustain"]),
            benchmarks={
                "reflection_to_question": _band(
                    rq, bench["reflection_to_question_fair"], bench["reflection_to_question_good"]
                ),
                "complex_reflection_share": _band(
                    cr,
                    bench["complex_reflection_share_fair"],
                    bench["complex_reflection_share_good"],
                ),
                "source": bench["source"],
            },
            directiveness=d,
            directiveness_cnip=d * scale if d is not None else None,
            style=style,
            style_fit=style_fit,
        )
        if approach is not None:
            prof.approach = _compare_approach(approach, style, style_fit, d, prm)
        if cnip_directiveness is not None:
            prof.cnip = _compare_cnip(cnip_directiveness, prof.directiveness_cnip, prm)
        out.append(prof)
    return out


def _compare_approach(
    approach: str,
    style: str | None,
    fit: Mapping[str, float],
    d: float | None,
    prm: Mapping[str, Any],
) -> dict[str, Any]:
    if style is None or d is None:
        return {"chosen": approach, "matches": None, "note": "no therapist utterances to compare"}
    ranked = sorted(fit, key=lambda s: -fit[s])
    at = list(prm["styles"]["features"]).index("directiveness")
    target = float(prm["styles"]["prototypes"][approach][at])
    gap = d - target
    if style == approach:
        note = (
            f"The session's style is closest to the chosen {approach.replace('_', '-')} approach."
        )
    else:
        lead = "more therapist-led" if gap > 0 else "more client-led"
        note = (
            f"The session reads as {style.replace('_', '-')} rather than the chosen "
            f"{approach.replace('_', '-')} approach ({lead} than that approach's prototype); "
            "worth a look in supervision or with the client."
        )
    return {
        "chosen": approach,
        "matches": style == approach,
        "fit": fit[approach],
        "rank": ranked.index(approach) + 1,
        "directiveness_gap": gap,
        "note": note,
        "source": prm["styles"]["source"],
    }


def _compare_cnip(pref: float, session: float | None, prm: Mapping[str, Any]) -> dict[str, Any]:
    if session is None:
        return {"preference": pref, "session": None, "gap": None, "note": "no therapist utterances"}
    gap = session - pref
    notable = abs(gap) >= float(prm["cnip"]["notable_gap"])
    if not notable:
        note = "The session's directiveness is close to the client's stated preference."
    elif gap > 0:
        note = (
            "The session was more therapist-led than the client said they prefer; "
            "you might ask how the pace and direction felt."
        )
    else:
        note = (
            "The session was more client-led than the client said they prefer; "
            "you might ask whether they would like more structure or input."
        )
    return {
        "preference": pref,
        "session": session,
        "gap": gap,
        "notable": notable,
        "note": note,
        "source": prm["cnip"]["source"],
    }


def quality_features(frame: pl.DataFrame) -> tuple[list[str], NDArray[np.float64]]:
    """Transcript-level inputs of the session-quality model, columns :data:`QUALITY_FEATURES`.

    Shares of therapist utterances, sub-label shares (0.5 when undefined),
    ``log((R + 0.5) / (Q + 0.5))``, client change and sustain shares and the
    therapist's share of words.

    Returns:
        transcript ids and an ``(n_transcripts, 11)`` matrix.
    """
    _check(frame)
    c = _counts(frame)
    rows: list[list[float]] = []
    ids: list[str] = []
    for r in c.iter_rows(named=True):
        n_t = max(int(r["n_t"]), 1)
        n_c = max(int(r["n_c"]), 1)
        q, refl = r["t_question"], r["t_reflection"]
        oq = _ratio(r["s_open"], r["s_open"] + r["s_closed"])
        cr = _ratio(r["s_complex"], r["s_simple"] + r["s_complex"])
        tw = _ratio(r["w_t"], r["w_t"] + r["w_c"])
        rows.append(
            [
                refl / n_t,
                q / n_t,
                r["t_therapist_input"] / n_t,
                r["t_other"] / n_t,
                oq if oq is not None else 0.5,
                cr if cr is not None else 0.5,
                r["s_advice"] / n_t,
                math.log((refl + 0.5) / (q + 0.5)),
                r["c_change"] / n_c,
                r["c_sustain"] / n_c,
                tw if tw is not None else 0.5,
            ]
        )
        ids.append(str(r["transcript_id"]))
    return ids, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(QUALITY_FEATURES))
