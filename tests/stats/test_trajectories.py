"""Expected recovery bands and on-track labels (alliance.stats.trajectories)."""

from __future__ import annotations

import doctest
from typing import TypedDict

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.stats import trajectories
from alliance.stats.trajectories import expected_recovery_band, on_track


class Columns(TypedDict):
    id_col: str
    session_col: str
    score_col: str


KW: Columns = {"id_col": "id", "session_col": "session", "score_col": "phq"}
SESSIONS = range(2, 9)
# Known trajectory: phq_t = 2 + (1 - 0.06 (t - 1)) * phq_1 + N(0, (2 + 0.1 t)^2)
INTERCEPT = 2.0


def true_slope(t: int) -> float:
    return 1 - 0.06 * (t - 1)


def true_sd(t: int) -> float:
    return 2 + 0.1 * t


def simulate(n: int = 1200, seed: int = 20240601) -> pl.DataFrame:
    """A cohort of ``n`` clients over sessions 1..8, about 10% of later sessions missed,
    plus a session 9 that only 10 clients reach."""
    rng = np.random.default_rng(seed)
    base = rng.normal(18, 5, n)
    ids, sessions, scores = [np.arange(n)], [np.ones(n, dtype=np.int64)], [base]
    for t in SESSIONS:
        keep = rng.random(n) > (0.1 if t > 2 else 0.0)
        y = INTERCEPT + true_slope(t) * base + rng.normal(0, true_sd(t), n)
        ids.append(np.arange(n)[keep])
        sessions.append(np.full(keep.sum(), t, dtype=np.int64))
        scores.append(y[keep])
    ids.append(np.arange(10))
    sessions.append(np.full(10, 9, dtype=np.int64))
    scores.append(base[:10] * 0.5)
    return pl.DataFrame(
        {
            "id": np.concatenate(ids),
            "session": np.concatenate(sessions),
            "phq": np.concatenate(scores),
        }
    )


@pytest.fixture(scope="module")
def cohort() -> pl.DataFrame:
    return simulate()


def test_docstring_examples_run() -> None:
    result = doctest.testmod(trajectories)
    assert result.attempted > 0
    assert result.failed == 0


def test_band_matches_numpy_polyfit_per_session(cohort: pl.DataFrame) -> None:
    band = expected_recovery_band(cohort, **KW)
    assert band["session"].to_list() == list(range(2, 10))
    wide = cohort.filter(pl.col("session") == 1).select("id", pl.col("phq").alias("x"))
    for t in range(2, 10):
        pair = cohort.filter(pl.col("session") == t).join(wide, on="id")
        x, y = pair["x"].to_numpy(), pair["phq"].to_numpy()
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (intercept + slope * x)
        row = band.filter(pl.col("session") == t).row(0, named=True)
        assert row["n"] == len(x)
        assert row["slope"] == pytest.approx(slope, rel=1e-9)
        assert row["intercept"] == pytest.approx(intercept, rel=1e-9, abs=1e-9)
        assert row["residual_sd"] == pytest.approx(np.std(resid, ddof=2), rel=1e-9)
        assert row["baseline_mean"] == pytest.approx(x.mean())


def test_band_recovers_the_simulated_trajectory(cohort: pl.DataFrame) -> None:
    band = expected_recovery_band(cohort, **KW).filter(pl.col("session") <= 8)
    for row in band.iter_rows(named=True):
        t = row["session"]
        # SE(slope) ~ 2.8 / (5 * sqrt(1080)) = 0.017; allow 5 SE
        assert row["slope"] == pytest.approx(true_slope(t), abs=0.085)
        assert row["residual_sd"] == pytest.approx(true_sd(t), rel=0.1)


