"""``alliance reliability|change|ruptures|agreement``: statistics on a data file."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
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
from alliance.stats import RuptureSettings

# The statistics (scipy, statsmodels) are imported inside each command, so that
# `alliance --help` and the other commands start without them.
if TYPE_CHECKING:
    import polars as pl

    from alliance.instruments import Instrument
    from alliance.stats import (
        ChangeRule,
        IccEstimate,
        IccResult,
        NestedIcc,
        NoiseEstimate,
        RuptureSummary,
    )

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


def _keep_score(score: str | tuple[str, ...]) -> Callable[[pl.DataFrame, int], pl.DataFrame]:
    """A batch -> its id, session and score columns, each scored from the items when absent."""
    from alliance.scoring import score as score_frame
    from alliance.streaming import shift_rows

    scores = (score,) if isinstance(score, str) else score
    instruments = {c: split_score_column(c)[0] for c in scores}

    def prepare(batch: pl.DataFrame, offset: int) -> pl.DataFrame:
        for column, inst in instruments.items():
            if column not in batch.columns:
                try:
                    batch = score_frame(batch, inst).scores
                except DataError as exc:
                    raise shift_rows(exc, offset) from None
        return batch.select("id", "session", *scores)

    return prepare


def _stream_per_client(
    data: Path,
    score: str | tuple[str, ...],
    output: Path | None,
    step_: Callable[[pl.DataFrame], pl.DataFrame],
    memory: int,
    quiet: bool,
    restart: Callable[[], None],
) -> int:
    """Run a per-client step over ``data`` in batches of whole clients (alliance.streaming)."""
    from alliance.streaming import per_client_file

    with row_progress(f"reading {data.name}", quiet) as advance:
        rows = per_client_file(
            data, output, step_, prepare=_keep_score(score), memory=memory, progress=advance,
            restart=restart,
        )  # fmt: skip
    if output is not None:
        note(f"wrote {rows:,} rows to {output} (streamed)")
    return rows


def _sessions_present(frame: pl.DataFrame) -> bool:
    return "session" in frame.columns and "id" in frame.columns


def register(app: typer.Typer) -> None:
    app.command(
        epilog=(
            "Example: alliance reliability answers.csv -i wai_sr --session 1\n\n"
            "Clients with a blank item are left out of each statistic (listwise); how many, "
            "and which items, is printed under the table and written by --json."
        )
    )(reliability)
    app.command(
        epilog=(
            "Example: alliance change scored.csv --score phq9_total -o change.csv\n\n"
            "PHQ-9 and GAD-7 together, by the NHS Talking Therapies rules (secondary source): "
            "alliance change scored.csv --recovery nhs-tt -o recovery.csv"
        )
    )(change)
    app.command(
        epilog=(
            "Example: alliance ruptures scored.csv --score sai_total -o ruptures.csv\n\n"
            "The session-to-session SD is estimated from the data (pooled over clients, robust to "
            "the ruptures); give --noise-sd to use one from a larger data set."
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
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Also write every number (and the clients dropped listwise, by item) as JSON.",
        ),
    ] = None,
    layout: Layout = "wide",
    mapping: Mapping_ = None,
) -> None:
    """Cronbach's alpha (Feldt CI), McDonald's omega, item-total correlations, alpha if deleted, CFA.

    Each statistic uses the complete rows (listwise deletion); how many were
    dropped, and which items were missing, is printed and written.
    """
    import json

    import polars as pl

    from alliance.instruments import resolve
    from alliance.stats import (
        cronbach_alpha,
        item_total_correlations,
        mcdonald_omega,
    )

    inst = resolve(instrument)
    frame = load(data, layout=layout, mapping=mapping)
    unit = "clients" if _sessions_present(frame) else "rows"
    if _sessions_present(frame):
        if session is not None:
            frame = frame.filter(pl.col("session") == session)
            note(f"using session {session}: {frame.height:,} rows")
        else:
            frame = frame.sort("id", "session").group_by("id", maintain_order=True).first()
            note(f"using each client's first session: {frame.height:,} rows")
    rows = []
    report: dict[str, object] = {"instrument": inst.id, "unit": unit, "rows": frame.height}
    scales_json: list[dict[str, object]] = []
    dropped_lines: list[str] = []
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
        dropped = _listwise(items)
        complete = items.height - dropped.rows
        dropped_lines.append(
            _dropped_line(f"{inst.short_name} {scale.id}", dropped, items.height, unit)
        )
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
                "dropped": dropped.rows,
            }
        )
        scales_json.append({**rows[-1], "missing_by_item": dropped.by_item, "alpha_ci_level": 0.95})
        if scale.id in ("total",) or len(inst.scales) == 1:
            table(
                f"{inst.short_name} {scale.label}: items",
                item_total_correlations(items, nan_policy="listwise"),
            )
    table(
        f"{inst.short_name}: reliability (95% CI by Feldt's method; n = complete {unit}, "
        f"dropped = {unit} left out listwise)",
        pl.DataFrame(rows),
    )
    for line in dropped_lines:
        if line:
            say(line)
    report["scales"] = scales_json
    report["cfa"] = None

    def write_json() -> None:
        if json_out is not None:
            json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            note(f"wrote {json_out}")

    if cfa and inst.id in ("wai_sr", "wai_sr_t"):
        try:
            from alliance.stats import compare_wai_sr_models
        except ModuleNotFoundError as exc:
            if missing_extra(exc) is None:
                raise
            note(
                "confirmatory factor analysis not run: it needs the optional 'models' extra "
                "(pip install 'alliance[models]'); --no-cfa hides this note"
            )
            write_json()
            return
        cols = [inst.item_column(n) for n in range(1, 13)]
        cfa_items = frame.select(cols)
        cfa_dropped = _listwise(cfa_items)
        with progress(1) as bar:
            step(bar, "fitting confirmatory factor models")
            fits = compare_wai_sr_models(cfa_items, prefix=inst.id, nan_policy="listwise")
        table(
            "Confirmatory factor analysis (CFI/TLI near 1, RMSEA and SRMR near 0 = good fit; "
            "lower BIC = preferred)",
            fits.select("model", "n", "chi2", "df", "cfi", "tli", "rmsea", "srmr", "bic"),
        )
        line = _dropped_line(
            f"{inst.short_name} factor models", cfa_dropped, cfa_items.height, unit
        )
        if line:
            say(line)
        report["cfa"] = {
            "dropped": cfa_dropped.rows,
            "missing_by_item": cfa_dropped.by_item,
            "models": fits.to_dicts(),
        }
    write_json()


class _Dropped:
    """Rows left out listwise: how many, and how many miss each item (null or NaN)."""

    __slots__ = ("by_item", "rows")

    def __init__(self, rows: int, by_item: dict[str, int]) -> None:
        self.rows = rows
        self.by_item = by_item


def _listwise(items: pl.DataFrame) -> _Dropped:
    """Count the rows a listwise analysis of ``items`` drops, and the blanks of each item."""
    import polars as pl

    blank = {
        c: pl.col(c).is_null() | (pl.col(c).is_nan() if items.schema[c].is_float() else False)
        for c in items.columns
    }
    counts = items.select(
        pl.any_horizontal(list(blank.values())).sum().alias("__rows"),
        *(e.sum().alias(c) for c, e in blank.items()),
    ).row(0, named=True)
    rows = int(counts.pop("__rows"))
    return _Dropped(rows, {c: int(v) for c, v in counts.items() if v})


def _dropped_line(what: str, dropped: _Dropped, total: int, unit: str) -> str:
    """The line shown whenever a listwise analysis leaves anyone out ("" when none)."""
    if not dropped.rows:
        return ""
    items = ", ".join(f"{c} blank for {k:,}" for c, k in dropped.by_item.items())
    return f"{what}: {dropped.rows:,} of {total:,} {unit} dropped listwise (a blank item): {items}."


#: ``--recovery`` choices: one measure at a time, or NHS Talking Therapies' paired rule.
RECOVERY_RULES = ("single", "nhs-tt")
#: The measures NHS Talking Therapies pairs for recovery (PSYCHOMETRICS.md s.3).
NHS_TT_SCORES = ("phq9_total", "gad7_total")


def change(
    data: InputArg,
    score: Annotated[
        str | None,
        typer.Option(
            help="Score column, e.g. phq9_total (scored from items if absent). "
            "Not needed with --recovery nhs-tt."
        ),
    ] = None,
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
    sd2: Annotated[
        float | None,
        typer.Option(
            help="Post-treatment SD, needed by --method maassen (Maassen 2004), with --sd "
            "and --reliability."
        ),
    ] = None,
    recovery: Annotated[
        str,
        typer.Option(
            "--recovery",
            help="single: recovery on the --score measure alone (default); nhs-tt: NHS "
            "Talking Therapies recovery on PHQ-9 and GAD-7 together (secondary source, unconfirmed).",
        ),
    ] = "single",
    layout: Layout = "wide",
    mapping: Mapping_ = None,
    quiet: Quiet = False,
    memory: Memory = "2GB",
    stream: Stream = None,
) -> None:
    """Reliable and clinically significant change per client, first to last score."""
    import polars as pl

    from alliance.stats import ChangeRule, SDiffMethod, classify_change

    if method_name not in ("jacobson_truax", "maassen"):
        raise typer.BadParameter("use jacobson_truax or maassen", param_hint="--method")
    if recovery not in RECOVERY_RULES:
        raise typer.BadParameter(f"use {' or '.join(RECOVERY_RULES)}", param_hint="--recovery")
    method = cast(SDiffMethod, method_name)
    rules: dict[str, ChangeRule] = {}
    if recovery == "nhs-tt":
        if score is not None and score not in NHS_TT_SCORES:
            raise typer.BadParameter(
                f"--recovery nhs-tt pairs {' and '.join(NHS_TT_SCORES)}; drop --score",
                param_hint="--score",
            )
        if (
            sd is not None
            or reliability_ is not None
            or sd2 is not None
            or method != "jacobson_truax"
        ):
            raise typer.BadParameter(
                "--recovery nhs-tt uses the published PHQ-9 and GAD-7 rules of the instrument "
                "files; drop --sd, --reliability, --method and --sd2",
                param_hint="--recovery",
            )
        scores: tuple[str, ...] = NHS_TT_SCORES
    elif score is None:
        raise typer.BadParameter(
            "name the score column, e.g. --score phq9_total (or use --recovery nhs-tt)",
            param_hint="--score",
        )
    else:
        scores = (score,)
    for column in scores:
        inst, scale_id = split_score_column(column)
        try:
            rules[column] = ChangeRule.from_norms(
                inst.scale(scale_id), sd=sd, reliability=reliability_, method=method, sd2=sd2
            )
        except ValueError as exc:
            raise typer.BadParameter(
                str(exc), param_hint="--sd/--reliability/--method/--sd2"
            ) from None

    def classify(frame: pl.DataFrame) -> pl.DataFrame:
        if recovery == "nhs-tt":
            return _nhs_tt_recovery(frame, rules)
        return classify_change(
            frame, id_col="id", session_col="session", score_col=scores[0], rule=rules[scores[0]]
        )

    budget = memory_setting(memory)
    if use_streaming(data, stream, budget):
        _wide_only(layout, mapping)
        parts: list[pl.DataFrame] = []

        def counted(frame: pl.DataFrame) -> pl.DataFrame:
            result = classify(frame)
            parts.append(_change_counts(result))
            return result

        clients = _stream_per_client(data, scores, output, counted, budget, quiet, parts.clear)
        counts = pl.concat(parts).group_by("category").agg(pl.all().sum())
    else:
        with progress(3, quiet) as bar:
            step(bar, f"reading {data.name}")
            frame = load(data, layout=layout, mapping=mapping)
            for column in scores:
                frame = with_score(frame, column)
            step(bar, "classifying change")
            result = classify(frame)
            step(bar, "done")
        clients = result.height
        counts = _change_counts(result)
        if output is not None:
            save(result, output)
    title = (
        "NHS Talking Therapies recovery, PHQ-9 and GAD-7 together [check]"
        if recovery == "nhs-tt"
        else f"{scores[0]}: change from first to last score"
    )
    table(
        f"{title} (n = {clients:,} clients)",
        counts.select("category", "len")
        .sort("len", "category", descending=[True, False])
        .rename({"len": "clients"}),
    )
    if recovery == "nhs-tt":
        say(_nhs_tt_rates(counts))
    for column, rule in rules.items():
        say(
            (f"{column} rule" if recovery == "nhs-tt" else "Rule")
            + f": {rule.criterion}, threshold {rule.threshold:.2f} points"
            + (
                f", caseness {rule.caseness} {rule.cutoff:g}"
                if rule.cutoff is not None and recovery == "nhs-tt"
                else ""
            )
            + f"; source: {rule.source}"
            + (" [check]" if rule.check and "[check]" not in rule.source else "")
        )


def _nhs_tt_recovery(frame: pl.DataFrame, rules: Mapping[str, ChangeRule]) -> pl.DataFrame:
    """Each client's PHQ-9 and GAD-7 change paired by :func:`combine_recovery` (one rule, one place).

    The paired columns (``case_start`` ... ``category``) come from
    :func:`alliance.stats.change.combine_recovery`; each measure's own first
    and last score and category are added for the reader
    (``phq9_total_first``, ``phq9_total_last``, ``phq9_total_category``, ...).
    """
    import polars as pl

    from alliance.stats.change import classify_change, combine_recovery

    phq, gad = (
        classify_change(frame, id_col="id", session_col="session", score_col=c, rule=rules[c])
        for c in NHS_TT_SCORES
    )
    paired = combine_recovery(phq, gad, id_col="id")
    for column, single in zip(NHS_TT_SCORES, (phq, gad), strict=True):
        paired = paired.join(
            single.select(
                "id",
                pl.col("score_first").alias(f"{column}_first"),
                pl.col("score_last").alias(f"{column}_last"),
                pl.col("category").alias(f"{column}_category"),
            ),
            on="id",
            how="left",
            maintain_order="left",
        )
    return paired


def _change_counts(result: pl.DataFrame) -> pl.DataFrame:
    """Clients per category, with the paired rule's recovery counts when present."""
    import polars as pl

    paired = "reliable_recovery" in result.columns
    judged = pl.col("category").is_in(["missing measure", "single observation"]).not_()
    extra = (
        [
            (judged & pl.col("case_start")).sum().alias("cases"),
            (judged & pl.col("recovery")).sum().alias("recovery"),
            (judged & pl.col("reliable_recovery")).sum().alias("reliable_recovery"),
            (judged & pl.col("reliable_improvement")).sum().alias("reliable_improvement"),
            (judged & pl.col("reliable_deterioration")).sum().alias("reliable_deterioration"),
        ]
        if paired
        else []
    )
    return result.group_by("category").agg(pl.len().cast(pl.Int64).alias("len"), *extra)


