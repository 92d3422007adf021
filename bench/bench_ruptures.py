"""Operating curves of the rupture detectors: recall against false alarms per 100 sessions.

Two detectors, each swept over its threshold:

* old: the former default (a drop of ``min_drop`` from the previous session
  OR a score ``sd_k`` of the client's own prior SDs below the running mean),
  swept as ``min_drop = c * 1.0`` (SAI points) and ``sd_k = c * 2.0``
  (``c = 1`` is the old default);
* new: :func:`alliance.stats.ruptures.find_ruptures` with the noise SD
  estimated from the data (:func:`alliance.stats.rupture_noise.estimate_noise_sd`),
  swept over ``z_k`` (2.2 is the default).

Three generators of SAI composite scores (0-5, 12 sessions):

* ``simulator``: :func:`alliance.simulate.simulate_cohort` (item-level,
  rounded answers, rising trends, ruptures of 1.5 latent SDs, repairs,
  dropout). A hit is a flag at the planted rupture session; a false alarm
  is a flag at any other session.
* ``normal``, ``ar1`` and ``t4``: our own generator (:func:`own_cohort`):
  client level N(3.6, 0.3), noise SD 0.35 that is i.i.d. normal, AR(1)
  with phi = 0.3 (normal innovations), or i.i.d. Student t with 4 degrees of
  freedom scaled to SD 0.35; half of the clients get one one-session drop of
  4 noise SDs at a session drawn from 4..12 (at least 3 earlier sessions).

Also measured: the expected false-alarm rate the new detector states
(:func:`alliance.stats.rupture_noise.expected_false_alarm_rate`) beside the
observed one, and repair status against the simulator's truth for the old
and new repair rules. Run: ``nice python bench/bench_ruptures.py`` (about a
minute); figures are recorded in bench/README.md, "Ruptures".
"""

from __future__ import annotations

import numpy as np
import polars as pl

from alliance.scoring import score
from alliance.simulate import simulate_cohort
from alliance.stats.rupture_noise import (
    RuptureSettings,
    estimate_noise_sd,
    expected_false_alarm_rate,
)
from alliance.stats.ruptures import detect_ruptures, find_ruptures

SD = 0.35
SESSIONS = 12
OLD_SCALES = (0.6, 0.8, 1.0, 1.25, 1.5, 2.0)
NEW_Z = (1.6, 1.8, 2.0, 2.2, 2.5, 2.8, 3.2)


