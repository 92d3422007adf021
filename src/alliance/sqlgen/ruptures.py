"""Rupture and repair flags in SQL, with window functions over each client's sessions.

Encodes the calibrated detector of ``alliance ruptures``,
:func:`alliance.stats.ruptures.find_ruptures` (the ``"baseline"`` rule,
with its known false-alarm rate), given the pooled session-to-session noise
SD ``sigma`` and the settings (:class:`alliance.stats.rupture_settings.RuptureSettings`:
``z_k``, ``drop_k``, ``min_prior``, ``repair_within``, ``repair_z``). The
noise SD is a parameter, not computed in SQL: its estimator (a MAD of the
session-to-session differences, then a refining step that reruns the rule;
:func:`alliance.stats.rupture_noise.estimate_noise_sd`) needs exact medians,
which SQLite lacks and other engines interpolate differently. ``alliance
ruptures FILE --score S --print-noise`` prints the number for a data set
(or use a clinic's documented value).

With ``w`` the score in the good direction (negated for symptom scales) and
only scored sessions as references, per client ordered by session:

* ``prev``: the previous scored session's ``w``; ``drop = prev - w``;
* over the ``n`` earlier scored sessions, centred on the client's first
  score ``base`` (``s1``: running sum of ``w - base``):
  ``prior_mean = base + s1 / n``, ``scale = sigma * SQRT(1 + 1 / n)``;
* rule ``baseline`` fires when ``n >= min_prior``,
  ``(prior_mean - w) / scale >= z_k`` and ``drop >= drop_k * sigma``;
* a rupture is ``repaired`` when one of the next ``repair_within`` scored
  sessions within ``session + repair_within`` is back at
  ``prior_mean - repair_z * scale`` or better (``repair_session`` the
  first), ``not repaired`` when none is and the client has a scored session
  at or after ``session + repair_within``, else ``censored``.

The columns added are ``{score}_rupture`` (null without a score),
``{score}_rupture_rule`` (``baseline``), ``{score}_rupture_drop``,
``{score}_repair`` and ``{score}_repair_session``: the ``rupture``,
``rule``, ``drop``, ``repair`` and ``repair_session`` columns of
``find_ruptures``. Every number is computed with the engine's operations in
its order (``drop_k * sigma`` is one literal, as the engine multiplies it
once). With whole-number scores the running sums are exact in any order,
so the flags equal the Polars detector's; with fractional scores (prorated
totals, means) an engine may add the window in another order, which can
move the last bit of a sum and so change a flag only at an exact tie.
(id, session) must be unique and not null.

The windowing is one SQL template parsed by sqlglot (the scoring SELECT and
the literals are put in as expression trees) and transpiled per dialect
like the rest.
"""

from __future__ import annotations

import math

import sqlglot
from sqlglot import exp

from alliance.sqlgen.scales import number
from alliance.stats.rupture_settings import RuptureSettings

__all__ = ["rupture_query"]

_TEMPLATE = """
WITH scored AS (SELECT * FROM placeholder_scores),
good AS (
  SELECT id AS r_id, session AS r_session, CAST(placeholder_score AS DOUBLE) * placeholder_sign AS w
  FROM scored WHERE placeholder_score IS NOT NULL
),
framed AS (
  SELECT
    r_id, r_session, w,
    LAG(w) OVER (PARTITION BY r_id ORDER BY r_session) AS prev,
    ROW_NUMBER() OVER (PARTITION BY r_id ORDER BY r_session) - 1 AS n_prior,
    FIRST_VALUE(w) OVER (
      PARTITION BY r_id ORDER BY r_session ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS base,
    MAX(r_session) OVER (PARTITION BY r_id) AS last_session
    {leads}
  FROM good
),
summed AS (
  SELECT
    framed.*,
    SUM(w - base) OVER (
      PARTITION BY r_id ORDER BY r_session ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS s1
  FROM framed
),
baseline AS (
  SELECT
    summed.*,
    CASE WHEN n_prior > 0 THEN base + (s1 / CAST(n_prior AS DOUBLE)) END AS prior_mean,
    CASE WHEN n_prior > 0 THEN
      placeholder_sigma * SQRT(1.0 + (1.0 / CAST(n_prior AS DOUBLE)))
    END AS scale
  FROM summed
),
fired AS (
  SELECT
    baseline.*,
    CASE WHEN n_prior >= placeholder_min_prior
      AND ((prior_mean - w) / scale) >= placeholder_z_k
      AND (prev - w) >= placeholder_min_drop THEN 1 ELSE 0 END AS rules,
    CASE
      {hits}
    END AS hit
  FROM baseline
),
flags AS (
  SELECT
    r_id, r_session,
    rules > 0 AS rupture,
    CASE rules WHEN 1 THEN 'baseline' END AS rule_fired,
    prev - w AS dropped,
    CASE WHEN rules > 0 AND prev IS NOT NULL THEN
      CASE
        WHEN hit IS NOT NULL THEN 'repaired'
        WHEN last_session >= r_session + placeholder_within THEN 'not repaired'
        ELSE 'censored'
      END
    END AS repair_state,
    CASE WHEN rules > 0 AND prev IS NOT NULL THEN hit END AS repaired_at
  FROM fired
)
SELECT
  scored.*,
  flags.rupture AS placeholder_out_rupture,
  flags.rule_fired AS placeholder_out_rule,
  flags.dropped AS placeholder_out_drop,
  flags.repair_state AS placeholder_out_repair,
  flags.repaired_at AS placeholder_out_session
FROM scored
LEFT JOIN flags ON scored.id = flags.r_id AND scored.session = flags.r_session
"""


