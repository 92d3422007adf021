"""`alliance --help` and `alliance score` start without the heavy libraries they never use.

Each check runs a fresh interpreter (imports already made by the test
process would hide a regression) and lists the modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

PROBE = """
import contextlib, io, json, sys
from alliance.cli import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

#: Never needed to print help or to score a file.
HEAVY = (
    "scipy",
    "statsmodels",
    "semopy",
    "pandas",
    "pyarrow",
    "fhir",
    "onnxruntime",
    "tokenizers",
    "django",
    "weasyprint",
    "sqlglot",
    "duckdb",
    "alliance.reports",
    "alliance.stats",
    "alliance.fhir",
    "alliance.transcripts",
    "alliance.web",
)


def loaded(argv: list[str], cwd: Path) -> set[str]:
    src = Path(__file__).resolve().parents[2] / "src"
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    return set(result["modules"])


#: Light modules of those packages that the command needs before any work: the rupture
#: rule's option defaults (dataclasses only), and the clinic's operations found through
#: their entry point (typer only; Django loads when one of them runs).
LIGHT = frozenset(
    {"alliance.stats", "alliance.stats.rupture_settings", "alliance.web", "alliance.web.operations"}
)


def heavy_in(modules: set[str]) -> list[str]:
    found = modules - LIGHT
    return [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in found)]


def test_help_imports_no_data_or_statistics_library(tmp_path: Path) -> None:
    modules = loaded(["--help"], tmp_path)
    assert heavy_in(modules) == []
    assert "polars" not in modules
    assert "numpy" not in modules


def test_score_on_a_small_file_imports_no_statistics_report_or_clinic_library(
    tmp_path: Path,
) -> None:
    pl.DataFrame(
        {"id": ["a", "b"], "session": [1, 1], **{f"phq9_{n}": [1, 2] for n in range(1, 10)}}
    ).write_csv(tmp_path / "small.csv")
    modules = loaded(["score", "small.csv", "-o", "scored.csv", "-q"], tmp_path)
    assert (tmp_path / "scored.csv").exists()
    assert heavy_in(modules) == []


def test_fhir_default_base_shown_in_help_is_the_fhir_packages() -> None:
    from alliance.cli import instruments
    from alliance.fhir import DEFAULT_BASE

    assert instruments.DEFAULT_BASE == DEFAULT_BASE
