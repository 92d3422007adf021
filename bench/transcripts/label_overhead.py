"""CPU time of labelling outside the embedding: the part the ratio to the floor measures.

    PYTHONPATH=src python bench/transcripts/label_overhead.py

Labels the 8,165 AnnoMI training utterances with the shipped classifier whose
embedder is replaced by a lookup of vectors computed beforehand, so the
embedding costs nothing and what is left is ``normalise``, the features, the
five heads and the frame (best of 5 runs, CPU seconds; steadier on a shared
machine than the two large timings the ratio divides). Also times the
embedder's own de-duplication of the texts and one run of the floor (the
bare int8 embedding of the same, normalised, texts). Point ``PYTHONPATH`` at
another checkout's ``src`` to compare code versions on the same machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_transcripts import texts_and_frame

from alliance.transcripts import TranscriptClassifier
from alliance.transcripts.asr import normalise
from alliance.transcripts.embed import MiniLM


def main() -> None:
    raw, frame = texts_and_frame(8165)
    m = MiniLM.load()
    texts = [normalise(t) for t in raw]
    c0 = time.process_time()
    vec = m(texts)
    floor = time.process_time() - c0
    table = dict(zip(texts, vec, strict=True))
    clf = TranscriptClassifier.load()
    clf._embed = lambda ts: np.stack([table[t] for t in ts])
    best = float("inf")
    for _ in range(5):
        c0 = time.process_time()
        clf.label(frame)
        best = min(best, time.process_time() - c0)
    # the de-duplication as the embedder of this code version does it
    import inspect

    old = "np.unique" in inspect.getsource(type(m).__call__)
    c0 = time.process_time()
    for _ in range(3):
        if old:
            np.unique(np.asarray(list(texts), dtype=object).astype(str), return_inverse=True)
        else:
            u = sorted(set(texts))
            w = {t: i for i, t in enumerate(u)}
            np.fromiter((w[t] for t in texts), dtype=np.int64, count=len(texts))
    dedup = (time.process_time() - c0) / 3
    print(
        f"labelling outside the embedding: {best:.2f} CPU s (best of 5); "
        f"de-duplication ({'numpy.unique' if old else 'sorted set'}): {dedup:.3f} CPU s; "
        f"one floor run: {floor:.2f} CPU s; implied ratio {(floor + best) / floor:.2f}x"
    )


if __name__ == "__main__":
    main()