def own_cohort(clients: int, noise: str, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Scores and truth (``id``, ``rupture_session``) from our own generator."""
    rng = np.random.default_rng(seed)
    shape = (clients, SESSIONS)
    if noise == "normal":
        e = rng.standard_normal(shape)
    elif noise == "ar1":
        phi, z = 0.3, rng.standard_normal(shape)
        e = np.empty(shape)
        e[:, 0] = z[:, 0]
        for t in range(1, SESSIONS):
            e[:, t] = phi * e[:, t - 1] + np.sqrt(1 - phi**2) * z[:, t]
    elif noise == "t4":
        e = rng.standard_t(4, shape) / np.sqrt(4 / 2)
    else:
        raise ValueError(noise)
    values = 3.6 + rng.normal(0, 0.3, (clients, 1)) + SD * e
    ruptured = rng.random(clients) < 0.5
    at = rng.integers(3, SESSIONS, clients)
    values[np.flatnonzero(ruptured), at[ruptured]] -= 4 * SD
    frame = pl.DataFrame(
        {
            "id": np.repeat(np.arange(clients), SESSIONS),
            "session": np.tile(np.arange(1, SESSIONS + 1), clients),
            "sai_total": values.ravel(),
        }
    )
    session = pl.Series("rupture_session", at + 1).scatter(np.flatnonzero(~ruptured), None)
    truth = pl.DataFrame([pl.Series("id", np.arange(clients)), session])
    return frame, truth


def simulator_cohort(clients: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    cohort = simulate_cohort(clients, SESSIONS, seed=seed, instruments=("sai",))
    frame = score(cohort.data, "sai").scores.select("id", "session", "sai_total")
    return frame, cohort.truth


def rates(flags: pl.DataFrame, truth: pl.DataFrame) -> tuple[float, float]:
    """(recall, false alarms per 100 other sessions) of a detector's flags."""
    joined = flags.filter(pl.col("rupture").is_not_null()).join(
        truth.select("id", "rupture_session"), on="id", how="left"
    )
    at = pl.col("session") == pl.col("rupture_session")
    hits = joined.filter(at.fill_null(False))
    others = joined.filter(~at.fill_null(False))
    return float(hits["rupture"].mean() or 0.0), 100 * float(others["rupture"].mean() or 0.0)


def old(frame: pl.DataFrame, c: float) -> pl.DataFrame:
    return detect_ruptures(frame, score="sai_total", min_drop=1.0 * c, sd_k=2.0 * c)


def new(frame: pl.DataFrame, z_k: float) -> pl.DataFrame:
    noise = estimate_noise_sd(frame, score="sai_total")
    return find_ruptures(frame, score="sai_total", noise=noise, settings=RuptureSettings(z_k=z_k))


def curves(name: str, frame: pl.DataFrame, truth: pl.DataFrame) -> None:
    print(f"\n{name}: {frame.height:,} sessions, noise SD estimate "
          f"{estimate_noise_sd(frame, score='sai_total').sd:.3f}")  # fmt: skip
    print("| detector | setting | recall | false alarms / 100 sessions |")
    print("| --- | --- | ---: | ---: |")
    for c in OLD_SCALES:
        r, fa = rates(old(frame, c), truth)
        print(f"| old | min_drop {c:.2f}, sd_k {2 * c:.2f} | {r:.3f} | {fa:.2f} |")
    for z in NEW_Z:
        r, fa = rates(new(frame, z), truth)
        stated = expected_false_alarm_rate(RuptureSettings(z_k=z)).per_100_sessions
        print(f"| new | z_k {z:.1f} (stated {stated:.2f}) | {r:.3f} | {fa:.2f} |")


def repair_accuracy(frame: pl.DataFrame, truth: pl.DataFrame, flags: pl.DataFrame) -> str:
    last = frame.group_by("id").agg(pl.col("session").max().alias("last"))
    judged = (
        flags.filter(pl.col("rupture") & pl.col("repair").is_in(["repaired", "not repaired"]))
        .join(
            truth.select(
                "id",
                "rupture_session",
                pl.col("repaired").alias("true_repaired"),
                pl.col("repair_session").alias("true_repair_session"),
            ),
            left_on=["id", "session"],
            right_on=["id", "rupture_session"],
        )
        .join(last, on="id")
        .with_columns(
            (pl.col("true_repaired") & (pl.col("true_repair_session") <= pl.col("last"))).alias(
                "seen"
            )
        )
    )
    rep = judged.filter("seen")["repair"] == "repaired"
    unrep = judged.filter(~pl.col("true_repaired"))["repair"] == "not repaired"
    return (
        f"repaired called repaired {rep.sum()}/{rep.len()} ({rep.mean():.2f}); "
        f"unrepaired called not repaired {unrep.sum()}/{unrep.len()} ({unrep.mean():.2f})"
    )


def main() -> None:
    sim, sim_truth = simulator_cohort(4000, seed=21)
    curves("simulator (alliance.simulate, SAI)", sim, sim_truth)
    print("\nrepair status against the simulator's truth, default settings:")
    print("  old:", repair_accuracy(sim, sim_truth, old(sim, 1.0)))
    print("  new:", repair_accuracy(sim, sim_truth, new(sim, 2.2)))
    for noise in ("normal", "ar1", "t4"):
        frame, truth = own_cohort(4000, noise, seed=22)
        curves(f"own generator, {noise} noise", frame, truth)
    print("\nstated for the defaults:", expected_false_alarm_rate().sentence())


if __name__ == "__main__":
    main()
