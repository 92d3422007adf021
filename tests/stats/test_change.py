"""Reliable and clinically significant change (alliance.stats.change)."""

from __future__ import annotations

import datetime as dt
import doctest
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.instruments import get
from alliance.instruments.schema import Scale
from alliance.stats import change
from alliance.stats.change import (
    ChangeRule,
    classify_change,
    clinical_cutoffs,
    combine_recovery,
    min_reliable_change,
    reliable_change_index,
    reliable_change_se,
    s_diff,
)

PHQ_RULE = ChangeRule(
    higher_is_better=False,
    min_reliable_change=6,
    cutoff=10,
    caseness=">=",
    source="NHS TT (test copy) [check]",
)
GAD_RULE = ChangeRule(
    higher_is_better=False,
    min_reliable_change=4,
    cutoff=8,
    caseness=">=",
    source="NHS TT (test copy) [check]",
)
KW = {"id_col": "id", "session_col": "s"}


def _scale(change_norms: dict[str, object] | None, higher_is_better: bool | None = False) -> Scale:
    raw: dict[str, object] = {
        "id": "total",
        "label": "Test total",
        "items": [1, 2],
        "missing": {"method": "complete", "source": "test"},
        "higher_is_better": higher_is_better,
    }
    if change_norms is not None:
        raw["change"] = change_norms
    return Scale.model_validate(raw)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(change, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------- RCI pieces


def test_reliable_change_se_is_sd_times_root_of_unreliability() -> None:
    # 7.5 * sqrt(1 - .84) = 7.5 * 0.4 = 3.0
    assert reliable_change_se(7.5, 0.84) == pytest.approx(3.0)


def test_s_diff_jacobson_truax_is_root_two_se_squared() -> None:
    # SE = 3.0; S_diff = sqrt(2 * 3.0**2) = sqrt(18) = 4.242641
    assert s_diff(7.5, 0.84) == pytest.approx(math.sqrt(18))


def test_s_diff_maassen_uses_both_sds() -> None:
    # sqrt((6**2 + 8**2) * (1 - .75)) = sqrt(100 * .25) = 5
    assert s_diff(6.0, 0.75, method="maassen", sd2=8.0) == pytest.approx(5.0)


@given(
    sd=st.floats(0.1, 100, allow_nan=False),
    r=st.floats(0.01, 0.99, allow_nan=False),
)
def test_s_diff_maassen_equals_jacobson_truax_when_sds_are_equal(sd: float, r: float) -> None:
    assert s_diff(sd, r, method="maassen", sd2=sd) == pytest.approx(s_diff(sd, r))


def test_s_diff_rejects_inconsistent_arguments() -> None:
    with pytest.raises(ValueError, match="needs sd2"):
        s_diff(6.0, 0.8, method="maassen")
    with pytest.raises(ValueError, match="only with method='maassen'"):
        s_diff(6.0, 0.8, sd2=7.0)
    with pytest.raises(ValueError, match="method must be one of"):
        s_diff(6.0, 0.8, method="bogus")  # type: ignore[arg-type]


@pytest.mark.parametrize("r", [0.0, 1.0, -0.2, 1.5, math.nan])
def test_reliability_outside_zero_one_is_rejected(r: float) -> None:
    with pytest.raises(ValueError, match="reliability must lie strictly between 0 and 1"):
        reliable_change_se(5.0, r)


@pytest.mark.parametrize("sd", [0.0, -1.0, math.inf, math.nan])
def test_non_positive_or_non_finite_sd_is_rejected(sd: float) -> None:
    with pytest.raises(ValueError, match="sd must be a finite number above 0"):
        reliable_change_se(sd, 0.8)


def test_non_numeric_sd_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="sd must be a number"):
        reliable_change_se("5", 0.8)  # type: ignore[arg-type]


def test_rci_of_scalars_is_change_over_s_diff() -> None:
    # (11 - 20) / 4.5 = -2.0
    assert reliable_change_index(20.0, 11.0, 4.5) == pytest.approx(-2.0)


def test_rci_gives_the_same_for_scalars_numpy_and_polars() -> None:
    x1, x2 = [20.0, 10.0, 7.0], [11.0, 19.0, 7.0]
    # (11-20)/4.5 = -2, (19-10)/4.5 = 2, 0
    expected = [-2.0, 2.0, 0.0]
    arr = reliable_change_index(np.array(x1), np.array(x2), 4.5)
    ser = reliable_change_index(pl.Series(x1), pl.Series(x2), 4.5)
    assert arr.tolist() == pytest.approx(expected)
    assert ser.to_list() == pytest.approx(expected)
    assert [reliable_change_index(a, b, 4.5) for a, b in zip(x1, x2, strict=True)] == (
        pytest.approx(expected)
    )


