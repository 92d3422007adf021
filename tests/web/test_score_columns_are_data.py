"""Web code names no score column itself: the core names them from the instrument files.

Columns such as ``sai_total`` or ``wai_sr_goal_mean`` come from
``alliance.scoring.keys`` (or the constants built from it in
``alliance.web.score_columns``). A literal one, or an f-string that builds one
(``f"{instrument}_total"``), in ``src/alliance/web`` (migrations aside) fails here.
The columns and instrument ids are those of the built-in instruments, read from
the instrument registry.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from alliance.instruments import builtin
from alliance.scoring.keys import score_keys

WEB = Path(__file__).resolve().parents[2] / "src" / "alliance" / "web"
INSTRUMENTS = builtin()
COLUMNS = frozenset(k.column for i in INSTRUMENTS.values() for k in score_keys(i))
# The parts a score column ends with, or holds (see alliance.scoring.keys.score_keys).
ENDINGS = ("_total", "_mean", "_band", "_note")
TOKEN = re.compile(r"[A-Za-z0-9_{}]+")


def _builds_a_column(template: str) -> bool:
    """Whether an f-string's text (``{}`` for each value) builds a score column."""
    for token in TOKEN.findall(template):
        starts = token.startswith("{}_") or any(token.startswith(f"{i}_") for i in INSTRUMENTS)
        if "{}" in token and starts and (token.endswith(ENDINGS) or "_flag_" in token):
            return True
    return False


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes (documentation may name a column as an example)."""
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def literal_columns(source: str) -> list[str]:
    """The score columns a Python module's code spells out or builds: ``line: text`` each."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            template = "".join(
                v.value if isinstance(v, ast.Constant) else "{}" for v in node.values
            )
            if _builds_a_column(template):
                found.append((node.lineno, f"f{template!r}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.extend((node.lineno, repr(w)) for w in TOKEN.findall(node.value) if w in COLUMNS)
    return [f"{line}: {text}" for line, text in sorted(found)]


def web_files(suffix: str) -> list[Path]:
    return sorted(p for p in WEB.rglob(f"*{suffix}") if "migrations" not in p.parts)


def test_the_check_finds_literal_and_built_columns() -> None:
    source = "\n".join(
        [
            'a = scores["sai_total"]',
            'b = f"wai_sr_{s}_mean"',
            'c = f"{instrument}_total"',
            'd = f"{i}_flag_{flag}"',
            'e = "instrument sai, item 3, _total=accurate"',
            'f = f"{name}_scores"',
            'def g():\n    """Reads ``sai_total``."""',
        ]
    )
    assert [hit.split(":")[0] for hit in literal_columns(source)] == ["1", "2", "3", "4"]


def test_web_python_code_names_no_score_column() -> None:
    hits = [
        f"{path.relative_to(WEB)}:{hit}"
        for path in web_files(".py")
        for hit in literal_columns(path.read_text(encoding="utf-8"))
    ]
    assert hits == []


def test_web_templates_name_no_score_column() -> None:
    hits = [
        f"{path.relative_to(WEB)}: {word}"
        for path in web_files(".html") + web_files(".txt")
        for word in TOKEN.findall(path.read_text(encoding="utf-8"))
        if word in COLUMNS
    ]
    assert hits == []
