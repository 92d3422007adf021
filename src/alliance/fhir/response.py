"""Answers as FHIR R4 QuestionnaireResponses, and QuestionnaireResponses read back as answers.

Answers are keyed by item number (``{1: 3.0, 2: None, 5: "free text"}``);
an unanswered item is left out of the resource. Reading checks everything
a scoring run relies on, so an imported response is scored by the same
engine exactly as one answered in the clinic.

>>> from alliance.instruments import get
>>> phq9 = get("phq9")
>>> qr = questionnaire_response(phq9, {n: 1 for n in range(1, 10)})
>>> read_questionnaire_response(qr, {"phq9": phq9}).answers[9]
1.0
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from alliance.fhir.common import (
    DEFAULT_BASE,
    fhir_id,
    number,
    questionnaire_url,
    responses_system,
    value_code,
)
from alliance.fhir.errors import FhirError, FhirRuleError
from alliance.fhir.validation import as_mapping, normalised, validate
from alliance.instruments import Instrument, answer_problem

Answer = float | str | None
ACCEPTED_STATUS = ("completed", "amended")


@dataclass(frozen=True)
class ParsedResponse:
    """A QuestionnaireResponse read back: which instrument, the answers, and its context."""

    instrument: Instrument
    answers: dict[int, Answer]
    subject: str | None = None
    encounter: str | None = None
    authored: dt.datetime | None = None


def _timestamp(value: dt.datetime, name: str) -> str:
    if value.tzinfo is None:
        raise ValueError(f"{name}: a FHIR dateTime needs a time zone; got {value.isoformat()}")
    return value.isoformat()


def questionnaire_response(
    instrument: Instrument,
    answers: Mapping[int, Answer],
    *,
    base_url: str = DEFAULT_BASE,
    subject: str | None = None,
    authored: dt.datetime | None = None,
    encounter: str | None = None,
    resource_id: str | None = None,
) -> dict[str, Any]:
    """One set of answers as a completed QuestionnaireResponse, validated with fhir.resources.

    ``subject`` and ``encounter`` are references (``"Patient/123"``);
    ``authored`` must carry a time zone.
    """
    items = []
    for n, value in sorted(answers.items()):
        if not isinstance(n, int) or not 1 <= n <= len(instrument.items):
            raise ValueError(f"answers: {instrument.id} has no item {n!r}")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        item = instrument.item(n)
        answer = _answer(instrument, n, value, base_url)
        items.append({"linkId": str(n), "text": item.text, "answer": [answer]})
    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    if resource_id is not None:
        resource["id"] = resource_id
    resource["questionnaire"] = questionnaire_url(base_url, instrument.id)
    resource["status"] = "completed"
    if subject is not None:
        resource["subject"] = {"reference": subject}
    if encounter is not None:
        resource["encounter"] = {"reference": encounter}
    if authored is not None:
        resource["authored"] = _timestamp(authored, "authored")
    resource["item"] = items
    validate(resource)
    return resource


def _answer(instrument: Instrument, n: int, value: float | str, base_url: str) -> dict[str, Any]:
    scale = instrument.response_for(n)
    problem = answer_problem(scale, value)
    if problem:
        raise ValueError(f"answers[{n}]: {problem}")
    if isinstance(value, str):
        return {"valueString": value}
    if scale.kind == "choice":
        option = next(o for o in scale.options if o.value == float(value))
        return {
            "valueCoding": {
                "system": responses_system(base_url, instrument.id),
                "code": value_code(option.value),
                "display": option.label,
            }
        }
    if scale.step is not None and all(
        float(v).is_integer() for v in (scale.low, scale.high, scale.step)
    ):
        return {"valueInteger": int(value)}
    return {"valueDecimal": number(float(value))}


# --- reading --------------------------------------------------------------------------------


def read_questionnaire_response(
    resource: Mapping[str, Any] | str,
    instruments: Mapping[str, Instrument],
    *,
    base_url: str = DEFAULT_BASE,
) -> ParsedResponse:
    """Validate a QuestionnaireResponse (from this or another system) and read its answers.

    The resource is validated with the fhir.resources R4B model first; then
    its ``questionnaire`` (``{base_url}/Questionnaire/{id}``, with or without
    ``|version``, or a bare id) must name one of ``instruments``, its status
    must be completed or amended, and every answer must fit its item. Any
    problem raises :class:`FhirError` naming the FHIR path.
    """
    data = normalised(as_mapping(resource, "QuestionnaireResponse"))
    instrument = _instrument(data.get("questionnaire"), instruments, base_url)
    status = data.get("status")
    if status not in ACCEPTED_STATUS:
        raise FhirError(
            f"status: {status!r}; only {' or '.join(ACCEPTED_STATUS)} responses are scored"
        )
    answers: dict[int, Answer] = dict.fromkeys((i.n for i in instrument.items), None)
    seen: dict[str, str] = {}
    system = responses_system(base_url, instrument.id)
    for where, item in _items(list(data.get("item") or []), "item"):
        link = item.get("linkId")
        n = _item_number(link, instrument)
        if n is None:
            raise FhirError(f"{where}.linkId: {instrument.id} has no item {link!r}")
        if link in seen:
            raise FhirError(f"{where}.linkId: item {link!r} appears twice (also at {seen[link]})")
        seen[str(link)] = where
        given = list(item.get("answer") or [])
        if len(given) > 1:
            raise FhirError(f"{where}.answer: item {link} has {len(given)} answers; one allowed")
        if given:
            answers[n] = _read_answer(f"{where}.answer[0]", given[0], instrument, n, system)
    return ParsedResponse(
        instrument=instrument,
        answers=answers,
        subject=_reference(data.get("subject")),
        encounter=_reference(data.get("encounter")),
        authored=_authored(data.get("authored")),
    )


def _instrument(
    canonical: object, instruments: Mapping[str, Instrument], base_url: str
) -> Instrument:
    if not isinstance(canonical, str) or not canonical:
        raise FhirError("questionnaire: missing; name the Questionnaire that was answered")
    url = canonical.split("|", 1)[0]
    prefix = f"{base_url}/Questionnaire/"
    key = url[len(prefix) :] if url.startswith(prefix) else url
    for inst in instruments.values():
        if key in (inst.id, fhir_id(inst.id)):
            return inst
    raise FhirError(
        f"questionnaire: {canonical!r} names no known instrument; expected "
        f"{prefix}<id> with id one of {', '.join(sorted(fhir_id(i) for i in instruments))}"
    )


def _items(items: list[Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Items with answers, groups flattened, each with its FHIR path."""
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if item.get("item"):
            if item.get("answer"):
                raise FhirError(f"{where}.item: answers nested under answers are not supported")
            yield from _items(list(item["item"]), f"{where}.item")
        else:
            yield where, item


