"""Texts and helpers of the client-rights tests (imported by the test modules of this folder)."""

from __future__ import annotations

C1_ANSWER = "C1 answer: the homework felt pointless"
C1_DRAFT = "C1 draft: something I have not sent yet"
C1_REFLECTION = "C1 reflection: walking first made it easier"
C1_FEEDBACK = "C1 feedback: I felt rushed at the end"
C1_NOTE = "C1 note: safety plan reviewed together"
X1_GOAL = "X1 goal: run a marathon by spring"
X1_FEEDBACK = "X1 feedback: please call me on Mondays"
X1_ANSWER = "X1 answer: sessions feel too short"
