"""Rupture and repair detection (alliance.stats.ruptures).

Hand-computed cases for each rule (arithmetic in the comments), the mirrored
rules for symptom scales, repair states, input-order invariance, a naive
per-client oracle for the running mean and SD, and the detector run on a
simulated cohort with known ruptures.
"""

from __future__ import annotations

import doctest
import math
import random
import statistics
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.stats import ruptures
from alliance.stats.change import min_reliable_change, s_diff
from alliance.stats.ruptures import (
    detect_ruptures,
    detection_accuracy,
    min_drop_for,
    min_drop_from_norms,
    rupture_summary,
)

NO_SD = 99  # min_prior so large that the "sd" rule cannot fire


def one_client(scores: list[float | None], sessions: list[int] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1] * len(scores),
            "session": sessions or list(range(1, len(scores) + 1)),
            "s": scores,
        },
        schema={"id": pl.Int64, "session": pl.Int64, "s": pl.Float64},
    )


def row(out: pl.DataFrame, session: int) -> dict[str, Any]:
    return out.filter(pl.col("session") == session).row(0, named=True)


# --------------------------------------------------------------------------
# rule "drop"
# --------------------------------------------------------------------------


def test_drop_rule_fires_at_min_drop_and_not_below() -> None:
    # drops: s2 = 40-42 = -2, s3 = 42-41 = 1, s4 = 41-35 = 6 (>= 6 fires),
    # s5 = 35-30 = 5 (< 6 does not).
    out = detect_ruptures(one_client([40, 42, 41, 35, 30]), score="s", min_drop=6, min_prior=NO_SD)
    assert out["drop"].to_list() == [None, -2.0, 1.0, 6.0, 5.0]
    assert out["rupture"].to_list() == [False, False, False, True, False]
    assert row(out, 4)["rule"] == "drop"


def test_drop_rule_is_disabled_by_none() -> None:
    out = detect_ruptures(one_client([40, 42, 41, 20]), score="s", min_drop=None, min_prior=NO_SD)
    assert not out["rupture"].any()
    assert row(out, 4)["drop"] == 21.0  # still reported


def test_drop_is_measured_from_the_previous_scored_session() -> None:
    # session 2 has no score: session 3 is compared with session 1, 40 - 33 = 7.
    out = detect_ruptures(one_client([40, None, 33]), score="s", min_drop=6, min_prior=NO_SD)
    assert out["rupture"].to_list() == [False, None, True]
    assert out["drop"].to_list() == [None, None, 7.0]


# --------------------------------------------------------------------------
# rule "sd"
# --------------------------------------------------------------------------


def test_sd_rule_hand_computed() -> None:
    # Prior scores 40, 42, 44: mean 42, SD = sqrt((4 + 0 + 4) / 2) = 2 (ddof=1);
    # threshold = 42 - 2 * 2 = 38; 36 <= 38 fires; sd_below = (42 - 36) / 2 = 3.
    out = detect_ruptures(one_client([40, 42, 44, 36]), score="s")
    r4 = row(out, 4)
    assert r4["rupture"] is True
    assert r4["rule"] == "sd"
    assert r4["n_prior"] == 3
    assert r4["prior_mean"] == pytest.approx(42.0)
    assert r4["prior_sd"] == pytest.approx(2.0)
    assert r4["threshold"] == pytest.approx(38.0)
    assert r4["sd_below"] == pytest.approx(3.0)


def test_sd_rule_fires_exactly_at_the_threshold_and_not_above() -> None:
    # Same priors, threshold 38: 38 fires ("at least 2 SDs below"), 39 does not.
    assert row(detect_ruptures(one_client([40, 42, 44, 38]), score="s"), 4)["rupture"] is True
    assert row(detect_ruptures(one_client([40, 42, 44, 39]), score="s"), 4)["rupture"] is False


def test_sd_rule_needs_min_prior_sessions() -> None:
    # Session 3 has only 2 prior sessions (40, 44: mean 42, SD 2.83): no
    # "sd" flag despite 30 being 4.2 SDs below; with min_prior=2 it fires.
    out = detect_ruptures(one_client([40, 44, 30]), score="s")
    assert row(out, 3)["rupture"] is False
    assert row(out, 3)["threshold"] is None
    assert row(detect_ruptures(one_client([40, 44, 30]), score="s", min_prior=2), 3)["rupture"]


