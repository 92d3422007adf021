"""`alliance instruments list|show|validate`: what a researcher reads before
scoring, and the check of a home-made instrument file (README "Adding an
instrument needs no code")."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py


def builtin_ids() -> list[str]:
    """The ids of the shipped instrument files, read from the package folder itself."""
    folder = resources.files("alliance.instruments") / "data"
    return sorted(
        f.name.removesuffix(".toml") for f in folder.iterdir() if f.name.endswith(".toml")
    )


def section(text: str, start: str, end: str) -> str:
    """The part of flattened output from ``start`` up to (not including) ``end``."""
    assert start in text, f"{start!r} not in the output: {text}"
    rest = text[text.index(start) :]
    return rest[: rest.index(end)] if end in rest else rest


# --- list ------------------------------------------------------------------------


def test_the_readme_table_names_every_shipped_instrument() -> None:
    assert builtin_ids() == [
        "cnip",
        "gad7",
        "gas",
        "phq9",
        "sai",
        "session_feedback",
        "wai_sr",
        "wai_sr_t",
    ]


def test_list_shows_every_builtin_id_in_full(alliance: Alliance) -> None:
    """The id is what the researcher types after -i: it must be readable in full
    on an ordinary 80-column terminal, not cut to 'session_fee…'."""
    done = alliance("instruments", "list")
    assert done.code == 0, done.err
    shown = set(re.findall(r"[a-z][a-z0-9_]*", done.out))
    missing = [i for i in builtin_ids() if i not in shown]
    assert missing == [], f"ids not shown in full: {missing}\n{done.out}"


def test_list_marks_licences_not_yet_confirmed(alliance: Alliance) -> None:
    """SAI, WAI-SR and PHQ-9 licences carry check = true in their files (README: facts
    not confirmed against a primary source are marked [check])."""
    done = alliance("instruments", "list")
    assert done.code == 0, done.err
    assert "[check]" in done.out


def test_list_includes_an_instrument_on_the_instruments_path(
    alliance: Alliance, srs_toml: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "clinic_instruments"
    folder.mkdir()
    (folder / "my_srs.toml").write_text(srs_toml, encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_INSTRUMENTS_PATH", str(folder))
    done = alliance("instruments", "list")
    assert done.code == 0, done.err
    assert "my_srs" in done.out


# --- show ------------------------------------------------------------------------


def test_show_wai_sr_prints_the_subscale_key_licence_and_citation(alliance: Alliance) -> None:
    done = alliance("instruments", "show", "wai_sr")
    assert done.code == 0, done.err
    text = done.out_flat
    # the published WAI-SR key (Hatcher & Gillaspy 2006)
    assert "wai_sr_goal Goal: sum of items 4, 6, 8, 11;" in text
    assert "wai_sr_task Task: sum of items 1, 2, 10, 12;" in text
    assert "wai_sr_bond Bond: sum of items 3, 5, 7, 9;" in text
    assert "wai_sr_total Total: sum of items 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;" in text
    licence = section(text, "Licence:", "Citation:")
    assert "free for clinical and research use" in licence
    assert "Society for Psychotherapy Research" in licence
    citation = section(text, "Citation:", "Notes:")
    assert "Hatcher, R. L., & Gillaspy, J. A. (2006)" in citation
    assert "doi:10.1080/10503300500352500" in citation
    assert "no published norm" in text  # WAI-SR has no reliable-change norm, and says so


def test_show_wai_sr_keeps_the_check_mark_written_in_a_source(alliance: Alliance) -> None:
    """wai_sr.toml's missing-data rule source ends in '[check]'; show must print it."""
    done = alliance("instruments", "show", "wai_sr")
    assert done.code == 0, done.err
    missing_rule = section(done.out_flat, "wai_sr_total Total:", "wai_sr_goal")
    assert "no published WAI-SR rule retrieved [check]" in missing_rule, missing_rule


def test_show_wai_sr_marks_its_unconfirmed_licence(alliance: Alliance) -> None:
    """wai_sr.toml has [licence] check = true; show must mark the licence [check]."""
    done = alliance("instruments", "show", "wai_sr")
    assert done.code == 0, done.err
    licence = section(done.out_flat, "Licence:", "Citation:")
    assert "[check]" in licence, licence


def test_show_phq9_prints_the_bands_and_the_check_mark_on_its_change_norm(
    alliance: Alliance,
) -> None:
    done = alliance("instruments", "show", "phq9")
    assert done.code == 0, done.err
    text = done.out_flat
    # Kroenke, Spitzer & Williams (2001) severity bands
    assert "minimal 0-4, mild 5-9, moderate 10-14, moderately severe 15-19, severe 20-27" in text
    norms = section(text, "change norms:", "flag risk")
    assert "reliable change 6 points" in norms
    assert "[check]" in norms, f"the reliable-change norm lost its [check] mark: {norms!r}"
    assert "flag risk (urgent): item 9 > 0" in text