@pytest.mark.parametrize(("coverage", "z"), [(0.5, 0.6745), (0.8, 1.2816), (0.95, 1.9600)])
def test_band_width_follows_the_normal_quantile_of_the_coverage(
    cohort: pl.DataFrame, coverage: float, z: float
) -> None:
    band = expected_recovery_band(cohort, coverage=coverage, **KW)
    assert band["z"].unique().to_list() == [pytest.approx(z, abs=1e-4)]
    labelled = on_track(cohort, band, higher_is_better=False, **KW)
    inside = labelled.filter(pl.col("status") != "no band")["status"] == "on track"
    # about 7,300 labelled sessions: the share inside the band is within 3 points of coverage
    assert inside.mean() == pytest.approx(coverage, abs=0.03)


def test_client_far_above_band_is_not_on_track_when_lower_is_better(
    cohort: pl.DataFrame,
) -> None:
    extra = pl.DataFrame(
        {
            "id": [9001, 9001, 9002, 9002],
            "session": [1, 5, 1, 5],
            "phq": [18.0, 40.0, 18.0, 0.0],
        }
    )
    data = pl.concat([cohort, extra])
    band = expected_recovery_band(data, **KW)
    out = on_track(data, band, higher_is_better=False, **KW).filter(pl.col("id") >= 9001)
    # expected at session 5: 2 + 0.76 * 18 = 15.7, band about +/- 0.67 * 2.5
    assert out["status"].to_list() == ["no band", "not on track", "no band", "better than expected"]
    row = out.row(1, named=True)
    assert row["expected_low"] < row["expected"] < row["expected_high"] < 40
    flipped = on_track(data, band, higher_is_better=True, **KW).filter(pl.col("id") >= 9001)
    assert flipped["status"].to_list()[1::2] == ["better than expected", "not on track"]


def test_sessions_with_fewer_than_min_n_clients_have_no_band(cohort: pl.DataFrame) -> None:
    band = expected_recovery_band(cohort, **KW)
    assert band.filter(pl.col("session") == 9)["n"].item() == 10
    out = on_track(cohort, band, higher_is_better=False, **KW)
    assert set(out.filter(pl.col("session") == 9)["status"]) == {"no band"}
    assert set(out.filter(pl.col("session") == 1)["status"]) == {"no band"}
    # with min_n = 5 the ten clients are enough
    lenient = on_track(cohort, band, higher_is_better=False, min_n=5, **KW)
    assert "no band" not in set(lenient.filter(pl.col("session") == 9)["status"])


def test_on_track_keeps_row_order_and_marks_missing_baseline_and_score() -> None:
    band = pl.DataFrame(
        {"session": [2], "n": [40], "slope": [0.5], "intercept": [2.0], "residual_sd": [2.0]}
    ).with_columns(pl.lit(1.0).alias("z"))
    df = pl.DataFrame(
        {
            "id": [3, 1, 2, 1, 3],
            "session": [2, 2, 2, 1, 1],
            "phq": [None, 13.0, 11.0, 20.0, 22.0],
            "site": ["a", "b", "c", "d", "e"],
        }
    )
    out = on_track(df, band, higher_is_better=False, **KW)
    assert out["site"].to_list() == ["a", "b", "c", "d", "e"]
    # client 1: expected 2 + 0.5 * 20 = 12, band 10..14, score 13 -> on track
    # client 2: no session-1 score -> no band; client 3: score missing -> null
    assert out["status"].to_list() == [None, "on track", "no band", "no band", "no band"]
    assert out["expected"].to_list() == [13.0, 12.0, None, None, None]
    assert out["baseline"].to_list() == [22.0, 20.0, None, 20.0, 22.0]


def test_band_does_not_depend_on_row_order(cohort: pl.DataFrame) -> None:
    shuffled = cohort.sample(fraction=1.0, shuffle=True, seed=7)
    a = expected_recovery_band(cohort, **KW)
    b = expected_recovery_band(shuffled, **KW)
    assert_frame_equal(a, b, abs_tol=1e-9)


