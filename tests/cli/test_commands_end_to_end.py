"""The research toolkit end to end, as the README tells a researcher to run it:
simulate -> score -> ruptures -> change -> reliability -> agreement, each
exiting 0 and writing its file; scoring on the command line is the one
scoring engine; simulation is reproducible byte for byte."""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_series_equal

from alliance.scoring import score as score_engine

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py

README = Path(__file__).resolve().parents[2] / "README.md"
RESEARCH_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "researchers" / "index.md"
WAI = [f"wai_sr_{n}" for n in range(1, 13)]


# --- simulate -----------------------------------------------------------------


def test_simulate_writes_a_cohort_and_its_truth_of_the_requested_size(alliance: Alliance) -> None:
    done = alliance(
        "simulate", "-o", "cohort.csv", "--truth", "truth.csv",
        "--clients", "60", "--sessions", "6", "--seed", "3", "-q",
    )  # fmt: skip
    assert done.code == 0, done.err
    data, truth = pl.read_csv("cohort.csv"), pl.read_csv("truth.csv")
    assert data["id"].n_unique() == 60
    assert truth.height == 60
    assert set(truth["id"]) == set(data["id"])
    assert data["session"].min() == 1
    assert data["session"].max() == 6
    assert {*WAI, "wai_sr_t_1", "sai_1", "phq9_9", "gad7_7"} <= set(data.columns)
    assert data.select(pl.struct("id", "session").is_duplicated().any()).item() is False


def test_simulate_is_byte_identical_for_the_same_seed(alliance: Alliance) -> None:
    for name in ("a", "b"):
        done = alliance(
            "simulate", "-o", f"{name}.csv", "--truth", f"{name}_truth.csv",
            "--clients", "60", "--sessions", "6", "--seed", "42", "-q",
        )  # fmt: skip
        assert done.code == 0, done.err
    assert Path("a.csv").read_bytes() == Path("b.csv").read_bytes()
    assert Path("a_truth.csv").read_bytes() == Path("b_truth.csv").read_bytes()


def test_simulate_with_another_seed_gives_another_cohort(alliance: Alliance) -> None:
    for name, seed in (("a", "42"), ("b", "43")):
        done = alliance(
            "simulate", "-o", f"{name}.csv", "--clients", "60", "--sessions", "6",
            "--seed", seed, "-q",
        )  # fmt: skip
        assert done.code == 0, done.err
    assert Path("a.csv").read_bytes() != Path("b.csv").read_bytes()


# --- score --------------------------------------------------------------------


def test_score_writes_the_scores_of_the_one_scoring_engine(
    alliance: Alliance, cohort: Path
) -> None:
    done = alliance("score", str(cohort), "-o", "mine.csv", "-q")
    assert done.code == 0, done.err
    assert Path("mine.csv").is_file()
    written = pl.read_csv("mine.csv")
    data = pl.read_csv(cohort)
    engine = score_engine(data, ["gad7", "phq9", "sai", "wai_sr", "wai_sr_t"]).scores
    assert written.height == data.height
    for column in ("wai_sr_total", "wai_sr_goal", "wai_sr_task", "wai_sr_bond", "phq9_total"):
        assert_series_equal(written[column], engine[column], check_dtypes=False)
    assert_series_equal(written["phq9_band"], engine["phq9_band"].cast(pl.String))
    # and the engine's WAI-SR total is the plain sum of the twelve answers
    assert_series_equal(
        written["wai_sr_total"],
        data.select(pl.sum_horizontal(WAI).cast(pl.Float64).alias("wai_sr_total")).to_series(),
        check_dtypes=False,
    )
    assert "wai_sr_total" in done.err_flat  # the added columns are listed


# --- ruptures -----------------------------------------------------------------


