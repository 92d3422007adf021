"""Base rate of every core alert rule on stable simulated clients, before and after calibration.

Stable: :func:`alliance.simulate.simulate_cohort` with no ruptures, no
dropout and no within-client effect (alliance rising and symptoms falling
slowly, the simulator's defaults), SAI, WAI-SR (client and therapist forms),
PHQ-9 and GAD-7 every session, PHQ-9 item 9 thinned to the outpatient rate
(:func:`alliance.simulate.risk_item_at_rate`, 10%, Simon et al. 2013). Each
client's history is evaluated after every session
(:func:`alliance.alerts.evaluate`), as the clinic does, and every distinct
finding key is one stored alert (the web app stores a key once).

Two settings in the same run, on the same data:

* ``one-session``: the rules as they were before calibration -- one session
  below a threshold, one session's gap or one reading past reliable change
  is enough, and the falling-alliance slope has no noise test
  (``low_alliance_confirm = disagreement_confirm = deterioration_confirm = 1``,
  ``falling_z = 0``).
* ``default``: :class:`alliance.alerts.AlertConfig` as shipped.

Sensitivity, same run: a cohort with the simulator's ruptures (rate .08,
size 1.5 latent SDs, 60% repaired); the share of unrepaired ruptures that
get an alliance alert (rupture, low or falling alliance) within two sessions.

``nice python bench/bench_alert_base_rates.py [CLIENTS] [SESSIONS]``
(default 300 x 12). Figures in bench/README.md, "Alert base rates".
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

import polars as pl

from alliance.alerts import RULES, AlertConfig, History, SessionRecord, evaluate
from alliance.scoring import score
from alliance.simulate import risk_item_at_rate, simulate_cohort

CLIENT_COLS = ("sai_total", "wai_sr_total_mean", "wai_sr_goal_mean", "wai_sr_task_mean",
               "wai_sr_bond_mean", "phq9_total", "gad7_total")  # fmt: skip
THERAPIST_COLS = ("wai_sr_t_goal_mean", "wai_sr_t_task_mean", "wai_sr_t_bond_mean")
ALLIANCE_RULES = ("rupture", "low_alliance", "falling_alliance")
CASELOAD = 25


def cohort(clients: int, sessions: int, **kwargs: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Scored sessions and the truth of a simulated cohort (item 9 at the outpatient rate)."""
    drawn = simulate_cohort(clients, sessions, seed=31, **kwargs)  # type: ignore[arg-type]
    frame = risk_item_at_rate(drawn.data, seed=31)
    for inst in ("sai", "wai_sr", "wai_sr_t", "phq9", "gad7"):
        frame = score(frame, inst).scores
    return frame, drawn.truth


def record(row: dict[str, object]) -> SessionRecord:
    def num(c: str) -> float | None:
        v = row[c]
        return float(v) if isinstance(v, int | float) else None

    flag = row["phq9_flag_risk"]
    return SessionRecord(
        int(row["session"]),  # type: ignore[call-overload]
        client={c: num(c) for c in CLIENT_COLS},
        therapist={c: num(c) for c in THERAPIST_COLS},
        flags={"phq9_flag_risk": None if flag is None else bool(flag)},
    )


def clients(frame: pl.DataFrame) -> Iterator[tuple[object, list[SessionRecord]]]:
    for (cid,), part in frame.sort("id", "session").group_by("id", maintain_order=True):
        yield cid, [record(r) for r in part.iter_rows(named=True)]


@dataclass
class Tally:
    alerts: Counter[str]
    warnings: Counter[str]
    clients: Counter[str]
    warned: Counter[str]
    sessions: int = 0


def alerts_over_time(records: list[SessionRecord], config: AlertConfig) -> dict[str, tuple[str, int]]:
    """Every distinct finding key raised after any session: key -> (severity, session)."""
    keys: dict[str, tuple[str, int]] = {}
    for k in range(1, len(records) + 1):
        for f in evaluate(History(sessions=records[:k]), config):
            keys.setdefault(f.key, (f.severity, records[k - 1].number))
    return keys


