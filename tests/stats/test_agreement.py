"""Tests for alliance.stats.agreement.

Oracles: pingouin.intraclass_corr (test-only, GPL; checked against R's
psych::ICC) at full precision, and the worked example of Shrout & Fleiss
(1979, Table 2: six targets, four judges).
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pingouin as pg
import polars as pl
import pytest
from numpy.typing import NDArray
from pingouin.config import _no_rounding

from alliance.stats import agreement
from alliance.stats.agreement import IccEstimate, IccResult, dyad_gaps, icc, icc_wide

# pingouin 0.7.0 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

# Shrout & Fleiss (1979), Table 2: rows = targets, columns = judges 1-4.
SHROUT_FLEISS = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)


def to_long(wide: NDArray[np.float64], raters: list[str] | None = None) -> pl.DataFrame:
    n, k = wide.shape
    names = raters or [f"r{j}" for j in range(k)]
    return pl.DataFrame(
        {
            "target": np.repeat(np.arange(n), k),
            "rater": names * n,
            "score": wide.reshape(-1),
        }
    )


def pingouin_icc(long: pl.DataFrame, nan_policy: str = "raise") -> dict[str, pd.Series]:
    with _no_rounding():
        table = pg.intraclass_corr(
            long.to_pandas(),
            targets="target",
            raters="rater",
            ratings="score",
            nan_policy=nan_policy,
        )
    rows = table.set_index("Type")
    return {"ICC(2,1)": rows.loc["ICC(A,1)"], "ICC(3,1)": rows.loc["ICC(C,1)"]}


def assert_matches_pingouin(result: IccResult, expected: dict[str, pd.Series]) -> None:
    for estimate in (result.agreement, result.consistency):
        row = expected[estimate.kind]
        assert estimate.icc == pytest.approx(row["ICC"], abs=1e-10)
        assert estimate.f == pytest.approx(row["F"], rel=1e-10)
        assert (estimate.df1, estimate.df2) == (row["df1"], row["df2"])
        assert estimate.p == pytest.approx(row["pval"], rel=1e-8, abs=1e-14)
        assert estimate.ci_low == pytest.approx(row["CI95"][0], abs=1e-10)
        assert estimate.ci_high == pytest.approx(row["CI95"][1], abs=1e-10)


def client_therapist(seed: int, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WAI-SR-like totals: a shared dyad level, a therapist offset, noise."""
    rng = np.random.default_rng(seed)
    dyad = rng.normal(45, 6, size=n)
    client = np.round(dyad + rng.normal(0, 3, size=n))
    therapist = np.round(dyad - 2.5 + rng.normal(0, 3, size=n))
    return client, therapist


# --------------------------------------------------------------------------
# ICC values
# --------------------------------------------------------------------------


def test_icc_reproduces_shrout_fleiss_worked_example() -> None:
    res = icc(to_long(SHROUT_FLEISS), target="target", rater="rater", score="score")
    # published: ICC(2,1) = .29, ICC(3,1) = .71
    assert round(res.agreement.icc, 2) == 0.29
    assert round(res.consistency.icc, 2) == 0.71
    assert (res.n, res.k) == (6, 4)
    assert_matches_pingouin(res, pingouin_icc(to_long(SHROUT_FLEISS)))


def test_icc_matches_pingouin_on_its_wine_example() -> None:
    wine = pl.from_pandas(pg.read_dataset("icc")).rename(
        {"Wine": "target", "Judge": "rater", "Scores": "score"}
    )
    res = icc(wine, target="target", rater="rater", score="score")
    assert (res.n, res.k) == (8, 4)
    assert_matches_pingouin(res, pingouin_icc(wine))


@pytest.mark.parametrize(("seed", "n"), [(1, 12), (2, 60), (3, 400)])
def test_icc_matches_pingouin_on_simulated_client_therapist_ratings(seed: int, n: int) -> None:
    client, therapist = client_therapist(seed, n)
    long = to_long(np.column_stack([client, therapist]), ["client", "therapist"])
    res = icc(long, target="target", rater="rater", score="score")
    assert (res.n, res.k) == (n, 2)
    assert_matches_pingouin(res, pingouin_icc(long))