def test_show_an_unknown_instrument_is_bad_usage(alliance: Alliance) -> None:
    done = alliance("instruments", "show", "wai_12")
    assert done.code == 2
    assert "wai_12" in done.err_flat
    assert "wai_sr" in done.err_flat


def test_show_a_user_file(alliance: Alliance, srs_toml: str) -> None:
    Path("my_srs.toml").write_text(srs_toml, encoding="utf-8")
    done = alliance("instruments", "show", "my_srs.toml")
    assert done.code == 0, done.err
    assert "a number from" in done.out  # the visual-analogue answer rule (cell may wrap)
    assert "Output columns: my_srs_total, my_srs_total_mean, my_srs_note" in done.out_flat
    assert "Licensed to the clinic" in done.out_flat


# --- validate and use a user instrument -----------------------------------------------


def test_validate_accepts_a_good_user_instrument(alliance: Alliance, srs_toml: str) -> None:
    Path("my_srs.toml").write_text(srs_toml, encoding="utf-8")
    done = alliance("instruments", "validate", "my_srs.toml")
    assert done.code == 0, done.err
    assert "my_srs.toml: ok (my_srs: 4 items, 1 scales)" in done.out_flat


def test_a_validated_instrument_scores_with_i_file_and_from_the_instruments_path(
    alliance: Alliance, srs_toml: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "my_srs.toml").write_text(srs_toml, encoding="utf-8")
    Path("srs.csv").write_text(
        "id,session,my_srs_1,my_srs_2,my_srs_3,my_srs_4\nk1,1,7.5,8,9.1,10\nk1,2,0,0.1,5,6\n",
        encoding="utf-8",
    )
    done = alliance("score", "srs.csv", "-i", "clinic/my_srs.toml", "-o", "a.csv", "-q")
    assert done.code == 0, done.err
    assert pl.read_csv("a.csv")["my_srs_total"].to_list() == pytest.approx([34.6, 11.1])
    monkeypatch.setenv("ALLIANCE_INSTRUMENTS_PATH", str(folder))
    done = alliance("score", "srs.csv", "-i", "my_srs", "-o", "b.csv", "-q")
    assert done.code == 0, done.err
    assert pl.read_csv("b.csv")["my_srs_total"].to_list() == pytest.approx([34.6, 11.1])


def test_a_user_instrument_rejects_an_answer_off_its_scale(
    alliance: Alliance, srs_toml: str
) -> None:
    Path("my_srs.toml").write_text(srs_toml, encoding="utf-8")
    Path("srs.csv").write_text(
        "id,session,my_srs_1,my_srs_2,my_srs_3,my_srs_4\nk1,1,7.5,8,9.1,10\nk1,2,0,10.5,5,6\n",
        encoding="utf-8",
    )
    done = alliance("score", "srs.csv", "-i", "my_srs.toml", "-o", "a.csv", "-q")
    assert done.code == 3
    assert "row 2" in done.err_flat
    assert "my_srs_2" in done.err_flat
    assert "10.5" in done.err_flat


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        pytest.param(
            'text = "Goals and topics: we worked on what I wanted to work on."',
            'text = ""',
            "items[n=2].text",
            id="empty-item-text",
        ),
        pytest.param(
            "items = [1, 2, 3, 4]",
            "items = [1, 2, 3, 5]",
            "scales[id=total].items",
            id="scale-names-item-5",
        ),
        pytest.param("max = 10", "maxx = 10", "response.maxx", id="misspelt-field"),
        pytest.param(
            '[licence]\nname = "Licensed to the clinic"\n',
            "[licence]\n",
            "licence.name",
            id="licence-without-name",
        ),
    ],
)
def test_validate_rejects_a_bad_file_naming_the_field(
    alliance: Alliance, srs_toml: str, old: str, new: str, field: str
) -> None:
    assert old in srs_toml
    Path("my_srs.toml").write_text(srs_toml.replace(old, new), encoding="utf-8")
    done = alliance("instruments", "validate", "my_srs.toml")
    assert done.code == 3
    assert "my_srs.toml" in done.err_flat
    assert field in done.err_flat, f"field path {field!r} not in: {done.err_flat!r}"


def test_validate_rejects_a_file_whose_name_differs_from_its_id(
    alliance: Alliance, srs_toml: str
) -> None:
    Path("srs_copy.toml").write_text(srs_toml, encoding="utf-8")
    done = alliance("instruments", "validate", "srs_copy.toml")
    assert done.code == 3
    assert "srs_copy" in done.err_flat
    assert "my_srs" in done.err_flat


