"""Research export rows are not in the clinic's internal order, so two exports cannot be lined up."""

from __future__ import annotations

import pytest
from web_factories import add_sessions, answer_sessions, episode_of, make_client

from alliance.export import deidentify
from alliance.web.research.dataset import IDS, research_table

pytestmark = pytest.mark.django_db


def test_rows_are_ordered_by_pseudonym_not_by_enrolment(clinic_a, alice):
    for i in range(6):
        client = make_client(clinic_a, alice, f"R{i}")
        answer_sessions(add_sessions(episode_of(client), 1))
    out = deidentify(research_table(clinic_a.pk).frame, ids=IDS, intake="episode_start")
    codes = out.frame.get_column("client_id").to_list()
    # Sorted by the (per-export) pseudonym: rows in client-pk order would pair up the
    # unlinkable pseudonyms of two exports and give away the order of enrolment.
    assert codes == sorted(codes)