def test_band_needs_integer_sessions_one_row_per_session_and_valid_coverage() -> None:
    df = pl.DataFrame({"id": [1, 1], "session": [1, 2], "phq": [10.0, 9.0]})
    with pytest.raises(ValueError, match="coverage must lie strictly between 0 and 1"):
        expected_recovery_band(df, coverage=1.0, **KW)
    with pytest.raises(TypeError, match="integer session numbers"):
        expected_recovery_band(df.with_columns(pl.col("session").cast(pl.Float64)), **KW)
    with pytest.raises(DataError, match="two rows for the same session"):
        expected_recovery_band(pl.concat([df, df]), **KW)
    with pytest.raises(TypeError, match="'phq' must be numeric"):
        expected_recovery_band(df.with_columns(pl.col("phq").cast(pl.String)), **KW)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['phq'\]"):
        expected_recovery_band(df.drop("phq"), **KW)


def test_on_track_rejects_bad_band_and_clashing_columns(cohort: pl.DataFrame) -> None:
    band = expected_recovery_band(cohort, **KW)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['slope'\]"):
        on_track(cohort, band.drop("slope"), higher_is_better=False, **KW)
    with pytest.raises(ValueError, match="more than one row for a session"):
        on_track(cohort, pl.concat([band, band]), higher_is_better=False, **KW)
    with pytest.raises(ValueError, match=r"already has column\(s\) \['status'\]"):
        on_track(cohort.with_columns(status=1), band, higher_is_better=False, **KW)
    with pytest.raises(ValueError, match="min_n must be at least 3"):
        on_track(cohort, band, higher_is_better=False, min_n=2, **KW)
    with pytest.raises(TypeError, match="higher_is_better must be True or False"):
        on_track(cohort, band, higher_is_better=None, **KW)  # type: ignore[arg-type]


def test_constant_baseline_gives_no_slope_and_no_band() -> None:
    n = 40
    df = pl.DataFrame(
        {
            "id": list(range(n)) * 2,
            "session": [1] * n + [2] * n,
            "phq": [15.0] * n + [float(i % 7) for i in range(n)],
        }
    )
    band = expected_recovery_band(df, **KW)
    assert band["slope"].to_list() == [None]
    assert set(on_track(df, band, higher_is_better=False, **KW)["status"]) == {"no band"}


# ---------------------------------------------- coverage is a setting, with its base rate


def test_default_coverage_is_ninety_percent_and_implies_one_session_in_twenty_not_on_track() -> None:
    assert trajectories.DEFAULT_COVERAGE == 0.9
    assert trajectories.not_on_track_rate() == pytest.approx(0.05)
    assert trajectories.not_on_track_rate(0.5) == pytest.approx(0.25)
    for bad, error in ((0.0, ValueError), (1.0, ValueError), ("0.5", TypeError), (True, TypeError)):
        with pytest.raises(error):
            trajectories.not_on_track_rate(bad)  # type: ignore[arg-type]


def test_wider_coverage_flags_fewer_sessions_on_simulated_on_track_data() -> None:
    # Clients who all follow the typical course: a band fitted on one cohort,
    # applied to another drawn the same way (as a clinic applies its past clients' band).
    past, now = simulate(seed=1), simulate(seed=2)
    shares = {}
    for coverage in (0.5, 0.8, 0.9):
        band = expected_recovery_band(past, coverage=coverage, **KW)
        labelled = on_track(now, band, higher_is_better=False, **KW)
        judged = labelled.filter(pl.col("status").is_in(["on track", "not on track",
                                                         "better than expected"]))  # fmt: skip
        shares[coverage] = (judged["status"] == "not on track").mean()
        # about 7,300 judged sessions: within 2.5 points of (1 - coverage) / 2
        assert shares[coverage] == pytest.approx(
            trajectories.not_on_track_rate(coverage), abs=0.025
        )
    assert shares[0.5] > shares[0.8] > shares[0.9]
