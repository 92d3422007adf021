"""`alliance sql` prints the scoring SELECT; `alliance score --engine duckdb` runs it on a file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from conftest import Alliance

from alliance.simulate import simulate_cohort


def cohort(path: Path) -> pl.DataFrame:
    raw = simulate_cohort(60, 6, seed=2, instruments=("wai_sr", "phq9")).data
    items = [c for c in raw.columns if c.startswith(("wai_sr_", "phq9_"))]
    frame = raw.select("id", "session", *items).with_columns(
        # some blanks: prorated and unscored rows
        pl.when(pl.int_range(pl.len()) % 5 == 0)
        .then(None)
        .otherwise(pl.col("phq9_3"))
        .alias("phq9_3"),
        pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(None)
        .otherwise(pl.col("phq9_4"))
        .alias("phq9_4"),
    )
    frame.write_csv(path)
    return frame


def test_sql_prints_one_select_that_duckdb_runs_to_the_engines_scores(
    alliance: Alliance, tmp_path: Path
) -> None:
    cohort(tmp_path / "answers.csv")
    printed = alliance("sql", "phq9", "wai_sr", "--dialect", "duckdb", "--table", "answers")
    assert printed.code == 0, printed.err
    con = duckdb.connect()
    con.register(
        "answers", pl.read_csv("answers.csv", schema_overrides={"id": pl.String}).to_arrow()
    )
    got = pl.DataFrame(con.sql(printed.out.rstrip().rstrip(";")).to_arrow_table())
    assert alliance("score", "answers.csv", "-o", "polars.parquet", "-q").code == 0
    want = pl.read_parquet("polars.parquet")
    assert got.columns == want.columns
    want = want.with_columns(pl.col(pl.Enum).cast(pl.String))
    assert got.sort("id", "session").equals(want.sort("id", "session"))


def test_score_with_the_duckdb_engine_writes_the_polars_engines_output(
    alliance: Alliance, tmp_path: Path
) -> None:
    cohort(tmp_path / "answers.csv")
    polars_run = alliance("score", "answers.csv", "-o", "polars.parquet", "-q")
    duck_run = alliance(
        "score", "answers.csv", "-i", "phq9", "-i", "wai_sr", "-o", "duck.parquet",
        "--engine", "duckdb",
    )  # fmt: skip
    assert polars_run.code == 0 and duck_run.code == 0, duck_run.err
    want = pl.read_parquet("polars.parquet")
    got = pl.read_parquet("duck.parquet")
    assert got.schema == want.schema  # bands an Enum in both (equals() ignores types)
    assert got.sort("id", "session").equals(want.sort("id", "session"))


def test_duckdb_engine_stops_at_an_answer_out_of_range_and_writes_nothing(
    alliance: Alliance, tmp_path: Path
) -> None:
    frame = cohort(tmp_path / "answers.csv")
    frame.with_columns(
        pl.when(pl.col("id") == frame["id"][7]).then(9).otherwise(pl.col("phq9_2")).alias("phq9_2")
    ).write_csv("bad.csv")
    done = alliance("score", "bad.csv", "-i", "phq9", "-o", "out.csv", "--engine", "duckdb")
    assert done.code == 3
    assert "phq9_2" in done.err_flat and "9 is not allowed" in done.err_flat
    assert not Path("out.csv").exists()


def test_duckdb_engine_refuses_repeated_client_sessions(alliance: Alliance, tmp_path: Path) -> None:
    frame = cohort(tmp_path / "answers.csv")
    pl.concat([frame, frame.head(1)]).write_csv("twice.csv")
    done = alliance("score", "twice.csv", "-i", "phq9", "-o", "out.csv", "--engine", "duckdb")
    assert done.code == 3
    assert "repeat" in done.err_flat


def test_sql_check_query_lists_only_the_invalid_answers(alliance: Alliance, tmp_path: Path) -> None:
    frame = cohort(tmp_path / "answers.csv").with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(7).otherwise(pl.col("wai_sr_5")).alias("wai_sr_5")
    )
    printed = alliance("sql", "wai_sr", "phq9", "--check", "-d", "duckdb")
    con = duckdb.connect()
    con.register("answers", frame.to_arrow())
    rows = con.sql(printed.out.rstrip().rstrip(";")).fetchall()
    assert rows == [(frame["id"][3], frame["session"][3], "wai_sr_5", 7.0)]


def test_sql_with_ruptures_needs_a_score_the_query_computes(alliance: Alliance) -> None:
    done = alliance("sql", "phq9", "--ruptures", "wai_sr_total")
    assert done.code == 2
    needs_noise = alliance("sql", "phq9", "--ruptures", "phq9_total", "-d", "postgres")
    assert needs_noise.code == 2 and "--print-noise" in needs_noise.err_flat
    ok = alliance("sql", "phq9", "--ruptures", "phq9_total", "--noise-sd", "1.7", "-d", "postgres")
    assert ok.code == 0
    assert "phq9_total_repair" in ok.out and "LAG(" in ok.out and "'baseline'" in ok.out


def test_sql_ruptures_with_the_printed_noise_flag_what_alliance_ruptures_flags(
    alliance: Alliance, tmp_path: Path
) -> None:
    # The analyst's route: the noise SD from `alliance ruptures --print-noise`,
    # then the same rule in the warehouse's SQL.
    cohort(tmp_path / "answers.csv")
    done = alliance(
        "ruptures", "answers.csv", "--score", "wai_sr_total", "--print-noise", "-o", "flags.csv"
    )
    assert done.code == 0, done.err
    noise = done.out_flat.split("noise SD: ")[1].split()[0]
    printed = alliance("sql", "wai_sr", "--ruptures", "wai_sr_total", "--noise-sd", noise)
    assert printed.code == 0, printed.err
    con = duckdb.connect()
    con.register(
        "answers", pl.read_csv("answers.csv", schema_overrides={"id": pl.String}).to_arrow()
    )
    got = pl.DataFrame(con.sql(printed.out.rstrip().rstrip(";")).to_arrow_table())
    want = pl.read_csv("flags.csv", schema_overrides={"id": pl.String})
    got = got.sort("id", "session")
    assert got["wai_sr_total_rupture"].to_list() == want["rupture"].to_list()
    assert got["wai_sr_total_repair"].to_list() == want["repair"].to_list()
    assert want["rupture"].sum() > 0


def test_sql_writes_every_dialect(alliance: Alliance) -> None:
    for dialect in ("duckdb", "postgres", "sqlite", "spark", "databricks", "bigquery", "snowflake"):
        done = alliance("sql", "gas", "sai", "--dialect", dialect, "--table", "warehouse.answers")
        assert done.code == 0, (dialect, done.err)
        assert "sai_total" in done.out and "gas_t" in done.out
    assert alliance("sql", "phq9", "--dialect", "oracle-ish").code == 2
