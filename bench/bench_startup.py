"""Benchmark: how long `alliance --help` and `alliance score` on a small file take to start.

Run: ``python bench/bench_startup.py`` (optionally ``--before REF --runs N``).

In the same run, for the tree under test (``src/`` of this checkout) and for
a git ref taken as the "before" (default: the commit before lazy imports,
exported with ``git archive`` into a temporary folder), each command runs
``--runs`` times in a fresh ``python`` process (the console script does the
same: ``from alliance.cli import main``). Printed per tree and command: the
median and best wall time, how many modules were imported, and which heavy
packages were among them. Wall time includes the interpreter's own start
(the ``python -c pass`` row), which no change here can remove.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEFORE = "9e42481"  # last commit with eager imports in alliance.cli
HEAVY = (
    "polars",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "semopy",
    "pyarrow",
    "pydantic",
    "fhir",
    "onnxruntime",
    "django",
    "weasyprint",
    "alliance.reports",
    "alliance.stats",
    "alliance.fhir",
)

_PROBE = """
import contextlib, io, json, sys
from alliance.cli import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    run(json.loads(sys.argv[1]))
mods = sorted(sys.modules)
print(json.dumps(mods))
"""


def export_tree(ref: str, into: Path) -> Path:
    """``src/`` of ``ref`` extracted into ``into``; returns the folder to put on PYTHONPATH."""
    archive = subprocess.run(  # noqa: S603 - git with our own arguments
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"],  # noqa: S607 - git on PATH
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_once(src: Path | None, argv: list[str]) -> tuple[float, list[str]]:
    """Wall seconds of one fresh process, and the modules it imported."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    code = _PROBE if argv else "pass"
    cmd = [sys.executable, "-c", code, json.dumps(argv)]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        cmd, check=True, capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - started
    modules = json.loads(done.stdout.strip().splitlines()[-1]) if argv else []
    return seconds, modules


def measure(src: Path | None, argv: list[str], runs: int) -> dict[str, object]:
    times: list[float] = []
    modules: list[str] = []
    for _ in range(runs):
        seconds, modules = run_once(src, argv)
        times.append(seconds)
    heavy = [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in modules)]
    return {
        "median_s": statistics.median(times),
        "best_s": min(times),
        "modules": len(modules),
        "heavy": heavy,
    }


def small_file(folder: Path) -> Path:
    path = folder / "small.csv"
    header = ["id", "session", *(f"phq9_{n}" for n in range(1, 10))]
    rows = [[f"c{i}", "1", *(str((i + n) % 4) for n in range(1, 10))] for i in range(20)]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git ref of the 'before' tree")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        before = export_tree(args.before, folder / "before")
        data = small_file(folder)
        out = folder / "scored.csv"
        commands = {
            "alliance --help": ["--help"],
            "alliance score small.csv": ["score", str(data), "-o", str(out), "-q"],
        }
        floor = measure(None, [], args.runs)
        print(f"python -c pass (interpreter start): median {floor['median_s']:.3f} s")
        for label, argv in commands.items():
            old = measure(before, argv, args.runs)
            new = measure(ROOT / "src", argv, args.runs)
            for tree, m in ((f"before ({args.before})", old), ("now", new)):
                print(
                    f"{label:<26} {tree:<18} median {m['median_s']:.3f} s  best {m['best_s']:.3f} s  "
                    f"{m['modules']:>5} modules  heavy: {', '.join(m['heavy']) or '-'}"  # type: ignore[arg-type]
                )
            ratio = float(old["median_s"]) / float(new["median_s"])  # type: ignore[arg-type]
            print(f"{label:<26} before / now: {ratio:.1f}x")


if __name__ == "__main__":
    main()