def _nhs_tt_rates(counts: pl.DataFrame) -> str:
    """One line: recovery among cases at intake, improvement and deterioration among all judged."""
    judged = int(
        counts.filter(~counts["category"].is_in(["missing measure", "single observation"]))[
            "len"
        ].sum()
    )

    def total(name: str) -> int:
        return int(counts[name].sum())

    def share(k: int, n: int) -> str:
        return f"{k:,} of {n:,} ({100 * k / n:.1f}%)" if n else f"{k:,} of 0"

    cases = total("cases")
    return (
        f"Of {judged:,} clients with both measures at 2 or more sessions, {cases:,} were a case "
        f"at intake (PHQ-9 or GAD-7). Recovery: {share(total('recovery'), cases)}; reliable "
        f"recovery: {share(total('reliable_recovery'), cases)}; reliable improvement: "
        f"{share(total('reliable_improvement'), judged)}; reliable deterioration: "
        f"{share(total('reliable_deterioration'), judged)}."
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
    noise_sd: Annotated[
        float | None,
        typer.Option(
            help="Session-to-session SD of the score from elsewhere (e.g. a larger data set). "
            "Default: estimated from this data, pooled over clients."
        ),
    ] = None,
    estimate: Annotated[
        bool,
        typer.Option(
            help="Estimate the session-to-session SD from this data (the default unless "
            "--noise-sd is given; kept for old scripts)."
        ),
    ] = False,
    z_k: Annotated[
        float,
        typer.Option(help="Flag scores this many standard errors below the client's baseline."),
    ] = RuptureSettings.z_k,
    min_drop: Annotated[
        float | None,
        typer.Option(
            help="Least fall from the previous session, in raw points (default: 1 noise SD)."
        ),
    ] = None,
    min_prior: Annotated[
        int, typer.Option(help="Earlier sessions needed for the client's baseline.")
    ] = RuptureSettings.min_prior,
    cutoff: Annotated[
        float | None,
        typer.Option(
            help="Also flag any score on the wrong side of this cut-off (not in the false-alarm rate)."
        ),
    ] = None,
    repair_within: Annotated[
        int, typer.Option(help="Sessions allowed for the score to come back.")
    ] = RuptureSettings.repair_within,
    print_noise: Annotated[
        bool,
        typer.Option(
            help="Also print the noise SD in full precision, to pass to "
            "'alliance sql --ruptures SCORE --noise-sd' (the same rule in a warehouse)."
        ),
    ] = False,
    truth: Annotated[
        Path | None, typer.Option(help="Simulator truth file: also print recall and precision.")
    ] = None,
    layout: Layout = "wide",
    mapping: Mapping_ = None,
    quiet: Quiet = False,
    memory: Memory = "2GB",
    stream: Stream = None,
) -> None:
    """Find ruptures (sudden drops below the client's own level) and whether they were repaired.

    A session is flagged when its score lies --z-k standard errors below the
    mean of the client's earlier sessions, using the session-to-session SD
    pooled over all clients, and fell at least --min-drop from the previous
    session. The expected false-alarm rate of the settings is printed.

    Streamed (--stream, or a file larger than --memory), the file is read
    once into a sorted copy of the three columns needed, the noise SD is
    estimated from that copy (holding 8 bytes per session, 16 at the peak:
    the median needs every session-to-session difference) and the clients
    are then judged batch by batch: the same numbers as in memory. --truth
    keeps the run in memory unless --stream is given.
    """
    import polars as pl

    from alliance.stats import expected_false_alarm_rate, find_ruptures, rupture_summary

    inst, scale_id = split_score_column(score)
    scale = inst.scale(scale_id)
    given = _given_noise(noise_sd, estimate)

    def settings_for(noise: NoiseEstimate) -> RuptureSettings:
        return RuptureSettings(
            z_k=z_k,
            drop_k=RuptureSettings.drop_k if min_drop is None else min_drop / noise.sd,
            min_prior=min_prior,
            repair_within=repair_within,
        )

    def detect(
        frame: pl.DataFrame, noise: NoiseEstimate, settings: RuptureSettings
    ) -> pl.DataFrame:
        try:
            return find_ruptures(
                frame.select("id", "session", score),
                score=score,
                noise=noise,
                settings=settings,
                cutoff=cutoff,
                higher_is_better=scale.higher_is_better is not False,
            )
        except ValueError as exc:
            if isinstance(exc, DataError):
                raise
            raise typer.BadParameter(str(exc)) from None

    budget = memory_setting(memory)
    flags: pl.DataFrame | None = None
    auto_with_truth = truth is not None and stream is None  # --truth needs every flag
    if not auto_with_truth and use_streaming(data, stream, budget):
        _wide_only(layout, mapping)
        if truth is not None:
            raise typer.BadParameter(
                "--truth compares every flag at once: use --in-memory", param_hint="--truth"
            )
        noise, summary, lengths = _ruptures_streamed(
            data, score, output, given, settings_for, detect, budget, quiet
        )
        settings = settings_for(noise)
    else:
        with progress(4, quiet) as bar:
            step(bar, f"reading {data.name}")
            frame = with_score(load(data, layout=layout, mapping=mapping), score)
            step(bar, "estimating session-to-session noise")
            noise = given or _estimated_noise(lambda: [frame], score)
            settings = settings_for(noise)
            step(bar, f"detecting ruptures in {frame.height:,} sessions")
            flags = detect(frame, noise, settings)
            step(bar, "done")
        summary = rupture_summary(flags)
        lengths = _session_counts(flags)
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
    fall = settings.drop_k * noise.sd
    say(
        f"Rule: {settings.z_k:g} standard errors below the client's baseline (mean of the earlier "
        f"sessions, at least {settings.min_prior}) and a fall of at least {fall:.3f} points from "
        f"the previous session; session-to-session SD {noise.sd:.3f} ({noise.source}; "
        f"{noise.method}). Repaired = back within {settings.repair_z:g} standard errors of the "
        f"baseline within {settings.repair_within} sessions."
    )
    if print_noise:
        say(f"noise SD: {noise.sd!r} (for alliance sql --ruptures {score} --noise-sd)")
    rate = expected_false_alarm_rate(settings, n_sessions=_typical_length(lengths))
    say("With these settings, " + rate.sentence() + ".")
    if truth is not None and flags is not None:
        from alliance.io import read_table
        from alliance.stats import detection_accuracy

        acc = detection_accuracy(flags, read_table(truth))
        say(
            f"Against the injected ruptures: recall {acc.recall:.3f} ({acc.recalled} of "
            f"{acc.detectable} detectable ruptures found), precision {acc.precision:.3f} "
            f"({acc.true_positives} of {acc.detected} flags at an injected rupture)."
        )
    if output is not None and flags is not None:
        save(flags, output)


