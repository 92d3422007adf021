"""Base rate of every core alert rule on stable simulated clients.

Stable: :func:`alliance.simulate.simulate_cohort` with no ruptures, no
dropout and no within-client effect (alliance rising and symptoms falling
slowly, the simulator's defaults), SAI, WAI-SR (client and therapist forms),
PHQ-9 and GAD-7 every session. Each client's history is evaluated after
every session (:func:`alliance.alerts.evaluate`, default config), as the
clinic does; a finding counts when it is about that latest session. Rules
that need goals, tasks or expectations (not simulated) cannot fire here.

``nice python bench/bench_alert_base_rates.py [CLIENTS] [SESSIONS]``
(default 300 x 12). Figures in bench/README.md, "Alert base rates".
"""

from __future__ import annotations

import sys
from collections import Counter

import polars as pl

from alliance.alerts import RULES, History, SessionRecord, evaluate
from alliance.scoring import score
from alliance.simulate import simulate_cohort

CLIENT_COLS = ("sai_total", "wai_sr_total_mean", "wai_sr_goal_mean", "wai_sr_task_mean",
               "wai_sr_bond_mean", "phq9_total", "gad7_total")  # fmt: skip
THERAPIST_COLS = ("wai_sr_t_goal_mean", "wai_sr_t_task_mean", "wai_sr_t_bond_mean")


def stable(clients: int, sessions: int) -> pl.DataFrame:
    cohort = simulate_cohort(clients, sessions, seed=31, rupture_rate=0.0, dropout_rate=0.0)
    frame = cohort.data
    for inst in ("sai", "wai_sr", "wai_sr_t", "phq9", "gad7"):
        frame = score(frame, inst).scores
    return frame


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


def main(clients: int, sessions: int) -> None:
    frame = stable(clients, sessions)
    per_session: Counter[str] = Counter()
    per_client: Counter[str] = Counter()
    evaluations = 0
    for _, part in frame.sort("id", "session").group_by("id", maintain_order=True):
        records = [record(r) for r in part.iter_rows(named=True)]
        fired: set[str] = set()
        for k in range(1, len(records) + 1):
            latest = records[k - 1].number
            found = {f.rule for f in evaluate(History(sessions=records[:k])) if f.session == latest}
            per_session.update(found)
            fired |= found
            evaluations += 1
        per_client.update(fired)
    print(f"{clients} stable clients x {sessions} sessions ({evaluations} evaluations)")
    print("| rule | findings per 100 sessions | clients with at least one |")
    print("| --- | ---: | ---: |")
    for rule in RULES:
        print(f"| {rule} | {100 * per_session[rule] / evaluations:.2f} | "
              f"{100 * per_client[rule] / clients:.1f}% |")  # fmt: skip


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args or [300, 12]))
