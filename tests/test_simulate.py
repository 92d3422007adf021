"""Synthetic cohorts (alliance.simulate)."""

from __future__ import annotations

import doctest

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alliance import simulate
from alliance.instruments import get
from alliance.scoring import score
from alliance.simulate import PROFILES, simulate_cohort

ALL = ("wai_sr", "wai_sr_t", "sai", "phq9", "gad7")


def client_level(data: pl.DataFrame) -> pl.DataFrame:
    """Per client: mean WAI-SR total, mean therapist total, OLS slope of PHQ-9."""
    scored = score(data, ["wai_sr", "wai_sr_t", "phq9"]).scores
    return (
        scored.group_by("id")
        .agg(
            pl.col("wai_sr_total").mean().alias("wai"),
            pl.col("wai_sr_t_total").mean().alias("wai_t"),
            (pl.cov("session", "phq9_total") / pl.col("session").var()).alias("phq9_slope"),
            pl.len().alias("n"),
        )
        .filter(pl.col("n") >= 3)
    )


def corr(a: pl.Series, b: pl.Series) -> float:
    return float(np.corrcoef(a.to_numpy(), b.to_numpy())[0, 1])


def test_same_seed_gives_the_same_cohort_and_another_seed_does_not() -> None:
    a = simulate_cohort(300, 8, seed=5, missing_rate=0.05)
    b = simulate_cohort(300, 8, seed=5, missing_rate=0.05)
    assert_frame_equal(a.data, b.data)
    assert_frame_equal(a.truth, b.truth)
    c = simulate_cohort(300, 8, seed=6, missing_rate=0.05)
    assert not a.data.equals(c.data)


def test_adding_an_instrument_leaves_the_others_unchanged() -> None:
    one = simulate_cohort(200, 6, seed=3, instruments=("wai_sr",))
    two = simulate_cohort(200, 6, seed=3, instruments=("phq9", "wai_sr"))
    assert_frame_equal(one.data, two.data.select(one.data.columns))
    assert_frame_equal(one.truth, two.truth)


def test_columns_follow_the_wide_layout() -> None:
    c = simulate_cohort(20, 4, seed=1)
    expected = ["id", "session"] + [
        get(i).item_column(n) for i in ALL for n in get(i).scored_items()
    ]
    assert c.data.columns == expected
    assert c.data["id"].dtype == pl.Int64
    assert c.data["session"].dtype == pl.Int64
    assert c.data.select("id", "session").equals(
        c.data.select("id", "session").sort("id", "session")
    )


def test_items_are_int8_within_each_instruments_options() -> None:
    c = simulate_cohort(2000, 10, seed=2, missing_rate=0.1)
    for inst_id in ALL:
        inst = get(inst_id)
        for n in inst.scored_items():
            col = c.data[inst.item_column(n)]
            assert col.dtype == pl.Int8
            allowed = {o.value for o in inst.response_for(n).options}
            seen = set(col.drop_nulls().unique().to_list())
            assert seen <= allowed, (inst_id, n, seen - allowed)
            assert len(seen) >= 3  # the items vary over the scale, not stuck at one end


def test_simulated_items_pass_the_scoring_engine() -> None:
    c = simulate_cohort(500, 6, seed=4)
    result = score(c.data, list(ALL))
    assert result.skipped.height == 0
    assert result.scores["phq9_total"].null_count() == 0


def test_no_dropout_gives_every_session_and_dropout_gives_fewer_rows() -> None:
    full = simulate_cohort(1000, 10, seed=8, dropout_rate=0.0, rupture_dropout=0.0)
    assert full.data.height == 10_000
    assert full.truth["dropout_session"].null_count() == 1000
    dropped = simulate_cohort(1000, 10, seed=8, dropout_rate=0.3)
    assert dropped.data.height < 10_000
    per_client = dropped.data.group_by("id").agg(pl.len().alias("rows"), pl.max("session"))
    check = dropped.truth.join(per_client, on="id")
    assert (check["rows"] == check["sessions_attended"]).all()
    assert (check["session"] == check["sessions_attended"]).all()
    left = check.filter(pl.col("dropout_session").is_not_null())
    assert (left["dropout_session"] == left["sessions_attended"]).all()
    assert (left["dropout_session"] < 10).all()


def dropout_by_unrepaired(truth: pl.DataFrame) -> dict[bool, float]:
    rate = truth.group_by(unrepaired=pl.col("repaired").not_().fill_null(False)).agg(
        pl.col("dropout_session").is_not_null().mean().alias("rate")
    )
    return dict(zip(rate["unrepaired"], rate["rate"], strict=True))


