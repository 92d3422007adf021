"""Benchmark: whole `alliance` processes on 1M and 10M rows beside the bare-Polars floor.

Run: ``nice python bench/bench_scale.py`` (``--sizes 1000000,10000000`` by default;
add 100000000 where the machine has the time and disk).

Data: simulated WAI-SR + PHQ-9 sessions (bench_core.make_data: 10 sessions
per client, Int8 items, Parquet), cached in bench/data/. Each variant is a
fresh process, timed from start to exit, with its own peak RSS (``wait4``):

* ``floor``: a bare Polars script that reads the file, sums the 21 item
  columns and writes the sums to Parquet: the least any scorer must do;
* ``floor same table``: a bare Polars script that reads the file and writes
  the table ``alliance score`` writes (the items and 16 added columns of the
  same names and types: naive sums and means, null notes, the PHQ-9 band
  cut and the risk flag), with Polars' own writer: the least a scorer must
  do to write that table;
* ``score in memory``: ``alliance score FILE -o OUT.parquet --in-memory``;
* ``score streamed``: the same with ``--stream --memory 2GB`` (batches);
* ``score streamed, no items``: the same with ``--no-keep-items`` (only
  id, session and the 14 added columns are written);
* ``score duckdb``: ``--engine duckdb`` (the generated SQL in DuckDB);
* ``ruptures streamed``: ``alliance ruptures FILE --score wai_sr_total
  -o OUT.parquet --stream --memory 2GB`` (the calibrated detector: scores
  WAI-SR per batch into a sorted copy, estimates the pooled noise SD from it
  in two passes, then judges clients batch by batch).

Printed per size: wall seconds, CPU seconds (user + system, from
``wait4``), each as a ratio to the floor's, peak RSS and wall nanoseconds
per row. On a loaded machine the CPU ratio is the steadier of the two (wall
time includes waiting for the cores). Record the figures in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SESSIONS = 10

FLOOR = """
import sys, polars as pl
frame = pl.read_parquet(sys.argv[1])
items = [c for c in frame.columns if c.startswith(("wai_sr_", "phq9_"))]
frame.select(pl.sum_horizontal(items).alias("s")).write_parquet(sys.argv[2])
"""

#: The same table as ``alliance score`` writes (items kept, 16 added columns of the
#: same names and types), computed naively and written by Polars' own writer.
FLOOR_SAME = """
import sys, polars as pl
frame = pl.read_parquet(sys.argv[1])
w = [c for c in frame.columns if c.startswith("wai_sr_")]
p = [c for c in frame.columns if c.startswith("phq9_")]
def scale(cols, name):
    return [pl.sum_horizontal(cols).cast(pl.Float64).alias(name), pl.mean_horizontal(cols).alias(name + "_mean")]
bands = pl.Enum(["minimal", "mild", "moderate", "moderately severe", "severe"])
frame.with_columns(
    *scale(w, "wai_sr_total"), *scale(w[0::3], "wai_sr_goal"), *scale(w[1::3], "wai_sr_task"),
    *scale(w[2::3], "wai_sr_bond"), pl.lit(None, pl.String).alias("wai_sr_note"),
    *scale(p, "phq9_total"), pl.lit(None, pl.String).alias("phq9_note"),
    pl.sum_horizontal(p).cut([4, 9, 14, 19], labels=bands.categories.to_list()).cast(bands).alias("phq9_band"),
    (pl.col("phq9_9") > 0).alias("phq9_flag_risk"),
).write_parquet(sys.argv[2])
"""

CLI = "import sys; from alliance.cli import main; main(sys.argv[1:])"


MAKE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench_core import make_data
make_data(int(sys.argv[2]), Path(sys.argv[3]))
"""


#: Largest cohort simulated directly; larger ones repeat it with new client ids.
SIMULATED = 10_000_000

REPEAT = """
import sys, polars as pl
src, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = pl.scan_parquet(src)
clients = base.select(pl.col("id").max() + 1).collect().item()
pl.concat(
    [base.with_columns(pl.col("id") + k * clients) for k in range(copies)]
).sink_parquet(out)
"""


def data_file(rows: int) -> Path:
    """The cached simulated cohort of ``rows`` rows (made on first use, in its own process).

    Made in a child process so that this process stays small: a child
    inherits its parent's peak RSS figure at fork, which would hide its own.
    Cohorts above 10M rows repeat the 10M one with new client ids (streamed,
    in bounded memory): simulating 100M rows at once needs more memory than
    the machine has to spare, and scoring cost does not depend on which
    simulated clients the rows hold.
    """
    DATA.mkdir(exist_ok=True)
    path = DATA / f"scale_{rows}.parquet"
    if not path.exists() and rows > SIMULATED and rows % SIMULATED == 0:
        base = data_file(SIMULATED)
        seconds, _cpu, _peak = measure(
            [sys.executable, "-c", REPEAT, str(base), str(rows // SIMULATED), str(path)]
        )
        print(f"made {path.name} in {seconds:.0f} s", flush=True)
    if not path.exists():
        seconds, _cpu, _peak = measure([sys.executable, "-c", MAKE, str(HERE), str(rows // SESSIONS),
                                  str(path)])  # fmt: skip
        print(f"made {path.name} in {seconds:.0f} s", flush=True)
    return path


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process."""
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    started = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603 - our interpreter
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    err = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed:\n{err}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def variants(data: Path, out: Path) -> dict[str, list[str]]:
    py = sys.executable
    score = [py, "-c", CLI, "score", str(data), "-i", "wai_sr", "-i", "phq9", "-q"]
    return {
        "floor": [py, "-c", FLOOR, str(data), str(out / "floor.parquet")],
        "floor same table": [py, "-c", FLOOR_SAME, str(data), str(out / "floor_same.parquet")],
        "score in memory": [*score, "-o", str(out / "mem.parquet"), "--in-memory"],
        "score streamed": [
            *score,
            "-o",
            str(out / "stream.parquet"),
            "--stream",
            "--memory",
            "2GB",
        ],
        "score streamed no items": [
            *score,
            "-o",
            str(out / "stream_scores.parquet"),
            "--stream",
            "--memory",
            "2GB",
            "--no-keep-items",
        ],
        "score duckdb": [*score, "-o", str(out / "duck.parquet"), "--engine", "duckdb"],
        "ruptures streamed": [
            py,
            "-c",
            CLI,
            "ruptures",
            str(data),
            "--score",
            "wai_sr_total",
            "-o",
            str(out / "ruptures.parquet"),
            "--stream",
            "--memory",
            "2GB",
            "-q",
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--only", default="", help="comma-separated variant names")
    args = parser.parse_args()
    only = {v.strip() for v in args.only.split(",") if v.strip()}
    for rows in (int(s) for s in args.sizes.split(",")):
        data = data_file(rows)
        print(f"\n{rows:,} rows ({data.stat().st_size / 2**20:.0f} MB Parquet)", flush=True)
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            floor: tuple[float, float] | None = None
            for name, cmd in variants(data, Path(tmp)).items():
                if only and name not in only and name != "floor":
                    continue
                seconds, cpu, peak = measure(cmd)
                floor = floor or (seconds, cpu)
                print(
                    f"  {name:<24} {seconds:7.2f} s  x{seconds / floor[0]:4.1f} floor  "
                    f"cpu {cpu:7.2f} s  x{cpu / floor[1]:4.1f}  "
                    f"peak RSS {peak:7.0f} MB  {seconds / rows * 1e9:6.0f} ns/row  "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
