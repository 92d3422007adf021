"""The generated SQL on Apache Spark (local mode): scores and rupture flags equal the engine's.

One test, so that one JVM starts however the suite is split across workers:
every built-in and custom instrument (as in test_sql_scores_match_the_engine)
and the rupture flags (as in test_sql_ruptures_match_the_detector).
"""

from __future__ import annotations

import pytest
from sql_engines import Engine
from test_sql_ruptures_match_the_detector import check as check_ruptures
from test_sql_ruptures_match_the_detector import rupture_cohort
from test_sql_scores_match_the_engine import INSTRUMENTS
from test_sql_scores_match_the_engine import check as check_scores


@pytest.mark.slow
def test_spark_scores_and_ruptures_equal_the_engine(spark_engine: Engine) -> None:
    for inst in INSTRUMENTS:
        check_scores(spark_engine, inst, "spark", seed=4)
    check_ruptures(spark_engine, rupture_cohort(), "spark")