def test_icc_uses_custom_column_names_and_string_targets() -> None:
    client, therapist = client_therapist(4, 30)
    long = to_long(np.column_stack([client, therapist]), ["client", "therapist"])
    renamed = long.with_columns(pl.format("dyad-{}", "target").alias("target")).rename(
        {"target": "dyad", "rater": "role", "score": "wai_total"}
    )
    res = icc(renamed, target="dyad", rater="role", score="wai_total")
    assert_matches_pingouin(res, pingouin_icc(long))


def test_icc_does_not_depend_on_row_order() -> None:
    long = to_long(SHROUT_FLEISS)
    shuffled = long.sample(fraction=1.0, shuffle=True, seed=3)
    a = icc(long, target="target", rater="rater", score="score")
    b = icc(shuffled, target="target", rater="rater", score="score")
    assert a.agreement.icc == pytest.approx(b.agreement.icc, abs=1e-14)
    assert a.consistency.ci_low == pytest.approx(b.consistency.ci_low, abs=1e-14)


def test_rater_offset_lowers_agreement_but_not_consistency() -> None:
    client, therapist = client_therapist(5, 80)
    base = icc_wide(client, therapist)
    shifted = icc_wide(client, therapist - 5.0)
    assert shifted.consistency.icc == pytest.approx(base.consistency.icc, abs=1e-12)
    assert shifted.agreement.icc < base.agreement.icc - 0.05


def test_icc_wide_equals_long_form() -> None:
    client, therapist = client_therapist(6, 50)
    wide = icc_wide(client, therapist)
    long = icc(
        to_long(np.column_stack([client, therapist]), ["client", "therapist"]),
        target="target",
        rater="rater",
        score="score",
    )
    assert wide.agreement.icc == pytest.approx(long.agreement.icc, abs=1e-14)
    assert wide.consistency.ci_high == pytest.approx(long.consistency.ci_high, abs=1e-14)
    assert isinstance(wide.agreement, IccEstimate)


def test_icc_wide_accepts_polars_series_and_lists() -> None:
    client, therapist = client_therapist(7, 20)
    a = icc_wide(pl.Series(client), pl.Series(therapist))
    b = icc_wide(client.tolist(), therapist.tolist())
    assert a.agreement.icc == pytest.approx(b.agreement.icc, abs=1e-14)


def test_icc_interval_narrows_with_lower_confidence_level() -> None:
    client, therapist = client_therapist(8, 40)
    ci95, ci80 = icc_wide(client, therapist), icc_wide(client, therapist, ci=0.80)
    for wide, narrow in ((ci95.agreement, ci80.agreement), (ci95.consistency, ci80.consistency)):
        assert wide.ci_low < narrow.ci_low < narrow.icc < narrow.ci_high < wide.ci_high


# --------------------------------------------------------------------------
# missing pairs and bad input
# --------------------------------------------------------------------------


def long_with_gaps() -> pl.DataFrame:
    client, therapist = client_therapist(9, 25)
    long = to_long(np.column_stack([client, therapist]), ["client", "therapist"])
    # target 3: therapist row absent; target 7: null score; target 11: NaN score
    return long.filter(~((pl.col("target") == 3) & (pl.col("rater") == "therapist"))).with_columns(
        pl.when((pl.col("target") == 7) & (pl.col("rater") == "client"))
        .then(None)
        .when((pl.col("target") == 11) & (pl.col("rater") == "therapist"))
        .then(float("nan"))
        .otherwise(pl.col("score"))
        .alias("score")
    )


def test_missing_pairs_raise_naming_how_many_targets_lack_a_rating() -> None:
    with pytest.raises(ValueError, match="3 of 25 targets lack a rating"):
        icc(long_with_gaps(), target="target", rater="rater", score="score")


def test_missing_pairs_dropped_listwise_match_pingouin_omit() -> None:
    long = long_with_gaps()
    res = icc(long, target="target", rater="rater", score="score", nan_policy="listwise")
    assert res.n == 22
    assert_matches_pingouin(res, pingouin_icc(long, nan_policy="omit"))


def test_icc_wide_missing_values_raise_or_drop() -> None:
    client, therapist = client_therapist(10, 20)
    client[2] = np.nan
    with pytest.raises(ValueError, match="1 of 20 targets"):
        icc_wide(client, therapist)
    assert icc_wide(client, therapist, nan_policy="listwise").n == 19
    with pytest.raises(ValueError, match="1 of 20 targets"):
        icc_wide(pl.Series(client).fill_nan(None), therapist)


