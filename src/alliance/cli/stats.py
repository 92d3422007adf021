"""``alliance reliability|change|ruptures|agreement``: statistics on a data file."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from alliance.cli.common import (
    LAYOUT_HELP,
    MAP_HELP,
    MEMORY_HELP,
    QUIET_HELP,
    STREAM_HELP,
    load,
    memory_setting,
    missing_extra,
    note,
    progress,
    row_progress,
    save,
    say,
    step,
    table,
    use_streaming,
)
from alliance.errors import DataError

# The statistics (scipy, statsmodels) are imported inside each command, so that
# `alliance --help` and the other commands start without them.
if TYPE_CHECKING:
    import polars as pl

    from alliance.instruments import Instrument
    from alliance.stats.ruptures import RuptureSummary

InputArg = Annotated[Path, typer.Argument(help="Input file: .csv .tsv .xlsx .sav .parquet")]
Layout = Annotated[str, typer.Option(help=LAYOUT_HELP)]
Mapping_ = Annotated[Path | None, typer.Option("--map", help=MAP_HELP)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)]
Memory = Annotated[str, typer.Option(help=MEMORY_HELP)]
Stream = Annotated[bool | None, typer.Option("--stream/--in-memory", help=STREAM_HELP)]


def split_score_column(column: str) -> tuple[Instrument, str]:
    """``wai_sr_total`` -> (the wai_sr instrument, ``total``); the longest instrument id wins."""
    from alliance.instruments import registry

    matches = [i for i in registry().values() if column.startswith(i.id + "_")]
    for inst in sorted(matches, key=lambda i: len(i.id), reverse=True):
        scale = column[len(inst.id) + 1 :]
        if scale in {s.id for s in inst.scales}:
            return inst, scale
    raise typer.BadParameter(
        f"{column!r} is not a score column; use {{instrument}}_{{scale}}, e.g. wai_sr_total or phq9_total",
        param_hint="--score",
    )


def with_score(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The frame with ``column`` present: scored from the items when it is not there yet."""
    if column in frame.columns:
        return frame
    from alliance.scoring import score as score_frame

    inst, _scale = split_score_column(column)
    note(f"{column} not in the file: scoring {inst.id} from its item columns first")
    return score_frame(frame, inst).scores


def _wide_only(layout: str, mapping: Path | None) -> None:
    if layout != "wide" or mapping is not None:
        raise typer.BadParameter(
            "streamed input must be wide with our column names: drop --layout long and --map, "
            "or use --in-memory",
            param_hint="--stream",
        )


def _stream_per_client(
    data: Path,
    score: str,
    output: Path | None,
    step_: Callable[[pl.DataFrame], pl.DataFrame],
    memory: int,
    quiet: bool,
    restart: Callable[[], None],
) -> int:
    """Run a per-client step over ``data`` in batches of whole clients (alliance.streaming)."""
    from alliance.scoring import score as score_frame
    from alliance.streaming import per_client_file, shift_rows

    inst, _scale = split_score_column(score)

    def prepare(batch: pl.DataFrame, offset: int) -> pl.DataFrame:
        if score not in batch.columns:
            try:
                batch = score_frame(batch, inst).scores
            except DataError as exc:
                raise shift_rows(exc, offset) from None
        return batch.select("id", "session", score)

    with row_progress(f"reading {data.name}", quiet) as advance:
        rows = per_client_file(
            data, output, step_, prepare=prepare, memory=memory, progress=advance,
            restart=restart,
        )  # fmt: skip
    if output is not None:
        note(f"wrote {rows:,} rows to {output} (streamed)")
    return rows


