"""The web app and the CLI use the core through its public names only, and so do the core's packages.

A core module's public names are those in its ``__all__`` (a package's
``__init__`` lists what it gives, e.g. ``alliance.stats``). An import in
``src/alliance/web`` or ``src/alliance/cli`` of a core module whose path has a
part starting with ``_``, of a name starting with ``_``, from a module without
``__all__``, or of a name its ``__all__`` does not list, fails here.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
OUTSIDE_THE_CORE = ("alliance.web", "alliance.cli")


def _is_core(module: str) -> bool:
    in_alliance = module == "alliance" or module.startswith("alliance.")
    return in_alliance and not module.startswith(OUTSIDE_THE_CORE)


def _source_of(module: str) -> Path | None:
    base = SRC.joinpath(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


@cache
def public_names(module: str) -> frozenset[str] | None:
    """The names in a core module's ``__all__``; None when it has none (or is not found)."""
    path = _source_of(module)
    if path is None:
        return None
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = node.value
            if isinstance(value, (ast.List, ast.Tuple)):
                return frozenset(
                    e.value
                    for e in value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return None


def private_uses(source: str) -> list[str]:
    """Each import of the core in ``source`` that is not of a public name: ``line: why``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_core(alias.name) and any(p.startswith("_") for p in alias.name.split(".")):
                    found.append(f"{node.lineno}: private module {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            module = node.module
            if not _is_core(module):
                continue
            if any(part.startswith("_") for part in module.split(".")):
                found.append(f"{node.lineno}: private module {module}")
                continue
            listed = public_names(module)
            for alias in node.names:
                name = alias.name
                if name.startswith("_"):
                    found.append(f"{node.lineno}: private name {module}.{name}")
                elif _source_of(f"{module}.{name}") is not None:
                    continue  # a public submodule (``from alliance import stats``)
                elif listed is None:
                    found.append(f"{node.lineno}: {module} has no __all__ (for {name})")
                elif name not in listed:
                    found.append(f"{node.lineno}: {name} is not in {module}.__all__")
    return found


def test_the_check_finds_private_modules_names_and_unlisted_names() -> None:
    source = "\n".join(
        [
            "from alliance.stats._checks import require_columns",
            "from alliance.stats.ruptures import _z_scores",
            "from alliance.stats import not_a_public_name",
            "import alliance.stats._checks",
            "from alliance.web.care.models import _private",  # the web app's own business
            "from alliance.stats import find_ruptures",
            "from alliance import stats",
        ]
    )
    assert [hit.split(":")[0] for hit in private_uses(source)] == ["1", "2", "3", "4"]


def test_web_and_cli_import_only_public_core_names() -> None:
    hits = [
        f"{path.relative_to(SRC)}:{hit}"
        for folder in ("web", "cli")
        for path in sorted((SRC / "alliance" / folder).rglob("*.py"))
        for hit in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert hits == []


def test_every_name_in_alliance_stats_all_can_be_imported() -> None:
    import alliance.stats

    missing = [name for name in alliance.stats.__all__ if not hasattr(alliance.stats, name)]
    assert missing == []
    assert public_names("alliance.stats") == frozenset(alliance.stats.__all__)


def test_alliance_stats_gives_exactly_its_modules_public_names() -> None:
    # The package lists the names again (to load them lazily and type them); this keeps
    # that list the same as the modules' own ``__all__``.
    import alliance.stats

    modules = sorted(p.stem for p in (SRC / "alliance" / "stats").glob("[!_]*.py"))
    given = set().union(*(public_names(f"alliance.stats.{m}") or frozenset() for m in modules))
    assert set(alliance.stats.__all__) == given
    for name in alliance.stats.__all__:
        module = alliance.stats._MODULE_OF[name]
        assert name in (public_names(f"alliance.stats.{module}") or frozenset()), name


def _package(path: Path) -> str:
    """``alliance.stats`` for src/alliance/stats/ruptures.py; ``alliance.io`` for src/alliance/io.py."""
    first = path.relative_to(SRC / "alliance").parts[0]
    return "alliance." + first.removesuffix(".py")


def test_core_packages_import_each_others_public_names_only() -> None:
    hits = []
    for path in sorted((SRC / "alliance").rglob("*.py")):
        package = _package(path)
        if package.startswith(OUTSIDE_THE_CORE):
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for hit in private_uses(source):
            line = lines[int(hit.split(":")[0]) - 1]
            imported = line.split()[1]
            if imported == package or imported.startswith(package + "."):
                continue  # within one package
            hits.append(f"{path.relative_to(SRC)}:{hit}")
    assert hits == []
