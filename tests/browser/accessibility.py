"""axe-core in the browser tests: inject the vendored axe.min.js and report WCAG 2.1 AA violations.

axe-core (MPL-2.0, test-only) is vendored in tests/browser/vendor/axe-core/ from
npm; its SHA-256 is checked so an edited copy cannot pass silently. The app's
Content-Security-Policy forbids inline scripts, so pages checked with axe are
opened in a browser context made with ``bypass_csp=True``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.11.4"
AXE_SHA256 = "fb83a4378d978ecb7d2dae48a3a3778a84c971ac692f3afd45d714fba89c0f0d"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise AssertionError(f"{AXE} is not axe-core {AXE_VERSION} as vendored (SHA-256 {digest})")
    return data.decode("utf-8")


def serious_violations(page: Any) -> list[str]:
    """Serious or critical WCAG 2.1 A/AA violations on the page, as 'rule: target' lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    found = []
    for violation in result["violations"]:
        if violation.get("impact") in BLOCKING:
            for node in violation["nodes"]:
                found.append(f"{violation['id']} ({violation['impact']}): {node['target']}")
    return found