def _ruptures_streamed(
    data: Path,
    score: str,
    output: Path | None,
    given: NoiseEstimate | None,
    settings_for: Callable[[NoiseEstimate], RuptureSettings],
    detect: Callable[[pl.DataFrame, NoiseEstimate, RuptureSettings], pl.DataFrame],
    memory: int,
    quiet: bool,
) -> tuple[NoiseEstimate, RuptureSummary, pl.Series]:
    """``alliance ruptures`` in bounded memory; returns the noise, the summary and session counts.

    Pass 1 reads the file once into a temporary copy of (id, session,
    score) sorted by client and session; the pooled noise SD is estimated
    from that copy in two more streamed passes (its differences, then the
    refining step); the last pass judges whole clients batch by batch and
    writes the flags as it goes. With --noise-sd the input is judged
    directly, in one pass.
    """
    import shutil
    import tempfile

    import polars as pl

    from alliance.stats import rupture_summary
    from alliance.streaming import client_groups, per_client_file, scan, sorted_copy

    folder = Path(tempfile.mkdtemp(prefix="alliance-ruptures-"))
    try:
        source, keep = data, _keep_score(score)
        prepare: Callable[[pl.DataFrame, int], pl.DataFrame] | None = keep
        if given is None:
            with row_progress(f"reading {data.name}", quiet) as advance:
                source = sorted_copy(data, folder, prepare=keep, memory=memory, progress=advance)
            prepare = None  # the sorted copy holds the three columns already
            copy = source
            noise = _estimated_noise(lambda: client_groups(scan(copy), memory=memory), score)
        else:
            noise = given
        settings = settings_for(noise)
        summaries: list[RuptureSummary] = []
        lengths: list[pl.Series] = []

        def judged(frame: pl.DataFrame) -> pl.DataFrame:
            flags = detect(frame, noise, settings)
            summaries.append(rupture_summary(flags))
            lengths.append(_session_counts(flags))
            return flags

        def restart() -> None:
            summaries.clear()
            lengths.clear()

        with row_progress("detecting ruptures", quiet) as advance:
            rows = per_client_file(
                source, output, judged, prepare=prepare, memory=memory, progress=advance,
                restart=restart,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if output is not None:
        note(f"wrote {rows:,} rows to {output} (streamed)")
    counts = pl.concat(lengths) if lengths else pl.Series("len", [], dtype=pl.UInt32)
    return noise, _add_summaries(summaries), counts


def _add_summaries(parts: list[RuptureSummary]) -> RuptureSummary:
    """The summary of several groups of whole clients: counts added, rates from the totals."""
    from alliance.stats import RuptureSummary

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


def _given_noise(given: float | None, estimate: bool) -> NoiseEstimate | None:
    """The noise SD given with --noise-sd (checked), or None to estimate it from the data."""
    from alliance.stats import NoiseEstimate

    if given is None:
        return None
    if estimate:
        raise typer.BadParameter("give --noise-sd or --estimate, not both", param_hint="--noise-sd")
    if not given > 0:
        raise typer.BadParameter(f"must be above 0, got {given}", param_hint="--noise-sd")
    return NoiseEstimate(given, 0, 0, "given", "given with --noise-sd")


def _estimated_noise(groups: Callable[[], Iterable[pl.DataFrame]], score: str) -> NoiseEstimate:
    """The pooled session-to-session SD estimated from the data (groups of whole clients)."""
    from alliance.stats import estimate_noise_sd_in_groups

    try:
        return estimate_noise_sd_in_groups(groups, score=score)
    except DataError as exc:
        raise DataError(f"{exc}; give --noise-sd from a larger data set") from None


def _session_counts(flags: pl.DataFrame) -> pl.Series:
    """Scored sessions per client, one value per client.

    The detector's output comes sorted by client, so the counts are the run
    lengths of the id column (a hash grouping cost as much as the detection).
    """
    import polars as pl

    ids = flags.filter(pl.col("rupture").is_not_null()).get_column("id")
    if ids.is_sorted():
        return ids.rle().struct.field("len").alias("len")
    return ids.to_frame().group_by("id").len()["len"]


def _typical_length(per_client: pl.Series) -> int:
    """Median number of scored sessions per client (at least 1), for the false-alarm rate."""
    median = per_client.median() if per_client.len() else None
    return max(1, round(float(median))) if isinstance(median, int | float) else 12


def agreement(
    data: InputArg,
    client: Annotated[str, typer.Option(help="Client-side instrument, e.g. wai_sr.")],
    therapist: Annotated[
        str, typer.Option(help="Therapist-side instrument on the same metric, e.g. wai_sr_t.")
    ],
    scale: Annotated[
        str, typer.Option(help="Scale to compare (total, goal, task, bond...).")
    ] = "total",
    by_session: Annotated[
        bool, typer.Option(help="Also show the ICCs of each session number (10+ dyads).")
    ] = False,
    n_boot: Annotated[
        int, typer.Option(help="Dyad-bootstrap resamples for the all-sessions interval.")
    ] = 2000,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Per-dyad gaps file.")
    ] = None,
    layout: Layout = "wide",
    mapping: Mapping_ = None,
) -> None:
    """Client-therapist agreement (ICC(2,1) absolute, ICC(3,1) consistency) that respects dyads.

    First sessions: one row per dyad, so the F test and its interval hold.
    All sessions: the same ICCs over every dyad-session, with an interval
    from a bootstrap that resamples whole dyads, and no p-value (sessions of
    one dyad are not independent).
    """
    import polars as pl

    from alliance.instruments import resolve
    from alliance.stats import dyad_gaps, first_session_pairs, icc_dyad_bootstrap, icc_wide

    c_col, t_col = f"{resolve(client).id}_{scale}", f"{resolve(therapist).id}_{scale}"
    frame = with_score(with_score(load(data, layout=layout, mapping=mapping), c_col), t_col)
    if "id" not in frame.columns:
        raise DataError("agreement needs an id column (one id per dyad)", column="id")
    if "session" not in frame.columns:
        frame = frame.with_columns(pl.lit(1).alias("session"))
    pairs = frame.select("id", "session", c_col, t_col).drop_nulls()
    first = first_session_pairs(
        pairs, id_col="id", session_col="session", client_col=c_col, therapist_col=t_col
    )
    if first.height < 3:
        raise DataError(
            f"only {first.height} dyads have both {c_col} and {t_col}; at least 3 are needed"
        )
    rows = [_first_row(r) for r in _pair(icc_wide(first[c_col], first[t_col]))]
    if pairs.height > first.height:
        nested = icc_dyad_bootstrap(
            pairs, id_col="id", client_col=c_col, therapist_col=t_col, n_boot=n_boot
        )
        rows += _nested_rows(nested)
    table(
        f"Agreement between {c_col} and {t_col} ({first.height} dyads, {pairs.height} "
        "dyad-sessions)",
        pl.DataFrame(rows),
    )
    say(
        "first: each dyad's first session with both ratings (independent dyads: Shrout & "
        "Fleiss F test and interval). all: every dyad-session, interval from "
        f"{n_boot} bootstrap resamples of whole dyads; no p-value, since sessions of one dyad "
        "are not independent."
    )
    if by_session:
        table(
            "By session number (sessions with 10 or more dyads)", _by_session(pairs, c_col, t_col)
        )
    gaps = dyad_gaps(
        pairs, id_col="id", session_col="session", client_col=c_col, therapist_col=t_col
    )
    say(
        f"Mean gap (client - therapist): {_number(gaps['gap'].mean())}; "
        f"mean absolute gap {_number(gaps['abs_gap'].mean())}"
    )
    if output is not None:
        save(gaps, output)


