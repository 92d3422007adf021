"""Every command has --help with a worked example (README: "Every command has
`--help` with a worked example"), and the example is a real `alliance` line
for that command that runs as printed, on files a researcher would have."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alliance.cli import run

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py

COMMANDS = [
    ("instruments", "list"),
    ("instruments", "show"),
    ("instruments", "validate"),
    ("instruments", "fhir"),
    ("instruments", "import"),
    ("score",),
    ("reliability",),
    ("change",),
    ("ruptures",),
    ("agreement",),
    ("simulate",),
    ("demo",),
    ("export",),
    ("report",),
]
IDS = [" ".join(c) for c in COMMANDS]


def example_line(help_text: str) -> str:
    """The example after "Example:", its wrapped lines joined (up to the next blank line)."""
    lines = help_text.splitlines()
    for i, line in enumerate(lines):
        if "Example:" in line:
            paragraph = [line[line.index("Example:") + len("Example:") :]]
            for more in lines[i + 1 :]:
                if not more.strip() or "│" in more or "╰" in more:
                    break
                paragraph.append(more)
            return " ".join(" ".join(paragraph).split())
    raise AssertionError(f"no 'Example:' in the help text:\n{help_text}")


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_help_exits_0_and_shows_an_example_of_this_command(
    alliance: Alliance, command: tuple[str, ...]
) -> None:
    done = alliance(*command, "--help")
    assert done.code == 0, done.err
    assert "Usage: alliance " + " ".join(command) in done.out_flat
    example = example_line(done.out)
    assert example.startswith("alliance "), example
    argv = shlex.split(example)
    assert argv[0] == "alliance"
    assert tuple(argv[1 : 1 + len(command)]) == command, (
        f"the example is for another command: {example}"
    )


@pytest.mark.parametrize("group", [(), ("instruments",)], ids=["alliance", "instruments"])
def test_group_help_exits_0_and_lists_its_commands(
    alliance: Alliance, group: tuple[str, ...]
) -> None:
    done = alliance(*group, "--help")
    assert done.code == 0, done.err
    expected = (
        ["list", "show", "validate", "fhir", "import"]
        if group
        else [
            "score",
            "reliability",
            "change",
            "ruptures",
            "agreement",
            "simulate",
            "demo",
            "export",
            "report",
            "instruments",
        ]
    )
    for name in expected:
        assert re.search(rf"│ {name}\b", done.out), name


# --- the examples run as printed ------------------------------------------------------


@pytest.fixture(scope="module")
def researcher_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the examples name: answers.csv, cohort.csv, scored.csv, my_srs.toml."""
    folder = tmp_path_factory.mktemp("examples")
    cohort = folder / "cohort.csv"
    assert (
        run(
            [
                "simulate",
                "-o",
                str(cohort),
                "--clients",
                "60",
                "--sessions",
                "6",
                "--seed",
                "7",
                "-q",
            ]
        )
        == 0
    )
    shutil.copy(cohort, folder / "answers.csv")
    assert run(["score", str(cohort), "-o", str(folder / "scored.csv"), "-q"]) == 0
    return folder


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_the_help_example_runs_as_printed(
    alliance: Alliance,
    command: tuple[str, ...],
    researcher_files: Path,
    srs_toml: str,
    tmp_path: Path,
) -> None:
    for name in ("answers.csv", "cohort.csv", "scored.csv"):
        shutil.copy(researcher_files / name, tmp_path / name)
    (tmp_path / "my_srs.toml").write_text(srs_toml, encoding="utf-8")
    example = example_line(alliance(*command, "--help").out)
    done = alliance(*shlex.split(example)[1:])
    assert done.code == 0, f"{example!r} exited {done.code}: {done.err_flat}"
