"""Alliance: measure and strengthen the therapeutic alliance.

The core (instruments, scoring, stats, simulate, io, transcripts) never
imports Django; the web app and the ``alliance`` command are thin layers
over it.
"""

__version__ = "0.1.0"