def test_dropout_is_more_likely_after_an_unrepaired_rupture() -> None:
    by = dropout_by_unrepaired(simulate_cohort(20000, 10, seed=9).truth)
    # Without an unrepaired rupture the dropout is about the base rate .2
    # (binomial SE about .003; a little off it because early leavers have
    # fewer sessions at which to rupture).
    assert by[False] == pytest.approx(0.2, abs=0.02)
    # Unrepaired: rupture_dropout = .5 leave within two sessions of it (not
    # possible after a rupture at the last session), plus the base dropout:
    # measured .49.
    assert by[True] > 0.4
    assert by[True] > 2 * by[False]
    # Switching the extra dropout off removes the rise: then clients with an
    # unrepaired rupture leave less often than others (measured .12 vs .22),
    # since a rupture needs attendance up to its session.
    off = dropout_by_unrepaired(simulate_cohort(20000, 10, seed=9, rupture_dropout=0.0).truth)
    assert off[True] < off[False]


def test_ruptures_repairs_and_their_timing() -> None:
    t = simulate_cohort(20000, 10, seed=10, dropout_rate=0.0, rupture_dropout=0.0).truth
    ruptured = t.filter(pl.col("rupture_session").is_not_null())
    # Per-session hazard .08 over sessions 2..10: 1 - .92**9 = .528 of clients
    # (binomial SE .0035).
    assert ruptured.height / t.height == pytest.approx(1 - 0.92**9, abs=0.015)
    assert ruptured["rupture_session"].min() == 2
    assert ruptured["rupture_session"].max() == 10
    # repaired with probability .6 (SE .005).
    assert ruptured["repaired"].mean() == pytest.approx(0.6, abs=0.02)
    repaired = ruptured.filter("repaired")
    lag = repaired["repair_session"] - repaired["rupture_session"]
    assert set(lag.unique().to_list()) == {1, 2, 3}
    assert t.filter(pl.col("rupture_session").is_null())["repaired"].null_count() == (
        t.height - ruptured.height
    )
    assert ruptured.filter(~pl.col("repaired"))["repair_session"].null_count() == (
        ruptured.filter(~pl.col("repaired")).height
    )


def test_a_rupture_is_a_sharp_drop_in_the_observed_alliance() -> None:
    c = simulate_cohort(5000, 10, seed=12, instruments=("wai_sr",))
    scored = score(c.data, "wai_sr").scores.select("id", "session", "wai_sr_total")
    change = scored.with_columns(
        (pl.col("wai_sr_total") - pl.col("wai_sr_total").shift(1).over("id")).alias("change")
    ).join(c.truth.select("id", "rupture_session"), on="id")
    at = change.filter(pl.col("session") == pl.col("rupture_session"))["change"].to_numpy()
    other = change.filter(pl.col("rupture_session").is_null() & pl.col("change").is_not_null())[
        "change"
    ].to_numpy()
    # rupture_size 1.5 latent SDs x 0.56 points per SD per item x 12 items = 10 points.
    assert at.mean() == pytest.approx(-10, abs=1.5)
    # noise: session-to-session SD about 3.3 points, mean change near 0.
    assert abs(other.mean()) < 0.5
    assert 2.5 < other.std(ddof=1) < 4.5


@pytest.mark.parametrize("r", [0.0, 0.28, 0.5])
def test_alliance_outcome_correlation_is_set_by_the_parameter(r: float) -> None:
    c = simulate_cohort(
        20000, 10, seed=13, instruments=("wai_sr", "wai_sr_t", "phq9"), alliance_outcome_r=r
    )
    latent = corr(c.truth["alliance_intercept"], -c.truth["symptom_slope"])
    # The parameter is the population correlation of the latent alliance level
    # with the latent rate of improvement. Sample SE at n = 20,000 is
    # (1 - r**2) / sqrt(n) <= .007, so +/- .025 is more than 3.5 SEs.
    assert latent == pytest.approx(r, abs=0.025)
    clients = client_level(c.data)
    observed = corr(clients["wai"], -clients["phq9_slope"])
    print(f"\nalliance_outcome_r={r}: latent {latent:.3f}, observed {observed:.3f}")
    # Observed (client mean WAI-SR total vs PHQ-9 slope): attenuated by
    # measurement error, floor effects, ruptures and dropout to about two
    # thirds (measured .18 for .28, .33 for .5). SE about .007.
    assert 0.5 * r - 0.025 <= observed <= 0.8 * r + 0.025


