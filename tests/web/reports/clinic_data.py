"""A clinic's stored questionnaires drawn from the simulator, for the clinic report tests.

Each simulated client becomes a client of the clinic (therapists in turn),
with one session per simulated session and the client's SAI, WAI-SR, PHQ-9
and GAD-7 answers stored as real responses, scored by the web app's own
``score_answers`` (memoised in ``web_factories.scores_for``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from web_factories import make_client, scores_for

from alliance.simulate import simulate_cohort
from alliance.web.accounts.models import Organisation, User
from alliance.web.care.models import Session
from alliance.web.measures.models import Respondent, Response

INSTRUMENTS = ("sai", "wai_sr", "phq9", "gad7")


def fill_clinic(
    clinic: Organisation,
    therapists: Sequence[User],
    clients: int,
    *,
    sessions: int = 6,
    seed: int = 5,
    prefix: str = "SIM",
) -> int:
    """Add ``clients`` simulated clients with answered sessions; returns the responses stored."""
    data = simulate_cohort(clients, sessions, seed=seed, instruments=INSTRUMENTS).data
    responses: list[Response] = []
    by_id = data.partition_by("id", as_dict=True, maintain_order=True)
    for i, ((ident,), rows) in enumerate(by_id.items()):
        client = make_client(clinic, therapists[i % len(therapists)], f"{prefix}-{ident}")
        episode = client.current_episode()
        assert episode is not None
        made = Session.objects.bulk_create(
            Session(
                episode=episode, number=int(n), date=episode.started + dt.timedelta(weeks=int(n))
            )
            for n in rows["session"]
        )
        for session, row in zip(made, rows.iter_rows(named=True), strict=True):
            for inst in INSTRUMENTS:
                answers = {
                    k[len(inst) + 1 :]: float(v)
                    for k, v in row.items()
                    if k.startswith(inst + "_") and k[len(inst) + 1 :].isdigit() and v is not None
                }
                responses.append(
                    Response(
                        session=session,
                        instrument=inst,
                        respondent=Respondent.CLIENT,
                        answers=answers,
                        scores=scores_for(inst, answers),
                    )
                )
    Response.objects.bulk_create(responses)
    return len(responses)