def test_sd_rule_cannot_fire_on_a_zero_prior_sd() -> None:
    # Priors 40, 40, 40: SD 0, so no "sd" flag and no sd_below; the drop rule
    # (40 - 39 = 1 >= 1) still can.
    out = detect_ruptures(one_client([40, 40, 40, 39]), score="s")
    assert row(out, 4)["rupture"] is False
    assert row(out, 4)["prior_sd"] == 0.0
    assert row(out, 4)["sd_below"] is None
    assert row(detect_ruptures(one_client([40, 40, 40, 39]), score="s", min_drop=1), 4)["rule"] == (
        "drop"
    )


def test_sd_rule_on_non_integer_scores() -> None:
    # Item means (e.g. the SAI): priors 4.0, 4.2, 4.4: mean 4.2, SD 0.2;
    # threshold 3.8; 3.6 is (4.2 - 3.6) / 0.2 = 3 SDs below.
    out = detect_ruptures(one_client([4.0, 4.2, 4.4, 3.6]), score="s")
    r4 = row(out, 4)
    assert r4["rule"] == "sd"
    assert r4["prior_sd"] == pytest.approx(0.2)
    assert r4["sd_below"] == pytest.approx(3.0)
    flat = detect_ruptures(one_client([3.8333, 3.8333, 3.8333, 3.6667]), score="s")
    assert row(flat, 4)["prior_sd"] == 0.0  # exactly 0, so it cannot fire
    assert row(flat, 4)["rupture"] is False


# --------------------------------------------------------------------------
# rule "cutoff" and combinations
# --------------------------------------------------------------------------


def test_cutoff_rule_strict_and_inclusive() -> None:
    # OpenFIT-style: SRS below 36. 35 < 36 fires; 36 only with cutoff_inclusive.
    data = one_client([38, 35, 36])
    out = detect_ruptures(data, score="s", cutoff=36)
    assert out["rupture"].to_list() == [False, True, False]
    assert row(out, 2)["rule"] == "cutoff"
    out = detect_ruptures(data, score="s", cutoff=36, cutoff_inclusive=True)
    assert out["rupture"].to_list() == [False, True, True]


def test_cutoff_at_the_first_session_has_no_repair_status() -> None:
    out = detect_ruptures(one_client([30, 40, 41, 42]), score="s", cutoff=36)
    assert row(out, 1)["rupture"] is True
    assert row(out, 1)["repair"] is None  # no pre-drop level to return to


def test_rules_are_joined_in_a_fixed_order() -> None:
    # Priors 40, 42, 44 (threshold 38); 30: drop 44 - 30 = 14 >= 6, 30 <= 38,
    # and 30 < 36.
    out = detect_ruptures(one_client([40, 42, 44, 30]), score="s", min_drop=6, cutoff=36)
    assert row(out, 4)["rule"] == "drop+sd+cutoff"
    out = detect_ruptures(one_client([40, 42, 44, 30]), score="s", min_drop=6)
    assert row(out, 4)["rule"] == "drop+sd"


# --------------------------------------------------------------------------
# symptom scales: higher_is_better=False mirrors everything
# --------------------------------------------------------------------------


def test_mirrored_rules_hand_computed() -> None:
    # PHQ-9-like: priors 10, 8, 6: mean 8, SD 2; threshold 8 + 2 * 2 = 12;
    # 14 >= 12 fires; sd_below = (14 - 8) / 2 = 3; drop (a rise) = 14 - 6 = 8 >= 6;
    # 14 > 10 (caseness-like cut-off) fires.
    out = detect_ruptures(
        one_client([10, 8, 6, 14]), score="s", min_drop=6, cutoff=10, higher_is_better=False
    )
    r4 = row(out, 4)
    assert r4["rule"] == "drop+sd+cutoff"
    assert r4["drop"] == 8.0
    assert r4["prior_mean"] == pytest.approx(8.0)
    assert r4["threshold"] == pytest.approx(12.0)
    assert r4["sd_below"] == pytest.approx(3.0)
    # 10 is not above the cut-off 10, and falls (drop -2): nothing fires at session 1-3.
    assert out["rupture"].to_list() == [False, False, False, True]


