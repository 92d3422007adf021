"""Benchmark: score WAI-SR and PHQ-9 and detect ruptures on 10,000,000 session rows.

Run: ``make bench`` (or ``python bench/bench_core.py --clients 1000000``).

Every variant runs in its own fresh subprocess, so each peak memory
(ru_maxrss) belongs to that variant alone. In the same run:

* ``alliance``: read the Parquet file, validate and score WAI-SR and PHQ-9
  (all subscales, item means, bands, flags, missing-data notes) with
  :func:`alliance.scoring.score`, then detect ruptures on the WAI-SR total
  with :func:`alliance.stats.ruptures.detect_ruptures`.
* ``floor``: read the same Parquet file and run one bare Polars expression
  that only sums the item columns: the least any scorer must do.
* ``pandas``: the code a researcher would typically write (row-wise
  ``apply`` for scoring, ``groupby().apply`` for ruptures; bench/pandas_baseline.py)
  on a sample of clients, timed and scaled linearly to the full size.

Targets (issue #2): alliance at least 20x faster than pandas, within 3x of the
floor, peak memory at most 3x the data's in-memory size. The figures are
printed; keep the latest in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SESSIONS = 10
MIN_DROP = 6.0  # WAI-SR total: no published norm; a fixed drop keeps the variants comparable


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_data(clients: int, path: Path) -> None:
    from alliance.simulate import simulate_cohort

    cohort = simulate_cohort(
        clients,
        SESSIONS,
        seed=11,
        instruments=("wai_sr", "phq9"),
        dropout_rate=0.0,
        rupture_dropout=0.0,
    )
    cohort.data.write_parquet(path)


def variant_alliance(path: Path) -> dict[str, float]:
    import polars as pl

    from alliance.scoring import score
    from alliance.stats.ruptures import detect_ruptures

    t0 = time.perf_counter()
    frame = pl.read_parquet(path)
    t_read = time.perf_counter() - t0
    peak_read = _peak_mb()
    result = score(frame, ["wai_sr", "phq9"])
    scored = result.scores
    t_scored = time.perf_counter() - t0
    peak_scored = _peak_mb()
    flags = detect_ruptures(
        scored.select("id", "session", "wai_sr_total"), score="wai_sr_total", min_drop=MIN_DROP
    )
    total = time.perf_counter() - t0
    validate = result.timings["validate"]
    return {
        "seconds": total,
        "read_seconds": t_read,
        # score() times its own validation; the rest of the call is scoring
        "validate_seconds": validate,
        "score_seconds": t_scored - t_read - validate,
        "ruptures_seconds": total - t_scored,
        "read_peak_mb": peak_read,
        "score_peak_mb": peak_scored,
        "rows": float(scored.height),
        "ruptures": float(flags["rupture"].sum()),
        "peak_mb": _peak_mb(),
    }


def variant_floor(path: Path) -> dict[str, float]:
    import polars as pl

    t0 = time.perf_counter()
    frame = pl.read_parquet(path)
    t_read = time.perf_counter() - t0
    items = [c for c in frame.columns if c.startswith(("wai_sr_", "phq9_"))]
    summed = frame.select(pl.sum_horizontal(items).alias("s"))
    total = time.perf_counter() - t0
    return {
        "seconds": total,
        "read_seconds": t_read,
        "rows": float(summed.height),
        "peak_mb": _peak_mb(),
        "data_mb": frame.estimated_size("mb"),
    }


def variant_pandas(path: Path, sample_clients: int, clients: int) -> dict[str, float]:
    import polars as pl

    sys.path.insert(0, str(HERE))
    from pandas_baseline import run

    frame = pl.scan_parquet(path).filter(pl.col("id") < sample_clients).collect().to_pandas()
    t0 = time.perf_counter()
    run(frame, MIN_DROP)
    sample_seconds = time.perf_counter() - t0
    scale = clients / sample_clients
    return {
        "seconds": sample_seconds * scale,
        "sample_seconds": sample_seconds,
        "sample_rows": float(len(frame)),
        "scale": scale,
        "peak_mb": _peak_mb(),
    }


def _child(variant: str, args: argparse.Namespace) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        variant,
        "--clients",
        str(args.clients),
        "--sample-clients",
        str(args.sample_clients),
    ]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)  # noqa: S603 - our own script
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--sample-clients", type=int, default=5_000)
    parser.add_argument("--child", choices=("alliance", "floor", "pandas"))
    args = parser.parse_args()
    path = DATA / f"cohort_{args.clients}x{SESSIONS}.parquet"
    if args.child:
        if args.child == "alliance":
            result = variant_alliance(path)
        elif args.child == "floor":
            result = variant_floor(path)
        else:
            result = variant_pandas(path, args.sample_clients, args.clients)
        print(json.dumps(result))
        return
    DATA.mkdir(exist_ok=True)
    if not path.exists():
        print(
            f"simulating {args.clients:,} clients x {SESSIONS} sessions -> {path.name} (once) ...",
            flush=True,
        )
        make_data(args.clients, path)
    print(
        f"data: {path.name}, {path.stat().st_size / 1e6:.0f} MB on disk; threads: "
        f"{os.environ.get('POLARS_MAX_THREADS', 'default')}; cores: {os.cpu_count()}"
    )
    floor = _child("floor", args)
    alliance = _child("alliance", args)
    pandas = _child("pandas", args)
    rows = int(alliance["rows"])
    data_mb = floor["data_mb"]
    print(f"\n{rows:,} session rows; data in memory {data_mb:.0f} MB\n")
    print(f"{'variant':<10} {'seconds':>10} {'peak MB':>10}  note")
    print(
        f"{'floor':<10} {floor['seconds']:>10.2f} {floor['peak_mb']:>10.0f}  read Parquet + one sum over item columns"
    )
    print(
        f"{'alliance':<10} {alliance['seconds']:>10.2f} {alliance['peak_mb']:>10.0f}  read + validate + score WAI-SR, PHQ-9 + ruptures"
    )
    steps = (
        ("read", "read", "pl.read_parquet"),
        ("validate", "score", "keys unique, item columns present, every answer allowed"),
        ("score", "score", "4 WAI-SR + 1 PHQ-9 scales: scores, item means, notes, band, flag"),
        ("ruptures", "", "detect_ruptures on wai_sr_total"),
    )
    for step, peak_key, what in steps:
        peak = alliance[f"{peak_key}_peak_mb"] if peak_key else alliance["peak_mb"]
        print(f"{'  ' + step:<10} {alliance[step + '_seconds']:>10.2f} {peak:>10.0f}  {what}")
    print(
        f"{'pandas':<10} {pandas['seconds']:>10.2f} {pandas['peak_mb']:>10.0f}  "
        f"apply/groupby-apply on {int(pandas['sample_rows']):,} rows x {pandas['scale']:.0f} "
        f"(measured {pandas['sample_seconds']:.2f} s)"
    )
    vs_pandas = pandas["seconds"] / alliance["seconds"]
    vs_floor = alliance["seconds"] / floor["seconds"]
    memory = alliance["peak_mb"] / data_mb
    print("\nratios (targets in brackets):")
    print(
        f"  pandas / alliance      {vs_pandas:8.1f}x  [>= 20x]  {'ok' if vs_pandas >= 20 else 'MISSED'}"
    )
    print(
        f"  alliance / floor       {vs_floor:8.2f}x  [<= 3x]   {'ok' if vs_floor <= 3 else 'MISSED'}"
    )
    print(f"  peak memory / data     {memory:8.2f}x  [<= 3x]   {'ok' if memory <= 3 else 'MISSED'}")
    print(
        f"  (reading Parquet alone: {floor['read_seconds']:.2f} s of the floor, {alliance['read_seconds']:.2f} s of alliance)"
    )
    print(
        "  (alliance steps: seconds of each step; peak MB: the process's peak so far, "
        "after that step; validate and score share one peak)"
    )


if __name__ == "__main__":
    main()