def test_ruptures_with_an_estimated_drop_and_the_truth_file(
    alliance: Alliance, cohort: Path
) -> None:
    done = alliance(
        "ruptures", "scored.csv", "--score", "wai_sr_total", "--estimate",
        "--truth", "truth.csv", "-o", "ruptures.csv", "-q",
    )  # fmt: skip
    assert done.code == 0, done.err
    flags = pl.read_csv("ruptures.csv")
    assert flags.height == pl.read_csv("scored.csv").height
    assert {"id", "session", "wai_sr_total", "rupture", "repair"} <= set(flags.columns)
    assert "estimated from this data" in done.out_flat
    assert re.search(r"recall \d\.\d{3}", done.out_flat), done.out
    assert re.search(r"precision \d\.\d{3}", done.out_flat), done.out


# --- change -------------------------------------------------------------------


def test_change_classifies_each_client_once(alliance: Alliance, cohort: Path) -> None:
    done = alliance("change", "scored.csv", "--score", "phq9_total", "-o", "change.csv", "-q")
    assert done.code == 0, done.err
    result = pl.read_csv("change.csv")
    assert result.height == 60
    assert result["id"].n_unique() == 60
    assert result["category"].null_count() == 0
    assert "threshold 6.00 points" in done.out_flat


def test_change_prints_the_source_of_its_rule_with_the_check_mark(
    alliance: Alliance, cohort: Path
) -> None:
    """PHQ-9's reliable-change rule is from a secondary source and marked [check];
    the printed rule must keep that mark (README: unconfirmed facts are marked)."""
    done = alliance("change", "scored.csv", "--score", "phq9_total", "-q")
    assert done.code == 0, done.err
    rule = done.out_flat[done.out_flat.index("Rule:") :]
    assert "NHS Talking Therapies" in rule
    assert "[check]" in rule, f"the [check] mark is missing from the printed rule: {rule!r}"


def test_change_scores_from_the_items_when_the_score_column_is_absent(
    alliance: Alliance, cohort: Path
) -> None:
    done = alliance("change", "cohort.csv", "--score", "phq9_total", "-o", "c1.csv", "-q")
    assert done.code == 0, done.err
    done = alliance("change", "scored.csv", "--score", "phq9_total", "-o", "c2.csv", "-q")
    assert done.code == 0, done.err
    assert pl.read_csv("c1.csv").equals(pl.read_csv("c2.csv"))


# --- reliability ----------------------------------------------------------------


def _alpha(items: np.ndarray) -> float:
    """Cronbach's alpha from its definition (independent of alliance.stats)."""
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def test_reliability_of_the_first_session_without_cfa(alliance: Alliance, cohort: Path) -> None:
    done = alliance("reliability", str(cohort), "-i", "wai_sr", "--session", "1", "--no-cfa")
    assert done.code == 0, done.err
    assert "using session 1: 60 rows" in done.err_flat
    first = pl.read_csv(cohort).filter(pl.col("session") == 1)
    expected = _alpha(first.select(WAI).to_numpy().astype(float))
    total_row = re.search(r"│ total\s*│\s*12\s*│\s*60\s*│\s*([0-9.]+)", done.out)
    assert total_row, done.out
    assert float(total_row.group(1)) == pytest.approx(expected, abs=0.0005)
    for scale in ("goal", "task", "bond"):
        assert re.search(rf"│ {scale}\s*│\s*4\s*│\s*60\s*│", done.out), scale
    assert "Confirmatory" not in done.out


def test_reliability_with_the_wai_sr_factor_models(alliance: Alliance, cohort: Path) -> None:
    done = alliance("reliability", str(cohort), "-i", "wai_sr", "--session", "1")
    assert done.code == 0, done.err
    assert "Confirmatory factor analysis" in done.out_flat
    assert "three_factor" in done.out
    assert "two_factor" in done.out


# --- agreement ------------------------------------------------------------------