def test_duplicate_target_rater_pairs_raise() -> None:
    long = to_long(SHROUT_FLEISS)
    with pytest.raises(ValueError, match=r"2 rows share a \(target, rater\) pair"):
        icc(pl.concat([long, long.head(1)]), target="target", rater="rater", score="score")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"target": "dyad"}, ValueError, "columns not in ratings: dyad"),
        ({"score": "rater"}, ValueError, "three different columns"),
        ({"nan_policy": "omit"}, ValueError, "nan_policy"),
        ({"ci": 95}, ValueError, r"ci must be in \(0, 1\)"),
    ],
)
def test_icc_rejects_bad_arguments(kwargs: dict[str, object], error: type, message: str) -> None:
    args: dict[str, object] = {"target": "target", "rater": "rater", "score": "score"}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        icc(to_long(SHROUT_FLEISS), **args)  # type: ignore[arg-type]


def test_icc_rejects_non_numeric_score_and_non_frame() -> None:
    long = to_long(SHROUT_FLEISS).with_columns(pl.col("score").cast(pl.String))
    with pytest.raises(TypeError, match="score column 'score' must be numeric"):
        icc(long, target="target", rater="rater", score="score")
    with pytest.raises(TypeError, match="polars DataFrame"):
        icc(long.to_pandas(), target="target", rater="rater", score="score")  # type: ignore[arg-type]


def test_icc_rejects_null_target() -> None:
    long = to_long(SHROUT_FLEISS).with_columns(
        pl.when(pl.col("target") == 0).then(None).otherwise(pl.col("target")).alias("target")
    )
    with pytest.raises(ValueError, match="4 rows have a null 'target'"):
        icc(long, target="target", rater="rater", score="score")


def test_icc_needs_two_raters_and_two_targets() -> None:
    with pytest.raises(ValueError, match="at least 2 raters"):
        icc(to_long(SHROUT_FLEISS[:, :1]), target="target", rater="rater", score="score")
    with pytest.raises(ValueError, match="at least 2 targets"):
        icc_wide([40.0], [41.0])


def test_perfect_agreement_up_to_offset_raises() -> None:
    with pytest.raises(ValueError, match="residual mean square is zero"):
        icc_wide([40, 45, 50, 55], [38, 43, 48, 53])


def test_icc_wide_rejects_mismatched_or_bad_input() -> None:
    with pytest.raises(ValueError, match="differ in length: 3 vs 2"):
        icc_wide([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="one-dimensional"):
        icc_wide(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(TypeError, match="client must be numeric"):
        icc_wide(["a", "b"], [1, 2])  # type: ignore[list-item]


# --------------------------------------------------------------------------
# dyad gaps
# --------------------------------------------------------------------------


def sessions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "dyad": ["a", "a", "b", "b", "c"],
            "session": [1, 2, 1, 2, 1],
            "client_wai": [48, 50, 40, 39, 55],
            "therapist_wai": [44.0, 51.0, None, 41.5, float("nan")],
        }
    )


def gaps(frame: pl.DataFrame) -> pl.DataFrame:
    return dyad_gaps(
        frame,
        id_col="dyad",
        session_col="session",
        client_col="client_wai",
        therapist_col="therapist_wai",
    )


def test_dyad_gaps_adds_signed_and_absolute_gap_per_row() -> None:
    out = gaps(sessions())
    assert out.columns == [*sessions().columns, "gap", "abs_gap"]
    assert out["gap"].to_list() == [4.0, -1.0, None, -2.5, None]
    assert out["abs_gap"].to_list() == [4.0, 1.0, None, 2.5, None]
    assert out.drop("gap", "abs_gap").equals(sessions())


def test_dyad_gaps_rejects_duplicate_dyad_sessions() -> None:
    frame = pl.concat([sessions(), sessions().head(1)])
    with pytest.raises(ValueError, match=r"2 rows share an \(dyad, session\) pair"):
        gaps(frame)


def test_dyad_gaps_rejects_bad_columns() -> None:
    with pytest.raises(ValueError, match="columns not in frame: client_wai"):
        gaps(sessions().drop("client_wai"))
    with pytest.raises(ValueError, match="already has column"):
        gaps(sessions().with_columns(gap=pl.lit(0)))
    with pytest.raises(TypeError, match="'client_wai' must be numeric"):
        gaps(sessions().with_columns(pl.col("client_wai").cast(pl.String)))


# --------------------------------------------------------------------------
# documentation
# --------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(agreement, raise_on_error=False)
    assert result.attempted >= 3
    assert result.failed == 0