def test_validate_checks_every_file_given(
    alliance: Alliance, srs_toml: str, tmp_path: Path
) -> None:
    Path("my_srs.toml").write_text(srs_toml, encoding="utf-8")
    (tmp_path / "bad").mkdir()
    Path("bad/my_srs.toml").write_text(
        srs_toml.replace('respondent = "client"', 'respondent = "parent"'), encoding="utf-8"
    )
    done = alliance("instruments", "validate", "my_srs.toml", "bad/my_srs.toml")
    assert done.code == 3
    assert "respondent" in done.err_flat


# --- fhir and import ---------------------------------------------------------------


def test_fhir_prints_a_questionnaire_that_validates(alliance: Alliance) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire

    done = alliance("instruments", "fhir", "phq9")
    assert done.code == 0, done.err
    model = Questionnaire.model_validate_json(done.out)
    assert (model.id, len(model.item)) == ("phq9", 9)


def test_fhir_writes_a_file_and_import_gives_back_an_equal_instrument(
    alliance: Alliance, srs_toml: str
) -> None:
    from alliance.instruments import load_file

    Path("my_srs.toml").write_text(srs_toml, encoding="utf-8")
    done = alliance("instruments", "fhir", "my_srs.toml", "-o", "srs.json")
    assert done.code == 0, done.err
    assert "wrote" in done.err_flat
    done = alliance("instruments", "import", "srs.json", "-o", "clinic")
    assert done.code == 0, done.err
    assert "clinic/my_srs.toml: ok (my_srs: 4 items, 1 scales)" in done.out_flat
    assert load_file("clinic/my_srs.toml") == load_file("my_srs.toml")


def test_import_refuses_to_overwrite_without_force(alliance: Alliance, srs_toml: str) -> None:
    Path("my_srs.toml").write_text(srs_toml, encoding="utf-8")
    assert alliance("instruments", "import", "my_srs.toml", "-o", "clinic").code == 0
    again = alliance("instruments", "import", "my_srs.toml", "-o", "clinic")
    assert again.code == 2
    assert "exists; use --force" in again.err_flat
    assert alliance("instruments", "import", "my_srs.toml", "-o", "clinic", "--force").code == 0


def test_import_refuses_an_id_that_clashes_with_a_builtin(alliance: Alliance) -> None:
    assert alliance("instruments", "fhir", "gad7", "-o", "gad7.json").code == 0
    done = alliance("instruments", "import", "gad7.json", "-o", "clinic")
    assert done.code == 3
    assert "'gad7' is a built-in instrument" in done.err_flat
    assert not Path("clinic").exists()


FOREIGN = {
    "resourceType": "Questionnaire",
    "id": "ors-like",
    "name": "ORSLike",
    "title": "Outcome rating (test form)",
    "status": "active",
    "description": "Rate the last week on each line.",
    "item": [
        {
            "linkId": f"line{k}",
            "type": "integer",
            "text": f"Line {k}",
            "required": True,
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10},
            ],
        }
        for k in range(1, 5)
    ],
}
SCORING = """\
[[scales]]
id = "total"
label = "Outcome rating"
items = [1, 2, 3, 4]
missing = { method = "complete", source = "Test form: every line needed." }

[licence]
name = "Clinic licence"
text = "Used under the clinic's own licence."

[citation]
text = "Test citation."
"""


def test_import_of_a_foreign_questionnaire_needs_and_uses_a_scoring_file(
    alliance: Alliance,
) -> None:
    import json

    Path("ors.json").write_text(json.dumps(FOREIGN), encoding="utf-8")
    bare = alliance("instruments", "import", "ors.json", "-o", "clinic")
    assert bare.code == 3
    assert "no scales, licence, citation given" in bare.err_flat
    assert "[[scales]]" in bare.err_flat
    Path("scoring.toml").write_text(SCORING, encoding="utf-8")
    done = alliance("instruments", "import", "ors.json", "--scoring", "scoring.toml", "-o", "c")
    assert done.code == 0, done.err
    scored = alliance("instruments", "show", "c/ors_like.toml")
    assert "ors_like_total Outcome rating: sum of items 1, 2, 3, 4" in scored.out_flat


def test_import_of_a_broken_questionnaire_names_the_fhir_path(alliance: Alliance) -> None:
    import json

    broken = {**FOREIGN, "item": [{**FOREIGN["item"][0], "type": "attachment"}]}  # type: ignore[dict-item]
    Path("bad.json").write_text(json.dumps(broken), encoding="utf-8")
    done = alliance("instruments", "import", "bad.json", "-o", "clinic")
    assert done.code == 3
    assert "bad.json: item[0].type: 'attachment' items are not supported" in done.err_flat


def test_import_rejects_a_file_that_is_neither_json_nor_toml(alliance: Alliance) -> None:
    Path("form.xml").write_text("<Questionnaire/>", encoding="utf-8")
    done = alliance("instruments", "import", "form.xml", "-o", "clinic")
    assert done.code == 3
    assert "expected a .json FHIR Questionnaire or a .toml file" in done.err_flat