def test_rci_keeps_missing_values_missing_in_a_series() -> None:
    out = reliable_change_index(pl.Series([20, None]), pl.Series([11, 5]), 4.5)
    assert out.to_list() == [pytest.approx(-2.0), None]


def test_rci_rejects_unequal_lengths_and_text() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        reliable_change_index(pl.Series([1, 2]), pl.Series([1, 2, 3]), 4.5)
    with pytest.raises(ValueError, match="differ in shape"):
        reliable_change_index(np.array([1, 2]), np.array([1, 2, 3]), 4.5)
    with pytest.raises(TypeError, match="x1 must be numeric"):
        reliable_change_index(pl.Series(["a"]), pl.Series([1]), 4.5)
    with pytest.raises(ValueError, match="s_diff must be a finite number above 0"):
        reliable_change_index(1.0, 2.0, 0.0)


@given(
    x1=st.floats(-1e6, 1e6, allow_nan=False),
    x2=st.floats(-1e6, 1e6, allow_nan=False),
    sd=st.floats(0.01, 1e3, allow_nan=False),
)
def test_rci_is_antisymmetric_in_x1_and_x2(x1: float, x2: float, sd: float) -> None:
    assert reliable_change_index(x1, x2, sd) == -reliable_change_index(x2, x1, sd)


def test_min_reliable_change_is_z_times_s_diff() -> None:
    # 1.96 * sqrt(18) = 1.96 * 4.242641 = 8.315576
    assert min_reliable_change(math.sqrt(18)) == pytest.approx(8.315576, abs=1e-6)
    # a 90% criterion: 1.645 * 5 = 8.225
    assert min_reliable_change(5.0, z=1.645) == pytest.approx(8.225)


# ------------------------------------------------------ clinical cut-offs


def test_core10_norms_give_published_cutoff_c_10_46() -> None:
    # PSYCHOMETRICS.md s.3-4: clinical M 19.7 SD 7.7, general population M 4.7 SD 4.8.
    # c = (7.7 * 4.7 + 4.8 * 19.7) / (7.7 + 4.8) = (36.19 + 94.56) / 12.5 = 10.46
    cut = clinical_cutoffs(19.7, 7.7, 4.7, 4.8)
    assert cut.c == pytest.approx(10.46)
    # a = 19.7 - 2 * 7.7 = 4.3; b = 4.7 + 2 * 4.8 = 14.3
    assert cut.a == pytest.approx(4.3)
    assert cut.b == pytest.approx(14.3)


def test_cutoffs_flip_the_two_sd_steps_when_higher_is_healthier() -> None:
    # a = 40 + 2 * 10 = 60; b = 60 - 2 * 5 = 50; c = (10 * 60 + 5 * 40) / 15 = 53.33
    cut = clinical_cutoffs(40, 10, 60, 5, lower_is_healthier=False)
    assert cut.a == pytest.approx(60.0)
    assert cut.b == pytest.approx(50.0)
    assert cut.c == pytest.approx(800 / 15)


def test_cutoffs_without_norms_give_only_a() -> None:
    cut = clinical_cutoffs(19.7, 7.7)
    assert cut.a == pytest.approx(4.3)
    assert cut.b is None
    assert cut.c is None


def test_cutoffs_reject_half_given_norms_and_reversed_direction() -> None:
    with pytest.raises(ValueError, match="m_norm and sd_norm go together"):
        clinical_cutoffs(19.7, 7.7, 4.7)
    with pytest.raises(ValueError, match="check the direction"):
        clinical_cutoffs(4.7, 4.8, 19.7, 7.7)
    with pytest.raises(ValueError, match="sd_clin must be a finite number above 0"):
        clinical_cutoffs(19.7, -1.0)


# ------------------------------------------------------------- ChangeRule


def test_rule_from_phq9_norms_uses_published_six_points_and_caseness_ten() -> None:
    rule = ChangeRule.from_norms(get("phq9").scale("total"))
    assert rule.min_reliable_change == 6
    assert rule.s_diff is None
    assert (rule.cutoff, rule.caseness) == (10, ">=")
    assert rule.higher_is_better is False
    assert rule.check is True
    assert "NHS Talking Therapies" in rule.source
    assert (rule.criterion, rule.threshold) == ("min_change", 6.0)


