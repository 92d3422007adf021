"""The documentation site: built offline, nothing fetched from another host; a short README.

`make docs` builds the site in strict mode (broken links, missing anchors and
pages left out of the nav fail it). These tests add what strict mode does not
check: the built pages load no script, style, font or image from a CDN (the
clinic's closed network must be able to read them), and the README stays a
front page whose links stay inside the repository.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


class _Assets(HTMLParser):
    """Every address a page loads by itself (not the links a reader may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            self.loaded.append(found.get("src") or "")
        elif tag == "link" and found.get("rel") not in ("canonical", "prev", "next"):
            self.loaded.append(found.get("href") or "")
        elif tag == "object":
            self.loaded.append(found.get("data") or "")
        self.loaded.extend(url for _, url in CSS_URL.findall(found.get("style") or ""))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_docs_build_in_strict_mode(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "developers" / "architecture" / "index.html").is_file()


def test_built_pages_load_nothing_from_another_host(site: Path) -> None:
    offending: list[str] = []
    for page in site.rglob("*.html"):
        parser = _Assets()
        parser.feed(page.read_text(encoding="utf-8"))
        offending += [
            f"{page.relative_to(site)}: {url}" for url in parser.loaded if EXTERNAL.match(url)
        ]
    for sheet in site.rglob("*.css"):
        for groups in CSS_URL.findall(sheet.read_text(encoding="utf-8")):
            offending += [f"{sheet.relative_to(site)}: {u}" for u in groups if EXTERNAL.match(u)]
    assert offending == []


def test_readme_is_a_short_front_page_naming_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 150
    assert "make demo" in text and "make test" in text


@pytest.mark.parametrize("name", ["README.md", "CONTRIBUTING.md"])
def test_front_page_links_resolve_inside_the_repository(name: str) -> None:
    bad: list[str] = []
    for target in MARKDOWN_LINK.findall((ROOT / name).read_text(encoding="utf-8")):
        if EXTERNAL.match(target) or target.startswith(("#", "mailto:")):
            continue
        path = (ROOT / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            bad.append(target)
    assert bad == []


def test_contributing_points_nowhere_outside_the_repository() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "../" not in text