def tally(frame: pl.DataFrame, config: AlertConfig) -> Tally:
    t = Tally(Counter(), Counter(), Counter(), Counter())
    for _, records in clients(frame):
        t.sessions += len(records)
        fired: set[str] = set()
        warned: set[str] = set()
        for key, (severity, _) in alerts_over_time(records, config).items():
            rule = key.split(":", 1)[0]
            t.alerts[rule] += 1
            t.warnings[rule] += severity != "info"
            fired.add(rule)
            if severity != "info":
                warned.add(rule)
        t.clients.update(fired)
        t.warned.update(warned)
    return t


def caught(frame: pl.DataFrame, truth: pl.DataFrame, config: AlertConfig) -> tuple[int, int]:
    """(unrepaired ruptures, of them with an alliance alert raised within 2 sessions)."""
    unrepaired = truth.filter(pl.col("rupture_session").is_not_null() & ~pl.col("repaired"))
    at = dict(zip(unrepaired["id"].to_list(), unrepaired["rupture_session"].to_list(), strict=True))
    hits = total = 0
    for cid, records in clients(frame.filter(pl.col("id").is_in(list(at)))):
        start = at[cid]
        if not any(start <= r.number <= start + 2 for r in records):
            continue
        total += 1
        raised = alerts_over_time(records, config)
        hits += any(
            key.split(":", 1)[0] in ALLIANCE_RULES and start <= when <= start + 2
            for key, (_, when) in raised.items()
        )
    return total, hits


def main(n_clients: int, n_sessions: int) -> None:
    default = AlertConfig()
    before = replace(default, low_alliance_confirm=1, disagreement_confirm=1,
                     deterioration_confirm=1, falling_z=0.0)  # fmt: skip
    settings = {"one-session": before, "default": default}
    stable, _ = cohort(n_clients, n_sessions, rupture_rate=0.0, dropout_rate=0.0)
    tallies = {name: tally(stable, config) for name, config in settings.items()}
    per = CASELOAD / n_clients
    print(f"{n_clients} stable clients x {n_sessions} sessions; caseload of {CASELOAD}")
    print("| rule | setting | alerts per 100 sessions | warnings or urgent per 100 sessions "
          f"| clients with any | clients with a warning or urgent | of a caseload of {CASELOAD} |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for rule in RULES:
        for name, t in tallies.items():
            print(f"| {rule} | {name} | {100 * t.alerts[rule] / t.sessions:.2f} | "
                  f"{100 * t.warnings[rule] / t.sessions:.2f} | "
                  f"{100 * t.clients[rule] / n_clients:.1f}% | "
                  f"{100 * t.warned[rule] / n_clients:.1f}% | {t.warned[rule] * per:.1f} |")  # fmt: skip
    for name, t in tallies.items():
        print(f"{name}: {sum(t.warnings.values()) * per:.1f} warnings or urgent alerts and "
              f"{sum(t.alerts.values()) * per:.1f} alerts in all over {n_sessions} sessions "
              f"for a caseload of {CASELOAD} stable clients")  # fmt: skip
    ruptured, truth = cohort(n_clients, n_sessions, rupture_rate=0.08, dropout_rate=0.0)
    print("\nAlliance rules' operating points (stable clients flagged by rupture, low or "
          "falling alliance; unrepaired ruptures caught within 2 sessions):")  # fmt: skip
    print("| low_alliance_confirm | falling_z | stable clients flagged | "
          f"of a caseload of {CASELOAD} | unrepaired ruptures caught |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: |")
    for confirm in (1, 2):
        for z in (0.0, 1.64, 2.33):
            config = replace(default, low_alliance_confirm=confirm, falling_z=z)
            flagged = sum(
                any(k.split(":", 1)[0] in ALLIANCE_RULES for k in alerts_over_time(r, config))
                for _, r in clients(stable)
            )
            total, hits = caught(ruptured, truth, config)
            print(f"| {confirm} | {z:g} | {100 * flagged / n_clients:.1f}% | {flagged * per:.1f} "
                  f"| {hits} of {total} ({100 * hits / max(total, 1):.0f}%) |")  # fmt: skip


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args or [300, 12]))
