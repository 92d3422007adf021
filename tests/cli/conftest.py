"""Shared pieces of the command-line tests.

Every test runs ``alliance`` in-process through :func:`alliance.cli.run`
(which returns the exit code instead of exiting) inside its own temporary
folder, on a plain 80-column terminal, the way a researcher's shell or a
pipe to a file sees it. Paths on the command line are relative, as a
researcher types them.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from alliance.cli import run


@dataclass(frozen=True)
class Outcome:
    """What one command did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def out_flat(self) -> str:
        """stdout with the terminal's line wrapping undone (runs of spaces -> one)."""
        return " ".join(self.out.split())

    @property
    def err_flat(self) -> str:
        """stderr with the terminal's line wrapping undone."""
        return " ".join(self.err.split())


Alliance = Callable[..., Outcome]


@pytest.fixture(autouse=True)
def _researcher_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fresh working folder, an 80-column terminal and no extra instrument folders."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("ALLIANCE_INSTRUMENTS_PATH", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def alliance(capsys: pytest.CaptureFixture[str]) -> Alliance:
    """``alliance("score", "a.csv", ...)`` -> Outcome(code, out, err).

    An exception escaping :func:`alliance.cli.run` is itself a failure: the
    command must turn every problem into an exit code and a message.
    """

    def invoke(*args: str) -> Outcome:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


@pytest.fixture(scope="session")
def alliance_script() -> Path:
    """The installed ``alliance`` console script (the README's entry point)."""
    beside = Path(sys.executable).parent / "alliance"
    if beside.is_file():
        return beside
    found = shutil.which("alliance")
    if found is None:  # pragma: no cover - the package is installed in the venv
        pytest.fail("the 'alliance' command is not installed beside the Python running the tests")
    return Path(found)


@pytest.fixture(scope="session")
def cohort_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small simulated cohort (60 clients x 6 sessions), its truth and its scores."""
    folder = tmp_path_factory.mktemp("cohort")
    cohort, truth, scored = folder / "cohort.csv", folder / "truth.csv", folder / "scored.csv"
    code = run(
        [
            "simulate", "-o", str(cohort), "--truth", str(truth),
            "--clients", "60", "--sessions", "6", "--seed", "11", "-q",
        ]
    )  # fmt: skip
    assert code == 0, "simulate failed while preparing the shared cohort"
    code = run(["score", str(cohort), "-o", str(scored), "-q"])
    assert code == 0, "score failed while preparing the shared cohort"
    return folder


@pytest.fixture
def cohort(cohort_files: Path, tmp_path: Path) -> Path:
    """cohort.csv, truth.csv and scored.csv copied into the test's working folder."""
    for name in ("cohort.csv", "truth.csv", "scored.csv"):
        shutil.copy(cohort_files / name, tmp_path / name)
    return Path("cohort.csv")


SRS_TOML = """\
# A clinic's licensed Session Rating Scale: four 0-10 visual-analogue lines.
id = "my_srs"
name = "Session Rating Scale (clinic licence)"
short_name = "SRS"
respondent = "client"
instructions = "Mark each line to show how today's session felt to you."

[response]
kind = "numeric"
min = 0
max = 10
step = 0.1
min_label = "Not at all"
max_label = "Completely"

[[items]]
n = 1
text = "Relationship: I felt heard, understood and respected."
[[items]]
n = 2
text = "Goals and topics: we worked on what I wanted to work on."
[[items]]
n = 3
text = "Approach or method: the therapist's approach is a good fit for me."
[[items]]
n = 4
text = "Overall: today's session was right for me."

[[scales]]
id = "total"
label = "Session rating"
items = [1, 2, 3, 4]
method = "sum"
higher_is_better = true
missing = { method = "complete", max_missing = 0, source = "Clinic rule: every line is needed." }
change = { published = false, source = "No published norm is used by this clinic." }

[licence]
name = "Licensed to the clinic"
text = "Used under the clinic's own licence."

[citation]
text = "Duncan, B. L., Miller, S. D., Sparks, J. A., et al. (2003). The Session Rating Scale. Journal of Brief Therapy, 3(1), 3-12."
"""


@pytest.fixture
def srs_toml() -> str:
    """The text of a valid user instrument file, ``my_srs.toml`` (id ``my_srs``)."""
    return SRS_TOML
