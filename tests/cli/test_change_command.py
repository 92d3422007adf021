"""``alliance change``: the paired NHS Talking Therapies rule, deterioration
shown whatever the caseness at intake, and the Maassen option end to end.

Hand-built clients with every number worked out in the comments; the paired
rule itself is :func:`alliance.stats.change.combine_recovery` (tested in
tests/stats/test_change.py), so these check that the command uses it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from tests.cli.conftest import Alliance

# PHQ-9: reliable change 6, caseness >= 10; GAD-7: reliable change 4,
# caseness >= 8 (the instrument files, NHS Talking Therapies [check]).
PAIRED = """id,session,phq9_total,gad7_total
1,1,16,12
1,2,6,5
2,1,16,12
2,2,6,9
3,1,8,9
3,2,4,4
4,1,5,5
4,2,4,3
5,1,16,10
5,2,6,15
6,1,4,3
6,2,12,3
7,1,16,
7,2,6,
8,1,16,12
"""
# 1: both reliable, both below caseness at the end     -> recovered (reliable recovery)
# 2: PHQ -10 reliable; GAD -3 and 9 >= 8 still a case    -> reliably improved, not recovered
# 3: a case on GAD only at intake (PHQ 8 < 10); GAD -5   -> recovered
# 4: below both cut-offs at intake                       -> not a case at intake
# 5: PHQ -10 better, GAD +5 worse                        -> no reliable change
# 6: below both at intake, PHQ +8 reliable deterioration -> reliably deteriorated
# 7: no GAD-7 at all                                     -> missing measure
# 8: one session                                         -> single observation
EXPECTED = {
    1: "recovered",
    2: "reliably improved",
    3: "recovered",
    4: "not a case at intake",
    5: "no reliable change",
    6: "reliably deteriorated",
    7: "missing measure",
    8: "single observation",
}


@pytest.fixture
def paired() -> Path:
    path = Path("paired.csv")
    path.write_text(PAIRED, encoding="utf-8")
    return path


def test_nhs_tt_recovery_pairs_phq9_and_gad7(alliance: Alliance, paired: Path) -> None:
    done = alliance("change", "paired.csv", "--recovery", "nhs-tt", "-o", "out.csv", "-q")
    assert done.code == 0, done.err
    out = pl.read_csv("out.csv")
    assert dict(zip(out["id"], out["category"], strict=True)) == EXPECTED
    by_id = {r["id"]: r for r in out.iter_rows(named=True)}
    # client 3: only GAD-7 a case at intake, still recovered on the pair
    assert by_id[3]["phq9_total_category"] == "not a case at intake"
    assert (by_id[3]["case_start"], by_id[3]["recovery"], by_id[3]["reliable_recovery"]) == (
        True,
        True,
        True,
    )
    # client 2: PHQ-9 alone says recovered; the pair does not (GAD-7 ends at 9 >= 8)
    assert by_id[2]["phq9_total_category"] == "recovered"
    assert by_id[2]["recovery"] is False
    # cases at intake among the 6 judged clients: 1, 2, 3, 5 -> recovery 2 of 4;
    # reliable improvement 1, 2, 3 of 6; reliable deterioration 6 of 6
    text = done.out_flat
    assert "Of 6 clients with both measures at 2 or more sessions, 4 were a case" in text
    assert "Recovery: 2 of 4 (50.0%)" in text
    assert "reliable recovery: 2 of 4 (50.0%)" in text
    assert "reliable improvement: 3 of 6 (50.0%)" in text
    assert "reliable deterioration: 1 of 6 (16.7%)" in text
    assert "phq9_total rule" in text and "gad7_total rule" in text


def test_nhs_tt_recovery_gives_the_same_streamed_and_in_memory(
    alliance: Alliance, paired: Path
) -> None:
    a = alliance("change", "paired.csv", "--recovery", "nhs-tt", "-o", "a.csv", "--in-memory", "-q")
    b = alliance("change", "paired.csv", "--recovery", "nhs-tt", "-o", "b.csv", "--stream", "-q")
    assert (a.code, b.code) == (0, 0), a.err + b.err
    assert pl.read_csv("a.csv").equals(pl.read_csv("b.csv"))
    assert "Recovery: 2 of 4 (50.0%)" in b.out_flat


def test_single_measure_recovery_stays_the_default(alliance: Alliance, paired: Path) -> None:
    done = alliance("change", "paired.csv", "--score", "phq9_total", "-o", "one.csv", "-q")
    assert done.code == 0, done.err
    out = pl.read_csv("one.csv")
    got = dict(zip(out["id"], out["category"], strict=True))
    assert got[2] == "recovered"  # PHQ-9 alone: 16 -> 6
    assert "reliable_recovery" not in out.columns


def test_nhs_tt_rejects_other_scores_and_own_norms(alliance: Alliance, paired: Path) -> None:
    done = alliance("change", "paired.csv", "--recovery", "nhs-tt", "--score", "sai_total")
    assert done.code == 2 and "phq9_total and gad7_total" in done.err_flat
    done = alliance(
        "change", "paired.csv", "--recovery", "nhs-tt", "--sd", "5", "--reliability", ".8"
    )
    assert done.code == 2 and "published PHQ-9 and GAD-7 rules" in done.err_flat
    done = alliance("change", "paired.csv", "--recovery", "both")
    assert done.code == 2 and "single or nhs-tt" in done.err_flat
    done = alliance("change", "paired.csv")
    assert done.code == 2 and "--score" in done.err_flat


def test_summary_shows_deterioration_of_a_client_not_a_case_at_intake(
    alliance: Alliance, paired: Path
) -> None:
    # client 6: PHQ-9 4 -> 12, below caseness at intake, +8 >= 6 reliable deterioration.
    # Before, the summary counted them only as "not a case at intake".
    done = alliance("change", "paired.csv", "--score", "phq9_total", "-o", "one.csv", "-q")
    assert done.code == 0, done.err
    out = pl.read_csv("one.csv")
    six = out.filter(pl.col("id") == 6).row(0, named=True)
    assert (six["case_start"], six["reliable_deterioration"]) == (False, True)
    assert six["category"] == "reliably deteriorated"
    assert "│ reliably deteriorated │ 1 │" in done.out_flat


def test_maassen_needs_an_sd_and_never_falls_back_silently(
    alliance: Alliance, paired: Path
) -> None:
    # PHQ-9's published norm is 6 points without an SD: Maassen cannot apply.
    done = alliance("change", "paired.csv", "--score", "phq9_total", "--method", "maassen",
                    "--sd2", "5", "-q")  # fmt: skip
    assert done.code == 2
    assert "needs an SD and a reliability" in done.err_flat
    done = alliance("change", "paired.csv", "--score", "phq9_total", "--sd2", "5", "-q")
    assert done.code == 2 and "sd2 is used only with method='maassen'" in done.err_flat
    # with --sd and --reliability: sqrt((5^2 + 7^2) * (1 - 0.84)) = sqrt(11.84) = 3.4409;
    # x 1.96 = 6.744 points
    done = alliance("change", "paired.csv", "--score", "phq9_total", "--method", "maassen",
                    "--sd", "5", "--reliability", "0.84", "--sd2", "7", "-o", "m.csv", "-q")  # fmt: skip
    assert done.code == 0, done.err
    assert "threshold 6.74 points" in done.out_flat
    assert "maassen S_diff" in done.out_flat
    rci = pl.read_csv("m.csv").filter(pl.col("id") == 1)["rci"].item()
    assert rci == pytest.approx(-10 / 11.84**0.5)