def test_therapist_form_correlates_with_but_differs_from_the_client_form() -> None:
    c = simulate_cohort(5000, 8, seed=14, instruments=("wai_sr", "wai_sr_t", "phq9"))
    clients = client_level(c.data)
    r = corr(clients["wai"], clients["wai_t"])
    assert 0.3 < r < 0.8  # measured .51 with therapist_r = .5
    same = c.data.select([pl.col(f"wai_sr_{n}") == pl.col(f"wai_sr_t_{n}") for n in range(1, 13)])
    assert same.to_numpy().mean() < 0.6  # not a copy


def test_missing_rate_blanks_items_at_about_that_rate() -> None:
    assert simulate_cohort(200, 5, seed=1).data.null_count().sum_horizontal().item() == 0
    c = simulate_cohort(2000, 10, seed=1, missing_rate=0.1)
    items = c.data.drop("id", "session")
    share = items.null_count().sum_horizontal().item() / (items.height * items.width)
    assert share == pytest.approx(0.1, abs=0.005)  # SE about .0002
    assert c.data["id"].null_count() == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"instruments": ("cnip",)}, "cannot simulate 'cnip'"),
        ({"instruments": ("nope",)}, "cannot simulate 'nope'"),
        ({"instruments": ("wai_sr", "wai_sr")}, "repeat"),
        ({"rupture_rate": 1.5}, "rupture_rate"),
        ({"repair_prob": -0.1}, "repair_prob"),
        ({"missing_rate": 2.0}, "missing_rate"),
        ({"alliance_outcome_r": 1.0}, "alliance_outcome_r"),
        ({"rupture_size": -1.0}, "rupture_size"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_cohort(10, 5, seed=1, **kwargs)  # type: ignore[arg-type]


def test_bad_sizes_and_types_raise() -> None:
    with pytest.raises(ValueError, match="n_clients"):
        simulate_cohort(0, 5, seed=1)
    with pytest.raises(ValueError, match="n_sessions"):
        simulate_cohort(10, 0, seed=1)
    with pytest.raises(TypeError, match="one string"):
        simulate_cohort(10, 5, seed=1, instruments="wai_sr")


def test_one_session_cohort_has_no_ruptures_or_dropout() -> None:
    t = simulate_cohort(500, 1, seed=1).truth
    assert t["rupture_session"].null_count() == 500
    assert t["dropout_session"].null_count() == 500


def test_every_profile_is_a_built_in_instrument() -> None:
    for inst_id in PROFILES:
        assert get(inst_id).id == inst_id


def test_docstring_examples_run() -> None:
    result = doctest.testmod(simulate)
    assert result.attempted > 0
    assert result.failed == 0


def test_slope_r_correlates_the_clients_alliance_and_symptom_slopes() -> None:
    t = simulate_cohort(20000, 2, seed=12, instruments=("sai",), slope_r=-0.6).truth
    r = np.corrcoef(t["alliance_slope"].to_numpy(), t["symptom_slope"].to_numpy())[0, 1]
    assert r == pytest.approx(-0.6, abs=0.02)
    r0 = np.corrcoef(t["alliance_intercept"].to_numpy(), -t["symptom_slope"].to_numpy())[0, 1]
    assert r0 == pytest.approx(0.28, abs=0.02)


def test_within_effect_moves_only_the_next_sessions_symptoms() -> None:
    kw = {"instruments": ("phq9",), "seed": 13, "dropout_rate": 0.0, "rupture_dropout": 0.0}
    base = simulate_cohort(300, 6, **kw).data  # type: ignore[arg-type]
    moved = simulate_cohort(300, 6, within_effect=-2.0, **kw).data  # type: ignore[arg-type]
    first = pl.col("session") == 1
    assert base.filter(first).equals(moved.filter(first))
    assert not base.filter(~first).equals(moved.filter(~first))


def test_slope_r_and_within_effect_are_checked() -> None:
    with pytest.raises(ValueError, match="slope_r"):
        simulate_cohort(10, 3, seed=1, slope_r=0.99)
    with pytest.raises(ValueError, match="within_effect"):
        simulate_cohort(10, 3, seed=1, within_effect=float("nan"))


def test_simulate_scores_plants_the_within_effect_on_the_score_scale() -> None:
    from alliance.simulate import simulate_scores

    null = simulate_scores(4000, 4, seed=1)
    planted = simulate_scores(4000, 4, seed=1, within_effect=-1.5)
    diff = (planted["outcome"] - null["outcome"]).to_numpy().reshape(4000, 4)
    dev = planted["alliance"].to_numpy().reshape(4000, 4)
    assert np.all(diff[:, 0] == 0)
    # the difference at t+1 is -1.5 x the alliance's noise at t, which correlates with the score
    assert np.corrcoef(diff[:, 1], dev[:, 0])[0, 1] < -0.5