def test_rule_from_gad7_norms_uses_four_points_and_caseness_eight() -> None:
    rule = ChangeRule.from_norms(get("gad7").scale("total"))
    assert (rule.min_reliable_change, rule.cutoff, rule.caseness) == (4, 8, ">=")


def test_rule_from_unpublished_norms_says_no_published_norm() -> None:
    scale = get("wai_sr").scale("total")
    with pytest.raises(
        ValueError,
        match=r"no published norm for 'total' .*; pass sd and reliability estimated from your data",
    ):
        ChangeRule.from_norms(scale)


def test_rule_from_scale_without_change_section_says_no_published_norm() -> None:
    with pytest.raises(ValueError, match="no published norm for"):
        ChangeRule.from_norms(_scale(None))


def test_rule_from_user_sd_and_reliability_says_it_is_estimated_from_data() -> None:
    scale = get("wai_sr").scale("total")
    rule = ChangeRule.from_norms(scale, sd=5.0, reliability=0.82)
    # S_diff = sqrt(2) * 5 * sqrt(.18) = 3.0
    assert rule.s_diff == pytest.approx(3.0)
    assert rule.criterion == "rci"
    assert rule.threshold == pytest.approx(1.96 * 3.0)
    assert "estimated from the user's data" in rule.source
    assert rule.higher_is_better is True


def test_rule_from_published_sd_and_reliability_computes_s_diff() -> None:
    scale = _scale({"sd": 7.5, "reliability": 0.84, "source": "test norms"})
    rule = ChangeRule.from_norms(scale)
    assert rule.s_diff == pytest.approx(math.sqrt(18))  # SE 3.0, sqrt(2 * 9)
    assert rule.cutoff is None
    assert rule.source == "test norms"


def test_rule_from_a_published_minimum_change_refuses_maassen_instead_of_ignoring_it() -> None:
    # PHQ-9's published norm is 6 points without an SD: the Maassen S_diff
    # cannot be formed, and was silently replaced by the 6 points before.
    scale = get("phq9").scale("total")
    with pytest.raises(ValueError, match="needs an SD and a reliability"):
        ChangeRule.from_norms(scale, method="maassen", sd2=5.0)
    with pytest.raises(ValueError, match="sd2 is used only with method='maassen'"):
        ChangeRule.from_norms(scale, sd2=5.0)
    # with the user's SD and reliability: sqrt((5^2 + 7^2) * 0.16) = sqrt(11.84)
    rule = ChangeRule.from_norms(scale, sd=5.0, reliability=0.84, method="maassen", sd2=7.0)
    assert rule.s_diff == pytest.approx(math.sqrt(11.84))
    assert (rule.cutoff, rule.caseness) == (10, ">=")
    assert "maassen S_diff" in rule.source


def test_rule_from_norms_with_only_a_cutoff_asks_for_sd_and_reliability() -> None:
    scale = _scale({"clinical_cutoff": 10, "caseness": ">=", "source": "test"})
    with pytest.raises(ValueError, match="no published norm for reliable change"):
        ChangeRule.from_norms(scale)


def test_rule_needs_a_direction() -> None:
    scale = _scale({"min_reliable_change": 5, "source": "test"}, higher_is_better=None)
    with pytest.raises(ValueError, match="does not say whether higher is better"):
        ChangeRule.from_norms(scale)


def test_rule_rejects_incomplete_definitions() -> None:
    with pytest.raises(ValueError, match="needs min_reliable_change or s_diff"):
        ChangeRule(higher_is_better=False, source="x")
    with pytest.raises(ValueError, match="cutoff and caseness"):
        ChangeRule(higher_is_better=False, source="x", min_reliable_change=6, cutoff=10)
    with pytest.raises(ValueError, match="needs a source"):
        ChangeRule(higher_is_better=False, source=" ", min_reliable_change=6)
    with pytest.raises(ValueError, match="caseness must be one of"):
        ChangeRule(
            higher_is_better=False,
            source="x",
            min_reliable_change=6,
            cutoff=10,
            caseness="=>",  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError, match="rule must be a ChangeRule"):
        classify_change(
            pl.DataFrame({"id": [1], "s": [1], "y": [1]}),
            id_col="id",
            session_col="s",
            score_col="y",
            rule="phq",  # type: ignore[arg-type]
        )


