"""`pip install alliance` (the core alone, no extras) scores, checks reliability and change.

A fresh virtual environment gets this checkout installed with the core
dependencies only, pinned by requirements/constraints.txt (so pip reuses the
wheels `make install` already fetched). The test then checks that no extra
came along, and runs the research commands a researcher starts with on a
small simulated cohort. Commands needing an extra say which one (exit 4).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Top-level modules the extras bring; none may be importable in the core environment.
EXTRA_MODULES = (
    "django",
    "rest_framework",
    "statsmodels",
    "semopy",
    "weasyprint",
    "onnxruntime",
    "tokenizers",
    "fhir",
    "sqlglot",
    "duckdb",
    "pyspark",
    "psycopg",
)


def run(cmd: list[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and the venv's scripts
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def core_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with Alliance's core installed (no extras); returns its bin/."""
    home = tmp_path_factory.mktemp("core-venv")
    # Build from a copy, so that the build leaves nothing (build/, *.egg-info) in the checkout.
    source = home / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    venv.create(home / "venv", with_pip=True)
    bin_ = home / "venv" / "bin"
    run(
        [
            str(bin_ / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            str(ROOT / "requirements" / "constraints.txt"),
            str(source),
        ],
        cwd=home,
    )
    return bin_


@pytest.mark.slow
def test_core_install_scores_checks_reliability_and_change_without_any_extra(
    core_env: Path, tmp_path: Path
) -> None:
    # One test, so that pytest-xdist builds the environment once.
    python, alliance = str(core_env / "python"), str(core_env / "alliance")
    probe = "import importlib.util, sys; print([m for m in sys.argv[1:] if importlib.util.find_spec(m)])"
    assert run([python, "-c", probe, *EXTRA_MODULES], cwd=tmp_path).stdout.strip() == "[]"
    assert run([python, "-m", "pip", "check"], cwd=tmp_path).returncode == 0

    run([alliance, "simulate", "-o", "cohort.csv", "--clients", "40", "--sessions", "4",
         "--seed", "1", "-q"], cwd=tmp_path)  # fmt: skip
    run([alliance, "score", "cohort.csv", "-o", "scored.parquet", "-q"], cwd=tmp_path)
    check = run(
        [python, "-c",
         "import polars as pl; f = pl.read_parquet('scored.parquet'); "
         "print(f.height, f['phq9_total'].null_count() < f.height, 'wai_sr_bond' in f.columns)"],
        cwd=tmp_path,
    )  # fmt: skip
    assert check.stdout.split()[1:] == ["True", "True"]
    reliability = run([alliance, "reliability", "cohort.csv", "-i", "wai_sr"], cwd=tmp_path)
    assert "alpha" in reliability.stdout
    assert "pip install 'alliance[models]'" in " ".join(reliability.stderr.split())
    change = run(
        [alliance, "change", "scored.parquet", "--score", "phq9_total", "-o", "change.csv"],
        cwd=tmp_path,
    )
    assert "reliable" in change.stdout.lower()
    assert (tmp_path / "change.csv").read_text(encoding="utf-8").count("\n") == 41

    # A command needing an extra names it (exit 4) and writes nothing.
    done = run([alliance, "report", "cohort.csv", "-o", "report.html"], cwd=tmp_path, check=False)
    assert done.returncode == 4
    assert "pip install 'alliance[reports]'" in " ".join(done.stderr.split())
    assert not (tmp_path / "report.html").exists()
