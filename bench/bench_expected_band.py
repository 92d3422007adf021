"""Base rate of "not on track" by the expected band's coverage, on stable simulated clients.

A clinic fits its band on past clients and applies it to today's: here the
band (:func:`alliance.stats.trajectories.expected_recovery_band`, PHQ-9
total regressed on the intake score, session by session) is fitted on one
stable cohort and applied with :func:`alliance.stats.trajectories.on_track`
to a second, drawn the same way (:func:`alliance.simulate.simulate_cohort`,
no ruptures, no dropout: every client on the typical course). A session
counts when it has a band (session 2 on, at least 30 clients); "not on
track" is the clinic rule's finding (``rule_not_on_track``: beyond the band
on the unhealthy side, the edge on track).

``nice python bench/bench_expected_band.py [CLIENTS] [SESSIONS]`` (default
300 x 12). Figures in bench/README.md, "Alert base rates".
"""

from __future__ import annotations

import sys

import polars as pl

from alliance.scoring import score
from alliance.simulate import simulate_cohort
from alliance.stats.trajectories import expected_recovery_band, not_on_track_rate, on_track

KW = {"id_col": "id", "session_col": "session", "score_col": "phq9_total"}


def stable(clients: int, sessions: int, seed: int) -> pl.DataFrame:
    cohort = simulate_cohort(
        clients, sessions, seed=seed, instruments=("phq9",), rupture_rate=0.0, dropout_rate=0.0
    )
    return score(cohort.data, "phq9").scores.select("id", "session", "phq9_total")


def main(clients: int, sessions: int) -> None:
    past, today = stable(clients, sessions, seed=41), stable(clients, sessions, seed=42)
    print(f"band fitted on {clients} stable clients, applied to {clients} others "
          f"({sessions} sessions each)")  # fmt: skip
    print("| coverage | expected (1 - c) / 2 | not on track per 100 sessions | "
          "stable clients with at least one |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: |")
    for coverage in (0.5, 0.8, 0.9, 0.95):
        band = expected_recovery_band(past, coverage=coverage, **KW)
        labelled = on_track(today, band, higher_is_better=False, **KW)
        judged = labelled.filter(pl.col("status").is_not_null() & (pl.col("status") != "no band"))
        flagged = judged.filter(pl.col("status") == "not on track")
        per_100 = 100 * flagged.height / judged.height
        clients_hit = 100 * flagged["id"].n_unique() / judged["id"].n_unique()
        print(f"| {coverage:.2f} | {100 * not_on_track_rate(coverage):.1f} | {per_100:.1f} | "
              f"{clients_hit:.1f}% |")  # fmt: skip


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args or [300, 12]))