def test_agreement_writes_the_gap_of_every_dyad_session(alliance: Alliance, cohort: Path) -> None:
    done = alliance(
        "agreement", "scored.csv", "--client", "wai_sr", "--therapist", "wai_sr_t",
        "-o", "agreement.csv",
    )  # fmt: skip
    assert done.code == 0, done.err
    gaps = pl.read_csv("agreement.csv")
    scored = pl.read_csv("scored.csv")
    assert gaps.height == scored.height
    joined = gaps.join(
        scored.select("id", "session", "wai_sr_total", "wai_sr_t_total"), on=["id", "session"]
    )
    assert_series_equal(
        joined["gap"],
        (joined["wai_sr_total_right"] - joined["wai_sr_t_total_right"]).alias("gap"),
        check_dtypes=False,
    )
    assert "ICC(2,1) absolute agreement" in done.out
    assert "ICC(3,1) consistency" in done.out


def test_agreement_gives_first_session_iccs_and_a_dyad_bootstrap_for_all_sessions(
    alliance: Alliance, cohort: Path
) -> None:
    done = alliance(
        "agreement", "scored.csv", "--client", "wai_sr", "--therapist", "wai_sr_t",
        "--n-boot", "200", "--by-session",
    )  # fmt: skip
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    first = [ln for ln in lines if "│ first" in ln]
    pooled = [ln for ln in lines if "│ all" in ln]
    assert len(first) == 2 and len(pooled) == 2
    assert all(ln.split("│")[-2].strip() == "-" for ln in pooled)  # no p-value
    assert all(ln.split("│")[-2].strip() != "-" for ln in first)
    assert "no p-value" in done.out_flat and "By session number" in done.out


def test_agreement_on_the_unscored_cohort_scores_both_forms_first(
    alliance: Alliance, cohort: Path
) -> None:
    done = alliance("agreement", str(cohort), "--client", "wai_sr", "--therapist", "wai_sr_t")
    assert done.code == 0, done.err
    assert "ICC(2,1)" in done.out


# --- the researchers' guide, verbatim -----------------------------------------------


def _guide_commands(page: Path) -> list[str]:
    """The ``alliance`` lines of the first ``sh`` block of a page that has any."""
    for block in page.read_text(encoding="utf-8").split("```sh")[1:]:
        lines = block.split("```")[0].splitlines()
        commands = [line.strip() for line in lines if line.strip().startswith("alliance ")]
        if commands:
            return commands
    return []


def test_the_readme_commands_are_the_first_steps_of_the_researchers_guide() -> None:
    readme = [shlex.split(c, comments=True) for c in _guide_commands(README)]
    guide = [shlex.split(c, comments=True) for c in _guide_commands(RESEARCH_GUIDE)]
    assert readme and readme == guide[: len(readme)]


def test_the_researchers_guide_commands_run_verbatim_in_order(alliance: Alliance) -> None:
    """A researcher with only the guide types its six commands: each exits 0."""
    commands = _guide_commands(RESEARCH_GUIDE)
    assert len(commands) == 6
    failed = []
    for line in commands:
        argv = shlex.split(line, comments=True)
        try:
            done = alliance(*argv[1:])
        except Exception as exc:  # run() must return a code; record and go on
            failed.append(f"{line!r} -> raised {type(exc).__name__}: {exc}")
            continue
        if done.code != 0:
            failed.append(f"{line!r} -> exit {done.code}: {done.err_flat}")
    assert failed == []
    for name in ("cohort.csv", "scored.csv", "ruptures.csv"):
        assert Path(name).is_file(), name


def test_the_installed_alliance_command_runs_a_pipeline(
    alliance_script: Path, tmp_path: Path
) -> None:
    """The console script itself (not only the in-process entry) exits 0 and writes files."""
    steps = [
        ["simulate", "-o", "c.csv", "--clients", "20", "--sessions", "3", "--seed", "1", "-q"],
        ["score", "c.csv", "-i", "wai_sr", "-o", "s.parquet", "-q"],
    ]
    for argv in steps:
        proc = subprocess.run(  # noqa: S603 - our own installed command
            [str(alliance_script), *argv],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    assert pl.read_parquet(tmp_path / "s.parquet")["wai_sr_total"].null_count() == 0
