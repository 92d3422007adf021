"""Where the transcript benchmarks find the AnnoMI training data.

``$ALLIANCE_ANNOMI`` when set, else the first ``shared/data/annomi`` above
this checkout (a git worktree sits deeper than the main checkout), else
``../shared/data/annomi``. The scripts beside this file import it (run as
``python bench/transcripts/SCRIPT.py``, their folder is on ``sys.path``).
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The AnnoMI folder (it holds ``annomi-simple-train.csv``)."""
    env = os.environ.get("ALLIANCE_ANNOMI")
    if env:
        return Path(env)
    for up in Path(__file__).resolve().parents:
        d = up / "shared" / "data" / "annomi"
        if d.is_dir():
            return d
    return Path("../shared/data/annomi")
