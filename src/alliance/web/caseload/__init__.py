"""The clinician's pages: caseload, client and session pages, intake, the demo seed.

The top of the clinic apps: it shows what the lower apps store (care's
clients and sessions, measures' answers, alerts, goals, the portal link),
so nothing below imports it. Its URLs keep the ``care`` namespace.
"""
