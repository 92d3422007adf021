"""The structure rules are executable: import-linter contracts in `make lint` (.importlinter).

These tests show the contracts can fail (a core module importing the web app breaks
the build) and that every core package is covered, so a new one cannot slip past.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser[f"importlinter:contract:{name}"]


def _modules(section: configparser.SectionProxy, key: str) -> set[str]:
    return {line.strip() for line in section[key].splitlines() if line.strip()}


def _fake_alliance(tmp_path: Path, offender: str, imported: str) -> Path:
    """A package named ``alliance`` with every contract's modules, one importing ``imported``."""
    root = tmp_path / "alliance"
    modules = {"alliance.web", "alliance.cli"}
    for name in ("core-is-framework-free", "cli-is-thin"):
        modules |= _modules(_contract(name), "source_modules")
    for module in sorted(modules):
        package = root.joinpath(*module.split(".")[1:])
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    target = root.joinpath(*offender.split(".")[1:]) / "leak.py"
    target.write_text(f"import {imported}\n")
    return tmp_path


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's core and CLI contracts (the web layers need the real apps)."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    parser.remove_section("importlinter:contract:clinic-apps-in-layers")
    config = path / "contracts.ini"
    with config.open("w") as handle:
        parser.write(handle)
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_core_module_importing_the_web_app_breaks_the_build(tmp_path: Path) -> None:
    done = _lint(_fake_alliance(tmp_path, "alliance.scoring", "alliance.web"))
    assert done.returncode != 0
    assert "The core never imports Django, DRF or the web app BROKEN" in " ".join(
        done.stdout.split()
    )


def test_the_cli_importing_the_web_app_breaks_the_build(tmp_path: Path) -> None:
    done = _lint(_fake_alliance(tmp_path, "alliance.cli", "alliance.web"))
    assert done.returncode != 0
    assert "BROKEN" in done.stdout


def test_a_tree_that_keeps_the_rules_passes(tmp_path: Path) -> None:
    done = _lint(_fake_alliance(tmp_path, "alliance.web", "alliance.scoring"))
    assert done.returncode == 0, done.stdout


def test_every_core_package_is_under_the_framework_free_contract() -> None:
    listed = _modules(_contract("core-is-framework-free"), "source_modules")
    src = ROOT / "src" / "alliance"
    present = {
        f"alliance.{p.stem}"
        for p in src.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem != "__init__")
    } - {"alliance.web", "alliance.cli"}
    assert present == listed


def test_the_clinic_app_layers_allow_no_upward_import() -> None:
    # An exception would be listed as `ignore_imports`; a lower app that must tell a
    # higher one about a change sends a signal instead.
    layers = _contract("clinic-apps-in-layers")
    assert "ignore_imports" not in layers, layers.get("ignore_imports")