def _sessions_present(frame: pl.DataFrame) -> bool:
    return "session" in frame.columns and "id" in frame.columns


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: alliance reliability answers.csv -i wai_sr --session 1")(
        reliability
    )
    app.command(epilog="Example: alliance change scored.csv --score phq9_total -o change.csv")(
        change
    )
    app.command(
        epilog=(
            "Example: alliance ruptures scored.csv --score wai_sr_total --estimate -o ruptures.csv\n\n"
            "Without --min-drop the instrument's published reliable change is used; where none is "
            "published (e.g. WAI-SR) give --min-drop, or --estimate to estimate it from this data."
        )
    )(ruptures)
    app.command(
        epilog="Example: alliance agreement cohort.csv --client wai_sr --therapist wai_sr_t"
    )(agreement)


def reliability(
    data: InputArg,
    instrument: Annotated[
        str, typer.Option("-i", "--instrument", help="Instrument id or .toml file.")
    ],
    session: Annotated[
        int | None,
        typer.Option(
            help="Use only this session (repeated sessions are not independent). Default: each client's first session."
        ),
    ] = None,
    cfa: Annotated[
        bool, typer.Option(help="Also fit the 3- and 2-factor WAI-SR models (WAI-SR forms only).")
    ] = True,
    layout: Layout = "wide",
    mapping: Mapping_ = None,
) -> None:
    """Cronbach's alpha (Feldt CI), McDonald's omega, item-total correlations, alpha if deleted, CFA."""
    import polars as pl

    from alliance.instruments import resolve
    from alliance.stats.reliability import (
        cronbach_alpha,
        item_total_correlations,
        mcdonald_omega,
    )

    inst = resolve(instrument)
    frame = load(data, layout=layout, mapping=mapping)
    if _sessions_present(frame):
        if session is not None:
            frame = frame.filter(pl.col("session") == session)
            note(f"using session {session}: {frame.height:,} rows")
        else:
            frame = frame.sort("id", "session").group_by("id", maintain_order=True).first()
            note(f"using each client's first session: {frame.height:,} rows")
    rows = []
    for scale in inst.scales:
        if len(scale.items) < 2:
            continue
        cols = [inst.item_column(n) for n in scale.items]
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(
                f"missing item column(s) for {inst.id}: {', '.join(missing)}", column=missing[0]
            )
        items = frame.select(cols)
        complete = items.drop_nulls().height
        if complete < 3:
            raise DataError(
                f"{inst.id} {scale.id}: only {complete} complete row(s); at least 3 are needed"
            )
        a = cronbach_alpha(items, nan_policy="listwise")
        o = mcdonald_omega(items, nan_policy="listwise") if len(cols) >= 3 else None
        rows.append(
            {
                "scale": scale.id,
                "items": len(cols),
                "n": a.n,
                "alpha": a.alpha,
                "alpha_ci_low": a.ci_low,
                "alpha_ci_high": a.ci_high,
                "omega": o.omega if o else None,
            }
        )
        if scale.id in ("total",) or len(inst.scales) == 1:
            table(
                f"{inst.short_name} {scale.label}: items",
                item_total_correlations(items, nan_policy="listwise"),
            )
    table(f"{inst.short_name}: reliability (95% CI by Feldt's method)", pl.DataFrame(rows))
    if cfa and inst.id in ("wai_sr", "wai_sr_t"):
        try:
            from alliance.stats.cfa import compare_wai_sr_models
        except ModuleNotFoundError as exc:
            if missing_extra(exc) is None:
                raise
            note(
                "confirmatory factor analysis not run: it needs the optional 'models' extra "
                "(pip install 'alliance[models]'); --no-cfa hides this note"
            )
            return
        cols = [inst.item_column(n) for n in range(1, 13)]
        with progress(1) as bar:
            step(bar, "fitting confirmatory factor models")
            fits = compare_wai_sr_models(frame.select(cols), prefix=inst.id, nan_policy="listwise")
        table(
            "Confirmatory factor analysis (CFI/TLI near 1, RMSEA and SRMR near 0 = good fit; "
            "lower BIC = preferred)",
            fits.select("model", "n", "chi2", "df", "cfi", "tli", "rmsea", "srmr", "bic"),
        )