def _pair(result: IccResult) -> tuple[IccEstimate, IccEstimate]:
    return result.agreement, result.consistency


_MODEL = {"ICC(2,1)": "ICC(2,1) absolute agreement", "ICC(3,1)": "ICC(3,1) consistency"}


def _first_row(e: IccEstimate) -> dict[str, object]:
    return {
        "sessions": "first",
        "model": _MODEL[e.kind],
        "icc": e.icc,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "p": e.p,
    }


def _nested_rows(n: NestedIcc) -> list[dict[str, object]]:
    return [
        {
            "sessions": "all",
            "model": _MODEL[kind],
            "icc": icc_value,
            "ci_low": low,
            "ci_high": high,
            "p": None,
        }
        for kind, icc_value, low, high in (
            ("ICC(2,1)", n.agreement, n.agreement_ci_low, n.agreement_ci_high),
            ("ICC(3,1)", n.consistency, n.consistency_ci_low, n.consistency_ci_high),
        )
    ]


def _by_session(pairs: pl.DataFrame, c_col: str, t_col: str) -> pl.DataFrame:
    import polars as pl

    from alliance.stats import icc_wide

    rows = []
    for (session,), part in pairs.sort("session").group_by("session", maintain_order=True):
        if part.height < 10:
            continue
        res = icc_wide(part[c_col], part[t_col])
        rows.append(
            {
                "session": session,
                "dyads": part.height,
                "icc_2_1": res.agreement.icc,
                "icc_3_1": res.consistency.icc,
                "ci_low_3_1": res.consistency.ci_low,
                "ci_high_3_1": res.consistency.ci_high,
            }
        )
    return pl.DataFrame(rows)


def _number(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else "-"


def _count_or_rate(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.3f}"