def test_mirrored_repair_means_back_down() -> None:
    # Rise 6 -> 14 at session 4; pre-drop level 6; session 5: 9 > 6, session 6: 6 <= 6.
    out = detect_ruptures(
        one_client([10, 8, 6, 14, 9, 6]), score="s", min_drop=6, higher_is_better=False
    )
    assert row(out, 4)["repair"] == "repaired"
    assert row(out, 4)["repair_session"] == 6


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 60)), min_size=1, max_size=12))
def test_negated_scores_on_a_symptom_scale_give_the_same_flags(scores: list[int | None]) -> None:
    up = one_client([None if v is None else float(v) for v in scores])
    down = up.with_columns(-pl.col("s"))
    kw: dict[str, Any] = {"score": "s", "min_drop": 5, "repair_within": 2}
    a = detect_ruptures(up, cutoff=30, **kw)
    b = detect_ruptures(down, cutoff=-30, higher_is_better=False, **kw)
    same = ["rupture", "rule", "drop", "n_prior", "prior_sd", "sd_below", "repair"]
    assert_frame_equal(a.select(same), b.select(same))
    assert_frame_equal(
        a.select(pl.col("prior_mean", "threshold")), b.select(-pl.col("prior_mean", "threshold"))
    )


# --------------------------------------------------------------------------
# repair
# --------------------------------------------------------------------------


def test_repaired_when_back_at_the_pre_drop_level_within_the_window() -> None:
    # Rupture at 4 (41 -> 30, drop 11); pre-drop level 41; session 5: 35 < 41;
    # session 6: 41 >= 41 -> repaired at 6 (within 4 + 3 = 7).
    out = detect_ruptures(one_client([40, 42, 41, 30, 35, 41]), score="s", min_drop=6)
    assert row(out, 4)["repair"] == "repaired"
    assert row(out, 4)["repair_session"] == 6
    assert out.filter(pl.col("session") != 4)["repair"].null_count() == 5


def test_not_repaired_when_the_window_passes_without_return() -> None:
    # Window after session 4 is sessions 5, 6, 7: 35, 36, 38 < 41; the client
    # is seen at session 7 = 4 + 3, so the window was observed: not repaired.
    out = detect_ruptures(one_client([40, 42, 41, 30, 35, 36, 38]), score="s", min_drop=6)
    assert row(out, 4)["repair"] == "not repaired"
    assert row(out, 4)["repair_session"] is None


def test_censored_when_data_end_inside_the_window() -> None:
    # Only session 5 follows (35 < 41) and the data end before 4 + 3 = 7.
    out = detect_ruptures(one_client([40, 42, 41, 30, 35]), score="s", min_drop=6)
    assert row(out, 4)["repair"] == "censored"
    assert row(out, 4)["repair_session"] is None


def test_a_return_after_the_window_is_not_a_repair() -> None:
    # Sessions 1-4 then 8: 41 at session 8 is outside (4, 7]; the client was
    # seen after the window, so: not repaired.
    data = one_client([40, 42, 41, 30, 41], sessions=[1, 2, 3, 4, 8])
    out = detect_ruptures(data, score="s", min_drop=6)
    assert row(out, 4)["repair"] == "not repaired"
    assert row(detect_ruptures(data, score="s", min_drop=6, repair_within=4), 4)["repair"] == (
        "repaired"
    )


def test_repair_within_shrinks_the_window() -> None:
    data = one_client([40, 42, 41, 30, 35, 41])
    assert row(detect_ruptures(data, score="s", min_drop=6, repair_within=1), 4)["repair"] == (
        "not repaired"
    )


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------


def _frames() -> st.SearchStrategy[pl.DataFrame]:
    @st.composite
    def build(draw: st.DrawFn) -> pl.DataFrame:
        ids, sessions, scores = [], [], []
        for client in draw(st.lists(st.sampled_from("abcde"), min_size=1, max_size=4, unique=True)):
            visits = draw(st.lists(st.integers(1, 12), min_size=1, max_size=9, unique=True))
            for s in visits:
                ids.append(client)
                sessions.append(s)
                scores.append(draw(st.one_of(st.none(), st.integers(12, 60))))
        return pl.DataFrame(
            {"id": ids, "session": sessions, "s": scores},
            schema={"id": pl.String, "session": pl.Int64, "s": pl.Int64},
        )

    return build()


