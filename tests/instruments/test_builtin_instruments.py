"""The eight built-in instruments, checked against PSYCHOMETRICS.md sections 1-3.

The expected numbers, keys and texts below are written out literally from
``shared/reference/PSYCHOMETRICS.md`` so the test is an independent reference,
not a re-reading of the instrument files.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from alliance.instruments import Instrument, get, load_file, registry

BUILTIN_IDS = {"cnip", "gad7", "gas", "phq9", "sai", "session_feedback", "wai_sr", "wai_sr_t"}


def _data_files() -> list[Path]:
    folder = resources.files("alliance.instruments") / "data"
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml"))


def _options(inst: Instrument, n: int = 1) -> list[tuple[float, str]]:
    return [(o.value, o.label) for o in inst.response_for(n).options]


def _key(inst: Instrument) -> dict[str, tuple[int, ...]]:
    return {s.id: s.items for s in inst.scales}


# --- loading -----------------------------------------------------------------


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: p.stem)
def test_builtin_file_loads_and_its_id_matches_the_file_name(path: Path) -> None:
    inst = load_file(path)
    assert inst.id == path.stem


def test_exactly_the_eight_builtin_instruments_are_shipped() -> None:
    assert {p.stem for p in _data_files()} == BUILTIN_IDS
    assert set(registry()) >= BUILTIN_IDS


@pytest.mark.parametrize("licensed", ["srs", "core10", "arm5", "haq_ii", "wai_s_t"])
def test_instruments_needing_a_licence_or_unretrieved_texts_are_not_shipped(licensed: str) -> None:
    # PSYCHOMETRICS.md: SRS needs a licence, CORE-10 is CC BY-NC-ND, ARM-5 and
    # HAq-II have unknown licences, WAI-S-T item texts were not retrieved.
    assert licensed not in {p.stem for p in _data_files()}


def test_get_unknown_instrument_lists_the_known_ids() -> None:
    with pytest.raises(KeyError, match="phq9"):
        get("no_such_instrument")


# --- WAI-SR (section 1) --------------------------------------------------------

WAI_SR_KEY = {
    "total": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    "task": (1, 2, 10, 12),
    "bond": (3, 5, 7, 9),
    "goal": (4, 6, 8, 11),
}
WAI_SR_OPTIONS = [
    (1.0, "Seldom"),
    (2.0, "Sometimes"),
    (3.0, "Fairly often"),
    (4.0, "Very often"),
    (5.0, "Always"),
]
WAI_SR_TEXTS = [
    "As a result of these sessions I am clearer as to how I might be able to change.",
    "What I am doing in therapy gives me new ways of looking at my problem.",
    "I believe ___ likes me.",
    "___ and I collaborate on setting goals for my therapy.",
    "___ and I respect each other.",
    "___ and I are working towards mutually agreed upon goals.",
    "I feel that ___ appreciates me.",
    "___ and I agree on what is important for me to work on.",
    "I feel ___ cares about me even when I do things that he/she does not approve of.",
    "I feel that the things I do in therapy will help me to accomplish the changes that I want.",
    "___ and I have established a good understanding of the kind of changes that would be "
    "good for me.",
    "I believe the way we are working with my problem is correct.",
]


def test_wai_sr_subscale_key_is_task_1_2_10_12_bond_3_5_7_9_goal_4_6_8_11() -> None:
    assert _key(get("wai_sr")) == WAI_SR_KEY


def test_wai_sr_has_twelve_items_on_a_five_point_seldom_to_always_scale() -> None:
    inst = get("wai_sr")
    assert len(inst.items) == 12
    for n in range(1, 13):
        assert _options(inst, n) == WAI_SR_OPTIONS


def test_wai_sr_item_texts_match_the_published_reproduction() -> None:
    inst = get("wai_sr")
    assert [i.text for i in inst.items] == WAI_SR_TEXTS
    assert inst.name_placeholder == "___"


def test_wai_sr_has_no_reverse_keyed_items_and_sums_its_scales() -> None:
    inst = get("wai_sr")
    assert not any(i.reverse for i in inst.items)
    assert all(s.method == "sum" for s in inst.scales)


def test_wai_sr_presents_no_vendor_bands_as_norms() -> None:
    # "12-35 weak / 36-47 moderate / 48-60 strong have no validation".
    for form in ("wai_sr", "wai_sr_t"):
        assert all(not s.bands for s in get(form).scales)


def test_wai_sr_client_form_is_not_labelled_adapted() -> None:
    inst = get("wai_sr")
    assert inst.respondent == "client"
    assert inst.adapted is False


def test_wai_sr_therapist_form_is_labelled_adapted_parallel_form() -> None:
    inst = get("wai_sr_t")
    assert inst.respondent == "therapist"
    assert inst.adapted is True
    assert inst.adapted_note
    assert "therapist parallel form (adapted)" in inst.name
    assert "adapted" in inst.short_name.lower()


def test_wai_sr_therapist_form_shares_key_options_and_scoring_with_client_form() -> None:
    client, therapist = get("wai_sr"), get("wai_sr_t")
    assert _key(therapist) == WAI_SR_KEY
    assert len(therapist.items) == 12
    for n in range(1, 13):
        assert _options(therapist, n) == WAI_SR_OPTIONS
    assert [
        (s.id, s.method, s.missing.method, s.missing.max_missing) for s in therapist.scales
    ] == [(s.id, s.method, s.missing.method, s.missing.max_missing) for s in client.scales]
    assert not any(i.reverse for i in therapist.items)


def test_wai_sr_therapist_items_are_worded_from_the_therapists_side() -> None:
    texts = [i.text for i in get("wai_sr_t").items]
    assert texts[4] == "My client and I respect each other."  # PSYCHOMETRICS.md example
    assert all("___" not in t for t in texts)


# --- SAI (section 1) -----------------------------------------------------------

SAI_TEXTS = [
    "My therapist and I were working towards mutually agreed upon goals.",
    "I felt that my therapist appreciated me.",
    "My therapist and I respected each other.",
    "We were in agreement on what is important for me to work on.",
    "I felt that my therapist cared about me even if I had some things that he/she does not "
    "approve of.",
    "I believe the way we were working with my problem(s) was correct.",
]


def test_sai_bond_is_items_2_3_5_and_goal_task_is_items_1_4_6() -> None:
    key = _key(get("sai"))
    assert key["bond"] == (2, 3, 5)
    assert key["goal_task"] == (1, 4, 6)


def test_sai_has_one_composite_over_all_six_items() -> None:
    inst = get("sai")
    assert inst.scale("total").items == (1, 2, 3, 4, 5, 6)
    assert all(s.method == "mean" for s in inst.scales)


def test_sai_item_texts_and_last_session_instruction() -> None:
    inst = get("sai")
    assert [i.text for i in inst.items] == SAI_TEXTS
    assert "last session only" in inst.instructions


def test_sai_response_labels_follow_the_public_reproduction() -> None:
    labels = [label for _, label in _options(get("sai"))]
    assert labels == [
        "Not at all",
        "A little",
        "Moderately",
        "Quite a bit",
        "Very much",
        "Completely",
    ]


# --- C-NIP (section 2) ---------------------------------------------------------


def test_cnip_has_18_bipolar_items_valued_minus3_to_plus3() -> None:
    inst = get("cnip")
    assert len(inst.items) == 18
    for n in range(1, 19):
        assert sorted(v for v, _ in _options(inst, n)) == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
        assert inst.item(n).left_label and inst.item(n).right_label


def test_cnip_scales_are_items_1_5_6_10_11_13_14_18_summed() -> None:
    inst = get("cnip")
    assert _key(inst) == {
        "directiveness": (1, 2, 3, 4, 5),
        "emotional_intensity": (6, 7, 8, 9, 10),
        "past_orientation": (11, 12, 13),
        "warm_support": (14, 15, 16, 17, 18),
    }
    assert all(s.method == "sum" for s in inst.scales)
    assert not any(i.reverse for i in inst.items)


def test_cnip_applies_no_strong_preference_cutoffs() -> None:
    # The cut-offs are "tentative" and were not retrieved.
    assert all(not s.bands for s in get("cnip").scales)


# --- PHQ-9 and GAD-7 (section 3) -----------------------------------------------

FREQUENCY_OPTIONS = [
    (0.0, "Not at all"),
    (1.0, "Several days"),
    (2.0, "More than half the days"),
    (3.0, "Nearly every day"),
]
PHQ9_TEXTS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself - or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed, or the opposite - "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
]
GAD7_TEXTS = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
]


def test_phq9_has_nine_items_scored_0_to_3_with_the_published_texts() -> None:
    inst = get("phq9")
    assert [i.text for i in inst.items] == PHQ9_TEXTS
    for n in range(1, 10):
        assert _options(inst, n) == FREQUENCY_OPTIONS
    assert inst.scale("total").items == tuple(range(1, 10))


def test_phq9_bands_are_0_4_5_9_10_14_15_19_20_27_with_a_source() -> None:
    total = get("phq9").scale("total")
    assert [(b.label, b.min, b.max) for b in total.bands] == [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately severe", 15, 19),
        ("severe", 20, 27),
    ]
    assert total.bands_source and "Kroenke" in total.bands_source


def test_phq9_item_9_above_zero_raises_an_urgent_flag() -> None:
    flags = get("phq9").flags
    assert len(flags) == 1
    flag = flags[0]
    assert (flag.item, flag.scale, flag.op, flag.value) == (9, None, ">", 0)
    assert flag.severity == "urgent"
    assert flag.source


def test_phq9_change_norms_are_reliable_6_caseness_10_marked_check() -> None:
    change = get("phq9").scale("total").change
    assert change is not None
    assert change.published is True
    assert (change.min_reliable_change, change.clinical_cutoff, change.caseness) == (6, 10, ">=")
    assert change.check is True  # secondary source in PSYCHOMETRICS.md


def test_gad7_has_seven_items_scored_0_to_3_with_the_published_texts() -> None:
    inst = get("gad7")
    assert [i.text for i in inst.items] == GAD7_TEXTS
    for n in range(1, 8):
        assert _options(inst, n) == FREQUENCY_OPTIONS


def test_gad7_bands_are_0_4_5_9_10_14_15_21_with_a_source() -> None:
    total = get("gad7").scale("total")
    assert [(b.min, b.max) for b in total.bands] == [(0, 4), (5, 9), (10, 14), (15, 21)]
    assert total.bands_source and "Spitzer" in total.bands_source


def test_gad7_change_norms_are_reliable_4_caseness_8_marked_check() -> None:
    change = get("gad7").scale("total").change
    assert change is not None
    assert (change.min_reliable_change, change.clinical_cutoff, change.caseness) == (4, 8, ">=")
    assert change.check is True


# --- GAS and session feedback --------------------------------------------------


def test_gas_rates_up_to_five_optional_goals_minus2_to_plus2_with_rho_0_3() -> None:
    inst = get("gas")
    assert len(inst.items) == 5
    assert not any(i.required for i in inst.items)
    assert sorted(v for v, _ in _options(inst)) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    t = inst.scale("t")
    assert (t.method, t.gas_rho, t.missing.method) == ("gas_t", 0.3, "available")


def test_session_feedback_has_two_text_questions_and_a_0_10_helpful_rating() -> None:
    inst = get("session_feedback")
    kinds = [inst.response_for(n).kind for n in (1, 2, 3)]
    assert kinds == ["text", "text", "numeric"]
    helpful = inst.response_for(3)
    assert (helpful.low, helpful.high) == (0, 10)
    assert inst.scale("helpful").items == (3,)
    assert inst.scored_items() == [3]


# --- every instrument: licence, citation, missing rule, norms ------------------


@pytest.mark.parametrize("instrument_id", sorted(BUILTIN_IDS))
def test_every_instrument_has_a_licence_and_a_citation(instrument_id: str) -> None:
    inst = get(instrument_id)
    assert inst.licence.name.strip()
    assert inst.licence.text.strip()
    assert inst.citation.text.strip()


@pytest.mark.parametrize("instrument_id", ["wai_sr", "wai_sr_t", "phq9", "gad7"])
def test_licences_marked_check_in_the_reference_carry_check(instrument_id: str) -> None:
    assert get(instrument_id).licence.check is True


@pytest.mark.parametrize("instrument_id", sorted(BUILTIN_IDS))
def test_every_scale_has_a_missing_rule_with_a_source(instrument_id: str) -> None:
    inst = get(instrument_id)
    assert inst.scales
    for scale in inst.scales:
        assert scale.missing.source.strip(), scale.id


@pytest.mark.parametrize("instrument_id", sorted(BUILTIN_IDS))
def test_every_scale_states_its_change_norms_or_published_false(instrument_id: str) -> None:
    # Schema: "A scale without norms has published = false and the software
    # says 'no published norm'". A scale with no `change` entry says nothing.
    inst = get(instrument_id)
    silent = [s.id for s in inst.scales if s.change is None]
    assert silent == [], f"{instrument_id}: scales without change norms: {silent}"


@pytest.mark.parametrize("instrument_id", sorted(BUILTIN_IDS - {"phq9", "gad7"}))
def test_scales_without_published_norms_say_published_false(instrument_id: str) -> None:
    # Only PHQ-9 and GAD-7 have change norms in PSYCHOMETRICS.md; none others.
    for scale in get(instrument_id).scales:
        if scale.change is None:
            continue  # reported by the test above
        assert scale.change.published is False, scale.id
        assert scale.change.source.strip()
        assert scale.change.sd is None
        assert scale.change.min_reliable_change is None
        assert scale.change.clinical_cutoff is None


@pytest.mark.parametrize("instrument_id", sorted(BUILTIN_IDS))
def test_banded_scales_name_their_source(instrument_id: str) -> None:
    for scale in get(instrument_id).scales:
        if scale.bands:
            assert scale.bands_source, scale.id