def _item_number(link: object, instrument: Instrument) -> int | None:
    if not isinstance(link, str) or not link.isascii() or not link.isdigit():
        return None
    n = int(link)
    return n if 1 <= n <= len(instrument.items) and str(n) == link else None


def _read_answer(
    where: str, answer: Mapping[str, Any], instrument: Instrument, n: int, system: str
) -> Answer:
    scale = instrument.response_for(n)
    kinds = [k for k in answer if k.startswith("value")]
    if scale.kind == "text":
        if kinds != ["valueString"]:
            raise FhirError(f"{where}: item {n} takes free text (valueString), got {kinds}")
        text = str(answer["valueString"])
        problem = answer_problem(scale, text)
        if problem:
            raise FhirRuleError(f"{where}.valueString: item {n}: {problem}")
        return text
    if scale.kind == "choice" and "valueCoding" in answer:
        coding = answer["valueCoding"]
        if coding.get("system") not in (None, system):
            raise FhirError(
                f"{where}.valueCoding.system: {coding.get('system')!r}; expected {system!r}"
            )
        code = coding.get("code")
        for option in scale.options:
            if value_code(option.value) == code:
                return option.value
        allowed = ", ".join(value_code(o.value) for o in scale.options)
        raise FhirError(f"{where}.valueCoding.code: {code!r} is not one of {allowed}")
    if kinds in (["valueInteger"], ["valueDecimal"]):
        value = float(answer[kinds[0]])
        problem = answer_problem(scale, value)
        if problem:
            raise FhirError(f"{where}.{kinds[0]}: {problem}")
        return value
    expected = "valueCoding" if scale.kind == "choice" else "valueInteger or valueDecimal"
    raise FhirError(f"{where}: item {n} takes {expected}, got {kinds or 'no value'}")


def _reference(value: object) -> str | None:
    if isinstance(value, Mapping):
        ref = value.get("reference")
        return ref if isinstance(ref, str) else None
    return None


def _authored(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None  # a FHIR partial date (e.g. "2024-05"): kept out rather than guessed