# -------------------------------------------------------- classify_change


def _phq_cohort() -> pl.DataFrame:
    rows = [
        ("A", 1, 18), ("A", 2, 7),  # -11, reliable; 18 case, 7 not -> recovered
        ("B", 1, 18), ("B", 2, 11),  # -7, reliable; 11 still a case -> reliably improved
        ("C", 1, 12), ("C", 2, 10),  # -2 -> no reliable change
        ("D", 1, 12), ("D", 2, 19),  # +7 >= 6 -> reliably deteriorated
        ("E", 1, 6), ("E", 2, 3),  # 6 < 10 at intake -> not a case at intake
        ("F", 1, 14),  # one score -> single observation
        ("G", 1, None), ("G", 2, None),  # no score -> no observation
        ("H", 1, 15), ("H", 2, 9),  # exactly -6 and 9 < 10: boundary -> recovered
        ("I", 3, None), ("I", 1, 20), ("I", 2, 15),  # last observed is session 2: -5
        ("J", 1, 16), ("J", 2, 10),  # -6 reliable but 10 >= 10 still a case
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=["id", "s", "phq"], orient="row")


def test_classify_change_hand_computed_categories() -> None:
    out = classify_change(_phq_cohort(), score_col="phq", rule=PHQ_RULE, **KW)
    got = dict(zip(out["id"], out["category"], strict=True))
    assert got == {
        "A": "recovered",
        "B": "reliably improved",
        "C": "no reliable change",
        "D": "reliably deteriorated",
        "E": "not a case at intake",
        "F": "single observation",
        "G": "no observation",
        "H": "recovered",
        "I": "no reliable change",
        "J": "reliably improved",
    }
    assert set(got.values()) <= set(change.CATEGORIES)


def test_classify_change_reports_first_and_last_observed_scores() -> None:
    out = classify_change(_phq_cohort(), score_col="phq", rule=PHQ_RULE, **KW)
    i = out.filter(pl.col("id") == "I").row(0, named=True)
    assert (i["first_session"], i["last_session"]) == (1, 2)
    assert (i["score_first"], i["score_last"], i["change"]) == (20.0, 15.0, -5.0)
    assert (i["n_obs"], i["case_start"], i["case_end"]) == (2, True, True)
    assert i["rci"] is None  # no s_diff in the rule
    f = out.filter(pl.col("id") == "F").row(0, named=True)
    assert (f["n_obs"], f["score_first"], f["change"], f["reliable_improvement"]) == (
        1,
        14.0,
        None,
        None,
    )
    assert out["id"].to_list() == sorted(out["id"].to_list())


def test_classify_change_with_s_diff_uses_rc_above_1_96() -> None:
    rule = ChangeRule(higher_is_better=False, s_diff=2.5, cutoff=10, caseness=">=", source="t")
    df = pl.DataFrame(
        {
            "id": [1, 1, 2, 2, 3, 3],
            "s": [1, 2] * 3,
            # changes: -5 -> RC -2.0 (reliable); -4.8 -> RC -1.92 (not); +5 -> RC +2.0
            "y": [20.0, 15.0, 20.0, 15.2, 12.0, 17.0],
        }
    )
    out = classify_change(df, id_col="id", session_col="s", score_col="y", rule=rule)
    assert out["rci"].to_list() == pytest.approx([-2.0, -1.92, 2.0])
    assert out["reliable_improvement"].to_list() == [True, False, False]
    assert out["reliable_deterioration"].to_list() == [False, False, True]
    assert out["category"].to_list() == [
        "reliably improved",
        "no reliable change",
        "reliably deteriorated",
    ]


def test_classify_change_on_a_higher_is_better_scale_counts_increases_as_improvement() -> None:
    # e.g. a wellbeing score: case when below 40; reliable change 5 points
    rule = ChangeRule(
        higher_is_better=True, min_reliable_change=5, cutoff=40, caseness="<", source="t"
    )
    df = pl.DataFrame(
        {
            "id": [1, 1, 2, 2, 3, 3],
            "s": [1, 2] * 3,
            "y": [30, 45, 30, 36, 45, 39],  # +15 out of caseness; +6 still < 40; -6 at 45
        }
    )
    out = classify_change(df, id_col="id", session_col="s", score_col="y", rule=rule)
    assert out["category"].to_list() == [
        "recovered",
        "reliably improved",
        "reliably deteriorated",  # -6 from 45: not a case at intake, but worse
    ]
    assert out["reliable_deterioration"].to_list() == [False, False, True]
    assert out["case_start"].to_list() == [True, True, False]


