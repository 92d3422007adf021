"""Settings of the calibrated rupture rule, in a module that imports nothing heavy.

The ``alliance`` command shows these defaults in its help, which must start
without numpy or polars; :mod:`alliance.stats.rupture_noise` re-exports the
class for everything else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["RuptureSettings"]


@dataclass(frozen=True)
class RuptureSettings:
    """Settings of the calibrated rupture rule (:func:`alliance.stats.ruptures.find_ruptures`).

    ``z_k``: how far below the client's baseline, in standard errors, a
    score must lie; ``drop_k``: the least fall from the previous scored
    session, in noise SDs; ``min_prior``: earlier scored sessions needed
    (the baseline); ``repair_within`` / ``repair_z``: repaired when a score
    within that many sessions is back above ``baseline - repair_z`` standard
    errors. Defaults (project choice, bench/README.md "Ruptures") flag about
    1% of stable sessions (series of 12) and catch about 93% of one-session
    drops of 4 noise SDs after 3 or more sessions.
    """

    z_k: float = 2.2
    drop_k: float = 1.0
    min_prior: int = 3
    repair_within: int = 3
    repair_z: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
