"""estimate_min_drop: the reliable drop from a data set's own first sessions,
shared by `alliance ruptures --estimate` and the research report."""

from __future__ import annotations

import math

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.instruments import get
from alliance.scoring import score
from alliance.simulate import simulate_cohort
from alliance.stats.reliability import cronbach_alpha
from alliance.stats.ruptures import estimate_min_drop, min_drop_from_norms


@pytest.fixture(scope="module")
def scored() -> pl.DataFrame:
    raw = simulate_cohort(50, 5, seed=11, instruments=("wai_sr",)).data
    return score(raw, "wai_sr").scores


def test_drop_is_jacobson_truax_on_first_session_sd_and_alpha(scored: pl.DataFrame) -> None:
    inst = get("wai_sr")
    items = [inst.item_column(n) for n in inst.scale("total").items]
    first = scored.sort("id", "session").group_by("id", maintain_order=True).first()
    sd = float(first.get_column("wai_sr_total").std())  # type: ignore[arg-type]
    alpha = cronbach_alpha(first.select(items), nan_policy="listwise").alpha

    est = estimate_min_drop(scored, "wai_sr")

    assert est.clients == 50
    assert est.sd == pytest.approx(sd)
    assert est.alpha == pytest.approx(alpha)
    # 1.96 * sqrt(2) * SD * sqrt(1 - alpha)
    assert est.drop == pytest.approx(1.96 * math.sqrt(2) * sd * math.sqrt(1 - alpha))
    assert est.drop == pytest.approx(min_drop_from_norms(sd, alpha))
    assert "estimated from this data" in est.source and f"{alpha:.3f}" in est.source


def test_first_session_is_the_first_with_a_score(scored: pl.DataFrame) -> None:
    # Blank every client's session 1: the estimate must then use session 2.
    blanked = scored.with_columns(
        pl.when(pl.col("session") == 1)
        .then(None)
        .otherwise(pl.col("wai_sr_total"))
        .alias("wai_sr_total")
    )
    answered = blanked.filter(pl.col("wai_sr_total").is_not_null())
    first = answered.sort("id", "session").group_by("id", maintain_order=True).first()
    assert first.get_column("session").min() == 2
    est = estimate_min_drop(blanked, "wai_sr")
    assert est.clients == answered.get_column("id").n_unique() > 40
    assert est.sd == pytest.approx(float(first.get_column("wai_sr_total").std()))  # type: ignore[arg-type]


def test_other_key_and_score_column_names(scored: pl.DataFrame) -> None:
    renamed = scored.rename({"id": "client", "session": "visit", "wai_sr_total": "alliance"})
    est = estimate_min_drop(
        renamed, "wai_sr", score="alliance", id_col="client", session_col="visit"
    )
    assert est.drop == pytest.approx(estimate_min_drop(scored, "wai_sr").drop)


def test_a_subscale_uses_its_own_items(scored: pl.DataFrame) -> None:
    bond = estimate_min_drop(scored, "wai_sr", "bond")
    total = estimate_min_drop(scored, "wai_sr")
    assert bond.drop != pytest.approx(total.drop)
    assert bond.drop < total.drop  # 4 items, 1-5 each, against 12


def test_missing_item_column_is_named(scored: pl.DataFrame) -> None:
    with pytest.raises(DataError, match="wai_sr_3"):
        estimate_min_drop(scored.drop("wai_sr_3"), "wai_sr")


def test_constant_scores_cannot_give_an_estimate(scored: pl.DataFrame) -> None:
    flat = scored.with_columns(pl.lit(40.0).alias("wai_sr_total"))
    with pytest.raises(DataError, match=r"SD 0\.000"):
        estimate_min_drop(flat, "wai_sr")