def change(
    data: InputArg,
    score: Annotated[
        str, typer.Option(help="Score column, e.g. phq9_total (scored from items if absent).")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Per-client results file.")
    ] = None,
    sd: Annotated[
        float | None, typer.Option(help="SD for reliable change, when no published norm exists.")
    ] = None,
    reliability_: Annotated[
        float | None, typer.Option("--reliability", help="Reliability (e.g. alpha) with --sd.")
    ] = None,
    method_name: Annotated[
        str, typer.Option("--method", help="S_diff method: jacobson_truax or maassen.")
    ] = "jacobson_truax",
    layout: Layout = "wide",
    mapping: Mapping_ = None,
    quiet: Quiet = False,
    memory: Memory = "2GB",
    stream: Stream = None,
) -> None:
    """Reliable and clinically significant change per client, first to last score."""
    import polars as pl

    from alliance.stats.change import ChangeRule, SDiffMethod, classify_change

    if method_name not in ("jacobson_truax", "maassen"):
        raise typer.BadParameter("use jacobson_truax or maassen", param_hint="--method")
    method = cast(SDiffMethod, method_name)
    inst, scale_id = split_score_column(score)
    try:
        rule = ChangeRule.from_norms(
            inst.scale(scale_id), sd=sd, reliability=reliability_, method=method
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--sd/--reliability") from None

    def classify(frame: pl.DataFrame) -> pl.DataFrame:
        return classify_change(
            frame, id_col="id", session_col="session", score_col=score, rule=rule
        )

    budget = memory_setting(memory)
    if use_streaming(data, stream, budget):
        _wide_only(layout, mapping)
        parts: list[pl.DataFrame] = []

        def counted(frame: pl.DataFrame) -> pl.DataFrame:
            result = classify(frame)
            parts.append(result.group_by("category").len())
            return result

        clients = _stream_per_client(data, score, output, counted, budget, quiet, parts.clear)
        counts = pl.concat(parts).group_by("category").agg(pl.col("len").sum())
    else:
        with progress(3, quiet) as bar:
            step(bar, f"reading {data.name}")
            frame = with_score(load(data, layout=layout, mapping=mapping), score)
            step(bar, "classifying change")
            result = classify(frame)
            step(bar, "done")
        clients = result.height
        counts = result.group_by("category").len()
        if output is not None:
            save(result, output)
    table(
        f"{score}: change from first to last score (n = {clients:,} clients)",
        counts.sort("len", "category", descending=[True, False]).rename({"len": "clients"}),
    )
    say(
        f"Rule: {rule.criterion}, threshold {rule.threshold:.2f} points; source: {rule.source}"
        + (" [check]" if rule.check else "")
    )


def ruptures(
    data: InputArg,
    score: Annotated[
        str,
        typer.Option(
            help="Score column, e.g. wai_sr_total or sai_total (scored from items if absent)."
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Per-session flags file.")
    ] = None,
    min_drop: Annotated[
        float | None, typer.Option(help="Drop from the previous session that counts (raw points).")
    ] = None,
    estimate: Annotated[
        bool,
        typer.Option(
            help="Estimate the reliable drop from this data (first-session SD and alpha)."
        ),
    ] = False,
    sd_k: Annotated[
        float, typer.Option(help="Flag scores this many within-client SDs below the running mean.")
    ] = 2.0,
    min_prior: Annotated[
        int, typer.Option(help="Prior sessions needed before the SD rule applies.")
    ] = 3,
    cutoff: Annotated[
        float | None, typer.Option(help="Also flag any score on the wrong side of this cut-off.")
    ] = None,
    repair_within: Annotated[
        int, typer.Option(help="Sessions allowed for the score to come back.")
    ] = 3,
    truth: Annotated[
        Path | None, typer.Option(help="Simulator truth file: also print recall and precision.")
    ] = None,
    layout: Layout = "wide",
    mapping: Mapping_ = None,
    quiet: Quiet = False,
    memory: Memory = "2GB",
    stream: Stream = None,
) -> None:
    """Find ruptures (sudden drops in the alliance) and whether they were repaired."""
    import polars as pl

    from alliance.stats.ruptures import detect_ruptures, rupture_summary

    inst, scale_id = split_score_column(score)
    scale = inst.scale(scale_id)
    budget = memory_setting(memory)

    def detect(frame: pl.DataFrame, drop: float | None) -> pl.DataFrame:
        return detect_ruptures(
            frame.select("id", "session", score),
            score=score,
            min_drop=drop,
            sd_k=sd_k,
            min_prior=min_prior,
            cutoff=cutoff,
            repair_within=repair_within,
            higher_is_better=scale.higher_is_better is not False,
        )

    if use_streaming(data, stream, budget):
        _wide_only(layout, mapping)
        if estimate or truth is not None:
            raise typer.BadParameter(
                "--estimate and --truth need the whole file in memory: give --min-drop, or "
                "use --in-memory",
                param_hint="--stream",
            )
        drop, source = _min_drop(inst, scale_id, pl.DataFrame(), min_drop, False)
        parts: list[RuptureSummary] = []

        def summarised(frame: pl.DataFrame) -> pl.DataFrame:
            flags = detect(frame, drop)
            parts.append(rupture_summary(flags))
            return flags

        _stream_per_client(data, score, output, summarised, budget, quiet, parts.clear)
        summary = _add_summaries(parts)
    else:
        with progress(4, quiet) as bar:
            step(bar, f"reading {data.name}")
            frame = with_score(load(data, layout=layout, mapping=mapping), score)
            step(bar, "choosing thresholds")
            drop, source = _min_drop(inst, scale_id, frame, min_drop, estimate)
            step(bar, f"detecting ruptures in {frame.height:,} sessions")
            flags = detect(frame, drop)
            step(bar, "done")
        summary = rupture_summary(flags)
    labels = {
        "clients": "clients",
        "sessions": "sessions with a score",
        "ruptures": "ruptures flagged",
        "rupture_rate": "ruptures per session",
        "clients_with_rupture": "clients with a rupture",
        "repaired": "repaired",
        "not_repaired": "not repaired",
        "censored": "too soon to tell",
        "unassessed": "no earlier score",
        "repair_rate": "repair rate (repaired / judged)",
    }
    table(
        f"Ruptures in {score}",
        pl.DataFrame(
            {
                "measure": list(labels.values()),
                "value": [_count_or_rate(getattr(summary, k)) for k in labels],
            }
        ),
    )
    say(
        f"Drop rule: {'off' if drop is None else f'{drop:.2f} points'} ({source}); SD rule: {sd_k} SDs after {min_prior} sessions; "
        f"repaired = back to the pre-drop level within {repair_within} sessions."
    )
    if truth is not None:
        from alliance.io import read_table
        from alliance.stats.ruptures import detection_accuracy

        acc = detection_accuracy(flags, read_table(truth))
        say(
            f"Against the injected ruptures: recall {acc.recall:.3f} ({acc.recalled} of "
            f"{acc.detectable} detectable ruptures found), precision {acc.precision:.3f} "
            f"({acc.true_positives} of {acc.detected} flags at an injected rupture)."
        )
    if output is not None and not use_streaming(data, stream, budget):
        save(flags, output)


def _add_summaries(parts: list[RuptureSummary]) -> RuptureSummary:
    """The summary of several groups of whole clients: counts added, rates from the totals."""
    from alliance.stats.ruptures import RuptureSummary

    def total(name: str) -> int:
        return sum(int(getattr(p, name)) for p in parts)

    ruptures, sessions = total("ruptures"), total("sessions")
    repaired, not_repaired = total("repaired"), total("not_repaired")
    return RuptureSummary(
        clients=total("clients"),
        sessions=sessions,
        ruptures=ruptures,
        rupture_rate=ruptures / sessions if sessions else math.nan,
        clients_with_rupture=total("clients_with_rupture"),
        repaired=repaired,
        not_repaired=not_repaired,
        censored=total("censored"),
        unassessed=total("unassessed"),
        repair_rate=repaired / (repaired + not_repaired) if repaired + not_repaired else math.nan,
    )


def _min_drop(
    inst: Instrument, scale_id: str, frame: pl.DataFrame, given: float | None, estimate: bool
) -> tuple[float | None, str]:
    """Given > published reliable change (unless --estimate) > estimated from this data."""
    from alliance.stats.ruptures import estimate_min_drop, min_drop_for

    if given is not None:
        return given, "given with --min-drop"
    published = None if estimate else min_drop_for(inst, scale_id)
    if published is not None:
        norms = inst.scale(scale_id).change
        source = "instrument file" if norms is None else norms.source
        return published, source + (" [check]" if norms is not None and norms.check else "")
    if not estimate:
        raise typer.BadParameter(
            f"no published reliable change for {inst.id}_{scale_id}: give --min-drop, or --estimate to "
            "estimate it from this data (first-session SD and Cronbach's alpha)",
            param_hint="--min-drop",
        )
    found = estimate_min_drop(frame, inst, scale_id)
    return found.drop, found.source


def agreement(
    data: InputArg,
    client: Annotated[str, typer.Option(help="Client-side instrument, e.g. wai_sr.")],
    therapist: Annotated[
        str, typer.Option(help="Therapist-side instrument on the same metric, e.g. wai_sr_t.")
    ],
    scale: Annotated[
        str, typer.Option(help="Scale to compare (total, goal, task, bond...).")
    ] = "total",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Per-dyad gaps file.")
    ] = None,
    layout: Layout = "wide",
    mapping: Mapping_ = None,
) -> None:
    """Client-therapist agreement: ICC(2,1) absolute agreement, ICC(3,1) consistency, and gaps."""
    import polars as pl

    from alliance.instruments import resolve
    from alliance.stats.agreement import dyad_gaps, icc

    c_col, t_col = f"{resolve(client).id}_{scale}", f"{resolve(therapist).id}_{scale}"
    frame = with_score(with_score(load(data, layout=layout, mapping=mapping), c_col), t_col)
    keys = ["id", "session"] if _sessions_present(frame) else ["id"]
    pairs = frame.select(*keys, c_col, t_col).drop_nulls()
    if pairs.height < 3:
        raise DataError(
            f"only {pairs.height} rows have both {c_col} and {t_col}; at least 3 are needed"
        )
    target = pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator="/").alias("dyad")
    long = pairs.select(target, c_col, t_col).unpivot(
        index="dyad", variable_name="rater", value_name="score"
    )
    result = icc(long, target="dyad", rater="rater", score="score")
    rows = [
        asdict(result.agreement) | {"model": "ICC(2,1) absolute agreement"},
        asdict(result.consistency) | {"model": "ICC(3,1) consistency"},
    ]
    table(
        f"Agreement between {c_col} and {t_col} (n = {result.n} dyad-sessions)",
        pl.DataFrame(rows).select("model", "icc", "ci_low", "ci_high", "f", "p"),
    )
    gaps = dyad_gaps(
        pairs if "session" in pairs.columns else pairs.with_columns(pl.lit(1).alias("session")),
        id_col="id",
        session_col="session",
        client_col=c_col,
        therapist_col=t_col,
    )
    say(
        f"Mean gap (client - therapist): {_number(gaps['gap'].mean())}; "
        f"mean absolute gap {_number(gaps['abs_gap'].mean())}"
    )
    if output is not None:
        save(gaps, output)


def _number(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else "-"


def _count_or_rate(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.3f}"
