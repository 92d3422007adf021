"""Rupture and repair flags in SQL, with window functions over each client's sessions.

Encodes the project's default detector, :func:`alliance.stats.ruptures.detect_ruptures`
with its defaults (PSYCHOMETRICS.md section 5): ``sd_k = 2``,
``min_prior = 3``, no cut-off rule, ``repair_within = 3``; ``min_drop`` is
given (the instrument's published reliable change, or the user's). With
``w`` the score in the good direction (negated for symptom scales) and only
scored sessions as references, per client ordered by session:

* ``drop = prev - w`` (``prev``: the previous scored session); rule
  ``drop`` fires when ``drop >= min_drop``;
* over the ``n`` earlier scored sessions, centred on the client's first
  score ``base`` (``c = w - base``; running sums ``s1``, ``s2`` of ``c`` and
  ``c * c``): ``mean = base + s1 / n``, ``sd = SQRT(GREATEST((s2 - s1 * s1 / n)
  / (n - 1), 0))``; rule ``sd`` fires when ``n >= 3``, ``sd > 0`` and
  ``w <= mean - 2 * sd``;
* a rupture with a previous score is ``repaired`` when one of the next
  three scored sessions within ``session + 3`` is back at ``prev`` or better
  (``repair_session`` the first), ``not repaired`` when none is and the
  client has a scored session at or after ``session + 3``, else
  ``censored``.

The columns added are ``{score}_rupture`` (null without a score),
``{score}_rupture_rule`` (``drop``, ``sd`` or ``drop+sd``),
``{score}_rupture_drop``, ``{score}_repair`` and ``{score}_repair_session``:
the ``rupture``, ``rule``, ``drop``, ``repair`` and ``repair_session``
columns of ``detect_ruptures``. With whole-number scores the running sums
are exact in any order, so the flags equal the Polars detector's; with
fractional scores (prorated totals, means) an engine may add the window in
another order, which can move the last bit of a sum and so change a flag
only at an exact tie. (id, session) must be unique and not null.

The windowing is one SQL template parsed by sqlglot (the scoring SELECT and
the literals are put in as expression trees) and transpiled per dialect
like the rest.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from alliance.sqlgen.scales import number

__all__ = ["rupture_query"]

SD_K = 2.0
MIN_PRIOR = 3
REPAIR_WITHIN = 3

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
    MAX(r_session) OVER (PARTITION BY r_id) AS last_session,
    LEAD(w, 1) OVER (PARTITION BY r_id ORDER BY r_session) AS w1,
    LEAD(r_session, 1) OVER (PARTITION BY r_id ORDER BY r_session) AS t1,
    LEAD(w, 2) OVER (PARTITION BY r_id ORDER BY r_session) AS w2,
    LEAD(r_session, 2) OVER (PARTITION BY r_id ORDER BY r_session) AS t2,
    LEAD(w, 3) OVER (PARTITION BY r_id ORDER BY r_session) AS w3,
    LEAD(r_session, 3) OVER (PARTITION BY r_id ORDER BY r_session) AS t3
  FROM good
),
summed AS (
  SELECT
    framed.*,
    SUM(w - base) OVER (
      PARTITION BY r_id ORDER BY r_session ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS s1,
    SUM((w - base) * (w - base)) OVER (
      PARTITION BY r_id ORDER BY r_session ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS s2
  FROM framed
),
spread AS (
  SELECT
    summed.*,
    CASE WHEN n_prior > 0 THEN base + (s1 / CAST(n_prior AS DOUBLE)) END AS prior_mean,
    CASE WHEN n_prior > 1 THEN SQRT(GREATEST(
      (s2 - ((s1 * s1) / CAST(n_prior AS DOUBLE))) / (CAST(n_prior AS DOUBLE) - 1), 0.0
    )) END AS prior_sd
  FROM summed
),
fired AS (
  SELECT
    spread.*,
    CASE WHEN prev - w >= placeholder_min_drop THEN 1 ELSE 0 END
    + CASE WHEN n_prior >= placeholder_min_prior AND prior_sd > 0
        AND w <= prior_mean - (placeholder_sd_k * prior_sd) THEN 2 ELSE 0 END AS rules,
    CASE
      WHEN t1 <= r_session + placeholder_within AND w1 >= prev THEN t1
      WHEN t2 <= r_session + placeholder_within AND w2 >= prev THEN t2
      WHEN t3 <= r_session + placeholder_within AND w3 >= prev THEN t3
    END AS hit
  FROM spread
),
flags AS (
  SELECT
    r_id, r_session,
    rules > 0 AS rupture,
    CASE rules WHEN 1 THEN 'drop' WHEN 2 THEN 'sd' WHEN 3 THEN 'drop+sd' END AS rule_fired,
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


def rupture_query(
    scores: exp.Select,
    *,
    score: str,
    min_drop: float,
    higher_is_better: bool = True,
) -> exp.Select:
    """``scores`` (a scoring SELECT) with the rupture and repair columns of ``score`` added."""
    if not min_drop > 0:
        raise ValueError(f"min_drop must be a positive number, got {min_drop}")
    values: dict[str, exp.Expr] = {
        "placeholder_score": exp.column(score),
        "placeholder_sign": number(1 if higher_is_better else -1),
        "placeholder_min_drop": number(min_drop),
        "placeholder_min_prior": number(MIN_PRIOR),
        "placeholder_sd_k": number(SD_K),
        "placeholder_within": number(REPAIR_WITHIN),
    }
    aliases = {
        "placeholder_out_rupture": f"{score}_rupture",
        "placeholder_out_rule": f"{score}_rupture_rule",
        "placeholder_out_drop": f"{score}_rupture_drop",
        "placeholder_out_repair": f"{score}_repair",
        "placeholder_out_session": f"{score}_repair_session",
    }
    tree = sqlglot.parse_one(_TEMPLATE, read="duckdb")

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