def test_classify_change_without_cutoff_leaves_caseness_null() -> None:
    rule = ChangeRule(higher_is_better=False, min_reliable_change=6, source="t")
    out = classify_change(_phq_cohort(), score_col="phq", rule=rule, **KW)
    assert out["case_start"].null_count() == out.height
    assert set(out["category"]) <= {
        "reliably improved",
        "no reliable change",
        "reliably deteriorated",
        "single observation",
        "no observation",
    }
    got = dict(zip(out["id"], out["category"], strict=True))
    assert (got["A"], got["E"]) == ("reliably improved", "no reliable change")


def test_classify_change_accepts_dates_as_sessions_and_nan_as_missing() -> None:
    df = pl.DataFrame(
        {
            "id": [1, 1, 1],
            "s": [dt.date(2024, 3, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
            "y": [float("nan"), 20.0, 12.0],
        }
    )
    out = classify_change(df, id_col="id", session_col="s", score_col="y", rule=PHQ_RULE)
    row = out.row(0, named=True)
    assert (row["score_first"], row["score_last"], row["category"]) == (
        20.0,
        12.0,
        ("reliably improved"),
    )


def test_classify_change_rejects_two_rows_for_one_session() -> None:
    df = pl.DataFrame({"id": [1, 1, 2], "s": [1, 1, 1], "y": [3, 4, 5]})
    with pytest.raises(DataError, match="two rows for the same session"):
        classify_change(df, id_col="id", session_col="s", score_col="y", rule=PHQ_RULE)


def test_classify_change_rejects_bad_columns() -> None:
    df = pl.DataFrame({"id": [1, 2], "s": [1, 1], "y": ["a", "b"], "k": [None, 1]})
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['score'\]"):
        classify_change(df, id_col="id", session_col="s", score_col="score", rule=PHQ_RULE)
    with pytest.raises(TypeError, match="'y' must be numeric"):
        classify_change(df, id_col="id", session_col="s", score_col="y", rule=PHQ_RULE)
    with pytest.raises(DataError, match="'k' has 1 missing value"):
        classify_change(df, id_col="k", session_col="s", score_col="id", rule=PHQ_RULE)
    with pytest.raises(TypeError, match="polars DataFrame"):
        classify_change(df.to_pandas(), id_col="id", session_col="s", score_col="y", rule=PHQ_RULE)  # type: ignore[arg-type]


_panel_rows = st.lists(
    st.tuples(
        st.integers(0, 6),  # client
        st.integers(1, 8),  # session
        st.one_of(st.none(), st.integers(0, 27)),  # score
    ),
    min_size=1,
    max_size=60,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=60, deadline=None)
@given(rows=_panel_rows, data=st.data())
def test_classify_change_does_not_depend_on_row_order(
    rows: list[tuple[int, int, int | None]], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(rows))
    schema = {"id": pl.Int64, "s": pl.Int64, "y": pl.Int64}
    a = pl.DataFrame(rows, schema=schema, orient="row")
    b = pl.DataFrame(shuffled, schema=schema, orient="row")
    kw = {"id_col": "id", "session_col": "s", "score_col": "y", "rule": PHQ_RULE}
    assert_frame_equal(classify_change(a, **kw), classify_change(b, **kw))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(rows=_panel_rows)
def test_classify_change_matches_a_plain_python_oracle(
    rows: list[tuple[int, int, int | None]],
) -> None:
    df = pl.DataFrame(rows, schema={"id": pl.Int64, "s": pl.Int64, "y": pl.Int64}, orient="row")
    out = classify_change(df, id_col="id", session_col="s", score_col="y", rule=PHQ_RULE)
    for row in out.iter_rows(named=True):
        seen = sorted((s, y) for i, s, y in rows if i == row["id"] and y is not None)
        assert row["n_obs"] == len(seen)
        if len(seen) < 2:
            continue
        first, last = seen[0][1], seen[-1][1]
        assert row["change"] == last - first
        improved = first - last >= 6
        deteriorated = last - first >= 6
        if deteriorated:
            expected = "reliably deteriorated"
        elif first < 10:
            expected = "not a case at intake"
        elif improved and last < 10:
            expected = "recovered"
        elif improved:
            expected = "reliably improved"
        elif deteriorated:
            expected = "reliably deteriorated"
        else:
            expected = "no reliable change"
        assert row["category"] == expected


def test_reliable_deterioration_is_shown_even_when_not_a_case_at_intake() -> None:
    # PHQ-9 4 -> 12: below caseness (10) at intake, +8 >= 6 reliable deterioration.
    # Before, "not a case at intake" took precedence and hid the deterioration.
    df = pl.DataFrame({"id": [1, 1, 2, 2, 3, 3], "s": [1, 2] * 3, "phq": [4, 12, 4, 7, 4, 0]})
    out = classify_change(df, score_col="phq", rule=PHQ_RULE, **KW)
    assert out["case_start"].to_list() == [False, False, False]
    assert out["reliable_deterioration"].to_list() == [True, False, False]
    assert out["category"].to_list() == [
        "reliably deteriorated",
        "not a case at intake",  # +3: not reliable
        "not a case at intake",  # -4: below caseness throughout
    ]


def test_paired_deterioration_is_shown_even_when_not_a_case_at_intake() -> None:
    # below caseness on both at intake (PHQ 4 < 10, GAD 3 < 8); PHQ +8 reliable, GAD 0
    df = pl.DataFrame({"id": [1, 1], "s": [1, 2], "phq": [4, 12], "gad": [3, 3]})
    phq = classify_change(df, score_col="phq", rule=PHQ_RULE, **KW)
    gad = classify_change(df, score_col="gad", rule=GAD_RULE, **KW)
    row = combine_recovery(phq, gad).row(0, named=True)
    assert (row["case_start"], row["reliable_deterioration"]) == (False, True)
    assert row["category"] == "reliably deteriorated"


# -------------------------------------------------------- combine_recovery


def _paired() -> pl.DataFrame:
    rows = [
        # id, session, phq, gad
        (1, 1, 16, 12), (1, 2, 6, 5),  # both reliable, both below caseness -> recovered
        (2, 1, 16, 12), (2, 2, 6, 9),  # PHQ reliable; GAD -3 and 9 >= 8 -> reliably improved
        (3, 1, 8, 9), (3, 2, 4, 4),  # a case on GAD only; GAD -5 reliable -> recovered
        (4, 1, 5, 5), (4, 2, 4, 3),  # below both cut-offs -> not a case at intake
        (5, 1, 16, 10), (5, 2, 6, 15),  # PHQ better, GAD +5 worse -> no reliable change
        (6, 1, 12, 10), (6, 2, 20, 10),  # PHQ +8, GAD 0 -> reliably deteriorated
        (7, 1, 16, None), (7, 2, 6, None),  # no GAD at all -> missing measure
        (8, 1, 16, 12),  # one session -> single observation
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=["id", "s", "phq", "gad"], orient="row")


def test_combine_recovery_applies_the_paired_nhs_rules() -> None:
    df = _paired()
    phq = classify_change(df, score_col="phq", rule=PHQ_RULE, **KW)
    gad = classify_change(df, score_col="gad", rule=GAD_RULE, **KW)
    out = combine_recovery(phq, gad)
    assert out["category"].to_list() == [
        "recovered",
        "reliably improved",
        "recovered",
        "not a case at intake",
        "no reliable change",
        "reliably deteriorated",
        "missing measure",
        "single observation",
    ]
    by_id = {r["id"]: r for r in out.iter_rows(named=True)}
    # client 2: recovery needs both below caseness; GAD ends at 9 >= 8
    assert (by_id[2]["recovery"], by_id[2]["reliable_improvement"]) == (False, True)
    # client 5: improvement on one and deterioration on the other cancel
    assert (by_id[5]["reliable_improvement"], by_id[5]["reliable_deterioration"]) == (
        False,
        False,
    )
    assert by_id[3]["reliable_recovery"] is True
    assert set(out["category"]) <= set(change.PAIRED_CATEGORIES)


def test_combine_recovery_needs_caseness() -> None:
    rule = ChangeRule(higher_is_better=False, min_reliable_change=6, source="t")
    df = _paired()
    phq = classify_change(df, score_col="phq", rule=rule, **KW)
    gad = classify_change(df, score_col="gad", rule=GAD_RULE, **KW)
    with pytest.raises(ValueError, match="phq has no caseness"):
        combine_recovery(phq, gad)
