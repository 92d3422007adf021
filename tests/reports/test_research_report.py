"""The research report: each section's numbers are the statistics functions' own.

Data come from the simulator (known truth), scored by the one scoring
engine, with a therapist column added (one therapist named like markup).
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.reports import HEADINGS, Wording, build_report, report_body, report_html
from alliance.reports.build import nice_edges
from alliance.scoring import score
from alliance.simulate import simulate_cohort
from alliance.stats.outcome import alliance_outcome_model
from alliance.stats.reliability import cronbach_alpha, mcdonald_omega
from alliance.stats.rupture_noise import estimate_noise_sd
from alliance.stats.ruptures import find_ruptures, rupture_summary

INSTRUMENTS = ("wai_sr", "sai", "phq9", "gad7")
THERAPISTS = ("Ann Lee", "<script>alert(1)</script>", "Bo & Co")


def scored_cohort(clients: int = 60, sessions: int = 8, seed: int = 3, **kw: float) -> pl.DataFrame:
    data = simulate_cohort(clients, sessions, seed=seed, instruments=INSTRUMENTS, **kw).data
    return score(data, list(INSTRUMENTS)).scores


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    data = scored_cohort()
    names = pl.Series(THERAPISTS)
    return data.with_columns(
        therapist=pl.col("id")
        .cast(pl.Int64)
        .mod(len(THERAPISTS))
        .map_elements(lambda i: names[i], return_dtype=pl.String)
    )


@pytest.fixture(scope="module")
def report(frame: pl.DataFrame):
    return build_report(frame, source="cohort.csv")


@pytest.fixture(scope="module")
def html(report) -> str:
    return report_html(report)


def test_the_page_has_every_section_in_order(html: str) -> None:
    positions = [html.index(f">{h}</h2>") for h in (h.replace("&", "&amp;") for h in HEADINGS)]
    assert positions == sorted(positions)


def test_defaults_pick_the_alliance_outcome_and_therapist_columns(report) -> None:
    s = report.summary
    assert (s.alliance_col, s.outcome_col, s.therapist_col) == (
        "wai_sr_total",
        "phq9_total",
        "therapist",
    )
    assert s.clients == 60
    assert s.therapists == 3
    assert {i for i, _, _ in s.instruments} == set(INSTRUMENTS)


def test_distribution_is_the_mean_of_each_clients_sessions(frame, report) -> None:
    means = frame.group_by("id").agg(pl.col("wai_sr_total").mean())["wai_sr_total"]
    d = report.distribution
    assert d.mean == pytest.approx(means.mean())
    assert d.median == pytest.approx(means.median())
    assert d.clients == 60
    ann = next(r for r in d.by_therapist if r.therapist == "Ann Lee")
    ann_means = (
        frame.filter(pl.col("therapist") == "Ann Lee")
        .group_by("id")
        .agg(pl.col("wai_sr_total").mean())
    )
    assert ann.clients == ann_means.height
    assert ann.mean == pytest.approx(ann_means["wai_sr_total"].mean())


def test_rupture_rates_are_those_of_detect_ruptures(frame, report) -> None:
    r = report.ruptures
    assert r.noise_sd is not None and "estimated from this data" in r.noise_source
    assert r.noise_sd == estimate_noise_sd(frame, score="wai_sr_total").sd
    assert r.false_alarms_per_100 is not None and r.false_alarms_per_100 < 1.5
    flags = find_ruptures(frame, score="wai_sr_total", noise=r.noise_sd)
    expected = rupture_summary(flags)
    o = r.overall
    assert (o.ruptures, o.sessions, o.repaired, o.not_repaired) == (
        expected.ruptures, expected.sessions, expected.repaired, expected.not_repaired
    )  # fmt: skip
    assert o.per_100_sessions == pytest.approx(100 * expected.rupture_rate)
    assert o.per_client == pytest.approx(expected.ruptures / expected.clients)
    assert o.share_repaired == pytest.approx(expected.repair_rate)
    assert sum(t.ruptures for t in r.by_therapist) == o.ruptures


def test_outcome_coefficients_are_those_of_the_mixed_model(frame, report) -> None:
    fit = alliance_outcome_model(
        frame,
        id_col="id",
        session_col="session",
        alliance_col="wai_sr_total",
        outcome_col="phq9_total",
    )
    out = report.outcome
    assert out.fitted and (out.n_clients, out.n_obs) == (fit.n_clients, fit.n_obs)
    for c in out.coefficients:
        assert c.estimate == pytest.approx(fit.estimate(c.term))
    assert any("Within clients" in s for s in out.reading)
    assert any("Between clients" in s for s in out.reading)


def test_reliability_is_alpha_and_omega_of_each_clients_first_administration(frame, report) -> None:
    first = frame.sort("id", "session").group_by("id", maintain_order=True).first()
    items = first.select(f"wai_sr_{n}" for n in range(1, 13))
    row = next(
        r for r in report.reliability.rows if r.instrument == "wai_sr" and r.scale == "Total"
    )
    a = cronbach_alpha(items, nan_policy="listwise")
    assert (row.alpha, row.alpha_ci_low, row.alpha_ci_high, row.n) == (
        a.alpha,
        a.ci_low,
        a.ci_high,
        a.n,
    )
    assert row.omega == pytest.approx(mcdonald_omega(items, nan_policy="listwise").omega)
    assert {r.instrument for r in report.reliability.rows} == set(INSTRUMENTS)


def test_the_numbers_shown_are_the_models(html: str, report) -> None:
    assert f"{report.outcome.coefficients[1].estimate:.3f}" in html
    assert f"{report.ruptures.overall.per_100_sessions:.1f} per 100 sessions" in html
    assert f"{report.reliability.rows[0].alpha:.3f}" in html


def test_charts_are_inline_svg_overall_and_by_therapist(html: str, frame) -> None:
    assert html.count("<svg") == 3
    assert report_html(build_report(frame.drop("therapist"))).count("<svg") == 1


def test_a_therapist_named_like_markup_stays_text(html: str) -> None:
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bo &amp; Co" in html


def test_the_page_is_self_contained(html: str) -> None:
    assert "<style>" in html and "@page" in html and "size: A4" in html
    assert not re.search(r"\b(src|href)\s*=", html)
    assert not re.search(r"url\(", html)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_the_body_fragment_has_no_style_element_for_the_web_page(report) -> None:
    body = report_body(report)
    assert "<style" not in body and body.count("<section") == 5


def test_items_without_scores_are_scored_first() -> None:
    raw = simulate_cohort(30, 6, seed=8, instruments=("sai", "gad7")).data
    r = build_report(raw)
    assert (r.summary.alliance_col, r.summary.outcome_col) == ("sai_total", "gad7_total")
    assert dict((i, w) for i, _, w in r.summary.instruments) == {
        "gad7": "items and scores",
        "sai": "items and scores",
    }


def test_scores_without_items_say_reliability_needs_items(frame) -> None:
    only_scores = frame.select("id", "session", "wai_sr_total", "phq9_total")
    r = build_report(only_scores)
    assert r.reliability.rows == ()
    assert "item" in r.reliability.reason
    assert "Reliability" in report_html(r)


def test_too_little_data_for_the_model_is_said_not_raised(frame) -> None:
    two = frame.filter(pl.col("id").is_in(frame["id"].unique().sort()[:2].implode()))
    r = build_report(two)
    assert not r.outcome.fitted
    assert "too little data" in r.outcome.reason
    assert "could not be fitted" in report_html(r)


def test_no_outcome_column_is_said(frame) -> None:
    r = build_report(frame.select("id", "session", "wai_sr_total"))
    assert not r.outcome.fitted and "No outcome" in r.outcome.reason


def test_named_columns_are_used(frame) -> None:
    renamed = frame.rename({"id": "client", "session": "visit", "therapist": "counsellor"})
    r = build_report(
        renamed, id_col="client", session_col="visit", therapist_col="counsellor",
        alliance_col="sai_total", outcome_col="gad7_total",
    )  # fmt: skip
    assert (r.summary.alliance_col, r.summary.outcome_col) == ("sai_total", "gad7_total")
    assert r.summary.therapists == 3 and r.ruptures.noise_sd is not None


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"id_col": "client"}, "client"),
        ({"session_col": "visit"}, "visit"),
        ({"therapist_col": "counsellor"}, "counsellor"),
        ({"alliance_col": "srs_total"}, "srs_total"),
        ({"outcome_col": "core10_total"}, "core10_total"),
    ],
)
def test_a_missing_column_is_named(frame, kwargs, column) -> None:
    with pytest.raises(DataError, match=column):
        build_report(frame, **kwargs)


def test_no_alliance_scores_at_all_is_an_error_saying_what_was_looked_for() -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "session": [1, 1], "phq9_total": [3.0, 4.0]})
    with pytest.raises(DataError, match="wai_sr_total"):
        build_report(frame)


def test_a_repeated_session_is_a_data_error(frame) -> None:
    with pytest.raises(DataError, match="session"):
        build_report(pl.concat([frame, frame.head(1)]))


def test_fractional_session_numbers_are_refused(frame) -> None:
    bad = frame.with_columns(pl.col("session").cast(pl.Float64) + 0.5)
    with pytest.raises(DataError, match="whole session numbers"):
        build_report(bad)


def test_a_strong_simulated_alliance_outcome_link_shows_between_clients() -> None:
    strong = build_report(scored_cohort(150, 10, seed=4, alliance_outcome_r=0.9))
    none = build_report(scored_cohort(150, 10, seed=4, alliance_outcome_r=0.0))
    between = {c.term: c for c in strong.outcome.coefficients}["alliance_between"]
    assert between.ci_high < 0  # better alliance, lower PHQ-9 later
    assert any("lower (better on this measure)" in s for s in strong.outcome.reading)
    null = {c.term: c for c in none.outcome.coefficients}["alliance_between"]
    assert null.ci_low < 0 < null.ci_high


def test_clinic_wording_replaces_the_research_words(frame) -> None:
    wording = Wording(
        title="Clinic report: Northside", unit="episodes of care", unit_one="episode of care"
    )
    page = report_html(build_report(frame, wording=wording))
    assert "<title>Clinic report: Northside</title>" in page
    assert "per episode of care" in page


def test_histogram_bins_fall_on_round_numbers() -> None:
    assert nice_edges(12, 60)[:3] == [10.0, 15.0, 20.0]
    assert nice_edges(0, 6) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0]
    with pytest.raises(ValueError, match="high > low"):
        nice_edges(3, 3)