def _template(repair_within: int) -> str:
    """The template with one LEAD pair and one repair test per session of the repair window."""
    leads = "".join(
        f""",
    LEAD(w, {j}) OVER (PARTITION BY r_id ORDER BY r_session) AS w{j},
    LEAD(r_session, {j}) OVER (PARTITION BY r_id ORDER BY r_session) AS t{j}"""
        for j in range(1, repair_within + 1)
    )
    hits = "\n      ".join(
        f"WHEN t{j} <= r_session + placeholder_within "
        f"AND w{j} >= (prior_mean - (placeholder_repair_z * scale)) THEN t{j}"
        for j in range(1, repair_within + 1)
    )
    return _TEMPLATE.format(leads=leads, hits=hits)


def rupture_query(
    scores: exp.Select,
    *,
    score: str,
    noise_sd: float,
    settings: RuptureSettings | None = None,
    higher_is_better: bool = True,
) -> exp.Select:
    """``scores`` (a scoring SELECT) with the rupture and repair columns of ``score`` added.

    ``noise_sd``: the pooled session-to-session SD of the score
    (``alliance ruptures --print-noise``); ``settings``: the calibrated
    rule's, the defaults of ``alliance ruptures`` when None.
    """
    s = settings or RuptureSettings()
    if not (math.isfinite(noise_sd) and noise_sd > 0):
        raise ValueError(f"noise_sd must be a positive number, got {noise_sd}")
    if isinstance(s.repair_within, bool) or s.repair_within < 1:
        raise ValueError(f"repair_within must be an integer >= 1, got {s.repair_within!r}")
    values: dict[str, exp.Expr] = {
        "placeholder_score": exp.column(score),
        "placeholder_sign": number(1 if higher_is_better else -1),
        "placeholder_sigma": number(noise_sd),
        "placeholder_min_drop": number(s.drop_k * noise_sd),
        "placeholder_min_prior": number(s.min_prior),
        "placeholder_z_k": number(s.z_k),
        "placeholder_repair_z": number(s.repair_z),
        "placeholder_within": number(s.repair_within),
    }
    aliases = {
        "placeholder_out_rupture": f"{score}_rupture",
        "placeholder_out_rule": f"{score}_rupture_rule",
        "placeholder_out_drop": f"{score}_rupture_drop",
        "placeholder_out_repair": f"{score}_repair",
        "placeholder_out_session": f"{score}_repair_session",
    }
    tree = sqlglot.parse_one(_template(s.repair_within), read="duckdb")

    def fill(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return values[node.name].copy()
        if isinstance(node, exp.Table) and node.name == "placeholder_scores":
            return exp.Subquery(
                this=scores.copy(), alias=exp.TableAlias(this=exp.to_identifier("q"))
            )
        if isinstance(node, exp.Identifier) and node.name in aliases:
            return exp.to_identifier(aliases[node.name])
        return node

    filled = tree.transform(fill)
    if not isinstance(filled, exp.Select):  # pragma: no cover - the template is a SELECT
        raise TypeError("the rupture template must be a SELECT")
    return filled
