"""The utterance classifier and the session-quality model: load, apply, save.

The artefact is a folder (``alliance/transcripts/model`` by default) with

* ``meta.json`` -- task definitions, class labels, n-gram vocabularies, the
  embedding settings, the cross-validation results and the data it was
  trained on;
* ``weights.npz`` -- the linear weights (no pickle);
* ``tokenizer.json`` -- the MiniLM tokenizer; ``LICENCE.md`` -- licences.

Tasks (the heads):

* ``behaviour`` -- therapist: question / reflection / therapist_input / other;
* ``talk`` -- client: change / neutral / sustain;
* ``question`` -- open / closed, ``reflection`` -- simple / complex,
  ``input`` -- information / advice / options / negotiation, each read for
  the therapist utterances whose main label is that behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from alliance.transcripts.asr import normalise
from alliance.transcripts.embed import EmbedFn, MiniLM, model_dir
from alliance.transcripts.features import (
    CharVocabulary,
    Context,
    Vocabulary,
    assemble,
    context,
    lexical,
)
from alliance.transcripts.linear import Softmax
from alliance.transcripts.parse import Utterance, format_time
from alliance.transcripts.profile import QUALITY_FEATURES
from alliance.transcripts.quality import (
    SEQUENCE_FEATURES,
    QualityAssessment,
    QualityModel,
    TextVocabulary,
    session_inputs,
)

__all__ = [
    "FORMAT_VERSION",
    "SUBTYPE_OF",
    "Head",
    "Labelled",
    "TaskSpec",
    "TranscriptClassifier",
    "head_features",
    "utterance_frame",
]

FORMAT_VERSION = 2
#: Rows per block when a head is applied.
CHUNK_ROWS = 1024
#: Utterances embedded between two progress reports (when progress is asked for).
PROGRESS_ROWS = 1000

#: Which head gives the subtype of which main therapist label.
SUBTYPE_OF: Mapping[str, str] = {
    "question": "question",
    "reflection": "reflection",
    "therapist_input": "input",
}


@dataclass(frozen=True)
class TaskSpec:
    """How one head is trained.

    Attributes:
        name: head name (behaviour, talk, question, reflection, input).
        role: whose utterances it labels.
        target: the AnnoMI column with the labels.
        where: an AnnoMI boolean column that selects the training rows (or None).
        blocks: feature blocks (see :data:`alliance.transcripts.features.BLOCKS`).
        negation: mark words after a negator in the n-grams.
        l2: penalty of the logistic regression.
        min_df, max_terms: n-gram vocabulary limits.
    """

    name: str
    role: str
    target: str
    where: str | None
    blocks: tuple[str, ...]
    negation: bool = False
    l2: float = 3000.0
    min_df: int = 5
    max_terms: int = 3000
    tune_offsets: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "target": self.target,
            "where": self.where,
            "blocks": list(self.blocks),
            "negation": self.negation,
            "l2": self.l2,
            "min_df": self.min_df,
            "max_terms": self.max_terms,
            "tune_offsets": self.tune_offsets,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TaskSpec:
        return cls(
            name=str(d["name"]),
            role=str(d["role"]),
            target=str(d["target"]),
            where=d.get("where"),
            blocks=tuple(d["blocks"]),
            negation=bool(d["negation"]),
            l2=float(d["l2"]),
            min_df=int(d["min_df"]),
            max_terms=int(d["max_terms"]),
            tune_offsets=bool(d.get("tune_offsets", False)),
        )


def head_features(
    spec: TaskSpec,
    vocab: Vocabulary,
    texts: Sequence[str],
    emb: NDArray[np.float32],
    lex: NDArray[np.float32],
    ctx: Context,
    rows: NDArray[np.int64],
) -> NDArray[np.float32]:
    """The feature matrix of a head for the given rows."""
    bow = vocab.transform([texts[i] for i in rows]) if "bow" in spec.blocks else None
    return assemble(spec.blocks, emb=emb, lex=lex, ctx=ctx, rows=rows, bow=bow)


@dataclass(frozen=True)
class Head:
    """A trained head: its spec, vocabulary, linear model and class offsets.

    ``offsets`` are added to the log-probabilities before the argmax and the
    renormalisation (see :func:`~alliance.transcripts.linear.tune_offsets`);
    zeros when the head was not tuned.
    """

    spec: TaskSpec
    vocab: Vocabulary
    model: Softmax
    offsets: NDArray[np.float64] | None = None

    def features(
        self,
        texts: Sequence[str],
        emb: NDArray[np.float32],
        lex: NDArray[np.float32],
        ctx: Context,
        rows: NDArray[np.int64],
    ) -> NDArray[np.float32]:
        return head_features(self.spec, self.vocab, texts, emb, lex, ctx, rows)

    def proba(
        self,
        texts: Sequence[str],
        emb: NDArray[np.float32],
        lex: NDArray[np.float32],
        ctx: Context,
        rows: NDArray[np.int64],
    ) -> NDArray[np.float64]:
        if rows.size == 0:
            return np.zeros((0, len(self.model.classes)))
        parts = []
        # Chunks keep the feature matrix (about 4,000 columns) small in memory.
        for start in range(0, rows.size, CHUNK_ROWS):
            x = self.features(texts, emb, lex, ctx, rows[start : start + CHUNK_ROWS])
            z = self.model.decision(x)
            if self.offsets is not None:
                z = z + self.offsets
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            parts.append(e / e.sum(axis=1, keepdims=True))
        return np.asarray(np.vstack(parts), dtype=np.float64)


@dataclass(frozen=True)
class Labelled:
    """Labelled utterances and their sentence embeddings (rows aligned)."""

    frame: pl.DataFrame
    embeddings: NDArray[np.float32]

    def similarity_to_previous(self) -> NDArray[np.float64]:
        """Cosine of each utterance with the one before it in its transcript (0 for the first)."""
        tids = self.frame["transcript_id"].to_list()
        ctx = context([str(t) for t in tids], [True] * len(tids))
        e = self.embeddings.astype(np.float64)
        prev = e[np.maximum(ctx.prev, 0)]
        sim = (e * prev).sum(axis=1)
        sim[ctx.prev < 0] = 0.0
        return np.asarray(sim, dtype=np.float64)


def utterance_frame(utterances: Sequence[Utterance]) -> pl.DataFrame:
    """The parsed utterances as a frame (no labels yet)."""
    return pl.DataFrame(
        {
            "transcript_id": [u.transcript_id for u in utterances],
            "utterance_id": [u.utterance_id for u in utterances],
            "interlocutor": [u.interlocutor for u in utterances],
            "speaker": [u.speaker for u in utterances],
            "timestamp": [format_time(u.start) for u in utterances],
            "start_s": [u.start for u in utterances],
            "text": [u.text for u in utterances],
        },
        schema={
            "transcript_id": pl.String,
            "utterance_id": pl.Int64,
            "interlocutor": pl.String,
            "speaker": pl.String,
            "timestamp": pl.String,
            "start_s": pl.Float64,
            "text": pl.String,
        },
    )


def _softmax_arrays(prefix: str, m: Softmax) -> dict[str, NDArray[np.float32]]:
    return {
        f"{prefix}/coef": m.coef.astype(np.float32),
        f"{prefix}/intercept": m.intercept.astype(np.float32),
        f"{prefix}/mean": m.mean.astype(np.float32),
        f"{prefix}/scale": m.scale.astype(np.float32),
    }


def _softmax_from(
    prefix: str, arrays: Mapping[str, NDArray[Any]], classes: Sequence[str]
) -> Softmax:
    return Softmax(
        classes=tuple(classes),
        mean=arrays[f"{prefix}/mean"].astype(np.float64),
        scale=arrays[f"{prefix}/scale"].astype(np.float64),
        coef=arrays[f"{prefix}/coef"].astype(np.float64),
        intercept=arrays[f"{prefix}/intercept"].astype(np.float64),
    )


class TranscriptClassifier:
    """Labels utterances and estimates session quality; see the module docstring."""

    def __init__(
        self,
        heads: Mapping[str, Head],
        quality: QualityModel | None,
        meta: Mapping[str, Any],
        embed: EmbedFn | None = None,
    ) -> None:
        for name in ("behaviour", "talk"):
            if name not in heads:
                raise ValueError(f"the classifier needs a {name!r} head")
        self.heads = dict(heads)
        self.quality = quality
        self.meta = dict(meta)
        self._embed = embed

    # --- loading and saving ------------------------------------------------------

    @classmethod
    def load(
        cls, path: Path | None = None, *, embed: EmbedFn | None = None
    ) -> TranscriptClassifier:
        """Load a trained artefact (default: the one shipped with the package).

        The MiniLM embedder is loaded on first use unless ``embed`` is given.

        Raises:
            FileNotFoundError: when the folder lacks ``meta.json`` or ``weights.npz``.
            ValueError: when the files are of another format version.
        """
        folder = path or model_dir()
        meta_path, weights_path = folder / "meta.json", folder / "weights.npz"
        if not meta_path.is_file() or not weights_path.is_file():
            raise FileNotFoundError(
                f"no trained model in {folder}: run 'alliance transcripts train' first"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"{meta_path}: model format {meta.get('format')!r}, expected {FORMAT_VERSION}"
            )
        with np.load(weights_path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        heads: dict[str, Head] = {}
        for name, t in meta["tasks"].items():
            spec = TaskSpec.from_json(t["spec"])
            vocab = Vocabulary(
                tuple(t["terms"]), arrays[f"{name}/idf"].astype(np.float64), spec.negation
            )
            offsets = np.asarray(t.get("offsets") or [0.0] * len(t["classes"]), dtype=np.float64)
            heads[name] = Head(spec, vocab, _softmax_from(name, arrays, t["classes"]), offsets)
        quality = None
        if "quality" in meta:
            q = meta["quality"]
            # every saved model lists its views; one without them predates the choice
            names = tuple(q.get("views", ("text", "embedding", "shares")))
            vocabs: dict[str, TextVocabulary] = {}
            if "text" in names:
                vocabs["text"] = Vocabulary(
                    tuple(q["terms"]), arrays["quality/idf"].astype(np.float64), negation=False
                )
            for v, d in q.get("vocabularies", {}).items():
                idf = arrays[f"quality/{v}/idf"].astype(np.float64)
                if d["kind"] in ("char_wb", "word_counts"):
                    vocabs[v] = CharVocabulary(
                        tuple(d["terms"]),
                        idf,
                        int(d["n_min"]),
                        int(d["n_max"]),
                        "word" if d["kind"] == "word_counts" else "char_wb",
                    )
                else:
                    vocabs[v] = Vocabulary(tuple(d["terms"]), idf, negation=False)
            views = {v: _softmax_from(f"quality/{v}", arrays, q["classes"]) for v in names}
            quality = QualityModel(
                vocabs,
                views,
                _softmax_from("quality/stack", arrays, q["classes"]),
                arrays["quality/oof_probability"].astype(np.float64),
                arrays["quality/oof_high"].astype(bool),
                {"l2": q.get("l2", {})},
                names,
            )
        return cls(heads, quality, meta, embed)

    def save(self, folder: Path) -> None:
        """Write ``meta.json`` and ``weights.npz`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, NDArray[np.float32]] = {}
        tasks: dict[str, Any] = {}
        for name, h in self.heads.items():
            arrays.update(_softmax_arrays(name, h.model))
            arrays[f"{name}/idf"] = h.vocab.idf.astype(np.float32)
            tasks[name] = {
                "spec": h.spec.to_json(),
                "classes": list(h.model.classes),
                "terms": list(h.vocab.terms),
                "offsets": [round(float(v), 4) for v in h.offsets]
                if h.offsets is not None
                else None,
            }
        meta = dict(self.meta)
        meta["format"] = FORMAT_VERSION
        meta["tasks"] = tasks
        if self.quality is not None:
            qm = self.quality
            for v in qm.names:
                arrays.update(_softmax_arrays(f"quality/{v}", qm.views[v]))
            arrays.update(_softmax_arrays("quality/stack", qm.stack))
            others: dict[str, Any] = {}
            for v, voc in qm.vocabs.items():
                if v == "text":  # where format 2 has always kept it
                    arrays["quality/idf"] = voc.idf.astype(np.float32)
                    continue
                arrays[f"quality/{v}/idf"] = voc.idf.astype(np.float32)
                others[v] = (
                    {
                        "kind": "word_counts" if voc.analyzer == "word" else "char_wb",
                        "n_min": voc.n_min,
                        "n_max": voc.n_max,
                    }
                    if isinstance(voc, CharVocabulary)
                    else {"kind": "word"}
                ) | {"terms": list(voc.terms)}
            arrays["quality/oof_probability"] = qm.oof_probability.astype(np.float32)
            arrays["quality/oof_high"] = qm.oof_high.astype(np.float32)
            quality_meta = {
                k: v
                for k, v in meta.get("quality", {}).items()
                if k not in ("terms", "vocabularies")
            }
            meta["quality"] = {
                **quality_meta,
                "classes": list(qm.stack.classes),
                "views": list(qm.names),
                "share_features": [*QUALITY_FEATURES, *SEQUENCE_FEATURES],
                "l2": dict(qm.info.get("l2", {})),
            }
            if "text" in qm.vocabs:
                meta["quality"]["terms"] = list(qm.vocabs["text"].terms)
            if others:
                meta["quality"]["vocabularies"] = others
        np.savez_compressed(folder / "weights.npz", **arrays)  # type: ignore[arg-type]
        (folder / "meta.json").write_text(
            json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )

    # --- applying ----------------------------------------------------------------

    @property
    def embed(self) -> EmbedFn:
        """The sentence embedder, loaded on first use with the artefact's settings."""
        if self._embed is None:
            e = self.meta.get("embedding", {})
            self._embed = MiniLM.load(
                max_tokens=int(e.get("max_tokens", 64)),
                head=int(e.get("head", 46)),
                quantize=bool(e.get("quantize", True)),
            )
        return self._embed

    def label(
        self,
        utterances: Sequence[Utterance] | pl.DataFrame,
        *,
        progress: Callable[[float, str], None] | None = None,
    ) -> Labelled:
        """Label every utterance.

        The frame gets ``label`` and ``probability`` (the main therapist
        behaviour or the client talk type, and its probability), ``subtype``
        and ``subtype_probability`` (open / closed, simple / complex, input
        kind; null for other labels), and one ``p_<class>`` column per class.
        ``progress`` (if given) hears the share of utterances embedded so far
        (0..0.8) as the embedding runs in blocks of :data:`PROGRESS_ROWS`.
        """
        frame = utterances if isinstance(utterances, pl.DataFrame) else utterance_frame(utterances)
        # Recorder text met half way (fillers, stutters), as in training; the frame keeps the original.
        texts = [normalise(str(t or "")) for t in frame["text"].to_list()]
        therapist = (frame["interlocutor"] == "therapist").to_numpy()
        emb = self._embed_reporting(texts, progress)
        lex = lexical(texts)
        ctx = context([str(t) for t in frame["transcript_id"].to_list()], list(therapist))
        n = frame.height
        label = np.full(n, None, dtype=object)
        prob = np.full(n, np.nan)
        subtype = np.full(n, None, dtype=object)
        sub_prob = np.full(n, np.nan)
        extra: dict[str, NDArray[np.float64]] = {}
        t_rows = np.flatnonzero(therapist)
        c_rows = np.flatnonzero(~therapist)
        for head_name, rows in (("behaviour", t_rows), ("talk", c_rows)):
            h = self.heads[head_name]
            p = h.proba(texts, emb, lex, ctx, rows)
            for k, c in enumerate(h.model.classes):
                col = np.full(n, np.nan)
                col[rows] = p[:, k]
                extra[f"p_{c}"] = col
            if rows.size:
                best = p.argmax(axis=1)
                label[rows] = np.asarray(h.model.classes, dtype=object)[best]
                prob[rows] = p[np.arange(rows.size), best]
        for main, head_name in SUBTYPE_OF.items():
            h_sub = self.heads.get(head_name)
            rows = t_rows[label[t_rows] == main]
            if h_sub is None or rows.size == 0:
                continue
            p = h_sub.proba(texts, emb, lex, ctx, rows)
            best = p.argmax(axis=1)
            subtype[rows] = np.asarray(h_sub.model.classes, dtype=object)[best]
            sub_prob[rows] = p[np.arange(rows.size), best]
        out = frame.with_columns(
            pl.Series("label", label.tolist(), dtype=pl.String),
            pl.Series("probability", prob).fill_nan(None),
            pl.Series("subtype", subtype.tolist(), dtype=pl.String),
            pl.Series("subtype_probability", sub_prob).fill_nan(None),
            *(pl.Series(k, v).fill_nan(None) for k, v in extra.items()),
        )
        return Labelled(out, emb)

    def _embed_reporting(
        self, texts: list[str], progress: Callable[[float, str], None] | None
    ) -> NDArray[np.float32]:
        if progress is None or len(texts) <= PROGRESS_ROWS:
            return self.embed(texts).astype(np.float32, copy=False)
        parts = []
        for start in range(0, len(texts), PROGRESS_ROWS):
            progress(
                0.8 * start / len(texts),
                f"labelling utterances {start + 1:,}-"
                f"{min(start + PROGRESS_ROWS, len(texts)):,} of {len(texts):,}",
            )
            parts.append(self.embed(texts[start : start + PROGRESS_ROWS]).astype(np.float32))
        return np.vstack(parts)

    def quality_probability(self, labelled: Labelled) -> dict[str, float]:
        """Calibrated P(high-quality, MI-consistent session) per transcript ({} without a model)."""
        return {k: v.probability for k, v in self.assess_quality(labelled).items()}

    def assess_quality(self, labelled: Labelled) -> dict[str, QualityAssessment]:
        """Quality probability with its interval and plain note, per transcript ({} without a model)."""
        if self.quality is None:
            return {}
        frame = labelled.frame.with_columns(
            pl.col("text").map_elements(normalise, return_dtype=pl.String)
        )
        x = session_inputs(frame, labelled.embeddings)
        return dict(zip(x.ids, self.quality.assess(x), strict=True))