@settings(max_examples=80, deadline=None)
@given(_frames(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order(frame: pl.DataFrame, rnd: random.Random) -> None:
    order = list(range(frame.height))
    rnd.shuffle(order)
    kw: dict[str, Any] = {"score": "s", "min_drop": 6, "cutoff": 30}
    a = detect_ruptures(frame, **kw)
    b = detect_ruptures(frame[order], **kw)
    assert_frame_equal(a, b)
    assert a.select("id", "session").equals(frame.sort("id", "session").select("id", "session"))


@settings(max_examples=60, deadline=None)
@given(_frames())
def test_running_mean_and_sd_match_a_naive_per_client_oracle(frame: pl.DataFrame) -> None:
    out = detect_ruptures(frame, score="s", min_prior=2)
    for client in out["id"].unique().to_list():
        seen: list[float] = []
        for r in out.filter(pl.col("id") == client).iter_rows(named=True):
            assert r["n_prior"] == len(seen)
            if seen:
                assert r["prior_mean"] == pytest.approx(statistics.fmean(seen))
            if len(seen) >= 2:
                sd = statistics.stdev(seen)
                assert r["prior_sd"] == pytest.approx(sd, abs=1e-9)
                fires = sd > 0 and r["s"] is not None and r["s"] <= statistics.fmean(seen) - 2 * sd
                assert bool(r["rupture"]) == fires
            if r["s"] is not None:
                seen.append(float(r["s"]))


def test_duplicate_client_sessions_raise_naming_the_first() -> None:
    frame = pl.DataFrame({"id": [3, 2, 2, 3, 2], "session": [1, 3, 1, 1, 3], "s": [1, 2, 3, 4, 5]})
    with pytest.raises(DataError, match=r"\(2, 3\)") as info:
        detect_ruptures(frame, score="s")
    assert isinstance(info.value, ValueError)


def test_accepts_a_lazy_frame_and_string_ids() -> None:
    frame = pl.DataFrame({"id": ["b", "a", "a"], "session": [1, 2, 1], "s": [40, 30, 40]})
    out = detect_ruptures(frame.lazy(), score="s", min_drop=6)
    assert isinstance(out, pl.DataFrame)
    assert out.rows() == [
        ("a", 1, 40, False, None, None, 0, None, None, None, None, None, None, None),
        ("a", 2, 30, True, "drop", 10.0, 1, 40.0, None, None, None, None, "censored", None),
        ("b", 1, 40, False, None, None, 0, None, None, None, None, None, None, None),
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"score": "nope"}, ValueError, "missing column"),
        ({"score": "txt"}, TypeError, "numeric"),
        ({"score": "s", "min_drop": 0}, ValueError, "min_drop"),
        ({"score": "s", "sd_k": -1}, ValueError, "sd_k"),
        ({"score": "s", "min_prior": 1}, ValueError, "min_prior"),
        ({"score": "s", "repair_within": 0}, ValueError, "repair_within"),
        ({"score": "s", "cutoff": math.nan}, ValueError, "cutoff"),
        ({"score": "s", "session_col": "txt"}, TypeError, "integers"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    frame = pl.DataFrame({"id": [1], "session": [1], "s": [40], "txt": ["x"]})
    with pytest.raises(error, match=match):
        detect_ruptures(frame, **kwargs)


def test_rejects_what_is_not_a_frame() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        detect_ruptures({"id": [1]}, score="s")  # type: ignore[arg-type]


def test_null_ids_raise() -> None:
    frame = pl.DataFrame({"id": [1, None], "session": [1, 2], "s": [40, 41]})
    with pytest.raises(DataError, match="missing"):
        detect_ruptures(frame, score="s")


# --------------------------------------------------------------------------
# min_drop, summary, accuracy
# --------------------------------------------------------------------------


def test_min_drop_from_norms_is_jacobson_truax() -> None:
    # 1.96 * sqrt(2) * 7.5 * sqrt(1 - .84) = 1.96 * 1.41421 * 7.5 * 0.4 = 8.31557
    assert min_drop_from_norms(7.5, 0.84) == pytest.approx(8.315576, abs=1e-6)
    assert min_drop_from_norms(7.5, 0.84) == min_reliable_change(s_diff(7.5, 0.84))
    assert min_drop_from_norms(7.5, 0.84, z=1.0) == pytest.approx(4.242641, abs=1e-6)


def test_min_drop_for_reads_the_instrument_norms() -> None:
    assert min_drop_for("phq9") == 6.0  # NHS Talking Therapies reliable change [check]
    assert min_drop_for("wai_sr") is None  # no published norm
    assert min_drop_for("wai_sr", "bond") is None


def test_rupture_summary_counts() -> None:
    frame = pl.concat(
        [
            one_client([40, 42, 41, 30, 41]),  # rupture at 4, repaired at 5
            one_client([40, 42, 41, 30, 33, 34, 35]).with_columns(id=pl.lit(2, pl.Int64)),
            one_client([40, 30, None]).with_columns(id=pl.lit(3, pl.Int64)),  # censored
        ]
    )
    s = rupture_summary(detect_ruptures(frame, score="s", min_drop=6))
    assert (s.clients, s.sessions, s.ruptures, s.clients_with_rupture) == (3, 14, 3, 3)
    assert (s.repaired, s.not_repaired, s.censored, s.unassessed) == (1, 1, 1, 0)
    assert s.rupture_rate == pytest.approx(3 / 14)
    assert s.repair_rate == pytest.approx(0.5)  # censored left out: 1 / (1 + 1)
    assert s.as_dict()["ruptures"] == 3


def test_rupture_summary_of_no_ruptures_has_nan_repair_rate() -> None:
    s = rupture_summary(detect_ruptures(one_client([40, 41, 42]), score="s"))
    assert s.ruptures == 0
    assert math.isnan(s.repair_rate)


def test_detection_accuracy_matching_rule() -> None:
    # Client 1: injected 3, flagged 3 and 5 -> recalled; 1 of 2 flags true.
    # Client 2: injected 2, flagged 3 -> missed at window 0, found at window 1.
    # Client 3: injected 9, after its last session -> not detectable.
    flags = pl.DataFrame(
        {
            "id": [1, 1, 1, 1, 1, 2, 2, 2, 3],
            "session": [1, 2, 3, 4, 5, 1, 2, 3, 1],
            "rupture": [False, False, True, False, True, False, False, True, False],
        }
    )
    truth = pl.DataFrame({"id": [1, 2, 3, 4], "rupture_session": [3, 2, 9, None]})
    a = detection_accuracy(flags, truth)
    assert (a.injected, a.detectable, a.detected, a.true_positives, a.recalled) == (3, 2, 3, 1, 1)
    assert a.recall == 0.5
    assert a.precision == pytest.approx(1 / 3)
    b = detection_accuracy(flags, truth, window=1)
    assert b.recall == 1.0
    assert b.precision == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="window"):
        detection_accuracy(flags, truth, window=-1)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(ruptures)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------
# on a simulated cohort with known ruptures
# --------------------------------------------------------------------------


def _cronbach_alpha(items: np.ndarray) -> float:
    k = items.shape[1]
    return float(
        k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    )


def test_detector_finds_the_ruptures_injected_by_the_simulator() -> None:
    from alliance.scoring import score
    from alliance.simulate import simulate_cohort

    cohort = simulate_cohort(3000, 10, seed=20240611, instruments=("wai_sr",))
    scored = score(cohort.data, "wai_sr").scores.select("id", "session", "wai_sr_total")
    # WAI-SR has no published reliable-change norm, so min_drop is estimated
    # from the sample as PSYCHOMETRICS.md advises: Jacobson-Truax with the
    # session-1 SD of the total and Cronbach's alpha of the session-1 items.
    first = cohort.data.filter(pl.col("session") == 1)
    alpha = _cronbach_alpha(first.select(pl.col(r"^wai_sr_\d+$")).to_numpy().astype(float))
    sd = float(np.std(scored.filter(pl.col("session") == 1)["wai_sr_total"].to_numpy(), ddof=1))
    min_drop = min_drop_from_norms(sd, alpha)

    results = {}
    settings_: dict[str, float | None] = {
        "sd rule only (detector defaults)": None,
        "drop + sd (project default)": min_drop,
    }
    for label, drop in settings_.items():
        flags = detect_ruptures(scored, score="wai_sr_total", min_drop=drop)
        results[label] = acc = detection_accuracy(flags, cohort.truth)
        print(
            f"\n{label}: min_drop={drop}, alpha={alpha:.3f}, sd={sd:.2f}; "
            f"injected={acc.detectable}, flagged={acc.detected}, "
            f"recall={acc.recall:.3f}, precision={acc.precision:.3f}"
        )
    # Measured with this seed: sd rule only recall .61, precision .58;
    # drop + sd recall .94, precision .52 (min_drop 5.3 points). The
    # sd rule cannot fire before session 4 (min_prior=3), which caps its
    # recall; false flags are mostly measurement noise in clients without a
    # rupture (about 5% of their sessions per rule, as the t distribution of a
    # score against 3-9 prior sessions predicts). Floors leave 0.07-0.11 of
    # margin, about 5 or more standard errors at ~1,400 injected ruptures.
    only_sd = results["sd rule only (detector defaults)"]
    both = results["drop + sd (project default)"]
    assert only_sd.recall >= 0.5
    assert only_sd.precision >= 0.5
    assert both.recall >= 0.85
    assert both.precision >= 0.45
    assert both.recall > only_sd.recall
